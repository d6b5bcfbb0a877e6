//! Strings that may read environment variables, and free-form extension values.

use std::fmt;

use crate::model::name::EnvKey;

/// How an interpolated variable behaves when it is unset in the environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fallback {
    /// `${NAME}`: unset reads as the empty string (docker-compose warns).
    None,
    /// `${NAME:-default}`: unset or empty reads as `default`.
    Default(String),
    /// `${NAME:?message}`: unset or empty stops compose with `message`.
    Required(String),
    /// `${NAME-default}`: only unset reads as `default` (an empty value stays empty).
    DefaultIfUnset(String),
    /// `${NAME?message}`: only unset stops compose with `message` (an empty value is kept).
    RequiredIfUnset(String),
    /// `${NAME:+replacement}`: set and non-empty reads as `replacement`, else as empty.
    Replace(String),
    /// `${NAME+replacement}`: set (even empty) reads as `replacement`, else as empty.
    ReplaceIfSet(String),
}

/// One part of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Literal text; a `$` in it is written `$$` so compose does not interpolate it.
    Lit(String),
    /// A variable compose interpolates from the environment.
    Var(EnvKey, Fallback),
}

/// A string value that compose interpolates: literal text and typed variable references.
///
/// `Text::from("a $ sign")` is literal (emitted as `a $$ sign`); variables enter only through
/// [`Text::var`] and friends, never by writing `${…}` inside a literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Text {
    parts: Vec<Part>,
}

impl Text {
    /// Literal text.
    pub fn lit(s: impl Into<String>) -> Self {
        Text::default().then(s)
    }

    /// `${NAME}`.
    pub fn var(name: EnvKey) -> Self {
        Text::default().then_var(name, Fallback::None)
    }

    /// `${NAME:-default}`.
    pub fn var_or(name: EnvKey, default: impl Into<String>) -> Self {
        Text::default().then_var(name, Fallback::Default(default.into()))
    }

    /// `${NAME:?NAME is required}`.
    pub fn required(name: EnvKey) -> Self {
        let message = format!("{name} is required");
        Text::default().then_var(name, Fallback::Required(message))
    }

    /// Appends literal text.
    #[must_use]
    pub fn then(mut self, s: impl Into<String>) -> Self {
        let s = s.into();
        match self.parts.last_mut() {
            Some(Part::Lit(last)) => last.push_str(&s),
            _ if s.is_empty() => {}
            _ => self.parts.push(Part::Lit(s)),
        }
        self
    }

    /// Appends a variable reference.
    #[must_use]
    pub fn then_var(mut self, name: EnvKey, fallback: Fallback) -> Self {
        self.parts.push(Part::Var(name, fallback));
        self
    }

    /// Appends another text.
    #[must_use]
    pub fn then_text(mut self, other: Text) -> Self {
        for part in other.parts {
            self = match part {
                Part::Lit(s) => self.then(s),
                Part::Var(n, f) => self.then_var(n, f),
            };
        }
        self
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The variables this text reads.
    pub fn vars(&self) -> impl Iterator<Item = &EnvKey> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(n, _) => Some(n),
            Part::Lit(_) => None,
        })
    }

    /// Reads compose's interpolation syntax: `$$` is a literal `$`; `${VAR}`, `${VAR:-x}`,
    /// `${VAR-x}`, `${VAR:?msg}`, `${VAR?msg}` and `$VAR` are variables. `field` names the
    /// value in an error.
    pub fn parse_compose(field: &str, s: &str) -> crate::Result<Text> {
        let bad = |why: &str| crate::Error::invalid(field, s, why);
        let mut text = Text::default();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            text = text.then(&rest[..i]);
            rest = &rest[i + 1..];
            if let Some(r) = rest.strip_prefix('$') {
                text = text.then("$");
                rest = r;
            } else if let Some(r) = rest.strip_prefix('{') {
                let end = r.find('}').ok_or_else(|| bad("unclosed `${`"))?;
                let inner = &r[..end];
                rest = &r[end + 1..];
                let split = inner.find([':', '-', '?', '+']).unwrap_or(inner.len());
                let name = &inner[..split];
                let ident = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                let key = EnvKey::new(name)
                    .ok()
                    .filter(|_| ident)
                    .ok_or_else(|| bad("bad variable name in `${…}`"))?;
                let op = &inner[split..];
                // `${A:-${B}}` or `${A:-$B}`: compose reads the inner variable; the model holds
                // a literal argument, so it is refused rather than read as text
                if op.replace("$$", "").contains('$') {
                    return Err(bad(
                        "a variable inside a default, message or replacement is not modelled yet",
                    ));
                }
                let unescape = |v: &str| v.replace("$$", "$");
                let fallback = if op.is_empty() {
                    Fallback::None
                } else if let Some(d) = op.strip_prefix(":-") {
                    Fallback::Default(unescape(d))
                } else if let Some(d) = op.strip_prefix('-') {
                    Fallback::DefaultIfUnset(unescape(d))
                } else if let Some(m) = op.strip_prefix(":?") {
                    Fallback::Required(unescape(m))
                } else if let Some(m) = op.strip_prefix('?') {
                    Fallback::RequiredIfUnset(unescape(m))
                } else if let Some(r) = op.strip_prefix(":+") {
                    Fallback::Replace(unescape(r))
                } else if let Some(r) = op.strip_prefix('+') {
                    Fallback::ReplaceIfSet(unescape(r))
                } else {
                    return Err(bad("unsupported `${…}` form"));
                };
                text = text.then_var(key, fallback);
            } else {
                let n = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let key =
                    EnvKey::new(&rest[..n]).map_err(|_| bad("a lone `$` must be written `$$`"))?;
                rest = &rest[n..];
                text = text.then_var(key, Fallback::None);
            }
        }
        Ok(text.then(rest))
    }

    /// The text read with each variable at its default; one without a default (or with a
    /// replacement or a required marker) reads as its name in lower case. What the rules check
    /// for a typed value that reads variables (an image reference, a path).
    pub fn at_defaults(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Var(_, Fallback::Default(d) | Fallback::DefaultIfUnset(d)) => d.clone(),
                Part::Var(k, _) => k.as_str().to_ascii_lowercase(),
            })
            .collect()
    }

    /// The literal value when the text reads no variable.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(..) => return None,
            }
        }
        Some(out)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::lit(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::lit(s)
    }
}

impl fmt::Display for Text {
    /// Compose's interpolation syntax: `$` in literals doubled, variables as `${…}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Lit(s) => f.write_str(&s.replace('$', "$$"))?,
                Part::Var(n, Fallback::None) => write!(f, "${{{n}}}")?,
                Part::Var(n, Fallback::Default(d)) => {
                    write!(f, "${{{n}:-{}}}", d.replace('$', "$$"))?
                }
                Part::Var(n, Fallback::Required(m)) => {
                    write!(f, "${{{n}:?{}}}", m.replace('$', "$$"))?
                }
                Part::Var(n, Fallback::DefaultIfUnset(d)) => {
                    write!(f, "${{{n}-{}}}", d.replace('$', "$$"))?
                }
                Part::Var(n, Fallback::RequiredIfUnset(m)) => {
                    write!(f, "${{{n}?{}}}", m.replace('$', "$$"))?
                }
                Part::Var(n, Fallback::Replace(r)) => {
                    write!(f, "${{{n}:+{}}}", r.replace('$', "$$"))?
                }
                Part::Var(n, Fallback::ReplaceIfSet(r)) => {
                    write!(f, "${{{n}+{}}}", r.replace('$', "$$"))?
                }
            }
        }
        Ok(())
    }
}

/// A free-form value of an `x-*` extension field, kept as written.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    List(Vec<ExtValue>),
    /// A mapping with string keys, in order.
    Map(Vec<(String, ExtValue)>),
}

impl ExtValue {
    /// The same value with every string (at any depth, keys excepted) replaced by `f` of it.
    #[must_use]
    pub fn map_strings(&self, f: &impl Fn(&str) -> String) -> ExtValue {
        match self {
            ExtValue::Str(s) => ExtValue::Str(f(s)),
            ExtValue::List(items) => {
                ExtValue::List(items.iter().map(|i| i.map_strings(f)).collect())
            }
            ExtValue::Map(entries) => ExtValue::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.map_strings(f)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

impl serde::Serialize for ExtValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            ExtValue::Null => s.serialize_unit(),
            ExtValue::Bool(b) => s.serialize_bool(*b),
            ExtValue::Int(i) => s.serialize_i64(*i),
            ExtValue::Float(x) => s.serialize_f64(*x),
            ExtValue::Str(v) => s.serialize_str(v),
            ExtValue::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            ExtValue::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(feature = "import")]
impl<'de> serde::Deserialize<'de> for ExtValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ExtVisitor)
    }
}

#[cfg(feature = "import")]
struct ExtVisitor;

#[cfg(feature = "import")]
impl<'de> serde::de::Visitor<'de> for ExtVisitor {
    type Value = ExtValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value with string keys")
    }
    fn visit_unit<E>(self) -> Result<ExtValue, E> {
        Ok(ExtValue::Null)
    }
    fn visit_none<E>(self) -> Result<ExtValue, E> {
        Ok(ExtValue::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<ExtValue, E> {
        Ok(ExtValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<ExtValue, E> {
        Ok(ExtValue::Int(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExtValue, E> {
        i64::try_from(v)
            .map(ExtValue::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<ExtValue, E> {
        Ok(ExtValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<ExtValue, E> {
        Ok(ExtValue::Str(v.to_owned()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<ExtValue, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = a.next_element()? {
            items.push(v);
        }
        Ok(ExtValue::List(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, a: A) -> Result<ExtValue, A::Error> {
        unique_entries(a).map(ExtValue::Map)
    }
}

/// A mapping's entries in order; a key that appears twice is an error (readers disagree on
/// which value wins, and the emitter refuses to write one).
#[cfg(feature = "import")]
pub(crate) fn unique_entries<'de, A, T>(mut a: A) -> Result<Vec<(String, T)>, A::Error>
where
    A: serde::de::MapAccess<'de>,
    T: serde::Deserialize<'de>,
{
    let mut out: Vec<(String, T)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while let Some((k, v)) = a.next_entry::<String, T>()? {
        if !seen.insert(k.clone()) {
            return Err(serde::de::Error::custom(format!("duplicate key `{k}`")));
        }
        out.push((k, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compose_form_reads_back_as_written_and_nesting_is_refused() {
        for s in [
            "a${A}b",
            "${A:-d}",
            "${A-d}",
            "${A:?m}",
            "${A?m}",
            "${A:+r}",
            "${A+r}",
            "$$x ${A:-$$5}",
        ] {
            assert_eq!(Text::parse_compose("f", s).unwrap().to_string(), s, "{s}");
        }
        assert_eq!(Text::parse_compose("f", "$A").unwrap().to_string(), "${A}");
        for nested in ["${A:-${B}}", "${A:-${B:-d}}", "${A:-$B}", "${A:?need $B}"] {
            let err = Text::parse_compose("f", nested).unwrap_err().to_string();
            assert!(err.contains("not modelled"), "{nested}: {err}");
        }
    }

    #[test]
    fn literal_dollars_are_doubled_and_vars_interpolate() {
        let user = EnvKey::from_static("POSTGRES_USER");
        let t = Text::lit("cost $5 for ")
            .then_var(user.clone(), Fallback::Default("postgres".into()))
            .then("!");
        assert_eq!(t.to_string(), "cost $$5 for ${POSTGRES_USER:-postgres}!");
        assert_eq!(
            Text::required(EnvKey::from_static("JWT_SECRET")).to_string(),
            "${JWT_SECRET:?JWT_SECRET is required}"
        );
        assert_eq!(t.vars().collect::<Vec<_>>(), vec![&user]);
        assert_eq!(Text::lit("x").then("y").parts().len(), 1);
    }
}
