#!/usr/bin/env bash
# Stop the throwaway cluster started by scripts/setup-postgres.sh.
# Safe to run when it is not running. Env: VECSTORE_PG_DIR (default /tmp/vecstore-pg).
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin          # explicit: /usr/local/bin may shadow pg_ctl
DATA=${VECSTORE_PG_DIR:-/tmp/vecstore-pg}/data

# pg_ctl refuses to run as root; the cluster belongs to 'postgres'.
if [ "$(id -u)" -eq 0 ]; then pg_ctl=(runuser -u postgres -- "$PG_BIN/pg_ctl")
else pg_ctl=("$PG_BIN/pg_ctl"); fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  echo "stop-postgres: no cluster in $DATA" >&2
elif "${pg_ctl[@]}" status -D "$DATA" >/dev/null 2>&1; then
  # -m fast: roll back open transactions and disconnect clients right away.
  "${pg_ctl[@]}" stop -D "$DATA" -m fast -w >&2
else
  echo "stop-postgres: cluster in $DATA is not running" >&2
fi
