use stackdef::Image;

// two variants of one service in disjoint profiles never run together: the same host port is
// no clash, at compile time as in validate()
fn main() -> Result<(), stackdef::Error> {
    let stack = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("web:1")?, ports: [8080 => 80], profiles: ["prod"] },
            web-dev { source: Image::parse("web:1-dev")?, ports: [8080 => 80], profiles: ["dev"] },
            tools { source: Image::parse("tools:1")?, profiles: ["dev"], depends_on: [web-dev] },
        },
    }?;
    assert_eq!(stack.services[1].profiles, ["dev"]);
    assert_eq!(stack.services[2].depends_on[0].service.as_str(), "web-dev");
    Ok(())
}
