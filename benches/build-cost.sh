#!/usr/bin/env bash
# What stackdef costs the crates that use it: a clean build of a new user's crate whose build.rs
# writes compose + nginx + env files with stackdef (benches/users/stackdef-user), against the same
# crate serializing a compose file with serde + serde_yaml alone (benches/users/serde-baseline).
# Each is built from clean in its own target directory, alternating, R times (default 3); the
# script prints each run, the medians (wall and CPU = user + system), the ratios and the number of
# crates each build compiled. Sources are fetched first, so no download is timed.
# Usage: benches/build-cost.sh [R=3] [extra cargo build arguments for stackdef-user…]
#        benches/build-cost.sh profiles [R=3]
#   profiles: the profile settings a user might add for the proc macro, each measured on
#   stackdef-user as a clean build and as the rebuild after an edit of the stack in build.rs
#   (one port changed: the build script is recompiled, so stack! expands again, and rerun).
set -euo pipefail
cd "$(dirname "$0")/.."
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
if [ "${1:-}" = profiles ]; then
  runs=${2:-3}
  out=target/build-cost/profiles
  mkdir -p "$out"
  user=benches/users/stackdef-user
  cargo fetch -q --manifest-path "$user/Cargo.toml"
  choices=("none" "profile.dev.package.stackdef-macros.opt-level=3" "profile.dev.build-override.opt-level=3")
  : > "$out/runs.txt"
  timed() { # label, then the cargo build arguments
    local label=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$out/time.txt" cargo build -q --offline --manifest-path "$user/Cargo.toml" "$@" 2>/dev/null
    read -r wall u s < "$out/time.txt"
    echo "$label $wall $(echo "$u + $s" | bc)" >> "$out/runs.txt"
  }
  for r in $(seq "$runs"); do
    for i in "${!choices[@]}"; do
      args=()
      [ "$i" -gt 0 ] && args=(--config "${choices[$i]}")
      export CARGO_TARGET_DIR="$out/$i"
      rm -rf "$CARGO_TARGET_DIR" "$user/deploy"
      timed "clean-$i" "${args[@]}"
      if grep -q '8000 => 8000' "$user/build.rs"; then a=8000; b=8001; else a=8001; b=8000; fi
      sed -i "s/$a => 8000/$b => 8000/" "$user/build.rs"
      timed "edit-$i" "${args[@]}"
    done
  done
  sed -i "s/8001 => 8000/8000 => 8000/" "$user/build.rs"
  for i in "${!choices[@]}"; do
    line="${choices[$i]}:"
    for kind in clean edit; do
      w=$(grep "^$kind-$i " "$out/runs.txt" | awk '{print $2}' | median)
      c=$(grep "^$kind-$i " "$out/runs.txt" | awk '{print $3}' | median)
      line="$line $kind wall ${w}s cpu ${c}s;"
    done
    echo "$line"
  done
  exit 0
fi
runs=${1:-3}
shift || true
[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] && apt-get install -y -qq time >/dev/null; }
out=target/build-cost
mkdir -p "$out"
for c in stackdef-user serde-baseline; do
  cargo fetch -q --manifest-path "benches/users/$c/Cargo.toml"
done
: > "$out/runs.txt"
for r in $(seq "$runs"); do
  for c in stackdef-user serde-baseline; do
    dir="$out/$c"
    rm -rf "$dir" "benches/users/$c/deploy"
    args=()
    [ "$c" = stackdef-user ] && args=("$@")
    CARGO_TARGET_DIR="$dir" /usr/bin/time -f "%e %U %S" -o "$out/time.txt" \
      cargo build --offline --manifest-path "benches/users/$c/Cargo.toml" "${args[@]}" 2> "$out/log.txt"
    read -r wall user sys < "$out/time.txt"
    crates=$(grep -c '^ *Compiling ' "$out/log.txt" || true)
    cpu=$(echo "$user + $sys" | bc)
    echo "$c run $r: wall ${wall}s cpu ${cpu}s crates $crates" | tee -a "$out/runs.txt"
  done
done
for c in stackdef-user serde-baseline; do
  w=$(grep "^$c " "$out/runs.txt" | sed 's/.*wall \([0-9.]*\)s.*/\1/' | median)
  u=$(grep "^$c " "$out/runs.txt" | sed 's/.*cpu \([0-9.]*\)s.*/\1/' | median)
  n=$(grep "^$c " "$out/runs.txt" | sed 's/.*crates \([0-9]*\)/\1/' | median)
  echo "$c median: wall ${w}s cpu ${u}s crates $n"
  eval "w_${c//-/_}=$w u_${c//-/_}=$u"
done
echo "ratio stackdef-user / serde-baseline: wall $(echo "scale=2; $w_stackdef_user / $w_serde_baseline" | bc)x cpu $(echo "scale=2; $u_stackdef_user / $u_serde_baseline" | bc)x"
echo "crates stackdef-user builds:"
cargo tree -q --manifest-path benches/users/stackdef-user/Cargo.toml -e normal,build --prefix none "$@" | sed 's/ (\*)//; s/ (proc-macro)//; s/ (\/.*//' | sort -u | tr '\n' ' '
echo
