fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: stackdef::Image::parse("app:1")?, ports: ["127.0.0.1:8080:80"] },
        },
    };
}
