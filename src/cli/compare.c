/* domino compare RUN.h5 OBSERVED.csv: a run scored against a reference incident. The
 * scoring is the library's (src/analysis/compare.c); this file reads the arguments and
 * prints the table or the JSON document. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "domino.h"
#include "domino/compare.h"
#include "cli.h"

static const char help[] =
    "usage: domino compare RUN.h5 OBSERVED.csv [--json]\n"
    "\n"
    "Scores a result file against the observed facts of a reference incident\n"
    "(validation/incidents/<id>/observed.csv; the format is in validation/incidents/README.md).\n"
    "For every fact: the observed value and its tolerance, the median replicate's value and\n"
    "the 5-95 % band over the replicates, the difference and whether the fact holds; for\n"
    "facts marked as a sequence, whether they happened in the observed order; the score.\n"
    "\n"
    "options:\n"
    "  --json     one JSON document on stdout instead of the table\n"
    "\n"
    "exit codes: 0 every fact and sequence holds, 1 some do not, 2 bad usage, 65 bad data\n"
    "            (a malformed facts file: file:line:col; an unknown region or sector),\n"
    "            66 a file cannot be read\n";

typedef struct compare_args { const char *run, *facts; int json; } compare_args;

/* "100.0 %" for shares, "T+8.9 h" for times, "6500" for counts; "never" for an event that
 * did not happen. kind: 0 share, 1 event, 2 count. */
static void show(char *buf, size_t n, double v, int kind)
{
    if (isnan(v) || isinf(v)) snprintf(buf, n, kind == 1 ? "never" : "-");
    else if (kind == 1) snprintf(buf, n, "T+%.1f h", v);
    else if (kind == 2) snprintf(buf, n, "%.4g", v);
    else snprintf(buf, n, "%.1f %%", 100 * v);
}

static int is_event(dm_measure m) { return m == DM_ONSET || m == DM_RESTORED || m == DM_ONSET_BY; }

static int kind_of(dm_measure m) { return is_event(m) ? 1 : m == DM_UNITS_LOST ? 2 : 0; }

static void describe(char *buf, size_t n, const dm_fact *x)
{
    switch (x->measure) {
    case DM_SHARE_LOST: snprintf(buf, n, "lost at T+%.1f h", x->t_hours); break;
    case DM_PEAK_SHARE_LOST:
        if (isnan(x->t_hours)) snprintf(buf, n, "peak lost");
        else snprintf(buf, n, "peak lost to T+%.1f h", x->t_hours);
        break;
    case DM_PEAK_BELOW: snprintf(buf, n, "peak lost at most"); break;
    case DM_ONSET: snprintf(buf, n, "lost >= %g %%", 100 * x->value); break;
    case DM_RESTORED: snprintf(buf, n, "back to <= %g %%", 100 * x->value); break;
    case DM_UNITS_LOST: snprintf(buf, n, "units lost at T+%.1f h", x->t_hours); break;
    case DM_ONSET_BY: snprintf(buf, n, "lost >= %g %% by", 100 * x->value); break;
    }
}

static void print_text(const compare_args *a, const dm_result_file *f, const dm_facts *F, const dm_comparison *c)
{
    printf("run:      %s (scenario %s, %llu replicate%s, median %llu, horizon %.0f h)\n", a->run, f->scenario->name,
           (unsigned long long)c->replicates, c->replicates == 1 ? "" : "s", (unsigned long long)c->median_replicate,
           c->horizon_hours);
    printf("incident: %s (t0 %s; the run %s)\n\n", F->path, F->t0_text,
           f->scenario->has_start ? "starts there" : "has no start: T+ only");
    printf("%-22s %-7s %-18s %-21s %10s %9s %10s %-21s %9s  %s\n", "fact", "sector", "region", "measure", "observed",
           "tolerance", "simulated", "band 5-95 %", "diff", "verdict");
    for (size_t i = 0; i < c->nresults; i++) {
        const dm_fact_result *r = &c->results[i];
        const dm_fact *x = r->fact;
        int ev = is_event(x->measure), kind = kind_of(x->measure);
        char what[64], obs[32], tol[32], sim[32], lo[32], hi[32], band[72], diff[32];
        describe(what, sizeof what, x);
        if (ev && isnan(r->observed)) snprintf(obs, sizeof obs, "%.10s", x->time_text);
        else show(obs, sizeof obs, r->observed, kind);
        if (ev && isnan(r->observed)) snprintf(tol, sizeof tol, "period");
        else if (x->measure == DM_ONSET_BY) snprintf(tol, sizeof tol, "+%.1f h", r->tolerance);   /* a bound: late side only */
        else if (ev) snprintf(tol, sizeof tol, "+-%.1f h", r->tolerance);
        else if (kind == 2) snprintf(tol, sizeof tol, "+-%.3g", r->tolerance);
        else snprintf(tol, sizeof tol, "+-%.1f", 100 * r->tolerance);
        show(sim, sizeof sim, r->simulated, kind);
        show(lo, sizeof lo, r->p05, kind);
        show(hi, sizeof hi, r->p95, kind);
        snprintf(band, sizeof band, "%s .. %s", lo, hi);
        if (isnan(r->difference)) snprintf(diff, sizeof diff, "-");
        else if (ev) snprintf(diff, sizeof diff, "%+.1f h", r->difference);
        else if (kind == 2) snprintf(diff, sizeof diff, "%+.3g", r->difference);
        else snprintf(diff, sizeof diff, "%+.1f", 100 * r->difference);
        printf("%-22s %-7s %-18.18s %-21s %10s %9s %10s %-21s %9s  %s%s%s%s\n", x->id, x->sector, x->region, what, obs, tol,
               sim, band, diff, r->held ? "held" : "MISSED", *r->why ? " (" : "", r->why, *r->why ? ")" : "");
    }
    if (c->nsequences) printf("\nsequences (observed order):\n");
    for (size_t k = 0; k < c->nsequences; k++) {
        const dm_sequence_result *s = &c->sequences[k];
        printf("  %-10s ", s->name);
        for (size_t j = 0; j < s->nfacts; j++) {
            const dm_fact_result *r = &c->results[s->facts[j]];
            char t[32];
            show(t, sizeof t, r->simulated, 1);
            printf("%s%s %s [%s]", j ? " -> " : "", r->fact->sector, r->fact->id, t);
        }
        printf(": %s in the median replicate, held in %.0f %% of replicates\n", s->held ? "in order" : "OUT OF ORDER",
               100 * s->share_held);
        const dm_model *m = f->scenario->model;
        for (size_t j = 1; j < s->nfacts; j++) {
            const dm_fact *a = c->results[s->facts[j - 1]].fact, *b = c->results[s->facts[j]].fact;
            int d = s->direct_cause_sector[j];
            const char *direct = d >= 0 ? m->sectors[d].id : "a hazard";
            if (s->caused[j] == -2) continue;
            if (s->caused[j] < 0) printf("             cause: %s's loss not traced (no loss or no events stored)\n", b->sector);
            else printf("             cause: %s's first loss %s from %s (directly from %s)\n", b->sector,
                        s->caused[j] ? "follows" : "does NOT follow", a->sector, direct);
        }
    }
    printf("\nscore: %zu of %zu facts held, %zu of %zu sequences in order\n", c->facts_held, c->nresults,
           c->sequences_held, c->nsequences);
}

static json_t *num(double x) { return isfinite(x) ? json_real(x) : json_null(); }
static json_t *text(const char *s) { return s ? json_string(s) : json_null(); }

static int print_json(const compare_args *a, const dm_result_file *f, const dm_facts *F, const dm_comparison *c)
{
    json_t *facts = json_array(), *seqs = json_array();
    for (size_t i = 0; i < c->nresults; i++) {
        const dm_fact_result *r = &c->results[i];
        const dm_fact *x = r->fact;
        json_array_append_new(facts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:f, s:o, s:f, s:o, s:o, s:o, s:o, s:o, "
                                               "s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:f, s:f}",
            "id", x->id, "time_jst", x->time_text, "region", x->region, "sector", x->sector,
            "measure", dm_measure_name(x->measure), "t_hours", num(x->t_hours), "value", x->value,
            "observed", num(r->observed), "tolerance", r->tolerance, "simulated", num(r->simulated),
            "p05", num(r->p05), "p95", num(r->p95), "difference", num(r->difference),
            "sequence", text(x->sequence_name), "held", r->held, "why", r->why, "source_url", x->source_url,
            "quote", x->quote, "grade", x->grade, "note", text(x->note), "sequence_order",
            x->sequence_order ? json_integer(x->sequence_order) : json_null(),
            "period_from_hours", x->period_lo, "period_to_hours", x->period_hi));
    }
    for (size_t k = 0; k < c->nsequences; k++) {
        const dm_sequence_result *s = &c->sequences[k];
        json_t *ids = json_array();
        for (size_t j = 0; j < s->nfacts; j++) json_array_append_new(ids, json_string(c->results[s->facts[j]].fact->id));
        json_t *caused = json_array(), *direct = json_array();
        for (size_t j = 0; j < s->nfacts; j++) {
            int d = s->direct_cause_sector[j];
            json_array_append_new(caused, s->caused[j] < 0 ? json_null() : json_boolean(s->caused[j]));  /* -1, -2: null */
            json_array_append_new(direct, d >= 0 ? json_string(f->scenario->model->sectors[d].id) : json_null());
        }
        json_array_append_new(seqs, json_pack("{s:s, s:o, s:b, s:f, s:o, s:o}", "name", s->name, "facts", ids, "held",
                                              s->held, "share_held", s->share_held, "caused_by_previous", caused,
                                              "direct_cause", direct));
    }
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:f, s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:b}",
        "run", a->run, "scenario", f->scenario->name, "facts_file", F->path, "t0", F->t0_text,
        "replicates", (json_int_t)c->replicates, "median_replicate", (json_int_t)c->median_replicate,
        "horizon_hours", c->horizon_hours, "facts", facts, "sequences", seqs,
        "score", "facts_held", (json_int_t)c->facts_held, "facts", (json_int_t)c->nresults,
        "sequences_held", (json_int_t)c->sequences_held, "sequences", (json_int_t)c->nsequences,
        "all_hold", c->facts_held == c->nresults && c->sequences_held == c->nsequences);
    if (!doc) return DM_ESOFTWARE;
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? DM_EIO : 0;
    fputc('\n', stdout);
    json_decref(doc);
    return rc;
}

static int compare_call(void *ctx)
{
    const compare_args *a = ctx;
    dm_error err;
    dm_error_clear(&err);
    dm_facts *F = NULL;
    dm_result_file *f = NULL;
    dm_comparison *c = NULL;
    int rc = dm_facts_load(a->facts, &F, &err);
    if (!rc) rc = dm_h5_open(a->run, &f, &err);
    if (!rc) rc = dm_compare(f, F, &c, &err);
    if (rc) rc = cli_fail(&err);
    else {
        rc = a->json ? print_json(a, f, F, c) : (print_text(a, f, F, c), 0);
        if (!rc && (c->facts_held < c->nresults || c->sequences_held < c->nsequences)) rc = 1;
    }
    dm_comparison_free(c);
    dm_h5_close(f);
    dm_facts_free(F);
    fflush(stdout);
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    compare_args a = {0};
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        if (ch == 'j') a.json = 1;
        else if (ch == 'h') { fputs(help, stdout); return 0; }
        else {
            fprintf(stderr, "domino compare: unknown option '%s'\n(see 'domino compare --help')\n", argv[optind - 1]);
            return DM_EUSAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "domino compare: expected a result file and a facts file, found %d argument%s\n\n%s",
                argc - optind, argc - optind == 1 ? "" : "s", help);
        return DM_EUSAGE;
    }
    a.run = argv[optind];
    a.facts = argv[optind + 1];
    guarded_call g = {compare_call, &a, a.run};
    int rc = cli_guarded(&g);
    if (fflush(stdout)) return rc ? rc : DM_EIO;
    return rc;
}
