//! The example stacks and what they share, used by the programs under `examples/` (each a
//! `main` that runs one of these modules) and by the integration tests (`tests/`), so that every
//! stack is defined once.

pub mod ai_scrum_master;
pub mod cli;
pub mod common;
pub mod inctra;
pub mod synthetic;
pub mod ticket_tracking;
