/* domino — parameter sweeps (docs/sweeps.md).
 *
 * A sweep file names a scenario, the parameters to vary (paths into the scenario or its
 * model), a design that places the points, and the replicates per point. Each point is a
 * Monte Carlo run of the scenario with the parameters set; its statistics go to one row
 * of the sweep's HDF5 file. Every point depends only on (sweep, point index), so any
 * split of the points over processes, ranks or jobs gives the same numbers. */
#ifndef DOMINO_SWEEP_H
#define DOMINO_SWEEP_H

#include "export.h"
#include "model.h"
#include "montecarlo.h"

typedef enum { DM_DESIGN_GRID, DM_DESIGN_RANDOM, DM_DESIGN_LATIN, DM_DESIGN_SOBOL } dm_design;

typedef struct dm_sweep_param {
    char *name;          /* coordinate name in the output */
    char *path;          /* "scenario.hazards[h].duration", "model.sectors[ICT].output", ... */
    int in_model;        /* the path is into the model's own file */
    int is_duration;     /* values are durations (seconds) */
    int log_scale;
    double lo, hi;       /* range (random, latin, sobol; grid with steps) */
    double *values; size_t nvalues; /* grid values */
    int line, column;    /* where the parameter is, for messages */
} dm_sweep_param;

typedef struct dm_sweep {
    char *name, *file, *text;       /* the sweep file and its text */
    char *scenario_text, *scenario_file, *model_text; /* model_text NULL: inline model */
    dm_design design;
    dm_sweep_param *params; size_t nparams;
    size_t npoints;
    double *values;                 /* [point][param]: the design */
    uint64_t replicates, seed, design_seed;
    int has_seed;
    int64_t interval_s;             /* output grid of the level statistics */
    uint64_t graphs;                /* graph ensemble: each point's replicates split over this many
                                       draws of the model's generated graphs (1: the model's own) */
    char sha256[65];                /* of sweep, scenario and model texts: which sweep a file is */
    dm_scenario *base;              /* the scenario as written (points change only values) */
} dm_sweep;

DM_EXPORT int dm_sweep_load(const char *path, dm_sweep **out, dm_error *err);
/* The same from texts kept in a result file (scenario_text given: no file is read). */
DM_EXPORT int dm_sweep_from_texts(const char *text, const char *path, const char *scenario_text, const char *scenario_file,
                        const char *model_text, dm_sweep **out, dm_error *err);
DM_EXPORT void dm_sweep_free(dm_sweep *s);

/* The scenario of point i (free with dm_scenario_free). */
DM_EXPORT int dm_sweep_point_scenario(const dm_sweep *s, size_t i, dm_scenario **out, dm_error *err);

/* What a point's replicates give: the statistics of dm_mc_run, the standard errors of
 * their means (sample standard deviation over the replicates / sqrt(n), in replicate
 * order; NaN with fewer than two values), and each replicate's final sector levels. */
typedef struct dm_sweep_result {
    dm_stats stats;
    double *probability_se;     /* [sector]: sqrt(p (1 - p) / replicates) */
    double *onset_se, *duration_se; /* [sector]: of the first breach's onset and duration
                                       means, over the replicates that breached */
    double *unit_hours_se, *loss_se; /* [sector] */
    double *level_se;           /* [time][sector]: of stats.level_mean */
    double *final_level;        /* [replicate][sector]: each replicate's levels at the horizon */
} dm_sweep_result;
DM_EXPORT void dm_sweep_result_free(dm_sweep_result *r);

/* Result files of sweeps: dm_sweep_write() writes the points given, dm_sweep_merge()
 * combines files of the same sweep. A file holding every point of a grid has one
 * dimension per parameter; any other holds a list of points (docs/sweeps.md, "Output"). */
typedef struct dm_sweep_point {
    size_t index;
    const dm_sweep_result *result;
} dm_sweep_point;

/* Computes point i as `domino sweep` does: its scenario (one per graph of the ensemble),
 * the sweep's replicates through dm_mc_run_ensemble (threads 0: all cores; stop may be
 * NULL), into *out (free with dm_sweep_result_free). out->stats.interrupted says whether
 * stop cut it short. */
DM_EXPORT int dm_sweep_run_point(const dm_sweep *s, size_t i, int threads, volatile sig_atomic_t *stop,
                                 dm_sweep_result *out, dm_error *err);
/* The scenario of point i on graph g of the ensemble (g = 0: dm_sweep_point_scenario):
 * every generated layer's graph seed S becomes dm_sweep_graph_seed(S, g). */
DM_EXPORT int dm_sweep_point_graph_scenario(const dm_sweep *s, size_t i, uint64_t g, dm_scenario **out, dm_error *err);
DM_EXPORT uint64_t dm_sweep_graph_seed(uint64_t seed, uint64_t g);
/* The graph of the ensemble replicate r (0 <= r < R) of a point runs on: r G / R, so
 * that graph g takes a contiguous share of the replicates. */
DM_EXPORT uint64_t dm_sweep_replicate_graph(const dm_sweep *s, uint64_t r);
DM_EXPORT int dm_sweep_write(const char *path, const dm_sweep *s, const dm_sweep_point *points, size_t n,
                   const char *command_line, dm_error *err);
/* Combines parts (files written by dm_sweep_write for the same sweep) into path. With
 * require_all, every point of the sweep must be present. */
DM_EXPORT int dm_sweep_merge(const char *path, const char *const *parts, size_t nparts, int require_all,
                   const char *command_line, dm_error *err);

/* The points a sweep file of this sweep holds; fails if the file is of another sweep. */
DM_EXPORT int dm_sweep_file_points(const char *path, const dm_sweep *s, size_t **points, size_t *n, dm_error *err);

/* The sweep a sweep file holds (rebuilt from its stored texts) and its points. */
DM_EXPORT int dm_sweep_read_info(const char *path, dm_sweep **s, size_t **points, size_t *n, dm_error *err);


/* ---- Checkpoints: driving a sweep as `domino sweep` does (src/sweep/checkpoint.c) ----
 *
 * Every point is computed on its own and written to OUT.points/point-NNNNNNNN.h5 (atomic),
 * so a sweep is resumable: a point whose file exists, or that the existing OUT holds, is
 * skipped. When the points of a shard are done they are merged into OUT and the
 * checkpoints removed. The caller holds OUT's lock (dm_output_claim) throughout, and
 * spreads the points over processes as it likes (MPI, shards): a point's numbers depend
 * only on (sweep, point).
 *
 *     dm_sweep_plan plan;
 *     dm_sweep_plan_new(s, out, k, n, &plan, err);    // checks everything before computing
 *     for each k < plan.nmine: if (dm_sweep_plan_pending(&plan, k))
 *         dm_sweep_plan_point(s, &plan, plan.mine[k], threads, stop, cmd, &finished, err);
 *     dm_sweep_plan_merge(s, &plan, out, n == 1, cmd, err);  // then dm_sweep_plan_clean
 *     dm_sweep_plan_free(&plan);
 */
typedef struct dm_sweep_plan {
    char dir[4096];             /* OUT.points */
    size_t *mine, nmine;        /* the shard's points (i mod N = K), in order */
    unsigned char *in_output;   /* [point]: held by the existing OUT */
    size_t output_points;       /* how many OUT holds (0: none, or no OUT) */
} dm_sweep_plan;

/* Bytes computing one point needs (its statistics, standard errors, final levels), so a
 * caller can refuse a sweep that does not fit before anything is touched. */
DM_EXPORT double dm_sweep_point_memory(const dm_sweep *s, int threads);
/* The plan of shard K of N (0 <= K < N) onto output: which points the existing output
 * holds (it must be of this sweep), every finished checkpoint of the shard checked to be
 * of this sweep, the checkpoint directory created. Nothing is computed. A failed plan
 * leaves nothing to free. */
DM_EXPORT int dm_sweep_plan_new(const dm_sweep *s, const char *output, size_t shard_k, size_t shard_n,
                                dm_sweep_plan *plan, dm_error *err);
DM_EXPORT void dm_sweep_plan_free(dm_sweep_plan *plan);
/* Whether the shard's k-th point still needs computing. */
DM_EXPORT int dm_sweep_plan_pending(const dm_sweep_plan *plan, size_t k);
/* Computes point i (dm_sweep_run_point) and writes its checkpoint; *finished is 0 when
 * stop cut it short (nothing written: it is redone on resume). */
DM_EXPORT int dm_sweep_plan_point(const dm_sweep *s, const dm_sweep_plan *plan, size_t i, int threads,
                                  volatile sig_atomic_t *stop, const char *command_line, int *finished, dm_error *err);
/* The checkpoints the merge reads (the shard's points not in the existing output). */
DM_EXPORT size_t dm_sweep_plan_checkpoints(const dm_sweep_plan *plan);
/* Merges the existing output's points and the checkpoints into output (require_all:
 * every point of the sweep); an empty shard writes a file of no points. Touches no
 * checkpoint: on failure they are kept for the next run. */
DM_EXPORT int dm_sweep_plan_merge(const dm_sweep *s, const dm_sweep_plan *plan, const char *output, int require_all,
                                  const char *command_line, dm_error *err);
/* After a merge: removes the checkpoints, what killed writers left, and the directory. */
DM_EXPORT void dm_sweep_plan_clean(const dm_sweep_plan *plan);
DM_EXPORT void dm_sweep_checkpoint_path(const dm_sweep_plan *plan, size_t i, char *buf, size_t size);

/* Loads a sweep (file or shipped name), computes every point in this process
 * (dm_sweep_run_point) and writes them to output (dm_sweep_write), with plain arguments
 * only, for bindings (python/domino). */
DM_EXPORT int dm_sweep_run_file(const char *sweep, int threads, const char *output, const char *command_line,
                                dm_error *err);

#endif
