//! The `stackdef` command's library: reading a compose project as Docker Compose v2 reads it
//! ([`project`], [`interpolate`]), placing findings in its files ([`locate`]), and the
//! commands built on stackdef's rules and emitters ([`check`], [`codegen`]).

#![deny(missing_docs)]

pub mod check;
pub mod codegen;
pub mod interpolate;
pub mod locate;
pub mod project;
