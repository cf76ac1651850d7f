/* Sweep result files (docs/sweeps.md, "Output"): one row per point of the per-point
 * statistics of dm_mc_run, with the parameter values as coordinates; and merging files of
 * the same sweep. netCDF-4 compatible like run files (src/io/h5util.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hdf5_hl.h>
#include "domino.h"
#include "domino/sweep.h"
#include "core/h5util.h"

#define SWEEP_FORMAT "domino-sweep 1"
#define Q DM_NQUANTILES

/* The per-point statistics, in the file's order [point][...]. */
enum { V_PROB, V_ONSET_MEAN, V_ONSET_Q, V_DUR_MEAN, V_DUR_Q, V_UNIT_HOURS, V_LOSS, V_LEVEL_MEAN, V_LEVEL_Q, NV };
static const struct { const char *name, *long_name, *units; int shape; } var[NV] = {
    /* shape: 0 = sector, 1 = quantile x sector, 2 = time x sector, 3 = quantile x time x sector */
    {"breach_probability", "fraction of the point's replicates in which the sector breached", "1", 0},
    {"breach_onset_mean", "mean onset of the first breach (NaN: none)", "minutes", 0},
    {"breach_onset_quantile", "quantiles of the first breach's onset", "minutes", 1},
    {"breach_duration_mean", "mean duration of the first breach", "minutes", 0},
    {"breach_duration_quantile", "quantiles of the first breach's duration", "minutes", 1},
    {"expected_unserved_unit_hours", "mean unserved service over the horizon, in sector_unit hours", NULL, 0},
    {"expected_economic_loss", "mean inoperability-weighted economic loss", NULL, 0},
    {"sector_level_mean", "mean sector level over the point's replicates", "1", 2},
    {"sector_level_quantile", "quantiles of the sector level over the point's replicates", "1", 3},
};

typedef struct layout { size_t S, K, R; } layout;  /* sectors, times, replicates per point */

static size_t width(const layout *l, int shape)
{
    return shape == 0 ? l->S : shape == 1 ? Q * l->S : shape == 2 ? l->K * l->S : Q * l->K * l->S;
}

/* Pointers to stats' arrays, by variable. The quantiles of onsets and durations are kept
 * [sector][quantile] in dm_stats; the file has [quantile][sector], so they are copied. */
static double *field(dm_stats *st, int v)
{
    switch (v) {
    case V_PROB: return st->breach_probability;
    case V_ONSET_MEAN: return st->onset_mean;
    case V_ONSET_Q: return st->onset_q;
    case V_DUR_MEAN: return st->duration_mean;
    case V_DUR_Q: return st->duration_q;
    case V_UNIT_HOURS: return st->expected_unit_hours;
    case V_LOSS: return st->expected_economic_loss;
    case V_LEVEL_MEAN: return st->level_mean;
    default: return st->level_q;
    }
}

static void transpose(const double *in, double *out, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) out[j * rows + i] = in[i * cols + j];
}

typedef struct writer {
    char *path;
    dm_output out;  /* the temporary and the lock (src/core/files.c) */
    hid_t file, ds[NV], replicates, median, se, final;
    layout l;
} writer;

static void writer_abort(writer *w)
{
    for (int v = 0; v < NV; v++) if (w->ds[v] > 0) H5Dclose(w->ds[v]);
    if (w->replicates > 0) H5Dclose(w->replicates);
    if (w->median > 0) H5Dclose(w->median);
    if (w->se > 0) H5Dclose(w->se);
    if (w->final > 0) H5Dclose(w->final);
    if (w->file > 0) H5Fclose(w->file);
    dm_output_abort(&w->out);
    free(w->path);
    w->path = NULL;
}

/* The files the model read, "path sha256" a line (they are in sweep_sha256 too). */
static int inputs_attr(hid_t f, const dm_model *m)
{
    size_t len = 1;
    for (size_t k = 0; k < m->ninputs; k++) len += strlen(m->inputs[k].path) + 67;
    char *text = malloc(len), *at = text;
    if (!text) return -1;
    *text = 0;
    for (size_t k = 0; k < m->ninputs; k++) at += sprintf(at, "%s %s\n", m->inputs[k].path, m->inputs[k].sha256);
    int rc = h5_attr_text(f, "input_sha256", text);
    free(text);
    return rc;
}

/* The sectors' names, labels of the sector dimension (as in run files). */
static int names(hid_t file, hid_t sector, const dm_model *m, hid_t str)
{
    const char **v = malloc((m->nsectors + 1) * sizeof *v);
    int rc = !v;
    for (int ja = 1; !rc && ja >= 0; ja--) {
        for (size_t s = 0; s < m->nsectors; s++) v[s] = ja ? m->sectors[s].name_ja : m->sectors[s].name_en;
        hsize_t dims[1] = {m->nsectors};
        hid_t ds = h5_variable(file, ja ? "sector_name_ja" : "sector_name_en", str, 1, dims, NULL, NULL);
        rc = ds < 0 || (m->nsectors && h5_write_all(ds, str, v)) || H5DSattach_scale(ds, sector, 0) < 0 ||
             h5_attr_text(ds, "long_name", ja ? "sector name (Japanese)" : "sector name (English)");
        if (ds >= 0) H5Dclose(ds);
    }
    free(v);
    return rc ? -1 : 0;
}

/* Creates the file with rows for the given points. */
static int writer_open(writer *w, const char *path, const dm_sweep *s, const size_t *points, size_t n,
                       const char *command_line, const char *history, dm_error *err)
{
    memset(w, 0, sizeof *w);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const dm_model *m = s->base->model;
    size_t S = m->nsectors, P = s->nparams;
    int64_t tick = s->base->tick_s, interval = (s->interval_s + tick - 1) / tick;
    if (interval < 1) interval = 1;
    size_t K = dm_output_ntimes(s->base, interval);
    w->l = (layout){S, K, s->replicates};
    if (!(w->path = strdup(path))) return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    const char *inputs[] = {s->file, s->scenario_file, m->file};
    int rc0 = dm_output_begin(&w->out, path, 0, inputs, 3, err);
    if (rc0) { free(w->path); w->path = NULL; return rc0; }
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    w->file = H5Fcreate(w->out.path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (w->file < 0) {
        w->file = 0;
        writer_abort(w);
        return dm_error_set(err, DM_ECANTCREAT, path, 0, 0, "HDF5 cannot create the sweep file");
    }
    hid_t str = h5_string_type();
    int64_t *idx = malloc((n + 1) * sizeof *idx);
    double *x = malloc((K + n + 1) * sizeof *x);
    const char **ids = malloc((S + 1) * sizeof *ids);
    int rc = str < 0 || !idx || !x || !ids;
    hid_t point = -1, sector = -1, times = -1, quantile = -1;
    char units[64];
    if (!rc) {
        for (size_t i = 0; i < n; i++) idx[i] = (int64_t)points[i];
        for (size_t s2 = 0; s2 < S; s2++) ids[s2] = m->sectors[s2].id;
        for (size_t k = 0; k < K; k++) x[k] = (double)((int64_t)k * interval * tick) / 60.0;
        rc = (point = h5_coordinate(w->file, "point", H5T_NATIVE_INT64, n, 0, idx, "index of the point in the sweep's design", NULL)) < 0 ||
             (sector = h5_labelled_dimension(w->file, "sector", S, ids, "sector")) < 0 ||
             names(w->file, sector, m, str) ||
             (times = h5_coordinate(w->file, "time", H5T_NATIVE_DOUBLE, K, 0, x, h5_time_long_name(s->base->has_start),
                                    h5_time_units(s->base->has_start, s->base->start_unix, s->base->start_offset_min, units))) < 0 ||
             (quantile = h5_coordinate(w->file, "quantile", H5T_NATIVE_DOUBLE, Q, 0, dm_quantiles, "probability of the quantile", "1")) < 0 ||
             h5_time_axis(times, s->base->has_start);
    }
    /* the parameters: one coordinate variable each, over point */
    for (size_t j = 0; !rc && j < P; j++) {
        const dm_sweep_param *p = &s->params[j];
        for (size_t i = 0; i < n; i++) x[i] = s->values[points[i] * P + j];
        hsize_t dims[1] = {n};
        hid_t ds = h5_variable(w->file, p->name, H5T_NATIVE_DOUBLE, 1, dims, NULL, NULL);
        rc = ds < 0 || (n && h5_write_all(ds, H5T_NATIVE_DOUBLE, x)) || H5DSattach_scale(ds, point, 0) < 0 ||
             h5_attr_text(ds, "long_name", p->path) || h5_attr_text(ds, "units", p->is_duration ? "s" : "1") ||
             h5_attr_text(ds, "path", p->path);
        if (ds >= 0) H5Dclose(ds);
    }
    for (int v = 0; !rc && v < NV; v++) {
        int shape = var[v].shape, rank = 2 + (shape == 1 || shape == 2) + 2 * (shape == 3);
        hid_t scales[4] = {point, 0, 0, 0};
        hsize_t dims[4] = {n, 0, 0, 0}, chunk[4] = {1, 0, 0, 0};
        if (shape == 0) { scales[1] = sector; dims[1] = S; }
        if (shape == 1) { scales[1] = quantile; scales[2] = sector; dims[1] = Q; dims[2] = S; }
        if (shape == 2) { scales[1] = times; scales[2] = sector; dims[1] = K; dims[2] = S; }
        if (shape == 3) { rank = 4; scales[1] = quantile; scales[2] = times; scales[3] = sector; dims[1] = Q; dims[2] = K; dims[3] = S; }
        for (int d = 1; d < rank; d++) chunk[d] = dims[d] ? dims[d] : 1;
        if (n == 0) chunk[0] = 1;
        w->ds[v] = h5_variable(w->file, var[v].name, H5T_NATIVE_DOUBLE, rank, dims, NULL, chunk);
        rc = w->ds[v] < 0 || h5_attr_text(w->ds[v], "long_name", var[v].long_name) ||
             (var[v].units && h5_attr_text(w->ds[v], "units", var[v].units)) ||
             (strstr(var[v].name, "_quantile") == NULL && h5_attr_text(w->ds[v], "cell_methods", "realization: mean"));
        for (int d = 0; !rc && d < rank; d++) rc = H5DSattach_scale(w->ds[v], scales[d], (unsigned)d) < 0;
    }
    if (!rc) {
        /* the standard error of each point's breach probability, a binomial proportion of
         * n replicates: sqrt(p (1 - p) / n) (a point's p is a mean of 0/1 outcomes) */
        hsize_t dims[2] = {n, S}, chunk[2] = {1, S ? S : 1};
        w->se = h5_variable(w->file, "breach_probability_standard_error", H5T_NATIVE_DOUBLE, 2, dims, NULL, chunk);
        rc = w->se < 0 || H5DSattach_scale(w->se, point, 0) < 0 || H5DSattach_scale(w->se, sector, 1) < 0 ||
             h5_attr_text(w->se, "long_name", "standard error of breach_probability: sqrt(p (1 - p) / replicates)") ||
             h5_attr_text(w->se, "units", "1") ||
             h5_attr_text(w->ds[V_PROB], "ancillary_variables", "breach_probability_standard_error");
    }
    if (!rc) {
        /* each replicate's sector levels at the horizon, for distributions beyond the
         * statistics: replicates x sectors per point (NaN where not kept) */
        uint64_t R = s->replicates;
        int64_t *ri = malloc((R + 1) * sizeof *ri);
        hid_t rep = -1;
        for (uint64_t r = 0; ri && r < R; r++) ri[r] = (int64_t)r;
        rc = !ri || (rep = h5_coordinate(w->file, "replicate", H5T_NATIVE_INT64, R, 0, ri,
                                          "replicate index r within the point (its random stream is derived from the seed and r)", NULL)) < 0 ||
             h5_attr_text(rep, "standard_name", "realization");
        hsize_t dims[3] = {n, R, S}, chunk[3] = {1, R ? R : 1, S ? S : 1};
        if (!rc) w->final = h5_variable(w->file, "final_level", H5T_NATIVE_DOUBLE, 3, dims, NULL, chunk);
        rc = rc || w->final < 0 || H5DSattach_scale(w->final, point, 0) < 0 || H5DSattach_scale(w->final, rep, 1) < 0 ||
             H5DSattach_scale(w->final, sector, 2) < 0 ||
             h5_attr_text(w->final, "long_name", "sector level at the horizon, per replicate of the point") ||
             h5_attr_text(w->final, "units", "1") || h5_attr_text(w->final, "cell_methods", "time: point");
        if (rep >= 0) H5Dclose(rep);
        free(ri);
    }
    if (!rc) {
        hsize_t dims[1] = {n}, chunk[1] = {n ? n : 1};
        w->replicates = h5_variable(w->file, "replicates", H5T_NATIVE_INT64, 1, dims, NULL, chunk);
        w->median = h5_variable(w->file, "median_replicate", H5T_NATIVE_INT64, 1, dims, NULL, chunk);
        rc = w->replicates < 0 || w->median < 0 || H5DSattach_scale(w->replicates, point, 0) < 0 ||
             H5DSattach_scale(w->median, point, 0) < 0 ||
             h5_attr_text(w->replicates, "long_name", "replicates completed at the point") ||
             h5_attr_text(w->median, "long_name", "the point's median replicate (ranked by the sector time lost)");
    }
    char created[32], versions[512];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    dm_library_versions(versions, sizeof versions);
    static const char *const designs[] = {"grid", "random", "latin", "sobol"};
    char source[64];
    snprintf(source, sizeof source, "domino %s", dm_version());
    hid_t f = w->file;
    rc = rc || h5_attr_text(f, "Conventions", "CF-1.8") || h5_attr_text(f, "domino_format", SWEEP_FORMAT) ||
         h5_attr_text(f, "domino_version", dm_version()) || h5_attr_text(f, "library_versions", versions) ||
         h5_attr_text(f, "created", created) || h5_attr_text(f, "command_line", command_line ? command_line : "") ||
         h5_attr_text(f, "sweep_name", s->name) || h5_attr_text(f, "sweep_file", s->file) ||
         h5_attr_text(f, "sweep_text", s->text) || h5_attr_text(f, "sweep_sha256", s->sha256) ||
         h5_attr_text(f, "scenario_file", s->scenario_file) || h5_attr_text(f, "scenario_text", s->scenario_text) ||
         h5_attr_text(f, "model_text", s->model_text ? s->model_text : "") ||
         h5_attr_text(f, "design", designs[s->design]) || h5_attr_int64(f, "points_in_sweep", (int64_t)s->npoints) ||
         h5_attr_int64(f, "points", (int64_t)n) || h5_attr_int64(f, "replicates_per_point", (int64_t)s->replicates) ||
         h5_attr_int64(f, "seed", (int64_t)(s->has_seed ? s->seed : s->base->seed)) ||
         h5_attr_text(f, "source", source) || inputs_attr(f, m) ||
         h5_history(f, history, command_line && *command_line ? command_line : "domino sweep (library call)");
    if (point >= 0) H5Dclose(point);
    if (sector >= 0) H5Dclose(sector);
    if (times >= 0) H5Dclose(times);
    if (quantile >= 0) H5Dclose(quantile);
    if (str >= 0) H5Tclose(str);
    free(idx); free(x); free(ids);
    if (rc) {
        writer_abort(w);
        return dm_error_set(err, DM_EIO, path, 0, 0, "writing the sweep file's layout failed (HDF5 error)");
    }
    return 0;
}

/* One row of a [rows][...] variable. */
static int write_row(hid_t ds, size_t row, const double *data)
{
    return h5_rows(ds, H5T_NATIVE_DOUBLE, row, 1, (void *)data, 1);
}

/* Opens variable v of a part for reading rows, only if its shape is the layout's
 * (h5_open_checked): a row then fits the caller's buffer of width(l, shape). */
static hid_t open_var(hid_t file, const layout *l, int v)
{
    int shape = var[v].shape, rank = shape == 0 ? 2 : shape == 3 ? 4 : 3;
    hsize_t dims[4] = {H5_ANY, l->S, 0, 0};
    if (shape == 1) { dims[1] = Q; dims[2] = l->S; }
    if (shape == 2) { dims[1] = l->K; dims[2] = l->S; }
    if (shape == 3) { dims[1] = Q; dims[2] = l->K; dims[3] = l->S; }
    return h5_open_checked(file, var[v].name, H5T_FLOAT, rank, dims, NULL);
}

static hid_t open_column(hid_t file, const char *name)
{
    const hsize_t any[1] = {H5_ANY};
    return h5_open_checked(file, name, H5T_INTEGER, 1, any, NULL);
}

static int read_row(hid_t ds, hid_t type, size_t row, void *data) { return h5_rows(ds, type, row, 1, data, 0); }

static int writer_row(writer *w, size_t row, dm_stats *st, const double *final_level, dm_error *err)
{
    size_t S = w->l.S, RS = (size_t)w->l.R * S;
    size_t need = width(&w->l, 3) > RS ? width(&w->l, 3) : RS;
    double *buf = malloc((need + 1) * sizeof *buf);
    int rc = !buf;
    for (int v = 0; !rc && v < NV; v++) {
        const double *data = field(st, v);
        if (!data) {  /* levels not kept: NaN rows */
            for (size_t i = 0; i < width(&w->l, var[v].shape); i++) buf[i] = NAN;
            data = buf;
        } else if (v == V_ONSET_Q || v == V_DUR_Q) {
            transpose(data, buf, S, Q);
            data = buf;
        }
        rc = write_row(w->ds[v], row, data);
    }
    for (size_t s2 = 0; !rc && s2 < S; s2++) {
        double p = st->breach_probability[s2], n = (double)st->replicates;
        buf[s2] = n > 0 ? sqrt(p * (1 - p) / n) : NAN;
    }
    rc = rc || write_row(w->se, row, buf);
    if (!rc && !final_level) {
        for (size_t k = 0; k < RS; k++) buf[k] = NAN;
        final_level = buf;
    }
    rc = rc || write_row(w->final, row, final_level);
    int64_t reps = (int64_t)st->replicates, median = (int64_t)st->median_replicate;
    rc = rc || h5_rows(w->replicates, H5T_NATIVE_INT64, row, 1, &reps, 1) ||
         h5_rows(w->median, H5T_NATIVE_INT64, row, 1, &median, 1);
    free(buf);
    return rc ? dm_error_set(err, DM_EIO, w->path, 0, 0, "writing a point to the sweep file failed (disk full?)") : 0;
}

static int writer_close(writer *w, const dm_sweep *s, dm_error *err)
{
    /* the parameters are coordinates of the points (CF labels: xarray makes them coordinates) */
    const char **params = malloc((s->nparams + 1) * sizeof *params);
    int rc = !params;
    for (size_t j = 0; !rc && j < s->nparams; j++) params[j] = s->params[j].name;
    rc = rc || h5_cf_coordinates(w->file, params, s->nparams);
    free(params);
    for (int v = 0; v < NV; v++) { rc |= H5Dclose(w->ds[v]) < 0; w->ds[v] = 0; }
    rc |= H5Dclose(w->replicates) < 0;
    rc |= H5Dclose(w->median) < 0;
    rc |= H5Dclose(w->se) < 0;
    rc |= H5Dclose(w->final) < 0;
    w->replicates = w->median = w->se = w->final = 0;
    rc |= H5Fclose(w->file) < 0;
    w->file = 0;
    if (rc) {
        char path[4096];
        snprintf(path, sizeof path, "%s", w->path);
        writer_abort(w);
        return dm_error_set(err, DM_EIO, path, 0, 0, "finishing the sweep file failed (HDF5 error; disk full?)");
    }
    rc = dm_output_commit(&w->out, err);
    writer_abort(w);
    return rc;
}

int dm_sweep_write(const char *path, const dm_sweep *s, const dm_sweep_point *points, size_t n,
                   const char *command_line, dm_error *err)
{
    size_t *idx = calloc(n + 1, sizeof *idx);
    if (!idx) return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) idx[i] = points[i].index;
    writer w;
    int rc = writer_open(&w, path, s, idx, n, command_line, NULL, err);
    free(idx);
    for (size_t i = 0; !rc && i < n; i++)
        if ((rc = writer_row(&w, i, (dm_stats *)points[i].stats, points[i].final_level, err))) writer_abort(&w);
    return rc ? rc : writer_close(&w, s, err);
}

/* ---- reading parts, merging ---- */

typedef struct part {
    hid_t file;
    dm_sweep *sweep;
    size_t n;
    int64_t *points;
} part;

static void part_close(part *p)
{
    if (p->file > 0) H5Fclose(p->file);
    dm_sweep_free(p->sweep);
    free(p->points);
    memset(p, 0, sizeof *p);
}

static int part_open(const char *path, part *p, dm_error *err)
{
    memset(p, 0, sizeof *p);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return dm_error_set(err, access(path, R_OK) ? DM_ENOINPUT : DM_EDATA, path, 0, 0,
                            access(path, R_OK) ? "cannot read the file" : "not an HDF5 file, or truncated");
    if ((p->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        p->file = 0;
        return dm_error_set(err, DM_EDATA, path, 0, 0, "HDF5 cannot open the file: it is truncated or corrupt");
    }
    char *format = h5_read_attr_text(p->file, "domino_format"), *text = h5_read_attr_text(p->file, "sweep_text"),
         *file = h5_read_attr_text(p->file, "sweep_file"), *stext = h5_read_attr_text(p->file, "scenario_text"),
         *sfile = h5_read_attr_text(p->file, "scenario_file"), *mtext = h5_read_attr_text(p->file, "model_text");
    int rc = 0;
    if (!format || strcmp(format, SWEEP_FORMAT))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "not a domino sweep file (expected domino_format '%s')", SWEEP_FORMAT);
    else if (!text || !file || !stext || !sfile || !mtext)
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "incomplete sweep file: its sweep, scenario or model text is missing");
    else {
        dm_error sub;
        dm_error_clear(&sub);
        if (dm_sweep_from_texts(text, file, stext, sfile, mtext, &p->sweep, &sub))
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "the sweep stored in the file does not load: %s", sub.message);
    }
    if (!rc) {
        /* the texts are stored, the input files are read again: their SHA-256 then differ
         * from the stored sweep_sha256 when a graph or pairs file changed */
        char *stored = h5_read_attr_text(p->file, "sweep_sha256"), *inputs = h5_read_attr_text(p->file, "input_sha256");
        if (!stored || strcmp(stored, p->sweep->sha256))
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "holds another sweep: the files its model reads changed since it "
                              "was written (it lists: %s): remove it, or restore the input files",
                              inputs && *inputs ? inputs : "none");
        free(stored);
        free(inputs);
    }
    if (!rc) {
        hid_t ds = open_column(p->file, "point"), space = ds >= 0 ? H5Dget_space(ds) : -1;
        hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
        if (n < 0 || !(p->points = malloc(((size_t)n + 1) * sizeof *p->points)) ||
            (n > 0 && H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, p->points) < 0))
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "cannot read the point coordinate");
        p->n = n > 0 ? (size_t)n : 0;
        for (size_t i = 0; !rc && i < p->n; i++)
            if (p->points[i] < 0 || (size_t)p->points[i] >= p->sweep->npoints)
                rc = dm_error_set(err, DM_EDATA, path, 0, 0, "point %lld is outside the sweep's %zu points",
                                  (long long)p->points[i], p->sweep->npoints);
        if (space >= 0) H5Sclose(space);
        if (ds >= 0) H5Dclose(ds);
    }
    free(format); free(text); free(file); free(stext); free(sfile); free(mtext);
    if (rc) part_close(p);
    return rc;
}

/* Reads row `row` of part p into st (arrays allocated by the caller, layout l). */
static int part_row(part *p, const layout *l, size_t row, dm_stats *st, double *buf, double *final_level,
                    const char *path, dm_error *err)
{
    int rc = 0;
    /* final levels: NaN in a part written before they were kept */
    for (size_t k = 0; k < (size_t)l->R * l->S; k++) final_level[k] = NAN;
    if (H5Lexists(p->file, "final_level", H5P_DEFAULT) > 0) {
        /* (point, replicate, sector), checked before a row is read into R x S doubles */
        const hsize_t dims[3] = {H5_ANY, (hsize_t)l->R, l->S};
        hid_t ds = h5_open_checked(p->file, "final_level", H5T_FLOAT, 3, dims, NULL);
        rc = ds < 0 || read_row(ds, H5T_NATIVE_DOUBLE, row, final_level);
        if (ds >= 0) H5Dclose(ds);
    }
    for (int v = 0; !rc && v < NV; v++) {
        hid_t ds = open_var(p->file, l, v);
        double *dst = field(st, v);
        rc = ds < 0 || read_row(ds, H5T_NATIVE_DOUBLE, row, v == V_ONSET_Q || v == V_DUR_Q ? buf : dst);
        if (!rc && (v == V_ONSET_Q || v == V_DUR_Q)) transpose(buf, dst, Q, l->S);
        if (ds >= 0) H5Dclose(ds);
    }
    int64_t reps = 0, median = 0;
    hid_t a = rc ? -1 : open_column(p->file, "replicates"), b = rc ? -1 : open_column(p->file, "median_replicate");
    rc = rc || a < 0 || b < 0 || read_row(a, H5T_NATIVE_INT64, row, &reps) || read_row(b, H5T_NATIVE_INT64, row, &median) ||
         reps < 0 || median < 0;
    if (a >= 0) H5Dclose(a);
    if (b >= 0) H5Dclose(b);
    st->replicates = (uint64_t)reps;
    st->median_replicate = (uint64_t)median;
    return rc ? dm_error_set(err, DM_EDATA, path, 0, 0, "cannot read point row %zu (missing variable, wrong shape or corrupt)", row) : 0;
}

int dm_sweep_merge(const char *path, const char *const *parts, size_t nparts, int require_all,
                   const char *command_line, dm_error *err)
{
    if (nparts == 0) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "merge: expected at least one part");
    part *p = calloc(nparts, sizeof *p);
    if (!p) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < nparts && !rc; i++) {
        rc = part_open(parts[i], &p[i], err);
        if (!rc && i > 0 && strcmp(p[i].sweep->sha256, p[0].sweep->sha256))
            rc = dm_error_set(err, DM_EDATA, parts[i], 0, 0, "belongs to another sweep than %s (different sweep, scenario or model text, or input files)", parts[0]);
    }
    const dm_sweep *s = rc ? NULL : p[0].sweep;
    size_t N = s ? s->npoints : 0;
    /* which part holds each point: each point once */
    long *from_part = rc ? NULL : malloc((N + 1) * sizeof *from_part);
    size_t *from_row = rc ? NULL : malloc((N + 1) * sizeof *from_row), count = 0;
    if (!rc && (!from_part || !from_row)) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < N; i++) from_part[i] = -1;
    for (size_t i = 0; !rc && i < nparts; i++)
        for (size_t r = 0; !rc && r < p[i].n; r++) {
            size_t pt = (size_t)p[i].points[r];
            if (from_part[pt] >= 0) rc = dm_error_set(err, DM_EDATA, parts[i], 0, 0, "point %zu is also in %s", pt, parts[from_part[pt]]);
            from_part[pt] = (long)i;
            from_row[pt] = r;
            count++;
        }
    if (!rc && require_all && count < N)
        rc = dm_error_set(err, DM_EDATA, NULL, 0, 0, "the parts hold %zu of the sweep's %zu points: expected all (a shard is missing?)", count, N);
    size_t *points = rc ? NULL : malloc((count + 1) * sizeof *points), k = 0;
    for (size_t i = 0; !rc && points && i < N; i++)
        if (from_part[i] >= 0) points[k++] = i;
    writer w;
    dm_stats st;
    memset(&st, 0, sizeof st);
    double *buf = NULL, *finals = NULL;
    if (!rc && !points) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    /* CF history: the first part's lines, then this merge */
    char *history = rc ? NULL : h5_read_attr_text(p[0].file, "history");
    if (!rc && !(rc = writer_open(&w, path, s, points, count, command_line, history, err))) {
        layout *l = &w.l;
        size_t S = l->S;
        st.breach_probability = calloc(S, sizeof(double)); st.onset_mean = calloc(S, sizeof(double));
        st.onset_q = calloc(S * Q, sizeof(double)); st.duration_mean = calloc(S, sizeof(double));
        st.duration_q = calloc(S * Q, sizeof(double)); st.expected_unit_hours = calloc(S, sizeof(double));
        st.expected_economic_loss = calloc(S, sizeof(double)); st.level_mean = calloc(l->K * S + 1, sizeof(double));
        st.level_q = calloc(Q * l->K * S + 1, sizeof(double));
        buf = malloc((Q * S + 1) * sizeof *buf);
        finals = malloc(((size_t)l->R * S + 1) * sizeof *finals);
        if (!buf || !finals || !st.breach_probability || !st.onset_mean || !st.onset_q || !st.duration_mean || !st.duration_q ||
            !st.expected_unit_hours || !st.expected_economic_loss || !st.level_mean || !st.level_q)
            rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
        for (size_t r = 0; !rc && r < count; r++) {
            size_t pt = points[r];
            rc = part_row(&p[from_part[pt]], l, from_row[pt], &st, buf, finals, parts[from_part[pt]], err) ||
                 writer_row(&w, r, &st, finals, err);
        }
        if (rc) writer_abort(&w);
        else rc = writer_close(&w, s, err);
    }
    free(history);
    dm_stats_free(&st);
    free(buf); free(finals); free(points); free(from_part); free(from_row);
    for (size_t i = 0; i < nparts; i++) part_close(&p[i]);
    free(p);
    return rc;
}

int dm_sweep_file_points(const char *path, const dm_sweep *s, size_t **points, size_t *n, dm_error *err)
{
    part p;
    *points = NULL;
    *n = 0;
    int rc = part_open(path, &p, err);
    if (rc) return rc;
    if (strcmp(p.sweep->sha256, s->sha256))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "holds another sweep (different sweep, scenario or model text, or input files): "
                          "remove it, or choose another output");
    else if (!(*points = malloc((p.n + 1) * sizeof **points)))
        rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < p.n; i++) (*points)[i] = (size_t)p.points[i];
    if (!rc) *n = p.n;
    part_close(&p);
    return rc;
}

int dm_sweep_read_info(const char *path, dm_sweep **out, size_t **points, size_t *n, dm_error *err)
{
    part p;
    *out = NULL;
    int rc = part_open(path, &p, err);
    if (rc) return rc;
    *points = malloc((p.n + 1) * sizeof **points);
    if (!*points) { part_close(&p); return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); }
    for (size_t i = 0; i < p.n; i++) (*points)[i] = (size_t)p.points[i];
    *n = p.n;
    *out = p.sweep;
    p.sweep = NULL;
    part_close(&p);
    return 0;
}
