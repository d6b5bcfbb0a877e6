use stackdef::Image;

const API_PORT: u16 = 8000;
const fn shifted(base: u16) -> u16 {
    base + 1000
}

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, ports: [{ shifted(7000) } => 8000] },
            admin { source: Image::parse("admin:1")?, ports: [API_PORT => 80 on stackdef::LOCALHOST] },
        },
    };
}
