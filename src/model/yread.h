/* Internal: typed reading of a libyaml document with file:line:column errors.
 * Each yr_* reader returns 0 on success or DM_EDATA after filling the error record. */
#ifndef DOMINO_YREAD_H
#define DOMINO_YREAD_H

#include <stdint.h>
#include <yaml.h>
#include "domino/error.h"
#include "domino/model.h"

typedef struct yread {
    yaml_document_t doc;
    int loaded;
    const char *file;
    dm_error *err;
    const dm_stored_input *stored; size_t nstored;  /* reloading from a result file */
} yread;

/* The one out-of-memory error of the readers: DM_ESOFTWARE (exit 70), at the file. */
#define NOMEM(r) dm_error_set((r)->err, DM_ESOFTWARE, (r)->file, 0, 0, "out of memory")

int dmi_yr_open(yread *r, const char *text, size_t len, const char *file, dm_error *err);
void dmi_yr_close(yread *r);
yaml_node_t *dmi_yr_root(yread *r);

/* Error at node n's position: "<what>: expected <expected>, found <found>". */
int dmi_yr_fail(yread *r, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int dmi_yr_expected(yread *r, const yaml_node_t *n, const char *what, const char *expected);

/* n must be a mapping whose keys are all in allowed (NULL-terminated), each once. */
int dmi_yr_mapping(yread *r, yaml_node_t *n, const char *what, const char *const allowed[]);
yaml_node_t *dmi_yr_get(yread *r, yaml_node_t *map, const char *key);
/* Like dmi_yr_get, but a missing key is an error at the mapping. */
int dmi_yr_need(yread *r, yaml_node_t *map, const char *key, const char *what, yaml_node_t **out);

size_t dmi_yr_len(yaml_node_t *seq);
yaml_node_t *dmi_yr_at(yread *r, yaml_node_t *seq, size_t i);
int dmi_yr_sequence(yread *r, yaml_node_t *n, const char *what);

int dmi_yr_str(yread *r, yaml_node_t *n, const char *what, char **out);      /* strdup'd */
int dmi_yr_num(yread *r, yaml_node_t *n, const char *what, double lo, double hi, double *out);
int dmi_yr_u64(yread *r, yaml_node_t *n, const char *what, uint64_t hi, uint64_t *out);
int dmi_yr_duration(yread *r, yaml_node_t *n, const char *what, int64_t *out);
/* A fixed value (a scalar) or {dist: NAME, ...} (see docs/scenario-format.md).
 * is_duration: the values are durations with units, converted to seconds. */
int dmi_yr_dist(yread *r, yaml_node_t *n, const char *what, int is_duration, double lo, double hi,
            dm_dist *out);
/* A scalar id or a list of scalar ids. *out is a malloc'd array of borrowed nodes. */
/* Gives d its own copies of a choice's values and weights (after a struct copy). */
int dmi_dist_own(dm_dist *d);
/* dmi_dist_own on both of a node's distributions (restart, ramp), never one alone: after a
 * struct copy both point at the defaults' arrays, and one left pointing there would be
 * freed twice. */
int dmi_dists_own(dm_dist *a, dm_dist *b);
int dmi_yr_id_list(yread *r, yaml_node_t *n, const char *what, yaml_node_t ***out, size_t *count);
const char *dmi_yr_text(yaml_node_t *n); /* scalar text or "" */
int dmi_yr_line(const yaml_node_t *n);

void dmi_dist_free(dm_dist *d);

#endif
