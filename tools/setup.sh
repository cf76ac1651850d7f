#!/bin/sh
# Installs the Debian 12 packages domino needs (only those missing), then configures and
# builds with meson. Used by tools/run.sh and tools/test.sh; safe to run again.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential pkg-config meson ninja-build \
  libigraph-dev libhdf5-dev hdf5-tools libgsl-dev libcriterion-dev libyaml-dev libjansson-dev \
  libopenmpi-dev openmpi-bin libssl-dev zlib1g-dev \
  python3-h5py python3-h5py-serial python3-xarray python3-netcdf4 python3-h5netcdf netcdf-bin valgrind python3-yaml python3-matplotlib python3-igraph python3-networkx groff-base udunits-bin \
  python3-pil chromium fonts-noto-cjk"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing:$missing" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

BUILD="${DOMINO_BUILD:-build}"
if [ ! -f "$BUILD/build.ninja" ]; then
  # link-time optimisation: the engine's calls across files (node_rule.c, engine.c, calendar.c)
  # inlined; 5-6 % fewer instructions a replicate, the same bits (docs/performance.md, session 11)
  meson setup "$BUILD" --buildtype=release -Db_lto=true ${DOMINO_MESON_ARGS:-} >&2
fi
ninja -C "$BUILD" >&2
