/* Exercise injects (docs/timeline.md): the causal timeline as one chronological list, with
 * the lines that say the same thing about several regions at one time grouped into one
 * inject, filtered by size of change, sector, region and kind, each with its recipients,
 * cause chain, hazard description and the scenario's prompt; in text, md, csv or json. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "io/timeline.h"
#include "core/duration.h"


void dm_inject_defaults(dm_inject_options *o, dm_format format, dm_lang lang)
{
    *o = (dm_inject_options){.format = format, .lang = lang, .min_change = -1, .sector = -1, .region = -1,
                             .kinds = DM_KIND_ALL, .group = 1};
}

/* ---- words ---- */

typedef struct words {
    const dm_scenario *sc;
    int ja;
} words;

static void tplus(const dm_scenario *sc, int64_t tick, char *buf) { dm_format_time(tick, sc->tick_s, buf); }

/* A duration of ticks: "2:00" / "2時間", "0:30" / "30分", "1:30" / "1時間30分". */
static void duration_text(const words *w, int64_t ticks, char *buf, size_t size)
{
    int64_t min = (int64_t)llround((double)ticks * (double)w->sc->tick_s / 60.0), h = min / 60, m = min % 60;
    if (!w->ja) dmi_format_hmm((double)min, buf, size);
    else if (h && m) snprintf(buf, size, "%" PRId64 "時間%" PRId64 "分", h, m);
    else if (h) snprintf(buf, size, "%" PRId64 "時間", h);
    else snprintf(buf, size, "%" PRId64 "分", m);
}

/* A level as a whole percentage, never rounded to a misleading 0 or 100. */
static void pct_text(double x, char *buf, size_t size)
{
    double p = x * 100;
    if (p > 0 && p < 1) snprintf(buf, size, "<1");
    else if (p > 99 && p < 100) snprintf(buf, size, ">99");
    else snprintf(buf, size, "%.0f", p);
}

static void amount_text(const words *w, double x, const char *unit, char *buf, size_t size)
{
    tl_amount(w->ja, x, unit, buf, size);
}

static const char *sector_name(const words *w, int s)
{
    const dm_sector *sec = &w->sc->model->sectors[s];
    return w->ja ? sec->name_ja : sec->name_en;
}

/* A node by its name, or (generic: a grouped inject) by its sector's. */
static const char *node_name(const words *w, int v, int generic, char *buf)
{
    if (generic) return sector_name(w, dm_node_at(w->sc->model, (size_t)v)->sector);
    return dm_node_name(w->sc->model, (size_t)v, w->ja, buf);
}

static void hazard_name(const words *w, int h, char *buf, size_t size)
{
    const dm_hazard *hz = &w->sc->hazards[h];
    snprintf(buf, size, w->ja ? "%s「%s」" : "%s '%s'", dm_hazard_kind_name(hz->kind, w->ja), hz->id);
}

typedef struct sbuf { char *p; size_t size, n; } sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->n < b->size ? b->size - b->n : 0, fmt, ap);
    va_end(ap);
    if (k > 0) b->n += (size_t)k;
    if (b->n >= b->size) b->n = b->size - 1;
}

/* "ELEC (T+00:00) <- natural disaster 'x'" / "電力（T+00:00）← 自然災害「x」". */
static void chain_text(const words *w, const tl_chain *c, int generic, sbuf *b)
{
    const char *arrow = w->ja ? " ← " : " <- ";
    char name[DM_NODE_ID_MAX], t[24], hz[200];
    for (int i = 0; i < c->n; i++) {
        tplus(w->sc, c->since[i], t);
        put(b, w->ja ? "%s%s（%s）" : "%s%s (%s)", i ? arrow : "", node_name(w, c->node[i], generic, name), t);
    }
    if (c->cut) put(b, "%s...", arrow);
    else if (c->hazard >= 0) {
        hazard_name(w, c->hazard, hz, sizeof hz);
        put(b, "%s%s", c->n ? arrow : "", hz);
    }
}

/* What happened, without the cause. */
static void what_text(const words *w, const tl_line *l, sbuf *b)
{
    const dm_scenario *sc = w->sc;
    const int ja = w->ja;
    char pct[16], left[48], hz[200], amount[96] = "";
    if (l->type == TL_PLANNER) { put(b, "%s", sc->injects[l->index].text); return; }
    if (l->type == TL_BREACH) {
        const dm_sector *sec = &sc->model->sectors[l->sector];
        char d[48], mag[96];
        int64_t dticks = dm_scenario_ticks(sc, sec->duration_s);
        duration_text(w, dticks, d, sizeof d);
        static const char *const en[] = {"service-level breach begins", "service-level breach confirmed",
                                         "service-level breach ends"};
        static const char *const jp[] = {"検証レベルに該当する障害の発生（継続時間の確認中）", "検証レベルに該当する障害",
                                         "検証レベルに該当する障害が解消"};
        put(b, "%s", (ja ? jp : en)[l->kind]);
        if (sec->any_loss && sec->duration_s == 0)
            put(b, ja ? "（検証レベル: サービスの停止・低下）" : " (verification level: any loss of service)");
        else if (sec->any_loss)
            put(b, ja ? "（検証レベル: サービスの停止・低下が%s以上）" : " (verification level: any loss of service for %s or more)", d);
        else {
            /* a percentage: of the region's part */
            double magnitude = l->region >= 0 ? dm_threshold_magnitude(sc->model, l->sector, l->region) : sec->magnitude;
            amount_text(w, magnitude, sec->unit, mag, sizeof mag);
            put(b, ja ? "（検証レベル: 供給支障 %s以上が%s以上）" : " (verification level: %s or more unserved for %s or more)", mag, d);
        }
        return;
    }
    pct_text(l->value, pct, sizeof pct);
    duration_text(w, (int64_t)ceil(l->value - 1e-9), left, sizeof left);
    if (l->hazard >= 0) hazard_name(w, l->hazard, hz, sizeof hz);
    if (l->node >= 0 && (l->kind == DM_EV_DEGRADED || l->kind == DM_EV_DOWN || l->kind == DM_EV_COLLAPSED ||
                         l->kind == DM_EV_DISCONNECTED)) {
        const dm_node *nd = dm_node_at(sc->model, (size_t)l->node);
        const char *unit = sc->model->sectors[nd->sector].unit;
        if (strcmp(unit, "%")) amount_text(w, nd->capacity * (1 - l->value), unit, amount, sizeof amount);
    }
    switch (l->kind) {
    case DM_EV_HAZARD_START:
        pct_text(l->value, pct, sizeof pct);
        put(b, ja ? "%sによる障害発生（損傷 %s%%）" : "hit by %s (damage %s%%)", hz, pct);
        break;
    case DM_EV_HAZARD_END:
        put(b, ja ? "%sによる損傷が解消" : "damage from %s cleared", hz);
        break;
    case DM_EV_HAZARD_RESTORING:
        put(b, ja ? "%sの損傷のうち %s%% が復旧" : "%s%% of the damage from %s restored", ja ? hz : pct, ja ? pct : hz);
        break;
    case DM_EV_BUFFER_ENGAGED:
        if (l->held) put(b, ja ? "バックアップで継続、補給あり（残り %s で維持）" : "running on backup, resupplied (%s left, not draining)", left);
        else put(b, ja ? "バックアップで継続（残り %s）" : "running on backup (%s left)", left);
        break;
    case DM_EV_BUFFER_HELD:
        put(b, ja ? "バックアップに補給あり、消費停止（残り %s）" : "backup resupplied, no longer draining (%s left)", left);
        break;
    case DM_EV_BUFFER_DRAINING:
        put(b, ja ? "補給途絶、バックアップの消費再開（残り %s）" : "resupply lost, backup draining again (%s left)", left);
        break;
    case DM_EV_BUFFER_EXHAUSTED:
        put(b, ja ? "バックアップが枯渇" : "backup exhausted");
        break;
    case DM_EV_DEGRADED:
        if (amount[0]) put(b, ja ? "%s%% に低下（供給支障 %s）" : "degraded to %s%% (%s unserved)", pct, amount);
        else put(b, ja ? "%s%% に低下" : "degraded to %s%%", pct);
        break;
    case DM_EV_DOWN:
        if (amount[0]) put(b, ja ? "サービス停止（供給支障 %s）" : "down (%s unserved)", amount);
        else put(b, ja ? "サービス停止" : "down");
        break;
    case DM_EV_COLLAPSED:
        put(b, ja ? "機能停止（入力が崩壊閾値を下回った）" : "collapsed (input below its collapse threshold)");
        break;
    case DM_EV_DISCONNECTED:
        put(b, ja ? "ネットワークから孤立（供給源・最大連結成分への経路なし）"
                  : "cut off from its network (no path to a source or the giant component)");
        break;
    case DM_EV_RESTARTING:
        put(b, ja ? "入力が回復、再起動中" : "inputs back, restarting");
        break;
    case DM_EV_RISING:
        put(b, ja ? "復旧中（%s%%）" : "recovering (%s%%)", pct);
        break;
    case DM_EV_RESTORED:
        put(b, ja ? "全面復旧" : "fully restored");
        break;
    default:
        put(b, "?");
    }
}

/* Why: the provider's loss, the lost resupply, or the node's own damage. */
static void cause_text(const words *w, const tl_line *l, int generic, sbuf *b)
{
    const int ja = w->ja;
    char name[DM_NODE_ID_MAX], t[24], hz[200];
    if (l->type != TL_EVENT) return;
    int loss = l->kinds == DM_KIND_LOSSES && l->kind != DM_EV_HAZARD_START;
    if (loss && l->cause >= 0) {
        tplus(w->sc, l->cause_since, t);
        put(b, ja ? "%sの%s（%s〜）による" : "because %s has been %s since %s", node_name(w, l->cause, generic, name),
            ja ? (l->cause_down ? "停止" : "機能低下") : (l->cause_down ? "down" : "degraded"), t);
    } else if (loss && l->hazard >= 0) {
        hazard_name(w, l->hazard, hz, sizeof hz);
        put(b, ja ? "%sの損傷による" : "damage from %s", hz);
    }
    if (l->resupply >= 0 && l->resupply != l->cause) {  /* the same provider is said once */
        tplus(w->sc, l->resupply_since, t);
        put(b, ja ? "%s%sからの補給が途絶（%s〜）" : "%sresupply from %s lost since %s", b->n ? (ja ? "。" : "; ") : "",
            node_name(w, l->resupply, generic, name), t);
    }
}

/* The chains behind a line: its cause's, and its lost resupply's. */
static void chains_text(const words *w, const tl_line *l, int generic, sbuf *b)
{
    if (l->type != TL_EVENT || l->kinds != DM_KIND_LOSSES || l->kind == DM_EV_HAZARD_START) return;
    if (l->cause >= 0 || l->chain.hazard >= 0) chain_text(w, &l->chain, generic, b);
    if (l->resupply >= 0 && l->resupply != l->cause) {
        put(b, "%s", b->n ? (w->ja ? "。補給: " : "; resupply: ") : "");
        chain_text(w, &l->resupply_chain, generic, b);
    }
}

/* The hazard a line goes back to (its own, or its chain's root), or -1. */
static int root_hazard(const tl_line *l)
{
    if (l->hazard >= 0) return l->hazard;
    if (l->chain.hazard >= 0) return l->chain.hazard;
    return l->resupply_chain.hazard;
}

/* ---- filtering and grouping ---- */

typedef struct inject {
    size_t line;           /* the first line; the others are members[1..] */
    size_t first_member, nmembers;
    int prompt;            /* index of the prompt shown with it, or -1 */
} inject;

static int is_level(const tl_line *l)
{
    return l->type == TL_EVENT && (l->kind == DM_EV_DEGRADED || l->kind == DM_EV_DOWN || l->kind == DM_EV_COLLAPSED ||
                                   l->kind == DM_EV_DISCONNECTED || l->kind == DM_EV_RISING || l->kind == DM_EV_RESTORED);
}

/* Whether a line passes the filters. Level changes pass when they leave or regain full
 * service or go down, or when the level has moved min_change points since the node's last
 * shown line (and never twice at one displayed percentage). */
static int keep(const tl_line *l, const dm_inject_options *o, double min_change,
                double *shown)
{
    if (l->dropped) return 0;
    if (l->type == TL_PLANNER) return 1;
    if (!(l->kinds & o->kinds)) return 0;
    if (o->sector >= 0 && l->sector != o->sector) return 0;
    if (o->region >= 0 && l->region != o->region) return 0;
    if (!is_level(l)) return 1;
    double last = shown[l->node];
    int always = l->kind != DM_EV_DEGRADED && l->kind != DM_EV_RISING;  /* down, restored, ... */
    int leaves_full = l->prev >= 1 - DM_LEVEL_EPS;
    char a[16], b[16];
    pct_text(l->value, a, sizeof a);
    pct_text(last, b, sizeof b);
    int moved = fabs(l->value - last) * 100 >= min_change - 1e-9 && strcmp(a, b);
    if (!(always || leaves_full || moved)) return 0;
    shown[l->node] = l->value;
    return 1;
}

/* The text that two lines of different regions must share to be one inject. */
/* The length of a node's id stem, the id up to its last '.' (ICT.01 and ICT_VISIT.01: "ICT",
 * "ICT_VISIT"), or of the whole id: the nodes a grouped line gathers are one stem's. */
static size_t id_stem(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot ? (size_t)(dot - id) : strlen(id);
}

/* What a grouped line is about: its sector, when its nodes are the sector's node in each
 * region (stem = the sector's id: ICT.01 ... ICT.47), or else the first node's name without
 * its region (ICT_VISIT.01 ...: "Base stations a crew must restart"), as
 * tools/prefecture_model.py names a node "NAME (Region)" and "地域のNAME". */
static const char *family_name(const words *w, const tl_line *l, char *buf, size_t size)
{
    const dm_model *m = w->sc->model;
    char id[DM_NODE_ID_MAX];
    if (l->node < 0) return sector_name(w, l->sector);
    const char *nid = dm_node_id(m, (size_t)l->node, id), *sid = m->sectors[l->sector].id;
    size_t k = id_stem(nid);
    if (k == strlen(sid) && !strncmp(nid, sid, k)) return sector_name(w, l->sector);
    const char *name = dm_node_name(m, (size_t)l->node, w->ja, id);
    int region = dm_node_at(m, (size_t)l->node)->region;
    size_t n = strlen(name);
    if (region >= 0 && w->ja) {
        const char *r = m->regions[region].name_ja;
        size_t rn = strlen(r);
        if (n > rn + 3 && !strncmp(name, r, rn) && !strncmp(name + rn, "の", 3)) name += rn + 3, n -= rn + 3;
    } else if (region >= 0) {
        const char *r = m->regions[region].name_en;
        size_t rn = strlen(r);
        if (n > rn + 3 && !strncmp(name + n - rn - 1, r, rn) && !strncmp(name + n - rn - 3, " (", 2) && name[n - 1] == ')')
            n -= rn + 3;
    }
    snprintf(buf, size, "%.*s", (int)n, name);
    return buf;
}

static void group_key(const words *w, const tl_line *l, char *buf, size_t size)
{
    sbuf b = {buf, size, 0};
    char id[DM_NODE_ID_MAX];
    const char *nid = l->node >= 0 ? dm_node_id(w->sc->model, (size_t)l->node, id) : "";
    put(&b, "%.*s|", (int)id_stem(nid), nid);
    put(&b, "%d|%d|%d|%d|", l->type, l->kind, l->sector, l->held);
    what_text(w, l, &b);
    if (is_level(l) || l->kind == DM_EV_HAZARD_START) {  /* the amount differs by region: compare the level */
        char pct[16];
        pct_text(l->value, pct, sizeof pct);
        b.n = 0;
        put(&b, "%.*s|", (int)id_stem(nid), nid);
        put(&b, "%d|%d|%d|%s|", l->type, l->kind, l->sector, pct);
    }
    put(&b, "|");
    cause_text(w, l, 1, &b);
    put(&b, "|");
    chains_text(w, l, 1, &b);
}

/* ---- output ---- */

static int display_width(const char *s) { return tl_display_width(s); }

static void pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int k = display_width(s); k < width; k++) fputc(' ', out);
}

static void csv_field(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Who is told: the planner's recipients, or the sector's ministry and CEPTOAR. */
static void recipients(const words *w, const tl_line *l, char *buf, size_t size)
{
    sbuf b = {buf, size, 0};
    buf[0] = 0;
    if (l->type == TL_PLANNER) {
        if (w->sc->injects[l->index].to) put(&b, "%s", w->sc->injects[l->index].to);
        return;
    }
    const dm_sector *sec = &w->sc->model->sectors[l->sector];
    if (sec->authority) put(&b, "%s", sec->authority);
    if (sec->ceptoar) put(&b, "%s%s", b.n ? (w->ja ? "、" : ", ") : "", sec->ceptoar);
}

/* Where: a node, a sector, or a sector in N regions. */
static void who_text(const words *w, const tl_line *l, size_t nmembers, char *buf, size_t size)
{
    char name[DM_NODE_ID_MAX], family[256];
    if (l->type == TL_PLANNER) snprintf(buf, size, "%s", w->ja ? "統制" : "exercise control");
    else if (nmembers > 1 && nmembers == w->sc->model->nregions)
        snprintf(buf, size, w->ja ? "%s（全 %zu 地域）" : "%s (all %zu regions)", family_name(w, l, family, sizeof family), nmembers);
    else if (nmembers > 1)
        snprintf(buf, size, w->ja ? "%s（%zu 地域）" : "%s (%zu regions)", family_name(w, l, family, sizeof family), nmembers);
    else if (l->node >= 0) snprintf(buf, size, "%s", node_name(w, l->node, 0, name));
    else if (l->region >= 0) {  /* a region's part of a sector (its breach) */
        const dm_region *g = &w->sc->model->regions[l->region];
        snprintf(buf, size, w->ja ? "%s（%s）" : "%s (%s)", sector_name(w, l->sector), w->ja ? g->name_ja : g->name_en);
    } else if (w->sc->model->nregions > 0)  /* the sector as a whole, where regions have their own */
        snprintf(buf, size, w->ja ? "%s（全国）" : "%s (national)", sector_name(w, l->sector));
    else snprintf(buf, size, "%s", sector_name(w, l->sector));
}

static const char *kind_id(const tl_line *l)
{
    static const char *const ev[] = {"hazard_start", "hazard_end", "backup_engaged", "backup_resupplied",
                                     "backup_draining", "backup_exhausted", "degraded", "down", "collapsed",
                                     "restarting", "rising", "restored", "disconnected", "hazard_restoring"};
    static const char *const br[] = {"breach_begins", "breach_confirmed", "breach_ends"};
    if (l->type == TL_PLANNER) return "planner";
    if (l->type == TL_BREACH) return br[l->kind];
    return l->kind >= 0 && l->kind < (int)(sizeof ev / sizeof ev[0]) ? ev[l->kind] : "?";
}

static const char *kinds_id(const tl_line *l)
{
    return l->type == TL_PLANNER ? "planner" : l->kinds == DM_KIND_BREACHES ? "breach"
         : l->kinds == DM_KIND_LOSSES ? "loss" : "restoration";
}

/* The md document's head: title, description, assumptions, the exercise clock, the
 * hazards with their descriptions, and notes. */
static void md_head(FILE *out, const words *w, const dm_engine_result *r, size_t ninjects, double min_change)
{
    const dm_scenario *sc = w->sc;
    const int ja = w->ja;
    char t[24], clock[DM_CLOCK_MAX];
    fprintf(out, ja ? "# 分野横断的演習 インジェクト: %s\n\n" : "# Exercise injects: %s\n\n", sc->name);
    if (sc->description && sc->description[0]) fprintf(out, "%s\n\n", sc->description);
    if (sc->nassumptions) {
        fputs(ja ? "## 前提\n\n" : "## Assumptions\n\n", out);
        for (size_t i = 0; i < sc->nassumptions; i++) fprintf(out, "- %s\n", sc->assumptions[i]);
        fputc('\n', out);
    }
    fputs(ja ? "## 演習時計\n\n" : "## Exercise clock\n\n", out);
    if (sc->has_start)
        fprintf(out, "- T+00:00 = %s\n", dm_format_clock(sc, 0, 1, clock));
    else
        fputs(ja ? "- 開始時刻の指定なし（経過時間 T+ のみ）\n" : "- no start time given (elapsed time T+ only)\n", out);
    tplus(sc, r->horizon, t);
    fprintf(out, ja ? "- 期間 %s、刻み %lld 秒、シード %llu、レプリケート %llu\n" : "- horizon %s, tick %lld s, seed %llu, replicate %llu\n",
            t + 2, (long long)sc->tick_s, (unsigned long long)sc->seed, (unsigned long long)r->replicate);
    fputs(ja ? "\n## 事象\n\n" : "\n## Hazards\n\n", out);
    for (size_t h = 0; h < sc->nhazards; h++) {
        char name[200], start[24] = "-";
        hazard_name(w, (int)h, name, sizeof name);
        if (r->hazard_start && r->hazard_start[h] >= 0) tplus(sc, (int64_t)r->hazard_start[h], start);
        fprintf(out, ja ? "- **%s**（%s）%s%s\n" : "- **%s** (%s)%s%s\n", name, start, sc->hazards[h].description[0] ? (ja ? "：" : ": ") : "",
                sc->hazards[h].description);
    }
    if (sc->nwarnings || r->nwarnings) {
        fputs(ja ? "\n## 注意\n\n" : "\n## Notes\n\n", out);
        for (size_t i = 0; i < sc->nwarnings; i++) fprintf(out, "- %s\n", sc->warnings[i]);
        for (size_t i = 0; i < r->nwarnings; i++) fprintf(out, "- %s\n", r->warnings[i]);
    }
    if (min_change > 0)
        fprintf(out, ja ? "\n## インジェクト（%zu 件、水準の変化 %g ポイント以上）\n\n" : "\n## Injects (%zu; level changes of %g points or more)\n\n",
                ninjects, min_change);
    else
        fprintf(out, ja ? "\n## インジェクト（%zu 件）\n\n" : "\n## Injects (%zu)\n\n", ninjects);
}

int dm_render_injects(FILE *out, const dm_scenario *sc, const dm_engine_result *r, const dm_inject_options *o)
{
    const dm_model *m = sc->model;
    words w = {sc, o->lang == DM_LANG_JA};
    const int ja = w.ja;
    tl_line *lines;
    size_t n = tl_build(sc, r, &lines);
    double min_change = o->min_change >= 0 ? o->min_change : o->format == DM_FORMAT_MD ? 10 : 0;
    double *shown = malloc((m->nnodes + 1) * sizeof *shown);
    size_t *members = malloc((n + 1) * sizeof *members);
    inject *inj = malloc((n + 1) * sizeof *inj);
    char (*keys)[1400] = NULL;
    unsigned char *used_prompt = calloc(sc->nprompts + 1, 1);
    int rc = 0;
    if (!lines || !shown || !members || !inj || !used_prompt) { rc = DM_ESOFTWARE; goto done; }
    for (size_t v = 0; v < m->nnodes; v++) shown[v] = 1;

    /* filter, then group a tick's lines that say the same about several regions */
    size_t nkept = 0, ninj = 0;
    for (size_t i = 0; i < n; i++)
        if (keep(&lines[i], o, min_change, shown)) members[nkept++] = i;
    size_t *kept = malloc((nkept + 1) * sizeof *kept);
    unsigned char *taken = calloc(nkept + 1, 1);
    if (o->group) keys = malloc((nkept + 1) * sizeof *keys);
    if (!kept || !taken || (o->group && !keys)) { free(kept); free(taken); rc = DM_ESOFTWARE; goto done; }
    memcpy(kept, members, nkept * sizeof *kept);
    for (size_t i = 0; o->group && i < nkept; i++)
        if (lines[kept[i]].region >= 0) group_key(&w, &lines[kept[i]], keys[i], sizeof keys[i]);
    size_t nm = 0;
    for (size_t i = 0; i < nkept; i++) {
        if (taken[i]) continue;
        const tl_line *l = &lines[kept[i]];
        inj[ninj] = (inject){kept[i], nm, 0, -1};
        members[nm++] = kept[i];
        taken[i] = 1;
        for (size_t j = i + 1; o->group && l->region >= 0 && j < nkept && lines[kept[j]].tick == l->tick; j++)
            if (!taken[j] && lines[kept[j]].region >= 0 && !strcmp(keys[i], keys[j])) {
                members[nm++] = kept[j];
                taken[j] = 1;
            }
        inj[ninj].nmembers = nm - inj[ninj].first_member;
        /* the scenario's prompts: each with the first inject of its sector and kinds */
        for (size_t p = 0; p < sc->nprompts && l->type != TL_PLANNER; p++) {
            const dm_prompt *pr = &sc->prompts[p];
            if (used_prompt[p] || inj[ninj].prompt >= 0) continue;
            if ((pr->sector < 0 || pr->sector == l->sector) && (!pr->kinds || (pr->kinds & l->kinds))) {
                inj[ninj].prompt = (int)p;
                used_prompt[p] = 1;
            }
        }
        ninj++;
    }
    free(kept);
    free(taken);

    /* text columns: time, clock, who */
    int wt = 0, tw = 9;  /* widths of the who and time columns (time: at least T+'s 9) */
    char who[400], big[4000], clock[DM_CLOCK_MAX], t[DM_CLOCK_MAX], to[600];
    for (size_t i = 0; i < ninj; i++) {
        who_text(&w, &lines[inj[i].line], inj[i].nmembers, who, sizeof who);
        int k = display_width(who);
        if (k > wt) wt = k;
        k = display_width(dm_format_clock(sc, lines[inj[i].line].tick, 0, t));
        if (k > tw) tw = k;
    }
    json_t *arr = o->format == DM_FORMAT_JSON ? json_array() : NULL;
    if (o->format == DM_FORMAT_MD) md_head(out, &w, r, ninj, min_change);
    if (o->format == DM_FORMAT_TEXT)
        for (size_t i = 0; i < sc->nwarnings; i++) fprintf(out, "warning: %s\n", sc->warnings[i]);
    if (o->format == DM_FORMAT_CSV)
        fputs("time,clock,minutes,kind,event,sector,regions,nodes,count,what,cause,chain,to,hazard,prompt\n", out);
    for (size_t i = 0; i < ninj; i++) {
        const tl_line *l = &lines[inj[i].line];
        size_t nmem = inj[i].nmembers;
        const size_t *mem = members + inj[i].first_member;
        int generic = nmem > 1;
        char what[1000], cause[1400], chain[1600];
        sbuf bw = {what, sizeof what, 0}, bc = {cause, sizeof cause, 0}, bch = {chain, sizeof chain, 0};
        what[0] = cause[0] = chain[0] = 0;
        what_text(&w, l, &bw);
        cause_text(&w, l, generic, &bc);
        chains_text(&w, l, generic, &bch);
        who_text(&w, l, nmem, who, sizeof who);
        recipients(&w, l, to, sizeof to);
        /* the time as timelines show it (the clock beside T+ with a `start`, else T+;
         * dm_format_clock is the one place that formats it), and the ISO clock for csv
         * and json (NULL without a start) */
        dm_format_clock(sc, l->tick, 0, t);
        const char *ck = sc->has_start ? dm_format_clock(sc, l->tick, 1, clock) : NULL;
        int h = root_hazard(l);
        const char *hdesc = h >= 0 ? sc->hazards[h].description : "";
        const char *prompt = inj[i].prompt >= 0 ? sc->prompts[inj[i].prompt].text : NULL;
        /* the regions (and nodes) of a grouped inject */
        sbuf breg = {big, sizeof big, 0};
        big[0] = 0;
        for (size_t k = 0; nmem > 1 && k < nmem; k++) {
            const tl_line *x = &lines[mem[k]];
            const dm_region *g = &m->regions[x->region];
            put(&breg, "%s%s", k ? (ja ? "、" : ", ") : "", ja ? g->name_ja : g->name_en);
        }
        switch (o->format) {
        case DM_FORMAT_TEXT: {
            pad(out, t, tw + 1);
            pad(out, who, wt + 2);
            fputs(what, out);
            if (cause[0]) fprintf(out, " — %s", cause);
            if (h >= 0 && l->type == TL_EVENT && l->kinds == DM_KIND_LOSSES && l->kind != DM_EV_HAZARD_START &&
                l->cause >= 0 && sc->nhazards > 1) {
                char hz[200];
                hazard_name(&w, h, hz, sizeof hz);
                fprintf(out, ja ? "（発端: %s）" : " (root: %s)", hz);
            }
            fputc('\n', out);
            break;
        }
        case DM_FORMAT_MD:
            fprintf(out, "%zu. **%s — %s**: %s", i + 1, t, who, what);
            if (cause[0]) fprintf(out, ja ? "（%s）" : " (%s)", cause);
            /* a sentence ends once: a planner's text may bring its own full stop */
            fputs(ja || (!cause[0] && strchr(".!?", what[0] ? what[strlen(what) - 1] : 'x')) ? "\n" : ".\n", out);
            if (to[0]) fprintf(out, ja ? "   - 宛先: %s\n" : "   - To: %s\n", to);
            if (nmem > 1) fprintf(out, ja ? "   - 地域: %s\n" : "   - Regions: %s\n", big);
            if (chain[0] && (l->cause >= 0 || l->resupply >= 0)) fprintf(out, ja ? "   - 連鎖: %s\n" : "   - Chain: %s\n", chain);
            if (hdesc[0] && l->type == TL_EVENT) fprintf(out, ja ? "   - 事象: %s\n" : "   - Hazard: %s\n", hdesc);
            if (prompt) fprintf(out, ja ? "   - 問い: %s\n" : "   - Prompt: %s\n", prompt);
            break;
        case DM_FORMAT_CSV: {
            char idbuf[DM_NODE_ID_MAX];
            fprintf(out, "%s,%s,%" PRId64 ",%s,%s,", t, ck ? ck : "", l->tick * sc->tick_s / 60, kinds_id(l), kind_id(l));
            csv_field(out, l->sector >= 0 ? m->sectors[l->sector].id : "");
            fputc(',', out);
            fputc('"', out);
            for (size_t k = 0; k < nmem; k++)
                if (lines[mem[k]].region >= 0) fprintf(out, "%s%s", k ? ";" : "", m->regions[lines[mem[k]].region].id);
            fputs("\",\"", out);
            for (size_t k = 0; k < nmem; k++)
                if (lines[mem[k]].node >= 0) fprintf(out, "%s%s", k ? ";" : "", dm_node_id(m, (size_t)lines[mem[k]].node, idbuf));
            fprintf(out, "\",%zu,", nmem);
            csv_field(out, what); fputc(',', out);
            csv_field(out, cause); fputc(',', out);
            csv_field(out, chain); fputc(',', out);
            csv_field(out, to); fputc(',', out);
            csv_field(out, hdesc); fputc(',', out);
            csv_field(out, prompt ? prompt : "");
            fputc('\n', out);
            break;
        }
        case DM_FORMAT_JSON: {
            char idbuf[DM_NODE_ID_MAX];
            json_t *regions = json_array(), *nodes = json_array();
            for (size_t k = 0; k < nmem; k++) {
                if (lines[mem[k]].region >= 0) json_array_append_new(regions, json_string(m->regions[lines[mem[k]].region].id));
                if (lines[mem[k]].node >= 0) json_array_append_new(nodes, json_string(dm_node_id(m, (size_t)lines[mem[k]].node, idbuf)));
            }
            who_text(&w, l, nmem, who, sizeof who);
            json_t *o1 = json_pack("{s:s, s:o, s:I, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
                "time", t, "clock", ck ? json_string(ck) : json_null(), "minutes", (json_int_t)(l->tick * sc->tick_s / 60),
                "kind", kinds_id(l), "event", kind_id(l),
                "sector", l->sector >= 0 ? json_string(m->sectors[l->sector].id) : json_null(),
                "regions", regions, "nodes", nodes, "count", (json_int_t)nmem, "who", who, "what", what, "cause", cause,
                "chain", chain, "to", to, "hazard", hdesc, "prompt", prompt ? json_string(prompt) : json_null());
            if (is_level(l)) json_object_set_new(o1, "level", json_real(l->value));
            json_array_append_new(arr, o1);
            break;
        }
        }
    }
    if (arr) {
        json_dumpf(arr, out, JSON_INDENT(2));
        fputc('\n', out);
        json_decref(arr);
    }
    rc = ferror(out) ? DM_EIO : 0;
done:
    free(lines);
    free(shown);
    free(members);
    free(inj);
    free(keys);
    free(used_prompt);
    return rc;
}

int dm_render_timeline(FILE *out, const dm_scenario *sc, const dm_engine_result *r, dm_format fmt, dm_lang lang)
{
    dm_inject_options o;
    dm_inject_defaults(&o, fmt, lang);
    return dm_render_injects(out, sc, r, &o);
}
