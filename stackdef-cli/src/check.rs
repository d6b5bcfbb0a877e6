//! `stackdef check`: every stackdef rule, and a few production lints, on a compose project;
//! findings placed at their file, line and column.

use std::fmt::Write as _;

use stackdef::{Error, ProjectName, Source};

use crate::locate::{Place, locate};
use crate::project::Project;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The project breaks a rule: compose would refuse it, or it would not run as written.
    Error,
    /// It runs, but not as production should.
    Warning,
    /// What the check could not see (a key stackdef does not model, left out of the check).
    Note,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The rule (`port-clash`, `secret-default`, …).
    pub rule: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do, when the rule knows.
    pub hint: Option<String>,
    /// Where, in the project's document: keys from the root.
    pub at: Vec<String>,
    /// The file (index into the project's sources) and place, when found.
    pub place: Option<(usize, Place)>,
    /// Further facts (`b` is only enabled by profile `dev`).
    pub notes: Vec<String>,
}

/// The outcome of a check.
#[derive(Debug, Clone)]
pub struct Report {
    /// The findings, errors first, each group in file order.
    pub findings: Vec<Finding>,
    /// How many services were checked (`None`: the project could not be read into a stack).
    pub services: Option<usize>,
}

impl Report {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Splits a rule message at its hint (`…; give it one or wait for \`started\``).
fn split_hint(message: &str) -> (String, Option<String>) {
    match message.rsplit_once("; ") {
        Some((m, h)) => (m.to_owned(), Some(h.to_owned())),
        None => (message.to_owned(), None),
    }
}

/// Images whose ports should not face every interface.
const DATABASES: [&str; 18] = [
    "postgres",
    "postgis",
    "timescaledb",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "memcached",
    "rabbitmq",
    "elasticsearch",
    "opensearch",
    "clickhouse-server",
    "cassandra",
    "couchdb",
    "neo4j",
    "influxdb",
    "keydb",
];

/// Names that hold secrets.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// Checks `project`: reads it into a stack, runs `validate` and the lints.
pub fn check(project: &Project) -> Report {
    let mut findings = Vec::new();
    for (_, at, name) in &project.unset {
        findings.push(Finding {
            severity: Severity::Warning,
            rule: "unset-variable",
            message: format!("variable `{name}` is not set; compose reads it as an empty string"),
            hint: Some(format!(
                "set it in the env file, or write `${{{name}:-default}}` or `${{{name}:?why it is needed}}`"
            )),
            at: at.clone(),
            place: None,
            notes: Vec::new(),
        });
    }
    for d in &project.defaults {
        if secret_name(&d.name) {
            findings.push(Finding {
                severity: Severity::Warning,
                rule: "secret-default",
                message: format!(
                    "secret `{}` has a default in the file (`{}`): anyone who reads the file knows it",
                    d.name,
                    if d.default.len() > 40 { "…" } else { d.default.as_str() }
                ),
                hint: Some(format!(
                    "require it instead: `${{{}:?set {} in the env file}}`",
                    d.name, d.name
                )),
                at: d.at.clone(),
                place: None,
                notes: Vec::new(),
            });
        }
    }
    let (read, skipped) = read_stack_lenient(project);
    for (at, reason) in skipped {
        findings.push(Finding {
            severity: Severity::Note,
            rule: "not-checked",
            message: format!("`{}` is left out of the check: {reason}", at.join(".")),
            hint: None,
            at,
            place: None,
            notes: Vec::new(),
        });
    }
    let services = match read {
        Ok(stack) => {
            if let Err(problems) = stackdef::validate(&stack) {
                for p in problems {
                    let (message, hint) = split_hint(&p.message);
                    let mut notes = Vec::new();
                    for (name, profiles) in &project.disabled {
                        if p.at.len() == 4 && p.at[2] == "depends_on" && &p.at[3] == name {
                            notes.push(format!(
                                "`{name}` is left out: only profile(s) {} enable it",
                                profiles.join(", ")
                            ));
                        }
                    }
                    findings.push(Finding {
                        severity: Severity::Error,
                        rule: p.rule(),
                        message,
                        hint,
                        at: p.at.clone(),
                        place: None,
                        notes,
                    });
                }
            }
            lint(&stack, &mut findings);
            Some(stack.services.len())
        }
        Err(e) => {
            let (at, message) = (e.location(), e.to_string());
            findings.push(Finding {
                severity: Severity::Error,
                rule: "cannot-read",
                message: format!(
                    "stackdef cannot read this project, so its rules did not run: {message}"
                ),
                hint: None,
                at,
                place: None,
                notes: Vec::new(),
            });
            None
        }
    };
    for f in &mut findings {
        f.place = place(project, &f.at);
    }
    findings.sort_by_key(|f| {
        (
            f.severity,
            f.place.map(|(file, p)| (file, p.line, p.column)),
        )
    });
    Report { findings, services }
}

/// Service keys whose absence could make a rule report a defect that is not there: the check
/// gives up rather than leave one out.
const NEEDED: [&str; 4] = ["image", "build", "healthcheck", "profiles"];

/// The project as a stack, leaving out each service key the importer refuses (a key stackdef
/// does not model, or a value it cannot hold yet) so that the other rules still run: the stack,
/// and each key left out with the reason. Leaving a key out can hide a defect but never
/// invent one; a key whose absence could (a healthcheck, the image) is not left out.
pub fn read_stack_lenient(
    project: &Project,
) -> (
    stackdef::Result<stackdef::Stack>,
    Vec<(Vec<String>, String)>,
) {
    let mut project = project.clone();
    let mut skipped = Vec::new();
    for _ in 0..256 {
        let err = match read_stack(&project) {
            Ok(stack) => return (Ok(stack), skipped),
            Err(e) => e,
        };
        let Error::Invalid { value, reason, .. } = &err else {
            return (Err(err), skipped);
        };
        let owned = err.location();
        let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
        // `services.NAME.field` with the key as the value: a key not modelled
        // an unmodelled key inside an entry (`build.cache_from`, `ports[].name`): only it goes
        if keys.len() >= 4 && keys[0] == "services" && keys.last() == Some(&value.as_str()) {
            let inner: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
            if remove_nested(&mut project.doc, &inner) {
                skipped.push((inner, reason.clone()));
                continue;
            }
        }
        let key = match keys.as_slice() {
            ["services", _, "field"] => value.as_str(),
            ["services", _, key, ..] => key,
            // a top-level key nothing the model holds refers to (`configs`, `include`)
            ["field"]
                if !["services", "networks", "volumes", "secrets", "name"]
                    .contains(&value.as_str()) =>
            {
                if let Some(top) = project.doc.as_mapping_mut() {
                    top.remove(value.as_str());
                }
                skipped.push((vec![value.clone()], reason.clone()));
                continue;
            }
            _ => return (Err(err), skipped),
        };
        let service = keys[1];
        let removed = (!NEEDED.contains(&key))
            .then(|| {
                project
                    .doc
                    .get_mut("services")?
                    .get_mut(service)?
                    .as_mapping_mut()?
                    .remove(key)
            })
            .flatten();
        if removed.is_none() {
            return (Err(err), skipped);
        }
        let why = if keys.last() == Some(&"field") {
            reason.clone()
        } else {
            format!("`{value}`: {reason}")
        };
        skipped.push((vec!["services".into(), service.into(), key.into()], why));
        // a service in another's (or the host's) network namespace publishes nothing of its
        // own and joins no network: its ports and networks go with `network_mode`
        if key == "network_mode" {
            for companion in ["ports", "networks"] {
                let gone = project
                    .doc
                    .get_mut("services")
                    .and_then(|s| s.get_mut(service))
                    .and_then(|s| s.as_mapping_mut())
                    .and_then(|s| s.remove(companion));
                if gone.is_some() {
                    skipped.push((
                        vec!["services".into(), service.into(), companion.into()],
                        "it goes with `network_mode`, which the check leaves out".into(),
                    ));
                }
            }
        }
    }
    (read_stack(&project), skipped)
}

/// Removes the key at the end of `path`, following mappings by key and every item of a list;
/// whether anything was removed.
fn remove_nested(doc: &mut serde_yaml::Value, path: &[String]) -> bool {
    match (doc, path) {
        (serde_yaml::Value::Sequence(items), _) => {
            let mut any = false;
            for item in items {
                any |= remove_nested(item, path);
            }
            any
        }
        (serde_yaml::Value::Mapping(m), [key]) => m.remove(key.as_str()).is_some(),
        (serde_yaml::Value::Mapping(m), [key, rest @ ..]) => m
            .get_mut(key.as_str())
            .is_some_and(|v| remove_nested(v, rest)),
        _ => false,
    }
}

/// The project as a stack, through stackdef's importer.
pub fn read_stack(project: &Project) -> stackdef::Result<stackdef::Stack> {
    let text = serde_yaml::to_string(&project.doc).map_err(|e| Error::Yaml(e.to_string()))?;
    let name = ProjectName::new(project.name.as_str())?;
    stackdef::import::parse_named(&text, name)
}

fn lint(stack: &stackdef::Stack, out: &mut Vec<Finding>) {
    for s in &stack.services {
        let Source::Image(image) = &s.source else {
            continue;
        };
        let at = |k: &str| {
            vec![
                "services".to_owned(),
                s.name.as_str().to_owned(),
                k.to_owned(),
            ]
        };
        if image.digest().is_none() && matches!(image.tag(), None | Some("latest")) {
            out.push(Finding {
                severity: Severity::Warning,
                rule: "untagged-image",
                message: format!(
                    "`{}` runs `{image}`, whose `latest` moves with every release",
                    s.name
                ),
                hint: Some("pin a version tag (and, for production, a digest)".into()),
                at: at("image"),
                place: None,
                notes: Vec::new(),
            });
        }
        let repo = image.name().rsplit('/').next().unwrap_or("");
        if DATABASES.contains(&repo) {
            for p in &s.ports {
                let open = p.host_ip.is_none_or(|ip| ip.is_unspecified());
                if let (true, Some(published)) = (open, p.published) {
                    let mut at = at("ports");
                    at.push(published.to_string());
                    out.push(Finding {
                        severity: Severity::Warning,
                        rule: "database-port-public",
                        message: format!(
                            "`{}` ({repo}) publishes port {published} on every host interface",
                            s.name
                        ),
                        hint: Some(format!(
                            "bind it to the loopback interface (`127.0.0.1:{published}:{}`), or publish nothing: the other services reach it on the compose network",
                            p.target
                        )),
                        at,
                        place: None,
                        notes: Vec::new(),
                    });
                }
            }
        }
    }
}

/// Where `at` is: the file (last first: an override is where a value was set last) in which
/// the most of its keys are found.
fn place(project: &Project, at: &[String]) -> Option<(usize, Place)> {
    if at.is_empty() {
        return None;
    }
    let mut best: Option<(usize, Place, usize)> = None;
    for (i, src) in project.sources.iter().enumerate().rev() {
        if let Some((p, depth)) = locate(&src.text, at)
            && best.is_none_or(|(_, _, d)| depth > d)
        {
            best = Some((i, p, depth));
        }
    }
    best.map(|(i, p, _)| (i, p))
}

/// The report as a compiler prints it.
pub fn human(project: &Project, report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(out, "{}[{}]: {}", f.severity.as_str(), f.rule, f.message);
        if let Some((file, p)) = f.place {
            let src = &project.sources[file];
            let _ = writeln!(out, "  --> {}:{}:{}", src.path.display(), p.line, p.column);
            let line = src.text.lines().nth(p.line - 1).unwrap_or("");
            let num = p.line.to_string();
            let pad = " ".repeat(num.len());
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{num} | {line}");
            let _ = writeln!(
                out,
                "{pad} | {}{}",
                " ".repeat(p.column - 1),
                "^".repeat(p.len.max(1))
            );
        } else if !f.at.is_empty() {
            let _ = writeln!(out, "  --> {}", f.at.join("."));
        }
        let pad = match f.place {
            Some((_, p)) => " ".repeat(p.line.to_string().len()),
            None => " ".into(),
        };
        for n in &f.notes {
            let _ = writeln!(out, "{pad} = note: {n}");
        }
        if let Some(h) = &f.hint {
            let _ = writeln!(out, "{pad} = help: {h}");
        }
        out.push('\n');
    }
    let files: Vec<String> = project
        .sources
        .iter()
        .map(|s| s.path.display().to_string())
        .collect();
    let (e, w) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
    );
    let left = match report.count(Severity::Note) {
        0 => String::new(),
        n => format!(", {n} key(s) left out"),
    };
    match report.services {
        Some(n) => {
            let _ = writeln!(
                out,
                "{}: {n} services checked: {e} error(s), {w} warning(s){left} (routes are checked only in stacks with a proxy: a compose file has none)",
                files.join(", ")
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{}: not checked: {e} error(s), {w} warning(s)",
                files.join(", ")
            );
        }
    }
    out
}

/// The report as JSON, for CI.
pub fn json(project: &Project, report: &Report) -> String {
    let findings: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let (file, line, column) = match f.place {
                Some((i, p)) => (
                    Some(project.sources[i].path.display().to_string()),
                    Some(p.line),
                    Some(p.column),
                ),
                None => (None, None, None),
            };
            serde_json::json!({
                "severity": f.severity.as_str(),
                "rule": f.rule,
                "message": f.message,
                "hint": f.hint,
                "path": f.at,
                "file": file,
                "line": line,
                "column": column,
                "notes": f.notes,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "files": project.sources.iter().map(|s| s.path.display().to_string()).collect::<Vec<_>>(),
        "services": report.services,
        "errors": report.count(Severity::Error),
        "warnings": report.count(Severity::Warning),
        "findings": findings,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
