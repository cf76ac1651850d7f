/* Statistics in memory that does not grow with the number of replicates (issue 20).
 *
 * dm_tally counts integer keys (a breach's onset or duration in ticks) in a sorted list
 * of (key, count): exact quantiles from as many entries as there are distinct keys.
 *
 * dm_binned summarises a series over time (sector levels, impact maps: values in [0, 1]
 * at K times in W columns) across replicates. Per time and column it keeps the exact
 * running sum of the values (added in replicate order; NaN and 0 add nothing), and
 * counts of their bins of width 10^-4 (bin = round(x * 10^4); NaN has a bin of its own,
 * so the count of values is known). A replicate's series is piecewise
 * constant in time, so the counts are kept as difference arrays over time, one per
 * span of DM_BINNED_SPAN times, column and bin that occurs: a run of equal bins from
 * time k0 to k1 costs two increments. Memory: 8 bytes per time and column, and
 * 4 (DM_BINNED_SPAN + 1) bytes per (span, column, bin) that occurs; the counts do not
 * depend on the order of the replicates. Spans and columns are independent, so threads
 * can share them out. */
#ifndef DOMINO_TALLY_H
#define DOMINO_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define DM_TALLY_BINS 10000u   /* bins per unit: width 10^-4 */
#define DM_BINNED_SPAN 256u    /* times per span of the difference arrays */
#define DM_BINNED_NAN UINT32_MAX  /* the key that counts NaN values */

typedef struct dm_tally {
    uint64_t *e;        /* (key << 32 | count), sorted by key */
    uint32_t len, cap;
} dm_tally;

/* Adds one occurrence of key; -1 when out of memory (the tally is unchanged). */
int dmi_tally_add(dm_tally *t, uint32_t key);
/* The quantile f of the n >= 1 counted values, each value being key * mul, with the
 * interpolation of gsl_stats_quantile_from_sorted_data. */
double dmi_tally_quantile(const dm_tally *t, uint64_t n, double f, double mul);
void dmi_tally_free(dm_tally *t);

typedef struct dm_binned_column {
    uint32_t len, cap;
    uint32_t *bin;       /* sorted bins that occur */
    int32_t **diff;      /* [len][DM_BINNED_SPAN + 1]: difference arrays of their counts
                            over the span's times */
} dm_binned_column;

typedef struct dm_binned {
    size_t K, W;
    double *sum;         /* [W][K]: a column's times are contiguous */
    uint64_t added;      /* replicates added (the caller counts them) */
    dm_binned_column *col;  /* [span][W] */
} dm_binned;

/* The bin of x: round(x * 10^4), values outside [0, 1] in the end bins. */
static inline uint32_t dm_binned_bin(double x)
{
    if (!(x > 0)) return 0;
    if (x >= 1) return DM_TALLY_BINS;
    return (uint32_t)(x * (double)DM_TALLY_BINS + 0.5);
}

int dmi_binned_init(dm_binned *b, size_t K, size_t W);
/* Adds one replicate's series, times k0 .. k1-1 (within one span: k0 a multiple of
 * DM_BINNED_SPAN, k1 <= k0 + DM_BINNED_SPAN) and columns c0 .. c1-1 only. The series is
 * given as runs of equal rows: row j (rows + j W) holds times start[j] .. start[j + 1] - 1,
 * for j < nruns, with start[0] = 0 and start[nruns] = K. Threads take disjoint ranges.
 * Each range must see the replicates in order for the sums to be reproducible. -1 when
 * out of memory. */
int dmi_binned_add(dm_binned *b, const double *rows, const uint32_t *start, size_t nruns, size_t k0, size_t k1,
                   size_t c0, size_t c1);
/* mean[K][W] (exact; NaN where no value) and q[nq][K][W] (from the bins: within half a
 * bin, 5·10^-5, of the exact quantile; NaN where no value), computed on `threads`
 * threads (the same bits for any number). -1 when out of memory. */
int dmi_binned_finish(const dm_binned *b, const double *f, int nq, double *mean, double *q, int threads);
void dmi_binned_free(dm_binned *b);

#endif
