/* A run scored against a reference incident (include/domino/compare.h). The facts file is
 * checked in full before anything is compared: every error names file:line:col, what was
 * expected and what was found. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino/compare.h"
#include "core/h5util.h"

enum { NCOLS = 13 };
static const char *const columns[NCOLS] = {"id", "time_jst", "t_hours", "region", "sector", "measure", "value",
                                           "tolerance", "sequence", "source_url", "quote", "grade", "note"};
enum { C_ID, C_TIME, C_T, C_REGION, C_SECTOR, C_MEASURE, C_VALUE, C_TOL, C_SEQ, C_URL, C_QUOTE, C_GRADE, C_NOTE };
static const char *const measures[] = {"share_lost", "peak_share_lost", "peak_below", "onset", "restored", "units_lost",
                                       "onset_by"};
enum { NMEASURES = 7 };

/* How close t_hours must be to time_jst - t0: the sources give clock times to the minute,
 * and t_hours is written to two decimals (0.6 min); 3 min allows both. */
#define T_SLACK_HOURS 0.05
/* The facts file is text a person writes: a size far beyond any incident is a wrong file. */
#define MAX_FACTS_BYTES (16L << 20)

const char *dm_measure_name(dm_measure m) { return measures[m]; }

/* Events: the observed quantity is a time (t_hours), and the fact may be in a sequence. */
static int is_event(dm_measure m) { return m == DM_ONSET || m == DM_RESTORED || m == DM_ONSET_BY; }
static int is_onset(dm_measure m) { return m == DM_ONSET || m == DM_ONSET_BY; }

double dm_fact_rule_tolerance(dm_measure m, double observed)
{
    if (m == DM_ONSET_BY) return 2.0;                    /* a bound: the 2 h floor of a time, as peak_below */
    if (is_event(m)) return fmax(0.3 * observed, 2.0);   /* hours: +-30 %, at least 2 h (issue 16) */
    if (m == DM_PEAK_BELOW) return 0.03;                 /* a bound: the 3-point floor of a share */
    if (m == DM_UNITS_LOST) return 0.5 * observed;       /* a count: +-50 % (the floor needs the capacity) */
    return fmax(0.5 * observed, 0.03);                   /* share: +-50 %, at least 3 points */
}

/* ---- ISO 8601 times ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil, http://howardhinnant.github.io/date_algorithms.html). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(long y, long m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

/* Reads exactly `n` digits. */
static int digits(const char **p, int n, long *out)
{
    long v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

/* Parses YYYY, YYYY-MM, YYYY-MM-DD (periods, in JST) or YYYY-MM-DDTHH:MM[:SS][Z|+-HH:MM]
 * (no offset: JST, DESIGN.md). [lo, hi) in minutes since 1970-01-01 UTC; lo == hi for a
 * clock time. */
static int parse_time(const char *s, double *lo, double *hi, int *clock)
{
    const char *p = s;
    long y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, oh = 9, om = 0, sign = 1;
    int parts = 1;
    *clock = 0;
    if (digits(&p, 4, &y)) return -1;
    if (*p == '-') { p++; if (digits(&p, 2, &mo) || mo < 1 || mo > 12) return -1; parts = 2; }
    if (parts == 2 && *p == '-') { p++; if (digits(&p, 2, &d) || d < 1 || d > days_in_month(y, mo)) return -1; parts = 3; }
    if (parts == 3 && *p == 'T') {
        p++;
        if (digits(&p, 2, &h) || h > 23 || *p++ != ':' || digits(&p, 2, &mi) || mi > 59) return -1;
        if (*p == ':') { p++; if (digits(&p, 2, &sec) || sec > 59) return -1; }
        if (*p == 'Z') { p++; oh = 0; }
        else if (*p == '+' || *p == '-') {
            sign = *p++ == '-' ? -1 : 1;
            if (digits(&p, 2, &oh) || oh > 14 || *p++ != ':' || digits(&p, 2, &om) || om > 59) return -1;
        }
        *clock = 1;
    }
    if (*p) return -1;
    double offset = (double)(sign * (oh * 60 + om));
    double start = (double)days_from_civil(y, mo, d) * 1440.0 + (double)(h * 60 + mi) + (double)sec / 60.0 - offset;
    *lo = start;
    if (*clock) *hi = start;
    else if (parts == 3) *hi = start + 1440.0;
    else if (parts == 2) *hi = start + 1440.0 * days_in_month(y, mo);
    else *hi = (double)days_from_civil(y + 1, 1, 1) * 1440.0 - offset;
    return 0;
}

/* ---- CSV ---- */

typedef struct field { char *text; int col; } field;

/* Splits one line (no newline) into fields, RFC 4180 quoting; returns the count, or -1
 * with *bad_col set when a quote is unbalanced. Fields are malloc'd copies. */
static int split(const char *line, field *out, int max, int *bad_col)
{
    int n = 0;
#define SPLIT_FAIL(code) do { for (int k_ = 0; k_ < (n < max ? n : max); k_++) free(out[k_].text); return (code); } while (0)
    const char *p = line;
    for (;;) {
        int col = (int)(p - line) + 1;
        size_t cap = strlen(p) + 1, len = 0;
        char *buf = malloc(cap);
        if (!buf) SPLIT_FAIL(-2);
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) { free(buf); *bad_col = col; SPLIT_FAIL(-1); }
                if (*p == '"' && p[1] == '"') { buf[len++] = '"'; p += 2; continue; }
                if (*p == '"') { p++; break; }
                buf[len++] = *p++;
            }
            if (*p && *p != ',') { free(buf); *bad_col = (int)(p - line) + 1; SPLIT_FAIL(-1); }
        } else {
            while (*p && *p != ',') buf[len++] = *p++;
        }
        buf[len] = 0;
        if (n < max) out[n] = (field){buf, col};
        else free(buf);
        n++;
        if (!*p) break;
        p++;  /* the comma */
    }
    return n;
#undef SPLIT_FAIL
}

static int bad(dm_error *err, const char *path, int line, int col, const char *fmt, const char *a, const char *b)
{
    return dm_error_set(err, DM_EDATA, path, line, col, fmt, a, b);
}

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

void dm_facts_free(dm_facts *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->nfacts; i++) {
        dm_fact *x = &f->facts[i];
        free(x->id); free(x->time_text); free(x->region); free(x->sector); free(x->sequence_name);
        free(x->source_url); free(x->quote); free(x->grade); free(x->note);
    }
    free(f->facts); free(f->path); free(f->t0_text);
    free(f);
}

/* Checks one row's fields and fills x (which takes the strings it keeps). */
static int fact_row(dm_facts *F, field *fl, int line, dm_fact *x, dm_error *err)
{
    const char *path = F->path;
    char buf[64];
    if (!*fl[C_ID].text) return bad(err, path, line, fl[C_ID].col, "expected a fact id, found an empty field%s%s", "", "");
    for (size_t i = 0; i < F->nfacts; i++)
        if (!strcmp(F->facts[i].id, fl[C_ID].text))
            return bad(err, path, line, fl[C_ID].col, "fact id '%s' is used twice (ids must be unique)%s", fl[C_ID].text, "");
    double lo, hi;
    int clock;
    if (parse_time(fl[C_TIME].text, &lo, &hi, &clock))
        return bad(err, path, line, fl[C_TIME].col, "expected a time in ISO 8601 (2018-09-06T06:00+09:00, 2018-09-06 "
                   "or 2018-09), found '%s'%s", fl[C_TIME].text, "");
    x->period_lo = (lo - F->t0_minutes) / 60.0;
    x->period_hi = (hi - F->t0_minutes) / 60.0;
    x->t_hours = NAN;
    if (*fl[C_T].text) {
        if (parse_number(fl[C_T].text, &x->t_hours) || x->t_hours < 0)
            return bad(err, path, line, fl[C_T].col, "expected t_hours, a number of hours >= 0 after t0, or nothing; "
                       "found '%s'%s", fl[C_T].text, "");
        if (x->t_hours < x->period_lo - T_SLACK_HOURS || x->t_hours > x->period_hi + T_SLACK_HOURS) {
            snprintf(buf, sizeof buf, "%.2f", x->period_lo);
            return dm_error_set(err, DM_EDATA, path, line, fl[C_T].col,
                                "t_hours %s does not match time_jst %s: t0 + t_hours should be %s (%s h after t0%s)",
                                fl[C_T].text, fl[C_TIME].text, clock ? "that time" : "within that period", buf,
                                clock ? "" : " at the period's start");
        }
    } else if (clock) {
        return bad(err, path, line, fl[C_T].col, "time_jst %s is a clock time: expected t_hours too (hours after t0)%s",
                   fl[C_TIME].text, "");
    }
    if (!*fl[C_REGION].text) return bad(err, path, line, fl[C_REGION].col, "expected a region id, several joined by '+', or 'all'; found an empty field%s%s", "", "");
    if (!*fl[C_SECTOR].text) return bad(err, path, line, fl[C_SECTOR].col, "expected a sector id, found an empty field%s%s", "", "");
    int m = -1;
    for (int k = 0; k < NMEASURES; k++)
        if (!strcmp(fl[C_MEASURE].text, measures[k])) m = k;
    if (m < 0)
        return bad(err, path, line, fl[C_MEASURE].col, "expected a measure (share_lost, peak_share_lost, peak_below, onset, "
                   "onset_by, restored or units_lost), found '%s'%s", fl[C_MEASURE].text, "");
    x->measure = (dm_measure)m;
    if (x->measure == DM_UNITS_LOST) {
        if (parse_number(fl[C_VALUE].text, &x->value) || x->value < 0)
            return bad(err, path, line, fl[C_VALUE].col, "expected a count >= 0 in the sector's unit, found '%s'%s",
                       fl[C_VALUE].text, "");
    } else if (parse_number(fl[C_VALUE].text, &x->value) || x->value < 0 || x->value > 1) {
        return bad(err, path, line, fl[C_VALUE].col, "expected a share in [0, 1], found '%s'%s", fl[C_VALUE].text, "");
    }
    if ((x->measure == DM_SHARE_LOST || x->measure == DM_UNITS_LOST) && isnan(x->t_hours))
        return bad(err, path, line, fl[C_T].col, "%s is a value at a time: expected t_hours%s", measures[m], "");
    if (x->measure == DM_ONSET_BY && isnan(x->t_hours))
        return bad(err, path, line, fl[C_T].col, "onset_by bounds the onset by a time: expected t_hours (the time of the "
                   "report that says it had begun)%s%s", "", "");
    double observed = is_event(x->measure) ? x->t_hours : x->value;
    x->tolerance_given = *fl[C_TOL].text != 0;
    if (x->tolerance_given) {
        if (parse_number(fl[C_TOL].text, &x->tolerance) || x->tolerance < 0)
            return bad(err, path, line, fl[C_TOL].col, "expected a tolerance >= 0 (a share, or hours for onset, onset_by and "
                       "restored) or nothing for the rule's; found '%s'%s", fl[C_TOL].text, "");
        if (is_event(x->measure) && isnan(x->t_hours))
            return bad(err, path, line, fl[C_TOL].col, "a tolerance needs an observed time (t_hours); without one the "
                       "event is checked to fall within time_jst's period%s%s", "", "");
        double rule = dm_fact_rule_tolerance(x->measure, observed);
        if (x->tolerance > rule + 1e-12 && !*fl[C_NOTE].text) {
            snprintf(buf, sizeof buf, "%g", rule);
            return bad(err, path, line, fl[C_TOL].col, "tolerance %s is wider than the rule's %s: give the reason in note",
                       fl[C_TOL].text, buf);
        }
    } else {
        x->tolerance = isnan(observed) ? 0 : dm_fact_rule_tolerance(x->measure, observed);
    }
    if (*fl[C_SEQ].text) {
        char *colon = strrchr(fl[C_SEQ].text, ':');
        char *end = NULL;
        long k = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == fl[C_SEQ].text || !end || *end || end == colon + 1 || k < 1 || k > 1000)
            return bad(err, path, line, fl[C_SEQ].col, "expected a sequence marker NAME:K (K = 1, 2, ...), found '%s'%s",
                       fl[C_SEQ].text, "");
        if (!is_event(x->measure))
            return bad(err, path, line, fl[C_SEQ].col, "only events (onset, onset_by, restored) can be in a sequence; this fact's "
                       "measure is %s%s", measures[m], "");
        *colon = 0;
        x->sequence_order = (int)k;
    }
    if (!*fl[C_URL].text) return bad(err, path, line, fl[C_URL].col, "expected the source's URL: no fact without its source%s%s", "", "");
    if (!*fl[C_QUOTE].text) return bad(err, path, line, fl[C_QUOTE].col, "expected a short quote from the source%s%s", "", "");
    if (strcmp(fl[C_GRADE].text, "official") && strcmp(fl[C_GRADE].text, "press") && strcmp(fl[C_GRADE].text, "weak"))
        return bad(err, path, line, fl[C_GRADE].col, "expected the source's grade: official, press or weak; found '%s'%s",
                   fl[C_GRADE].text, "");
    x->line = line;
    x->region_col = fl[C_REGION].col;
    x->sector_col = fl[C_SECTOR].col;
    /* take the strings kept */
    x->id = fl[C_ID].text; fl[C_ID].text = NULL;
    x->time_text = fl[C_TIME].text; fl[C_TIME].text = NULL;
    x->region = fl[C_REGION].text; fl[C_REGION].text = NULL;
    x->sector = fl[C_SECTOR].text; fl[C_SECTOR].text = NULL;
    if (*fl[C_SEQ].text) { x->sequence_name = fl[C_SEQ].text; fl[C_SEQ].text = NULL; }
    x->source_url = fl[C_URL].text; fl[C_URL].text = NULL;
    x->quote = fl[C_QUOTE].text; fl[C_QUOTE].text = NULL;
    x->grade = fl[C_GRADE].text; fl[C_GRADE].text = NULL;
    x->note = fl[C_NOTE].text; fl[C_NOTE].text = NULL;
    return 0;
}

static char *read_all(const char *path, size_t *len, dm_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) { dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot read the facts file: %s", strerror(errno)); return NULL; }
    char *buf = malloc(MAX_FACTS_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_FACTS_BYTES + 1, fp) : 0;
    int failed = buf && ferror(fp);
    fclose(fp);
    if (!buf) { dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); return NULL; }
    if (failed) { free(buf); dm_error_set(err, DM_EIO, path, 0, 0, "reading the facts file failed"); return NULL; }
    *len = n;
    return buf;
}

int dm_facts_load(const char *path, dm_facts **out, dm_error *err)
{
    *out = NULL;
    size_t len = 0;
    char *text = read_all(path, &len, err);
    if (!text) return err->code;
    int rc = dm_facts_parse(text, len, path, out, err);
    free(text);
    return rc;
}

int dm_facts_parse(const char *data, size_t len, const char *path, dm_facts **out, dm_error *err)
{
    *out = NULL;
    if (len > MAX_FACTS_BYTES)
        return dm_error_set(err, DM_EDATA, path, 0, 0, "the facts file is larger than 16 MiB: not a facts file");
    if (memchr(data, 0, len)) return dm_error_set(err, DM_EDATA, path, 0, 0, "the facts file holds NUL bytes: expected CSV text");
    char *text = malloc(len + 1);
    if (!text) return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    memcpy(text, data, len);
    text[len] = 0;
    dm_facts *F = calloc(1, sizeof *F);
    if (!F || !(F->path = strdup(path))) { free(F); free(text); return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); }
    size_t cap = 0;
    int rc = 0, line = 0, header = 0;
    char *save = text;
    for (char *p = text; *p && !rc;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        line++;
        size_t len = strlen(p);
        if (len && p[len - 1] == '\r') p[--len] = 0;
        char *row = p;
        p = nl ? nl + 1 : p + len;
        if (line == 1 && !strncmp(row, "\xEF\xBB\xBF", 3)) row += 3;  /* a UTF-8 byte order mark */
        if (row[0] == '#') {
            const char *c = row + 1;
            while (*c == ' ') c++;
            if (!strncmp(c, "t0:", 3)) {
                c += 3;
                while (*c == ' ') c++;
                double lo, hi;
                int clock;
                if (F->t0_text)
                    rc = bad(err, path, line, 1, "t0 is given twice%s%s", "", "");
                else if (parse_time(c, &lo, &hi, &clock) || !clock)
                    rc = bad(err, path, line, (int)(c - row) + 1, "expected t0 as an ISO 8601 clock time "
                             "(# t0: 2018-09-06T03:07+09:00), found '%s'%s", c, "");
                else if (!(F->t0_text = strdup(c)))
                    rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
                F->t0_minutes = lo;
            }
            continue;
        }
        if (!*row) continue;
        field fl[NCOLS];
        int bad_col = 0, n = split(row, fl, NCOLS, &bad_col);
        if (n == -2) { rc = dm_error_set(err, DM_ESOFTWARE, path, line, 0, "out of memory"); break; }
        if (n < 0) { rc = bad(err, path, line, bad_col, "unbalanced quote: a quoted field must end with '\"' before the next comma or the end of the line%s%s", "", ""); break; }
        if (n != NCOLS) {
            char want[16], got[16];
            snprintf(want, sizeof want, "%d", NCOLS);
            snprintf(got, sizeof got, "%d", n);
            rc = bad(err, path, line, n > NCOLS ? fl[NCOLS - 1].col : (int)strlen(row) + 1,
                     header ? "expected %s columns (id,time_jst,...,note), found %s"
                            : "expected the header line of %s columns (id,time_jst,t_hours,region,sector,measure,value,"
                              "tolerance,sequence,source_url,quote,grade,note), found %s", want, got);
        } else if (!header) {
            for (int k = 0; k < NCOLS && !rc; k++)
                if (strcmp(fl[k].text, columns[k]))
                    rc = bad(err, path, line, fl[k].col, "expected the header column '%s', found '%s'", columns[k], fl[k].text);
            if (!rc && !F->t0_text)
                rc = bad(err, path, line, 1, "expected '# t0: <ISO 8601 time>' (the incident's T+0) before the header%s%s", "", "");
            header = 1;
        } else {
            if (F->nfacts == cap) {
                size_t ncap = cap ? 2 * cap : 16;
                dm_fact *nf = realloc(F->facts, ncap * sizeof *nf);
                if (!nf) rc = dm_error_set(err, DM_ESOFTWARE, path, line, 0, "out of memory");
                else { F->facts = nf; cap = ncap; }
            }
            if (!rc) {
                dm_fact *x = &F->facts[F->nfacts];
                memset(x, 0, sizeof *x);
                rc = fact_row(F, fl, line, x, err);
                if (!rc) F->nfacts++;
            }
        }
        for (int k = 0; k < (n < NCOLS ? n : NCOLS); k++) free(fl[k].text);
    }
    free(save);
    if (!rc && !header) rc = bad(err, path, line, 0, "expected a header line (%s,...) and facts; found none", columns[0], "");
    if (!rc && !F->nfacts) rc = bad(err, path, line, 0, "the facts file has a header but no facts%s%s", "", "");
    if (rc) { dm_facts_free(F); return rc; }
    *out = F;
    return 0;
}

/* ---- comparison ---- */

void dm_comparison_free(dm_comparison *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nsequences; i++) {
        free(c->sequences[i].name); free(c->sequences[i].facts);
        free(c->sequences[i].caused); free(c->sequences[i].direct_cause_sector);
    }
    free(c->sequences); free(c->results);
    free(c);
}

/* A fact resolved against the model: the cells whose capacity-weighted share lost it reads. */
typedef struct target {
    int sector;
    int national;        /* region 'all': the sector level (1 - L_S) */
    int *regions; size_t nregions;
    double *weight;      /* capacity of the sector in each region */
    double total;
} target;

static int find_sector(const dm_model *m, const char *id)
{
    for (size_t s = 0; s < m->nsectors; s++)
        if (!strcmp(m->sectors[s].id, id)) return (int)s;
    return -1;
}

static int resolve(const dm_facts *F, const dm_fact *x, const dm_model *m, const double *cell_cap, target *t, dm_error *err)
{
    memset(t, 0, sizeof *t);
    t->sector = find_sector(m, x->sector);
    if (t->sector < 0)
        return bad(err, F->path, x->line, x->sector_col, "unknown sector '%s': not a sector of the run's model %s", x->sector, m->name);
    if (!strcmp(x->region, "all")) {
        t->national = 1;
        for (size_t v = 0; v < m->nnodes; v++) {
            const dm_node *nd = dm_node_at(m, v);
            if (nd->sector == t->sector) t->total += nd->capacity;
        }
        return 0;
    }
    size_t n = 1;
    for (const char *c = x->region; *c; c++) n += *c == '+';
    t->regions = calloc(n, sizeof *t->regions);
    t->weight = calloc(n, sizeof *t->weight);
    if (!t->regions || !t->weight) return dm_error_set(err, DM_ESOFTWARE, F->path, x->line, 0, "out of memory");
    char *copy = strdup(x->region);
    if (!copy) return dm_error_set(err, DM_ESOFTWARE, F->path, x->line, 0, "out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, "+", &save); tok && !rc; tok = strtok_r(NULL, "+", &save)) {
        int r = -1;
        for (size_t k = 0; k < m->nregions; k++)
            if (!strcmp(m->regions[k].id, tok)) r = (int)k;
        if (r < 0) {
            rc = bad(err, F->path, x->line, x->region_col, "unknown region '%s': expected a region id of the run's model "
                     "(e.g. %s), several joined by '+', or 'all'", tok, m->nregions ? m->regions[0].id : "none: use 'all'");
            break;
        }
        double c = cell_cap[(size_t)r * m->nsectors + (size_t)t->sector];
        t->regions[t->nregions] = r;
        t->weight[t->nregions++] = c;
        t->total += c;
    }
    free(copy);
    if (!rc && !(t->total > 0))
        rc = bad(err, F->path, x->line, x->sector_col, "sector '%s' has no capacity in region '%s' of the run's model",
                 x->sector, x->region);
    return rc;
}

/* The share lost of target t at time index k of one replicate's rows. */
static double share_at(const target *t, size_t k, const float *impact, const double *level, size_t nregions, size_t S)
{
    if (t->national) return 1.0 - level[k * S + (size_t)t->sector];
    double sum = 0;
    for (size_t i = 0; i < t->nregions; i++) {
        float v = impact[(k * nregions + (size_t)t->regions[i]) * S + (size_t)t->sector];
        sum += t->weight[i] * (isnan(v) ? 0.0 : (double)v);
    }
    return sum / t->total;
}

/* The fact's measure in one replicate; NaN: the event did not happen (or the time is
 * beyond the horizon). time[] is minutes since T+0. */
static double measure_of(const dm_fact *x, const target *t, const double *time, size_t T, const float *impact,
                         const double *level, size_t nregions, size_t S)
{
    double tmin = isnan(x->t_hours) ? INFINITY : x->t_hours * 60.0;
    switch (x->measure) {
    case DM_SHARE_LOST:
    case DM_UNITS_LOST: {
        if (tmin > time[T - 1] + 1e-9) return NAN;
        size_t k = 0;
        while (k + 1 < T && time[k + 1] <= tmin + 1e-9) k++;
        double share = share_at(t, k, impact, level, nregions, S);
        return x->measure == DM_UNITS_LOST ? share * t->total : share;
    }
    case DM_PEAK_SHARE_LOST:
    case DM_PEAK_BELOW: {
        double peak = 0;
        for (size_t k = 0; k < T && time[k] <= tmin + 1e-9; k++) peak = fmax(peak, share_at(t, k, impact, level, nregions, S));
        return peak;
    }
    case DM_ONSET:
    case DM_ONSET_BY:
    case DM_RESTORED: {
        size_t k = 0;
        while (k < T && share_at(t, k, impact, level, nregions, S) < x->value - 1e-12) k++;
        if (k == T) return NAN;
        if (is_onset(x->measure)) return time[k] / 60.0;
        while (k < T && share_at(t, k, impact, level, nregions, S) > x->value + 1e-12) k++;
        return k == T ? NAN : time[k] / 60.0;
    }
    }
    return NAN;
}

/* Quantile p of sorted data (NaN sorted as +infinity), linear between order statistics as
 * GSL's gsl_stats_quantile_from_sorted_data, but exact when an endpoint is infinite. */
static double quantile(const double *sorted, size_t n, double p)
{
    double idx = p * (double)(n - 1);
    size_t lo = (size_t)floor(idx);
    double delta = idx - (double)lo;
    if (lo + 1 >= n || delta == 0 || sorted[lo] == sorted[lo + 1]) return sorted[lo];
    if (isinf(sorted[lo + 1])) return INFINITY;
    return (1 - delta) * sorted[lo] + delta * sorted[lo + 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Reads a whole 1-D coordinate variable of `count` elements. */
static int read_coord(hid_t file, const char *name, hid_t type, size_t count, void *buf)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hsize_t rows;
    size_t inner;
    int rc = ds < 0 || dmi_h5_shape(ds, &rows, &inner) || rows != count || inner != 1 ||
             dmi_h5_rows(ds, type, 0, count, buf, 0) ? -1 : 0;
    if (ds >= 0) H5Dclose(ds);
    return rc;
}

static hid_t open_rows(hid_t file, const char *name, size_t rows_expected, size_t inner_expected)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hsize_t rows;
    size_t inner;
    if (ds >= 0 && (dmi_h5_shape(ds, &rows, &inner) || rows != rows_expected || inner != inner_expected)) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

static int fact_held(const dm_fact *x, double sim, double tol, const char **why)
{
    *why = "";
    if (is_event(x->measure)) {
        if (isnan(sim)) { *why = is_onset(x->measure) ? "did not happen in the run" : "not restored within the run"; return 0; }
        if (x->measure == DM_ONSET_BY) {
            if (sim > x->t_hours + tol + 1e-9) { *why = "later than the bound"; return 0; }
            return 1;
        }
        if (isnan(x->t_hours)) {
            if (sim < x->period_lo - 1e-9 || sim > x->period_hi + 1e-9) { *why = "outside the observed period"; return 0; }
            return 1;
        }
        if (fabs(sim - x->t_hours) > tol + 1e-9) { *why = sim < x->t_hours ? "too early" : "too late"; return 0; }
        return 1;
    }
    if (isnan(sim)) { *why = "the time is beyond the run's horizon"; return 0; }
    if (x->measure == DM_PEAK_BELOW) {
        if (sim > x->value + tol + 1e-9) { *why = "above the bound"; return 0; }
        return 1;
    }
    if (fabs(sim - x->value) > tol * (1 + 1e-12) + 1e-9) { *why = sim > x->value ? "too much lost" : "too little lost"; return 0; }
    return 1;
}

static int order_held(const dm_sequence_result *s, const double *vals, size_t R, size_t row, const dm_fact_result *res)
{
    for (size_t a = 0; a < s->nfacts; a++)
        for (size_t b = 0; b < s->nfacts; b++) {
            const dm_fact *fa = res[s->facts[a]].fact, *fb = res[s->facts[b]].fact;
            double ta = vals[s->facts[a] * R + row], tb = vals[s->facts[b] * R + row];
            if (fa->sequence_order < fb->sequence_order && (isnan(ta) || isnan(tb) || ta > tb + 1e-9)) return 0;
        }
    return 1;
}

static int build_sequences(const dm_facts *F, dm_comparison *c)
{
    for (size_t i = 0; i < F->nfacts; i++) {
        const char *name = F->facts[i].sequence_name;
        if (!name) continue;
        dm_sequence_result *s = NULL;
        for (size_t k = 0; k < c->nsequences; k++)
            if (!strcmp(c->sequences[k].name, name)) s = &c->sequences[k];
        if (!s) {
            dm_sequence_result *ns = realloc(c->sequences, (c->nsequences + 1) * sizeof *ns);
            if (!ns) return -1;
            c->sequences = ns;
            s = &c->sequences[c->nsequences++];
            memset(s, 0, sizeof *s);
            if (!(s->name = strdup(name)) || !(s->facts = calloc(F->nfacts, sizeof *s->facts))) return -1;
        }
        /* insert in observed order (stable for equal K) */
        size_t j = s->nfacts++;
        while (j > 0 && F->facts[s->facts[j - 1]].sequence_order > F->facts[i].sequence_order) {
            s->facts[j] = s->facts[j - 1];
            j--;
        }
        s->facts[j] = i;
    }
    return 0;
}

static int is_loss(dm_event_kind k) { return k == DM_EV_DEGRADED || k == DM_EV_DOWN || k == DM_EV_COLLAPSED || k == DM_EV_DISCONNECTED; }

static int in_target(const dm_model *m, const target *t, int node)
{
    const dm_node *nd = dm_node_at(m, (size_t)node);
    if (nd->sector != t->sector) return 0;
    if (t->national) return 1;
    for (size_t i = 0; i < t->nregions; i++)
        if (t->regions[i] == nd->region) return 1;
    return 0;
}

/* Step b's first loss in the replicate's event log (events in time order) and the chain of
 * its causes: each cause is the provider whose loss the event follows; from that provider
 * the chain continues with its own latest loss at or before then. Does it reach a node of
 * step a's target? Depth-limited: a cause chain visits each node at most once. */
static int caused_by(const dm_model *m, const dm_engine_result *res, const target *a, const target *b, int *direct)
{
    *direct = -1;
    size_t first = res->nevents;
    for (size_t i = 0; i < res->nevents && first == res->nevents; i++)
        if (is_loss(res->events[i].kind) && in_target(m, b, res->events[i].node)) first = i;
    if (first == res->nevents) return -1;
    const dm_event *e = &res->events[first];
    if (e->cause_node >= 0) *direct = dm_node_at(m, (size_t)e->cause_node)->sector;
    for (size_t depth = 0; depth < m->nnodes && e->cause_node >= 0; depth++) {
        if (in_target(m, a, e->cause_node)) return 1;
        const dm_event *next = NULL;
        for (size_t i = 0; i < res->nevents && res->events[i].tick <= e->tick; i++)
            if (res->events[i].node == e->cause_node && is_loss(res->events[i].kind)) next = &res->events[i];
        if (!next) return 0;
        e = next;
    }
    return 0;
}

int dm_compare(dm_result_file *f, const dm_facts *F, dm_comparison **out, dm_error *err)
{
    *out = NULL;
    const dm_scenario *sc = f->scenario;
    const dm_model *m = sc->model;
    size_t S = m->nsectors, Rg = m->nregions ? m->nregions : 1, NF = F->nfacts, R = (size_t)f->replicates;
    hid_t file = (hid_t)f->file_id;
    if (R == 0) return dm_error_set(err, DM_EDATA, f->path, 0, 0, "the result file holds no replicates");
    /* A run placed in calendar time must start at the incident's t0, or every time is off */
    if (sc->has_start && fabs((double)sc->start_unix / 60.0 - F->t0_minutes) > 0.5)
        return dm_error_set(err, DM_EDATA, F->path, 0, 0, "the facts' t0 %s is not the run's start %s: the run is "
                            "of another incident or its scenario's start is wrong", F->t0_text, sc->start_iso);

    /* capacity of each sector in each region */
    double *cell_cap = calloc(Rg * S, sizeof *cell_cap);
    target *tg = calloc(NF, sizeof *tg);
    dm_comparison *c = calloc(1, sizeof *c);
    double *vals = calloc(NF * R, sizeof *vals), *time = NULL, *level = NULL, *sorted = calloc(R, sizeof *sorted);
    float *impact = NULL;
    int64_t *reps = calloc(R, sizeof *reps);
    char *never_lost = calloc(NF, 1);
    hid_t ds_impact = -1, ds_level = -1;
    int rc = 0, need_impact = 0, need_level = 0;
    if (!cell_cap || !tg || !c || !vals || !sorted || !reps || !never_lost) { rc = dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory"); goto done; }
    for (size_t v = 0; v < m->nnodes; v++) {
        const dm_node *nd = dm_node_at(m, v);
        if (nd->region >= 0) cell_cap[(size_t)nd->region * S + (size_t)nd->sector] += nd->capacity;
    }
    for (size_t i = 0; i < NF && !rc; i++) {
        rc = resolve(F, &F->facts[i], m, cell_cap, &tg[i], err);
        need_level |= tg[i].national;
        need_impact |= !tg[i].national;
    }
    if (rc) goto done;

    /* the time axis: `time` is minutes since T+0 */
    hsize_t T = 0;
    size_t inner;
    hid_t tds = H5Lexists(file, "time", H5P_DEFAULT) > 0 ? H5Dopen2(file, "time", H5P_DEFAULT) : -1;
    if (tds >= 0) { if (dmi_h5_shape(tds, &T, &inner) || inner != 1) T = 0; H5Dclose(tds); }
    if (T == 0 || !(time = malloc(T * sizeof *time)) || read_coord(file, "time", H5T_NATIVE_DOUBLE, T, time) ||
        read_coord(file, "replicate", H5T_NATIVE_INT64, R, reps)) {
        rc = dm_error_set(err, DM_EDATA, f->path, 0, 0, "cannot read the time or replicate coordinate (missing, wrong shape or corrupt)");
        goto done;
    }
    if (need_impact) {
        ds_impact = open_rows(file, "impact", R, T * Rg * S);
        if (ds_impact < 0 || !(impact = malloc(T * Rg * S * sizeof *impact))) {
            rc = dm_error_set(err, DM_EDATA, f->path, 0, 0, "the run stored no impact maps of the expected shape: "
                              "compare needs every replicate's maps for regional facts (run with --store maps)");
            goto done;
        }
    }
    if (need_level) {
        ds_level = open_rows(file, "sector_level", R, T * S);
        if (ds_level < 0 || !(level = malloc(T * S * sizeof *level))) {
            rc = dm_error_set(err, DM_EDATA, f->path, 0, 0, "the run stored no sector levels of the expected shape: "
                              "compare needs every replicate's levels for facts on region 'all' (run with --store sectors)");
            goto done;
        }
    }

    size_t median_row = R;
    for (size_t row = 0; row < R && !rc; row++) {
        if (reps[row] == (int64_t)f->median_replicate) median_row = row;
        if ((impact && dmi_h5_rows(ds_impact, H5T_NATIVE_FLOAT, row, 1, impact, 0)) ||
            (level && dmi_h5_rows(ds_level, H5T_NATIVE_DOUBLE, row, 1, level, 0))) {
            rc = dm_error_set(err, DM_EDATA, f->path, 0, 0, "cannot read the impact maps or sector levels of replicate row %zu", row);
            break;
        }
        for (size_t i = 0; i < NF; i++) {
            vals[i * R + row] = measure_of(&F->facts[i], &tg[i], time, (size_t)T, impact, level, Rg, S);
            /* a restoration that never came: was the share ever lost at all? (for the reason) */
            if (reps[row] == (int64_t)f->median_replicate && F->facts[i].measure == DM_RESTORED && isnan(vals[i * R + row])) {
                dm_fact onset = F->facts[i];
                onset.measure = DM_ONSET;
                never_lost[i] = isnan(measure_of(&onset, &tg[i], time, (size_t)T, impact, level, Rg, S));
            }
        }
    }
    if (rc) goto done;
    if (median_row == R) {
        rc = dm_error_set(err, DM_EDATA, f->path, 0, 0, "the median replicate (%llu) is not in the file",
                          (unsigned long long)f->median_replicate);
        goto done;
    }

    if (!(c->results = calloc(NF, sizeof *c->results))) { rc = dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory"); goto done; }
    c->nresults = NF;
    c->replicates = R;
    c->median_replicate = f->median_replicate;
    c->horizon_hours = (double)sc->horizon_s / 3600.0;
    for (size_t i = 0; i < NF; i++) {
        const dm_fact *x = &F->facts[i];
        dm_fact_result *r = &c->results[i];
        r->fact = x;
        r->observed = is_event(x->measure) ? x->t_hours : x->value;
        r->simulated = vals[i * R + median_row];
        for (size_t k = 0; k < R; k++) sorted[k] = isnan(vals[i * R + k]) ? INFINITY : vals[i * R + k];
        qsort(sorted, R, sizeof *sorted, cmp_double);
        r->p05 = quantile(sorted, R, 0.05);
        r->p95 = quantile(sorted, R, 0.95);
        r->difference = isnan(r->simulated) || isnan(r->observed) ? NAN : r->simulated - r->observed;
        /* a count's rule floor is the share's 3 points, of the capacity the fact reads */
        r->tolerance = x->measure == DM_UNITS_LOST && !x->tolerance_given ? fmax(x->tolerance, 0.03 * tg[i].total)
                                                                         : x->tolerance;
        r->held = fact_held(x, r->simulated, r->tolerance, &r->why);
        if (!r->held && never_lost[i]) r->why = "never lost that much";
        c->facts_held += (size_t)r->held;
    }
    if (build_sequences(F, c)) { rc = dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory"); goto done; }
    for (size_t k = 0; k < c->nsequences; k++) {
        dm_sequence_result *s = &c->sequences[k];
        size_t n = 0;
        for (size_t row = 0; row < R; row++) n += (size_t)order_held(s, vals, R, row, c->results);
        s->share_held = (double)n / (double)R;
        s->held = order_held(s, vals, R, median_row, c->results);
        c->sequences_held += (size_t)s->held;
        if (!(s->caused = calloc(s->nfacts, sizeof *s->caused)) ||
            !(s->direct_cause_sector = calloc(s->nfacts, sizeof *s->direct_cause_sector))) {
            rc = dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory");
            goto done;
        }
        for (size_t j = 0; j < s->nfacts; j++) { s->caused[j] = -1; s->direct_cause_sector[j] = -1; }
    }
    /* the cause chains, from the median replicate's event log when the run stored one */
    const dm_engine_result *res = NULL;
    if (c->nsequences && H5Lexists(file, "event_replicate", H5P_DEFAULT) > 0) {
        dm_error sub;
        dm_error_clear(&sub);
        if (dm_h5_read_replicate(f, f->median_replicate, &res, &sub)) {
            rc = dm_error_set(err, sub.code ? sub.code : DM_EDATA, f->path, 0, 0, "%s", sub.message);
            goto done;
        }
        for (size_t k = 0; k < c->nsequences; k++) {
            dm_sequence_result *s = &c->sequences[k];
            for (size_t j = 1; j < s->nfacts; j++) {
                const dm_fact *a = &F->facts[s->facts[j - 1]], *b = &F->facts[s->facts[j]];
                /* a cause is one sector's loss leading to another's: onsets of two sectors */
                if (is_onset(a->measure) && is_onset(b->measure) && strcmp(a->sector, b->sector))
                    s->caused[j] = caused_by(m, res, &tg[s->facts[j - 1]], &tg[s->facts[j]], &s->direct_cause_sector[j]);
                else
                    s->caused[j] = -2;
            }
        }
    }
done:
    if (ds_impact >= 0) H5Dclose(ds_impact);
    if (ds_level >= 0) H5Dclose(ds_level);
    for (size_t i = 0; tg && i < NF; i++) { free(tg[i].regions); free(tg[i].weight); }
    free(tg); free(cell_cap); free(vals); free(time); free(level); free(impact); free(sorted); free(reps); free(never_lost);
    if (rc) dm_comparison_free(c);
    else *out = c;
    return rc;
}
