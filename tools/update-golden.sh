#!/bin/sh
# Regenerates tests/golden/ from the shipped scenarios. Run it only after checking that a
# change in the output is intended, and commit the new files with that change.
set -eu
cd "$(dirname "$0")/.."
BUILD="${DOMINO_BUILD:-build}"
ninja -C "$BUILD" >/dev/null
# Regenerates the golden files that exist (tests/test_cli.c checks those); to add one,
# create an empty tests/golden/NAME.txt for scenarios/NAME.yaml (or tests/data/NAME.yaml) first.
for g in tests/golden/*.txt; do
  name=$(basename "$g" .txt)
  f="scenarios/$name.yaml"
  [ -f "$f" ] || f="tests/data/$name.yaml"
  LANG=C "$BUILD/domino" run "$f" --lang en > "tests/golden/$name.txt"
  echo "tests/golden/$name.txt"
done
