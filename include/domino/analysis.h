/* domino — static interdependency analysis of a model (docs/analysis.md).
 *
 * For every unit (a sector, or a node on request): whom it depends on directly; which
 * units a total loss of it reaches, after how many hops and how soon; higher-order
 * dependence from the Leontief-type inverse of the strength matrix; the strongly
 * connected groups (feedback loops); and a criticality ranking from the engine. Serial
 * code: igraph and GSL are used here, not in the engine. */
#ifndef DOMINO_ANALYSIS_H
#define DOMINO_ANALYSIS_H

#include "export.h"
#include <stdio.h>
#include "model.h"

typedef struct dm_analysis_options {
    int by_node;          /* 0: units are sectors; 1: nodes */
    double alpha;         /* damping of W in (I - alpha W)^-1; 0: 1 when rho(W) < 1, else 0.9/rho */
    int criticality;      /* run the engine once per unit */
    int64_t outage_s;     /* criticality: a total loss of this length from T+0 (default 24 h) */
    int64_t horizon_s;    /* ... observed over this horizon (default 7 d) */
    int64_t tick_s;       /* ... at this tick (default 60 s) */
} dm_analysis_options;

typedef struct dm_analysis {
    size_t n;                   /* units */
    int by_node;
    const dm_model *model;      /* borrowed */
    /* [from * n + to] */
    double *strength;           /* W: how much `to` depends on `from` directly: sum over its
                                   groups of strength x provider share (0: not at all) */
    double *direct_hours;       /* lag + typical buffer of the direct dependency (INFINITY: none) */
    int *hops;                  /* fewest dependency hops from `from` to `to` (-1: never; 0: self) */
    double *earliest_hours;     /* earliest time a total loss of `from` reaches `to` (INFINITY) */
    double *higher;             /* (I - alpha W)^-1: direct and indirect dependence */
    double alpha, spectral_radius;
    int *component;             /* [unit] strongly connected group */
    size_t ncomponents;
    double *criticality;        /* [unit] sector-hours the others lose (NULL if not run) */
    int *breached;              /* [unit] how many other sectors breach */
    int *ranking;               /* units by criticality, most critical first */
    char **layer_ids;           /* by node: the ids of the layers' nodes ("A:17"), which the
                                   model does not store */
} dm_analysis;

DM_EXPORT void dm_analysis_defaults(dm_analysis_options *o);
DM_EXPORT int dm_analyze(const dm_model *m, const dm_analysis_options *o, dm_analysis *out, dm_error *err);
DM_EXPORT void dm_analysis_free(dm_analysis *a);

/* Unit u's id and names. */
DM_EXPORT const char *dm_analysis_id(const dm_analysis *a, size_t u);
DM_EXPORT const char *dm_analysis_name(const dm_analysis *a, size_t u, int japanese);

/* The typical duration of a distribution (seconds): the fixed value, or the median
 * where it has a closed form (uniform, normal, lognormal, Weibull, exponential), the mean
 * for gamma, the weighted median for a choice. */
DM_EXPORT double dm_dist_typical(const dm_dist *d);

/* Reads a transactions table (CSV: docs/analysis.md) and writes the inoperability
 * input-output model it implies, a*_ij = z_ij / x_i, as model YAML to `output` (written
 * atomically), or to stdout when output is NULL. */
DM_EXPORT int dm_iim_from_table(const char *path, const char *output, dm_error *err);

/* Renderings: a readable report, JSON, Graphviz DOT (edge width = strength, label = time
 * to impact), and an HDF5 file (netCDF-4 compatible). */
DM_EXPORT int dm_analysis_write_text(FILE *out, const dm_analysis *a, int japanese);
DM_EXPORT int dm_analysis_write_json(FILE *out, const dm_analysis *a);
DM_EXPORT int dm_analysis_write_dot(FILE *out, const dm_analysis *a, int japanese);
/* The analysis as a CF-1.8 netCDF-4 file (docs/analysis.md), with its provenance: model
 * (name, SHA-256, text), options, versions, and command_line (may be NULL) in `history`. */
DM_EXPORT int dm_analysis_write_h5(const char *path, const dm_analysis *a, const char *command_line, dm_error *err);
/* What an analysis file says about itself, as "name: value" lines (malloc'd into *text);
 * DM_EDATA when path is not one. `domino info` prints it. */
DM_EXPORT int dm_analysis_read_info(const char *path, char **text, dm_error *err);

#endif
