#!/bin/sh
# Runs every benchmark in bench/ (release build) and prints their result lines and a
# table. Usage: tools/bench.sh [--quick]   (--quick: smaller sizes, for a smoke test)
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh
BUILD="${DOMINO_BUILD:-build}"
if [ "${1:-}" = "--quick" ]; then
  MC_ARGS="scenarios/grid-attack-uncertain.yaml 1000"; LARGE_ARGS="100000 400000"; DEFAULT_ARGS=200; PERC_ARGS="100000 3"
else
  MC_ARGS="scenarios/grid-attack-uncertain.yaml 10000"; LARGE_ARGS=""; DEFAULT_ARGS=2000; PERC_ARGS=""
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
"$BUILD/bench_default" $DEFAULT_ARGS | tee -a "$out"
"$BUILD/bench_montecarlo" $MC_ARGS | tee -a "$out"
"$BUILD/bench_large" $LARGE_ARGS | tee -a "$out"
"$BUILD/bench_percolation" $PERC_ARGS | tee -a "$out"
# the same computation in python3-igraph, where Debian's package is installed
if /usr/bin/python3 -c 'import igraph' 2>/dev/null; then
  bench/baselines/buldyrev_igraph.py $PERC_ARGS | tee -a "$out"
fi
echo
awk '
function val(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
BEGIN { printf "%-22s %-44s %s\n", "benchmark", "result", "target" }
/^bench=default_replicate/ { printf "%-22s %-44s %s\n", "default replicate", val("median_us") " us/replicate (1 thread), reallocs " val("reallocs_after_warmup"), "< 1000 us, 0 reallocs" }
/^bench=montecarlo/ { t = val("threads"); printf "%-22s %-44s %s\n", "Monte Carlo", val("rate_1") "/s (1 thread), " val("rate_" t) "/s (" t "), x" val("speedup"), ">= 10000/s on 2 cores, x >= 1.8" }
/^bench=large/ { printf "%-22s %-44s %s\n", "10^6-node cascade", val("evaluations_per_s") " evaluations/s, " val("peak_mib") " MiB peak", "memory linear in N + M" }
/^bench=percolation / { cascade = val("cascade_median_s"); printf "%-22s %-44s %s\n", "mutual percolation", cascade " s (1 thread), " val("peak_mib") " MiB, N=" val("nodes_per_layer"), "< 1 s, < 500 MB at N = 10^6" }
/^bench=percolation_python_igraph/ { printf "%-22s %-44s %s\n", "  python3-igraph", val("cascade_median_s") " s, " val("peak_mib") " MiB peak" (cascade > 0 ? sprintf(", domino x%.1f", val("cascade_median_s") / cascade) : ""), "(baseline)" }
' "$out"
