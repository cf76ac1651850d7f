/* The reference-incident library (validation/incidents/): each incident's scenario runs on
 * the shipped prefecture model (Monte Carlo, 5 replicates) and `domino compare` must find
 * every fact within its tolerance and every sequence in order.
 *
 * Since calibration (issue 16, validation/CALIBRATION.md) every incident of the library runs
 * in the default suite and fails when it leaves its tolerance; a test is never made to pass by
 * changing a fact or its tolerance. An incident the models miss would be kept out with a
 * reason beside its test; keep IN_DEFAULT_SUITE in tools/history.py in step with this file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include "cli_helpers.h"

static char dir[64];
static void setup(void) { scratch_make(dir, "incidents"); }
static void teardown(void) { scratch_remove(dir); }

static void incident(const char *id)
{
    char args[1024], *out;
    const char *src = env("DOMINO_SOURCE");
    snprintf(args, sizeof args, "run '%s/validation/incidents/%s/scenario.yaml' --replicates 5 -o run.h5 --store sectors,maps --quiet", src, id);
    cr_assert_eq(domino(dir, args, 1, &out), 0, "%s: the scenario does not run: %s", id, out);
    free(out);
    snprintf(args, sizeof args, "compare run.h5 '%s/validation/incidents/%s/observed.csv'", src, id);
    int rc = domino(dir, args, 1, &out);
    cr_expect_eq(rc, 0, "%s: the run leaves the incident's tolerance (exit %d):\n%s", id, rc, out);
    free(out);
}

TestSuite(incidents, .init = setup, .fini = teardown, .timeout = 120);

/* Passes today: the hazard's timing (onset T+0, restoration T+3.8 h observed, T+4.8 h
 * simulated with 金融's 1 h ramp) and the bound on the depth. The sources report no effect
 * on other sectors and the run shows none. */
Test(incidents, atm_switching_2004) { incident("atm-switching-2004"); }

/* Passes today: NISC's two chains come in their order (ELEC → GOV; OIL → ICT → LOGI) and
 * power is back at T+260 h for T+257 h observed. The order check does not say the chain
 * ran for the observed reason: the scenario hits 石油 directly (the seed's 燃料供給の途絶),
 * and 情報通信 starts to fade on its 2-24 h base-station batteries before the fuel matters. */
Test(incidents, chuetsu_2004) { incident("chuetsu-2004"); }

/* Passes after calibration (17 of 17 facts; 12 before; validation/CALIBRATION.md). Telecom is
 * back at T+134 h for docomo's T+132 h (the base stations a crew must restart, ICT_VISIT in
 * models/japan-sectors.yaml; T+41 h with power without them). The first telecom failures are
 * a bound (outages reported by T+8.8 h; the model's T+3 h holds) and logistics loses most of
 * its service with power (back to half at T+24 h; the trade press: within 1-2 days); one
 * carrier's parcel acceptance (T+58.9 h) is no longer scored (observed.csv says why). Water
 * (4.6 % at the peak, observed 2 %), fuel stations (77 %, observed most) and bank branches
 * hold. The power facts hold, but they are what the scenario's restoration curve is built from. */
Test(incidents, hokkaido_2018)
{
    incident("hokkaido-2018");
}

/* Passes after calibration (4 of 4; before: water 20 % lost at the peak for 8 % observed):
 * water's facilities ride through on reservoirs and generators, so a 50-60 h cut of 20 % of
 * the load (an ASSUMPTION: the size of the 1986 cut is not known) costs 5 % of the supply. */
Test(incidents, tokyo_snow_1986) { incident("tokyo-snow-1986"); }

/* Was out of sample (not used to calibrate): 8 of 10 facts before calibration, 9 of 10 after
 * (water at T+24 h: 1.4 % for 3.2 % observed; at T+135 h 4.8 % for 0.9 %: the water backups'
 * tail, fitted to outages of up to 60 h, ran out within the week). 10 of 10 since `calib6`:
 * water's resupply after 72 h (mobile generators and fuel, days late), 3.4 % at T+135 h. That
 * feature was built because of this miss, so water-t135 is no longer out of sample
 * (validation/CALIBRATION.md: chuetsu-2004 is the incident held out of the calibration). */
Test(incidents, chiba_faxai_2019)
{
    incident("chiba-faxai-2019");
}

/* tools/history.py writes a page with every incident of the library, each with its table
 * and figure (2 replicates: the page's content, not its numbers, is under test here). */
Test(incidents, history_page_has_every_incident)
{
    char cmd[2048], path[128], *out;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tools/history.py' --domino '%s' --replicates 2 -o '%s/history.md' 2>&1",
             env("DOMINO_SOURCE"), env("DOMINO"), dir);
    int rc = run_capture(cmd, &out);
    cr_assert_eq(rc, 0, "tools/history.py failed: %s", out);
    free(out);
    snprintf(path, sizeof path, "%s/history.md", dir);
    char *page = slurp(path);
    char lib[512];
    snprintf(lib, sizeof lib, "%s/validation/incidents", env("DOMINO_SOURCE"));
    DIR *d = opendir(lib);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char want[1024];
        snprintf(want, sizeof want, "%s/%s/observed.csv", lib, e->d_name);
        if (e->d_name[0] == '.' || access(want, R_OK)) continue;
        n++;
        snprintf(want, sizeof want, "## %s\n", e->d_name);
        cr_expect(strstr(page, want) != NULL, "no section for %s", e->d_name);
        snprintf(want, sizeof want, "%s/img/history-%s.png", dir, e->d_name);
        cr_expect_eq(access(want, R_OK), 0, "no figure %s", want);
    }
    closedir(d);
    cr_expect_geq(n, 5);
    cr_expect(strstr(page, "| elec-all-out | ELEC, Hokkaido |") != NULL, "the Hokkaido table is missing its first fact");
    free(page);
}
