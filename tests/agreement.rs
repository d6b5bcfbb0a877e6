//! `stack!` and `validate()` are one rule set: random stacks are written out as `stack!` source,
//! compiled together in one scratch crate (one module each), and each module's compile errors
//! must be exactly `validate()`'s messages for the same stack built through the runtime API —
//! no error when `validate()` accepts, the same set of messages when it refuses.
//!
//! `STACKDEF_AGREE_CASES` sets the number of stacks (default 60), `STACKDEF_SEED` the seed.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use stackdef::{
    Condition, DependsOn, HealthTest, Healthcheck, Image, Placement, PortMapping, PortRange, Proxy,
    Route, Server, Service, ServiceName, Stack, Tls,
};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const NAMES: &[&str] = &["api", "db", "web", "cache", "job"];
const HOST_PORTS: &[u16] = &[80, 443, 8000, 8001, 9000, 9001, 9002, 9003, 9004, 9005];
const TARGETS: &[u16] = &[80, 8000, 5432];

/// One generated stack: its `stack!` source and the same stack through the runtime API.
struct Case {
    source: String,
    stack: Stack,
}

fn service_names(n: usize) -> Vec<ServiceName> {
    NAMES[..n]
        .iter()
        .map(|s| ServiceName::new(*s).unwrap())
        .collect()
}

fn case(seed: u64) -> Case {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let n = 1 + r.below(NAMES.len());
    let names = service_names(n);
    let mut src = String::from("stackdef::stack! {\n    name: agree,\n    services: {\n");
    let mut services = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut s = Service::builder()
            .name(name.clone())
            .source(Image::parse("app:1").unwrap())
            .build();
        let _ = write!(
            src,
            "        {name} {{\n            source: Image::parse(\"app:1\")?,\n"
        );
        let mut ports = Vec::new();
        for _ in 0..r.below(3) {
            let (p, t) = (
                HOST_PORTS[r.below(HOST_PORTS.len())],
                TARGETS[r.below(TARGETS.len())],
            );
            let local = r.chance(30);
            let mut m = PortMapping::new(p, t).unwrap();
            if local {
                m = m.on(stackdef::LOCALHOST);
            }
            s.ports.push(m);
            ports.push(format!(
                "{p} => {t}{}",
                if local { " on stackdef::LOCALHOST" } else { "" }
            ));
        }
        if !ports.is_empty() {
            let _ = writeln!(src, "            ports: [{}],", ports.join(", "));
        }
        if r.chance(40) {
            let t = TARGETS[r.below(TARGETS.len())];
            s.expose
                .push(PortRange::from(stackdef::Port::new(t).unwrap()));
            let _ = writeln!(src, "            expose: [{t}],");
        }
        match r.below(4) {
            0 => {
                s.healthcheck = Some(Healthcheck::builder().test(HealthTest::Disabled).build());
                src.push_str("            healthcheck: Healthcheck::builder().test(HealthTest::Disabled).build(),\n");
            }
            1 | 2 => {
                s.healthcheck = Some(
                    Healthcheck::builder()
                        .test(HealthTest::Exec(vec!["true".into()]))
                        .build(),
                );
                src.push_str("            healthcheck: Healthcheck::builder().test(HealthTest::Exec(vec![\"true\".into()])).build(),\n");
            }
            _ => {}
        }
        let mut deps = Vec::new();
        for _ in 0..r.below(3) {
            // mostly later services; sometimes any (cycles) or an unknown one
            let to = if r.chance(4) {
                "dbb".to_owned()
            } else if i + 1 < n && r.chance(85) {
                NAMES[i + 1 + r.below(n - i - 1)].to_owned()
            } else {
                NAMES[r.below(n)].to_owned()
            };
            if deps.iter().any(|(d, _): &(String, &str)| *d == to) {
                continue;
            }
            let (word, condition) = match r.below(3) {
                0 => ("started", Condition::Started),
                1 => ("healthy", Condition::Healthy),
                _ => ("completed", Condition::CompletedSuccessfully),
            };
            s.depends_on.push(DependsOn {
                condition,
                ..DependsOn::started(ServiceName::new(to.as_str()).unwrap())
            });
            deps.push((to, word));
        }
        if !deps.is_empty() {
            let list: Vec<String> = deps.iter().map(|(d, w)| format!("{d}: {w}")).collect();
            let _ = writeln!(src, "            depends_on: [{}],", list.join(", "));
        }
        if r.chance(20) {
            s.internal = true;
            src.push_str("            internal: true,\n");
        }
        src.push_str("        },\n");
        services.push(s);
    }
    src.push_str("    },\n");
    let mut stack = Stack::builder()
        .name("agree".parse().unwrap())
        .services(services)
        .build();
    if r.chance(60) {
        proxy(&mut r, &names, &mut stack, &mut src);
    }
    src.push_str("}\n");
    Case { source: src, stack }
}

fn proxy(r: &mut Rng, names: &[ServiceName], stack: &mut Stack, src: &mut String) {
    let (placement, written) = match r.below(3) {
        0 => (Placement::Host, "host".to_owned()),
        1 => {
            let s = names[r.below(names.len())].clone();
            (Placement::Service(s.clone()), format!("service {s}"))
        }
        _ => {
            let s = names[r.below(names.len())].clone();
            (Placement::Frontend(s.clone()), format!("frontend {s}"))
        }
    };
    let _ = writeln!(
        src,
        "    proxies: [\n        Proxy::file(\"edge.conf\")? => {written} {{"
    );
    let mut proxy = Proxy::new("edge.conf", placement).unwrap();
    for _ in 0..1 + r.below(2) {
        let host = ["example.com", "api.example.com"][r.below(2)];
        let named = r.chance(85);
        let tls = r.chance(40);
        let mut server = Server::new(
            if named {
                vec![host.parse().unwrap()]
            } else {
                Vec::new()
            },
            if tls { Tls::LetsEncrypt } else { Tls::Off },
        );
        let _ = writeln!(
            src,
            "            server {}{} {{",
            if named {
                format!("{host:?}")
            } else {
                "_".into()
            },
            if tls { " tls" } else { "" }
        );
        for _ in 0..1 + r.below(3) {
            let path = ["/", "/api/", "/health", "/assets/"][r.below(4)];
            match r.below(4) {
                0 => {
                    let exact = r.chance(50);
                    server.routes.push(Route::respond(path, 200, "ok").unwrap());
                    let _ = writeln!(
                        src,
                        "                {}{path:?} => respond(200, \"ok\"),",
                        if exact { "= " } else { "" }
                    );
                }
                1 => {
                    server
                        .routes
                        .push(Route::spa(path, "/usr/share/nginx/html", "/assets/").unwrap());
                    let _ = writeln!(
                        src,
                        "                {path:?} => spa(\"/usr/share/nginx/html\", \"/assets/\"),"
                    );
                }
                _ => {
                    let to = if r.chance(5) {
                        "wbe"
                    } else {
                        NAMES[r.below(names.len())]
                    };
                    let port = TARGETS[r.below(TARGETS.len())];
                    server
                        .routes
                        .push(Route::proxy(path, ServiceName::new(to).unwrap(), port).unwrap());
                    let _ = writeln!(src, "                {path:?} => {to}: {port},");
                }
            }
        }
        src.push_str("            },\n");
        proxy.servers.push(server);
    }
    src.push_str("        },\n    ],\n");
    stack.proxies.push(proxy);
    if matches!(stack.proxies[0].placement, Placement::Service(_)) {
        // as `stack!` does after building the proxies
        let _ = stack.wire_proxies();
    }
}

/// The compile errors of every module: `s<N>` → messages.
fn compile(cases: &[Case]) -> BTreeMap<usize, BTreeSet<String>> {
    let dir = support::root().join("target/agreement");
    let _ = std::fs::remove_dir_all(dir.join("src"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let stackdef = support::root().join("stackdef");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"agreement\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nstackdef = {{ path = {:?} }}\n\n[workspace]\n",
            stackdef.display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(support::root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut main = String::from("#![allow(dead_code, unused)]\n");
    for (i, c) in cases.iter().enumerate() {
        let _ = writeln!(main, "mod s{i};");
        let module = format!(
            "use stackdef::{{HealthTest, Healthcheck, Image, Proxy}};\n\npub fn stack() -> stackdef::Result<stackdef::Stack> {{\n{}}}\n",
            c.source
        );
        std::fs::write(dir.join(format!("src/s{i}.rs")), module).unwrap();
    }
    main.push_str("fn main() {}\n");
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["build", "--offline", "--message-format=json"])
        .current_dir(&dir)
        .env(
            "CARGO_TARGET_DIR",
            support::root().join("target/agreement-target"),
        )
        .output()
        .expect("run cargo");
    let mut errors: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let m = &v["message"];
        if v["reason"] != "compiler-message" || m["level"] != "error" {
            continue;
        }
        let text = m["message"].as_str().unwrap_or("");
        let file = m["spans"][0]["file_name"].as_str().unwrap_or("");
        let Some(i) = file
            .strip_prefix("src/s")
            .and_then(|f| f.strip_suffix(".rs"))
            .and_then(|n| n.parse().ok())
        else {
            assert!(
                text.starts_with("could not compile") || text.contains("aborting"),
                "an error outside the stacks: {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        let text = text.strip_prefix("evaluation panicked: ").unwrap_or(text);
        errors.entry(i).or_default().insert(text.to_owned());
    }
    errors
}

#[test]
fn stack_macro_errors_equal_validate_messages() {
    let cases = support::knob("STACKDEF_AGREE_CASES", 60);
    let base = support::knob("STACKDEF_SEED", 0xa9ee);
    let cases: Vec<Case> = (base..base + cases).map(case).collect();
    let errors = compile(&cases);
    let (mut refused, mut disagree) = (0, Vec::new());
    for (i, c) in cases.iter().enumerate() {
        let expected: BTreeSet<String> = match stackdef::validate(&c.stack) {
            Ok(_) => BTreeSet::new(),
            Err(d) => d.into_iter().map(|d| d.message).collect(),
        };
        refused += usize::from(!expected.is_empty());
        let got = errors.get(&i).cloned().unwrap_or_default();
        if got != expected {
            disagree.push(format!(
                "s{i} (seed {}):\n  stack! : {got:?}\n  validate: {expected:?}\n{}",
                base + i as u64,
                c.source
            ));
        }
    }
    println!(
        "{} stacks, {refused} refused by validate(), {} disagreements",
        cases.len(),
        disagree.len()
    );
    assert!(
        refused > 0 && refused < cases.len(),
        "every stack alike: nothing judged"
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}
