//! The one place that reads and writes YAML. Swapping the YAML crate touches this module only.
//!
//! Reading goes through serde_yaml. Writing goes through [`writer`], a serializer of our own:
//! docker-compose 1.29 reads YAML 1.1, where plain scalars such as `22:22` (base 60), `no`
//! (a boolean), `<<` (merge) or `2024-01-01` (a date) are not strings, while serde_yaml quotes by
//! YAML 1.2 rules only. The writer quotes by both, and writes straight into the output string.
//! Debug builds with the `import` feature (every test here) parse each document back and compare
//! it with what was meant.

mod writer;

use serde::Serialize;
#[cfg(feature = "import")]
use serde::de::DeserializeOwned;
#[cfg(debug_assertions)]
#[cfg(feature = "import")]
use serde_yaml::Value;

use crate::error::{Error, Result};

/// A string the YAML writer quotes whenever a YAML 1.1 reader would misread it plain. The
/// compose document types use it for every string they write.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "import", derive(serde::Deserialize), serde(transparent))]
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
    #[cfg(feature = "import")]
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
        s.serialize_str(&self.0)
    }
}

/// Serializes `value` as a YAML document that YAML 1.1 and 1.2 readers read the same way.
#[cfg(test)]
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String> {
    to_string_after(String::new(), value)
}

/// [`to_string`], appended to `head` (a comment header) without copying the document again.
pub(crate) fn to_string_after<T: Serialize>(head: String, value: &T) -> Result<String> {
    let mut out = head;
    let start = out.len();
    writer::write(&mut out, value).map_err(|e| Error::Yaml(e.0))?;
    #[cfg(all(debug_assertions, feature = "import"))]
    verify(value, &out[start..])?;
    #[cfg(not(all(debug_assertions, feature = "import")))]
    let _ = start;
    Ok(out)
}

/// Debug builds that read YAML (the `import` feature, so every test of this repository) check
/// that the document reads back as meant. A lean build (no serde_yaml) skips the check; the
/// writer is proven by the test suite's property tests and real tools, not at users' run time.
#[cfg(all(debug_assertions, feature = "import"))]
fn verify<T: Serialize>(value: &T, out: &str) -> Result<()> {
    let meant = serde_yaml::to_value(value).map_err(yaml_err)?;
    let read_back: Value = serde_yaml::from_str(out).map_err(yaml_err)?;
    if !same(&read_back, &meant) {
        return Err(Error::Yaml(format!(
            "internal: the emitted YAML does not read back as written:\n{out}"
        )));
    }
    Ok(())
}

/// Equality of documents, where NaN equals NaN.
#[cfg(all(debug_assertions, feature = "import"))]
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.as_f64().is_some_and(f64::is_nan) && y.as_f64().is_some_and(f64::is_nan))
        }
        (Value::Sequence(x), Value::Sequence(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Mapping(x), Value::Mapping(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        }
        _ => a == b,
    }
}

/// Parses a YAML document into `T`; errors carry the line and column.
#[cfg(feature = "import")]
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(yaml_err)
}

#[cfg(feature = "import")]
fn yaml_err(e: serde_yaml::Error) -> Error {
    // serde says only which internal type no form matched; say which forms compose files
    // may use there, keeping the path and the line serde_yaml gives
    const FORMS: [(&str, &str); 11] = [
        (
            "NetworksDoc",
            "`networks` is a list of network names or a mapping of names to `aliases`, `ipv4_address` and `ipv6_address` (stackdef does not model other keys there yet)",
        ),
        (
            "DependsDoc",
            "`depends_on` is a list of service names or a mapping of names to `condition`, `restart` and `required`",
        ),
        (
            "MountDoc",
            "a volume is `source:target[:mode]` or a mapping of `type`, `source`, `target`, `read_only`, `bind`, `tmpfs`",
        ),
        (
            "PortDoc",
            "a port is a number, `[ip:][host:]container[/protocol]`, or a mapping with `target`",
        ),
        (
            "BuildDoc",
            "`build` is a context path or a mapping with `context`",
        ),
        ("OneOrMany", "expected a string or a list of strings"),
        (
            "Pairs",
            "expected a list of `KEY=value` or a mapping of keys to values",
        ),
        (
            "UlimitDoc",
            "a ulimit is a number or a mapping of `soft` and `hard` numbers",
        ),
        (
            "DeviceDoc",
            "a device is `host[:container[:permissions]]` or a mapping with `source`",
        ),
        ("Scalar", "expected a string, a number or a boolean"),
        ("ExtValue", "expected a YAML value"),
    ];
    let text = e.to_string();
    for (ty, forms) in FORMS {
        let pattern = format!("data did not match any variant of untagged enum {ty}");
        if text.contains(&pattern) {
            return Error::Yaml(text.replace(&pattern, forms));
        }
    }
    Error::Yaml(text)
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
        let back: Vec<String> = serde_yaml::from_str(&out).unwrap();
        assert_eq!(back, values);
    }

    #[test]
    fn each_scalar_takes_the_first_safe_style() {
        let cases = [
            ("postgres", "postgres"),
            ("-U", "-U"),
            ("--host", "--host"),
            ("a:b", "a:b"),
            ("a#b", "a#b"),
            ("héllo wörld", "héllo wörld"),
            ("a: b", "'a: b'"),
            ("a:", "'a:'"),
            ("a #b", "'a #b'"),
            ("- x", "'- x'"),
            ("-", "'-'"),
            ("? x", "'? x'"),
            (": x", "': x'"),
            ("#x", "'#x'"),
            ("*alias", "'*alias'"),
            ("&anchor", "'&anchor'"),
            ("!tag", "'!tag'"),
            ("[a]", "'[a]'"),
            ("{a}", "'{a}'"),
            ("|", "'|'"),
            (">", "'>'"),
            ("%YAML", "'%YAML'"),
            ("@x", "'@x'"),
            ("`x", "'`x'"),
            ("---", "'---'"),
            ("...x", "'...x'"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            ("\"q\"", "'\"q\"'"),
            ("a\nb", "\"a\\nb\""),
            ("tab\there", "\"tab\\there\""),
            ("cr\r", "\"cr\\r\""),
            ("nul\0", "\"nul\\x00\""),
            ("del\u{7f}", "\"del\\x7F\""),
            ("nel\u{85}", "\"nel\\x85\""),
            ("ls\u{2028}", "\"ls\\u2028\""),
            ("bom\u{feff}", "\"bom\\uFEFF\""),
            ("q\"\\\n", "\"q\\\"\\\\\\n\""),
        ];
        for (value, written) in cases {
            let mut out = String::new();
            writer::scalar(&mut out, value);
            assert_eq!(out, written, "{value:?}");
            let back: String = serde_yaml::from_str(&out).unwrap();
            assert_eq!(back, value, "{out}");
        }
    }

    #[test]
    fn layout_of_nested_and_empty_collections() {
        use crate::model::ExtValue as V;
        let doc = V::Map(vec![
            ("scalar".into(), V::Int(-3)),
            ("empty_map".into(), V::Map(vec![])),
            ("empty_list".into(), V::List(vec![])),
            (
                "list".into(),
                V::List(vec![
                    V::Str("a".into()),
                    V::Map(vec![
                        ("k".into(), V::Bool(true)),
                        ("m".into(), V::List(vec![V::Null, V::Float(0.5)])),
                    ]),
                    V::List(vec![V::Float(1e100), V::List(vec![])]),
                    V::Map(vec![]),
                ]),
            ),
            (
                "map".into(),
                V::Map(vec![(
                    "22:22".into(),
                    V::Map(vec![("x".into(), V::Float(2.0))]),
                )]),
            ),
        ]);
        let out = to_string(&doc).unwrap();
        assert_eq!(
            out,
            "scalar: -3\nempty_map: {}\nempty_list: []\nlist:\n- a\n- k: true\n  m:\n  - null\n  \
             - 0.5\n- - 1.0e+100\n  - []\n- {}\nmap:\n  '22:22':\n    x: 2.0\n"
        );
    }

    #[test]
    fn floats_read_back_as_floats() {
        use crate::model::ExtValue as V;
        for x in [
            0.0,
            -0.0,
            1.0,
            1e100,
            1e-7,
            123.456,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let out = to_string(&V::List(vec![V::Float(x)])).unwrap();
            let back: Vec<f64> = serde_yaml::from_str(&out).unwrap();
            assert_eq!(back, [x], "{out}");
            // YAML 1.1 needs a dot to see a float
            assert!(out.contains('.'), "{out}");
        }
        let out = to_string(&V::List(vec![
            V::Float(f64::INFINITY),
            V::Float(f64::NEG_INFINITY),
            V::Float(f64::NAN),
        ]))
        .unwrap();
        assert_eq!(out, "- .inf\n- -.inf\n- .nan\n");
    }

    #[test]
    fn an_over_long_key_is_a_typed_error() {
        use crate::model::ExtValue as V;
        let key = "k".repeat(2000);
        let err = to_string(&V::Map(vec![(key, V::Null)])).unwrap_err();
        assert!(
            matches!(&err, Error::Yaml(m) if m.contains("2000 characters") && m.contains("kkkk")),
            "{err}"
        );
    }
}
