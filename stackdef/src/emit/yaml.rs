//! The one place that reads and writes YAML. Swapping the YAML crate touches this file only.
//!
//! docker-compose 1.29 reads YAML 1.1, where plain scalars such as `22:22` (base 60), `no`
//! (a boolean), `<<` (merge) or `2024-01-01` (a date) are not strings. The YAML crate quotes by
//! YAML 1.2 rules only, so strings that YAML 1.1 would misread are swapped for unique plain
//! placeholders before writing and replaced by their single-quoted form afterwards; the result is
//! parsed back and compared with what was meant before it leaves this module.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::error::{Error, Result};

/// A string the YAML writer quotes whenever a YAML 1.1 reader would misread it plain. The
/// compose document types use it for every string they write.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Str(pub String);

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(s)
    }
}

impl Str {
    /// The string.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<&Str> for String {
    fn from(s: &Str) -> String {
        s.0.clone()
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(s.to_owned())
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_str(&self.0, s)
    }
}

/// A borrowed [`Str`], for map keys.
pub(crate) struct StrRef<'a>(pub &'a str);

impl Serialize for StrRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_str(self.0, s)
    }
}

/// The fixed placeholder prefix of the fast path.
const PREFIX: &str = "stackdefqz";

thread_local! {
    /// Strings swapped for placeholders while [`to_string`] serializes on this thread.
    static RISKY: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// Serializes a string: plain when safe, else (while [`to_string`] runs) as a placeholder
/// that is replaced by the single-quoted string afterwards.
pub(crate) fn serialize_str<S: serde::Serializer>(
    v: &str,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    if yaml11_misreads(v) {
        let placeholder = RISKY.with(|r| {
            r.borrow_mut().as_mut().map(|items| {
                items.push(v.to_owned());
                placeholder(PREFIX, items.len() - 1)
            })
        });
        if let Some(p) = placeholder {
            return s.serialize_str(&p);
        }
    }
    s.serialize_str(v)
}

/// Serializes `value` as a YAML document that YAML 1.1 and 1.2 readers read the same way.
///
/// Fast path: strings are swapped for `stackdefqz<i>z` placeholders as they are serialized
/// and replaced in one pass afterwards. When some value itself contains the prefix, the count of
/// its occurrences gives it away and the slower path below, which picks an unused prefix, runs.
#[cfg(test)]
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String> {
    to_string_after(String::new(), value)
}

/// [`to_string`], appended to `head` (a comment header) without copying the document again.
pub(crate) fn to_string_after<T: Serialize>(head: String, value: &T) -> Result<String> {
    RISKY.with(|r| *r.borrow_mut() = Some(Vec::new()));
    let mut buf = head.into_bytes();
    let start = buf.len();
    let written = serde_yaml::to_writer(&mut buf, value);
    let risky = RISKY.with(|r| r.borrow_mut().take()).unwrap_or_default();
    written.map_err(yaml_err)?;
    let out = String::from_utf8(buf).map_err(|e| Error::Yaml(e.to_string()))?;
    if risky.is_empty() {
        #[cfg(debug_assertions)]
        verify(value, &out[start..])?;
        return Ok(out);
    }
    if out[start..].matches(PREFIX).count() != risky.len() {
        return Ok(format!("{}{}", &out[..start], to_string_slow(value)?));
    }
    // the head is kept as it is: only the document holds placeholders
    let mut patched = String::with_capacity(out.len() + 8 * risky.len());
    patched.push_str(&out[..start]);
    patched.push_str(&patch(&out[start..], PREFIX, &risky));
    #[cfg(debug_assertions)]
    verify(value, &patched[start..])?;
    Ok(patched)
}

/// Replaces each placeholder `<prefix><i>z` by the single-quoted `risky[i]`, in one pass.
fn patch(out: &str, prefix: &str, risky: &[String]) -> String {
    let mut result = String::with_capacity(out.len() + 8 * risky.len());
    let mut rest = out;
    while let Some(i) = rest.find(prefix) {
        result.push_str(&rest[..i]);
        let after = &rest[i + prefix.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let index: Option<usize> = after[..digits].parse().ok();
        match (
            index.and_then(|k| risky.get(k)),
            after[digits..].strip_prefix('z'),
        ) {
            (Some(s), Some(tail)) => {
                result.push_str(&single_quoted(s));
                rest = tail;
            }
            _ => {
                result.push_str(prefix);
                rest = after;
            }
        }
    }
    result.push_str(rest);
    result
}

/// Debug builds (and so every test) check that the document reads back as meant.
#[cfg(debug_assertions)]
fn verify<T: Serialize>(value: &T, out: &str) -> Result<()> {
    let meant = serde_yaml::to_value(value).map_err(yaml_err)?;
    let read_back: Value = serde_yaml::from_str(out).map_err(yaml_err)?;
    if read_back != meant {
        return Err(Error::Yaml(
            "internal: the emitted YAML does not read back as written".into(),
        ));
    }
    Ok(())
}

/// The general path: the document as a value, risky strings swapped for placeholders with a
/// prefix no string contains, then replaced, and the result read back and compared.
fn to_string_slow<T: Serialize>(value: &T) -> Result<String> {
    let meant = serde_yaml::to_value(value).map_err(yaml_err)?;
    let mut strings = Vec::new();
    collect_strings(&meant, &mut strings);
    let prefix = unused_prefix(&strings);
    let mut risky = Vec::new();
    let doc = replace_risky(meant.clone(), &prefix, &mut risky);
    let out = serde_yaml::to_string(&doc).map_err(yaml_err)?;
    let out = patch(&out, &prefix, &risky);
    let read_back: Value = serde_yaml::from_str(&out).map_err(yaml_err)?;
    if read_back != meant {
        return Err(Error::Yaml(
            "internal: the emitted YAML does not read back as written".into(),
        ));
    }
    Ok(out)
}

/// Parses a YAML document into `T`; errors carry the line and column.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(yaml_err)
}

fn yaml_err(e: serde_yaml::Error) -> Error {
    Error::Yaml(e.to_string())
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Sequence(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Mapping(m) => m.iter().for_each(|(k, v)| {
            collect_strings(k, out);
            collect_strings(v, out);
        }),
        Value::Tagged(t) => collect_strings(&t.value, out),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A placeholder prefix that occurs in none of the document's strings.
fn unused_prefix(strings: &[&str]) -> String {
    let mut prefix = String::from("stackdefq");
    while strings.iter().any(|s| s.contains(&prefix)) {
        prefix.push('q');
    }
    prefix
}

fn placeholder(prefix: &str, i: usize) -> String {
    format!("{prefix}{i}z")
}

fn replace_risky(v: Value, prefix: &str, risky: &mut Vec<String>) -> Value {
    match v {
        Value::String(s) if yaml11_misreads(&s) => {
            risky.push(s);
            Value::String(placeholder(prefix, risky.len() - 1))
        }
        Value::Sequence(items) => Value::Sequence(
            items
                .into_iter()
                .map(|i| replace_risky(i, prefix, risky))
                .collect(),
        ),
        Value::Mapping(m) => Value::Mapping(
            m.into_iter()
                .map(|(k, v)| {
                    (
                        replace_risky(k, prefix, risky),
                        replace_risky(v, prefix, risky),
                    )
                })
                .collect(),
        ),
        other => other,
    }
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Whether a YAML 1.1 reader (PyYAML, docker-compose 1.29) could read plain `s` as something
/// other than this string. Errs on the side of quoting: quoting never changes a string.
pub(crate) fn yaml11_misreads(s: &str) -> bool {
    // every special form starts with one of these bytes; most strings stop here
    match s.as_bytes().first() {
        None => return true,
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'~' | b'<' | b'=') => {}
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O')
            if s.len() <= 5 => {}
        Some(_) => return false,
    }
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<",
        "=", "",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    const SPECIAL_FLOATS: &[&str] = &[
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN",
    ];
    if SPECIAL_FLOATS.contains(&s) {
        return true;
    }
    let b = s.as_bytes();
    // timestamps: `2001-12-14`, `2001-12-14t21:59:43.10-05:00`, …
    if b.len() >= 6
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
    {
        return true;
    }
    // ints and floats in every YAML 1.1 form: `1_000`, `0b101`, `0o17`, `0x1F`, `1:30` (base 60),
    // `6.8523015e+5`, … use only these characters and start with a digit, a sign or a dot.
    let numeric_start = matches!(b.first(), Some(b'0'..=b'9' | b'+' | b'-' | b'.'));
    numeric_start
        && s.bytes().any(|c| c.is_ascii_digit())
        && s.bytes()
            .all(|c| c.is_ascii_hexdigit() || b"_:.+-xXoO".contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_forms_are_quoted() {
        let values = [
            "22:22",
            "no",
            "On",
            "y",
            "<<",
            "=",
            "1_000",
            "2024-01-01",
            "0b101",
            "1:30.5",
            "ok",
            "8080:80/tcp",
            "-U",
            "postgres",
            "",
            "it's",
            "stackdefq0z",
        ];
        let doc: Vec<Str> = values.iter().map(|v| Str::from(*v)).collect();
        let out = to_string(&doc).unwrap();
        for quoted in [
            "'22:22'",
            "'no'",
            "'On'",
            "'y'",
            "'<<'",
            "'='",
            "'1_000'",
            "'2024-01-01'",
        ] {
            assert!(
                out.contains(&format!("- {quoted}\n")),
                "{quoted} not quoted in\n{out}"
            );
        }
        for plain in ["ok", "8080:80/tcp", "-U", "postgres", "stackdefq0z"] {
            assert!(
                out.contains(&format!("- {plain}\n")),
                "{plain} quoted in\n{out}"
            );
        }
        let back: Vec<String> = from_str(&out).unwrap();
        assert_eq!(back, values);
    }

    #[test]
    fn a_value_holding_the_placeholder_prefix_takes_the_general_path() {
        let values = ["22:22", "stackdefqz0z", "no", "stackdefqz1z stackdefqz"];
        let doc: Vec<Str> = values.iter().map(|v| Str::from(*v)).collect();
        let out = to_string(&doc).unwrap();
        assert!(
            out.contains("- '22:22'\n") && out.contains("- 'no'\n"),
            "{out}"
        );
        let back: Vec<String> = from_str(&out).unwrap();
        assert_eq!(back, values);
    }
}
