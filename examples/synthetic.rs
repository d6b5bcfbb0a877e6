//! `cargo run --release --example synthetic -- N [DIR]`: builds a synthetic stack of N services,
//! validates it and runs every emitter, printing the time taken; with DIR, writes the files
//! there (for the docker-compose and memory measurements of `benches/run.sh`).

fn main() -> Result<(), stackdef::Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let dir = args.next();
    let stack = stackdef_examples::synthetic::stack(n)?;
    let start = std::time::Instant::now();
    let bytes = stackdef_examples::synthetic::validate_and_emit(&stack)?;
    let took = start.elapsed();
    println!(
        "services={n} bytes={bytes} validate+emit={:.6}s",
        took.as_secs_f64()
    );
    if let Some(dir) = dir {
        // the compose file for docker-compose 1.29 (no `name:`), beside the other files
        let v1 = stackdef::emit::compose::ComposeOptions {
            target: stackdef::emit::compose::ComposeTarget::DockerCompose1,
        };
        let plan = stackdef::write::Plan {
            compose: Some(stackdef::write::ComposeFile {
                name: "docker-compose.yml".into(),
                options: v1,
            }),
            ..Default::default()
        };
        let files = stackdef::write::render(&stack, &plan)?;
        stackdef::write::write_dir(std::path::Path::new(&dir), &files)?;
    }
    Ok(())
}
