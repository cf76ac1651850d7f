/* Benchmark: the embedded default scenario (7 days, 1-minute ticks, Japan 15 sectors),
 * one replicate at a time on one thread. Prints one machine-readable line:
 *   bench=default_replicate median_us=... runs=... repeats=... events=... evaluations=...
 * The median is over `repeats` batches of `runs` replicates each (fixed seed). It also
 * reports how often the event log, breach list or calendar had to grow after the first
 * replicate (target: 0, no allocation in the tick loop once warm). */
#include <omp.h>
#include "bench_util.h"

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 2000, repeats = 9;
    dm_init();
    omp_set_num_threads(1);
    dm_scenario *sc;
    dm_engine *eng;
    dm_error err;
    dm_error_clear(&err);
    if (dm_scenario_default(&sc, &err) || dm_engine_new(sc, &eng, &err)) return bench_fail("bench_default", &err);
    double tw = bench_now();
    if (dm_engine_run(eng, 0, &err)) return bench_fail("bench_default", &err);  /* warm-up */
    double first = bench_now() - tw;  /* the first replicate: its allocations and page faults */
    double per_run[16];
    uint64_t grows = 0;
    for (int k = 0; k < repeats; k++) {
        double t0 = bench_now();
        for (int r = 0; r < runs; r++) {
            dm_engine_run(eng, (uint64_t)r, &err);
            grows += dm_engine_results(eng)->reallocations;
        }
        per_run[k] = (bench_now() - t0) / runs;
    }
    const dm_engine_result *res = dm_engine_results(eng);
    printf("bench=default_replicate median_us=%.2f runs=%d repeats=%d threads=1 events=%zu evaluations=%llu "
           "ticks=%llu reallocs_after_warmup=%llu first_us=%.1f\n",
           1e6 * bench_median(per_run, repeats), runs, repeats, res->nevents,
           (unsigned long long)res->evaluations, (unsigned long long)res->ticks_processed,
           (unsigned long long)grows, 1e6 * first);
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return 0;
}
