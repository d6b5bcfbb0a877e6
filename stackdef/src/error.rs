//! Typed errors: every rejected value names its field and the value.

use std::fmt;

use crate::check::Diagnostic;

/// Longest value quoted back in an error message; longer values are cut with `…`.
const MAX_QUOTED: usize = 80;

/// Everything that can go wrong in stackdef, as a value: the library never panics on input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A value was rejected by a constructor, a builder or the importer.
    Invalid {
        /// The field the value was meant for, e.g. `service name` or `services.backend.ports[0]`.
        field: String,
        /// The rejected value, printable and cut to a readable length.
        value: String,
        /// Why it was rejected: lower-case, no trailing period.
        reason: String,
    },
    /// Every part is well-formed, but the stack breaks the cross-reference rules.
    InvalidStack(Vec<Diagnostic>),
    /// A YAML document could not be read or written.
    Yaml(String),
    /// A template could not be rendered (an internal error: templates take typed values only).
    Render(String),
    /// A file could not be read or written.
    Io {
        /// The path that failed.
        path: String,
        /// What the operating system said.
        message: String,
    },
}

impl Error {
    /// An [`Error::Invalid`] for `field`, quoting `value` safely (control characters escaped, long
    /// values cut).
    pub fn invalid(field: impl Into<String>, value: &str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            value: quote_value(value),
            reason: reason.into(),
        }
    }

    /// Prefixes the field of an [`Error::Invalid`] with `path` (e.g. `services.backend`).
    #[must_use]
    pub fn at(self, path: &str) -> Self {
        match self {
            Error::Invalid {
                field,
                value,
                reason,
            } => Error::Invalid {
                field: format!("{path}.{field}"),
                value,
                reason,
            },
            other => other,
        }
    }
}

/// Escapes control characters and cuts long values so an error message stays one readable line.
fn quote_value(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX_QUOTED {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid {
                field,
                value,
                reason,
            } => write!(f, "invalid {field} `{value}`: {reason}"),
            Error::InvalidStack(diagnostics) => {
                write!(f, "the stack has {} problem(s):", diagnostics.len())?;
                for d in diagnostics {
                    write!(f, "\n  - {d}")?;
                }
                Ok(())
            }
            Error::Yaml(message) => write!(f, "yaml: {message}"),
            Error::Render(message) => write!(f, "rendering: {message}"),
            Error::Io { path, message } => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// `validate(&stack)?` in a function returning [`Result`].
impl From<Vec<Diagnostic>> for Error {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Error::InvalidStack(diagnostics)
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
