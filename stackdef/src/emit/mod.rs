//! Emitters: files generated from a checked stack.

pub mod compose;
mod yaml;
