/* Mutual percolation at scale (issue 5): two Erdos-Renyi layers of N nodes each (default
 * 10^6), mean degree 4, fully interdependent by index (Buldyrev et al. 2010), a random
 * fraction 1 - p = 0.3 of layer A removed, cascaded to the final mutual giant component
 * on one thread. Prints the load (graph generation and model), the engine compile, and
 * the median cascade over 5 replicates (each a different removal), the final giant
 * fraction beside theory, and the peak resident memory (also as it was after loading
 * and after compiling). Each phase's CPU time (user + system) too, with what the process
 * spent before main (the dynamic loader mapping and relocating the shared libraries):
 * CPU time hardly depends on the other programs sharing the machine, wall time does.
 *   bench_percolation [N] [replicates]
 * bench/baselines/buldyrev_igraph.py does the same computation with python3-igraph. */
#include <malloc.h>
#include <math.h>
#include <omp.h>
#include <string.h>
#include "bench_util.h"

int main(int argc, char **argv)
{
    double c_main = bench_cpu_s();
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 100 || reps < 1 || reps > 99) { fprintf(stderr, "usage: bench_percolation [N >= 100] [replicates 1..99]\n"); return 2; }
    dm_init();
    omp_set_num_threads(1);
#ifdef M_MMAP_THRESHOLD /* as the program does (src/cli/main.c), so the phases are the program's */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
    char yaml[2000];
    snprintf(yaml, sizeof yaml,
             "name: percolation\nhorizon: 1min\nmodel:\n  name: buldyrev\n"
             "  sectors: [{id: A, name_en: network A}, {id: B, name_en: network B}]\n  layers:\n"
             "    - {sector: A, connectivity: giant, graph: {generate: erdos_renyi, nodes: %lu, mean_degree: 4, seed: 1}}\n"
             "    - {sector: B, connectivity: giant, graph: {generate: erdos_renyi, nodes: %lu, mean_degree: 4, seed: 2}}\n"
             "  couplings: [{dependent: A, provider: B, pairs: index, mutual: true}]\n"
             "hazards: [{id: removal, kind: other, severity: 1, select: {sectors: [A], fraction: 0.3}}]\n", n, n);
    dm_error err;
    dm_error_clear(&err);
    dm_scenario *sc;
    dm_engine *e;
    double t0 = bench_now(), c0 = bench_cpu_s();
    if (dm_scenario_parse(yaml, strlen(yaml), "percolation.yaml", &sc, &err)) return bench_fail("bench_percolation", &err);
    double t1 = bench_now(), c1 = bench_cpu_s(), peak_load = bench_peak_mib();
    if (dm_engine_new(sc, &e, &err)) return bench_fail("bench_percolation", &err);
    double t2 = bench_now(), c2 = bench_cpu_s(), times[99], giant = 0, peak_compile = bench_peak_mib(), first_cpu = 0;
    uint64_t evals = 0, events = 0;
    for (int r = 0; r < reps; r++) {
        double a = bench_now();
        if (dm_engine_run(e, (uint64_t)r, &err)) return bench_fail("bench_percolation", &err);
        times[r] = bench_now() - a;
        if (r == 0) first_cpu = bench_cpu_s() - c2;
        giant += dm_engine_sector_level(e, 0) / reps;
        evals += dm_engine_results(e)->evaluations;
        events += dm_engine_results(e)->nevents;
    }
    double first = times[0], cascade = bench_median(times, reps);
    /* theory: P = p (1 - exp(-k P))^2, by fixed-point iteration from 1 */
    double P = 1;
    for (int i = 0; i < 100000; i++) P = 0.7 * (1 - exp(-4 * P)) * (1 - exp(-4 * P));
    printf("bench=percolation nodes_per_layer=%lu threads=1 replicates=%d load_s=%.3f compile_s=%.3f cascade_median_s=%.4f "
           "giant=%.5f theory=%.5f evaluations_per_replicate=%llu events_per_replicate=%llu peak_mib=%.0f "
           "peak_after_load_mib=%.0f peak_after_compile_mib=%.0f first_cascade_s=%.4f process_s=%.3f process_cpu_s=%.3f "
           "startup_cpu_s=%.4f load_cpu_s=%.4f compile_cpu_s=%.4f first_cascade_cpu_s=%.4f\n",
           n, reps, t1 - t0, t2 - t1, cascade, giant, P, (unsigned long long)(evals / (uint64_t)reps),
           (unsigned long long)(events / (uint64_t)reps), bench_peak_mib(), peak_load, peak_compile, first,
           bench_now() - t0, bench_cpu_s(), c_main, c1 - c0, c2 - c1, first_cpu);
    dm_engine_free(e);
    dm_scenario_free(sc);
    return 0;
}
