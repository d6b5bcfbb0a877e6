fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: stackdef::Image::parse("app:1")?, ports: [8080 => 80 on "127.0.0.256"] },
        },
    };
}
