/* Timeline, breach table and JSON summary of one replicate's results. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "domino.h"

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

/* Display width of UTF-8 text: East Asian wide characters take two columns. */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t c = *p;
        int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (len == 3) c = ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        w += (len >= 3 && c >= 0x1100 && !(c >= 0xFF61 && c <= 0xFFDC)) ? 2 : 1;
        for (int i = 0; i < len && *p; i++) p++;
    }
    return w;
}

static void pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int w = display_width(s); w < width; w++) fputc(' ', out);
}

static const char *node_name(const dm_model *m, int v, dm_lang lang, char *buf)
{
    return dm_node_name(m, (size_t)v, lang == DM_LANG_JA, buf);
}

static const char *sector_name(const dm_model *m, int s, dm_lang lang)
{
    return lang == DM_LANG_JA ? m->sectors[s].name_ja : m->sectors[s].name_en;
}

static void hhmm(int64_t ticks, int64_t tick_s, char *buf, size_t size)
{
    int64_t minutes = (int64_t)llround((double)ticks * (double)tick_s / 60.0);
    snprintf(buf, size, "%" PRId64 ":%02" PRId64, minutes / 60, minutes % 60);
}

/* One line of the timeline: an engine event or a breach milestone, in one of three
 * phases (an exercise's acts): the hazards' direct impact, the cascade of losses they
 * cause, and recovery. */
enum { PHASE_IMPACT, PHASE_CASCADE, PHASE_RECOVERY, NPHASES };

typedef struct line {
    int64_t tick;
    int node, sector, phase;
    int region;       /* a breach line's region (-1: the sector as a whole, or an event) */
    char what[400], cause[400];
    char chain[600];  /* the causes back to the hazard: "ICT (T+03:00) <- ELEC (T+00:00) <- ..." */
} line;

/* What a node's current loss goes back to: set when it first drops from full service. */
typedef struct loss { int64_t since; int cause, hazard; } loss;

/* The chain of causes of a loss that follows node u's: u, what u's loss followed, and so
 * on to the hazard at the root. */
static void chain_of(const dm_scenario *sc, const loss *losses, int u, dm_lang lang, char *buf, size_t size)
{
    const int ja = lang == DM_LANG_JA;
    const char *arrow = ja ? " ← " : " <- ";
    size_t n = 0;
    buf[0] = 0;
    for (int depth = 0; u >= 0 && depth < 16 && losses[u].since >= 0; depth++) {
        char t[24], name[DM_NODE_ID_MAX];
        dm_format_time(losses[u].since, sc->tick_s, t);
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s (%s)", depth ? arrow : "",
                              node_name(sc->model, u, lang, name), t);
        if (losses[u].cause < 0) {
            int h = losses[u].hazard;
            if (h >= 0 && n < size)
                n += (size_t)snprintf(buf + n, size - n, ja ? "%s%s「%s」" : "%s%s '%s'", arrow,
                                      dm_hazard_kind_name(sc->hazards[h].kind, ja), sc->hazards[h].id);
            break;
        }
        u = losses[u].cause;
    }
    if (n >= size && size > 4) strcpy(buf + size - 4, "...");
}

static int phase_of(dm_event_kind kind, int cause_node)
{
    switch (kind) {
    case DM_EV_HAZARD_START: return PHASE_IMPACT;
    case DM_EV_DEGRADED: case DM_EV_DOWN: case DM_EV_COLLAPSED: case DM_EV_DISCONNECTED:
        return cause_node < 0 ? PHASE_IMPACT : PHASE_CASCADE;
    case DM_EV_BUFFER_ENGAGED: case DM_EV_BUFFER_HELD: case DM_EV_BUFFER_DRAINING: case DM_EV_BUFFER_EXHAUSTED:
        return PHASE_CASCADE;
    default:
        return PHASE_RECOVERY;  /* hazard end, restoration, restarting, rising, restored */
    }
}

static void describe_event(const dm_scenario *sc, const dm_event *ev, const int64_t *since,
                           const double *level, dm_lang lang, line *out)
{
    const dm_model *m = sc->model;
    const int ja = lang == DM_LANG_JA;
    char pct[16];  /* a level as a whole percentage, never rounded to a misleading 0 or 100 */
    double p = ev->value * 100;
    if (p > 0 && p < 1) snprintf(pct, sizeof pct, "<1");
    else if (p > 99 && p < 100) snprintf(pct, sizeof pct, ">99");
    else snprintf(pct, sizeof pct, "%.0f", p);
    char left[32];
    hhmm((int64_t)ceil(ev->value - 1e-9), sc->tick_s, left, sizeof left);
    const char *hz = ev->hazard >= 0 ? sc->hazards[ev->hazard].id : "";
    switch (ev->kind) {
    case DM_EV_HAZARD_START:
        snprintf(out->what, sizeof out->what, ja ? "%s「%s」により被害（損傷 %s%%）" : "hit by %s '%s' (damage %s%%)",
                 dm_hazard_kind_name(sc->hazards[ev->hazard].kind, ja), hz, pct);
        break;
    case DM_EV_HAZARD_END:
        snprintf(out->what, sizeof out->what, ja ? "「%s」の被害を修復" : "damage from '%s' repaired", hz);
        break;
    case DM_EV_HAZARD_RESTORING:
        snprintf(out->what, sizeof out->what, ja ? "%s%% 復旧（「%s」の復旧曲線）" : "%s%% restored (restoration of '%s')",
                 pct, hz);
        break;
    case DM_EV_BUFFER_ENGAGED:
        snprintf(out->what, sizeof out->what, ja ? "バックアップで継続（残り %s）" : "running on backup (%s left)", left);
        break;
    case DM_EV_BUFFER_HELD:
        snprintf(out->what, sizeof out->what, ja ? "バックアップに補給あり、消費停止（残り %s）"
                                                 : "backup resupplied, no longer draining (%s left)", left);
        break;
    case DM_EV_BUFFER_DRAINING:
        snprintf(out->what, sizeof out->what, ja ? "補給途絶、バックアップ消費再開（残り %s）"
                                                 : "resupply lost, backup draining again (%s left)", left);
        break;
    case DM_EV_BUFFER_EXHAUSTED:
        snprintf(out->what, sizeof out->what, ja ? "バックアップ枯渇" : "backup exhausted");
        break;
    case DM_EV_DEGRADED:
        snprintf(out->what, sizeof out->what, ja ? "サービス低下（%s%%）" : "degraded to %s%%", pct);
        break;
    case DM_EV_DOWN:
        snprintf(out->what, sizeof out->what, ja ? "サービス停止（0%%）" : "down (0%%)");
        break;
    case DM_EV_COLLAPSED:
        snprintf(out->what, sizeof out->what, ja ? "機能崩壊（入力が崩壊閾値未満）" : "collapsed (input below its collapse threshold)");
        break;
    case DM_EV_DISCONNECTED:
        snprintf(out->what, sizeof out->what, ja ? "ネットワークから孤立（供給源・最大連結成分への経路なし）"
                                                 : "cut off from its network (no path to a source or the giant component)");
        break;
    case DM_EV_RESTARTING:
        snprintf(out->what, sizeof out->what, ja ? "入力回復、再起動中" : "inputs back, restarting");
        break;
    case DM_EV_RISING:
        snprintf(out->what, sizeof out->what, ja ? "回復中（%s%%）" : "recovering (%s%%)", pct);
        break;
    case DM_EV_RESTORED:
        snprintf(out->what, sizeof out->what, ja ? "完全復旧" : "fully restored");
        break;
    default:
        snprintf(out->what, sizeof out->what, "?");
    }
    out->cause[0] = 0;
    /* Losses say what caused them; recoveries and resupply speak for themselves. */
    int causal = ev->kind == DM_EV_BUFFER_ENGAGED || ev->kind == DM_EV_BUFFER_EXHAUSTED ||
                 ev->kind == DM_EV_DEGRADED || ev->kind == DM_EV_DOWN || ev->kind == DM_EV_COLLAPSED ||
                 ev->kind == DM_EV_DISCONNECTED;
    if (causal && ev->cause_node >= 0) {
        char t[24], name[DM_NODE_ID_MAX];
        dm_format_time(since[ev->cause_node] >= 0 ? since[ev->cause_node] : ev->tick, sc->tick_s, t);
        int down = level[ev->cause_node] <= 1e-12;
        if (ja)
            snprintf(out->cause, sizeof out->cause, "%sの%s（%s〜）による", node_name(m, ev->cause_node, lang, name),
                     down ? "停止" : "機能低下", t);
        else
            snprintf(out->cause, sizeof out->cause, "because %s has been %s since %s",
                     node_name(m, ev->cause_node, lang, name), down ? "down" : "degraded", t);
    } else if (causal && ev->hazard >= 0) {
        snprintf(out->cause, sizeof out->cause, ja ? "「%s」の被害による" : "damage from '%s'", hz);
    }
    /* With several hazards, name the one at the root of the chain. */
    if (causal && ev->hazard >= 0 && ev->cause_node >= 0 && sc->nhazards > 1) {
        size_t n = strlen(out->cause);
        snprintf(out->cause + n, sizeof out->cause - n, ja ? "［発端: %s「%s」］" : " [root: %s '%s']",
                 dm_hazard_kind_name(sc->hazards[ev->hazard].kind, ja), hz);
    }
}

/* The threshold of sector s, for region (-1: the sector as a whole), in words. */
static void describe_magnitude(const dm_scenario *sc, int s, int region, dm_lang lang, char *buf, size_t size)
{
    const dm_sector *sec = &sc->model->sectors[s];
    double magnitude = region < 0 ? sec->magnitude : dm_threshold_magnitude(sc->model, s, region);
    char d[32];
    int64_t dticks = (sec->duration_s + sc->tick_s - 1) / sc->tick_s;
    hhmm(dticks, sc->tick_s, d, sizeof d);
    if (sec->any_loss)
        snprintf(buf, size, lang == DM_LANG_JA ? "サービス低下（任意の規模）が %s 以上" : "any loss of service for %s or more", d);
    else
        snprintf(buf, size, lang == DM_LANG_JA ? "未供給 %.0f %s 以上が %s 以上" : "unserved >= %.0f %s for %s or more",
                 magnitude, sec->unit, d);
}

/* Who a timeline line is about: the node, the sector, or a region's part of the sector
 * ("Electric power (Hokkaido)"). */
static const char *line_who(const dm_model *m, const line *l, dm_lang lang, char *buf)
{
    if (l->node >= 0) return node_name(m, l->node, lang, buf);
    if (l->region < 0) return sector_name(m, l->sector, lang);
    const dm_region *g = &m->regions[l->region];
    snprintf(buf, DM_NODE_ID_MAX, lang == DM_LANG_JA ? "%s（%s）" : "%s (%s)", sector_name(m, l->sector, lang),
             lang == DM_LANG_JA ? g->name_ja : g->name_en);
    return buf;
}

/* Builds the merged timeline: events in log order (time order), breach milestones inserted
 * at their ticks. The caller frees *out. */
static size_t build_lines(const dm_scenario *sc, const dm_engine_result *r, dm_lang lang, line **out)
{
    const dm_model *m = sc->model;
    size_t cap = r->nevents + 3 * (r->nbreaches + r->nregion_breaches) + 1, n = 0;
    line *lines = calloc(cap, sizeof *lines);
    int64_t *since = malloc((m->nnodes + 1) * sizeof *since);
    double *level = malloc((m->nnodes + 1) * sizeof *level);
    loss *losses = malloc((m->nnodes + 1) * sizeof *losses);
    unsigned char *hit = calloc(m->nsectors + 1, 1);  /* sectors a hazard hit directly */
    if (!lines || !since || !level || !losses || !hit) {
        free(lines); free(since); free(level); free(losses); free(hit);
        *out = NULL;
        return 0;
    }
    for (size_t v = 0; v < m->nnodes; v++) { since[v] = -1; level[v] = 1; losses[v] = (loss){-1, -1, -1}; }
    /* breach milestones as (tick, kind, breach): the sectors', then the regions' */
    size_t nb = 3 * (r->nbreaches + r->nregion_breaches), bi = 0;
    struct mile { int64_t tick; int kind; const dm_breach *b; } *miles = calloc(nb + 1, sizeof *miles);
    size_t nm = 0;
    for (size_t k = 0; miles && k < r->nbreaches + r->nregion_breaches; k++) {
        const dm_breach *b = k < r->nbreaches ? &r->breaches[k] : &r->region_breaches[k - r->nbreaches];
        if (b->confirmed > b->onset) miles[nm++] = (struct mile){b->onset, 0, b};
        miles[nm++] = (struct mile){b->confirmed, 1, b};
        if (b->end >= 0) miles[nm++] = (struct mile){b->end, 2, b};
    }
    for (size_t i = 1; i < nm; i++)  /* stable insertion sort by tick */
        for (size_t j = i; j > 0 && miles[j - 1].tick > miles[j].tick; j--) {
            struct mile t = miles[j - 1]; miles[j - 1] = miles[j]; miles[j] = t;
        }
    for (size_t i = 0; i <= r->nevents; i++) {
        int64_t t = i < r->nevents ? r->events[i].tick : INT64_MAX;
        /* milestones at a tick come after that tick's events */
        while (bi < nm && miles[bi].tick < t) {
            const dm_breach *b = miles[bi].b;
            line *l = &lines[n++];
            char mag[200];
            describe_magnitude(sc, b->sector, b->region, lang, mag, sizeof mag);
            l->tick = miles[bi].tick;
            l->node = -1;
            l->sector = b->sector;
            l->region = b->region;
            /* a breach begins in the impact phase where a hazard hit the sector itself */
            l->phase = miles[bi].kind == 2 ? PHASE_RECOVERY : hit[b->sector] ? PHASE_IMPACT : PHASE_CASCADE;
            static const char *const en[] = {"service-level breach begins", "service-level breach confirmed", "service-level breach ends"};
            static const char *const jp[] = {"サービス維持レベル逸脱 開始", "サービス維持レベル逸脱 確定", "サービス維持レベル逸脱 終了"};
            snprintf(l->what, sizeof l->what, "%s", (lang == DM_LANG_JA ? jp : en)[miles[bi].kind]);
            snprintf(l->cause, sizeof l->cause, "%s", mag);
            bi++;
        }
        if (i == r->nevents) break;
        const dm_event *ev = &r->events[i];
        line *l = &lines[n++];
        l->tick = ev->tick;
        l->node = ev->node;
        l->region = -1;
        l->sector = dm_node_at(m, (size_t)ev->node)->sector;
        describe_event(sc, ev, since, level, lang, l);
        l->phase = phase_of(ev->kind, ev->cause_node);
        int kind = ev->kind;
        if (kind == DM_EV_HAZARD_START) hit[l->sector] = 1;
        if (kind == DM_EV_DEGRADED || kind == DM_EV_DOWN || kind == DM_EV_COLLAPSED || kind == DM_EV_DISCONNECTED) {
            if (level[ev->node] >= 1 - 1e-12) {
                since[ev->node] = ev->tick;
                losses[ev->node] = (loss){ev->tick, ev->cause_node, ev->hazard};
            }
            level[ev->node] = ev->value;
        } else if (kind == DM_EV_RISING || kind == DM_EV_RESTORED) {
            level[ev->node] = ev->value;
            if (kind == DM_EV_RESTORED) { since[ev->node] = -1; losses[ev->node].since = -1; }
        }
        /* the chain of a loss: its own cause first, then that cause's, back to the hazard */
        int causal = l->phase != PHASE_RECOVERY && kind != DM_EV_HAZARD_START;
        if (causal && ev->cause_node >= 0) chain_of(sc, losses, ev->cause_node, lang, l->chain, sizeof l->chain);
        else if (causal && ev->hazard >= 0)
            snprintf(l->chain, sizeof l->chain, lang == DM_LANG_JA ? "%s「%s」" : "%s '%s'",
                     dm_hazard_kind_name(sc->hazards[ev->hazard].kind, lang == DM_LANG_JA), sc->hazards[ev->hazard].id);
    }
    free(miles);
    free(since);
    free(level);
    free(losses);
    free(hit);
    *out = lines;
    return n;
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

int dm_render_timeline(FILE *out, const dm_scenario *sc, const dm_engine_result *r, dm_format fmt, dm_lang lang)
{
    static const char *const phase_en[NPHASES] = {"Initial impact", "Cascade", "Recovery"};
    static const char *const phase_ja[NPHASES] = {"初期影響", "連鎖", "復旧"};
    static const char *const phase_id[NPHASES] = {"impact", "cascade", "recovery"};
    const dm_model *m = sc->model;
    line *lines;
    size_t n = build_lines(sc, r, lang, &lines);
    if (!lines) return DM_ESOFTWARE;
    const int ja = lang == DM_LANG_JA;
    json_t *arr = fmt == DM_FORMAT_JSON ? json_array() : NULL;
    int width = 0, twidth = 9;  /* the names' column, and the times' ("T+hh:mm", or a clock) */
    for (size_t i = 0; i < n; i++) {
        char buf[DM_NODE_ID_MAX], t[DM_CLOCK_MAX];
        int tw = (int)strlen(dm_format_clock(sc, lines[i].tick, 0, t));
        if (tw > twidth) twidth = tw;
        int w = display_width(line_who(m, &lines[i], lang, buf));
        if (w > width) width = w;
    }
    /* with a start, csv and json also give the clock as ISO 8601 */
    if (fmt == DM_FORMAT_CSV)
        fputs(sc->has_start ? "time,clock,minutes,phase,node,sector,region,event,cause,chain\n"
                            : "time,minutes,phase,node,sector,region,event,cause,chain\n", out);
    /* the phases in turn, each in time order; injects numbered across phases */
    int inject = 0;
    for (int ph = 0; ph < NPHASES; ph++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++) count += lines[i].phase == ph;
        if (count == 0) continue;
        if (fmt == DM_FORMAT_TEXT) fprintf(out, "%s%s\n", ph && inject ? "\n" : "", (ja ? phase_ja : phase_en)[ph]);
        if (fmt == DM_FORMAT_MD) fprintf(out, "%s## %d. %s\n\n", inject ? "\n" : "", ph + 1, (ja ? phase_ja : phase_en)[ph]);
        for (size_t i = 0; i < n; i++) {
            const line *l = &lines[i];
            if (l->phase != ph) continue;
            inject++;
            char t[DM_CLOCK_MAX], iso[DM_CLOCK_MAX];
            dm_format_clock(sc, l->tick, 0, t);
            dm_format_clock(sc, l->tick, 1, iso);
            char buf[DM_NODE_ID_MAX], idbuf[DM_NODE_ID_MAX];
            const char *who = line_who(m, l, lang, buf);
            const char *node_id = l->node >= 0 ? dm_node_id(m, (size_t)l->node, idbuf) : NULL;
            int region = l->node >= 0 ? dm_node_at(m, (size_t)l->node)->region : l->region;
            const char *region_id = region >= 0 ? m->regions[region].id : "";
            switch (fmt) {
            case DM_FORMAT_TEXT:
                fprintf(out, "%-*s ", twidth, t);
                pad(out, who, width + 2);
                fputs(l->what, out);
                if (l->cause[0]) fprintf(out, " — %s", l->cause);
                fputc('\n', out);
                break;
            case DM_FORMAT_MD:  /* a numbered inject: when, where, what, why, and the chain behind it */
                fprintf(out, "%d. **%s — %s**: %s", inject, t, who, l->what);
                if (l->cause[0]) fprintf(out, ja ? "（%s）" : " (%s)", l->cause);
                if (strstr(l->chain, ja ? "←" : "<-")) fprintf(out, ja ? "。連鎖: %s" : ". Chain: %s", l->chain);
                fputs(ja ? "\n" : ".\n", out);
                break;
            case DM_FORMAT_CSV:
                fprintf(out, "%s,", t);
                if (sc->has_start) fprintf(out, "%s,", iso);
                fprintf(out, "%" PRId64 ",%s,", l->tick * sc->tick_s / 60, phase_id[ph]);
                csv_field(out, node_id ? node_id : "");
                fputc(',', out);
                csv_field(out, m->sectors[l->sector].id);
                fputc(',', out);
                csv_field(out, region_id);
                fputc(',', out);
                csv_field(out, l->what);
                fputc(',', out);
                csv_field(out, l->cause);
                fputc(',', out);
                csv_field(out, l->chain);
                fputc('\n', out);
                break;
            case DM_FORMAT_JSON: {
                json_t *o = json_pack("{s:s, s:I, s:s, s:s?, s:s, s:s?, s:s, s:s, s:s}", "time", t,
                    "minutes", (json_int_t)(l->tick * sc->tick_s / 60), "phase", phase_id[ph],
                    "node", node_id, "sector", m->sectors[l->sector].id,
                    "region", region >= 0 ? region_id : NULL, "event", l->what, "cause", l->cause, "chain", l->chain);
                if (sc->has_start) json_object_set_new(o, "clock", json_string(iso));
                json_array_append_new(arr, o);
                break;
            }
            }
        }
    }
    if (arr) {
        json_dumpf(arr, out, JSON_INDENT(2));
        fputc('\n', out);
        json_decref(arr);
    }
    free(lines);
    return ferror(out) ? DM_EIO : 0;
}

static void fmt_tick(const dm_scenario *sc, int64_t t, char *buf)
{
    if (t < 0) strcpy(buf, "-");
    else dm_format_time(t, sc->tick_s, buf);
}

/* Cells 2-5 of a breach table row (onset, confirmed, end, peak); "-" without a breach. */
static void breach_cells(const dm_scenario *sc, const dm_breach *b, const char *unit, int ja, char cells[][64])
{
    fmt_tick(sc, b ? b->onset : -1, cells[2]);
    fmt_tick(sc, b ? b->confirmed : -1, cells[3]);
    if (b && b->end < 0) snprintf(cells[4], 64, "%s", ja ? "継続中" : "ongoing");
    else fmt_tick(sc, b ? b->end : -1, cells[4]);
    if (b) snprintf(cells[5], 64, "%.4g %s", b->peak, unit);
    else snprintf(cells[5], 64, "-");
}

/* The breaches of regions' parts of sectors, by region (in model order), each in time
 * order: region, sector, onset, confirmed, end, peak and the breach's unit-hours. */
static void region_table(FILE *out, const dm_scenario *sc, const dm_breach *list, size_t n, dm_lang lang)
{
    const dm_model *m = sc->model;
    const int ja = lang == DM_LANG_JA;
    static const char *const head_en[] = {"region", "sector", "onset", "confirmed", "end", "peak unserved", "unit-hours"};
    static const char *const head_ja[] = {"地域", "分野", "開始", "確定", "終了", "最大未供給", "未供給量×時間"};
    int widths[7] = {0, 0, 10, 10, 10, 18, 18};
    char (*cells)[8][64] = calloc(n + 1, sizeof *cells);
    if (!cells) return;
    size_t rows = 0;
    for (size_t g = 0; g < m->nregions; g++)  /* rows by region in model order, each in time order */
        for (size_t i = 0; i < n; i++) {
            const dm_breach *b = &list[i];
            if (b->region != (int)g) continue;
            const char *unit = m->sectors[b->sector].unit;
            char (*c)[64] = cells[rows++];
            snprintf(c[0], 64, "%s", ja ? m->regions[g].name_ja : m->regions[g].name_en);
            snprintf(c[1], 64, "%s", sector_name(m, b->sector, lang));
            breach_cells(sc, b, unit, ja, c);
            snprintf(c[6], 64, "%.4g %s·h", b->unit_hours, unit);
        }
    for (int c = 0; c < 7; c++) {
        int w = display_width((ja ? head_ja : head_en)[c]);
        if (w > widths[c]) widths[c] = w;
        for (size_t i = 0; i < rows; i++)
            if ((w = display_width(cells[i][c])) > widths[c]) widths[c] = w;
    }
    for (int c = 0; c < 7; c++) pad(out, (ja ? head_ja : head_en)[c], widths[c] + 2);
    fputc('\n', out);
    for (size_t i = 0; i < rows; i++) {
        for (int c = 0; c < 7; c++) pad(out, cells[i][c], widths[c] + 2);
        fputc('\n', out);
    }
    free(cells);
}

int dm_render_breach_table(FILE *out, const dm_scenario *sc, const dm_engine_result *r, dm_lang lang)
{
    const dm_model *m = sc->model;
    if (r->narrowed_to) {  /* a view of one region: its breaches only */
        if (r->nbreaches) region_table(out, sc, r->breaches, r->nbreaches, lang);
        else fputs(lang == DM_LANG_JA ? "逸脱なし\n" : "no breach\n", out);
        for (size_t i = 0; i < r->nwarnings; i++) fprintf(out, "warning: %s\n", r->warnings[i]);
        return ferror(out) ? DM_EIO : 0;
    }
    const int ja = lang == DM_LANG_JA;
    static const char *const head_en[] = {"sector", "breach", "onset", "confirmed", "end", "peak unserved", "unit-hours", "min level"};
    static const char *const head_ja[] = {"分野", "逸脱", "開始", "確定", "終了", "最大未供給", "未供給量×時間", "最低水準"};
    const int widths[] = {0, 6, 10, 10, 10, 18, 18, 9};
    int w0 = display_width(ja ? head_ja[0] : head_en[0]);
    for (size_t s = 0; s < m->nsectors; s++) {
        int w = display_width(sector_name(m, (int)s, lang));
        if (w > w0) w0 = w;
    }
    for (int c = 0; c < 8; c++) pad(out, (ja ? head_ja : head_en)[c], (c ? widths[c] : w0) + 2);
    fputc('\n', out);
    for (size_t s = 0; s < m->nsectors; s++) {
        const dm_sector_result *sr = &r->sectors[s];
        const dm_breach *b = sr->first_breach >= 0 ? &r->breaches[sr->first_breach] : NULL;
        char cells[8][64];
        snprintf(cells[0], 64, "%s", "");
        snprintf(cells[1], 64, "%s", b ? (ja ? "あり" : "yes") : (ja ? "なし" : "no"));
        breach_cells(sc, b, m->sectors[s].unit, ja, cells);
        snprintf(cells[6], 64, "%.4g %s·h", sr->unserved_unit_hours, m->sectors[s].unit);
        snprintf(cells[7], 64, "%.1f%%", 100 * sr->min_level);
        pad(out, sector_name(m, (int)s, lang), w0 + 2);
        for (int c = 1; c < 8; c++) pad(out, cells[c], widths[c] + 2);
        fputc('\n', out);
        for (size_t k = 0; b && k < r->nbreaches; k++)  /* further breaches of the sector */
            if (r->breaches[k].sector == (int)s && &r->breaches[k] != b) {
                breach_cells(sc, &r->breaches[k], m->sectors[s].unit, ja, cells);
                pad(out, "", w0 + 2);
                pad(out, ja ? "再" : "again", widths[1] + 2);
                for (int c = 2; c < 6; c++) pad(out, cells[c], widths[c] + 2);
                fputc('\n', out);
            }
    }
    if (r->nregion_breaches) {
        fputs(lang == DM_LANG_JA ? "\n地域別のサービス維持レベル逸脱\n" : "\nService-level breaches by region\n", out);
        region_table(out, sc, r->region_breaches, r->nregion_breaches, lang);
    }
    for (size_t i = 0; i < r->nwarnings; i++) fprintf(out, "warning: %s\n", r->warnings[i]);
    return ferror(out) ? DM_EIO : 0;
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
