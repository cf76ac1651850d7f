/* Internal: reading the files a user names (models, scenarios, sweeps, the files a model
 * reads). Writing goes through dm_output_begin/commit (include/domino/error.h), also in
 * files.c, so every output is atomic in the same way. */
#ifndef DOMINO_CORE_FILES_H
#define DOMINO_CORE_FILES_H

#include <stddef.h>
#include <stdint.h>
#include "domino/error.h"

/* Reads a whole file (NUL-terminated); NULL with err set (DM_ENOINPUT) on failure. A YAML
 * text: larger than $DOMINO_MAX_YAML_BYTES or holding a NUL byte is refused (DM_EDATA). */
char *dmi_read_file(const char *path, size_t *len, dm_error *err);
/* Reads path, or, if it is a name with no file of that name (no '/'), the shipped file of
 * that kind found by dm_data_find; used gets the path read (for messages and provenance). */
char *dmi_read_named(const char *kind, const char *path, char *used, size_t size, size_t *len, dm_error *err);
/* Reads a whole file of any content (NUL-terminated as well); limit > 0 refuses larger
 * files, naming limit_env. */
char *dmi_read_bytes(const char *path, size_t *len, int64_t limit, const char *limit_env, dm_error *err);
/* The directory part of path, with a trailing slash ("" for none), into buf. */
void dmi_dir_of(const char *path, char *buf, size_t size);

#endif
