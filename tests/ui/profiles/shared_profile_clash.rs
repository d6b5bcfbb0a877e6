use stackdef::Image;

// services that one profile starts together may not share a host port, and a dependency must
// run under every profile its dependant runs under
fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("web:1")?, ports: [8080 => 80], profiles: ["prod"] },
            admin { source: Image::parse("admin:1")?, ports: [8080 => 8080], profiles: ["prod", "ops"] },
            worker { source: Image::parse("worker:1")?, depends_on: [admin] },
        },
    };
}
