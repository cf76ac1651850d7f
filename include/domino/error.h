/* domino — error records and exit codes.
 *
 * Every library function that can fail returns an int status (0 = success, otherwise one
 * of the DM_E* codes below, which are also the program's exit codes, from sysexits.h) and
 * fills a caller-owned dm_error with a message a user can act on. */
#ifndef DOMINO_ERROR_H
#define DOMINO_ERROR_H

#include "export.h"
#include <stdarg.h>
#include <stddef.h>

enum {
    DM_OK = 0,
    DM_EUSAGE = 2,     /* bad command line */
    DM_EDATA = 65,     /* EX_DATAERR: a model, scenario or result file is wrong */
    DM_ENOINPUT = 66,  /* EX_NOINPUT: an input file is missing or unreadable */
    DM_ESOFTWARE = 70, /* EX_SOFTWARE: an internal error (a bug: please report) */
    DM_ECANTCREAT = 73,/* EX_CANTCREAT: an output file cannot be created */
    DM_EIO = 74        /* EX_IOERR: reading or writing failed */
};

typedef struct dm_error {
    int code;          /* one of DM_E*, 0 when no error */
    char file[256];    /* the file concerned, "" if none */
    int line, column;  /* 1-based position in file, 0 if unknown */
    char message[768]; /* what was expected and what was found */
} dm_error;

/* Clears err (code 0, empty strings). err may be NULL. */
DM_EXPORT void dm_error_clear(dm_error *err);

/* Fills err and returns code. file may be NULL; line/column 0 when unknown. */
DM_EXPORT int dm_error_set(dm_error *err, int code, const char *file, int line, int column,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Writes "file:line:column: message" (the parts known) into buf; returns buf. */
DM_EXPORT const char *dm_error_format(const dm_error *err, char *buf, unsigned long size);

/* For bindings that keep dm_error opaque (python/domino): a cleared record on the heap
 * (NULL when out of memory), freed with dm_error_free, and its fields. */
DM_EXPORT dm_error *dm_error_new(void);
DM_EXPORT void dm_error_free(dm_error *err);
DM_EXPORT int dm_error_code(const dm_error *err);
DM_EXPORT int dm_error_line(const dm_error *err);
DM_EXPORT int dm_error_column(const dm_error *err);
DM_EXPORT const char *dm_error_file(const dm_error *err);
DM_EXPORT const char *dm_error_message(const dm_error *err);

/* ---- output files (src/core/files.c; docs/reliability.md, "Atomic outputs") ----
 * Every file domino writes goes through one helper: dm_output_begin checks the target,
 * takes its lock (a second writer of the same output is refused, exit 73, before it
 * touches anything) and creates a unique temporary beside it (mkstemp: O_EXCL, so no
 * existing file or symlink is opened); the caller writes `path` (HDF5) or `stream`
 * (text); dm_output_commit makes it durable (fsync) and renames it over the target;
 * dm_output_abort removes it. */
enum { DM_OUTPUT_TEXT = 1 };  /* a text stream: "-" is stdout, a FIFO or device is written through */

typedef struct dm_output {
    char *target;      /* where the file goes (a symlink's file, for a symlink) */
    char *tmp;         /* the temporary; NULL when written through */
    const char *path;  /* what an HDF5 writer creates: tmp */
    void *stream;      /* FILE *: a text output's stream (stdout for "-") */
    int claimed;
} dm_output;

/* Refuses, with exit 73, what cannot be written before any work: a directory, a missing
 * or read-only directory, a non-regular file for an HDF5 output ("-" too), and an output
 * that is one of `inputs` (the scenario, model, graph files: compared by device and
 * inode, so another name for the same file is caught). */
DM_EXPORT int dm_output_check(const char *target, unsigned flags, const char *const *inputs, size_t ninputs, dm_error *err);
/* dm_output_check, then the lock and the temporary. On failure nothing is left. */
DM_EXPORT int dm_output_begin(dm_output *o, const char *target, unsigned flags, const char *const *inputs, size_t ninputs,
                    dm_error *err);
/* fsync, rename, unlock; on failure (exit 74) the temporary is removed. Frees o. */
DM_EXPORT int dm_output_commit(dm_output *o, dm_error *err);
/* Removes the temporary and unlocks; o may be NULL or zeroed (no-op). */
DM_EXPORT void dm_output_abort(dm_output *o);
/* The lock alone, for a command that writes a target over a long time (sweep): counted,
 * so the process's own writer of the target may take it again. */
DM_EXPORT int dm_output_claim(const char *target, dm_error *err);
DM_EXPORT void dm_output_release(const char *target);
/* Removes every temporary being written (async-signal-safe: for a crash handler). */
DM_EXPORT void dm_output_remove_pending(void);

#endif
