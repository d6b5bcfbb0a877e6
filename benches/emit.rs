//! `cargo bench --bench emit`: validate + all three emitters on synthetic stacks of 10 to
//! 10,000 services, against the floor: serde_yaml alone serializing the same compose document.
//! Read the ratios in the output (see `benches/run.sh` for the whole set of figures).

use stackdef_examples::synthetic;

fn main() {
    divan::main();
}

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// validate + compose + nginx + env template.
#[divan::bench(args = SIZES, sample_count = 20)]
fn validate_and_emit(bencher: divan::Bencher, n: usize) {
    let stack = synthetic::stack(n).expect("stack");
    bencher.bench_local(|| synthetic::validate_and_emit(divan::black_box(&stack)).expect("emit"));
}

/// validate + the compose emitter alone (the part the floor below is the same data as).
#[divan::bench(args = SIZES, sample_count = 20)]
fn validate_and_compose(bencher: divan::Bencher, n: usize) {
    let stack = synthetic::stack(n).expect("stack");
    bencher.bench_local(|| {
        stackdef::emit::compose::to_yaml(&stackdef::validate(divan::black_box(&stack)).unwrap())
            .expect("emit")
            .len()
    });
}

/// validate + the Kubernetes base of the same stack (issue: within 1.5× of compose alone).
#[divan::bench(args = [1_000, 10_000], sample_count = 20)]
fn validate_and_kubernetes(bencher: divan::Bencher, n: usize) {
    let mut stack = synthetic::stack(n).expect("stack");
    for v in &mut stack.volumes {
        v.size = Some(stackdef::ByteSize::gib(1));
    }
    let mut options = stackdef::emit::kubernetes::KubeOptions::new("registry.example.com/b", "1");
    options.gateway_class = Some("bench".into());
    bencher.bench_local(|| {
        stackdef::emit::kubernetes::render(
            &stackdef::validate(divan::black_box(&stack)).unwrap(),
            &options,
        )
        .expect("emit")
        .len()
    });
}

/// The floor: serde_yaml serializing the compose document of the same stack (parsed from our own
/// output, so it holds exactly the same data).
#[divan::bench(args = SIZES, sample_count = 20)]
fn serde_yaml_floor(bencher: divan::Bencher, n: usize) {
    let stack = synthetic::stack(n).expect("stack");
    let yaml =
        stackdef::emit::compose::to_yaml(&stackdef::validate(&stack).unwrap()).expect("emit");
    let value: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("parse");
    bencher.bench_local(|| serde_yaml::to_string(divan::black_box(&value)).expect("serialize"));
}

/// validate + all emitters from 250 to 20,000 services: `benches/run.sh` prints the time per
/// service, which shows where the growth of the 10,000 / 1,000 ratio comes from.
#[divan::bench(args = [250, 500, 1_000, 2_000, 4_000, 10_000, 20_000], sample_count = 10)]
fn per_service_curve(bencher: divan::Bencher, n: usize) {
    let stack = synthetic::stack(n).expect("stack");
    bencher.bench_local(|| synthetic::validate_and_emit(divan::black_box(&stack)).expect("emit"));
}

/// A baseline for the scaling figure: a deep clone of the same stack, linear work that touches
/// all of its data once, so its 10,000 / 1,000 ratio is what this machine's memory hierarchy
/// alone does to a linear pass.
#[divan::bench(args = [1_000, 10_000], sample_count = 20)]
fn clone_stack(bencher: divan::Bencher, n: usize) {
    let stack = synthetic::stack(n).expect("stack");
    bencher.bench_local(|| divan::black_box(&stack).clone());
}

/// One part at a time, to see where the time goes (each includes its own validation):
/// `STACKDEF_PART=validate|compose|nginx|env cargo bench --bench emit -- parts`.
#[divan::bench(args = [1_000, 10_000], sample_count = 10)]
fn parts(bencher: divan::Bencher, n: usize) {
    let stack = synthetic::stack(n).expect("stack");
    let part = std::env::var("STACKDEF_PART").unwrap_or_default();
    bencher.bench_local(|| match part.as_str() {
        "validate" => stackdef::validate(&stack).map(|_| 0).unwrap_or(0),
        "compose" => stackdef::emit::compose::to_yaml(&stackdef::validate(&stack).unwrap())
            .map(|s| s.len())
            .unwrap_or(0),
        "nginx" => stackdef::emit::nginx::to_files(&stackdef::validate(&stack).unwrap())
            .map(|f| f.len())
            .unwrap_or(0),
        "env" => stackdef::emit::env::to_template(&stackdef::validate(&stack).unwrap(), ".env")
            .map(|s| s.len())
            .unwrap_or(0),
        _ => 0,
    });
}
