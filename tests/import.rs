//! Importing compose files: the reference guides' own compose files, hostile values, errors.

mod support;

use stackdef::emit::compose;
use stackdef::{Error, ProjectName};

/// Every fenced YAML block with a `services:` key in a reference guide beside the repository.
fn guide_compose_files(guide: &str) -> Vec<String> {
    support::guides::compose_blocks(&support::root().join("../shared/reference").join(guide))
}

fn import_round_trips(guide: &str) {
    let files = guide_compose_files(guide);
    assert!(!files.is_empty(), "{guide} has no compose file");
    for (i, file) in files.iter().enumerate() {
        let name = ProjectName::new(format!("guide{i}")).unwrap();
        let stack = stackdef::import::parse_named(file, name)
            .unwrap_or_else(|e| panic!("{guide} block {i} does not import: {e}\n{file}"));
        let yaml = compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap();
        let back = stackdef::import::parse(&yaml).unwrap();
        assert_eq!(back, stack, "{guide} block {i}");
        assert_eq!(
            compose::to_yaml(&stackdef::validate(&back).unwrap()).unwrap(),
            yaml
        );
        let dir = support::scratch(&format!("import-{guide}-{i}"));
        std::fs::write(dir.join("compose.yml"), &yaml).unwrap();
        support::check_compose_schema(&dir.join("compose.yml"));
    }
}

#[test]
fn ai_scrum_master_guide_imports_without_loss() {
    import_round_trips("ai-scrum-master-deployment-guide.md");
}

#[test]
fn unknown_fields_are_refused_and_extensions_kept() {
    let err = stackdef::import::parse(
        "name: x\nservices:\n  a:\n    image: nginx\n    privileged: true\n",
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, value, .. } if field == "services.a.field" && value == "privileged"),
        "{err}"
    );
    let text = "name: x\nservices:\n  a:\n    image: nginx\n    x-owner: team\nx-common:\n  a: [1, true, null, 'no']\n";
    let stack = stackdef::import::parse(text).unwrap();
    let yaml = compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap();
    assert!(yaml.contains("x-owner: team"));
    assert_eq!(stackdef::import::parse(&yaml).unwrap(), stack);
}

#[test]
fn a_key_twice_in_an_extension_mapping_is_refused_on_import() {
    // the emitter refuses to write such a mapping, so the importer must not accept one
    let text = "name: x\nservices:\n  a:\n    image: nginx\nx-common:\n  k: 1\n  k: 2\n";
    let err = stackdef::import::parse(text).unwrap_err();
    assert!(
        matches!(&err, Error::Yaml(m) if m.contains("duplicate key `k`")),
        "{err}"
    );
}

#[test]
fn hostile_values_read_back_exactly() {
    for &value in support::HOSTILE {
        let text = stackdef::Text::lit(value);
        let mut stack =
            stackdef::import::parse("name: x\nservices:\n  a:\n    image: nginx\n").unwrap();
        let a = stack.service_mut("a").unwrap();
        a.set_env(stackdef::EnvKey::from_static("V"), text.clone());
        a.command = Some(stackdef::Command::Exec(vec![text.clone()]));
        // labels are plain text: no control characters (validate() refuses them)
        let label: String = value.chars().filter(|c| !c.is_control()).collect();
        a.labels = vec![(format!("k{}k", label.replace('=', "-")), label)];
        let yaml = compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap();
        let back =
            stackdef::import::parse(&yaml).unwrap_or_else(|e| panic!("{value:?}: {e}\n{yaml}"));
        assert_eq!(back, stack, "{value:?}\n{yaml}");
    }
}

/// The one diagnostic `validate()` gives for a stack whose only problem is a field's value.
fn refused_value(stack: &stackdef::Stack) -> String {
    match stackdef::validate(stack)
        .map(|_| ())
        .map_err(Error::InvalidStack)
    {
        Err(Error::InvalidStack(d)) => {
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].class, stackdef::check::DefectClass::InvalidValue);
            d[0].message.clone()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn control_characters_in_plain_fields_are_refused_by_validate() {
    let mut stack =
        stackdef::import::parse("name: x\nservices:\n  a:\n    image: nginx\n").unwrap();
    stack.service_mut("a").unwrap().labels = vec![("k".into(), "a\nb: injected".into())];
    let message = refused_value(&stack);
    assert!(
        message.starts_with("invalid services.a.labels `a\\nb: injected`"),
        "{message}"
    );
    stack.service_mut("a").unwrap().labels.clear();
    stack.service_mut("a").unwrap().user = Some("root\0".into());
    assert!(stackdef::validate(&stack).is_err());
}

/// Found by the property test: a label key holding `=` (or empty) cannot be written as
/// `key=value` and read back, so it is refused.
#[test]
fn regression_label_key_with_equals_sign_is_refused() {
    let mut stack =
        stackdef::import::parse("name: x\nservices:\n  a:\n    image: nginx\n").unwrap();
    for key in ["=", "", "a=b"] {
        stack.service_mut("a").unwrap().labels = vec![(key.into(), "".into())];
        let message = refused_value(&stack);
        assert!(
            message.starts_with(&format!("invalid services.a.labels `{key}`")),
            "{message}"
        );
    }
}

#[test]
fn bad_values_name_field_and_value() {
    let cases = [
        ("    ports: ['0:80']\n", "services.a.ports", "0"),
        ("    ports: ['80:80/sctp']\n", "services.a.ports", "sctp"),
        (
            "    restart: sometimes\n",
            "services.a.restart",
            "sometimes",
        ),
        (
            "    healthcheck: {test: [CMD, x], interval: 10x}\n",
            "services.a.healthcheck.interval",
            "10x",
        ),
        (
            "    depends_on: {b: {condition: service_ready}}\n",
            "services.a.depends_on.condition",
            "service_ready",
        ),
        (
            "    volumes: ['data:relative']\n",
            "services.a.mount target",
            "relative",
        ),
        ("    container_name: x\n", "services.a.container name", "x"),
        (
            "    deploy: {resources: {limits: {memory: lots}}}\n",
            "services.a.deploy.resources.limits",
            "lots",
        ),
        ("    user: $USER\n", "services.a.user", "$USER"),
    ];
    for (extra, field_want, value_want) in cases {
        let text = format!("name: x\nservices:\n  a:\n    image: nginx\n{extra}");
        match stackdef::import::parse(&text) {
            Err(Error::Invalid { field, value, .. }) => {
                assert_eq!(
                    (field.as_str(), value.as_str()),
                    (field_want, value_want),
                    "{extra}"
                );
            }
            other => panic!("{extra}: expected an invalid-value error, got {other:?}"),
        }
    }
    assert!(matches!(
        stackdef::import::parse("name: x\nservices:\n  Bad Name:\n    image: nginx\n"),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        stackdef::import::parse("services: [\n"),
        Err(Error::Yaml(_))
    ));
}

/// A file that does not lock its containers comes in with Docker's defaults kept, as opt-outs
/// that say so, and goes out the same: importing never drops a capability an image relies on.
/// A locked service comes in locked; a reason stackdef wrote comes back as written.
#[test]
fn hardening_comes_in_as_the_file_has_it() {
    let text = "name: x\nservices:\n  open:\n    image: app:1\n  locked:\n    image: app:1\n    \
                security_opt: [no-new-privileges:true, label=disable]\n    cap_drop: [ALL]\n    cap_add: [CHOWN]\n";
    let stack = stackdef::import::parse(text).unwrap();
    let (open, locked) = (&stack.services[0], &stack.services[1]);
    assert_eq!(
        open.hardening,
        stackdef::Hardening::docker_defaults("as in the imported compose file")
    );
    assert_eq!(locked.hardening, stackdef::Hardening::default());
    assert_eq!(locked.security_opt, ["label=disable"]);
    assert!(locked.cap_drop.is_empty());
    assert_eq!(locked.cap_add, ["CHOWN"]);
    let yaml = compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap();
    let again = stackdef::import::parse(&yaml).unwrap();
    assert_eq!(again, stack);
    let dir = support::scratch("import-hardening");
    std::fs::write(dir.join("compose.yml"), &yaml).unwrap();
    std::fs::write(dir.join(".env"), "").unwrap();
    let json = support::compose_v2_json(&dir.join("compose.yml"), &dir.join(".env")).unwrap();
    let open_json = &json["services"]["open"];
    assert!(open_json["cap_drop"].is_null() && open_json["security_opt"].is_null());
    assert_eq!(json["services"]["locked"]["cap_drop"][0], "ALL");
    assert_eq!(
        json["services"]["locked"]["security_opt"][0],
        "no-new-privileges:true"
    );
    // a reason of the stack's own survives the round trip, `$` and all
    let mut mine = stack.clone();
    mine.services[0].hardening.keep_default_capabilities =
        Some("the image's entrypoint chowns $HOME".into());
    let back =
        stackdef::import::parse(&compose::to_yaml(&stackdef::validate(&mine).unwrap()).unwrap())
            .unwrap();
    assert_eq!(back, mine);
}

#[test]
fn long_syntax_keys_not_modelled_are_refused_not_dropped() {
    let svc = |body: &str| format!("name: x\nservices:\n  a:\n    image: nginx:1.27\n{body}");
    let cases = [
        (
            "    build:\n      context: .\n      cache_from: [x]\n",
            "build.cache_from",
        ),
        (
            "    build:\n      context: .\n      network: host\n",
            "build.network",
        ),
        (
            "    ports:\n      - target: 80\n        name: web\n",
            "ports.name",
        ),
        (
            "    ports:\n      - target: 80\n        app_protocol: http\n",
            "ports.app_protocol",
        ),
        (
            "    volumes:\n      - type: volume\n        source: d\n        target: /d\n        volume:\n          nocopy: true\n",
            "volumes.volume",
        ),
        (
            "    volumes:\n      - type: bind\n        source: ./d\n        target: /d\n        bind:\n          propagation: rshared\n",
            "volumes.bind.propagation",
        ),
    ];
    for (body, field) in cases {
        let err = stackdef::import::parse(&svc(body)).unwrap_err().to_string();
        assert!(err.contains(field), "{field}: {err}");
    }
    // an untagged form names what the key takes, not an internal type
    let err = stackdef::import::parse(&svc("    networks:\n      n:\n        priority: 5\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`networks` is a list of network names") && !err.contains("untagged"),
        "{err}"
    );
}
