/* The output sampler: the state at the end of ticks 0, interval, 2 interval, ... (the
 * output grid), of the sectors, nodes and impact map cells the caller asked to store. The
 * loop visits only ticks with events, so before each visited tick it records every grid
 * point since the last (the state has not changed in between). With DM_STORE_RUNS it
 * writes a row only where a level changed, and skips the points in between at once. It
 * owns struct sampler (engine_internal.h) and the results' grids. */
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
    free(sp->cell_capacity); free(sp->cell_unserved); free(sp->cell_start); free(sp->cell_node);
    free(sp->dirty_cell); free(sp->dirty); free(sp->map_level);
    r->sector_level = r->impact = r->node_level = NULL;
    r->run_start = NULL;
    sp->cell_capacity = sp->cell_unserved = sp->map_level = NULL;
    sp->cell_start = sp->cell_node = sp->dirty_cell = NULL;
    sp->dirty = NULL;
}

int dm_engine_set_output(dm_engine *e, int64_t interval, unsigned store, dm_error *err)
{
    if (interval < 1) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "the output interval must be at least one tick");
    dm_engine_result *r = &e->res;
    sampler *sp = &e->sampler;
    size_t K = dm_output_ntimes(e->sc, interval), S = e->nsectors, n = e->n;
    size_t R = e->m->nregions ? e->m->nregions : 1, cells = R * S;
    free_grids(e);
    int ok = 1;
    if (store & DM_STORE_SECTORS) ok &= NEW(r->sector_level, K * S) != NULL;
    if (store & DM_STORE_NODES) ok &= NEW(r->node_level, K * n) != NULL;
    if (store & DM_STORE_RUNS) ok &= NEW(r->run_start, K + 1) != NULL;
    if (store & DM_STORE_MAPS)
        ok &= NEW(r->impact, K * cells) && NEW(sp->cell_capacity, cells) && NEW(sp->cell_unserved, cells) &&
              NEW(sp->cell_start, cells + 1) && NEW(sp->cell_node, n) && NEW(sp->dirty_cell, cells) &&
              NEW(sp->dirty, cells) && NEW(sp->map_level, n);
    if (!ok) {
        free_grids(e);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for the output grid (%zu points)", K);
    }
    /* a node outside every region of a model with regions (a power area's generation, say)
     * belongs to no cell of the map (compile_records); each cell's nodes in index order */
    for (size_t v = 0; r->impact && v < n; v++) {
        int c = node_rule_of(e, (int)v)->cell;
        if (c < 0) continue;
        sp->cell_capacity[c] += node_rule_of(e, (int)v)->capacity;
        sp->cell_start[c + 1]++;
    }
    for (size_t c = 0; r->impact && c < cells; c++) sp->cell_start[c + 1] += sp->cell_start[c];
    for (size_t v = 0; r->impact && v < n; v++) {
        int c = node_rule_of(e, (int)v)->cell;
        if (c >= 0) sp->cell_node[sp->cell_start[c] + sp->dirty_cell[c]++] = (int)v;
    }
    for (size_t c = 0; r->impact && c < cells; c++) sp->dirty_cell[c] = 0;
    r->ntimes = K;
    r->interval = interval;
    r->nregions = R;
    r->nruns = 0;
    sp->store = store;
    return 0;
}

/* The map's row: the unserved fraction of each cell's capacity. The first row of a
 * replicate (prev NULL) sums every node into its cell; a later one copies the last row
 * (prev) and sums again only the cells with a node whose level moved since, each over its
 * nodes in index order as the first pass does, so every value has the same bits as a
 * pass over all nodes would give. Returns whether the row's bits differ from prev's (1
 * for a first row): only a cell summed again can differ. */
static int record_map(dm_engine *e, double *row, const double *prev)
{
    sampler *sp = &e->sampler;
    size_t n = e->n, cells = e->res.nregions * e->nsectors;
    if (!prev) {
        memset(sp->cell_unserved, 0, cells * sizeof *sp->cell_unserved);
        for (size_t v = 0; v < n; v++) {
            const node_rule *nr = node_rule_of(e, (int)v);
            if (nr->cell >= 0) sp->cell_unserved[nr->cell] += nr->capacity * (1.0 - e->level[v]);
        }
        for (size_t c = 0; c < cells; c++)
            row[c] = sp->cell_capacity[c] > 0 ? sp->cell_unserved[c] / sp->cell_capacity[c] : NAN;
        memcpy(sp->map_level, e->level, n * sizeof *sp->map_level);
        return 1;
    }
    size_t nd = 0;
    for (size_t v = 0; v < n; v++)
        if (e->level[v] != sp->map_level[v]) {
            sp->map_level[v] = e->level[v];
            int c = node_rule_of(e, (int)v)->cell;
            if (c >= 0 && !sp->dirty[c]) { sp->dirty[c] = 1; sp->dirty_cell[nd++] = c; }
        }
    memcpy(row, prev, cells * sizeof *row);
    int moved = 0;
    for (size_t i = 0; i < nd; i++) {
        int c = sp->dirty_cell[i];
        double u = 0;
        for (int j = sp->cell_start[c]; j < sp->cell_start[c + 1]; j++) {
            int v = sp->cell_node[j];
            u += node_rule_of(e, v)->capacity * (1.0 - e->level[v]);
        }
        sp->cell_unserved[c] = u;
        row[c] = sp->cell_capacity[c] > 0 ? u / sp->cell_capacity[c] : NAN;
        moved |= memcmp(&row[c], &prev[c], sizeof *row) != 0;
        sp->dirty[c] = 0;
    }
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
    size_t S = e->nsectors, n = e->n, cells = r->nregions * S;
    int fresh = k == 0 || e->sampler.changed;
    size_t at = k;  /* the row written */
    if (r->run_start) {
        if (!fresh) return;
        if (k == 0) r->nruns = 0;
        at = r->nruns++;
        r->run_start[at] = (uint32_t)k;
        r->run_start[at + 1] = (uint32_t)r->ntimes;
    }
    if (r->sector_level) {
        double *row = r->sector_level + at * S;
        if (fresh) for (size_t s = 0; s < S; s++) row[s] = 1.0 - e->ledger.unserved[s] / e->sector_capacity[s];
        else memcpy(row, row - S, S * sizeof *row);
    }
    if (r->node_level) {
        double *row = r->node_level + at * n;
        if (fresh) memcpy(row, e->level, n * sizeof *row);
        else memcpy(row, row - n, n * sizeof *row);
    }
    int map_moved = 0;  /* the map's row differs from the last */
    if (r->impact) {
        double *row = r->impact + at * cells;
        if (fresh) map_moved = record_map(e, row, k == 0 ? NULL : row - cells);
        else memcpy(row, row - cells, cells * sizeof *row);
    }
    e->sampler.changed = 0;
    /* as runs: a row the same as the last one (levels that moved and came back, or a
     * node outside the series) continues its run */
    if (r->run_start && at > 0 && same_row(r->sector_level, at, S) && same_row(r->node_level, at, n) &&
        !(r->impact && map_moved)) {
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
    while (sp->next_sample < K && (int64_t)sp->next_sample * dt < t) {
        if (e->res.run_start && sp->next_sample > 0 && !sp->changed) {
            /* as runs: the points k dt < t continue the current run (t > dt here) */
            size_t end = (size_t)((t - 1) / dt + 1);
            sp->next_sample = end < K ? end : K;
            break;
        }
        record(e, sp->next_sample++);
    }
}

void dmi_sampler_touch(dm_engine *e)
{
    e->sampler.changed = 1;
}

void dmi_sampler_reset(dm_engine *e)
{
    e->sampler.next_sample = 0;
    e->sampler.changed = 1;
    e->res.nruns = 0;
}

void dmi_sampler_free(dm_engine *e)
{
    free(e->res.run_start);
    e->res.run_start = NULL;
    sampler *sp = &e->sampler;
    free(sp->cell_capacity); free(sp->cell_unserved); free(sp->cell_start); free(sp->cell_node);
    free(sp->dirty_cell); free(sp->dirty); free(sp->map_level);
}
