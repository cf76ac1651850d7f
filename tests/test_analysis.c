/* domino analyze: reach, timing, higher-order dependence, loops and criticality on models
 * small enough to check by hand; the IIM derived from a transactions table. */
#include <math.h>
#include <stdio.h>
#include <jansson.h>
#include "helpers.h"
#include "cli_helpers.h"

static dm_model *model_yaml(const char *yaml)
{
    dm_model *m;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_model_parse(yaml, strlen(yaml), "test.yaml", &m, &err), 0, "%s", err.message);
    return m;
}

static size_t unit(const dm_analysis *a, const char *id)
{
    for (size_t u = 0; u < a->n; u++)
        if (!strcmp(dm_analysis_id(a, u), id)) return u;
    cr_assert_fail("no unit %s", id);
    return 0;
}

#define AT(a, field, from, to) ((a).field[unit(&(a), from) * (a).n + unit(&(a), to)])

Test(analysis, chain_reach_timing_and_higher_order)
{
    /* A -> B (w 1, buffer 2 h), B -> C (w 0.5, lag 30 min), D alone.
     * Hops A->C 2, earliest 2:30; W has no cycle, rho = 0, alpha = 1, and
     * (I - W)^-1 = I + W + W^2: A on C = 1 * 0.5. */
    dm_model *m = model_yaml("sectors:\n  - {id: A, name_en: A}\n  - {id: B, name_en: B}\n"
        "  - {id: C, name_en: C}\n  - {id: D, name_en: D}\ndependencies:\n"
        "  - {dependent: B, providers: A, buffer: {duration: 2h}}\n"
        "  - {dependent: C, providers: B, strength: 0.5, lag: 30min}\n");
    dm_analysis_options o;
    dm_analysis_defaults(&o);
    dm_analysis a;
    dm_error err;
    cr_assert_eq(dm_analyze(m, &o, &a, &err), 0, "%s", err.message);
    cr_expect_eq(AT(a, hops, "A", "B"), 1);
    cr_expect_eq(AT(a, hops, "A", "C"), 2);
    cr_expect_eq(AT(a, hops, "C", "A"), -1);
    cr_expect_eq(AT(a, hops, "A", "D"), -1);
    cr_expect_float_eq(AT(a, earliest_hours, "A", "B"), 2.0, 1e-12);
    cr_expect_float_eq(AT(a, earliest_hours, "A", "C"), 2.5, 1e-12);
    cr_expect(isinf(AT(a, earliest_hours, "C", "A")));
    cr_expect_float_eq(AT(a, strength, "B", "C"), 0.5, 1e-12);
    cr_expect_float_eq(a.spectral_radius, 0.0, 1e-12);
    cr_expect_float_eq(a.alpha, 1.0, 1e-12);
    cr_expect_float_eq(AT(a, higher, "A", "C"), 0.5, 1e-12);
    cr_expect_float_eq(AT(a, higher, "A", "A"), 1.0, 1e-12);
    cr_expect_eq(a.ncomponents, 4);  /* no loops: each unit alone */
    /* criticality: a 24 h loss of A takes B down after its 2 h buffer (22 h) and C to
     * half for those 22 h (11 sector-hours); others lose 22 + 11 = 33 sector-hours */
    cr_expect_float_eq(a.criticality[unit(&a, "A")], 33.0, 1e-9);
    cr_expect_eq(a.ranking[0], (int)unit(&a, "A"));
    cr_expect_float_eq(a.criticality[unit(&a, "D")], 0.0, 1e-12);
    dm_analysis_free(&a);
    dm_model_free(m);
}

Test(analysis, a_sector_of_several_nodes_is_their_capacity_weighted_mean)
{
    /* Sector B has two nodes, B1 (capacity 3) needing A with w 1 and B2 (capacity 1) needing
     * A with w 0.4 and B1 with w 1: by sector, B on A is (3 x 1 + 1 x 0.4) / 4 = 0.85 and B on
     * itself 1/4 (the mean of its nodes', not the sum 1.4 and 1); by node, each as given. */
    dm_model *m = model_yaml("sectors:\n  - {id: A, name_en: A}\n  - {id: B, name_en: B}\n"
        "nodes:\n  - {id: A, sector: A}\n  - {id: B1, sector: B, capacity: 3}\n  - {id: B2, sector: B, capacity: 1}\n"
        "dependencies:\n  - {dependent: B1, providers: A}\n  - {dependent: B2, providers: A, strength: 0.4}\n"
        "  - {dependent: B2, providers: B1}\n");
    dm_analysis_options o;
    dm_analysis_defaults(&o);
    dm_analysis a;
    dm_error err;
    cr_assert_eq(dm_analyze(m, &o, &a, &err), 0, "%s", err.message);
    cr_expect_float_eq(AT(a, strength, "A", "B"), 0.85, 1e-12);
    cr_expect_float_eq(AT(a, strength, "B", "B"), 0.25, 1e-12);
    dm_analysis_free(&a);
    o.by_node = 1;
    cr_assert_eq(dm_analyze(m, &o, &a, &err), 0, "%s", err.message);
    cr_expect_float_eq(AT(a, strength, "A", "B2"), 0.4, 1e-12);
    cr_expect_float_eq(AT(a, strength, "B1", "B2"), 1.0, 1e-12);
    dm_analysis_free(&a);
    dm_model_free(m);
}

Test(analysis, loops_and_the_leontief_inverse_of_an_iim)
{
    /* Haimes & Jiang (2001): A* = [[0, 0.8], [0.2, 0]]. W[from][to] = a*_{to,from}, so
     * (I - W)^-1 is the transpose of (I - A*)^-1 = [[1, 0.8], [0.2, 1]] / 0.84:
     * the dependence of S1 on S2 through every path is 0.8 / 0.84. One loop of two. */
    dm_model *m = model_yaml("sectors:\n  - {id: S1, name_en: S1, rule: linear}\n"
        "  - {id: S2, name_en: S2, rule: linear}\ndependencies:\n"
        "  - {dependent: S1, providers: S2, strength: 0.8, lag: 1min}\n"
        "  - {dependent: S2, providers: S1, strength: 0.2, lag: 1min}\n");
    dm_analysis_options o;
    dm_analysis_defaults(&o);
    o.criticality = 0;
    dm_analysis a;
    dm_error err;
    cr_assert_eq(dm_analyze(m, &o, &a, &err), 0, "%s", err.message);
    cr_expect_float_eq(a.spectral_radius, 0.4, 1e-12);  /* sqrt(0.8 * 0.2) */
    cr_expect_float_eq(AT(a, higher, "S2", "S1"), 0.8 / 0.84, 1e-12);
    cr_expect_float_eq(AT(a, higher, "S1", "S2"), 0.2 / 0.84, 1e-12);
    cr_expect_float_eq(AT(a, higher, "S1", "S1"), 1.0 / 0.84, 1e-12);
    cr_expect_eq(a.ncomponents, 1);
    cr_expect_null(a.criticality);
    dm_analysis_free(&a);
    dm_model_free(m);
}

Test(analysis, iim_from_a_transactions_table)
{
    /* z = [[10, 40], [20, 5]], x = (100, 50): a*_ij = z_ij / x_i =
     * [[0.1, 0.4], [0.4, 0.1]]. */
    char dir[] = "/tmp/domino-io-XXXXXX", path[256], out[256], cmd[1024];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/table.csv", dir);
    snprintf(out, sizeof out, "%s/iim.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("# Hand-made table.\n# output_unit: 10^9 JPY\nsector,name_en,name_ja,output,P,Q\n"
          "P,Power,電力,100,10,40\nQ,Water,水道,50,20,5\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "analyze --io '%s' -o '%s'", path, out);
    char *text;
    cr_assert_eq(domino("/", cmd, 1, &text), 0, "%s", text);
    free(text);
    dm_model *m;
    dm_error err;
    cr_assert_eq(dm_model_load(out, &m, &err), 0, "%s", err.message);
    cr_expect_str_eq(m->output_unit, "10^9 JPY");
    cr_expect_float_eq(m->sectors[0].output, 100, 1e-12);
    double a[2][2] = {{0}};
    for (size_t g = 0; g < m->ngroups; g++)
        a[m->groups[g].dependent][m->provider_node[m->groups[g].first]] = m->groups[g].strength;
    cr_expect_float_eq(a[0][0], 0.1, 1e-15);
    cr_expect_float_eq(a[0][1], 0.4, 1e-15);
    cr_expect_float_eq(a[1][0], 0.4, 1e-15);
    cr_expect_float_eq(a[1][1], 0.1, 1e-15);
    cr_expect_eq(m->nodes[0].rule, DM_RULE_LINEAR);
    dm_model_free(m);
    /* errors name the line and column */
    f = fopen(path, "w");
    fputs("sector,name_en,name_ja,output,P,Q\nP,Power,電力,100,10,forty\nQ,Water,水道,50,20,5\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "analyze --io '%s'", path);
    cr_expect_eq(domino("/", cmd, 1, &text), 65, "%s", text);
    cr_expect(strstr(text, "table.csv:2:") != NULL && strstr(text, "found 'forty'") != NULL, "%s", text);
    free(text);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

Test(analysis, cli_json_dot_and_hdf5)
{
    char *out, dir[] = "/tmp/domino-an-XXXXXX", cmd[1024];
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(domino(dir, "analyze --json", 0, &out), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "not JSON: %s", jerr.text);
    cr_expect_eq(json_array_size(json_object_get(doc, "items")), 15);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(doc, "criticality_ranking"), 0)), "ELEC");
    json_decref(doc);
    free(out);
    cr_assert_eq(domino(dir, "analyze --dot g.dot -o a.h5 --lang ja", 0, &out), 0);
    cr_expect(strstr(out, "重要度ランキング") != NULL);
    free(out);
    snprintf(cmd, sizeof cmd, "grep -c -- '->' '%s/g.dot' > /dev/null && ncdump -h '%s/a.h5' | grep -q 'higher_order(provider, dependent)'", dir, dir);
    cr_expect_eq(system(cmd), 0, "the DOT or HDF5 output is missing what it should hold");
    cr_expect_eq(domino(dir, "analyze no-such-model.yaml", 1, &out), 66, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "analyze '%s/tests/data/bad-unknown-key.yaml'", env("DOMINO_SOURCE"));
    cr_expect_eq(domino(dir, cmd, 1, &out), 65, "%s", out);
    free(out);
    /* node by node: the IIM model's 15 nodes, without engine runs */
    snprintf(cmd, sizeof cmd, "analyze '%s/models/japan-iim.yaml' --nodes --no-criticality --json", env("DOMINO_SOURCE"));
    cr_assert_eq(domino(dir, cmd, 0, &out), 0);
    doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "not JSON: %s", jerr.text);
    cr_expect_str_eq(json_string_value(json_object_get(doc, "units")), "nodes");
    cr_expect_lt(json_real_value(json_object_get(doc, "spectral_radius")), 1.0, "an IO table's A* has rho < 1");
    cr_expect_eq(json_real_value(json_object_get(doc, "alpha")), 1.0);
    json_decref(doc);
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}
