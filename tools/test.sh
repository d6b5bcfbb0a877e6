#!/usr/bin/env bash
# The whole test suite: installs the external validators it needs, then runs formatting, lints,
# docs and every test. Usage: tools/test.sh   (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/validators
need_apt=()
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "error: missing ${need_apt[*]} and not root to install them" >&2
    exit 1
  fi
fi
if [ ! -x "$venv/bin/check-jsonschema" ]; then
  echo "installing check-jsonschema into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check check-jsonschema==0.39.0
fi
export STACKDEF_CHECK_JSONSCHEMA="$PWD/$venv/bin/check-jsonschema"
export STACKDEF_DOCKER_COMPOSE="$(command -v docker-compose)"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
cargo test --workspace --locked
