//! `cargo run --example ai_scrum_master [-- --out DIR] [--check] [--check-env FILE] [--dev-env FILE]`
//! writes (or checks) this stack's deploy files. The stack itself is `src/ai_scrum_master.rs`, a module of
//! the examples' library that the tests share.

fn main() -> std::process::ExitCode {
    stackdef_examples::ai_scrum_master::main()
}
