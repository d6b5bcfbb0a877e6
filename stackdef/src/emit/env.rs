//! The env template emitter, and development env files (feature `dev-env`); the checker of a
//! filled-in env file is `crate::env_file`.

use std::collections::HashMap;

use crate::check::Valid;
use crate::error::Result;
#[cfg(feature = "dev-env")]
use crate::model::EnvType;
use crate::model::{EnvVar, template_value};

/// Writes the env template of `stack`: every variable it reads, grouped in sections with a
/// comment each; defaults filled in, required ones and secrets empty. Never a secret value.
pub fn to_template(stack: &Valid<'_>, target: &str) -> Result<String> {
    let mut out = format!(
        "{}
# Copy to `{target}`, fill in every empty value, and keep the copy out of version control.
",
        super::header(stack)
    );
    // groups in order of first appearance, each with its variables in declaration order
    let mut order: Vec<(&str, Vec<&EnvVar>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for v in &stack.env {
        let i = *index.entry(v.group()).or_insert_with(|| {
            order.push((v.group(), Vec::new()));
            order.len() - 1
        });
        order[i].1.push(v);
    }
    out.reserve(64 * stack.env.len());
    for (group, vars) in order {
        out.push_str("\n# ");
        out.push_str(group);
        out.push('\n');
        for v in vars {
            out.push_str("# ");
            out.push_str(&v.comment());
            out.push('\n');
            out.push_str(v.name());
            out.push('=');
            if let (false, Some(d)) = (v.is_secret(), v.default_value()) {
                out.push_str(&default_text(v, d)?);
            }
            out.push('\n');
        }
    }
    Ok(out)
}

/// The default `d` of `v` as an env file writes it.
fn default_text(v: &EnvVar, d: &str) -> Result<String> {
    template_value(&format!("default of {}", v.name()), d)
}

/// Writes a development env file for `stack`: defaults filled in and every secret freshly
/// generated from the operating system's random source (URL-safe, at least 32 characters or
/// the secret's minimum). A required text or URL variable without a default gets a marked
/// placeholder, so that the stack starts (compose refuses an empty required value) and a
/// production check refuses the file; other required variables without a default stay empty.
/// Write it with [`crate::write::write_private`], which creates it readable by its owner only.
#[cfg(feature = "dev-env")]
pub fn to_dev_env(stack: &Valid<'_>) -> Result<String> {
    let mut out = format!(
        "{}\n# Development values: the secrets below were generated for this file alone.\n",
        super::header(stack)
    );
    for v in &stack.env {
        let value = match (v.is_secret(), v.default_value()) {
            (true, _) => loop {
                // a random string may, rarely, look like a placeholder (`…xxx…`): draw again
                let s = random_secret(v.min_len().max(32))?;
                if !placeholder(&s) {
                    break s;
                }
            },
            (false, Some(d)) => default_text(v, d)?,
            (false, None) => {
                let made = match v.kind() {
                    EnvType::Text => DEV_PLACEHOLDER.to_owned(),
                    EnvType::Url => format!("http://{DEV_PLACEHOLDER}.invalid/"),
                    _ => String::new(),
                };
                if !made.is_empty() {
                    out.push_str(&format!(
                        "# {} has no default: a placeholder lets the stack start; set a real value\n",
                        v.name()
                    ));
                }
                made
            }
        };
        out.push_str(&format!("{}={value}\n", v.name()));
    }
    Ok(out)
}

#[cfg(feature = "dev-env")]
use crate::env_file::{DEV_PLACEHOLDER, placeholder};

/// `len` characters of `A-Za-z0-9-_` from the operating system's random source.
#[cfg(feature = "dev-env")]
fn random_secret(len: usize) -> Result<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| crate::Error::Random(e.to_string()))?;
    // 64 symbols: each byte's low six bits pick one without bias
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 63)] as char)
        .collect())
}
