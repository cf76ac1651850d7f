/* Benchmark: the embedded default scenario (7 days, 1-minute ticks, Japan 15 sectors),
 * one replicate at a time on one thread. Prints one machine-readable line:
 *   bench=default_replicate median_us=... runs=... repeats=... events=... evaluations=...
 * The median is over `repeats` batches of `runs` replicates each (fixed seed). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <omp.h>
#include "domino.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 2000, repeats = 9;
    dm_init();
    omp_set_num_threads(1);
    dm_scenario *sc;
    dm_engine *eng;
    dm_error err;
    dm_error_clear(&err);
    if (dm_scenario_default(&sc, &err) || dm_engine_new(sc, &eng, &err)) {
        char buf[1200];
        fprintf(stderr, "bench_default: %s\n", dm_error_format(&err, buf, sizeof buf));
        return err.code;
    }
    double per_run[16];
    for (int k = 0; k < repeats; k++) {
        double t0 = now();
        for (int r = 0; r < runs; r++) dm_engine_run(eng, (uint64_t)r, &err);
        per_run[k] = (now() - t0) / runs;
    }
    qsort(per_run, (size_t)repeats, sizeof per_run[0], cmp);
    const dm_engine_result *res = dm_engine_results(eng);
    printf("bench=default_replicate median_us=%.2f runs=%d repeats=%d threads=1 events=%zu evaluations=%llu ticks=%llu\n",
           1e6 * per_run[repeats / 2], runs, repeats, res->nevents,
           (unsigned long long)res->evaluations, (unsigned long long)res->ticks_processed);
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return 0;
}
