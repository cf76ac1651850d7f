/* domino compare: a hand-made run (tests/data/compare/run.yaml, whose comment gives every
 * value) scored against facts files whose values are computed by hand. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cli_helpers.h"
#include "domino/compare.h"

static char dir[64];

static void setup(void)
{
    scratch_make(dir, "compare");
    char *out, args[512];
    snprintf(args, sizeof args, "run '%s/tests/data/compare/run.yaml' -o run.h5 --store sectors,maps --quiet", env("DOMINO_SOURCE"));
    cr_assert_eq(domino(dir, args, 1, &out), 0, "%s", out);
    free(out);
}
static void teardown(void) { scratch_remove(dir); }

/* Runs compare on the run and a facts file of the source tree (or of the scratch dir). */
static int compare(const char *facts, const char *extra, int with_stderr, char **out)
{
    char args[1024];
    if (facts[0] == '/') snprintf(args, sizeof args, "compare run.h5 '%s' %s", facts, extra);
    else snprintf(args, sizeof args, "compare run.h5 '%s/tests/data/compare/%s' %s", env("DOMINO_SOURCE"), facts, extra);
    return domino(dir, args, with_stderr, out);
}

static json_t *fact(json_t *doc, const char *id)
{
    json_t *facts = json_object_get(doc, "facts"), *f;
    size_t i;
    json_array_foreach(facts, i, f)
        if (!strcmp(json_string_value(json_object_get(f, "id")), id)) return f;
    cr_assert_fail("no fact %s", id);
    return NULL;
}

static double num(json_t *f, const char *key) { return json_number_value(json_object_get(f, key)); }

TestSuite(compare, .init = setup, .fini = teardown);

Test(compare, every_hand_computed_fact_holds_and_the_exit_code_is_0)
{
    char *out;
    cr_assert_eq(compare("holds.csv", "--json", 0, &out), 0, "%s", out);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert_not_null(doc, "not JSON: %s", jerr.text);
    cr_expect(json_is_true(json_object_get(doc, "all_hold")));
    /* A holds 3 of P's 4 kW: A alone 100 % lost at T+2 h, the country and A+B 75 % */
    cr_expect_float_eq(num(fact(doc, "p-a-lost"), "simulated"), 1.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "p-all"), "simulated"), 0.75, 1e-9);
    cr_expect_float_eq(num(fact(doc, "p-ab"), "simulated"), 0.75, 1e-9);
    /* W.A's 2 h reservoir: lost at T+3 h, back with P.A at T+6 h */
    cr_expect_float_eq(num(fact(doc, "w-onset"), "simulated"), 3.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "w-restored"), "simulated"), 6.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "w-peak"), "simulated"), 1.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "w-b-bound"), "simulated"), 0.0, 1e-9);
    /* onset_by is a bound: P.A's onset at T+1 h holds for "by T+8 h" (7 h early is no miss),
     * W.A's at T+3 h for "by T+1.5 h" within the bound's 2 h floor */
    cr_expect_float_eq(num(fact(doc, "p-by"), "simulated"), 1.0, 1e-9);
    cr_expect(json_is_true(json_object_get(fact(doc, "p-by"), "held")));
    cr_expect_float_eq(num(fact(doc, "w-by"), "simulated"), 3.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "w-by"), "tolerance"), 2.0, 1e-9);
    cr_expect(json_is_true(json_object_get(fact(doc, "w-by"), "held")));
    /* counts in the sector's unit: P.A's 3 kW; W.A's 3 people of the country's 4 */
    cr_expect_float_eq(num(fact(doc, "p-units"), "simulated"), 3.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "w-units-all"), "simulated"), 3.0, 1e-9);
    cr_expect_float_eq(num(fact(doc, "p-units"), "tolerance"), 1.5, 1e-9);
    /* the rule's tolerances: 50 % of 0.75; 2 h floor for T+3 h */
    cr_expect_float_eq(num(fact(doc, "p-all"), "tolerance"), 0.375, 1e-9);
    cr_expect_float_eq(num(fact(doc, "w-onset"), "tolerance"), 2.0, 1e-9);
    json_t *seq = json_array_get(json_object_get(doc, "sequences"), 0);
    cr_expect(json_is_true(json_object_get(seq, "held")));
    /* W.A's loss follows from P.A's, its direct cause (the event log's cause_node) */
    cr_expect(json_is_true(json_array_get(json_object_get(seq, "caused_by_previous"), 1)));
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(seq, "direct_cause"), 1)), "P");
    json_decref(doc);
    free(out);
}

Test(compare, facts_out_of_tolerance_and_a_sequence_out_of_order_fail_with_exit_1)
{
    char *out;
    cr_assert_eq(compare("misses.csv", "--json", 0, &out), 1, "%s", out);
    json_t *doc = json_loads(out, 0, NULL);
    cr_assert_not_null(doc);
    json_t *late = fact(doc, "w-late");
    cr_expect(json_is_false(json_object_get(late, "held")));
    cr_expect_float_eq(num(late, "difference"), -5.0, 1e-9);     /* T+3 h against T+8 h */
    cr_expect_float_eq(num(late, "tolerance"), 2.4, 1e-9);       /* 30 % of 8 h */
    cr_expect(json_is_false(json_object_get(fact(doc, "p-little"), "held")));
    cr_expect(json_is_true(json_object_get(fact(doc, "w-restored"), "held")));
    json_t *b = fact(doc, "b-restored");   /* W.B never lost water: no restoration to find */
    cr_expect(json_is_false(json_object_get(b, "held")));
    cr_expect_str_eq(json_string_value(json_object_get(b, "why")), "never lost that much");
    json_t *by = fact(doc, "w-by-early");   /* W.A's onset at T+3 h, 2.5 h after "by T+0.5 h" */
    cr_expect(json_is_false(json_object_get(by, "held")));
    cr_expect_str_eq(json_string_value(json_object_get(by, "why")), "later than the bound");
    cr_expect_float_eq(num(by, "difference"), 2.5, 1e-9);
    json_t *bb = fact(doc, "b-by");   /* W.B never loses water: no onset by any time */
    cr_expect(json_is_false(json_object_get(bb, "held")));
    cr_expect_str_eq(json_string_value(json_object_get(bb, "why")), "did not happen in the run");
    json_t *seq = json_array_get(json_object_get(doc, "sequences"), 0);
    cr_expect(json_is_false(json_object_get(seq, "held")));     /* W at T+3 h before P at T+1 h: no */
    cr_expect_float_eq(num(seq, "share_held"), 0.0, 1e-9);
    /* P.A's loss comes from the hazard, not from W */
    cr_expect(json_is_false(json_array_get(json_object_get(seq, "caused_by_previous"), 1)));
    cr_expect(json_is_null(json_array_get(json_object_get(seq, "direct_cause"), 1)));
    json_t *score = json_object_get(doc, "score");
    cr_expect_eq(json_integer_value(json_object_get(score, "facts_held")), 3);
    cr_expect_eq(json_integer_value(json_object_get(score, "sequences_held")), 0);
    json_decref(doc);
    free(out);
}

Test(compare, text_table_names_each_verdict_and_the_score)
{
    char *out;
    cr_assert_eq(compare("misses.csv", "", 0, &out), 1);
    cr_expect(strstr(out, "MISSED (too early)") != NULL, "%s", out);
    cr_expect(strstr(out, "OUT OF ORDER") != NULL, "%s", out);
    cr_expect(strstr(out, "MISSED (later than the bound)") != NULL, "%s", out);
    cr_expect(strstr(out, "lost >= 1 % by") != NULL, "%s", out);
    cr_expect(strstr(out, "score: 3 of 8 facts held, 0 of 1 sequences in order") != NULL, "%s", out);
    free(out);
}

Test(compare, monte_carlo_band_brackets_the_median_replicate)
{
    /* the repair time drawn uniform in [3 h, 7 h]: W.A is back at T+1 h + d, in [4 h, 8 h] */
    char path[128], *out, args[512];
    snprintf(path, sizeof path, "%s/mc.yaml", dir);
    char *base;
    char src[512];
    snprintf(src, sizeof src, "%s/tests/data/compare/run.yaml", env("DOMINO_SOURCE"));
    base = slurp(src);
    char *d = strstr(base, "duration: 5h");
    cr_assert_not_null(d);
    *d = 0;
    FILE *f = fopen(path, "w");
    fprintf(f, "%sduration: {dist: uniform, min: 3h, max: 7h}\n", base);
    fclose(f);
    free(base);
    snprintf(args, sizeof args, "run mc.yaml --replicates 41 -o run.h5 --store sectors,maps --quiet");
    cr_assert_eq(domino(dir, args, 1, &out), 0, "%s", out);
    free(out);
    compare("holds.csv", "--json", 0, &out);
    json_t *doc = json_loads(out, 0, NULL);
    cr_assert_not_null(doc, "%s", out);
    json_t *w = fact(doc, "w-restored");
    double lo = num(w, "p05"), med = num(w, "simulated"), hi = num(w, "p95");
    cr_expect(lo >= 4.0 - 1e-9 && hi <= 8.0 + 1e-9, "band %g..%g", lo, hi);
    cr_expect(lo <= med && med <= hi, "median %g outside %g..%g", med, lo, hi);
    cr_expect(hi - lo > 2.0, "a uniform 4 h spread gives a 5-95 %% band of about 3.6 h: %g..%g", lo, hi);
    cr_expect_eq(json_integer_value(json_object_get(doc, "replicates")), 41);
    json_decref(doc);
    free(out);
}

/* Writes a facts file with one row into the scratch dir and returns compare's exit code
 * and stderr in *out. */
static int malformed(const char *header_extra, const char *row, char **out)
{
    char path[128];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# t0: 2020-01-01T00:00+09:00\n%sid,time_jst,t_hours,region,sector,measure,value,tolerance,sequence,"
               "source_url,quote,grade,note\n%s\n", header_extra, row);
    fclose(f);
    return compare(path, "", 1, out);
}

static void expect_error(const char *row, const char *where, const char *what)
{
    char *out;
    cr_expect_eq(malformed("", row, &out), 65, "row %s: %s", row, out);
    cr_expect(strstr(out, where) != NULL, "expected '%s' in: %s", where, out);
    cr_expect(strstr(out, what) != NULL, "expected '%s' in: %s", what, out);
    free(out);
}

Test(compare, malformed_facts_are_errors_at_file_line_col)
{
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,,,https://e.org,q,press", "bad.csv:3:", "expected 13 columns");
    expect_error("x,2020-13-01T02:00+09:00,2,A,P,share_lost,1.0,,,https://e.org,q,press,", "bad.csv:3:3:", "ISO 8601");
    expect_error("x,2020-01-01T02:00+09:00,5,A,P,share_lost,1.0,,,https://e.org,q,press,", "bad.csv:3:26:", "does not match time_jst");
    expect_error("x,2020-01-01T02:00+09:00,2,A,Q,share_lost,1.0,,,https://e.org,q,press,", "bad.csv:3:30:", "unknown sector 'Q'");
    expect_error("x,2020-01-01T02:00+09:00,2,A+C,P,share_lost,1.0,,,https://e.org,q,press,", "bad.csv:3:28:", "unknown region 'C'");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.5,,,https://e.org,q,press,", "bad.csv:3:43:", "share in [0, 1]");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,lost,1.0,,,https://e.org,q,press,", "bad.csv:3:32:", "expected a measure");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,units_lost,-3,,,https://e.org,q,press,", "bad.csv:3:43:", "count >= 0");
    expect_error("x,2020-01-01,,A,P,units_lost,3,,,https://e.org,q,press,", "bad.csv:3:", "expected t_hours");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,,,,q,press,", "bad.csv:3:", "source's URL");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,,,https://e.org,q,blog,", "bad.csv:3:", "official, press or weak");
    /* a tolerance wider than the rule (50 % of 1.0) needs its reason */
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,0.6,,https://e.org,q,press,", "bad.csv:3:47:", "wider than the rule");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,,seq,https://e.org,q,press,", "bad.csv:3:", "NAME:K");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,,s:1,https://e.org,q,press,", "bad.csv:3:", "only events");
    expect_error("x,\"2020-01-01,2,A,P,share_lost,1.0,,,https://e.org,q,press,", "bad.csv:3:3:", "unbalanced quote");
    /* onset_by: a bound by a report's time needs that time; its tolerance is the 2 h floor unless a note says why */
    expect_error("x,2020-01-01,,A,P,onset_by,0.01,,,https://e.org,q,press,", "bad.csv:3:14:", "onset_by bounds the onset by a time");
    expect_error("x,2020-01-01T02:00+09:00,2,A,P,onset_by,0.01,3,,https://e.org,q,press,", "bad.csv:3:46:", "wider than the rule");
}

Test(compare, a_reason_allows_a_wider_tolerance)
{
    char *out;
    int rc = malformed("", "x,2020-01-01T02:00+09:00,2,A,P,share_lost,0.5,0.6,,https://e.org,q,press,the source says 'about half'", &out);
    cr_expect_eq(rc, 0, "%s", out);   /* 1.0 observed 0.5 +- 0.6 */
    free(out);
}

Test(compare, the_t0_line_and_header_are_required)
{
    char path[128], *out;
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "id,time_jst,t_hours,region,sector,measure,value,tolerance,sequence,source_url,quote,grade,note\n");
    fclose(f);
    cr_expect_eq(compare(path, "", 1, &out), 65);
    cr_expect(strstr(out, "bad.csv:1:1:") && strstr(out, "t0"), "%s", out);
    free(out);
    f = fopen(path, "w");
    fprintf(f, "# t0: 2020-01-01T00:00+09:00\nid,time,t_hours,region,sector,measure,value,tolerance,sequence,source_url,quote,grade,note\n");
    fclose(f);
    cr_expect_eq(compare(path, "", 1, &out), 65);
    cr_expect(strstr(out, "bad.csv:2:4:") && strstr(out, "'time_jst'"), "%s", out);
    free(out);
}

Test(compare, usage_errors_exit_2_and_missing_files_66)
{
    char *out;
    cr_expect_eq(domino(dir, "compare", 1, &out), 2); free(out);
    cr_expect_eq(domino(dir, "compare run.h5", 1, &out), 2); free(out);
    cr_expect_eq(domino(dir, "compare run.h5 a.csv --bogus", 1, &out), 2); free(out);
    cr_expect_eq(domino(dir, "compare run.h5 nonexistent.csv", 1, &out), 66); free(out);
    cr_expect_eq(domino(dir, "compare --help", 0, &out), 0);
    cr_expect(strstr(out, "usage: domino compare") != NULL);
    free(out);
}

Test(compare, crlf_lines_and_a_byte_order_mark_are_read)
{
    char path[128], *out;
    snprintf(path, sizeof path, "%s/crlf.csv", dir);
    FILE *f = fopen(path, "wb");
    fprintf(f, "\xEF\xBB\xBF# t0: 2020-01-01T00:00+09:00\r\nid,time_jst,t_hours,region,sector,measure,value,tolerance,"
               "sequence,source_url,quote,grade,note\r\nx,2020-01-01T02:00+09:00,2,A,P,share_lost,1.0,,,u,q,press,\r\n");
    fclose(f);
    cr_expect_eq(compare(path, "", 1, &out), 0, "%s", out);
    free(out);
}

/* The library: times are ISO 8601 in JST unless an offset says otherwise. */
Test(compare_lib, iso_times_periods_and_t0)
{
    char path[] = "/tmp/domino-facts-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# t0: 2018-09-05T18:07Z\n"   /* = 2018-09-06T03:07+09:00 */
               "id,time_jst,t_hours,region,sector,measure,value,tolerance,sequence,source_url,quote,grade,note\n"
               "a,2018-09-06T06:00+09:00,2.88,X,Y,share_lost,1,,,u,q,press,\n"
               "b,2018-09-07,,X,Y,onset,0.01,,s:1,u,q,weak,\n"
               "c,2018-09,,X,Y,restored,0.01,,s:2,u,q,weak,\n");
    fclose(f);
    dm_facts *F;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_facts_load(path, &F, &err), 0, "%s", err.message);
    cr_expect_eq(F->nfacts, 3);
    cr_expect_float_eq(F->facts[0].period_lo, 2.0 + 53.0 / 60.0, 1e-9);
    /* 9/7 in JST: from T+20.9 h (9/7 00:00 is 20 h 53 min after 03:07 on 9/6) for 24 h */
    cr_expect_float_eq(F->facts[1].period_lo, 20.0 + 53.0 / 60.0, 1e-9);
    cr_expect_float_eq(F->facts[1].period_hi, 44.0 + 53.0 / 60.0, 1e-9);
    /* September: from 9/1 00:00 JST (before t0) to 10/1 00:00 JST */
    cr_expect_float_eq(F->facts[2].period_hi, (24.0 * 25 - 3 - 7.0 / 60.0), 1e-9);
    cr_expect_str_eq(F->facts[2].sequence_name, "s");
    cr_expect_eq(F->facts[2].sequence_order, 2);
    dm_facts_free(F);
    remove(path);
}

Test(compare, a_run_with_a_start_must_start_at_the_facts_t0)
{
    char src[512], path[128], *out;
    snprintf(src, sizeof src, "%s/tests/data/compare/run.yaml", env("DOMINO_SOURCE"));
    char *base = slurp(src);
    snprintf(path, sizeof path, "%s/start.yaml", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "%sstart: 2020-01-01T03:00+09:00\n", base);   /* 3 h after the facts' t0 */
    fclose(f);
    free(base);
    cr_assert_eq(domino(dir, "run start.yaml -o run.h5 --store sectors,maps --quiet", 1, &out), 0, "%s", out);
    free(out);
    cr_expect_eq(compare("holds.csv", "", 1, &out), 65);
    cr_expect(strstr(out, "is not the run's start") != NULL, "%s", out);
    free(out);
}

Test(compare, regional_facts_need_the_impact_maps)
{
    char *out, args[512];
    snprintf(args, sizeof args, "run '%s/tests/data/compare/run.yaml' -o run.h5 --quiet --store sectors,events",
             env("DOMINO_SOURCE"));
    cr_assert_eq(domino(dir, args, 1, &out), 0, "%s", out);
    free(out);
    cr_expect_eq(compare("holds.csv", "", 1, &out), 65);
    cr_expect(strstr(out, "--store maps") != NULL, "%s", out);
    free(out);
    /* a fact on region 'all' reads the sector levels, which are there */
    char path[128];
    snprintf(path, sizeof path, "%s/national.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# t0: 2020-01-01T00:00+09:00\nid,time_jst,t_hours,region,sector,measure,value,tolerance,sequence,"
               "source_url,quote,grade,note\np,2020-01-01T02:00+09:00,2,all,P,share_lost,0.75,,,u,q,press,\n");
    fclose(f);
    cr_expect_eq(compare(path, "", 1, &out), 0, "%s", out);
    free(out);
}
