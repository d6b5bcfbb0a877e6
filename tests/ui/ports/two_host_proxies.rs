use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            api { source: Image::parse("api:1")?, ports: [8000 => 8000 on stackdef::LOCALHOST] },
        },
        proxies: [
            Proxy::file("a.conf")? => host { server "a.example.com" { "/" => api: 8000 } },
            Proxy::file("b.conf")? => host { server "b.example.com" { "/" => api: 8000 } },
        ],
    };
}
