/* Regional breaches (DESIGN.md, "Service levels and breaches": in a model with regions,
 * each region's part of a sector has its own breach state machine, U_{S,r} >= M_S for D,
 * a percentage threshold being of the region's capacity), and a percentage threshold on a
 * layer sector meaning a percentage of the layer. */
#include <stdio.h>
#include "helpers.h"
#include "cli_helpers.h"

static sim simulate_on(const char *model_rel, const char *rest)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "model: %s/%s\n%s", env("DOMINO_SOURCE"), model_rel, rest);
    return simulate(yaml);
}

static const dm_breach *regional(const sim *x, const char *sector, const char *region)
{
    int s = dm_model_sector(x->sc->model, sector), found = -1;
    for (size_t g = 0; g < x->sc->model->nregions; g++)
        if (!strcmp(x->sc->model->regions[g].id, region)) found = (int)g;
    cr_assert_geq(s, 0);
    cr_assert_geq(found, 0);
    for (size_t i = 0; i < x->r->nregion_breaches; i++)
        if (x->r->region_breaches[i].sector == s && x->r->region_breaches[i].region == found) return &x->r->region_breaches[i];
    return NULL;
}

/* tests/data/two-regions.yaml, 電力 North loses 50 % and South 10 % from T+1:00 to T+4:00
 * (nothing ramps: every dynamics is an immediate step).
 *   ELEC: U_N = 0.5 x 300 = 150 kW >= 100: a breach in North, onset T+1:00, confirmed
 *         T+1:10 (D = 10 min), end T+4:00, peak 150 kW, 150 x 3 h = 450 kWh.
 *         U_S = 0.1 x 700 = 70 kW < 100: none in South. Nationally U = 220 kW: a breach,
 *         peak 220, 660 kWh.
 *   ICT (w = 0.5, no buffer): level_N = 1 - 0.5 x 0.5 = 0.75, U_N = 250 users >= 20 % of
 *         1,000 = 200: a breach in North, onset T+1:00, confirmed T+1:30, end T+4:00, peak
 *         250, 750 users·h. level_S = 1 - 0.5 x 0.1 = 0.95, U_S = 150 < 20 % of 3,000 =
 *         600: none. Nationally U = 400 < 20 % of 4,000 = 800: no breach — the regional
 *         books find what the national one cannot.
 *   WATER ("any", w = 0.2, 2 h buffer): both regions lose service at T+3:00 when the
 *         buffers run out, to T+4:00: North 0.2 x 0.5 x 100 = 10 %, South 0.2 x 0.1 x 100 = 2 %. */
Test(regions, two_regions_by_hand)
{
    sim x = simulate_on("tests/data/two-regions.yaml", "horizon: 1d\nhazards:\n"
        "  - {id: north, kind: natural disaster, select: {nodes: [ELEC.N]}, at: 1h, severity: 0.5, duration: 3h}\n"
        "  - {id: south, kind: natural disaster, select: {nodes: [ELEC.S]}, at: 1h, severity: 0.1, duration: 3h}\n");
    const dm_breach *b = breach_of(&x, "ELEC");
    cr_assert_not_null(b);
    cr_expect_eq(b->region, -1);
    cr_expect_float_eq(b->peak, 220, 1e-9);
    cr_expect_float_eq(b->unit_hours, 660, 1e-9);
    cr_expect_null(breach_of(&x, "ICT"), "nationally 400 users < 800: no breach");

    b = regional(&x, "ELEC", "North");
    cr_assert_not_null(b);
    cr_expect_eq(b->onset, 60);
    cr_expect_eq(b->confirmed, 70);
    cr_expect_eq(b->end, 240);
    cr_expect_float_eq(b->peak, 150, 1e-9);
    cr_expect_float_eq(b->unit_hours, 450, 1e-9);
    cr_expect_null(regional(&x, "ELEC", "South"));

    b = regional(&x, "ICT", "North");
    cr_assert_not_null(b);
    cr_expect_eq(b->onset, 60);
    cr_expect_eq(b->confirmed, 90);
    cr_expect_eq(b->end, 240);
    cr_expect_float_eq(b->peak, 250, 1e-9);
    cr_expect_float_eq(b->unit_hours, 750, 1e-9);
    cr_expect_null(regional(&x, "ICT", "South"), "150 users < 20 %% of 3,000");

    b = regional(&x, "WATER", "North");
    cr_assert_not_null(b);
    cr_expect_eq(b->onset, 180);
    cr_expect_eq(b->end, 240);
    cr_expect_float_eq(b->peak, 10, 1e-9);
    b = regional(&x, "WATER", "South");
    cr_assert_not_null(b);
    cr_expect_float_eq(b->peak, 2, 1e-9);
    cr_expect_eq(x.r->nregion_breaches, 4);
    /* the thresholds as the model states them: 20 % of all of ICT, and of North's part */
    cr_expect_float_eq(x.sc->model->sectors[dm_model_sector(x.sc->model, "ICT")].magnitude, 800, 1e-9);
    cr_expect_float_eq(dm_threshold_magnitude(x.sc->model, dm_model_sector(x.sc->model, "ICT"), 0), 200, 1e-9);
    /* in order of onset, then sector */
    for (size_t i = 1; i < x.r->nregion_breaches; i++)
        cr_expect_leq(x.r->region_breaches[i - 1].onset, x.r->region_breaches[i].onset);

    /* Each region's part of each sector, as --region shows it (the same hazards):
     *   ELEC  North: level 1 - 150/300 = 0.5, 150 kW x 3 h = 450 kWh; South: 1 - 70/700 = 0.9, 210 kWh
     *   ICT   North: 0.75, 250 x 3 = 750 users·h;  South: 0.95, 150 x 3 = 450 users·h
     *   WATER North: 1 - 10/100 = 0.9, 10 x 1 h = 10 %·h; South: 0.98, 2 %·h
     * every part back to level 1 at the horizon; the parts' unit-hours add up to the
     * sector's (GEN, in no region, has no part). */
    static const struct { const char *sector; int region; double min, uh; } parts[] = {
        {"ELEC", 0, 0.5, 450}, {"ELEC", 1, 0.9, 210}, {"ICT", 0, 0.75, 750}, {"ICT", 1, 0.95, 450},
        {"WATER", 0, 0.9, 10}, {"WATER", 1, 0.98, 2},
    };
    size_t S = x.sc->model->nsectors;
    cr_assert_not_null(x.r->region_sectors);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        int s = dm_model_sector(x.sc->model, parts[i].sector);
        const dm_sector_result *p = &x.r->region_sectors[(size_t)parts[i].region * S + (size_t)s];
        cr_expect_float_eq(p->min_level, parts[i].min, 1e-9, "%s in region %d", parts[i].sector, parts[i].region);
        cr_expect_float_eq(p->final_level, 1.0, 1e-9);
        cr_expect_float_eq(p->unserved_unit_hours, parts[i].uh, 1e-9, "%s in region %d", parts[i].sector, parts[i].region);
        double whole = x.r->sectors[s].unserved_unit_hours;
        double sum = x.r->region_sectors[(size_t)s].unserved_unit_hours + x.r->region_sectors[S + (size_t)s].unserved_unit_hours;
        cr_expect_float_eq(sum, whole, 1e-9 * whole);
    }
    /* narrowed to North: its parts, and first_breach pointing at North's breaches */
    dm_engine_result view;
    cr_assert_eq(dm_result_narrow(x.sc, x.r, 0, &view), 0);
    int elec = dm_model_sector(x.sc->model, "ELEC"), ict = dm_model_sector(x.sc->model, "ICT");
    cr_expect_float_eq(view.sectors[elec].min_level, 0.5, 1e-9);
    cr_expect_float_eq(view.sectors[ict].unserved_unit_hours, 750, 1e-9);
    cr_assert_geq(view.sectors[ict].first_breach, 0);
    cr_expect_eq(view.breaches[view.sectors[ict].first_breach].sector, ict);
    cr_expect_eq(view.breaches[view.sectors[ict].first_breach].region, 0);
    cr_expect_null(view.region_sectors);
    dm_result_view_free(&view);
    cr_assert_eq(dm_result_narrow(x.sc, x.r, 1, &view), 0);
    cr_expect_float_eq(view.sectors[elec].min_level, 0.9, 1e-9);
    cr_expect_eq(view.sectors[ict].first_breach, -1, "no ICT breach in South");
    dm_result_view_free(&view);
    sim_free(&x);
}

/* A model without regions has no regional books. */
Test(regions, none_without_regions)
{
    sim x = simulate("model: japan-sectors\nhorizon: 1d\nhazards:\n  - {id: h, kind: other, select: {sectors: [ELEC]}, duration: 6h}\n");
    cr_expect_gt(x.r->nbreaches, 0);
    cr_expect_eq(x.r->nregion_breaches, 0);
    sim_free(&x);
}

/* A layer of 4 nodes of capacity 100 (400 in all) with a threshold of 50 %: the
 * magnitude is 200, half the layer. One node lost (U = 100) is no breach; two (U = 200)
 * are. (Before, 50 % meant half of one node's capacity, 50, and one node was a breach.) */
Test(regions, percentage_on_a_layer_is_of_the_layer)
{
    const char *model =
        "model:\n"
        "  sectors: [{id: A, name_en: a, capacity: 100, threshold: {magnitude: '50%'}}]\n"
        "  layers: [{sector: A, graph: {generate: random_regular, nodes: 4, degree: 2}}]\n"
        "horizon: 1d\n";
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "%shazards:\n  - {id: h, kind: other, select: {nodes: ['A:0']}, duration: 1h}\n", model);
    sim x = simulate(yaml);
    cr_expect_float_eq(x.sc->model->sectors[0].magnitude, 200, 1e-9);
    cr_expect_float_eq(x.sc->model->sectors[0].magnitude_share, 0.5, 1e-12);
    cr_expect_null(breach_of(&x, "A"), "U = 100 of 400 is below 50 %%");
    sim_free(&x);
    snprintf(yaml, sizeof yaml, "%shazards:\n  - {id: h, kind: other, select: {nodes: ['A:0', 'A:1']}, duration: 1h}\n", model);
    x = simulate(yaml);
    const dm_breach *b = breach_of(&x, "A");
    cr_assert_not_null(b, "U = 200 of 400 is 50 %%");
    cr_expect_float_eq(b->peak, 200, 1e-9);
    cr_expect_eq(b->end, 60);
    sim_free(&x);
}

/* On the prefecture model, a blackout of Hokkaido's 電力 alone breaches in Hokkaido (電力
 * at once; 情報通信 once the first base stations' batteries, spread 2-24 h over the stations,
 * run out: 30,000 users are 0.57 % of Hokkaido's 5.22 M, and the engine follows the fade in
 * steps of 1 % of capacity; the stations carry 0.8 of the service (the exchanges the rest,
 * models/japan-sectors.yaml), so the first step comes at 2 h + 1 % / 0.8 x 22 h = T+2:16.5,
 * the tick T+2:16, confirmed 2 h later) and in no other prefecture. */
Test(regions, hokkaido_blackout_breaches_only_in_hokkaido)
{
    sim x = simulate_on("models/japan-prefectures.yaml", "horizon: 2d\nhazards:\n"
        "  - {id: hokkaido, kind: natural disaster, select: {sectors: [ELEC], regions: [Hokkaido]}, duration: 12h}\n");
    cr_assert_gt(x.r->nregion_breaches, 2);
    for (size_t i = 0; i < x.r->nregion_breaches; i++)
        cr_expect_str_eq(x.sc->model->regions[x.r->region_breaches[i].region].id, "Hokkaido", "breach %zu in %s", i,
                         x.sc->model->regions[x.r->region_breaches[i].region].id);
    const dm_breach *b = regional(&x, "ELEC", "Hokkaido");
    cr_assert_not_null(b);
    cr_expect_eq(b->onset, 0);
    cr_expect_float_eq(b->peak, 3.83e6, 1);  /* Hokkaido's demand from data (tools/prefecture_model.py) */
    b = regional(&x, "ICT", "Hokkaido");
    cr_assert_not_null(b);
    cr_expect_eq(b->onset, 136);
    cr_expect_eq(b->confirmed, 256);
    cr_expect_null(regional(&x, "ELEC", "Aomori"));
    sim_free(&x);
}

/* ---- the command line: the breach table by region, --region on run, timeline and JSON,
 * the result file's breach_region as xarray reads it ---- */

static char dir[256];
static void make_dir(void) { scratch_make(dir, "regions"); }
static void remove_dir(void) { scratch_remove(dir); }

static const char *write_scenario(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/two.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "model: %s/tests/data/two-regions.yaml\nhorizon: 1d\nhazards:\n"
            "  - {id: north, kind: natural disaster, select: {nodes: [ELEC.N]}, at: 1h, severity: 0.5, duration: 3h}\n"
            "  - {id: south, kind: natural disaster, select: {nodes: [ELEC.S]}, at: 1h, severity: 0.1, duration: 3h}\n",
            env("DOMINO_SOURCE"));
    fclose(f);
    return path;
}

Test(regions_cli, table_timeline_and_region_filter, .init = make_dir, .fini = remove_dir, .timeout = 120)
{
    const char *sc = write_scenario();
    char args[1200], *out = NULL;
    snprintf(args, sizeof args, "run %s --lang en", sc);
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    cr_expect(strstr(out, "Service-level breaches by region"), "%s", out);
    cr_expect(strstr(out, "North  | Information & communications | T+01:00 | T+01:30   | T+04:00 |     250 users"), "%s", out);
    cr_expect(strstr(out, "South  | Water supply"), "%s", out);
    cr_expect(strstr(out, "T+01:30   Information & communications (North)") &&
              strstr(out, "service-level breach confirmed (verification level: 200 users or more unserved for 0:30 or more)"),
              "%s", out);
    free(out);

    snprintf(args, sizeof args, "run %s --lang en --region North", sc);
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    cr_expect(strstr(out, "Service-level breaches in North"), "%s", out);
    cr_expect(!strstr(out, "South"), "a line of another region:\n%s", out);
    cr_expect(!strstr(out, "by sector"), "%s", out);
    free(out);

    snprintf(args, sizeof args, "run %s --json --region 01", sc);  /* by code */
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    cr_expect(strstr(out, "\"region\": \"North\""), "%s", out);
    cr_expect(!strstr(out, "\"South\""), "%s", out);
    cr_expect(strstr(out, "\"peak\": 250.0"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "run %s --json", sc);
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    cr_expect(strstr(out, "\"regions\"") && strstr(out, "\"id\": \"South\""), "%s", out);
    free(out);

    snprintf(args, sizeof args, "run %s --region Atlantis", sc);
    cr_expect_eq(domino(dir, args, 1, &out), DM_EUSAGE);
    cr_expect(strstr(out, "Atlantis"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "run --region North");  /* the default model has no regions */
    cr_expect_eq(domino(dir, args, 1, &out), DM_EUSAGE);
    free(out);

    /* timeline FILE --region: the same lines as timeline SCENARIO --region */
    char *a = NULL, *b = NULL;
    snprintf(args, sizeof args, "run %s -o %s/two.h5", sc, dir);
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    free(out);
    snprintf(args, sizeof args, "timeline %s/two.h5 --region South --lang en", dir);
    cr_assert_eq(domino(dir, args, 0, &a), 0);
    snprintf(args, sizeof args, "timeline %s --region South --lang en", sc);
    cr_assert_eq(domino(dir, args, 0, &b), 0);
    cr_expect_str_eq(a, b);
    cr_expect(strstr(a, "Water supply (South)                  service-level breach confirmed"), "%s", a);
    cr_expect(!strstr(a, "North"), "%s", a);
    free(a); free(b);

    /* xarray (both engines) reads breach_region as integers: -1 (the sector as a whole) has
     * no _FillValue to be masked by (CF: integer indices stay integers) */
    snprintf(args, sizeof args, "/usr/bin/python3 -c \"import xarray as xr; import sys\n"
             "for e in ('netcdf4', 'h5netcdf'):\n"
             "    ds = xr.open_dataset('%s/two.h5', engine=e)\n"
             "    print(e, [None if v != v else int(v) for v in ds.breach_region.values], [int(v) for v in ds.breach_sector.values])\"", dir);
    cr_assert_eq(run_capture(args, &out), 0, "%s", out);
    cr_expect(strstr(out, "netcdf4 [-1, -1, 0, 0, 0, 1] [1, 3, 1, 2, 3, 3]"), "%s", out);
    cr_expect(strstr(out, "h5netcdf [-1, -1, 0, 0, 0, 1] [1, 3, 1, 2, 3, 3]"), "%s", out);
    free(out);
}
