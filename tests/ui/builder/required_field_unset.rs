// A builder's required field left unset is a compile error that names the field.
use stackdef::{Service, ServiceName};

fn main() {
    let _ = Service::builder().name(ServiceName::new("web").unwrap()).build();
}
