/* Hazards that are not switched off at once (DESIGN.md, "Hazards") and calendar time
 * ("Time, overrides and exercises"), each on a model small enough to check on paper.
 * Tick = 1 min; times in the comments are T+h:mm; levels are read from the output grid
 * (the state at the end of each tick). Nodes have step dynamics with no restart and no
 * ramp, so a node's level is its target 1 - damage. */
#include <math.h>
#include <gsl/gsl_randist.h>
#include "helpers.h"
#include "cli_helpers.h"
#include "engine/streams.h"

#define THREE "model:\n  sectors:\n    - {id: A, name_en: A}\n    - {id: B, name_en: B}\n    - {id: C, name_en: C}\n"

/* Runs replicate r of yaml, recording node levels at every tick. */
static sim simulate_grid(const char *yaml, uint64_t r)
{
    sim x = {load_yaml(yaml), NULL, NULL};
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_engine_new(x.sc, &x.eng, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_set_output(x.eng, 1, DM_STORE_NODES, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_run(x.eng, r, &err), 0, "%s", err.message);
    x.r = dm_engine_results(x.eng);
    return x;
}

/* Node id's level at the end of tick t. */
static double level_at(const sim *x, const char *id, int64_t t)
{
    cr_assert_lt((size_t)t, x->r->ntimes);
    return x->r->node_level[(size_t)t * x->sc->model->nnodes + (size_t)node_of(x, id)];
}

#define EXPECT_LEVEL(x, id, t, want) \
    cr_expect(fabs(level_at(x, id, t) - (want)) < 1e-12, "%s at tick %d: %.15g, expected %.15g", id, (int)(t), \
              level_at(x, id, t), (double)(want))

Test(restore, linear_curve_in_one_percent_steps)
{
    /* A is hit at 0:00 (severity 1) and comes back along [[10h, 50%], [20h, 100%]].
     * Segment 1 (0 -> 50 % over 600 min) is 50 steps of 1 %, one every 12 min: share j/100
     * from tick 12 j. Segment 2 likewise from 10:00. So:
     *   tick 59: 4 steps (48 min) -> 0.04;  tick 60: 5 steps -> 0.05;
     *   10:00 (600): 0.50 (the curve's point); 15:00 (900): 50 + 300/12 = 75 steps -> 0.75;
     *   20:00 (1200): 1.00, fully restored.
     * hazard_restoring every 10 %: ticks 120, 240, ..., 1200 -> 10 events, the first 0.1.
     * A's `rising` events: at 1 % (tick 12), then each 10 % further: 11 %, 21 %, ... 91 %
     * -> 10, then `restored` at 1200 (one line per 10 %, not one per step: 99). */
    sim x = simulate_grid(THREE "horizon: 1d\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A]}, restore: [[10h, 50%], [20h, 100%]]}\n", 0);
    EXPECT_LEVEL(&x, "A", 0, 0.0);
    EXPECT_LEVEL(&x, "A", 11, 0.0);
    EXPECT_LEVEL(&x, "A", 12, 0.01);
    EXPECT_LEVEL(&x, "A", 59, 0.04);
    EXPECT_LEVEL(&x, "A", 60, 0.05);
    EXPECT_LEVEL(&x, "A", 600, 0.50);
    EXPECT_LEVEL(&x, "A", 900, 0.75);
    EXPECT_LEVEL(&x, "A", 1199, 0.99);
    EXPECT_LEVEL(&x, "A", 1200, 1.0);
    cr_expect_eq(first_event(&x, "A", DM_EV_RESTORED), 1200);
    cr_expect_eq(count_events(&x, "A", DM_EV_HAZARD_RESTORING), 10);
    cr_expect_eq(first_event(&x, "A", DM_EV_HAZARD_RESTORING), 120);
    cr_expect_eq(count_events(&x, "A", DM_EV_RISING), 10);
    for (size_t i = 0, k = 0; i < x.r->nevents; i++)
        if (x.r->events[i].kind == DM_EV_HAZARD_RESTORING) {
            k++;
            cr_expect_eq(x.r->events[i].tick, (int64_t)(120 * k));
            cr_expect(fabs(x.r->events[i].value - 0.1 * (double)k) < 1e-12, "event %zu: %g", k, x.r->events[i].value);
        }
    sim_free(&x);
}

Test(restore, steps_shape_and_a_partial_severity)
{
    /* shape: steps: 30 % back from 2:00, 80 % from 5:00, the rest never (no duration).
     * With severity 0.5 the damage is 0.5 (1 - share): level 0.5, then 1 - 0.5 * 0.7 =
     * 0.65 at 2:00, 1 - 0.5 * 0.2 = 0.9 at 5:00, to the horizon. Two hazard_restoring
     * events (each step is 10 % or more): 0.3 at 120, 0.8 at 300. */
    sim x = simulate_grid(THREE "horizon: 12h\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A]}, severity: 0.5, shape: steps,\n"
        "     restore: [[2h, 30%], [5h, 80%]]}\n", 0);
    EXPECT_LEVEL(&x, "A", 0, 0.5);
    EXPECT_LEVEL(&x, "A", 119, 0.5);
    EXPECT_LEVEL(&x, "A", 120, 0.65);
    EXPECT_LEVEL(&x, "A", 299, 0.65);
    EXPECT_LEVEL(&x, "A", 300, 0.9);
    EXPECT_LEVEL(&x, "A", 719, 0.9);
    cr_expect_eq(count_events(&x, "A", DM_EV_HAZARD_RESTORING), 2);
    cr_expect_eq(first_event(&x, "A", DM_EV_HAZARD_START), 0);
    sim_free(&x);
}

Test(restore, a_duration_repairs_what_the_curve_left)
{
    /* The curve gives back 40 % by 4:00 (linear: 40 steps every 6 min); the duration (6 h)
     * repairs the rest at 6:00. Level 0.12 at 1:12 (12 steps), 0.4 at 4:00 and 5:59, 1 at 6:00. */
    sim x = simulate_grid(THREE "horizon: 12h\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A]}, duration: 6h, restore: [[4h, 40%]]}\n", 0);
    EXPECT_LEVEL(&x, "A", 72, 0.12);
    EXPECT_LEVEL(&x, "A", 240, 0.4);
    EXPECT_LEVEL(&x, "A", 359, 0.4);
    EXPECT_LEVEL(&x, "A", 360, 1.0);
    sim_free(&x);
}

Test(restore, fixed_stretch_scales_the_times)
{
    /* stretch 2 on [[10h, 100%]]: 100 steps of 1 %, step j at 2 x 6 j = 12 j min. The
     * curve's 50 % point moves from 5:00 to 10:00 and the end from 10:00 to 20:00. The
     * hazard starts at 1:00: everything shifts by 60 ticks. */
    sim x = simulate_grid(THREE "horizon: 1d\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A]}, at: 1h, stretch: 2, restore: [[10h, 100%]]}\n", 0);
    EXPECT_LEVEL(&x, "A", 59, 1.0);
    EXPECT_LEVEL(&x, "A", 60, 0.0);
    EXPECT_LEVEL(&x, "A", 60 + 300, 0.25);
    EXPECT_LEVEL(&x, "A", 60 + 600, 0.5);
    EXPECT_LEVEL(&x, "A", 60 + 1199, 0.99);
    EXPECT_LEVEL(&x, "A", 60 + 1200, 1.0);
    sim_free(&x);
}

Test(restore, drawn_stretch_is_drawn_once_per_hazard_and_replicate)
{
    /* stretch uniform on [0.5, 1.5], seed 5: with nothing else random it is the first draw
     * of the replicate's stream, f = 0.5 + u. One step (shape steps) at 10 h x f: the tick
     * is ceil(600 f). Computed here from the same stream (streams.c), and pinned: for
     * replicate 0, f = 1.49917 (0.5 + u, u = 0.99917), so the step is at tick 900 (15:00). */
    const char *yaml = THREE "seed: 5\nhorizon: 1d\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A]}, shape: steps, restore: [[10h, 100%]],\n"
        "     stretch: {dist: uniform, min: 0.5, max: 1.5}}\n";
    gsl_rng *rng = dmi_stream_new();
    cr_assert_not_null(rng);
    double sum = 0;
    for (uint64_t r = 0; r < 200; r++) {
        dmi_stream_seed(rng, 5, r);
        double f = gsl_ran_flat(rng, 0.5, 1.5);
        int64_t tick = (int64_t)ceil(600 * f - 1e-9);
        sim x = simulate_grid(yaml, r);
        cr_expect_eq(first_event(&x, "A", DM_EV_RESTORED), tick, "replicate %llu: f = %g", (unsigned long long)r, f);
        if (r == 0) cr_expect_eq(tick, 900, "the pinned draw of (seed 5, replicate 0)");
        sum += f;
        sim_free(&x);
    }
    /* and the draws are a uniform on [0.5, 1.5]: mean 1, sd of the mean 0.2887/sqrt(200) = 0.0204 */
    cr_expect(fabs(sum / 200 - 1.0) < 0.07, "mean stretch %g", sum / 200);
    gsl_rng_free(rng);
}

Test(severity, per_sector_mapping)
{
    /* One event hits A, B and C with severities 1.0, 0.3 and 0.02 (no dependencies):
     * levels 0, 0.7 and 0.98; the hazard_start events carry each node's damage. */
    sim x = simulate_grid(THREE "horizon: 2h\nhazards:\n"
        "  - {id: quake, kind: disaster, select: {sectors: [A, B, C]}, severity: {A: 1.0, B: 0.3, C: 0.02}}\n", 0);
    EXPECT_LEVEL(&x, "A", 10, 0.0);
    EXPECT_LEVEL(&x, "B", 10, 0.7);
    EXPECT_LEVEL(&x, "C", 10, 0.98);
    for (size_t i = 0; i < x.r->nevents; i++)
        if (x.r->events[i].kind == DM_EV_HAZARD_START && x.r->events[i].node == node_of(&x, "B"))
            cr_expect(fabs(x.r->events[i].value - 0.3) < 1e-15);
    cr_expect(isnan(x.sc->hazards[0].severity), "a per-sector severity has no one value");
    sim_free(&x);
}

Test(severity, drawn_once_per_hazard_and_replicate)
{
    /* severity uniform on [0.2, 0.6], seed 9: the first draw of the stream, the same on
     * both nodes the hazard hits (A and B): level 1 - s on both. Replicate 3 draws anew. */
    const char *yaml = THREE "seed: 9\nhorizon: 1h\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A, B]}, severity: {dist: uniform, min: 0.2, max: 0.6}}\n";
    gsl_rng *rng = dmi_stream_new();
    for (uint64_t r = 0; r < 4; r += 3) {
        dmi_stream_seed(rng, 9, r);
        double s = gsl_ran_flat(rng, 0.2, 0.6);
        sim x = simulate_grid(yaml, r);
        EXPECT_LEVEL(&x, "A", 5, 1 - s);
        EXPECT_LEVEL(&x, "B", 5, 1 - s);
        EXPECT_LEVEL(&x, "C", 5, 1.0);
        sim_free(&x);
    }
    gsl_rng_free(rng);
}

Test(severity, per_sector_drawn_and_curve_together)
{
    /* Per-sector severities may be drawn too (in sector order, after the hazard's other
     * draws): A fixed 0.8, B uniform [0, 1] (the stream's first draw u). The curve
     * [[1h, 50%]] (50 steps of 1.2 min, rounded up to ticks) halves both by 1:00:
     * A 1 - 0.8 x 0.5 = 0.6, B 1 - u x 0.5. */
    const char *yaml = THREE "seed: 3\nhorizon: 2h\nhazards:\n"
        "  - {id: h, kind: disaster, select: {sectors: [A, B]}, restore: [[1h, 50%]],\n"
        "     severity: {A: 0.8, B: {dist: uniform, min: 0, max: 1}}}\n";
    gsl_rng *rng = dmi_stream_new();
    dmi_stream_seed(rng, 3, 0);
    double u = gsl_ran_flat(rng, 0, 1);
    sim x = simulate_grid(yaml, 0);
    EXPECT_LEVEL(&x, "A", 0, 0.2);
    EXPECT_LEVEL(&x, "B", 0, 1 - u);
    EXPECT_LEVEL(&x, "A", 60, 0.6);
    EXPECT_LEVEL(&x, "B", 60, 1 - u * 0.5);
    sim_free(&x);
    gsl_rng_free(rng);
}

Test(restore, a_scenario_without_curves_draws_and_runs_as_before)
{
    /* Fixed severities, no curve: nothing new is drawn, so a drawn duration is the same
     * first draw of the stream as it always was (lognormal, median 6 h, sigma 0.5). */
    const char *yaml = THREE "seed: 42\nhazards:\n"
        "  - {id: h, kind: other, select: {sectors: [A]}, severity: 0.7, duration: {dist: lognormal, median: 6h, sigma: 0.5}}\n";
    gsl_rng *rng = dmi_stream_new();
    dmi_stream_seed(rng, 42, 0);
    double d = gsl_ran_lognormal(rng, log(6 * 3600.0), 0.5);
    sim x = simulate_grid(yaml, 0);
    cr_expect_eq(x.r->hazard_end[0], ceil(d / 60 - 1e-9));
    EXPECT_LEVEL(&x, "A", 0, 0.3);
    sim_free(&x);
    gsl_rng_free(rng);
}

/* ---- calendar time ---- */

static void expect_clock(const char *start, int64_t tick, const char *text, const char *iso)
{
    char yaml[512], buf[DM_CLOCK_MAX];
    snprintf(yaml, sizeof yaml, THREE "start: %s\nhorizon: 3d\n", start);
    dm_scenario *sc = load_yaml(yaml);
    cr_expect_str_eq(dm_format_clock(sc, tick, 0, buf), text, "start %s, tick %lld", start, (long long)tick);
    cr_expect_str_eq(dm_format_clock(sc, tick, 1, buf), iso, "start %s, tick %lld", start, (long long)tick);
    dm_scenario_free(sc);
}

Test(clock, formatting)
{
    /* 03:07 + 18 min = 03:25; + 20:53 = 24:00, the next day */
    expect_clock("2018-09-06T03:07+09:00", 18, "9/6 03:25 (T+00:18)", "2018-09-06T03:25:00+09:00");
    expect_clock("2018-09-06T03:07+09:00", 1253, "9/7 00:00 (T+20:53)", "2018-09-07T00:00:00+09:00");
    /* across a month (September has 30 days) and a year */
    expect_clock("2018-09-30T23:50+09:00", 15, "10/1 00:05 (T+00:15)", "2018-10-01T00:05:00+09:00");
    expect_clock("2018-12-31T23:59:30+09:00", 1, "1/1 00:00 (T+00:01)", "2019-01-01T00:00:30+09:00");
    /* a leap day, in UTC */
    expect_clock("2020-02-28T23:30Z", 60, "2/29 00:30 (T+01:00)", "2020-02-29T00:30:00+00:00");
    /* other offsets: the clock is the scenario's own (the instant of 03:07 JST) */
    expect_clock("2018-09-05T20:07+02:00", 18, "9/5 20:25 (T+00:18)", "2018-09-05T20:25:00+02:00");
    expect_clock("2018-09-05T13:07-05:00", 60 * 11, "9/6 00:07 (T+11:00)", "2018-09-06T00:07:00-05:00");
    expect_clock("2018-09-06T08:37+05:30", 0, "9/6 08:37 (T+00:00)", "2018-09-06T08:37:00+05:30");
    /* no offset: JST */
    expect_clock("2018-09-06T03:07", 18, "9/6 03:25 (T+00:18)", "2018-09-06T03:25:00+09:00");
}

Test(clock, start_is_an_instant)
{
    /* 2018-09-06 03:07 JST = 2018-09-05 18:07 UTC = 1,536,170,820 s after 1970-01-01 UTC
     * (the same instant whatever the offset it is written in) */
    const char *starts[] = {"2018-09-06T03:07+09:00", "2018-09-05T18:07:00Z", "2018-09-05T20:07+0200", "2018-09-06 03:07"};
    for (int i = 0; i < 4; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, THREE "start: %s\n", starts[i]);
        dm_scenario *sc = load_yaml(yaml);
        cr_expect(sc->has_start);
        cr_expect_eq(sc->start_unix, 1536170820, "%s: %lld", starts[i], (long long)sc->start_unix);
        dm_scenario_free(sc);
    }
    dm_scenario *sc = load_yaml(THREE "start: 2018-09-06T03:07+09:00\n");
    cr_expect_str_eq(sc->start_iso, "2018-09-06T03:07:00+09:00");
    dm_scenario_free(sc);
    /* without a start, times are T+ only */
    sc = load_yaml(THREE);
    char buf[DM_CLOCK_MAX];
    cr_expect(!sc->has_start);
    cr_expect_str_eq(dm_format_clock(sc, 18, 0, buf), "T+00:18");
    cr_expect_str_eq(dm_format_clock(sc, 18, 1, buf), "");
    dm_scenario_free(sc);
}

/* ---- errors, at the file, line and column of what is wrong ---- */

static void expect_error(const char *yaml, int line, int column, const char *needle)
{
    dm_error e = load_error(yaml);
    cr_expect_eq(e.code, DM_EDATA, "code %d (%s)", e.code, e.message);
    cr_expect_eq(e.line, line, "line %d, expected %d (%s)", e.line, line, e.message);
    cr_expect_eq(e.column, column, "column %d, expected %d (%s)", e.column, column, e.message);
    cr_expect(strstr(e.message, needle) != NULL, "message '%s' lacks '%s'", e.message, needle);
    cr_expect_str_eq(e.file, "bad.yaml");
}

#define HAZ "hazards:\n  - id: h\n    kind: disaster\n    select: {sectors: [A, B]}\n"  /* lines 6-9 */

Test(hazard_errors, restore_curves)
{
    /* times not increasing: the second 10h (line 10, column 28) */
    expect_error(THREE HAZ "    restore: [[10h, 20%], [10h, 30%]]\n", 10, 28, "the times must increase");
    expect_error(THREE HAZ "    restore: [[10h, 20%], [5h, 30%]]\n", 10, 28, "the times must increase");
    /* a share going down: 10% after 20% (column 33) */
    expect_error(THREE HAZ "    restore: [[10h, 20%], [12h, 10%]]\n", 10, 33, "cannot go down");
    /* shares outside [0, 1] */
    expect_error(THREE HAZ "    restore: [[10h, 120%]]\n", 10, 21, "found '120%'");
    expect_error(THREE HAZ "    restore: [[10h, 1.5]]\n", 10, 21, "a share in [0, 1] or a percentage");
    expect_error(THREE HAZ "    restore: [[10h, -5%]]\n", 10, 21, "found '-5%'");
    expect_error(THREE HAZ "    restore: [[10h, half]]\n", 10, 21, "found 'half'");
    /* not pairs, not a duration, empty */
    expect_error(THREE HAZ "    restore: [[10h, 20%, 3]]\n", 10, 15, "a pair [time, share]");
    expect_error(THREE HAZ "    restore: [[ten, 20%]]\n", 10, 16, "restore time");
    expect_error(THREE HAZ "    restore: []\n", 10, 14, "a non-empty list");
    /* shape and stretch */
    expect_error(THREE HAZ "    restore: [[10h, 20%]]\n    shape: stairs\n", 11, 12, "linear or steps");
    expect_error(THREE HAZ "    shape: steps\n", 10, 12, "goes with restore");
    expect_error(THREE HAZ "    stretch: 2\n", 10, 14, "give restore: too");
    expect_error(THREE HAZ "    restore: [[10h, 20%]]\n    stretch: 0\n", 11, 14, "stretch");
}

Test(hazard_errors, severities)
{
    expect_error(THREE HAZ "    severity: {A: 1.0}\n", 10, 15, "does not give a severity");  /* B is hit */
    expect_error(THREE HAZ "    severity: {A: 1.0, B: 0.3, C: 0.1}\n", 10, 32, "hits no node of sector C");
    expect_error(THREE HAZ "    severity: {A: 1.0, X: 0.3}\n", 10, 24, "a sector id of the model");
    expect_error(THREE HAZ "    severity: {A: 1.0, B: 1.3}\n", 10, 27, "found '1.3'");
    expect_error(THREE HAZ "    severity: {A: 1.0, A: 0.3}\n", 10, 24, "twice");
    expect_error(THREE HAZ "    severity: {dist: uniform, min: 0, max: 2}\n", 10, 44, "severity");
    expect_error(THREE HAZ "    severity: [1]\n", 10, 15, "a number in [0, 1], a distribution or a mapping");
}

Test(hazard_errors, start_not_iso_8601)
{
    const char *bad[] = {"yesterday", "2018-09-31T03:07+09:00", "2018-02-29T03:07", "2018-09-06T24:00",
                         "2018-09-06T3:07", "2018-09-06", "2018-09-06T03:07+9", "2018-09-06T03:07+09:00 JST",
                         "2018/09/06 03:07", "[2018]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, THREE "start: %s\n", bad[i]);
        expect_error(yaml, 6, 8, "an ISO 8601 date and time");
    }
}

/* ---- the shipped worked example, through the program ---- */

static char dir[64];
static void make_dir(void) { scratch_make(dir, "hazards"); }
static void remove_dir(void) { scratch_remove(dir); }
TestSuite(clock_cli, .init = make_dir, .fini = remove_dir, .timeout = 120);

Test(clock_cli, timelines_show_the_clock_beside_t_plus)
{
    /* scenarios/hokkaido-2018-blackout.yaml: start 03:07 JST, the blackout at T+0:18 =
     * 9/6 03:25; its curve's 99 % point 46 h 35 min after the hazard = T+46:53 = 9/8 02:00 */
    const char *src = env("DOMINO_SOURCE");
    char args[1024], *out;
    snprintf(args, sizeof args, "timeline '%s/scenarios/hokkaido-2018-blackout.yaml' --lang en", src);
    cr_assert_eq(domino(dir, args, 0, &out), 0, "%s", out);
    cr_expect(strstr(out, "9/6 03:25 (T+00:18) Electric power (Hokkaido)") != NULL, "%s", out);
    cr_expect(strstr(out, "9/8 02:00 (T+46:53) Electric power (Hokkaido)                        99% of the damage from "
                          "natural disaster 'hokkaido-blackout' restored") != NULL, "%s", out);
    free(out);
    snprintf(args, sizeof args, "timeline '%s/scenarios/hokkaido-2018-blackout.yaml' --lang ja --format md", src);
    cr_assert_eq(domino(dir, args, 0, &out), 0, "%s", out);
    cr_expect(strstr(out, "**9/8 02:00 (T+46:53) — 北海道の電力**: 自然災害「hokkaido-blackout」の損傷のうち 99% が復旧") != NULL, "%s", out);
    cr_expect(strstr(out, "- T+00:00 = 2018-09-06T03:07:00+09:00\n") != NULL, "the exercise clock: %s", out);
    free(out);
    snprintf(args, sizeof args, "timeline '%s/scenarios/hokkaido-2018-blackout.yaml' --lang en --format csv", src);
    cr_assert_eq(domino(dir, args, 0, &out), 0, "%s", out);
    cr_expect(!strncmp(out, "time,clock,minutes,kind,event,", 30), "%s", out);
    cr_expect(strstr(out, "\n9/6 03:25 (T+00:18),2018-09-06T03:25:00+09:00,18,loss,hazard_start,\"ELEC\",\"Hokkaido\",\"ELEC.01\"") != NULL, "%s", out);
    free(out);
    snprintf(args, sizeof args, "timeline '%s/scenarios/hokkaido-2018-blackout.yaml' --lang en --format json", src);
    cr_assert_eq(domino(dir, args, 0, &out), 0, "%s", out);
    cr_expect(strstr(out, "\"clock\": \"2018-09-08T02:00:00+09:00\"") != NULL, "%s", out);
    free(out);
    snprintf(args, sizeof args, "run '%s/scenarios/hokkaido-2018-blackout.yaml' --json -o h.h5", src);
    cr_assert_eq(domino(dir, args, 0, &out), 0, "%s", out);
    cr_expect(strstr(out, "\"start\": \"2018-09-06T03:07:00+09:00\"") != NULL, "%s", out);
    free(out);
    /* the file keeps the scenario: its timeline shows the same clock */
    char *direct;
    snprintf(args, sizeof args, "timeline '%s/scenarios/hokkaido-2018-blackout.yaml' --lang en --format csv", src);
    cr_assert_eq(domino(dir, args, 0, &direct), 0);
    cr_assert_eq(domino(dir, "timeline h.h5 --lang en --format csv", 0, &out), 0, "%s", out);
    cr_expect_str_eq(out, direct);
    free(out);
    free(direct);
    /* without a start: T+ only, an empty clock (the columns stay the same), JSON start null */
    cr_assert_eq(domino(dir, "timeline --format csv --lang en", 0, &out), 0);
    cr_expect(!strncmp(out, "time,clock,minutes,", 19), "%s", out);
    cr_expect(strstr(out, "\nT+00:00,,0,loss,") != NULL, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "run --json", 0, &out), 0);
    cr_expect(strstr(out, "\"start\": null") != NULL, "%s", out);
    free(out);
}
