/* The domino program: one function per subcommand, each returning an exit code. */
#ifndef DOMINO_CLI_H
#define DOMINO_CLI_H

#include "domino/error.h"

int cmd_run(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
/* Runs fn(ctx), which reads the file `file`, in a child process: its stdout is passed on
 * when it ends normally; if it crashes (HDF5 on a malformed file), the temporary it was
 * writing is removed, the file is reported as corrupt and the result is 65. The child
 * dies with the parent. */
typedef struct guarded_call {
    int (*fn)(void *ctx);
    void *ctx;
    const char *file;
} guarded_call;
int cli_guarded(const guarded_call *g);

/* "domino ARGS...", for the provenance of files (malloc'd; NULL when out of memory). */
char *cli_command_line(int argc, char **argv);

/* Prints "domino: <error>" on stderr and returns its code. */
int cli_fail(const dm_error *err);

#endif
