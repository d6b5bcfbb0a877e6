//! Property tests across the library: any stack the API accepts emits files that read back as
//! the stack says; any string in any field is refused with a typed error or read back exactly;
//! no secret value is ever printed. Seeds are fixed (`STACKDEF_SEED` picks another) so a failure
//! reproduces; `STACKDEF_CASES` sets the number of cases (default 2,000).

mod support;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use stackdef::emit::compose;
use stackdef::emit::env::to_template;
use stackdef::env_file::{Profile, check_env_file, read_value};
use stackdef::{
    Command, EnvKey, EnvSpec, EnvVar, Error, ExtValue, Image, Mount, PortMapping, Quoted, Route,
    Service, ServiceName, Stack, Text, VolumeName,
};
use support::nginx_parse::parse;

fn runner(cases: u32) -> TestRunner {
    let seed = std::env::var("STACKDEF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_5eed);
    let cases = std::env::var("STACKDEF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(cases);
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Strings worth trying in every field: anything, and a catalogue of hostile ones.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[ -~]{0,20}",
        2 => prop::sample::select(vec![
            "22:22", "no", "yes", "on", "<<", "=", "~", "null", "1_000", "2024-01-01", "0x1F", ".inf",
            "a: b", "- x", "#x", "x #y", "'q'", "\"dq\"", "$HOME", "$$", "${X}", "a\nb: injected",
            "{x}", "[x]", "*a", "&a", "!x", "%x", "@x", "`x", "\u{85}", "\u{2028}", "\u{feff}x",
            "\r\n", "\0", "\t", " ", "", "stackdefqz0z", ";", "}", "\\", "\\\"",
        ]).prop_map(str::to_owned),
        1 => "[a-z]{0,3}".prop_map(|s| s.repeat(5000)),
    ]
}

fn image() -> impl Strategy<Value = Image> {
    prop::sample::select(vec![
        "nginx:1.27",
        "postgres:15",
        "no",
        "yes:22",
        "registry.example.com:5000/a/b:1.0",
        "on",
    ])
    .prop_map(|s| Image::parse(s).expect("valid image"))
}

fn service(i: usize) -> impl Strategy<Value = Service> {
    (
        image(),
        prop::collection::vec(any_text(), 0..3),
        prop::collection::vec(any_text(), 0..3),
        proptest::option::of(any_text()),
        prop::collection::vec((any_text(), any_text()), 0..2),
        any::<bool>(),
    )
        .prop_map(move |(image, env, args, user, labels, mount)| {
            let mut s = Service::builder()
                .name(ServiceName::new(format!("svc{i}")).expect("name"))
                .source(image)
                .build();
            for (k, v) in env.into_iter().enumerate() {
                s.set_env(EnvKey::new(format!("V{k}")).expect("key"), Text::lit(v));
            }
            if !args.is_empty() {
                s.command = Some(Command::Exec(args.into_iter().map(Text::lit).collect()));
            }
            s.user = user;
            s.labels = labels;
            s.ports = vec![PortMapping::new(20000 + i as u16, 80).expect("port")];
            if mount {
                s.mounts = vec![
                    Mount::volume(VolumeName::new("data").expect("v"), "/data").expect("mount"),
                ];
            }
            s
        })
}

fn stack() -> impl Strategy<Value = Stack> {
    (1usize..4)
        .prop_flat_map(|n| (0..n).map(service).collect::<Vec<_>>())
        .prop_map(|services| {
            Stack::builder()
                .name("prop".parse().expect("name"))
                .services(services)
                .volumes(vec![stackdef::Volume::new(
                    VolumeName::new("data").expect("v"),
                )])
                .build()
        })
}

/// Emits `stack`; an error must be a typed error naming a field of a service.
fn emit_or_refuse(stack: &Stack) -> Option<String> {
    let result = stackdef::validate(stack)
        .map_err(Error::InvalidStack)
        .and_then(|valid| compose::to_yaml(&valid));
    match result {
        Ok(yaml) => Some(yaml),
        Err(Error::Invalid { field, .. }) => {
            assert!(
                field.starts_with("services.svc"),
                "refused without naming the field: {field}"
            );
            None
        }
        Err(Error::InvalidStack(problems)) => {
            for p in problems {
                assert!(
                    p.message.starts_with("invalid services.svc")
                        || p.class == stackdef::check::DefectClass::Duplicate,
                    "refused without naming the field: {p}"
                );
            }
            None
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn compose_reads_back_as_the_stack_says() {
    let emitted = std::cell::Cell::new(0);
    runner(2000)
        .run(&stack(), |stack| {
            let Some(yaml) = emit_or_refuse(&stack) else {
                return Ok(());
            };
            emitted.set(emitted.get() + 1);
            let back = stackdef::import::parse(&yaml)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
            prop_assert_eq!(&back.services, &stack.services, "{}", yaml);
            prop_assert_eq!(
                compose::to_yaml(&stackdef::validate(&back).unwrap()).expect("re-emit"),
                yaml
            );
            Ok(())
        })
        .unwrap();
    assert!(
        emitted.get() > 200,
        "too few stacks were emitted to judge ({})",
        emitted.get()
    );
}

#[test]
fn a_sample_passes_the_compose_schema_and_docker_compose() {
    let dir = support::scratch("prop-compose");
    let mut files = Vec::new();
    let mut spec_files = Vec::new();
    let mut runner = runner(400);
    let strategy = stack();
    while files.len() < 60 {
        let stack = strategy.new_tree(&mut runner).expect("tree").current();
        if let Some(yaml) = emit_or_refuse(&stack) {
            let spec = dir.join(format!("s{}.yml", files.len()));
            std::fs::write(&spec, yaml).unwrap();
            spec_files.push(spec);
            let path = dir.join(format!("c{}.yml", files.len()));
            let v1 = compose::ComposeOptions {
                target: compose::ComposeTarget::DockerCompose1,
            };
            std::fs::write(
                &path,
                compose::to_yaml_with(&stackdef::validate(&stack).unwrap(), v1).expect("emits"),
            )
            .unwrap();
            files.push(path);
        }
    }
    // one call for the schema, docker-compose on a sample of them
    let tool = support::tool("STACKDEF_CHECK_JSONSCHEMA", "check-jsonschema");
    let (ok, out) = support::run(
        std::process::Command::new(tool)
            .args(["--builtin-schema", "vendor.compose-spec"])
            .args(&files),
    );
    assert!(ok, "{out}");
    let env = dir.join("empty.env");
    std::fs::write(&env, "").unwrap();
    for f in files.iter().step_by(6) {
        support::check_docker_compose(f, &env);
    }
    for f in &spec_files {
        support::check_compose_v2(f, &env);
    }
}

/// A stack with one service `api` (published 8000) and a host proxy in `file` whose server
/// carries `value` as its CSP and as the body of `/x`, and proxies `/` to `api`.
fn quoted_stack(file: &str, value: &Quoted) -> Stack {
    let mut api = Service::builder()
        .name(ServiceName::from_static("api"))
        .source(Image::parse("api:1").unwrap())
        .build();
    api.ports = vec![PortMapping::new(8000, 8000).unwrap()];
    let mut proxy = stackdef::Proxy::new(file, stackdef::Placement::Host).unwrap();
    let mut server = stackdef::Server::new(
        vec!["example.com".parse().unwrap()],
        stackdef::Tls::LetsEncrypt,
    );
    server.csp = Some(value.clone());
    server
        .routes
        .push(Route::respond("/x", 200, value.as_str()).unwrap());
    server
        .routes
        .push(Route::proxy("/", ServiceName::from_static("api"), 8000).unwrap());
    proxy.servers.push(server);
    Stack::builder()
        .name("p".parse().unwrap())
        .services(vec![api])
        .proxies(vec![proxy])
        .build()
}

#[test]
fn nginx_strings_never_add_a_directive() {
    let baseline = |value: &Quoted| {
        let stack = quoted_stack("nginx.conf", value);
        parse(&stackdef::emit::nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap()[0].1)
            .unwrap()
    };
    let shape = baseline(&Quoted::new("benign").unwrap()).shape();
    runner(3000)
        .run(&any_text(), |s| {
            match Quoted::new(s.as_str()) {
                Err(Error::Invalid { field, .. }) => prop_assert_eq!(field, "quoted value"),
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
                Ok(q) => {
                    let tree = baseline(&q);
                    prop_assert_eq!(tree.shape(), shape.clone());
                    let all = tree.descendants();
                    let csp = all
                        .iter()
                        .find(|d| d.name == "add_header" && d.args[0] == "Content-Security-Policy")
                        .unwrap();
                    prop_assert_eq!(&csp.args[1], &s);
                    let ret = all
                        .iter()
                        .find(|d| d.name == "return" && d.args[0] == "200")
                        .unwrap();
                    prop_assert_eq!(&ret.args[1], &s);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_sample_of_hostile_nginx_files_passes_nginx_t() {
    let dir = support::scratch("prop-nginx");
    let mut runner = runner(200);
    let strategy = any_text();
    let mut written = 0;
    while written < 25 {
        let s = strategy.new_tree(&mut runner).expect("tree").current();
        let Ok(q) = Quoted::new(s.as_str()) else {
            continue;
        };
        let stack = quoted_stack(&format!("p{written}.conf"), &q);
        for (name, text) in
            stackdef::emit::nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap()
        {
            std::fs::write(dir.join(name), text).unwrap();
        }
        written += 1;
    }
    // `nginx -t` on every file, in private namespaces with throwaway certificates
    support::live_nginx("syntax", &dir);
}

#[test]
fn env_template_values_read_back_exactly() {
    runner(3000)
        .run(&any_text(), |s| {
            let spec = EnvSpec::new("G", "d").unwrap().default(&s);
            match EnvVar::new("V", spec) {
                Err(Error::Invalid { field, .. }) => prop_assert_eq!(field, "default of V"),
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
                Ok(var) => {
                    let mut stack = Stack::builder().name("p".parse().unwrap()).build();
                    let mut a = Service::builder()
                        .name(ServiceName::from_static("a"))
                        .source(Image::parse("a:1").unwrap())
                        .build();
                    a.set_env(var.key(), var.text());
                    stack.services.push(a);
                    stack.env.push(var);
                    let template =
                        to_template(&stackdef::validate(&stack).unwrap(), ".env").unwrap();
                    let line = template.lines().find(|l| l.starts_with("V=")).unwrap();
                    prop_assert_eq!(read_value(&line[2..]), Some(s.clone()), "{}", line);
                    prop_assert_eq!(
                        template
                            .lines()
                            .filter(|l| !l.starts_with('#') && !l.is_empty())
                            .count(),
                        1
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn secret_values_are_never_printed() {
    let stack = {
        let secret = EnvVar::new(
            "API_SECRET",
            EnvSpec::new("G", "a secret").unwrap().secret(40),
        )
        .unwrap();
        let mut a = Service::builder()
            .name(ServiceName::from_static("a"))
            .source(Image::parse("a:1").unwrap())
            .build();
        a.set_env(secret.key(), secret.text());
        Stack::builder()
            .name("p".parse().unwrap())
            .services(vec![a])
            .env(vec![secret])
            .build()
    };
    let files = stackdef::write::render(&stack, &Default::default()).unwrap();
    runner(2000)
        .run(&"[!-~]{8,60}", |value| {
            let text = format!("API_SECRET={value}\nAPI_SECRET='{value}'\n");
            if let Err(problems) = check_env_file(&stack, &text, Profile::Production) {
                for p in problems {
                    prop_assert!(!p.to_string().contains(&value), "{}", p);
                }
            }
            for f in &files {
                prop_assert!(!f.content.contains(&value));
            }
            Ok(())
        })
        .unwrap();
}

/// Free-form `x-` values: every scalar kind, hostile strings, nesting, empty collections.
fn ext_value() -> impl Strategy<Value = ExtValue> {
    let key = || any_text().prop_filter("keys fit YAML's key length", |k| k.chars().count() < 300);
    let leaf = prop_oneof![
        1 => Just(ExtValue::Null),
        1 => any::<bool>().prop_map(ExtValue::Bool),
        1 => any::<i64>().prop_map(ExtValue::Int),
        1 => any::<f64>().prop_map(ExtValue::Float),
        3 => any_text().prop_map(ExtValue::Str),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(ExtValue::List),
            prop::collection::vec((key(), inner), 0..4).prop_map(|entries| {
                let mut seen = std::collections::HashSet::new();
                ExtValue::Map(
                    entries
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .collect(),
                )
            }),
        ]
    })
}

/// `value` as JSON (Python's reader accepts `NaN` and `Infinity`).
fn json(value: &ExtValue, out: &mut String) {
    use std::fmt::Write;
    match value {
        ExtValue::Null => out.push_str("null"),
        ExtValue::Bool(b) => write!(out, "{b}").unwrap(),
        ExtValue::Int(i) => write!(out, "{i}").unwrap(),
        ExtValue::Float(x) if x.is_nan() => out.push_str("NaN"),
        ExtValue::Float(x) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
        }
        ExtValue::Float(x) => write!(out, "{x:?}").unwrap(),
        ExtValue::Str(s) => json_str(s, out),
        ExtValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(item, out);
            }
            out.push(']');
        }
        ExtValue::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(k, out);
                out.push(':');
                json(v, out);
            }
            out.push('}');
        }
    }
}

fn json_str(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for unit in s.encode_utf16() {
        match unit {
            0x20..=0x7e if unit != u16::from(b'"') && unit != u16::from(b'\\') => {
                out.push(char::from(unit as u8))
            }
            _ => write!(out, "\\u{unit:04x}").unwrap(),
        }
    }
    out.push('"');
}

/// The YAML writer against the reader docker-compose itself uses (PyYAML, YAML 1.1): random
/// extension values, at the top level and inside a service, read back with the same types and
/// values. (Every emitted document is also read back by serde_yaml, YAML 1.2, in debug builds.)
#[test]
fn pyyaml_reads_extension_values_as_written() {
    let dir = support::scratch("prop-pyyaml");
    let mut runner = runner(300);
    let strategy = ext_value();
    let mut args = Vec::new();
    for i in 0..300 {
        let value = strategy.new_tree(&mut runner).expect("tree").current();
        let mut svc = Service::builder()
            .name(ServiceName::from_static("svc"))
            .source(Image::parse("example/app:1.0").unwrap())
            .build();
        svc.extensions = vec![("x-prop".into(), value.clone())];
        let stack = Stack::builder()
            .name("prop".parse().unwrap())
            .services(vec![svc])
            .extensions(vec![("x-prop".into(), value.clone())])
            .build();
        let yaml = compose::to_yaml(&stackdef::validate(&stack).unwrap())
            .unwrap_or_else(|e| panic!("{e}: {value:?}"));
        let (yml, js) = (
            dir.join(format!("e{i}.yml")),
            dir.join(format!("e{i}.json")),
        );
        std::fs::write(&yml, yaml).unwrap();
        // compose interpolates `x-` values, so a literal `$` is written `$$`
        let mut text = String::new();
        json(&value.map_strings(&|s| s.replace('$', "$$")), &mut text);
        std::fs::write(&js, text).unwrap();
        args.push(yml);
        args.push(js);
    }
    let python = support::tool("STACKDEF_PYYAML_PYTHON", "python3");
    let script = support::root().join("tests/yaml/pyyaml_same.py");
    let (ok, out) = support::run(std::process::Command::new(python).arg(script).args(&args));
    assert!(ok && out.contains("300 files, 0 read differently"), "{out}");
}

#[test]
fn extension_keys_outside_x_or_twice_are_refused() {
    let stack = |ext: Vec<(String, ExtValue)>| {
        Stack::builder()
            .name("p".parse().unwrap())
            .services(vec![
                Service::builder()
                    .name(ServiceName::from_static("svc"))
                    .source(Image::parse("example/app:1.0").unwrap())
                    .build(),
            ])
            .extensions(ext)
            .build()
    };
    let refused = |s: &Stack| Error::from(stackdef::validate(s).map(|_| ()).unwrap_err());
    let err = refused(&stack(vec![("services".into(), ExtValue::Null)]));
    assert!(
        matches!(&err, Error::InvalidStack(d) if d[0].message.starts_with("invalid extensions `services`")),
        "{err}"
    );
    let twice = ExtValue::Map(vec![
        ("a".into(), ExtValue::Null),
        ("a".into(), ExtValue::Bool(true)),
    ]);
    let err = refused(&stack(vec![("x-a".into(), twice)]));
    assert!(
        matches!(&err, Error::InvalidStack(d) if d[0].message.contains("`a`: this key appears twice")),
        "{err}"
    );
}

/// A stack whose free strings that reach the diagram (the build context and target: a
/// redirect's URL is a host name and a plain path) are `value`; `None` when the model refuses it.
fn graph_stack(value: &str) -> Option<Stack> {
    let build = stackdef::Build::builder()
        .context(value)
        .target(value)
        .build();
    let mut api = Service::builder()
        .name(ServiceName::from_static("api"))
        .source(stackdef::Source::Build(build, None))
        .build();
    api.ports = vec![PortMapping::new(8000, 8000).unwrap()];
    let mut proxy = stackdef::Proxy::new("nginx.conf", stackdef::Placement::Host).unwrap();
    let mut server =
        stackdef::Server::new(vec!["example.com".parse().unwrap()], stackdef::Tls::Off);
    server
        .routes
        .push(Route::redirect("/old", 301, "https://example.com/new").unwrap());
    server
        .routes
        .push(Route::proxy("/", ServiceName::from_static("api"), 8000).unwrap());
    proxy.servers.push(server);
    let stack = Stack::builder()
        .name("g".parse().unwrap())
        .services(vec![api])
        .proxies(vec![proxy])
        .build();
    stackdef::validate(&stack).ok()?;
    Some(stack)
}

/// The statements of a diagram file that are not comments, without their labels' text: two
/// files with the same skeleton have the same nodes and edges.
fn skeleton(text: &str, quote: char, escape: Option<char>) -> String {
    let mut out = String::new();
    let mut in_label = false;
    let mut chars = text
        .lines()
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .collect::<Vec<_>>()
        .into_iter();
    while let Some(c) = chars.next() {
        if in_label && Some(c) == escape {
            chars.next();
        } else if c == quote {
            in_label = !in_label;
            out.push(c);
        } else if !in_label {
            out.push(c);
        }
    }
    out
}

#[test]
fn diagram_labels_never_add_a_node_or_an_edge() {
    let base = graph_stack("x").unwrap();
    let valid = stackdef::validate(&base).unwrap();
    let (dot0, mmd0) = (
        stackdef::emit::graph::to_dot(&valid),
        stackdef::emit::graph::to_mermaid(&valid),
    );
    let dir = support::scratch("prop-graph");
    let sample = std::cell::RefCell::new(Vec::new());
    runner(2000)
        .run(&any_text(), |s| {
            let Some(stack) = graph_stack(&s) else {
                return Ok(());
            };
            let valid = stackdef::validate(&stack).unwrap();
            let dot = stackdef::emit::graph::to_dot(&valid);
            let mmd = stackdef::emit::graph::to_mermaid(&valid);
            prop_assert_eq!(
                skeleton(&dot, '"', Some('\\')),
                skeleton(&dot0, '"', Some('\\'))
            );
            prop_assert_eq!(skeleton(&mmd, '"', None), skeleton(&mmd0, '"', None));
            let mut sample = sample.borrow_mut();
            if sample.len() < 40 && !sample.contains(&dot) {
                sample.push(dot);
            }
            Ok(())
        })
        .unwrap();
    let sample = sample.into_inner();
    assert_eq!(
        sample.len(),
        40,
        "too few hostile strings were accepted to judge"
    );
    for (i, dot) in sample.iter().enumerate() {
        let file = dir.join(format!("g{i}.dot"));
        std::fs::write(&file, dot).unwrap();
        support::check_dot(&file);
    }
}

/// Random stacks (hostile strings in env values, arguments, users and labels) → the Kubernetes
/// base: each is written or refused with a typed error naming the field; every literal env
/// value reads back from the manifest as the kubelet will expand it (a literal `$(` escaped as
/// `$$(`), and one `kubernetes-validate --strict` call judges a batch of them.
#[test]
fn kubernetes_manifests_of_random_stacks_validate_and_read_back() {
    use stackdef::emit::kubernetes::{KubeOptions, render};
    let dir = support::scratch("prop-kubernetes");
    let options = KubeOptions::new("registry.example.com/prop", "1");
    let mut runner = runner(400);
    let strategy = stack();
    let (mut batch, mut written, mut tries) = (String::new(), 0, 0);
    while written < 40 {
        tries += 1;
        assert!(
            tries < 4000,
            "too few stacks were written to judge ({written})"
        );
        let mut stack = strategy.new_tree(&mut runner).expect("tree").current();
        stack.volumes[0].size = Some(stackdef::ByteSize::gib(1));
        let Ok(valid) = stackdef::validate(&stack) else {
            continue;
        };
        let files = match render(&valid, &options) {
            Ok(f) => f,
            Err(Error::Invalid { field, .. }) => {
                assert!(
                    field.starts_with("services.svc") || field.starts_with("volumes."),
                    "refused without naming the field: {field}"
                );
                continue;
            }
            Err(other) => panic!("unexpected error: {other}"),
        };
        written += 1;
        for s in &stack.services {
            let file = files
                .iter()
                .find(|f| f.name == format!("{}.yaml", s.name))
                .expect("a file per service");
            let doc: serde_yaml::Value =
                serde_yaml::from_str(file.content.split("\n---\n").next().unwrap()).unwrap();
            let env = &doc["spec"]["template"]["spec"]["containers"][0]["env"];
            for (k, v) in &s.environment {
                let want = v.as_literal().unwrap().replace("$(", "$$(");
                let got = env
                    .as_sequence()
                    .and_then(|e| e.iter().find(|x| x["name"] == k.as_str()))
                    .and_then(|x| x["value"].as_str());
                assert_eq!(got, Some(want.as_str()), "{}", file.content);
            }
        }
        for f in files
            .iter()
            .filter(|f| f.name.ends_with(".yaml") && f.name != "kustomization.yaml")
        {
            batch.push_str("---\n");
            batch.push_str(&f.content);
        }
    }
    let path = dir.join("batch.yaml");
    std::fs::write(&path, batch).unwrap();
    support::judge_kubernetes(&path).unwrap_or_else(|e| panic!("{e}"));
}
