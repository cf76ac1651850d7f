/* Breach detection at its boundaries (DESIGN.md "Service levels and breaches"): a breach
 * starts when unserved U >= M has held for D. Sector B: capacity 1000 users, M = 300 users,
 * D = 2 h; tick 1 min. */
#include "helpers.h"

static sim run_b(const char *severity, const char *duration)
{
    char yaml[800];
    snprintf(yaml, sizeof yaml,
        "model:\n  sectors:\n    - {id: B, name_en: B, unit: users, capacity: 1000,"
        " threshold: {magnitude: 300, duration: 2h}}\n"
        "horizon: 6h\nhazards:\n  - {id: h, kind: other, select: {sectors: [B]}, at: 1h,"
        " severity: %s, duration: %s}\n", severity, duration);
    return simulate(yaml);
}

Test(breach, exactly_the_magnitude_and_exactly_the_duration)
{
    /* U = 0.3 x 1000 = 300 = M from 1:00 for exactly 2 h: onset 1:00, confirmed 3:00,
     * end 3:00, peak 300, 300 users x 2 h = 600 user-hours. */
    sim x = run_b("0.3", "2h");
    const dm_breach *b = breach_of(&x, "B");
    cr_assert_not_null(b);
    cr_expect_eq(b->onset, 60);
    cr_expect_eq(b->confirmed, 180);
    cr_expect_eq(b->end, 180);
    cr_expect_float_eq(b->peak, 300, 1e-6);
    cr_expect_float_eq(b->unit_hours, 600, 1e-6);
    sim_free(&x);
}

Test(breach, a_dip_that_ends_one_tick_early_is_no_breach)
{
    sim x = run_b("0.3", "119min");
    cr_expect_null(breach_of(&x, "B"));
    cr_expect_float_eq(x.r->sectors[0].unserved_unit_hours, 300 * 119 / 60.0, 1e-6);
    cr_expect_float_eq(x.r->sectors[0].min_level, 0.7, 1e-12);
    sim_free(&x);
}

Test(breach, below_the_magnitude_is_no_breach)
{
    sim x = run_b("0.299", "5h");
    cr_expect_null(breach_of(&x, "B"));
    sim_free(&x);
}

Test(breach, still_in_breach_at_the_horizon)
{
    /* From 1:00 to the 6:00 horizon: confirmed at 3:00, no end (-1). */
    sim x = run_b("0.5", "1d");
    const dm_breach *b = breach_of(&x, "B");
    cr_assert_not_null(b);
    cr_expect_eq(b->confirmed, 180);
    cr_expect_eq(b->end, -1);
    cr_expect_float_eq(x.r->sectors[0].final_level, 0.5, 1e-12);
    sim_free(&x);
}

Test(breach, any_loss_and_percent_thresholds)
{
    /* 'any': the smallest loss counts at once; '5%' of 200 units is 10 units. */
    sim x = simulate("model:\n  sectors:\n"
        "    - {id: A, name_en: A, threshold: {magnitude: any}}\n"
        "    - {id: P, name_en: P, unit: kW, capacity: 200, threshold: {magnitude: 5%}}\n"
        "horizon: 2h\nhazards:\n  - {id: h, kind: other, select: {sectors: [A]}, severity: 0.01, duration: 1min}\n"
        "  - {id: p, kind: other, select: {sectors: [P]}, severity: 0.05, at: 30min, duration: 1min}\n");
    const dm_breach *a = breach_of(&x, "A"), *p = breach_of(&x, "P");
    cr_assert_not_null(a);
    cr_expect_eq(a->onset, 0);
    cr_expect_eq(a->end, 1);
    cr_assert_not_null(p);
    cr_expect_eq(p->onset, 30);
    sim_free(&x);
}

Test(breach, two_separate_breaches_of_one_sector)
{
    /* Two 3 h losses of 50 % (1:00-4:00 and 5:00-8:00): two breaches, confirmed at 3:00
     * and 7:00; the sector's first breach is the earlier one. */
    sim x = simulate(
        "model:\n  sectors:\n    - {id: B, name_en: B, unit: users, capacity: 1000,"
        " threshold: {magnitude: 300, duration: 2h}}\n"
        "horizon: 10h\nhazards:\n"
        "  - {id: h1, kind: other, select: {sectors: [B]}, at: 1h, severity: 0.5, duration: 3h}\n"
        "  - {id: h2, kind: other, select: {sectors: [B]}, at: 5h, severity: 0.5, duration: 3h}\n");
    cr_assert_eq(x.r->nbreaches, 2);
    cr_expect_eq(x.r->breaches[0].confirmed, 180);
    cr_expect_eq(x.r->breaches[1].confirmed, 420);
    cr_expect_eq(breach_of(&x, "B"), &x.r->breaches[0]);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dm_render_breach_table(f, x.sc, x.r, DM_LANG_EN);
    fclose(f);
    cr_expect(strstr(text, "again") && strstr(text, "T+05:00"), "%s", text);
    free(text);
    sim_free(&x);
}
