use stackdef::Image;

// two separate cycles, plus a second cycle inside the first component: one error per component
fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            a { source: Image::parse("a:1")?, depends_on: [b] },
            b { source: Image::parse("b:1")?, depends_on: [a, c] },
            c { source: Image::parse("c:1")?, depends_on: [b] },
            d { source: Image::parse("d:1")?, depends_on: [e] },
            e { source: Image::parse("e:1")?, depends_on: [d] },
        },
    };
}
