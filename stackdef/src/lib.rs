#![doc = include_str!("../../README.md")]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod check;
pub mod emit;
mod error;
pub mod model;
mod name;

pub use check::{Diagnostic, validate};
pub use error::{Error, Result};
pub use model::*;
pub use name::{
    ContainerName, EnvKey, MAX_NAME_LEN, NetworkName, ProjectName, SecretName, ServiceName,
    VolumeName,
};

#[doc(hidden)]
pub mod __private {
    //! Paths used by code that `stackdef-macros` generates. Not a public API.
    pub use crate::check::rules;
    pub use core;
}
