/* Statistics in bounded memory (src/run/tally.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/tally.h"

static uint32_t key_of(uint64_t e) { return (uint32_t)(e >> 32); }

int dmi_tally_add(dm_tally *t, uint32_t key)
{
    uint32_t lo = 0, hi = t->len;  /* the first entry with a key >= key */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (key_of(t->e[mid]) < key) lo = mid + 1;
        else hi = mid;
    }
    if (lo < t->len && key_of(t->e[lo]) == key) {
        t->e[lo]++;
        return 0;
    }
    if (t->len == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 4;
        uint64_t *e = realloc(t->e, (size_t)cap * sizeof *e);
        if (!e) return -1;
        t->e = e;
        t->cap = cap;
    }
    memmove(t->e + lo + 1, t->e + lo, (size_t)(t->len - lo) * sizeof *t->e);
    t->e[lo] = (uint64_t)key << 32 | 1;
    t->len++;
    return 0;
}

/* gsl_stats_quantile_from_sorted_data (GSL 2.7, statistics/quantiles_source.c): with
 * index = f (n - 1), lhs = floor(index) and delta = index - lhs, the value
 * (1 - delta) x[lhs] + delta x[lhs + 1], or x[lhs] when lhs = n - 1. */
static double interpolate(double f, uint64_t n, uint64_t *lhs, double *delta)
{
    const double index = f * (double)(n - 1);
    *lhs = (uint64_t)index;
    *delta = index - (double)*lhs;
    return index;
}

double dmi_tally_quantile(const dm_tally *t, uint64_t n, double f, double mul)
{
    uint64_t lhs, seen = 0;
    double delta, lo = NAN, hi = NAN;
    interpolate(f, n, &lhs, &delta);
    for (uint32_t j = 0; j < t->len && isnan(hi); j++) {
        seen += (uint32_t)t->e[j];
        double x = (double)key_of(t->e[j]) * mul;
        if (isnan(lo) && seen > lhs) lo = x;
        if (seen > lhs + 1) hi = x;
    }
    if (lhs == n - 1) return lo;
    return (1 - delta) * lo + delta * hi;
}

void dmi_tally_free(dm_tally *t)
{
    free(t->e);
    memset(t, 0, sizeof *t);
}

/* ---- binned series ---- */

int dmi_binned_init(dm_binned *b, size_t K, size_t W)
{
    memset(b, 0, sizeof *b);
    b->K = K;
    b->W = W;
    b->sum = calloc(K * W + 1, sizeof *b->sum);
    b->col = calloc(((K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN) * W + 1, sizeof *b->col);
    return b->sum && b->col ? 0 : -1;
}


/* Counts one run of bin `bin` over times k0 .. k1-1 of column c's span (relative to its
 * first time). */
static int add_run(dm_binned_column *c, uint32_t bin, size_t k0, size_t k1)
{
    uint32_t lo = 0, hi = c->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->bin[mid] < bin) lo = mid + 1;
        else hi = mid;
    }
    if (lo == c->len || c->bin[lo] != bin) {
        if (c->len == c->cap) {
            uint32_t cap = c->cap ? 2 * c->cap : 4;
            uint32_t *bins = realloc(c->bin, cap * sizeof *bins);
            if (bins) c->bin = bins;
            int32_t **diff = bins ? realloc(c->diff, cap * sizeof *diff) : NULL;
            if (!diff) return -1;
            c->diff = diff;
            c->cap = cap;
        }
        int32_t *d = calloc(DM_BINNED_SPAN + 1, sizeof *d);
        if (!d) return -1;
        memmove(c->bin + lo + 1, c->bin + lo, (c->len - lo) * sizeof *c->bin);
        memmove(c->diff + lo + 1, c->diff + lo, (c->len - lo) * sizeof *c->diff);
        c->bin[lo] = bin;
        c->diff[lo] = d;
        c->len++;
    }
    c->diff[lo][k0]++;
    c->diff[lo][k1]--;
    return 0;
}

int dmi_binned_add(dm_binned *b, const double *rows, const uint32_t *at, size_t k0, size_t k1, size_t c0, size_t c1,
                  uint32_t *scratch)
{
    size_t W = b->W, w = c1 - c0, nnz = 0;
    dm_binned_column *col = b->col + k0 / DM_BINNED_SPAN * W;  /* the span's columns */
    /* per column, indexed by column: the open run's bin and first time; and the columns
     * whose value is neither 0 nor NaN in the current row */
    uint32_t *run_bin = scratch - c0, *run_start = scratch + w - c0, *nz = scratch + 2 * w;
    int oom = 0;
    for (size_t k = k0; k < k1; k++) {
        const double *row = rows + (size_t)at[k] * W;
        if (k == k0 || at[k] != at[k - 1]) {  /* a new row: else nothing changed */
            nnz = 0;
            for (size_t c = c0; c < c1; c++) {
                double v = row[c];
                uint32_t bin = isnan(v) ? DM_BINNED_NAN : dm_binned_bin(v);
                if (v != 0 && bin != DM_BINNED_NAN) nz[nnz++] = (uint32_t)c;
                if (k == k0) {
                    run_bin[c] = bin;
                    run_start[c] = 0;
                } else if (bin != run_bin[c]) {
                    oom |= add_run(&col[c], run_bin[c], run_start[c], k - k0);
                    run_bin[c] = bin;
                    run_start[c] = (uint32_t)(k - k0);
                }
            }
        }
        /* the exact sums, in replicate order; a 0 (or a NaN, not counted) adds nothing */
        double *restrict sum = b->sum + k * W;
        if (nnz == w) for (size_t c = c0; c < c1; c++) sum[c] += row[c];  /* levels: all of them (vectorised) */
        else for (size_t i = 0; i < nnz; i++) sum[nz[i]] += row[nz[i]];
    }
    for (size_t c = c0; k1 > k0 && c < c1; c++) oom |= add_run(&col[c], run_bin[c], run_start[c], k1 - k0);
    return oom ? -1 : 0;
}

int dmi_binned_finish(const dm_binned *b, const double *f, int nq, double *mean, double *q)
{
    size_t K = b->K, W = b->W, spans = (K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN;
    size_t most = 1;
    for (size_t c = 0; c < spans * W; c++) most = b->col[c].len > most ? b->col[c].len : most;
    int64_t *count = malloc(most * sizeof *count);  /* count of each bin at time k */
    if (!count) return -1;
    for (size_t sp = 0; sp < spans; sp++)
        for (size_t c = 0; c < W; c++) {
            const dm_binned_column *col = &b->col[sp * W + c];
            memset(count, 0, most * sizeof *count);
            for (size_t k = sp * DM_BINNED_SPAN; k < K && k < (sp + 1) * DM_BINNED_SPAN; k++) {
                size_t i = k * W + c;
                for (uint32_t j = 0; j < col->len; j++) count[j] += col->diff[j][k - sp * DM_BINNED_SPAN];
                /* NaN has the largest key: the last entry */
                uint64_t nan = col->len && col->bin[col->len - 1] == DM_BINNED_NAN ? (uint64_t)count[col->len - 1] : 0;
                uint64_t n = b->added - nan;
                mean[i] = n ? b->sum[i] / (double)n : NAN;
                for (int p = 0; p < nq; p++) {
                    if (!n) { q[(size_t)p * K * W + i] = NAN; continue; }
                    uint64_t lhs, seen = 0;
                    double delta, lo = NAN, hi = NAN;
                    interpolate(f[p], n, &lhs, &delta);
                    for (uint32_t j = 0; j < col->len && isnan(hi); j++) {
                        seen += (uint64_t)count[j];
                        double x = (double)col->bin[j] / (double)DM_TALLY_BINS;
                        if (isnan(lo) && seen > lhs) lo = x;
                        if (seen > lhs + 1) hi = x;
                    }
                    q[(size_t)p * K * W + i] = lhs == n - 1 ? lo : (1 - delta) * lo + delta * hi;
                }
            }
        }
    free(count);
    return 0;
}

void dmi_binned_free(dm_binned *b)
{
    size_t spans = (b->K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN;
    for (size_t c = 0; b->col && c < spans * b->W; c++) {
        for (uint32_t j = 0; j < b->col[c].len; j++) free(b->col[c].diff[j]);
        free(b->col[c].bin);
        free(b->col[c].diff);
    }
    free(b->sum); free(b->col);
    memset(b, 0, sizeof *b);
}
