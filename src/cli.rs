//! The command line shared by the examples: `[--out DIR] [--check]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackdef::emit::compose::{self, ComposeOptions, ComposeTarget};
use stackdef::{Error, Stack};

/// A file an example writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The compose file (compose specification).
    Compose,
    /// The nginx file of the stack's proxy written to this file name.
    Nginx(&'static str),
    /// The first-start (no certificates yet) variant of that proxy's file.
    NginxBootstrap(&'static str),
    /// The env template, for an env file of this name.
    EnvTemplate(&'static str),
}

/// Renders one output of `stack`.
pub fn render(stack: &Stack, output: Output) -> Result<String, Error> {
    match output {
        Output::Compose => compose::to_yaml_with(
            stack,
            ComposeOptions {
                target: ComposeTarget::Spec,
            },
        ),
        Output::Nginx(file) => {
            let proxy = stack
                .proxies
                .iter()
                .find(|p| p.file == file)
                .ok_or_else(|| {
                    Error::invalid(
                        "nginx file",
                        file,
                        "the stack has no proxy writing this file",
                    )
                })?;
            stackdef::emit::nginx::to_conf(stack, proxy)
        }
        Output::NginxBootstrap(file) => {
            let proxy = stack
                .proxies
                .iter()
                .find(|p| p.file == file)
                .ok_or_else(|| {
                    Error::invalid(
                        "nginx file",
                        file,
                        "the stack has no proxy writing this file",
                    )
                })?;
            stackdef::emit::nginx::to_bootstrap_conf(stack, proxy)
        }
        Output::EnvTemplate(target) => stackdef::emit::env::to_template(stack, target),
    }
}

struct Args {
    out: PathBuf,
    check: bool,
    check_env: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        out: PathBuf::from("deploy"),
        check: false,
        check_env: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => args.out = it.next().ok_or("`--out` needs a directory")?.into(),
            "--check" => args.check = true,
            "--check-env" => {
                args.check_env = Some(it.next().ok_or("`--check-env` needs a file")?.into());
            }
            "-h" | "--help" => {
                return Err("usage: [--out DIR] [--check] [--check-env FILE]\n  --out DIR         write into DIR (default `deploy`)\n  --check           write nothing; exit 1 when a file is missing or stale\n  --check-env FILE  check a filled-in env file against the stack (production rules)".into());
            }
            other => return Err(format!("unknown argument `{other}`; try `--help`")),
        }
    }
    Ok(args)
}

/// Runs an example: builds the stack, then writes or checks its files.
pub fn run(
    name: &str,
    stack: fn() -> Result<Stack, Error>,
    outputs: &[(&str, Output)],
) -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match run_with(name, stack, outputs, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_with(
    name: &str,
    stack: fn() -> Result<Stack, Error>,
    outputs: &[(&str, Output)],
    args: &Args,
) -> Result<bool, Error> {
    let stack = stack()?;
    if let Some(file) = &args.check_env {
        return check_env(&stack, file);
    }
    for w in stackdef::check::warnings(&stack) {
        eprintln!("warning: {w}");
    }
    let routes: usize = stack
        .proxies
        .iter()
        .flat_map(|p| &p.servers)
        .map(|s| s.routes.len())
        .sum();
    println!(
        "stack `{name}`: {} services, {} volumes, {} networks, {} routes, {} variables",
        stack.services.len(),
        stack.volumes.len(),
        stack.networks.len(),
        routes,
        stack.env.len()
    );
    let mut fresh = true;
    for (file, output) in outputs {
        let text = render(&stack, *output)?;
        let path = args.out.join(file);
        let old = std::fs::read_to_string(&path).ok();
        let state = match (&old, args.check) {
            (Some(o), _) if *o == text => "unchanged",
            (None, true) => {
                fresh = false;
                "missing"
            }
            (Some(o), true) => {
                fresh = false;
                print!("{}", unified_diff(o, &text, &path));
                "stale"
            }
            (_, false) => {
                write_atomic(&path, &text)?;
                "wrote"
            }
        };
        println!("{state:>9} {} ({} bytes)", path.display(), text.len());
    }
    Ok(fresh)
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let tmp = path.with_extension("stackdef-tmp");
    std::fs::write(&tmp, text).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

/// A unified diff from `old` (on disk) to `new` (what the stack emits).
pub fn unified_diff(old: &str, new: &str, path: &Path) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(
            &format!("{} (on disk)", path.display()),
            &format!("{} (from the stack)", path.display()),
        )
        .to_string()
}

fn check_env(stack: &Stack, file: &Path) -> Result<bool, Error> {
    use stackdef::emit::env::{Profile, check_env_file};
    let text = std::fs::read_to_string(file).map_err(|e| io_err(file, e))?;
    match check_env_file(stack, &text, Profile::Production) {
        Ok(()) => {
            println!("{}: every variable is set and valid", file.display());
            Ok(true)
        }
        Err(problems) => {
            for p in &problems {
                println!("{}: {p}", file.display());
            }
            Ok(false)
        }
    }
}
