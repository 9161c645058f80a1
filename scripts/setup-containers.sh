#!/usr/bin/env bash
# Get a container runtime and a Postgres + pgvector image from Debian's own packages, for the
# Testcontainers tests on a machine that has neither (and cannot reach Docker Hub). Prints the
# environment that points Testcontainers at them, as `export` lines on stdout (logs go to stderr):
#
#   eval "$(bash scripts/setup-containers.sh)"     # then: bash scripts/stop-containers.sh
#
# - installs docker.io, mmdebstrap and eatmydata with apt (services are not started by apt);
# - starts its own dockerd, which never touches the host's networking: no bridge, no iptables,
#   no IP forwarding or masquerading (containers share the host's network), with private data
#   and exec roots and socket under VECSTORE_DOCKER_DIR (default /tmp/vecstore-docker);
# - builds a minimal Debian base image with mmdebstrap from the machine's own apt mirror, then
#   scripts/containers/pgvector.Dockerfile on it (PostgreSQL 15, pgvector from Debian's source).
# Target: Debian 12 (bookworm), as root. Idempotent: ~2 min the first time, ~1 s afterwards.
set -euo pipefail

# Everything but the exports goes to stderr; fd 3 keeps the real stdout.
exec 3>&1 1>&2

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${VECSTORE_DOCKER_DIR:-/tmp/vecstore-docker}
SOCK=$DIR/docker.sock

log() { echo "setup-containers: $*"; }
die() { echo "setup-containers: ERROR: $*"; exit 1; }
docker_cli() { docker -H "unix://$SOCK" "$@"; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, runs dockerd)"
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
mirror=$(bash "$HERE/debian-mirror.sh") || die "no Debian mirror found in the apt sources"
# A proxy configured for apt is used for the image builds too.
apt_proxy=$(apt-config dump Acquire::http::Proxy | sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p')

# --- 1. Packages -------------------------------------------------------------
if ! command -v dockerd >/dev/null || ! command -v mmdebstrap >/dev/null ||
  ! command -v eatmydata >/dev/null; then
  log "installing docker.io, mmdebstrap and eatmydata via apt"
  # Keep apt from starting the packaged docker service: it would run with a bridge and
  # iptables rules, which would change the host's networking.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends docker.io mmdebstrap eatmydata ||
    die "apt-get install failed"
  # Nor at boot, where systemd would start it the same way.
  if [ -d /run/systemd/system ]; then
    systemctl disable docker.service docker.socket >/dev/null 2>&1 || true
  fi
fi
command -v docker >/dev/null || die "no docker client on PATH"

# --- 2. The daemon -------------------------------------------------------------
if ! docker_cli info >/dev/null 2>&1; then
  mkdir -p "$DIR/data" "$DIR/exec"
  log "starting dockerd on unix://$SOCK (host networking only; log: $DIR/dockerd.log)"
  # 3>&-: the daemon must not inherit the exports channel, or `$(setup-containers.sh)` never returns.
  setsid dockerd -H "unix://$SOCK" --data-root "$DIR/data" --exec-root "$DIR/exec" \
    --pidfile "$DIR/docker.pid" --iptables=false --ip6tables=false --ip-forward=false \
    --ip-masq=false --bridge=none >"$DIR/dockerd.log" 2>&1 3>&- </dev/null &
  for _ in $(seq 60); do
    docker_cli info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker_cli info >/dev/null 2>&1 || { tail -n 5 "$DIR/dockerd.log"; die "dockerd did not start"; }
fi

# --- 3. Base image: minimal Debian from the machine's mirror -----------------------
BASE_IMAGE=vecstore/debian-minbase:$codename
if ! docker_cli image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "building a minimal $codename root filesystem from the machine's Debian mirror"
  proxy_opt=()
  [ -z "$apt_proxy" ] || proxy_opt=(--aptopt="Acquire::http::Proxy \"$apt_proxy\"")
  rm -f "$DIR/rootfs.tar"
  mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
    --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata "${proxy_opt[@]}" \
    "$codename" "$DIR/rootfs.tar" "deb $mirror $codename main" || die "mmdebstrap failed"
  docker_cli import "$DIR/rootfs.tar" "$BASE_IMAGE" >/dev/null
  rm -f "$DIR/rootfs.tar"
fi

# --- 4. PostgreSQL + pgvector image (tagged by its recipe: a changed recipe is rebuilt) ---
recipe=$(cat "$HERE/containers/pgvector.Dockerfile" "$HERE/containers/postgres-entrypoint.sh" |
  sha256sum | cut -c1-12)
PG_IMAGE=vecstore/pgvector:pg15-$recipe
if ! docker_cli image inspect "$PG_IMAGE" >/dev/null 2>&1; then
  log "building $PG_IMAGE (PostgreSQL 15, pgvector from Debian's source package)"
  DOCKER_BUILDKIT=0 docker_cli build --quiet --network host -t "$PG_IMAGE" \
    --build-arg BASE="$BASE_IMAGE" --build-arg MIRROR="$mirror" --build-arg APT_PROXY="$apt_proxy" \
    -f "$HERE/containers/pgvector.Dockerfile" "$HERE/containers" >/dev/null ||
    die "docker build failed"
fi
log "ready: $(docker_cli version --format 'daemon {{.Server.Version}}'), image $PG_IMAGE"

cat >&3 <<OUT
export DOCKER_HOST=unix://$SOCK
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export VECSTORE_CONTAINER_NETWORK=host
export VECSTORE_PG_IMAGE=$PG_IMAGE
OUT
