/* Reading a result file back (include/domino/output.h). A file may be anything: every
 * size, index and value is checked before it is used, and every failure is an error
 * naming the file and what was wrong with it (exit code 65), never a crash. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "domino/output.h"
#include "core/h5util.h"
#include "core/files.h"
#include "core/hash.h"

/* A read that failed: the file's fault (65), unless an allocation failed on the way
 * (errno ENOMEM, cleared when the read began), which is out of memory (70). */
static int bad(dm_error *err, const char *path, const char *fmt, const char *what)
{
    if (errno == ENOMEM) return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory reading the file");
    return dm_error_set(err, DM_EDATA, path, 0, 0, fmt, what);
}

/* Reads rows [start, start + count) of variable `name` into buf: a 1-D variable (rank 1)
 * or a 2-D one whose rows hold `width` elements. Rank, row width and type class are
 * checked before anything is read (dmi_h5_open_checked), so buf, sized count x width by the
 * caller, holds exactly what is read. */
static int read_rows(hid_t file, const char *name, hid_t memtype, int rank, hsize_t start, hsize_t count,
                     size_t width, void *buf)
{
    const hsize_t dims[2] = {H5_ANY, width};
    hid_t ds = dmi_h5_open_checked(file, name, H5Tget_class(memtype), rank, dims, NULL);
    int rc = ds < 0 || dmi_h5_rows(ds, memtype, start, count, buf, 0) ? -1 : 0;
    if (ds >= 0) H5Dclose(ds);
    return rc;
}

/* Length of dimension 0 of a variable, or -1. */
static int64_t length(hid_t file, const char *name)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT), space = ds >= 0 ? H5Dget_space(ds) : -1;
    hsize_t dims[8];
    int64_t len = -1;
    if (space >= 0 && H5Sget_simple_extent_ndims(space) >= 1 && H5Sget_simple_extent_ndims(space) <= 8 &&
        H5Sget_simple_extent_dims(space, dims, NULL) >= 0)
        len = (int64_t)dims[0];
    if (space >= 0) H5Sclose(space);
    if (ds >= 0) H5Dclose(ds);
    return len;
}

static void result_free(dm_engine_result *r)
{
    free(r->events); free(r->breaches); free(r->region_breaches); free(r->sectors); free(r->hazard_start); free(r->hazard_end);
    memset(r, 0, sizeof *r);
}

void dm_h5_close(dm_result_file *f)
{
    if (!f) return;
    if (f->file_id > 0) H5Fclose((hid_t)f->file_id);
    dm_scenario_free(f->scenario);
    free(f->path); free(f->status); free(f->created); free(f->domino_version); free(f->command_line);
    free(f->model_sha256); free(f->scenario_file); free(f->breach_probability);
    result_free(&f->res);
    free(f);
}

/* The files a result file stored (/inputs: write_inputs in h5write.c), for the loader. */
static int read_inputs(hid_t file, dm_stored_input **out, size_t *count)
{
    *count = 0;
    /* never NULL: the loader then takes every input from here, none from the disk */
    if (!(*out = calloc(1, sizeof **out))) return -1;
    if (H5Lexists(file, "inputs", H5P_DEFAULT) <= 0) return 0;  /* the model read no file */
    free(*out);
    *out = NULL;
    hid_t group = H5Gopen2(file, "inputs", H5P_DEFAULT);
    H5G_info_t info;
    if (group < 0 || H5Gget_info(group, &info) < 0) { if (group >= 0) H5Gclose(group); return -1; }
    dm_stored_input *in = calloc(info.nlinks + 1, sizeof *in);
    int rc = in ? 0 : -1;
    char name[32];
    /* /inputs/0, 1, ... (beside them, their dimensions bytes_0, ...: h5write.c) */
    for (hsize_t k = 0; !rc && k < info.nlinks &&
                        (snprintf(name, sizeof name, "%llu", (unsigned long long)k), H5Lexists(group, name, H5P_DEFAULT) > 0); k++) {
        const hsize_t any[1] = {H5_ANY};
        hsize_t len = 0;
        hid_t ds = dmi_h5_open_checked(group, name, H5T_INTEGER, 1, any, &len);  /* bytes: 1-D */
        unsigned char *data = NULL;
        char *p = ds >= 0 ? dmi_h5_read_attr_text(ds, "path") : NULL, *sha = ds >= 0 ? dmi_h5_read_attr_text(ds, "sha256") : NULL;
        char found[65];
        rc = ds < 0 || !p || !sha || !(data = malloc(len + 1)) ||
             (len && H5Dread(ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) ? -1 : 0;
        if (!rc) dmi_sha256_hex(data, (size_t)len, found);
        if (!rc && strcmp(found, sha)) rc = -1;  /* the bytes are not the file the run read */
        free(sha);
        in[k] = (dm_stored_input){p, data, (size_t)len};
        *count = (size_t)k + 1;
        if (ds >= 0) H5Dclose(ds);
    }
    H5Gclose(group);
    *out = in;
    return rc;
}

static void free_inputs(dm_stored_input *in, size_t count)
{
    for (size_t k = 0; in && k < count; k++) { free((char *)in[k].path); free((unsigned char *)in[k].data); }
    free(in);
}

int dm_h5_open(const char *path, dm_result_file **out, dm_error *err)
{
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    errno = 0;  /* ENOMEM from here on: an allocation failed (bad) */
    if (access(path, R_OK) != 0) return dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot read the file");
    if (H5Fis_hdf5(path) <= 0)
        return bad(err, path, "%s", "not an HDF5 file (or its first bytes are damaged): expected a domino result file");
    dm_result_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) { free(f); return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rc = 0;
    char *format = NULL, *scenario_text = NULL, *model_text = NULL;
    dm_stored_input *inputs = NULL;
    size_t ninputs = 0;
    if (file < 0) { rc = bad(err, path, "%s", "HDF5 cannot open the file: it is truncated or corrupt"); goto done; }
    f->file_id = file;
    format = dmi_h5_read_attr_text(file, "domino_format");
    if (!format) { rc = bad(err, path, "%s", "not a domino result file: expected the global attribute domino_format"); goto done; }
    if (strcmp(format, DM_RESULT_FORMAT)) {
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "expected a result file of format '%s', found format '%s'",
                          DM_RESULT_FORMAT, format);
        goto done;
    }
    scenario_text = dmi_h5_read_attr_text(file, "scenario_text");
    model_text = dmi_h5_read_attr_text(file, "model_text");
    f->status = dmi_h5_read_attr_text(file, "status");
    f->created = dmi_h5_read_attr_text(file, "created");
    f->domino_version = dmi_h5_read_attr_text(file, "domino_version");
    f->command_line = dmi_h5_read_attr_text(file, "command_line");
    f->model_sha256 = dmi_h5_read_attr_text(file, "model_sha256");
    f->scenario_file = dmi_h5_read_attr_text(file, "scenario_file");
    int64_t reps, requested, first, median, seed, tick;
    if (!scenario_text || !model_text || !f->status || !f->created || !f->domino_version || !f->command_line ||
        !f->model_sha256 || !f->scenario_file || dmi_h5_read_attr_int64(file, "replicates", &reps) ||
        dmi_h5_read_attr_int64(file, "replicates_requested", &requested) ||
        dmi_h5_read_attr_int64(file, "first_replicate", &first) || dmi_h5_read_attr_int64(file, "median_replicate", &median) ||
        dmi_h5_read_attr_int64(file, "seed", &seed) || dmi_h5_read_attr_int64(file, "tick_seconds", &tick) ||
        reps < 0 || requested < 0 || first < 0 || median < 0 || seed < 0) {
        rc = bad(err, path, "%s", "incomplete result file: a global attribute (scenario_text, replicates, seed, ...) "
                 "is missing or unreadable; was the run interrupted before it finished?");
        goto done;
    }
    f->replicates = (uint64_t)reps;
    f->replicates_requested = (uint64_t)requested;
    f->first_replicate = (uint64_t)first;
    f->median_replicate = (uint64_t)median;

    /* Rebuild the scenario from the stored texts and input files: the run does not depend
     * on files that may have changed or gone since. */
    char name[600];
    dm_error sub;
    dm_error_clear(&sub);
    dm_model *model = NULL;
    if (read_inputs(file, &inputs, &ninputs)) {
        rc = bad(err, path, "%s", "cannot read the stored input files (/inputs: corrupt or incomplete, or a file's "
                 "bytes do not match its SHA-256)");
        goto done;
    }
    snprintf(name, sizeof name, "%s:model_text", path);
    if (*model_text && dm_model_parse_stored(model_text, strlen(model_text), name, inputs, ninputs, &model, &sub)) {
        char why[1200];  /* file:line of the stored text, or of a graph file it names */
        rc = dm_error_set(err, sub.code == DM_ESOFTWARE ? DM_ESOFTWARE : DM_EDATA, path, 0, 0, "the stored model does not load: %s", dm_error_format(&sub, why, sizeof why));
        goto done;
    }
    snprintf(name, sizeof name, "%s:scenario_text", path);
    if ((model ? dm_scenario_parse_with_model_stored(scenario_text, strlen(scenario_text), name, model, inputs, ninputs, &f->scenario, &sub)
               : dm_scenario_parse_stored(scenario_text, strlen(scenario_text), name, inputs, ninputs, &f->scenario, &sub))) {
        rc = dm_error_set(err, sub.code == DM_ESOFTWARE ? DM_ESOFTWARE : DM_EDATA, path, 0, 0, "the stored scenario does not load: %s (line %d)", sub.message, sub.line);
        goto done;
    }
    dm_scenario *sc = f->scenario;
    sc->seed = (uint64_t)seed;  /* a --seed given on the command line */
    if (tick != sc->tick_s) { rc = bad(err, path, "%s", "tick_seconds does not match the stored scenario"); goto done; }
    size_t S = sc->model->nsectors;
    if (length(file, "sector") != (int64_t)S || length(file, "node") != (int64_t)sc->model->nnodes ||
        length(file, "replicate") != reps) {
        rc = bad(err, path, "%s", "the sector, node or replicate dimension does not match the stored model and run");
        goto done;
    }
    const hsize_t sectors[1] = {S};  /* exactly one value per sector */
    hid_t bp = dmi_h5_open_checked(file, "breach_probability", H5T_FLOAT, 1, sectors, NULL);
    int bad_bp = bp < 0 || !(f->breach_probability = calloc(S + 1, sizeof(double))) ||
                 dmi_h5_rows(bp, H5T_NATIVE_DOUBLE, 0, S, f->breach_probability, 0);
    if (bp >= 0) H5Dclose(bp);
    if (bad_bp) {
        rc = bad(err, path, "%s", "cannot read breach_probability (missing, wrong shape or corrupt)");
        goto done;
    }
done:
    free(format); free(scenario_text); free(model_text);
    free_inputs(inputs, ninputs);
    if (rc) dm_h5_close(f);
    else *out = f;
    return rc;
}

/* The contiguous rows [lo, hi) of a per-event or per-breach variable whose replicate
 * column equals r (rows are stored in replicate order). */
static int rows_of(hid_t file, const char *name, int64_t r, hsize_t *lo, hsize_t *hi)
{
    int64_t n = length(file, name);
    if (n < 0) return -1;
    int64_t *rep = malloc(((size_t)n + 1) * sizeof *rep);
    if (!rep || read_rows(file, name, H5T_NATIVE_INT64, 1, 0, (hsize_t)n, 1, rep)) { free(rep); return -1; }
    int64_t a = 0;
    while (a < n && rep[a] != r) a++;
    int64_t b = a;
    while (b < n && rep[b] == r) b++;
    for (int64_t i = b; i < n; i++)
        if (rep[i] == r) { free(rep); return -1; }  /* not contiguous: not written by domino */
    free(rep);
    *lo = (hsize_t)a;
    *hi = (hsize_t)b;
    return 0;
}

/* Replicate r's events, recomputed from the file's scenario: a replicate is a function of
 * (scenario, seed, r), so these are the events the run logged. */
static int recompute_events(dm_result_file *f, uint64_t r, dm_engine_result *res, dm_error *err)
{
    dm_engine *e = NULL;
    int rc = dm_engine_new(f->scenario, &e, err);
    if (!rc) rc = dm_engine_run(e, r, err);
    if (!rc) {
        const dm_engine_result *x = dm_engine_results(e);
        if ((res->events = malloc((x->nevents + 1) * sizeof *res->events))) {
            memcpy(res->events, x->events, x->nevents * sizeof *res->events);
            res->nevents = x->nevents;
        } else {
            rc = dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory recomputing replicate %llu",
                              (unsigned long long)r);
        }
    }
    dm_engine_free(e);
    return rc;
}

int dm_h5_read_replicate(dm_result_file *f, uint64_t r, const dm_engine_result **out, dm_error *err)
{
    hid_t file = (hid_t)f->file_id;
    const dm_scenario *sc = f->scenario;
    const dm_model *m = sc->model;
    size_t S = m->nsectors, H = sc->nhazards, n = m->nnodes;
    double minutes = (double)sc->tick_s / 60.0;
    dm_engine_result *res = &f->res;
    result_free(res);
    errno = 0;  /* ENOMEM from here on: an allocation failed (bad) */
    *out = NULL;
    res->replicate = r;
    res->tick_s = sc->tick_s;
    res->horizon = dm_scenario_ticks(sc, sc->horizon_s);

    /* which row holds replicate r */
    int64_t *reps = malloc((f->replicates + 1) * sizeof *reps);
    if (!reps || read_rows(file, "replicate", H5T_NATIVE_INT64, 1, 0, f->replicates, 1, reps)) {
        free(reps);
        return bad(err, f->path, "%s", "cannot read the replicate coordinate");
    }
    int64_t row = -1;
    for (uint64_t i = 0; i < f->replicates && row < 0; i++)
        if (reps[i] == (int64_t)r) row = (int64_t)i;
    free(reps);
    if (row < 0)
        return dm_error_set(err, DM_EUSAGE, f->path, 0, 0, "replicate %llu is not in the file (it holds %llu replicates from %llu)",
                            (unsigned long long)r, (unsigned long long)f->replicates, (unsigned long long)f->first_replicate);

    double *tmp = malloc((4 * S + 2 * H + 1) * sizeof *tmp);
    res->sectors = calloc(S + 1, sizeof *res->sectors);
    res->hazard_start = calloc(H + 1, sizeof(double));
    res->hazard_end = calloc(H + 1, sizeof(double));
    if (!tmp || !res->sectors || !res->hazard_start || !res->hazard_end) {
        free(tmp);
        return dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory");
    }
    if (read_rows(file, "min_level", H5T_NATIVE_DOUBLE, 2, (hsize_t)row, 1, S, tmp) ||
        read_rows(file, "final_level", H5T_NATIVE_DOUBLE, 2, (hsize_t)row, 1, S, tmp + S) ||
        read_rows(file, "unserved_unit_hours", H5T_NATIVE_DOUBLE, 2, (hsize_t)row, 1, S, tmp + 2 * S) ||
        read_rows(file, "hazard_start", H5T_NATIVE_DOUBLE, 2, (hsize_t)row, 1, H, tmp + 3 * S) ||
        read_rows(file, "hazard_end", H5T_NATIVE_DOUBLE, 2, (hsize_t)row, 1, H, tmp + 3 * S + H) ||
        read_rows(file, "economic_loss", H5T_NATIVE_DOUBLE, 2, (hsize_t)row, 1, S, tmp + 3 * S + 2 * H)) {
        free(tmp);
        return bad(err, f->path, "%s", "cannot read the per-replicate variables (min_level, final_level, "
                   "unserved_unit_hours, economic_loss, hazard_start, hazard_end): missing, wrong shape or corrupt");
    }
    for (size_t s = 0; s < S; s++)
        res->sectors[s] = (dm_sector_result){tmp[s], tmp[S + s], tmp[2 * S + s], tmp[3 * S + 2 * H + s], -1};
    for (size_t h = 0; h < H; h++) {
        res->hazard_start[h] = round(tmp[3 * S + h] / minutes);
        res->hazard_end[h] = isnan(tmp[3 * S + H + h]) ? -1 : round(tmp[3 * S + H + h] / minutes);
    }
    free(tmp);

    /* events: a file may keep only the median replicate's (docs/output-format.md); the
     * others are recomputed from the stored scenario and (seed, replicate): same bits */
    hsize_t lo, hi;
    char *events_of = H5Aexists(file, "event_replicates") > 0 ? dmi_h5_read_attr_text(file, "event_replicates") : NULL;
    int recompute = events_of && !strcmp(events_of, "median") && r != f->median_replicate;
    free(events_of);
    if (recompute) {
        int failed = recompute_events(f, r, res, err);
        if (failed) return failed;
        goto breaches;
    }
    if (H5Lexists(file, "event_replicate", H5P_DEFAULT) <= 0)
        return bad(err, f->path, "%s", "the file stores no events (the run had --store without 'events')");
    if (rows_of(file, "event_replicate", (int64_t)r, &lo, &hi))
        return bad(err, f->path, "%s", "cannot read event_replicate, or its rows are not grouped by replicate");
    size_t ne = (size_t)(hi - lo);
    double *t = malloc((ne + 1) * sizeof *t), *value = malloc((ne + 1) * sizeof *value);
    int *cols = malloc((5 * ne + 1) * sizeof *cols);
    res->events = calloc(ne + 1, sizeof *res->events);
    int rc = !t || !value || !cols || !res->events;
    if (!rc && (read_rows(file, "event_time", H5T_NATIVE_DOUBLE, 1, lo, ne, 1, t) ||
                read_rows(file, "event_value", H5T_NATIVE_DOUBLE, 1, lo, ne, 1, value) ||
                read_rows(file, "event_node", H5T_NATIVE_INT, 1, lo, ne, 1, cols) ||
                read_rows(file, "event_kind", H5T_NATIVE_INT, 1, lo, ne, 1, cols + ne) ||
                read_rows(file, "event_cause_node", H5T_NATIVE_INT, 1, lo, ne, 1, cols + 2 * ne) ||
                read_rows(file, "event_group", H5T_NATIVE_INT, 1, lo, ne, 1, cols + 3 * ne) ||
                read_rows(file, "event_hazard", H5T_NATIVE_INT, 1, lo, ne, 1, cols + 4 * ne)))
        rc = 2;
    for (size_t i = 0; rc == 0 && i < ne; i++) {
        dm_event *ev = &res->events[i];
        int node = cols[i], kind = cols[ne + i], cause = cols[2 * ne + i], group = cols[3 * ne + i], hz = cols[4 * ne + i];
        double tick = t[i] / minutes;
        if (node < 0 || (size_t)node >= n || kind < 0 || kind >= DM_EV_NKINDS || cause < -1 || cause >= (int)n ||
            group < -1 || group >= (int)m->ngroups || hz < -1 || hz >= (int)H || !(tick >= 0) ||
            tick > (double)res->horizon)
            rc = 3;
        else
            *ev = (dm_event){(int64_t)llround(tick), node, (dm_event_kind)kind, cause, group, hz, value[i]};
    }
    res->nevents = ne;
    free(t); free(value); free(cols);
    if (rc == 1) return dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory reading events");
    if (rc == 2) return bad(err, f->path, "%s", "cannot read the event variables (missing, wrong shape or corrupt)");
    if (rc == 3) return bad(err, f->path, "%s", "an event refers to a node, kind, group or hazard that does not exist, "
                            "or lies outside the horizon");

breaches:
    if (rows_of(file, "breach_replicate", (int64_t)r, &lo, &hi))
        return bad(err, f->path, "%s", "cannot read breach_replicate, or its rows are not grouped by replicate");
    size_t nb = (size_t)(hi - lo);
    double *bd = malloc((5 * nb + 1) * sizeof *bd);
    int *bs = malloc((2 * nb + 1) * sizeof *bs), *br = bs ? bs + nb : NULL;
    res->breaches = calloc(nb + 1, sizeof *res->breaches);
    res->region_breaches = calloc(nb + 1, sizeof *res->region_breaches);
    rc = !bd || !bs || !res->breaches || !res->region_breaches;
    for (size_t i = 0; !rc && i < nb; i++) br[i] = -1;  /* a file without regional breaches */
    if (!rc && H5Lexists(file, "breach_region", H5P_DEFAULT) > 0 && read_rows(file, "breach_region", H5T_NATIVE_INT, 1, lo, nb, 1, br))
        rc = 2;
    if (!rc && (read_rows(file, "breach_sector", H5T_NATIVE_INT, 1, lo, nb, 1, bs) ||
                read_rows(file, "breach_onset", H5T_NATIVE_DOUBLE, 1, lo, nb, 1, bd) ||
                read_rows(file, "breach_confirmed", H5T_NATIVE_DOUBLE, 1, lo, nb, 1, bd + nb) ||
                read_rows(file, "breach_end", H5T_NATIVE_DOUBLE, 1, lo, nb, 1, bd + 2 * nb) ||
                read_rows(file, "breach_peak", H5T_NATIVE_DOUBLE, 1, lo, nb, 1, bd + 3 * nb) ||
                read_rows(file, "breach_unit_hours", H5T_NATIVE_DOUBLE, 1, lo, nb, 1, bd + 4 * nb)))
        rc = 2;
    for (size_t i = 0; rc == 0 && i < nb; i++) {
        double onset = bd[i] / minutes, confirmed = bd[nb + i] / minutes, end = bd[2 * nb + i] / minutes;
        if (bs[i] < 0 || (size_t)bs[i] >= S || !(onset >= 0) || !(confirmed >= onset) ||
            confirmed > (double)res->horizon || !(isnan(end) || (end >= onset && end <= (double)res->horizon)) ||
            br[i] < -1 || br[i] >= (int)sc->model->nregions)
            rc = 3;
        else if (br[i] < 0)
            res->breaches[res->nbreaches++] = (dm_breach){bs[i], llround(onset), llround(confirmed), isnan(end) ? -1 : llround(end),
                                                          bd[3 * nb + i], bd[4 * nb + i], -1};
        else
            res->region_breaches[res->nregion_breaches++] = (dm_breach){bs[i], llround(onset), llround(confirmed),
                                                                        isnan(end) ? -1 : llround(end), bd[3 * nb + i], bd[4 * nb + i], br[i]};
    }
    free(bd); free(bs);
    if (rc == 1) return dm_error_set(err, DM_ESOFTWARE, f->path, 0, 0, "out of memory reading breaches");
    if (rc == 2) return bad(err, f->path, "%s", "cannot read the breach variables (missing, wrong shape or corrupt)");
    if (rc == 3) return bad(err, f->path, "%s", "a breach names a sector or region that does not exist or has impossible times");
    for (size_t i = res->nbreaches; i-- > 0;) res->sectors[res->breaches[i].sector].first_breach = (int)i;
    *out = res;
    return 0;
}

dm_file_kind dm_h5_kind(const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0 || H5Fis_hdf5(path) <= 0) return DM_FILE_OTHER;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return DM_FILE_OTHER;
    char *format = dmi_h5_read_attr_text(file, "domino_format");
    H5Fclose(file);
    /* the family, whatever its version: each reader checks the version it reads */
    dm_file_kind kind = !format                                   ? DM_FILE_OTHER
                        : !strncmp(format, "domino-result", 13)   ? DM_FILE_RESULT
                        : !strncmp(format, "domino-sweep", 12)    ? DM_FILE_SWEEP
                        : !strncmp(format, "domino-analysis", 15) ? DM_FILE_ANALYSIS
                                                                   : DM_FILE_OTHER;
    free(format);
    return kind;
}
