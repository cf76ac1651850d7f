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


/* Loads a sweep (file or shipped name), computes every point in this process
 * (dm_sweep_run_point) and writes them to output (dm_sweep_write), with plain arguments
 * only, for bindings (python/domino). */
DM_EXPORT int dm_sweep_run_file(const char *sweep, int threads, const char *output, const char *command_line,
                                dm_error *err);

#endif
