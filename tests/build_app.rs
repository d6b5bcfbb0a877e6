//! The application crate `examples/app` writes its deploy files from `build.rs`: a build that
//! finds them up to date writes nothing, and a stale file is rewritten by the next build.

mod support;

use std::process::Command;
use std::time::SystemTime;

fn build() -> String {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-p", "stackdef-example-app"])
        // a target dir of its own, so this build never waits on the one running the tests
        .env("CARGO_TARGET_DIR", support::root().join("target/app-build"))
        .current_dir(support::root())
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn mtimes(dir: &std::path::Path) -> Vec<(String, SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn second_build_writes_nothing_and_stale_files_are_rewritten() {
    let app = support::root().join("examples/app");
    let deploy = app.join("deploy");
    build();
    let before = mtimes(&deploy);
    // make cargo run the build script again
    let build_rs = app.join("build.rs");
    let text = std::fs::read_to_string(&build_rs).unwrap();
    std::fs::write(&build_rs, &text).unwrap();
    let second = build();
    assert!(!second.contains("stackdef wrote"), "{second}");
    // check::warnings() reach the user as cargo warnings, one line each
    assert!(
        second.contains(
            "warning: stackdef-example-app@0.1.0: stackdef: `db` runs `postgres:16-alpine` by tag"
        ),
        "{second}"
    );
    assert_eq!(mtimes(&deploy), before, "no file touched");

    let compose = deploy.join("docker-compose.yml");
    let good = std::fs::read_to_string(&compose).unwrap();
    std::fs::write(&compose, good.replace("redis:7.4-alpine", "redis:6")).unwrap();
    std::fs::write(&build_rs, &text).unwrap();
    let third = build();
    assert!(
        third.contains("stackdef wrote") && third.contains("docker-compose.yml"),
        "{third}"
    );
    assert_eq!(std::fs::read_to_string(&compose).unwrap(), good);
}
