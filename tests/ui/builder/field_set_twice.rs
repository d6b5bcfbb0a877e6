// A builder's field is set once: a second call does not exist.
use stackdef::{Build, Service, ServiceName};

fn main() {
    let _ = Service::builder()
        .name(ServiceName::new("web").unwrap())
        .source(Build::builder().context(".").build())
        .name(ServiceName::new("api").unwrap())
        .build();
}
