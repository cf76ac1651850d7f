#!/bin/sh
# One command on a fresh Debian 12 machine: installs what is missing, builds, and runs the
# default scenario (a 6 h cyber attack on the power grid) on the embedded Japan model.
# Extra arguments go to `domino run`, e.g. tools/run.sh scenarios/fuel-supply-disruption.yaml
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh
exec "${DOMINO_BUILD:-build}/domino" run "$@"
