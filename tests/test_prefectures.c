/* The prefecture model (models/japan-prefectures.yaml): region selectors by id, code,
 * name and power area, and the Tokyo-area blackout reaching exactly the Tokyo-area
 * prefectures, with imports over the interconnections, and the fuel that keeps 情報通信's
 * exchange buildings running. */
#include <stdio.h>
#include <sys/wait.h>
#include "helpers.h"
#include "cli_helpers.h"

static dm_scenario *load_file(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", env("DOMINO_SOURCE"), name);
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_scenario_load(path, &sc, &err), 0, "%s:%d: %s", err.file, err.line, err.message);
    return sc;
}

static dm_scenario *with_selection(const char *select)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "model: %s/models/japan-prefectures.yaml\nhazards:\n"
             "  - {id: h, kind: other, select: %s}\n", env("DOMINO_SOURCE"), select);
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_scenario_parse(yaml, strlen(yaml), "/tmp/sel.yaml", &sc, &err), 0, "%s", err.message);
    return sc;
}

Test(prefectures, regions_by_id_code_name_and_power_area)
{
    const char *selects[] = {"{regions: [Tokyo], sectors: [WATER]}", "{regions: [\"13\"], sectors: [WATER]}",
                             "{regions: [東京都], sectors: [WATER]}"};
    for (int i = 0; i < 3; i++) {
        dm_scenario *sc = with_selection(selects[i]);
        cr_assert_eq(sc->hazards[0].nnodes, 1, "%s", selects[i]);
        cr_expect_str_eq(sc->model->nodes[sc->hazards[0].nodes[0]].id, "WATER.13");
        dm_scenario_free(sc);
    }
    /* the Tokyo power area: Ibaraki .. Kanagawa and Yamanashi (Shizuoka's primary area is Chubu) */
    dm_scenario *sc = with_selection("{regions: [TOKYO_AREA], sectors: [WATER]}");
    cr_expect_eq(sc->hazards[0].nnodes, 8);
    dm_scenario_free(sc);
    sc = with_selection("{regions: [関西エリア], sectors: [ELEC]}");
    cr_expect_eq(sc->hazards[0].nnodes, 6);  /* Shiga, Kyoto, Osaka, Hyogo, Nara, Wakayama */
    dm_scenario_free(sc);
}

Test(prefectures, tokyo_area_blackout_reaches_the_tokyo_area)
{
    dm_scenario *sc = load_file("tokyo-area-blackout.yaml");
    /* 15 sectors and 情報通信's stations a crew must restart (ICT_VISIT) in each prefecture, the 10 areas'
     * generation and the 4 line-commutated DC links, each way */
    cr_assert_eq(sc->model->nnodes, 16 * 47 + 10 + 8);
    dm_engine *e;
    dm_error err;
    cr_assert_eq(dm_engine_new(sc, &e, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_set_output(e, 10, DM_STORE_NODES, &err), 0);
    cr_assert_eq(dm_engine_run(e, 0, &err), 0, "%s", err.message);
    const dm_engine_result *r = dm_engine_results(e);
    const dm_model *m = sc->model;
    /* one hour in (grid point 6): Tokyo's power is what the Tohoku AC link brings in, 6,050 MW
     * of the area's demand (55.5 GW: the national peak less Hokkaido's 3.83 GW, shared by
     * population); the 2,100 MW of frequency converters need Tokyo's own grid, which is down
     * (tools/prefecture_model.py, LINK nodes); Osaka's is untouched; Shizuoka keeps its Chubu two thirds, and the model
     * lets the Chubu area's own links (Kansai, Hokuriku) cover part of the rest */
    double *at1h = r->node_level + 6 * m->nnodes;
    int tokyo = dm_model_node(m, "ELEC.13"), osaka = dm_model_node(m, "ELEC.27"), shizuoka = dm_model_node(m, "ELEC.22");
    cr_expect_float_eq(at1h[tokyo], 0.1089, 1e-3, "Tokyo power at 1 h: %g", at1h[tokyo]);
    cr_expect_float_eq(at1h[osaka], 1.0, 1e-12);
    cr_expect(at1h[shizuoka] > 0.66 && at1h[shizuoka] < 0.85, "Shizuoka power at 1 h: %g", at1h[shizuoka]);
    cr_expect_float_eq(at1h[dm_model_node(m, "RAIL.13")], 0.1089, 1e-3);  /* traction follows power at once */
    cr_expect_float_eq(at1h[dm_model_node(m, "RAIL.27")], 1.0, 1e-12);
    dm_engine_free(e);
    dm_scenario_free(sc);
}

Test(prefectures, plots_of_a_result_file)
{
    char cmd[4096];
    const char *src = env("DOMINO_SOURCE");
    snprintf(cmd, sizeof cmd, "d=$(mktemp -d) && cd $d && '%s' run '%s/scenarios/tokyo-area-blackout.yaml' --replicates 3 "
             "-o t.h5 --quiet > /dev/null && for k in heatmap map gantt; do /usr/bin/python3 '%s/tools/plot.py' $k t.h5 "
             "-o $k.png > /dev/null && test -s $k.png || exit 1; done; rc=$?; cd / && rm -rf $d; exit $rc",
             env("DOMINO"), src, src);
    int status = system(cmd);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tools/plot.py failed on a result file");
}

/* 情報通信's exchange buildings run on generators while 石油 and 物流 deliver (models/japan-
 * sectors.yaml, CALIBRATION.md item 3): 40 % of Niigata's power lost for 6 days costs the
 * base stations' 0.8 of the cut share after their 24 h batteries (68 % of service left);
 * with 石油 cut below half as well, the buildings' tanks run dry by 120 h and the whole cut
 * share is lost (60 % left). */
static double niigata_ict_at_130h(int fuel_cut)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "model: %s/models/japan-prefectures.yaml\nhorizon: 6d\nhazards:\n"
             "  - {id: b, kind: other, select: {nodes: [ELEC.15]}, severity: 0.4, duration: 6d}\n%s",
             env("DOMINO_SOURCE"), fuel_cut ? "  - {id: f, kind: other, select: {nodes: [OIL.15]}, severity: 0.6, duration: 6d}\n" : "");
    dm_scenario *sc;
    dm_engine *e;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_scenario_parse(yaml, strlen(yaml), "/tmp/fuel.yaml", &sc, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_new(sc, &e, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_set_output(e, 10, DM_STORE_NODES, &err), 0);
    cr_assert_eq(dm_engine_run(e, 0, &err), 0, "%s", err.message);
    const dm_engine_result *r = dm_engine_results(e);
    double level = r->node_level[130 * 6 * sc->model->nnodes + dm_model_node(sc->model, "ICT.15")];
    dm_engine_free(e);
    dm_scenario_free(sc);
    return level;
}

Test(prefectures, exchange_buildings_hold_while_fuel_comes)
{
    double with_fuel = niigata_ict_at_130h(0), without = niigata_ict_at_130h(1);
    cr_expect_float_eq(with_fuel, 1 - 0.8 * 0.4, 0.02, "telecom with fuel: %g", with_fuel);
    cr_expect_float_eq(without, 1 - 0.4, 0.02, "telecom without fuel: %g", without);
}
