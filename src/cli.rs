//! The command line shared by the examples: `[--out DIR] [--check | --check-env FILE | --dev-env FILE]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackdef::write::{self, Outcome, Plan};
use stackdef::{Error, Stack};

#[derive(Debug, PartialEq, Eq)]
struct Args {
    out: PathBuf,
    check: bool,
    check_env: Option<PathBuf>,
    dev_env: Option<PathBuf>,
}

fn command(default_out: &str) -> clap::Command {
    use clap::{Arg, ArgAction, ArgGroup, value_parser};
    let file = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name("FILE")
            .value_parser(value_parser!(PathBuf))
            .help(help)
    };
    clap::Command::new(
        std::env::args()
            .next()
            .and_then(|a| {
                Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "example".into()),
    )
    .about("Writes (or checks) the example stack's deploy files")
    .arg(
        Arg::new("out")
            .long("out")
            .value_name("DIR")
            .value_parser(value_parser!(PathBuf))
            .default_value(default_out.to_owned())
            .help("Write into DIR"),
    )
    .arg(
        Arg::new("check")
            .long("check")
            .action(ArgAction::SetTrue)
            .help("Write nothing; exit 1 with a diff when a file is missing, stale or extra"),
    )
    .arg(file(
        "check-env",
        "Check a filled-in env file against the stack (production rules)",
    ))
    .arg(file(
        "dev-env",
        "Write a development env file with fresh random secrets (mode 0600)",
    ))
    // one thing at a time: writing, checking the files, checking an env file, making one
    .group(
        ArgGroup::new("mode")
            .args(["check", "check-env", "dev-env"])
            .multiple(false),
    )
}

fn parse_args<I, T>(default_out: &str, argv: I) -> Result<Args, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let m = command(default_out).try_get_matches_from(argv)?;
    Ok(Args {
        out: m.get_one::<PathBuf>("out").cloned().unwrap_or_default(),
        check: m.get_flag("check"),
        check_env: m.get_one::<PathBuf>("check-env").cloned(),
        dev_env: m.get_one::<PathBuf>("dev-env").cloned(),
    })
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
    /// The Kubernetes base it writes too, if any.
    pub kubernetes: Option<Kubernetes>,
}

/// A Kubernetes base ([`stackdef::emit::kubernetes`]) a variant writes into a directory of
/// its own under the output directory (kustomize reads a directory).
#[derive(Debug)]
pub struct Kubernetes {
    /// The directory, relative to the output directory (`kubernetes`).
    pub dir: &'static str,
    /// How the manifests are written.
    pub options: stackdef::emit::kubernetes::KubeOptions,
}

/// Runs an example: builds each variant's stack, then writes or checks its files in one
/// directory (`--out`, else `default_out`). `--check-env` checks against the first variant.
pub fn run(default_out: &str, variants: &[Variant]) -> ExitCode {
    let args = match parse_args(default_out, std::env::args_os()) {
        Ok(a) => a,
        // `--help` on stdout with exit 0; a usage error on stderr with exit 2
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
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
    let mut outputs = vec![(args.out.clone(), files)];
    for v in variants {
        if let Some(k) = &v.kubernetes {
            let stack = (v.stack)()?;
            let base =
                stackdef::emit::kubernetes::render(&stackdef::validate(&stack)?, &k.options)?;
            outputs.push((args.out.join(k.dir), base));
        }
    }
    if args.check {
        let mut clean = true;
        for (dir, files) in &outputs {
            let drift = write::check_dir(dir, files)?;
            for d in &drift {
                print!("{d}");
            }
            if drift.is_empty() {
                println!("{} files up to date in {}", files.len(), dir.display());
            }
            clean &= drift.is_empty();
        }
        return Ok(clean);
    }
    for (dir, files) in &outputs {
        for w in write::write_dir(dir, files)? {
            let state = match w.outcome {
                Outcome::Written => "wrote",
                Outcome::Unchanged => "unchanged",
            };
            println!("{state:>9} {} ({} bytes)", w.path.display(), w.bytes);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        parse_args(
            "deploy",
            std::iter::once("example").chain(args.iter().copied()),
        )
    }

    #[test]
    fn every_option_in_both_spellings() {
        let a = parse(&["--out=x", "--check"]).unwrap();
        assert_eq!((a.out, a.check), (PathBuf::from("x"), true));
        let a = parse(&["--dev-env", ".env"]).unwrap();
        assert_eq!(a.dev_env, Some(PathBuf::from(".env")));
        assert_eq!(parse(&[]).unwrap().out, PathBuf::from("deploy"));
        assert_eq!(
            parse(&["--check-env=.env.prod"]).unwrap().check_env,
            Some(PathBuf::from(".env.prod"))
        );
    }

    #[test]
    fn help_is_not_an_error_and_two_modes_are() {
        let help = parse(&["--help"]).unwrap_err();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        assert!(!help.use_stderr());
        assert!(help.to_string().contains("--dev-env"));
        let both = parse(&["--dev-env", "a", "--check-env", "b"]).unwrap_err();
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(both.use_stderr());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn the_command_line_is_well_formed() {
        command("deploy").debug_assert();
    }
}
