/* Internal: setting scalars by path in YAML text (src/sweep/yamlpath.c). */
#ifndef DOMINO_YAMLPATH_H
#define DOMINO_YAMLPATH_H

#include <stddef.h>
#include <yaml.h>
#include "domino/error.h"

/* Parses text, sets each paths[i] to values[i] (plain scalars), and writes the document
 * back as new malloc'd text in *out. On a bad path, *failed is its index. */
int yp_apply(const char *text, size_t len, const char *file, size_t n, const char *const *paths,
             const char *const *values, char **out, int *failed, dm_error *err);

#endif
