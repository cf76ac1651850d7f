/* Where shipped models, scenarios and sweeps are found by name (docs/usage.md, "Names"):
 * the directories of $DOMINO_PATH, then the data installed next to this library (found
 * from the library's own file, so a relocated or DESTDIR install finds its own), then the
 * configured data directory. */
#define _GNU_SOURCE  /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "domino/model.h"
#include "domino_config.h"

/* The directory of the file this function lives in (libdomino.so, or a program linking
 * the library statically), with a trailing slash; "" if unknown. */
static void own_dir(char *buf, size_t size)
{
    Dl_info info;
    buf[0] = 0;
    if (!dladdr((void *)&own_dir, &info) || !info.dli_fname || !strchr(info.dli_fname, '/')) return;
    char *real = realpath(info.dli_fname, NULL);
    if (!real) return;
    char *slash = strrchr(real, '/');
    slash[1] = 0;
    snprintf(buf, size, "%s", real);
    free(real);
}

const char *dm_data_dirs(char *buf, size_t size)
{
    const char *env = getenv("DOMINO_PATH");
    char lib[2048];
    own_dir(lib, sizeof lib);
    size_t n = 0;
    buf[0] = 0;
    if (env && *env) n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s:", env);
    if (lib[0]) {
        /* the installed layout: <prefix>/<libdir>/libdomino.so and <prefix>/<datadir>/domino */
        char rel[4096], *real;
        snprintf(rel, sizeof rel, "%s%s", lib, DOMINO_DATADIR_FROM_LIBDIR);
        if ((real = realpath(rel, NULL))) {
            if (strcmp(real, DOMINO_DATADIR)) n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s:", real);
            free(real);
        }
    }
    snprintf(buf + (n < size ? n : size - 1), n < size ? size - n : 1, "%s", DOMINO_DATADIR);
    return buf;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int dm_data_find(const char *kind, const char *name, char *path, size_t size, dm_error *err)
{
    char dirs[8192];
    dm_data_dirs(dirs, sizeof dirs);
    const char *ext = ends_with(name, ".yaml") || ends_with(name, ".yml") ? "" : ".yaml";
    if (!strchr(name, '/') && *name) {
        for (char *dir = dirs, *next; dir; dir = next) {
            next = strchr(dir, ':');
            if (next) *next++ = 0;
            if (!*dir) continue;
            snprintf(path, size, "%s/%s/%s%s", dir, kind, name, ext);
            if (access(path, R_OK) == 0) return 0;
            if (next) next[-1] = ':';  /* keep the list whole for the message */
        }
    }
    path[0] = 0;
    dm_data_dirs(dirs, sizeof dirs);
    return dm_error_set(err, DM_ENOINPUT, name, 0, 0, "no such file, and no %.*s of that name in %s (searched: %s; "
                        "DOMINO_PATH adds directories)", (int)strlen(kind) - 1, kind, kind, dirs);
}
