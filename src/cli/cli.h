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
/* Prints "domino: <error>" on stderr and returns its code. */
int cli_fail(const dm_error *err);

#endif
