/* Layers (docs/model-format.md, "Layers"): graphs from generators and files, couplings,
 * connectivity source and giant checked against igraph, determinism across threads,
 * `domino generate`, and the errors bad layer input gets. The published results are in
 * the reference suite (tests/reference/). */
#include <igraph.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "helpers.h"
#include "cli_helpers.h"
#include "graph/graph_igraph.h"

static void init(void) { dm_init(); }
TestSuite(layers, .init = init);

/* A path 0-1-2-3-4 (edge list), source 0; node 2 is lost from 1h to 3h. */
Test(layers, source_rule_cuts_and_restores_by_path)
{
    char dir[256];
    scratch_make(dir, "layers-source");
    char path[300];
    snprintf(path, sizeof path, "%s/path.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("0 1\n1 2\n2 3\n3 4\n", f);
    fclose(f);
    char yaml[2000];
    snprintf(yaml, sizeof yaml,
             "name: t\nhorizon: 6h\nmodel:\n  name: m\n  sectors: [{id: G, name_en: grid}]\n"
             "  layers: [{sector: G, graph: {file: %s}, connectivity: source, sources: [0]}]\n"
             "hazards: [{id: h, kind: failure, severity: 1, at: 1h, duration: 2h, select: {nodes: ['G:2']}}]\n", path);
    sim x = simulate(yaml);
    cr_expect_eq(first_event(&x, "G:3", DM_EV_DISCONNECTED), 60);
    cr_expect_eq(first_event(&x, "G:4", DM_EV_DISCONNECTED), 60);
    cr_expect_eq(first_event(&x, "G:1", DM_EV_DISCONNECTED), -1, "node 1 still reaches the source");
    cr_expect_eq(first_event(&x, "G:4", DM_EV_RESTORED), 180, "a path again at 3h");
    for (int v = 0; v < 5; v++) cr_expect_eq(dm_engine_node_level(x.eng, v), 1.0);
    sim_free(&x);
    scratch_remove(dir);
}

/* Runs six replicates and checks, after each, that the nodes up are exactly those igraph
 * says the layer's rule keeps: with the hit nodes removed, the largest component (giant),
 * or the components of the sources that were not hit (source). */
static void compare_with_igraph(const char *yaml)
{
    dm_scenario *sc = load_yaml(yaml);
    const dm_layer *L = &sc->model->layers[0];
    dm_engine *e;
    dm_error err;
    cr_assert_eq(dm_engine_new(sc, &e, &err), 0);
    for (uint64_t r = 0; r < 6; r++) {
        cr_assert_eq(dm_engine_run(e, r, &err), 0);
        const dm_engine_result *res = dm_engine_results(e);
        unsigned char *hit = calloc(L->nnodes, 1), *kept = NULL;
        for (size_t i = 0; i < res->nevents; i++)
            if (res->events[i].kind == DM_EV_HAZARD_START) hit[res->events[i].node] = 1;
        /* igraph: components of the graph without the hit nodes */
        igraph_vector_int_t edges, membership, csize;
        igraph_vector_int_init(&edges, 0);
        for (size_t u = 0; u < L->nnodes; u++)
            for (size_t k = L->adj_start[u]; k < L->adj_start[u + 1]; k++)
                if ((size_t)L->adj[k] > u && !hit[u] && !hit[L->adj[k]]) {
                    igraph_vector_int_push_back(&edges, (igraph_integer_t)u);
                    igraph_vector_int_push_back(&edges, L->adj[k]);
                }
        igraph_t g;
        igraph_create(&g, &edges, (igraph_integer_t)L->nnodes, IGRAPH_UNDIRECTED);
        igraph_vector_int_init(&membership, 0);
        igraph_vector_int_init(&csize, 0);
        igraph_integer_t ncomp;
        igraph_connected_components(&g, &membership, &csize, &ncomp, IGRAPH_WEAK);
        kept = calloc((size_t)ncomp, 1);
        igraph_integer_t best = -1, best_size = 0;
        for (igraph_integer_t c = 0; c < ncomp && L->connectivity == DM_CONNECT_GIANT; c++) {
            igraph_integer_t size = 0;  /* hit nodes are isolated vertices: not counted */
            for (size_t v = 0; v < L->nnodes; v++) size += VECTOR(membership)[v] == c && !hit[v];
            if (size > best_size) { best_size = size; best = c; }
        }
        if (best >= 0) kept[best] = 1;
        for (size_t k = 0; k < L->nsources; k++)
            if (!hit[L->sources[k]]) kept[VECTOR(membership)[L->sources[k]]] = 1;
        size_t mismatches = 0, up = 0, expected = 0;
        for (size_t v = 0; v < L->nnodes; v++) {
            int keeps = !hit[v] && kept[VECTOR(membership)[v]];
            expected += keeps;
            up += dm_engine_node_level(e, (int)v) == 1.0;
            mismatches += keeps != (dm_engine_node_level(e, (int)v) == 1.0);
        }
        cr_expect_eq(mismatches, 0, "replicate %llu: %zu nodes differ from igraph (%zu nodes kept; engine %zu up)",
                     (unsigned long long)r, mismatches, expected, up);
        igraph_vector_int_destroy(&edges);
        igraph_vector_int_destroy(&membership);
        igraph_vector_int_destroy(&csize);
        igraph_destroy(&g);
        free(hit);
        free(kept);
    }
    dm_engine_free(e);
    dm_scenario_free(sc);
}

/* Nodes lost a few at a time (incremental passes) and many at once (a sweep); the hazards
 * are the same for both rules. */
#define LOSSES "hazards:\n" \
    "  - {id: few1, kind: failure, severity: 1, at: 1min, select: {sectors: [G], count: 3}}\n" \
    "  - {id: few2, kind: failure, severity: 1, at: 2min, select: {sectors: [G], count: 5}}\n" \
    "  - {id: few3, kind: failure, severity: 1, at: 3min, select: {sectors: [G], count: 8}}\n" \
    "  - {id: few4, kind: failure, severity: 1, at: 4min, select: {sectors: [G], count: 13}}\n" \
    "  - {id: many, kind: failure, severity: 1, at: 5min, select: {sectors: [G], count: 400}}\n" \
    "  - {id: few5, kind: failure, severity: 1, at: 6min, select: {sectors: [G], count: 21}}\n"

Test(layers, giant_rule_matches_igraph_components)
{
    compare_with_igraph("name: t\nhorizon: 2h\nseed: 7\nmodel:\n  name: m\n  sectors: [{id: G, name_en: grid}]\n"
                        "  layers: [{sector: G, graph: {generate: erdos_renyi, nodes: 3000, mean_degree: 2.5, seed: 5}, "
                        "connectivity: giant}]\n" LOSSES);
}

Test(layers, source_rule_matches_igraph_components)
{
    compare_with_igraph("name: t\nhorizon: 2h\nseed: 7\nmodel:\n  name: m\n  sectors: [{id: G, name_en: grid}]\n"
                        "  layers: [{sector: G, graph: {generate: erdos_renyi, nodes: 3000, mean_degree: 1.8, seed: 5}, "
                        "connectivity: source, sources: {count: 4, seed: 3}}]\n" LOSSES);
}

/* Two coupled layers large enough for parallel frontiers: the same bits for 1 and 2
 * threads. */
Test(layers, same_bits_for_any_thread_count)
{
    const char *yaml =
        "name: t\nhorizon: 1h\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n"
        "  layers:\n"
        "    - {sector: A, graph: {generate: erdos_renyi, nodes: 30000, mean_degree: 4, seed: 1}, connectivity: giant}\n"
        "    - {sector: B, graph: {generate: scale_free, nodes: 30000, mean_degree: 4, exponent: 2.7, seed: 2}, connectivity: giant}\n"
        "  couplings: [{dependent: A, provider: B, pairs: {fraction: 0.8, seed: 3}, mutual: true}]\n"
        "hazards: [{id: h, kind: cyber, severity: 1, select: {sectors: [A], fraction: 0.3}}]\n";
    dm_scenario *sc = load_yaml(yaml);
    size_t n = sc->model->nnodes;
    double *level[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        dm_engine *e;
        dm_error err;
        cr_assert_eq(dm_engine_new(sc, &e, &err), 0);
        cr_assert_eq(dm_engine_run(e, 3, &err), 0);
        level[t] = malloc(n * sizeof *level[t]);
        for (size_t v = 0; v < n; v++) level[t][v] = dm_engine_node_level(e, (int)v);
        dm_engine_free(e);
    }
    omp_set_num_threads(2);
    cr_expect_eq(memcmp(level[0], level[1], n * sizeof *level[0]), 0);
    double up = 0;
    for (size_t v = 0; v < n; v++) up += level[0][v];
    cr_expect(up > 0.1 * (double)n && up < 0.9 * (double)n, "a partial cascade (%g of %zu up)", up, n);
    free(level[0]);
    free(level[1]);
    dm_scenario_free(sc);
}

/* The same graph from the generator, an edge list, GraphML and HDF5 CSR (all written by
 * `domino generate`) gives the same layer. */
Test(layers, generate_and_read_every_format)
{
    char dir[256], *out;
    scratch_make(dir, "layers-formats");
    const char *files[] = {"g.h5", "g.graphml", "g.txt"};
    for (int i = 0; i < 3; i++) {
        char args[300];
        snprintf(args, sizeof args, "generate scale_free --nodes 2000 --mean-degree 3 --exponent 2.5 --cutoff 5 --seed 9 -o %s", files[i]);
        cr_assert_eq(domino(dir, args, 1, &out), 0, "%s", out);
        free(out);
    }
    char yaml[3000];
    snprintf(yaml, sizeof yaml,
             "name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}, {id: C, name_en: c}, {id: D, name_en: d}]\n"
             "  layers:\n"
             "    - {sector: A, graph: {generate: scale_free, nodes: 2000, mean_degree: 3, exponent: 2.5, cutoff: 5, seed: 9}}\n"
             "    - {sector: B, graph: {file: %s/g.h5}}\n    - {sector: C, graph: {file: %s/g.graphml}}\n"
             "    - {sector: D, graph: {file: %s/g.txt, nodes: 2000}}\n"
             "hazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", dir, dir, dir);
    dm_scenario *sc = load_yaml(yaml);
    const dm_layer *L = sc->model->layers;
    cr_assert_gt(L[0].nedges, 2000);
    for (int i = 1; i < 4; i++) {
        cr_assert_eq(L[i].nnodes, L[0].nnodes, "layer %s", L[i].id);
        cr_assert_eq(L[i].nedges, L[0].nedges, "layer %s", L[i].id);
        /* same neighbour sets (the order within a node may differ between formats) */
        for (size_t v = 0; v < L[0].nnodes; v++) {
            cr_assert_eq(L[i].adj_start[v + 1] - L[i].adj_start[v], L[0].adj_start[v + 1] - L[0].adj_start[v]);
            for (size_t k = L[0].adj_start[v]; k < L[0].adj_start[v + 1]; k++) {
                int found = 0;
                for (size_t j = L[i].adj_start[v]; j < L[i].adj_start[v + 1]; j++) found |= L[i].adj[j] == L[0].adj[k];
                cr_assert(found, "layer %s: edge %zu-%d missing", L[i].id, v, L[0].adj[k]);
            }
        }
    }
    /* the cutoff holds: with expected degrees capped at 5 the largest degree stays near
     * it; the same graph without the cap has bigger hubs */
    size_t maxdeg = 0, maxfree = 0;
    for (size_t v = 0; v < L[0].nnodes; v++)
        if (L[0].adj_start[v + 1] - L[0].adj_start[v] > maxdeg) maxdeg = L[0].adj_start[v + 1] - L[0].adj_start[v];
    dm_graph_spec free_spec = {DM_GRAPH_SCALE_FREE, 2000, 3000, 0, 2.5, 0, 9};
    dm_csr g;
    cr_assert_eq(dm_graph_generate(&free_spec, &g, &(dm_error){0}), 0);
    cr_assert_eq(g.nodes, 2000);
    for (size_t v = 0; v < g.nodes; v++)
        if (g.start[v + 1] - g.start[v] > maxfree) maxfree = g.start[v + 1] - g.start[v];
    dm_csr_free(&g);
    cr_expect_leq(maxdeg, 14, "largest degree %zu with an expected-degree cutoff of 5", maxdeg);
    cr_expect_gt(maxfree, 14, "without the cutoff the largest degree is %zu", maxfree);
    dm_scenario_free(sc);
    /* the same seed gives the same bits; another seed another graph */
    char *a, *b;
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 500 --edges 900 --seed 4 -o a.txt", 1, &out), 0); free(out);
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 500 --edges 900 --seed 4 -o b.txt", 1, &out), 0); free(out);
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 500 --edges 900 --seed 5 -o c.txt", 1, &out), 0); free(out);
    char pa[300], pb[300], pc[300];
    snprintf(pa, sizeof pa, "%s/a.txt", dir);
    snprintf(pb, sizeof pb, "%s/b.txt", dir);
    snprintf(pc, sizeof pc, "%s/c.txt", dir);
    a = slurp(pa);
    b = slurp(pb);
    char *c = slurp(pc);
    cr_expect_str_eq(a, b);
    cr_expect_str_neq(a, c);
    free(a); free(b); free(c);
    /* bad usage and impossible parameters */
    cr_expect_eq(domino(dir, "generate erdos_renyi --nodes 10 -o x.h5", 1, &out), 2); free(out);
    cr_expect_eq(domino(dir, "generate erdos_renyi --nodes 10 --edges 100 -o x.h5", 1, &out), 65); free(out);
    cr_expect_eq(domino(dir, "generate lattice --nodes 10 --edges 5 -o x.h5", 1, &out), 2); free(out);
    snprintf(pa, sizeof pa, "%s/x.h5", dir);
    cr_expect_eq(access(pa, F_OK), -1, "nothing written after an error");
    scratch_remove(dir);
}

/* The top K by degree counts layer edges: the hubs of a star go first. */
Test(layers, top_k_by_degree_takes_the_hubs)
{
    char dir[256];
    scratch_make(dir, "layers-top");
    char path[300], yaml[1500];
    snprintf(path, sizeof path, "%s/stars.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("0 1\n0 2\n0 3\n0 4\n5 6\n5 7\n5 8\n8 9\n", f);  /* hubs 0 (degree 4) and 5 (3) */
    fclose(f);
    snprintf(yaml, sizeof yaml,
             "name: t\nmodel:\n  name: m\n  sectors: [{id: G, name_en: g}]\n"
             "  layers: [{sector: G, graph: {file: %s}}]\n"
             "hazards: [{id: h, kind: cyber, select: {sectors: [G], top: 2, by: degree}}]\n", path);
    dm_scenario *sc = load_yaml(yaml);
    cr_assert_eq(sc->hazards[0].nnodes, 2);
    cr_expect_eq(sc->hazards[0].nodes[0], 0);
    cr_expect_eq(sc->hazards[0].nodes[1], 5);
    dm_scenario_free(sc);
    scratch_remove(dir);
}

/* Bad layer input: file, line and column, what was expected and found. */
Test(layers, bad_input_is_reported_with_its_position)
{
    const char *head = "name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n";
    char yaml[2000];
    struct { const char *layers, *expect; int line; } cases[] = {
        {"  layers: [{sector: X, graph: {generate: erdos_renyi, nodes: 10, edges: 5}}]\n", "the id of a sector", 5},
        {"  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 10}}]\n", "exactly one of 'edges' and 'mean_degree'", 5},
        {"  layers: [{sector: A, graph: {generate: random_regular, nodes: 5, degree: 3}}]\n", "nodes x degree even", 5},
        {"  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 10, edges: 5}, connectivity: source}]\n", "'sources'", 5},
        {"  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 10, edges: 5}}]\n"
         "  couplings: [{dependent: A, provider: B}]\n", "the sector of a layer", 6},
        {"  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 10, edges: 5}}, "
         "{sector: B, graph: {generate: erdos_renyi, nodes: 12, edges: 5}}]\n"
         "  couplings: [{dependent: A, provider: B, pairs: index}]\n", "equal size", 6},
        {"  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 10, edges: 5}}]\n"
         "  nodes: [{id: n, sector: A}]\n", "has a layer", 6},
        {"  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 2000000000, edges: 5}}]\n", "over the limit", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(yaml, sizeof yaml, "%s%shazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", head, cases[i].layers);
        dm_error err = load_error(yaml);
        cr_expect_eq(err.code, DM_EDATA, "case %zu", i);
        cr_expect(strstr(err.message, cases[i].expect), "case %zu: '%s' lacks '%s'", i, err.message, cases[i].expect);
        cr_expect_eq(err.line, cases[i].line, "case %zu: line %d", i, err.line);
    }
    /* a bad token in an edge list: its own file, line and column */
    char dir[256], path[300];
    scratch_make(dir, "layers-bad");
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("0 1\n1 2\n2 x3\n", f);
    fclose(f);
    snprintf(yaml, sizeof yaml, "%s  layers: [{sector: A, graph: {file: %s}}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", head, path);
    dm_error err = load_error(yaml);
    cr_expect_eq(err.code, DM_EDATA);
    cr_expect_str_eq(err.file, path);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.column, 3);
    cr_expect(strstr(err.message, "'x3'"), "%s", err.message);
    /* a missing file: exit 66 */
    snprintf(yaml, sizeof yaml, "%s  layers: [{sector: A, graph: {file: %s/none.txt}}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", head, dir);
    err = load_error(yaml);
    cr_expect_eq(err.code, DM_ENOINPUT);
    /* CSR with an index out of range */
    snprintf(path, sizeof path, "%s/bad.h5", dir);
    size_t start[] = {0, 1, 2};
    int adj[] = {1, 7};
    cr_assert_eq(dm_graph_write_csr(path, 2, start, adj, "bad", &err), 0);
    snprintf(yaml, sizeof yaml, "%s  layers: [{sector: A, graph: {file: %s}}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", head, path);
    err = load_error(yaml);
    cr_expect_eq(err.code, DM_EDATA);
    cr_expect(strstr(err.message, "indices[1] = 7"), "%s", err.message);
    /* a coupling's pairs file: a bad token at its position, a pair out of range by its line */
    const char *two = "name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n"
                      "  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 10, edges: 5}}, "
                      "{sector: B, graph: {generate: erdos_renyi, nodes: 10, edges: 5}}]\n";
    const char *pairs[] = {"0 1\n2 y\n", "0 1\n2 30\n"};
    const int line[] = {2, 2}, column[] = {3, 0};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/pairs.txt", dir);
        f = fopen(path, "w");
        fputs(pairs[i], f);
        fclose(f);
        snprintf(yaml, sizeof yaml, "%s  couplings: [{dependent: A, provider: B, pairs: {file: %s}}]\n"
                 "hazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", two, path);
        err = load_error(yaml);
        cr_expect_eq(err.code, DM_EDATA);
        cr_expect_str_eq(err.file, path);
        cr_expect_eq(err.line, line[i], "pairs case %d: line %d (%s)", i, err.line, err.message);
        cr_expect_eq(err.column, column[i], "pairs case %d: column %d", i, err.column);
    }
    scratch_remove(dir);
}

/* A result file keeps the files its model read (every graph format and a pairs file):
 * with them deleted, the run still reloads, and its timeline is the same. */
Test(layers, result_file_keeps_the_graph_files)
{
    char dir[256], *out, *before, *after;
    scratch_make(dir, "layers-inputs");
    const char *gen[] = {"-o g.h5", "-o g.graphml", "-o g.txt"};
    for (int i = 0; i < 3; i++) {
        char args[300];
        snprintf(args, sizeof args, "generate erdos_renyi --nodes 300 --mean-degree 3 --seed %d %s", i + 1, gen[i]);
        cr_assert_eq(domino(dir, args, 1, &out), 0, "%s", out);
        free(out);
    }
    char path[300];
    snprintf(path, sizeof path, "%s/pairs.txt", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 300; i += 2) fprintf(f, "%d %d\n", i, 299 - i);
    fclose(f);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    f = fopen(path, "w");
    fputs("name: t\nhorizon: 1h\nmodel:\n  name: m\n"
          "  sectors: [{id: A, name_en: a}, {id: B, name_en: b}, {id: C, name_en: c}]\n"
          "  layers:\n"
          "    - {sector: A, connectivity: giant, graph: {file: g.h5}}\n"
          "    - {sector: B, connectivity: giant, graph: {file: g.graphml}}\n"
          "    - {sector: C, connectivity: giant, graph: {file: g.txt, nodes: 300}}\n"
          "  couplings:\n"
          "    - {dependent: B, provider: A, pairs: {file: pairs.txt}}\n"
          "    - {dependent: C, provider: B, pairs: index}\n"
          "hazards: [{id: h, kind: other, severity: 1, select: {sectors: [A], fraction: 0.4}}]\n", f);
    fclose(f);
    cr_assert_eq(domino(dir, "run -o r.h5 s.yaml", 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "timeline r.h5", 1, &before), 0, "%s", before);
    cr_assert(strstr(before, "C:"), "the cascade reaches layer C: %.400s", before);
    /* a file that changes between loading the model and writing the result is an error,
     * and no result file is left behind */
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    cr_assert_eq(dm_scenario_load(path, &sc, &err), 0, "%s", err.message);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s' && cp g.txt g.keep && echo '0 299' >> g.txt", dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/r2.h5", dir);
    dm_mc_config cfg = {.replicates = 1, .interval = 1, .store = DM_STORE_SECTORS};
    dm_h5_writer *w = NULL;
    int rc = dm_h5_create(path, sc, &cfg, NULL, &w, &err);
    cr_expect_eq(rc, DM_EDATA, "rc %d: %s: %s", rc, err.file, err.message);
    cr_expect(strstr(err.message, "changed since the model read it") && strstr(err.file, "g.txt"), "%s: %s", err.file, err.message);
    snprintf(cmd, sizeof cmd, "cd '%s' && ls -a | grep r2", dir);
    cr_expect_neq(run_capture(cmd, &out), 0, "left behind: %s", out);
    free(out);
    dm_scenario_free(sc);
    snprintf(cmd, sizeof cmd, "cd '%s' && mv g.keep g.txt && rm g.h5 g.graphml g.txt pairs.txt", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(domino(dir, "timeline r.h5", 1, &after), 0, "%s", after);
    cr_expect_str_eq(after, before);
    cr_assert_eq(domino(dir, "info r.h5", 1, &out), 0, "%s", out);
    cr_expect(strstr(out, "900 nodes"), "%s", out);
    free(out);
    free(before);
    free(after);
    /* the model file itself is still needed for a new run, and says which file is gone */
    cr_assert_eq(domino(dir, "run s.yaml", 1, &out), 66, "%s", out);
    cr_expect(strstr(out, "g.h5"), "%s", out);
    free(out);
    scratch_remove(dir);
}

/* Analysis by node covers a layer's nodes, under their ids, which the model does not
 * store; and criticality runs the engine with each of them lost in turn. */
Test(layers, analysis_by_node_names_the_layer_nodes)
{
    const char *yaml =
        "name: small\nsectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n"
        "layers:\n"
        "  - {sector: A, graph: {generate: erdos_renyi, nodes: 5, edges: 6, seed: 1}}\n"
        "  - {sector: B, graph: {generate: erdos_renyi, nodes: 5, edges: 6, seed: 2}}\n"
        "couplings: [{dependent: B, provider: A, pairs: index}]\n";
    dm_model *m;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_model_parse(yaml, strlen(yaml), "small.yaml", &m, &err), 0);
    dm_analysis_options o;
    dm_analysis_defaults(&o);
    o.by_node = 1;
    o.horizon_s = 3600;
    dm_analysis a;
    cr_assert_eq(dm_analyze(m, &o, &a, &err), 0, "%s", err.message);
    cr_assert_eq(a.n, 10);
    cr_expect_str_eq(dm_analysis_id(&a, 7), "B:2");
    cr_expect_str_eq(dm_analysis_name(&a, 7, 1), "B:2");
    cr_expect_eq(a.strength[2 * 10 + 7], 1.0, "B:2 needs A:2");
    cr_expect_eq(a.strength[7 * 10 + 2], 0.0);
    cr_expect_gt(a.criticality[2], a.criticality[7], "losing A:2 takes B:2 with it");
    /* the analysis only borrows the model: freed after it, it reads nothing of it (a
     * use-after-free under AddressSanitizer when dm_analysis_free counted the layer ids
     * from the model) */
    dm_model_free(m);
    dm_analysis_free(&a);
}

/* A layer's graph made in one pass (generated and relabelled together) is the graph
 * generated, then relabelled: the same offsets, the same neighbours in the same order. */
Test(layers, generated_layer_in_one_pass_is_generated_then_relabelled)
{
    const dm_graph_spec specs[] = {{DM_GRAPH_ERDOS_RENYI, 1000, 3000, 0, 0, 0, 1},
                                   {DM_GRAPH_ERDOS_RENYI, 100000, 200000, 0, 0, 0, 2},
                                   {DM_GRAPH_ERDOS_RENYI, 50, 1000, 0, 0, 0, 7},
                                   {DM_GRAPH_SCALE_FREE, 2000, 4000, 0, 2.5, 0, 3}};
    for (int i = 0; i < 4; i++) {
        dm_csr ref;
        size_t n, m, *s;
        int *a;
        cr_assert_eq(dm_graph_generate(&specs[i], &ref, &(dm_error){0}), 0);
        cr_assert_eq(dm_graph_relabel(ref.nodes, ref.start, ref.adj, specs[i].seed, &(dm_error){0}), 0);
        cr_assert_eq(dmi_graph_generate_layer(&specs[i], &n, &s, &a, &m, &(dm_error){0}), 0);
        cr_assert_eq(n, ref.nodes);
        cr_assert_eq(m, ref.edges, "spec %d: %zu edges against %zu", i, m, ref.edges);
        cr_expect_eq(memcmp(s, ref.start, (n + 1) * sizeof *s), 0, "spec %d: offsets differ", i);
        cr_expect_eq(memcmp(a, ref.adj, 2 * m * sizeof *a), 0, "spec %d: neighbours differ", i);
        free(s); free(a);
        dm_csr_free(&ref);
    }
}

/* G(n, m) built straight into CSR (no igraph_t) is the graph igraph's generator gives,
 * simplified, node for node and neighbour for neighbour; and the CSR of a multigraph with
 * loops has sorted, unique neighbours and no loops. */
Test(layers, erdos_renyi_straight_to_csr_is_igraphs_graph)
{
    const dm_graph_spec specs[] = {{DM_GRAPH_ERDOS_RENYI, 1000, 3000, 0, 0, 0, 1},
                                   {DM_GRAPH_ERDOS_RENYI, 100000, 200000, 0, 0, 0, 2},
                                   {DM_GRAPH_ERDOS_RENYI, 50, 1000, 0, 0, 0, 3}};
    for (int i = 0; i < 3; i++) {
        igraph_t g;
        size_t *s1, m1;
        int *a1;
        dm_csr direct;
        cr_assert_eq(dmi_graph_generate(&specs[i], &g, &(dm_error){0}), 0);
        cr_assert_eq(dmi_graph_csr(&g, &s1, &a1, &m1, &(dm_error){0}), 0);
        cr_assert_eq(dm_graph_generate(&specs[i], &direct, &(dm_error){0}), 0);
        size_t n = direct.nodes;
        cr_assert_eq(n, (size_t)igraph_vcount(&g));
        cr_assert_eq(m1, direct.edges, "spec %d: %zu edges against %zu", i, direct.edges, m1);
        cr_expect_eq(memcmp(s1, direct.start, (n + 1) * sizeof *s1), 0, "spec %d: offsets differ", i);
        cr_expect_eq(memcmp(a1, direct.adj, 2 * m1 * sizeof *a1), 0, "spec %d: neighbours differ", i);
        igraph_destroy(&g);
        free(s1); free(a1);
        dm_csr_free(&direct);
    }
    const igraph_integer_t ends[] = {0, 1, 1, 0, 2, 2, 3, 1, 0, 1, 1, 3};
    size_t *s, m;
    int *a;
    cr_assert_eq(dmi_csr_from_edges(4, ends, 6, &s, &a, &m, &(dm_error){0}), 0);
    const size_t want_s[] = {0, 1, 3, 3, 4};
    const int want_a[] = {1, 0, 3, 1};
    cr_expect_eq(m, 2);
    cr_expect_eq(memcmp(s, want_s, sizeof want_s), 0);
    cr_expect_eq(memcmp(a, want_a, sizeof want_a), 0);
    free(s); free(a);
}

/* The engine a Monte Carlo run leaves for the median replicate (dm_mc_config.keep) holds
 * the median's results when it ran it last, and they are those of a fresh engine running
 * that replicate: the same events, breaches and final levels. */
Test(layers, kept_engine_holds_the_median_replicate)
{
    const char *yaml =
        "name: t\nhorizon: 1h\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n  layers:\n"
        "    - {sector: A, connectivity: giant, graph: {generate: erdos_renyi, nodes: 3000, mean_degree: 4, seed: 1}}\n"
        "    - {sector: B, connectivity: giant, graph: {generate: erdos_renyi, nodes: 3000, mean_degree: 4, seed: 2}}\n"
        "  couplings: [{dependent: A, provider: B, pairs: index, mutual: true}]\n"
        "hazards: [{id: h, kind: failure, severity: 1, select: {sectors: [A], fraction: 0.3}}]\n";
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_scenario_parse(yaml, strlen(yaml), "t.yaml", &sc, &err), 0, "%s", err.message);
    for (uint64_t R = 1; R <= 5; R += 4) {
        dm_engine *kept = NULL, *fresh;
        dm_stats st;
        dm_mc_config cfg = {.first = 7, .replicates = R, .threads = 1, .interval = 1, .keep = &kept};
        cr_assert_eq(dm_mc_run(sc, &cfg, &st, &err), 0, "%s", err.message);
        cr_assert_not_null(kept, "R = %llu: no engine kept", (unsigned long long)R);
        uint64_t ran = dm_engine_results(kept)->replicate;
        if (R == 1) cr_expect_eq(ran, st.median_replicate);
        cr_assert_eq(dm_engine_new(sc, &fresh, &err), 0);
        cr_assert_eq(dm_engine_run(fresh, ran, &err), 0);
        const dm_engine_result *a = dm_engine_results(kept), *b = dm_engine_results(fresh);
        cr_expect_eq(a->nevents, b->nevents);
        cr_expect_eq(a->nbreaches, b->nbreaches);
        size_t same = 0;
        for (size_t i = 0; i < a->nevents && i < b->nevents; i++) {
            const dm_event *x = &a->events[i], *y = &b->events[i];
            same += x->tick == y->tick && x->node == y->node && x->kind == y->kind && x->cause_node == y->cause_node &&
                    x->group == y->group && x->hazard == y->hazard && x->value == y->value;
        }
        cr_expect_eq(same, b->nevents, "R = %llu: %zu of %zu events the same", (unsigned long long)R, same, b->nevents);
        for (int s = 0; s < 2; s++) cr_expect_eq(dm_engine_sector_level(kept, s), dm_engine_sector_level(fresh, s));
        dm_engine_free(fresh);
        dm_engine_free(kept);
        dm_stats_free(&st);
    }
    dm_scenario_free(sc);
}
