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

/// Serializes `value` as a YAML document that YAML 1.1 and 1.2 readers read the same way.
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String> {
    let meant = serde_yaml::to_value(value).map_err(yaml_err)?;
    let mut strings = Vec::new();
    collect_strings(&meant, &mut strings);
    let prefix = unused_prefix(&strings);
    let mut risky = Vec::new();
    let doc = replace_risky(meant.clone(), &prefix, &mut risky);
    let mut out = serde_yaml::to_string(&doc).map_err(yaml_err)?;
    // Longest placeholder first, so `p1` never clips `p10`.
    for (i, s) in risky.iter().enumerate().rev() {
        out = out.replace(&placeholder(&prefix, i), &single_quoted(s));
    }
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
        let out = to_string(&values).unwrap();
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
}
