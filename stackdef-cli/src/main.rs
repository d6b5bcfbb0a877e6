//! `stackdef`: check compose files against stackdef's rules and draw them.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

use stackdef_cli::check::{self, Severity};
use stackdef_cli::project::{self, LoadError, Options};

/// The files compose reads when none is named, in its order.
const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

fn project_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("files")
            .value_name("FILE")
            .num_args(0..)
            .value_parser(value_parser!(PathBuf))
            .help("Compose files, later ones overriding earlier ones (default: compose.yaml, …, docker-compose.yml)"),
    )
    .arg(
        Arg::new("file")
            .short('f')
            .long("file")
            .value_name("FILE")
            .action(ArgAction::Append)
            .value_parser(value_parser!(PathBuf))
            .help("A compose file, as `docker compose -f` (may be repeated)"),
    )
    .arg(
        Arg::new("env-file")
            .long("env-file")
            .value_name("FILE")
            .action(ArgAction::Append)
            .value_parser(value_parser!(PathBuf))
            .help("Env file to interpolate with (default: .env beside the first file)"),
    )
    .arg(
        Arg::new("profile")
            .long("profile")
            .value_name("PROFILE")
            .action(ArgAction::Append)
            .help("Enable a profile (also COMPOSE_PROFILES)"),
    )
    .arg(
        Arg::new("project-name")
            .short('p')
            .long("project-name")
            .value_name("NAME")
            .help("Project name (default: the file's `name:`, else its directory)"),
    )
}

fn output() -> Arg {
    Arg::new("output")
        .short('o')
        .long("output")
        .value_name("FILE")
        .value_parser(value_parser!(PathBuf))
        .help("Write here instead of standard output")
}

fn cli() -> Command {
    Command::new("stackdef")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Checks compose files against stackdef's rules and draws them")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            project_args(
                Command::new("check")
                    .about("Run every stackdef rule and the production lints; exit 1 on an error"),
            )
            .arg(
                Arg::new("format")
                    .long("format")
                    .value_parser(["human", "json"])
                    .default_value("human")
                    .help("Output format"),
            ),
        )
        .subcommand(
            project_args(
                Command::new("graph").about("Draw the project as Mermaid or Graphviz DOT"),
            )
            .arg(
                Arg::new("format")
                    .long("format")
                    .value_parser(["mermaid", "dot"])
                    .default_value("mermaid")
                    .help("Diagram format"),
            )
            .arg(output()),
        )
        .subcommand(
            project_args(
                Command::new("import").about(
                    "Write the project as a Rust module whose stack() builds it with stack!",
                ),
            )
            .arg(
                Arg::new("name")
                    .long("name")
                    .value_name("NAME")
                    .help("The stack's name (default: the project name)"),
            )
            .arg(output()),
        )
}

fn options(m: &ArgMatches, raw: bool) -> Result<Options, String> {
    let mut files: Vec<PathBuf> = m
        .get_many::<PathBuf>("file")
        .into_iter()
        .flatten()
        .chain(m.get_many::<PathBuf>("files").into_iter().flatten())
        .cloned()
        .collect();
    if files.is_empty() {
        let found = DEFAULT_FILES.iter().map(Path::new).find(|p| p.is_file());
        match found {
            Some(f) => files.push(f.to_owned()),
            None => {
                return Err(format!(
                    "no compose file named, and none of {} here",
                    DEFAULT_FILES.join(", ")
                ));
            }
        }
    }
    Ok(Options {
        files,
        env_files: m
            .get_many::<PathBuf>("env-file")
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        profiles: m
            .get_many::<String>("profile")
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        project_name: m.get_one::<String>("project-name").cloned(),
        no_process_env: false,
        raw,
    })
}

fn load(m: &ArgMatches, raw: bool) -> Result<project::Project, ExitCode> {
    let opts = options(m, raw).map_err(|e| fail(&e))?;
    project::load(&opts).map_err(|e| {
        let msg = match &e {
            LoadError::Yaml {
                path,
                message,
                place: Some((line, col)),
            } => format!("{}:{line}:{col}: {message}", path.display()),
            other => other.to_string(),
        };
        fail(&msg)
    })
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn run_check(m: &ArgMatches) -> ExitCode {
    let project = match load(m, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = check::check(&project);
    let text = match m.get_one::<String>("format").map(String::as_str) {
        Some("json") => check::json(&project, &report),
        _ => check::human(&project, &report),
    };
    print!("{text}");
    if report.services.is_none() {
        ExitCode::from(2)
    } else if report.count(Severity::Error) > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_graph(m: &ArgMatches) -> ExitCode {
    let project = match load(m, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (read, skipped) = check::read_stack_lenient(&project);
    for (at, reason) in skipped {
        eprintln!("note: `{}` is not drawn: {reason}", at.join("."));
    }
    let stack = match read {
        Ok(s) => s,
        Err(e) => return fail(&format!("stackdef cannot read this project: {e}")),
    };
    let valid = match stackdef::validate(&stack) {
        Ok(v) => v,
        Err(problems) => {
            for p in problems {
                eprintln!("error[{}]: {p}", p.rule());
            }
            eprintln!("error: the project breaks the rules above (`stackdef check` places them)");
            return ExitCode::from(1);
        }
    };
    let text = match m.get_one::<String>("format").map(String::as_str) {
        Some("dot") => stackdef::emit::graph::to_dot(&valid),
        _ => stackdef::emit::graph::to_mermaid(&valid),
    };
    emit(m, &text)
}

/// Writes `text` to `-o FILE`, else to standard output.
fn emit(m: &ArgMatches, text: &str) -> ExitCode {
    match m.get_one::<PathBuf>("output") {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("cannot write {}: {e}", path.display())),
        },
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("cannot write to standard output: {e}")),
            }
        }
    }
}

fn run_import(m: &ArgMatches) -> ExitCode {
    let mut project = match load(m, true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(n) = m.get_one::<String>("name") {
        project.name = n.clone();
        if let Some(doc) = project.doc.as_mapping_mut() {
            doc.remove("name");
        }
    }
    let stack = match check::read_stack(&project) {
        Ok(s) => s,
        Err(e) => return fail(&format!("stackdef cannot read this project: {e}")),
    };
    if let Err(problems) = stackdef::validate(&stack) {
        for p in problems {
            eprintln!("error[{}]: {p}", p.rule());
        }
        eprintln!(
            "error: the project breaks the rules above, so its module would not compile (`stackdef check` places them)"
        );
        return ExitCode::from(1);
    }
    let file = project
        .sources
        .iter()
        .map(|s| {
            s.path.file_name().map_or_else(
                || s.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(" + ");
    match stackdef_cli::codegen::to_rust(&stack, &file) {
        Ok(text) => match stackdef_cli::codegen::rustfmt(&text) {
            Some(formatted) => emit(m, &formatted),
            None => {
                eprintln!(
                    "note: rustfmt is not installed (or refused the module): written unformatted"
                );
                emit(m, &text)
            }
        },
        Err(e) => fail(&format!("cannot write this project as Rust: {e}")),
    }
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match matches.subcommand() {
        Some(("check", m)) => run_check(m),
        Some(("graph", m)) => run_graph(m),
        Some(("import", m)) => run_import(m),
        _ => fail("a subcommand is needed: `stackdef --help` lists them"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        super::cli().debug_assert();
    }
}
