//! The command line shared by the examples: `[--out DIR] [--check] [--check-env FILE]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackdef::write::{self, Outcome, Plan};
use stackdef::{Error, Stack};

struct Args {
    out: PathBuf,
    check: bool,
    check_env: Option<PathBuf>,
    dev_env: Option<PathBuf>,
}

const USAGE: &str = "usage: [--out DIR] [--check] [--check-env FILE]
  --out DIR         write into DIR (default: the example's own deploy directory)
  --check           write nothing; exit 1 with a diff when a file is missing, stale or extra
  --check-env FILE  check a filled-in env file against the stack (production rules)
  --dev-env FILE    write a development env file with fresh random secrets (mode 0600)";

fn parse_args(default_out: &str) -> Result<Args, String> {
    let mut args = Args {
        out: PathBuf::from(default_out),
        check: false,
        check_env: None,
        dev_env: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => args.out = it.next().ok_or("`--out` needs a directory")?.into(),
            "--check" => args.check = true,
            "--check-env" => {
                args.check_env = Some(it.next().ok_or("`--check-env` needs a file")?.into());
            }
            "--dev-env" => {
                args.dev_env = Some(it.next().ok_or("`--dev-env` needs a file")?.into());
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

/// One stack an example writes, with the files it writes.
#[derive(Debug)]
pub struct Variant {
    /// A name for messages (`inctra`, `ai-scrum-master (development)`).
    pub name: &'static str,
    /// Builds the stack.
    pub stack: fn() -> Result<Stack, Error>,
    /// Which files, under which names.
    pub plan: Plan,
}

/// Runs an example: builds each variant's stack, then writes or checks its files in one
/// directory (`--out`, else `default_out`). `--check-env` checks against the first variant.
pub fn run(default_out: &str, variants: &[Variant]) -> ExitCode {
    let args = match parse_args(default_out) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match run_with(variants, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// One line about the stack: what it holds.
pub fn summary(name: &str, stack: &Stack) -> String {
    let routes: usize = stack
        .proxies
        .iter()
        .flat_map(|p| &p.servers)
        .map(|s| s.routes.len())
        .sum();
    format!(
        "stack `{name}`: {} services, {} volumes, {} networks, {} proxies with {routes} routes, {} variables",
        stack.services.len(),
        stack.volumes.len(),
        stack.networks.len(),
        stack.proxies.len(),
        stack.env.len()
    )
}

fn run_with(variants: &[Variant], args: &Args) -> Result<bool, Error> {
    let mut files = Vec::new();
    for v in variants {
        let stack = (v.stack)()?;
        if let Some(file) = &args.check_env {
            return check_env(&stack, file);
        }
        if let Some(file) = &args.dev_env {
            write::write_private(
                file,
                &stackdef::emit::env::to_dev_env(&stackdef::validate(&stack)?)?,
            )?;
            println!("wrote {} (mode 0600) with fresh secrets", file.display());
            return Ok(true);
        }
        for w in stackdef::check::warnings(&stack) {
            eprintln!("warning: {w}");
        }
        println!("{}", summary(v.name, &stack));
        for f in write::render(&stack, &v.plan)? {
            if files.iter().any(|g: &write::File| g.name == f.name) {
                return Err(Error::invalid(
                    "output file name",
                    &f.name,
                    "two variants write this file",
                ));
            }
            files.push(f);
        }
    }
    if args.check {
        let drift = write::check_dir(&args.out, &files)?;
        for d in &drift {
            print!("{d}");
        }
        if drift.is_empty() {
            println!("{} files up to date in {}", files.len(), args.out.display());
        }
        return Ok(drift.is_empty());
    }
    for w in write::write_dir(&args.out, &files)? {
        let state = match w.outcome {
            Outcome::Written => "wrote",
            Outcome::Unchanged => "unchanged",
        };
        println!("{state:>9} {} ({} bytes)", w.path.display(), w.bytes);
    }
    Ok(true)
}

fn check_env(stack: &Stack, file: &Path) -> Result<bool, Error> {
    use stackdef::env_file::{Profile, check_env_file};
    let text = std::fs::read_to_string(file).map_err(|source| Error::Io {
        path: file.to_path_buf(),
        source,
    })?;
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
