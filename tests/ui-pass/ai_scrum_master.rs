//! The ai_scrum_master example compiles through the macro as a standalone program.
#[allow(dead_code)]
#[path = "../../examples/ai_scrum_master.rs"]
mod example;

fn main() {}
