//! Where a service's image comes from: a registry reference or a build.

use std::fmt;

use stackdef_macros::Builder;

use crate::error::{Error, Result};
use crate::model::text::Text;

/// A validated image reference: `[registry[:port]/]path[:tag][@digest]`, optionally with
/// variables compose interpolates (`ghcr.io/acme/app:${APP_VERSION:-1.4}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Image {
    name: String,
    tag: Option<String>,
    digest: Option<String>,
    /// The reference with its variables, when it has any; `name`, `tag` and `digest` are then
    /// those of the reference read with each variable at its default.
    template: Option<Text>,
}

fn valid_path_component(c: &str) -> bool {
    // lower-case alphanumerics separated by single `.` or `_`, `__`, or runs of `-`
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&x| {
            x.is_ascii_lowercase() || x.is_ascii_digit() || matches!(x, b'.' | b'_' | b'-')
        })
        && !c.contains("..")
        && !c.contains("___")
}

fn valid_registry(c: &str) -> bool {
    let (host, port) = c.split_once(':').unwrap_or((c, "1"));
    !host.is_empty()
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && port.parse::<u16>().is_ok_and(|p| p != 0)
}

fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    (1..=128).contains(&b.len())
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'-'))
}

fn valid_digest(d: &str) -> bool {
    d.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg
                .bytes()
                .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == b'+')
            && hex.len() >= 32
            && hex
                .bytes()
                .all(|x| x.is_ascii_digit() || (b'a'..=b'f').contains(&x))
    })
}

impl Image {
    /// Parses an image reference such as `postgres:15`, `nginx:1.27-alpine` or
    /// `registry.example.com:5000/team/app@sha256:…`.
    ///
    /// A reference may read variables as compose writes them: `app:${APP_VERSION:-1.4}`,
    /// `${REGISTRY:-ghcr.io}/acme/app:2`. It must be a valid reference with every variable at
    /// its default (one without a default stands for a word of letters: `${TAG}` reads as
    /// `tag`), which is what [`Image::name`], [`Image::tag`] and the rules see; the compose file
    /// keeps the variables.
    pub fn parse(reference: &str) -> Result<Self> {
        if !reference.contains('$') {
            return Self::parse_plain(reference);
        }
        let text = Text::parse_compose("image", reference)?;
        if let Some(lit) = text.as_literal() {
            return Self::parse_plain(&lit);
        }
        let probe = text.at_defaults();
        let mut image = Self::parse_plain(&probe).map_err(|e| match e {
            Error::Invalid { reason, .. } => Error::invalid(
                "image",
                reference,
                format!("with its variables at their defaults (`{probe}`): {reason}"),
            ),
            other => other,
        })?;
        image.template = Some(text);
        Ok(image)
    }

    /// The reference's variables, when it reads any (the compose file writes this).
    pub fn template(&self) -> Option<&Text> {
        self.template.as_ref()
    }

    fn parse_plain(reference: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("image", reference, why);
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) if valid_digest(d) => (r, Some(d.to_owned())),
            Some(_) => return Err(bad("the digest must look like `sha256:<hex>`")),
            None => (reference, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag.filter(|t| !valid_tag(t)) {
            return Err(bad(&format!(
                "the tag `{}` must be 1-128 letters, digits, `_`, `.` or `-`",
                t.escape_debug()
            )));
        }
        let mut components: Vec<&str> = name.split('/').collect();
        if components.len() > 1
            && (components[0].contains(['.', ':']) || components[0] == "localhost")
        {
            if !valid_registry(components[0]) {
                return Err(bad(
                    "the registry must be a host name with an optional port",
                ));
            }
            components.remove(0);
        }
        if !components.iter().all(|c| valid_path_component(c)) {
            return Err(bad(
                "the name must be lower-case letters and digits separated by `/`, `.`, `_` or `-`",
            ));
        }
        Ok(Image {
            name: name.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
            template: None,
        })
    }

    /// The repository name, with its registry when it has one.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tag, when given.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, when given.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The same image with another tag (and without variables).
    pub fn with_tag(&self, tag: &str) -> Result<Self> {
        Image::parse_plain(&format!("{}:{tag}", self.name))
    }
}

impl fmt::Display for Image {
    /// The reference as compose reads it: with its variables (`app:${V:-1}`) when it has any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = &self.template {
            return t.fmt(f);
        }
        f.write_str(&self.name)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Image {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Image::parse(s)
    }
}

/// How to build a service's image.
#[derive(Debug, Clone, PartialEq, Eq, Builder)]
pub struct Build {
    /// The build context, relative to the compose file (e.g. `..`).
    #[builder(setter(into))]
    pub context: String,
    /// The Dockerfile, relative to the context.
    #[builder(default, setter(strip_option, into))]
    pub dockerfile: Option<String>,
    /// The stage of a multi-stage Dockerfile to build.
    #[builder(default, setter(strip_option, into))]
    pub target: Option<String>,
    /// Build arguments, in order.
    #[builder(default)]
    pub args: Vec<(String, Text)>,
}

/// Where a service's image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Pulled from a registry.
    Image(Image),
    /// Built from a Dockerfile (optionally tagged with an image name).
    Build(Build, Option<Image>),
}

impl From<Image> for Source {
    fn from(i: Image) -> Self {
        Source::Image(i)
    }
}

impl From<Build> for Source {
    fn from(b: Build) -> Self {
        Source::Build(b, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let i = Image::parse("postgres:15").unwrap();
        assert_eq!((i.name(), i.tag()), ("postgres", Some("15")));
        let i = Image::parse("registry.example.com:5000/team/app:1.2-rc").unwrap();
        assert_eq!(i.name(), "registry.example.com:5000/team/app");
        assert_eq!(i.to_string(), "registry.example.com:5000/team/app:1.2-rc");
        let d = format!("redis@sha256:{}", "a".repeat(64));
        assert_eq!(Image::parse(&d).unwrap().to_string(), d);
        for bad in [
            "",
            "Postgres",
            "postgres:",
            "postgres:1 5",
            "a//b",
            "x@md5",
            "-x",
            "pg:15;rm",
        ] {
            let e = Image::parse(bad).unwrap_err();
            assert!(
                matches!(e, Error::Invalid { ref field, .. } if field == "image"),
                "{bad}"
            );
        }
    }
}
