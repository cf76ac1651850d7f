/* Internal: setting values by path in YAML (src/sweep/yamlpath.c). */
#ifndef DOMINO_YAMLPATH_H
#define DOMINO_YAMLPATH_H

#include <stddef.h>
#include <yaml.h>
#include "domino/error.h"

/* Parses text, sets each paths[i] to values[i] (plain scalars), and writes the document
 * back as new malloc'd text in *out. On a bad path, *failed is its index. */
int yp_apply(const char *text, size_t len, const char *file, size_t n, const char *const *paths,
             const char *const *values, char **out, int *failed, dm_error *err);

/* Sets every place path leads to in d to a copy of node src_index of src, or, when src is
 * NULL, to the plain scalar text. *matched is the number of places set. Returns 0, or -1
 * with the reason in why (the path matches nothing, a selector without '*' matches
 * several elements, out of memory). O(size of d). */
int yp_set(yaml_document_t *d, const char *path, yaml_document_t *src, int src_index, const char *text,
           size_t *matched, char *why, size_t whysize);

/* Copies node index of src (with everything under it) into dst (not src itself); returns
 * the new node's index, 0 when out of memory. */
int yp_copy(yaml_document_t *dst, yaml_document_t *src, int index);

#endif
