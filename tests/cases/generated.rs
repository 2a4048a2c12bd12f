//! Completions and man pages: generated from the clap definition, checked in, never stale.

use std::path::Path;
use std::process::Command;

use crate::support::sockai;

const REGENERATE: &str = "run `scripts/regenerate.sh` and commit the result";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stdout_of(args: &[&str]) -> Vec<u8> {
    sockai()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

/// Visible subcommands, as `sockai --help` lists them.
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(stdout_of(&["--help"])).unwrap();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // Wrapped descriptions are indented deeper than the names.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn checked_in_completions_are_fresh() {
    let scripts = [
        ("bash", "sockai.bash"),
        ("zsh", "_sockai"),
        ("fish", "sockai.fish"),
        ("powershell", "_sockai.ps1"),
        ("elvish", "sockai.elv"),
    ];
    let mut expected: Vec<String> = scripts.iter().map(|(_, f)| f.to_string()).collect();
    expected.sort();
    assert_eq!(
        files_in(&repo().join("completions")),
        expected,
        "{REGENERATE}"
    );
    for (shell, file) in scripts {
        let have = std::fs::read(repo().join("completions").join(file)).unwrap();
        assert!(
            stdout_of(&["completions", shell]) == have,
            "completions/{file} is stale: {REGENERATE}"
        );
    }
    sockai().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn checked_in_man_pages_are_fresh() {
    let subcommands = subcommands();
    assert!(subcommands.contains(&"serve".to_owned()), "{subcommands:?}");
    let mut pages = vec![("sockai.1".to_owned(), stdout_of(&["man"]))];
    for sub in &subcommands {
        pages.push((format!("sockai-{sub}.1"), stdout_of(&["man", sub])));
    }
    let mut expected: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
    expected.sort();
    assert_eq!(files_in(&repo().join("doc")), expected, "{REGENERATE}");
    for (name, roff) in pages {
        let have = std::fs::read(repo().join("doc").join(&name)).unwrap();
        assert!(roff == have, "doc/{name} is stale: {REGENERATE}");
    }
    let main = String::from_utf8(stdout_of(&["man"])).unwrap();
    assert!(
        main.starts_with(".ie \\n(.g .ds Aq"),
        "roff output: {}",
        &main[..80.min(main.len())]
    );
    sockai().args(["man", "nosuch"]).assert().code(2);
}

/// The real shells parse the scripts. CI installs them; elsewhere a missing shell is skipped.
#[test]
fn completion_scripts_parse_in_their_shells() {
    for (shell, flags, file) in [
        ("bash", &["-n"][..], "sockai.bash"),
        ("zsh", &["-n"][..], "_sockai"),
        ("fish", &["--no-execute"][..], "sockai.fish"),
    ] {
        let path = repo().join("completions").join(file);
        match Command::new(shell).args(flags).arg(&path).output() {
            Ok(out) => assert!(
                out.status.success(),
                "{shell} rejects {file}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) if std::env::var_os("CI").is_none() => {
                eprintln!("skipped: {shell} not installed")
            }
            Err(e) => panic!("{shell} is required in CI: {e}"),
        }
    }
}
