/* The ledger of unserved service and breaches (DESIGN.md, "Service levels and breaches"):
 * per sector, and in a model with regions per (region, sector) cell, the unserved service
 * U integrated over time and the breach state machine (a breach: U >= M held for the
 * threshold's duration). The engine tells it which nodes' levels changed (dm_ledger_touch)
 * and, after each tick has settled, to take the touched sectors' new values
 * (dmi_ledger_tick); dmi_ledger_close closes the books at the horizon. It owns struct
 * ledger (engine_internal.h) and writes the results' breaches and sector figures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine_internal.h"

#define NEW(p, count) ((p) = calloc((count) != 0 ? (count) : 1, sizeof *(p)))

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
    e->ledger.nreg_cells = C;
    int ok = NEW(e->ledger.reg_start, C + 1) && NEW(e->ledger.reg_node, n) && NEW(e->ledger.reg_node_cap, n) && NEW(e->ledger.reg_capacity, C) && NEW(e->ledger.reg_magnitude, C) &&
             NEW(e->ledger.reg_unserved, C) && NEW(e->ledger.reg_run_peak, C) && NEW(e->ledger.reg_run_uh, C) && NEW(e->ledger.reg_acc_tick, C) &&
             NEW(e->ledger.reg_run_start, C) && NEW(e->ledger.reg_in_run, C) && NEW(e->ledger.reg_touched, C) && NEW(e->ledger.reg_touched_list, C) &&
             NEW(e->res.region_sectors, C) &&
             (e->ledger.cap_region_breaches = 64, NEW(e->res.region_breaches, e->ledger.cap_region_breaches));
    if (!ok) return -1;
    for (size_t v = 0; v < n; v++)
        if (node_rule_of(e, (int)v)->cell >= 0) e->ledger.reg_start[node_rule_of(e, (int)v)->cell + 1]++;
    for (size_t c = 0; c < C; c++) e->ledger.reg_start[c + 1] += e->ledger.reg_start[c];
    size_t *fill = malloc(C * sizeof *fill);
    if (!fill) return -1;
    memcpy(fill, e->ledger.reg_start, C * sizeof *fill);
    for (size_t v = 0; v < n; v++) {
        const node_rule *nr = node_rule_of(e, (int)v);
        if (nr->cell < 0) continue;
        e->ledger.reg_node_cap[fill[nr->cell]] = nr->capacity;
        e->ledger.reg_node[fill[nr->cell]++] = (int)v;
        e->ledger.reg_capacity[nr->cell] += nr->capacity;
    }
    free(fill);
    for (size_t c = 0; c < C; c++) {
        const dm_sector *sec = &m->sectors[c % e->nsectors];
        e->ledger.reg_magnitude[c] = sec->any_loss ? 0 : sec->magnitude_share > 0 ? sec->magnitude_share * e->ledger.reg_capacity[c]
                                                                           : sec->magnitude;
    }
    return 0;
}

int dmi_ledger_compile(dm_engine *e)
{
    ledger *l = &e->ledger;
    size_t S = e->nsectors;
    int ok = NEW(l->sector_touched, S) && NEW(l->unserved, S) && NEW(l->acc_tick, S) && NEW(l->in_run, S) &&
             NEW(l->run_start, S) && NEW(l->run_peak, S) && NEW(l->run_uh, S) && NEW(l->node_cap, e->n) &&
             (l->cap_breaches = 64, NEW(e->res.breaches, l->cap_breaches));
    for (size_t k = 0; ok && k < e->n; k++) l->node_cap[k] = node_rule_of(e, e->sector_node[k])->capacity;
    return ok ? compile_regions(e) : -1;
}

void dmi_ledger_free(dm_engine *e)
{
    ledger *l = &e->ledger;
    void *arrays[] = {
        l->sector_touched, l->unserved, l->acc_tick, l->in_run, l->run_start, l->run_peak, l->run_uh, l->node_cap,
        e->res.breaches, l->reg_start, l->reg_node, l->reg_node_cap, l->reg_capacity, l->reg_magnitude, l->reg_unserved,
        l->reg_run_peak, l->reg_run_uh, l->reg_acc_tick, l->reg_run_start, l->reg_in_run, l->reg_touched,
        l->reg_touched_list, e->res.region_breaches, e->res.region_sectors,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
}

void dmi_ledger_reset(dm_engine *e)
{
    ledger *l = &e->ledger;
    l->nsectors_touched = 0;
    for (size_t s = 0; s < e->nsectors; s++) {
        l->unserved[s] = 0; l->acc_tick[s] = 0; l->in_run[s] = 0; l->sector_touched[s] = 0;
        e->res.sectors[s] = (dm_sector_result){1.0, 1.0, 0.0, 0.0, -1};
    }
    for (size_t c = 0; c < l->nreg_cells; c++) {
        l->reg_unserved[c] = 0; l->reg_acc_tick[c] = 0; l->reg_in_run[c] = 0; l->reg_touched[c] = 0;
        e->res.region_sectors[c] = (dm_sector_result){1.0, 1.0, 0.0, 0.0, -1};
    }
    l->nreg_touched = 0;
    e->res.nregion_breaches = 0;
}

/* ---- sectors: unserved service and breaches (DESIGN.md "Service levels and breaches") ---- */

/* One step of a run over the threshold (a sector's or a cell's books): a run starts when
 * the unserved u is over, follows its peak while it stays over, and ends when it is not.
 * Returns 1 when a run ended at t (the caller makes it a breach if it lasted long enough). */
static int run_step(int over, double u, int64_t t, int *in_run, int64_t *start, double *peak, double *uh)
{
    if (over && !*in_run) {
        *in_run = 1;
        *start = t;
        *peak = u;
        *uh = 0;
    } else if (over) {
        if (u > *peak) *peak = u;
    } else if (*in_run) {
        *in_run = 0;
        return 1;
    }
    return 0;
}

static void push_breach(dm_engine *e, int s, int64_t end)
{
    if (e->res.nbreaches == e->ledger.cap_breaches) {
        dm_breach *p = realloc(e->res.breaches, 2 * e->ledger.cap_breaches * sizeof *p);
        if (!p) { e->out_of_memory = 1; return; }  /* the run fails: no breach is ever dropped */
        e->res.breaches = p;
        e->ledger.cap_breaches *= 2;
        e->res.reallocations++;
    }
    dm_breach *b = &e->res.breaches[e->res.nbreaches];
    *b = (dm_breach){s, e->ledger.run_start[s], e->ledger.run_start[s] + e->threshold_ticks[s], end, e->ledger.run_peak[s], e->ledger.run_uh[s], -1};
    e->res.nbreaches++;
}

/* Integrates sector s's unserved service up to tick t at its current value, then, if
 * at_level is set, takes the sector's new unserved value and steps the breach state:
 * a breach starts when U >= M has held for the threshold's duration. */
static void account(dm_engine *e, int s, int64_t t, int at_level)
{
    const dm_sector *sec = &e->m->sectors[s];
    double hours = (double)(t - e->ledger.acc_tick[s]) * (double)e->res.tick_s / 3600.0;
    e->res.sectors[s].unserved_unit_hours += e->ledger.unserved[s] * hours;
    if (e->ledger.in_run[s]) e->ledger.run_uh[s] += e->ledger.unserved[s] * hours;
    e->ledger.acc_tick[s] = t;
    if (!at_level) return;

    double u = 0;  /* U_S = sum over the sector's nodes of c_v (1 - s_v), in node order */
    for (size_t k = e->sector_start[s]; k < e->sector_start[s + 1]; k++)
        u += e->ledger.node_cap[k] * (1.0 - e->level[e->sector_node[k]]);
    if (u < 0) u = 0;
    e->ledger.unserved[s] = u;
    double level = 1.0 - u / e->sector_capacity[s];
    if (level < e->res.sectors[s].min_level) e->res.sectors[s].min_level = level;
    /* Relative tolerance: a loss of exactly the magnitude counts despite rounding. */
    int over = sec->any_loss ? u > DM_ANY_LOSS_SHARE * e->sector_capacity[s] : u >= sec->magnitude * (1 - DM_MAGNITUDE_REL);
    if (run_step(over, u, t, &e->ledger.in_run[s], &e->ledger.run_start[s], &e->ledger.run_peak[s], &e->ledger.run_uh[s]) &&
        t - e->ledger.run_start[s] >= e->threshold_ticks[s])
        push_breach(e, s, t);
}

/* The same books for cell c, a region's part of a sector: the sector's threshold, with
 * the cell's magnitude (a percentage is of the cell's capacity). */
static void push_region_breach(dm_engine *e, size_t c, int64_t end)
{
    if (e->res.nregion_breaches == e->ledger.cap_region_breaches) {
        dm_breach *p = realloc(e->res.region_breaches, 2 * e->ledger.cap_region_breaches * sizeof *p);
        if (!p) { e->out_of_memory = 1; return; }  /* the run fails (one OOM policy) */
        e->res.region_breaches = p;
        e->ledger.cap_region_breaches *= 2;
        e->res.reallocations++;
    }
    int s = (int)(c % e->nsectors);
    e->res.region_breaches[e->res.nregion_breaches++] =
        (dm_breach){s, e->ledger.reg_run_start[c], e->ledger.reg_run_start[c] + e->threshold_ticks[s], end, e->ledger.reg_run_peak[c],
                    e->ledger.reg_run_uh[c], (int)(c / e->nsectors)};
}

static void account_region(dm_engine *e, size_t c, int64_t t, int at_level)
{
    int s = (int)(c % e->nsectors);
    double hours = (double)(t - e->ledger.reg_acc_tick[c]) * (double)e->res.tick_s / 3600.0;
    e->res.region_sectors[c].unserved_unit_hours += e->ledger.reg_unserved[c] * hours;
    if (e->ledger.reg_in_run[c]) e->ledger.reg_run_uh[c] += e->ledger.reg_unserved[c] * hours;
    e->ledger.reg_acc_tick[c] = t;
    if (!at_level) return;
    double u = 0;  /* U_{S,r}, in node order */
    for (size_t k = e->ledger.reg_start[c]; k < e->ledger.reg_start[c + 1]; k++)
        u += e->ledger.reg_node_cap[k] * (1.0 - e->level[e->ledger.reg_node[k]]);
    if (u < 0) u = 0;
    e->ledger.reg_unserved[c] = u;
    if (e->ledger.reg_capacity[c] > 0) {  /* a cell without nodes keeps level 1 */
        double level = 1.0 - u / e->ledger.reg_capacity[c];
        if (level < e->res.region_sectors[c].min_level) e->res.region_sectors[c].min_level = level;
    }
    int over = e->m->sectors[s].any_loss ? u > DM_ANY_LOSS_SHARE * e->ledger.reg_capacity[c] : u >= e->ledger.reg_magnitude[c] * (1 - DM_MAGNITUDE_REL);
    if (run_step(over, u, t, &e->ledger.reg_in_run[c], &e->ledger.reg_run_start[c], &e->ledger.reg_run_peak[c],
                 &e->ledger.reg_run_uh[c]) &&
        t - e->ledger.reg_run_start[c] >= e->threshold_ticks[s])
        push_region_breach(e, c, t);
}

static int by_onset_sector_region(const void *pa, const void *pb)
{
    const dm_breach *a = pa, *b = pb;
    if (a->onset != b->onset) return a->onset < b->onset ? -1 : 1;
    if (a->sector != b->sector) return a->sector < b->sector ? -1 : 1;
    return (a->region > b->region) - (a->region < b->region);  /* one cell's runs never share an onset */
}

void dmi_ledger_tick(dm_engine *e, int64_t t)
{
    ledger *l = &e->ledger;
    /* in sector order, as far as the last sector touched (most ticks touch one or none) */
    for (size_t s = 0; l->nsectors_touched && s < e->nsectors; s++)
        if (l->sector_touched[s]) {
            account(e, (int)s, t, 1);
            l->sector_touched[s] = 0;
            l->nsectors_touched--;
        }
    for (size_t i = 0; i < l->nreg_touched; i++) {
        size_t c = (size_t)l->reg_touched_list[i];
        account_region(e, c, t, 1);
        l->reg_touched[c] = 0;
    }
    l->nreg_touched = 0;
}

void dmi_ledger_close(dm_engine *e, int64_t horizon)
{
    ledger *l = &e->ledger;
    /* A run still over the threshold is a breach with no end if it has lasted long enough. */
    for (size_t s = 0; s < e->nsectors; s++) {
        account(e, (int)s, horizon, 0);
        if (l->in_run[s] && horizon - l->run_start[s] >= e->threshold_ticks[s]) push_breach(e, (int)s, -1);
        e->res.sectors[s].final_level = 1.0 - l->unserved[s] / e->sector_capacity[s];
        /* Inoperability-weighted loss (IIM): x_S per year times the integral of
         * q_S = U_S / capacity over the run, in years of 8,760 h. */
        e->res.sectors[s].economic_loss = e->m->sectors[s].output *
            (e->res.sectors[s].unserved_unit_hours / e->sector_capacity[s]) / 8760.0;
    }
    for (size_t c = 0; c < l->nreg_cells; c++) {
        account_region(e, c, horizon, 0);
        if (l->reg_in_run[c] && horizon - l->reg_run_start[c] >= e->threshold_ticks[c % e->nsectors])
            push_region_breach(e, c, -1);
        /* the part's levels, and its share of the sector's loss: the national formula below
         * with the part's unit-hours, so the parts of a sector in regions add up to it */
        size_t s = c % e->nsectors;
        dm_sector_result *part = &e->res.region_sectors[c];
        if (l->reg_capacity[c] > 0) part->final_level = 1.0 - l->reg_unserved[c] / l->reg_capacity[c];
        part->economic_loss = e->m->sectors[s].output * (part->unserved_unit_hours / e->sector_capacity[s]) / 8760.0;
    }
    if (e->res.nregion_breaches > 1)
        qsort(e->res.region_breaches, e->res.nregion_breaches, sizeof *e->res.region_breaches, by_onset_sector_region);
    for (size_t i = e->res.nregion_breaches; i-- > 0;) {
        const dm_breach *b = &e->res.region_breaches[i];
        e->res.region_sectors[(size_t)b->region * e->nsectors + (size_t)b->sector].first_breach = (int)i;
    }
    /* Breaches were found sector by sector as runs ended; report them in time order. */
    for (size_t i = 1; i < e->res.nbreaches; i++)
        for (size_t j = i; j > 0; j--) {
            dm_breach *a = &e->res.breaches[j - 1], *b = &e->res.breaches[j];
            if (a->onset < b->onset || (a->onset == b->onset && a->sector <= b->sector)) break;
            dm_breach tmp = *a; *a = *b; *b = tmp;
        }
    for (size_t s = 0; s < e->nsectors; s++) e->res.sectors[s].first_breach = -1;
    for (size_t i = e->res.nbreaches; i-- > 0;) e->res.sectors[e->res.breaches[i].sector].first_breach = (int)i;
}
