/* Benchmark: a sweep of 100 points x 100 replicates on the Japan 15-sector model
 * (bench/sweep-100.yaml), run by the domino program on 1 process (all threads) and under
 * `mpirun -np 2` (one thread per rank), 3 times each; medians. Prints one line:
 *   bench=sweep points=100 replicates=100 repeats=3 points_per_s_1=... points_per_s_mpi2=...
 * Arguments: the domino program and the sweep file (meson passes both). */
#include <string.h>
#include <unistd.h>
#include "bench_util.h"

static double run(const char *cmd)
{
    double t0 = bench_now();
    if (system(cmd) != 0) return -1;
    return bench_now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_sweep DOMINO SWEEP.yaml\n");
        return 2;
    }
    char dir[] = "/tmp/domino-bench-sweep-XXXXXX", one[4096], mpi[4096], clean[4096];
    if (!mkdtemp(dir)) return 1;
    snprintf(one, sizeof one, "rm -rf '%s'/o.h5*; '%s' sweep '%s' -o '%s/o.h5' --quiet", dir, argv[1], argv[2], dir);
    snprintf(mpi, sizeof mpi, "rm -rf '%s'/m.h5*; mpirun --allow-run-as-root --oversubscribe -np 2 '%s' sweep '%s' "
             "-o '%s/m.h5' --threads 1 --quiet", dir, argv[1], argv[2], dir);
    double t1[3], t2[3];
    for (int k = 0; k < 3; k++) {
        if ((t1[k] = run(one)) < 0 || (t2[k] = run(mpi)) < 0) {
            fprintf(stderr, "bench_sweep: a run failed\n");
            return 1;
        }
    }
    double m1 = bench_median(t1, 3), m2 = bench_median(t2, 3);
    printf("bench=sweep points=100 replicates=100 repeats=3 seconds_1=%.2f points_per_s_1=%.1f seconds_mpi2=%.2f "
           "points_per_s_mpi2=%.1f speedup=%.2f\n", m1, 100 / m1, m2, 100 / m2, m1 / m2);
    snprintf(clean, sizeof clean, "rm -rf '%s'", dir);
    return system(clean) != 0;
}
