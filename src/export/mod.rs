//! Ways out of hookcatch: the JSON object (headless lines, `list --json`,
//! `show --json`, `export`), the human `show` form, HAR 1.2 for tools that
//! import browser captures, and curl commands (the TUI's `y`, `export
//! --format curl`). [`write_requests`] is the export both `hookcatch export`
//! and the TUI's `E` run.

pub mod curl;
pub mod har;
pub mod httpie;
pub mod import;
pub mod json;
pub mod raw;
pub mod text;

use std::io::Write;
use std::path::Path;

use crate::inspect::{self, AuthConfig};
use crate::model::RequestId;
use crate::secrets::Masking;
use crate::store::{deliveries, query};

/// What an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line, as `show --json` (with deliveries).
    Ndjson,
    /// HAR 1.2.
    Har,
    /// A bash script, one curl command per request.
    Curl,
}

impl Format {
    /// By a file name's extension: `.har`, `.ndjson`/`.jsonl`/`.json`, `.sh`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "har" => Some(Format::Har),
            "ndjson" | "jsonl" | "json" => Some(Format::Ndjson),
            "sh" | "bash" => Some(Format::Curl),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error(transparent)]
    Write(#[from] std::io::Error),
}

/// What [`write_requests`] wrote, and the ids it did not find.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub count: usize,
    pub missing: Vec<RequestId>,
}

/// Write the requests `ids`, in that order, one at a time (any store size
/// fits in little memory). Verdicts are those stored at arrival (`auth`
/// judges only requests stored without one); curl commands send to `base_url`.
/// Values are exact unless `masking` is on (`export --mask-secrets`).
pub fn write_requests(
    conn: &rusqlite::Connection,
    ids: &[RequestId],
    format: Format,
    auth: &AuthConfig,
    base_url: &str,
    masking: &Masking,
    out: &mut dyn Write,
) -> Result<Written, ExportError> {
    let base_url = masking.url(base_url);
    match format {
        Format::Har => out.write_all(har::head().as_bytes())?,
        Format::Curl => out.write_all(CURL_HEAD.as_bytes())?,
        Format::Ndjson => {}
    }
    let mut written = Written::default();
    for &id in ids {
        let Some(mut stored) = query::get(conn, id)? else {
            written.missing.push(id);
            continue;
        };
        let summary = inspect::stored::summary(&stored.request, stored.findings.as_ref(), auth);
        // Judged on the exact values, masked (when asked) for writing.
        masking.request(&mut stored.request);
        let req = &stored.request;
        let piece = match format {
            Format::Ndjson => {
                let mut sent = deliveries::list_for(conn, id)?;
                for delivery in &mut sent {
                    masking.delivery(delivery);
                }
                format!(
                    "{}\n",
                    json::request_json_with_deliveries(&stored, &summary, &sent, None)
                )
            }
            Format::Har => {
                let comma = if written.count == 0 { "" } else { "," };
                format!(
                    "{comma}\n{}",
                    crate::text::json_string(&har::entry(&stored, &summary))
                )
            }
            Format::Curl => {
                let mut notes = String::new();
                for h in curl::left_out(req) {
                    notes.push_str(&format!(
                        "# left out: header {} (curl cannot send it as captured)\n",
                        crate::text::sanitize(&h.name)
                    ));
                }
                // Where `r` and `y` send it: the one target rule.
                let (aimed, origin) = curl::aim(req, &base_url);
                format!(
                    "\n# #{id} {} {} {}\n{notes}{}\n",
                    req.received_at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
                    crate::text::sanitize(&req.method),
                    crate::text::sanitize(&req.target),
                    curl::curl_command(&aimed, &origin)
                )
            }
        };
        out.write_all(piece.as_bytes())?;
        written.count += 1;
    }
    if format == Format::Har {
        out.write_all(har::TAIL.as_bytes())?;
    }
    out.flush()?;
    Ok(written)
}

/// The first lines of a curl export: bash, because header values that are
/// not printable UTF-8 are written as `$'…'`.
const CURL_HEAD: &str = "#!/usr/bin/env bash\n\
    # Captured requests exported by hookcatch, oldest first. Each command sends\n\
    # one request again: method, target, headers and body bytes as captured\n\
    # (the body from printf on curl's stdin, never read as a file name).\n\
    set -u\n";

/// Create (or truncate) `path` for an export (or the TUI's prompt history),
/// mode 0600, an existing file narrowed too: captures carry secrets, and
/// exports hold them unmasked (unless `--mask-secrets`).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::from_path(Path::new("a.HAR")), Some(Format::Har));
        assert_eq!(
            Format::from_path(Path::new("x/a.jsonl")),
            Some(Format::Ndjson)
        );
        assert_eq!(
            Format::from_path(Path::new("resend.sh")),
            Some(Format::Curl)
        );
        assert_eq!(Format::from_path(Path::new("a.txt")), None);
        assert_eq!(Format::from_path(Path::new("har")), None);
    }
}
