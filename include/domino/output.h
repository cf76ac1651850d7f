/* domino — result files: one HDF5 file per run, netCDF-4 compatible (docs/output-format.md).
 *
 * Writing: dm_h5_create opens a temporary file next to the target, dm_h5_append (a
 * dm_mc_config sink) adds each replicate, dm_h5_finish writes the statistics and renames
 * the file to its target; dm_h5_abort removes it. The target path therefore never holds
 * a partial file.
 *
 * Reading: dm_h5_open checks that a file is domino's and intact enough to use, and
 * rebuilds the scenario it was made from; dm_h5_read_replicate gives one replicate's
 * events, breaches and sector results, as the engine produced them. */
#ifndef DOMINO_OUTPUT_H
#define DOMINO_OUTPUT_H

#include "export.h"
#include "engine.h"
#include "montecarlo.h"

#define DM_RESULT_FORMAT "domino-result 1"

typedef struct dm_h5_writer dm_h5_writer;

typedef struct dm_h5_provenance {
    const char *command_line;
    uint64_t replicates_requested;
} dm_h5_provenance;

DM_EXPORT int dm_h5_create(const char *path, const dm_scenario *sc, const dm_mc_config *cfg,
                 const dm_h5_provenance *prov, dm_h5_writer **out, dm_error *err);
/* A dm_mc_config sink: ctx is the writer. */
DM_EXPORT int dm_h5_append(void *writer, const dm_engine_result *r, dm_error *err);
/* Writes the median replicate (computed again by the caller, with sector levels and maps
 * on the run's grid): its series, and its events unless every replicate's are stored.
 * Call once, before dm_h5_finish. */
DM_EXPORT int dm_h5_median(dm_h5_writer *w, const dm_engine_result *r, dm_error *err);
/* Writes the statistics, closes and renames into place. Frees the writer, also on error
 * (then no file is left at the target). NULL: nothing to do, 0. */
DM_EXPORT int dm_h5_finish(dm_h5_writer *w, const dm_stats *st, dm_error *err);
/* Closes and removes the temporary file. */
DM_EXPORT void dm_h5_abort(dm_h5_writer *w);

typedef struct dm_result_file {
    char *path;
    dm_scenario *scenario;       /* rebuilt from the stored scenario and model texts */
    uint64_t replicates, replicates_requested, first_replicate, median_replicate;
    char *status, *created, *domino_version, *command_line, *model_sha256, *scenario_file;
    double *breach_probability;  /* [sector] */
    /* internal */
    long long file_id;
    dm_engine_result res;
} dm_result_file;

DM_EXPORT int dm_h5_open(const char *path, dm_result_file **out, dm_error *err);
/* Replicate r (its index, as in the `replicate` coordinate). The result is owned by f and
 * valid until the next call or dm_h5_close. */
DM_EXPORT int dm_h5_read_replicate(dm_result_file *f, uint64_t r, const dm_engine_result **out, dm_error *err);
DM_EXPORT void dm_h5_close(dm_result_file *f);


/* ---- a whole run, for bindings (src/run/runfiles.c; python/domino uses it) ----
 * Runs a scenario as `domino run -o OUTPUT --json` does, with plain arguments only, so a
 * caller needs no struct layout: scenario is a file or a shipped name; replicates 0 = the
 * scenario's; seed used when has_seed; threads 0 = all cores; interval a duration ("10min",
 * NULL = 10 min); store a --store list (NULL or "" = none); output the result file;
 * json_output (may be NULL) the JSON summary of the median replicate with the statistics
 * (docs/json-output.md). command_line goes in the file's provenance. Both files are
 * written atomically (no partial file is left on failure). */
DM_EXPORT int dm_run_files(const char *scenario, uint64_t replicates, int has_seed, uint64_t seed, int threads,
                           const char *interval, const char *store, const char *output, const char *json_output,
                           const char *command_line, dm_error *err);
/* Parses a --store list ("sectors,maps,nodes,events", any subset) into DM_STORE_* flags;
 * -1 when a word is unknown or the list is empty. */
DM_EXPORT int dm_parse_store(const char *list, unsigned *flags);

/* Which of domino's files `path` is, from its domino_format attribute, so that a program
 * picks the reader by kind, not by the words of an error: a result file ('run -o'), a
 * sweep file ('sweep -o', 'merge', any version), an analysis file ('analyze -o'), or
 * DM_FILE_OTHER (missing, not HDF5, no or another format: the reader says which). */
typedef enum dm_file_kind { DM_FILE_OTHER, DM_FILE_RESULT, DM_FILE_SWEEP, DM_FILE_ANALYSIS } dm_file_kind;
DM_EXPORT dm_file_kind dm_h5_kind(const char *path);

#endif
