/* HDF5 helpers for netCDF-4 compatible files: see h5util.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "domino/model.h"
#include <time.h>
#include <hdf5_hl.h>
#include "core/h5util.h"

/* netCDF-4 reads fixed-length, NUL-terminated string attributes as text (NC_CHAR). */
int dmi_h5_attr_text(hid_t loc, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
    int rc = -1;
    if (type >= 0 && space >= 0 && H5Tset_size(type, len ? len : 1) >= 0 &&
        H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0 &&
        (attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(attr, type, len ? value : "") < 0 ? -1 : 0;
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return rc;
}

static int attr_array(hid_t loc, const char *name, hid_t filetype, hid_t memtype, const void *v, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL), attr = -1;
    int rc = -1;
    if (space >= 0 && (attr = H5Acreate2(loc, name, filetype, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(attr, memtype, v) < 0 ? -1 : 0;
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    return rc;
}

int dmi_h5_attr_double(hid_t loc, const char *name, double value)
{
    return attr_array(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 1);
}

int dmi_h5_attr_int64(hid_t loc, const char *name, int64_t value)
{
    return attr_array(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, 1);
}

int dmi_h5_attr_doubles(hid_t loc, const char *name, const double *values, size_t n)
{
    return attr_array(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values, n);
}

int dmi_h5_attr_ints(hid_t loc, const char *name, const int *values, size_t n)
{
    return attr_array(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, values, n);
}

hid_t dmi_h5_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* The file type that stores a native memory type (little-endian, as netCDF writes). */
static hid_t file_type(hid_t type)
{
    if (H5Tequal(type, H5T_NATIVE_DOUBLE) > 0) return H5T_IEEE_F64LE;
    if (H5Tequal(type, H5T_NATIVE_FLOAT) > 0) return H5T_IEEE_F32LE;
    if (H5Tequal(type, H5T_NATIVE_INT64) > 0) return H5T_STD_I64LE;
    if (H5Tequal(type, H5T_NATIVE_INT) > 0) return H5T_STD_I32LE;
    return type;  /* strings */
}

static hid_t variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                      const hsize_t *maxdims, const hsize_t *chunk, int with_fill, int shuffle)
{
    hid_t space = H5Screate_simple(rank, dims, maxdims), dcpl = H5Pcreate(H5P_DATASET_CREATE), ds = -1;
    int is_string = H5Tget_class(type) == H5T_STRING;
    double fill_d = NAN;
    float fill_f = NAN;
    int64_t fill_i64 = -1;
    int fill_i = -1;
    const void *fill = H5Tequal(type, H5T_NATIVE_FLOAT) > 0 ? (const void *)&fill_f
                     : H5Tequal(type, H5T_NATIVE_DOUBLE) > 0 ? (const void *)&fill_d
                     : H5Tequal(type, H5T_NATIVE_INT64) > 0 ? (const void *)&fill_i64
                     : (const void *)&fill_i;
    if (space < 0 || dcpl < 0) goto done;
    if (H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) goto done;
    if (chunk) {
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) goto done;
        if (!is_string && ((shuffle && H5Pset_shuffle(dcpl) < 0) || H5Pset_deflate(dcpl, 1) < 0)) goto done;
    }
    if (!is_string && with_fill && H5Pset_fill_value(dcpl, type, fill) < 0) goto done;
    ds = H5Dcreate2(file, name, file_type(type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds >= 0 && !is_string && with_fill &&
        attr_array(ds, "_FillValue", file_type(type), type, fill, 1) < 0) {
        H5Dclose(ds);
        ds = -1;
    }
done:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return ds;
}

hid_t dmi_h5_open_checked(hid_t loc, const char *name, H5T_class_t cls, int rank, const hsize_t *dims, hsize_t *found)
{
    if (rank < 1 || rank > H5S_MAX_RANK || H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT), space = ds >= 0 ? H5Dget_space(ds) : -1,
          type = ds >= 0 ? H5Dget_type(ds) : -1;
    hsize_t d[H5S_MAX_RANK];
    int ok = space >= 0 && type >= 0 && H5Sget_simple_extent_type(space) == H5S_SIMPLE &&
             H5Sget_simple_extent_ndims(space) == rank && H5Sget_simple_extent_dims(space, d, NULL) == rank &&
             H5Tget_class(type) == cls;
    for (int i = 0; ok && i < rank; i++) ok = dims[i] == H5_ANY || dims[i] == d[i];
    if (ok && found) memcpy(found, d, (size_t)rank * sizeof *d);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (!ok && ds >= 0) { H5Dclose(ds); ds = -1; }
    return ds;
}

hid_t dmi_h5_variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const hsize_t *maxdims, const hsize_t *chunk)
{
    /* Integers are indices and counts, always written, where -1 means "none": a
     * _FillValue would make xarray mask them and turn them into floats. */
    return variable(file, name, type, rank, dims, maxdims, chunk, H5Tget_class(type) == H5T_FLOAT, 1);
}

hid_t dmi_h5_series_variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                             const hsize_t *maxdims, const hsize_t *chunk)
{
    return variable(file, name, type, rank, dims, maxdims, chunk, H5Tget_class(type) == H5T_FLOAT, 0);
}

hid_t dmi_h5_coordinate(hid_t loc, const char *name, hid_t type, hsize_t len, int unlimited, const void *values,
                    const char *long_name, const char *units)
{
    hsize_t dims[1] = {unlimited ? 0 : len}, maxdims[1] = {unlimited || !len ? H5S_UNLIMITED : len};
    hsize_t chunk[1] = {unlimited ? 1024 : 1};
    hid_t ds = variable(loc, name, type, 1, dims, maxdims, unlimited || !len ? chunk : NULL, 0, 1);
    if (ds < 0 || H5DSset_scale(ds, name) < 0 || (!unlimited && len && dmi_h5_write_all(ds, type, values)) ||
        dmi_h5_attr_text(ds, "long_name", long_name) || (units && dmi_h5_attr_text(ds, "units", units))) {
        if (ds >= 0) H5Dclose(ds);
        return -1;
    }
    return ds;
}

hid_t dmi_h5_labelled_dimension(hid_t loc, const char *name, size_t n, const char *const *ids, const char *what)
{
    int *index = malloc((n + 1) * sizeof *index);
    hid_t str = dmi_h5_string_type(), ds = -1, id = -1;
    char long_name[160], id_name[128];
    snprintf(long_name, sizeof long_name, "index of the %s (0, 1, ...); %s_id names it", what, name);
    snprintf(id_name, sizeof id_name, "%s_id", name);
    for (size_t i = 0; index && i < n; i++) index[i] = (int)i;
    int rc = !index || str < 0 || (ds = dmi_h5_coordinate(loc, name, H5T_NATIVE_INT, n, 0, index, long_name, NULL)) < 0;
    if (!rc) {
        hsize_t dims[1] = {n};
        snprintf(long_name, sizeof long_name, "%s id", what);
        id = variable(loc, id_name, str, 1, dims, NULL, NULL, 0, 1);
        rc = id < 0 || (n && dmi_h5_write_all(id, str, ids)) || H5DSattach_scale(id, ds, 0) < 0 ||
             dmi_h5_attr_text(id, "long_name", long_name);
    }
    if (id >= 0) H5Dclose(id);
    if (str >= 0) H5Tclose(str);
    free(index);
    if (rc && ds >= 0) { H5Dclose(ds); ds = -1; }
    return rc ? -1 : ds;
}

hid_t dmi_h5_dimension(hid_t loc, const char *name, hsize_t len)
{
    /* netCDF-4's own form of a dimension without a variable: a dimension scale whose
     * NAME says so, with no data written (it takes no space) */
    hsize_t dims[1] = {len};
    hid_t space = H5Screate_simple(1, dims, NULL), ds = -1;
    char note[96];
    snprintf(note, sizeof note, "This is a netCDF dimension but not a netCDF variable.%10llu", (unsigned long long)len);
    if (space >= 0) ds = H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (space >= 0) H5Sclose(space);
    if (ds >= 0 && H5DSset_scale(ds, note) < 0) { H5Dclose(ds); ds = -1; }
    return ds;
}

/* ---- the CF `coordinates` attribute (dmi_h5_cf_coordinates) ---- */

typedef struct names { char **v; size_t n, cap; } names;

/* (the unversioned names H5Literate and H5L_info_t: HDF5 1.10 and 1.12+ map them alike) */
static herr_t collect(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    names *list = data;
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    int is_dataset = obj >= 0 && H5Iget_type(obj) == H5I_DATASET;
    if (obj >= 0) H5Oclose(obj);
    if (!is_dataset) return 0;
    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 64;
        char **v = realloc(list->v, cap * sizeof *v);
        if (!v) return -1;
        list->v = v;
        list->cap = cap;
    }
    return (list->v[list->n] = strdup(name)) ? (list->n++, 0) : -1;
}

static herr_t scale_name(hid_t ds, unsigned dim, hid_t scale, void *data)
{
    (void)ds; (void)dim;
    char path[256];
    ssize_t len = H5Iget_name(scale, path, sizeof path);
    const char *base = len > 0 ? (strrchr(path, '/') ? strrchr(path, '/') + 1 : path) : "";
    snprintf(data, 128, "%.127s", base);
    return 1;  /* the first scale is the dimension */
}

/* The names of ds's dimensions (their scales), up to HDF5's 32 (a sweep's grid has one a
 * parameter); returns the rank or -1. */
static int dimension_names(hid_t ds, char dims[H5S_MAX_RANK][128])
{
    hid_t space = H5Dget_space(ds);
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (rank < 0 || rank > H5S_MAX_RANK) return -1;
    for (int d = 0; d < rank; d++) {
        dims[d][0] = 0;
        if (H5DSget_num_scales(ds, (unsigned)d) > 0) H5DSiterate_scales(ds, (unsigned)d, NULL, scale_name, dims[d]);
    }
    return rank;
}

int dmi_h5_cf_coordinates(hid_t loc, const char *const *extra, size_t nextra)
{
    names list = {0};
    int rc = H5Literate(loc, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, collect, &list) < 0;
    /* the labels: 1-D string variables on dimension d named d_..., and the extra names */
    unsigned char *label = calloc(list.n + 1, 1);
    char (*dim_of)[128] = calloc(list.n + 1, sizeof *dim_of);
    rc = rc || !label || !dim_of;
    for (size_t i = 0; !rc && i < list.n; i++) {
        hid_t ds = H5Dopen2(loc, list.v[i], H5P_DEFAULT);
        if (ds < 0) { rc = 1; break; }
        char dims[H5S_MAX_RANK][128];
        hid_t type = H5Dget_type(ds);
        int rank = dimension_names(ds, dims), is_string = type >= 0 && H5Tget_class(type) == H5T_STRING;
        if (type >= 0) H5Tclose(type);
        if (rank == 1 && H5DSis_scale(ds) <= 0 && dims[0][0]) {
            size_t k = strlen(dims[0]);
            int named = is_string && !strncmp(list.v[i], dims[0], k) && list.v[i][k] == '_';
            for (size_t e = 0; e < nextra && !named; e++) named = !strcmp(extra[e], list.v[i]);
            if (named) { label[i] = 1; snprintf(dim_of[i], 128, "%s", dims[0]); }
        }
        H5Dclose(ds);
    }
    for (size_t i = 0; !rc && i < list.n; i++) {
        if (label[i]) continue;
        hid_t ds = H5Dopen2(loc, list.v[i], H5P_DEFAULT);
        if (ds < 0) { rc = 1; break; }
        char dims[H5S_MAX_RANK][128], text[4096] = "";
        int rank = H5DSis_scale(ds) > 0 ? 0 : dimension_names(ds, dims);
        size_t at = 0;
        for (size_t j = 0; j < list.n && rank > 0; j++)
            for (int d = 0; label[j] && d < rank; d++)
                if (!strcmp(dim_of[j], dims[d]) && at + strlen(list.v[j]) + 2 < sizeof text) {
                    at += (size_t)snprintf(text + at, sizeof text - at, "%s%s", at ? " " : "", list.v[j]);
                    break;
                }
        if (at && H5Aexists(ds, "coordinates") <= 0) rc = dmi_h5_attr_text(ds, "coordinates", text) != 0;
        H5Dclose(ds);
    }
    for (size_t i = 0; i < list.n; i++) free(list.v[i]);
    free(list.v);
    free(label);
    free(dim_of);
    return rc ? -1 : 0;
}

int dmi_h5_history(hid_t file, const char *previous, const char *command)
{
    char now[32], *text;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    size_t len = (previous ? strlen(previous) + 1 : 0) + strlen(now) + strlen(command) + 4;
    if (!(text = malloc(len))) return -1;
    /* CF: one line per program that changed the file, oldest first; a program that
     * rewrites its own file (a sweep's checkpoints) updates its line */
    const char *sep = "";
    size_t keep = 0;
    if (previous && *previous) {
        const char *last = strrchr(previous, '\n');
        last = last ? last + 1 : previous;
        const char *cmd = strstr(last, ": ");
        if (cmd && !strcmp(cmd + 2, command)) keep = (size_t)(last - previous);  /* up to its newline */
        else { keep = strlen(previous); sep = "\n"; }
    }
    snprintf(text, len, "%.*s%s%s: %s", (int)keep, keep ? previous : "", sep, now, command);
    int rc = dmi_h5_attr_text(file, "history", text);
    free(text);
    return rc;
}

int dmi_h5_shape(hid_t ds, hsize_t *rows, size_t *inner)
{
    hid_t space = H5Dget_space(ds);
    hsize_t dims[8];
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1, rc = -1;
    if (rank >= 1 && rank <= 8 && H5Sget_simple_extent_dims(space, dims, NULL) >= 0) {
        *rows = dims[0];
        *inner = 1;
        for (int i = 1; i < rank; i++) *inner *= dims[i];
        rc = 0;
    }
    if (space >= 0) H5Sclose(space);
    return rc;
}

int dmi_h5_rows(hid_t ds, hid_t memtype, hsize_t start, hsize_t count, void *buf, int write)
{
    hid_t space = H5Dget_space(ds), mem = -1;
    hsize_t dims[8], off[8] = {0}, cnt[8];
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1, rc = -1;
    if (rank < 1 || rank > 8 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 || start + count > dims[0]) goto done;
    if (count == 0) { rc = 0; goto done; }
    memcpy(cnt, dims, sizeof cnt);
    off[0] = start;
    cnt[0] = count;
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
        (mem = H5Screate_simple(rank, cnt, NULL)) < 0)
        goto done;
    rc = (write ? H5Dwrite(ds, memtype, mem, space, H5P_DEFAULT, buf)
                : H5Dread(ds, memtype, mem, space, H5P_DEFAULT, buf)) < 0 ? -1 : 0;
done:
    if (mem >= 0) H5Sclose(mem);
    if (space >= 0) H5Sclose(space);
    return rc;
}

int dmi_h5_append(hid_t ds, hid_t memtype, hsize_t count, const void *data)
{
    if (count == 0) return 0;
    hid_t space = H5Dget_space(ds);
    hsize_t dims[8];
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    int ok = rank >= 1 && rank <= 8 && H5Sget_simple_extent_dims(space, dims, NULL) >= 0;
    if (space >= 0) H5Sclose(space);
    if (!ok) return -1;
    hsize_t old = dims[0];
    dims[0] += count;
    if (H5Dset_extent(ds, dims) < 0) return -1;
    return dmi_h5_rows(ds, memtype, old, count, (void *)data, 1);
}

int dmi_h5_write_all(hid_t ds, hid_t memtype, const void *data)
{
    return H5Dwrite(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ? -1 : 0;
}

char *dmi_h5_read_attr_text(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0) return NULL;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT), type = -1, space = -1, mem = -1;
    char *out = NULL;
    if (attr < 0 || (type = H5Aget_type(attr)) < 0 || H5Tget_class(type) != H5T_STRING ||
        (space = H5Aget_space(attr)) < 0 || H5Sget_simple_extent_npoints(space) != 1)
        goto done;
    if (H5Tis_variable_str(type) > 0) {
        char *v = NULL;
        if ((mem = dmi_h5_string_type()) >= 0 && H5Aread(attr, mem, &v) >= 0 && v) {
            out = strdup(v);
            H5free_memory(v);
        }
    } else {
        size_t size = H5Tget_size(type);
        if (size == 0 || size > ((size_t)1 << 30)) goto done;
        if ((mem = H5Tcopy(type)) < 0 || H5Tset_size(mem, size + 1) < 0 ||
            H5Tset_strpad(mem, H5T_STR_NULLTERM) < 0 || !(out = calloc(size + 1, 1)))
            goto done;
        if (H5Aread(attr, mem, out) < 0) { free(out); out = NULL; }
    }
done:
    if (mem >= 0) H5Tclose(mem);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    return out;
}

int dmi_h5_read_attr_int64(hid_t loc, const char *name, int64_t *value)
{
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT), space = -1;
    int rc = -1;
    if (attr >= 0 && (space = H5Aget_space(attr)) >= 0 && H5Sget_simple_extent_npoints(space) == 1)
        rc = H5Aread(attr, H5T_NATIVE_INT64, value) < 0 ? -1 : 0;
    if (space >= 0) H5Sclose(space);
    if (attr >= 0) H5Aclose(attr);
    return rc;
}

const char *dmi_h5_time_units(int has_start, int64_t start_unix, int start_offset_min, char *buf)
{
    if (!has_start) {
        strcpy(buf, "minutes");
        return buf;
    }
    int y, mo, d, h, mi, s, off = start_offset_min < 0 ? -start_offset_min : start_offset_min;
    dm_civil_time(start_unix, start_offset_min, &y, &mo, &d, &h, &mi, &s);
    snprintf(buf, 64, "minutes since %04d-%02d-%02d %02d:%02d:%02d %c%02d:%02d", y, mo, d, h, mi, s,
             start_offset_min < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
}

const char *dmi_h5_time_long_name(int has_start)
{
    return has_start ? "time after the scenario's start (T+0), at the end of the tick"
                     : "elapsed time since T+0, at the end of the tick (the scenario has no start: no calendar date)";
}

int dmi_h5_time_axis(hid_t ds, int has_start)
{
    if (!has_start) return 0;
    return dmi_h5_attr_text(ds, "standard_name", "time") || dmi_h5_attr_text(ds, "calendar", "proleptic_gregorian") ||
           dmi_h5_attr_text(ds, "axis", "T") ? -1 : 0;
}
