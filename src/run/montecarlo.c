/* Monte Carlo over replicates (include/domino/montecarlo.h).
 *
 *   for each block of replicates:
 *       in parallel (OpenMP, one engine per thread): run replicate r, copy its result
 *           into slot r of the block;
 *       on the calling thread, in replicate order: sink(slot), accumulate statistics;
 *   finish the statistics (quantiles with GSL, in replicate order).
 *
 * Nothing a thread computes depends on which thread computed it, and every reduction is
 * serial and ordered, so results are bit-identical for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "domino/montecarlo.h"

const double dm_quantiles[DM_NQUANTILES] = {0.05, 0.50, 0.95};

/* A replicate's result, copied out of the engine that computed it. */
typedef struct slot {
    dm_engine_result r;
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

/* Copies src into dst; fixed-size arrays were sized by slot_init. */
static int slot_copy(slot *dst, const dm_engine_result *src, size_t S, size_t H, size_t n)
{
    dm_engine_result *d = &dst->r;
    if (grow((void **)&d->events, &dst->cap_events, src->nevents, sizeof *d->events) ||
        grow((void **)&d->breaches, &dst->cap_breaches, src->nbreaches, sizeof *d->breaches) ||
        grow((void **)&d->region_breaches, &dst->cap_region_breaches, src->nregion_breaches, sizeof *d->region_breaches))
        return -1;
    dm_event *events = d->events;
    dm_breach *breaches = d->breaches, *region_breaches = d->region_breaches;
    dm_sector_result *sectors = d->sectors;
    double *hs = d->hazard_start, *he = d->hazard_end, *sl = d->sector_level, *im = d->impact, *nl = d->node_level;
    char (*warnings)[200] = d->warnings;
    *d = *src;  /* scalars; the pointers are put back below */
    d->events = events; d->breaches = breaches; d->region_breaches = region_breaches; d->sectors = sectors; d->hazard_start = hs;
    d->hazard_end = he; d->warnings = warnings; d->sector_level = sl; d->impact = im; d->node_level = nl;
    memcpy(d->events, src->events, src->nevents * sizeof *d->events);
    memcpy(d->breaches, src->breaches, src->nbreaches * sizeof *d->breaches);
    if (src->nregion_breaches) memcpy(d->region_breaches, src->region_breaches, src->nregion_breaches * sizeof *d->region_breaches);
    memcpy(d->sectors, src->sectors, S * sizeof *d->sectors);
    memcpy(d->hazard_start, src->hazard_start, H * sizeof *d->hazard_start);
    memcpy(d->hazard_end, src->hazard_end, H * sizeof *d->hazard_end);
    d->nwarnings = src->nwarnings < 8 ? src->nwarnings : 8;
    memcpy(d->warnings, src->warnings, d->nwarnings * sizeof *d->warnings);
    size_t K = src->ntimes, cells = src->nregions * S;
    if (src->sector_level) memcpy(d->sector_level, src->sector_level, K * S * sizeof(double));
    if (src->impact) memcpy(d->impact, src->impact, K * cells * sizeof(double));
    if (src->node_level) memcpy(d->node_level, src->node_level, K * n * sizeof(double));
    return 0;
}

static int slot_init(slot *sl, size_t S, size_t H, size_t K, size_t cells, size_t n, unsigned store)
{
    memset(sl, 0, sizeof *sl);
    dm_engine_result *r = &sl->r;
    r->sectors = calloc(S ? S : 1, sizeof *r->sectors);
    r->hazard_start = calloc(H ? H : 1, sizeof(double));
    r->hazard_end = calloc(H ? H : 1, sizeof(double));
    r->warnings = calloc(8, sizeof *r->warnings);
    int ok = r->sectors && r->hazard_start && r->hazard_end && r->warnings;
    if (store & DM_STORE_SECTORS) ok &= (r->sector_level = malloc((K * S + 1) * sizeof(double))) != NULL;
    if (store & DM_STORE_MAPS) ok &= (r->impact = malloc((K * cells + 1) * sizeof(double))) != NULL;
    if (store & DM_STORE_NODES) ok &= (r->node_level = malloc((K * n + 1) * sizeof(double))) != NULL;
    return ok ? 0 : -1;
}

static void slot_free(slot *sl)
{
    dm_engine_result *r = &sl->r;
    free(r->events); free(r->breaches); free(r->region_breaches); free(r->sectors); free(r->hazard_start); free(r->hazard_end);
    free(r->warnings); free(r->sector_level); free(r->impact); free(r->node_level);
}

/* ---- statistics ---- */

void dm_stats_free(dm_stats *s)
{
    if (!s) return;
    free(s->breach_probability); free(s->onset_mean); free(s->onset_q); free(s->duration_mean);
    free(s->duration_q); free(s->expected_unit_hours); free(s->expected_economic_loss); free(s->level_mean); free(s->level_q);
    free(s->lost_sector_hours);
    memset(s, 0, sizeof *s);
}

/* What the statistics keep while replicates arrive: per replicate and sector the first
 * breach's onset and duration (NaN without one), and every stored sector level. */
typedef struct accumulator {
    size_t S, K;
    uint64_t R;                  /* capacity in replicates */
    double *onset, *duration;    /* [sector][replicate] */
    double *unit_hours;          /* [sector]: running sum */
    double *loss;                /* [sector]: running sum of economic loss */
    double *capacity;            /* [sector]: total capacity of its nodes */
    double *levels;              /* [time][sector][replicate] */
} accumulator;

static void accumulate(accumulator *a, dm_stats *st, const dm_engine_result *r)
{
    uint64_t i = st->replicates;
    double minutes = (double)r->tick_s / 60.0, lost = 0;
    for (size_t s = 0; s < a->S; s++) {
        const dm_sector_result *sr = &r->sectors[s];
        double onset = NAN, duration = NAN;
        if (sr->first_breach >= 0) {
            const dm_breach *b = &r->breaches[sr->first_breach];
            onset = (double)b->onset * minutes;
            duration = (double)((b->end < 0 ? r->horizon : b->end) - b->onset) * minutes;
        }
        a->onset[s * a->R + i] = onset;
        a->duration[s * a->R + i] = duration;
        a->unit_hours[s] += sr->unserved_unit_hours;
        a->loss[s] += sr->economic_loss;
        /* sector-hours lost: unserved unit-hours over the sector's capacity */
        lost += a->capacity[s] > 0 ? sr->unserved_unit_hours / a->capacity[s] : 0;
    }
    st->lost_sector_hours[i] = lost;
    if (a->levels && r->sector_level)
        for (size_t k = 0; k < a->K; k++)
            for (size_t s = 0; s < a->S; s++)
                a->levels[(k * a->S + s) * a->R + i] = r->sector_level[k * a->S + s];
    st->replicates++;
}

/* Mean and quantiles of the non-NaN values among x[0..n); x is reordered. NaN when none. */
static void summarise(double *x, size_t n, double *mean, double *q)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) x[m++] = x[i];
    if (m == 0) {
        *mean = NAN;
        for (int j = 0; j < DM_NQUANTILES; j++) q[j] = NAN;
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < m; i++) sum += x[i];  /* in replicate order: reproducible */
    *mean = sum / (double)m;
    gsl_sort(x, 1, m);
    for (int j = 0; j < DM_NQUANTILES; j++) q[j] = gsl_stats_quantile_from_sorted_data(x, 1, m, dm_quantiles[j]);
}

typedef struct ranked { double lost; uint64_t replicate; } ranked;

static int by_lost(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->lost != b->lost) return a->lost < b->lost ? -1 : 1;
    return a->replicate < b->replicate ? -1 : a->replicate > b->replicate;
}

static int finish_stats(accumulator *a, dm_stats *st, uint64_t first, dm_error *err)
{
    uint64_t n = st->replicates;
    size_t S = a->S, K = a->K;
    for (size_t s = 0; s < S; s++) {
        size_t breached = 0;
        for (uint64_t i = 0; i < n; i++) breached += !isnan(a->onset[s * a->R + i]);
        st->breach_probability[s] = n ? (double)breached / (double)n : 0;
        st->expected_unit_hours[s] = n ? a->unit_hours[s] / (double)n : 0;
        st->expected_economic_loss[s] = n ? a->loss[s] / (double)n : 0;
        summarise(a->onset + s * a->R, n, &st->onset_mean[s], st->onset_q + s * DM_NQUANTILES);
        summarise(a->duration + s * a->R, n, &st->duration_mean[s], st->duration_q + s * DM_NQUANTILES);
    }
    if (a->levels && n > 0)
        for (size_t k = 0; k < K; k++)
            for (size_t s = 0; s < S; s++) {
                double q[DM_NQUANTILES];
                summarise(a->levels + (k * S + s) * a->R, n, &st->level_mean[k * S + s], q);
                for (int j = 0; j < DM_NQUANTILES; j++) st->level_q[(j * K + k) * S + s] = q[j];
            }
    /* The median replicate: the lower median of sector-hours lost, ties by index. */
    ranked *rank = malloc((n ? n : 1) * sizeof *rank);
    if (!rank) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory ranking replicates");
    for (uint64_t i = 0; i < n; i++) rank[i] = (ranked){st->lost_sector_hours[i], first + i};
    qsort(rank, n, sizeof *rank, by_lost);
    st->median_replicate = n ? rank[(n - 1) / 2].replicate : first;
    free(rank);
    return 0;
}

double dm_mc_memory_estimate(const dm_scenario *sc, const dm_mc_config *cfg)
{
    double K = (double)dm_output_ntimes(sc, cfg->interval), S = (double)sc->model->nsectors;
    double R = (double)cfg->replicates;
    double levels = (cfg->store & DM_STORE_SECTORS) ? K * S * R * 8 : 0;
    int T = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    double cells = (double)(sc->model->nregions ? sc->model->nregions : 1) * S, n = (double)sc->model->nnodes;
    double slot = 8.0 * K * ((cfg->store & DM_STORE_SECTORS ? S : 0) + (cfg->store & DM_STORE_MAPS ? cells : 0) +
                             (cfg->store & DM_STORE_NODES ? n : 0));
    double slots = slot * (R < 64.0 * T ? R : 64.0 * T);
    return levels + R * (2 * S * 8 + 8) + K * S * 8 * (1 + DM_NQUANTILES) + slots +
           (double)T * (dm_engine_memory_estimate(sc) + slot);
}

/* ---- the run ---- */

int dm_mc_run(const dm_scenario *sc, const dm_mc_config *cfg, dm_stats *st, dm_error *err)
{
    const dm_model *m = sc->model;
    size_t S = m->nsectors, H = sc->nhazards, n = m->nnodes;
    size_t cells = (m->nregions ? m->nregions : 1) * S;
    size_t K = dm_output_ntimes(sc, cfg->interval);
    uint64_t R = cfg->replicates;
    int T = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    if (R == 0) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "the number of replicates must be at least 1");
    /* sizes below are products of counts: refuse what could not be allocated anyway,
     * so that none of them can overflow */
    if (dm_mc_memory_estimate(sc, cfg) > 0x1p60)
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "this run would need %.3g bytes: fewer replicates, a coarser "
                            "interval or fewer stored series", dm_mc_memory_estimate(sc, cfg));
    if (R > 1 && (uint64_t)T > R) T = (int)R;
    if (R == 1) T = 1;  /* one replicate: its frontier may use the threads instead */

    /* Block size: enough replicates per thread to even out their different lengths, as
     * many as fit in about 256 MiB of copied series. */
    double slot_bytes = 8.0 * (double)K * ((cfg->store & DM_STORE_SECTORS ? S : 0) +
                                           (cfg->store & DM_STORE_MAPS ? cells : 0) +
                                           (cfg->store & DM_STORE_NODES ? n : 0)) + 4096;
    uint64_t B = (uint64_t)(256.0 * 1024 * 1024 / slot_bytes);
    if (B > 64 * (uint64_t)T) B = 64 * (uint64_t)T;
    if (B < (uint64_t)T) B = (uint64_t)T;
    if (B > R) B = R;

    memset(st, 0, sizeof *st);
    accumulator acc = {.S = S, .K = K, .R = R};
    dm_engine **eng = calloc((size_t)T, sizeof *eng);
    slot *slots = calloc((size_t)B, sizeof *slots);
    int rc = 0;
    st->nsectors = S;
    st->ntimes = K;
    int ok = eng && slots &&
        (st->breach_probability = calloc(S, sizeof(double))) && (st->onset_mean = calloc(S, sizeof(double))) &&
        (st->onset_q = calloc(S * DM_NQUANTILES, sizeof(double))) &&
        (st->duration_mean = calloc(S, sizeof(double))) &&
        (st->duration_q = calloc(S * DM_NQUANTILES, sizeof(double))) &&
        (st->expected_unit_hours = calloc(S, sizeof(double))) &&
        (st->expected_economic_loss = calloc(S, sizeof(double))) && (acc.loss = calloc(S, sizeof(double))) &&
        (st->lost_sector_hours = calloc(R, sizeof(double))) &&
        (acc.onset = malloc(S * R * sizeof(double))) && (acc.duration = malloc(S * R * sizeof(double))) &&
        (acc.unit_hours = calloc(S, sizeof(double))) && (acc.capacity = calloc(S, sizeof(double)));
    for (size_t v = 0; ok && v < n; v++) acc.capacity[dm_node_at(m, v)->sector] += dm_node_at(m, v)->capacity;
    if (ok && (cfg->store & DM_STORE_SECTORS))
        ok = (acc.levels = malloc(K * S * R * sizeof(double) + 1)) &&
             (st->level_mean = calloc(K * S + 1, sizeof(double))) &&
             (st->level_q = calloc(DM_NQUANTILES * K * S + 1, sizeof(double)));
    for (uint64_t b = 0; ok && b < B; b++) ok = slot_init(&slots[b], S, H, K, cells, n, cfg->store) == 0;
    if (!ok) {
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0,
                          "out of memory for %llu replicates (about %.0f MiB needed; see --interval and --store)",
                          (unsigned long long)R, dm_mc_memory_estimate(sc, cfg) / 1048576.0);
        goto done;
    }
    for (int t = 0; t < T && !rc; t++)
        if ((rc = dm_engine_new(sc, &eng[t], err)) == 0) rc = dm_engine_set_output(eng[t], cfg->interval, cfg->store, err);
    if (rc) goto done;

    for (uint64_t start = 0; start < R && !rc && !st->interrupted; start += B) {
        uint64_t count = R - start < B ? R - start : B;
        for (uint64_t b = 0; b < count; b++) slots[b].done = slots[b].failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(T) if (T > 1)
        for (uint64_t b = 0; b < count; b++) {
            if (cfg->stop && *cfg->stop) continue;
            dm_engine *e = eng[omp_get_thread_num()];
            slot *sl = &slots[b];
            dm_error_clear(&sl->err);
            if (dm_engine_run(e, cfg->first + start + b, &sl->err)) sl->failed = 1;
            else if (slot_copy(sl, dm_engine_results(e), S, H, n)) {
                sl->failed = 1;
                dm_error_set(&sl->err, DM_ESOFTWARE, NULL, 0, 0, "out of memory copying a replicate's events");
            }
            sl->done = 1;
        }
        /* Hand over the completed prefix of the block, in replicate order. */
        for (uint64_t b = 0; b < count && !rc; b++) {
            if (!slots[b].done) { st->interrupted = 1; break; }
            if (slots[b].failed) { *err = slots[b].err; rc = err->code ? err->code : DM_ESOFTWARE; break; }
            if (cfg->sink && (rc = cfg->sink(cfg->sink_ctx, &slots[b].r, err))) break;
            accumulate(&acc, st, &slots[b].r);
        }
        if (cfg->stop && *cfg->stop) st->interrupted = 1;
        if (cfg->progress) cfg->progress(cfg->progress_ctx, st->replicates, R);
    }
    if (!rc) rc = finish_stats(&acc, st, cfg->first, err);

done:
    for (int t = 0; eng && t < T; t++) dm_engine_free(eng[t]);
    for (uint64_t b = 0; slots && b < B; b++) slot_free(&slots[b]);
    free(eng); free(slots);
    free(acc.onset); free(acc.duration); free(acc.unit_hours); free(acc.loss); free(acc.capacity); free(acc.levels);
    if (rc) dm_stats_free(st);
    return rc;
}
