/* Building the causal timeline (timeline.h): every event of a replicate with its cause
 * read from one record per node, so that a line's cause, its chain and its root hazard
 * always agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/timeline.h"


/* What a node's current loss goes back to. Updated at every drop, not only the first: a
 * node degraded by one hazard and then downed by another is down because of the second. */
typedef struct node_state {
    double level;
    int64_t first;         /* tick it left full service, -1 at full service */
    int64_t down;          /* tick it went down, -1 when not down */
    int cause;             /* provider its latest drop followed, -1 for its own damage */
    int hazard;            /* its own damage's hazard, or the root of its cause's chain */
} node_state;

/* A requirement group's backup, as far as the timeline needs it. */
typedef struct group_state {
    int drained_by;        /* the resupply provider whose loss drains the backup, or -1 */
    int exhausted_by;      /* the same, when the backup ran out that way, or -1 */
    int64_t line_tick;     /* tick of the group's last buffer line, and its index */
    size_t line;
} group_state;

typedef struct builder {
    const dm_scenario *sc;
    node_state *node;
    group_state *group;
    int64_t *level_tick;   /* tick of each node's last level line, and its index */
    size_t *level_line;
    tl_line *lines;
    size_t n;
} builder;

static int64_t since_of(const builder *b, int u)
{
    const node_state *s = &b->node[u];
    return s->level <= DM_LEVEL_EPS && s->down >= 0 ? s->down : s->first;
}

/* u's loss, what it followed, and so on to the hazard at the root. */
static void chain_of(const builder *b, int u, tl_chain *c)
{
    memset(c, 0, sizeof *c);
    c->hazard = -1;
    while (u >= 0 && b->node[u].first >= 0) {
        for (int j = 0; j < c->n; j++)
            if (c->node[j] == u) return;  /* a loop of losses: the chain has no root */
        if (c->n == TL_CHAIN_MAX) { c->cut = 1; return; }
        c->node[c->n] = u;
        c->since[c->n++] = since_of(b, u);
        if (b->node[u].cause < 0) { c->hazard = b->node[u].hazard; return; }
        u = b->node[u].cause;
    }
}

/* The resupply provider of group g that is below its level (the lowest), or -1. */
static int lost_resupply(const builder *b, int g)
{
    dm_group_ref ref;
    dm_model_group(b->sc->model, (size_t)g, &ref);
    int worst = -1;
    for (size_t i = 0; i < ref.nresupply; i++) {
        int u = ref.resupply[i];
        if (b->node[u].level < ref.settings->resupply_level - DM_LEVEL_EPS &&
            (worst < 0 || b->node[u].level < b->node[worst].level))
            worst = u;
    }
    return worst;
}

static void set_cause(const builder *b, tl_line *l, int u)
{
    l->cause = u;
    if (u < 0) return;
    l->cause_since = since_of(b, u);
    l->cause_down = b->node[u].level <= DM_LEVEL_EPS;
    chain_of(b, u, &l->chain);
}

static void set_resupply(const builder *b, tl_line *l, int u)
{
    l->resupply = u;
    if (u < 0) return;
    l->resupply_since = since_of(b, u);
    chain_of(b, u, &l->resupply_chain);
}

static int is_level_kind(int k)
{
    return k == DM_EV_DEGRADED || k == DM_EV_DOWN || k == DM_EV_COLLAPSED || k == DM_EV_DISCONNECTED ||
           k == DM_EV_RISING || k == DM_EV_RESTORED;
}

/* Level lines of one node within one tick are one change, from the level before the tick
 * to the level after it; a change that comes back within the tick is no change. */
static void merge_level(builder *b, tl_line *l)
{
    int v = l->node;
    if (b->level_tick[v] == l->tick) {
        tl_line *before = &b->lines[b->level_line[v]];
        l->prev = before->prev;
        before->dropped = 1;
        if (l->value < l->prev && before->value < before->prev && l->cause < 0 && l->hazard < 0) {
            /* a drop after a drop: keep the first one's cause if the last has none */
            l->cause = before->cause; l->cause_since = before->cause_since; l->cause_down = before->cause_down;
            l->chain = before->chain; l->hazard = before->hazard;
        }
        if (l->value > l->prev + DM_LEVEL_EPS)
            l->kind = l->value >= 1 - DM_LEVEL_EPS ? DM_EV_RESTORED : DM_EV_RISING;
        else if (l->value < l->prev - DM_LEVEL_EPS && (l->kind == DM_EV_RISING || l->kind == DM_EV_RESTORED))
            l->kind = l->value <= DM_LEVEL_EPS ? DM_EV_DOWN : DM_EV_DEGRADED;
        else if (l->value <= l->prev + DM_LEVEL_EPS && l->value >= l->prev - DM_LEVEL_EPS)
            l->dropped = 1;
        l->kinds = l->value < l->prev ? DM_KIND_LOSSES : DM_KIND_RESTORATIONS;
    }
    b->level_tick[v] = l->tick;
    b->level_line[v] = b->n;
}

/* Buffer lines of one group within one tick: engaged and at once resupplied is one line
 * ("running on backup, resupplied"); resupplied and lost again (or the reverse) is none;
 * engaged and exhausted is "exhausted". */
static void merge_buffer(builder *b, tl_line *l)
{
    group_state *g = &b->group[l->group];
    if (g->line_tick == l->tick && !b->lines[g->line].dropped) {
        tl_line *before = &b->lines[g->line];
        if (before->kind == DM_EV_BUFFER_ENGAGED && l->kind == DM_EV_BUFFER_HELD) {
            before->held = 1;
            before->value = l->value;
            l->dropped = 1;
            return;
        }
        if ((before->kind == DM_EV_BUFFER_HELD && l->kind == DM_EV_BUFFER_DRAINING) ||
            (before->kind == DM_EV_BUFFER_DRAINING && l->kind == DM_EV_BUFFER_HELD)) {
            before->dropped = l->dropped = 1;
            return;
        }
        if (before->kind == DM_EV_BUFFER_ENGAGED && l->kind == DM_EV_BUFFER_EXHAUSTED) before->dropped = 1;
    }
    g->line_tick = l->tick;
    g->line = b->n;
}

static void add_event(builder *b, const dm_event *ev)
{
    const dm_model *m = b->sc->model;
    int v = ev->node, k = ev->kind;
    node_state *s = &b->node[v];
    tl_line *l = &b->lines[b->n];
    *l = (tl_line){.tick = ev->tick, .type = TL_EVENT, .kind = k, .node = v, .sector = dm_node_at(m, (size_t)v)->sector,
                   .region = dm_node_at(m, (size_t)v)->region, .group = ev->group, .value = ev->value,
                   .prev = s->level, .hazard = -1, .cause = -1, .resupply = -1};
    l->chain.hazard = l->resupply_chain.hazard = -1;
    /* a node down from its own damage runs on no backup, whatever its inputs do */
    int own_damage_down = s->level <= DM_LEVEL_EPS && s->first >= 0 && s->cause < 0;
    switch (k) {
    case DM_EV_HAZARD_START:
    case DM_EV_HAZARD_END:
    case DM_EV_HAZARD_RESTORING:
        l->hazard = ev->hazard;
        l->kinds = k == DM_EV_HAZARD_START ? DM_KIND_LOSSES : DM_KIND_RESTORATIONS;
        break;
    case DM_EV_BUFFER_ENGAGED:
    case DM_EV_BUFFER_HELD:
    case DM_EV_BUFFER_DRAINING:
    case DM_EV_BUFFER_EXHAUSTED: {
        group_state *g = &b->group[ev->group];
        l->kinds = k == DM_EV_BUFFER_HELD ? DM_KIND_RESTORATIONS : DM_KIND_LOSSES;
        if (k == DM_EV_BUFFER_ENGAGED || k == DM_EV_BUFFER_EXHAUSTED) set_cause(b, l, ev->cause_node);
        if (k == DM_EV_BUFFER_ENGAGED) g->exhausted_by = -1;
        if (k == DM_EV_BUFFER_ENGAGED || k == DM_EV_BUFFER_DRAINING) g->drained_by = lost_resupply(b, ev->group);
        if (k == DM_EV_BUFFER_HELD) g->drained_by = -1;
        if (k == DM_EV_BUFFER_DRAINING || k == DM_EV_BUFFER_EXHAUSTED) set_resupply(b, l, g->drained_by);
        if (k == DM_EV_BUFFER_EXHAUSTED) g->exhausted_by = g->drained_by;
        l->dropped = own_damage_down;
        if (!l->dropped) merge_buffer(b, l);
        break;
    }
    case DM_EV_RESTARTING:
        l->kinds = DM_KIND_RESTORATIONS;
        break;
    default:  /* level changes */
        if (k == DM_EV_RISING || k == DM_EV_RESTORED) {
            l->kinds = DM_KIND_RESTORATIONS;
        } else {
            l->kinds = DM_KIND_LOSSES;
            set_cause(b, l, ev->cause_node);
            if (ev->cause_node < 0) {
                l->hazard = ev->hazard;
                l->chain.hazard = ev->hazard;
            }
            if (ev->group >= 0) set_resupply(b, l, b->group[ev->group].exhausted_by);
        }
        merge_level(b, l);
        break;
    }
    /* the node's record, after the line has read it */
    if (is_level_kind(k)) {
        if (ev->value < s->level - DM_LEVEL_EPS) {
            if (s->first < 0) s->first = ev->tick;
            if (ev->value <= DM_LEVEL_EPS && s->down < 0) s->down = ev->tick;
            s->cause = ev->cause_node;
            s->hazard = ev->cause_node < 0 ? ev->hazard : l->chain.hazard;
        }
        s->level = ev->value;
        if (ev->value > DM_LEVEL_EPS) s->down = -1;
        if (k == DM_EV_RESTORED || ev->value >= 1 - DM_LEVEL_EPS) *s = (node_state){1, -1, -1, -1, -1};
    }
    b->n++;
}

static void add_breach(builder *b, const dm_breach *br, int milestone, int64_t tick)
{
    tl_line *l = &b->lines[b->n++];
    *l = (tl_line){.tick = tick, .type = TL_BREACH, .kind = milestone, .node = -1, .sector = br->sector,
                   .region = br->region, .group = -1, .hazard = -1, .cause = -1, .resupply = -1, .breach = br,
                   .kinds = DM_KIND_BREACHES};
    l->chain.hazard = l->resupply_chain.hazard = -1;
}

static void add_planner(builder *b, size_t i)
{
    const dm_scenario *sc = b->sc;
    tl_line *l = &b->lines[b->n++];
    *l = (tl_line){.tick = dm_scenario_ticks(sc, sc->injects[i].at_s), .type = TL_PLANNER, .node = -1,
                   .sector = -1, .region = -1, .group = -1, .hazard = -1, .cause = -1, .resupply = -1, .index = i};
    l->chain.hazard = l->resupply_chain.hazard = -1;
}

typedef struct mile { int64_t tick; int kind; size_t b; const dm_breach *br; } mile;

static int by_tick(const void *pa, const void *pb)
{
    const mile *a = pa, *b = pb;
    if (a->tick != b->tick) return a->tick < b->tick ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;   /* stable: breach order, then milestone */
    return (a->kind > b->kind) - (a->kind < b->kind);
}

size_t tl_build(const dm_scenario *sc, const dm_engine_result *r, tl_line **out)
{
    const dm_model *m = sc->model;
    size_t nm = 0, n = m->nnodes, G = m->ngroups ? m->ngroups : 1;
    builder b = {.sc = sc};
    size_t nbreaches = r->nbreaches + r->nregion_breaches;
    mile *miles = malloc((3 * nbreaches + 1) * sizeof *miles);
    b.lines = malloc((r->nevents + 3 * nbreaches + sc->ninjects + 1) * sizeof *b.lines);
    b.node = malloc((n + 1) * sizeof *b.node);
    b.group = malloc(G * sizeof *b.group);
    b.level_tick = malloc((n + 1) * sizeof *b.level_tick);
    b.level_line = malloc((n + 1) * sizeof *b.level_line);
    *out = NULL;
    if (!miles || !b.lines || !b.node || !b.group || !b.level_tick || !b.level_line) {
        free(b.lines);
        b.n = 0;
        goto done;
    }
    for (size_t v = 0; v < n; v++) {
        b.node[v] = (node_state){1, -1, -1, -1, -1};
        b.level_tick[v] = -1;
    }
    for (size_t g = 0; g < G; g++) b.group[g] = (group_state){-1, -1, -1, 0};
    /* the sectors' breaches, then their regions' (each in its own order) */
    for (size_t i = 0; i < nbreaches; i++) {
        const dm_breach *br = i < r->nbreaches ? &r->breaches[i] : &r->region_breaches[i - r->nbreaches];
        if (br->confirmed > br->onset) miles[nm++] = (mile){br->onset, TL_BREACH_BEGINS, i, br};
        miles[nm++] = (mile){br->confirmed, TL_BREACH_CONFIRMED, i, br};
        if (br->end >= 0) miles[nm++] = (mile){br->end, TL_BREACH_ENDS, i, br};
    }
    qsort(miles, nm, sizeof *miles, by_tick);
    /* a tick: the planner's injects, the engine's events, then the breach milestones */
    size_t e = 0, k = 0, p = 0;
    while (e < r->nevents || k < nm || p < sc->ninjects) {
        int64_t te = e < r->nevents ? r->events[e].tick : INT64_MAX, tk = k < nm ? miles[k].tick : INT64_MAX;
        int64_t tp = p < sc->ninjects ? dm_scenario_ticks(sc, sc->injects[p].at_s) : INT64_MAX;
        if (tp <= te && tp <= tk) add_planner(&b, p++);
        else if (te <= tk) add_event(&b, &r->events[e++]);
        else { add_breach(&b, miles[k].br, miles[k].kind, miles[k].tick); k++; }
    }
    *out = b.lines;
done:
    free(miles);
    free(b.node);
    free(b.group);
    free(b.level_tick);
    free(b.level_line);
    return b.n;
}

/* A number of units to 3 significant digits: "660,000" in English; "66万", "1.2億" in
 * Japanese (万 = 10^4, 億 = 10^8). */
static void number_text(int ja, double x, char *buf, size_t size)
{
    if (x <= 0) { snprintf(buf, size, "0"); return; }
    double r = x;
    if (x >= 100) { double mag = pow(10, floor(log10(x)) - 2); r = round(x / mag) * mag; }
    if (ja && r >= 1e8) snprintf(buf, size, "%.3g億", r / 1e8);
    else if (ja && r >= 1e4) snprintf(buf, size, "%.3g万", r / 1e4);
    else if (r < 100) snprintf(buf, size, "%.3g", r);
    else {
        char digits[32];
        snprintf(digits, sizeof digits, "%.0f", r);
        size_t n = strlen(digits), k = 0;
        for (size_t i = 0; i < n && k + 2 < size; i++) {
            if (i && (n - i) % 3 == 0) buf[k++] = ',';
            buf[k++] = digits[i];
        }
        buf[k] = 0;
    }
}

/* An amount in a sector's unit, in the language's words: "660,000 users" / "利用者 66万人",
 * "31,000 households" / "3.1万戸", "790,000 kW" / "79万kW". */
void tl_amount(int ja, double x, const char *unit, char *buf, size_t size)
{
    char n[48];
    number_text(ja, x, n, sizeof n);
    if (!ja) snprintf(buf, size, "%s %s", n, unit);
    else if (!strcmp(unit, "users")) snprintf(buf, size, "利用者 %s人", n);
    else if (!strcmp(unit, "households")) snprintf(buf, size, "%s戸", n);
    else if (!strcmp(unit, "people") || !strcmp(unit, "persons")) snprintf(buf, size, "%s人", n);
    else if (!strcmp(unit, "flights")) snprintf(buf, size, "%s便", n);
    else snprintf(buf, size, "%s%s", n, unit);
}


int tl_display_width(const char *s)
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
