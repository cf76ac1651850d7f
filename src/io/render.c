/* Timeline, breach table and JSON summary of one replicate's results. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "domino.h"
#include "io/timeline.h"
#include "core/duration.h"
#include "model/query.h"

dm_lang dm_lang_from_locale(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return strncmp(v, "ja", 2) == 0 ? DM_LANG_JA : DM_LANG_EN;
    }
    return DM_LANG_EN;
}

const char *dm_format_time(int64_t tick, int64_t tick_s, char *buf)
{
    int64_t minutes = tick * tick_s / 60;
    snprintf(buf, 24, "T+%02" PRId64 ":%02" PRId64, minutes / 60, minutes % 60);
    return buf;
}

const char *dm_format_clock(const dm_scenario *sc, int64_t tick, int iso, char *buf)
{
    char t[24];
    if (!sc->has_start) {
        if (iso) buf[0] = 0;
        else snprintf(buf, DM_CLOCK_MAX, "%s", dm_format_time(tick, sc->tick_s, t));
        return buf;
    }
    int y, mo, d, h, mi, s, off = sc->start_offset_min < 0 ? -sc->start_offset_min : sc->start_offset_min;
    dm_civil_time(sc->start_unix + tick * sc->tick_s, sc->start_offset_min, &y, &mo, &d, &h, &mi, &s);
    if (iso)
        snprintf(buf, DM_CLOCK_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d, h, mi, s,
                 sc->start_offset_min < 0 ? '-' : '+', off / 60, off % 60);
    else
        snprintf(buf, DM_CLOCK_MAX, "%d/%d %02d:%02d (%s)", mo, d, h, mi, dm_format_time(tick, sc->tick_s, t));
    return buf;
}

static int display_width(const char *s) { return tl_display_width(s); }

static const char *sector_name(const dm_model *m, int s, dm_lang lang)
{
    return lang == DM_LANG_JA ? m->sectors[s].name_ja : m->sectors[s].name_en;
}

static void fmt_tick(const dm_scenario *sc, int64_t t, char *buf)
{
    if (t < 0) strcpy(buf, "-");
    else dm_format_time(t, sc->tick_s, buf);
}

enum { NCOLS = 8 };
typedef char row[NCOLS][96];

/* A sector measured in % of its capacity shows its losses as a share of it (or of the
 * region's part, region >= 0), whatever its nodes' capacities add up to (a layer of 10^5
 * nodes of 100 each; Hokkaido's 金融 at 75 %, not at 3.1 % of Japan's): the factor on its
 * unserved amounts (1 for other units). */
static double percent_scale(const dm_model *m, int s, int region)
{
    const char *unit = m->sectors[s].unit;
    double cap = unit && !strcmp(unit, "%") ? dmi_model_capacity(m, s, region) : 0;
    return cap > 0 ? 100.0 / cap : 1;
}

/* Cells first .. first+3 of a breach row (onset, confirmed, end, peak); "-" without one. */
static void breach_cells(const dm_scenario *sc, const dm_breach *b, const char *unit, int ja, char (*cells)[96])
{
    fmt_tick(sc, b ? b->onset : -1, cells[0]);
    fmt_tick(sc, b ? b->confirmed : -1, cells[1]);
    if (b && b->end < 0) snprintf(cells[2], 96, "%s", ja ? "継続中" : "ongoing");
    else fmt_tick(sc, b ? b->end : -1, cells[2]);
    if (b) tl_amount(ja, b->peak, unit, cells[3], 96);
    else snprintf(cells[3], 96, "-");
}

/* A table whose columns are as wide as their widest cell and separated by " | ", so that
 * no two cells ever run together; columns flagged in `right` are right-aligned. */
static void print_table(FILE *out, row *rows, size_t nrows, int ncols, const int *right)
{
    int width[NCOLS] = {0};
    for (size_t i = 0; i < nrows; i++)
        for (int c = 0; c < ncols; c++) {
            int w = display_width(rows[i][c]);
            if (w > width[c]) width[c] = w;
        }
    for (size_t i = 0; i < nrows; i++) {
        for (int c = 0; c < ncols; c++) {
            if (c) fputs(" | ", out);
            int pad_n = width[c] - display_width(rows[i][c]), r = right[c] && i > 0;
            if (r && (rows[i][c][0] || c < ncols - 1)) for (int k = 0; k < pad_n; k++) fputc(' ', out);
            fputs(rows[i][c], out);
            if (!r && c < ncols - 1) for (int k = 0; k < pad_n; k++) fputc(' ', out);
        }
        fputc('\n', out);
        if (i == 0) {  /* the rule under the header */
            for (int c = 0; c < ncols; c++) {
                if (c) fputs("-|-", out);
                for (int k = 0; k < width[c]; k++) fputc('-', out);
            }
            fputc('\n', out);
        }
    }
}

/* The breaches of regions' parts of sectors, by region (in model order), each in time
 * order: region, sector, onset, confirmed, end, peak and the breach's unit-hours (for a
 * sector measured in %, in % of the region's part). */
static int region_table(FILE *out, const dm_scenario *sc, const dm_breach *list, size_t n, dm_lang lang)
{
    const dm_model *m = sc->model;
    const int ja = lang == DM_LANG_JA;
    static const char *const head_en[] = {"region", "sector", "onset", "confirmed", "end", "peak unserved", "unit-hours"};
    static const char *const head_ja[] = {"地域", "分野", "発生", "確定", "解消", "最大供給支障", "供給支障×時間"};
    static const int right[NCOLS] = {0, 0, 0, 0, 0, 1, 1};
    row *rows = calloc(n + 1, sizeof *rows);
    if (!rows) return DM_ESOFTWARE;
    for (int c = 0; c < 7; c++) snprintf(rows[0][c], 96, "%s", (ja ? head_ja : head_en)[c]);
    size_t k = 1;
    for (size_t g = 0; g < m->nregions; g++)  /* rows by region in model order, each in time order */
        for (size_t i = 0; i < n; i++) {
            if (list[i].region != (int)g) continue;
            dm_breach part = list[i], *b = &part;
            const char *unit = m->sectors[b->sector].unit;
            double scale = percent_scale(m, b->sector, (int)g);
            b->peak *= scale;
            b->unit_hours *= scale;
            snprintf(rows[k][0], 96, "%s", ja ? m->regions[g].name_ja : m->regions[g].name_en);
            snprintf(rows[k][1], 96, "%s", sector_name(m, b->sector, lang));
            breach_cells(sc, b, unit, ja, rows[k] + 2);
            char amount[80];
            tl_amount(ja, b->unit_hours, unit, amount, sizeof amount);
            snprintf(rows[k][6], 96, "%s·h", amount);
            k++;
        }
    print_table(out, rows, k, 7, right);
    free(rows);
    return 0;
}

static void warnings(FILE *out, const dm_scenario *sc, const dm_engine_result *r)
{
    for (size_t i = 0; i < r->nwarnings; i++) fprintf(out, "warning: %s\n", r->warnings[i]);
    for (size_t i = 0; i < sc->nwarnings; i++) fprintf(out, "warning: %s\n", sc->warnings[i]);
}

/* Minutes as h:mm for the statistics table, "—" for NaN. */
static void hours(double minutes, char *buf, size_t size)
{
    if (isnan(minutes)) snprintf(buf, size, "—");
    else dmi_format_hmm(minutes, buf, size);
}

int dm_render_stats_table(FILE *out, const dm_scenario *sc, const dm_stats *st, dm_lang lang)
{
    const int ja = lang == DM_LANG_JA;
    const dm_model *m = sc->model;
    fputs(ja ? "\nレプリケート間の統計（検証レベル該当の確率、最初の該当の発生と継続時間：中央値 [5%–95%]）\n"
            : "\nAcross replicates (breach probability; first breach onset and duration: median [5%-95%])\n", out);
    fprintf(out, "%-24s %8s  %-22s %-22s %s\n", ja ? "分野" : "sector", ja ? "確率" : "P", ja ? "発生" : "onset",
           ja ? "継続時間" : "duration", ja ? "供給支障×時間の期待値" : "expected unserved");
    for (size_t s = 0; s < st->nsectors; s++) {
        char a[3][24], b[3][24], onset[80], dur[80];
        for (int j = 0; j < 3; j++) {
            hours(st->onset_q[s * DM_NQUANTILES + j], a[j], sizeof a[j]);
            hours(st->duration_q[s * DM_NQUANTILES + j], b[j], sizeof b[j]);
        }
        snprintf(onset, sizeof onset, "%s [%s–%s]", a[1], a[0], a[2]);
        snprintf(dur, sizeof dur, "%s [%s–%s]", b[1], b[0], b[2]);
        if (isnan(st->onset_mean[s])) { strcpy(onset, "—"); strcpy(dur, "—"); }
        fprintf(out, "%-24s %7.1f%%  %-22s %-22s %.4g %s·h\n", m->sectors[s].id, 100 * st->breach_probability[s], onset,
               dur, st->expected_unit_hours[s] * percent_scale(m, (int)s, -1), m->sectors[s].unit);
    }
    return ferror(out) ? DM_EIO : 0;
}

int dm_render_breach_table(FILE *out, const dm_scenario *sc, const dm_engine_result *r, dm_lang lang)
{
    const dm_model *m = sc->model;
    const int ja = lang == DM_LANG_JA;
    if (r->narrowed_to) {  /* a view of one region: its breaches only */
        int rc = 0;
        if (r->nbreaches) rc = region_table(out, sc, r->breaches, r->nbreaches, lang);
        else fputs(ja ? "検証レベル該当なし\n" : "no breach\n", out);
        warnings(out, sc, r);
        return rc ? rc : ferror(out) ? DM_EIO : 0;
    }
    static const char *const head_en[] = {"sector", "breach", "onset", "confirmed", "end", "peak unserved", "unit-hours", "min level"};
    static const char *const head_ja[] = {"分野", "該当", "発生", "確定", "解消", "最大供給支障", "供給支障×時間", "最低水準"};
    static const int right[NCOLS] = {0, 0, 0, 0, 0, 1, 1, 1};
    size_t nrows = 1 + m->nsectors + r->nbreaches;
    row *rows = calloc(nrows, sizeof *rows);
    if (!rows) return DM_ESOFTWARE;
    for (int c = 0; c < NCOLS; c++) snprintf(rows[0][c], 96, "%s", (ja ? head_ja : head_en)[c]);
    size_t n = 1;
    for (size_t s = 0; s < m->nsectors; s++) {
        const dm_sector_result *sr = &r->sectors[s];
        const dm_breach *b = sr->first_breach >= 0 ? &r->breaches[sr->first_breach] : NULL;
        const char *unit = m->sectors[s].unit;
        double scale = percent_scale(m, (int)s, -1);
        dm_breach first;
        if (b && scale != 1) {
            first = *b;
            first.peak *= scale;
            first.unit_hours *= scale;
            b = &first;
        }
        snprintf(rows[n][0], 96, "%s", sector_name(m, (int)s, lang));
        snprintf(rows[n][1], 96, "%s", b ? (ja ? "あり" : "yes") : (ja ? "なし" : "no"));
        breach_cells(sc, b, unit, ja, rows[n] + 2);
        char amount[80];
        tl_amount(ja, sr->unserved_unit_hours * scale, unit, amount, sizeof amount);
        snprintf(rows[n][6], 96, "%s·h", amount);
        snprintf(rows[n][7], 96, "%.1f%%", 100 * sr->min_level);
        n++;
        for (size_t k = 0; b && k < r->nbreaches; k++)  /* further breaches of the sector */
            if (r->breaches[k].sector == (int)s && (int)k != sr->first_breach) {
                dm_breach again = r->breaches[k];
                again.peak *= scale;
                again.unit_hours *= scale;
                breach_cells(sc, &again, unit, ja, rows[n] + 2);
                snprintf(rows[n][1], 96, "%s", ja ? "再" : "again");
                n++;
            }
    }
    print_table(out, rows, n, NCOLS, right);
    free(rows);
    int rc = 0;
    if (r->nregion_breaches) {
        fputs(ja ? "\n地域別の検証レベル該当\n" : "\nService-level breaches by region\n", out);
        rc = region_table(out, sc, r->region_breaches, r->nregion_breaches, lang);
    }
    warnings(out, sc, r);
    return rc ? rc : ferror(out) ? DM_EIO : 0;
}

static json_t *minutes_or_null(const dm_scenario *sc, int64_t t)
{
    return t < 0 ? json_null() : json_integer((json_int_t)(t * sc->tick_s / 60));
}

/* A number, or null for NaN (JSON has no NaN). */
static json_t *number(double x) { return isnan(x) ? json_null() : json_real(x); }

static json_t *summary(double mean, const double *q)
{
    if (isnan(mean)) return json_null();
    return json_pack("{s:o, s:o, s:o, s:o}", "mean", number(mean), "q05", number(q[0]), "q50", number(q[1]),
                     "q95", number(q[2]));
}

/* Statistics across replicates (docs/json-output.md, "statistics"). */
static json_t *statistics(const dm_scenario *sc, const dm_stats *st, int64_t interval)
{
    const dm_model *m = sc->model;
    json_t *sectors = json_array();
    for (size_t s = 0; s < st->nsectors; s++)
        json_array_append_new(sectors, json_pack("{s:s, s:f, s:o, s:o, s:f, s:f}", "id", m->sectors[s].id,
            "breach_probability", st->breach_probability[s],
            "onset_min", summary(st->onset_mean[s], st->onset_q + s * DM_NQUANTILES),
            "duration_min", summary(st->duration_mean[s], st->duration_q + s * DM_NQUANTILES),
            "expected_unserved_unit_hours", st->expected_unit_hours[s],
            "expected_economic_loss", st->expected_economic_loss[s]));
    json_t *levels = json_null();
    if (st->level_mean && st->replicates > 0) {
        json_t *time = json_array(), *series[1 + DM_NQUANTILES];
        for (int j = 0; j <= DM_NQUANTILES; j++) series[j] = json_array();
        for (size_t k = 0; k < st->ntimes; k++) {
            json_array_append_new(time, json_real((double)((int64_t)k * interval * sc->tick_s) / 60.0));
            for (int j = 0; j <= DM_NQUANTILES; j++) {
                json_t *row = json_array();
                for (size_t s = 0; s < st->nsectors; s++) {
                    const double *x = j == 0 ? st->level_mean + k * st->nsectors
                                             : st->level_q + ((size_t)(j - 1) * st->ntimes + k) * st->nsectors;
                    json_array_append_new(row, number(x[s]));
                }
                json_array_append_new(series[j], row);
            }
        }
        levels = json_pack("{s:o, s:o, s:o, s:o, s:o}", "time_min", time, "mean", series[0], "q05", series[1],
                           "q50", series[2], "q95", series[3]);
    }
    return json_pack("{s:I, s:b, s:I, s:o, s:o}", "replicates", (json_int_t)st->replicates,
                     "interrupted", st->interrupted, "median_replicate", (json_int_t)st->median_replicate,
                     "sectors", sectors, "sector_level", levels);
}

static json_t *breach_json(const dm_scenario *sc, const dm_breach *b)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:f, s:f}", "sector", sc->model->sectors[b->sector].id,
                     "onset_min", minutes_or_null(sc, b->onset), "confirmed_min", minutes_or_null(sc, b->confirmed),
                     "end_min", minutes_or_null(sc, b->end), "peak", b->peak, "unit_hours", b->unit_hours);
}

/* regions[]: each region's breaches (of its part of each sector), in time order; the one
 * region of a narrowed view. */
static json_t *regions_json(const dm_scenario *sc, const dm_engine_result *r)
{
    const dm_model *m = sc->model;
    const dm_breach *list = r->narrowed_to ? r->breaches : r->region_breaches;
    size_t n = r->narrowed_to ? r->nbreaches : r->nregion_breaches;
    json_t *regions = json_array();
    for (size_t g = 0; g < m->nregions; g++) {
        if (r->narrowed_to && (int)g != r->narrowed_to - 1) continue;
        const dm_region *rg = &m->regions[g];
        json_t *breaches = json_array();
        for (size_t i = 0; i < n; i++)
            if (list[i].region == (int)g) json_array_append_new(breaches, breach_json(sc, &list[i]));
        json_array_append_new(regions, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", rg->id, "code", rg->code ? rg->code : "",
                                                 "name_en", rg->name_en, "name_ja", rg->name_ja, "breaches", breaches));
    }
    return regions;
}

int dm_render_json(FILE *out, const dm_scenario *sc, const dm_engine_result *r, const dm_stats *st,
                   int64_t interval)
{
    const dm_model *m = sc->model;
    json_t *sectors = json_array(), *breaches = json_array(), *warnings = json_array();
    double total_loss = 0;  /* in sector order */
    for (size_t s = 0; s < m->nsectors; s++) {
        const dm_sector_result *sr = &r->sectors[s];
        json_t *breach = json_null();
        if (sr->first_breach >= 0) {
            const dm_breach *b = &r->breaches[sr->first_breach];
            breach = json_pack("{s:o, s:o, s:o, s:f, s:f}", "onset_min", minutes_or_null(sc, b->onset),
                               "confirmed_min", minutes_or_null(sc, b->confirmed), "end_min",
                               minutes_or_null(sc, b->end), "peak", b->peak, "unit_hours", b->unit_hours);
        }
        const dm_sector *sec = &m->sectors[s];
        json_array_append_new(sectors, json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:o}", "id", sec->id,
            "name_en", sec->name_en, "name_ja", sec->name_ja, "unit", sec->unit, "min_level", sr->min_level,
            "final_level", sr->final_level, "unserved_unit_hours", sr->unserved_unit_hours,
            "economic_loss", sr->economic_loss, "breach", breach));
        total_loss += sr->economic_loss;
    }
    for (size_t i = 0; i < r->nbreaches; i++) {
        const dm_breach *b = &r->breaches[i];
        json_t *o = breach_json(sc, b);
        if (b->region >= 0) json_object_set_new(o, "region", json_string(m->regions[b->region].id));
        json_array_append_new(breaches, o);
    }
    for (size_t i = 0; i < r->nwarnings; i++) json_array_append_new(warnings, json_string(r->warnings[i]));
    json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
        "schema_version", 2, "domino_version", dm_version(), "scenario", sc->name, "model", m->name,
        "seed", (json_int_t)sc->seed, "replicate", (json_int_t)r->replicate,
        "horizon_min", (json_int_t)(r->horizon * sc->tick_s / 60), "tick_s", (json_int_t)sc->tick_s,
        "sectors", sectors, "breaches", breaches, "warnings", warnings);
    if (!doc) return DM_ESOFTWARE;
    json_object_set_new(doc, "start", sc->has_start ? json_string(sc->start_iso) : json_null());
    json_object_set_new(doc, "economic_loss", json_pack("{s:f, s:s}", "total", total_loss, "unit", m->output_unit));
    json_object_set_new(doc, "work", json_pack("{s:I, s:I, s:I}", "ticks_visited", (json_int_t)r->ticks_processed,
                                               "node_evaluations", (json_int_t)r->evaluations,
                                               "events", (json_int_t)r->nevents));
    if (m->nregions) json_object_set_new(doc, "regions", regions_json(sc, r));
    if (r->narrowed_to) json_object_set_new(doc, "region", json_string(m->regions[r->narrowed_to - 1].id));
    if (sc->noverrides) {
        json_t *ov = json_array();
        for (size_t i = 0; i < sc->noverrides; i++)
            json_array_append_new(ov, json_pack("{s:s, s:s, s:I}", "path", sc->overrides[i].path, "value",
                                                sc->overrides[i].value, "matches", (json_int_t)sc->overrides[i].matches));
        json_object_set_new(doc, "overrides", ov);
    }
    if (st) json_object_set_new(doc, "statistics", statistics(sc, st, interval));
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    fputc('\n', out);
    json_decref(doc);
    return rc || ferror(out) ? DM_EIO : 0;
}
