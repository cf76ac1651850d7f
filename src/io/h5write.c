/* Writing a run's result file (include/domino/output.h; layout in docs/output-format.md).
 *
 * Every variable that grows with the run (per replicate, per event, per breach) is a
 * `column`: rows are buffered in memory and appended to the extendible HDF5 dataset a
 * few hundred replicates at a time, so a run of 10^4 replicates costs tens of HDF5 calls
 * per variable, not 10^4. */
#include <errno.h>
#include <libgen.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hdf5_hl.h>
#include <omp.h>
#include <zlib.h>
#include "domino.h"
#include "domino/output.h"
#include "core/h5util.h"
#include "core/files.h"
#include "core/hash.h"

/* CF time: minutes since the scenario's start, or plain minutes after T+0 (h5util.h). */
#define TIME_UNITS w->time_units

typedef struct column {
    hid_t ds, memtype;
    size_t elem, width;    /* bytes per element, elements per row */
    char *buf;
    size_t rows, cap;      /* buffered rows */
    /* not a series: rows per chunk (0: not known yet), and how many of the buffered rows,
     * the first ones, are in the file already (the last chunk written, not full) */
    size_t crows, tail;
    /* a series (replicate x time x ...), written chunk by chunk (flush_series): times,
     * times per chunk, values per time, bytes per value in the file (4: float), and the
     * values per time of one chunk (`part`: one region's sectors for a map, every value
     * otherwise), `parts` = rest / part chunks side by side at each time. Its replicates
     * are buffered as runs of equal rows (dm_engine_result.run_start): rows (vals:
     * doubles, rest a row) and the runs' first times, per replicate from runs[i]. */
    size_t K, ct, rest, fsize, part, parts;
    double *vals; uint32_t *starts;
    size_t nvals, cap_vals, nstarts, cap_starts;
    struct series_rep { size_t row, start, nruns; } *runs;
    /* packed chunks of one row part (times within which it does not change), kept for
     * the same part and times, which need not be packed again (a region at rest is most
     * of a map): at most ncache_max; `used` is the last flush that took it, `owner` the
     * chunk of the current flush that packs it (-1: packed) */
    struct packed { double *row; uint64_t hash; size_t times, len, used; long owner; unsigned char *bytes; } *cache;
    size_t ncache, ncache_max, flushes;
} column;

enum { PER_REPLICATE, PER_EVENT, PER_BREACH };

/* The growing variables, by dimension. */
enum {
    C_REPLICATE, C_SECTOR_LEVEL, C_IMPACT, C_NODE_LEVEL, C_MIN_LEVEL, C_FINAL_LEVEL, C_UNIT_HOURS, C_ECON_LOSS,
    C_HAZARD_START, C_HAZARD_END,
    C_EVENT, C_EV_REPLICATE, C_EV_TIME, C_EV_NODE, C_EV_SECTOR, C_EV_KIND, C_EV_CAUSE, C_EV_GROUP,
    C_EV_HAZARD, C_EV_VALUE,
    C_BREACH, C_BR_REPLICATE, C_BR_SECTOR, C_BR_ONSET, C_BR_CONFIRMED, C_BR_END, C_BR_PEAK, C_BR_UNIT_HOURS,
    C_BR_REGION, NCOLUMNS
};

struct dm_h5_writer {
    char *target;
    dm_output out;             /* the temporary, the lock (src/core/files.c) */
    hid_t file;
    const dm_scenario *sc;
    unsigned store;
    size_t S, H, n, K, R;      /* sectors, hazards, nodes, times, regions */
    double minutes;            /* minutes per tick */
    char time_units[64];       /* of every time variable */
    column col[NCOLUMNS];
    hid_t scale_replicate, scale_time, scale_sector, scale_region, scale_node, scale_hazard,
          scale_quantile, scale_event, scale_breach;
    size_t pending;            /* replicates buffered */
    size_t flush_every;
    uint64_t nevents, nbreaches;
};

static int fail(dm_error *err, int code, const char *path, const char *what)
{
    return dm_error_set(err, code, path, 0, 0, "%s", what);
}

/* ---- variables ---- */

static int attach(hid_t ds, const hid_t *scales, int rank)
{
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(ds, scales[i], (unsigned)i) < 0) return -1;
    return 0;
}

/* A coordinate variable (dmi_h5_coordinate); a dimension of named things (type a string
 * type) becomes a numeric index with the names in `<name>_id` (dmi_h5_labelled_dimension). */
static hid_t coordinate(dm_h5_writer *w, const char *name, hid_t type, hsize_t len, int unlimited,
                        const void *values, const char *long_name, const char *units)
{
    if (H5Tget_class(type) == H5T_STRING) return dmi_h5_labelled_dimension(w->file, name, len, values, name);
    return dmi_h5_coordinate(w->file, name, type, len, unlimited, values, long_name, units);
}

/* CF cell_methods of a statistic (a replicate is an ensemble member: CF's `realization`). */
static int cell_methods(hid_t ds, const char *methods)
{
    return ds < 0 || dmi_h5_attr_text(ds, "cell_methods", methods);
}

/* A variable that grows along its first dimension (replicate, event or breach). */
static int growing(dm_h5_writer *w, int c, const char *name, hid_t memtype, int rank, const hsize_t *inner,
                   const hid_t *scales, const char *long_name, const char *units)
{
    hsize_t dims[4] = {0}, maxdims[4] = {H5S_UNLIMITED}, chunk[4];
    size_t width = 1;
    for (int i = 1; i < rank; i++) {
        dims[i] = maxdims[i] = inner[i - 1];
        width *= inner[i - 1];
    }
    /* Chunks: one row (a replicate) or 4096 events, and as much of the next dimension
     * (time) as keeps a chunk near 1 MiB: contiguous in time, sized for appends. */
    chunk[0] = rank == 1 ? 4096 : 1;
    if (rank == 2) chunk[0] = width >= 4096 ? 1 : width >= 4 ? 4096 / width : 1024;
    for (int i = 1; i < rank; i++) chunk[i] = dims[i] ? dims[i] : 1;
    /* A map's chunk is one region: most regions do not move in a replicate (tokyo: 9 of
     * 47), so most chunks are one row repeated, packed once and reused (flush_series),
     * and only the regions that moved are deflated. */
    if (rank == 4) chunk[2] = 1;
    size_t part = 1;
    for (int i = 2; i < rank; i++) part *= chunk[i];
    if (rank > 2) {
        size_t rows = (1u << 17) / part;
        /* a map's region: at most 2^14 values, its times split evenly (tokyo: 2 x 504 times);
         * halving the times deflates a quarter less (the regions that moved, moved in
         * part of the horizon) for a file 6 % larger; shorter chunks gain no more */
        if (rank == 4 && dims[1]) {
            size_t pieces = (dims[1] * part + (1u << 14) - 1) >> 14;
            rows = (dims[1] + pieces - 1) / pieces;
        }
        chunk[1] = rows < 1 ? 1 : rows < dims[1] ? rows : dims[1] ? dims[1] : 1;
    }
    column *col = &w->col[c];
    if (rank > 2) {
        col->K = dims[1];
        col->ct = chunk[1];
        col->rest = width / (dims[1] ? dims[1] : 1);
        col->fsize = H5Tget_size(memtype);
        col->part = part;
        col->parts = col->rest / part;
        /* rows of at most 4 MiB kept in all, and at least 4 */
        col->ncache_max = (4u << 20) / (part * sizeof(double));
        col->ncache_max = col->ncache_max < 4 ? 4 : col->ncache_max > 64 ? 64 : col->ncache_max;
        if (!(col->cache = calloc(col->ncache_max, sizeof *col->cache))) return -1;
    }
    col->ds = rank > 2 ? dmi_h5_series_variable(w->file, name, memtype, rank, dims, maxdims, chunk)
                       : dmi_h5_variable(w->file, name, memtype, rank, dims, maxdims, chunk);
    col->memtype = memtype;
    col->elem = H5Tget_size(memtype);
    col->width = width;
    if (col->ds < 0 || attach(col->ds, scales, rank) || dmi_h5_attr_text(col->ds, "long_name", long_name) ||
        (units && dmi_h5_attr_text(col->ds, "units", units)))
        return -1;
    return 0;
}

static int push(column *c, const void *row)
{
    if (c->ds <= 0) return 0;  /* not stored */
    if (c->rows == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        char *b = realloc(c->buf, cap * c->width * c->elem);
        if (!b) return -1;
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->rows * c->width * c->elem, row, c->width * c->elem);
    c->rows++;
    return 0;
}

/* Buffers a replicate's series: its runs as they are, or every time as a run of one. */
static int push_series(column *c, const double *rows, const uint32_t *start, size_t nruns)
{
    if (c->ds <= 0) return 0;  /* not stored */
    size_t J = start ? nruns : c->K;
    if (c->rows == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        struct series_rep *r = realloc(c->runs, cap * sizeof *r);
        if (!r) return -1;
        c->runs = r;
        c->cap = cap;
    }
    if (c->nvals + J * c->rest > c->cap_vals) {
        size_t cap = 2 * (c->nvals + J * c->rest);
        double *r = realloc(c->vals, cap * sizeof *r);
        if (!r) return -1;
        c->vals = r;
        c->cap_vals = cap;
    }
    if (c->nstarts + J + 1 > c->cap_starts) {
        size_t cap = 2 * (c->nstarts + J + 1);
        uint32_t *r = realloc(c->starts, cap * sizeof *r);
        if (!r) return -1;
        c->starts = r;
        c->cap_starts = cap;
    }
    c->runs[c->rows++] = (struct series_rep){c->nvals, c->nstarts, J};
    memcpy(c->vals + c->nvals, rows, J * c->rest * sizeof *rows);
    if (start) memcpy(c->starts + c->nstarts, start, (J + 1) * sizeof *start);
    else for (size_t k = 0; k <= J; k++) c->starts[c->nstarts + k] = (uint32_t)k;
    c->nvals += J * c->rest;
    c->nstarts += J + 1;
    return 0;
}

/* n values of e bytes (4 or 8, little-endian) as HDF5's shuffle (when `shuffle`) and
 * deflate (level 1) filters store them: shuffled, byte j of value i goes to
 * shuffled[j n + i], then zlib. *out is malloc'd; -1 when out of memory. */
static int deflate_chunk(const unsigned char *raw, size_t n, size_t e, int shuffle, unsigned char **out, size_t *len)
{
    size_t bytes = n * e;
    unsigned char *shuffled = shuffle ? malloc(bytes + 1) : NULL;
    uLongf bound = compressBound((uLong)bytes);
    *out = malloc(bound);
    int rc = (shuffled || !shuffle) && *out ? 0 : -1;
    if (!rc && shuffle && e == 4) {
        const uint32_t *x = (const uint32_t *)(const void *)raw;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = x[i];
            shuffled[i] = (unsigned char)v;
            shuffled[n + i] = (unsigned char)(v >> 8);
            shuffled[2 * n + i] = (unsigned char)(v >> 16);
            shuffled[3 * n + i] = (unsigned char)(v >> 24);
        }
    } else if (!rc && shuffle) {
        const uint64_t *x = (const uint64_t *)(const void *)raw;
        for (size_t i = 0; i < n; i++) {
            uint64_t v = x[i];
            for (size_t j = 0; j < 8; j++) shuffled[j * n + i] = (unsigned char)(v >> (8 * j));
        }
    }
    if (!rc) rc = compress2(*out, &bound, shuffle ? shuffled : raw, (uLong)bytes, 1) == Z_OK ? 0 : -1;
    *len = bound;
    free(shuffled);
    if (rc) { free(*out); *out = NULL; }
    return rc;
}

/* One chunk of a series, as HDF5's deflate filter (level 1) would store it:
 * the values of part p at `times` times from k0 of buffered replicate b, converted to the
 * file type, padded with the fill value (NaN) to the chunk's ct times and deflated
 * (deflate_chunk; not shuffled, dmi_h5_series_variable). *out is malloc'd; -1 when out
 * of memory. */
static int pack_chunk(const column *col, size_t b, size_t k0, size_t times, size_t p, unsigned char **out, size_t *len)
{
    size_t P = col->part, n = col->ct * P, e = col->fsize, W = col->rest;
    unsigned char *raw = malloc(n * e + 1);
    if (!raw) return -1;
    size_t have = times * P;
    const struct series_rep *rep = &col->runs[b];
    const uint32_t *start = col->starts + rep->start;
    size_t j = 0;  /* the run of time k0 + t */
    while (j + 1 < rep->nruns && start[j + 1] <= k0) j++;
    for (size_t t = 0; t < times; t++) {
        while (start[j + 1] <= k0 + t) j++;
        const double *from = col->vals + rep->row + j * W + p * P;
        if (e == sizeof(float)) {
            float *f = (float *)(void *)raw + t * P;
            for (size_t i = 0; i < P; i++) f[i] = (float)from[i];
        } else {
            memcpy((double *)(void *)raw + t * P, from, P * sizeof(double));
        }
    }
    if (e == sizeof(float)) {
        float *f = (float *)(void *)raw;
        for (size_t i = have; i < n; i++) f[i] = NAN;
    } else {
        double *d = (double *)(void *)raw;
        for (size_t i = have; i < n; i++) d[i] = NAN;
    }
    int rc = deflate_chunk(raw, n, e, 0, out, len);
    free(raw);
    return rc;
}

/* The values of part p that fill chunk (b, k0, times) when they do not change within it
 * (the runs it spans have the same bits there); else NULL. */
static const double *one_row(const column *col, size_t b, size_t k0, size_t times, size_t p)
{
    const struct series_rep *rep = &col->runs[b];
    const uint32_t *start = col->starts + rep->start;
    const double *first = col->vals + rep->row + p * col->part;
    size_t j = 0;
    while (j + 1 < rep->nruns && start[j + 1] <= k0) j++;
    for (size_t i = j + 1; i < rep->nruns && start[i] < k0 + times; i++)
        if (memcmp(first + i * col->rest, first + j * col->rest, col->part * sizeof(double))) return NULL;
    return first + j * col->rest;
}

/* FNV-1a of a row part's bytes: compared before the bytes themselves. */
static uint64_t row_hash(const double *row, size_t n)
{
    const unsigned char *b = (const unsigned char *)row;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n * sizeof *row; i++) h = (h ^ b[i]) * 0x100000001b3u;
    return h;
}

/* The cache entry of a chunk of `row` over `times` for this flush: one packed before or
 * by an earlier chunk of this flush, or else a new one that chunk i packs (owner), in
 * the place of the one least recently used by an earlier flush. -1: none free (the chunk
 * is packed, not kept). */
static long cache_entry(column *col, const double *row, uint64_t hash, size_t times, size_t i)
{
    size_t bytes = col->part * sizeof(double);
    long free_at = -1;
    for (size_t c = 0; c < col->ncache; c++) {
        struct packed *e = &col->cache[c];
        if (e->hash == hash && e->times == times && !memcmp(e->row, row, bytes)) {
            e->used = col->flushes;
            return (long)c;
        }
        if (e->used < col->flushes && (free_at < 0 || e->used < col->cache[free_at].used)) free_at = (long)c;
    }
    if (col->ncache < col->ncache_max) {
        free_at = (long)col->ncache;
        if (!(col->cache[free_at].row = malloc(bytes))) return -1;  /* not kept: nothing depends on it */
        col->ncache++;
    }
    if (free_at < 0) return -1;
    struct packed *e = &col->cache[free_at];
    free(e->bytes);
    memcpy(e->row, row, bytes);
    *e = (struct packed){e->row, hash, times, 0, col->flushes, (long)i, NULL};
    return free_at;
}

/* Appends the buffered replicates of a series. The chunks (one replicate, ct times, one
 * part of the other dimensions) are packed in parallel and written in order with
 * H5Dwrite_chunk: the bytes are the same for any number of threads, and the ones HDF5's
 * own filters would write. A chunk of one row part whose values and times were packed
 * before (in this flush or a recent one) takes those bytes: the same bytes. */
static int flush_series(column *col)
{
    hsize_t rows = 0;
    size_t inner;
    if (!col->rows) return 0;
    if (dmi_h5_shape(col->ds, &rows, &inner)) return -1;
    hsize_t dims[4];
    hid_t space = H5Dget_space(col->ds);
    int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    if (space >= 0) H5Sclose(space);
    if (rank < 3) return -1;
    dims[0] = rows + col->rows;
    if (H5Dset_extent(col->ds, dims) < 0) return -1;
    col->flushes++;
    /* chunk i: replicate i / per_rep, then times (i % per_rep / parts) * ct, part i % parts */
    size_t per_rep = (col->K + col->ct - 1) / col->ct * col->parts, nchunks = col->rows * per_rep;
    unsigned char **out = calloc(nchunks + 1, sizeof *out);
    size_t *len = calloc(nchunks + 1, sizeof *len), *times = calloc(nchunks + 1, sizeof *times);
    long *entry = malloc((nchunks + 1) * sizeof *entry);  /* its cache entry, -1: none */
    const double **row = malloc((nchunks + 1) * sizeof *row);  /* its one row part, or NULL */
    uint64_t *hash = malloc((nchunks + 1) * sizeof *hash);
    int failed = !out || !len || !times || !entry || !row || !hash;
    /* which chunks are one row part: on the threads; their cache entries in order */
#pragma omp parallel for schedule(static) if (!failed && nchunks > 1)
    for (size_t i = 0; i < (failed ? 0 : nchunks); i++) {
        size_t b = i / per_rep, k0 = i % per_rep / col->parts * col->ct, p = i % col->parts;
        times[i] = col->K - k0 < col->ct ? col->K - k0 : col->ct;
        row[i] = one_row(col, b, k0, times[i], p);
        hash[i] = row[i] ? row_hash(row[i], col->part) : 0;
    }
    for (size_t i = 0; !failed && i < nchunks; i++) entry[i] = row[i] ? cache_entry(col, row[i], hash[i], times[i], i) : -1;
    if (!failed) {  /* (the `if` clause below only chooses serial or parallel: it skips nothing) */
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed) if (nchunks > 1)
        for (size_t i = 0; i < nchunks; i++)
            if (entry[i] < 0 || col->cache[entry[i]].owner == (long)i)
                failed |= pack_chunk(col, i / per_rep, i % per_rep / col->parts * col->ct, times[i], i % col->parts,
                                     &out[i], &len[i]) != 0;
    }
    /* the new entries take their owners' bytes; one whose packing failed is dropped */
    for (size_t c = 0; entry && c < col->ncache; c++) {
        struct packed *e = &col->cache[c];
        if (e->owner < 0) continue;
        e->bytes = out[e->owner];
        e->len = len[e->owner];
        out[e->owner] = NULL;
        if (!e->bytes) e->times = 0;  /* matches no chunk (every chunk has times) */
        e->owner = -1;
    }
    for (size_t i = 0; !failed && i < nchunks; i++) {
        size_t k = i % per_rep;
        hsize_t offset[4] = {rows + i / per_rep, k / col->parts * col->ct, 0, 0};
        if (rank == 4) offset[2] = k % col->parts;
        const unsigned char *bytes = entry[i] < 0 ? out[i] : col->cache[entry[i]].bytes;
        size_t n = entry[i] < 0 ? len[i] : col->cache[entry[i]].len;
        failed = H5Dwrite_chunk(col->ds, H5P_DEFAULT, 0, offset, n, bytes) < 0;
    }
    for (size_t i = 0; out && i < nchunks; i++) free(out[i]);
    free(out); free(len); free(times); free(entry); free(row); free(hash);
    col->nvals = col->nstarts = 0;
    return failed ? -1 : 0;
}

/* A chunk of a column of rows: rows first .. first + n - 1 of its buffer. */
typedef struct row_chunk { column *col; hsize_t offset; size_t first, n, len; unsigned char *bytes; } row_chunk;

/* Rows per chunk of a dataset chunked along its first dimension, and whole along the
 * others (every growing variable that is not a series); 0 when HDF5 fails. */
static size_t chunk_rows(hid_t ds)
{
    hid_t dcpl = H5Dget_create_plist(ds);
    hsize_t chunk[H5S_MAX_RANK];
    int rank = dcpl >= 0 ? H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk) : -1;
    if (dcpl >= 0) H5Pclose(dcpl);
    return rank > 0 ? (size_t)chunk[0] : 0;
}

/* Appends the buffered rows of every column that is not a series (per replicate, event
 * and breach) chunk by chunk: the chunks of all of them packed on the threads at once, as
 * HDF5's shuffle and deflate filters would (deflate_chunk), and written in order with
 * H5Dwrite_chunk. The last chunk, when not full, is written padded with zeros (beyond the
 * extent: never read) and its rows kept in the buffer (`tail`), so that the next flush
 * writes it again, full or fuller. */
static int flush_rows(dm_h5_writer *w)
{
    size_t total = 0;
    for (int c = 0; c < NCOLUMNS; c++) {
        column *col = &w->col[c];
        if (col->ds <= 0 || col->K || col->rows <= col->tail) continue;
        if (!col->crows && !(col->crows = chunk_rows(col->ds))) return -1;
        total += (col->rows + col->crows - 1) / col->crows;
    }
    if (!total) return 0;
    row_chunk *task = calloc(total, sizeof *task);
    if (!task) return -1;
    size_t n = 0;
    int failed = 0;
    for (int c = 0; c < NCOLUMNS && !failed; c++) {
        column *col = &w->col[c];
        if (col->ds <= 0 || col->K || col->rows <= col->tail) continue;
        hsize_t dims[2] = {0, 0};
        hid_t space = H5Dget_space(col->ds);
        int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
        if (space >= 0) H5Sclose(space);
        if (rank < 1 || rank > 2 || dims[0] < col->tail) { failed = 1; break; }
        hsize_t start = dims[0] - col->tail;  /* the first buffered row's place: a chunk's first */
        dims[0] = start + col->rows;
        failed = H5Dset_extent(col->ds, dims) < 0;
        for (size_t first = 0; !failed && first < col->rows; first += col->crows)
            task[n++] = (row_chunk){col, start + first, first, col->rows - first < col->crows ? col->rows - first : col->crows, 0, NULL};
    }
    if (!failed) {  /* (the `if` clause below only chooses serial or parallel: it skips nothing) */
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed) if (n > 1)
        for (size_t i = 0; i < n; i++) {
            const column *col = task[i].col;
            size_t row_bytes = col->width * col->elem;
            unsigned char *raw = calloc(col->crows, row_bytes);
            if (raw) {
                memcpy(raw, col->buf + task[i].first * row_bytes, task[i].n * row_bytes);
                failed |= deflate_chunk(raw, col->crows * col->width, col->elem, 1, &task[i].bytes, &task[i].len) != 0;
            } else {
                failed |= 1;
            }
            free(raw);
        }
    }
    for (size_t i = 0; !failed && i < n; i++) {
        hsize_t offset[2] = {task[i].offset, 0};
        failed = H5Dwrite_chunk(task[i].col->ds, H5P_DEFAULT, 0, offset, task[i].len, task[i].bytes) < 0;
    }
    for (size_t i = 0; i < n; i++) free(task[i].bytes);
    free(task);
    for (int c = 0; c < NCOLUMNS && !failed; c++) {
        column *col = &w->col[c];
        if (col->ds <= 0 || col->K || col->rows <= col->tail) continue;
        size_t keep = col->rows % col->crows, row_bytes = col->width * col->elem;
        memmove(col->buf, col->buf + (col->rows - keep) * row_bytes, keep * row_bytes);
        col->rows = col->tail = keep;
    }
    return failed ? -1 : 0;
}

static int flush(dm_h5_writer *w)
{
    for (int c = 0; c < NCOLUMNS; c++) {
        column *col = &w->col[c];
        if (col->ds > 0 && col->K && flush_series(col)) return -1;
        if (col->K) col->rows = 0;
    }
    if (flush_rows(w)) return -1;
    w->pending = 0;
    return 0;
}

/* ---- fixed variables: what the sectors, regions, nodes and hazards are ---- */

/* Chunk i (row-major over the grid of chunks) of a variable of doubles (dims, chunk of
 * rank <= 4), stored as float (e = 4) or double (e = 8), packed as HDF5's filters would
 * (deflate_chunk, shuffled); values beyond the extent (edge chunks) are the fill value, NaN. */
static int pack_fixed(const double *values, int rank, const hsize_t *dims, const hsize_t *chunk, size_t e, size_t i,
                      hsize_t *offset, unsigned char **out, size_t *len)
{
    hsize_t per[4], n = 1;  /* chunks along each dimension */
    for (int d = 0; d < rank; d++) { per[d] = (dims[d] + chunk[d] - 1) / chunk[d]; n *= chunk[d]; }
    for (int d = rank - 1; d >= 0; d--) { offset[d] = i % per[d] * chunk[d]; i /= per[d]; }
    unsigned char *raw = malloc(n * e + 1);
    if (!raw) return -1;
    const int last = rank - 1;
    const hsize_t len_last = chunk[last];
    for (hsize_t row = 0; row < n / len_last; row++) {  /* the chunk's rows along its last dimension */
        hsize_t rest = row, at = 0;
        int inside = 1;
        hsize_t idx[4];
        for (int d = last - 1; d >= 0; d--) { idx[d] = offset[d] + rest % chunk[d]; rest /= chunk[d]; inside &= idx[d] < dims[d]; }
        for (int d = 0; d < last; d++) at = at * dims[d] + idx[d];
        at = at * dims[last] + offset[last];
        for (hsize_t v = 0; v < len_last; v++) {
            double x = inside && offset[last] + v < dims[last] ? values[at + v] : NAN;
            if (e == sizeof(float)) ((float *)(void *)raw)[row * len_last + v] = (float)x;
            else ((double *)(void *)raw)[row * len_last + v] = x;
        }
    }
    int rc = deflate_chunk(raw, (size_t)n, e, 1, out, len);
    free(raw);
    return rc;
}

/* Writes a chunked variable of doubles chunk by chunk: packed on the threads, written in
 * order with H5Dwrite_chunk (the bytes HDF5's own filters would write, in parallel). */
static int write_fixed_chunks(hid_t ds, const double *values, int rank, const hsize_t *dims, const hsize_t *chunk,
                              size_t e)
{
    size_t nchunks = 1;
    for (int d = 0; d < rank; d++) nchunks *= (size_t)((dims[d] + chunk[d] - 1) / chunk[d]);
    unsigned char **out = calloc(nchunks, sizeof *out);
    size_t *len = calloc(nchunks, sizeof *len);
    hsize_t (*offset)[4] = calloc(nchunks, sizeof *offset);
    int failed = !out || !len || !offset;
    if (!failed) {
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed) if (nchunks > 1)
        for (size_t i = 0; i < nchunks; i++)
            failed |= pack_fixed(values, rank, dims, chunk, e, i, offset[i], &out[i], &len[i]) != 0;
    }
    for (size_t i = 0; !failed && i < nchunks; i++) failed = H5Dwrite_chunk(ds, H5P_DEFAULT, 0, offset[i], len[i], out[i]) < 0;
    for (size_t i = 0; out && i < nchunks; i++) free(out[i]);
    free(out); free(len); free(offset);
    return failed ? -1 : 0;
}

/* A fixed variable over one or more dimensions, stored as `stored` (a native type; HDF5
 * converts from memtype). */
static int fixed_as(dm_h5_writer *w, const char *name, hid_t stored, hid_t memtype, int rank, const hid_t *scales,
                    const void *values, const char *long_name, const char *units)
{
    hsize_t dims[4];
    for (int i = 0; i < rank; i++) {
        hid_t space = H5Dget_space(scales[i]);
        hssize_t npoints = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
        if (space >= 0) H5Sclose(space);
        if (npoints < 0) return -1;
        dims[i] = (hsize_t)npoints;
    }
    int empty = 0;
    hsize_t chunk[4], total = 1;
    for (int i = 0; i < rank; i++) { empty |= dims[i] == 0; chunk[i] = dims[i]; total *= dims[i]; }
    /* Large statistics (levels over time) are chunked, so they can be compressed: halve
     * the leading dimensions until a chunk holds at most 2^17 values (1 MiB). */
    for (int i = 0; i < rank && total > (1u << 17); i++)
        while (chunk[i] > 1 && total > (1u << 17)) { total /= chunk[i]; chunk[i] = (chunk[i] + 1) / 2; total *= chunk[i]; }
    hsize_t count = 1;
    for (int i = 0; i < rank; i++) count *= dims[i];
    int chunked = !empty && count > 4096;
    /* chunks of doubles are packed on the threads; anything else goes through HDF5 */
    int parallel = chunked && H5Tequal(memtype, H5T_NATIVE_DOUBLE) > 0 &&
                   (H5Tequal(stored, H5T_NATIVE_DOUBLE) > 0 || H5Tequal(stored, H5T_NATIVE_FLOAT) > 0);
    hid_t ds = dmi_h5_variable(w->file, name, stored, rank, dims, NULL, chunked ? chunk : NULL);
    int rc = ds < 0 ||
             (!empty && (parallel ? write_fixed_chunks(ds, values, rank, dims, chunk, H5Tget_size(stored))
                                  : dmi_h5_write_all(ds, memtype, values))) ||
             attach(ds, scales, rank) ||
             dmi_h5_attr_text(ds, "long_name", long_name) || (units && dmi_h5_attr_text(ds, "units", units));
    if (ds >= 0) H5Dclose(ds);
    return rc ? -1 : 0;
}

static int fixed(dm_h5_writer *w, const char *name, hid_t memtype, int rank, const hid_t *scales,
                 const void *values, const char *long_name, const char *units)
{
    return fixed_as(w, name, memtype, memtype, rank, scales, values, long_name, units);
}

/* A long name with the model's money unit in it: "10^9 JPY" is no UDUNITS unit, so CF
 * wants no `units` and the unit said in words (the global attribute output_unit too). */
static const char *money(const dm_model *m, const char *what, char *buf, size_t size)
{
    if (m->output_unit && *m->output_unit) snprintf(buf, size, "%s, in %s", what, m->output_unit);
    else snprintf(buf, size, "%s, in the model's output unit", what);
    return buf;
}

/* The regions' codes into out (borrowed strings; "" when none). */
static const char **ixcodes(const dm_model *m, const char **out, size_t R)
{
    for (size_t r = 0; r < R; r++) out[r] = m->nregions && m->regions[r].code ? m->regions[r].code : "";
    return out;
}

/* The ids of the layers' nodes ("A:17"), which the model does not store, one after the
 * other in one block. NULL when out of memory. */
static char *layer_node_ids(const dm_model *m)
{
    size_t total = 1;
    char buf[DM_NODE_ID_MAX];
    for (size_t v = m->ndefined_nodes; v < m->nnodes; v++) total += strlen(dm_node_id(m, v, buf)) + 1;
    char *block = malloc(total), *at = block;
    for (size_t v = m->ndefined_nodes; block && v < m->nnodes; v++) at += strlen(strcpy(at, dm_node_id(m, v, buf))) + 1;
    return block;
}

static int write_coordinates(dm_h5_writer *w, int64_t interval)
{
    const dm_model *m = w->sc->model;
    const dm_scenario *sc = w->sc;
    size_t most = w->K + m->nnodes + m->nsectors + m->nregions + w->H + 4;
    const char **a = malloc(most * sizeof *a), **b = malloc(most * sizeof *b), **c = malloc(most * sizeof *c);
    double *x = malloc(most * sizeof *x);
    int *ix = malloc(most * sizeof *ix);
    /* a layer model's nodes (10^5 or 10^6 of them) are named only with --store nodes */
    const int names = m->nnodes == m->ndefined_nodes || (w->store & DM_STORE_NODES);
    char *ids = names ? layer_node_ids(m) : NULL;
    hid_t str = dmi_h5_string_type();
    int rc = !a || !b || !c || !x || !ix || (names && !ids) || str < 0;
    if (rc) goto done;

    for (size_t k = 0; k < w->K; k++) x[k] = (double)((int64_t)k * interval) * w->minutes;
    rc = (w->scale_time = coordinate(w, "time", H5T_NATIVE_DOUBLE, w->K, 0, x,
                                     dmi_h5_time_long_name(sc->has_start), TIME_UNITS)) < 0 ||
         dmi_h5_time_axis(w->scale_time, sc->has_start);

    /* sectors */
    for (size_t s = 0; s < m->nsectors; s++) a[s] = m->sectors[s].id;
    rc = rc || (w->scale_sector = coordinate(w, "sector", str, m->nsectors, 0, a, "sector id", NULL)) < 0;
    for (size_t s = 0; s < m->nsectors; s++) { a[s] = m->sectors[s].name_ja; b[s] = m->sectors[s].name_en; c[s] = m->sectors[s].unit; }
    rc = rc || fixed(w, "sector_name_ja", str, 1, &w->scale_sector, a, "sector name (Japanese)", NULL) ||
         fixed(w, "sector_name_en", str, 1, &w->scale_sector, b, "sector name (English)", NULL) ||
         fixed(w, "sector_unit", str, 1, &w->scale_sector, c, "unit of the sector's service", NULL);
    for (size_t s = 0; s < m->nsectors; s++) x[s] = m->sectors[s].any_loss ? 0 : m->sectors[s].magnitude;
    rc = rc || fixed(w, "sector_threshold", H5T_NATIVE_DOUBLE, 1, &w->scale_sector, x,
                     "service-level threshold magnitude M (0: any loss counts), in sector_unit", NULL);
    for (size_t s = 0; s < m->nsectors; s++) x[s] = (double)m->sectors[s].duration_s / 60.0;
    rc = rc || fixed(w, "sector_threshold_duration", H5T_NATIVE_DOUBLE, 1, &w->scale_sector, x,
                     "service-level threshold duration D", "minutes");
    for (size_t s = 0; s < m->nsectors; s++) x[s] = 0;
    for (size_t v = 0; v < m->nnodes; v++) x[dm_node_at(m, v)->sector] += dm_node_at(m, v)->capacity;
    rc = rc || fixed(w, "sector_capacity", H5T_NATIVE_DOUBLE, 1, &w->scale_sector, x,
                     "total capacity of the sector's nodes, in sector_unit", NULL);

    /* regions ("all" when the model has none) */
    for (size_t r = 0; r < w->R; r++) {
        a[r] = m->nregions ? m->regions[r].id : "all";
        b[r] = m->nregions ? m->regions[r].name_ja : "全国";
        c[r] = m->nregions ? m->regions[r].name_en : "all regions";
    }
    rc = rc || (w->scale_region = coordinate(w, "region", str, w->R, 0, a, "region id", NULL)) < 0 ||
         fixed(w, "region_name_ja", str, 1, &w->scale_region, b, "region name (Japanese)", NULL) ||
         fixed(w, "region_name_en", str, 1, &w->scale_region, c, "region name (English)", NULL) ||
         fixed(w, "region_code", str, 1, &w->scale_region, (c = ixcodes(m, c, w->R)), "region code (e.g. prefecture code)", NULL);

    /* nodes (a layer's node has its id for names) */
    if (names) {
        for (size_t v = 0; v < m->ndefined_nodes; v++) { a[v] = m->nodes[v].id; b[v] = m->nodes[v].name_ja; c[v] = m->nodes[v].name_en; }
        for (size_t v = m->ndefined_nodes, at = 0; !rc && v < m->nnodes; v++) {
            a[v] = b[v] = c[v] = ids + at;
            at += strlen(ids + at) + 1;
        }
        rc = rc || (w->scale_node = coordinate(w, "node", str, m->nnodes, 0, a, "node id", NULL)) < 0 ||
             fixed(w, "node_name_ja", str, 1, &w->scale_node, b, "node name (Japanese)", NULL) ||
             fixed(w, "node_name_en", str, 1, &w->scale_node, c, "node name (English)", NULL);
    } else {
        int64_t *index = malloc((m->nnodes + 1) * sizeof *index);
        for (size_t v = 0; index && v < m->nnodes; v++) index[v] = (int64_t)v;
        rc = rc || !index ||
             (w->scale_node = coordinate(w, "node", H5T_NATIVE_INT64, m->nnodes, 0, index,
                                         "node index (ids and names are stored with --store nodes)", NULL)) < 0;
        free(index);
    }
    for (size_t v = 0; v < m->nnodes; v++) ix[v] = dm_node_at(m, v)->sector;
    rc = rc || fixed(w, "node_sector", H5T_NATIVE_INT, 1, &w->scale_node, ix, "index of the node's sector", NULL);
    for (size_t v = 0; v < m->nnodes; v++) ix[v] = dm_node_at(m, v)->region;
    rc = rc || fixed(w, "node_region", H5T_NATIVE_INT, 1, &w->scale_node, ix, "index of the node's region (-1: none)", NULL);
    for (size_t v = 0; v < m->nnodes; v++) x[v] = dm_node_at(m, v)->capacity;
    rc = rc || fixed(w, "node_capacity", H5T_NATIVE_DOUBLE, 1, &w->scale_node, x, "node capacity, in its sector's unit", NULL);

    /* hazards */
    for (size_t h = 0; h < w->H; h++) {
        a[h] = sc->hazards[h].id;
        b[h] = dm_hazard_kind_name(sc->hazards[h].kind, 0);
        c[h] = sc->hazards[h].description ? sc->hazards[h].description : "";
        x[h] = sc->hazards[h].severity;
    }
    rc = rc || (w->scale_hazard = coordinate(w, "hazard", str, w->H, 0, a, "hazard id", NULL)) < 0 ||
         fixed(w, "hazard_kind", str, 1, &w->scale_hazard, b, "threat type", NULL) ||
         fixed(w, "hazard_description", str, 1, &w->scale_hazard, c, "hazard description", NULL) ||
         fixed(w, "hazard_severity", H5T_NATIVE_DOUBLE, 1, &w->scale_hazard, x, "damage the hazard does (0..1)", NULL);

    for (size_t s = 0; s < m->nsectors; s++) x[s] = m->sectors[s].output;
    char output[300];
    money(m, "economic output per year (0: not given)", output, sizeof output);
    rc = rc || fixed(w, "sector_output", H5T_NATIVE_DOUBLE, 1, &w->scale_sector, x, output, NULL);
    rc = rc || (w->scale_quantile = coordinate(w, "quantile", H5T_NATIVE_DOUBLE, DM_NQUANTILES, 0, dm_quantiles,
                                               "probability of the quantile", "1")) < 0;
    rc = rc || (w->scale_replicate = coordinate(w, "replicate", H5T_NATIVE_INT64, 0, 1, NULL,
                                                "replicate index r (its random stream is derived from seed and r)", NULL)) < 0 ||
         dmi_h5_attr_text(w->scale_replicate, "standard_name", "realization");
    rc = rc || (w->scale_event = coordinate(w, "event", H5T_NATIVE_INT64, 0, 1, NULL, "event index", NULL)) < 0;
    rc = rc || (w->scale_breach = coordinate(w, "breach", H5T_NATIVE_INT64, 0, 1, NULL, "breach index", NULL)) < 0;
done:
    free(a); free(b); free(c); free(x); free(ix); free(ids);
    if (str >= 0) H5Tclose(str);
    return rc ? -1 : 0;
}

static int define_columns(dm_h5_writer *w)
{
    const hid_t rep_time_sector[] = {w->scale_replicate, w->scale_time, w->scale_sector};
    const hid_t rep_time_region_sector[] = {w->scale_replicate, w->scale_time, w->scale_region, w->scale_sector};
    const hid_t rep_time_node[] = {w->scale_replicate, w->scale_time, w->scale_node};
    const hid_t rep_sector[] = {w->scale_replicate, w->scale_sector};
    const hid_t rep_hazard[] = {w->scale_replicate, w->scale_hazard};
    hsize_t ts[] = {w->K, w->S}, trs[] = {w->K, w->R, w->S}, tn[] = {w->K, w->n}, s[] = {w->S}, h[] = {w->H};
    w->col[C_REPLICATE] = (column){.ds = w->scale_replicate, .memtype = H5T_NATIVE_INT64, .elem = 8, .width = 1};
    w->col[C_EVENT] = (column){.ds = w->scale_event, .memtype = H5T_NATIVE_INT64, .elem = 8, .width = 1};
    w->col[C_BREACH] = (column){.ds = w->scale_breach, .memtype = H5T_NATIVE_INT64, .elem = 8, .width = 1};
    const hid_t *ev = &w->scale_event, *br = &w->scale_breach;
    const hid_t D = H5T_NATIVE_DOUBLE, I = H5T_NATIVE_INT, L = H5T_NATIVE_INT64;
    int rc = 0;
    if (w->store & DM_STORE_SECTORS)
        rc |= growing(w, C_SECTOR_LEVEL, "sector_level", D, 3, ts, rep_time_sector,
                      "sector service level L = 1 - unserved / capacity", "1");
    if (w->store & DM_STORE_MAPS) {
        /* stored as 32-bit floats (HDF5 converts on write): a fraction needs no more, and
         * maps are the bulk of a file (regions x sectors x times per replicate) */
        rc |= growing(w, C_IMPACT, "impact", H5T_NATIVE_FLOAT, 4, trs, rep_time_region_sector,
                      "impact map: fraction of the cell's capacity unserved (NaN: no capacity there)", "1");
        w->col[C_IMPACT].memtype = D;
        w->col[C_IMPACT].elem = sizeof(double);
    }
    if (w->store & DM_STORE_NODES)
        rc |= growing(w, C_NODE_LEVEL, "node_level", D, 3, tn, rep_time_node, "node service level s_v", "1");
    rc |= growing(w, C_MIN_LEVEL, "min_level", D, 2, s, rep_sector, "lowest sector level over the horizon", "1");
    rc |= growing(w, C_FINAL_LEVEL, "final_level", D, 2, s, rep_sector, "sector level at the horizon", "1");
    rc |= growing(w, C_UNIT_HOURS, "unserved_unit_hours", D, 2, s, rep_sector,
                  "unserved service integrated over the horizon, in sector_unit hours", NULL);
    char loss[300];
    money(w->sc->model, "inoperability-weighted loss x * integral of q dt (sector output per year from the model)", loss, sizeof loss);
    rc |= growing(w, C_ECON_LOSS, "economic_loss", D, 2, s, rep_sector, loss, NULL);
    rc |= growing(w, C_HAZARD_START, "hazard_start", D, 2, h, rep_hazard, "hazard onset drawn for the replicate", TIME_UNITS);
    rc |= growing(w, C_HAZARD_END, "hazard_end", D, 2, h, rep_hazard,
                  "hazard repair drawn for the replicate (NaN: lasts past the horizon)", TIME_UNITS);
    rc |= cell_methods(w->col[C_MIN_LEVEL].ds, "time: minimum") | cell_methods(w->col[C_FINAL_LEVEL].ds, "time: point") |
          cell_methods(w->col[C_UNIT_HOURS].ds, "time: sum") | cell_methods(w->col[C_ECON_LOSS].ds, "time: sum");
    {   /* every replicate's events with --store events, else the median replicate's */
        rc |= growing(w, C_EV_REPLICATE, "event_replicate", L, 1, NULL, ev, "replicate of the event", NULL);
        rc |= growing(w, C_EV_TIME, "event_time", D, 1, NULL, ev, "time of the event", TIME_UNITS);
        rc |= growing(w, C_EV_NODE, "event_node", I, 1, NULL, ev, "index of the node the event happened to", NULL);
        rc |= growing(w, C_EV_SECTOR, "event_sector", I, 1, NULL, ev, "index of that node's sector", NULL);
        rc |= growing(w, C_EV_KIND, "event_kind", I, 1, NULL, ev, "what happened", NULL);
        rc |= growing(w, C_EV_CAUSE, "event_cause_node", I, 1, NULL, ev,
                      "index of the provider whose loss caused the event (-1: none)", NULL);
        rc |= growing(w, C_EV_GROUP, "event_group", I, 1, NULL, ev, "index of the requirement group concerned (-1: none)", NULL);
        rc |= growing(w, C_EV_HAZARD, "event_hazard", I, 1, NULL, ev, "index of the hazard at the root of the chain (-1: none)", NULL);
        rc |= growing(w, C_EV_VALUE, "event_value", D, 1, NULL, ev,
                      "level after the event, hazard severity, or buffer ticks left (by event_kind)", NULL);
        static const char meanings[] = "hazard_start hazard_end buffer_engaged buffer_held buffer_draining "
            "buffer_exhausted degraded down collapsed restarting rising restored disconnected hazard_restoring";
        int values[DM_EV_NKINDS];
        for (int k = 0; k < DM_EV_NKINDS; k++) values[k] = k;
        if (w->col[C_EV_KIND].ds > 0)
            rc |= dmi_h5_attr_ints(w->col[C_EV_KIND].ds, "flag_values", values, DM_EV_NKINDS) |
                  dmi_h5_attr_text(w->col[C_EV_KIND].ds, "flag_meanings", meanings);
    }
    rc |= growing(w, C_BR_REPLICATE, "breach_replicate", L, 1, NULL, br, "replicate of the breach", NULL);
    rc |= growing(w, C_BR_SECTOR, "breach_sector", I, 1, NULL, br, "index of the breached sector", NULL);
    rc |= growing(w, C_BR_ONSET, "breach_onset", D, 1, NULL, br, "first tick of the qualifying run (U >= M)", TIME_UNITS);
    rc |= growing(w, C_BR_CONFIRMED, "breach_confirmed", D, 1, NULL, br, "onset + threshold duration D", TIME_UNITS);
    rc |= growing(w, C_BR_END, "breach_end", D, 1, NULL, br, "end of the breach (NaN: still in breach at the horizon)", TIME_UNITS);
    rc |= growing(w, C_BR_PEAK, "breach_peak", D, 1, NULL, br, "peak unserved service, in sector_unit", NULL);
    rc |= growing(w, C_BR_UNIT_HOURS, "breach_unit_hours", D, 1, NULL, br, "unserved service over the breach, in sector_unit hours", NULL);
    rc |= growing(w, C_BR_REGION, "breach_region", I, 1, NULL, br,
                  "index of the region whose part of the sector breached (-1: the sector as a whole)", NULL);
    return rc ? -1 : 0;
}

/* ---- creating, appending, finishing ---- */

static void utc_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The files the model read besides its text (graphs, pairs), byte for byte, as
 * /inputs/0, 1, ... with the path the model gives and their SHA-256: a reload takes them
 * from here (dm_h5_open), so the result file does not depend on files that may move.
 * A file that changed since the model read it is an error, not a silent mismatch. */
static int write_inputs(dm_h5_writer *w, dm_error *err)
{
    const dm_model *m = w->sc->model;
    if (m->ninputs == 0) return 0;
    hid_t group = H5Gcreate2(w->file, "inputs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0) return dm_error_set(err, DM_EIO, w->target, 0, 0, "HDF5 could not create the group /inputs");
    int rc = 0;
    for (size_t k = 0; k < m->ninputs && !rc; k++) {
        const dm_input *in = &m->inputs[k];
        if (!in->resolved) {
            rc = dm_error_set(err, DM_EUSAGE, w->target, 0, 0, "the model was reloaded from a result file; its input %s "
                              "is not kept, so it cannot be stored again: run from the model file", in->path);
            break;
        }
        size_t len;
        char *bytes = dmi_read_bytes(in->resolved, &len, 0, NULL, err), name[32], sha[65];
        if (!bytes) { rc = err->code; break; }
        dmi_sha256_hex(bytes, len, sha);
        if (strcmp(sha, in->sha256)) {
            free(bytes);
            rc = dm_error_set(err, DM_EDATA, in->resolved, 0, 0, "the file changed since the model read it (SHA-256 %.12s..., "
                              "now %.12s...): run again", in->sha256, sha);
            break;
        }
        snprintf(name, sizeof name, "%zu", k);
        hsize_t dims[1] = {len}, chunk[1] = {len < (1u << 20) ? len : (1u << 20)};
        hid_t space = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE), ds = -1;
        /* each file's bytes on a dimension of their own (netCDF wants every axis named) */
        char dim[48];
        snprintf(dim, sizeof dim, "bytes_%zu", k);
        hid_t scale = dmi_h5_dimension(group, dim, len);
        int ok = scale >= 0 && space >= 0 && dcpl >= 0 && (len == 0 || (H5Pset_chunk(dcpl, 1, chunk) >= 0 && H5Pset_deflate(dcpl, 6) >= 0)) &&
                 (ds = H5Dcreate2(group, name, H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) >= 0 &&
                 H5DSattach_scale(ds, scale, 0) >= 0 &&
                 (len == 0 || H5Dwrite(ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes) >= 0) &&
                 !dmi_h5_attr_text(ds, "path", in->path) && !dmi_h5_attr_text(ds, "sha256", in->sha256) &&
                 !dmi_h5_attr_text(ds, "long_name", "a file the model read, byte for byte");
        if (ds >= 0) H5Dclose(ds);
        if (scale >= 0) H5Dclose(scale);
        if (dcpl >= 0) H5Pclose(dcpl);
        if (space >= 0) H5Sclose(space);
        free(bytes);
        if (!ok) rc = dm_error_set(err, DM_EIO, w->target, 0, 0, "writing /inputs/%s (%s) failed (HDF5 error)", name, in->path);
    }
    H5Gclose(group);
    return rc;
}

static int write_globals(dm_h5_writer *w, const dm_mc_config *cfg, const dm_h5_provenance *prov)
{
    const dm_scenario *sc = w->sc;
    char sha[65], created[32], versions[512], store[64] = "";
    dm_scenario_model_sha256(sc, sha);
    utc_now(created, sizeof created);
    dm_library_versions(versions, sizeof versions);
    const char *flags[] = {"sectors", "maps", "nodes", "events"};
    for (int i = 0; i < 4; i++)
        if (cfg->store & (1u << i)) {
            if (*store) strcat(store, ",");
            strcat(store, flags[i]);
        }
    char title[512], source[64];
    snprintf(title, sizeof title, "domino run of scenario '%s' on model '%s'", sc->name, sc->model->name);
    snprintf(source, sizeof source, "domino %s", dm_version());
    hid_t f = w->file;
    int rc = dmi_h5_attr_text(f, "Conventions", "CF-1.8") || dmi_h5_attr_text(f, "title", title) ||
        dmi_h5_attr_text(f, "domino_format", DM_RESULT_FORMAT) || dmi_h5_attr_text(f, "domino_version", dm_version()) ||
        dmi_h5_attr_text(f, "library_versions", versions) || dmi_h5_attr_text(f, "created", created) ||
        dmi_h5_attr_text(f, "command_line", prov && prov->command_line ? prov->command_line : "") ||
        dmi_h5_attr_text(f, "scenario_name", sc->name) || dmi_h5_attr_text(f, "scenario_file", sc->file) ||
        dmi_h5_attr_text(f, "scenario_text", sc->text) ||
        dmi_h5_attr_text(f, "model_name", sc->model->name) || dmi_h5_attr_text(f, "model_sha256", sha) ||
        dmi_h5_attr_text(f, "model_text", sc->model->text ? sc->model->text : "") ||
        dmi_h5_attr_int64(f, "seed", (int64_t)sc->seed) || dmi_h5_attr_int64(f, "tick_seconds", sc->tick_s) ||
        dmi_h5_attr_double(f, "horizon_minutes", (double)sc->horizon_s / 60.0) ||
        dmi_h5_attr_double(f, "output_interval_minutes", (double)cfg->interval * w->minutes) ||
        dmi_h5_attr_int64(f, "first_replicate", (int64_t)cfg->first) ||
        dmi_h5_attr_int64(f, "replicates_requested", (int64_t)(prov ? prov->replicates_requested : cfg->replicates)) ||
        dmi_h5_attr_text(f, "stored", store) ||
        dmi_h5_attr_text(f, "event_replicates", cfg->store & DM_STORE_EVENTS ? "all" : "median") ||
        dmi_h5_attr_text(f, "source", source) ||
        dmi_h5_history(f, NULL, prov && prov->command_line && *prov->command_line ? prov->command_line : "domino (library call)");
    if (!rc && sc->noverrides) {  /* what the scenario changed in the model (model_text is as written) */
        size_t size = 1;
        for (size_t i = 0; i < sc->noverrides; i++) size += strlen(sc->overrides[i].path) + strlen(sc->overrides[i].value) + 64;
        char *text = malloc(size);
        size_t len = 0;
        for (size_t i = 0; text && i < sc->noverrides; i++)
            len += (size_t)snprintf(text + len, size - len, "- {path: \"%s\", value: %s, matches: %zu}\n",
                                    sc->overrides[i].path, sc->overrides[i].value, sc->overrides[i].matches);
        rc = !text || dmi_h5_attr_text(f, "overrides", text);
        free(text);
    }
    return rc ? -1 : 0;
}

static void writer_free(dm_h5_writer *w)
{
    for (int c = 0; c < NCOLUMNS; c++) {
        column *col = &w->col[c];
        free(col->buf); free(col->vals); free(col->starts); free(col->runs);
        for (size_t i = 0; i < col->ncache; i++) { free(col->cache[i].row); free(col->cache[i].bytes); }
        free(col->cache);
    }
    free(w->target);
    free(w);
}

/* Closes every dataset and the file; returns -1 if HDF5 reports an error on the way. */
static int close_all(dm_h5_writer *w)
{
    int rc = 0;
    hid_t scales[] = {w->scale_time, w->scale_sector, w->scale_region, w->scale_node, w->scale_hazard,
                      w->scale_quantile};
    for (int c = 0; c < NCOLUMNS; c++)
        if (w->col[c].ds > 0) { rc |= H5Dclose(w->col[c].ds) < 0; w->col[c].ds = 0; }
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++)
        if (scales[i] > 0) rc |= H5Dclose(scales[i]) < 0;
    w->scale_time = w->scale_sector = w->scale_region = w->scale_node = w->scale_hazard = w->scale_quantile = 0;
    w->scale_replicate = w->scale_event = w->scale_breach = 0;  /* closed as columns */
    if (w->file > 0) rc |= H5Fclose(w->file) < 0;
    w->file = 0;
    return rc ? -1 : 0;
}

void dm_h5_abort(dm_h5_writer *w)
{
    if (!w) return;
    close_all(w);
    dm_output_abort(&w->out);
    writer_free(w);
}

int dm_h5_create(const char *path, const dm_scenario *sc, const dm_mc_config *cfg,
                 const dm_h5_provenance *prov, dm_h5_writer **out, dm_error *err)
{
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);  /* errors are checked at every call */
    dm_h5_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->target = strdup(path))) {
        if (w) writer_free(w);
        return fail(err, DM_ESOFTWARE, path, "out of memory");
    }
    /* checked before any work: never an input of the run, never a directory or device */
    const dm_model *m = sc->model;
    const char **inputs = malloc((m->ninputs + 2) * sizeof *inputs);
    size_t ninputs = 0;
    if (!inputs) { writer_free(w); return fail(err, DM_ESOFTWARE, path, "out of memory"); }
    inputs[ninputs++] = sc->file;
    inputs[ninputs++] = m->file;
    for (size_t k = 0; k < m->ninputs; k++) inputs[ninputs++] = m->inputs[k].resolved;
    int rc = dm_output_begin(&w->out, path, 0, inputs, ninputs, err);
    free(inputs);
    if (rc) { writer_free(w); return rc; }

    w->sc = sc;
    w->store = cfg->store;
    w->S = sc->model->nsectors;
    w->H = sc->nhazards;
    w->n = sc->model->nnodes;
    w->R = sc->model->nregions ? sc->model->nregions : 1;
    w->K = dm_output_ntimes(sc, cfg->interval);
    w->minutes = (double)sc->tick_s / 60.0;
    dmi_h5_time_units(sc->has_start, sc->start_unix, sc->start_offset_min, w->time_units);
    double row_bytes = 8.0 * (double)w->K * ((w->store & DM_STORE_SECTORS ? w->S : 0) +
                                             (w->store & DM_STORE_MAPS ? w->R * w->S : 0) +
                                             (w->store & DM_STORE_NODES ? w->n : 0)) + 64.0 * (double)w->S;
    w->flush_every = (size_t)(64.0 * 1024 * 1024 / row_bytes);
    if (w->flush_every > 512) w->flush_every = 512;
    if (w->flush_every < 1) w->flush_every = 1;

    /* netCDF-4: creation order tracked and indexed; a format HDF5 1.8 reads. */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    int ok = fcpl >= 0 && fapl >= 0 &&
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0 &&
        (w->file = H5Fcreate(w->out.path, H5F_ACC_TRUNC, fcpl, fapl)) >= 0;
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (!ok) {
        if (w->file < 0) w->file = 0;
        dm_h5_abort(w);
        return fail(err, DM_ECANTCREAT, path, "HDF5 could not create the output file");
    }
    errno = 0;  /* ENOMEM after this: an allocation failed, not the disk */
    if (write_globals(w, cfg, prov) || write_coordinates(w, cfg->interval) || define_columns(w)) {
        int oom = errno == ENOMEM;
        dm_h5_abort(w);
        return oom ? fail(err, DM_ESOFTWARE, path, "out of memory writing the output file's layout")
                   : fail(err, DM_EIO, path, "writing the output file's layout failed (HDF5 error)");
    }
    if (write_inputs(w, err)) {
        dm_h5_abort(w);
        return err->code;
    }
    *out = w;
    return 0;
}

static int push_event(dm_h5_writer *w, int64_t replicate, const dm_event *ev)
{
    int64_t index = (int64_t)w->nevents++;
    double t = (double)ev->tick * w->minutes, value = ev->value;
    int node = ev->node, sector = dm_node_at(w->sc->model, (size_t)ev->node)->sector, kind = ev->kind;
    return push(&w->col[C_EVENT], &index) || push(&w->col[C_EV_REPLICATE], &replicate) ||
           push(&w->col[C_EV_TIME], &t) || push(&w->col[C_EV_NODE], &node) || push(&w->col[C_EV_SECTOR], &sector) ||
           push(&w->col[C_EV_KIND], &kind) || push(&w->col[C_EV_CAUSE], &ev->cause_node) ||
           push(&w->col[C_EV_GROUP], &ev->group) || push(&w->col[C_EV_HAZARD], &ev->hazard) ||
           push(&w->col[C_EV_VALUE], &value);
}

int dm_h5_append(void *writer, const dm_engine_result *r, dm_error *err)
{
    dm_h5_writer *w = writer;
    int64_t replicate = (int64_t)r->replicate;
    double *hs = malloc((w->H + 1) * sizeof *hs), *he = malloc((w->H + 1) * sizeof *he);
    double *row = malloc((4 * w->S + 1) * sizeof *row);
    int rc = !hs || !he || !row;
    for (size_t h = 0; !rc && h < w->H; h++) {
        hs[h] = r->hazard_start[h] * w->minutes;
        he[h] = r->hazard_end[h] < 0 ? NAN : r->hazard_end[h] * w->minutes;
    }
    rc = rc || push(&w->col[C_REPLICATE], &replicate) || push(&w->col[C_HAZARD_START], hs) ||
         push(&w->col[C_HAZARD_END], he);
    if (!rc && r->sector_level) rc = push_series(&w->col[C_SECTOR_LEVEL], r->sector_level, r->run_start, r->nruns);
    if (!rc && r->impact) rc = push_series(&w->col[C_IMPACT], r->impact, r->run_start, r->nruns);
    if (!rc && r->node_level) rc = push_series(&w->col[C_NODE_LEVEL], r->node_level, r->run_start, r->nruns);
    for (size_t s = 0; !rc && s < w->S; s++) {
        row[s] = r->sectors[s].min_level;
        row[w->S + s] = r->sectors[s].final_level;
        row[2 * w->S + s] = r->sectors[s].unserved_unit_hours;
        row[3 * w->S + s] = r->sectors[s].economic_loss;
    }
    rc = rc || push(&w->col[C_MIN_LEVEL], row) || push(&w->col[C_FINAL_LEVEL], row + w->S) ||
         push(&w->col[C_UNIT_HOURS], row + 2 * w->S) || push(&w->col[C_ECON_LOSS], row + 3 * w->S);
    for (size_t i = 0; !rc && (w->store & DM_STORE_EVENTS) && i < r->nevents; i++)
        rc = push_event(w, replicate, &r->events[i]);
    /* a replicate's rows: the breaches of whole sectors, then those of regions */
    for (size_t i = 0; !rc && i < r->nbreaches + r->nregion_breaches; i++) {
        const dm_breach *b = i < r->nbreaches ? &r->breaches[i] : &r->region_breaches[i - r->nbreaches];
        int64_t index = (int64_t)w->nbreaches++;
        double onset = (double)b->onset * w->minutes, confirmed = (double)b->confirmed * w->minutes;
        double end = b->end < 0 ? NAN : (double)b->end * w->minutes;
        rc = push(&w->col[C_BREACH], &index) || push(&w->col[C_BR_REPLICATE], &replicate) ||
             push(&w->col[C_BR_SECTOR], &b->sector) || push(&w->col[C_BR_ONSET], &onset) ||
             push(&w->col[C_BR_CONFIRMED], &confirmed) || push(&w->col[C_BR_END], &end) ||
             push(&w->col[C_BR_PEAK], &b->peak) || push(&w->col[C_BR_UNIT_HOURS], &b->unit_hours) ||
             push(&w->col[C_BR_REGION], &b->region);
    }
    free(hs); free(he); free(row);
    if (rc) return fail(err, DM_ESOFTWARE, w->target, "out of memory buffering a replicate");
    errno = 0;
    if (++w->pending >= w->flush_every && flush(w))
        return errno == ENOMEM ? fail(err, DM_ESOFTWARE, w->target, "out of memory writing replicates")
                               : fail(err, DM_EIO, w->target, "writing replicates to the output file failed (HDF5 error; disk full?)");
    return 0;
}

int dm_h5_median(dm_h5_writer *w, const dm_engine_result *r, dm_error *err)
{
    const hid_t t_sec[] = {w->scale_time, w->scale_sector};
    const hid_t t_reg_sec[] = {w->scale_time, w->scale_region, w->scale_sector};
    int64_t replicate = (int64_t)r->replicate;
    int rc = dmi_h5_attr_int64(w->file, "median_series_replicate", replicate);
    if (!rc && r->sector_level && r->ntimes == w->K)
        rc = fixed(w, "median_sector_level", H5T_NATIVE_DOUBLE, 2, t_sec, r->sector_level,
                   "sector level of the median replicate", "1");
    if (!rc && r->impact && r->ntimes == w->K)
        rc = fixed_as(w, "median_impact", H5T_NATIVE_FLOAT, H5T_NATIVE_DOUBLE, 3, t_reg_sec, r->impact,
                      "impact map of the median replicate (NaN: no capacity there)", "1");
    if (rc) return fail(err, DM_EIO, w->target, "writing the median replicate failed (HDF5 error; disk full?)");
    if (w->store & DM_STORE_EVENTS) return 0;  /* its events are among every replicate's */
    for (size_t i = 0; !rc && i < r->nevents; i++) rc = push_event(w, replicate, &r->events[i]);
    if (rc) return fail(err, DM_ESOFTWARE, w->target, "out of memory buffering the median replicate's events");
    return 0;
}

static int write_stats(dm_h5_writer *w, const dm_stats *st)
{
    const hid_t *sec = &w->scale_sector;
    const hid_t q_sec[] = {w->scale_quantile, w->scale_sector};
    const hid_t t_sec[] = {w->scale_time, w->scale_sector};
    const hid_t q_t_sec[] = {w->scale_quantile, w->scale_time, w->scale_sector};
    const hid_t D = H5T_NATIVE_DOUBLE;
    /* stats keep [sector][quantile]; the file has [quantile][sector] */
    double *onset_q = malloc((w->S * DM_NQUANTILES + 1) * sizeof *onset_q);
    double *duration_q = malloc((w->S * DM_NQUANTILES + 1) * sizeof *duration_q);
    if (!onset_q || !duration_q) { free(onset_q); free(duration_q); return -1; }
    char loss[300];
    for (size_t s = 0; s < w->S; s++)
        for (int j = 0; j < DM_NQUANTILES; j++) {
            onset_q[j * w->S + s] = st->onset_q[s * DM_NQUANTILES + j];
            duration_q[j * w->S + s] = st->duration_q[s * DM_NQUANTILES + j];
        }
    int rc = fixed(w, "breach_probability", D, 1, sec, st->breach_probability,
                   "fraction of replicates in which the sector breached its service level", "1") ||
        fixed(w, "breach_onset_mean", D, 1, sec, st->onset_mean,
              "mean onset of the first breach, over replicates with one (NaN: none)", "minutes") ||
        fixed(w, "breach_onset_quantile", D, 2, q_sec, onset_q, "quantiles of the first breach's onset", "minutes") ||
        fixed(w, "breach_duration_mean", D, 1, sec, st->duration_mean,
              "mean duration of the first breach (one still going ends at the horizon)", "minutes") ||
        fixed(w, "breach_duration_quantile", D, 2, q_sec, duration_q, "quantiles of the first breach's duration", "minutes") ||
        fixed(w, "expected_unserved_unit_hours", D, 1, sec, st->expected_unit_hours,
              "mean over replicates of unserved service over the horizon, in sector_unit hours", NULL) ||
        fixed(w, "expected_economic_loss", D, 1, sec, st->expected_economic_loss,
              money(w->sc->model, "mean over replicates of economic_loss", loss, sizeof loss), NULL);
    free(onset_q);
    free(duration_q);
    if (!rc && st->level_mean && st->replicates > 0)
        rc = fixed(w, "sector_level_mean", D, 2, t_sec, st->level_mean, "mean sector level over replicates", "1") ||
             fixed(w, "sector_level_quantile", D, 3, q_t_sec, st->level_q,
                   "quantiles of the sector level over replicates (from bins of 1e-4: within 5e-5)", "1");
    const hid_t t_reg_sec[] = {w->scale_time, w->scale_region, w->scale_sector};
    const hid_t q_t_reg_sec[] = {w->scale_quantile, w->scale_time, w->scale_region, w->scale_sector};
    if (!rc && st->map_mean && st->replicates > 0)
        rc = fixed_as(w, "impact_mean", H5T_NATIVE_FLOAT, D, 3, t_reg_sec, st->map_mean,
                      "mean over replicates of the impact map (NaN: no capacity there)", "1") ||
             fixed_as(w, "impact_quantile", H5T_NATIVE_FLOAT, D, 4, q_t_reg_sec, st->map_q,
                      "quantiles over replicates of the impact map (from bins of 1e-4: within 5e-5)", "1");
    /* per replicate: the figure that picks the median replicate */
    if (!rc) {
        hsize_t dims[1] = {st->replicates}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {1024};
        hid_t ds = dmi_h5_variable(w->file, "lost_sector_hours", D, 1, dims, maxdims, chunk);
        rc = ds < 0 || (st->replicates && dmi_h5_write_all(ds, D, st->lost_sector_hours)) ||
             attach(ds, &w->scale_replicate, 1) ||
             dmi_h5_attr_text(ds, "long_name", "sum over sectors of unserved unit-hours / capacity (sector-hours lost)") ||
             dmi_h5_attr_text(ds, "units", "h") || cell_methods(ds, "time: sum");  /* "h": "hours" would read as a timedelta */
        if (ds >= 0) H5Dclose(ds);
    }
    /* what each statistic is over (CF cell_methods); quantiles are on the quantile axis */
    static const char *const over_replicates[] = {"breach_probability", "breach_onset_mean", "breach_duration_mean",
                                                  "expected_unserved_unit_hours", "expected_economic_loss", "sector_level_mean"};
    for (size_t i = 0; !rc && i < sizeof over_replicates / sizeof *over_replicates; i++)
        if (H5Lexists(w->file, over_replicates[i], H5P_DEFAULT) > 0) {
            hid_t ds = H5Dopen2(w->file, over_replicates[i], H5P_DEFAULT);
            rc = cell_methods(ds, "realization: mean");
            if (ds >= 0) H5Dclose(ds);
        }
    hid_t f = w->file;
    rc = rc || dmi_h5_attr_int64(f, "replicates", (int64_t)st->replicates) ||
         dmi_h5_attr_int64(f, "median_replicate", (int64_t)st->median_replicate) ||
         dmi_h5_attr_text(f, "status", st->interrupted ? "interrupted" : "complete");
    return rc ? -1 : 0;
}

int dm_h5_finish(dm_h5_writer *w, const dm_stats *st, dm_error *err)
{
    if (!w) return 0;  /* a release: NULL is a no-op (docs/architecture.md, the lifecycle rule) */
    char target[4096];
    snprintf(target, sizeof target, "%s", w->target);  /* for the message: abort frees w */
    errno = 0;  /* ENOMEM after this: an allocation failed, not the disk */
    if (flush(w) || write_stats(w, st) || dmi_h5_cf_coordinates(w->file, NULL, 0)) {
        int oom = errno == ENOMEM;
        dm_h5_abort(w);
        return oom ? fail(err, DM_ESOFTWARE, target, "out of memory writing the output file")
                   : fail(err, DM_EIO, target, "writing the output file failed (HDF5 error; disk full?)");
    }
    if (close_all(w)) {
        dm_h5_abort(w);
        return fail(err, DM_EIO, target, "finishing the output file failed (HDF5 error; disk full?)");
    }
    int rc = dm_output_commit(&w->out, err);
    writer_free(w);
    return rc;
}
