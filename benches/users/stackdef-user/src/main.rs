//! The application itself; only its build script matters to the measurement.
fn main() {
    println!("{}", include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/docker-compose.yml")).len());
}
