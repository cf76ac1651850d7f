/* The discrete-event engine (DESIGN.md, "The engine"). dm_engine_new compiles the scenario
 * into flat arrays; dm_engine_run simulates one replicate:
 *
 *   while the calendar has an event before the horizon:
 *       t = the earliest tick; pop every event at t (deliveries, hazards, wakes);
 *       settle t: evaluate the touched nodes (in parallel), apply their changes in
 *                 frontier order, deliver zero-lag changes in the same tick, schedule
 *                 lagged ones; repeat until nothing changes;
 *       account the sectors the tick changed (unserved, breaches: ledger.c).
 *
 * Ticks without events are never visited, so the cost follows the number of changes. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "engine/engine_internal.h"
#include "engine/streams.h"

#define NEW(p, count) ((p) = calloc((count) != 0 ? (count) : 1, sizeof *(p)))
/* An array that dm_engine_new or every reset() writes in full before anything reads it:
 * not cleared. Its memory is mostly the layers' generation scratch, freed just before
 * (main.c's mallopt keeps it in the heap), which calloc would clear again: 3·10^7
 * instructions at 2·10^5 nodes. */
#define NEW_FILLED(p, count) ((p) = malloc(((count) != 0 ? (count) : 1) * sizeof *(p)))

void dm_engine_free(dm_engine *e)
{
    if (!e) return;
    void *arrays[] = {
        e->node, e->group, e->node_rec, e->group_link, e->group_start, e->group_of, e->out_start, e->out_edge, e->out_lag,
        e->sector_start, e->sector_node, e->haz_start, e->haz_of, e->pair_start, e->pair_hazard,
        e->haz.hit, e->haz.chosen, e->haz.candidates, e->g_edge, e->edge, e->threshold_ticks, e->sector_capacity, e->level, e->rule.damage, e->rule.damage_hazard,
        e->rule.restart, e->rule.ramp, e->rule.dyn_tick, e->rule.dyn_level, e->rule.rise_restart, e->rule.restarted, e->pending_wake,
        e->rule.buf_cap, e->rule.buf, e->rule.buf_next, e->rule.buf_store, e->rule.buf_input, e->rule.buf_after, e->rule.in, e->rule.bind,
        e->rule.draw_group, e->rule.buf_touched, e->rule.touched_group, e->rule.buf_moved,
        e->haz.active,
        e->haz.pair_severity, e->haz.stretch, e->haz.restored, e->haz.restore_logged, e->haz.restore_seg, e->haz.restore_j,
        e->haz.sector_scratch, e->rise_logged,
        e->loop.next, e->loop.dirty, e->loop.frontier, e->loop.frontier_next, e->res.events,
        e->res.sectors, e->res.hazard_start, e->res.hazard_end, e->res.warnings,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
    dmi_ledger_free(e);
    dmi_sampler_free(e);  /* the output grid and change lists */
    dmi_conn_free(e);
    dmi_cal_free(&e->loop.cal);
    if (e->loop.rng) gsl_rng_free(e->loop.rng);
    free(e);
}

/* The groups' buffer states, zeroed, each starting a cache line (DM_CACHE_LINE), so that
 * the part every evaluation reads is one line (engine_internal.h, buffer_state). */
#define DM_CACHE_LINE 64
_Static_assert(sizeof(buffer_state) % DM_CACHE_LINE == 0, "a buffer state is whole cache lines");
static buffer_state *buffer_store(size_t count)
{
    size_t bytes = (count ? count : 1) * sizeof(buffer_state);
    bytes = (bytes + DM_CACHE_LINE - 1) / DM_CACHE_LINE * DM_CACHE_LINE;  /* aligned_alloc takes whole lines */
    buffer_state *p = aligned_alloc(DM_CACHE_LINE, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

/* Counting sort of items into CSR buckets: start[b] .. start[b+1] holds the items with
 * key b, in their original order (so every derived order is deterministic). */
static int bucket(size_t nbuckets, size_t nitems, const int *key, uint32_t *start, int *items)
{
    uint32_t *fill = malloc((nbuckets + 1) * sizeof *fill);
    if (!fill) return -1;
    memset(start, 0, (nbuckets + 1) * sizeof *start);
    for (size_t i = 0; i < nitems; i++) start[key[i] + 1]++;
    for (size_t b = 0; b < nbuckets; b++) start[b + 1] += start[b];
    memcpy(fill, start, (nbuckets + 1) * sizeof *fill);
    for (size_t i = 0; i < nitems; i++) items[fill[key[i]]++] = (int)i;
    free(fill);
    return 0;
}

/* The parameter records: one per defined node and per layer, one per defined group and
 * per group set. */
static void compile_records(dm_engine *e)
{
    const dm_model *m = e->m;
    int64_t tick = e->sc->tick_s;
    for (size_t k = 0; k < e->nnode_recs; k++) {
        const dm_node *nd = k < m->ndefined_nodes ? &m->nodes[k] : &m->layers[k - m->ndefined_nodes].node;
        int cell = nd->region < 0 && m->nregions ? -1 : (nd->region < 0 ? 0 : nd->region) * (int)m->nsectors + nd->sector;
        e->node[k] = (node_rule){nd->collapse, nd->relax_k, nd->capacity, to_ticks(nd->restart.a, tick),
                                 to_ticks(nd->ramp.a, tick), nd->ramp_steps > 0 ? nd->ramp_steps : 1,
                                 nd->sector, cell, -1, (unsigned char)nd->rule, (unsigned char)nd->dynamics,
                                 nd->restart.kind != DM_DIST_FIXED || nd->ramp.kind != DM_DIST_FIXED, 0};
    }
    for (size_t k = 0; k < e->ngroup_recs; k++) {
        const dm_group *gr = k < m->ndefined_groups ? &m->groups[k] : &m->group_sets[k - m->ndefined_groups].settings;
        e->group[k] = (group_rule){gr->strength, gr->quorum_fraction, gr->quorum_failed, gr->quorum_level, gr->refill,
                                   gr->resupply_level, gr->backup_share, gr->has_buffer && gr->facilities ? &gr->buffer : NULL,
                                   to_ticks((double)gr->lag_s, tick), 0, gr->quorum_count,
                                   k < m->ndefined_groups ? (int)gr->nresupply : 0, (unsigned char)gr->mode,
                                   (unsigned char)gr->has_buffer, 0, gr->restart_rate * (double)tick / 3600.0,
                                   gr->restart_share};
    }
}


int dm_engine_new(const dm_scenario *sc, dm_engine **out, dm_error *err)
{
    const dm_model *m = sc->model;
    dm_engine *e = calloc(1, sizeof *e);
    *out = NULL;
    if (!e) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    e->sc = sc;
    e->m = m;
    size_t n = e->n = m->nnodes, G = e->ngroups = m->ngroups, S = e->nsectors = m->nsectors;
    size_t H = e->nhazards = sc->nhazards;
    size_t E = e->nedges = dm_model_nedges(m), P = e->nprovider_edges = E - m->nresupply;
    e->nnode_recs = m->ndefined_nodes + m->nlayers;
    e->ngroup_recs = m->ndefined_groups + m->ngroup_sets;
    size_t nhaz_refs = 0, largest_hazard = 0;
    int random_dynamics = 0, buffers = 0;
    for (size_t h = 0; h < H; h++) {
        nhaz_refs += sc->hazards[h].nnodes;
        if (sc->hazards[h].nnodes > largest_hazard) largest_hazard = sc->hazards[h].nnodes;
    }
    if (n >= INT32_MAX || G >= INT32_MAX || E >= INT32_MAX || nhaz_refs >= INT32_MAX) {
        free(e);
        return dm_error_set(err, DM_EDATA, m->file, 0, 0, "%zu nodes, %zu groups, %zu edges and %zu (hazard, node) "
                            "pairs: the engine takes fewer than 2^31 of each", n, G, E, nhaz_refs);
    }
    int *tmp_key = malloc((E + n + G + 1) * sizeof *tmp_key);  /* sort keys, reused; written before read */
    int ok = tmp_key && NEW(e->node, e->nnode_recs) && NEW(e->group, e->ngroup_recs) && NEW_FILLED(e->node_rec, n) &&
        NEW_FILLED(e->group_link, G) && NEW_FILLED(e->group_start, n + 1) && NEW_FILLED(e->group_of, G) &&
        NEW_FILLED(e->out_start, n + 1) && NEW_FILLED(e->out_edge, E) && NEW_FILLED(e->out_lag, E) &&
        NEW_FILLED(e->sector_start, S + 1) && NEW_FILLED(e->sector_node, n) && NEW(e->haz_start, n + 1) &&
        NEW_FILLED(e->haz_of, nhaz_refs) && NEW(e->pair_start, H + 1) && NEW_FILLED(e->pair_hazard, nhaz_refs) &&
        NEW_FILLED(e->haz.hit, nhaz_refs) && NEW(e->haz.chosen, largest_hazard) && NEW(e->haz.candidates, largest_hazard) &&
        NEW_FILLED(e->g_edge, G + 1) && NEW_FILLED(e->edge, E) && NEW(e->threshold_ticks, S) && NEW(e->sector_capacity, S) && NEW_FILLED(e->level, n) &&
        NEW(e->rule.damage, n) && NEW(e->rule.damage_hazard, n) && NEW(e->rule.dyn_tick, n) && NEW(e->rule.dyn_level, n) &&
        NEW(e->rule.rise_restart, n) && NEW(e->rule.restarted, n) && NEW_FILLED(e->pending_wake, n) && NEW(e->haz.active, H) &&
        NEW(e->haz.pair_severity, nhaz_refs) && NEW(e->haz.stretch, H) && NEW(e->haz.restored, H) && NEW(e->haz.restore_logged, H) &&
        NEW(e->haz.restore_seg, H) && NEW(e->haz.restore_j, H) && NEW(e->haz.sector_scratch, S) && NEW_FILLED(e->rise_logged, n) &&
        NEW_FILLED(e->loop.dirty, n) && NEW_FILLED(e->loop.frontier, n) && NEW_FILLED(e->loop.frontier_next, n) && NEW(e->res.sectors, S) && NEW(e->res.hazard_start, H) && NEW(e->res.hazard_end, H) &&
        (e->cap_events = 1024, NEW(e->res.events, e->cap_events)) &&
        (e->cap_warnings = 8, NEW(e->res.warnings, e->cap_warnings)) &&
        (e->loop.next_cap = 1, NEW(e->loop.next, e->loop.next_cap)) && dmi_cal_init(&e->loop.cal, dmi_cal_span(to_ticks((double)sc->horizon_s, sc->tick_s)), 1024) == 0 && (e->loop.rng = dmi_stream_new());
    if (ok) {
        compile_records(e);
        for (size_t k = 0; k < e->nnode_recs; k++) random_dynamics |= e->node[k].random_dynamics;
        for (size_t k = 0; k < e->ngroup_recs; k++) buffers |= e->group[k].has_buffer;
        /* state that only random dynamics and buffers need */
        int delayed = 0;  /* some buffer's resupply arrives only after a delay */
        for (size_t k = 0; k < m->ndefined_groups; k++) delayed |= m->groups[k].has_resupply_after;
        ok = (!random_dynamics || (NEW(e->rule.restart, n) && NEW(e->rule.ramp, n))) &&
             (!buffers || (NEW(e->rule.buf_cap, G) && NEW(e->rule.buf, G) && NEW(e->rule.buf_next, G) &&
                           (e->rule.buf_store = buffer_store(2 * G)) && NEW(e->rule.buf_input, G))) &&
             (!delayed || NEW(e->rule.buf_after, G));
    }
    for (size_t g = 0; ok && buffers && g < G; g++) {
        e->rule.buf[g] = &e->rule.buf_store[2 * g];
        e->rule.buf_next[g] = &e->rule.buf_store[2 * g + 1];
    }
    if (!ok) {
        free(tmp_key);
        dm_engine_free(e);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory compiling the model");
    }

    /* Groups by dependent; edges: the providers of each group, then every resupply provider. */
    size_t edge = 0, resupply = P;
    for (size_t g = 0; g < G; g++) {
        dm_group_ref gr;
        dm_model_group(m, g, &gr);
        e->group_link[g].rule = (int)gr.record;
        e->group_link[g].dependent = tmp_key[g] = gr.dependent;
        e->g_edge[g] = (uint32_t)edge;
        for (size_t p = 0; p < gr.nproviders; p++, edge++) {
            e->edge[edge].from = dm_ref_provider(&gr, p);
            e->edge[edge].share = dm_ref_share(&gr, p);
            e->edge[edge].group = (int)g;
        }
        if (gr.nresupply) e->group[gr.record].resupply_edge = resupply;
        for (size_t p = 0; p < gr.nresupply; p++, resupply++) {
            e->edge[resupply].from = gr.resupply[p];  /* resupply acts on the buffer at once: no lag */
            e->edge[resupply].share = 0;
            e->edge[resupply].group = (int)g;
        }
    }
    e->g_edge[G] = (uint32_t)edge;
    for (size_t g = 0; g < G; g++) e->group_link[g].has_buffer = group_rule_of(e, g)->has_buffer;
    int sorted = bucket(n, G, tmp_key, e->group_start, e->group_of) == 0;
    /* what a node's last evaluation found, for deliveries that cannot move it: only a
     * node with two groups or more can have one (dmi_rule_delivered) */
    int several_groups = 0;
    for (size_t v = 0; sorted && v < n; v++) several_groups |= e->group_start[v + 1] - e->group_start[v] > 1;
    if (several_groups && !(NEW(e->rule.in, n) && NEW(e->rule.bind, n))) sorted = 0;
    for (size_t k = 0; k < E; k++) tmp_key[k] = e->edge[k].from;
    sorted &= bucket(n, E, tmp_key, e->out_start, e->out_edge) == 0;
    for (size_t k = 0; sorted && k < E; k++) e->out_lag[k] = edge_lag(e, (size_t)e->out_edge[k]);
    for (size_t v = 0; v < n; v++) {
        e->node_rec[v] = (int)dm_node_record(m, v);
        tmp_key[v] = e->node[e->node_rec[v]].sector;
    }
    sorted &= bucket(S, n, tmp_key, e->sector_start, e->sector_node) == 0;
    if (!sorted) {  /* the compile steps below read every bucket's items (not cleared: NEW_FILLED) */
        free(tmp_key);
        dm_engine_free(e);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory compiling the model");
    }
    int rc = dmi_node_compile_relax(e, err);
    if (!rc && buffers && dmi_rule_compile(e)) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    for (size_t s = 0; s < S; s++) {
        e->threshold_ticks[s] = to_ticks((double)m->sectors[s].duration_s, sc->tick_s);
        for (size_t k = e->sector_start[s]; k < e->sector_start[s + 1]; k++)
            e->sector_capacity[s] += node_rule_of(e, e->sector_node[k])->capacity;
    }
    if (!rc && dmi_ledger_compile(e)) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    /* Hazards touching each node, in hazard order. */
    for (size_t h = 0; h < H; h++)
        for (size_t i = 0; i < sc->hazards[h].nnodes; i++) e->haz_start[sc->hazards[h].nodes[i] + 1]++;
    for (size_t v = 0; v < n; v++) e->haz_start[v + 1] += e->haz_start[v];
    uint32_t *fill = malloc((n + 1) * sizeof *fill);
    if (rc || !fill) {
        free(fill);
        free(tmp_key);
        dm_engine_free(e);
        return rc ? rc : dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    }
    memcpy(fill, e->haz_start, (n + 1) * sizeof *fill);
    for (size_t h = 0, p = 0; h < H; h++) {
        e->pair_start[h] = (uint32_t)p;
        for (size_t i = 0; i < sc->hazards[h].nnodes; i++, p++) {
            e->haz_of[fill[sc->hazards[h].nodes[i]]++] = (int)p;
            e->pair_hazard[p] = (int)h;
            e->haz.hit[p] = 1;  /* every matched node, unless the hazard selects at random */
        }
        e->pair_start[h + 1] = (uint32_t)p;
    }
    free(fill);
    free(tmp_key);
    if (dmi_conn_compile(e)) {
        dm_engine_free(e);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory compiling the layers");
    }
    e->res.horizon = to_ticks((double)sc->horizon_s, sc->tick_s);
    e->res.tick_s = sc->tick_s;
    e->loop.parallel_frontier = DM_PARALLEL_FRONTIER;
    const char *pf = getenv(DM_PARALLEL_FRONTIER_ENV);  /* a test knob: it changes no result */
    if (pf && *pf) e->loop.parallel_frontier = (size_t)strtoull(pf, NULL, 10);
    const char *every = getenv(DM_EVALUATE_EVERY_ENV);  /* a test knob: it changes no level */
    e->loop.evaluate_every = every && !strcmp(every, "1");
    *out = e;
    return 0;
}

/* ---- the log ---- */

static void log_event(dm_engine *e, int64_t t, int v, dm_event_kind kind, int cause, int group,
                      int hazard, double value)
{
    if (e->res.nevents == e->cap_events) {
        dm_event *p = realloc(e->res.events, 2 * e->cap_events * sizeof *p);
        if (!p) { e->out_of_memory = 1; return; }  /* the run fails (docs/architecture.md, "Out of memory") */
        e->res.events = p;
        e->cap_events *= 2;
        e->res.reallocations++;
    }
    e->res.events[e->res.nevents++] = (dm_event){t, v, kind, cause, group, hazard, value};
}

static void warn(dm_engine *e, const char *text)
{
    if (e->res.nwarnings == e->cap_warnings) return;  /* the first few say enough */
    snprintf(e->res.warnings[e->res.nwarnings++], sizeof e->res.warnings[0], "%s", text);
}

/* ---- scheduling ---- */

static void schedule(dm_engine *e, cal_event ev)
{
    /* As in cimba: time never goes backwards, so nothing is ever scheduled before the tick
     * being processed (the loop also checks what it pops, in release builds too). */
    assert(ev.tick >= e->loop.now && "an event is never scheduled in the past");
    if (ev.tick >= e->res.horizon) return;  /* beyond the horizon nothing is observed */
    if (dmi_cal_push(&e->loop.cal, &ev)) e->out_of_memory = 1;  /* the run fails: no event is ever dropped */
}

/* dirty[v]: 1 on the next round's frontier, 2 evaluated this round and not yet applied. */
static void mark(dm_engine *e, int v)
{
    if (e->loop.dirty[v] != 1) {
        e->loop.dirty[v] = 1;
        e->loop.frontier_next[e->loop.nnext++] = v;
    }
}

/* A new level delivered on edge k at tick t: the dependent is evaluated, unless the node
 * rule says the delivery cannot move its level (node_rule.c); then only the group's
 * buffer moved on, and the node is woken when that buffer next moves. A node already on
 * the frontier is evaluated anyway, and its buffer must not move before that. */
static void delivered(dm_engine *e, int k, int64_t t)
{
    size_t g = (size_t)e->edge[k].group;
    int v = e->group_link[g].dependent;
    int64_t wake;
    if (dmi_rule_delivered(e, g, v, t, e->loop.dirty[v] != 0 || e->loop.evaluate_every, &wake)) {
        mark(e, v);
    } else if (wake != INT64_MAX && (e->pending_wake[v] < 0 || wake < e->pending_wake[v])) {
        e->pending_wake[v] = wake;
        schedule(e, (cal_event){.tick = wake, .kind = CAL_WAKE, .index = v});
    }
}


/* Node v's wake at tick t: the node is evaluated, unless the node rule says the groups that
 * moved cannot move its level (node_rule.c); then it is woken when they next move. */
static void woken(dm_engine *e, int v, int64_t t)
{
    int64_t wake;
    if (dmi_rule_woken(e, v, t, e->loop.dirty[v] != 0 || e->loop.evaluate_every, &wake)) {
        mark(e, v);
    } else if (wake != INT64_MAX) {
        e->pending_wake[v] = wake;
        schedule(e, (cal_event){.tick = wake, .kind = CAL_WAKE, .index = v});
    }
}

/* ---- restoration curves (DESIGN.md, "Hazards") ----
 *
 * Segment i of hazard h's curve runs from point i-1 (point -1 is (0, 0)) to point i. A
 * linear segment comes back in n = ceil(rise / 1 %) equal steps, step j at time
 * t_{i-1} + j (t_i - t_{i-1}) / n with share r_{i-1} + j (r_i - r_{i-1}) / n: the damage
 * moves by at most 1 % of the hit capacity at a time (as ramps come back in blocks), so a
 * curve costs at most about a hundred events, and the share agrees with the curve at its
 * points and never runs ahead of it between them. A `steps` segment is one step, at its
 * end. Times are scaled by the hazard's stretch and rounded up to ticks. */
#define RESTORE_STEP 0.01

/* Applies every step of hazard h's curve up to tick t and returns the tick of the next
 * step that changes the share (INT64_MAX: none left). */
static int64_t restore_advance(dm_engine *e, size_t h, int64_t t)
{
    const dm_hazard *hz = &e->sc->hazards[h];
    const int64_t on = (int64_t)e->res.hazard_start[h];
    while ((size_t)e->haz.restore_seg[h] < hz->nrestore) {
        int i = e->haz.restore_seg[h];
        double t0 = i ? hz->restore_s[i - 1] : 0, r0 = i ? hz->restore_share[i - 1] : 0;
        double t1 = hz->restore_s[i], r1 = hz->restore_share[i];
        int64_t n = hz->restore_steps ? 1 : (int64_t)fmax(1.0, ceil((r1 - r0) / RESTORE_STEP - DM_ROUND_EPS));
        int64_t j = e->haz.restore_j[h] + 1;
        double share = j == n ? r1 : r0 + (r1 - r0) * (double)j / (double)n;
        int64_t tick = on + to_ticks(e->haz.stretch[h] * (t0 + (t1 - t0) * (double)j / (double)n), e->sc->tick_s);
        if (tick > t && share > e->haz.restored[h]) return tick;
        e->haz.restored[h] = share > e->haz.restored[h] ? share : e->haz.restored[h];
        if (j == n) { e->haz.restore_seg[h]++; e->haz.restore_j[h] = 0; }
        else e->haz.restore_j[h] = (int)j;
    }
    return INT64_MAX;
}

/* Hazard h's curve reached a step at tick t: the damage of its nodes follows; the timeline
 * hears of it once another 10 % or more is back, and at the curve's end. */
static void restore_step(dm_engine *e, size_t h, int64_t t)
{
    const dm_hazard *hz = &e->sc->hazards[h];
    double before = e->haz.restored[h];
    int64_t next = restore_advance(e, h, t);
    if (next != INT64_MAX) schedule(e, (cal_event){.tick = next, .kind = CAL_HAZARD_STEP, .index = (int)h});
    if (e->haz.restored[h] <= before) return;
    int done = (size_t)e->haz.restore_seg[h] == hz->nrestore;
    int say = e->haz.restored[h] >= e->haz.restore_logged[h] + 0.1 - DM_ROUND_EPS || (done && e->haz.restored[h] > e->haz.restore_logged[h]);
    if (say) e->haz.restore_logged[h] = e->haz.restored[h];
    for (size_t i = 0; i < hz->nnodes; i++) {
        int v = hz->nodes[i];
        if (!e->haz.hit[e->pair_start[h] + i]) continue;
        dmi_node_damage(e, v);
        if (say) log_event(e, t, v, DM_EV_HAZARD_RESTORING, -1, -1, (int)h, e->haz.restored[h]);
        mark(e, v);
    }
}

static void handle(dm_engine *e, const cal_event *ev)
{
    switch (ev->kind) {
    case CAL_DELIVER:
        e->edge[ev->index].seen = ev->value;
        e->edge[ev->index].seen_root = ev->root;
        delivered(e, ev->index, ev->tick);
        break;
    case CAL_HAZARD_ON:
    case CAL_HAZARD_OFF: {
        const dm_hazard *h = &e->sc->hazards[ev->index];
        size_t base = e->pair_start[ev->index];
        e->haz.active[ev->index] = ev->kind == CAL_HAZARD_ON;
        /* a curve may give some capacity back at once (a point at 0h); later steps follow */
        int64_t next = ev->kind == CAL_HAZARD_ON ? restore_advance(e, (size_t)ev->index, ev->tick) : INT64_MAX;
        if (next != INT64_MAX) schedule(e, (cal_event){.tick = next, .kind = CAL_HAZARD_STEP, .index = ev->index});
        for (size_t i = 0; i < h->nnodes; i++) {
            int v = h->nodes[i];
            if (!e->haz.hit[base + i]) continue;
            dmi_node_damage(e, v);
            log_event(e, ev->tick, v, ev->kind == CAL_HAZARD_ON ? DM_EV_HAZARD_START : DM_EV_HAZARD_END, -1, -1,
                      ev->index, e->haz.pair_severity[base + i] * (1.0 - e->haz.restored[ev->index]));
            mark(e, v);
        }
        break;
    }
    case CAL_HAZARD_STEP:
        if (e->haz.active[ev->index]) restore_step(e, (size_t)ev->index, ev->tick);  /* not once repaired */
        break;
    case CAL_WAKE:
        /* A wake the node's later evaluations moved is stale: nothing of the node is due
         * then (its wake is the earliest tick its groups or dynamics move), so evaluating
         * it would give what it has. */
        if (e->pending_wake[ev->index] != ev->tick) break;
        e->pending_wake[ev->index] = -1;
        woken(e, ev->index, ev->tick);
        break;
    }
}

/* ---- applying one node's evaluation ---- */

/* Logs the buffer events of node v's group g that its evaluation raised (the rule hands
 * them over and forgets them). */
static void log_group_flags(dm_engine *e, int64_t t, int v, int g)
{
    static const struct { int flag; dm_event_kind kind; } map[] = {
        {GF_ENGAGED, DM_EV_BUFFER_ENGAGED}, {GF_HELD, DM_EV_BUFFER_HELD},
        {GF_DRAINING, DM_EV_BUFFER_DRAINING}, {GF_EXHAUSTED, DM_EV_BUFFER_EXHAUSTED},
    };
    unsigned flags = dmi_rule_take_buffer_events(e, g);
    if (!flags) return;
    /* the cause is the group's most degraded provider */
    size_t first = e->g_edge[g], worst = first;
    for (size_t i = first; i < e->g_edge[g + 1]; i++)
        if (e->edge[i].seen < e->edge[worst].seen) worst = i;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (flags & map[i].flag)
            log_event(e, t, v, map[i].kind, e->edge[worst].from, g, e->edge[worst].seen_root,
                      e->rule.buf[g]->left);  /* buffer ticks left */
}

/* Commits node v's evaluation (frontier slot `slot`): its dynamics and buffer states and
 * its level; logs what changed and why, and sends the new level along v's out-edges (now,
 * for zero lag; through the calendar otherwise). */
static void apply(dm_engine *e, int v, size_t slot, int64_t t)
{
    const node_rule *node = node_rule_of(e, v);
    const evaluation *ev = &e->loop.next[slot];
    double old = e->level[v], now = ev->level;
    if (e->loop.dirty[v] == 2) e->loop.dirty[v] = 0;
    int cause = ev->cause, group = ev->group, root = ev->root;
    if (dmi_node_commit(e, v, slot))  /* buffer events raised: logged in group order */
        for (size_t k = e->group_start[v]; k < e->group_start[v + 1]; k++) log_group_flags(e, t, v, e->group_of[k]);
    if (e->loop.next[slot].restarting) log_event(e, t, v, DM_EV_RESTARTING, cause, group, root, now);
    if (node->layer_run >= 0 && e->loop.next[slot].viable != (e->conn.state[v] & CONN_VIABLE))
        dmi_conn_viability_changed(e, v, root);
    int64_t wake = e->loop.next[slot].wake;
    if (wake == INT64_MAX) {
        e->pending_wake[v] = -1;
    } else if (wake != e->pending_wake[v]) {
        e->pending_wake[v] = wake;
        schedule(e, (cal_event){.tick = wake, .kind = CAL_WAKE, .index = v});
    }
    if (fabs(now - old) <= DM_LEVEL_EPS) return;

    int kind = dmi_rule_event(e, v, slot, old, now, e->rise_logged[v]);  /* what the timeline says */
    if (kind >= 0) {
        log_event(e, t, v, (dm_event_kind)kind, cause, group, root, now);
        e->rise_logged[v] = kind == DM_EV_RISING ? now : -1;
    }
    e->level[v] = now;
    dm_ledger_touch(e, node);
    dmi_sampler_touch(e, v);
    for (size_t k = e->out_start[v]; k < e->out_start[v + 1]; k++) {
        int edge = e->out_edge[k];
        int64_t lag = e->out_lag[k];
        if (lag == 0) {
            e->edge[edge].seen = now;
            e->edge[edge].seen_root = root;
            delivered(e, edge, t);
        } else {
            schedule(e, (cal_event){.tick = t + lag, .kind = CAL_DELIVER, .index = edge, .root = root, .value = now});
        }
    }
}

/* Room in the scratch arrays for a frontier of `need` nodes; -1 when out of memory. */
static int grow_scratch(dm_engine *e, size_t need)
{
    if (need <= e->loop.next_cap) return 0;
    size_t cap = need > 2 * e->loop.next_cap ? need : 2 * e->loop.next_cap;
    evaluation *p = realloc(e->loop.next, cap * sizeof *p);
    if (!p) return -1;
    e->loop.next = p;
    e->loop.next_cap = cap;
    return 0;
}

/* Evaluates the frontier until zero-lag changes have settled at tick t. Each round is one
 * sweep, whatever the frontier's size: every frontier node is evaluated from the same
 * committed state (evaluation is pure: node_rule.c), then the evaluations are applied in
 * frontier order; what they change is evaluated in the next round. Large frontiers are
 * evaluated by OpenMP threads, small ones by this thread; the result is the same bits
 * either way and for any number of threads. */
static void settle(dm_engine *e, int64_t t)
{
    for (int round = 0;; round++) {
        char id[DM_NODE_ID_MAX];
        /* When the node rules have settled, the layers whose viability changed decide who
         * is still connected (connectivity.c); whoever lost or regained a connection is
         * evaluated in the next round. */
        if (e->loop.nnext == 0) {
            const int *lost_or_joined = NULL;
            size_t nchanged = 0;
            int changed = e->conn.nlayer_runs ? dmi_conn_pass(e, &lost_or_joined, &nchanged) : 0;
            if (changed < 0) { e->out_of_memory = 1; return; }  /* not "settled": the run fails */
            for (size_t i = 0; i < nchanged; i++) mark(e, lost_or_joined[i]);
            if (changed == 0 || e->loop.nnext == 0) break;
        }
        if (round == DM_MAX_ROUNDS) {
            char text[200];
            snprintf(text, sizeof text, "zero-lag changes did not settle within %d rounds at tick %lld "
                     "(first node still changing: %s); the loop was cut", DM_MAX_ROUNDS,
                     (long long)t, dm_node_id(e->m, (size_t)e->loop.frontier_next[0], id));
            warn(e, text);
            for (size_t i = 0; i < e->loop.nnext; i++) e->loop.dirty[e->loop.frontier_next[i]] = 0;
            e->loop.nnext = 0;
            return;
        }
        int *swap = e->loop.frontier;
        e->loop.frontier = e->loop.frontier_next;
        e->loop.frontier_next = swap;
        e->loop.nfront = e->loop.nnext;
        e->loop.nnext = 0;
        long nf = (long)e->loop.nfront;
        e->res.evaluations += (uint64_t)nf;
        if (grow_scratch(e, e->loop.nfront)) {
            e->out_of_memory = 1;
            return;
        }
        for (long i = 0; i < nf; i++) e->loop.dirty[e->loop.frontier[i]] = 2;
        if ((size_t)nf > e->loop.parallel_frontier) {
#pragma omp parallel for schedule(static)
            for (long i = 0; i < nf; i++) dmi_node_evaluate(e, e->loop.frontier[i], (size_t)i, t);
        } else {
            for (long i = 0; i < nf; i++) dmi_node_evaluate(e, e->loop.frontier[i], (size_t)i, t);
        }
        for (long i = 0; i < nf; i++) apply(e, e->loop.frontier[i], (size_t)i, t);
    }
}

/* ---- the output grid: the state at the end of ticks 0, interval, 2 interval, ... ---- */

double dm_engine_memory_estimate(const dm_scenario *sc)
{
    /* counted from dm_engine_new's arrays: about 104 bytes per node (with a frontier slot,
     * the connectivity state, what its last evaluation found and its capacity in the
     * ledger's sums), 40 per edge (with
     * out_edge and its lag), 20 per group (more with buffers), room for an event per edge in the
     * calendar, and the calendar's wheel (8 bytes and a bit a tick) */
    const dm_model *m = sc->model;
    double n = (double)m->nnodes, E = (double)dm_model_nedges(m), G = (double)m->ngroups;
    double wheel = 8.125 * (double)dmi_cal_span(to_ticks((double)sc->horizon_s, sc->tick_s));
    return 104 * n + 40 * E + 20 * G + 48.0 * (E + (double)sc->nhazards) + wheel + 65536;
}

static void reset(dm_engine *e, uint64_t r)
{
    const dm_scenario *sc = e->sc;
    dmi_stream_seed(e->loop.rng, sc->seed, r);
    for (size_t v = 0; v < e->n; v++) {
        e->level[v] = 1;
        e->pending_wake[v] = -1;
        e->loop.dirty[v] = 0;
        e->rise_logged[v] = -1;
    }
    for (size_t k = 0; k < e->nedges; k++) { e->edge[k].seen = 1; e->edge[k].seen_root = -1; }
    for (size_t h = 0; h < e->nhazards; h++) {
        e->haz.active[h] = 0;
        e->haz.restored[h] = e->haz.restore_logged[h] = 0;
        e->haz.restore_seg[h] = e->haz.restore_j[h] = 0;
        e->haz.stretch[h] = 1;
    }
    dmi_ledger_reset(e);
    dmi_sampler_reset(e);
    e->loop.nfront = e->loop.nnext = 0;
    e->out_of_memory = 0;
    dmi_cal_clear(&e->loop.cal);
    e->loop.now = INT64_MIN;  /* the replicate's first events are scheduled before its first tick */
    e->res.replicate = r;
    e->res.nevents = e->res.nbreaches = e->res.nwarnings = 0;
    e->res.ticks_processed = e->res.evaluations = e->res.reallocations = 0;
    e->loop.cal.grows = 0;

    /* Draws, in a fixed order: hazards in file order (time, then duration, then which
     * nodes for a random selection, then a drawn severity or the severities of its sectors
     * in model order, then the stretch of its restoration curve), then buffers in dependency
     * order, then restart and ramp of the nodes that have random ones, in node order. A
     * fixed value draws nothing, so a scenario without these keys draws as before. */
    for (size_t h = 0; h < e->nhazards; h++) {
        const dm_hazard *hz = &sc->hazards[h];
        int64_t on = to_ticks(dmi_draw(e->loop.rng, &hz->start), sc->tick_s);
        int64_t off = hz->has_duration ? on + to_ticks(dmi_draw(e->loop.rng, &hz->duration), sc->tick_s) : -1;
        if (hz->select_random) {  /* select_count of the matched nodes, uniformly (GSL) */
            size_t base = e->pair_start[h];
            for (size_t i = 0; i < hz->nnodes; i++) { e->haz.candidates[i] = (int)i; e->haz.hit[base + i] = 0; }
            if (hz->select_count > 0)
                gsl_ran_choose(e->loop.rng, e->haz.chosen, hz->select_count, e->haz.candidates, hz->nnodes, sizeof(int));
            for (size_t i = 0; i < hz->select_count; i++) e->haz.hit[base + (size_t)e->haz.chosen[i]] = 1;
        }
        double severity = hz->severity_drawn ? dmi_draw(e->loop.rng, &hz->severity_dist) : hz->severity;
        for (size_t s = 0; hz->sector_severity && s < e->nsectors; s++)
            e->haz.sector_scratch[s] = dmi_draw(e->loop.rng, &hz->sector_severity[s]);  /* sectors not hit: fixed 0, no draw */
        for (size_t i = 0, base = e->pair_start[h]; i < hz->nnodes; i++)
            e->haz.pair_severity[base + i] = hz->sector_severity ? e->haz.sector_scratch[node_rule_of(e, hz->nodes[i])->sector] : severity;
        if (hz->has_stretch) e->haz.stretch[h] = dmi_draw(e->loop.rng, &hz->stretch);
        e->res.hazard_start[h] = (double)on;
        e->res.hazard_end[h] = (double)off;
        schedule(e, (cal_event){.tick = on, .kind = CAL_HAZARD_ON, .index = (int)h});
        if (off >= 0) schedule(e, (cal_event){.tick = off, .kind = CAL_HAZARD_OFF, .index = (int)h});
    }
    dmi_rule_reset(e);  /* draws buffers, then restart and ramp */
    /* Layer nodes that no path joins to a source (or to the giant component) go down at
     * T+0, as the first events of the run. */
    dmi_conn_reset(e);
    for (size_t v = 0; e->conn.nlayer_runs && v < e->n; v++)
        if (!(e->conn.state[v] & CONN_CONNECTED)) {
            e->pending_wake[v] = 0;
            schedule(e, (cal_event){.tick = 0, .kind = CAL_WAKE, .index = (int)v});
        }
}

/* Pops and handles every event at tick t, in the order they were scheduled. */
static void pop_events(dm_engine *e, int64_t t)
{
    cal_event ev;
    while (cal_next_tick(&e->loop.cal) == t) {
        dmi_cal_pop(&e->loop.cal, &ev);
        handle(e, &ev);
    }
}

/* The event loop: one replicate, in named phases (the header of this file). */
int dm_engine_run(dm_engine *e, uint64_t r, dm_error *err)
{
    reset(e, r);
    const int64_t horizon = e->res.horizon;
    for (int64_t t; (t = cal_next_tick(&e->loop.cal)) < horizon;) {
        if (t < e->loop.now) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "internal: time went backwards");
        e->loop.now = t;
        dmi_sampler_until(e, t);       /* grid points before t: the state has not changed since */
        pop_events(e, t);             /* deliveries, hazards, wakes: the nodes they touch */
        settle(e, t);                 /* evaluate, apply, deliver zero-lag changes, until still */
        if (e->out_of_memory)
            return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory at tick %lld (%zu nodes in the frontier, "
                                "%zu events logged)", (long long)t, e->loop.nfront, e->res.nevents);
        dmi_ledger_tick(e, t);         /* unserved service and breaches of the sectors t changed */
        e->res.ticks_processed++;
    }
    dmi_sampler_until(e, horizon);
    e->res.reallocations += e->loop.cal.grows;
    dmi_ledger_close(e, horizon);
    if (e->out_of_memory)  /* while scheduling the start or closing the books */
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory recording the run's events and breaches");
    return 0;
}

const dm_engine_result *dm_engine_results(const dm_engine *e) { return &e->res; }

double dm_engine_sector_level(const dm_engine *e, int s) { return 1.0 - e->ledger.unserved[s] / e->sector_capacity[s]; }

double dm_engine_node_level(const dm_engine *e, int v) { return e->level[v]; }
