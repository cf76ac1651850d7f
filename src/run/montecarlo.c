/* Monte Carlo over replicates (include/domino/montecarlo.h).
 *
 *   for each graph of the ensemble (one, unless dm_mc_run_ensemble), for each block of
 *   its replicates:
 *       in parallel (OpenMP, one engine per thread): run replicate r, add its series to
 *           the thread's own sums and bins, copy the rest of its result into slot r of
 *           the block;
 *       on the calling thread, in replicate order: sink(slot), accumulate statistics;
 *   merge the threads' sums and bins, finish the statistics (means from the sums,
 *   quantiles from the bins).
 *
 * Nothing a thread computes depends on which thread computed it; the series' sums and
 * bins are integers, the same in any order and however the replicates were shared among
 * the threads, and every other reduction is serial and ordered, so results are
 * bit-identical for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <omp.h>
#include "domino/montecarlo.h"
#include "model/query.h"
#include "run/tally.h"

/* A replicate's result, copied out of the engine that computed it, for the sink and the
 * ordered statistics. The engine records the series the sink stores as runs of equal rows
 * (DM_STORE_RUNS), and those the statistics summarise as change lists, which the thread
 * adds to its statistics before the copy; the slot keeps the stored series, as runs, as a
 * sink that takes them wants (dm_mc_config.sink_runs), and also in full otherwise. */
typedef struct slot {
    dm_engine_result r;
    /* the stored series in full, for a sink that takes them so (NULL otherwise) */
    double *full_level, *full_impact, *full_node;
    size_t cap_events, cap_breaches, cap_region_breaches;
    int done, failed;
    dm_error err;
} slot;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t cap2 = need > 2 * *cap ? need : 2 * *cap;
    void *q = realloc(*p, cap2 * size);
    if (!q) return -1;
    *p = q;
    *cap = cap2;
    return 0;
}

/* Writes the runs of a series (nruns rows of width W; run j holds times start[j] ..
 * start[j + 1] - 1) out in full, a row per time. */
static void expand(double *full, const double *rows, const uint32_t *start, size_t nruns, size_t W)
{
    for (size_t j = 0; j < nruns; j++)
        for (uint32_t k = start[j]; k < start[j + 1]; k++) memcpy(full + (size_t)k * W, rows + j * W, W * sizeof *full);
}

/* Copies src into dst; fixed-size arrays were sized by slot_init. */
static int slot_copy(slot *dst, const dm_engine_result *src, size_t S, size_t H, size_t n, unsigned store)
{
    dm_engine_result *d = &dst->r;
    if (((store & DM_STORE_EVENTS) && grow((void **)&d->events, &dst->cap_events, src->nevents, sizeof *d->events)) ||
        grow((void **)&d->breaches, &dst->cap_breaches, src->nbreaches, sizeof *d->breaches) ||
        grow((void **)&d->region_breaches, &dst->cap_region_breaches, src->nregion_breaches, sizeof *d->region_breaches))
        return -1;
    dm_event *events = d->events;
    dm_breach *breaches = d->breaches, *region_breaches = d->region_breaches;
    dm_sector_result *sectors = d->sectors;
    double *hs = d->hazard_start, *he = d->hazard_end, *sl = d->sector_level, *im = d->impact, *nl = d->node_level;
    uint32_t *run_start = d->run_start;
    char (*warnings)[200] = d->warnings;
    *d = *src;  /* scalars; the pointers are put back below */
    d->events = events; d->breaches = breaches; d->region_breaches = region_breaches; d->sectors = sectors; d->hazard_start = hs;
    d->hazard_end = he; d->warnings = warnings; d->sector_level = sl; d->impact = im; d->node_level = nl;
    d->run_start = run_start;
    d->region_sectors = NULL;  /* the engine's only (include/domino/engine.h) */
    d->level_first = d->impact_first = NULL;  /* read by the statistics before the copy */
    d->level_changes = d->impact_changes = NULL;
    d->nlevel_changes = d->nimpact_changes = 0;
    /* no copy from or to NULL: a replicate without breaches has no array (C11 7.24.1) */
    if (!(store & DM_STORE_EVENTS)) d->nevents = 0;  /* nothing reads them: a layer model's log is ~40 bytes a node */
    else if (src->nevents) memcpy(d->events, src->events, src->nevents * sizeof *d->events);
    if (src->nbreaches) memcpy(d->breaches, src->breaches, src->nbreaches * sizeof *d->breaches);
    if (src->nregion_breaches) memcpy(d->region_breaches, src->region_breaches, src->nregion_breaches * sizeof *d->region_breaches);
    if (H) {
        memcpy(d->hazard_start, src->hazard_start, H * sizeof *d->hazard_start);
        memcpy(d->hazard_end, src->hazard_end, H * sizeof *d->hazard_end);
    }
    memcpy(d->sectors, src->sectors, S * sizeof *d->sectors);
    d->nwarnings = src->nwarnings < 8 ? src->nwarnings : 8;
    if (d->nwarnings) memcpy(d->warnings, src->warnings, d->nwarnings * sizeof *d->warnings);
    size_t J = src->nruns, cells = src->nregions * S;
    if (!src->run_start || !run_start) return 0;  /* no series stored */
    memcpy(d->run_start, src->run_start, (J + 1) * sizeof *d->run_start);
    if (sl) memcpy(d->sector_level, src->sector_level, J * S * sizeof(double));
    if (im) memcpy(d->impact, src->impact, J * cells * sizeof(double));
    if (nl) memcpy(d->node_level, src->node_level, J * n * sizeof(double));
    if (dst->full_level) expand(dst->full_level, src->sector_level, src->run_start, J, S);
    if (dst->full_impact) expand(dst->full_impact, src->impact, src->run_start, J, cells);
    if (dst->full_node) expand(dst->full_node, src->node_level, src->run_start, J, n);
    return 0;
}

/* What the sink receives: the slot's result, its stored series in full unless the sink
 * takes runs, and no series it does not store. */
static dm_engine_result sink_view(const slot *sl, unsigned store, int runs)
{
    dm_engine_result v = sl->r;
    if (!(store & DM_STORE_SECTORS)) v.sector_level = NULL;
    if (!(store & DM_STORE_MAPS)) v.impact = NULL;
    if (!(store & DM_STORE_NODES)) v.node_level = NULL;
    if (!runs) {
        if (v.sector_level) v.sector_level = sl->full_level;
        if (v.impact) v.impact = sl->full_impact;
        if (v.node_level) v.node_level = sl->full_node;
        v.run_start = NULL;
        v.nruns = 0;
    }
    return v;
}

/* store: the series the sink receives, in full unless runs. */
static int slot_init(slot *sl, size_t S, size_t H, size_t K, size_t cells, size_t n, unsigned store, int runs)
{
    memset(sl, 0, sizeof *sl);
    dm_engine_result *r = &sl->r;
    r->sectors = calloc(S ? S : 1, sizeof *r->sectors);
    r->hazard_start = calloc(H ? H : 1, sizeof(double));
    r->hazard_end = calloc(H ? H : 1, sizeof(double));
    r->warnings = calloc(8, sizeof *r->warnings);
    int ok = r->sectors && r->hazard_start && r->hazard_end && r->warnings;
    unsigned series = store & (DM_STORE_SECTORS | DM_STORE_MAPS | DM_STORE_NODES);
    if (series) ok &= (r->run_start = malloc((K + 1) * sizeof *r->run_start)) != NULL;
    if (series & DM_STORE_SECTORS) ok &= (r->sector_level = malloc((K * S + 1) * sizeof(double))) != NULL;
    if (series & DM_STORE_MAPS) ok &= (r->impact = malloc((K * cells + 1) * sizeof(double))) != NULL;
    if (series & DM_STORE_NODES) ok &= (r->node_level = malloc((K * n + 1) * sizeof(double))) != NULL;
    if (!runs && (store & DM_STORE_SECTORS)) ok &= (sl->full_level = malloc((K * S + 1) * sizeof(double))) != NULL;
    if (!runs && (store & DM_STORE_MAPS)) ok &= (sl->full_impact = malloc((K * cells + 1) * sizeof(double))) != NULL;
    if (!runs && (store & DM_STORE_NODES)) ok &= (sl->full_node = malloc((K * n + 1) * sizeof(double))) != NULL;
    return ok ? 0 : -1;
}

static void slot_free(slot *sl)
{
    dm_engine_result *r = &sl->r;
    free(r->events); free(r->breaches); free(r->region_breaches); free(r->sectors); free(r->hazard_start); free(r->hazard_end);
    free(r->warnings); free(r->sector_level); free(r->impact); free(r->node_level); free(r->run_start);
    free(sl->full_level); free(sl->full_impact); free(sl->full_node);
}

/* ---- statistics ---- */

void dm_stats_free(dm_stats *s)
{
    if (!s) return;
    free(s->breach_probability); free(s->onset_mean); free(s->onset_q); free(s->duration_mean);
    free(s->duration_q); free(s->expected_unit_hours); free(s->expected_economic_loss); free(s->level_mean); free(s->level_q);
    free(s->lost_sector_hours); free(s->map_mean); free(s->map_q);
    memset(s, 0, sizeof *s);
}

/* What the statistics keep while replicates arrive: per sector the running sums and
 * tallies of the first breach's onset and duration (in ticks), and the summarised series
 * (src/run/tally.h). Nothing here grows with the number of replicates. */
typedef struct accumulator {
    size_t S, K;
    double *onset_sum, *duration_sum;   /* [sector], minutes */
    uint64_t *breached;                 /* [sector]: replicates with a first breach */
    dm_tally *onset, *duration;         /* [sector], keys in ticks */
    double *unit_hours;          /* [sector]: running sum */
    double *loss;                /* [sector]: running sum of economic loss */
    double *capacity;            /* [sector]: total capacity of its nodes */
    /* [T]: each thread's own sums and bins of the series it ran (a thread writing shared
     * ones moved their cache lines between the cores and waited for locks: issue 20),
     * merged into [0] at the end; NULL: not summarised */
    dm_binned *levels, *maps;
    int parts;                   /* T */
    int oom;                     /* a tally could not grow */
} accumulator;

/* Merges every thread's summarised series into [0]'s; -1 when out of memory. */
static int series_merge(dm_binned *bs, int parts)
{
    int oom = 0;
    for (int t = 1; bs && t < parts; t++) oom |= dmi_binned_merge(&bs[0], &bs[t]) != 0;
    return oom ? -1 : 0;
}

/* The per-thread summarised series of K times and W columns; NULL when out of memory
 * (the ones made are freed). */
static dm_binned *series_new(size_t K, size_t W, int parts)
{
    dm_binned *bs = calloc((size_t)parts, sizeof *bs);
    for (int t = 0; bs && t < parts; t++)
        if (dmi_binned_init(&bs[t], K, W)) {
            for (int u = 0; u <= t; u++) dmi_binned_free(&bs[u]);
            free(bs);
            bs = NULL;
        }
    return bs;
}

static void series_free(dm_binned *bs, int parts)
{
    for (int t = 0; bs && t < parts; t++) dmi_binned_free(&bs[t]);
    free(bs);
}

static void accumulate(accumulator *a, dm_stats *st, const dm_engine_result *r)
{
    uint64_t i = st->replicates;
    double minutes = (double)r->tick_s / 60.0, lost = 0;
    for (size_t s = 0; s < a->S; s++) {
        const dm_sector_result *sr = &r->sectors[s];
        if (sr->first_breach >= 0) {
            const dm_breach *b = &r->breaches[sr->first_breach];
            int64_t end = b->end < 0 ? r->horizon : b->end;
            a->onset_sum[s] += (double)b->onset * minutes;
            a->duration_sum[s] += (double)(end - b->onset) * minutes;
            a->breached[s]++;
            a->oom |= dmi_tally_add(&a->onset[s], (uint32_t)b->onset) != 0;
            a->oom |= dmi_tally_add(&a->duration[s], (uint32_t)(end - b->onset)) != 0;
        }
        a->unit_hours[s] += sr->unserved_unit_hours;
        a->loss[s] += sr->economic_loss;
        /* sector-hours lost: unserved unit-hours over the sector's capacity */
        lost += a->capacity[s] > 0 ? sr->unserved_unit_hours / a->capacity[s] : 0;
    }
    st->lost_sector_hours[i] = lost;
    st->replicates++;
}

/* Mean and quantiles of the n first breaches counted in t (keys in ticks); NaN when none.
 * Exact: the keys are the values themselves. */
static void summarise(const dm_tally *t, uint64_t n, double sum, double minutes, double *mean, double *q)
{
    *mean = n ? sum / (double)n : NAN;
    for (int j = 0; j < DM_NQUANTILES; j++) q[j] = n ? dmi_tally_quantile(t, n, dm_quantiles[j], minutes) : NAN;
}

typedef struct ranked { double lost; uint64_t replicate; } ranked;

static int by_lost(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->lost != b->lost) return a->lost < b->lost ? -1 : 1;
    return a->replicate < b->replicate ? -1 : a->replicate > b->replicate;
}

static int finish_stats(accumulator *a, dm_stats *st, uint64_t first, double minutes, int T, dm_error *err)
{
    uint64_t n = st->replicates;
    size_t S = a->S;
    for (size_t s = 0; s < S; s++) {
        st->breach_probability[s] = n ? (double)a->breached[s] / (double)n : 0;
        st->expected_unit_hours[s] = n ? a->unit_hours[s] / (double)n : 0;
        st->expected_economic_loss[s] = n ? a->loss[s] / (double)n : 0;
        summarise(&a->onset[s], a->breached[s], a->onset_sum[s], minutes, &st->onset_mean[s], st->onset_q + s * DM_NQUANTILES);
        summarise(&a->duration[s], a->breached[s], a->duration_sum[s], minutes, &st->duration_mean[s],
                  st->duration_q + s * DM_NQUANTILES);
    }
    if (series_merge(a->levels, a->parts) || series_merge(a->maps, a->parts))
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory merging the statistics");
    if (a->levels) a->levels[0].added = n;
    if (a->maps) a->maps[0].added = n;
    if (n > 0 && ((a->levels && dmi_binned_finish(&a->levels[0], dm_quantiles, DM_NQUANTILES, st->level_mean, st->level_q, T)) ||
                  (a->maps && dmi_binned_finish(&a->maps[0], dm_quantiles, DM_NQUANTILES, st->map_mean, st->map_q, T))))
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory finishing the statistics");
    /* The median replicate: the lower median of sector-hours lost, ties by index. */
    ranked *rank = malloc((n ? n : 1) * sizeof *rank);
    if (!rank) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory ranking replicates");
    for (uint64_t i = 0; i < n; i++) rank[i] = (ranked){st->lost_sector_hours[i], first + i};
    qsort(rank, n, sizeof *rank, by_lost);
    st->median_replicate = n ? rank[(n - 1) / 2].replicate : first;
    free(rank);
    return 0;
}

/* Bytes a summarised value (a time and column) takes: in each thread's partial
 * statistics its sum's difference (16) and its share of the bins' counts (an estimate:
 * the bins grow with the replicates while they bring new (time, bin) pairs, see
 * src/run/tally.h; tokyo-area-blackout's maps, merged, took 3.6 bytes a value at 100
 * replicates and 11 at 1,000); once, its mean and
 * quantiles. */
#define PART_BYTES (16.0 + 8)
#define CELL_BYTES (8.0 * (1 + DM_NQUANTILES))

double dm_mc_memory_estimate(const dm_scenario *sc, const dm_mc_config *cfg)
{
    double K = (double)dm_output_ntimes(sc, cfg->interval), S = (double)sc->model->nsectors;
    double R = (double)cfg->replicates;
    unsigned series = cfg->store | cfg->stats;
    int T = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    double cells = (double)(sc->model->nregions ? sc->model->nregions : 1) * S, n = (double)sc->model->nnodes;
    double parts = R < T ? R : T;  /* the threads the run uses, one partial each */
    double summarised = (CELL_BYTES + parts * PART_BYTES) * K *
                        ((series & DM_STORE_SECTORS ? S : 0) + (cfg->stats & DM_STORE_MAPS ? cells : 0));
    /* each partial's batch of runs and sums' changes (src/run/tally.h), and its sorted copy */
    double spans = ceil(K / DM_BINNED_SPAN), batch = 2.0 * (sizeof(dm_binned_run) + sizeof(dm_binned_delta));
    if (series & DM_STORE_SECTORS) summarised += parts * batch * fmin(64.0 * spans * S, DM_BINNED_BATCH);
    if (cfg->stats & DM_STORE_MAPS) summarised += parts * batch * fmin(64.0 * spans * cells, DM_BINNED_BATCH);
    /* each engine's grid: the runs of the series the sink stores (at most a row per time),
     * and the changes of those the statistics read (16 bytes each, in a list that doubles;
     * taken as an eighth of the points: the shipped scenarios change about 1 % of them) */
    double grid = 8.0 * K * ((cfg->store & DM_STORE_SECTORS ? S : 0) + (cfg->store & DM_STORE_MAPS ? cells : 0) +
                             (cfg->store & DM_STORE_NODES ? n : 0)) + 4.0 * K +
                  4.0 * K * ((series & DM_STORE_SECTORS ? S : 0) + (cfg->stats & DM_STORE_MAPS ? cells : 0));
    /* a slot: the stored series as runs, and a sink's full copies */
    unsigned full = cfg->sink_runs ? 0 : cfg->store;
    double slot = 8.0 * K * ((cfg->store & DM_STORE_SECTORS ? S : 0) + (cfg->store & DM_STORE_MAPS ? cells : 0) +
                             (cfg->store & DM_STORE_NODES ? n : 0) + (full & DM_STORE_SECTORS ? S : 0) +
                             (full & DM_STORE_MAPS ? cells : 0) + (full & DM_STORE_NODES ? n : 0)) + 4.0 * K;
    double slots = slot * (R < 64.0 * T ? R : 64.0 * T);
    return summarised + R * (8 + 16) + S * 64 + slots + (double)T * (dm_engine_memory_estimate(sc) + grid);
}

double dm_mc_memory_limit(double max_bytes)
{
    if (max_bytes > 0) return max_bytes;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return (pages > 0 && size > 0 ? (double)pages * (double)size : 8.0 * 1073741824.0) / 2;
}

/* The event logs a replicate of nevents events stands for: each engine's log (its
 * capacity doubles, so up to twice the events) and each replicate's copy in flight (B of
 * them when the sink stores events, else none), all taken as large as this one. */
static double event_log_bytes(size_t nevents, int T, uint64_t B)
{
    return (2.0 * T + (double)B) * (double)nevents * (double)sizeof(dm_event);
}

/* ---- the run ---- */

/* The replicates of graph g of G: r from ceil(R g / G) to below ceil(R (g + 1) / G), that
 * is every r with floor(r G / R) = g: contiguous, so that each graph's engines are built
 * once. */
static uint64_t graph_start(uint64_t R, size_t G, size_t g)
{
    return (uint64_t)(((unsigned __int128)R * g + G - 1) / G);
}

/* Graph g > 0 of an ensemble: its scenario, which must differ from graph 0's only in its
 * graphs, since every replicate goes into one set of statistics. */
static int ensemble_member(const dm_scenario *sc, size_t g, dm_mc_scenario_fn load, void *ctx, dm_scenario **out,
                           dm_error *err)
{
    int rc = load(ctx, g, out, err);
    if (rc) return rc;
    const dm_scenario *o = *out;
    if (o->horizon_s != sc->horizon_s || o->tick_s != sc->tick_s || o->nhazards != sc->nhazards ||
        o->model->nsectors != sc->model->nsectors || o->model->nnodes != sc->model->nnodes ||
        o->model->nregions != sc->model->nregions) {
        dm_scenario_free(*out);
        *out = NULL;
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph %zu of the ensemble has other sectors, nodes, regions, "
                            "hazards or time grid than graph 0", g);
    }
    return 0;
}

static int run(const dm_scenario *sc, size_t G, dm_mc_scenario_fn load, void *load_ctx, const dm_mc_config *cfg,
               dm_stats *st, dm_error *err)
{
    memset(st, 0, sizeof *st);  /* first: a run refused below leaves nothing to free either */
    const dm_model *m = sc->model;
    size_t S = m->nsectors, H = sc->nhazards, n = m->nnodes;
    size_t cells = (m->nregions ? m->nregions : 1) * S;
    size_t K = dm_output_ntimes(sc, cfg->interval);
    uint64_t R = cfg->replicates;
    int T = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    unsigned series = cfg->store | cfg->stats;
    /* what the engine records: the stored series as runs of rows, the summarised ones as
     * changes (the statistics of levels are kept whenever levels are stored) */
    unsigned summarised = (series & DM_STORE_SECTORS ? DM_STORE_LEVEL_CHANGES : 0) |
                          (cfg->stats & DM_STORE_MAPS ? DM_STORE_MAP_CHANGES : 0);
    if (R == 0) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "the number of replicates must be at least 1");
    /* sizes below are products of counts: refuse what could not be allocated anyway,
     * so that none of them can overflow */
    if (dm_mc_memory_estimate(sc, cfg) > 0x1p60)
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "this run would need %.3g bytes: fewer replicates, a coarser "
                            "interval or fewer stored series", dm_mc_memory_estimate(sc, cfg));
    /* tallies count in 32 bits, and keep times in ticks in 32 bits */
    if (R >= INT32_MAX || dm_output_ntimes(sc, 1) >= UINT32_MAX)
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "at most 2^31 - 2 replicates, and 2^32 - 2 ticks in a horizon");
    if (R > 1 && (uint64_t)T > R) T = (int)R;
    if (R == 1) T = 1;  /* one replicate: its frontier may use the threads instead */

    /* Block size: enough replicates per thread to even out their different lengths, as
     * many as fit in about 256 MiB of copied series; when the sink stores series and the
     * statistics are kept, about 16 MiB, so that the series are still in cache when the
     * sink reads them. */
    unsigned stored = cfg->store & (DM_STORE_SECTORS | DM_STORE_MAPS | DM_STORE_NODES);
    double slot_bytes = 8.0 * (double)K * ((stored & DM_STORE_SECTORS ? S : 0) + (stored & DM_STORE_MAPS ? cells : 0) +
                                           (stored & DM_STORE_NODES ? n : 0)) + 4096;
    uint64_t B = (uint64_t)((cfg->stats && stored ? 16.0 : 256.0) * 1024 * 1024 / slot_bytes);
    if (B > 64 * (uint64_t)T) B = 64 * (uint64_t)T;
    if (B < (uint64_t)T) B = (uint64_t)T;
    /* a sink that takes runs copies a few rows a replicate, not K (slot_bytes is the most):
     * at one replicate a thread a block, a thread would wait at each block's end and while
     * the sink runs */
    if (cfg->sink_runs && stored && B < 8 * (uint64_t)T) B = 8 * (uint64_t)T;
    if (B > R) B = R;

    double fixed = dm_mc_memory_estimate(sc, cfg), limit = dm_mc_memory_limit(cfg->max_bytes);
    uint64_t copies = cfg->store & DM_STORE_EVENTS ? B : 0;  /* event logs copied in flight */

    accumulator acc = {.S = S, .K = K, .parts = T};
    dm_scenario *member = NULL;  /* graph g > 0 of an ensemble */
    double minutes = (double)sc->tick_s / 60.0;
    dm_engine **eng = calloc((size_t)T, sizeof *eng);
    uint64_t *last = calloc((size_t)T, sizeof *last);  /* 1 + the replicate engine t ran last, 0: none */
    slot *slots = calloc((size_t)B, sizeof *slots);
    int rc = 0;
    st->nsectors = S;
    st->ntimes = K;
    if (cfg->keep) *cfg->keep = NULL;
    int ok = eng && last && slots &&
        (st->breach_probability = calloc(S, sizeof(double))) && (st->onset_mean = calloc(S, sizeof(double))) &&
        (st->onset_q = calloc(S * DM_NQUANTILES, sizeof(double))) &&
        (st->duration_mean = calloc(S, sizeof(double))) &&
        (st->duration_q = calloc(S * DM_NQUANTILES, sizeof(double))) &&
        (st->expected_unit_hours = calloc(S, sizeof(double))) &&
        (st->expected_economic_loss = calloc(S, sizeof(double))) && (acc.loss = calloc(S, sizeof(double))) &&
        (st->lost_sector_hours = calloc(R, sizeof(double))) &&
        (acc.onset = calloc(S + 1, sizeof *acc.onset)) && (acc.duration = calloc(S + 1, sizeof *acc.duration)) &&
        (acc.onset_sum = calloc(S + 1, sizeof(double))) && (acc.duration_sum = calloc(S + 1, sizeof(double))) &&
        (acc.breached = calloc(S + 1, sizeof(uint64_t))) &&
        (acc.unit_hours = calloc(S, sizeof(double))) && (acc.capacity = calloc(S, sizeof(double)));
    if (ok && (series & DM_STORE_SECTORS))
        ok = (acc.levels = series_new(K, S, T)) && (st->level_mean = calloc(K * S + 1, sizeof(double))) &&
             (st->level_q = calloc(DM_NQUANTILES * K * S + 1, sizeof(double)));
    if (ok && (cfg->stats & DM_STORE_MAPS))
        ok = (acc.maps = series_new(K, cells, T)) && (st->map_mean = calloc(K * cells + 1, sizeof(double))) &&
             (st->map_q = calloc(DM_NQUANTILES * K * cells + 1, sizeof(double)));
    st->nregions = cells / (S ? S : 1);
    for (uint64_t b = 0; ok && b < B; b++) ok = slot_init(&slots[b], S, H, K, cells, n, cfg->store, cfg->sink_runs) == 0;
    if (!ok) {
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0,
                          "out of memory for %llu replicates (about %.0f MiB needed; see --interval and --store)",
                          (unsigned long long)R, dm_mc_memory_estimate(sc, cfg) / 1048576.0);
        goto done;
    }

    for (size_t g = 0; g < G && !rc && !st->interrupted; g++) {
        /* graph g's scenario, engines and sectors' capacities (the same node counts, other
         * edges); graph g - 1's are freed first, so at most two graphs are in memory */
        for (int t = 0; t < T && eng[t]; t++) { dm_engine_free(eng[t]); eng[t] = NULL; last[t] = 0; }
        dm_scenario_free(member);
        member = NULL;
        if (g > 0 && (rc = ensemble_member(sc, g, load, load_ctx, &member, err))) break;
        const dm_scenario *scg = g > 0 ? member : sc;
        const dm_model *mg = scg->model;
        for (int t = 0; t < T && !rc; t++)
            if ((rc = dm_engine_new(scg, &eng[t], err)) == 0 && (stored || summarised))
                rc = dm_engine_set_output(eng[t], cfg->interval, stored | (stored ? DM_STORE_RUNS : 0) | summarised, err);
        for (size_t s = 0; s < S; s++) acc.capacity[s] = 0;
        for (size_t v = 0, end; v < n;) {  /* one record a run of nodes (a layer's); the same sums */
            const dm_node *nd;
            for (end = dmi_node_run(mg, v, &nd); v < end; v++) acc.capacity[nd->sector] += nd->capacity;
        }
        uint64_t end = graph_start(R, G, g + 1);
        for (uint64_t start = graph_start(R, G, g); start < end && !rc && !st->interrupted; start += B) {
            uint64_t count = end - start < B ? end - start : B;
            for (uint64_t b = 0; b < count; b++) slots[b].done = slots[b].failed = 0;
            /* Replicates are taken in order from a shared counter, and a thread looks at the
             * stop flag before it takes one, never after: every replicate taken runs, so
             * those done are a prefix of the block, which is what the statistics (added
             * here, as each replicate ends) and the sink (below) must both see. */
            uint64_t next = 0;
#pragma omp parallel num_threads(T) if (T > 1)
            for (;;) {
                if (cfg->stop && *cfg->stop) break;
                uint64_t b;
#pragma omp atomic capture
                b = next++;
                if (b >= count) break;
                const int t = omp_get_thread_num();
                dm_engine *e = eng[t];
                slot *sl = &slots[b];
                dm_error_clear(&sl->err);
                last[t] = cfg->first + start + b + 1;  /* its results, unless it fails */
                const dm_engine_result *res = NULL;
                if (dm_engine_run(e, cfg->first + start + b, &sl->err)) {
                    sl->failed = 1;
                } else if (res = dm_engine_results(e), fixed + event_log_bytes(res->nevents, T, copies) > limit) {
                    sl->failed = 1;
                    dm_error_set(&sl->err, DM_ESOFTWARE, NULL, 0, 0, "replicate %llu logged %zu events: with %d engines and "
                                 "%llu replicates in flight the run needs about %.0f MiB, over the limit of %.0f MiB "
                                 "(--max-memory); nothing is written. Use fewer --threads or raise --max-memory",
                                 (unsigned long long)(cfg->first + start + b), res->nevents, T,
                                 (unsigned long long)copies, (fixed + event_log_bytes(res->nevents, T, copies)) / 1048576.0,
                                 limit / 1048576.0);
                } else if ((acc.levels && dmi_binned_add(&acc.levels[t], res->level_first, res->level_changes,
                                                         res->nlevel_changes)) ||
                           (acc.maps && dmi_binned_add(&acc.maps[t], res->impact_first, res->impact_changes,
                                                       res->nimpact_changes))) {
                    sl->failed = 1;
                    dm_error_set(&sl->err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for the statistics' bins");
                } else if (slot_copy(sl, res, S, H, n, cfg->store)) {
                    sl->failed = 1;
                    dm_error_set(&sl->err, DM_ESOFTWARE, NULL, 0, 0, "out of memory copying a replicate's events");
                }
#pragma omp atomic write
                sl->done = 1;
            }
            /* Hand over the completed prefix of the block, in replicate order. */
            for (uint64_t b = 0; b < count && !rc; b++) {
                if (!slots[b].done) { st->interrupted = 1; break; }
                if (slots[b].failed) { *err = slots[b].err; rc = err->code ? err->code : DM_ESOFTWARE; break; }
                if (cfg->sink) {
                    dm_engine_result view = sink_view(&slots[b], cfg->store, cfg->sink_runs);
                    if ((rc = cfg->sink(cfg->sink_ctx, &view, err))) break;
                }
                accumulate(&acc, st, &slots[b].r);
            }
            if (!rc && acc.oom) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for the statistics' tallies");
            if (cfg->stop && *cfg->stop) st->interrupted = 1;
            if (cfg->progress) cfg->progress(cfg->progress_ctx, st->replicates, R);
        }
    }
    if (!rc) rc = finish_stats(&acc, st, cfg->first, minutes, T, err);
    /* the caller may take an engine for the median replicate, so as not to compile another:
     * the one that ran it last if any (its results are the median's), else one that ran a
     * replicate; of one graph only (an ensemble's last engines may be another graph's) */
    if (!rc && cfg->keep && G == 1 && !st->interrupted) {
        int k = -1;
        for (int t = 0; t < T; t++)
            if (last[t] && (k < 0 || last[t] == st->median_replicate + 1)) k = t;
        if (k >= 0) {
            *cfg->keep = eng[k];
            eng[k] = NULL;
        }
    }

done:
    for (int t = 0; eng && t < T; t++) dm_engine_free(eng[t]);
    dm_scenario_free(member);
    for (uint64_t b = 0; slots && b < B; b++) slot_free(&slots[b]);
    free(eng); free(last); free(slots);
    for (size_t s = 0; acc.onset && s < S; s++) dmi_tally_free(&acc.onset[s]);
    for (size_t s = 0; acc.duration && s < S; s++) dmi_tally_free(&acc.duration[s]);
    free(acc.onset); free(acc.duration); free(acc.onset_sum); free(acc.duration_sum); free(acc.breached);
    free(acc.unit_hours); free(acc.loss); free(acc.capacity);
    series_free(acc.levels, acc.parts); series_free(acc.maps, acc.parts);
    if (rc) dm_stats_free(st);
    return rc;
}

int dm_mc_run(const dm_scenario *sc, const dm_mc_config *cfg, dm_stats *st, dm_error *err)
{
    return run(sc, 1, NULL, NULL, cfg, st, err);
}

int dm_mc_run_ensemble(const dm_scenario *sc, size_t n, dm_mc_scenario_fn load, void *ctx, const dm_mc_config *cfg,
                       dm_stats *st, dm_error *err)
{
    if (n < 1 || n > cfg->replicates || (n > 1 && !load))
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "an ensemble of %zu graphs needs from 1 to %llu (the replicates) "
                            "graphs, and a function that makes them", n, (unsigned long long)cfg->replicates);
    return run(sc, n, load, ctx, cfg, st, err);
}
