#!/usr/bin/env bash
# Make sure PgBouncer is installed (Debian's package, through the machine's own apt sources)
# and print the path of its binary as the last line on stdout (logs go to stderr).
# Idempotent: when it is installed, this only prints the path. Root is needed only to install.
# Tests run an instance of their own (own config, port and directory), never the package's
# service (which Debian starts on port 6432 where systemd runs).
set -euo pipefail
exec 3>&1 1>&2

BIN=/usr/sbin/pgbouncer
log() { echo "setup-pgbouncer: $*"; }
die() { echo "setup-pgbouncer: ERROR: $*"; exit 1; }

if [ ! -x "$BIN" ]; then
  [ "$(id -u)" -eq 0 ] || die "pgbouncer is not installed, and installing it needs root"
  log "installing pgbouncer via apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q pgbouncer || die "apt-get install pgbouncer failed"
  [ -x "$BIN" ] || die "the pgbouncer package did not install $BIN"
fi
log "ready: $("$BIN" --version | head -n1)"
echo "$BIN" >&3
