/* The discrete-event engine (DESIGN.md, "The engine"). dm_engine_new compiles the scenario
 * into flat arrays; dm_engine_run simulates one replicate:
 *
 *   while the calendar has an event before the horizon:
 *       t = the earliest tick; pop every event at t (deliveries, hazards, wakes);
 *       settle t: evaluate the touched nodes (in parallel), apply their changes in
 *                 frontier order, deliver zero-lag changes in the same tick, schedule
 *                 lagged ones; repeat until nothing changes;
 *       account the sectors the tick changed (unserved, breaches).
 *
 * Ticks without events are never visited, so the cost follows the number of changes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "engine_internal.h"
#include "streams.h"

#define NEW(p, count) ((p) = calloc((count) != 0 ? (count) : 1, sizeof *(p)))

static int64_t to_ticks(double seconds, int64_t tick_s)
{
    /* Durations are rounded up to whole ticks, so a non-zero lag or buffer is never lost. */
    return (int64_t)ceil(seconds / (double)tick_s - 1e-9);
}

void dm_engine_free(dm_engine *e)
{
    if (!e) return;
    void *arrays[] = {
        e->node, e->group, e->node_rec, e->group_link, e->group_start, e->group_of, e->out_start, e->out_edge,
        e->sector_start, e->sector_node, e->haz_start, e->haz_of, e->pair_start, e->pair_hazard,
        e->hit, e->chosen, e->candidates, e->g_edge, e->edge, e->threshold_ticks, e->sector_capacity, e->level, e->damage, e->damage_hazard,
        e->restart, e->ramp, e->dyn_tick, e->dyn_level, e->rise_restart, e->restarted, e->pending_wake,
        e->buf_cap, e->buf, e->buf_next, e->hazard_active,
        e->pair_severity, e->stretch, e->restored, e->restore_logged, e->restore_seg, e->restore_j,
        e->sector_scratch, e->rise_logged,
        e->next, e->dirty, e->frontier, e->frontier_next, e->sector_touched,
        e->unserved, e->acc_tick, e->in_run, e->run_start, e->run_peak, e->run_uh, e->res.events,
        e->res.breaches, e->res.sectors, e->res.hazard_start, e->res.hazard_end, e->res.warnings,
        e->res.sector_level, e->res.impact, e->res.node_level, e->cell_capacity, e->cell_unserved,
        e->reg_start, e->reg_node, e->reg_capacity, e->reg_magnitude, e->reg_unserved, e->reg_run_peak, e->reg_run_uh,
        e->reg_acc_tick, e->reg_run_start, e->reg_in_run, e->reg_touched, e->reg_touched_list, e->res.region_breaches,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
    dm_conn_free(e);
    cal_free(&e->cal);
    if (e->rng) gsl_rng_free(e->rng);
    free(e);
}

/* Counting sort of items into CSR buckets: start[b] .. start[b+1] holds the items with
 * key b, in their original order (so every derived order is deterministic). */
static int bucket(size_t nbuckets, size_t nitems, const int *key, size_t *start, int *items)
{
    size_t *fill = malloc((nbuckets + 1) * sizeof *fill);
    if (!fill) return -1;
    memset(start, 0, (nbuckets + 1) * sizeof *start);
    for (size_t i = 0; i < nitems; i++) start[key[i] + 1]++;
    for (size_t b = 0; b < nbuckets; b++) start[b + 1] += start[b];
    memcpy(fill, start, (nbuckets + 1) * sizeof *fill);
    for (size_t i = 0; i < nitems; i++) items[fill[key[i]]++] = (int)i;
    free(fill);
    return 0;
}

/* The regional breach books (DESIGN.md, "Service levels and breaches": in a model with
 * regions, U_{S,r} >= M_S for D is a breach of region r): each (region, sector) cell's
 * nodes in node order, its capacity, and its threshold's magnitude (a percentage: of the
 * cell's capacity). Nodes in no region (a power area's generation) count only for their
 * sector as a whole. */
static int compile_regions(dm_engine *e)
{
    const dm_model *m = e->m;
    size_t C = m->nregions * e->nsectors, n = e->n;
    if (!C) return 0;
    e->nreg_cells = C;
    int ok = NEW(e->reg_start, C + 1) && NEW(e->reg_node, n) && NEW(e->reg_capacity, C) && NEW(e->reg_magnitude, C) &&
             NEW(e->reg_unserved, C) && NEW(e->reg_run_peak, C) && NEW(e->reg_run_uh, C) && NEW(e->reg_acc_tick, C) &&
             NEW(e->reg_run_start, C) && NEW(e->reg_in_run, C) && NEW(e->reg_touched, C) && NEW(e->reg_touched_list, C) &&
             (e->cap_region_breaches = 64, NEW(e->res.region_breaches, e->cap_region_breaches));
    if (!ok) return -1;
    for (size_t v = 0; v < n; v++)
        if (node_rule_of(e, (int)v)->cell >= 0) e->reg_start[node_rule_of(e, (int)v)->cell + 1]++;
    for (size_t c = 0; c < C; c++) e->reg_start[c + 1] += e->reg_start[c];
    size_t *fill = malloc(C * sizeof *fill);
    if (!fill) return -1;
    memcpy(fill, e->reg_start, C * sizeof *fill);
    for (size_t v = 0; v < n; v++) {
        const node_rule *nr = node_rule_of(e, (int)v);
        if (nr->cell < 0) continue;
        e->reg_node[fill[nr->cell]++] = (int)v;
        e->reg_capacity[nr->cell] += nr->capacity;
    }
    free(fill);
    for (size_t c = 0; c < C; c++) {
        const dm_sector *sec = &m->sectors[c % e->nsectors];
        e->reg_magnitude[c] = sec->any_loss ? 0 : sec->magnitude_share > 0 ? sec->magnitude_share * e->reg_capacity[c]
                                                                           : sec->magnitude;
    }
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
                                   (unsigned char)gr->has_buffer, gr->restart_rate * (double)tick / 3600.0,
                                   gr->restart_share};
    }
}

/* Resilience coefficient of relax nodes given a recovery time (Lian & Haimes 2006):
 *   k_i = ln(q_i(0) / q_i(T_i)) / (T_i (1 - a*_ii)),
 * T_i in ticks, q(T)/q(0) = recovery_to, a*_ii the node's dependence on itself (strength x
 * share of its own level in its groups). The nodes of a layer share one k, so they must
 * agree. */
static int compile_relax(dm_engine *e, dm_error *err)
{
    const dm_model *m = e->m;
    for (size_t v = 0; v < e->n; v++) {
        node_rule *nr = &e->node[e->node_rec[v]];
        const dm_node *nd = dm_node_at(m, v);
        if (nd->dynamics != DM_DYN_RELAX || nd->recovery_s <= 0) continue;
        double a_ii = 0;
        for (size_t k = e->group_start[v]; k < e->group_start[v + 1]; k++) {
            int g = e->group_of[k];
            for (size_t i = e->g_edge[g]; i < e->g_edge[g + 1]; i++)
                if (e->edge[i].from == (int)v) a_ii += group_rule_of(e, (size_t)g)->strength * e->edge[i].share;
        }
        double T = (double)to_ticks((double)nd->recovery_s, e->sc->tick_s);
        double k = log(1.0 / nd->recovery_to) / (T * (1.0 - a_ii));
        char id[DM_NODE_ID_MAX];
        if (!(a_ii < 1) || !(k > 0 && k <= 1))
            return dm_error_set(err, DM_EDATA, m->file, nd->line, 0,
                                "node %s: recovery %.0f ticks gives a resilience coefficient k = %g per tick "
                                "(a*_ii = %g); expected 0 < k <= 1: use a longer recovery or a shorter tick",
                                dm_node_id(m, v, id), T, k, a_ii);
        if (nr->relax_k_set && fabs(nr->relax_k - k) > 1e-12 * k)
            return dm_error_set(err, DM_EDATA, m->file, nd->line, 0,
                                "node %s: its dependence on itself (a*_ii = %g) differs from other nodes of its "
                                "layer, which share one recovery rate; give relax dynamics a fixed k instead",
                                dm_node_id(m, v, id), a_ii);
        nr->relax_k = k;
        nr->relax_k_set = 1;
    }
    return 0;
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
    if (n >= INT32_MAX || G >= INT32_MAX || E >= INT32_MAX) {
        free(e);
        return dm_error_set(err, DM_EDATA, m->file, 0, 0, "%zu nodes, %zu groups and %zu edges: the engine takes "
                            "fewer than 2^31 of each", n, G, E);
    }

    size_t nhaz_refs = 0, largest_hazard = 0;
    int random_dynamics = 0, buffers = 0;
    for (size_t h = 0; h < H; h++) {
        nhaz_refs += sc->hazards[h].nnodes;
        if (sc->hazards[h].nnodes > largest_hazard) largest_hazard = sc->hazards[h].nnodes;
    }
    int *tmp_key = calloc(E + n + G + 1, sizeof *tmp_key);  /* sort keys, reused */
    int ok = tmp_key && NEW(e->node, e->nnode_recs) && NEW(e->group, e->ngroup_recs) && NEW(e->node_rec, n) &&
        NEW(e->group_link, G) && NEW(e->group_start, n + 1) && NEW(e->group_of, G) && NEW(e->out_start, n + 1) &&
        NEW(e->out_edge, E) && NEW(e->sector_start, S + 1) && NEW(e->sector_node, n) && NEW(e->haz_start, n + 1) &&
        NEW(e->haz_of, nhaz_refs) && NEW(e->pair_start, H + 1) && NEW(e->pair_hazard, nhaz_refs) &&
        NEW(e->hit, nhaz_refs) && NEW(e->chosen, largest_hazard) && NEW(e->candidates, largest_hazard) &&
        NEW(e->g_edge, G + 1) && NEW(e->edge, E) && NEW(e->threshold_ticks, S) && NEW(e->sector_capacity, S) && NEW(e->level, n) &&
        NEW(e->damage, n) && NEW(e->damage_hazard, n) && NEW(e->dyn_tick, n) && NEW(e->dyn_level, n) &&
        NEW(e->rise_restart, n) && NEW(e->restarted, n) && NEW(e->pending_wake, n) && NEW(e->hazard_active, H) &&
        NEW(e->pair_severity, nhaz_refs) && NEW(e->stretch, H) && NEW(e->restored, H) && NEW(e->restore_logged, H) &&
        NEW(e->restore_seg, H) && NEW(e->restore_j, H) && NEW(e->sector_scratch, S) && NEW(e->rise_logged, n) && NEW(e->dirty, n) && NEW(e->frontier, n) &&
        NEW(e->frontier_next, n) && NEW(e->sector_touched, S) && NEW(e->unserved, S) && NEW(e->acc_tick, S) &&
        NEW(e->in_run, S) && NEW(e->run_start, S) && NEW(e->run_peak, S) && NEW(e->run_uh, S) &&
        NEW(e->res.sectors, S) && NEW(e->res.hazard_start, H) && NEW(e->res.hazard_end, H) &&
        (e->cap_events = 1024, NEW(e->res.events, e->cap_events)) &&
        (e->cap_breaches = 64, NEW(e->res.breaches, e->cap_breaches)) &&
        (e->cap_warnings = 8, NEW(e->res.warnings, e->cap_warnings)) &&
        (e->next_cap = 1, NEW(e->next, e->next_cap)) && cal_init(&e->cal, 1024) == 0 && (e->rng = dm_stream_new());
    if (ok) {
        compile_records(e);
        for (size_t k = 0; k < e->nnode_recs; k++) random_dynamics |= e->node[k].random_dynamics;
        for (size_t k = 0; k < e->ngroup_recs; k++) buffers |= e->group[k].has_buffer;
        /* state that only random dynamics and buffers need */
        ok = (!random_dynamics || (NEW(e->restart, n) && NEW(e->ramp, n))) &&
             (!buffers || (NEW(e->buf_cap, G) && NEW(e->buf, G) && NEW(e->buf_next, G)));
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
        e->g_edge[g] = edge;
        for (size_t p = 0; p < gr.nproviders; p++, edge++) {
            e->edge[edge].from = dm_ref_provider(&gr, p);
            e->edge[edge].share = dm_ref_share(&gr, p);
            e->edge[edge].group = (int)g;
        }
        if (gr.nresupply) e->group[gr.record].resupply_edge = resupply;
        for (size_t p = 0; p < gr.nresupply; p++, resupply++) {
            e->edge[resupply].from = gr.resupply[p];  /* resupply acts on the buffer at once: no lag */
            e->edge[resupply].group = (int)g;
        }
    }
    e->g_edge[G] = edge;
    int sorted = bucket(n, G, tmp_key, e->group_start, e->group_of) == 0;
    for (size_t k = 0; k < E; k++) tmp_key[k] = e->edge[k].from;
    sorted &= bucket(n, E, tmp_key, e->out_start, e->out_edge) == 0;
    for (size_t v = 0; v < n; v++) {
        e->node_rec[v] = (int)dm_node_record(m, v);
        tmp_key[v] = e->node[e->node_rec[v]].sector;
    }
    sorted &= bucket(S, n, tmp_key, e->sector_start, e->sector_node) == 0;
    int rc = compile_relax(e, err);
    for (size_t s = 0; s < S; s++) {
        e->threshold_ticks[s] = to_ticks((double)m->sectors[s].duration_s, sc->tick_s);
        for (size_t k = e->sector_start[s]; k < e->sector_start[s + 1]; k++)
            e->sector_capacity[s] += node_rule_of(e, e->sector_node[k])->capacity;
    }
    if (!rc && compile_regions(e)) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    /* Hazards touching each node, in hazard order. */
    for (size_t h = 0; h < H; h++)
        for (size_t i = 0; i < sc->hazards[h].nnodes; i++) e->haz_start[sc->hazards[h].nodes[i] + 1]++;
    for (size_t v = 0; v < n; v++) e->haz_start[v + 1] += e->haz_start[v];
    size_t *fill = malloc((n + 1) * sizeof *fill);
    if (rc || !fill || !sorted) {
        free(fill);
        free(tmp_key);
        dm_engine_free(e);
        return rc ? rc : dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    }
    memcpy(fill, e->haz_start, (n + 1) * sizeof *fill);
    for (size_t h = 0, p = 0; h < H; h++) {
        e->pair_start[h] = p;
        for (size_t i = 0; i < sc->hazards[h].nnodes; i++, p++) {
            e->haz_of[fill[sc->hazards[h].nodes[i]]++] = (int)p;
            e->pair_hazard[p] = (int)h;
            e->hit[p] = 1;  /* every matched node, unless the hazard selects at random */
        }
        e->pair_start[h + 1] = p;
    }
    free(fill);
    free(tmp_key);
    if (dm_conn_compile(e)) {
        dm_engine_free(e);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory compiling the layers");
    }
    e->res.horizon = to_ticks((double)sc->horizon_s, sc->tick_s);
    e->res.tick_s = sc->tick_s;
    e->parallel_frontier = DM_PARALLEL_FRONTIER;
    const char *pf = getenv(DM_PARALLEL_FRONTIER_ENV);  /* a test knob: it changes no result */
    if (pf && *pf) e->parallel_frontier = (size_t)strtoull(pf, NULL, 10);
    *out = e;
    return 0;
}

/* ---- random draws (replicate r has its own stream: streams.c) ---- */

static double draw(gsl_rng *rng, const dm_dist *d)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        double x = d->a;
        switch (d->kind) {
        case DM_DIST_FIXED: return d->a;
        case DM_DIST_UNIFORM: return gsl_ran_flat(rng, d->a, d->b);
        case DM_DIST_NORMAL: x = d->a + gsl_ran_gaussian(rng, d->b); break;
        case DM_DIST_LOGNORMAL: x = gsl_ran_lognormal(rng, log(d->a), d->b); break;
        case DM_DIST_WEIBULL: x = gsl_ran_weibull(rng, d->a, d->b); break;
        case DM_DIST_GAMMA: x = gsl_ran_gamma(rng, d->a, d->b); break;
        case DM_DIST_EXPONENTIAL: x = gsl_ran_exponential(rng, d->a); break;
        case DM_DIST_CHOICE: {
            double total = 0, u;
            for (size_t i = 0; i < d->nchoices; i++) total += d->weights[i];
            u = gsl_rng_uniform(rng) * total;
            for (size_t i = 0; i < d->nchoices; i++) {
                if (u < d->weights[i]) return d->values[i];
                u -= d->weights[i];
            }
            return d->values[d->nchoices - 1];
        }
        case DM_DIST_TABLE: {  /* inverse of the piecewise-linear CDF through (0, 0) */
            double u = gsl_rng_uniform(rng), x0 = 0, f0 = 0;
            for (size_t i = 0; i < d->nchoices; i++) {
                if (u < d->weights[i])
                    return x0 + (u - f0) / (d->weights[i] - f0) * (d->values[i] - x0);
                x0 = d->values[i];
                f0 = d->weights[i];
            }
            return d->values[d->nchoices - 1];
        }
        }
        if (x >= d->lo && x <= d->hi) return x;  /* truncation by rejection */
    }
    return d->lo;  /* a truncation window the distribution almost never reaches */
}

/* The longest backup a distribution across facilities allows (seconds; INFINITY when
 * unbounded): a reconnected facility's used backup never exceeds it (node_rule.c). */
static double longest_backup(const dm_dist *d)
{
    double x = d->hi;
    switch (d->kind) {
    case DM_DIST_FIXED: return d->a;
    case DM_DIST_UNIFORM: return d->b;
    case DM_DIST_CHOICE: case DM_DIST_TABLE:
        x = 0;
        for (size_t i = 0; i < d->nchoices; i++) x = d->values[i] > x ? d->values[i] : x;
        return x;
    default: return x >= 1e15 ? INFINITY : x;
    }
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
    if (ev.tick >= e->res.horizon) return;  /* beyond the horizon nothing is observed */
    if (cal_push(&e->cal, ev)) e->out_of_memory = 1;  /* the run fails: no event is ever dropped */
}

/* dirty[v]: 1 on the next round's frontier, 2 evaluated this round and not yet applied. */
static void mark(dm_engine *e, int v)
{
    if (e->dirty[v] != 1) {
        e->dirty[v] = 1;
        e->frontier_next[e->nnext++] = v;
    }
}

/* A new level delivered on edge k at tick t: the dependent is evaluated, unless its
 * buffer takes the delivery without changing its evaluation (node_rule.c). */
static void delivered(dm_engine *e, int k, int64_t t)
{
    int g = e->edge[k].group, v = e->group_link[g].dependent;
    if (e->dirty[v] || !e->buf || (size_t)k >= e->nprovider_edges || !group_rule_of(e, (size_t)g)->has_buffer ||
        !dm_buffer_takes_delivery(e, (size_t)g, t))
        mark(e, v);
}

void dm_engine_mark(dm_engine *e, int v) { mark(e, v); }

/* Damage of v: the largest among the hazards active on it, each its severity on v times
 * the share of the hit capacity its restoration curve has not yet given back. */
static void update_damage(dm_engine *e, int v)
{
    double d = 0;
    int which = -1;
    for (size_t k = e->haz_start[v]; k < e->haz_start[v + 1]; k++) {
        int p = e->haz_of[k], h = e->pair_hazard[p];
        double dh = e->pair_severity[p] * (1.0 - e->restored[h]);
        if (e->hazard_active[h] && e->hit[p] && dh > d) {
            d = dh;
            which = h;
        }
    }
    e->damage[v] = d;
    e->damage_hazard[v] = which;
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
    while ((size_t)e->restore_seg[h] < hz->nrestore) {
        int i = e->restore_seg[h];
        double t0 = i ? hz->restore_s[i - 1] : 0, r0 = i ? hz->restore_share[i - 1] : 0;
        double t1 = hz->restore_s[i], r1 = hz->restore_share[i];
        int64_t n = hz->restore_steps ? 1 : (int64_t)fmax(1.0, ceil((r1 - r0) / RESTORE_STEP - 1e-9));
        int64_t j = e->restore_j[h] + 1;
        double share = j == n ? r1 : r0 + (r1 - r0) * (double)j / (double)n;
        int64_t tick = on + to_ticks(e->stretch[h] * (t0 + (t1 - t0) * (double)j / (double)n), e->sc->tick_s);
        if (tick > t && share > e->restored[h]) return tick;
        e->restored[h] = share > e->restored[h] ? share : e->restored[h];
        if (j == n) { e->restore_seg[h]++; e->restore_j[h] = 0; }
        else e->restore_j[h] = (int)j;
    }
    return INT64_MAX;
}

/* Hazard h's curve reached a step at tick t: the damage of its nodes follows; the timeline
 * hears of it once another 10 % or more is back, and at the curve's end. */
static void restore_step(dm_engine *e, size_t h, int64_t t)
{
    const dm_hazard *hz = &e->sc->hazards[h];
    double before = e->restored[h];
    int64_t next = restore_advance(e, h, t);
    if (next != INT64_MAX) schedule(e, (cal_event){.tick = next, .kind = CAL_HAZARD_STEP, .index = (int)h});
    if (e->restored[h] <= before) return;
    int done = (size_t)e->restore_seg[h] == hz->nrestore;
    int say = e->restored[h] >= e->restore_logged[h] + 0.1 - 1e-9 || (done && e->restored[h] > e->restore_logged[h]);
    if (say) e->restore_logged[h] = e->restored[h];
    for (size_t i = 0; i < hz->nnodes; i++) {
        int v = hz->nodes[i];
        if (!e->hit[e->pair_start[h] + i]) continue;
        update_damage(e, v);
        if (say) log_event(e, t, v, DM_EV_HAZARD_RESTORING, -1, -1, (int)h, e->restored[h]);
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
        e->hazard_active[ev->index] = ev->kind == CAL_HAZARD_ON;
        /* a curve may give some capacity back at once (a point at 0h); later steps follow */
        int64_t next = ev->kind == CAL_HAZARD_ON ? restore_advance(e, (size_t)ev->index, ev->tick) : INT64_MAX;
        if (next != INT64_MAX) schedule(e, (cal_event){.tick = next, .kind = CAL_HAZARD_STEP, .index = ev->index});
        for (size_t i = 0; i < h->nnodes; i++) {
            int v = h->nodes[i];
            if (!e->hit[base + i]) continue;
            update_damage(e, v);
            log_event(e, ev->tick, v, ev->kind == CAL_HAZARD_ON ? DM_EV_HAZARD_START : DM_EV_HAZARD_END, -1, -1,
                      ev->index, e->pair_severity[base + i] * (1.0 - e->restored[ev->index]));
            mark(e, v);
        }
        break;
    }
    case CAL_HAZARD_STEP:
        if (e->hazard_active[ev->index]) restore_step(e, (size_t)ev->index, ev->tick);  /* not once repaired */
        break;
    case CAL_WAKE:
        if (e->pending_wake[ev->index] == ev->tick) e->pending_wake[ev->index] = -1;
        mark(e, ev->index);
        break;
    }
}

/* ---- applying one node's evaluation ---- */

static int status(double s) { return s <= DM_LEVEL_EPS ? 0 : s >= 1 - DM_LEVEL_EPS ? 2 : 1; }

/* Logs the buffer events of node v's group g that its evaluation raised. */
static void log_group_flags(dm_engine *e, int64_t t, int v, int g)
{
    static const struct { int flag; dm_event_kind kind; } map[] = {
        {GF_ENGAGED, DM_EV_BUFFER_ENGAGED}, {GF_HELD, DM_EV_BUFFER_HELD},
        {GF_DRAINING, DM_EV_BUFFER_DRAINING}, {GF_EXHAUSTED, DM_EV_BUFFER_EXHAUSTED},
    };
    /* the cause is the group's most degraded provider */
    size_t first = e->g_edge[g], worst = first;
    for (size_t i = first; i < e->g_edge[g + 1]; i++)
        if (e->edge[i].seen < e->edge[worst].seen) worst = i;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (e->buf[g].flags & map[i].flag)
            log_event(e, t, v, map[i].kind, e->edge[worst].from, g, e->edge[worst].seen_root,
                      e->buf[g].left);  /* buffer ticks left */
    e->buf[g].flags = 0;
}

/* Commits node v's evaluation (frontier slot `slot`): its dynamics and buffer states and
 * its level; logs what changed and why, and sends the new level along v's out-edges (now,
 * for zero lag; through the calendar otherwise). */
static void apply(dm_engine *e, int v, size_t slot, int64_t t)
{
    const node_rule *node = node_rule_of(e, v);
    const evaluation *ev = &e->next[slot];
    double old = e->level[v], now = ev->level;
    if (e->dirty[v] == 2) e->dirty[v] = 0;
    int cause = ev->cause, group = ev->group, root = ev->root;
    e->dyn_tick[v] = ev->dyn_tick;
    e->dyn_level[v] = ev->dyn_level;
    e->rise_restart[v] = ev->rise_restart;
    e->restarted[v] = ev->restarted;
    for (size_t k = e->group_start[v]; e->buf && k < e->group_start[v + 1]; k++) {
        int g = e->group_of[k];
        if (e->buf_next[g].same || !group_rule_of(e, (size_t)g)->has_buffer) continue;
        buffer_copy(&e->buf[g], &e->buf_next[g]);
        if (e->buf[g].flags) log_group_flags(e, t, v, g);
    }
    if (e->next[slot].restarting) log_event(e, t, v, DM_EV_RESTARTING, cause, group, root, now);
    if (node->layer_run >= 0 && e->next[slot].viable != (e->conn_state[v] & CONN_VIABLE)) {
        e->conn_state[v] ^= CONN_VIABLE;
        dm_conn_viability_changed(e, v, root);
    }
    int64_t wake = e->next[slot].wake;
    if (wake != INT64_MAX && wake != e->pending_wake[v]) {
        e->pending_wake[v] = wake;
        schedule(e, (cal_event){.tick = wake, .kind = CAL_WAKE, .index = v});
    }
    if (fabs(now - old) <= DM_LEVEL_EPS) return;

    /* What the timeline says: every drop of a step node; for relax nodes, which move a
     * little every tick, only the crossings between full, partial and no service. */
    int relax = node->dynamics == DM_DYN_RELAX, from = status(old), to = status(now);
    /* A rise is told when it starts after a loss, then again once the level is another
     * 10 % up: a restoration curve or its cascade rises in 1 % steps, which would be a
     * line each. */
    if (now < old && (!relax || from != to)) {
        dm_event_kind kind = to != 0 ? DM_EV_DEGRADED : e->next[slot].collapsed == 2 ? DM_EV_DISCONNECTED
                           : e->next[slot].collapsed ? DM_EV_COLLAPSED : DM_EV_DOWN;
        log_event(e, t, v, kind, cause, group, root, now);
        e->rise_logged[v] = -1;
    } else if (now > old && to == 2) {
        log_event(e, t, v, DM_EV_RESTORED, cause, group, root, now);
        e->rise_logged[v] = -1;
    } else if (now > old && (relax ? from == 0 : (e->dyn_tick[v] < 0 || old == e->dyn_level[v])) &&
               (e->rise_logged[v] < 0 || now >= e->rise_logged[v] + 0.1 - 1e-9)) {
        log_event(e, t, v, DM_EV_RISING, cause, group, root, now);
        e->rise_logged[v] = now;
    }
    e->level[v] = now;
    e->sector_touched[node->sector] = 1;
    if (e->nreg_cells && node->cell >= 0 && !e->reg_touched[node->cell]) {
        e->reg_touched[node->cell] = 1;
        e->reg_touched_list[e->nreg_touched++] = node->cell;
    }
    e->changed_since_sample = 1;
    for (size_t k = e->out_start[v]; k < e->out_start[v + 1]; k++) {
        int edge = e->out_edge[k], g = e->edge[edge].group;
        int64_t lag = (size_t)edge < e->nprovider_edges ? group_rule_of(e, (size_t)g)->lag : 0;
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
    if (need <= e->next_cap) return 0;
    size_t cap = need > 2 * e->next_cap ? need : 2 * e->next_cap;
    evaluation *p = realloc(e->next, cap * sizeof *p);
    if (!p) return -1;
    e->next = p;
    e->next_cap = cap;
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
        if (e->nnext == 0) {
            int changed = e->nlayer_runs ? dm_conn_pass(e) : 0;
            if (changed < 0) { e->out_of_memory = 1; return; }  /* not "settled": the run fails */
            if (changed == 0 || e->nnext == 0) break;
        }
        if (round == DM_MAX_ROUNDS) {
            char text[200];
            snprintf(text, sizeof text, "zero-lag changes did not settle within %d rounds at tick %lld "
                     "(first node still changing: %s); the loop was cut", DM_MAX_ROUNDS,
                     (long long)t, dm_node_id(e->m, (size_t)e->frontier_next[0], id));
            warn(e, text);
            for (size_t i = 0; i < e->nnext; i++) e->dirty[e->frontier_next[i]] = 0;
            e->nnext = 0;
            return;
        }
        int *swap = e->frontier;
        e->frontier = e->frontier_next;
        e->frontier_next = swap;
        e->nfront = e->nnext;
        e->nnext = 0;
        long nf = (long)e->nfront;
        e->res.evaluations += (uint64_t)nf;
        if (grow_scratch(e, e->nfront)) {
            e->out_of_memory = 1;
            return;
        }
        for (long i = 0; i < nf; i++) e->dirty[e->frontier[i]] = 2;
        if ((size_t)nf > e->parallel_frontier) {
#pragma omp parallel for schedule(static)
            for (long i = 0; i < nf; i++) dm_node_evaluate(e, e->frontier[i], (size_t)i, t);
        } else {
            for (long i = 0; i < nf; i++) dm_node_evaluate(e, e->frontier[i], (size_t)i, t);
        }
        for (long i = 0; i < nf; i++) apply(e, e->frontier[i], (size_t)i, t);
    }
}

/* ---- sectors: unserved service and breaches (DESIGN.md "Service levels and breaches") ---- */

static void push_breach(dm_engine *e, int s, int64_t end)
{
    if (e->res.nbreaches == e->cap_breaches) {
        dm_breach *p = realloc(e->res.breaches, 2 * e->cap_breaches * sizeof *p);
        if (!p) { e->out_of_memory = 1; return; }  /* the run fails: no breach is ever dropped */
        e->res.breaches = p;
        e->cap_breaches *= 2;
        e->res.reallocations++;
    }
    dm_breach *b = &e->res.breaches[e->res.nbreaches];
    *b = (dm_breach){s, e->run_start[s], e->run_start[s] + e->threshold_ticks[s], end, e->run_peak[s], e->run_uh[s], -1};
    e->res.nbreaches++;
}

/* Integrates sector s's unserved service up to tick t at its current value, then, if
 * at_level is set, takes the sector's new unserved value and steps the breach state:
 * a breach starts when U >= M has held for the threshold's duration. */
static void account(dm_engine *e, int s, int64_t t, int at_level)
{
    const dm_sector *sec = &e->m->sectors[s];
    double hours = (double)(t - e->acc_tick[s]) * (double)e->res.tick_s / 3600.0;
    e->res.sectors[s].unserved_unit_hours += e->unserved[s] * hours;
    if (e->in_run[s]) e->run_uh[s] += e->unserved[s] * hours;
    e->acc_tick[s] = t;
    if (!at_level) return;

    double u = 0;  /* U_S = sum over the sector's nodes of c_v (1 - s_v), in node order */
    for (size_t k = e->sector_start[s]; k < e->sector_start[s + 1]; k++) {
        int v = e->sector_node[k];
        u += node_rule_of(e, v)->capacity * (1.0 - e->level[v]);
    }
    if (u < 0) u = 0;
    e->unserved[s] = u;
    double level = 1.0 - u / e->sector_capacity[s];
    if (level < e->res.sectors[s].min_level) e->res.sectors[s].min_level = level;
    /* Relative tolerance: a loss of exactly the magnitude counts despite rounding. */
    int over = sec->any_loss ? u > 4 * DM_LEVEL_EPS * e->sector_capacity[s] : u >= sec->magnitude * (1 - 1e-9);
    if (over && !e->in_run[s]) {
        e->in_run[s] = 1;
        e->run_start[s] = t;
        e->run_peak[s] = u;
        e->run_uh[s] = 0;
    } else if (over) {
        if (u > e->run_peak[s]) e->run_peak[s] = u;
    } else if (e->in_run[s]) {
        e->in_run[s] = 0;
        if (t - e->run_start[s] >= e->threshold_ticks[s]) push_breach(e, s, t);
    }
}

/* The same books for cell c, a region's part of a sector: the sector's threshold, with
 * the cell's magnitude (a percentage is of the cell's capacity). */
static void push_region_breach(dm_engine *e, size_t c, int64_t end)
{
    if (e->res.nregion_breaches == e->cap_region_breaches) {
        dm_breach *p = realloc(e->res.region_breaches, 2 * e->cap_region_breaches * sizeof *p);
        if (!p) { e->out_of_memory = 1; return; }  /* the run fails (one OOM policy) */
        e->res.region_breaches = p;
        e->cap_region_breaches *= 2;
        e->res.reallocations++;
    }
    int s = (int)(c % e->nsectors);
    e->res.region_breaches[e->res.nregion_breaches++] =
        (dm_breach){s, e->reg_run_start[c], e->reg_run_start[c] + e->threshold_ticks[s], end, e->reg_run_peak[c],
                    e->reg_run_uh[c], (int)(c / e->nsectors)};
}

static void account_region(dm_engine *e, size_t c, int64_t t, int at_level)
{
    int s = (int)(c % e->nsectors);
    double hours = (double)(t - e->reg_acc_tick[c]) * (double)e->res.tick_s / 3600.0;
    if (e->reg_in_run[c]) e->reg_run_uh[c] += e->reg_unserved[c] * hours;
    e->reg_acc_tick[c] = t;
    if (!at_level) return;
    double u = 0;  /* U_{S,r}, in node order */
    for (size_t k = e->reg_start[c]; k < e->reg_start[c + 1]; k++) {
        int v = e->reg_node[k];
        u += node_rule_of(e, v)->capacity * (1.0 - e->level[v]);
    }
    if (u < 0) u = 0;
    e->reg_unserved[c] = u;
    int over = e->m->sectors[s].any_loss ? u > 4 * DM_LEVEL_EPS * e->reg_capacity[c] : u >= e->reg_magnitude[c] * (1 - 1e-9);
    if (over && !e->reg_in_run[c]) {
        e->reg_in_run[c] = 1;
        e->reg_run_start[c] = t;
        e->reg_run_peak[c] = u;
        e->reg_run_uh[c] = 0;
    } else if (over) {
        if (u > e->reg_run_peak[c]) e->reg_run_peak[c] = u;
    } else if (e->reg_in_run[c]) {
        e->reg_in_run[c] = 0;
        if (t - e->reg_run_start[c] >= e->threshold_ticks[s]) push_region_breach(e, c, t);
    }
}

static int by_onset_sector_region(const void *pa, const void *pb)
{
    const dm_breach *a = pa, *b = pb;
    if (a->onset != b->onset) return a->onset < b->onset ? -1 : 1;
    if (a->sector != b->sector) return a->sector < b->sector ? -1 : 1;
    return (a->region > b->region) - (a->region < b->region);  /* one cell's runs never share an onset */
}

/* ---- the output grid: the state at the end of ticks 0, interval, 2 interval, ... ---- */

double dm_engine_memory_estimate(const dm_scenario *sc)
{
    /* counted from dm_engine_new's arrays: about 86 bytes per node (with a frontier slot
     * and the connectivity state), 32 per edge (with out_edge), 24 per group (more with
     * buffers), and room for an event per edge in the calendar */
    const dm_model *m = sc->model;
    double n = (double)m->nnodes, E = (double)dm_model_nedges(m), G = (double)m->ngroups;
    return 86 * n + 32 * E + 24 * G + 48.0 * (E + (double)sc->nhazards) + 65536;
}

size_t dm_output_ntimes(const dm_scenario *sc, int64_t interval)
{
    int64_t horizon = to_ticks((double)sc->horizon_s, sc->tick_s);
    return interval > 0 ? (size_t)((horizon + interval - 1) / interval) : 0;
}

int dm_engine_set_output(dm_engine *e, int64_t interval, unsigned store, dm_error *err)
{
    if (interval < 1) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "the output interval must be at least one tick");
    dm_engine_result *r = &e->res;
    size_t K = dm_output_ntimes(e->sc, interval), S = e->nsectors, n = e->n;
    size_t R = e->m->nregions ? e->m->nregions : 1;
    free(r->sector_level); free(r->impact); free(r->node_level);
    free(e->cell_capacity); free(e->cell_unserved);
    r->sector_level = r->impact = r->node_level = NULL;
    e->cell_capacity = e->cell_unserved = NULL;
    int ok = 1;
    if (store & DM_STORE_SECTORS) ok &= NEW(r->sector_level, K * S) != NULL;
    if (store & DM_STORE_NODES) ok &= NEW(r->node_level, K * n) != NULL;
    if (store & DM_STORE_MAPS)
        ok &= NEW(r->impact, K * R * S) && NEW(e->cell_capacity, R * S) && NEW(e->cell_unserved, R * S);
    if (!ok) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for the output grid (%zu points)", K);
    /* a node outside every region of a model with regions (a power area's generation, say)
     * belongs to no cell of the map (compile_records) */
    for (size_t v = 0; r->impact && v < n; v++)
        if (node_rule_of(e, (int)v)->cell >= 0) e->cell_capacity[node_rule_of(e, (int)v)->cell] += node_rule_of(e, (int)v)->capacity;
    r->ntimes = K;
    r->interval = interval;
    r->nregions = R;
    e->store = store;
    return 0;
}

/* Records grid point k from the current state. When no level changed since the previous
 * point, the previous row is copied. */
static void record(dm_engine *e, size_t k)
{
    dm_engine_result *r = &e->res;
    size_t S = e->nsectors, n = e->n, cells = r->nregions * S;
    int fresh = k == 0 || e->changed_since_sample;
    if (r->sector_level) {
        double *row = r->sector_level + k * S;
        if (fresh) for (size_t s = 0; s < S; s++) row[s] = 1.0 - e->unserved[s] / e->sector_capacity[s];
        else memcpy(row, row - S, S * sizeof *row);
    }
    if (r->node_level) {
        double *row = r->node_level + k * n;
        if (fresh) memcpy(row, e->level, n * sizeof *row);
        else memcpy(row, row - n, n * sizeof *row);
    }
    if (r->impact) {
        double *row = r->impact + k * cells;
        if (fresh) {
            memset(e->cell_unserved, 0, cells * sizeof *e->cell_unserved);
            for (size_t v = 0; v < n; v++) {
                const node_rule *nr = node_rule_of(e, (int)v);
                if (nr->cell >= 0) e->cell_unserved[nr->cell] += nr->capacity * (1.0 - e->level[v]);
            }
            for (size_t c = 0; c < cells; c++)
                row[c] = e->cell_capacity[c] > 0 ? e->cell_unserved[c] / e->cell_capacity[c] : NAN;
        } else {
            memcpy(row, row - cells, cells * sizeof *row);
        }
    }
    e->changed_since_sample = 0;
}

/* Records every grid point before tick t: nothing changes between visited ticks, so the
 * state now is the state at the end of each of those points. */
static void record_until(dm_engine *e, int64_t t)
{
    if (!e->store) return;
    while (e->next_sample < e->res.ntimes && (int64_t)e->next_sample * e->res.interval < t)
        record(e, e->next_sample++);
}

static void reset(dm_engine *e, uint64_t r)
{
    const dm_scenario *sc = e->sc;
    dm_stream_seed(e->rng, sc->seed, r);
    for (size_t v = 0; v < e->n; v++) {
        e->level[v] = 1;
        e->damage[v] = 0;
        e->damage_hazard[v] = -1;
        e->dyn_tick[v] = -1;
        e->restarted[v] = 0;
        e->pending_wake[v] = -1;
        e->dirty[v] = 0;
        e->rise_logged[v] = -1;
    }
    for (size_t k = 0; k < e->nedges; k++) { e->edge[k].seen = 1; e->edge[k].seen_root = -1; }
    for (size_t h = 0; h < e->nhazards; h++) {
        e->hazard_active[h] = 0;
        e->restored[h] = e->restore_logged[h] = 0;
        e->restore_seg[h] = e->restore_j[h] = 0;
        e->stretch[h] = 1;
    }
    for (size_t s = 0; s < e->nsectors; s++) {
        e->unserved[s] = 0; e->acc_tick[s] = 0; e->in_run[s] = 0; e->sector_touched[s] = 0;
        e->res.sectors[s] = (dm_sector_result){1.0, 1.0, 0.0, 0.0, -1};
    }
    for (size_t c = 0; c < e->nreg_cells; c++) {
        e->reg_unserved[c] = 0; e->reg_acc_tick[c] = 0; e->reg_in_run[c] = 0; e->reg_touched[c] = 0;
    }
    e->nreg_touched = 0;
    e->res.nregion_breaches = 0;
    e->nfront = e->nnext = 0;
    e->out_of_memory = 0;
    e->next_sample = 0;
    e->changed_since_sample = 1;
    cal_clear(&e->cal);
    e->res.replicate = r;
    e->res.nevents = e->res.nbreaches = e->res.nwarnings = 0;
    e->res.ticks_processed = e->res.evaluations = e->res.reallocations = 0;
    e->cal.grows = 0;

    /* Draws, in a fixed order: hazards in file order (time, then duration, then which
     * nodes for a random selection, then a drawn severity or the severities of its sectors
     * in model order, then the stretch of its restoration curve), then buffers in dependency
     * order, then restart and ramp of the nodes that have random ones, in node order. A
     * fixed value draws nothing, so a scenario without these keys draws as before. */
    for (size_t h = 0; h < e->nhazards; h++) {
        const dm_hazard *hz = &sc->hazards[h];
        int64_t on = to_ticks(draw(e->rng, &hz->start), sc->tick_s);
        int64_t off = hz->has_duration ? on + to_ticks(draw(e->rng, &hz->duration), sc->tick_s) : -1;
        if (hz->select_random) {  /* select_count of the matched nodes, uniformly (GSL) */
            size_t base = e->pair_start[h];
            for (size_t i = 0; i < hz->nnodes; i++) { e->candidates[i] = (int)i; e->hit[base + i] = 0; }
            if (hz->select_count > 0)
                gsl_ran_choose(e->rng, e->chosen, hz->select_count, e->candidates, hz->nnodes, sizeof(int));
            for (size_t i = 0; i < hz->select_count; i++) e->hit[base + (size_t)e->chosen[i]] = 1;
        }
        double severity = hz->severity_drawn ? draw(e->rng, &hz->severity_dist) : hz->severity;
        for (size_t s = 0; hz->sector_severity && s < e->nsectors; s++)
            e->sector_scratch[s] = draw(e->rng, &hz->sector_severity[s]);  /* sectors not hit: fixed 0, no draw */
        for (size_t i = 0, base = e->pair_start[h]; i < hz->nnodes; i++)
            e->pair_severity[base + i] = hz->sector_severity ? e->sector_scratch[node_rule_of(e, hz->nodes[i])->sector] : severity;
        if (hz->has_stretch) e->stretch[h] = draw(e->rng, &hz->stretch);
        e->res.hazard_start[h] = (double)on;
        e->res.hazard_end[h] = (double)off;
        schedule(e, (cal_event){.tick = on, .kind = CAL_HAZARD_ON, .index = (int)h});
        if (off >= 0) schedule(e, (cal_event){.tick = off, .kind = CAL_HAZARD_OFF, .index = (int)h});
    }
    for (size_t g = 0; e->buf_cap && g < e->ngroups; g++) {
        const dm_group *gr = g < e->m->ndefined_groups ? &e->m->groups[g] : NULL;  /* sets have no buffers */
        e->buf_cap[g] = !gr || !gr->has_buffer ? 0 : gr->facilities ? longest_backup(&gr->buffer) / (double)sc->tick_s
                      : draw(e->rng, &gr->buffer) / (double)sc->tick_s;
        buffer_state *b = &e->buf[g];  /* no clocks: every backup full (the clocks are unread) */
        b->t0 = 0;
        b->exhaust = INT64_MAX;
        b->cut = b->covered = b->waiting = 0;
        b->wait_t = b->wait_next = 0;
        b->left = e->buf_cap[g];
        b->n = b->held = b->covering = b->flags = b->all_cover = 0;
        e->buf_next[g].same = 1;
    }
    for (size_t v = 0; e->restart && v < e->n; v++) {
        const node_rule *nr = node_rule_of(e, (int)v);
        e->restart[v] = nr->restart;
        e->ramp[v] = nr->ramp;
        if (!nr->random_dynamics) continue;
        const dm_node *nd = dm_node_at(e->m, v);
        e->restart[v] = to_ticks(draw(e->rng, &nd->restart), sc->tick_s);
        e->ramp[v] = to_ticks(draw(e->rng, &nd->ramp), sc->tick_s);
    }
    /* Layer nodes that no path joins to a source (or to the giant component) go down at
     * T+0, as the first events of the run. */
    dm_conn_reset(e);
    for (size_t v = 0; e->nlayer_runs && v < e->n; v++)
        if (!(e->conn_state[v] & CONN_CONNECTED)) schedule(e, (cal_event){.tick = 0, .kind = CAL_WAKE, .index = (int)v});
}

int dm_engine_run(dm_engine *e, uint64_t r, dm_error *err)
{
    reset(e, r);
    const int64_t horizon = e->res.horizon;
    int64_t last = -1;
    while (cal_next_tick(&e->cal) < horizon) {
        const int64_t t = cal_next_tick(&e->cal);
        if (t < last) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "internal: time went backwards");
        last = t;
        record_until(e, t);
        cal_event ev;
        while (cal_next_tick(&e->cal) == t) {
            cal_pop(&e->cal, &ev);
            handle(e, &ev);
        }
        settle(e, t);
        if (e->out_of_memory)
            return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory at tick %lld (%zu nodes in the frontier, "
                                "%zu events logged)", (long long)t, e->nfront, e->res.nevents);
        for (size_t s = 0; s < e->nsectors; s++)
            if (e->sector_touched[s]) { account(e, (int)s, t, 1); e->sector_touched[s] = 0; }
        for (size_t i = 0; i < e->nreg_touched; i++) {
            size_t c = (size_t)e->reg_touched_list[i];
            account_region(e, c, t, 1);
            e->reg_touched[c] = 0;
        }
        e->nreg_touched = 0;
        e->res.ticks_processed++;
    }
    record_until(e, horizon);
    e->res.reallocations += e->cal.grows;
    /* Close the books at the horizon: a run still over the threshold is a breach with no
     * end if it has lasted long enough. */
    for (size_t s = 0; s < e->nsectors; s++) {
        account(e, (int)s, horizon, 0);
        if (e->in_run[s] && horizon - e->run_start[s] >= e->threshold_ticks[s]) push_breach(e, (int)s, -1);
        e->res.sectors[s].final_level = 1.0 - e->unserved[s] / e->sector_capacity[s];
        /* Inoperability-weighted loss (IIM): x_S per year times the integral of
         * q_S = U_S / capacity over the run, in years of 8,760 h. */
        e->res.sectors[s].economic_loss = e->m->sectors[s].output *
            (e->res.sectors[s].unserved_unit_hours / e->sector_capacity[s]) / 8760.0;
    }
    for (size_t c = 0; c < e->nreg_cells; c++) {
        account_region(e, c, horizon, 0);
        if (e->reg_in_run[c] && horizon - e->reg_run_start[c] >= e->threshold_ticks[c % e->nsectors]) push_region_breach(e, c, -1);
    }
    if (e->res.nregion_breaches > 1)
        qsort(e->res.region_breaches, e->res.nregion_breaches, sizeof *e->res.region_breaches, by_onset_sector_region);
    if (e->out_of_memory)  /* while scheduling the start or closing the books */
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory recording the run's events and breaches");
    /* Breaches were found sector by sector as runs ended; report them in time order. */
    for (size_t i = 1; i < e->res.nbreaches; i++)
        for (size_t j = i; j > 0; j--) {
            dm_breach *a = &e->res.breaches[j - 1], *b = &e->res.breaches[j];
            if (a->onset < b->onset || (a->onset == b->onset && a->sector <= b->sector)) break;
            dm_breach tmp = *a; *a = *b; *b = tmp;
        }
    for (size_t s = 0; s < e->nsectors; s++) e->res.sectors[s].first_breach = -1;
    for (size_t i = e->res.nbreaches; i-- > 0;) e->res.sectors[e->res.breaches[i].sector].first_breach = (int)i;
    return 0;
}

const dm_engine_result *dm_engine_results(const dm_engine *e) { return &e->res; }

double dm_engine_sector_level(const dm_engine *e, int s) { return 1.0 - e->unserved[s] / e->sector_capacity[s]; }

double dm_engine_node_level(const dm_engine *e, int v) { return e->level[v]; }
