fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            cache { image: stackdef::Image::parse("redis:7")? },
        },
    };
}
