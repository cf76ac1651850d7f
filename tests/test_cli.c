/* The domino program end to end: golden outputs of every shipped scenario, exit codes of
 * every error class, --json, --help and --version. $DOMINO is the program under test and
 * $DOMINO_SOURCE the source tree (set by meson and tools/test.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <jansson.h>
#include "helpers.h"
#include "cli_helpers.h"

/* Runs DIR/NAME.yaml (a shipped scenario in scenarios/, or a test's in tests/data/) and
 * compares what it prints with tests/golden/NAME.txt. */
static void golden_in(const char *dir, const char *scenario)
{
    char args[512], path[1024], *out;
    const char *src = env("DOMINO_SOURCE");
    snprintf(args, sizeof args, "run %s/%s.yaml --lang en", dir, scenario);
    cr_assert_eq(domino(src, args, 0, &out), 0);
    snprintf(path, sizeof path, "%s/tests/golden/%s.txt", src, scenario);
    char *expected = slurp(path);
    cr_expect_str_eq(out, expected, "%s differs from its golden output (tools/update-golden.sh after checking the change)", scenario);
    free(out);
    free(expected);
}

static void golden(const char *scenario) { golden_in("scenarios", scenario); }

Test(golden, default_scenario) { golden("default"); }
Test(golden, telecom_carrier_outage) { golden("telecom-carrier-outage"); }
Test(golden, fuel_supply_disruption) { golden("fuel-supply-disruption"); }
Test(golden, water_control_compromise) { golden("water-control-compromise"); }
Test(golden, grid_attack_uncertain_monte_carlo) { golden("grid-attack-uncertain"); }
Test(golden, iim_grid_outage) { golden("iim-grid-outage"); }
Test(golden, hokkaido_2018_blackout_restore_curve) { golden("hokkaido-2018-blackout"); }
/* Every shortfall total (tests/data/total-shortfalls.yaml): facilities inside a node
 * (issue 15) reduce to one backup per node there, so this output, printed by the engine
 * before facilities existed (commit "Settling is one rule"), must not change. */
Test(golden, total_shortfalls_same_as_one_backup) { golden_in("tests/data", "total-shortfalls"); }
/* Every search for a facilities buffer's next step (tests/data/facility-searches.yaml: the
 * monotone shortcut, its fallback, bisection, several clocks, delayed resupply): printed by
 * the engine before session 9's shortcut (docs/performance.md), whose ticks must not move. */
Test(golden, facility_searches_same_ticks) { golden_in("tests/data", "facility-searches"); }

Test(cli, run_without_argument_uses_the_embedded_default_from_any_directory)
{
    char *a, *b;
    cr_assert_eq(domino("/", "run --lang en", 0, &a), 0);
    cr_assert_eq(domino(env("DOMINO_SOURCE"), "run scenarios/default.yaml --lang en", 0, &b), 0);
    /* identical but for the scenario file named nowhere in the output */
    cr_expect_str_eq(a, b);
    cr_expect(strstr(a, "Electric power") != NULL);
    free(a);
    free(b);
}

Test(cli, json_document)
{
    char *out;
    cr_assert_eq(domino("/", "run --json", 0, &out), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "not JSON: %s", jerr.text);
    cr_expect_eq(json_integer_value(json_object_get(doc, "schema_version")), 2);
    cr_expect_str_eq(json_string_value(json_object_get(doc, "scenario")), "default");
    cr_expect_eq(json_integer_value(json_object_get(doc, "horizon_min")), 7 * 24 * 60);
    cr_expect_eq(json_integer_value(json_object_get(doc, "tick_s")), 60);
    json_t *sectors = json_object_get(doc, "sectors");
    cr_assert_eq(json_array_size(sectors), 15);
    int found_elec = 0;
    for (size_t i = 0; i < 15; i++) {
        json_t *s = json_array_get(sectors, i);
        const char *keys[] = {"id", "name_en", "name_ja", "min_level", "final_level", "unserved_unit_hours", "breach"};
        for (int k = 0; k < 7; k++) cr_expect_not_null(json_object_get(s, keys[k]), "sector lacks %s", keys[k]);
        if (!strcmp(json_string_value(json_object_get(s, "id")), "ELEC")) {
            found_elec = 1;
            json_t *b = json_object_get(s, "breach");
            /* power lost at T+0: the >= 100,000 kW level is confirmed after 10 min */
            cr_expect_eq(json_integer_value(json_object_get(b, "onset_min")), 0);
            cr_expect_eq(json_integer_value(json_object_get(b, "confirmed_min")), 10);
            cr_expect_str_eq(json_string_value(json_object_get(s, "name_ja")), "電力");
        }
    }
    cr_expect(found_elec);
    json_decref(doc);
    free(out);
}

Test(cli, exit_codes)
{
    char *out;
    const char *src = env("DOMINO_SOURCE");
    cr_expect_eq(domino(src, "", 1, &out), 2); free(out);
    cr_expect_eq(domino(src, "frobnicate", 1, &out), 2); free(out);
    cr_expect_eq(domino(src, "run --seed -4", 1, &out), 2); free(out);
    cr_expect_eq(domino(src, "timeline --format pdf", 1, &out), 2); free(out);
    cr_expect_eq(domino(src, "run a.yaml b.yaml", 1, &out), 2); free(out);
    cr_expect_eq(domino(src, "run /nonexistent.yaml", 1, &out), 66);
    cr_expect(strstr(out, "/nonexistent.yaml: cannot open") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(src, "run tests/data/bad-model-ref.yaml", 1, &out), 66);
    cr_expect(strstr(out, "tests/data/bad-model-ref.yaml:2:8:") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(src, "run tests/data/bad-unknown-key.yaml", 1, &out), 65);
    cr_expect(strstr(out, "tests/data/bad-unknown-key.yaml:8:5: hazard: unknown key 'duraton'") != NULL, "%s", out);
    free(out);
}

Test(cli, validate)
{
    char *out;
    const char *src = env("DOMINO_SOURCE");
    cr_expect_eq(domino(src, "validate models/japan-sectors.yaml scenarios/default.yaml", 1, &out), 0);
    cr_expect(strstr(out, "models/japan-sectors.yaml: ok (model)") != NULL, "%s", out);
    cr_expect(strstr(out, "scenarios/default.yaml: ok (scenario)") != NULL, "%s", out);
    free(out);
    cr_expect_eq(domino(src, "validate scenarios/default.yaml tests/data/bad-unknown-key.yaml", 1, &out), 65);
    free(out);
}

Test(cli, help_and_version)
{
    char *out;
    cr_expect_eq(domino("/", "--version", 0, &out), 0);
    cr_expect(strstr(out, "igraph 0.") && strstr(out, "GSL 2.") && strstr(out, "HDF5 1.") && strstr(out, "libyaml"), "%s", out);
    free(out);
    const char *cmds[] = {"run --help", "timeline --help", "validate --help", "--help"};
    for (int i = 0; i < 4; i++) {
        cr_expect_eq(domino("/", cmds[i], 0, &out), 0, "%s", cmds[i]);
        cr_expect(strstr(out, "usage: domino") != NULL, "%s: %s", cmds[i], out);
        free(out);
    }
}

Test(cli, exercise_injects_in_time_order_with_chains)
{
    /* The default scenario as exercise injects: one list, numbered in time order, and a
     * loss two steps from the hazard carries its whole chain and its recipients. */
    char *out;
    cr_assert_eq(domino("/", "timeline --format md --lang en", 0, &out), 0);
    cr_expect(!strncmp(out, "# Exercise injects: default\n", 28), "%.200s", out);
    const char *first = strstr(out, "\n1. **T+00:00 — Electric power**: hit by cyber attack 'grid-control-attack'");
    cr_assert_not_null(first, "%s", out);
    cr_expect(strstr(out, "fully restored") != NULL);
    free(out);
    /* the chain on a model of its own (the Japan model's calibration moves its times):
     * power is attacked at 0:00 for 12 h; telecom's 3 h batteries run out at 3:00, and
     * finance, 30 min of buffer on telecom, goes down at 3:00 + 0:30 = 3:30, two steps
     * from the hazard: the inject names the whole chain and finance's recipients. */
    char dir[64];
    scratch_make(dir, "cli-chain");
    char path[128];
    snprintf(path, sizeof path, "%s/chain.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("name: chain\nhorizon: 1d\nmodel:\n  name: chain\n  sectors:\n"
          "    - {id: ELEC, name_en: Electric power, name_ja: 電力}\n"
          "    - {id: ICT, name_en: Information & communications, name_ja: 情報通信}\n"
          "    - {id: FIN, name_en: Finance, name_ja: 金融, authority: 金融庁, ceptoar: 金融CEPTOAR連絡協議会}\n"
          "  dependencies:\n"
          "    - {dependent: ICT, providers: ELEC, buffer: {duration: 3h}}\n"
          "    - {dependent: FIN, providers: ICT, buffer: {duration: 30min}}\n"
          "hazards:\n  - {id: grid-control-attack, kind: cyber attack, select: {sectors: [ELEC]}, duration: 12h}\n", f);
    fclose(f);
    cr_assert_eq(domino(dir, "timeline chain.yaml --format md --lang en", 1, &out), 0, "%s", out);
    cr_expect(strstr(out, "**T+03:30 — Finance**: down (because Information & communications has been down since T+03:00).\n"
                     "   - To: 金融庁, 金融CEPTOAR連絡協議会\n"
                     "   - Chain: Information & communications (T+03:00) <- Electric power (T+00:00) <- cyber attack "
                     "'grid-control-attack'\n") != NULL, "%s", out);
    free(out);
    scratch_remove(dir);
    cr_assert_eq(domino("/", "timeline --format json --lang ja", 0, &out), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "%s", jerr.text);
    json_int_t last = -1;
    for (size_t i = 0; i < json_array_size(doc); i++) {
        json_int_t t = json_integer_value(json_object_get(json_array_get(doc, i), "minutes"));
        cr_assert_geq(t, last, "entry %zu at %lld after %lld", i, (long long)t, (long long)last);
        last = t;
        cr_expect_not_null(json_object_get(json_array_get(doc, i), "chain"));
        cr_expect_not_null(json_object_get(json_array_get(doc, i), "to"));
    }
    cr_expect_gt(last, 0);
    json_decref(doc);
    free(out);
}

Test(cli, japanese_output)
{
    char *out;
    cr_assert_eq(domino("/", "timeline --lang ja", 0, &out), 0);
    cr_expect(strstr(out, "電力") && strstr(out, "サイバー攻撃"), "%s", out);
    free(out);
    cr_assert_eq(domino("/", "timeline --format csv --lang en", 0, &out), 0);
    const char *header = "time,clock,minutes,kind,event,sector,regions,nodes,count,what,cause,chain,to,hazard,prompt\n";
    cr_expect(strncmp(out, header, strlen(header)) == 0, "%s", out);
    free(out);
}

