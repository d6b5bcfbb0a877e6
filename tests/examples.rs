//! Every example stack: its files match the committed `deploy/` files, and every real validator accepts
//! them (compose-spec schema, docker-compose 1.29, nginx -t, gixy-ng, dotenv-linter).

mod support;

use stackdef_examples::ai_scrum_master;
use stackdef_examples::inctra;
use stackdef_examples::ticket_tracking;

use std::path::Path;
use std::process::Command;

use stackdef::emit::compose::{self, ComposeOptions, ComposeTarget};
use stackdef::write;
use stackdef_examples::cli::Variant;

fn examples() -> Vec<(&'static str, Vec<Variant>)> {
    vec![
        (
            "inctra",
            vec![Variant {
                name: "inctra",
                stack: inctra::stack,
                plan: inctra::plan(),
                kubernetes: Some(inctra::kubernetes()),
            }],
        ),
        ("ai-scrum-master", ai_scrum_master::variants()),
        ("ticket-tracking", ticket_tracking::variants().unwrap()),
    ]
}

/// Writes every file of an example into a scratch directory.
fn write_example(name: &str, variants: &[Variant]) -> std::path::PathBuf {
    let dir = support::scratch(&format!("example-{name}"));
    for v in variants {
        let stack = (v.stack)().unwrap();
        let files = write::render(&stack, &v.plan).unwrap();
        write::write_dir(&dir, &files).unwrap();
    }
    dir
}

#[test]
fn compose_files_pass_schema_and_docker_compose() {
    for (name, variants) in examples() {
        let dir = support::scratch(&format!("example-compose-{name}"));
        for v in &variants {
            let stack = (v.stack)().unwrap();
            let spec = dir.join("spec.yml");
            std::fs::write(
                &spec,
                compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap(),
            )
            .unwrap();
            support::check_compose_schema(&spec);
            // docker-compose checks that build contexts exist, as they do in the app's repository
            for svc in &stack.services {
                if let stackdef::Source::Build(b, _) = &svc.source {
                    std::fs::create_dir_all(dir.join(&b.context)).unwrap();
                }
            }
            let legacy = dir.join("legacy.yml");
            let v1 = ComposeOptions {
                target: ComposeTarget::DockerCompose1,
            };
            std::fs::write(
                &legacy,
                compose::to_yaml_with(&stackdef::validate(&stack).unwrap(), v1).unwrap(),
            )
            .unwrap();
            let env = dir.join("filled.env");
            let template =
                stackdef::emit::env::to_template(&stackdef::validate(&stack).unwrap(), ".env")
                    .unwrap();
            std::fs::write(&env, support::fill_env(&template)).unwrap();
            support::check_compose_v2(&spec, &env);
            support::check_docker_compose(&legacy, &env);
        }
    }
}

/// Secure by default: compose-lint finds nothing at medium or above in any example's compose
/// file but what a named hardening opt-out of that service explains, and every opt-out explains
/// a finding (no excuse is left standing after its cause is gone).
#[test]
fn compose_lint_finds_only_what_opt_outs_explain() {
    for (name, variants) in examples() {
        let dir = support::scratch(&format!("example-lint-{name}"));
        for (i, v) in variants.iter().enumerate() {
            let stack = (v.stack)().unwrap();
            let file = dir.join(format!("compose-{i}.yml"));
            std::fs::write(
                &file,
                compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap(),
            )
            .unwrap();
            let mut found: Vec<(String, String)> = support::compose_lint(&file)
                .into_iter()
                .filter(|(_, _, severity)| severity != "low" && severity != "info")
                .map(|(service, rule, _)| (service, rule))
                .collect();
            found.sort();
            found.dedup();
            let mut explained: Vec<(String, String)> = stack
                .services
                .iter()
                .flat_map(|s| {
                    s.hardening
                        .opt_outs()
                        .map(move |(o, _)| (s.name.to_string(), o.lint_rule().to_owned()))
                })
                .collect();
            explained.sort();
            assert_eq!(
                found, explained,
                "{name} ({}): compose-lint findings vs opt-outs",
                v.name
            );
            // with the exclusions stackdef writes, compose-lint itself finds nothing left
            let config = dir.join(format!("lint-{i}.yml"));
            std::fs::write(
                &config,
                compose::lint_config(&stackdef::validate(&stack).unwrap()).unwrap(),
            )
            .unwrap();
            let left: Vec<_> = support::compose_lint_with(&file, Some(&config))
                .into_iter()
                .filter(|(_, _, severity)| severity != "low" && severity != "info")
                .collect();
            assert_eq!(
                left,
                [],
                "{name} ({}): findings left with the exclusions",
                v.name
            );
            assert!(
                stackdef::check::warnings(&stack).is_empty(),
                "{name}: {:?}",
                stackdef::check::warnings(&stack)
            );
        }
    }
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

#[test]
fn nginx_files_pass_nginx_t_and_gixy() {
    for (name, variants) in examples() {
        let dir = write_example(&format!("{name}-nginx"), &variants);
        support::live_nginx("syntax", &dir);
        for conf in files_ending(&dir, ".conf") {
            let text = std::fs::read_to_string(&conf).unwrap();
            if text.contains("events {") {
                support::check_gixy(&conf);
            } else {
                let main = dir.join(format!(
                    "{}.main",
                    conf.file_name().unwrap().to_string_lossy()
                ));
                let wrapper = format!(
                    "events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n    include {};\n}}\n",
                    conf.display()
                );
                std::fs::write(&main, wrapper).unwrap();
                support::check_gixy(&main);
            }
        }
    }
}

#[test]
fn diagrams_render_with_graphviz_and_the_readme_picture_is_current() {
    for (name, variants) in examples() {
        let dir = write_example(&format!("{name}-graph"), &variants);
        let dots = files_ending(&dir, ".dot");
        assert_eq!(
            dots.len(),
            variants.len(),
            "{name}: one diagram per variant"
        );
        for dot in dots {
            support::check_dot(&dot);
            // the Mermaid twin draws the same nodes
            let mmd = std::fs::read_to_string(dot.with_extension("mmd")).unwrap();
            let dot_text = std::fs::read_to_string(&dot).unwrap();
            // a node statement: an id, then (DOT) ` [label=` or (Mermaid) a shape's opening
            let nodes = |text: &str, opens: &[&str]| {
                text.lines()
                    .filter_map(|l| l.strip_prefix("    "))
                    .filter(|l| {
                        let rest = l.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
                        rest.len() < l.len() && opens.iter().any(|o| rest.starts_with(o))
                    })
                    .count()
            };
            let shapes = ["[\"", "[(\"", "{{\"", "[/\"", "([\"", ">\""];
            assert_eq!(
                nodes(&dot_text, &[" [label="]),
                nodes(&mmd, &shapes),
                "{}",
                dot.display()
            );
        }
    }
    // the README shows inctra's diagram: Graphviz's rendering of the committed deploy/stack.dot
    let svg = support::check_dot(&support::root().join("deploy/stack.dot"));
    let picture = support::root().join("docs/inctra.svg");
    if std::env::var_os("STACKDEF_BLESS").is_some() {
        std::fs::write(&picture, &svg).unwrap();
    }
    let strip = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains("Generated by graphviz version"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let committed = std::fs::read_to_string(&picture).unwrap();
    assert!(
        strip(&committed) == strip(&svg),
        "docs/inctra.svg is not Graphviz's rendering of deploy/stack.dot: run `dot -Tsvg deploy/stack.dot -o docs/inctra.svg`"
    );
}

#[test]
fn env_templates_pass_dotenv_linter() {
    let tool = support::tool("STACKDEF_DOTENV_LINTER", "dotenv-linter");
    for (name, variants) in examples() {
        let dir = write_example(&format!("{name}-env"), &variants);
        for file in files_ending(&dir, ".example") {
            let (ok, out) = support::run(Command::new(&tool).arg(&file));
            assert!(ok, "dotenv-linter on {}:\n{out}", file.display());
        }
    }
}

/// The one copy of the expected files is what the examples write into `deploy/`: it must hold
/// exactly what they render now — nothing stale, missing or left over. After a deliberate
/// change, run the example (or `STACKDEF_BLESS=1 cargo test --test examples`) and read the diff
/// before committing.
#[test]
fn committed_deploy_directories_are_up_to_date() {
    let dirs = [
        ("inctra", "deploy"),
        ("ai-scrum-master", "deploy/ai-scrum-master"),
        ("ticket-tracking", "deploy/ticket-tracking"),
    ];
    for ((name, variants), (_, dir)) in examples().into_iter().zip(dirs) {
        let mut files = Vec::new();
        for v in &variants {
            files.extend(write::render(&(v.stack)().unwrap(), &v.plan).unwrap());
        }
        if std::env::var_os("STACKDEF_BLESS").is_some() {
            write::write_dir(&support::root().join(dir), &files).unwrap();
        }
        let drift = write::check_dir(&support::root().join(dir), &files).unwrap();
        let text: String = drift.iter().map(ToString::to_string).collect();
        assert!(
            drift.is_empty(),
            "{name}: `cargo run --example` output is not committed:\n{text}"
        );
    }
}
