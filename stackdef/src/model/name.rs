//! Validated names: services, networks, volumes, secrets, containers, projects, env keys.
//!
//! Each name type checks its value once, at construction. `from_static` is a `const fn`, so a
//! name written as a literal in a `const` is checked by the compiler.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// Longest name accepted: the length of one DNS label, since service names become host names.
pub const MAX_NAME_LEN: usize = 63;

/// The character rules of one kind of name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Compose object names: an ASCII letter or digit, then letters, digits, `.`, `_`, `-`.
    Object,
    /// Project names: lower-case letters, digits, `_`, `-`; first a letter or digit.
    Project,
    /// Docker container names: like object names but at least two characters.
    Container,
    /// Environment keys: a letter or `_`, then letters, digits, `_`.
    EnvKey,
}

const fn allowed(rule: Rule, first: bool, b: u8) -> bool {
    let alnum = b.is_ascii_alphanumeric();
    match rule {
        Rule::Object | Rule::Container => alnum || (!first && matches!(b, b'.' | b'_' | b'-')),
        Rule::Project => {
            b.is_ascii_lowercase() || b.is_ascii_digit() || (!first && matches!(b, b'_' | b'-'))
        }
        // container variables: search engines read `discovery.type`, `cluster.name`
        Rule::EnvKey => {
            b.is_ascii_alphabetic()
                || b == b'_'
                || (!first && matches!(b, b'0'..=b'9' | b'.' | b'-'))
        }
    }
}

/// Checks `s` against `rule`; `None` when valid, else the reason (a `&'static str`, so this
/// works in `const` evaluation too).
pub(crate) const fn check(s: &str, rule: Rule) -> Option<&'static str> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Some("must not be empty");
    }
    if bytes.len() > MAX_NAME_LEN {
        return Some("must be at most 63 characters long");
    }
    if matches!(rule, Rule::Container) && bytes.len() < 2 {
        return Some("must be at least 2 characters long");
    }
    let mut i = 0;
    while i < bytes.len() {
        if !allowed(rule, i == 0, bytes[i]) {
            return Some(match rule {
                Rule::Object | Rule::Container => {
                    "must start with an ASCII letter or digit and contain only letters, digits, `.`, `_` and `-`"
                }
                Rule::Project => {
                    "must start with a lower-case letter or digit and contain only lower-case letters, digits, `_` and `-`"
                }
                Rule::EnvKey => {
                    "must start with a letter or `_` and contain only letters, digits, `_`, `.` and `-`"
                }
            });
        }
        i += 1;
    }
    None
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $rule:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(Cow<'static, str>);

        impl $ty {
            #[doc = concat!("A ", $what, ", or an error naming the field and the value.")]
            pub fn new(name: impl Into<String>) -> Result<Self> {
                let name = name.into();
                match check(&name, $rule) {
                    None => Ok(Self(Cow::Owned(name))),
                    Some(reason) => Err(Error::invalid($what, &name, reason)),
                }
            }

            #[doc = concat!("A ", $what, " from a literal, checked by the compiler when used in a `const`.")]
            ///
            /// # Panics
            /// When the name is invalid: at compile time in a `const` (the intended use), or at
            /// run time otherwise. Use `new` for names that come from input.
            #[track_caller]
            pub const fn from_static(name: &'static str) -> Self {
                match check(name, $rule) {
                    None => Self(Cow::Borrowed(name)),
                    Some(reason) => {
                        let mut m = crate::msg::Msg::new();
                        m.push(concat!("invalid ", $what, " "));
                        m.code(name);
                        m.push(": ");
                        m.push(reason);
                        panic!("{}", m.as_str())
                    }
                }
            }

            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        crate::model::name::text_impls!($ty);
    };
}

/// The impls every validated string type shares: `Display`, `Debug` (as a string), `AsRef<str>`,
/// and `FromStr` / `TryFrom` through the type's checking `new`.
macro_rules! text_impls {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = crate::Error;
            fn try_from(s: &str) -> crate::Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = crate::Error;
            fn try_from(s: String) -> crate::Result<Self> {
                Self::new(s)
            }
        }
    };
}
pub(crate) use text_impls;

name_type!(
    /// The name of a service: its key under `services:` and its host name on the stack's networks.
    ServiceName, Rule::Object, "service name"
);
name_type!(
    /// The name of a network declared under `networks:`.
    NetworkName, Rule::Object, "network name"
);
name_type!(
    /// The name of a named volume declared under `volumes:`.
    VolumeName, Rule::Object, "volume name"
);
name_type!(
    /// The name of a secret declared under `secrets:`.
    SecretName, Rule::Object, "secret name"
);
name_type!(
    /// The name of a config declared under `configs:`.
    ConfigName, Rule::Object, "config name"
);
name_type!(
    /// A Docker container name (`container_name:`).
    ContainerName, Rule::Container, "container name"
);
name_type!(
    /// The compose project name (`name:` at the top of the file).
    ProjectName, Rule::Project, "project name"
);
name_type!(
    /// The name of an environment variable.
    EnvKey, Rule::EnvKey, "environment variable name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_follow_compose_rules() {
        assert!(ServiceName::new("backend").is_ok());
        assert!(ServiceName::new("web-1.v2_x").is_ok());
        for bad in ["", "-x", ".x", "a b", "a:b", "a/b", "ä", &"x".repeat(64)] {
            let err = ServiceName::new(bad).unwrap_err();
            assert!(
                matches!(&err, Error::Invalid { field, .. } if field == "service name"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn project_and_container_names_have_their_own_rules() {
        assert!(ProjectName::new("Inctra").is_err());
        assert!(ProjectName::new("inctra_prod-2").is_ok());
        assert!(ContainerName::new("a").is_err());
        assert!(ContainerName::new("inctra_pgsql_prod").is_ok());
        assert!(EnvKey::new("9X").is_err());
        assert!(EnvKey::new("_X9").is_ok());
    }

    #[test]
    fn error_names_field_and_value() {
        let err = VolumeName::new("bad name\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid volume name `bad name\\n`: must start with an ASCII letter or digit and contain only letters, digits, `.`, `_` and `-`"
        );
    }

    #[test]
    fn const_names() {
        const N: ServiceName = ServiceName::from_static("postgres");
        assert_eq!(N.as_str(), "postgres");
    }
}
