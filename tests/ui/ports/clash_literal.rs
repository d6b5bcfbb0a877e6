use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, ports: [8000 => 8000] },
            frontend { source: Image::parse("frontend:1")?, ports: [8080 => 80, 8000 => 81] },
        },
    };
}
