//! Compose's variable interpolation, as Docker Compose v2 applies it to every string value of
//! a compose file before reading it: `$$`, `$NAME`, `${NAME}`, and the `:-` `-` `:?` `?` `:+`
//! `+` forms, defaults and replacements interpolated in turn.
//!
//! The result is written for stackdef's importer, which reads `$` as the start of a variable:
//! every literal `$` of the result (from `$$`, a default or a variable's value) is `$$` again.

use std::collections::BTreeMap;
use std::fmt;

/// The variables a file is interpolated with (process environment over the env file, as
/// compose reads them).
pub type Vars = BTreeMap<String, String>;

/// A value compose refuses to interpolate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpError {
    /// `${NAME:?message}` / `${NAME?message}` with `NAME` unset (or empty, for `:?`).
    Required {
        /// The variable.
        name: String,
        /// The file's message.
        message: String,
    },
    /// A `${` without its `}`, or a name that is not one.
    Syntax {
        /// The text from the `$` on.
        text: String,
    },
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpError::Required { name, message } => {
                write!(
                    f,
                    "required variable `{name}` is missing a value: {message}"
                )
            }
            InterpError::Syntax { text } => write!(f, "invalid interpolation format for `{text}`"),
        }
    }
}

/// What interpolating one string used: the variables read and those that were unset without
/// a default (compose warns and reads them as empty).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Used {
    /// Every variable read, in order.
    pub read: Vec<String>,
    /// Variables that were unset where no default applied.
    pub unset: Vec<String>,
    /// `(name, default)` for each `${NAME:-default}` / `${NAME-default}` with a non-empty
    /// default, as the file writes it, whether or not it applied.
    pub defaults: Vec<(String, String)>,
}

fn name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn push_literal(out: &mut String, s: &str) {
    for c in s.chars() {
        if c == '$' {
            out.push_str("$$");
        } else {
            out.push(c);
        }
    }
}

/// Interpolates `s` with `vars`; the result keeps literal `$` as `$$`.
pub fn interpolate(s: &str, vars: &Vars, used: &mut Used) -> Result<String, InterpError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        push_literal(&mut out, &rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body).ok_or_else(|| InterpError::Syntax {
                text: rest[i..].to_owned(),
            })?;
            braced(&body[..end], vars, used, &mut out)?;
            rest = &body[end + 1..];
        } else if after.starts_with(name_start) {
            let len = after.find(|c| !name_char(c)).unwrap_or(after.len());
            let name = &after[..len];
            lookup_plain(name, vars, used, &mut out);
            rest = &after[len..];
        } else {
            // a lone `$` (before a space, a digit, the end): compose keeps it
            out.push_str("$$");
            rest = after;
        }
    }
    push_literal(&mut out, rest);
    Ok(out)
}

/// The index of the `}` closing a `${`, counting nested `${…}`.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn lookup_plain(name: &str, vars: &Vars, used: &mut Used, out: &mut String) {
    used.read.push(name.to_owned());
    match vars.get(name) {
        Some(v) => push_literal(out, v),
        None => used.unset.push(name.to_owned()),
    }
}

fn braced(body: &str, vars: &Vars, used: &mut Used, out: &mut String) -> Result<(), InterpError> {
    let syntax = || InterpError::Syntax {
        text: format!("${{{body}}}"),
    };
    let len = body.find(|c| !name_char(c)).unwrap_or(body.len());
    let (name, op) = body.split_at(len);
    if !name.starts_with(name_start) {
        return Err(syntax());
    }
    if op.is_empty() {
        lookup_plain(name, vars, used, out);
        return Ok(());
    }
    used.read.push(name.to_owned());
    let value = vars.get(name);
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    let Some(kind) = op.chars().next().filter(|c| matches!(c, '-' | '?' | '+')) else {
        return Err(syntax());
    };
    let arg = &op[1..];
    // `:` forms treat an empty value as unset
    let set = value.filter(|v| !colon || !v.is_empty());
    match kind {
        '-' => {
            // the file holds this default whether or not it applies now
            if !arg.is_empty() {
                used.defaults
                    .push((name.to_owned(), arg.replace("$$", "$")));
            }
            match set {
                Some(v) => push_literal(out, v),
                None => out.push_str(&interpolate(arg, vars, used)?),
            }
        }
        '?' => match set {
            Some(v) => push_literal(out, v),
            None => {
                let message = interpolate(arg, vars, used)?.replace("$$", "$");
                return Err(InterpError::Required {
                    name: name.to_owned(),
                    message,
                });
            }
        },
        _ => {
            if set.is_some() {
                out.push_str(&interpolate(arg, vars, used)?);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, vars: &[(&str, &str)]) -> Result<String, InterpError> {
        let vars: Vars = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        interpolate(s, &vars, &mut Used::default())
    }

    #[test]
    fn every_form_reads_as_compose_reads_it() {
        let v = [("A", "x"), ("E", "")];
        assert_eq!(run("$A-${A}", &v).unwrap(), "x-x");
        assert_eq!(run("${E:-d}|${E-d}|${U-d}|${U:-d}", &v).unwrap(), "d||d|d");
        assert_eq!(run("${A:+r}|${E:+r}|${E+r}|${U+r}", &v).unwrap(), "r||r|");
        assert_eq!(run("${U:-${A}}", &v).unwrap(), "x");
        assert_eq!(run("${U:-${V:-deep}}", &v).unwrap(), "deep");
        assert_eq!(run("app:${U:-release}", &v).unwrap(), "app:release");
        assert_eq!(run("$$A $ 5$", &v).unwrap(), "$$A $$ 5$$");
    }

    #[test]
    fn required_and_broken_forms_are_errors() {
        let err = run("${DB:?set DB in .env}", &[]).unwrap_err();
        assert_eq!(
            err,
            InterpError::Required {
                name: "DB".into(),
                message: "set DB in .env".into()
            }
        );
        assert!(run("${E:?no}", &[("E", "")]).is_err());
        assert_eq!(run("${E?no}", &[("E", "")]).unwrap(), "");
        assert!(matches!(run("${A", &[]), Err(InterpError::Syntax { .. })));
        assert!(matches!(run("${1A}", &[]), Err(InterpError::Syntax { .. })));
        assert!(matches!(run("${A*}", &[]), Err(InterpError::Syntax { .. })));
    }

    #[test]
    fn values_with_dollars_stay_literal() {
        assert_eq!(run("${P}", &[("P", "a$b")]).unwrap(), "a$$b");
        let mut used = Used::default();
        interpolate("${X:-1}${Y}", &Vars::new(), &mut used).unwrap();
        assert_eq!(used.unset, ["Y"]);
        assert_eq!(used.defaults, [("X".to_owned(), "1".to_owned())]);
    }
}
