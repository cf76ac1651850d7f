/* The same scenario and seed give the same bits for any number of threads (DESIGN.md,
 * "Monte Carlo and determinism"). The model is large enough that the frontier is
 * evaluated in parallel: 6,000 nodes behind one hub, then a second layer mixing them. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include "helpers.h"
#include "cli_helpers.h"

static char *big_model(void)
{
    size_t cap = 1 << 21, n = 0;
    char *y = malloc(cap);
    n += (size_t)snprintf(y + n, cap - n, "model:\n  sectors:\n    - {id: S, name_en: S, unit: u, capacity: 1}\n  nodes:\n    - {id: hub, sector: S}\n");
    for (int i = 0; i < 6000; i++) n += (size_t)snprintf(y + n, cap - n, "    - {id: a%d, sector: S}\n    - {id: b%d, sector: S, rule: product}\n", i, i);
    n += (size_t)snprintf(y + n, cap - n, "  dependencies:\n");
    for (int i = 0; i < 6000; i++) {
        /* strengths and buffers vary by node so levels and times differ */
        n += (size_t)snprintf(y + n, cap - n,
            "    - {dependent: a%d, providers: hub, strength: 0.%d, buffer: {duration: {dist: uniform, min: 0min, max: 3h}}}\n"
            "    - {dependent: b%d, providers: [a%d, a%d], strength: 0.9}\n    - {dependent: b%d, providers: a%d, strength: 0.5, lag: %dmin}\n",
            i, 1 + i % 9, i, i, (i * 7919) % 6000, i, (i * 104729) % 6000, i % 30);
    }
    n += (size_t)snprintf(y + n, cap - n, "seed: 7\nhorizon: 1d\nhazards:\n  - {id: h, kind: other, select: {nodes: [hub]}, duration: {dist: lognormal, median: 4h, sigma: 0.5}}\n");
    return y;
}

Test(determinism, same_bits_for_1_2_and_4_threads, .timeout = 60)
{
    char *yaml = big_model();
    sim ref = {0};
    for (int threads = 1; threads <= 4; threads *= 2) {
        omp_set_num_threads(threads);
        sim x = simulate(yaml);
        if (threads == 1) { ref = x; continue; }
        cr_assert_eq(x.r->nevents, ref.r->nevents);
        for (size_t i = 0; i < x.r->nevents; i++) {  /* field by field: structs have padding */
            const dm_event *a = &x.r->events[i], *b = &ref.r->events[i];
            cr_assert(a->tick == b->tick && a->node == b->node && a->kind == b->kind &&
                      a->cause_node == b->cause_node && a->group == b->group &&
                      a->hazard == b->hazard && a->value == b->value,
                      "event %zu differs at %d threads", i, threads);
        }
        for (size_t v = 0; v < x.sc->model->nnodes; v++)
            cr_assert_eq(dm_engine_node_level(x.eng, (int)v), dm_engine_node_level(ref.eng, (int)v));
        cr_expect_eq(x.r->evaluations, ref.r->evaluations);
        cr_expect(x.r->sectors[0].unserved_unit_hours == ref.r->sectors[0].unserved_unit_hours &&
                  x.r->sectors[0].min_level == ref.r->sectors[0].min_level);
        sim_free(&x);
    }
    cr_expect_gt(ref.r->nevents, 12000);
    sim_free(&ref);
    free(yaml);
}

/* Settling is one rule whatever the frontier's size (DESIGN.md, "The engine"): the frontier
 * size above which threads evaluate it (DM_PARALLEL_FRONTIER, overridden by the
 * environment) changes no result. Every shipped scenario, run with the switch-over at 0
 * (every frontier evaluated in a parallel region) and at its default (almost every one by
 * the calling thread), prints the same bytes; the 12,001-node model gives the same events
 * with it at 0, the default and above its largest frontier. (With Gauss-Seidel sweeps below
 * the switch-over, as before issue 21, the telecom and default scenarios differ.) */
Test(determinism, switch_over_to_parallel_changes_no_result, .timeout = 300)
{
    /* (the percolation scenario's frontiers have 10^5 nodes: 2 replicates of it) */
    static const char *const scenarios[] = {"default", "telecom-carrier-outage", "fuel-supply-disruption",
                                            "water-control-compromise", "grid-attack-uncertain",
                                            "iim-grid-outage", "tokyo-area-blackout", "mutual-percolation",
                                            "kansai-earthquake", "port-ransomware"};
    static const int replicates[] = {1, 1, 1, 1, 50, 1, 50, 2, 50, 50};
    const char *src = env("DOMINO_SOURCE");
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        char args[1024], *at_zero, *at_default;
        snprintf(args, sizeof args, "run '%s/scenarios/%s.yaml' --lang en --replicates %d", src, scenarios[i],
                 replicates[i]);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "cd /tmp && DOMINO_PARALLEL_FRONTIER=0 LANG=C LC_ALL= '%s' %s 2>/dev/null",
                 env("DOMINO"), args);
        cr_assert_eq(run_capture(cmd, &at_zero), 0, "%s", scenarios[i]);
        cr_assert_eq(domino("/tmp", args, 0, &at_default), 0, "%s", scenarios[i]);
        cr_assert_gt(strlen(at_default), 100);
        cr_expect_str_eq(at_zero, at_default, "%s: output depends on the parallel switch-over", scenarios[i]);
        free(at_zero);
        free(at_default);
    }

    char *yaml = big_model();
    static const char *const settings[] = {"0", NULL, "1000000000"};
    sim ref = {0};
    for (int k = 0; k < 3; k++) {
        if (settings[k]) setenv("DOMINO_PARALLEL_FRONTIER", settings[k], 1);
        else unsetenv("DOMINO_PARALLEL_FRONTIER");
        sim x = simulate(yaml);
        if (k == 0) { ref = x; continue; }
        cr_assert_eq(x.r->nevents, ref.r->nevents);
        for (size_t i = 0; i < x.r->nevents; i++) {
            const dm_event *a = &x.r->events[i], *b = &ref.r->events[i];
            cr_assert(a->tick == b->tick && a->node == b->node && a->kind == b->kind &&
                      a->cause_node == b->cause_node && a->value == b->value, "event %zu differs", i);
        }
        cr_expect(x.r->sectors[0].unserved_unit_hours == ref.r->sectors[0].unserved_unit_hours);
        sim_free(&x);
    }
    unsetenv("DOMINO_PARALLEL_FRONTIER");
    sim_free(&ref);
    free(yaml);
}

/* The shortcuts of the node rule (node_rule.c: dmi_rule_delivered, dmi_rule_woken) skip
 * evaluations that cannot move a node; they change no level, breach or statistic. Every
 * shipped scenario and reference incident, run with DOMINO_EVALUATE_EVERY=1 (every
 * delivery and wake evaluates) and without, gives the same JSON document but for its
 * `work` counts, and the knob does evaluate more (so the comparison is not of one run
 * with itself). */
#include <jansson.h>

static json_t *run_json(const char *knob, const char *args)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "cd /tmp && %s LANG=C LC_ALL= '%s' %s --json 2>/dev/null", knob, env("DOMINO"), args);
    cr_assert_eq(run_capture(cmd, &out), 0, "%s", cmd);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert(doc, "%s: %s", cmd, jerr.text);
    free(out);
    return doc;
}

Test(determinism, evaluating_every_delivery_changes_no_result, .timeout = 300)
{
    static const char *const files[] = {
        "scenarios/default.yaml", "scenarios/telecom-carrier-outage.yaml", "scenarios/fuel-supply-disruption.yaml",
        "scenarios/water-control-compromise.yaml", "scenarios/grid-attack-uncertain.yaml",
        "scenarios/iim-grid-outage.yaml", "scenarios/tokyo-area-blackout.yaml", "scenarios/kansai-earthquake.yaml",
        "scenarios/port-ransomware.yaml", "scenarios/mobile-carrier-outage.yaml", "scenarios/hokkaido-2018-blackout.yaml",
        "scenarios/mutual-percolation.yaml",
        "validation/incidents/hokkaido-2018/scenario.yaml", "validation/incidents/chiba-faxai-2019/scenario.yaml",
        "validation/incidents/chuetsu-2004/scenario.yaml", "validation/incidents/tokyo-snow-1986/scenario.yaml"};
    const char *src = env("DOMINO_SOURCE");
    json_int_t fewer = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char args[1024];
        snprintf(args, sizeof args, "run '%s/%s' --lang en --replicates 10", src, files[i]);
        json_t *every = run_json("DOMINO_EVALUATE_EVERY=1", args), *some = run_json("", args);
        json_int_t n_every = json_integer_value(json_object_get(json_object_get(every, "work"), "node_evaluations"));
        json_int_t n_some = json_integer_value(json_object_get(json_object_get(some, "work"), "node_evaluations"));
        cr_expect_geq(n_every, n_some, "%s", files[i]);
        fewer += n_every - n_some;
        json_object_del(every, "work");
        json_object_del(some, "work");
        char *a = json_dumps(every, JSON_SORT_KEYS | JSON_COMPACT), *b = json_dumps(some, JSON_SORT_KEYS | JSON_COMPACT);
        cr_assert_gt(strlen(a), 200);
        cr_expect_str_eq(a, b, "%s: the shortcuts changed a result", files[i]);
        free(a);
        free(b);
        json_decref(every);
        json_decref(some);
    }
    cr_expect_gt(fewer, 0, "the knob evaluated no more than the shortcuts");
}

/* The statistics in bounded memory (src/run/tally.c, issue 20): quantiles from bins of
 * 10^-4 are within half a bin of GSL's exact ones and equal where the values are on the
 * bins; tick counts give GSL's quantiles exactly; neither the counts nor the means depend
 * on the order in which the replicates arrive, on how they were shared among partial
 * statistics merged at the end (one a thread) or on changes listed that change no bits;
 * the means are the exact sums, rounded, over the counts (within an ulp). */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "run/tally.h"

/* Replicate r's series x[r] as its first row and changes: every time's values (repeats
 * included, which change nothing) when all, else only the values whose bits changed. */
static size_t changes_of(const double *x, size_t K, size_t W, int all, dm_change *ch)
{
    size_t n = 0;
    for (size_t k = 1; k < K; k++)
        for (size_t c = 0; c < W; c++)
            if (all || memcmp(&x[k * W + c], &x[(k - 1) * W + c], sizeof *x))
                ch[n++] = (dm_change){(uint32_t)k, (uint32_t)c, x[k * W + c]};
    return n;
}

Test(determinism, binned_quantiles_are_within_half_a_bin)
{
    enum { K = 300, W = 5, R = 777 };
    static double x[R][K * W], col[R];
    static dm_change ch[K * W];
    srand(7);
    for (int r = 0; r < R; r++)
        for (size_t k = 0; k < K; k++) {
            int still = r % 2 && k > 0 && rand() % 4;  /* odd replicates: runs of equal rows */
            for (size_t c = 0; c < W; c++)  /* column 0 on the bins, 4: NaN now and then */
                x[r][k * W + c] = still ? x[r][(k - 1) * W + c]
                                : c == 0 ? (double)(rand() % 11) / 10.0
                                : c == 4 && rand() % 5 == 0 ? NAN
                                : (k > 0 && rand() % 3) ? x[r][(k - 1) * W + c] : (double)rand() / RAND_MAX;
        }
    dm_binned whole, part[3];  /* part[r % 3]: replicate r, merged into part[0] */
    cr_assert_eq(dmi_binned_init(&whole, K, W), 0);
    for (int p = 0; p < 3; p++) cr_assert_eq(dmi_binned_init(&part[p], K, W), 0);
    for (int r = 0; r < R; r++)
        cr_assert_eq(dmi_binned_add(&whole, x[r], ch, changes_of(x[r], K, W, 1, ch)), 0);
    for (int r = R - 1; r >= 0; r--)  /* the other order, as threads may finish them */
        cr_assert_eq(dmi_binned_add(&part[r % 3], x[r], ch, changes_of(x[r], K, W, 0, ch)), 0);
    cr_assert_eq(dmi_binned_merge(&part[1], &part[2]), 0);
    cr_assert_eq(dmi_binned_merge(&part[0], &part[1]), 0);
    dm_binned *tiled = &part[0];
    whole.added = tiled->added = R;
    static double mean[K * W], q[3 * K * W], mean2[K * W], q2[3 * K * W];
    cr_assert_eq(dmi_binned_finish(&whole, dm_quantiles, 3, mean, q, 1), 0);
    cr_assert_eq(dmi_binned_finish(tiled, dm_quantiles, 3, mean2, q2, 2), 0);
    cr_expect_eq(memcmp(q, q2, sizeof q), 0, "the quantiles depend on the order, the partials or repeated values");
    cr_expect_eq(memcmp(mean, mean2, sizeof mean), 0, "the means depend on the order, the partials or repeated values");
    double worst = 0;
    for (size_t i = 0; i < K * W; i++) {
        size_t m = 0;
        long double sum = 0;  /* 64 bits of mantissa: 777 values in [0, 1] within 2^-54 of their sum */
        for (int r = 0; r < R; r++)
            if (!isnan(x[r][i])) { col[m++] = x[r][i]; sum += x[r][i]; }
        double want = (double)(sum / (long double)m);
        cr_assert_leq(fabs(mean[i] - want), nextafter(want, 2.0) - want, "mean %zu: %.17g against %.17g", i, mean[i], want);
        gsl_sort(col, 1, m);
        for (int j = 0; j < 3; j++) {
            double exact = gsl_stats_quantile_from_sorted_data(col, 1, m, dm_quantiles[j]), got = q[(size_t)j * K * W + i];
            if (i % W == 0) cr_assert_eq(got, exact, "on the bins: %.17g against %.17g", got, exact);
            worst = fabs(got - exact) > worst ? fabs(got - exact) : worst;
        }
    }
    cr_expect_leq(worst, 5e-5 + 1e-12, "largest error %g", worst);
    cr_expect_gt(worst, 0, "continuous values should show the binning");
    dmi_binned_free(&whole);
    dmi_binned_free(tiled);

    /* ticks: exact */
    dm_tally t = {0};
    double v[501];
    for (int i = 0; i < 501; i++) {
        uint32_t key = (uint32_t)(rand() % 97);
        cr_assert_eq(dmi_tally_add(&t, key), 0);
        v[i] = (double)key * 1.5;
    }
    gsl_sort(v, 1, 501);
    for (int j = 0; j < 3; j++)
        cr_expect_eq(dmi_tally_quantile(&t, 501, dm_quantiles[j], 1.5), gsl_stats_quantile_from_sorted_data(v, 1, 501, dm_quantiles[j]));
    dmi_tally_free(&t);
}

/* A run's memory does not grow with its replicates (but for 24 bytes each). */
Test(determinism, memory_does_not_grow_with_replicates)
{
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_scenario_default(&sc, &err), 0);
    dm_mc_config a = {.replicates = 1000, .threads = 2, .interval = 10, .stats = DM_STORE_SECTORS | DM_STORE_MAPS};
    dm_mc_config b = a;
    b.replicates = 1000000;
    double ma = dm_mc_memory_estimate(sc, &a), mb = dm_mc_memory_estimate(sc, &b);
    cr_expect_leq(mb - ma, 24.0 * (1000000 - 1000) + 1, "%.0f bytes at 10^3, %.0f at 10^6", ma, mb);
    dm_scenario_free(sc);
}
