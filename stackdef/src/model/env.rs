//! Environment variables the stack reads: declared once, typed, documented, and used through
//! [`EnvVar::text`] so that every `${…}` in the compose file is declared in the env template.

use std::fmt;

use crate::error::{Error, Result};
use crate::model::name::EnvKey;
use crate::model::text::Text;

/// The type a variable's value must parse as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EnvType {
    /// Any text.
    #[default]
    Text,
    /// A whole number.
    Int,
    /// `true` or `false`.
    Bool,
    /// A duration in seconds (a whole number).
    Seconds,
    /// An `http(s)://`, `postgresql://`, `redis://` or `amqp://` URL.
    Url,
}

impl EnvType {
    /// Why `value` is not of this type, or `None`.
    pub fn problem(self, value: &str) -> Option<&'static str> {
        let ok = match self {
            EnvType::Text => true,
            EnvType::Int => value.parse::<i64>().is_ok(),
            EnvType::Bool => matches!(value, "true" | "false"),
            EnvType::Seconds => value.parse::<u64>().is_ok(),
            // `postgresql+asyncpg://`: a scheme with a driver, as SQLAlchemy writes it
            EnvType::Url => value.split_once("://").is_some_and(|(scheme, rest)| {
                let (base, driver) = scheme.split_once('+').unwrap_or((scheme, "a"));
                ["http", "https", "postgresql", "postgres", "redis", "amqp"].contains(&base)
                    && !driver.is_empty()
                    && driver
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    && !rest.is_empty()
            }),
        };
        (!ok).then_some(match self {
            EnvType::Text => "",
            EnvType::Int => "expected a whole number",
            EnvType::Bool => "expected `true` or `false`",
            EnvType::Seconds => "expected a whole number of seconds",
            EnvType::Url => "expected a URL such as `https://host/path`",
        })
    }

    fn describe(self) -> &'static str {
        match self {
            EnvType::Text => "text",
            EnvType::Int => "integer",
            EnvType::Bool => "true or false",
            EnvType::Seconds => "seconds",
            EnvType::Url => "URL",
        }
    }
}

/// Everything about a variable but its name (the `stack!` macro supplies the name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvSpec {
    group: String,
    description: String,
    kind: EnvType,
    default: Option<String>,
    secret: bool,
    min_len: usize,
}

fn one_line(field: &str, s: &str) -> Result<()> {
    if s.is_empty() || s.chars().any(char::is_control) {
        return Err(Error::invalid(field, s, "must be one non-empty line"));
    }
    Ok(())
}

impl EnvSpec {
    /// A required text variable in the template section `group`, described by `description`.
    pub fn new(group: &str, description: &str) -> Result<Self> {
        one_line("env group", group)?;
        one_line("env description", description)?;
        Ok(EnvSpec {
            group: group.to_owned(),
            description: description.to_owned(),
            kind: EnvType::Text,
            default: None,
            secret: false,
            min_len: 0,
        })
    }

    /// The value's type.
    #[must_use]
    pub fn kind(mut self, kind: EnvType) -> Self {
        self.kind = kind;
        self
    }

    /// A default, which makes the variable optional.
    #[must_use]
    pub fn default(mut self, value: &str) -> Self {
        self.default = Some(value.to_owned());
        self
    }

    /// A secret: no default allowed, empty in templates, never printed; in production it must be
    /// at least `min_len` characters and not a placeholder.
    #[must_use]
    pub fn secret(mut self, min_len: usize) -> Self {
        self.secret = true;
        self.min_len = min_len;
        self
    }
}

/// A declared environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvVar {
    name: EnvKey,
    spec: EnvSpec,
}

/// Upper snake case: `A-Z`, digits and `_`, starting with a letter.
pub const fn upper_snake(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_uppercase() {
        return Some("must start with an upper-case letter (upper snake case: `DB_POOL_SIZE`)");
    }
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_uppercase() || b[i].is_ascii_digit() || b[i] == b'_') {
            return Some("must be upper snake case: `A-Z`, digits and `_` (`DB_POOL_SIZE`)");
        }
        i += 1;
    }
    None
}

impl EnvVar {
    /// Declares `name` (upper snake case) with `spec`; a default must be of the variable's type,
    /// and a secret has none.
    pub fn new(name: &str, spec: EnvSpec) -> Result<Self> {
        if let Some(reason) = upper_snake(name) {
            return Err(Error::invalid("env variable name", name, reason));
        }
        let field = format!("default of {name}");
        if let Some(d) = &spec.default {
            if spec.secret {
                return Err(Error::invalid(
                    field,
                    "…",
                    "a secret has no default; the template leaves it empty",
                ));
            }
            if let Some(reason) = spec.kind.problem(d) {
                return Err(Error::invalid(field, d, reason));
            }
            template_value(&field, d)?;
        }
        Ok(EnvVar {
            name: EnvKey::new(name)?,
            spec,
        })
    }

    /// The name.
    pub fn key(&self) -> EnvKey {
        self.name.clone()
    }

    /// The name as a string slice.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The template section.
    pub fn group(&self) -> &str {
        &self.spec.group
    }

    /// The one-line description.
    pub fn description(&self) -> &str {
        &self.spec.description
    }

    /// The value's type.
    pub fn kind(&self) -> EnvType {
        self.spec.kind
    }

    /// The default, when optional.
    pub fn default_value(&self) -> Option<&str> {
        self.spec.default.as_deref()
    }

    /// Whether it is a secret.
    pub fn is_secret(&self) -> bool {
        self.spec.secret
    }

    /// Minimum length of a production secret.
    pub fn min_len(&self) -> usize {
        self.spec.min_len
    }

    /// The compose interpolation reading this variable: `${NAME:-default}` or
    /// `${NAME:?NAME is required}`.
    pub fn text(&self) -> Text {
        match &self.spec.default {
            Some(d) => Text::var_or(self.key(), d.clone()),
            None => Text::required(self.key()),
        }
    }

    /// The template comment: description, type, and how to fill it.
    pub(crate) fn comment(&self) -> String {
        let mut c = self.spec.description.clone();
        if self.spec.kind != EnvType::Text {
            c.push_str(&format!(" ({})", self.spec.kind.describe()));
        }
        if self.spec.secret {
            // hex: a secret may be embedded in a URL (`DATABASE_URL`), where base64's `/` and
            // `+` change what a URL parser reads; 2 characters per byte meet `min_len`
            c.push_str(&format!(
                ". Secret, required: generate with `openssl rand -hex {}`",
                self.spec.min_len.max(32)
            ));
        } else if self.spec.default.is_none() {
            c.push_str(". Required");
        }
        c
    }
}

impl fmt::Display for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name.as_str())
    }
}

/// How a value is written in an env file so that docker-compose (`--env-file`) and a shell's
/// `source` both read exactly `value`: plain when it is only safe characters, else single-quoted.
/// Values neither can read the same way (a `'`, a newline or control character, a `\` before
/// `\` or `'` or at the end) are refused.
pub fn template_value(field: &str, value: &str) -> Result<String> {
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            value,
            "an env file value cannot hold a newline or control character",
        ));
    }
    if value.contains('\'') {
        return Err(Error::invalid(
            field,
            value,
            "an env file value cannot hold `'` (docker-compose and a shell read it differently)",
        ));
    }
    if value.contains("\\\\") || value.ends_with('\\') {
        return Err(Error::invalid(
            field,
            value,
            "an env file value cannot hold `\\\\` or end in `\\` (docker-compose and a shell read it differently)",
        ));
    }
    let plain = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_./:,@+-".contains(&b));
    Ok(if plain && !value.is_empty() {
        value.to_owned()
    } else if value.is_empty() {
        String::new()
    } else {
        format!("'{value}'")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations() {
        let spec = EnvSpec::new("Database", "Pool size")
            .unwrap()
            .kind(EnvType::Int)
            .default("20");
        let v = EnvVar::new("DB_POOL_SIZE", spec.clone()).unwrap();
        assert_eq!(v.text().to_string(), "${DB_POOL_SIZE:-20}");
        assert!(EnvVar::new("db_pool", spec.clone()).is_err());
        assert!(EnvVar::new("X", spec.default("twenty")).is_err());
        let secret = EnvSpec::new("Auth", "JWT signing key").unwrap().secret(32);
        assert_eq!(
            EnvVar::new("JWT_SECRET", secret.clone())
                .unwrap()
                .text()
                .to_string(),
            "${JWT_SECRET:?JWT_SECRET is required}"
        );
        assert!(EnvVar::new("JWT_SECRET", secret.default("changeme")).is_err());
    }

    #[test]
    fn template_values() {
        assert_eq!(template_value("v", "postgres").unwrap(), "postgres");
        assert_eq!(template_value("v", "a b#c$d\"e").unwrap(), "'a b#c$d\"e'");
        assert_eq!(template_value("v", "").unwrap(), "");
        for bad in ["it's", "a\nb", "a\\\\b", "a\\"] {
            assert!(template_value("v", bad).is_err(), "{bad}");
        }
    }
}
