//! Shared code of the example stacks (`examples/`) and the integration tests (`tests/`).

pub mod cli;
pub mod synthetic;
