fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            cache { source: stackdef::Image::parse("redis:7")?, command: "redis-server --appendonly yes" },
        },
    };
}
