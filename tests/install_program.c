/* A program a user writes against the installed libdomino (tests/install_check.sh builds
 * it with `pkg-config --cflags --libs domino`): a shipped scenario by name, one replicate
 * and a small Monte Carlo run, a generated graph as CSR, and an error with its position. */
#include <stdio.h>
#include <string.h>
#include <domino.h>

static int fail(const dm_error *err)
{
    char msg[1200];
    fprintf(stderr, "program: %s\n", dm_error_format(err, msg, sizeof msg));
    return 1;
}

int main(void)
{
    if (strcmp(dm_version(), DM_VERSION_STRING)) {
        fprintf(stderr, "program: library %s, headers %s\n", dm_version(), DM_VERSION_STRING);
        return 1;
    }
    dm_error err;
    dm_error_clear(&err);
    dm_scenario *sc;
    if (dm_scenario_load("tokyo-area-blackout", &sc, &err)) return fail(&err);
    dm_engine *e;
    if (dm_engine_new(sc, &e, &err) || dm_engine_run(e, 0, &err)) return fail(&err);
    const dm_engine_result *r = dm_engine_results(e);
    printf("scenario %s: %zu sectors, %zu events, %zu breaches\n", sc->name, sc->model->nsectors, r->nevents, r->nbreaches);
    dm_engine_free(e);

    dm_mc_config cfg = {.replicates = 20, .threads = 1, .interval = 10, .store = DM_STORE_SECTORS};
    dm_stats st;
    if (dm_mc_run(sc, &cfg, &st, &err)) return fail(&err);
    printf("monte carlo: %llu replicates, median replicate %llu\n", (unsigned long long)st.replicates,
           (unsigned long long)st.median_replicate);
    dm_stats_free(&st);
    dm_scenario_free(sc);

    dm_graph_spec spec = {.kind = DM_GRAPH_ERDOS_RENYI, .nodes = 100, .edges = 150, .seed = 3};
    dm_csr g;
    if (dm_graph_generate(&spec, &g, &err)) return fail(&err);
    printf("graph: %zu nodes, %zu edges, node 0 has %zu neighbours\n", g.nodes, g.edges, g.start[1] - g.start[0]);
    if (g.edges != 150 || g.start[g.nodes] != 300) return 1;
    dm_csr_free(&g);

    const char bad[] = "name: x\nmodel: japan-sectors\nhorizon: soon\n";
    if (dm_scenario_parse(bad, sizeof bad - 1, "bad.yaml", &sc, &err) == 0) return 1;
    char msg[1200];
    printf("error: %s\n", dm_error_format(&err, msg, sizeof msg));
    return strncmp(msg, "bad.yaml:3:", 11) != 0;
}
