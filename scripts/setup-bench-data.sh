#!/usr/bin/env bash
# Install the benchmarks' data set: Fashion-MNIST (the vectors of the public ANN benchmark
# "fashion-mnist-784-euclidean") from Debian's package dataset-fashion-mnist, into
# /usr/share/datasets/fashion-mnist. Idempotent; installing needs root with apt.
set -euo pipefail

DIR=/usr/share/datasets/fashion-mnist
log() { echo "setup-bench-data: $*" >&2; }

if [ -f "$DIR/train-images-idx3-ubyte.gz" ] && [ -f "$DIR/t10k-images-idx3-ubyte.gz" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  log "Fashion-MNIST is not in $DIR; install it as root: apt-get install dataset-fashion-mnist"
  exit 1
fi
log "installing Fashion-MNIST (Debian package dataset-fashion-mnist, ~30 MB) via apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends dataset-fashion-mnist >&2
