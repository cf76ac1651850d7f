/* HDF5 helpers for netCDF-4 compatible files: see h5util.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "domino/model.h"
#include "h5util.h"

/* netCDF-4 reads fixed-length, NUL-terminated string attributes as text (NC_CHAR). */
int h5_attr_text(hid_t loc, const char *name, const char *value)
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

int h5_attr_double(hid_t loc, const char *name, double value)
{
    return attr_array(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 1);
}

int h5_attr_int64(hid_t loc, const char *name, int64_t value)
{
    return attr_array(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, 1);
}

int h5_attr_doubles(hid_t loc, const char *name, const double *values, size_t n)
{
    return attr_array(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values, n);
}

int h5_attr_ints(hid_t loc, const char *name, const int *values, size_t n)
{
    return attr_array(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, values, n);
}

hid_t h5_string_type(void)
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

hid_t h5_variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const hsize_t *maxdims, const hsize_t *chunk)
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
        if (!is_string && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 1) < 0)) goto done;
    }
    if (!is_string && H5Pset_fill_value(dcpl, type, fill) < 0) goto done;
    ds = H5Dcreate2(file, name, file_type(type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds >= 0 && !is_string &&
        attr_array(ds, "_FillValue", file_type(type), type, fill, 1) < 0) {
        H5Dclose(ds);
        ds = -1;
    }
done:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return ds;
}

int h5_shape(hid_t ds, hsize_t *rows, size_t *inner)
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

int h5_rows(hid_t ds, hid_t memtype, hsize_t start, hsize_t count, void *buf, int write)
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

int h5_append(hid_t ds, hid_t memtype, hsize_t count, const void *data)
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
    return h5_rows(ds, memtype, old, count, (void *)data, 1);
}

int h5_write_all(hid_t ds, hid_t memtype, const void *data)
{
    return H5Dwrite(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ? -1 : 0;
}

char *h5_read_attr_text(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0) return NULL;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT), type = -1, space = -1, mem = -1;
    char *out = NULL;
    if (attr < 0 || (type = H5Aget_type(attr)) < 0 || H5Tget_class(type) != H5T_STRING ||
        (space = H5Aget_space(attr)) < 0 || H5Sget_simple_extent_npoints(space) != 1)
        goto done;
    if (H5Tis_variable_str(type) > 0) {
        char *v = NULL;
        if ((mem = h5_string_type()) >= 0 && H5Aread(attr, mem, &v) >= 0 && v) {
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

int h5_read_attr_int64(hid_t loc, const char *name, int64_t *value)
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

const char *h5_time_units(int has_start, int64_t start_unix, int start_offset_min, char *buf)
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

const char *h5_time_long_name(int has_start)
{
    return has_start ? "time after the scenario's start (T+0), at the end of the tick"
                     : "elapsed time since T+0, at the end of the tick (the scenario has no start: no calendar date)";
}

int h5_time_axis(hid_t ds, int has_start)
{
    if (!has_start) return 0;
    return h5_attr_text(ds, "standard_name", "time") || h5_attr_text(ds, "calendar", "proleptic_gregorian") ||
           h5_attr_text(ds, "axis", "T") ? -1 : 0;
}
