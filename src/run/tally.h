/* Statistics in memory that does not grow with the number of replicates (issue 20).
 *
 * dm_tally counts integer keys (a breach's onset or duration in ticks) in a sorted list
 * of (key, count): exact quantiles from as many entries as there are distinct keys.
 *
 * dm_binned summarises a series over time (sector levels, impact maps: values in [0, 1]
 * at K times in W columns) across replicates. Per time and column it keeps the exact
 * sum of the values (NaN adds nothing), and counts of their bins of width 10^-4
 * (bin = round(x * 10^4); NaN has a bin of its own, so the count of values is known). A
 * replicate's series is piecewise constant in time, so both are kept as difference
 * arrays over time, one per span of DM_BINNED_SPAN times and column for the sums, and
 * one per span, column and bin that occurs for the counts: a run of equal values from
 * time k0 to k1 costs two updates, whatever its length. A bin's difference array is a
 * short sorted list of (time, change) until it has more than DM_BINNED_LISTED changes,
 * then a dense array of DM_BINNED_SPAN + 1 counts. The sums are integers in units
 * of 2^-90 (DM_BINNED_FIXED; a value in [0, 1] is exact in them down to 2^-38, below
 * which it is rounded by at most 2^-91), so they and the counts are the same whatever
 * the order in which replicates, spans and columns are added, and partial statistics
 * (one per thread: each adds the replicates it ran as they finish) merge into the same
 * bits in any order.
 *
 * Cost (issue 20, session 10): a replicate whose value in a column stays the same over a
 * whole span, as most cells of an impact map do, is only counted (dm_binned_column.held)
 * while the replicates bring the same value, and added as many at once when another
 * comes; the runs and changes of sums of the others are put off into a batch (up to
 * DM_BINNED_BATCH of each) applied column by column when full, so that each column's
 * arrays come into cache once for a batch of replicates rather than once for each.
 *
 * Memory: 16 bytes per time and column for the sums, and per (span, column, bin) that
 * occurs about 40 bytes, plus 6 bytes per change while listed or 4 (DM_BINNED_SPAN + 1)
 * when dense. The bins grow with the replicates while they bring new (time, bin) pairs
 * (the partial levels of a restoration after a random outage fall in other bins at other
 * times in every replicate), up to at most 10^4 + 2 bins per span and column; most of
 * them have a few changes only, which a list keeps in a few bytes instead of 1 KiB. The
 * batch: 96 bytes for each of up to DM_BINNED_BATCH runs (64 a span and column if fewer). */
#ifndef DOMINO_TALLY_H
#define DOMINO_TALLY_H

#include <stddef.h>
#include <stdint.h>
#include "domino/engine.h"  /* dm_change */

#define DM_TALLY_BINS 10000u   /* bins per unit: width 10^-4 */
#define DM_BINNED_SPAN 256u    /* times per span of the difference arrays */
#define DM_BINNED_NAN UINT32_MAX  /* the key that counts NaN values */
#define DM_BINNED_LISTED 32u   /* changes a bin lists before it takes a dense array */
#define DM_BINNED_BATCH 32768u /* runs and changes of sums put off at most, each */
#define DM_BINNED_DENSE UINT16_MAX  /* dm_binned_counts.cap of a dense array */
#define DM_BINNED_FIXED 0x1p90   /* sums count units of 2^-90: 2^31 values of magnitude <= 2
                                    sum to less than 2^122, within an __int128 */

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

/* A bin's difference array over a span's times: dense (cap == DM_BINNED_DENSE), change
 * [DM_BINNED_SPAN + 1]; or listed, the changes change[0 .. n-1] at the times at[0 .. n-1]
 * (sorted; at points into change's block, after its cap entries). */
typedef struct dm_binned_counts {
    int32_t *change;
    uint16_t *at;
    uint16_t n, cap;
} dm_binned_counts;

typedef struct dm_binned_column {
    uint32_t len, cap;
    uint32_t last;       /* the index of the bin counted last (a hint) */
    uint32_t held;       /* replicates of one value over the whole span, not counted yet */
    uint64_t held_bits;  /* that value's bits */
    uint32_t *bin;       /* sorted bins that occur */
    dm_binned_counts *count;  /* [len]: their counts' difference arrays */
} dm_binned_column;

/* A run of bins or a change of a sum, put off until a batch of them is applied column
 * by column (the columns' arrays are then each taken into cache once for many
 * replicates, not once for each). */
typedef struct dm_binned_run {
    uint32_t col;        /* (span, column) index */
    uint16_t k0, k1;     /* times relative to the span's first */
    uint32_t bin;
    int32_t d;           /* runs */
} dm_binned_run;

typedef struct dm_binned_delta {
    __int128 d;          /* units of 2^-90 */
    size_t at;           /* index in dm_binned.sum */
} dm_binned_delta;

typedef struct dm_binned {
    size_t K, W;
    /* the batch: runs and sums' changes not applied yet (at most cap of each), a second
     * array of each to sort them into, and a count per (span, column) */
    dm_binned_run *run, *run_sorted;
    dm_binned_delta *delta, *delta_sorted;
    size_t nrun, ndelta, cap;
    uint32_t *bucket;
    __int128 *sum;       /* [span][W][DM_BINNED_SPAN + 1]: difference arrays of the sums
                            (units of 2^-90) over the span's times */
    uint64_t added;      /* replicates added (the caller counts them) */
    /* dmi_binned_add's scratch, per column: the value, its units and its bin at the time reached,
     * where the open run of that bin began in the span, whether the column moved in the
     * span, and the columns that did */
    double *now;
    __int128 *now_units;  /* now's value in units of 2^-90 */
    uint32_t *now_bin, *from, *moved_list;
    unsigned char *moved;
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
/* Adds one replicate's series, given as its first row first[W] (time 0) and its changes
 * ch[0 .. n-1] in non-decreasing time order, at times 1 .. K-1 (a change to the bits the
 * column has is no change). The work is O(n + spans x W): no row is read. Replicates may
 * come in any order: the result does not depend on it. Values beyond [-2, 2] are summed as
 * -2 or 2 (levels and maps are in [0, 1]). -1 when out of memory. */
int dmi_binned_add(dm_binned *b, const double *first, const dm_change *ch, size_t n);
/* Adds src's sums and counts to dst's (both of the same K and W; a thread's partial
 * statistics into another's: integers, so any order of merging gives the same bits) and
 * frees src. The bins' difference arrays move from src to dst where dst has none for the
 * bin. -1 when out of memory (dst then holds part of src, src is freed all the same). */
int dmi_binned_merge(dm_binned *dst, dm_binned *src);
/* Applies the held back replicates and the batch first, then: mean[K][W] (the exact
 * sum, rounded once, over the count: within an ulp of the exact
 * mean; NaN where no value) and q[nq][K][W] (from the bins: within half a
 * bin, 5·10^-5, of the exact quantile; NaN where no value), computed on `threads`
 * threads (the same bits for any number). -1 when out of memory. */
int dmi_binned_finish(dm_binned *b, const double *f, int nq, double *mean, double *q, int threads);
void dmi_binned_free(dm_binned *b);

#endif
