//! Every external judge the suite trusts is shown to fail: a known-bad input must make it
//! refuse, and a known-good one must pass. A judge that cannot fail proves nothing.

mod support;

use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GOOD_COMPOSE: &str =
    "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - 8080:80/tcp\n";

#[test]
fn compose_v2_refuses_a_bad_file_and_warns_on_an_unset_variable() {
    let dir = support::scratch("judge-compose-v2");
    let env = write(&dir, "empty.env", "");
    let good = write(&dir, "good.yml", GOOD_COMPOSE);
    support::judge_compose_v2(&good, &env).expect("a good file passes");
    let dangling = write(
        &dir,
        "dangling.yml",
        "services:\n  a:\n    image: x\n    depends_on: [b]\n",
    );
    let err = support::judge_compose_v2(&dangling, &env).expect_err("a dangling depends_on");
    assert!(err.contains("undefined service"), "{err}");
    // a warning is a refusal too: compose v2 only warns on an unset variable
    let unset = write(
        &dir,
        "unset.yml",
        "services:\n  a:\n    image: x\n    environment:\n      - V=${STACKDEF_UNSET_VAR}\n",
    );
    let err = support::judge_compose_v2(&unset, &env).expect_err("an unset variable");
    assert!(err.contains("STACKDEF_UNSET_VAR"), "{err}");
    let json = support::compose_v2_json(&good, &env).unwrap();
    assert_eq!(json["services"]["a"]["image"].as_str(), Some("nginx:1.27"));
}

#[test]
fn docker_compose_1_29_refuses_a_bad_file() {
    let dir = support::scratch("judge-compose-v1");
    let env = write(&dir, "empty.env", "");
    let good = write(&dir, "good.yml", GOOD_COMPOSE);
    support::judge_docker_compose(&good, &env).expect("a good file passes");
    let bad = write(
        &dir,
        "bad.yml",
        "services:\n  a:\n    image: x\n    depends_on: [b]\n",
    );
    support::judge_docker_compose(&bad, &env).expect_err("a dangling depends_on");
}

#[test]
fn compose_schema_refuses_an_unknown_key() {
    let dir = support::scratch("judge-schema");
    support::judge_compose_schema(&write(&dir, "good.yml", GOOD_COMPOSE)).expect("good");
    let bad = write(
        &dir,
        "bad.yml",
        "services:\n  a:\n    image: x\n    imagee: y\n",
    );
    support::judge_compose_schema(&bad).expect_err("an unknown key");
}

const NGINX_HEAD: &str = "events {}\nhttp {\n";

#[test]
fn nginx_t_refuses_a_bad_directive_and_a_warning() {
    let dir = support::scratch("judge-nginx-bad");
    write(
        &dir,
        "bad.conf",
        &format!("{NGINX_HEAD}  server {{ listen 80; no_such_directive on; }}\n}}\n"),
    );
    let err = support::judge_live_nginx("syntax", &dir).expect_err("an unknown directive");
    assert!(err.contains("FAIL nginx -t accepts bad.conf"), "{err}");
    let dir = support::scratch("judge-nginx-warn");
    // nginx -t exits 0 here, warning "conflicting server name": the second server never answers
    write(
        &dir,
        "warn.conf",
        &format!(
            "{NGINX_HEAD}  server {{ listen 80; server_name a.example; return 200; }}\n  server {{ listen 80; server_name a.example; return 204; }}\n}}\n"
        ),
    );
    let err = support::judge_live_nginx("syntax", &dir).expect_err("a warning");
    assert!(err.contains("conflicting server name"), "{err}");
    let dir = support::scratch("judge-nginx-good");
    write(
        &dir,
        "good.conf",
        &format!("{NGINX_HEAD}  server {{ listen 80; return 204; }}\n}}\n"),
    );
    support::judge_live_nginx("syntax", &dir).expect("a good file passes");
}

#[test]
fn gixy_reports_a_header_redefinition() {
    let dir = support::scratch("judge-gixy");
    let bad = write(
        &dir,
        "bad.conf",
        &format!(
            "{NGINX_HEAD}  server {{\n    listen 80;\n    add_header X-Frame-Options DENY always;\n    location / {{ add_header X-Extra 1; return 204; }}\n  }}\n}}\n"
        ),
    );
    support::judge_gixy(&bad).expect_err("add_header in a location drops the server's headers");
}

#[test]
fn dotenv_linter_reports_a_bad_line() {
    let dir = support::scratch("judge-dotenv");
    let tool = support::tool("STACKDEF_DOTENV_LINTER", "dotenv-linter");
    let good = write(&dir, "good.env", "A=1\nB=2\n");
    let (ok, out) = support::run(std::process::Command::new(&tool).arg(&good));
    assert!(ok, "{out}");
    let bad = write(&dir, "bad.env", "B=2\nA=1\nA=3\nlower = x\n");
    let (ok, out) = support::run(std::process::Command::new(&tool).arg(&bad));
    assert!(!ok, "dotenv-linter accepted a duplicated key:\n{out}");
}

#[test]
fn compose_lint_reports_an_unhardened_service_and_not_a_hardened_one() {
    let dir = support::scratch("judge-compose-lint");
    let bad = write(
        &dir,
        "bad.yml",
        "services:\n  a:\n    image: nginx:1.27\n    privileged: true\n    ports:\n      - 8080:80/tcp\n",
    );
    let found = support::compose_lint(&bad);
    let rules: Vec<&str> = found.iter().map(|(_, r, _)| r.as_str()).collect();
    for rule in [
        "CL-0002", "CL-0003", "CL-0005", "CL-0006", "CL-0019", "CL-0026",
    ] {
        assert!(
            rules.contains(&rule),
            "compose-lint missed {rule}: {found:?}"
        );
    }
    assert!(
        found.iter().any(|(_, _, s)| s == "high" || s == "critical"),
        "{found:?}"
    );
    // what stackdef writes for a locked service with a digest, limits and a loopback port
    let digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let good = write(
        &dir,
        "good.yml",
        &format!(
            "services:\n  a:\n    image: nginx:1.27@{digest}\n    ports:\n      - 127.0.0.1:8080:80/tcp\n    \
             security_opt: [no-new-privileges:true]\n    cap_drop: [ALL]\n    read_only: true\n    \
             deploy:\n      resources:\n        limits:\n          cpus: '0.5'\n          memory: 128m\n"
        ),
    );
    assert_eq!(support::compose_lint(&good), []);
}

#[test]
fn graphviz_refuses_a_syntax_error_and_an_unescaped_quote() {
    let dir = support::scratch("judge-dot");
    let good = write(
        &dir,
        "good.dot",
        "digraph \"s\" {\n    a [label=\"x\\\"y\"];\n    a -> b;\n}\n",
    );
    let svg = support::judge_dot(&good).expect("a good file renders");
    assert!(svg.contains("<svg"), "{svg}");
    let dangling = write(&dir, "dangling.dot", "digraph s {\n    a -> ;\n}\n");
    let err = support::judge_dot(&dangling).expect_err("an edge without a head");
    assert!(err.contains("syntax error"), "{err}");
    let quote = write(
        &dir,
        "quote.dot",
        "digraph s {\n    a [label=\"x\"y\"];\n}\n",
    );
    support::judge_dot(&quote).expect_err("a quote that ends the label early");
}
