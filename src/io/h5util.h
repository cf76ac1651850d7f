/* Internal: small HDF5 helpers that keep a file netCDF-4 compatible (docs/output-format.md):
 * creation order tracked, fixed-length UTF-8 string attributes, _FillValue attributes of
 * the variable's own type, dimension scales on every axis. */
#ifndef DOMINO_H5UTIL_H
#define DOMINO_H5UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>

/* Attributes on a file, group or dataset. Return 0 or -1. */
int h5_attr_text(hid_t loc, const char *name, const char *value);
int h5_attr_double(hid_t loc, const char *name, double value);
int h5_attr_int64(hid_t loc, const char *name, int64_t value);
int h5_attr_doubles(hid_t loc, const char *name, const double *values, size_t n);
int h5_attr_ints(hid_t loc, const char *name, const int *values, size_t n);

/* A variable of `type` (H5T_NATIVE_DOUBLE, _FLOAT, _INT, _INT64 or a vlen string type) over
 * `rank` dimensions. An unlimited dimension has maxdims H5S_UNLIMITED; chunk NULL means
 * contiguous. Numeric variables get a fill value and a matching _FillValue attribute
 * (NaN for doubles, -1 for integers) and shuffle + deflate when chunked. */
hid_t h5_variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const hsize_t *maxdims, const hsize_t *chunk);
/* A UTF-8 variable-length string type (close with H5Tclose). */
hid_t h5_string_type(void);

/* The length of dimension 0 (rows) and the product of the others (elements per row). */
int h5_shape(hid_t ds, hsize_t *rows, size_t *inner);
/* Reads (write 0) or writes rows [start, start + count) along dimension 0, the other
 * dimensions whole; -1 when they are out of range or HDF5 fails. */
int h5_rows(hid_t ds, hid_t memtype, hsize_t start, hsize_t count, void *buf, int write);
/* Appends `count` rows along dimension 0 of an extendible variable whose other
 * dimensions are complete; `data` holds the rows. Returns 0 or -1. */
int h5_append(hid_t ds, hid_t memtype, hsize_t count, const void *data);
/* Writes all of a fixed-size variable. */
int h5_write_all(hid_t ds, hid_t memtype, const void *data);

/* CF time (DESIGN.md, "Time, overrides and exercises"). With the scenario's `start`:
 * units "minutes since 2018-09-06 03:07:00 +09:00" (UDUNITS' form of the start and its
 * offset); without one, plain "minutes" of elapsed time since T+0, so that no file
 * pretends a date. buf needs 64 bytes. */
const char *h5_time_units(int has_start, int64_t start_unix, int start_offset_min, char *buf);
/* The `time` coordinate's long_name for either case. */
const char *h5_time_long_name(int has_start);
/* The attributes that make `time` a CF time axis (standard_name, calendar, axis), written
 * only with a start: CF 4.4 wants a reference time for a time axis. 0 or -1. */
int h5_time_axis(hid_t ds, int has_start);

/* Reads a string attribute (fixed or variable length) into a new malloc'd string. */
char *h5_read_attr_text(hid_t loc, const char *name);
int h5_read_attr_int64(hid_t loc, const char *name, int64_t *value);

#endif
