/* The output sampler: the state at the end of ticks 0, interval, 2 interval, ... (the
 * output grid), of the sectors, nodes and impact map cells the caller asked to store. The
 * loop visits only ticks with events, so before each visited tick it records every grid
 * point since the last (the state has not changed in between). It owns struct sampler
 * (engine_internal.h) and the results' grids. */
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

int dm_engine_set_output(dm_engine *e, int64_t interval, unsigned store, dm_error *err)
{
    if (interval < 1) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "the output interval must be at least one tick");
    dm_engine_result *r = &e->res;
    size_t K = dm_output_ntimes(e->sc, interval), S = e->nsectors, n = e->n;
    size_t R = e->m->nregions ? e->m->nregions : 1;
    free(r->sector_level); free(r->impact); free(r->node_level);
    free(e->sampler.cell_capacity); free(e->sampler.cell_unserved);
    r->sector_level = r->impact = r->node_level = NULL;
    e->sampler.cell_capacity = e->sampler.cell_unserved = NULL;
    int ok = 1;
    if (store & DM_STORE_SECTORS) ok &= NEW(r->sector_level, K * S) != NULL;
    if (store & DM_STORE_NODES) ok &= NEW(r->node_level, K * n) != NULL;
    if (store & DM_STORE_MAPS)
        ok &= NEW(r->impact, K * R * S) && NEW(e->sampler.cell_capacity, R * S) && NEW(e->sampler.cell_unserved, R * S);
    if (!ok) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for the output grid (%zu points)", K);
    /* a node outside every region of a model with regions (a power area's generation, say)
     * belongs to no cell of the map (compile_records) */
    for (size_t v = 0; r->impact && v < n; v++)
        if (node_rule_of(e, (int)v)->cell >= 0) e->sampler.cell_capacity[node_rule_of(e, (int)v)->cell] += node_rule_of(e, (int)v)->capacity;
    r->ntimes = K;
    r->interval = interval;
    r->nregions = R;
    e->sampler.store = store;
    return 0;
}

/* Records grid point k from the current state. When no level changed since the previous
 * point, the previous row is copied. */
static void record(dm_engine *e, size_t k)
{
    dm_engine_result *r = &e->res;
    size_t S = e->nsectors, n = e->n, cells = r->nregions * S;
    int fresh = k == 0 || e->sampler.changed;
    if (r->sector_level) {
        double *row = r->sector_level + k * S;
        if (fresh) for (size_t s = 0; s < S; s++) row[s] = 1.0 - e->ledger.unserved[s] / e->sector_capacity[s];
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
            memset(e->sampler.cell_unserved, 0, cells * sizeof *e->sampler.cell_unserved);
            for (size_t v = 0; v < n; v++) {
                const node_rule *nr = node_rule_of(e, (int)v);
                if (nr->cell >= 0) e->sampler.cell_unserved[nr->cell] += nr->capacity * (1.0 - e->level[v]);
            }
            for (size_t c = 0; c < cells; c++)
                row[c] = e->sampler.cell_capacity[c] > 0 ? e->sampler.cell_unserved[c] / e->sampler.cell_capacity[c] : NAN;
        } else {
            memcpy(row, row - cells, cells * sizeof *row);
        }
    }
    e->sampler.changed = 0;
}

/* Records every grid point before tick t: nothing changes between visited ticks, so the
 * state now is the state at the end of each of those points. */
void dmi_sampler_until(dm_engine *e, int64_t t)
{
    if (!e->sampler.store) return;
    while (e->sampler.next_sample < e->res.ntimes && (int64_t)e->sampler.next_sample * e->res.interval < t)
        record(e, e->sampler.next_sample++);
}

void dmi_sampler_touch(dm_engine *e)
{
    e->sampler.changed = 1;
}

void dmi_sampler_reset(dm_engine *e)
{
    e->sampler.next_sample = 0;
    e->sampler.changed = 1;
}

void dmi_sampler_free(dm_engine *e)
{
    free(e->sampler.cell_capacity);
    free(e->sampler.cell_unserved);
}
