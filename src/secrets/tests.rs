use super::*;

#[test]
fn secret_headers_cover_credentials_signatures_cookies_and_keys() {
    for name in [
        "Authorization",
        "proxy-authorization",
        "X-Pingara-Secret",
        "x-hook-secret",
        "X-Hub-Signature",
        "X-Hub-Signature-256",
        "Stripe-Signature",
        "webhook-signature",
        "X-Slack-Signature",
        "X-Shopify-Hmac-Sha256",
        "X-Gitlab-Token",
        "Cookie",
        "Set-Cookie",
        "X-API-Key",
        "api-key",
        "X-Auth-Token",
    ] {
        assert!(is_secret_header(name, "X-Hook-Secret"), "{name}");
    }
    for name in ["content-type", "user-agent", "x-github-event", "webhook-id"] {
        assert!(!is_secret_header(name, "X-Hook-Secret"), "{name}");
    }
}

#[test]
fn header_values_keep_only_the_scheme_word() {
    assert_eq!(
        mask_header_value("Authorization", "Bearer abcdefghijklmnop"),
        "Bearer ••••"
    );
    assert_eq!(
        mask_header_value("authorization", "Basic dTpw"),
        "Basic ••••"
    );
    assert_eq!(mask_header_value("authorization", "opaque-token"), "••••");
    assert_eq!(
        mask_header_value("x-pingara-secret", "s3cret value"),
        "••••"
    );
    // A scheme word that is not one (an ESC) is masked with the rest.
    assert_eq!(mask_header_value("authorization", "\u{1b}[8m x"), "••••");
}

#[test]
fn url_passwords_and_query_tokens_are_masked() {
    assert_eq!(
        mask_url("http://user:pw@localhost:3000/x"),
        "http://user:••••@localhost:3000/x"
    );
    assert_eq!(
        mask_url("https://tok@host/a@b?q=1"),
        "https://••••@host/a@b?q=1"
    );
    assert_eq!(mask_url("localhost:3000/x"), "localhost:3000/x");
    assert_eq!(mask_url("u:p@h"), "u:••••@h");
    assert_eq!(mask_url("http://h/p?x=a:b@c"), "http://h/p?x=a:b@c");
    assert_eq!(
        mask_url("http://u:pw@host/x?token=abc&page=2"),
        "http://u:••••@host/x?token=••••&page=2"
    );
    assert_eq!(
        mask_url("/hook?api_key=k1&accessToken=t&X-Amz-Signature=s&sig=z&keyword=rust"),
        "/hook?api_key=••••&accessToken=••••&X-Amz-Signature=••••&sig=••••&keyword=rust"
    );
    assert_eq!(mask_url("/x?access%5Ftoken=t"), "/x?access%5Ftoken=••••");
    assert_eq!(mask_url("/x?token=&a"), "/x?token=&a");
    assert_eq!(
        mask_url("/x?author=me#password=p"),
        "/x?author=me#password=p"
    );
    assert!(matches!(mask_url("/plain?page=1"), Cow::Borrowed(_)));
}

#[test]
fn query_parameter_names() {
    for name in [
        "token",
        "key",
        "secret",
        "password",
        "signature",
        "sig",
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "hub.verify_token",
        "client_secret",
    ] {
        assert!(is_secret_param(name), "{name}");
    }
    for name in ["page", "author", "keyword", "ref", "id"] {
        assert!(!is_secret_param(name), "{name}");
    }
}

#[test]
fn a_request_is_masked_in_place_only_when_on() {
    let mut req = CapturedRequest::new(
        "POST",
        "/hook?token=abc",
        vec![
            HeaderField::new("authorization", b"Bearer t0ken".to_vec()),
            HeaderField::new("content-type", b"application/json".to_vec()),
        ],
        b"{}".to_vec(),
    );
    let exact = req.clone();
    Masking::new("X-Pingara-Secret", false).request(&mut req);
    assert_eq!(req, exact);
    Masking::new("X-Pingara-Secret", true).request(&mut req);
    assert_eq!(req.target, "/hook?token=••••");
    assert_eq!(req.headers[0].value_str(), "Bearer ••••");
    assert_eq!(req.headers[1].value_str(), "application/json");
    assert_eq!(req.body, b"{}");
}

#[test]
fn hints_keep_four_characters_of_long_values_only() {
    assert_eq!(hint(""), "(empty)");
    assert_eq!(hint("short"), "•••• (5 chars)");
    assert_eq!(hint("twelve_chars"), "twel… (12 chars)");
    assert_eq!(hint("\u{1b}[8mabcdefghij"), "\\u{1b}[8m… (14 chars)");
}
