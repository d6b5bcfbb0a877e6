//! Helpers shared by the integration tests: golden files and the external validators.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch directory under `target/` (kept for inspection after a failure).
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Compares `actual` with the golden file `tests/golden/<rel>`. With `STACKDEF_BLESS=1` the
/// golden file is rewritten instead (a deliberate step: read the diff before committing).
pub fn golden(rel: &str, actual: &str) {
    let path = root().join("tests/golden").join(rel);
    if std::env::var_os("STACKDEF_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with STACKDEF_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let file = stackdef::write::File {
            name,
            content: actual.to_owned(),
        };
        let drift = stackdef::write::check_dir(path.parent().expect("parent"), &[file]);
        let diff: String = drift
            .expect("read golden dir")
            .iter()
            .filter(|d| d.path == path)
            .map(ToString::to_string)
            .collect();
        panic!(
            "{} is stale (STACKDEF_BLESS=1 rewrites it):\n{diff}",
            path.display()
        );
    }
}

/// The path of an external validator from the environment variable `var` (set by
/// `tools/test.sh`), else `fallback` on PATH. A missing validator fails the test.
pub fn tool(var: &str, fallback: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(fallback))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("validator `{fallback}` not found: run the tests through tools/test.sh, which installs it (or set {var})")
    })
}

/// An env template with every empty value filled in, as an operator would: long enough for
/// any secret minimum.
pub fn fill_env(template: &str) -> String {
    template
        .lines()
        .map(|l| match l.strip_suffix('=') {
            Some(key) if !l.starts_with('#') => format!(
                "{key}=filled-{}-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
                key.to_lowercase()
            ),
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a command; returns (success, stdout + stderr).
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Validates a compose file against the compose-spec JSON schema.
pub fn check_compose_schema(file: &Path) {
    let tool = tool("STACKDEF_CHECK_JSONSCHEMA", "check-jsonschema");
    let (ok, out) = run(Command::new(tool)
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(file));
    assert!(ok, "compose-spec schema rejects {}:\n{out}", file.display());
}

/// Runs docker-compose 1.29 `config -q` on a file; any output (warnings such as "variable is
/// not set" included) counts as a failure.
pub fn check_docker_compose(file: &Path, env_file: &Path) {
    let tool = tool("STACKDEF_DOCKER_COMPOSE", "docker-compose");
    let (ok, out) = run(Command::new(tool)
        .arg("-f")
        .arg(file)
        .arg("--env-file")
        .arg(env_file)
        .args(["-p", "stackdeftest", "config", "-q"]));
    assert!(
        ok && out.trim().is_empty(),
        "docker-compose config rejects {}:\n{out}",
        file.display()
    );
}

/// Runs gixy-ng on an nginx config; any finding fails.
pub fn check_gixy(file: &Path) {
    let tool = tool("STACKDEF_GIXY", "gixy");
    let (ok, out) = run(Command::new(tool).arg(file));
    assert!(
        ok && out.contains("No issues found"),
        "gixy reports findings on {}:\n{out}",
        file.display()
    );
}

/// Runs the live nginx test script (`tests/nginx/live.py`) in fresh mount and network
/// namespaces; fails unless every check passed. Needs root (CI and the dev machines are).
pub fn live_nginx(mode: &str, deploy: &Path) {
    let work = scratch(&format!("live-{mode}"));
    let script = root().join("tests/nginx/live.py");
    let (ok, out) = run(Command::new("unshare")
        .args(["--mount", "--net", "--fork", "python3"])
        .arg(script)
        .arg(mode)
        .arg(deploy)
        .arg(&work));
    println!("{out}");
    assert!(
        ok && out.contains(&format!("{mode}: 0 failed")),
        "live nginx test `{mode}` failed:\n{out}"
    );
}
pub mod nginx_parse;
