use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, ports: [0 => 8000] },
        },
    };
}
