/* Facilities inside a node (DESIGN.md, "What a node computes"; issue 15): a buffer's
 * `share` of facilities with a backup, `facilities:` durations across them, a clock per
 * deepening, the most recently cut reconnected first, resupply freezing the clocks, refill
 * after reconnection. Each expectation is computed by hand in its comment. A supplies B
 * (strength w); hazards hit A. Tick 1 min; B's level is read at the end of a tick from the
 * node series (interval one tick). */
#include <math.h>
#include "helpers.h"

#define AB "model:\n  sectors:\n    - {id: A, name_en: A}\n    - {id: B, name_en: B}\n    - {id: C, name_en: C}\n" \
           "  dependencies:\n"

typedef struct run { sim x; size_t n; int b; } run;

static run levels(const char *yaml)
{
    run r = {{load_yaml(yaml), NULL, NULL}, 0, 0};
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_engine_new(r.x.sc, &r.x.eng, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_set_output(r.x.eng, 1, DM_STORE_NODES, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_run(r.x.eng, 0, &err), 0, "%s", err.message);
    r.x.r = dm_engine_results(r.x.eng);
    r.n = r.x.sc->model->nnodes;
    r.b = node_of(&r.x, "B");
    return r;
}

/* B's level at the end of minute m. */
static double at(const run *r, int64_t m)
{
    cr_assert_lt((size_t)m, r->x.r->ntimes);
    return r->x.r->node_level[(size_t)m * r->n + (size_t)r->b];
}

/* S(tau) of a lognormal with median 6 h and sigma 1: 1 - Phi(ln(tau / 6 h)). */
#define LOGNORMAL_6H "{dist: lognormal, median: 6h, sigma: 1}"

Test(facilities, total_loss_lognormal)
{
    /* A is lost at T+0 for good; B (w = 0.8) has facilities whose backups last
     * lognormal(median 6 h, sigma 1). Level = 1 - w (1 - S(tau)):
     *   1 h:  S = 1 - Phi(ln(1/6))  = 1 - Phi(-1.7918) = 0.96341 -> 1 - 0.8 x 0.03659 = 0.97073
     *   6 h:  S = 0.5                                        -> 1 - 0.8 x 0.5     = 0.60000
     *   24 h: S = 1 - Phi(ln 4)     = 1 - Phi(1.3863)  = 0.08283 -> 1 - 0.8 x 0.91717 = 0.26626
     * The engine follows S in steps of at most 1 % of capacity: within 0.01. */
    run r = levels(AB "    - {dependent: B, providers: A, strength: 0.8, buffer: {facilities: " LOGNORMAL_6H "}}\n"
                   "horizon: 2d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}}\n");
    cr_expect_float_eq(at(&r, 60), 0.97073, 0.01);
    cr_expect_float_eq(at(&r, 360), 0.60000, 0.01);
    cr_expect_float_eq(at(&r, 1440), 0.26626, 0.01);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_ENGAGED), 0);
    /* steps of at most 1 %: the level never moves by more than 0.01 in one tick */
    for (int64_t m = 1; m < 2880; m++) cr_assert_leq(fabs(at(&r, m) - at(&r, m - 1)), 0.01 + 1e-12, "at minute %lld", (long long)m);
    sim_free(&r.x);
}

Test(facilities, partial_loss_scales_the_effect)
{
    /* As above with A at 70 % (severity 0.3): only 30 % of B's facilities lose power, so
     * the loss is 0.3 times the total loss's: 1 - 0.3 x 0.8 (1 - S(tau)):
     *   1 h: 1 - 0.24 x 0.03659 = 0.99122;  6 h: 1 - 0.24 x 0.5 = 0.88000;
     *   24 h: 1 - 0.24 x 0.91717 = 0.77988. */
    run r = levels(AB "    - {dependent: B, providers: A, strength: 0.8, buffer: {facilities: " LOGNORMAL_6H "}}\n"
                   "horizon: 2d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, severity: 0.3}\n");
    cr_expect_float_eq(at(&r, 60), 0.99122, 0.01);
    cr_expect_float_eq(at(&r, 360), 0.88000, 0.01);
    cr_expect_float_eq(at(&r, 1440), 0.77988, 0.01);
    sim_free(&r.x);
}

Test(facilities, share_without_backup_drops_at_once)
{
    /* share 0.6: 40 % of B's facilities have no backup. A lost at T+0: B at
     * 1 - 1 x 1 x (1 - 0.6 x 1) = 0.6 at once; the 24 h backups run out at T+24:00: 0. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 24h, share: 0.6}}\n"
                   "horizon: 2d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}}\n");
    cr_expect_float_eq(at(&r, 0), 0.6, 1e-12);
    cr_expect_float_eq(at(&r, 1439), 0.6, 1e-12);
    cr_expect_float_eq(at(&r, 1440), 0.0, 1e-12);
    sim_free(&r.x);
}

Test(facilities, deepening_has_its_own_clock)
{
    /* A loses 20 % at T+0 and 60 % from T+5:00 (the larger severity), B has 8 h backups.
     * Clock 1 (20 %, from 0:00) runs out at 8:00; clock 2 (the other 40 %, from 5:00) at
     * 13:00. B: 1 until 8:00, 0.8 until 13:00, then 0.4. (One buffer for the node, as
     * before, would have dropped B to 0.4 at 8:00.) */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 8h}}\n"
                   "horizon: 1d\nhazards:\n  - {id: h1, kind: other, select: {sectors: [A]}, severity: 0.2}\n"
                   "  - {id: h2, kind: other, select: {sectors: [A]}, severity: 0.6, at: 5h}\n");
    cr_expect_float_eq(at(&r, 479), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 480), 0.8, 1e-12);
    cr_expect_float_eq(at(&r, 779), 0.8, 1e-12);
    cr_expect_float_eq(at(&r, 780), 0.4, 1e-12);
    sim_free(&r.x);
}

Test(facilities, partial_return_reconnects_the_most_recent_first)
{
    /* A loses 20 % from T+0 (for good), 60 % from 2:00 to 4:00 and 40 % from 3:00 (for
     * good); B has 6 h backups. At 4:00 the loss falls to 40 %: of the 40 % cut at 2:00,
     * the 20 % cut last are reconnected, so those cut at 0:00 (20 %) run out at 6:00 (B
     * 0.8) and the rest of those cut at 2:00 (20 %) at 8:00 (B 0.6). Reconnecting the
     * oldest first would have left those cut at 2:00 only: B 1 until 8:00, then 0.6. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 6h}}\n"
                   "horizon: 12h\nhazards:\n  - {id: h1, kind: other, select: {sectors: [A]}, severity: 0.2}\n"
                   "  - {id: h2, kind: other, select: {sectors: [A]}, severity: 0.6, at: 2h, duration: 2h}\n"
                   "  - {id: h3, kind: other, select: {sectors: [A]}, severity: 0.4, at: 3h}\n");
    cr_expect_float_eq(at(&r, 359), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 360), 0.8, 1e-12);
    cr_expect_float_eq(at(&r, 479), 0.8, 1e-12);
    cr_expect_float_eq(at(&r, 480), 0.6, 1e-12);
    sim_free(&r.x);
}

Test(facilities, resupply_freezes_the_clocks)
{
    /* B's facilities have backups of 2-4 h (uniform: S(tau) = (4 h - tau) / 2 h between),
     * refuelled by C. A lost at T+0 for good; C is down 0:00-1:00 and from 5:00. The clocks
     * run 0:00-1:00 (1 h), stand 1:00-5:00, run again from 5:00: at 7:00 they read 3 h,
     * S = 0.5, B = 0.5; at 6:00 they read 2 h, S = 1, B = 1; from 8:00 (4 h), 0. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {facilities: {dist: uniform, min: 2h, max: 4h}, resupply: [C]}}\n"
                   "horizon: 12h\nhazards:\n  - {id: a, kind: other, select: {sectors: [A]}}\n"
                   "  - {id: c1, kind: other, select: {sectors: [C]}, duration: 1h}\n"
                   "  - {id: c2, kind: other, select: {sectors: [C]}, at: 5h}\n");
    cr_expect_float_eq(at(&r, 299), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 360), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 420), 0.5, 0.01);
    cr_expect_float_eq(at(&r, 480), 0.0, 1e-12);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_HELD), 60);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_DRAINING), 300);
    sim_free(&r.x);
}

Test(facilities, refill_after_reconnection)
{
    /* B has 2 h backups refilling at 0.25. A loses 50 % 0:00-1:00: the cut half has used
     * 1 h at 1:00, then refills 2 h x 0.25 = 0.5 h by 3:00 (used 0.5 h). A is lost for good
     * at 3:00: the most recently reconnected half is cut first, with 1.5 h left (out at
     * 4:30, B 0.5); the other half has full 2 h backups (out at 5:00, B 0). */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 2h, refill: 0.25}}\n"
                   "horizon: 8h\nhazards:\n  - {id: h1, kind: other, select: {sectors: [A]}, severity: 0.5, duration: 1h}\n"
                   "  - {id: h2, kind: other, select: {sectors: [A]}, at: 3h}\n");
    cr_expect_float_eq(at(&r, 269), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 270), 0.5, 1e-12);
    cr_expect_float_eq(at(&r, 299), 0.5, 1e-12);
    cr_expect_float_eq(at(&r, 300), 0.0, 1e-12);
    sim_free(&r.x);
}

Test(facilities, small_water_loss_has_a_small_effect)
{
    /* The case of issue 15: water (A) loses 0.3 % from T+0; hospitals (B, w = 1) have 24 h
     * tanks. Only 0.3 % of the hospitals' tanks drain: at 24:00 B = 1 - 0.003 = 0.997, not
     * 0. Water is then lost entirely at 10:00: the other 99.7 % start their tanks then and
     * run out at 34:00 (B 0); the one buffer per node of before had drained since T+0 and
     * dropped B to 0 at 24:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 24h}}\n"
                   "horizon: 2d\nhazards:\n  - {id: leak, kind: other, select: {sectors: [A]}, severity: 0.003}\n"
                   "  - {id: main, kind: other, select: {sectors: [A]}, at: 10h}\n");
    cr_expect_float_eq(at(&r, 1439), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 1440), 0.997, 1e-9);
    cr_expect_float_eq(at(&r, 2039), 0.997, 1e-9);
    cr_expect_float_eq(at(&r, 2040), 0.0, 1e-12);
    sim_free(&r.x);
    /* and alone, the 0.3 % loss costs B 0.3 % after a day, with no drop before */
    r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 24h}}\n"
               "horizon: 2d\nhazards:\n  - {id: leak, kind: other, select: {sectors: [A]}, severity: 0.003}\n");
    cr_expect_float_eq(at(&r, 2879), 0.997, 1e-9);
    cr_expect_gt(r.x.r->sectors[1].min_level, 0.996);
    sim_free(&r.x);
}

Test(facilities, table_cdf)
{
    /* Base-station batteries as a survey table: 20 % last at most 2 h, 50 % at most 6 h,
     * all at most 24 h (linear between, from 0 at 0 h). Total loss, w = 1: B = S(tau):
     *   1 h: F = 0.1, B = 0.9;  4 h: F = 0.2 + 0.3 x 2/4 = 0.35, B = 0.65;
     *   15 h: F = 0.5 + 0.5 x 9/18 = 0.75, B = 0.25;  24 h: 0. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {facilities: {dist: table, points: [[2h, 0.2], [6h, 0.5], [24h, 1.0]]}}}\n"
                   "horizon: 2d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}}\n");
    cr_expect_float_eq(at(&r, 60), 0.9, 0.01);
    cr_expect_float_eq(at(&r, 240), 0.65, 0.01);
    cr_expect_float_eq(at(&r, 900), 0.25, 0.01);
    cr_expect_float_eq(at(&r, 1440), 0.0, 1e-9);
    sim_free(&r.x);
}

Test(facilities, restart_after_the_backup_ran_out)
{
    /* B's facilities have 4 h backups; once a backup has run out they come back only when
     * a crew restarts them, 10 % of B's facilities per hour (`restart_rate: 0.1`). A lost
     * 0:00-6:00: B 1 until 4:00, 0 from 4:00; at 6:00 all are reconnected dry (waiting 1),
     * so B = 0.1 (t - 6 h) / h: 0.1 at 7:00, 0.5 at 11:00, in steps of 1 % (6 min), all
     * back at 16:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 4h, restart_rate: 0.1}}\n"
                   "horizon: 1d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, duration: 6h}\n");
    cr_expect_float_eq(at(&r, 239), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 240), 0.0, 1e-12);
    cr_expect_float_eq(at(&r, 360), 0.0, 1e-12);
    cr_expect_float_eq(at(&r, 420), 0.1, 1e-9);
    cr_expect_float_eq(at(&r, 660), 0.5, 1e-9);
    cr_expect_float_eq(at(&r, 959), 0.99, 1e-9);
    cr_expect_float_eq(at(&r, 960), 1.0, 1e-12);
    for (int64_t m = 361; m < 1440; m++) cr_assert_leq(fabs(at(&r, m) - at(&r, m - 1)), 0.01 + 1e-9, "at minute %lld", (long long)m);
    sim_free(&r.x);
}

Test(facilities, restart_only_where_the_backup_ran_out)
{
    /* Backups of 2-6 h (uniform, S(tau) = (6 h - tau) / 4 h between), restart_rate 0.05;
     * A lost 0:00-4:00. At 4:00 S = 0.5: the half still on its backup is back at once, the
     * half that ran dry waits: B 0.5 at 4:00, 0.75 at 9:00, 1 at 14:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {facilities: {dist: uniform, min: 2h, max: 6h}, restart_rate: 0.05}}\n"
                   "horizon: 1d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, duration: 4h}\n");
    cr_expect_float_eq(at(&r, 239), 0.5, 0.01);
    cr_expect_float_eq(at(&r, 240), 0.5, 1e-9);
    cr_expect_float_eq(at(&r, 540), 0.75, 1e-9);
    cr_expect_float_eq(at(&r, 840), 1.0, 1e-12);
    sim_free(&r.x);
}

Test(facilities, restart_after_a_partial_return)
{
    /* 4 h backups, restart_rate 0.05. A lost 0:00-5:00, then 50 % for good: at 5:00 the
     * half reconnected ran dry at 4:00 and waits (0.5); the other half stays cut and dry.
     * B: 0 from 4:00, 0.3 at 11:00 (0.2 still waiting), 0.5 from 15:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 4h, restart_rate: 0.05}}\n"
                   "horizon: 1d\nhazards:\n  - {id: h1, kind: other, select: {sectors: [A]}, duration: 5h}\n"
                   "  - {id: h2, kind: other, select: {sectors: [A]}, severity: 0.5, at: 5h}\n");
    cr_expect_float_eq(at(&r, 240), 0.0, 1e-12);
    cr_expect_float_eq(at(&r, 300), 0.0, 1e-12);
    cr_expect_float_eq(at(&r, 660), 0.3, 1e-9);
    cr_expect_float_eq(at(&r, 900), 0.5, 1e-9);
    sim_free(&r.x);
}

Test(facilities, restart_leaves_facilities_without_a_backup)
{
    /* share 0.6: 40 % of B's facilities have no backup; 4 h backups, restart_rate 0.1; A
     * lost 0:00-6:00. B 0.6 until 4:00, 0 until 6:00; at 6:00 the 40 % without a backup
     * come back with their input (no backup ran flat), the 60 % that ran dry wait: B 0.4
     * at 6:00, 0.7 at 9:00, 1 at 12:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 4h, share: 0.6, restart_rate: 0.1}}\n"
                   "horizon: 1d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, duration: 6h}\n");
    cr_expect_float_eq(at(&r, 0), 0.6, 1e-12);
    cr_expect_float_eq(at(&r, 300), 0.0, 1e-12);
    cr_expect_float_eq(at(&r, 360), 0.4, 1e-9);
    cr_expect_float_eq(at(&r, 540), 0.7, 1e-9);
    cr_expect_float_eq(at(&r, 720), 1.0, 1e-12);
    sim_free(&r.x);
}

Test(facilities, restart_share_needs_a_visit)
{
    /* As restart_after_the_backup_ran_out with restart_rate 0.05 and restart_share 0.25: of
     * the facilities that ran dry, a quarter waits for a visit; the rest come back with A
     * at 6:00. B 0 from 4:00, 0.75 at 6:00, 0.85 at 8:00, 1 at 11:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 4h, restart_rate: 0.05, restart_share: 0.25}}\n"
                   "horizon: 1d\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, duration: 6h}\n");
    cr_expect_float_eq(at(&r, 359), 0.0, 1e-12);
    cr_expect_float_eq(at(&r, 360), 0.75, 1e-9);
    cr_expect_float_eq(at(&r, 480), 0.85, 1e-9);
    cr_expect_float_eq(at(&r, 660), 1.0, 1e-12);
    sim_free(&r.x);
}

/* ---- resupply_after: resupply that takes time to arrive (mobile generators, fuel) ----
 * The delay runs on each cut clock: a facility's backup is held by its resupply once it has
 * run `resupply_after`; until then it drains as without resupply. C (the resupply) is up
 * unless a hazard says otherwise. */

Test(facilities, resupply_after_drains_until_the_delay_then_holds)
{
    /* B's 6 h backups, resupplied by C after 2 h. A lost at T+0 for good: the clock runs
     * 0:00-2:00 (4 h left), then holds: B never drops. C lost at 5:00: the clock runs
     * again from 2 h used, out at 5:00 + 4 h = 9:00. Events: engaged at 0:00, resupplied
     * (held) at 2:00, draining at 5:00, down at 9:00. Without resupply_after it would be
     * held from 0:00 and out at 5:00 + 6 h = 11:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 6h, resupply: [C], resupply_after: 2h}}\n"
                   "horizon: 12h\nhazards:\n  - {id: a, kind: other, select: {sectors: [A]}}\n"
                   "  - {id: c, kind: other, select: {sectors: [C]}, at: 5h}\n");
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_ENGAGED), 0);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_HELD), 120);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_DRAINING), 300);
    cr_expect_float_eq(at(&r, 539), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 540), 0.0, 1e-12);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_DOWN), 540);
    sim_free(&r.x);
    r = levels(AB "    - {dependent: B, providers: A, buffer: {duration: 6h, resupply: [C]}}\n"
               "horizon: 12h\nhazards:\n  - {id: a, kind: other, select: {sectors: [A]}}\n"
               "  - {id: c, kind: other, select: {sectors: [C]}, at: 5h}\n");
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_HELD), 0);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_DOWN), 660);
    sim_free(&r.x);
}

Test(facilities, resupply_after_freezes_facilities_at_the_delay)
{
    /* Backups of 2-6 h across B's facilities (uniform: S(tau) = (6 h - tau) / 4 h between),
     * resupplied after 3 h. A lost at T+0 for good: B = S(tau) until 3:00, 1 until 2:00,
     * S(2.5 h) = 0.875 at 2:30, then held at S(3 h) = 0.75 to the horizon (exactly: the
     * last step is computed at the tick the resupply arrives). Without resupply B is 0
     * from 6:00. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {facilities: {dist: uniform, min: 2h, max: 6h}, resupply: [C], resupply_after: 3h}}\n"
                   "horizon: 1d\nhazards:\n  - {id: a, kind: other, select: {sectors: [A]}}\n");
    cr_expect_float_eq(at(&r, 119), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 150), 0.875, 0.01);
    cr_expect_float_eq(at(&r, 180), 0.75, 1e-9);
    cr_expect_float_eq(at(&r, 720), 0.75, 1e-9);
    cr_expect_float_eq(at(&r, 1439), 0.75, 1e-9);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_HELD), 180);
    sim_free(&r.x);
}

Test(facilities, a_shortfall_shorter_than_the_delay_is_as_without_resupply)
{
    /* 1 h backups, resupply after 2 h: A lost 0:00-1:30. The backups run out at 1:00,
     * before any resupply arrives (it never holds a clock: cap <= after), and B is back at
     * 1:30: the same series, tick by tick, as the same buffer without resupply. */
    const char *hazard = "horizon: 4h\nhazards:\n  - {id: a, kind: other, select: {sectors: [A]}, duration: 90min}\n";
    char with[1024], without[1024];
    snprintf(with, sizeof with, AB "    - {dependent: B, providers: A, buffer: {duration: 1h, resupply: [C], resupply_after: 2h}}\n%s", hazard);
    snprintf(without, sizeof without, AB "    - {dependent: B, providers: A, buffer: {duration: 1h}}\n%s", hazard);
    run r = levels(with), q = levels(without);
    cr_expect_float_eq(at(&r, 59), 1.0, 1e-12);
    cr_expect_float_eq(at(&r, 60), 0.0, 1e-12);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_HELD), -1);
    for (int64_t m = 0; m < 240; m++) cr_assert_eq(at(&r, m), at(&q, m), "at minute %lld", (long long)m);
    sim_free(&r.x);
    sim_free(&q.x);
}

Test(facilities, resupply_after_runs_per_clock)
{
    /* The delay restarts for each deepening (each clock counts its own time on backup):
     * backups of 1-5 h (S(tau) = (5 h - tau) / 4 h between), resupply after 3 h. A loses
     * 50 % at T+0 and the rest at 4:00. The first half drains to 3 h (S = 0.5) and holds
     * from 3:00: B = 1 - 0.5 x 0.5 = 0.75. The second half starts its own clock at 4:00:
     * full until 5:00 (B 0.75), S(2 h) = 0.75 at 6:00 (B = 1 - 0.25 - 0.125 = 0.625), held
     * at S(3 h) = 0.5 from 7:00 (B 0.5). A delay counted from the first shortfall would
     * hold the second half at once (B 0.75 to the horizon). */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {facilities: {dist: uniform, min: 1h, max: 5h}, resupply: [C], resupply_after: 3h}}\n"
                   "horizon: 12h\nhazards:\n  - {id: half, kind: other, select: {sectors: [A]}, severity: 0.5}\n"
                   "  - {id: rest, kind: other, select: {sectors: [A]}, at: 4h}\n");
    cr_expect_float_eq(at(&r, 210), 0.75, 1e-9);
    cr_expect_float_eq(at(&r, 300), 0.75, 1e-9);
    cr_expect_float_eq(at(&r, 360), 0.625, 0.01);
    cr_expect_float_eq(at(&r, 420), 0.5, 1e-9);
    cr_expect_float_eq(at(&r, 719), 0.5, 1e-9);
    cr_expect_eq(first_event(&r.x, "B", DM_EV_BUFFER_HELD), 180);
    sim_free(&r.x);
}

Test(facilities, resupply_after_is_drawn_per_replicate)
{
    /* Backups of 2-6 h (S(tau) = (6 h - tau) / 4 h), resupply after a delay drawn uniform in
     * [3 h, 5 h] once per replicate. A lost for good: B ends held at S(D) = (6 h - D) / 4 h,
     * in [0.25, 0.75], a value per replicate (not all the same); replicate r gives the same
     * bits when run again. */
    run r = levels(AB "    - {dependent: B, providers: A, buffer: {facilities: {dist: uniform, min: 2h, max: 6h}, resupply: [C],"
                   " resupply_after: {dist: uniform, min: 3h, max: 5h}}}\n"
                   "horizon: 12h\nhazards:\n  - {id: a, kind: other, select: {sectors: [A]}}\n");
    dm_error err;
    dm_error_clear(&err);
    double last[8], lo = 1, hi = 0;
    for (int rep = 0; rep < 8; rep++) {
        cr_assert_eq(dm_engine_run(r.x.eng, (uint64_t)rep, &err), 0, "%s", err.message);
        r.x.r = dm_engine_results(r.x.eng);
        last[rep] = at(&r, 719);
        cr_expect(last[rep] >= 0.25 - 1e-9 && last[rep] <= 0.75 + 1e-9, "replicate %d: %g", rep, last[rep]);
        /* held: the level does not move in the last six hours (the delay is over by 5:00) */
        cr_expect_eq(at(&r, 360), last[rep], "replicate %d", rep);
        lo = fmin(lo, last[rep]);
        hi = fmax(hi, last[rep]);
    }
    cr_expect_gt(hi - lo, 0.05, "the delay is drawn per replicate (levels %g .. %g)", lo, hi);
    cr_assert_eq(dm_engine_run(r.x.eng, 3, &err), 0, "%s", err.message);
    r.x.r = dm_engine_results(r.x.eng);
    cr_expect_eq(at(&r, 719), last[3]);
    sim_free(&r.x);
}
