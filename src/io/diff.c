/* What a change did (`domino diff A B`): the breaches of run B against those of run A,
 * sector by sector and region by region: gained, avoided, moved (onset, duration, peak)
 * or unchanged; with the breach probabilities of Monte Carlo runs beside. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "io/timeline.h"
#include "core/duration.h"

typedef struct change {
    int sector, region;        /* A's indices (B's mapped onto them by id) */
    const dm_breach *a, *b;    /* NULL where the run has none */
    const char *what;          /* gained, avoided, moved, unchanged */
} change;

static int64_t end_of(const dm_breach *b, int64_t horizon) { return b->end >= 0 ? b->end : horizon; }

/* Ticks two breaches have in common (from onset to end, or the horizon). */
static int64_t overlap(const dm_breach *x, int64_t hx, const dm_breach *y, int64_t hy)
{
    int64_t lo = x->onset > y->onset ? x->onset : y->onset, ex = end_of(x, hx), ey = end_of(y, hy);
    int64_t hi = ex < ey ? ex : ey;
    return hi > lo ? hi - lo : (x->onset == y->onset ? 1 : 0);
}

/* B's sector and region indices in A's model, by id (-1: not in A's model). */
static int map_sector(const dm_model *a, const dm_model *b, int s) { return dm_model_sector(a, b->sectors[s].id); }
static int map_region(const dm_model *a, const dm_model *b, int g)
{
    if (g < 0) return -1;
    for (size_t k = 0; k < a->nregions; k++)
        if (!strcmp(a->regions[k].id, b->regions[g].id)) return (int)k;
    return -2;
}

static const dm_breach *breach_at(const dm_engine_result *r, size_t i)
{
    return i < r->nbreaches ? &r->breaches[i] : &r->region_breaches[i - r->nbreaches];
}

/* Pairs each of A's breaches with the breach of B of the same sector and region that
 * overlaps it most (each of B's once); the rest of A's are avoided, the rest of B's
 * gained. O(breaches^2) per sector and region. */
static size_t match(const dm_scenario *sa, const dm_engine_result *ra, const dm_scenario *sb,
                    const dm_engine_result *rb, change *out)
{
    size_t na = ra->nbreaches + ra->nregion_breaches, nb = rb->nbreaches + rb->nregion_breaches, n = 0;
    unsigned char *used = calloc(nb + 1, 1);
    if (!used) return (size_t)-1;
    for (size_t i = 0; i < na; i++) {
        const dm_breach *x = breach_at(ra, i);
        size_t best = nb;
        int64_t best_overlap = 0;
        for (size_t j = 0; j < nb; j++) {
            const dm_breach *y = breach_at(rb, j);
            if (used[j] || map_sector(sa->model, sb->model, y->sector) != x->sector ||
                map_region(sa->model, sb->model, y->region) != x->region)
                continue;
            int64_t o = overlap(x, ra->horizon, y, rb->horizon);
            if (o > best_overlap) { best_overlap = o; best = j; }
        }
        change c = {x->sector, x->region, x, NULL, "avoided"};
        if (best < nb) {
            const dm_breach *y = breach_at(rb, best);
            used[best] = 1;
            c.b = y;
            int64_t dx = end_of(x, ra->horizon) - x->onset, dy = end_of(y, rb->horizon) - y->onset;
            int moved = x->onset != y->onset || dx != dy || (x->end < 0) != (y->end < 0) ||
                        fabs(x->peak - y->peak) > 1e-9 * fmax(fabs(x->peak), fabs(y->peak));
            c.what = moved ? "moved" : "unchanged";
        }
        out[n++] = c;
    }
    for (size_t j = 0; j < nb; j++) {
        const dm_breach *y = breach_at(rb, j);
        int s = map_sector(sa->model, sb->model, y->sector), g = map_region(sa->model, sb->model, y->region);
        if (!used[j] && s >= 0 && g >= -1) out[n++] = (change){s, g, NULL, y, "gained"};
    }
    free(used);
    return n;
}

static int by_time(const void *pa, const void *pb)
{
    const change *a = pa, *b = pb;
    const dm_breach *x = a->a ? a->a : a->b, *y = b->a ? b->a : b->b;
    if (x->onset != y->onset) return x->onset < y->onset ? -1 : 1;
    if (a->sector != b->sector) return a->sector < b->sector ? -1 : 1;
    return (a->region > b->region) - (a->region < b->region);
}

static void cell_time(const dm_scenario *sc, int64_t t, char *buf)
{
    if (t < 0) strcpy(buf, "-");
    else dm_format_time(t, sc->tick_s, buf);
}

static void cell_duration(const dm_scenario *sc, const dm_breach *b, int64_t horizon, char *buf, size_t size)
{
    if (!b) { snprintf(buf, size, "-"); return; }
    /* whole minutes, truncated as before */
    dmi_format_hmm((double)((end_of(b, horizon) - b->onset) * sc->tick_s / 60), buf, size);
    if (b->end < 0) snprintf(buf + strlen(buf), size - strlen(buf), "+");
}

static json_t *breach_json(const dm_scenario *sc, const dm_breach *b, int64_t horizon)
{
    if (!b) return json_null();
    int64_t k = sc->tick_s;
    return json_pack("{s:I, s:o, s:I, s:b, s:f, s:f}", "onset_min", (json_int_t)(b->onset * k / 60),
                     "end_min", b->end >= 0 ? json_integer((json_int_t)(b->end * k / 60)) : json_null(),
                     "duration_min", (json_int_t)((end_of(b, horizon) - b->onset) * k / 60), "ongoing", b->end < 0,
                     "peak", b->peak, "unit_hours", b->unit_hours);
}

int dm_render_diff(FILE *out, const dm_diff_input *A, const dm_diff_input *B, const dm_diff_options *o)
{
    const dm_scenario *sa = A->scenario, *sb = B->scenario;
    const dm_model *m = sa->model;
    const int ja = o->lang == DM_LANG_JA;
    size_t cap = A->result->nbreaches + A->result->nregion_breaches + B->result->nbreaches + B->result->nregion_breaches + 1;
    change *c = malloc(cap * sizeof *c);
    if (!c) return DM_ESOFTWARE;
    size_t n = match(sa, A->result, sb, B->result, c);
    if (n == (size_t)-1) { free(c); return DM_ESOFTWARE; }
    /* the filters, then time order */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if ((o->sector < 0 || c[i].sector == o->sector) && (o->region == -2 || c[i].region == o->region) &&
            (o->all || strcmp(c[i].what, "unchanged")))
            c[k++] = c[i];
    n = k;
    qsort(c, n, sizeof *c, by_time);
    size_t count[4] = {0};
    static const char *const kinds[] = {"gained", "avoided", "moved", "unchanged"};
    static const char *const kinds_ja[] = {"新たに該当", "回避", "変化", "変化なし"};
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 4; j++) count[j] += !strcmp(c[i].what, kinds[j]);
    /* unchanged ones are counted even when not listed */
    if (!o->all) {
        change *all = malloc(cap * sizeof *all);
        size_t na = all ? match(sa, A->result, sb, B->result, all) : 0;
        for (size_t i = 0; all && na != (size_t)-1 && i < na; i++)
            count[3] += !strcmp(all[i].what, "unchanged") && (o->sector < 0 || all[i].sector == o->sector) &&
                        (o->region == -2 || all[i].region == o->region);
        free(all);
    }
    int rc = 0;
    if (o->format == DM_FORMAT_JSON) {
        json_t *list = json_array(), *prob = json_array();
        for (size_t i = 0; i < n; i++) {
            const change *x = &c[i];
            json_t *e = json_pack("{s:s, s:s, s:o, s:o, s:o}", "change", x->what, "sector", m->sectors[x->sector].id,
                                  "region", x->region >= 0 ? json_string(m->regions[x->region].id) : json_null(),
                                  "a", breach_json(sa, x->a, A->result->horizon), "b", breach_json(sb, x->b, B->result->horizon));
            if (x->a && x->b) {
                json_object_set_new(e, "onset_shift_min", json_integer((json_int_t)((x->b->onset * sb->tick_s - x->a->onset * sa->tick_s) / 60)));
                json_object_set_new(e, "duration_change_min", json_integer((json_int_t)(
                    ((end_of(x->b, B->result->horizon) - x->b->onset) * sb->tick_s - (end_of(x->a, A->result->horizon) - x->a->onset) * sa->tick_s) / 60)));
                json_object_set_new(e, "peak_change", json_real(x->b->peak - x->a->peak));
            }
            json_array_append_new(list, e);
        }
        for (size_t s = 0; A->breach_probability && B->breach_probability && s < m->nsectors; s++) {
            int sbi = dm_model_sector(sb->model, m->sectors[s].id);
            if (sbi < 0 || (o->sector >= 0 && (int)s != o->sector)) continue;
            json_array_append_new(prob, json_pack("{s:s, s:f, s:f}", "sector", m->sectors[s].id, "a",
                                                  A->breach_probability[s], "b", B->breach_probability[sbi]));
        }
        json_t *doc = json_pack("{s:{s:s, s:s, s:I}, s:{s:s, s:s, s:I}, s:{s:I, s:I, s:I, s:I}, s:o, s:o}",
            "a", "file", A->name, "scenario", sa->name, "replicate", (json_int_t)A->result->replicate,
            "b", "file", B->name, "scenario", sb->name, "replicate", (json_int_t)B->result->replicate,
            "summary", "gained", (json_int_t)count[0], "avoided", (json_int_t)count[1], "moved", (json_int_t)count[2],
            "unchanged", (json_int_t)count[3], "changes", list, "breach_probability", prob);
        rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', out);
        json_decref(doc);
        free(c);
        return rc || ferror(out) ? DM_EIO : 0;
    }
    const int md = o->format == DM_FORMAT_MD;
    if (md) fprintf(out, ja ? "# 比較: %s → %s\n\n" : "# What changed: %s -> %s\n\n", A->name, B->name);
    fprintf(out, ja ? "%sA: %s（シナリオ「%s」、レプリケート %llu）\n%sB: %s（シナリオ「%s」、レプリケート %llu）\n\n"
                    : "%sA: %s (scenario '%s', replicate %llu)\n%sB: %s (scenario '%s', replicate %llu)\n\n",
            md ? "- " : "", A->name, sa->name, (unsigned long long)A->result->replicate, md ? "- " : "", B->name, sb->name,
            (unsigned long long)B->result->replicate);
    fprintf(out, ja ? "検証レベル該当: 新たに該当 %zu、回避 %zu、変化 %zu、変化なし %zu\n\n"
                    : "Breaches: %zu gained, %zu avoided, %zu moved, %zu unchanged\n\n", count[0], count[1], count[2], count[3]);
    static const char *const head_en[] = {"sector", "region", "change", "onset A", "onset B", "duration A", "duration B", "peak A", "peak B"};
    static const char *const head_ja[] = {"分野", "地域", "変化", "発生 A", "発生 B", "継続 A", "継続 B", "最大供給支障 A", "最大供給支障 B"};
    enum { NC = 9 };
    char (*rows)[NC][96] = calloc(n + 1, sizeof *rows);
    if (!rows) { free(c); return DM_ESOFTWARE; }
    for (int j = 0; j < NC; j++) snprintf(rows[0][j], 96, "%s", (ja ? head_ja : head_en)[j]);
    for (size_t i = 0; i < n; i++) {
        const change *x = &c[i];
        char (*r)[96] = rows[i + 1];
        const dm_sector *sec = &m->sectors[x->sector];
        snprintf(r[0], 96, "%s", ja ? sec->name_ja : sec->name_en);
        snprintf(r[1], 96, "%s", x->region >= 0 ? (ja ? m->regions[x->region].name_ja : m->regions[x->region].name_en)
                                                : (m->nregions ? (ja ? "全国" : "national") : "-"));
        for (int j = 0; j < 4; j++)
            if (!strcmp(x->what, kinds[j])) snprintf(r[2], 96, "%s", ja ? kinds_ja[j] : kinds[j]);
        cell_time(sa, x->a ? x->a->onset : -1, r[3]);
        cell_time(sb, x->b ? x->b->onset : -1, r[4]);
        cell_duration(sa, x->a, A->result->horizon, r[5], 96);
        cell_duration(sb, x->b, B->result->horizon, r[6], 96);
        if (x->a) tl_amount(ja, x->a->peak, sec->unit, r[7], 96); else strcpy(r[7], "-");
        if (x->b) tl_amount(ja, x->b->peak, sec->unit, r[8], 96); else strcpy(r[8], "-");
    }
    if (n) {
        int width[NC] = {0};
        for (size_t i = 0; i <= n; i++)
            for (int j = 0; j < NC; j++) {
                int wd = tl_display_width(rows[i][j]);
                if (wd > width[j]) width[j] = wd;
            }
        for (size_t i = 0; i <= n; i++) {
            if (md) fputs("| ", out);
            for (int j = 0; j < NC; j++) {
                if (j) fputs(" | ", out);
                fputs(rows[i][j], out);
                for (int p = tl_display_width(rows[i][j]); p < width[j] && (md || j < NC - 1); p++) fputc(' ', out);
            }
            fputs(md ? " |\n" : "\n", out);
            if (i == 0) {
                if (md) fputs("|-", out);
                for (int j = 0; j < NC; j++) {
                    if (j) fputs("-|-", out);
                    for (int p = 0; p < width[j]; p++) fputc('-', out);
                }
                fputs(md ? "-|\n" : "\n", out);
            }
        }
    }
    if (A->breach_probability && B->breach_probability && (A->replicates > 1 || B->replicates > 1)) {
        fputs(ja ? "\n検証レベル該当の確率（A → B）\n" : "\nBreach probability (A -> B)\n", out);
        for (size_t s = 0; s < m->nsectors; s++) {
            int sbi = dm_model_sector(sb->model, m->sectors[s].id);
            if (sbi < 0 || (o->sector >= 0 && (int)s != o->sector)) continue;
            double pa = A->breach_probability[s], pb = B->breach_probability[sbi];
            if (pa == 0 && pb == 0) continue;
            fprintf(out, "%s%s: %.1f%% -> %.1f%%\n", md ? "- " : "", ja ? m->sectors[s].name_ja : m->sectors[s].name_en,
                    100 * pa, 100 * pb);
        }
    }
    free(rows);
    free(c);
    return ferror(out) ? DM_EIO : rc;
}
