use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            api { source: Image::parse("a:1")?, container_name: "app_prod" },
            web { source: Image::parse("b:1")?, container_name: "app_prod" },
        },
    };
}
