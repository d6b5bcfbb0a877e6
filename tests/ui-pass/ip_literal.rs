use stackdef::Image;

// `on "…"` takes an address as a string literal, checked while compiling
fn main() -> Result<(), stackdef::Error> {
    let stack = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("app:1")?, ports: [8080 => 80 on "127.0.0.1", 8443 => 443 on "::1"] },
        },
    }?;
    let ips: Vec<_> = stack.services[0].ports.iter().map(|p| p.host_ip).collect();
    assert_eq!(ips, [Some("127.0.0.1".parse().unwrap()), Some("::1".parse().unwrap())]);
    Ok(())
}
