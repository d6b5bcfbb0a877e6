//! A proxy service that publishes 80 and 443 itself: the proxy's ports are those mappings, not
//! a clash with them (as `validate()` sees it).
use stackdef::{Image, Proxy};

fn main() -> stackdef::Result<()> {
    let stack = stackdef::stack! {
        name: demo,
        services: {
            api { source: Image::parse("api:1")?, expose: [8000] },
            web { source: Image::parse("nginx:1.27")?, ports: [80 => 80, 443 => 443] },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service web {
                server "example.com" tls { "/" => api: 8000 },
            },
        ],
    }?;
    assert!(stackdef::validate(&stack).is_ok());
    Ok(())
}
