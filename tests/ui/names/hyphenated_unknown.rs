use stackdef::Image;

// a hyphenated name is checked like any other: the error is on its first token
fn main() {
    let _ = stackdef::stack! {
        name: demo,
        volumes: [pg-data],
        services: {
            db-1 { source: Image::parse("postgres:16")?, volumes: [pg-dta => "/data"] },
            web-app {
                source: Image::parse("web:1")?,
                depends_on: [db-2: started],
            },
        },
    };
}
