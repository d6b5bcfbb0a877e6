//! Emitters: files generated from a checked stack.

pub mod compose;
pub mod nginx;
mod yaml;
