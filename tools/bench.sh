#!/bin/sh
# Runs every benchmark in bench/ (release build) and prints their result lines, then one
# table of every figure beside its target or baseline, with the ratio.
# Usage: tools/bench.sh [--quick]   (--quick: smaller sizes, for a smoke test)
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh
BUILD="${DOMINO_BUILD:-build}"
D="$BUILD/domino"
if [ "${1:-}" = "--quick" ]; then
  MC_ARGS="scenarios/grid-attack-uncertain.yaml 1000"; LARGE_ARGS="100000 400000"; DEFAULT_ARGS=200
  PERC_N=100000; PERC_R=3; NX_N=10000; MEM_RS="1000 10000"; TOKYO_R=100
else
  MC_ARGS="scenarios/grid-attack-uncertain.yaml 10000"; LARGE_ARGS=""; DEFAULT_ARGS=2000
  PERC_N=1000000; PERC_R=5; NX_N=100000; MEM_RS="1000 10000 100000"; TOKYO_R=1000
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
"$BUILD/bench_default" $DEFAULT_ARGS | tee -a "$out/lines"
"$BUILD/bench_montecarlo" $MC_ARGS | tee -a "$out/lines"
"$BUILD/bench_large" $LARGE_ARGS | tee -a "$out/lines"
# mutual percolation: one removal (the whole process, as a user runs it) and the medians
"$BUILD/bench_percolation" $PERC_N 1 | sed 's/^bench=percolation /bench=percolation_once /' | tee -a "$out/lines"
"$BUILD/bench_percolation" $PERC_N $PERC_R | tee -a "$out/lines"
"$BUILD/bench_percolation" $NX_N 1 | sed 's/^bench=percolation /bench=percolation_small /' | tee -a "$out/lines"
# the same computation in python3-igraph and networkx, where Debian's packages are installed
if /usr/bin/python3 -c 'import igraph' 2>/dev/null; then
  bench/baselines/buldyrev_igraph.py $PERC_N 1 | sed 's/_igraph /_igraph_once /' | tee -a "$out/lines"
fi
if /usr/bin/python3 -c 'import networkx' 2>/dev/null; then
  bench/baselines/buldyrev_networkx.py $NX_N 1 | tee -a "$out/lines"
fi
# whole runs of the CLI: --json and -o against the bare run; memory against replicates
wall() {  # label, command...: prints label wall_s=... peak_kib=... cpu_s=... (user + system)
  label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$out/time" "$@" > /dev/null
  echo "bench=cli what=$label wall_s=$(cut -d' ' -f1 "$out/time") peak_kib=$(cut -d' ' -f2 "$out/time")" \
       "cpu_s=$(awk '{printf "%.2f", $3 + $4}' "$out/time")" | tee -a "$out/lines"
}
# mutual percolation as a user runs it: `domino run` of the bench_percolation scenario
# (two ER layers of N nodes), one thread, 1 and 4 replicates (memory must not grow), and
# at the networkx script's size
perc_yaml() {  # N FILE
  sed "s/nodes: 1000000/nodes: $1/g" bench/percolation.yaml > "$2"
}
perc_yaml $PERC_N "$out/perc.yaml"
perc_yaml $NX_N "$out/perc_small.yaml"
wall perc_run_1 "$D" run "$out/perc.yaml" --replicates 1 --threads 1 --quiet
wall perc_run_4 "$D" run "$out/perc.yaml" --replicates 4 --threads 1 --quiet
wall perc_run_small "$D" run "$out/perc_small.yaml" --replicates 1 --threads 1 --quiet
G=scenarios/grid-attack-uncertain.yaml
wall grid_bare "$D" run $G --replicates 20000 --threads 2 --quiet
wall grid_json "$D" run $G --replicates 20000 --threads 2 --json --quiet
wall grid_o "$D" run $G --replicates 20000 --threads 2 --quiet -o "$out/g.h5"
for R in $MEM_RS; do wall "mem_$R" "$D" run $G --replicates $R --threads 2 --json --quiet; done
T=scenarios/tokyo-area-blackout.yaml
wall tokyo_bare "$D" run $T --replicates $TOKYO_R --quiet
wall tokyo_o "$D" run $T --replicates $TOKYO_R --quiet -o "$out/t.h5"
wall tokyo_o_maps "$D" run $T --replicates $TOKYO_R --quiet --store sectors,maps,events -o "$out/t2.h5"
echo
awk -v mem_rs="$MEM_RS" '
function val(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
function row(what, result, target) { printf "%-34s %-50s %s\n", what, result, target }
/^bench=default_replicate/ { row("default replicate (1 thread)", val("median_us") " us median, first " val("first_us") " us, reallocs " val("reallocs_after_warmup"), "< 1000 us, 0 reallocs") }
/^bench=montecarlo/ { t = val("threads"); row("Monte Carlo", val("rate_1") "/s (1), " val("rate_" t) "/s (" t "), x" val("speedup"), ">= 10000/s on 2 cores, x >= 1.8")
  row("  statistics of levels (--json)", val("rate_json_" t) "/s (" t "), cost " sprintf("%.1f %%", 100 * val("json_cost")), ">= 20000/s, <= 10 %")
  row("  levels and maps (-o, no file)", val("rate_o_" t) "/s (" t "), cost " sprintf("%.1f %%", 100 * val("o_cost")), "<= 10 %") }
/^bench=large/ { row("10^6-node cascade", val("evaluations_per_s") " evaluations/s, first " val("first_s") " s, " val("peak_mib") " MiB", "memory linear in N + M") }
/^bench=percolation / { row("mutual percolation cascade", val("cascade_median_s") " s median, first " val("first_cascade_s") " s, N=" val("nodes_per_layer"), "< 1 s, < 500 MB at N = 10^6") }
/^bench=percolation_once/ { dp = val("process_s"); dc = val("process_cpu_s"); dm = val("peak_mib")
  row("  whole process, one removal", dp " s (CPU " dc " s; load " val("load_s") ", compile " val("compile_s") "), " dm " MiB", "") }
/^bench=percolation_small/ { ds = val("process_s"); dsc = val("process_cpu_s"); row("  whole process at N=" val("nodes_per_layer"), ds " s (CPU " dsc " s)", "") }
/^bench=percolation_python_igraph_once/ { p = val("process_s"); pc = val("process_cpu_s"); m = val("peak_mib"); pn = val("nodes_per_layer")
  row("  python3-igraph, whole process", p " s (CPU " pc " s), " m " MiB", "(baseline)")
  if (dp > 0) row("    domino against it", sprintf("x%.1f wall, x%.1f CPU; memory %.2fx", p / dp, pc / dc, dm / m), ">= 5x; memory <= 1.5x") }
/^bench=percolation_python_networkx/ { xp = val("process_s"); xpc = val("process_cpu_s"); nn = val("nodes_per_layer")
  row("  networkx at N=" nn ", whole process", xp " s (CPU " xpc " s)", "(baseline)")
  if (ds > 0) row("    domino against it", sprintf("x%.0f wall, x%.0f CPU", xp / ds, xpc / dsc), ">= 100x") }
/^bench=cli/ { w = val("what"); tw[w] = val("wall_s"); k[w] = val("peak_kib"); cpu[w] = val("cpu_s") }
END {
  if (tw["perc_run_1"] > 0) {
    row("domino run, percolation N=" pn ", 1 rep", tw["perc_run_1"] " s (CPU " cpu["perc_run_1"] " s), " sprintf("%.0f MiB", k["perc_run_1"] / 1024), "")
    if (p > 0) row("    against python3-igraph", sprintf("x%.1f wall, x%.1f CPU; memory %.2fx", p / tw["perc_run_1"], pc / cpu["perc_run_1"], k["perc_run_1"] / 1024 / m), ">= 5x; memory <= 1.5x")
    row("  4 replicates", tw["perc_run_4"] " s (CPU " cpu["perc_run_4"] " s), " sprintf("%.0f MiB (%.2fx one)", k["perc_run_4"] / 1024, k["perc_run_4"] / k["perc_run_1"]), "memory not growing")
    row("  1 rep at N=" nn, tw["perc_run_small"] " s (CPU " cpu["perc_run_small"] " s)", "")
    if (xp > 0) row("    against networkx", sprintf("x%.0f wall, x%.0f CPU", xp / tw["perc_run_small"], xpc / cpu["perc_run_small"]), ">= 100x")
  }
  if (tw["grid_bare"] > 0) {
    row("grid-attack 20000 reps, 2 threads", tw["grid_bare"] " s bare, " tw["grid_json"] " s --json, " tw["grid_o"] " s -o", "")
    row("  --json / bare, -o / bare", sprintf("%.2f, %.2f; %.0f replicates/s with --json", tw["grid_json"] / tw["grid_bare"], tw["grid_o"] / tw["grid_bare"], 20000 / tw["grid_json"]), "<= 1.10; >= 20000/s")
  }
  n = split(mem_rs, rs, " "); s = ""
  for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") sprintf("%.0f MiB at %s", k["mem_" rs[i]] / 1024, rs[i])
  row("  peak memory with --json", s, "independent of replicates")
  if (tw["tokyo_bare"] > 0) {
    row("tokyo-area-blackout -o", tw["tokyo_o"] " s defaults, " tw["tokyo_o_maps"] " s every map (bare " tw["tokyo_bare"] " s)", "< 1.5 s; < 3 s")
    row("  -o / bare, every map / bare", sprintf("%.2f, %.2f", tw["tokyo_o"] / tw["tokyo_bare"], tw["tokyo_o_maps"] / tw["tokyo_bare"]), "<= 1.10")
  }
}' "$out/lines"
