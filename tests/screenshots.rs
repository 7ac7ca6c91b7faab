//! The README's screenshots: made by scripts/screenshots.sh from a real run,
//! through scripts/ansi2svg.py. The converter keeps colours and cannot be
//! made to emit markup by what a pane shows; the pictures the README shows
//! are in the repository.

use std::io::Write;
use std::process::{Command, Stdio};

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn ansi2svg_keeps_colours_and_escapes_the_text() {
    let Ok(mut child) = Command::new("python3")
        .arg(root().join("scripts/ansi2svg.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        println!("NOTE: python3 is not installed; skipping the SVG converter test");
        return;
    };
    let pane = "\x1b[1;38;5;196m<script>alert(1)</script> & \x1b[0m\x1b]0;pwned\x07plain\x01\n\
                \x1b[48;2;0;95;135m bg \x1b[0m\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pane.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(
        svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;"),
        "{svg}"
    );
    assert!(!svg.contains("<script"), "{svg}");
    assert!(
        svg.contains(r##"fill="#ff0000" font-weight="bold""##),
        "{svg}"
    );
    assert!(
        svg.contains(r##"fill="#005f87""##),
        "background kept: {svg}"
    );
    assert!(
        svg.contains("plain\u{fffd}") && !svg.contains("pwned"),
        "{svg}"
    );
    assert!(!svg.chars().any(|c| c.is_control() && c != '\n'), "{svg}");
}

#[test]
fn the_readme_shows_the_committed_screenshots() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for name in ["docs/screenshot-list.svg", "docs/screenshot-auth.svg"] {
        assert!(readme.contains(name), "README shows {name}");
        let svg = std::fs::read_to_string(root().join(name)).unwrap();
        assert!(
            svg.starts_with("<svg ") && svg.contains("hookcatch"),
            "{name}"
        );
    }
    assert!(root().join("scripts/screenshots.sh").exists());
}
