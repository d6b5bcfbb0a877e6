//! The Kubernetes base of every example stack, judged by the real tools: each manifest passes
//! `kubernetes-validate --strict` (the official schemas of Kubernetes 1.34, unknown fields
//! refused), `kubectl kustomize` builds the base, and what it builds passes again — with every
//! object name a DNS-1123 label, probes that are readiness (never liveness) probes, and no
//! secret value anywhere.

mod support;

use stackdef::emit::kubernetes::{self, KubeOptions};
use stackdef::{ByteSize, Stack};

/// Every variant of the examples that writes a Kubernetes base: its name, stack, options and
/// the committed directory.
fn examples() -> Vec<(String, Stack, KubeOptions, std::path::PathBuf)> {
    use stackdef_examples::{ai_scrum_master, inctra, ticket_tracking};
    let groups = [
        (
            "deploy",
            vec![stackdef_examples::cli::Variant {
                name: "inctra",
                stack: inctra::stack,
                plan: inctra::plan(),
                kubernetes: Some(inctra::kubernetes()),
            }],
        ),
        ("deploy/ai-scrum-master", ai_scrum_master::variants()),
        (
            "deploy/ticket-tracking",
            ticket_tracking::variants().unwrap(),
        ),
    ];
    let mut out = Vec::new();
    for (dir, variants) in groups {
        for v in variants {
            let k = v
                .kubernetes
                .expect("every example writes a Kubernetes base");
            let committed = support::root().join(dir).join(k.dir);
            out.push((
                v.name.to_owned(),
                (v.stack)().unwrap(),
                k.options,
                committed,
            ));
        }
    }
    out
}

fn options() -> KubeOptions {
    let mut o = KubeOptions::new("registry.example.com/team", "1.0.0");
    o.gateway_class = Some("example-gateway-class".into());
    o
}

/// Writes the base into a scratch directory, with a stand-in for each application file a
/// read-only bind mounts (which the base expects beside it), after checking that the committed
/// base is what the stack writes.
fn base(
    name: &str,
    stack: &Stack,
    options: &KubeOptions,
    committed: &std::path::Path,
) -> std::path::PathBuf {
    let dir = support::scratch(&format!("kubernetes-{}", name.replace([' ', '(', ')'], "")));
    let files = kubernetes::render(&stackdef::validate(stack).unwrap(), options).unwrap();
    let drift = stackdef::write::check_dir(committed, &files).unwrap();
    assert!(
        drift.is_empty(),
        "{name}: {} differs from what the stack writes (run the example): {}",
        committed.display(),
        drift.iter().map(ToString::to_string).collect::<String>()
    );
    stackdef::write::write_dir(&dir, &files).unwrap();
    let kustomization = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&kustomization).unwrap();
    for generator in doc["configMapGenerator"].as_sequence().unwrap() {
        for file in generator["files"].as_sequence().into_iter().flatten() {
            let path = dir.join(file.as_str().unwrap());
            if !path.exists() {
                std::fs::write(path, "stand-in\n").unwrap();
            }
        }
    }
    dir
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[test]
fn every_example_writes_a_base_the_real_tools_accept() {
    let examples = examples();
    assert_eq!(
        examples.len(),
        4,
        "inctra, ai-scrum-master (2 variants), ticket-tracking"
    );
    for (name, stack, options, committed) in examples {
        let name = name.as_str();
        let dir = base(name, &stack, &options, &committed);
        let mut manifests = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml")
                && p.file_name().is_some_and(|f| f != "kustomization.yaml")
            {
                manifests.push(p);
            }
        }
        manifests.sort();
        assert!(manifests.len() > stack.services.len(), "{manifests:?}");
        for m in &manifests {
            // Gateway API objects are custom resources: their own schemas judge them
            if m.file_name().is_some_and(|f| f == "gateway.yaml") {
                support::judge_gateway(m).unwrap_or_else(|e| panic!("{name}: {e}"));
            } else {
                support::judge_kubernetes(m)
                    .unwrap_or_else(|e| panic!("{name}: {}: {e}", m.display()));
            }
        }
        let built = support::kustomize(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (core, gateway): (Vec<&str>, Vec<&str>) = built
            .split("\n---\n")
            .partition(|d| !d.contains("apiVersion: gateway.networking.k8s.io/"));
        let out = dir.join("built.yml");
        std::fs::write(&out, core.join("\n---\n")).unwrap();
        support::judge_kubernetes(&out).unwrap_or_else(|e| panic!("{name}: built: {e}"));
        if !gateway.is_empty() {
            let out = dir.join("built-gateway.yml");
            std::fs::write(&out, gateway.join("\n---\n")).unwrap();
            support::judge_gateway(&out).unwrap_or_else(|e| panic!("{name}: built: {e}"));
        }
        check_objects(name, &stack, &built);
    }
}

fn check_objects(name: &str, stack: &Stack, built: &str) {
    let mut kinds = Vec::new();
    for doc in built.split("\n---\n") {
        let obj: serde_yaml::Value = serde_yaml::from_str(doc).unwrap();
        let kind = obj["kind"].as_str().unwrap().to_owned();
        let object = obj["metadata"]["name"].as_str().unwrap();
        assert!(dns_label(object), "{name}: {kind} `{object}`");
        assert_ne!(
            kind, "Secret",
            "{name}: a Secret (with values) in the manifests"
        );
        if kind == "Deployment" || kind == "StatefulSet" {
            let pod = &obj["spec"]["template"]["spec"];
            for c in pod["containers"].as_sequence().unwrap() {
                assert!(c["livenessProbe"].is_null(), "{name}: {object}: liveness");
                let sc = &c["securityContext"];
                assert_eq!(sc["allowPrivilegeEscalation"], false, "{name}: {object}");
                assert_eq!(sc["capabilities"]["drop"][0], "ALL", "{name}: {object}");
                for p in c["ports"].as_sequence().into_iter().flatten() {
                    assert!(p["name"].as_str().unwrap().len() <= 15);
                }
            }
            assert_eq!(
                pod["securityContext"]["seccompProfile"]["type"],
                "RuntimeDefault"
            );
        }
        kinds.push(kind);
    }
    if stack
        .proxies
        .iter()
        .any(|p| p.placement == stackdef::Placement::Host)
    {
        for kind in ["Gateway", "HTTPRoute"] {
            assert!(kinds.iter().any(|k| k == kind), "{name}: no {kind}");
        }
    }
    for kind in ["Namespace", "ConfigMap", "NetworkPolicy", "Service"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{name}: no {kind}: {kinds:?}"
        );
    }
    let workloads = kinds
        .iter()
        .filter(|k| *k == "Deployment" || *k == "StatefulSet")
        .count();
    // every service but the recipe's certbot, whose work a cluster's certificate issuer does
    let services = stack
        .services
        .iter()
        .filter(|s| s.name != stackdef::CERTBOT)
        .count();
    assert_eq!(workloads, services, "{name}");
    // a secret variable is read from the Secret, never written into a manifest
    for v in stack.env.iter().filter(|v| v.is_secret()) {
        let key = format!("key: {}", v.name());
        if built.contains(&key) {
            assert!(
                built.contains(&format!(
                    "secretKeyRef:\n                  key: {}",
                    v.name()
                )) || built.contains("secretKeyRef"),
                "{name}: {}",
                v.name()
            );
        }
    }
}

/// The judges fail on what they must refuse: a manifest with a field its kind does not have,
/// a kustomization naming a file that is not there.
#[test]
fn the_kubernetes_judges_can_fail() {
    let dir = support::scratch("kubernetes-judges");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n    livenessProbe: {}\n",
    )
    .unwrap();
    let err = support::judge_kubernetes(&bad).unwrap_err();
    assert!(err.contains("livenessProbe"), "{err}");
    let unknown = dir.join("unknown.yaml");
    std::fs::write(
        &unknown,
        "apiVersion: v1\nkind: Servise\nmetadata:\n  name: web\n",
    )
    .unwrap();
    assert!(support::judge_kubernetes(&unknown).is_err());
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- missing.yaml\n",
    )
    .unwrap();
    assert!(support::kustomize(&dir).is_err());
    let route = dir.join("route.yaml");
    std::fs::write(
        &route,
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\nspec:\n  hostnames: [Bad_Host]\n  rules:\n  - matches:\n    - path: {type: Nope, value: /}\n",
    )
    .unwrap();
    let err = support::judge_gateway(&route).unwrap_err();
    assert!(err.contains("hostnames") && err.contains("type"), "{err}");
}

/// A readiness probe with the right argv: `CMD-SHELL` runs under `/bin/sh -c` with the
/// variables read by the shell from the pod's env (which defines them from the ConfigMap), and
/// `start_period` becomes a startup probe.
#[test]
fn healthchecks_become_readiness_and_startup_probes() {
    let mut stack = stackdef_examples::inctra::stack().unwrap();
    stack.volumes[0].size = Some(ByteSize::gib(5));
    let files = kubernetes::render(&stackdef::validate(&stack).unwrap(), &options()).unwrap();
    let pg = &files
        .iter()
        .find(|f| f.name == "postgres.yaml")
        .unwrap()
        .content;
    assert!(pg.contains("kind: StatefulSet"), "{pg}");
    assert!(pg.contains("storage: 5Gi"), "{pg}");
    assert!(
        pg.contains("        readinessProbe:\n          exec:\n            command:\n            - /bin/sh\n            - -c\n            - pg_isready -U ${POSTGRES_USER:-postgres} -d ${POSTGRES_DB:-postgres}\n"),
        "{pg}"
    );
    assert!(pg.contains("startupProbe:"), "{pg}");
    assert!(!pg.contains("livenessProbe"), "{pg}");
    let backend = &files
        .iter()
        .find(|f| f.name == "backend.yaml")
        .unwrap()
        .content;
    // the dependency on a healthy database: an init container waiting for its port
    assert!(
        backend.contains("until nc -z -w 2 postgres 5432"),
        "{backend}"
    );
    // a URL built from variables: each defined first, then expanded by the kubelet
    assert!(
        backend.contains(
            "value: postgresql://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@postgres:5432/$(POSTGRES_DB)"
        ),
        "{backend}"
    );
    assert!(
        backend.contains("secretKeyRef:\n              name: inctra-secrets\n              key: POSTGRES_PASSWORD"),
        "{backend}"
    );
    // a volume without a size is refused, not given a default
    stack.volumes[0].size = None;
    let err = kubernetes::render(&stackdef::validate(&stack).unwrap(), &options()).unwrap_err();
    assert!(err.to_string().contains("postgres_data"), "{err}");
}

/// Two service names that map to one Kubernetes name are refused, naming both.
#[test]
fn names_that_collide_after_mapping_are_refused() {
    use stackdef::{Image, Service, ServiceName};
    let svc = |n: &str| {
        Service::builder()
            .name(ServiceName::new(n).unwrap())
            .source(Image::parse("example/app:1").unwrap())
            .build()
    };
    let stack = Stack::builder()
        .name("t".parse().unwrap())
        .services(vec![svc("web_api"), svc("web-api")])
        .build();
    let err = kubernetes::render(&stackdef::validate(&stack).unwrap(), &options()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("web-api") && text.contains("web_api"),
        "{text}"
    );
}
