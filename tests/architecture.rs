//! The imports that must never exist (ARCHITECTURE.md, "Imports that must
//! never exist"): every file under src/ is read, its `crate::` paths are
//! collected per top-level module, and a path that crosses a forbidden edge
//! fails the test with the file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `(from, to, why)`: no file of module `from` may name module `to`.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("capture", "tui", "the listener never waits on the UI"),
    ("store", "tui", "the store never waits on the UI"),
    (
        "inspect",
        "tui",
        "inspection is pure and shared by every output",
    ),
    (
        "replay",
        "tui",
        "replay runs from the CLI as well as the TUI",
    ),
    ("inspect", "store", "inspection never touches the database"),
    ("inspect", "capture", "inspection never touches sockets"),
    (
        "store",
        "inspect",
        "the store keeps findings as data and never inspects",
    ),
    (
        "store",
        "capture",
        "the store is below everything that writes to it",
    ),
    (
        "store",
        "replay",
        "the store is below everything that writes to it",
    ),
    (
        "store",
        "relay",
        "the store is below everything that writes to it",
    ),
];

/// Modules that are wiring: they may import everything, `config` included.
const WIRING: &[&str] = &["app", "main", "lib"];

/// The only file that may end the process: the library returns its errors
/// (a closed stdout included) and `main` turns them into exit codes.
const EXITS: &str = "src/main.rs";

/// Imports that break a rule, each removed by the change that fixes it
/// (none today). `(file, module it may still import)`. A listed import that
/// is gone fails the test too, so the list only ever shrinks.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

#[derive(Debug)]
struct Import {
    file: String,
    line: usize,
    module: String,
}

#[test]
fn no_forbidden_import_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 50, "src/ was not found or read");

    let mut broken = Vec::new();
    let mut excused = BTreeSet::new();
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let from = top_module(&rel);
        let text = std::fs::read_to_string(path).expect("read source");
        for import in imports(&rel, &text) {
            let Some(why) = rule_broken(&from, &import.module) else {
                continue;
            };
            if KNOWN_EXCEPTIONS.contains(&(import.file.as_str(), import.module.as_str())) {
                excused.insert((import.file.clone(), import.module.clone()));
                continue;
            }
            broken.push(format!(
                "{}:{}: {from} imports {} ({why})",
                import.file, import.line, import.module
            ));
        }
    }
    assert!(
        broken.is_empty(),
        "forbidden imports:\n{}",
        broken.join("\n")
    );

    let stale: Vec<String> = KNOWN_EXCEPTIONS
        .iter()
        .filter(|(file, module)| !excused.contains(&(file.to_string(), module.to_string())))
        .map(|(file, module)| format!("{file} no longer imports {module}: remove its exception"))
        .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// The scanner sees plain, grouped and nested paths and skips comments, so
/// the rule above cannot pass by missing an import.
#[test]
fn the_scanner_reads_every_form_of_path() {
    let text = "use crate::store::Store;\n\
                // use crate::tui::App;\n\
                use crate::{\n    config::{self, Limits},\n    model::CapturedRequest,\n};\n\
                fn f() { crate::tui::run(); }\n";
    let found: Vec<(usize, String)> = imports("src/x.rs", text)
        .into_iter()
        .map(|i| (i.line, i.module))
        .collect();
    assert_eq!(
        found,
        [
            (1, "store".to_string()),
            (4, "config".to_string()),
            (5, "model".to_string()),
            (7, "tui".to_string()),
        ]
    );
    assert!(rule_broken("inspect", "tui").is_some());
    assert!(rule_broken("capture", "config").is_some());
    assert!(rule_broken("app", "config").is_none());
    assert!(rule_broken("config", "config").is_none());
    assert!(rule_broken("tui", "app").is_some());
    assert!(rule_broken("main", "app").is_none());
    assert!(rule_broken("model", "text").is_some());
    assert!(rule_broken("store", "capture").is_some());

    let exits = "fn f() {\n    // std::process::exit(0) in a comment\n    std::process::exit(1);\n}\n\
                 use std::process::{exit, ExitCode};\n";
    assert_eq!(process_exits(exits), [3, 5]);
    assert!(process_exits("fn f() -> ExitCode { ExitCode::from(2) }").is_empty());
}

/// Library code returns its errors; only `main` ends the process, so a
/// closed stdout or a failure deep in a command never skips the stop (the
/// store's last commit, the terminal restored).
#[test]
fn only_main_ends_the_process() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 50, "src/ was not found or read");
    let mut found = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == EXITS {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read source");
        for line in process_exits(&text) {
            found.push(format!(
                "{rel}:{line}: ends the process (return an error to main)"
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The lines (1-based) of `text` that call or import `std::process::exit`,
/// whole-line comments skipped.
fn process_exits(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            line.contains("process::exit")
                || line.split_once("process::{").is_some_and(|(_, group)| {
                    group
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|word| word == "exit")
                })
        })
        .map(|(i, _)| i + 1)
        .collect()
}

fn rule_broken(from: &str, to: &str) -> Option<&'static str> {
    if from == to {
        return None;
    }
    if to == "config" && !WIRING.contains(&from) {
        return Some("config is a loader only the wiring imports");
    }
    if to == "app" && !WIRING.contains(&from) {
        return Some("app is the wiring on top: no part reaches up into a subcommand");
    }
    if from == "model" {
        return Some("the shared nouns depend on no part");
    }
    FORBIDDEN
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|(_, _, why)| *why)
}

/// `src/inspect/auth/mod.rs` -> `inspect`; `src/main.rs` -> `main`.
fn top_module(rel: &str) -> String {
    let inner = rel.strip_prefix("src/").unwrap_or(rel);
    let first = inner.split('/').next().unwrap_or(inner);
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

/// Every top-level module a file names through `crate::`, with its line.
/// Whole-line `//` comments are skipped (doc comments mention paths freely).
fn imports(file: &str, text: &str) -> Vec<Import> {
    let mut out = Vec::new();
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        if !line.trim_start().starts_with("//") {
            code.push_str(line);
        }
        code.push('\n');
    }
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut rest = 0;
    while let Some(found) = code[rest..].find("crate::") {
        let at = rest + found;
        rest = at + "crate::".len();
        // `hookcatch_crate::` and the like are other names.
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        if code[rest..].starts_with('{') {
            for (offset, name) in group_heads(&code[rest..]) {
                out.push(Import {
                    file: file.to_string(),
                    line: line_of(rest + offset),
                    module: name,
                });
            }
        } else {
            let name: String = code[rest..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(Import {
                    file: file.to_string(),
                    line: line_of(at),
                    module: name,
                });
            }
        }
    }
    out
}

/// The first name of each item of a `{a::b, c, d::{e}}` group, with its
/// offset in `group`.
fn group_heads(group: &str) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expecting = true;
    let mut current: Option<(usize, String)> = None;
    for (i, c) in group.char_indices() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    heads.extend(current.take());
                    break;
                }
            }
            ',' if depth == 1 => {
                heads.extend(current.take());
                expecting = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && expecting {
            if c.is_alphanumeric() || c == '_' {
                let entry = current.get_or_insert_with(|| (i, String::new()));
                entry.1.push(c);
            } else if current.is_some() {
                expecting = false;
            }
        }
    }
    heads.retain(|(_, name)| name != "self");
    heads
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
