#!/usr/bin/env bash
# Undo scripts/setup-containers.sh: remove the containers Testcontainers started (label
# org.testcontainers=true), stop the daemon, and unmount what it left mounted (its netns).
# Images stay for the next run; --purge removes them too. Safe to run when nothing runs.
# Env: VECSTORE_DOCKER_DIR (default /tmp/vecstore-docker).
set -euo pipefail

DIR=${VECSTORE_DOCKER_DIR:-/tmp/vecstore-docker}
SOCK=$DIR/docker.sock
log() { echo "stop-containers: $*" >&2; }

if docker -H "unix://$SOCK" info >/dev/null 2>&1; then
  ids=$(docker -H "unix://$SOCK" ps -aq --filter label=org.testcontainers=true)
  if [ -n "$ids" ]; then
    log "removing containers: $(echo $ids)"
    # shellcheck disable=SC2086 # one id per word
    docker -H "unix://$SOCK" rm -f $ids >/dev/null
  fi
fi

pid=$(cat "$DIR/docker.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  log "stopping dockerd ($pid)"
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi

# Whatever is still mounted under the state directory (the daemon's netns, an overlay), deepest first.
awk -v dir="$DIR/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r |
  while read -r mount; do
    log "unmounting $mount"
    umount "$mount" 2>/dev/null || umount -l "$mount"
  done

if [ "${1:-}" = --purge ]; then
  log "removing $DIR"
  rm -rf "$DIR"
fi
