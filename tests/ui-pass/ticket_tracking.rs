//! The ticket_tracking example compiles through the macro as a standalone program.
#[allow(dead_code)]
#[path = "../../examples/ticket_tracking.rs"]
mod example;

fn main() {}
