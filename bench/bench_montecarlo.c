/* Benchmark: Monte Carlo on the Japan 15-sector model with a random outage duration
 * (scenarios/grid-attack-uncertain.yaml, or the scenario given), R replicates (default
 * 10,000) with statistics, as `domino run` does without -o. Runs on 1 thread and on all
 * cores, 9 times each (alternating; the third argument, if any, sets how many times), on all cores with the sector levels summarised
 * as `--json` does (rate_json_N), and with levels and impact maps summarised as `-o` does
 * without writing the file (rate_o_N), and prints one line:
 *   bench=montecarlo replicates=... threads=N rate_1=... rate_N=... speedup=... rate_json_N=...
 *   json_cost=... rate_o_N=... o_cost=...
 * (rates in replicates per second, medians of the runs; first_1, first_N: the first run,
 * cold). */
#include <omp.h>
#include "bench_util.h"

static double run(const dm_scenario *sc, uint64_t R, int threads, unsigned stats, dm_error *err)
{
    dm_mc_config cfg = {.first = 0, .replicates = R, .threads = threads, .interval = 10, .store = 0, .stats = stats};
    dm_stats st;
    double t0 = bench_now();
    if (dm_mc_run(sc, &cfg, &st, err)) return -1;
    double rate = (double)R / (bench_now() - t0);
    dm_stats_free(&st);
    return rate;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "scenarios/grid-attack-uncertain.yaml";
    uint64_t R = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000;
    const int repeats = argc > 3 ? atoi(argv[3]) : 9, all = omp_get_max_threads();
    if (repeats < 1 || repeats > 16) {
        fprintf(stderr, "bench_montecarlo: from 1 to 16 repeats\n");
        return 2;
    }
    dm_init();
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    if (dm_scenario_load(path, &sc, &err)) return bench_fail("bench_montecarlo", &err);
    double one[16], many[16], json[16], o[16];
    for (int k = 0; k < repeats; k++) {
        if ((one[k] = run(sc, R, 1, 0, &err)) < 0 || (many[k] = run(sc, R, all, 0, &err)) < 0 ||
            (json[k] = run(sc, R, all, DM_STORE_SECTORS, &err)) < 0 ||
            (o[k] = run(sc, R, all, DM_STORE_SECTORS | DM_STORE_MAPS, &err)) < 0)
            return bench_fail("bench_montecarlo", &err);
    }
    double f1 = one[0], fn = many[0];
    double r1 = bench_median(one, repeats), rn = bench_median(many, repeats), rj = bench_median(json, repeats);
    double ro = bench_median(o, repeats);
    printf("bench=montecarlo scenario=%s replicates=%llu repeats=%d threads=%d rate_1=%.0f rate_%d=%.0f speedup=%.2f "
           "rate_json_%d=%.0f json_cost=%.3f rate_o_%d=%.0f o_cost=%.3f first_1=%.0f first_%d=%.0f\n",
           sc->name, (unsigned long long)R, repeats, all, r1, all, rn, rn / r1, all, rj, rn / rj - 1, all, ro, rn / ro - 1,
           f1, all, fn);
    dm_scenario_free(sc);
    return 0;
}
