/* Error records: see include/domino/error.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino/error.h"

void dm_error_clear(dm_error *err)
{
    if (err) memset(err, 0, sizeof *err);
}

int dm_error_set(dm_error *err, int code, const char *file, int line, int column,
                 const char *fmt, ...)
{
    if (!err) return code;
    /* The first error is the one worth reporting: later ones are usually consequences. */
    if (err->code) return err->code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

const char *dm_error_format(const dm_error *err, char *buf, unsigned long size)
{
    if (err->file[0] && err->line > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column, err->message);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, err->message);
    else
        snprintf(buf, size, "%s", err->message);
    return buf;
}

dm_error *dm_error_new(void)
{
    dm_error *err = malloc(sizeof *err);
    if (err) dm_error_clear(err);
    return err;
}

void dm_error_free(dm_error *err) { free(err); }
int dm_error_code(const dm_error *err) { return err->code; }
int dm_error_line(const dm_error *err) { return err->line; }
int dm_error_column(const dm_error *err) { return err->column; }
const char *dm_error_file(const dm_error *err) { return err->file; }
const char *dm_error_message(const dm_error *err) { return err->message; }
