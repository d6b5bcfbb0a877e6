//! Arbitrary bytes as a filled-in env file: the checker never panics, and never prints the
//! value of the secret it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackdef::env_file::{Profile, check_env_file, read_value};
use stackdef::{EnvSpec, EnvType, EnvVar, Image, Service, ServiceName, Stack};

fn stack() -> Stack {
    let secret = EnvVar::new(
        "TOKEN",
        EnvSpec::new("G", "a secret").expect("spec").secret(24),
    )
    .expect("var");
    let port = EnvVar::new(
        "PORT",
        EnvSpec::new("G", "a port")
            .expect("spec")
            .kind(EnvType::Int)
            .default("80"),
    )
    .expect("var");
    let mut a = Service::builder()
        .name(ServiceName::from_static("a"))
        .source(Image::parse("a:1").expect("image"))
        .build();
    a.set_env(secret.key(), secret.text());
    a.set_env(port.key(), port.text());
    Stack::builder()
        .name("fuzz".parse().expect("name"))
        .services(vec![a])
        .env(vec![secret, port])
        .build()
}

/// What the checker may say about the secret: fixed texts that never hold its value.
fn allowed(message: &str) -> bool {
    let rest = message
        .strip_prefix("line ")
        .and_then(|m| m.split_once(": ").map(|(_, r)| r))
        .unwrap_or(message);
    [
        "secret `TOKEN` is a placeholder or default value; generate a real one",
        "secret `TOKEN` is shorter than 24 characters",
        "`TOKEN` is set twice",
        "`TOKEN` is required but not set",
        "expected `KEY=value`, a comment or a blank line",
    ]
    .contains(&rest)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = read_value(text);
    let stack = stack();
    if let Err(problems) = check_env_file(&stack, text, Profile::Production) {
        for p in problems.iter().filter(|p| p.variable == "TOKEN") {
            assert!(
                allowed(&p.to_string()),
                "unexpected text about the secret: {p}"
            );
        }
    }
});
