//! The application itself; its deploy files are written by `build.rs`.

fn main() {
    println!("notes app: deploy files are in examples/app/deploy/");
}
