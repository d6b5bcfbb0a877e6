use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            a { source: Image::parse("a:1")?, ports: [8000 => 80, 9000 => 90] },
            b { source: Image::parse("b:1")?, ports: [8000 => 80, 9000 => 90] },
        },
    };
}
