/* domino — Monte Carlo: R replicates of a scenario in parallel, and statistics across them.
 *
 * Replicates run in blocks. Within a block, OpenMP threads each run replicates on their
 * own engine; after the block the calling thread hands each completed replicate, in
 * replicate order, to a sink (the HDF5 writer, say) and to the statistics. Every
 * reduction therefore happens in replicate order, and the statistics are the same bits
 * for any number of threads (DESIGN.md, "Monte Carlo and determinism"). */
#ifndef DOMINO_MONTECARLO_H
#define DOMINO_MONTECARLO_H

#include "export.h"
#include <signal.h>
#include "engine.h"

/* The quantiles domino reports, in this order. */
#define DM_NQUANTILES 3
DM_EXPORT extern const double dm_quantiles[DM_NQUANTILES]; /* 0.05, 0.50, 0.95 */

typedef struct dm_mc_config {
    uint64_t first, replicates;   /* replicates first .. first + replicates - 1 */
    int threads;                  /* 0: all cores */
    int64_t interval;             /* output grid, ticks (>= 1) */
    unsigned store;               /* DM_STORE_* series the sink receives; its replicates
                                     carry their event log only with DM_STORE_EVENTS
                                     (nevents = 0 otherwise: not copied) */
    unsigned stats;               /* DM_STORE_SECTORS | DM_STORE_MAPS: series the statistics
                                     summarise (mean and quantiles over time); sector levels
                                     are also summarised when the sink receives them */
    /* Called on the calling thread for each completed replicate, in order; a non-zero
     * return stops the run with that error. May be NULL. */
    int (*sink)(void *ctx, const dm_engine_result *r, dm_error *err);
    void *sink_ctx;
    /* The sink takes the stored series as runs of equal rows (r->run_start, r->nruns;
     * include/domino/engine.h), as dm_h5_append does; else it receives them in full. */
    int sink_runs;
    /* Called after each block with the number of replicates done. May be NULL. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* When set (by a signal handler), replicates not yet started are skipped and the
     * run ends after the ones in flight. May be NULL. */
    volatile sig_atomic_t *stop;
    /* The memory the run may use, bytes (0: half of the machine's, dm_mc_memory_limit).
     * Checked before the run against dm_mc_memory_estimate by the callers, and during it
     * against the event logs, whose size only the replicates tell: a replicate whose log,
     * held by every engine and every replicate in flight, would pass the limit fails the
     * run (DM_ESOFTWARE, nothing handed to the sink after it). */
    double max_bytes;
    /* When set, dm_mc_run (one graph, not interrupted) leaves here one of its engines
     * instead of freeing it, for the caller to free: the one that ran the median replicate
     * last when one did (dm_engine_results(*keep)->replicate is then median_replicate),
     * else one that ran another. It records what the run recorded. NULL when none is left. */
    dm_engine **keep;
} dm_mc_config;

/* Statistics across the completed replicates. Times are in minutes after T+0. A sector's
 * onset and duration are those of its first breach in a replicate (a breach still going
 * at the horizon lasts until the horizon); they are NaN when no replicate breached it. */
typedef struct dm_stats {
    uint64_t replicates;          /* completed */
    int interrupted;              /* the stop flag ended the run early */
    size_t nsectors, ntimes;
    double *breach_probability;   /* [sector]: fraction of replicates with a breach */
    double *onset_mean, *onset_q; /* [sector], [sector][quantile] */
    double *duration_mean, *duration_q;
    double *expected_unit_hours;  /* [sector]: mean unserved unit-hours over the horizon */
    double *expected_economic_loss; /* [sector]: mean of the sector's economic_loss */
    double *level_mean, *level_q; /* [time][sector], [quantile][time][sector]; NULL unless
                                     sector levels were summarised. Means are exact; quantiles
                                     come from bins of 10^-4 and are within 5e-5 of the exact
                                     ones (docs/output-format.md) */
    size_t nregions;              /* regions of the maps (1 when the model has none) */
    double *map_mean, *map_q;     /* [time][region][sector], [quantile][time][region][sector]
                                     of the impact maps, likewise; NULL unless summarised */
    double *lost_sector_hours;    /* [replicate]: sum over sectors of unserved/capacity hours */
    uint64_t median_replicate;    /* the replicate at the median of lost_sector_hours */
} dm_stats;

/* Bytes a run needs (engines, a block of replicates in flight, the statistics' bins), so
 * callers can refuse runs that do not fit. Nothing in it grows with the replicate count
 * but 24 bytes a replicate (its sector-hours lost, to find the median replicate). */
DM_EXPORT double dm_mc_memory_estimate(const dm_scenario *sc, const dm_mc_config *cfg);
/* The limit a run of max_bytes (0: none given) is held to: max_bytes, or half of the
 * machine's physical memory. */
DM_EXPORT double dm_mc_memory_limit(double max_bytes);

/* Runs the replicates and fills *stats (free with dm_stats_free). */
DM_EXPORT int dm_mc_run(const dm_scenario *sc, const dm_mc_config *cfg, dm_stats *stats, dm_error *err);
/* The same over an ensemble of n scenarios that differ only in their graphs (a sweep's
 * `graphs`): replicate first + r runs on graph r n / replicates (contiguous shares,
 * 1 <= n <= replicates); graph 0 is sc, graph g > 0 is made by load(ctx, g, &out, err)
 * when its share begins and freed by the run after it (so at most two are in memory).
 * Every replicate goes into one set of statistics, in replicate order: the same bits for
 * any thread count. n = 1 is dm_mc_run. */
typedef int (*dm_mc_scenario_fn)(void *ctx, size_t g, dm_scenario **out, dm_error *err);
DM_EXPORT int dm_mc_run_ensemble(const dm_scenario *sc, size_t n, dm_mc_scenario_fn load, void *ctx,
                                 const dm_mc_config *cfg, dm_stats *stats, dm_error *err);
DM_EXPORT void dm_stats_free(dm_stats *s);

#endif
