/* domino — error records and exit codes.
 *
 * Every library function that can fail returns an int status (0 = success, otherwise one
 * of the DM_E* codes below, which are also the program's exit codes, from sysexits.h) and
 * fills a caller-owned dm_error with a message a user can act on. */
#ifndef DOMINO_ERROR_H
#define DOMINO_ERROR_H

#include "export.h"
#include <stdarg.h>

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

/* Puts the finished file tmp in place of target: fsync, then rename (atomic when both are
 * in one directory). On failure tmp is removed, errno says why, and the result is -1. */
DM_EXPORT int dm_file_commit(const char *tmp, const char *target);

#endif
