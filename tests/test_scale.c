/* Scale: loading is not quadratic in the number of ids (sectors, regions, nodes, tags), and
 * a model of 10^5 sectors with 10^5 nodes loads (docs/reliability.md, "Limits").
 *
 * The complexity is checked by counting, not timing: libdomino's calls of strcmp are
 * wrapped (-Wl,--wrap=strcmp on the test binary) and counted while a model of n and of 4n
 * sectors is loaded and hazards select from it. Every id lookup, sort and duplicate check
 * compares with strcmp, so a search through every id for every id (what the loader did:
 * 2 x 10^4 sectors took 4.5 s) makes the count grow 16-fold, n log n about 4.8-fold. */
#include <stdatomic.h>
#include <unistd.h>
#include "helpers.h"
#include "cli_helpers.h"
#include "../bench/synthetic_model.h"

int __real_strcmp(const char *a, const char *b);
static atomic_long strcmp_calls;
int __wrap_strcmp(const char *a, const char *b)
{
    atomic_fetch_add_explicit(&strcmp_calls, 1, memory_order_relaxed);
    return __real_strcmp(a, b);
}

/* A scenario over the synthetic model of n sectors (n a multiple of 1000): hazards that
 * select by tags, by a region group, by region code and tag, and by n/10 node ids, whose
 * sizes are known from how the model is made (node i: sector S<i>, region R<i mod n/100>,
 * tag t<i mod 50>; region R<g>: code '<g>', group G<g mod 10>). */
static char *synthetic_scenario(size_t n, size_t *len)
{
    synth_buf b = {0};
    synth_put(&b, "model: synthetic\nhorizon: 1d\ntick: 1min\nhazards:\n"
                  "  - {id: tags, kind: other, select: {tags: [t3, t7]}, at: 0min}\n"
                  "  - {id: group, kind: other, select: {regions: [G1]}, at: 0min}\n"
                  "  - {id: code-tag, kind: other, select: {regions: ['5'], tags: [t5]}, at: 0min}\n"
                  "  - {id: ids, kind: other, select: {nodes: [");
    for (size_t k = 0; k < n / 10; k++) synth_put(&b, "%sN%zu", k ? ", " : "", 10 * k);
    synth_put(&b, "]}, at: 0min}\n");
    *len = b.len;
    return b.text;
}

/* Loads the synthetic model of n sectors and the scenario over it; checks what they hold;
 * returns the strcmp calls it took. */
static long load_synthetic(size_t n)
{
    size_t mlen, slen;
    char *mtext = synthetic_model(n, SYNTH_NODES, &mlen), *stext = synthetic_scenario(n, &slen);
    dm_model *m = NULL;
    dm_scenario *s = NULL;
    dm_error err;
    char buf[1200];
    dm_error_clear(&err);
    long before = atomic_load(&strcmp_calls);
    cr_assert_eq(dm_model_parse(mtext, mlen, "synthetic.yaml", &m, &err), 0, "%s", dm_error_format(&err, buf, sizeof buf));
    cr_assert_eq(dm_scenario_parse_with_model(stext, slen, "synthetic-scenario.yaml", m, &s, &err), 0, "%s",
                 dm_error_format(&err, buf, sizeof buf));
    long calls = atomic_load(&strcmp_calls) - before;
    cr_assert_eq(s->model->nsectors, n);
    cr_assert_eq(s->model->nnodes, n);
    cr_assert_eq(s->model->nregions, n / 100);
    cr_assert_eq(s->model->ngroups, n);
    cr_assert_eq(s->model->nprovider, 2 * n);
    cr_assert_eq(s->model->nresupply, n / 10);
    cr_assert_eq(s->nhazards, 4);
    size_t nregions = n / 100, at[4] = {0};
    for (size_t i = 0; i < n; i++) {  /* what each hazard selects, node by node, in model order */
        int expect[4] = {i % 50 == 3 || i % 50 == 7, i % nregions % 10 == 1, i % nregions == 5 && i % 50 == 5, i % 10 == 0};
        for (int h = 0; h < 4; h++) {
            if (!expect[h]) continue;
            cr_assert_lt(at[h], s->hazards[h].nnodes, "hazard %s: %zu nodes", s->hazards[h].id, s->hazards[h].nnodes);
            cr_assert_eq(s->hazards[h].nodes[at[h]++], (int)i, "hazard %s", s->hazards[h].id);
        }
    }
    for (int h = 0; h < 4; h++)
        cr_assert_eq(s->hazards[h].nnodes, at[h], "hazard %s: %zu nodes, expected %zu", s->hazards[h].id,
                     s->hazards[h].nnodes, at[h]);
    dm_scenario_free(s);
    free(mtext);
    free(stext);
    return calls;
}

Test(scale, loading_is_not_quadratic_in_ids)
{
    long small = load_synthetic(2000), large = load_synthetic(8000);
    double ratio = (double)large / (double)small;
    cr_log_info("strcmp calls: %ld at 2000 sectors, %ld at 8000 (x%.2f)", small, large, ratio);
    cr_assert_lt(ratio, 6.0, "strcmp calls grew %.1f-fold for 4 times the sectors (%ld, %ld): quadratic", ratio, small, large);
}

/* 10^5 sectors, 10^5 nodes and dependencies, 1000 regions: a 19 MB file. Before the ids
 * were sorted this took minutes; now about a second (bench/bench_load.c). The timeout is
 * generous for sanitizer builds on a shared machine; the test is not a timing. */
Test(scale, a_model_of_100000_sectors_and_nodes_loads, .timeout = 300)
{
    load_synthetic(100000);
}

/* Each criterion selects what it did when every node was compared with every id: region
 * texts (id, names, code, groups), tags, node ids (a layer's too), sectors; together they
 * intersect; a name that selects nothing is an error at its place. */
Test(scale, selection_criteria_by_sorted_lookups)
{
    const char *model =
        "model:\n"
        "  sectors:\n"
        "    - {id: P, name_en: power}\n"
        "    - {id: T, name_en: telecom}\n"
        "    - {id: L, name_en: grid}\n"
        "  regions:\n"
        "    - {id: r1, name_en: North, name_ja: 北, code: '01', groups: [east, all]}\n"
        "    - {id: r2, name_en: South, code: '02', groups: [west, all]}\n"
        "    - {id: r3, name_en: Middle, groups: [east]}\n"
        "  nodes:\n"
        "    - {id: p1, sector: P, region: r1, tags: [big, coastal]}\n"
        "    - {id: p2, sector: P, region: r2, tags: [small]}\n"
        "    - {id: p3, sector: P, region: r3, tags: [coastal]}\n"
        "    - {id: t1, sector: T, region: r2, tags: [core, big]}\n"
        "    - {id: t2, sector: T}\n"
        "  layers:\n"
        "    - {sector: L, graph: {generate: random_regular, nodes: 4, degree: 2, seed: 1}}\n";
    static const struct { const char *select; int nodes[8]; } cases[] = {
        {"{tags: [coastal]}", {0, 2, -1}},
        {"{tags: [big, small, big]}", {0, 1, 3, -1}},
        {"{regions: [east]}", {0, 2, -1}},
        {"{regions: [all]}", {0, 1, 3, -1}},
        {"{regions: ['02', 北]}", {0, 1, 3, -1}},
        {"{regions: [Middle], sectors: [P]}", {2, -1}},
        {"{regions: [all], tags: [big]}", {0, 3, -1}},
        {"{nodes: [t2, p1, 'L:2']}", {0, 4, 7, -1}},
        {"{sectors: [L, T]}", {3, 4, 5, 6, 7, 8, -1}},
        {"{sectors: [T], nodes: [t1, p2]}", {3, -1}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml, "%shorizon: 1h\ntick: 1min\nhazards:\n  - {id: h, kind: other, select: %s, at: 0min}\n", model,
                 cases[c].select);
        dm_scenario *s = load_yaml(yaml);
        size_t k = 0;
        for (; cases[c].nodes[k] >= 0; k++) {
            cr_assert_lt(k, s->hazards[0].nnodes, "%s: %zu nodes", cases[c].select, s->hazards[0].nnodes);
            cr_assert_eq(s->hazards[0].nodes[k], cases[c].nodes[k], "%s: node %zu", cases[c].select, k);
        }
        cr_assert_eq(s->hazards[0].nnodes, k, "%s: %zu nodes, expected %zu", cases[c].select, s->hazards[0].nnodes, k);
        dm_scenario_free(s);
    }
    static const struct { const char *select, *what; int column; } bad[] = {
        {"{tags: [big, typo]}", "tags: expected one of the model's tags, found 'typo'", 47},
        {"{regions: [east, West]}", "regions: expected one of the model's regions", 51},
        {"{nodes: [p1, 'L:4']}", "nodes: expected one of the model's nodes, found 'L:4'", 47},
        {"{regions: [Middle], tags: [small]}", "the criteria together match no node", 34},
    };
    for (size_t c = 0; c < sizeof bad / sizeof *bad; c++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml, "%shorizon: 1h\ntick: 1min\nhazards:\n  - {id: h, kind: other, select: %s, at: 0min}\n", model,
                 bad[c].select);
        dm_error err = load_error(yaml);
        cr_assert_eq(err.code, DM_EDATA);
        cr_assert_eq(err.line, 21, "%s: line %d", bad[c].select, err.line);
        cr_assert_eq(err.column, bad[c].column, "%s: column %d (%s)", bad[c].select, err.column, err.message);
        cr_assert(strstr(err.message, bad[c].what), "%s: %s", bad[c].select, err.message);
    }
}

/* An id defined twice is reported at its second definition, the earliest such in the
 * file, for sectors, regions and nodes alike (the check is one sort, after the list). */
Test(scale, ids_defined_twice)
{
    static const struct { const char *yaml; int line, column; const char *what; } cases[] = {
        {"model:\n  sectors:\n    - {id: A, name_en: a}\n    - {id: B, name_en: b}\n    - {id: B, name_en: c}\n"
         "    - {id: A, name_en: d}\n", 5, 12, "sector id 'B' is defined twice"},
        {"model:\n  sectors:\n    - {id: A, name_en: a}\n  regions:\n    - {id: x}\n    - {id: y}\n    - {id: y}\n",
         7, 12, "region id 'y' is defined twice"},
        {"model:\n  sectors:\n    - {id: A, name_en: a}\n  nodes:\n    - {id: n2, sector: A}\n    - {id: n1, sector: A}\n"
         "    - {id: n1, sector: A}\n    - {id: n2, sector: A}\n", 7, 12, "node id 'n1' is defined twice"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, "%shorizon: 1h\ntick: 1min\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, at: 0min}\n",
                 cases[c].yaml);
        dm_error err = load_error(yaml);
        cr_assert_eq(err.line, cases[c].line, "case %zu: line %d", c, err.line);
        cr_assert_eq(err.column, cases[c].column, "case %zu: column %d", c, err.column);
        cr_assert(strstr(err.message, cases[c].what), "case %zu: %s", c, err.message);
    }
}

/* --max-memory holds the event logs too, whose size only the replicates tell: a run whose
 * replicates log more events than the limit leaves room for (each engine's log and each
 * replicate in flight) stops with exit 70 and writes nothing; with room it runs. */
Test(scale, event_logs_are_held_to_max_memory, .timeout = 300)
{
    char dir[64], *out;
    scratch_make(dir, "eventlog");
    FILE *f;
    char path[256];
    snprintf(path, sizeof path, "%s/perc.yaml", dir);
    cr_assert_not_null(f = fopen(path, "w"));
    fputs("model:\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n  layers:\n"
          "    - {sector: A, graph: {generate: erdos_renyi, nodes: 20000, mean_degree: 4, seed: 1}, connectivity: giant}\n"
          "    - {sector: B, graph: {generate: erdos_renyi, nodes: 20000, mean_degree: 4, seed: 2}, connectivity: giant}\n"
          "  couplings:\n    - {dependent: A, provider: B, pairs: index, mutual: true}\n"
          "horizon: 1h\ntick: 1min\nreplicates: 4\nhazards:\n"
          "  - {id: h, kind: failure, select: {sectors: [A], fraction: 0.45}, at: 0min}\n", f);
    cr_assert_eq(fclose(f), 0);
    /* the estimate before the run, which leaves the event logs out */
    cr_assert_eq(domino(dir, "run perc.yaml --threads 1 --max-memory 4G -o ok.h5", 1, &out), 0, "%s", out);
    double mib;
    const char *at = strstr(out, "estimated memory ");
    cr_assert(at && sscanf(at, "estimated memory %lf MiB", &mib) == 1, "%s", out);
    free(out);
    char args[256];
    snprintf(args, sizeof args, "run perc.yaml --threads 1 --max-memory %.0fM -o big.h5", mib + 1);
    cr_expect_eq(domino(dir, args, 1, &out), 70, "%s", out);
    cr_expect(strstr(out, "events") && strstr(out, "over the limit") && strstr(out, "--max-memory"), "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/big.h5", dir);
    cr_expect_neq(access(path, F_OK), 0, "big.h5 was written");
    cr_expect_eq(run_capture(strcat(strcpy(args, "ls -A "), dir), &out), 0);
    cr_expect_str_eq(out, "ok.h5\nperc.yaml\n", "left in the directory: %s", out);
    free(out);
    scratch_remove(dir);
}
