#!/bin/sh
# Fuzzes the loaders (model, scenario, sweep, facts) and the result-file readers with libFuzzer
# (clang, AddressSanitizer + UndefinedBehaviorSanitizer), each for a bounded time, from the
# seed corpus in fuzz/corpus/: fuzz_result with bytes, fuzz_shapes with edits of the files'
# structure (sweep resume, merge, info, timeline; its inputs are edit programs, so their
# length is not grown slowly: -len_control=0). Six targets of 45 s: about 4.5 minutes.
# New inputs go to a scratch directory, not the repository; a crash stops with the input
# saved in build-fuzz/artifacts/ (add it to fuzz/corpus/ and as a test once fixed).
# DOMINO_FUZZ_SECONDS sets the time per target (default 45).
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${DOMINO_FUZZ_SECONDS:-45}"
missing=""
for p in clang libclang-rt-14-dev libomp-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi
FUZZ="${DOMINO_FUZZ_BUILD:-build-fuzz}"
if [ ! -f "$FUZZ/build.ninja" ]; then
  CC=clang meson setup "$FUZZ" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug >&2
fi
ninja -C "$FUZZ" >&2
mkdir -p "$FUZZ/artifacts"
for t in model scenario sweep result facts shapes; do
  work=$(mktemp -d)
  extra=""
  if [ "$t" = shapes ]; then extra="-len_control=0"; fi
  echo "== fuzz_$t for ${SECONDS_PER_TARGET}s" >&2
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$FUZZ/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -seed=1 -rss_limit_mb=2048 -max_len=200000 $extra \
    -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$t-" "$work" "fuzz/corpus/$t" >"$FUZZ/fuzz_$t.log" 2>&1 || {
      tail -40 "$FUZZ/fuzz_$t.log" >&2; rm -rf "$work"; exit 1; }
  grep -E "^Done|stat::number_of_executed_units" "$FUZZ/fuzz_$t.log" | head -2 >&2
  rm -rf "$work"
done
