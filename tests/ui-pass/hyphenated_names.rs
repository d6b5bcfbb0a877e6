use stackdef::{HealthTest, Healthcheck, Image, Proxy};

// names as compose files write them: identifiers and digits joined by `-`
fn main() -> Result<(), stackdef::Error> {
    let stack = stackdef::stack! {
        name: fast-vue,
        networks: [fastvue-network],
        volumes: [pg-data],
        services: {
            db-1 {
                source: Image::parse("postgres:16")?,
                cap_add: stackdef::recipes::postgres::capabilities(),
                healthcheck: Healthcheck::builder()
                    .test(HealthTest::Shell("pg_isready".into()))
                    .build(),
                volumes: [pg-data => "/var/lib/postgresql/data"],
                networks: [fastvue-network],
            },
            web-app {
                source: Image::parse("example/web:1.0")?,
                depends_on: [db-1: healthy],
                networks: [fastvue-network],
                ports: [8000 => 8000 on "127.0.0.1"],
            },
        },
        proxies: [
            Proxy::file("nginx.conf")? => host {
                server "fastvue.example.com" {
                    "/" => web-app: 8000,
                },
            },
        ],
    }?;
    assert_eq!(stack.name.as_str(), "fast-vue");
    assert_eq!(stack.services[1].name.as_str(), "web-app");
    assert_eq!(stack.services[1].depends_on[0].service.as_str(), "db-1");
    assert_eq!(stack.networks[0].name.as_str(), "fastvue-network");
    assert_eq!(stack.volumes[0].name.as_str(), "pg-data");
    Ok(())
}
