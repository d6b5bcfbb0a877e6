use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        secrets: [jwt_secret],
        services: {
            backend { source: Image::parse("backend:1")?, secrets: [jwt] },
        },
    };
}
