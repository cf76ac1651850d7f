/* Benchmark: loading and validating a model of N sectors (bench/synthetic_model.h), the
 * work `domino validate` does on it, for each kind of synthetic model whose text fits
 * under the file-size limit (64 MiB). Prints one line per size and kind:
 *   bench=load sectors=... kind=sectors|dependencies|nodes bytes=... median_s=... median_cpu_s=...
 *   runs=... peak_mib=...
 * (CPU time beside wall time: on a shared machine the CPU time is the steadier figure).
 * Arguments: sizes (default 10000 100000 1000000); DOMINO_BENCH_RUNS repetitions (default 5).
 * `bench_load --write N FILE [sectors|dependencies|nodes]` writes the model instead, for
 * `domino validate FILE`. */
#include <string.h>
#include "bench_util.h"
#include "domino/limits.h"
#include "synthetic_model.h"

static const char *const kinds[] = {"sectors", "dependencies", "nodes"};

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "--write")) {
        int kind = SYNTH_NODES;
        for (int k = 0; argc > 4 && k < 3; k++) if (!strcmp(argv[4], kinds[k])) kind = k;
        size_t len;
        char *text = synthetic_model(strtoull(argv[2], NULL, 10), kind, &len);
        FILE *f = fopen(argv[3], "w");
        int ok = f && fwrite(text, 1, len, f) == len;
        if (f && fclose(f)) ok = 0;
        free(text);
        if (!ok) { perror(argv[3]); return 74; }
        return 0;
    }
    const char *env = getenv("DOMINO_BENCH_RUNS");
    int runs = env ? atoi(env) : 5;
    if (runs < 1) runs = 1;
    if (runs > 64) runs = 64;
    static const char *const dflt[] = {"10000", "100000", "1000000"};
    int nsizes = argc > 1 ? argc - 1 : 3;
    for (int k = 0; k < nsizes; k++) {
        size_t n = strtoull(argc > 1 ? argv[k + 1] : dflt[k], NULL, 10);
        for (int kind = 0; kind < 3; kind++) {
            size_t len;
            char *text = synthetic_model(n, kind, &len);
            if (len > (size_t)DM_MAX_YAML_BYTES) { free(text); continue; }  /* domino would refuse the file */
            double t[64], cpu[64];
            for (int i = 0; i < runs; i++) {
                dm_model *m;
                dm_error err;
                dm_error_clear(&err);
                double t0 = bench_now(), c0 = bench_cpu_s();
                if (dm_model_parse(text, len, "synthetic.yaml", &m, &err)) return bench_fail("bench_load", &err);
                t[i] = bench_now() - t0;
                cpu[i] = bench_cpu_s() - c0;
                if (m->nsectors != n) { fprintf(stderr, "bench_load: %zu sectors, expected %zu\n", m->nsectors, n); return 1; }
                dm_model_free(m);
            }
            printf("bench=load sectors=%zu kind=%s bytes=%zu median_s=%.4f median_cpu_s=%.4f runs=%d peak_mib=%.1f\n", n,
                   kinds[kind], len, bench_median(t, runs), bench_median(cpu, runs), runs, bench_peak_mib());
            fflush(stdout);
            free(text);
        }
    }
    return 0;
}
