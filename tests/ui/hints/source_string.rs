fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            cache { source: "redis:7" },
        },
    };
}
