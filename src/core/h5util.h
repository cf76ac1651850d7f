/* Internal: small HDF5 helpers that keep a file netCDF-4 compatible (docs/output-format.md):
 * creation order tracked, fixed-length UTF-8 string attributes, _FillValue attributes of
 * the variable's own type, dimension scales on every axis; and what CF-1.8 asks on top
 * (numeric coordinates without fill values, labels tied by `coordinates`, `history`). */
#ifndef DOMINO_H5UTIL_H
#define DOMINO_H5UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>

/* Attributes on a file, group or dataset. Return 0 or -1. */
int dmi_h5_attr_text(hid_t loc, const char *name, const char *value);
int dmi_h5_attr_double(hid_t loc, const char *name, double value);
int dmi_h5_attr_int64(hid_t loc, const char *name, int64_t value);
int dmi_h5_attr_doubles(hid_t loc, const char *name, const double *values, size_t n);
int dmi_h5_attr_ints(hid_t loc, const char *name, const int *values, size_t n);

/* A variable of `type` (H5T_NATIVE_DOUBLE, _FLOAT, _INT, _INT64 or a vlen string type) over
 * `rank` dimensions. An unlimited dimension has maxdims H5S_UNLIMITED; chunk NULL means
 * contiguous. Floating-point variables get a fill value and a matching _FillValue
 * attribute (NaN); integers (indices, counts, -1 for "none") get none, so xarray keeps
 * them integers. Numeric variables get shuffle + deflate when chunked. */
hid_t dmi_h5_variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const hsize_t *maxdims, const hsize_t *chunk);
/* The same with deflate alone, no shuffle: for series that are piecewise constant in time
 * (a replicate's levels and maps), whose repeated rows deflate finds as long matches of
 * whole rows; shuffled, the same bytes take about 1.5 times the space and 1.3 times the
 * time (tokyo-area-blackout's maps, docs/performance.md). */
hid_t dmi_h5_series_variable(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                             const hsize_t *maxdims, const hsize_t *chunk);
/* A coordinate variable (CF: a 1-D numeric variable named like its dimension, a dimension
 * scale; no fill value, since a coordinate has no missing values). A growing one
 * (unlimited) starts empty; a fixed one is written from values. */
hid_t dmi_h5_coordinate(hid_t loc, const char *name, hid_t type, hsize_t len, int unlimited, const void *values,
                    const char *long_name, const char *units);
/* A dimension of named things (sectors, nodes): CF wants its coordinate numeric, so
 * `name` holds 0 .. n-1 and the string variable `<name>_id` the ids, a label that
 * dmi_h5_cf_coordinates ties to the variables on the dimension. Returns the scale. */
hid_t dmi_h5_labelled_dimension(hid_t loc, const char *name, size_t n, const char *const *ids, const char *what);
/* A netCDF dimension with no coordinate variable (netCDF-4's own form); returns the scale. */
hid_t dmi_h5_dimension(hid_t loc, const char *name, hsize_t len);
/* Writes the CF `coordinates` attribute on every variable of loc that has a dimension with
 * labels: 1-D string variables on dimension d named d_* (sector_id, sector_name_ja, ...)
 * and the variables named in extra (a sweep's parameters); xarray then makes them
 * coordinates. Call once, when every variable exists. */
int dmi_h5_cf_coordinates(hid_t loc, const char *const *extra, size_t nextra);
/* The CF `history` attribute: previous (may be NULL) and a line "<UTC time>: command". */
int dmi_h5_history(hid_t file, const char *previous, const char *command);
/* A UTF-8 variable-length string type (close with H5Tclose). */
hid_t dmi_h5_string_type(void);

/* Any length along a dimension, for dmi_h5_open_checked. */
#define H5_ANY ((hsize_t)-1)
/* Opens variable `name` under loc only if it has the layout its reader expects: a dataset
 * of rank `rank` whose dimensions equal dims (H5_ANY: any length; the lengths found go to
 * found[], if not NULL) and whose type is of class cls (H5T_INTEGER, H5T_FLOAT or
 * H5T_STRING). Every read of a file domino did not write itself goes through it, so the
 * caller's buffers, sized from the layout, always hold what is read. Returns the dataset,
 * or -1 when it is missing or has another rank, shape or type. */
hid_t dmi_h5_open_checked(hid_t loc, const char *name, H5T_class_t cls, int rank, const hsize_t *dims, hsize_t *found);

/* The length of dimension 0 (rows) and the product of the others (elements per row). */
int dmi_h5_shape(hid_t ds, hsize_t *rows, size_t *inner);
/* Reads (write 0) or writes rows [start, start + count) along dimension 0, the other
 * dimensions whole; -1 when they are out of range or HDF5 fails. */
int dmi_h5_rows(hid_t ds, hid_t memtype, hsize_t start, hsize_t count, void *buf, int write);
/* Appends `count` rows along dimension 0 of an extendible variable whose other
 * dimensions are complete; `data` holds the rows. Returns 0 or -1. */
int dmi_h5_append(hid_t ds, hid_t memtype, hsize_t count, const void *data);
/* Writes all of a fixed-size variable. */
int dmi_h5_write_all(hid_t ds, hid_t memtype, const void *data);

/* CF time (DESIGN.md, "Time, overrides and exercises"). With the scenario's `start`:
 * units "minutes since 2018-09-06 03:07:00 +09:00" (UDUNITS' form of the start and its
 * offset); without one, plain "minutes" of elapsed time since T+0, so that no file
 * pretends a date. buf needs 64 bytes. */
const char *dmi_h5_time_units(int has_start, int64_t start_unix, int start_offset_min, char *buf);
/* The `time` coordinate's long_name for either case. */
const char *dmi_h5_time_long_name(int has_start);
/* The attributes that make `time` a CF time axis (standard_name, calendar, axis), written
 * only with a start: CF 4.4 wants a reference time for a time axis. 0 or -1. */
int dmi_h5_time_axis(hid_t ds, int has_start);

/* Reads a string attribute (fixed or variable length) into a new malloc'd string. */
char *dmi_h5_read_attr_text(hid_t loc, const char *name);
int dmi_h5_read_attr_int64(hid_t loc, const char *name, int64_t *value);

#endif
