/* The output sampler: the state at the end of ticks 0, interval, 2 interval, ... (the
 * output grid), of the sectors, nodes and impact map cells the caller asked to store. The
 * loop visits only ticks with events, so before each visited tick it records every grid
 * point since the last (the state has not changed in between). With DM_STORE_RUNS it
 * writes a row only where a level changed, and skips the points in between at once; with
 * DM_STORE_LEVEL_CHANGES / DM_STORE_MAP_CHANGES it lists the values whose bits changed
 * (for the Monte Carlo statistics, which then read no row). A map point sums again only
 * the cells of the nodes dmi_sampler_touch was told of. It owns struct sampler
 * (engine_internal.h) and the results' grids and change lists. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine_internal.h"

#define NEW(p, count) ((p) = calloc((count) != 0 ? (count) : 1, sizeof *(p)))

size_t dm_output_ntimes(const dm_scenario *sc, int64_t interval)
{
    int64_t horizon = to_ticks((double)sc->horizon_s, sc->tick_s);
    return interval > 0 ? (size_t)((horizon + interval - 1) / interval) : 0;
}

static void free_grids(dm_engine *e)
{
    dm_engine_result *r = &e->res;
    sampler *sp = &e->sampler;
    free(r->sector_level); free(r->impact); free(r->node_level); free(r->run_start);
    free(r->level_first); free(r->impact_first); free(r->level_changes); free(r->impact_changes);
    free(sp->level_now); free(sp->map_now); free(sp->dirty_sector); free(sp->sector_dirty);
    free(sp->cell_capacity); free(sp->cell_unserved); free(sp->cell_start); free(sp->cell_node);
    free(sp->dirty_cell); free(sp->dirty);
    r->sector_level = r->impact = r->node_level = r->level_first = r->impact_first = NULL;
    r->level_changes = r->impact_changes = NULL;
    r->nlevel_changes = r->nimpact_changes = 0;
    r->run_start = NULL;
    sp->level_now = sp->map_now = sp->cell_capacity = sp->cell_unserved = NULL;
    sp->dirty_sector = NULL;
    sp->sector_dirty = NULL;
    sp->nsector_dirty = 0;
    sp->cell_start = sp->cell_node = sp->dirty_cell = NULL;
    sp->dirty = NULL;
    sp->ndirty = sp->cap_level_changes = sp->cap_impact_changes = 0;
}

int dm_engine_set_output(dm_engine *e, int64_t interval, unsigned store, dm_error *err)
{
    if (interval < 1) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "the output interval must be at least one tick");
    dm_engine_result *r = &e->res;
    sampler *sp = &e->sampler;
    size_t K = dm_output_ntimes(e->sc, interval), S = e->nsectors, n = e->n;
    size_t R = e->m->nregions ? e->m->nregions : 1, cells = R * S;
    int levels = (store & (DM_STORE_SECTORS | DM_STORE_LEVEL_CHANGES)) != 0;
    int maps = (store & (DM_STORE_MAPS | DM_STORE_MAP_CHANGES)) != 0;
    free_grids(e);
    int ok = 1;
    if (store & DM_STORE_SECTORS) ok &= NEW(r->sector_level, K * S) != NULL;
    if (store & DM_STORE_NODES) ok &= NEW(r->node_level, K * n) != NULL;
    if (store & DM_STORE_RUNS) ok &= NEW(r->run_start, K + 1) != NULL;
    if (store & DM_STORE_MAPS) ok &= NEW(r->impact, K * cells) != NULL;
    if (levels) ok &= NEW(sp->level_now, S) && NEW(sp->dirty_sector, S) && NEW(sp->sector_dirty, S);
    if (maps)
        ok &= NEW(sp->map_now, cells) && NEW(sp->cell_capacity, cells) && NEW(sp->cell_unserved, cells) &&
              NEW(sp->cell_start, cells + 1) && NEW(sp->cell_node, n) && NEW(sp->dirty_cell, cells) &&
              NEW(sp->dirty, cells);
    /* the change lists grow as replicates need (a few rows' worth, usually) */
    if (store & DM_STORE_LEVEL_CHANGES)
        ok &= NEW(r->level_first, S) && NEW(r->level_changes, 4 * S) && (sp->cap_level_changes = 4 * S);
    if (store & DM_STORE_MAP_CHANGES)
        ok &= NEW(r->impact_first, cells) && NEW(r->impact_changes, 4 * cells) && (sp->cap_impact_changes = 4 * cells);
    if (!ok) {
        free_grids(e);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for the output grid (%zu points)", K);
    }
    /* a node outside every region of a model with regions (a power area's generation, say)
     * belongs to no cell of the map (compile_records); each cell's nodes in index order */
    for (size_t v = 0; maps && v < n; v++) {
        int c = node_rule_of(e, (int)v)->cell;
        if (c < 0) continue;
        sp->cell_capacity[c] += node_rule_of(e, (int)v)->capacity;
        sp->cell_start[c + 1]++;
    }
    for (size_t c = 0; maps && c < cells; c++) sp->cell_start[c + 1] += sp->cell_start[c];
    for (size_t v = 0; maps && v < n; v++) {
        int c = node_rule_of(e, (int)v)->cell;
        if (c >= 0) sp->cell_node[sp->cell_start[c] + sp->dirty_cell[c]++] = (int)v;
    }
    for (size_t c = 0; maps && c < cells; c++) sp->dirty_cell[c] = 0;
    r->ntimes = K;
    r->interval = interval;
    r->nregions = R;
    r->nruns = 0;
    sp->store = store;
    return 0;
}

/* Appends a change to a series' list, growing it; out of memory fails the run. */
static void push_change(dm_engine *e, dm_change **list, size_t *n, size_t *cap, size_t k, size_t col, double x)
{
    if (*n == *cap) {
        dm_change *grown = realloc(*list, 2 * *cap * sizeof *grown);
        if (!grown) {
            e->out_of_memory = 1;
            return;
        }
        *list = grown;
        *cap *= 2;
        e->res.reallocations++;
    }
    (*list)[(*n)++] = (dm_change){(uint32_t)k, (uint32_t)col, x};
}

/* Sets a series' value x at point k (k > 0) where its bits differ from the last, as a
 * change when the series keeps them; returns whether they differed. */
static int set_value(dm_engine *e, double *now, size_t col, double x, size_t k, dm_change **list, size_t *n, size_t *cap)
{
    if (!memcmp(&now[col], &x, sizeof x)) return 0;
    now[col] = x;
    if (*list) push_change(e, list, n, cap, k, col, x);
    return 1;
}

/* The map at point k: the unserved fraction of each cell's capacity, in map_now. The
 * first point of a replicate sums every node into its cell; a later one sums again only
 * the cells with a node whose level moved since the last (dirty_cell), each over its
 * nodes in index order as the first pass does, so every value has the same bits as a
 * pass over all nodes would give. Returns whether a value's bits changed (1 at k = 0). */
static int record_map(dm_engine *e, size_t k)
{
    sampler *sp = &e->sampler;
    dm_engine_result *r = &e->res;
    size_t n = e->n, cells = r->nregions * e->nsectors;
    if (k == 0) {
        memset(sp->cell_unserved, 0, cells * sizeof *sp->cell_unserved);
        for (size_t v = 0; v < n; v++) {
            const node_rule *nr = node_rule_of(e, (int)v);
            if (nr->cell >= 0) sp->cell_unserved[nr->cell] += nr->capacity * (1.0 - e->level[v]);
        }
        for (size_t c = 0; c < cells; c++)
            sp->map_now[c] = sp->cell_capacity[c] > 0 ? sp->cell_unserved[c] / sp->cell_capacity[c] : NAN;
        for (size_t i = 0; i < sp->ndirty; i++) sp->dirty[sp->dirty_cell[i]] = 0;
        sp->ndirty = 0;
        if (r->impact_first) memcpy(r->impact_first, sp->map_now, cells * sizeof *sp->map_now);
        return 1;
    }
    int moved = 0;
    for (size_t i = 0; i < sp->ndirty; i++) {
        int c = sp->dirty_cell[i];
        double u = 0;
        for (int j = sp->cell_start[c]; j < sp->cell_start[c + 1]; j++) {
            int v = sp->cell_node[j];
            u += node_rule_of(e, v)->capacity * (1.0 - e->level[v]);
        }
        moved |= set_value(e, sp->map_now, (size_t)c, sp->cell_capacity[c] > 0 ? u / sp->cell_capacity[c] : NAN, k,
                           &r->impact_changes, &r->nimpact_changes, &sp->cap_impact_changes);
        sp->dirty[c] = 0;
    }
    sp->ndirty = 0;
    return moved;
}

/* The sector levels at point k, in level_now: all at k = 0, then those of the sectors with
 * a node whose level moved since the last point (the ledger changes no other's unserved
 * service). Whether a value's bits changed (1 at k = 0). */
static int record_levels(dm_engine *e, size_t k)
{
    sampler *sp = &e->sampler;
    dm_engine_result *r = &e->res;
    const size_t S = e->nsectors;
    int moved = k == 0;
    if (k == 0) {
        for (size_t s = 0; s < S; s++) sp->level_now[s] = 1.0 - e->ledger.unserved[s] / e->sector_capacity[s];
        if (r->level_first) memcpy(r->level_first, sp->level_now, S * sizeof *sp->level_now);
    }
    for (size_t i = 0; i < sp->nsector_dirty; i++) {
        const int s = sp->dirty_sector[i];
        sp->sector_dirty[s] = 0;
        if (k > 0)
            moved |= set_value(e, sp->level_now, (size_t)s, 1.0 - e->ledger.unserved[s] / e->sector_capacity[s], k,
                               &r->level_changes, &r->nlevel_changes, &sp->cap_level_changes);
    }
    sp->nsector_dirty = 0;
    return moved;
}

/* Row j of a series (width W) has the bits of row j - 1; a series not stored has. */
static int same_row(const double *series, size_t j, size_t W)
{
    return !series || !memcmp(series + j * W, series + (j - 1) * W, W * sizeof *series);
}

/* Records grid point k from the current state. When no level changed since the previous
 * point, the previous row is copied; as runs, nothing is written (the run goes on). */
static void record(dm_engine *e, size_t k)
{
    dm_engine_result *r = &e->res;
    sampler *sp = &e->sampler;
    size_t S = e->nsectors, n = e->n, cells = r->nregions * S;
    int fresh = k == 0 || sp->changed;
    size_t at = k;  /* the row written */
    if (r->run_start) {
        if (!fresh) return;
        if (k == 0) r->nruns = 0;
        at = r->nruns++;
        r->run_start[at] = (uint32_t)k;
        r->run_start[at + 1] = (uint32_t)r->ntimes;
    }
    int levels_moved = 0, map_moved = 0;  /* a stored row differs from the last */
    if (sp->level_now && fresh) levels_moved = record_levels(e, k);
    if (sp->map_now && fresh) map_moved = record_map(e, k);
    if (r->sector_level) memcpy(r->sector_level + at * S, fresh ? sp->level_now : r->sector_level + (at - 1) * S, S * sizeof(double));
    if (r->impact) memcpy(r->impact + at * cells, fresh ? sp->map_now : r->impact + (at - 1) * cells, cells * sizeof(double));
    if (r->node_level) memcpy(r->node_level + at * n, fresh ? e->level : r->node_level + (at - 1) * n, n * sizeof(double));
    sp->changed = 0;
    /* as runs: a row the same as the last one (levels that moved and came back, or a
     * node outside the series) continues its run */
    if (r->run_start && at > 0 && !(r->sector_level && levels_moved) && !(r->impact && map_moved) &&
        same_row(r->node_level, at, n)) {
        r->nruns--;
        r->run_start[at] = (uint32_t)r->ntimes;
    }
}

/* Records every grid point before tick t: nothing changes between visited ticks, so the
 * state now is the state at the end of each of those points. */
void dmi_sampler_until(dm_engine *e, int64_t t)
{
    sampler *sp = &e->sampler;
    if (!sp->store) return;
    const size_t K = e->res.ntimes;
    const int64_t dt = e->res.interval;
    /* a point where nothing changed writes nothing, unless rows are kept for every time */
    const int every = !e->res.run_start && (e->res.sector_level || e->res.impact || e->res.node_level);
    while (sp->next_sample < K && (int64_t)sp->next_sample * dt < t) {
        if (!every && sp->next_sample > 0 && !sp->changed) {
            /* as runs or changes: the points k dt < t continue as they are (t > dt here) */
            size_t end = (size_t)((t - 1) / dt + 1);
            sp->next_sample = end < K ? end : K;
            break;
        }
        record(e, sp->next_sample++);
    }
}

void dmi_sampler_touch(dm_engine *e, int v)
{
    sampler *sp = &e->sampler;
    sp->changed = 1;
    if (!sp->sector_dirty && !sp->dirty) return;  /* no levels or map recorded */
    const node_rule *nr = node_rule_of(e, v);
    if (sp->sector_dirty && !sp->sector_dirty[nr->sector]) {
        sp->sector_dirty[nr->sector] = 1;
        sp->dirty_sector[sp->nsector_dirty++] = nr->sector;
    }
    if (!sp->dirty) return;
    int c = nr->cell;
    if (c >= 0 && !sp->dirty[c]) {
        sp->dirty[c] = 1;
        sp->dirty_cell[sp->ndirty++] = c;
    }
}

void dmi_sampler_reset(dm_engine *e)
{
    e->sampler.next_sample = 0;
    e->sampler.changed = 1;
    e->res.nruns = e->res.nlevel_changes = e->res.nimpact_changes = 0;
}

void dmi_sampler_free(dm_engine *e)
{
    free_grids(e);
}
