/* Small pieces of the library shared across modules (src/core), and the lifecycle rule
 * (docs/architecture.md, "Conventions") where a constructor refuses its input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "core/duration.h"

static const char *hmm(double minutes)
{
    static char buf[32];
    dmi_format_hmm(minutes, buf, sizeof buf);
    return buf;
}

Test(core, hmm_rounds_once_to_the_minute)
{
    /* Rounded to whole minutes first, then split: 59.6 min is 1:00. The statistics table
     * once split first and rounded the minutes alone, printing 59.6 min as "0:00" and
     * 119.6 min as "1:00". */
    cr_expect_str_eq(hmm(59.6), "1:00");
    cr_expect_str_eq(hmm(119.6), "2:00");
    cr_expect_str_eq(hmm(59.4), "0:59");
    cr_expect_str_eq(hmm(0), "0:00");
    cr_expect_str_eq(hmm(90), "1:30");
    cr_expect_str_eq(hmm(0.999 * 60), "1:00");  /* the analysis report's hours */
    cr_expect_str_eq(hmm(1500), "25:00");
    cr_expect_str_eq(hmm(-30), "-0:30");
}

Test(lifecycle, refused_run_leaves_zeroed_stats)
{
    /* dm_mc_run fills the caller's dm_stats: refused at once (no replicates), it must
     * still leave a struct holding nothing, so that dm_stats_free is safe on it. */
    dm_scenario *sc = load_yaml("model:\n  sectors:\n    - {id: A, name_en: A}\nhorizon: 1h\n");
    dm_stats st;
    memset(&st, 0xA5, sizeof st);
    dm_mc_config cfg = {.first = 0, .replicates = 0, .threads = 1, .interval = 1};
    dm_error err;
    dm_error_clear(&err);
    cr_expect_eq(dm_mc_run(sc, &cfg, &st, &err), DM_EUSAGE);
    cr_expect_null(st.breach_probability);
    cr_expect_null(st.lost_sector_hours);
    cr_expect_eq(st.replicates, 0);
    dm_stats_free(&st);
    dm_scenario_free(sc);
}

Test(library, acyclic)
{
    /* tests/check_cycles.py: no cycle between object files (but the known ones it lists)
     * nor between modules (src/<module>/); it prints each cycle's edges. */
    const char *src = getenv("DOMINO_SOURCE");
    cr_assert_not_null(src, "DOMINO_SOURCE: the source tree");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/check_cycles.py' '%s' '%s' 2>&1", src, DOMINO_INTERNAL_LIB, src);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[16384];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int status = pclose(p);
    cr_expect_eq(status, 0, "%s", out);
}

Test(lifecycle, every_release_accepts_null)
{
    /* docs/architecture.md, the lifecycle rule: a caller may release unconditionally. */
    dm_model_free(NULL); dm_scenario_free(NULL); dm_engine_free(NULL); dm_stats_free(NULL);
    dm_h5_close(NULL); dm_h5_abort(NULL); dm_output_abort(NULL); dm_sweep_free(NULL);
    dm_analysis_free(NULL); dm_comparison_free(NULL); dm_facts_free(NULL); dm_csr_free(NULL);
    dm_result_view_free(NULL); dm_error_free(NULL);
    dm_error err;
    dm_error_clear(&err);
    cr_expect_eq(dm_h5_finish(NULL, NULL, &err), 0);
    dm_stats st = {0};
    dm_stats_free(&st);
    dm_output o = {0};
    dm_output_abort(&o);
}

Test(core, stats_table_prints_59_6_minutes_as_1_00)
{
    /* The statistics table through the public renderer: an onset median of 59.6 min is
     * "1:00" (it was "0:00"), a duration 5 % quantile of 119.6 min "2:00" (was "1:00"). */
    dm_scenario *sc = load_yaml("model:\n  sectors:\n    - {id: A, name_en: A}\nhorizon: 4h\n");
    double p = 1, onset_mean = 59.6, dur_mean = 120, units = 1;
    double onset_q[DM_NQUANTILES] = {30, 59.6, 90}, dur_q[DM_NQUANTILES] = {119.6, 120, 150};
    dm_stats st = {.replicates = 1, .nsectors = 1, .breach_probability = &p, .onset_mean = &onset_mean,
                   .onset_q = onset_q, .duration_mean = &dur_mean, .duration_q = dur_q,
                   .expected_unit_hours = &units};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    cr_expect_eq(dm_render_stats_table(f, sc, &st, DM_LANG_EN), 0);
    fclose(f);
    cr_expect(strstr(text, "1:00 [0:30–1:30]") != NULL, "%s", text);
    cr_expect(strstr(text, "2:00 [2:00–2:30]") != NULL, "%s", text);
    free(text);
    dm_scenario_free(sc);
}
