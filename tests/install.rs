//! What an installed tool carries besides the binary: shell completions
//! (sourced in a real bash), the man page (rendered by groff), and a crate
//! package that ships only what an install needs.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::cli;

/// Ask bash's completion function what it offers for `words` (the last one
/// being completed), as bash does on TAB.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}' || exit 3\n\
         COMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _hookcatch hookcatch '{}' '{}' || exit 4\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words[cword],
        words[cword - 1],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn bash_completion_completes_subcommands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["completions", "bash"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = dir.path().join("hookcatch.bash");
    std::fs::write(&script, &out.stdout).unwrap();

    let offered = bash_complete(&script, &["hookcatch", "li"]);
    assert!(offered.contains(&"list".to_string()), "{offered:?}");
    assert!(offered.contains(&"listen".to_string()), "{offered:?}");
    assert!(offered.iter().all(|w| w.starts_with("li")), "{offered:?}");

    let offered = bash_complete(&script, &["hookcatch", "listen", "--for"]);
    assert!(offered.contains(&"--forward".to_string()), "{offered:?}");
    assert!(
        offered.contains(&"--forward-mode".to_string()),
        "{offered:?}"
    );
    assert!(
        offered.iter().all(|w| w.starts_with("--for")),
        "{offered:?}"
    );

    // Modes are clap values: the shell offers them.
    let offered = bash_complete(&script, &["hookcatch", "listen", "--mode", "s"]);
    assert_eq!(offered, vec!["slow".to_string()]);
    let offered = bash_complete(&script, &["hookcatch", "--forward-mode", ""]);
    assert_eq!(offered, vec!["proxy".to_string(), "async".to_string()]);
}

#[test]
fn every_shell_gets_a_script() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = cli(dir.path(), &["completions", shell]);
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("hookcatch") && script.contains("send-test"),
            "{shell}"
        );
    }
    common::assert_usage_error(&cli(dir.path(), &["completions", "tcsh"]), "tcsh");
}

/// groff (what `man` uses) is needed to render; CI installs it (.ci/run).
fn groff_available() -> bool {
    let found = Command::new("groff")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "groff is missing in CI: .ci/run installs groff-base"
        );
        eprintln!(
            "SKIPPED: groff is not installed, the man page is not rendered (apt-get install groff-base)"
        );
    }
    found
}

#[test]
fn the_man_page_renders_without_warnings_and_covers_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["man"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = dir.path().join("hookcatch.1");
    std::fs::write(&page, &out.stdout).unwrap();
    let roff = String::from_utf8_lossy(&out.stdout);
    assert!(
        roff.contains("\n.TH hookcatch 1"),
        "{}",
        &roff[..roff.len().min(200)]
    );
    if !groff_available() {
        return;
    }
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-rLL=100n"])
        .arg(&page)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("run groff");
    let warnings = String::from_utf8_lossy(&rendered.stderr);
    assert!(
        rendered.status.success() && warnings.trim().is_empty(),
        "groff: {warnings}"
    );
    // groff marks bold by overstriking; read the text without it.
    let text = String::from_utf8_lossy(&rendered.stdout)
        .chars()
        .fold(String::new(), |mut s, c| {
            if c == '\u{8}' {
                s.pop();
            } else {
                s.push(c);
            }
            s
        });
    let help = cli(dir.path(), &["--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    let subcommands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(subcommands.len() >= 12, "{subcommands:?}");
    for sub in subcommands {
        let heading = format!("HOOKCATCH {}", sub.to_uppercase());
        assert!(
            text.contains(&heading),
            "no section {heading} in the man page"
        );
    }
    // A subcommand's own flags are documented, not only the listener's.
    for flag in [
        "--filter",
        "--recheck",
        "--format",
        "--ladder-scale",
        "--interval",
    ] {
        assert!(text.contains(flag), "{flag} missing from the man page");
    }
}

/// `cargo package --list`: the sources, themes and documents ship; tests,
/// benchmarks, fixtures and snapshots do not.
#[test]
fn the_crate_package_ships_only_what_an_install_needs() {
    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(manifest_dir)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo package --list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    for must in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "CHANGELOG.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "src/main.rs",
        "src/lib.rs",
        "themes/hookcatch-dark.tmTheme",
        "themes/hookcatch-light.toml",
    ] {
        assert!(
            files.iter().any(|f| f == must),
            "{must} not shipped: {files:?}"
        );
    }
    for file in &files {
        let shipped_ok = !file.starts_with("tests/")
            && !file.starts_with("bench/")
            && !file.starts_with("fuzz/")
            && !file.starts_with("examples/")
            && !file.starts_with(".ci/")
            && !file.starts_with("proptest-regressions/")
            && !file.ends_with(".snap");
        assert!(shipped_ok, "{file} should not ship");
    }
    // Every source file ships: the package must build on its own.
    let sources = files.iter().filter(|f| f.starts_with("src/")).count();
    assert!(sources > 100, "only {sources} source files");
}

/// `XDG_CONFIG_HOME` and `XDG_DATA_HOME` choose the config file and the
/// store when set; `hookcatch config` says which file and store, and why.
#[test]
fn xdg_directories_are_honoured_and_config_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config_home = dir.path().join("xdg-config");
    let data_home = dir.path().join("xdg-data");
    std::fs::create_dir_all(config_home.join("hookcatch")).unwrap();
    let file = config_home.join("hookcatch").join("hookcatch.toml");
    std::fs::write(&file, "port = 4321\n").unwrap();
    let out = common::command(dir.path())
        .env("XDG_CONFIG_HOME", &config_home)
        .env("XDG_DATA_HOME", &data_home)
        .arg("config")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(shown.contains("port = 4321"), "{shown}");
    let store = data_home.join("hookcatch").join("hookcatch.db");
    for line in [
        format!("# config file: {} (from XDG_CONFIG_HOME)", file.display()),
        format!(
            "# store: {} (in the data directory, from XDG_DATA_HOME)",
            store.display()
        ),
    ] {
        assert!(
            shown.lines().any(|l| l == line),
            "no line {line:?} in\n{shown}"
        );
    }

    // The store really goes there: import without --store creates it.
    let export = dir.path().join("one.ndjson");
    std::fs::write(
        &export,
        r#"{"method":"POST","path":"/x","headers":[],"body":"{}","received_at":"2026-01-01T00:00:00.000Z"}"#,
    )
    .unwrap();
    let out = common::command(dir.path())
        .env("XDG_DATA_HOME", &data_home)
        .arg("import")
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(store.is_file(), "no store at {}", store.display());

    // Relative XDG paths are invalid (the specification says to ignore
    // them): the platform's directories are used, and said so.
    let out = common::command(dir.path())
        .env("XDG_CONFIG_HOME", "relative")
        .env("XDG_DATA_HOME", "relative")
        .arg("config")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("(in the data directory, the platform default)")
            && shown.contains("(the platform default))"),
        "{shown}"
    );
}

/// `man -l -` (what the README suggests) reads the page too, when man is here.
#[test]
fn man_reads_the_page_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let page = cli(dir.path(), &["man"]).stdout;
    let Ok(mut man) = Command::new("man")
        .args(["-l", "-"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        assert!(std::env::var_os("CI").is_none(), "man is missing in CI");
        eprintln!("SKIPPED: man is not installed");
        return;
    };
    use std::io::Write as _;
    man.stdin.take().unwrap().write_all(&page).unwrap();
    let out = man.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("HOOKCATCH PRUNE") && text.contains("--keep-days"),
        "{text}"
    );
}

/// The Rust version the README and `Cargo.toml` promise is the newest
/// minimum among the locked dependencies: not lower (it would not build),
/// not higher (it would turn users away for nothing).
#[test]
fn rust_version_is_the_locked_dependencies_minimum() {
    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Only the packages this machine builds: a fresh cache has no sources
    // for other platforms' dependencies, and --offline cannot fetch them.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(manifest_dir)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "hookcatch").unwrap();
    let declared = ours["rust_version"].as_str().expect("rust-version is set");
    let needed = packages
        .iter()
        .filter(|p| p["name"] != "hookcatch")
        .filter_map(|p| p["rust_version"].as_str())
        .max_by_key(|v| version(v))
        .unwrap();
    assert_eq!(
        version(declared),
        version(needed)[..version(declared).len()].to_vec(),
        "declared {declared}, dependencies need {needed}"
    );
    let readme = std::fs::read_to_string(Path::new(manifest_dir).join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("Rust {declared} or newer")),
        "README names another Rust version"
    );
    for key in ["description", "license", "readme", "keywords", "categories"] {
        assert!(
            !ours[key].is_null() && ours[key] != serde_json::json!([]),
            "Cargo.toml has no {key}"
        );
    }
    assert_eq!(ours["license"], "MIT OR Apache-2.0");
}
