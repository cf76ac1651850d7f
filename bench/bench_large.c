/* Benchmark: a synthetic dependency graph of N = 10^6 nodes and M = 4 10^6 dependencies
 * (directed Erdős–Rényi G(N, M) from igraph, seed 42, then flattened into a model), one
 * cascade to quiescence. Each node needs at least 3/4 of its providers (a quorum group,
 * the threshold rule of Watts 2002); a hazard takes out 5 % of the nodes, chosen at
 * random, at T+0; every dependency has zero lag, so the cascade settles within the first
 * tick in Jacobi rounds over the frontier (in parallel when the frontier is large).
 * Prints one line:
 *   bench=large nodes=... dependencies=... threads=... median_s=... evaluations=...
 *   evaluations_per_s=... failed=... peak_mib=... bytes_per_element=...
 * Optional arguments: N M (to scale down). */
#include <string.h>
#include <igraph.h>
#include <gsl/gsl_rng.h>
#include <omp.h>
#include "bench_util.h"

/* The model: one sector, N nodes, one quorum group per node with providers. */
static dm_model *flatten(const igraph_t *g, igraph_integer_t n)
{
    igraph_integer_t m = igraph_ecount(g);
    dm_model *md = calloc(1, sizeof *md);
    md->name = strdup("synthetic-er");
    md->nsectors = 1;
    md->sectors = calloc(1, sizeof *md->sectors);
    md->sectors[0] = (dm_sector){.id = strdup("NET"), .name_ja = strdup("網"), .name_en = strdup("network"),
                                 .unit = strdup("nodes"), .any_loss = 1};
    md->nnodes = md->ndefined_nodes = (size_t)n;
    md->nodes = calloc((size_t)n, sizeof *md->nodes);
    for (igraph_integer_t v = 0; v < n; v++)
        md->nodes[v] = (dm_node){.sector = 0, .region = -1, .capacity = 1, .rule = DM_RULE_MIN,
                                 .dynamics = DM_DYN_STEP, .ramp_steps = DM_DEFAULT_RAMP_STEPS};
    /* providers grouped by dependent (edge u -> v: v depends on u), counting sort */
    size_t *start = calloc((size_t)n + 1, sizeof *start);
    for (igraph_integer_t e = 0; e < m; e++) start[IGRAPH_TO(g, e) + 1]++;
    for (igraph_integer_t v = 0; v < n; v++) start[v + 1] += start[v];
    md->nprovider = (size_t)m;
    md->provider_node = malloc((size_t)m * sizeof(int));
    md->provider_share = malloc((size_t)m * sizeof(double));
    size_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, start, ((size_t)n + 1) * sizeof *fill);
    for (igraph_integer_t e = 0; e < m; e++) {
        size_t at = fill[IGRAPH_TO(g, e)]++;
        md->provider_node[at] = (int)IGRAPH_FROM(g, e);
        md->provider_share[at] = 1.0 / (double)(start[IGRAPH_TO(g, e) + 1] - start[IGRAPH_TO(g, e)]);
    }
    md->groups = calloc((size_t)n, sizeof *md->groups);
    for (igraph_integer_t v = 0; v < n; v++) {
        if (start[v + 1] == start[v]) continue;
        md->groups[md->ngroups++] = (dm_group){.dependent = (int)v, .mode = DM_MODE_QUORUM, .strength = 1,
            .first = start[v], .nproviders = start[v + 1] - start[v], .quorum_fraction = 0.75,
            .quorum_level = 0.5, .refill = 1, .resupply_level = 0.5};
    }
    md->ndefined_groups = md->ngroups;
    free(start);
    free(fill);
    return md;
}

int main(int argc, char **argv)
{
    igraph_integer_t n = argc > 1 ? atoll(argv[1]) : 1000000, m = argc > 2 ? atoll(argv[2]) : 4000000;
    const int repeats = 3;
    dm_init();
    igraph_t g;
    igraph_rng_seed(igraph_rng_default(), 42);
    if (igraph_erdos_renyi_game_gnm(&g, n, m, IGRAPH_DIRECTED, IGRAPH_NO_LOOPS) != IGRAPH_SUCCESS) {
        fprintf(stderr, "bench_large: igraph could not generate the graph\n");
        return 1;
    }
    dm_scenario *sc = calloc(1, sizeof *sc);
    sc->name = strdup("large-cascade");
    sc->text = strdup("");
    sc->model = flatten(&g, n);
    igraph_destroy(&g);  /* the engine runs on flat arrays only */
    sc->horizon_s = 86400;
    sc->tick_s = 60;
    sc->seed = 1;
    sc->replicates = 1;
    /* the hazard: 5 % of the nodes, chosen with a fixed seed */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    sc->nhazards = 1;
    sc->hazards = calloc(1, sizeof *sc->hazards);
    dm_hazard *h = &sc->hazards[0];
    h->id = strdup("random-removal");
    h->kind = DM_HAZARD_OTHER;
    h->severity = 1;
    h->start.kind = DM_DIST_FIXED;
    h->nodes = malloc((size_t)n * sizeof(int));
    for (igraph_integer_t v = 0; v < n; v++)
        if (gsl_rng_uniform(rng) < 0.05) h->nodes[h->nnodes++] = (int)v;
    gsl_rng_free(rng);

    dm_engine *eng;
    dm_error err;
    dm_error_clear(&err);
    if (dm_engine_new(sc, &eng, &err)) return bench_fail("bench_large", &err);
    double t[8];
    for (int k = 0; k < repeats; k++) {
        double t0 = bench_now();
        if (dm_engine_run(eng, 0, &err)) return bench_fail("bench_large", &err);
        t[k] = bench_now() - t0;
    }
    double first = t[0], median = bench_median(t, repeats);
    const dm_engine_result *r = dm_engine_results(eng);
    size_t failed = 0;
    for (igraph_integer_t v = 0; v < n; v++) failed += dm_engine_node_level(eng, (int)v) < 0.5;
    double peak = bench_peak_mib();
    printf("bench=large nodes=%lld dependencies=%lld threads=%d median_s=%.3f evaluations=%llu "
           "evaluations_per_s=%.3g failed=%zu peak_mib=%.0f bytes_per_element=%.0f first_s=%.3f process_cpu_s=%.2f\n",
           (long long)n, (long long)m, omp_get_max_threads(), median, (unsigned long long)r->evaluations,
           (double)r->evaluations / median, failed, peak, peak * 1048576.0 / (double)(n + m), first, bench_cpu_s());
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return 0;
}
