//! Compile-fail cases of `stack!`: each defect class is an error on the user's own token.
//! Snapshots (`.stderr`) change only deliberately: `TRYBUILD=overwrite cargo test --test ui`,
//! then read every diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}

/// Every example stack compiles through the macro as a program of its own.
#[test]
fn ui_pass() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui-pass/*.rs");
}
