use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            a { source: Image::parse("a:1")?, depends_on: [b] },
            b { source: Image::parse("b:1")?, depends_on: [c] },
            c { source: Image::parse("c:1")?, depends_on: [a] },
        },
    };
}
