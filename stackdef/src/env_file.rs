//! The checker of a filled-in env file: every variable the stack reads is set, nothing unknown,
//! each value of its declared type, and in production no placeholder, development value or
//! short secret, and no secret that a URL embedding it would misread. It never prints a value.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::model::{EnvVar, Part, Stack};

/// What [`crate::emit::env::to_dev_env`] writes for a required value it cannot make; refused
/// in production.
pub(crate) const DEV_PLACEHOLDER: &str = "stackdef-dev-placeholder";

/// How strictly [`check_env_file`] judges secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Secrets must be set; anything goes.
    Development,
    /// Secrets must be set, long enough, and not a placeholder or default.
    Production,
}

/// What is wrong with one variable of an env file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvProblemKind {
    /// A line that is not `KEY=value`, a comment or blank.
    Syntax,
    /// Set twice.
    Duplicate,
    /// Not declared by the stack.
    Unknown,
    /// Required and empty or absent.
    Missing,
    /// Does not parse as the variable's type.
    BadType(&'static str),
    /// A production secret that looks like a placeholder or default.
    Placeholder,
    /// A production secret shorter than its minimum.
    TooShort(usize),
    /// A `$` outside single quotes: compose v2 would read it as a variable of the env file or
    /// the environment, so the value it passes is not the one written.
    Interpolated,
    /// The stack writes this variable into a URL (`postgresql://user:${PASSWORD}@host/db`) and
    /// its value holds a character other than letters, digits and `-._~`, which a URL parser
    /// may read as the end of the password, the host or the path (`/`, `@`, `:`, `?`, `#`, `%`,
    /// `+`, white space, …).
    UrlUnsafe,
}

/// One problem of an env file. Its text names the variable and never shows a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvProblem {
    /// The variable (or, for a syntax error, the line's text up to `=`).
    pub variable: String,
    /// The 1-based line, when the problem is on a line.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: EnvProblemKind,
}

impl fmt::Display for EnvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        let v = &self.variable;
        match &self.kind {
            EnvProblemKind::Syntax => write!(f, "expected `KEY=value`, a comment or a blank line"),
            EnvProblemKind::Duplicate => write!(f, "`{v}` is set twice"),
            EnvProblemKind::Unknown => write!(f, "`{v}` is not a variable of this stack"),
            EnvProblemKind::Missing => write!(f, "`{v}` is required but not set"),
            EnvProblemKind::BadType(why) => write!(f, "`{v}`: {why}"),
            EnvProblemKind::Placeholder => write!(
                f,
                "`{v}` is a placeholder or default value; set a real one (a secret: generate it)"
            ),
            EnvProblemKind::TooShort(min) => {
                write!(f, "secret `{v}` is shorter than {min} characters")
            }
            EnvProblemKind::UrlUnsafe => write!(
                f,
                "`{v}` is written into a URL, and its value holds a character a URL parser reads as part of the URL's structure; use only letters, digits and `-._~` (a secret: `openssl rand -hex 32`)"
            ),
            EnvProblemKind::Interpolated => write!(
                f,
                "`{v}` holds a `$` outside single quotes, which docker compose reads as a variable; write the value in single quotes"
            ),
        }
    }
}

/// Reads one value the way Docker Compose v2's env files do: `'…'` literal, `"…"` with `\n`,
/// `\t`, `\r`, `\"`, `\\` and `\$` escapes (any other backslash kept), bare values up to a
/// ` #` comment. `None` for an unclosed quote (compose would read on into the next lines).
pub fn read_value(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some(inner) = raw.strip_prefix('\'') {
        // a second quote inside ends the value early, which compose refuses
        return inner
            .strip_suffix('\'')
            .filter(|v| !v.contains('\''))
            .map(str::to_owned);
    }
    if let Some(inner) = raw.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    c @ ('"' | '\\' | '$') => out.push(c),
                    // compose v2 keeps any other backslash as written
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                },
                ('"', false) => return None,
                (c, false) => out.push(c),
            }
        }
        return Some(out);
    }
    Some(raw.split(" #").next().unwrap_or("").trim_end().to_owned())
}

/// Values that are obviously not real secrets.
pub(crate) fn placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    const WORDS: [&str; 13] = [
        "change",
        "generate",
        "replace",
        "fill-in",
        "secret",
        "password",
        "placeholder",
        "example",
        "default",
        "your",
        "xxx",
        "todo",
        "dev_",
    ];
    WORDS.iter().any(|w| lower.contains(w)) || value.chars().all(|c| value.starts_with(c))
}

/// The variables that some text of `stack` reads inside a URL: after a literal `scheme://` in
/// the same value, before any white space.
fn in_urls(stack: &Stack) -> HashSet<&str> {
    let mut out = HashSet::new();
    for s in &stack.services {
        for t in crate::check::texts(s) {
            let mut in_url = false;
            for p in t.parts() {
                match p {
                    Part::Lit(l) => {
                        if let Some((_, rest)) = l.rsplit_once("://") {
                            in_url = !rest.contains(char::is_whitespace);
                        } else if l.contains(char::is_whitespace) {
                            in_url = false;
                        }
                    }
                    Part::Var(k, _) if in_url => {
                        out.insert(k.as_str());
                    }
                    Part::Var(..) => {}
                }
            }
        }
    }
    out
}

/// RFC 3986's unreserved characters: the same in every part of a URL, never a delimiter.
fn url_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Checks a filled-in env file against `stack`; returns every problem at once.
pub fn check_env_file(
    stack: &Stack,
    text: &str,
    profile: Profile,
) -> std::result::Result<(), Vec<EnvProblem>> {
    let declared: HashMap<&str, &EnvVar> = stack.env.iter().map(|v| (v.name(), v)).collect();
    let in_urls = in_urls(stack);
    let mut problems = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = Some(i + 1);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let parsed = t
            .split_once('=')
            .and_then(|(k, v)| Some((k.trim(), v.trim(), read_value(v)?)));
        let Some((key, raw, value)) = parsed.filter(|(k, _, _)| crate::EnvKey::new(*k).is_ok())
        else {
            let variable = t.split('=').next().unwrap_or("").chars().take(40).collect();
            problems.push(EnvProblem {
                variable,
                line: line_no,
                kind: EnvProblemKind::Syntax,
            });
            continue;
        };
        let problem = |kind| EnvProblem {
            variable: key.to_owned(),
            line: line_no,
            kind,
        };
        if !raw.starts_with('\'') && value.contains('$') {
            problems.push(problem(EnvProblemKind::Interpolated));
            continue;
        }
        if seen.insert(key.to_owned(), value.clone()).is_some() {
            problems.push(problem(EnvProblemKind::Duplicate));
            continue;
        }
        let Some(var) = declared.get(key) else {
            problems.push(problem(EnvProblemKind::Unknown));
            continue;
        };
        if value.is_empty() {
            continue; // judged below with the absent ones
        }
        if let Some(why) = var.kind().problem(&value) {
            problems.push(problem(EnvProblemKind::BadType(why)));
        }
        if in_urls.contains(var.name()) && !value.bytes().all(url_unreserved) {
            problems.push(problem(EnvProblemKind::UrlUnsafe));
        }
        if profile == Profile::Production && value.contains(DEV_PLACEHOLDER) {
            problems.push(problem(EnvProblemKind::Placeholder));
        } else if var.is_secret() && profile == Profile::Production {
            if placeholder(&value) {
                problems.push(problem(EnvProblemKind::Placeholder));
            } else if value.chars().count() < var.min_len() {
                problems.push(problem(EnvProblemKind::TooShort(var.min_len())));
            }
        }
    }
    for v in &stack.env {
        let set = seen.get(v.name()).is_some_and(|value| !value.is_empty());
        if !set && v.default_value().is_none() {
            problems.push(EnvProblem {
                variable: v.name().to_owned(),
                line: None,
                kind: EnvProblemKind::Missing,
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
