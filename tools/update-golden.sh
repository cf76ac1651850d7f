#!/bin/sh
# Regenerates tests/golden/ from the shipped scenarios. Run it only after checking that a
# change in the output is intended, and commit the new files with that change.
set -eu
cd "$(dirname "$0")/.."
BUILD="${DOMINO_BUILD:-build}"
ninja -C "$BUILD" >/dev/null
for f in scenarios/*.yaml; do
  name=$(basename "$f" .yaml)
  LANG=C "$BUILD/domino" run "$f" --lang en > "tests/golden/$name.txt"
  echo "tests/golden/$name.txt"
done
