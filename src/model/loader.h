/* Internal: shared by the model and scenario loaders. */
#ifndef DOMINO_LOADER_H
#define DOMINO_LOADER_H

#include <stddef.h>
#include "domino/model.h"
#include "yread.h"

/* Reads a whole file (NUL-terminated); NULL with err set (DM_ENOINPUT) on failure. */
char *dm_read_file(const char *path, size_t *len, dm_error *err);
/* Reads path, or, if it is a name with no file of that name (no '/'), the shipped file of
 * that kind found by dm_data_find; used gets the path read (for messages and provenance). */
char *dm_read_named(const char *kind, const char *path, char *used, size_t size, size_t *len, dm_error *err);
/* Reads a whole file of any content (NUL-terminated as well); limit > 0 refuses larger
 * files, naming limit_env. */
char *dm_read_bytes(const char *path, size_t *len, int64_t limit, const char *limit_env, dm_error *err);
/* The directory part of path, with a trailing slash ("" for none), into buf. */
void dm_dir_of(const char *path, char *buf, size_t size);
/* SHA-256 of data as 64 hex digits. */
void dm_sha256_hex(const void *data, size_t len, char hex[65]);
/* Sorted id arrays (dm_id_entry, domino/model.h). dm_ids_sort sorts ids[0..n) by id, then
 * index, and returns the smallest index whose id an entry of a smaller index has (the
 * second definition a check made while reading would have found first), or -1.
 * dm_ids_lower: the first entry whose id is not less than id (n when none). */
int dm_ids_sort(dm_id_entry *ids, size_t n);
size_t dm_ids_lower(const dm_id_entry *ids, size_t n, const char *id);
int dm_model_from_yaml(yread *r, yaml_node_t *root, dm_model **out);
/* A requirement group's mode, strength, lag and quorum from mapping it, and its providers
 * when cap_p is not NULL (model.c). */
int dm_read_group_settings(yread *r, yaml_node_t *it, dm_model *m, dm_group *g, size_t *cap_p);
/* layers.c: which sectors have layers (before nodes are read), the layers' graphs and
 * nodes (after), and the groups of their neighbours and couplings (after dependencies). */
int dm_layer_sectors(yread *r, yaml_node_t *seq, dm_model *m, unsigned char *is_layer);
int dm_read_layers(yread *r, yaml_node_t *seq, dm_model *m, const dm_node *defaults, const double *capacity);
int dm_read_layer_groups(yread *r, yaml_node_t *layers, yaml_node_t *couplings, dm_model *m);
int dm_layer_node(const dm_model *m, const char *id);

#endif
