//! A compose project as Docker Compose v2 reads it: one or more files (`-f`, later files
//! override earlier ones), YAML merge keys, variables interpolated from the process
//! environment over the env file, and the services of inactive profiles left out.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::interpolate::{InterpError, Used, Vars, interpolate};

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The compose files, in override order.
    pub files: Vec<PathBuf>,
    /// Env files (default: `.env` beside the first compose file, when it exists).
    pub env_files: Vec<PathBuf>,
    /// Active profiles (besides `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// The project name (default: the file's `name:`, else the first file's directory).
    pub project_name: Option<String>,
    /// Read no process environment (tests; reproducible checks).
    pub no_process_env: bool,
    /// Keep the files as written: no interpolation (variables stay `${…}`), every service
    /// kept with its profiles. For `import`, which turns the variables into declarations.
    pub raw: bool,
}

/// One file read, kept for locating diagnostics.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its path, as given.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// A variable default the file itself holds: `${NAME:-default}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultUse {
    /// Index into [`Project::sources`].
    pub file: usize,
    /// Where: the keys from the root.
    pub at: Vec<String>,
    /// The variable.
    pub name: String,
    /// Its default.
    pub default: String,
}

/// The project compose would run.
#[derive(Debug, Clone)]
pub struct Project {
    /// The files, in order.
    pub sources: Vec<Source>,
    /// The merged, interpolated document (services of inactive profiles removed).
    pub doc: Value,
    /// The project name.
    pub name: String,
    /// Variables read but unset, with no default (compose warns and reads them as empty):
    /// `(file, where, name)`.
    pub unset: Vec<(usize, Vec<String>, String)>,
    /// Defaults held in the files.
    pub defaults: Vec<DefaultUse>,
    /// Services left out: not enabled by an active profile, with their profiles.
    pub disabled: Vec<(String, Vec<String>)>,
}

/// Why a project could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A file is not YAML, or not a mapping.
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
        /// 1-based line and column, when known.
        place: Option<(usize, usize)>,
    },
    /// A value cannot be interpolated.
    Interpolation {
        /// Index into the sources.
        file: PathBuf,
        /// Where.
        at: Vec<String>,
        /// What.
        error: InterpError,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            LoadError::Yaml { path, message, .. } => write!(f, "{}: {message}", path.display()),
            LoadError::Interpolation { file, at, error } => {
                write!(f, "{}: {}: {error}", file.display(), at.join("."))
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads an env file as compose does: `KEY=value` lines (an optional `export `), `#` comments,
/// values quoted or bare ([`stackdef::env_file::read_value`]).
pub fn read_env_file(text: &str, vars: &mut Vars) {
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, raw) = line.split_once('=').unwrap_or((line, ""));
        if let Some(value) = stackdef::env_file::read_value(raw) {
            vars.insert(key.trim().to_owned(), value);
        }
    }
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads the project `opts` describes.
pub fn load(opts: &Options) -> Result<Project, LoadError> {
    let mut vars = Vars::new();
    let env_files = if opts.env_files.is_empty() {
        let dir = opts
            .files
            .first()
            .and_then(|f| f.parent())
            .unwrap_or(Path::new(""));
        let dot = dir.join(".env");
        if dot.is_file() { vec![dot] } else { Vec::new() }
    } else {
        opts.env_files.clone()
    };
    for f in &env_files {
        read_env_file(&read(f)?, &mut vars);
    }
    if !opts.no_process_env {
        vars.extend(std::env::vars());
    }
    let mut sources = Vec::new();
    let mut merged = Value::Mapping(Mapping::new());
    let mut unset = Vec::new();
    let mut defaults = Vec::new();
    for (i, path) in opts.files.iter().enumerate() {
        let text = read(path)?;
        let mut doc: Value = serde_yaml::from_str(&text).map_err(|e| LoadError::Yaml {
            path: path.clone(),
            message: e.to_string(),
            place: e.location().map(|l| (l.line(), l.column())),
        })?;
        if !doc.is_mapping() {
            return Err(LoadError::Yaml {
                path: path.clone(),
                message: "a compose file is a mapping (`services:` …)".into(),
                place: Some((1, 1)),
            });
        }
        doc.apply_merge().map_err(|e| LoadError::Yaml {
            path: path.clone(),
            message: e.to_string(),
            place: None,
        })?;
        let mut at = Vec::new();
        let no_vars = Vars::new();
        let mut walk = Walk {
            raw: opts.raw,
            vars: if opts.raw { &no_vars } else { &vars },
            file: i,
            unset: &mut unset,
            defaults: &mut defaults,
        };
        walk.value(&mut doc, &mut at)
            .map_err(|(at, error)| LoadError::Interpolation {
                file: path.clone(),
                at,
                error,
            })?;
        merge(&mut merged, doc, &mut Vec::new());
        sources.push(Source {
            path: path.clone(),
            text,
        });
    }
    let name = project_name(opts, &merged);
    let disabled = if opts.raw {
        Vec::new()
    } else {
        apply_profiles(&mut merged, &opts.profiles, &vars)
    };
    Ok(Project {
        sources,
        doc: merged,
        name,
        unset,
        defaults,
        disabled,
    })
}

fn project_name(opts: &Options, doc: &Value) -> String {
    let raw = opts
        .project_name
        .clone()
        .or_else(|| doc.get("name").and_then(Value::as_str).map(str::to_owned))
        .or_else(|| {
            let first = opts.files.first()?;
            let dir = std::path::absolute(first).ok()?;
            Some(dir.parent()?.file_name()?.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "stack".into());
    // compose's normalisation: lower case, only [a-z0-9_-], starting with a letter or digit
    let name: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    let name = name.trim_start_matches(['_', '-']).to_owned();
    if name.is_empty() {
        "stack".into()
    } else {
        name
    }
}

struct Walk<'a> {
    raw: bool,
    vars: &'a Vars,
    file: usize,
    unset: &'a mut Vec<(usize, Vec<String>, String)>,
    defaults: &'a mut Vec<DefaultUse>,
}

impl Walk<'_> {
    fn value(
        &mut self,
        v: &mut Value,
        at: &mut Vec<String>,
    ) -> Result<(), (Vec<String>, InterpError)> {
        match v {
            Value::String(_) if self.raw => {}
            Value::String(s) => {
                let mut used = Used::default();
                *s = interpolate(s, self.vars, &mut used).map_err(|e| (at.clone(), e))?;
                for name in used.unset {
                    self.unset.push((self.file, at.clone(), name));
                }
                for (name, default) in used.defaults {
                    self.defaults.push(DefaultUse {
                        file: self.file,
                        at: at.clone(),
                        name,
                        default,
                    });
                }
            }
            Value::Sequence(items) => {
                for item in items {
                    let key = match item {
                        Value::String(s) => s.split(['=', ':']).next().unwrap_or("").to_owned(),
                        _ => String::new(),
                    };
                    at.push(key);
                    self.value(item, at)?;
                    at.pop();
                }
            }
            Value::Mapping(m) => {
                for (k, item) in m.iter_mut() {
                    at.push(key_text(k));
                    self.value(item, at)?;
                    at.pop();
                }
            }
            Value::Tagged(t) => self.value(&mut t.value, at)?,
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
        Ok(())
    }
}

fn key_text(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    }
}

/// Keys whose lists are replaced whole by an override, as compose does.
const REPLACED: [&str; 4] = ["command", "entrypoint", "test", "dns_search"];
/// Keys whose lists are `KEY=value` / `KEY: value` pairs, merged by key.
const PAIRS: [&str; 6] = [
    "environment",
    "labels",
    "args",
    "extra_hosts",
    "sysctls",
    "annotations",
];
/// Keys whose short list form becomes a mapping when merged: `[db]` → `{db: {}}`.
const NAMED: [&str; 2] = ["depends_on", "networks"];

/// Merges `over` into `base`: mappings key by key, lists as compose merges each key.
fn merge(base: &mut Value, over: Value, at: &mut Vec<String>) {
    // the list rules apply inside a service (`services.NAME.KEY`, `…build.args`)
    let key = match at.as_slice() {
        [top, _, .., k] if top == "services" && at.len() >= 3 => k.as_str(),
        _ => "",
    };
    let in_service = at.len() == 3 && at[0] == "services";
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                at.push(key_text(&k));
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v, at),
                    None => {
                        b.insert(k, v);
                    }
                }
                at.pop();
            }
        }
        (b @ Value::Sequence(_), o @ Value::Sequence(_)) if REPLACED.contains(&key) => *b = o,
        (b, o) if PAIRS.contains(&key) => {
            let mut m = pairs(b.clone());
            for (k, v) in pairs(o) {
                m.insert(k, v);
            }
            *b = Value::Mapping(m);
        }
        (b, o) if NAMED.contains(&key) => {
            let mut m = named(b.clone());
            for (k, v) in named(o) {
                match m.get_mut(&k) {
                    Some(existing) => merge(existing, v, at),
                    None => {
                        m.insert(k, v);
                    }
                }
            }
            *b = Value::Mapping(m);
        }
        (Value::Sequence(b), Value::Sequence(o)) if in_service && key == "volumes" => {
            for item in o {
                let target = mount_target(&item);
                if let Some(t) = target
                    && let Some(pos) = b
                        .iter()
                        .position(|x| mount_target(x).as_deref() == Some(&t))
                {
                    b[pos] = item;
                } else {
                    b.push(item);
                }
            }
        }
        (Value::Sequence(b), Value::Sequence(o)) => {
            for item in o {
                if !b.contains(&item) {
                    b.push(item);
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn pairs(v: Value) -> Mapping {
    match v {
        Value::Mapping(m) => m,
        Value::Sequence(items) => items
            .into_iter()
            .filter_map(|i| {
                let s = i.as_str()?.to_owned();
                Some(match s.split_once('=') {
                    Some((k, v)) => (Value::String(k.to_owned()), Value::String(v.to_owned())),
                    None => (Value::String(s), Value::Null),
                })
            })
            .collect(),
        _ => Mapping::new(),
    }
}

fn named(v: Value) -> Mapping {
    match v {
        Value::Mapping(m) => m,
        Value::Sequence(items) => items
            .into_iter()
            .map(|i| (i, Value::Mapping(Mapping::new())))
            .collect(),
        _ => Mapping::new(),
    }
}

fn mount_target(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            Some(match parts.as_slice() {
                [one] => (*one).to_owned(),
                [_, t, ..] => (*t).to_owned(),
                [] => return None,
            })
        }
        Value::Mapping(m) => m.get("target").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Removes the services no active profile enables; enabled services lose their `profiles`
/// key (in this project they run, whatever their profiles). Returns those removed.
fn apply_profiles(doc: &mut Value, profiles: &[String], vars: &Vars) -> Vec<(String, Vec<String>)> {
    let mut active: BTreeSet<String> = profiles.iter().cloned().collect();
    if let Some(env) = vars.get("COMPOSE_PROFILES") {
        active.extend(
            env.split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty()),
        );
    }
    let mut disabled = Vec::new();
    let Some(services) = doc.get_mut("services").and_then(Value::as_mapping_mut) else {
        return disabled;
    };
    services.retain(|name, svc| {
        let own: Vec<String> = svc
            .get("profiles")
            .and_then(Value::as_sequence)
            .map(|s| {
                s.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let on = own.is_empty() || active.contains("*") || own.iter().any(|p| active.contains(p));
        if !on {
            disabled.push((key_text(name), own));
        }
        on
    });
    for (_, svc) in services.iter_mut() {
        if let Some(m) = svc.as_mapping_mut() {
            m.remove("profiles");
            // a dependency that is not required is skipped when its service is off
            if let Some(deps) = m.get_mut("depends_on").and_then(Value::as_mapping_mut) {
                deps.retain(|name, d| {
                    let off = disabled
                        .iter()
                        .any(|(n, _)| Some(n.as_str()) == name.as_str());
                    let optional = d.get("required").and_then(Value::as_bool) == Some(false);
                    !(off && optional)
                });
            }
        }
    }
    disabled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn overrides_merge_as_compose_merges() {
        let mut base = yaml(
            "services:\n  a:\n    image: x:1\n    command: [a, b]\n    environment: [A=1, B=2]\n    ports: ['80:80']\n    volumes: ['d:/data', '/x:/y']\n    depends_on: [db]\n",
        );
        let over = yaml(
            "services:\n  a:\n    image: x:2\n    command: [c]\n    environment:\n      B: '3'\n    ports: ['443:443']\n    volumes: ['e:/data']\n    depends_on:\n      db:\n        condition: service_healthy\n",
        );
        merge(&mut base, over, &mut Vec::new());
        let a = &base["services"]["a"];
        assert_eq!(a["image"], yaml("x:2"));
        assert_eq!(a["command"], yaml("[c]"));
        assert_eq!(a["environment"], yaml("{A: '1', B: '3'}"));
        assert_eq!(a["ports"], yaml("['80:80', '443:443']"));
        assert_eq!(a["volumes"], yaml("['e:/data', '/x:/y']"));
        assert_eq!(a["depends_on"], yaml("{db: {condition: service_healthy}}"));
    }

    #[test]
    fn inactive_profiles_are_left_out() {
        let mut doc = yaml(
            "services:\n  a: {image: x}\n  b: {image: y, profiles: [dev]}\n  c: {image: z, profiles: [prod]}\n",
        );
        let gone = apply_profiles(&mut doc, &["dev".into()], &Vars::new());
        assert_eq!(gone, [("c".to_owned(), vec!["prod".to_owned()])]);
        assert!(doc["services"]["b"].get("profiles").is_none());
    }
}
