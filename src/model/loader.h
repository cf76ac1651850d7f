/* Internal: shared by the model and scenario loaders. */
#ifndef DOMINO_LOADER_H
#define DOMINO_LOADER_H

#include <stddef.h>
#include "domino/model.h"
#include "model/yread.h"

/* Sorted id arrays (dm_id_entry, domino/model.h). dmi_ids_sort sorts ids[0..n) by id, then
 * index, and returns the smallest index whose id an entry of a smaller index has (the
 * second definition a check made while reading would have found first), or -1.
 * dmi_ids_lower: the first entry whose id is not less than id (n when none). */
int dmi_ids_sort(dm_id_entry *ids, size_t n);
size_t dmi_ids_lower(const dm_id_entry *ids, size_t n, const char *id);
/* Where id is in a sorted id array of n entries (its index); -1 when absent. */
int dmi_ids_find(const dm_id_entry *ids, size_t n, const char *id);
int dmi_model_from_yaml(yread *r, yaml_node_t *root, dm_model **out);
/* A requirement group's mode, strength, lag and quorum from mapping it, and its providers
 * when cap_p is not NULL (groups.c). */
int dmi_read_group_settings(yread *r, yaml_node_t *it, dm_model *m, dm_group *g, size_t *cap_p);
/* The model's dependencies: one requirement group each, with its buffer (groups.c). */
int dmi_read_dependencies(yread *r, yaml_node_t *seq, dm_model *m);
/* layers.c: which sectors have layers (before nodes are read), the layers' graphs and
 * nodes (after), and the groups of their neighbours and couplings (after dependencies). */
int dmi_layer_sectors(yread *r, yaml_node_t *seq, dm_model *m, unsigned char *is_layer);
int dmi_read_layers(yread *r, yaml_node_t *seq, dm_model *m, const dm_node *defaults, const double *capacity);
int dmi_read_layer_groups(yread *r, yaml_node_t *layers, yaml_node_t *couplings, dm_model *m);
/* Node "A:17" of layer A, or -1 (query.c). */
int dmi_layer_node(const dm_model *m, const char *id);

#endif
