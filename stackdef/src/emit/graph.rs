//! The stack as a picture: Mermaid (`flowchart`) and Graphviz DOT, from one neutral graph.
//!
//! What is drawn: every service (its image or build context, replicas, published ports, marked
//! when `internal`), `depends_on` edges labelled with their condition, each proxy with its
//! servers (host names, TLS) and each route to its target (a service port, or the fixed
//! response, redirect or single-page app it serves), the named volumes each service mounts and
//! the networks it joins.
//!
//! Label lines longer than 96 characters are cut (with `…`). Every label is escaped for its format, character by character, so no name, path or URL
//! from the stack can end a label or add a statement: DOT labels are double-quoted with `\` and
//! `"` escaped; Mermaid labels are double-quoted with every character outside a small safe set
//! written as a numeric entity (`#35;`).

use std::fmt::Write as _;

use crate::GENERATED_MARKER;
use crate::check::Valid;
use crate::model::{Action, Condition, Mount, Placement, Proxy, Source, Stack, Tls};

/// What a node stands for; it decides the shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service {
        internal: bool,
    },
    Volume,
    Network,
    /// nginx on the host (a proxy placed in a service is that service's node).
    HostProxy,
    /// One `server` block: its host names.
    Server,
    /// What a route answers by itself: a fixed response, a redirect, an SPA's files.
    Answer,
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Depends,
    Route,
    Mount,
    Network,
    /// A proxy (a service or nginx on the host) to the servers it runs.
    Serves,
}

#[derive(Debug)]
struct Node {
    id: String,
    lines: Vec<String>,
    kind: Kind,
}

#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    label: Option<String>,
    style: Style,
}

/// The neutral graph both formats are written from.
#[derive(Debug, Default)]
struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

/// The longest label line drawn, in characters: a picture needs no more, and Graphviz refuses
/// a quoted string over 16 KiB (a 10,000-character build context once made one).
const LINE_MAX: usize = 96;

/// `line`, cut to [`LINE_MAX`] characters with `…` when longer.
fn short(line: String) -> String {
    match line.char_indices().nth(LINE_MAX - 1) {
        Some((cut, _)) if line[cut..].chars().nth(1).is_some() => format!("{}…", &line[..cut]),
        _ => line,
    }
}

impl Graph {
    fn node(&mut self, id: String, kind: Kind, lines: Vec<String>) {
        let lines = lines.into_iter().map(short).collect();
        self.nodes.push(Node { id, lines, kind });
    }
    fn edge(&mut self, from: &str, to: &str, label: Option<String>, style: Style) {
        self.edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            label: label.map(short),
            style,
        });
    }
}

fn service_id(stack: &Stack, name: &str) -> Option<String> {
    stack
        .services
        .iter()
        .position(|s| s.name.as_str() == name)
        .map(|i| format!("s{i}"))
}

fn source_line(source: &Source) -> String {
    match source {
        Source::Image(image) => image.to_string(),
        Source::Build(build, image) => {
            let mut s = format!("build {}", build.context);
            if let Some(t) = &build.target {
                let _ = write!(s, " (target {t})");
            }
            if let Some(i) = image {
                let _ = write!(s, " as {i}");
            }
            s
        }
    }
}

fn condition_label(c: Condition) -> &'static str {
    match c {
        Condition::Started => "started",
        Condition::Healthy => "healthy",
        Condition::CompletedSuccessfully => "completed",
    }
}

fn build(stack: &Stack) -> Graph {
    let mut g = Graph::default();
    for (i, s) in stack.services.iter().enumerate() {
        let mut lines = vec![s.name.as_str().to_owned(), source_line(&s.source)];
        if let Some(n) = s.deploy.as_ref().and_then(|d| d.replicas) {
            lines.push(format!("replicas: {n}"));
        }
        for p in &s.ports {
            let mut line = String::from("port ");
            if let Some(ip) = p.host_ip {
                let _ = write!(line, "{ip}:");
            }
            match p.published {
                Some(h) => {
                    let _ = write!(line, "{h} → {}", p.target);
                }
                None => {
                    let _ = write!(line, "* → {}", p.target);
                }
            }
            let _ = write!(line, "/{}", p.protocol.as_str());
            lines.push(line);
        }
        if s.internal {
            lines.push("internal".into());
        }
        g.node(
            format!("s{i}"),
            Kind::Service {
                internal: s.internal,
            },
            lines,
        );
    }
    for (i, v) in stack.volumes.iter().enumerate() {
        let mut lines = vec![format!("volume {}", v.name)];
        if v.external {
            lines.push("external".into());
        }
        g.node(format!("v{i}"), Kind::Volume, lines);
    }
    for (i, n) in stack.networks.iter().enumerate() {
        let mut lines = vec![format!("network {}", n.name)];
        if n.internal {
            lines.push("internal".into());
        }
        if n.external {
            lines.push("external".into());
        }
        g.node(format!("n{i}"), Kind::Network, lines);
    }
    for (i, s) in stack.services.iter().enumerate() {
        let from = format!("s{i}");
        for d in &s.depends_on {
            if let Some(to) = service_id(stack, d.service.as_str()) {
                let label = condition_label(d.condition).to_owned();
                g.edge(&from, &to, Some(label), Style::Depends);
            }
        }
        let shared = s.network_mode.as_ref().and_then(|m| m.service());
        for (to, label) in s
            .links
            .iter()
            .map(|l| (&l.service, "link"))
            .chain(shared.map(|x| (x, "network stack of")))
        {
            if let Some(to) = service_id(stack, to.as_str()) {
                g.edge(&from, &to, Some(label.to_owned()), Style::Depends);
            }
        }
        for m in &s.mounts {
            if let Mount::Volume {
                source,
                target,
                read_only,
            } = m
                && let Some(v) = stack.volumes.iter().position(|v| v.name == *source)
            {
                let ro = if *read_only { " (ro)" } else { "" };
                let label = format!("{target}{ro}");
                g.edge(&from, &format!("v{v}"), Some(label), Style::Mount);
            }
        }
        for n in &s.networks {
            if let Some(k) = stack.networks.iter().position(|x| x.name == n.network) {
                g.edge(&from, &format!("n{k}"), None, Style::Network);
            }
        }
    }
    for (p, proxy) in stack.proxies.iter().enumerate() {
        proxy_nodes(stack, &mut g, p, proxy);
    }
    g
}

fn proxy_nodes(stack: &Stack, g: &mut Graph, p: usize, proxy: &Proxy) {
    let owner = match &proxy.placement {
        Placement::Host => {
            let id = format!("p{p}");
            let lines = vec![format!("nginx on the host"), proxy.file.clone()];
            g.node(id.clone(), Kind::HostProxy, lines);
            Some(id)
        }
        Placement::Service(s) | Placement::Frontend(s) => service_id(stack, s.as_str()),
    };
    for (k, server) in proxy.servers.iter().enumerate() {
        let id = format!("p{p}h{k}");
        let scheme = match server.tls {
            Tls::Off => "http",
            Tls::LetsEncrypt | Tls::Files { .. } => "https",
        };
        let mut lines: Vec<String> = if server.names.is_empty() {
            vec![format!("{scheme} (any host)")]
        } else {
            server
                .names
                .iter()
                .map(|n| format!("{scheme}://{n}"))
                .collect()
        };
        if server.tls == Tls::LetsEncrypt {
            lines.push("Let's Encrypt".into());
        }
        g.node(id.clone(), Kind::Server, lines);
        if let Some(owner) = &owner {
            g.edge(owner, &id, Some(proxy.file.clone()), Style::Serves);
        }
        for (r, route) in server.routes.iter().enumerate() {
            let path = if route.exact {
                format!("= {}", route.path)
            } else {
                route.path.to_string()
            };
            let answer = |lines: Vec<String>, g: &mut Graph| {
                let a = format!("p{p}h{k}r{r}");
                g.node(a.clone(), Kind::Answer, lines);
                a
            };
            let (to, label) = match &route.action {
                Action::Proxy(up) => match service_id(stack, up.service.as_str()) {
                    Some(to) => {
                        let ws = if up.websocket { " (websocket)" } else { "" };
                        (to, format!("{path} → :{}{ws}", up.port))
                    }
                    None => continue,
                },
                Action::Spa { root, .. } => (answer(vec![format!("files {root}")], g), path),
                Action::Respond { status, .. } => {
                    (answer(vec![format!("respond {status}")], g), path)
                }
                Action::Redirect { status, to } => (
                    answer(
                        vec![format!("redirect {status}"), to.as_str().to_owned()],
                        g,
                    ),
                    path,
                ),
            };
            g.edge(&id, &to, Some(label), Style::Route);
        }
    }
}

/// The stack as a Mermaid `flowchart` (left to right), for Markdown renderers that draw
/// Mermaid. The first line is a Mermaid comment holding the generated-file marker.
pub fn to_mermaid(stack: &Valid<'_>) -> String {
    let g = build(stack);
    let mut out = format!("%% {}\nflowchart LR\n", super::header(stack));
    for n in &g.nodes {
        let label = n
            .lines
            .iter()
            .map(|l| mermaid_escape(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let (open, close) = match n.kind {
            Kind::Service { .. } => ("[\"", "\"]"),
            Kind::Volume => ("[(\"", "\")]"),
            Kind::Network => ("{{\"", "\"}}"),
            Kind::HostProxy => ("[/\"", "\"/]"),
            Kind::Server => ("([\"", "\"])"),
            Kind::Answer => (">\"", "\"]"),
        };
        let _ = writeln!(out, "    {}{open}{label}{close}", n.id);
    }
    for e in &g.edges {
        let arrow = match e.style {
            Style::Depends => "-->",
            Style::Route | Style::Serves => "==>",
            Style::Mount | Style::Network => "-.->",
        };
        match &e.label {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "    {} {arrow}|{}| {}",
                    e.from,
                    mermaid_escape(l),
                    e.to
                );
            }
            None => {
                let _ = writeln!(out, "    {} {arrow} {}", e.from, e.to);
            }
        }
    }
    let internal: Vec<&str> = g
        .nodes
        .iter()
        .filter(|n| n.kind == Kind::Service { internal: true })
        .map(|n| n.id.as_str())
        .collect();
    if !internal.is_empty() {
        out.push_str("    classDef internal stroke-dasharray: 5 5\n");
        let _ = writeln!(out, "    class {} internal", internal.join(","));
    }
    out
}

/// Characters a Mermaid label may hold as they are; everything else becomes `#NNN;`.
fn mermaid_safe(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ' ' | '.' | ',' | ':' | '/' | '_' | '-' | '*' | '@' | '→' | '…'
        )
}

fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if mermaid_safe(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", c as u32);
        }
    }
    out
}

/// The stack as a Graphviz `digraph` (left to right): `dot -Tsvg stack.dot -o stack.svg`. The
/// first line, starting with `#`, is a line Graphviz ignores holding the generated-file marker.
pub fn to_dot(stack: &Valid<'_>) -> String {
    let g = build(stack);
    let mut out = super::header(stack);
    out.push('\n');
    let _ = writeln!(out, "digraph {} {{", dot_quote(stack.name.as_str()));
    out.push_str("    rankdir=LR;\n");
    out.push_str("    node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=9];\n");
    for n in &g.nodes {
        let attrs = match n.kind {
            Kind::Service { internal: false } => "shape=box, style=rounded",
            Kind::Service { internal: true } => "shape=box, style=\"rounded,dashed\"",
            Kind::Volume => "shape=cylinder",
            Kind::Network => "shape=hexagon",
            Kind::HostProxy => "shape=parallelogram",
            Kind::Server => "shape=ellipse",
            Kind::Answer => "shape=note",
        };
        let label = n
            .lines
            .iter()
            .map(|l| dot_escape(l))
            .collect::<Vec<_>>()
            .join("\\n");
        let _ = writeln!(out, "    {} [label=\"{label}\", {attrs}];", n.id);
    }
    for e in &g.edges {
        let mut attrs: Vec<String> = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label=\"{}\"", dot_escape(l)));
        }
        attrs.extend(
            match e.style {
                Style::Depends => &[][..],
                Style::Route => &["penwidth=2"][..],
                Style::Serves => &["penwidth=2", "arrowhead=none"][..],
                Style::Mount => &["style=dashed", "color=gray40"][..],
                Style::Network => &["style=dotted", "arrowhead=none", "color=gray60"][..],
            }
            .iter()
            .map(|a| (*a).to_owned()),
        );
        let _ = writeln!(out, "    {} -> {} [{}];", e.from, e.to, attrs.join(", "));
    }
    out.push_str("}\n");
    out
}

/// A DOT string's content: `\` and `"` escaped, control characters (which the model refuses
/// anyway) as spaces.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", dot_escape(s))
}

/// Whether `content` begins with the generated-file marker, directly or behind the comment
/// leader of a format whose comments do not start with `#` (Mermaid's `%%`).
pub(crate) fn has_marker(content: &str) -> bool {
    content.starts_with(GENERATED_MARKER)
        || content
            .strip_prefix("%% ")
            .is_some_and(|c| c.starts_with(GENERATED_MARKER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_hold_no_syntax() {
        let e = mermaid_escape("a\"b]|c<br/>#x;\n");
        assert!(
            !e.contains(['"', ']', '|', '<', '>', '\n', '[', '(', ')', '{', '}']),
            "{e}"
        );
        assert_eq!(mermaid_escape("web:8000 /api"), "web:8000 /api");
    }

    #[test]
    fn long_lines_are_cut() {
        let exact = "x".repeat(LINE_MAX);
        assert_eq!(short(exact.clone()), exact);
        let cut = short("é".repeat(LINE_MAX + 1));
        assert_eq!(cut.chars().count(), LINE_MAX);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn dot_labels_cannot_end_the_string() {
        assert_eq!(dot_escape(r#"a"b\"#), r#"a\"b\\"#);
    }

    #[test]
    fn the_marker_is_found_behind_a_mermaid_comment() {
        assert!(has_marker(&format!("%% {GENERATED_MARKER} from stack `x`")));
        assert!(has_marker(GENERATED_MARKER));
        assert!(!has_marker("flowchart LR"));
    }
}
