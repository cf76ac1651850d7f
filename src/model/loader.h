/* Internal: shared by the model and scenario loaders. */
#ifndef DOMINO_LOADER_H
#define DOMINO_LOADER_H

#include <stddef.h>
#include "domino/model.h"
#include "yread.h"

/* Reads a whole file (NUL-terminated); NULL with err set (DM_ENOINPUT) on failure. */
char *dm_read_file(const char *path, size_t *len, dm_error *err);
/* The directory part of path, with a trailing slash ("" for none), into buf. */
void dm_dir_of(const char *path, char *buf, size_t size);
int dm_model_from_yaml(yread *r, yaml_node_t *root, dm_model **out);

#endif
