//! `cargo run --example inctra [-- --out DIR] [--check] [--check-env FILE] [--dev-env FILE]`
//! writes (or checks) this stack's deploy files. The stack itself is `src/inctra.rs`, a module of
//! the examples' library that the tests share.

fn main() -> std::process::ExitCode {
    stackdef_examples::inctra::main()
}
