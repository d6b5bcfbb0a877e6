//! Files on disk: what a stack renders to, written only when changed, atomically, never over a
//! file stackdef did not generate; and a check mode that writes nothing and reports drift with a
//! unified diff (like `cargo fmt --check`).

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::emit::compose::{self, ComposeOptions};
use crate::emit::{env, graph, nginx};
use crate::error::{Error, Result};
use crate::model::{Stack, Tls};

/// A rendered file: a plain file name and its content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct File {
    /// The file name (no directories).
    pub name: String,
    /// The content.
    pub content: String,
}

/// Which files to render from a stack, and under which names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plan {
    /// The compose file (`None`: no compose file).
    pub compose: Option<ComposeFile>,
    /// Every proxy's nginx file, under the proxy's own file name.
    pub nginx: bool,
    /// The first-start nginx files of the proxies with Let's Encrypt certificates.
    pub bootstrap: Bootstrap,
    /// The env template (`None`: none).
    pub env_template: Option<EnvTemplate>,
    /// The name of a compose-lint configuration ([`compose::lint_config`]: the hardening
    /// opt-outs as exclusions with their reasons), written beside the compose file.
    pub lint_config: Option<String>,
    /// The stack drawn as a Mermaid flowchart ([`graph::to_mermaid`]), under this name.
    pub mermaid: Option<String>,
    /// The stack drawn as a Graphviz digraph ([`graph::to_dot`]), under this name.
    pub dot: Option<String>,
    /// Further files written as given (e.g. a database init script from a recipe).
    pub extra: Vec<File>,
}

/// The compose file a [`Plan`] writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ComposeFile {
    /// Its file name.
    pub name: String,
    /// How it is written.
    pub options: ComposeOptions,
}

impl ComposeFile {
    /// A compose file named `name`, for the compose specification.
    pub fn new(name: impl Into<String>) -> Self {
        ComposeFile {
            name: name.into(),
            options: ComposeOptions::default(),
        }
    }
}

/// The env template a [`Plan`] writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvTemplate {
    /// Its file name (e.g. `.env.example`).
    pub name: String,
    /// The env file a user copies it to (e.g. `.env`), named in its first line.
    pub env_file: String,
}

impl EnvTemplate {
    /// The template `name`, for the env file `env_file`.
    pub fn new(name: impl Into<String>, env_file: impl Into<String>) -> Self {
        EnvTemplate {
            name: name.into(),
            env_file: env_file.into(),
        }
    }
}

/// Which first-start nginx files ([`nginx::to_bootstrap_conf`]) a [`Plan`] writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bootstrap {
    /// One for every proxy with a Let's Encrypt server, beside it: `nginx.conf` →
    /// `nginx-bootstrap.conf` (the name before its last `.`, then `-bootstrap`).
    Auto,
    /// Exactly these (a proxy without Let's Encrypt gets one too, if listed).
    Files(Vec<BootstrapFile>),
}

/// One first-start file: the proxy it is for, and its own name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BootstrapFile {
    /// The proxy's file name ([`crate::Proxy::file`]).
    pub proxy: String,
    /// The first-start file's name.
    pub name: String,
}

impl BootstrapFile {
    /// The first-start file `name` of the proxy writing `proxy`.
    pub fn new(proxy: impl Into<String>, name: impl Into<String>) -> Self {
        BootstrapFile {
            proxy: proxy.into(),
            name: name.into(),
        }
    }
}

/// [`Bootstrap::Auto`]'s name for the first-start file of `proxy_file`.
fn bootstrap_name(proxy_file: &str) -> String {
    match proxy_file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-bootstrap.{ext}"),
        _ => format!("{proxy_file}-bootstrap"),
    }
}

impl Default for Plan {
    /// `docker-compose.yml`, every nginx file and the first-start files of those with Let's
    /// Encrypt, `.env.example` for `.env`, `.compose-lint.yml`, and the stack's diagram as
    /// `stack.mmd` and `stack.dot`.
    fn default() -> Self {
        Plan {
            compose: Some(ComposeFile::new("docker-compose.yml")),
            nginx: true,
            bootstrap: Bootstrap::Auto,
            env_template: Some(EnvTemplate::new(".env.example", ".env")),
            lint_config: Some(".compose-lint.yml".into()),
            mermaid: Some("stack.mmd".into()),
            dot: Some("stack.dot".into()),
            extra: Vec::new(),
        }
    }
}

fn plain_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control)
    {
        return Err(Error::invalid(
            "output file name",
            name,
            "must be a plain file name",
        ));
    }
    Ok(())
}

/// Renders the files `plan` asks for; the stack is validated once, first.
pub fn render(stack: &Stack, plan: &Plan) -> Result<Vec<File>> {
    let stack = &crate::check::validate(stack)?;
    let mut files = Vec::new();
    let mut push = |name: &str, content: String| -> Result<()> {
        plain_name(name)?;
        if files.iter().any(|f: &File| f.name == name) {
            return Err(Error::invalid(
                "output file name",
                name,
                "two outputs have this name",
            ));
        }
        files.push(File {
            name: name.to_owned(),
            content,
        });
        Ok(())
    };
    if let Some(c) = &plan.compose {
        push(&c.name, compose::to_yaml_with(stack, c.options)?)?;
    }
    if plan.nginx {
        for (name, content) in nginx::to_files(stack)? {
            push(&name, content)?;
        }
    }
    match &plan.bootstrap {
        Bootstrap::Auto => {
            for proxy in &stack.proxies {
                if proxy.servers.iter().any(|s| s.tls == Tls::LetsEncrypt) {
                    let name = bootstrap_name(&proxy.file);
                    push(&name, nginx::to_bootstrap_conf(stack, proxy)?)?;
                }
            }
        }
        Bootstrap::Files(listed) => {
            for b in listed {
                let proxy = stack
                    .proxies
                    .iter()
                    .find(|p| p.file == b.proxy)
                    .ok_or_else(|| {
                        Error::invalid(
                            "bootstrap proxy",
                            &b.proxy,
                            "the stack has no proxy writing this file",
                        )
                    })?;
                push(&b.name, nginx::to_bootstrap_conf(stack, proxy)?)?;
            }
        }
    }
    if let Some(t) = &plan.env_template {
        push(&t.name, env::to_template(stack, &t.env_file)?)?;
    }
    if let Some(name) = &plan.lint_config {
        push(name, compose::lint_config(stack)?)?;
    }
    if let Some(name) = &plan.mermaid {
        push(name, graph::to_mermaid(stack))?;
    }
    if let Some(name) = &plan.dot {
        push(name, graph::to_dot(stack))?;
    }
    for f in &plan.extra {
        if !graph::has_marker(&f.content) {
            return Err(Error::invalid(
                "extra file",
                &f.name,
                "must start with the generated-file marker",
            ));
        }
        push(&f.name, f.content.clone())?;
    }
    Ok(files)
}

/// What [`write_dir`] did with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Written (new or changed).
    Written,
    /// Already up to date: not touched (no mtime change, no rebuild loop).
    Unchanged,
}

/// One file of a [`write_dir`] run.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Written {
    /// Its path.
    pub path: PathBuf,
    /// Written or unchanged.
    pub outcome: Outcome,
    /// Its size in bytes.
    pub bytes: usize,
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn ours(existing: &str) -> bool {
    graph::has_marker(existing)
}

/// Writes `files` into `dir` (created if missing): only files whose content changed, each
/// through a temporary file and a rename in the same directory, so a reader never sees half a
/// file. A file that exists but was not generated by stackdef is not overwritten: the error
/// names it. All files are checked before any is written.
pub fn write_dir(dir: &Path, files: &[File]) -> Result<Vec<Written>> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut plan = Vec::new();
    for f in files {
        plain_name(&f.name)?;
        let path = dir.join(&f.name);
        let outcome = match std::fs::read(&path) {
            Ok(old) if old == f.content.as_bytes() => Outcome::Unchanged,
            Ok(old) if !ours(&String::from_utf8_lossy(&old)) => {
                return Err(Error::NotGenerated { path });
            }
            Ok(_) => Outcome::Written,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Written,
            Err(e) => return Err(io(&path, e)),
        };
        plan.push((f, path, outcome));
    }
    let mut out = Vec::new();
    for (f, path, outcome) in plan {
        if outcome == Outcome::Written {
            write_atomic(dir, &path, f.content.as_bytes(), false)?;
        }
        out.push(Written {
            path,
            outcome,
            bytes: f.content.len(),
        });
    }
    Ok(out)
}

/// Writes `bytes` to `path` through a temporary file in `dir` and a rename, so a reader never
/// sees half a file; with `private`, the file is created readable by its owner only (Unix).
/// On failure the temporary file is removed and `path` is as it was.
fn write_atomic(dir: &Path, path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.stackdef-{}.tmp", std::process::id()));
    // a leftover of an earlier, killed run with the same process id goes first (a new file
    // gets the mode below; an existing one would keep its own)
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        }
        let mut file = options.open(&tmp).map_err(|e| io(&tmp, e))?;
        file.write_all(bytes).map_err(|e| io(&tmp, e))?;
        file.sync_all().map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| io(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes a file that holds secrets (a development `.env`): created with mode 0600 (owner
/// read/write only, on Unix) through a temporary file and a rename, and never over an existing
/// file, which may hold real secrets: the error names it.
pub fn write_private(path: &Path, content: &str) -> Result<()> {
    if path.exists() {
        return Err(Error::SecretsFileExists {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    write_atomic(&dir, path, content.as_bytes(), true)
}

/// How a file on disk differs from what the stack renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriftKind {
    /// The stack renders it; the directory lacks it.
    Missing,
    /// Both have it; the contents differ (edited by hand, or the stack changed).
    Stale,
    /// A generated file the stack no longer renders.
    Extra,
}

/// One drifted file, with a unified diff from disk to the stack's rendering.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Drift {
    /// The path.
    pub path: PathBuf,
    /// How it drifted.
    pub kind: DriftKind,
    /// `--- on disk` / `+++ from the stack` unified diff.
    pub diff: String,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DriftKind::Missing => "missing",
            DriftKind::Stale => "stale",
            DriftKind::Extra => "no longer generated",
        };
        write!(f, "{}: {what}\n{}", self.path.display(), self.diff)
    }
}

#[cfg(feature = "diff")]
fn diff(path: &Path, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(
            &format!("{} (on disk)", path.display()),
            &format!("{} (from the stack)", path.display()),
        )
        .to_string()
}

/// Without the `diff` feature: the first line that differs, on disk and from the stack.
#[cfg(not(feature = "diff"))]
fn diff(path: &Path, old: &str, new: &str) -> String {
    let (mut a, mut b) = (old.lines(), new.lines());
    let mut line = 1;
    loop {
        match (a.next(), b.next()) {
            (x, y) if x == y && x.is_some() => line += 1,
            (x, y) => {
                let show =
                    |l: Option<&str>| l.map_or("(end of file)".to_owned(), |l| format!("{l:?}"));
                return format!(
                    "{}:{line}: on disk {}, from the stack {} (the `diff` feature shows a unified diff)\n",
                    path.display(),
                    show(x),
                    show(y)
                );
            }
        }
    }
}

/// Compares `dir` with `files` and writes nothing: every missing, stale or extra (generated but
/// no longer rendered) file, each with a diff. Empty when the directory is up to date.
pub fn check_dir(dir: &Path, files: &[File]) -> Result<Vec<Drift>> {
    let mut out = Vec::new();
    for f in files {
        let path = dir.join(&f.name);
        match std::fs::read_to_string(&path) {
            Ok(old) if old == f.content => {}
            Ok(old) => out.push(Drift {
                diff: diff(&path, &old, &f.content),
                path,
                kind: DriftKind::Stale,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.push(Drift {
                    diff: diff(&path, "", &f.content),
                    path,
                    kind: DriftKind::Missing,
                });
            }
            Err(e) => return Err(io(&path, e)),
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(dir, e)),
    };
    let mut extra = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !path.is_file() || files.iter().any(|f| f.name == name) {
            continue;
        }
        if let Ok(old) = std::fs::read_to_string(&path)
            && ours(&old)
        {
            extra.push(Drift {
                diff: diff(&path, &old, ""),
                path,
                kind: DriftKind::Extra,
            });
        }
    }
    extra.sort_by(|a, b| a.path.cmp(&b.path));
    out.extend(extra);
    Ok(out)
}

/// For `build.rs`: builds the stack with `stack`, renders what `plan` asks for, writes it into
/// `dir` (relative paths are relative to the package, `CARGO_MANIFEST_DIR`), and prints the
/// `cargo:` lines: `rerun-if-changed` for `build.rs` and each of `watch`, a `warning` for each
/// of [`crate::check::warnings`] (variables declared but never read, images without a digest,
/// services without limits… — what does not stop emission), and a `warning` naming each file
/// actually written. On an error it prints `error: …` and exits with status 1, so cargo shows a
/// build error rather than a panic backtrace.
pub fn build_script(dir: &str, watch: &[&str], plan: &Plan, stack: impl FnOnce() -> Result<Stack>) {
    println!("cargo:rerun-if-changed=build.rs");
    for w in watch {
        println!("cargo:rerun-if-changed={w}");
    }
    let base = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let result = stack().and_then(|stack| {
        let files = render(&stack, plan)?;
        let report = write_dir(&base.join(dir), &files)?;
        Ok((crate::check::warnings(&stack), report))
    });
    match result {
        Ok((warnings, report)) => {
            for w in &warnings {
                // a cargo directive is one line
                let line: String = w
                    .message
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                println!("cargo:warning=stackdef: {line}");
            }
            for w in report.iter().filter(|w| w.outcome == Outcome::Written) {
                println!("cargo:warning=stackdef wrote {}", w.path.display());
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
