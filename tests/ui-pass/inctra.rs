//! The inctra example compiles through the macro as a standalone program.
#[allow(dead_code)]
#[path = "../../examples/inctra.rs"]
mod example;

fn main() {}
