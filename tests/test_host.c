/* The library leaves its host's global state alone (docs/architecture.md, "The host's
 * state"): igraph's default random generator, igraph's and GSL's error handlers. A host
 * such as Python with python-igraph relies on them. */
#include <criterion/criterion.h>
#include <igraph.h>
#include <gsl/gsl_errno.h>
#include "helpers.h"

static void host_igraph_handler(const char *reason, const char *file, int line, igraph_error_t code)
{
    (void)reason; (void)file; (void)line; (void)code;
}

static void host_gsl_handler(const char *reason, const char *file, int line, int code)
{
    (void)reason; (void)file; (void)line; (void)code;
}

Test(host, igraph_default_generator_keeps_its_sequence)
{
    igraph_rng_seed(igraph_rng_default(), 123);
    igraph_integer_t expected = igraph_rng_get_integer(igraph_rng_default(), 0, 1000000000);
    igraph_rng_seed(igraph_rng_default(), 123);
    dm_graph_spec spec = {.kind = DM_GRAPH_ERDOS_RENYI, .nodes = 200, .edges = 400, .seed = 7};
    dm_csr g;
    cr_assert_eq(dm_graph_generate(&spec, &g, &(dm_error){0}), 0);
    dm_csr_free(&g);
    dm_scenario *sc = load_yaml("name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
                                "  layers: [{sector: A, graph: {generate: scale_free, nodes: 300, edges: 500, exponent: 2.5, seed: 2}}]\n"
                                "hazards: [{id: h, kind: other, select: {sectors: [A], top: 3, by: betweenness}}]\n");
    dm_scenario_free(sc);
    cr_expect_eq(igraph_rng_get_integer(igraph_rng_default(), 0, 1000000000), expected,
                 "a generated graph or a loaded layer drew from (or reseeded) igraph's default generator");
}

Test(host, same_graph_whatever_the_host_generator)
{
    dm_graph_spec spec = {.kind = DM_GRAPH_SCALE_FREE, .nodes = 500, .edges = 900, .exponent = 2.5, .seed = 11};
    dm_csr a, b;
    igraph_rng_seed(igraph_rng_default(), 1);
    cr_assert_eq(dm_graph_generate(&spec, &a, &(dm_error){0}), 0);
    igraph_rng_seed(igraph_rng_default(), 99);
    cr_assert_eq(dm_graph_generate(&spec, &b, &(dm_error){0}), 0);
    cr_assert_eq(a.edges, b.edges);
    cr_expect_arr_eq(a.adj, b.adj, 2 * a.edges * sizeof *a.adj);
    dm_csr_free(&a);
    dm_csr_free(&b);
}

Test(host, error_handlers_are_restored)
{
    igraph_error_handler_t *ig_before = igraph_set_error_handler(host_igraph_handler);
    gsl_error_handler_t *gsl_before = gsl_set_error_handler(host_gsl_handler);
    dm_error err;
    dm_error_clear(&err);
    /* a failing igraph call (a regular graph that cannot exist) and a successful load */
    dm_graph_spec bad = {.kind = DM_GRAPH_RANDOM_REGULAR, .nodes = 5, .degree = 3, .seed = 1};
    dm_csr g;
    cr_expect_neq(dm_graph_generate(&bad, &g, &err), 0);
    dm_scenario *sc = load_yaml("name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
                                "  layers: [{sector: A, graph: {generate: erdos_renyi, nodes: 50, edges: 60, seed: 2}}]\n"
                                "hazards: [{id: h, kind: other, select: {sectors: [A]}}]\n");
    dm_engine *e;
    cr_assert_eq(dm_engine_new(sc, &e, &err), 0);
    dm_engine_free(e);
    dm_analysis_options o;
    dm_analysis_defaults(&o);
    o.criticality = 0;
    dm_analysis a;
    cr_expect_eq(dm_analyze(sc->model, &o, &a, &err), 0);
    dm_analysis_free(&a);
    dm_scenario_free(sc);
    cr_expect_eq(igraph_set_error_handler(ig_before), host_igraph_handler, "igraph's error handler was replaced");
    cr_expect_eq(gsl_set_error_handler(gsl_before), host_gsl_handler, "GSL's error handler was replaced");
}
