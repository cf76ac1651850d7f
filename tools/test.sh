#!/bin/sh
# One command on a fresh Debian 12 machine: installs what is missing, builds, and runs every
# test. The last line is Criterion's summary ("Synthesis: Tested: ...").
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh
BUILD="${DOMINO_BUILD:-build}"
export DOMINO="$PWD/$BUILD/domino" DOMINO_SOURCE="$PWD"
exec "$BUILD/tests/domino-tests" --jobs 2
