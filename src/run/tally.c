/* Statistics in bounded memory (src/run/tally.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
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
    size_t spans = (K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN;
    b->sum = calloc(spans * W * (DM_BINNED_SPAN + 1) + 1, sizeof *b->sum);
    b->col = calloc(spans * W + 1, sizeof *b->col);
    /* a batch of up to DM_BINNED_BATCH of each, or 64 a column for few columns */
    b->cap = spans * W * 64 < DM_BINNED_BATCH ? spans * W * 64 : DM_BINNED_BATCH;
    b->run = malloc(b->cap * sizeof *b->run);
    b->run_sorted = malloc(b->cap * sizeof *b->run_sorted);
    b->delta = malloc(b->cap * sizeof *b->delta);
    b->delta_sorted = malloc(b->cap * sizeof *b->delta_sorted);
    b->bucket = calloc(spans * W + 1, sizeof *b->bucket);
    b->now = malloc((W + 1) * sizeof *b->now);
    b->now_units = malloc((W + 1) * sizeof *b->now_units);
    b->now_bin = malloc((W + 1) * sizeof *b->now_bin);
    b->from = malloc((W + 1) * sizeof *b->from);
    b->moved_list = malloc((W + 1) * sizeof *b->moved_list);
    b->moved = calloc(W + 1, sizeof *b->moved);
    return b->sum && b->col && b->run && b->run_sorted && b->delta && b->delta_sorted && b->bucket && b->now &&
           b->now_units && b->now_bin && b->from && b->moved_list && b->moved ? 0 : -1;
}


/* Adds d to bin counts c's change at time t (within the span). A listed array that
 * would hold more than DM_BINNED_LISTED changes turns dense. */
static int counts_add(dm_binned_counts *c, uint32_t t, int32_t d)
{
    if (c->cap == DM_BINNED_DENSE) {
        c->change[t] += d;
        return 0;
    }
    uint32_t i = 0;
    while (i < c->n && c->at[i] < t) i++;
    if (i < c->n && c->at[i] == t) {
        c->change[i] += d;
        return 0;
    }
    if (c->n == c->cap) {
        if (c->cap == DM_BINNED_LISTED) {  /* dense from now on */
            int32_t *dense = calloc(DM_BINNED_SPAN + 1, sizeof *dense);
            if (!dense) return -1;
            for (uint32_t j = 0; j < c->n; j++) dense[c->at[j]] = c->change[j];
            dense[t] = d;
            free(c->change);
            *c = (dm_binned_counts){.change = dense, .cap = DM_BINNED_DENSE};
            return 0;
        }
        uint16_t cap = c->cap ? 2 * c->cap : 4;
        int32_t *block = malloc(cap * (sizeof *c->change + sizeof *c->at));  /* change[cap], then at[cap] */
        if (!block) return -1;
        uint16_t *at = (uint16_t *)(block + cap);
        if (c->n) {
            memcpy(block, c->change, c->n * sizeof *c->change);
            memcpy(at, c->at, c->n * sizeof *c->at);
        }
        free(c->change);
        c->change = block;
        c->at = at;
        c->cap = cap;
    }
    for (uint32_t j = c->n; j > i; j--) {  /* a few entries: no call to memmove */
        c->change[j] = c->change[j - 1];
        c->at[j] = c->at[j - 1];
    }
    c->change[i] = d;
    c->at[i] = (uint16_t)t;
    c->n++;
    return 0;
}

/* Counts d runs of bin `bin` over times k0 .. k1-1 of column c's span (relative to its
 * first time); the span's series ends at time len, where no change is kept (nothing
 * reads it). */
static int add_run(dm_binned_column *c, uint32_t bin, size_t k0, size_t k1, size_t len, int32_t d)
{
    uint32_t lo = c->last;
    if (!(lo < c->len && c->bin[lo] == bin)) {  /* the bin of the column's last run, often */
        uint32_t hi = c->len;
        lo = 0;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (c->bin[mid] < bin) lo = mid + 1;
            else hi = mid;
        }
    }
    if (lo == c->len || c->bin[lo] != bin) {
        if (c->len == c->cap) {
            uint32_t cap = c->cap ? 2 * c->cap : 4;
            uint32_t *bins = realloc(c->bin, cap * sizeof *bins);
            if (bins) c->bin = bins;
            dm_binned_counts *count = bins ? realloc(c->count, cap * sizeof *count) : NULL;
            if (!count) return -1;
            c->count = count;
            c->cap = cap;
        }
        memmove(c->bin + lo + 1, c->bin + lo, (c->len - lo) * sizeof *c->bin);
        memmove(c->count + lo + 1, c->count + lo, (c->len - lo) * sizeof *c->count);
        c->bin[lo] = bin;
        c->count[lo] = (dm_binned_counts){0};
        c->len++;
    }
    c->last = lo;
    dm_binned_counts *count = &c->count[lo];
    if (count->cap == DM_BINNED_DENSE) {  /* a bin that occurs often: most runs */
        count->change[k0] += d;
        if (k1 < len) count->change[k1] -= d;
        return 0;
    }
    if (counts_add(count, (uint32_t)k0, d)) return -1;
    return k1 < len ? counts_add(count, (uint32_t)k1, -d) : 0;
}

static uint32_t bin_of(double x) { return isnan(x) ? DM_BINNED_NAN : dm_binned_bin(x); }

static int same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

/* x in units of 2^-90, truncated toward zero (exact for |x| >= 2^-38); NaN adds nothing.
 * The same value as (__int128)(x * DM_BINNED_FIXED), from the bits (the compiler's
 * conversion is a call into libgcc): x = m 2^(e - 1075) with the 53-bit significand m. */
static __int128 fixed(double x)
{
    if (isnan(x)) return 0;
    x = x > 2 ? 2 : x < -2 ? -2 : x;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const int e = (int)(bits >> 52 & 0x7ff), shift = e - 1075 + 90;
    if (e == 0) return 0;  /* zero or subnormal: below 2^-1022 */
    const uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
    const __int128 u = shift >= 0 ? (__int128)m << shift : shift > -64 ? (__int128)(m >> -shift) : 0;
    return bits >> 63 ? -u : u;
}

/* The span's length: DM_BINNED_SPAN times, the last span's fewer. */
static size_t span_len(const dm_binned *b, size_t sp)
{
    size_t k0 = sp * DM_BINNED_SPAN;
    return b->K - k0 < DM_BINNED_SPAN ? b->K - k0 : DM_BINNED_SPAN;
}

/* Adds the replicates column i ((span, column) index) holds back, all of one value over
 * the whole span, to its sums and counts: count x the value's units at the span's start,
 * and count runs of its bin over the span. */
static int fold(dm_binned *b, size_t i)
{
    dm_binned_column *c = &b->col[i];
    if (!c->held) return 0;
    double x;
    memcpy(&x, &c->held_bits, sizeof x);
    const size_t len = span_len(b, i / b->W);
    b->sum[i * (DM_BINNED_SPAN + 1)] += (__int128)c->held * fixed(x);
    int rc = add_run(c, bin_of(x), 0, len, len, (int32_t)c->held);
    c->held = 0;
    return rc;
}

/* Applies the batch, column by column (a counting sort on the (span, column) index):
 * sums and counts are integers, so the order does not change them. */
static int flush(dm_binned *b)
{
    const size_t n = (b->K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN * b->W;
    int oom = 0;
    if (b->ndelta) {
        memset(b->bucket, 0, (n + 1) * sizeof *b->bucket);
        for (size_t i = 0; i < b->ndelta; i++) b->bucket[b->delta[i].at / (DM_BINNED_SPAN + 1) + 1]++;
        for (size_t c = 0; c < n; c++) b->bucket[c + 1] += b->bucket[c];
        for (size_t i = 0; i < b->ndelta; i++) b->delta_sorted[b->bucket[b->delta[i].at / (DM_BINNED_SPAN + 1)]++] = b->delta[i];
        for (size_t i = 0; i < b->ndelta; i++) b->sum[b->delta_sorted[i].at] += b->delta_sorted[i].d;
        b->ndelta = 0;
    }
    if (b->nrun) {
        memset(b->bucket, 0, (n + 1) * sizeof *b->bucket);
        for (size_t i = 0; i < b->nrun; i++) b->bucket[b->run[i].col + 1]++;
        for (size_t c = 0; c < n; c++) b->bucket[c + 1] += b->bucket[c];
        for (size_t i = 0; i < b->nrun; i++) b->run_sorted[b->bucket[b->run[i].col]++] = b->run[i];
        for (size_t i = 0; i < b->nrun; i++) {
            const dm_binned_run *r = &b->run_sorted[i];
            const size_t len = span_len(b, r->col / b->W);
            oom |= add_run(&b->col[r->col], r->bin, r->k0, r->k1, len, r->d);
        }
        b->nrun = 0;
    }
    return oom ? -1 : 0;
}

/* Puts off a run of bins (add_run) or a change of a sum, applying the batch when full. */
static int push_run(dm_binned *b, size_t col, uint32_t bin, size_t k0, size_t k1)
{
    int oom = b->nrun == b->cap ? flush(b) : 0;
    b->run[b->nrun++] = (dm_binned_run){(uint32_t)col, (uint16_t)k0, (uint16_t)k1, bin, 1};
    return oom;
}

static int push_delta(dm_binned *b, size_t at, __int128 d)
{
    int oom = b->ndelta == b->cap ? flush(b) : 0;
    b->delta[b->ndelta++] = (dm_binned_delta){d, at};
    return oom;
}

/* A (span, column) with no change in a replicate: one value over the whole span, as most
 * cells of a map have in most replicates. Held back while the replicates bring the same
 * one (a count), and added as one when another comes, or at the end. */
static int hold(dm_binned *b, size_t i, double x)
{
    dm_binned_column *c = &b->col[i];
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int oom = c->held && bits != c->held_bits ? fold(b, i) : 0;
    c->held_bits = bits;
    c->held++;
    return oom;
}

int dmi_binned_add(dm_binned *b, const double *first, const dm_change *ch, size_t n)
{
    const size_t W = b->W, K = b->K;
    int oom = 0;
    for (size_t c = 0; c < W; c++) {
        b->now[c] = first[c];
        b->now_units[c] = fixed(first[c]);
        b->now_bin[c] = bin_of(first[c]);
    }
    size_t i = 0;
    for (size_t sp = 0, k0 = 0; k0 < K; sp++, k0 += DM_BINNED_SPAN) {
        const size_t len = span_len(b, sp);
        size_t nmoved = 0;
        /* A column's change at time k changes its sum's difference array at k and, when its
         * bin differs too, closes the column's run of equal bins (add_run: two counts);
         * its first change in the span puts its value at the span's start in the sums. */
        for (; i < n && ch[i].k < k0 + len; i++) {
            const size_t c = ch[i].col, col = sp * W + c, at = ch[i].k - k0;
            const double x = ch[i].x;
            if (same_bits(x, b->now[c])) continue;
            const __int128 was = b->now_units[c], units = fixed(x);
            b->now[c] = x;
            b->now_units[c] = units;
            if (at == 0) {  /* at the span's first time: only its value there */
                b->now_bin[c] = bin_of(x);
                continue;
            }
            if (!b->moved[c]) {
                b->moved[c] = 1;
                b->moved_list[nmoved++] = (uint32_t)c;
                b->from[c] = 0;
                oom |= push_delta(b, col * (DM_BINNED_SPAN + 1), was);
            }
            oom |= push_delta(b, col * (DM_BINNED_SPAN + 1) + at, units - was);
            const uint32_t xb = bin_of(x);
            if (xb != b->now_bin[c]) {
                oom |= push_run(b, col, b->now_bin[c], b->from[c], at);
                b->from[c] = (uint32_t)at;
                b->now_bin[c] = xb;
            }
        }
        for (size_t c = 0; c < W; c++)
            if (!b->moved[c]) oom |= hold(b, sp * W + c, b->now[c]);
        for (size_t j = 0; j < nmoved; j++) {  /* the moved columns' last runs */
            const size_t c = b->moved_list[j];
            oom |= push_run(b, sp * W + c, b->now_bin[c], b->from[c], len);
            b->moved[c] = 0;
        }
    }
    return oom ? -1 : 0;
}

/* Adds bin counts s to d and frees s's. */
static int counts_merge(dm_binned_counts *d, dm_binned_counts *s)
{
    if (s->cap == DM_BINNED_DENSE && d->cap != DM_BINNED_DENSE) {  /* into the dense one */
        dm_binned_counts t = *d;
        *d = *s;
        *s = t;
    }
    int oom = 0;
    if (s->cap == DM_BINNED_DENSE)
        for (size_t k = 0; k <= DM_BINNED_SPAN; k++) d->change[k] += s->change[k];
    else
        for (uint32_t j = 0; j < s->n; j++) oom |= counts_add(d, s->at[j], s->change[j]);
    free(s->change);
    *s = (dm_binned_counts){0};
    return oom ? -1 : 0;
}

/* Merges column s's bins into column d's (both sorted): a bin of both adds s's
 * difference array to d's, a bin of s only moves its array to d. s's arrays are freed
 * (or moved) at once. */
static int merge_column(dm_binned_column *d, dm_binned_column *s)
{
    if (!s->len) return 0;
    uint32_t n = d->len + s->len, i = 0, j = 0, m = 0;
    uint32_t *bin = malloc(n * sizeof *bin);
    dm_binned_counts *count = malloc(n * sizeof *count);
    if (!bin || !count) {
        free(bin);
        free(count);
        return -1;
    }
    int oom = 0;
    while (i < d->len || j < s->len) {
        if (j == s->len || (i < d->len && d->bin[i] < s->bin[j])) {
            bin[m] = d->bin[i];
            count[m++] = d->count[i++];
        } else if (i == d->len || s->bin[j] < d->bin[i]) {
            bin[m] = s->bin[j];
            count[m++] = s->count[j++];
        } else {
            oom |= counts_merge(&d->count[i], &s->count[j++]);
            bin[m] = d->bin[i];
            count[m++] = d->count[i++];
        }
    }
    free(d->bin); free(d->count); free(s->bin); free(s->count);
    *s = (dm_binned_column){0};
    d->bin = bin;
    d->count = count;
    d->len = d->cap = m;
    d->last = 0;
    return oom ? -1 : 0;
}

int dmi_binned_merge(dm_binned *dst, dm_binned *src)
{
    size_t spans = (dst->K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN, n = spans * dst->W;
    int oom = flush(dst) | flush(src);
    for (size_t c = 0; c < n; c++) {  /* held back replicates: of one value, still held */
        dm_binned_column *d = &dst->col[c], *s = &src->col[c];
        if (s->held && d->held && s->held_bits == d->held_bits) {
            d->held += s->held;
            s->held = 0;
        } else if (s->held && !d->held) {
            d->held = s->held;
            d->held_bits = s->held_bits;
            s->held = 0;
        }
        oom |= fold(src, c);
    }
    for (size_t i = 0; i < n * (DM_BINNED_SPAN + 1); i++) dst->sum[i] += src->sum[i];
    for (size_t c = 0; c < n; c++) oom |= merge_column(&dst->col[c], &src->col[c]);
    dst->added += src->added;
    dmi_binned_free(src);
    return oom ? -1 : 0;
}

int dmi_binned_finish(dm_binned *b, const double *f, int nq, double *mean, double *q, int threads)
{
    size_t K = b->K, W = b->W, spans = (K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN;
    int oom = flush(b);
    for (size_t i = 0; i < spans * W; i++) oom |= fold(b, i);
    if (oom) return -1;
    size_t most = 1;
    for (size_t c = 0; c < spans * W; c++) most = b->col[c].len > most ? b->col[c].len : most;
    if (threads < 1) threads = 1;
    /* per thread: each bin's count at time k, and its listed changes still to apply */
    int64_t *counts = malloc((size_t)threads * most * sizeof *counts);
    uint32_t *nexts = malloc((size_t)threads * most * sizeof *nexts);
    if (!counts || !nexts) {
        free(counts);
        free(nexts);
        return -1;
    }
    /* every (span, column) writes its own values: shared out, the same bits */
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads) if (threads > 1 && spans * W > 1)
    for (size_t i = 0; i < spans * W; i++) {
        size_t sp = i / W, c = i % W;
        int64_t *count = counts + (size_t)omp_get_thread_num() * most;
        uint32_t *next = nexts + (size_t)omp_get_thread_num() * most;
        const dm_binned_column *col = &b->col[i];
        const __int128 *dsum = b->sum + i * (DM_BINNED_SPAN + 1);
        __int128 sum = 0;
        memset(count, 0, col->len * sizeof *count);
        memset(next, 0, col->len * sizeof *next);
        for (size_t k = sp * DM_BINNED_SPAN; k < K && k < (sp + 1) * DM_BINNED_SPAN; k++) {
            size_t at = k * W + c;
            const uint32_t kk = (uint32_t)(k - sp * DM_BINNED_SPAN);
            for (uint32_t j = 0; j < col->len; j++) {
                const dm_binned_counts *cj = &col->count[j];
                if (cj->cap == DM_BINNED_DENSE) count[j] += cj->change[kk];
                else if (next[j] < cj->n && cj->at[next[j]] == kk) count[j] += cj->change[next[j]++];
            }
            /* NaN has the largest key: the last entry */
            uint64_t nan = col->len && col->bin[col->len - 1] == DM_BINNED_NAN ? (uint64_t)count[col->len - 1] : 0;
            uint64_t n = b->added - nan;
            sum += dsum[k - sp * DM_BINNED_SPAN];
            mean[at] = n ? (double)sum / DM_BINNED_FIXED / (double)n : NAN;
            for (int p = 0; p < nq; p++) {
                if (!n) { q[(size_t)p * K * W + at] = NAN; continue; }
                uint64_t lhs, seen = 0;
                double delta, lo = NAN, hi = NAN;
                interpolate(f[p], n, &lhs, &delta);
                for (uint32_t j = 0; j < col->len && isnan(hi); j++) {
                    seen += (uint64_t)count[j];
                    double x = (double)col->bin[j] / (double)DM_TALLY_BINS;
                    if (isnan(lo) && seen > lhs) lo = x;
                    if (seen > lhs + 1) hi = x;
                }
                q[(size_t)p * K * W + at] = lhs == n - 1 ? lo : (1 - delta) * lo + delta * hi;
            }
        }
    }
    free(counts);
    free(nexts);
    return 0;
}

void dmi_binned_free(dm_binned *b)
{
    size_t spans = (b->K + DM_BINNED_SPAN - 1) / DM_BINNED_SPAN;
    for (size_t c = 0; b->col && c < spans * b->W; c++) {
        for (uint32_t j = 0; j < b->col[c].len; j++) free(b->col[c].count[j].change);
        free(b->col[c].bin);
        free(b->col[c].count);
    }
    free(b->sum); free(b->col);
    free(b->run); free(b->run_sorted); free(b->delta); free(b->delta_sorted); free(b->bucket);
    free(b->now); free(b->now_units); free(b->now_bin); free(b->from); free(b->moved_list); free(b->moved);
    memset(b, 0, sizeof *b);
}
