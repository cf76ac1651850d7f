#!/bin/sh
# One command on a fresh Debian 12 machine: installs what is missing, builds, and runs every
# test: the suite under AddressSanitizer and UndefinedBehaviorSanitizer (the `ulimit -f`
# sweep is in it: hardening::file_size_limit_at_every_size), the allocation-failure sweep
# (tests/oom.c) under both, valgrind on the default run, each fuzz target for 45 s (tools/fuzz.sh), then the reference suite and the
# suite on the release build. The last line is Criterion's summary
# ("Synthesis: Tested: ..."). DOMINO_QUICK=1 runs only the release suite.
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh
BUILD="${DOMINO_BUILD:-build}"
export DOMINO_SOURCE="$PWD"
if [ -z "${DOMINO_QUICK:-}" ]; then
  ASAN="${DOMINO_ASAN_BUILD:-build-asan}"
  if [ ! -f "$ASAN/build.ninja" ]; then
    meson setup "$ASAN" --buildtype=debug -Db_sanitize=address,undefined >&2
  fi
  ninja -C "$ASAN" >&2
  echo "== the test suite under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
  DOMINO="$PWD/$ASAN/domino" LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" "$ASAN/tests/domino-tests" --jobs 2 >&2
  echo "== allocation failure, each allocation in turn (tests/oom.c), under ASan" >&2
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$ASAN/tests/domino-oom" "${DOMINO_OOM_STRIDE:-1}" >&2
  echo "== valgrind on the default run" >&2
  valgrind --quiet --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
    "$BUILD/domino" run -o /tmp/domino-valgrind-$$.h5 >/dev/null
  rm -f /tmp/domino-valgrind-$$.h5
  echo "== fuzzing (tools/fuzz.sh)" >&2
  tools/fuzz.sh
  echo "== the test suite (release build)" >&2
fi
export DOMINO="$PWD/$BUILD/domino"
echo "== the reference suite: published cascade results at 10^5 nodes (tests/reference/)" >&2
"$BUILD/tests/domino-reference" --jobs 2 >&2
exec "$BUILD/tests/domino-tests" --jobs 2
