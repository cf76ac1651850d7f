/* domino — the cascade engine and what one replicate produces.
 *
 * dm_engine_new compiles a scenario into flat arrays (CSR adjacency, per-group state) and
 * allocates every workspace once; dm_engine_run then simulates one replicate and leaves
 * its results in the engine until the next run. The engine borrows the scenario, which
 * must outlive it. An engine is used by one thread at a time; give each thread its own. */
#ifndef DOMINO_ENGINE_H
#define DOMINO_ENGINE_H

#include "export.h"
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "model.h"

/* Levels (shares of a node's capacity) closer than this are equal. It ends zero-lag loops
 * that converge geometrically (ELEC -> ICT -> ELEC through a weak edge) and keeps
 * floating-point dust out of the timeline. 1e-9 of capacity is 1000 times below the
 * finest threshold in the shipped models (ガス: 30 of 30,000,000 households = 1e-6), so no
 * breach depends on it. */
#define DM_LEVEL_EPS 1e-9

/* What a logged event says happened to a node. */
typedef enum {
    DM_EV_HAZARD_START,     /* a hazard damaged the node (value: severity) */
    DM_EV_HAZARD_END,       /* the hazard's damage was repaired */
    DM_EV_BUFFER_ENGAGED,   /* a requirement group lost supply; its buffer now covers it */
    DM_EV_BUFFER_HELD,      /* resupply arrived: the buffer stops draining */
    DM_EV_BUFFER_DRAINING,  /* resupply lost: the buffer drains again */
    DM_EV_BUFFER_EXHAUSTED, /* the buffer ran out */
    DM_EV_DEGRADED,         /* level fell (value: new level) */
    DM_EV_DOWN,             /* level fell to 0 */
    DM_EV_COLLAPSED,        /* input fell below the collapse threshold: level 0 */
    DM_EV_RESTARTING,       /* input is back; restart under way (value: target) */
    DM_EV_RISING,           /* level rose (value: new level) */
    DM_EV_RESTORED,         /* level back to full service */
    DM_EV_DISCONNECTED,     /* cut off from its layer's sources or giant component: level 0 */
    DM_EV_HAZARD_RESTORING, /* the hazard's restoration curve has given back another 10 % or
                               more of the hit capacity, or reached its end (value: share back) */
    DM_EV_NKINDS
} dm_event_kind;

typedef struct dm_event {
    int64_t tick;
    int node;
    dm_event_kind kind;
    int cause_node;   /* the provider whose loss this follows, or -1 */
    int group;        /* the requirement group concerned, or -1 */
    int hazard;       /* the hazard at the root of the chain, or -1 */
    double value;
} dm_event;

typedef struct dm_breach {
    int sector;
    int64_t onset, confirmed, end; /* ticks; end = -1 while still in breach at the horizon */
    double peak;                   /* peak unserved, in the sector's unit */
    double unit_hours;             /* unserved unit-hours over onset..end */
    int region;                    /* the region whose part of the sector breached; -1: the
                                      sector as a whole */
} dm_breach;

typedef struct dm_sector_result {
    double min_level, final_level;
    double unserved_unit_hours;    /* over the whole horizon */
    double economic_loss;          /* x_S * integral of q_S dt, in output_unit (q = 1 - L) */
    int first_breach;              /* index into breaches, or -1 */
} dm_sector_result;

/* A series' value changed at grid point k, in column col (a sector, or a map cell
 * region * nsectors + sector), to x (dm_engine_result.level_changes). */
typedef struct dm_change {
    uint32_t k, col;
    double x;
} dm_change;

typedef struct dm_result {
    uint64_t replicate;
    int64_t horizon, tick_s;       /* horizon in ticks */
    size_t nevents; dm_event *events;
    size_t nbreaches; dm_breach *breaches;  /* of whole sectors (region -1), in time order */
    /* With regions: the breaches of each region's part of each sector (U_{S,r} >= M_S for
     * D), in order of onset, then sector, then region. */
    size_t nregion_breaches; dm_breach *region_breaches;
    dm_sector_result *sectors;     /* one per model sector */
    /* With regions: each region's part of each sector, [region * nsectors + sector] (NULL
     * without regions): levels of the part (1 - U_{S,r} / its capacity), its unserved
     * unit-hours, its share of the sector's loss; first_breach indexes region_breaches.
     * Kept by the engine only (a Monte Carlo slot's copy has NULL). */
    dm_sector_result *region_sectors;
    double *hazard_start, *hazard_end; /* per hazard, ticks drawn for this replicate (end -1: none) */
    size_t nwarnings; char (*warnings)[200];
    uint64_t ticks_processed, evaluations;
    uint64_t reallocations;        /* growths of the event log, breach list, calendar or change lists */

    /* The output grid (dm_engine_set_output): the state at the end of ticks 0, interval,
     * 2 interval, ... before the horizon, ntimes points. NULL when not stored. */
    size_t ntimes; int64_t interval;
    size_t nregions;               /* impact regions: the model's, or 1 ("all") */
    double *sector_level;          /* [ntimes][nsectors]: L_S = 1 - U_S / capacity */
    double *impact;                /* [ntimes][nregions][nsectors]: unserved fraction of the
                                      cell's capacity; NaN for a cell without capacity */
    double *node_level;            /* [ntimes][nnodes] */
    /* With DM_STORE_RUNS the series keep a row only where a level changed: row j of each
     * holds times run_start[j] .. run_start[j + 1] - 1, for j < nruns (run_start[nruns] =
     * ntimes). Without it, run_start is NULL and every time has its row. */
    size_t nruns; uint32_t *run_start;

    /* 0 for a whole run; 1 + r for a view narrowed to region r (dm_result_narrow), whose
     * events are those of the region and whose breaches are the region's */
    int narrowed_to;

    /* Added last, so that the fields above keep their offsets. With DM_STORE_LEVEL_CHANGES /
     * DM_STORE_MAP_CHANGES a series is also (or only) kept as its first row (time 0:
     * level_first[nsectors], impact_first[nregions][nsectors]) and every later change of a
     * value's bits, in time order (times >= 1): what the Monte Carlo statistics read, in
     * O(changes) rather than O(times x columns). NULL and 0 otherwise. */
    double *level_first, *impact_first;
    size_t nlevel_changes, nimpact_changes;
    dm_change *level_changes, *impact_changes;
} dm_engine_result;

typedef struct dm_engine dm_engine;

/* Compiles sc for simulation. Fails (DM_EDATA) when a duration is not representable in
 * ticks. O(nodes + dependencies). */
DM_EXPORT int dm_engine_new(const dm_scenario *sc, dm_engine **out, dm_error *err);
DM_EXPORT void dm_engine_free(dm_engine *e);

/* What dm_engine_set_output records on the output grid. */
enum { DM_STORE_SECTORS = 1, DM_STORE_MAPS = 2, DM_STORE_NODES = 4, DM_STORE_EVENTS = 8,
       DM_STORE_RUNS = 16 /* the series as runs of equal rows (dm_engine_result.run_start) */,
       /* the sector levels / the impact map as their first row and changes (with or
        * without their rows: DM_STORE_SECTORS / DM_STORE_MAPS) */
       DM_STORE_LEVEL_CHANGES = 32, DM_STORE_MAP_CHANGES = 64 };

/* Records the flagged series (DM_STORE_SECTORS | DM_STORE_MAPS | DM_STORE_NODES) every
 * interval ticks (>= 1) from the next run on. Allocates the series once, here. */
DM_EXPORT int dm_engine_set_output(dm_engine *e, int64_t interval, unsigned store, dm_error *err);
/* Bytes an engine for sc allocates (an estimate, for memory limits). */
DM_EXPORT double dm_engine_memory_estimate(const dm_scenario *sc);
/* Number of points on a grid of the given interval over the scenario's horizon. */
DM_EXPORT size_t dm_output_ntimes(const dm_scenario *sc, int64_t interval);

/* Runs replicate r (random draws from the stream of (seed, r)). The results are valid
 * until the next run or dm_engine_free. Cost grows with the number of level changes,
 * not with horizon x nodes. */
DM_EXPORT int dm_engine_run(dm_engine *e, uint64_t replicate, dm_error *err);
DM_EXPORT const dm_engine_result *dm_engine_results(const dm_engine *e);

/* Level of sector s (1 - unserved/capacity) as the last run left it. */
DM_EXPORT double dm_engine_sector_level(const dm_engine *e, int sector);
/* Level of node v as the last run left it. */
DM_EXPORT double dm_engine_node_level(const dm_engine *e, int node);

#endif
