#!/usr/bin/env bash
# Builds the stand-in images the engine tests run, offline: a Debian bookworm root file system
# from the apt mirror (debootstrap, cached under target/engine), imported into the engine, then
# one image per role from tools/engine/<role>/Dockerfile, tagged with the exact names the
# example stacks use. Nothing is pulled: there is no registry. Needs a running engine (docker
# talks to DOCKER_HOST). Usage: tools/engine/images.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=target/engine
mirror=http://deb.debian.org/debian
packages=postgresql-15,redis-server,redis-tools,nginx-light,rabbitmq-server,python3,python3-psycopg2,python3-redis,python3-celery,curl,wget,procps,openssl,ca-certificates
base_stamp=$(printf '%s %s' "$mirror" "$packages" | sha256sum | cut -c1-16)
export DOCKER_BUILDKIT=0

have_label() { # image label value
  [ "$(docker image inspect "$1" --format "{{index .Config.Labels \"stackdef.stamp\"}}" 2>/dev/null)" = "$2" ]
}

if ! have_label stackdef-base:bookworm "$base_stamp"; then
  tarball="$cache/base-$base_stamp.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    rm -rf "$cache/rootfs"
    echo "debootstrap bookworm into $cache/rootfs"
    debootstrap --variant=minbase --include="$packages" bookworm "$cache/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
      tail -20 "$cache/debootstrap.log" >&2
      exit 1
    }
    # what an image does not need: docs, caches, and the cluster the package created
    rm -rf "$cache"/rootfs/usr/share/{doc,man,info,locale}/* "$cache"/rootfs/var/cache/apt/* \
      "$cache"/rootfs/var/lib/apt/lists/* "$cache"/rootfs/var/lib/postgresql/* "$cache"/rootfs/etc/postgresql/*
    tar -C "$cache/rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$cache/rootfs"
  fi
  docker import --change "LABEL stackdef.stamp=$base_stamp" "$tarball" stackdef-base:bookworm >/dev/null
fi

# role: tags
roles=(
  "postgres:postgres:15 postgres:15-alpine postgres:15.4-alpine"
  "redis:redis:7.2-alpine redis:7-alpine"
  "nginx:nginx:1.27-alpine"
  "rabbitmq:rabbitmq:3.13-management-alpine rabbitmq:3-management-alpine"
  "certbot:certbot/certbot:v3.1.0"
  "app:stackdef-app:bookworm"
)
for entry in "${roles[@]}"; do
  role=${entry%%:*}
  tags=${entry#*:}
  stamp=$( (echo "$base_stamp"; cat tools/engine/"$role"/*) | sha256sum | cut -c1-16)
  first=${tags%% *}
  if ! have_label "$first" "$stamp"; then
    if ! out=$(docker build -q --label "stackdef.stamp=$stamp" -t "$first" tools/engine/"$role" 2>&1); then
      echo "$out" >&2
      exit 1
    fi
  fi
  for tag in $tags; do
    docker tag "$first" "$tag"
  done
done
echo "stand-in images ready: $(docker image ls --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')"
