#!/usr/bin/env bash
# Compile-time cost of `stack!`: a generated stack of N services (published port, depends_on
# chain, named volume each) compiled through the macro vs. the same stack through the plain
# builder API without checks. Both are debug builds, as a build.rs or an example is compiled.
# Two figures, each the median of R builds, interleaved:
#   edit:  the user changes one port and rebuilds (incremental, as `cargo build` does);
#   full:  the binary's crate compiled from scratch (CARGO_INCREMENTAL=0), dependencies built.
# Usage: benches/compile/run.sh [N=500] [R=5]
#   STACKDEF_BENCH_PROFILE: profile lines of the bench crate's Cargo.toml (default: none, the
#   README's recommendation), e.g. "[profile.dev.build-override]<newline>opt-level = 3"
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-500}
runs=${2:-5}
dir=target/bench-compile
mkdir -p "$dir/src/bin"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "bench-compile"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
stackdef = { path = "$PWD/stackdef" }
[workspace]
${STACKDEF_BENCH_PROFILE-}
TOML
python3 - "$n" "$dir" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
svc = []
for i in range(n):
    dep = f", depends_on: [s{i-1}]" if i else ""
    svc.append(f'        s{i} {{ source: Image::parse("app:1")?, ports: [{10000+i} => 8000], volumes: [data => "/data"]{dep} }},')
checked = ("use stackdef::Image;\nfn build() -> Result<stackdef::Stack, stackdef::Error> {\n    stackdef::stack! {\n"
           "    name: bench,\n    volumes: [data],\n    services: {\n" + "\n".join(svc) + "\n    },\n    }\n}\n"
           "fn main() { println!(\"{}\", build().map(|s| s.services.len()).unwrap_or(0)); }\n")
plain = ["use stackdef::*;", "fn build() -> Result<Stack, Error> {",
         "    let data = VolumeName::new(\"data\")?;",
         "    let mut stack = Stack::builder().name(ProjectName::new(\"bench\")?).volumes(vec![Volume::new(data.clone())]).build();"]
for i in range(n):
    plain.append(f'    {{ let mut s = Service::builder().name(ServiceName::new("s{i}")?).source(Image::parse("app:1")?).build();')
    plain.append(f'      s.ports.push(PortMapping::new({10000+i}, 8000)?); s.mounts.push(Mount::volume(data.clone(), "/data")?);')
    if i:
        plain.append(f'      s.depends_on.push(DependsOn::started(ServiceName::new("s{i-1}")?));')
    plain.append('      stack.services.push(s); }')
plain += ["    Ok(stack)", "}", "fn main() { println!(\"{}\", build().map(|s| s.services.len()).unwrap_or(0)); }"]
open(f"{d}/src/bin/checked.rs", "w").write(checked)
open(f"{d}/src/bin/plain.rs", "w").write("\n".join(plain) + "\n")
PY
export CARGO_TARGET_DIR="$PWD/target/bench-compile/target"
(cd "$dir" && cargo build -q --bins)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# the last service's published port, flipped between two free values on every build
edit() {
  local f="$dir/src/bin/$1.rs" last=$((10000 + n - 1))
  if grep -q "$last" "$f"; then sed -i "s/$last/$((last + 1))/" "$f"; else sed -i "s/$((last + 1))/$last/" "$f"; fi
}
once() {
  edit "$1"
  s=$(date +%s.%N)
  (cd "$dir" && CARGO_INCREMENTAL="$2" cargo build -q --bin "$1")
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}
# interleaved, so drift in machine load hits all alike
rm -f "$dir"/*.times
for _ in $(seq "$runs"); do
  once checked 1 >> "$dir/checked-edit.times"
  once plain 1 >> "$dir/plain-edit.times"
  once checked 0 >> "$dir/checked-full.times"
  once plain 0 >> "$dir/plain-full.times"
done
echo "services=$n runs=$runs (debug builds of one binary; medians)"
for kind in edit full; do
  checked=$(median < "$dir/checked-$kind.times")
  plain=$(median < "$dir/plain-$kind.times")
  echo "$kind: checked (stack!) ${checked}s  plain (builder, no checks) ${plain}s  ratio $(echo "scale=2; $checked / $plain" | bc)"
done
echo "run: $(cd "$dir" && "$CARGO_TARGET_DIR/debug/checked") services built"
