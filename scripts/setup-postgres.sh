#!/usr/bin/env bash
# Start a throwaway native PostgreSQL 15 + pgvector cluster for the test suite
# and print its DATABASE_URL as the last line on stdout (logs go to stderr).
#
# Target: Debian 12 (bookworm), run as root, with only Debian's archive
# reachable. Bookworm has no pgvector package, so pgvector is built from
# Debian trixie's *source* package against bookworm's PostgreSQL 15 headers.
# Idempotent: when everything is built and the cluster runs, this is ~1 s.
#
# Env: VECSTORE_PG_DIR (cluster state, default /tmp/vecstore-pg),
#      VECSTORE_PGVECTOR_BUILD_DIR (default /tmp/vecstore-pgvector-build),
#      PGPORT_VECSTORE (preferred port, default 54329).
set -euo pipefail

# Everything but the final URL goes to stderr; fd 3 keeps the real stdout.
exec 3>&1 1>&2

PG_BIN=/usr/lib/postgresql/15/bin          # explicit: /usr/local/bin may shadow pg_ctl
PG_CONFIG=$PG_BIN/pg_config
PG_DIR=${VECSTORE_PG_DIR:-/tmp/vecstore-pg}
BUILD_DIR=${VECSTORE_PGVECTOR_BUILD_DIR:-/tmp/vecstore-pgvector-build}
PORT=${PGPORT_VECSTORE:-54329}
DB=vecstore
DATA=$PG_DIR/data RUN=$PG_DIR/run LOG=$PG_DIR/postgres.log

log() { echo "setup-postgres: $*"; }
die() { echo "setup-postgres: ERROR: $*"; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }   # PostgreSQL refuses to run as root

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, runs the server as 'postgres')"

# --- 1. PostgreSQL 15 server, headers and pgvector ---------------------------
have_server() { [ -x "$PG_BIN/postgres" ] && [ -x "$PG_CONFIG" ]; }
have_headers() {  # postgresql-client-15 ships pgxs.mk but not the server headers
  [ -f "$($PG_CONFIG --includedir-server)/postgres.h" ] && command -v dpkg-source >/dev/null
}
have_vector() {
  [ -f /usr/share/postgresql/15/extension/vector.control ] &&
    [ -f "$($PG_CONFIG --pkglibdir)/vector.so" ]
}

if ! have_server || ! { have_vector || have_headers; }; then
  log "installing postgresql-15, postgresql-server-dev-15, dpkg-dev via apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q postgresql-15 postgresql-server-dev-15 dpkg-dev ||
    die "apt-get install failed"
fi

if ! have_vector; then
  log "building pgvector from Debian trixie source in $BUILD_DIR"
  rm -rf "$BUILD_DIR" && mkdir -p "$BUILD_DIR/lists/partial"
  # The machine's own Debian mirror (or proxy), as its apt sources name it.
  mirror=$(bash "$(dirname "$0")/debian-mirror.sh") || die "no Debian mirror found in the apt sources"
  # A private, source-only apt config: trixie *binary* packages must never
  # reach the system lists (they would drag in a newer libc).
  cat >"$BUILD_DIR/trixie-src.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt_src=(apt-get -q
    -o Dir::Etc::sourcelist="$BUILD_DIR/trixie-src.sources"
    -o Dir::Etc::sourceparts=/dev/null
    -o Dir::State::Lists="$BUILD_DIR/lists"
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=  # leave system cache alone
    -o APT::Sandbox::User=root)                           # _apt cannot write to this dir
  "${apt_src[@]}" update || die "could not fetch trixie source index"
  (cd "$BUILD_DIR" && "${apt_src[@]}" source pgvector) || die "apt-get source pgvector failed"
  src=$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
  [ -n "$src" ] || die "pgvector source tree not found in $BUILD_DIR"
  # with_llvm=no: skip JIT bitcode, which would need a matching clang.
  make -C "$src" -j"$(nproc)" with_llvm=no PG_CONFIG="$PG_CONFIG" || die "pgvector build failed"
  make -C "$src" install with_llvm=no PG_CONFIG="$PG_CONFIG" || die "pgvector install failed"
  have_vector || die "pgvector install did not produce vector.control/vector.so"
fi

# --- 2. Cluster -------------------------------------------------------------
mkdir -p "$PG_DIR" "$RUN"
chown postgres: "$PG_DIR" "$RUN"

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initdb in $DATA"
  rm -rf "$DATA"
  # trust auth: a throwaway, loopback-only test cluster, no passwords needed.
  as_pg "$PG_BIN/initdb" -D "$DATA" --auth=trust -E UTF8 --no-locale -U postgres >/dev/null
  # Durability is irrelevant for tests; these settings make them faster.
  cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
fsync = off
synchronous_commit = off
full_page_writes = off
# Room for a 100k x 384 table and its HNSW index (the default 128MB is not).
shared_buffers = 1GB
EOF
fi

port_busy() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if as_pg "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; then
  PORT=$(sed -n 4p "$DATA/postmaster.pid")   # line 4 of postmaster.pid = port
  log "cluster already running on port $PORT"
else
  touch "$LOG" && chown postgres: "$LOG"
  # The preferred port may be held by something else (or taken between the check and the bind,
  # e.g. as some client's ephemeral port): take the next free one, retrying a failed bind.
  started=
  for _ in $(seq 20); do
    while port_busy "$PORT"; do PORT=$((PORT + 1)); done
    log "starting cluster on 127.0.0.1:$PORT (log: $LOG)"
    # 3>&-: the server must not inherit the URL channel, or `URL=$(setup-postgres.sh)` never returns.
    if as_pg "$PG_BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" >/dev/null 3>&-; then
      started=1 && break
    fi
    tail -n 3 "$LOG" >&2
    PORT=$((PORT + 1))
  done
  [ -n "$started" ] || die "pg_ctl start failed (see $LOG)"
fi

# --- 3. Database and extension ------------------------------------------------
psql_sock() { "$PG_BIN/psql" -h "$RUN" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1 -At "$@"; }
if [ "$(psql_sock -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  log "creating database $DB"
  psql_sock -d postgres -c "CREATE DATABASE $DB"
fi

URL="postgres://postgres@127.0.0.1:$PORT/$DB"
# Verify through the very URL we hand out (TCP, not the socket).
ver=$("$PG_BIN/psql" "$URL" -X -q -v ON_ERROR_STOP=1 -At \
  -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS vector" \
  -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'") ||
  die "could not enable pgvector via $URL"
log "ready: PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}'), pgvector $ver"
echo "$URL" >&3
