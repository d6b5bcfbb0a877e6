use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: Demo,
        services: {
            _web { source: Image::parse("a:1")? },
        },
    };
}
