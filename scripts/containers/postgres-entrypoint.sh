#!/bin/sh
# Entrypoint in the manner of the official postgres image. On first start: initdb with
# POSTGRES_USER / POSTGRES_PASSWORD (and POSTGRES_INITDB_ARGS), then, on a temporary server that
# listens on its Unix socket only, create POSTGRES_DB and run /docker-entrypoint-initdb.d/*.sql
# and *.sh, and stop it. Then run the server in the foreground. Both servers log "database system
# is ready to accept connections": clients such as Testcontainers wait for the second.
# The port comes from PGPORT (default 5432), so containers on the host's network can differ.
set -eu

case "${1:-}" in
'' | -*) set -- postgres "$@" ;;
esac
[ "$1" = postgres ] || exec "$@"
shift

POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
: "${PGDATA:?PGDATA must be set}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options, as in the official image
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --no-locale ${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"

  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
  sql() { psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" "$@"; }
  if [ "$POSTGRES_DB" != postgres ]; then
    sql --dbname postgres --set db="$POSTGRES_DB" <<'SQL'
CREATE DATABASE :"db";
SQL
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
    *.sql) sql --dbname "$POSTGRES_DB" -f "$file" ;;
    *.sh) . "$file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
fi

exec postgres "$@"
