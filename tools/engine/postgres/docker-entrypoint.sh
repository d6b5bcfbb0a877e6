#!/bin/sh
# Stand-in for the official PostgreSQL image's entrypoint: on an empty data directory it creates
# the cluster with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB and runs the files in
# /docker-entrypoint-initdb.d (*.sql through psql, *.sh sourced or run) as the postgres user,
# then runs the server on every interface with password authentication from the network.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA
bin=/usr/lib/postgresql/15/bin
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec runuser -u postgres -- "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?the database is uninitialized and POSTGRES_PASSWORD is not set}"
    export POSTGRES_USER="${POSTGRES_USER:-postgres}"
    export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
    pwfile=$(mktemp)
    printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
    "$bin/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    if [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -q \
            -c "CREATE DATABASE \"$POSTGRES_DB\""
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
        *.sql) psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -q -f "$f" ;;
        *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        esac
    done
    "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    echo "stand-in postgres: database initialized"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
