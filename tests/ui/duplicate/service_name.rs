use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("a:1")? },
            web { source: Image::parse("b:1")? },
        },
    };
}
