#!/usr/bin/env bash
# Every performance figure of stackdef, measured in one run on this machine:
#   1. validate + emit (all three emitters, and compose alone) vs. the serde_yaml-only floor,
#      10 … 10,000 services
#   2. the peer: docker-compose 1.29 `config -q` on the 1,000-service file vs. our validate + emit
#   3. peak memory of the 10,000-service emit
#   4. compile time: 500 services through stack! vs. the plain API (benches/compile/run.sh)
#   5. clean build time of the inctra example and the crates it pulls in
# Usage: benches/run.sh        (needs docker-compose; tools/test.sh installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker-compose >/dev/null || { echo "docker-compose missing (apt-get install docker-compose)"; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== 1. validate + emit vs. serde_yaml floor (cargo bench --bench emit)"
cargo bench -q --bench emit -- validate_and_emit validate_and_compose serde_yaml_floor 2>/dev/null | tee target/bench-emit.txt

echo "== 2. peer: docker-compose config -q, 1,000 services"
cargo build -q --release --example synthetic
bin=target/release/examples/synthetic
dir=target/bench-peer
rm -rf "$dir" && "$bin" 1000 "$dir" >/dev/null
ours=$(for _ in 1 2 3 4 5; do "$bin" 1000 | sed 's/.*validate+emit=\([0-9.]*\)s/\1/'; done | median)
peer=$(for _ in 1 2 3; do
  s=$(date +%s.%N); docker-compose -f "$dir/docker-compose.yml" -p synthetic config -q; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median)
echo "compose file: $(wc -c < "$dir/docker-compose.yml") bytes"
echo "docker-compose config -q: ${peer}s   stackdef validate+emit: ${ours}s   ratio 1/$(echo "$peer / $ours" | bc)"

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
