/* The domino program: one file per subcommand (main.c holds the dispatch table), each
 * returning an exit code; what they share is in common.c. */
#ifndef DOMINO_CLI_H
#define DOMINO_CLI_H

#include <signal.h>
#include <stdint.h>
#include "domino.h"

int cmd_run(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* ---- messages (common.c) ---- */

/* Prints "domino: <error>" on stderr and returns its code. */
int cli_fail(const dm_error *err);
/* Prints "domino CMD: " fmt (with arg) and the pointer to --help; returns DM_EUSAGE. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);
/* Flushes stdout: a failed write (a full disk, a closed pipe) is exit 74 unless rc is set. */
int cli_finish(int rc);

/* "domino ARGS...", for the provenance of files (malloc'd; NULL when out of memory). */
char *cli_command_line(int argc, char **argv);

/* ---- the options of run and timeline ---- */

typedef struct run_options {
    const char *scenario, *output;
    const char *region;          /* --region: narrow what is shown to one region */
    int json, quiet, threads, has_seed, has_replicate, median, strict;
    int timeline;                /* run: -1 default (by model size), 0 summary only, 1 timeline */
    const char *sector;          /* timeline: only this sector (id), or NULL */
    double min_change;           /* timeline: points, < 0 the format's default */
    unsigned kinds;
    dm_lang lang;
    dm_format format;
    uint64_t seed, replicate, replicates;
    int64_t interval_s;          /* output grid; 0: default 10 min */
    unsigned store;
    double max_memory;           /* bytes; 0: half the machine's memory */
} run_options;

/* Parses the options of `cmd` ("run" or "timeline"): 0, -1 after --help (printed), or
 * DM_EUSAGE (reported). */
int cli_parse_run_options(const char *cmd, int argc, char **argv, const char *help, run_options *o);
/* The scenario named (or the default), with --seed; its warnings reported, errors with
 * --strict. On failure nothing is left to free. */
int cli_load_scenario(const run_options *o, dm_scenario **sc);
/* The timeline's filters by id, as indices into the model; DM_EUSAGE for an unknown id. */
int cli_inject_options(const char *cmd, const run_options *o, const dm_scenario *sc, dm_inject_options *io);
/* --region: *shown is r narrowed to the region (a view in *view, to free with
 * dm_result_view_free), or r itself without the option. */
int cli_narrow(const run_options *o, const char *cmd, const dm_scenario *sc, const dm_engine_result *r,
               dm_engine_result *view, const dm_engine_result **shown);
/* Runs one replicate on a fresh engine (with interval > 0 recording sector levels and maps
 * on that grid); on success the caller frees *eng, on failure nothing is left. */
int cli_run_one(const dm_scenario *sc, uint64_t replicate, int64_t interval, dm_engine **eng);

/* ---- signals and progress ---- */

/* Set by SIGINT/SIGTERM once cli_catch_stop is called: the library's stop flag. */
extern volatile sig_atomic_t cli_stop_signal;
typedef struct cli_signals { struct sigaction sigint, sigterm; } cli_signals;
/* Catches SIGINT and SIGTERM into cli_stop_signal; the previous handlers go to *old
 * (NULL: not kept). */
void cli_catch_stop(cli_signals *old);
void cli_restore_signals(const cli_signals *old);

/* Seconds on the monotonic clock. */
double cli_now(void);
typedef struct cli_progress {
    int tty, quiet;
    double start, last;
} cli_progress;
/* A dm_mc_config progress callback (ctx: a cli_progress): a bar with rate and ETA on a
 * terminal, otherwise a plain line every 10 s at most. */
void cli_show_progress(void *ctx, uint64_t done, uint64_t total);

/* ---- reading a file a user hands us ---- */

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

#endif
