use super::*;

/// What Chrome sends for a form with a text field and a PNG upload.
const BROWSER_BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

fn browser_body(png: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n");
    b.extend_from_slice(b"Content-Disposition: form-data; name=\"title\"\r\n\r\n");
    b.extend_from_slice(b"Hello, world\r\nsecond line\r\n");
    b.extend_from_slice(b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n");
    b.extend_from_slice(
        b"Content-Disposition: form-data; name=\"avatar\"; filename=\"pixel.png\"\r\n",
    );
    b.extend_from_slice(b"Content-Type: image/png\r\n\r\n");
    b.extend_from_slice(png);
    b.extend_from_slice(b"\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n");
    b
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\r\n--not-a-boundary";

fn ok(body: &[u8], boundary: &str) -> (Vec<MultipartPart>, Vec<String>) {
    match parse(body, boundary, 100) {
        Ok(parsed) => parsed,
        Err(e) => panic!("should parse: {e}"),
    }
}

#[test]
fn browser_text_and_file_parts() {
    let (parts, notes) = ok(&browser_body(PNG), BROWSER_BOUNDARY);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0],
        MultipartPart {
            name: Some("title".into()),
            filename: None,
            content_type: None,
            size: 25,
            preview: "Hello, world\r\nsecond line".into(),
        }
    );
    let file = &parts[1];
    assert_eq!(file.name.as_deref(), Some("avatar"));
    assert_eq!(file.filename.as_deref(), Some("pixel.png"));
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    assert_eq!(file.size, PNG.len());
    assert!(
        file.preview.starts_with(
            "00000000  89 50 4e 47 0d 0a 1a 0a  00 00 00 0d 49 48 44 52  |.PNG........IHDR|"
        ),
        "{}",
        file.preview
    );
}

#[test]
fn curl_style_with_text_file() {
    // curl -F 'meta={"a":1};type=application/json' -F 'notes=@notes.txt'
    let boundary = "------------------------d74496d66958873e";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"a\":1}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"notes\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nline 1\nline 2\n\r\n\
         --{boundary}--\r\n"
    );
    let (parts, notes) = ok(body.as_bytes(), boundary);
    assert!(notes.is_empty());
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].preview.as_str(), parts[0].size), ("{\"a\":1}", 7));
    assert_eq!(parts[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        (parts[1].preview.as_str(), parts[1].filename.as_deref()),
        ("line 1\nline 2\n", Some("notes.txt"))
    );
}

#[test]
fn preamble_epilogue_lf_only_and_empty_parts() {
    let body = b"This is the preamble.\n--b\nContent-Disposition: form-data; name=\"empty\"\n\n\n--b\nContent-Disposition: form-data; name=\"tight\"\n\n--b\nContent-Disposition: form-data; name=\"x\"\n\nvalue\n--b--\nepilogue --b";
    let (parts, notes) = ok(body, "b");
    assert!(notes.is_empty());
    let got: Vec<_> = parts
        .iter()
        .map(|p| (p.name.as_deref(), p.size, p.preview.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Some("empty"), 0, ""),
            (Some("tight"), 0, ""),
            (Some("x"), 5, "value")
        ]
    );
}

#[test]
fn extended_filename() {
    let body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"naive.txt\"; filename*=UTF-8''na%C3%AFve+%E2%9C%93.txt\r\n\r\nx\r\n--b--";
    let (parts, _) = ok(body.as_bytes(), "b");
    assert_eq!(parts[0].filename.as_deref(), Some("naïve+✓.txt"));
}

#[test]
fn missing_close_keeps_parts_with_a_note() {
    let body = b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\ncut off her";
    let (parts, notes) = ok(body, "b");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1].preview, "cut off her");
    assert_eq!(
        notes,
        ["multipart body ends without a closing boundary (truncated?)"]
    );
}

#[test]
fn malformed_is_an_error() {
    assert!(parse(b"no boundary here", "b", 10).is_err());
    assert!(parse(b"--b", "b", 10).is_err());
    assert!(parse(b"--b\r\nContent-Type: text/plain\r\nno blank line", "b", 10).is_err());
    assert!(parse(b"--b\r\n", "", 10).is_err());
    assert!(parse(b"x", &"b".repeat(300), 10).is_err());
}

#[test]
fn header_block_without_end_is_bounded() {
    let mut body = b"--b\r\n".to_vec();
    body.extend(
        std::iter::repeat_n(
            b"X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".as_slice(),
            10_000,
        )
        .flatten(),
    );
    assert!(parse(&body, "b", 10).is_err());
}

#[test]
fn part_cap() {
    let mut body = Vec::new();
    for i in 0..5 {
        body.extend_from_slice(
            format!("--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(b"--b--");
    let (parts, notes) = match parse(&body, "b", 3) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(parts.len(), 3);
    assert_eq!(notes, ["only the first 3 parts are shown"]);
}

#[test]
fn previews_are_capped() {
    let text = "é".repeat(3000);
    let text_preview = preview(text.as_bytes(), Some("text/plain"));
    // 2048 bytes is 1024 two-byte characters; the rest is counted.
    assert!(text_preview.starts_with(&"é".repeat(1024)));
    assert!(
        text_preview.ends_with("\n… (3.9 KiB more)"),
        "{text_preview}"
    );
    let binary = preview(&[0u8; 1000], None);
    assert_eq!(binary.lines().count(), 17);
    assert!(binary.ends_with("\n… (744 B more)"));
    // Latin-1 text part.
    assert_eq!(
        preview(b"caf\xe9", Some("text/plain; charset=latin1")),
        "café"
    );
}

#[test]
fn near_boundaries_are_linear() {
    // Many almost-delimiters: KMP keeps this linear.
    let mut body = b"--bbbbbbbbbbbbbbbbbbbx\r\n\r\n".to_vec();
    body.extend(std::iter::repeat_n(b"\n--bbbbbbbbbbbbbbbbbbb".as_slice(), 200_000).flatten());
    let started = std::time::Instant::now();
    let parsed = parse(&body, "bbbbbbbbbbbbbbbbbbbx", 10);
    assert!(parsed.is_ok());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn finder() {
    let f = Finder::new(b"abab".to_vec());
    assert_eq!(f.find(b"xxabaabab", 0), Some(5));
    assert_eq!(f.find(b"abababab", 1), Some(2));
    assert_eq!(f.find(b"aba", 0), None);
    assert_eq!(f.find(b"abab", 9), None);
}
