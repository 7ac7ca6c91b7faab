//! `e`: edit a captured request in `$EDITOR` before replaying it.
//!
//! The request goes into a temporary file (mode 0600, removed afterwards) in
//! the shape of an HTTP message, so method, path, headers and body are all
//! editable in one place:
//!
//! ```text
//! POST /pingara-webhook?attempt=1
//! content-type: application/json
//! x-pingara-secret: s3cret
//!
//! {"event":"incident.created", ...}
//! ```
//!
//! The first line is `METHOD /path?query` (a trailing `HTTP/1.1` is
//! accepted), then one `Name: value` line a header, a blank line, and the body
//! bytes exactly as they follow. Editors add a newline at the end of a file:
//! when the captured body did not end with one, one trailing newline is
//! dropped again, so an untouched body keeps its signature. Header bytes are
//! written and read raw (no decoding), and `Host` and `Content-Length` are
//! rewritten for the target when sent, as for any replay.
//!
//! [`render`] and [`parse`] are pure; [`EditFile`] and [`run`] do the IO.

use std::path::{Path, PathBuf};

use crate::model::{CapturedRequest, HeaderField};
use crate::replay::Edits;

/// Why an edited file cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the file is empty: nothing sent")]
    Empty,
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
}

fn at(line: usize, message: impl Into<String>) -> EditError {
    EditError::Line {
        line,
        message: message.into(),
    }
}

/// The request as an editable file.
pub fn render(req: &CapturedRequest) -> Vec<u8> {
    let mut out = Vec::with_capacity(req.body.len() + 64 * (req.headers.len() + 1));
    out.extend_from_slice(req.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(req.target.as_bytes());
    out.push(b'\n');
    for h in &req.headers {
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(&h.value);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(&req.body);
    out
}

/// Read an edited file back: the changes against `req` (`None`: nothing changed).
pub fn parse(file: &[u8], req: &CapturedRequest) -> Result<Option<Edits>, EditError> {
    if file.iter().all(u8::is_ascii_whitespace) {
        return Err(EditError::Empty);
    }
    let mut rest = file;
    let mut head: Vec<&[u8]> = Vec::new();
    let mut body: &[u8] = &[];
    loop {
        let (line, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() && !head.is_empty() {
            body = next.unwrap_or(&[]);
            break;
        }
        if !line.is_empty() {
            head.push(line);
        }
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    let (method, path) = request_line(head.first().copied().unwrap_or_default())?;
    let mut headers = Vec::with_capacity(head.len().saturating_sub(1));
    for (i, line) in head.iter().enumerate().skip(1) {
        headers.push(header_line(line).map_err(|m| at(i + 1, m))?);
    }
    let mut body = body.to_vec();
    if !req.body.ends_with(b"\n") && body.ends_with(b"\n") {
        body.pop();
    }
    let edits = Edits {
        method: (method != req.method).then_some(method),
        path: (path != req.target).then_some(path),
        headers: (headers != req.headers).then_some(headers),
        body: (body != req.body).then_some(body),
    };
    Ok((!edits.is_empty()).then_some(edits))
}

fn request_line(line: &[u8]) -> Result<(String, String), EditError> {
    let text = std::str::from_utf8(line).map_err(|_| at(1, "the request line is not text"))?;
    let mut words = text.split_ascii_whitespace();
    let (Some(method), Some(path)) = (words.next(), words.next()) else {
        return Err(at(1, "expected `METHOD /path?query`"));
    };
    match words.next() {
        None => {}
        Some(v) if v.starts_with("HTTP/") && words.next().is_none() => {}
        Some(_) => {
            return Err(at(
                1,
                "expected `METHOD /path?query` (no spaces in the path)",
            ));
        }
    }
    if http::Method::from_bytes(method.as_bytes()).is_err() {
        return Err(at(1, format!("{method:?} is not an HTTP method")));
    }
    let absolute = ["http://", "https://"].iter().any(|s| {
        path.get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    });
    if !path.starts_with('/') && !absolute {
        return Err(at(1, "the path must start with `/`"));
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(at(
            1,
            "the path may hold visible ASCII only (percent-encode the rest)",
        ));
    }
    Ok((method.to_string(), path.to_string()))
}

fn header_line(line: &[u8]) -> Result<HeaderField, String> {
    let Some(colon) = line.iter().position(|b| *b == b':') else {
        return Err("expected `Name: value`".into());
    };
    let name = &line[..colon];
    let value = line[colon + 1..].trim_ascii();
    if http::HeaderName::from_bytes(name).is_err() {
        return Err(format!(
            "{:?} is not a header name",
            String::from_utf8_lossy(name)
        ));
    }
    if http::HeaderValue::from_bytes(value).is_err() {
        return Err("the header value holds a control character".into());
    }
    // from_bytes accepted the name, so it is ASCII.
    let name = String::from_utf8_lossy(name).into_owned();
    Ok(HeaderField::new(name, value.to_vec()))
}

/// The command that edits: `$EDITOR`, else `vi`.
pub fn editor_command() -> String {
    std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// A private temporary file, removed when dropped.
pub struct EditFile {
    path: PathBuf,
}

impl EditFile {
    /// Create it (only the user may read it: it holds secrets) and write `bytes`.
    pub fn create(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<EditFile> {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let path = dir.join(format!(
            "hookcatch-{}-{name}-{:08x}.http",
            std::process::id(),
            fastrand::u32(..)
        ));
        let mut file = options.open(&path)?;
        let file_guard = EditFile { path };
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(file_guard)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for EditFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Run `editor` on `path` and wait. `$EDITOR` may hold arguments
/// (`code --wait`), so it runs through `sh` as git does.
pub async fn run(editor: &str, path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    let mut cmd = {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{editor} \"$@\""))
            .arg(editor)
            .arg(path);
        cmd
    };
    #[cfg(not(unix))]
    let mut cmd = {
        let mut words = editor.split_whitespace();
        let mut cmd = tokio::process::Command::new(words.next().unwrap_or("notepad"));
        cmd.args(words).arg(path);
        cmd
    };
    cmd.kill_on_drop(true);
    let status = cmd
        .status()
        .await
        .map_err(|e| format!("cannot run the editor {editor:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the editor {editor:?} failed ({status}): nothing sent"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> CapturedRequest {
        CapturedRequest::new(
            "POST",
            "/hook?a=1",
            vec![
                HeaderField::new("host", b"127.0.0.1:9797".to_vec()),
                HeaderField::new("x-raw", b"caf\xe9".to_vec()),
            ],
            b"{\"n\":1}".to_vec(),
        )
    }

    #[test]
    fn round_trip_is_unchanged_even_with_the_editor_newline() {
        let req = req();
        let file = render(&req);
        assert_eq!(
            file,
            b"POST /hook?a=1\nhost: 127.0.0.1:9797\nx-raw: caf\xe9\n\n{\"n\":1}".to_vec()
        );
        assert_eq!(parse(&file, &req), Ok(None));
        let mut saved = file.clone();
        saved.push(b'\n');
        assert_eq!(parse(&saved, &req), Ok(None), "vi's final newline");
        let crlf = b"POST /hook?a=1 HTTP/1.1\r\nhost: 127.0.0.1:9797\r\nx-raw:   caf\xe9  \r\n\r\n{\"n\":1}";
        assert_eq!(parse(crlf, &req), Ok(None));
    }

    #[test]
    fn changes_become_edits() {
        let req = req();
        let edits = parse(b"put /other\nhost: x\nX-New: 1\n\nhello\nworld\n", &req)
            .unwrap()
            .unwrap();
        assert_eq!(edits.method.as_deref(), Some("put"));
        assert_eq!(edits.path.as_deref(), Some("/other"));
        assert_eq!(
            edits.headers,
            Some(vec![
                HeaderField::new("host", b"x".to_vec()),
                HeaderField::new("X-New", b"1".to_vec()),
            ])
        );
        assert_eq!(edits.body.as_deref(), Some(&b"hello\nworld"[..]));
        let only_body = parse(
            b"POST /hook?a=1\nhost: 127.0.0.1:9797\nx-raw: caf\xe9\n\n{}",
            &req,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (only_body.method, only_body.path, only_body.headers),
            (None, None, None)
        );
        let no_headers = parse(b"POST /hook?a=1\n", &req).unwrap().unwrap();
        assert_eq!(no_headers.headers, Some(Vec::new()));
        assert_eq!(no_headers.body, Some(Vec::new()));
    }

    #[test]
    fn mistakes_name_the_line() {
        let req = req();
        let err = |text: &[u8]| parse(text, &req).unwrap_err().to_string();
        assert_eq!(err(b"  \n\n"), "the file is empty: nothing sent");
        assert!(err(b"POST\n\n").starts_with("line 1: expected"));
        assert!(err(b"POST /a b c\n\n").starts_with("line 1:"));
        assert!(err(b"P(ST /a\n\n").contains("not an HTTP method"));
        assert!(err(b"POST nope\n\n").contains("must start with `/`"));
        assert!(err(b"POST /caf\xc3\xa9\n\n").starts_with("line 1:"));
        assert_eq!(
            err(b"POST /a\nhost: x\nbroken\n\n"),
            "line 3: expected `Name: value`"
        );
        assert!(err(b"POST /a\nbad name: x\n\n").starts_with("line 2:"));
        assert!(err(b"POST /a\nx: a\x1bb\n\n").contains("control character"));
    }

    #[test]
    fn the_file_is_private_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = EditFile::create(dir.path(), "7", b"secret").unwrap();
        let path = file.path().to_path_buf();
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(file);
        assert!(!path.exists());
    }
}
