/* Sweep result files (docs/sweeps.md, "Output"): the per-point statistics of dm_mc_run,
 * their standard errors and each replicate's final levels. A file holding every point of
 * a grid has one dimension per parameter (its coordinate the parameter's values), so a
 * value selects a slice; any other file (a sampling design, a shard, a checkpoint) has a
 * `point` dimension with the parameters as coordinates along it. Merging combines files
 * of the same sweep. netCDF-4 compatible like run files (src/io/h5util.c). */
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

#define SWEEP_FORMAT "domino-sweep 2"
#define Q DM_NQUANTILES

/* The per-point variables, in the file's order [point or grid][...]. */
enum { V_PROB, V_ONSET_MEAN, V_ONSET_Q, V_DUR_MEAN, V_DUR_Q, V_UNIT_HOURS, V_LOSS, V_LEVEL_MEAN, V_LEVEL_Q,
       V_PROB_SE, V_ONSET_SE, V_DUR_SE, V_UNIT_SE, V_LOSS_SE, V_LEVEL_SE, V_FINAL, NV };
/* shape: 0 = sector, 1 = quantile x sector, 2 = time x sector, 3 = quantile x time x
 * sector, 4 = replicate x sector. se: the variable whose standard error this is. */
static const struct { const char *name, *long_name, *units, *cell_methods; int shape, se; } var[NV] = {
    {"breach_probability", "fraction of the point's replicates in which the sector breached", "1", "realization: mean", 0, -1},
    {"breach_onset_mean", "mean onset of the first breach (NaN: none)", "minutes", "realization: mean", 0, -1},
    {"breach_onset_quantile", "quantiles of the first breach's onset", "minutes", NULL, 1, -1},
    {"breach_duration_mean", "mean duration of the first breach", "minutes", "realization: mean", 0, -1},
    {"breach_duration_quantile", "quantiles of the first breach's duration", "minutes", NULL, 1, -1},
    {"expected_unserved_unit_hours", "mean unserved service over the horizon, in sector_unit hours", NULL, "realization: mean", 0, -1},
    {"expected_economic_loss", "mean inoperability-weighted economic loss", NULL, "realization: mean", 0, -1},
    {"sector_level_mean", "mean sector level over the point's replicates", "1", "realization: mean", 2, -1},
    {"sector_level_quantile", "quantiles of the sector level over the point's replicates", "1", NULL, 3, -1},
    {"breach_probability_standard_error", "standard error of breach_probability: sqrt(p (1 - p) / replicates)", "1", NULL, 0, V_PROB},
    {"breach_onset_mean_standard_error", "standard error of breach_onset_mean", "minutes", NULL, 0, V_ONSET_MEAN},
    {"breach_duration_mean_standard_error", "standard error of breach_duration_mean", "minutes", NULL, 0, V_DUR_MEAN},
    {"expected_unserved_unit_hours_standard_error", "standard error of expected_unserved_unit_hours", NULL, NULL, 0, V_UNIT_HOURS},
    {"expected_economic_loss_standard_error", "standard error of expected_economic_loss", NULL, NULL, 0, V_LOSS},
    {"sector_level_mean_standard_error", "standard error of sector_level_mean", "1", NULL, 2, V_LEVEL_MEAN},
    {"final_level", "sector level at the horizon, per replicate of the point", "1", "time: point", 4, -1},
};

/* sectors, times, replicates per point; the leading dimensions: lead = 1 (point) or one
 * per parameter (grid), of lengths dims[] */
typedef struct layout { size_t S, K, R; int lead; hsize_t dims[H5S_MAX_RANK]; } layout;

static size_t width(const layout *l, int shape)
{
    return shape == 0 ? l->S : shape == 1 ? Q * l->S : shape == 2 ? l->K * l->S : shape == 3 ? Q * l->K * l->S : l->R * l->S;
}

/* The dimensions after the leading ones, by shape. */
static int inner_dims(const layout *l, int shape, hsize_t *d)
{
    switch (shape) {
    case 0: d[0] = l->S; return 1;
    case 1: d[0] = Q; d[1] = l->S; return 2;
    case 2: d[0] = l->K; d[1] = l->S; return 2;
    case 3: d[0] = Q; d[1] = l->K; d[2] = l->S; return 3;
    default: d[0] = l->R; d[1] = l->S; return 2;
    }
}

/* Pointers to a result's arrays, by variable. The quantiles of onsets and durations are
 * kept [sector][quantile] in dm_stats; the file has [quantile][sector], so they are copied. */
static double *field(dm_sweep_result *r, int v)
{
    dm_stats *st = &r->stats;
    switch (v) {
    case V_PROB: return st->breach_probability;
    case V_ONSET_MEAN: return st->onset_mean;
    case V_ONSET_Q: return st->onset_q;
    case V_DUR_MEAN: return st->duration_mean;
    case V_DUR_Q: return st->duration_q;
    case V_UNIT_HOURS: return st->expected_unit_hours;
    case V_LOSS: return st->expected_economic_loss;
    case V_LEVEL_MEAN: return st->level_mean;
    case V_LEVEL_Q: return st->level_q;
    case V_PROB_SE: return r->probability_se;
    case V_ONSET_SE: return r->onset_se;
    case V_DUR_SE: return r->duration_se;
    case V_UNIT_SE: return r->unit_hours_se;
    case V_LOSS_SE: return r->loss_se;
    case V_LEVEL_SE: return r->level_se;
    default: return r->final_level;
    }
}

static void transpose(const double *in, double *out, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) out[j * rows + i] = in[i * cols + j];
}

/* Reads or writes the cell of one point: `row` counted over the leading dimensions (the
 * last one fastest, the order of the design), the other dimensions whole. */
static int point_io(hid_t ds, int lead, size_t row, hid_t type, void *buf, int write)
{
    hid_t space = H5Dget_space(ds), mem = -1;
    hsize_t dims[H5S_MAX_RANK], off[H5S_MAX_RANK] = {0}, cnt[H5S_MAX_RANK];
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1, rc = -1;
    if (rank < lead || rank > H5S_MAX_RANK || H5Sget_simple_extent_dims(space, dims, NULL) < 0) goto done;
    memcpy(cnt, dims, sizeof cnt);
    for (int d = lead; d-- > 0;) {
        if (dims[d] == 0) goto done;
        off[d] = row % dims[d];
        cnt[d] = 1;
        row /= dims[d];
    }
    if (row) goto done;  /* past the last point */
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 || (mem = H5Screate_simple(rank, cnt, NULL)) < 0)
        goto done;
    rc = (write ? H5Dwrite(ds, type, mem, space, H5P_DEFAULT, buf) : H5Dread(ds, type, mem, space, H5P_DEFAULT, buf)) < 0 ? -1 : 0;
done:
    if (mem >= 0) H5Sclose(mem);
    if (space >= 0) H5Sclose(space);
    return rc;
}

/* A file holds the grid when it has every point of a grid design, in order, and the
 * grid's dimensions fit HDF5's 32 with the statistics' three. */
static int is_grid(const dm_sweep *s, const size_t *points, size_t n)
{
    if (s->design != DM_DESIGN_GRID || n != s->npoints || s->nparams + 3 > H5S_MAX_RANK) return 0;
    for (size_t i = 0; i < n; i++)
        if (points[i] != i) return 0;
    return 1;
}

typedef struct writer {
    char *path;
    dm_output out;  /* the temporary and the lock (src/core/files.c) */
    hid_t file, ds[NV], replicates, median;
    layout l;
    int grid;
} writer;

static void writer_abort(writer *w)
{
    for (int v = 0; v < NV; v++) if (w->ds[v] > 0) H5Dclose(w->ds[v]);
    if (w->replicates > 0) H5Dclose(w->replicates);
    if (w->median > 0) H5Dclose(w->median);
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
    int rc = dmi_h5_attr_text(f, "input_sha256", text);
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
        hid_t ds = dmi_h5_variable(file, ja ? "sector_name_ja" : "sector_name_en", str, 1, dims, NULL, NULL);
        rc = ds < 0 || (m->nsectors && dmi_h5_write_all(ds, str, v)) || H5DSattach_scale(ds, sector, 0) < 0 ||
             dmi_h5_attr_text(ds, "long_name", ja ? "sector name (Japanese)" : "sector name (English)");
        if (ds >= 0) H5Dclose(ds);
    }
    free(v);
    return rc ? -1 : 0;
}

/* A per-point variable: the leading dimensions (scales lead[]), then inner[] (scales
 * iscales[]), chunked a point at a time. */
static hid_t point_variable(writer *w, const char *name, hid_t type, const hid_t *lead, int ninner, const hsize_t *inner,
                            const hid_t *iscales)
{
    int L = w->l.lead, rank = L + ninner;
    hsize_t dims[H5S_MAX_RANK] = {0}, chunk[H5S_MAX_RANK] = {0};
    for (int d = 0; d < L; d++) { dims[d] = w->l.dims[d]; chunk[d] = 1; }
    for (int d = 0; d < ninner; d++) { dims[L + d] = inner[d]; chunk[L + d] = inner[d] ? inner[d] : 1; }
    hid_t ds = dmi_h5_variable(w->file, name, type, rank, dims, NULL, chunk);
    for (int d = 0; ds >= 0 && d < rank; d++)
        if (H5DSattach_scale(ds, d < L ? lead[d] : iscales[d - L], (unsigned)d) < 0) { H5Dclose(ds); return -1; }
    return ds;
}

/* Creates the file for the given points: the grid when they are all of a grid's. */
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
    int grid = is_grid(s, points, n);
    w->l = (layout){S, K, s->replicates, grid ? (int)P : 1, {0}};
    w->grid = grid;
    for (size_t j = 0; j < (grid ? P : 1); j++) w->l.dims[j] = grid ? s->params[j].nvalues : n;
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
    hid_t str = dmi_h5_string_type();
    uint64_t R = s->replicates;
    int64_t *idx = malloc((n + R + 1) * sizeof *idx);
    double *x = malloc((K + n + 1) * sizeof *x);
    const char **ids = malloc((S + 1) * sizeof *ids);
    int rc = str < 0 || !idx || !x || !ids;
    hid_t lead[H5S_MAX_RANK], sector = -1, times = -1, quantile = -1, rep = -1, ds;
    int nlead = 0;
    char units[64];
    if (!rc) {
        for (size_t s2 = 0; s2 < S; s2++) ids[s2] = m->sectors[s2].id;
        for (size_t k = 0; k < K; k++) x[k] = (double)((int64_t)k * interval * tick) / 60.0;
        for (uint64_t r = 0; r < R; r++) idx[r] = (int64_t)r;
        rc = (sector = dmi_h5_labelled_dimension(w->file, "sector", S, ids, "sector")) < 0 ||
             names(w->file, sector, m, str) ||
             (times = dmi_h5_coordinate(w->file, "time", H5T_NATIVE_DOUBLE, K, 0, x, dmi_h5_time_long_name(s->base->has_start),
                                    dmi_h5_time_units(s->base->has_start, s->base->start_unix, s->base->start_offset_min, units))) < 0 ||
             (quantile = dmi_h5_coordinate(w->file, "quantile", H5T_NATIVE_DOUBLE, Q, 0, dm_quantiles, "probability of the quantile", "1")) < 0 ||
             dmi_h5_time_axis(times, s->base->has_start) ||
             (rep = dmi_h5_coordinate(w->file, "replicate", H5T_NATIVE_INT64, R, 0, idx,
                                  "replicate index r within the point (its random stream is derived from the seed and r)", NULL)) < 0 ||
             dmi_h5_attr_text(rep, "standard_name", "realization");
    }
    /* the parameters: grid, a coordinate variable each (its dimension); else one
     * variable each over point, named in `coordinates` (writer_close) */
    if (!rc && !grid) {
        for (size_t i = 0; i < n; i++) idx[i] = (int64_t)points[i];
        rc = (lead[nlead++] = dmi_h5_coordinate(w->file, "point", H5T_NATIVE_INT64, n, 0, idx,
                                            "index of the point in the sweep's design", NULL)) < 0;
    }
    for (size_t j = 0; !rc && j < P; j++) {
        const dm_sweep_param *p = &s->params[j];
        if (grid) {
            ds = lead[nlead++] = dmi_h5_coordinate(w->file, p->name, H5T_NATIVE_DOUBLE, p->nvalues, 0, p->values, p->path,
                                               p->is_duration ? "s" : "1");
            rc = ds < 0 || dmi_h5_attr_text(ds, "path", p->path);
            continue;
        }
        for (size_t i = 0; i < n; i++) x[i] = s->values[points[i] * P + j];
        hsize_t dims[1] = {n};
        ds = dmi_h5_variable(w->file, p->name, H5T_NATIVE_DOUBLE, 1, dims, NULL, NULL);
        rc = ds < 0 || (n && dmi_h5_write_all(ds, H5T_NATIVE_DOUBLE, x)) || H5DSattach_scale(ds, lead[0], 0) < 0 ||
             dmi_h5_attr_text(ds, "long_name", p->path) || dmi_h5_attr_text(ds, "units", p->is_duration ? "s" : "1") ||
             dmi_h5_attr_text(ds, "path", p->path);
        if (ds >= 0) H5Dclose(ds);
    }
    if (!rc && grid) {  /* the design's index of each point of the grid */
        ds = point_variable(w, "point", H5T_NATIVE_INT64, lead, 0, NULL, NULL);
        int64_t *all = malloc((n + 1) * sizeof *all);
        for (size_t i = 0; all && i < n; i++) all[i] = (int64_t)i;
        rc = ds < 0 || !all || (n && dmi_h5_write_all(ds, H5T_NATIVE_INT64, all)) ||
             dmi_h5_attr_text(ds, "long_name", "index of the point in the sweep's design");
        if (ds >= 0) H5Dclose(ds);
        free(all);
    }
    for (int v = 0; !rc && v < NV; v++) {
        hsize_t inner[3];
        int shape = var[v].shape, ni = inner_dims(&w->l, shape, inner);
        hid_t sc[5][3] = {{sector}, {quantile, sector}, {times, sector}, {quantile, times, sector}, {rep, sector}};
        w->ds[v] = point_variable(w, var[v].name, H5T_NATIVE_DOUBLE, lead, ni, inner, sc[shape]);
        rc = w->ds[v] < 0 || dmi_h5_attr_text(w->ds[v], "long_name", var[v].long_name) ||
             (var[v].units && dmi_h5_attr_text(w->ds[v], "units", var[v].units)) ||
             (var[v].cell_methods && dmi_h5_attr_text(w->ds[v], "cell_methods", var[v].cell_methods));
        /* CF 3.4: a standard error is an ancillary variable of the mean it qualifies (no
         * CF-1.8 cell method or standard name modifier applies without a standard name) */
        if (!rc && var[v].se >= 0)
            rc = dmi_h5_attr_text(w->ds[v], "comment", v == V_PROB_SE ? "binomial standard error of a proportion"
                              : "sample standard deviation over the replicates (n - 1) divided by sqrt(n), n the "
                                "replicates the mean is over; NaN below two") ||
                 dmi_h5_attr_text(w->ds[var[v].se], "ancillary_variables", var[v].name);
    }
    if (!rc) {
        w->replicates = point_variable(w, "replicates", H5T_NATIVE_INT64, lead, 0, NULL, NULL);
        w->median = point_variable(w, "median_replicate", H5T_NATIVE_INT64, lead, 0, NULL, NULL);
        rc = w->replicates < 0 || w->median < 0 ||
             dmi_h5_attr_text(w->replicates, "long_name", "replicates completed at the point") ||
             dmi_h5_attr_text(w->median, "long_name", "the point's median replicate (ranked by the sector time lost)");
    }
    if (!rc) {  /* the graph each replicate ran on: the same at every point */
        hsize_t dims[1] = {R};
        for (uint64_t r = 0; r < R; r++) idx[r] = (int64_t)dm_sweep_replicate_graph(s, r);
        ds = dmi_h5_variable(w->file, "replicate_graph", H5T_NATIVE_INT64, 1, dims, NULL, NULL);
        rc = ds < 0 || (R && dmi_h5_write_all(ds, H5T_NATIVE_INT64, idx)) || H5DSattach_scale(ds, rep, 0) < 0 ||
             dmi_h5_attr_text(ds, "long_name", "graph g of the ensemble the replicate ran on (graphs_per_point; 0: the model's "
                                           "own graphs)");
        if (ds >= 0) H5Dclose(ds);
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
    rc = rc || dmi_h5_attr_text(f, "Conventions", "CF-1.8") || dmi_h5_attr_text(f, "domino_format", SWEEP_FORMAT) ||
         dmi_h5_attr_text(f, "domino_version", dm_version()) || dmi_h5_attr_text(f, "library_versions", versions) ||
         dmi_h5_attr_text(f, "created", created) || dmi_h5_attr_text(f, "command_line", command_line ? command_line : "") ||
         dmi_h5_attr_text(f, "sweep_name", s->name) || dmi_h5_attr_text(f, "sweep_file", s->file) ||
         dmi_h5_attr_text(f, "sweep_text", s->text) || dmi_h5_attr_text(f, "sweep_sha256", s->sha256) ||
         dmi_h5_attr_text(f, "scenario_file", s->scenario_file) || dmi_h5_attr_text(f, "scenario_text", s->scenario_text) ||
         dmi_h5_attr_text(f, "model_text", s->model_text ? s->model_text : "") ||
         dmi_h5_attr_text(f, "design", designs[s->design]) || dmi_h5_attr_text(f, "sweep_layout", grid ? "grid" : "points") ||
         dmi_h5_attr_int64(f, "points_in_sweep", (int64_t)s->npoints) ||
         dmi_h5_attr_int64(f, "points", (int64_t)n) || dmi_h5_attr_int64(f, "replicates_per_point", (int64_t)s->replicates) ||
         dmi_h5_attr_int64(f, "graphs_per_point", (int64_t)s->graphs) ||
         dmi_h5_attr_int64(f, "seed", (int64_t)(s->has_seed ? s->seed : s->base->seed)) ||
         dmi_h5_attr_text(f, "source", source) || inputs_attr(f, m) ||
         dmi_h5_history(f, history, command_line && *command_line ? command_line : "domino sweep (library call)");
    for (int d = 0; d < nlead; d++) if (lead[d] >= 0) H5Dclose(lead[d]);
    if (sector >= 0) H5Dclose(sector);
    if (times >= 0) H5Dclose(times);
    if (quantile >= 0) H5Dclose(quantile);
    if (rep >= 0) H5Dclose(rep);
    if (str >= 0) H5Tclose(str);
    free(idx); free(x); free(ids);
    if (rc) {
        writer_abort(w);
        return dm_error_set(err, DM_EIO, path, 0, 0, "writing the sweep file's layout failed (HDF5 error)");
    }
    return 0;
}

/* Opens variable name of a part for reading points, only if its shape is the layout's
 * (dmi_h5_open_checked): a point's cell then fits the caller's buffer. */
static hid_t open_checked(hid_t file, const layout *l, const char *name, H5T_class_t cls, int shape)
{
    hsize_t dims[H5S_MAX_RANK];
    int rank = l->lead;
    for (int d = 0; d < l->lead; d++) dims[d] = l->dims[d];
    if (shape >= 0) rank += inner_dims(l, shape, dims + l->lead);
    return dmi_h5_open_checked(file, name, cls, rank, dims, NULL);
}

static int writer_row(writer *w, size_t row, const dm_sweep_result *res, dm_error *err)
{
    size_t need = width(&w->l, 3) > width(&w->l, 4) ? width(&w->l, 3) : width(&w->l, 4);
    double *buf = malloc((need + 1) * sizeof *buf);
    int rc = !buf;
    for (int v = 0; !rc && v < NV; v++) {
        const double *data = field((dm_sweep_result *)res, v);
        if (!data) {  /* not computed: NaN */
            for (size_t i = 0; i < width(&w->l, var[v].shape); i++) buf[i] = NAN;
            data = buf;
        } else if (v == V_ONSET_Q || v == V_DUR_Q) {
            transpose(data, buf, w->l.S, Q);
            data = buf;
        }
        rc = point_io(w->ds[v], w->l.lead, row, H5T_NATIVE_DOUBLE, (void *)data, 1);
    }
    int64_t reps = (int64_t)res->stats.replicates, median = (int64_t)res->stats.median_replicate;
    rc = rc || point_io(w->replicates, w->l.lead, row, H5T_NATIVE_INT64, &reps, 1) ||
         point_io(w->median, w->l.lead, row, H5T_NATIVE_INT64, &median, 1);
    free(buf);
    return rc ? dm_error_set(err, DM_EIO, w->path, 0, 0, "writing a point to the sweep file failed (disk full?)") : 0;
}

static int writer_close(writer *w, const dm_sweep *s, dm_error *err)
{
    /* a list of points: the parameters are coordinates of the points (CF labels: xarray
     * makes them coordinates); a grid's are its dimensions' coordinate variables */
    const char **params = malloc((s->nparams + 1) * sizeof *params);
    int rc = !params;
    size_t np = w->grid ? 0 : s->nparams;
    for (size_t j = 0; !rc && j < np; j++) params[j] = s->params[j].name;
    rc = rc || dmi_h5_cf_coordinates(w->file, params, np);
    free(params);
    for (int v = 0; v < NV; v++) { rc |= H5Dclose(w->ds[v]) < 0; w->ds[v] = 0; }
    rc |= H5Dclose(w->replicates) < 0;
    rc |= H5Dclose(w->median) < 0;
    w->replicates = w->median = 0;
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
        if ((rc = writer_row(&w, i, points[i].result, err))) writer_abort(&w);
    return rc ? rc : writer_close(&w, s, err);
}

/* ---- reading parts, merging ---- */

typedef struct part {
    hid_t file;
    dm_sweep *sweep;
    size_t n;
    int64_t *points;
    int grid;  /* the layout: a grid's dimensions, or a list of points */
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
    char *format = dmi_h5_read_attr_text(p->file, "domino_format"), *text = dmi_h5_read_attr_text(p->file, "sweep_text"),
         *file = dmi_h5_read_attr_text(p->file, "sweep_file"), *stext = dmi_h5_read_attr_text(p->file, "scenario_text"),
         *sfile = dmi_h5_read_attr_text(p->file, "scenario_file"), *mtext = dmi_h5_read_attr_text(p->file, "model_text"),
         *layout_name = dmi_h5_read_attr_text(p->file, "sweep_layout");
    int rc = 0;
    if (format && !strcmp(format, "domino-sweep 1"))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "a sweep file of an older domino (format 'domino-sweep 1', without "
                          "standard errors): run its sweep again into a new file");
    else if (!format || strcmp(format, SWEEP_FORMAT))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "not a domino sweep file (expected domino_format '%s')", SWEEP_FORMAT);
    else if (!text || !file || !stext || !sfile || !mtext || !layout_name)
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "incomplete sweep file: its sweep, scenario or model text, or its "
                          "layout, is missing");
    else if (strcmp(layout_name, "grid") && strcmp(layout_name, "points"))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "sweep_layout: expected grid or points, found '%.40s'", layout_name);
    else {
        dm_error sub;
        dm_error_clear(&sub);
        p->grid = !strcmp(layout_name, "grid");
        if (dm_sweep_from_texts(text, file, stext, sfile, mtext, &p->sweep, &sub))
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "the sweep stored in the file does not load: %s", sub.message);
    }
    if (!rc) {
        /* the texts are stored, the input files are read again: their SHA-256 then differ
         * from the stored sweep_sha256 when a graph or pairs file changed */
        char *stored = dmi_h5_read_attr_text(p->file, "sweep_sha256"), *inputs = dmi_h5_read_attr_text(p->file, "input_sha256");
        if (!stored || strcmp(stored, p->sweep->sha256))
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "holds another sweep: the files its model reads changed since it "
                              "was written (it lists: %s): remove it, or restore the input files",
                              inputs && *inputs ? inputs : "none");
        free(stored);
        free(inputs);
    }
    if (!rc && p->grid) {  /* every point of the grid, in the design's order */
        p->n = p->sweep->npoints;
        if (p->sweep->design != DM_DESIGN_GRID || p->sweep->nparams + 3 > H5S_MAX_RANK)
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "sweep_layout grid, but its sweep's design is not a grid");
        else if (!(p->points = malloc((p->n + 1) * sizeof *p->points)))
            rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
        /* `point` says which point of the design each cell holds: the design's order */
        hsize_t dims[H5S_MAX_RANK];
        for (size_t j = 0; !rc && j < p->sweep->nparams; j++) dims[j] = p->sweep->params[j].nvalues;
        hid_t ds = rc ? -1 : dmi_h5_open_checked(p->file, "point", H5T_INTEGER, (int)p->sweep->nparams, dims, NULL);
        if (!rc && (ds < 0 || (p->n && H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, p->points) < 0)))
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "cannot read the point variable (missing, or not the grid's shape)");
        for (size_t i = 0; !rc && i < p->n; i++)
            if (p->points[i] != (int64_t)i)
                rc = dm_error_set(err, DM_EDATA, path, 0, 0, "the grid's cell %zu holds point %lld: expected the design's "
                                  "order", i, (long long)p->points[i]);
        if (ds >= 0) H5Dclose(ds);
    } else if (!rc) {
        const hsize_t any[1] = {H5_ANY};
        hid_t ds = dmi_h5_open_checked(p->file, "point", H5T_INTEGER, 1, any, NULL), space = ds >= 0 ? H5Dget_space(ds) : -1;
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
    free(format); free(text); free(file); free(stext); free(sfile); free(mtext); free(layout_name);
    if (rc) part_close(p);
    return rc;
}

/* Reads the point in row `row` of part p (the point's index in a grid) into res, whose
 * arrays are of layout l (S, K, R); every variable's shape is checked first. */
static int part_row(part *p, const layout *l, size_t row, dm_sweep_result *res, double *buf, const char *path,
                    dm_error *err)
{
    layout pl = *l;  /* the part's leading dimensions */
    pl.lead = p->grid ? (int)p->sweep->nparams : 1;
    for (int d = 0; d < pl.lead; d++) pl.dims[d] = p->grid ? p->sweep->params[d].nvalues : p->n;
    int rc = 0;
    for (int v = 0; !rc && v < NV; v++) {
        hid_t ds = open_checked(p->file, &pl, var[v].name, H5T_FLOAT, var[v].shape);
        double *dst = field(res, v);
        rc = ds < 0 || point_io(ds, pl.lead, row, H5T_NATIVE_DOUBLE, v == V_ONSET_Q || v == V_DUR_Q ? buf : dst, 0);
        if (!rc && (v == V_ONSET_Q || v == V_DUR_Q)) transpose(buf, dst, Q, l->S);
        if (ds >= 0) H5Dclose(ds);
    }
    int64_t reps = 0, median = 0;
    hid_t a = rc ? -1 : open_checked(p->file, &pl, "replicates", H5T_INTEGER, -1),
          b = rc ? -1 : open_checked(p->file, &pl, "median_replicate", H5T_INTEGER, -1);
    rc = rc || a < 0 || b < 0 || point_io(a, pl.lead, row, H5T_NATIVE_INT64, &reps, 0) ||
         point_io(b, pl.lead, row, H5T_NATIVE_INT64, &median, 0) || reps < 0 || median < 0;
    if (a >= 0) H5Dclose(a);
    if (b >= 0) H5Dclose(b);
    res->stats.replicates = (uint64_t)reps;
    res->stats.median_replicate = (uint64_t)median;
    return rc ? dm_error_set(err, DM_EDATA, path, 0, 0, "cannot read point row %zu (missing variable, wrong shape or corrupt)", row) : 0;
}

/* A result's arrays for layout l, to read points into. */
static int result_alloc(dm_sweep_result *r, const layout *l)
{
    memset(r, 0, sizeof *r);
    size_t S = l->S;
    dm_stats *st = &r->stats;
    return (st->breach_probability = calloc(S + 1, sizeof(double))) && (st->onset_mean = calloc(S + 1, sizeof(double))) &&
           (st->onset_q = calloc(S * Q + 1, sizeof(double))) && (st->duration_mean = calloc(S + 1, sizeof(double))) &&
           (st->duration_q = calloc(S * Q + 1, sizeof(double))) && (st->expected_unit_hours = calloc(S + 1, sizeof(double))) &&
           (st->expected_economic_loss = calloc(S + 1, sizeof(double))) &&
           (st->level_mean = calloc(l->K * S + 1, sizeof(double))) && (st->level_q = calloc(Q * l->K * S + 1, sizeof(double))) &&
           (r->probability_se = calloc(S + 1, sizeof(double))) && (r->onset_se = calloc(S + 1, sizeof(double))) &&
           (r->duration_se = calloc(S + 1, sizeof(double))) && (r->unit_hours_se = calloc(S + 1, sizeof(double))) &&
           (r->loss_se = calloc(S + 1, sizeof(double))) && (r->level_se = calloc(l->K * S + 1, sizeof(double))) &&
           (r->final_level = calloc((size_t)l->R * S + 1, sizeof(double)))
               ? 0 : -1;
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
    dm_sweep_result res;
    memset(&res, 0, sizeof res);
    double *buf = NULL;
    if (!rc && !points) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    /* CF history: the first part's lines, then this merge */
    char *history = rc ? NULL : dmi_h5_read_attr_text(p[0].file, "history");
    if (!rc && !(rc = writer_open(&w, path, s, points, count, command_line, history, err))) {
        buf = malloc((Q * w.l.S + 1) * sizeof *buf);
        if (!buf || result_alloc(&res, &w.l)) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
        for (size_t r = 0; !rc && r < count; r++) {
            size_t pt = points[r];
            rc = part_row(&p[from_part[pt]], &w.l, from_row[pt], &res, buf, parts[from_part[pt]], err) ||
                 writer_row(&w, r, &res, err);
        }
        if (rc) writer_abort(&w);
        else rc = writer_close(&w, s, err);
    }
    free(history);
    dm_sweep_result_free(&res);
    free(buf); free(points); free(from_part); free(from_row);
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
