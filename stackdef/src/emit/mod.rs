//! Emitters: files generated from a checked stack.

use crate::GENERATED_MARKER;
use crate::model::Stack;

/// The first line of every emitted file: the marker, the stack, and what to do instead of
/// editing.
pub(crate) fn header(stack: &Stack) -> String {
    format!(
        "{GENERATED_MARKER} from stack `{}`. Do not edit: change the stack and emit again.",
        stack.name
    )
}

pub mod compose;
pub mod env;
pub mod graph;
pub mod kubernetes;
pub mod nginx;
pub(crate) mod yaml;
