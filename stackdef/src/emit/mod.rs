//! Emitters: files generated from a checked stack.

pub mod compose;
pub mod env;
pub mod nginx;
pub(crate) mod yaml;
