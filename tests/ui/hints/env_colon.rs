fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: stackdef::Image::parse("app:1")?, env: [RUST_LOG: "debug"] },
        },
    };
}
