//! `cargo run --example ticket_tracking [-- --out DIR] [--check] [--check-env FILE] [--dev-env FILE]`
//! writes (or checks) this stack's deploy files. The stack itself is `src/ticket_tracking.rs`, a module of
//! the examples' library that the tests share.

fn main() -> std::process::ExitCode {
    stackdef_examples::ticket_tracking::main()
}
