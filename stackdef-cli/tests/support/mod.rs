//! Helpers shared by the `stackdef` command's tests: the corpus, scratch directories and the
//! Docker Compose v2 judge. The generator and the guides' compose blocks are the root
//! package's own test helpers, included from there.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../../tests/support/guides.rs"]
pub mod guides;
#[path = "../../../tests/support/rng.rs"]
pub mod rng;

/// This package's directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's directory.
pub fn workspace() -> PathBuf {
    root().parent().unwrap().to_owned()
}

/// A fresh directory under the workspace's `target/test-scratch`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The projects of `tests/corpus/<dir>`: each `.yml` file alone, and each directory as one
/// project of its files in name order (later ones overriding earlier ones, as `-f` does).
pub fn corpus(dir: &str) -> Vec<Vec<PathBuf>> {
    let sorted = |d: &Path| {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        entries
    };
    let mut projects = Vec::new();
    for e in sorted(&root().join("tests/corpus").join(dir)) {
        if e.is_dir() {
            projects.push(sorted(&e));
        } else if e.extension().is_some_and(|x| x == "yml") {
            projects.push(vec![e]);
        }
    }
    projects
}

/// The env file the corpus is read with.
pub fn env_file() -> PathBuf {
    root().join("tests/corpus/interpolation.env")
}

/// A project's files for messages: `a.yml + b.yml`.
pub fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Docker Compose v2: the Go binary (`STACKDEF_COMPOSE_V2`, set by tools/test.sh). The venv's
/// Python `docker-compose` wrapper exits 0 whatever compose says, so it is never used.
pub fn compose_v2() -> PathBuf {
    let p = std::env::var_os("STACKDEF_COMPOSE_V2").map(PathBuf::from).unwrap_or_else(|| {
        panic!("STACKDEF_COMPOSE_V2 is not set: run the tests through tools/test.sh, which installs compose v2")
    });
    assert!(p.is_file(), "{} is not a file", p.display());
    p
}

/// compose v2's reading of the project `files` with `env`, after the global options `global`
/// (`-p NAME`, `--project-directory DIR`): `Ok(json)` or `Err(what it said)`.
pub fn compose_config(
    files: &[PathBuf],
    env: &Path,
    global: &[&std::ffi::OsStr],
) -> Result<serde_json::Value, String> {
    let mut cmd = Command::new(compose_v2());
    cmd.args(global);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    let out = cmd
        .arg("--env-file")
        .arg(env)
        .args(["config", "--format", "json"])
        .env_remove("COMPOSE_PROFILES")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The project `files` as stackdef's command reads it (`raw`: without interpolation, as
/// `stackdef import` does), from the files and the corpus env file only.
pub fn our_project(files: &[PathBuf], raw: bool) -> stackdef_cli::project::Project {
    stackdef_cli::project::load(&stackdef_cli::project::Options {
        files: files.to_vec(),
        env_files: if raw { Vec::new() } else { vec![env_file()] },
        no_process_env: true,
        raw,
        ..Default::default()
    })
    .unwrap()
}
