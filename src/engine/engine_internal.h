/* Internal: the engine's compiled arrays and per-replicate state. Compiled arrays are
 * built once from the scenario (dm_engine_new); state arrays are reset per replicate.
 * Node v's groups are group_of[group_start[v] .. group_start[v+1]). Edge e carries one
 * provider's level to one group: providers of group g are edges [g_edge[g], g_edge[g] +
 * nproviders), its resupply providers are edges [g_resupply_edge[g], ... + nresupply).
 * Node u's out-edges (where u is the provider) are out_edge[out_start[u] .. out_start[u+1]). */
#ifndef DOMINO_ENGINE_INTERNAL_H
#define DOMINO_ENGINE_INTERNAL_H

#include <gsl/gsl_rng.h>
#include "domino/engine.h"
#include "calendar.h"

/* Levels closer than this are equal. It ends zero-lag loops that converge geometrically
 * (ELEC -> ICT -> ELEC through a weak edge) and keeps floating-point dust out of the
 * timeline. 1e-9 of capacity is 1000 times below the finest threshold in the shipped
 * models (ガス: 30 of 30,000,000 households = 1e-6), so no breach depends on it. */
#define DM_LEVEL_EPS 1e-9
/* Frontiers larger than this are evaluated in parallel (Jacobi sweeps); smaller ones, where
 * starting a parallel region costs more than it saves, in Gauss-Seidel sweeps. */
#define DM_PARALLEL_FRONTIER 4096
/* Rounds allowed for zero-lag changes to settle within one tick before the loop is cut. */
#define DM_MAX_ROUNDS 10000

typedef enum { BUF_FULL, BUF_DRAIN, BUF_HOLD, BUF_REFILL, BUF_EMPTY } buf_mode;

/* Per-group event flags set by evaluate() and logged serially by apply(). */
enum { GF_ENGAGED = 1, GF_HELD = 2, GF_DRAINING = 4, GF_EXHAUSTED = 8 };

/* The fields of a requirement group the rule reads, packed into one cache line (dm_group
 * itself carries names, positions and distributions the hot loop never needs). */
typedef struct group_rule {
    double strength, quorum_need, quorum_level, refill, resupply_level;
    int dependent, nproviders, nresupply;
    unsigned char mode, has_buffer;
} group_rule;

/* Likewise for a node. */
typedef struct node_rule {
    double collapse, relax_k;
    int sector;
    unsigned char rule, dynamics;
} node_rule;

/* A layer with a connectivity rule, as the engine runs it (connectivity.c). */
typedef struct layer_run {
    const dm_layer *L;
    unsigned char *is_source;        /* per local node */
    int *pending; size_t npending;   /* nodes whose viability changed since the last pass */
    int added;                       /* one of them became viable: a pass from scratch */
    size_t giant, outside_max;       /* giant: its size, and the largest other component */
    size_t giant0, outside_max0;     /* the same before T+0 */
    int root;                        /* the hazard at the root of the last pass's losses */
} layer_run;

struct dm_engine {
    const dm_scenario *sc;
    const dm_model *m;
    size_t n, ngroups, nedges, nsectors, nhazards;

    /* compiled: nodes */
    node_rule *node;
    size_t *group_start; int *group_of;
    size_t *out_start; int *out_edge;
    int64_t *restart, *ramp;         /* ticks */
    int64_t *ramp_steps;             /* blocks a full recovery comes back in */
    size_t *sector_start; int *sector_node; /* nodes of each sector */
    size_t *haz_start; int *haz_of;  /* (hazard, node) pairs touching each node */
    size_t *pair_start; int *pair_hazard; /* pairs of hazard h: pair_start[h] + i for its node i */
    int *random_dynamics; size_t nrandom_dynamics; /* nodes whose restart or ramp is drawn */
    /* compiled: groups and edges */
    group_rule *group;
    int *edge_to;                    /* the dependent node the edge delivers to */
    int64_t *edge_lag;               /* ticks; 0 for resupply edges */
    size_t *g_edge, *g_resupply_edge;
    int *edge_from, *edge_group;
    double *edge_share;
    int64_t *threshold_ticks;        /* per sector */
    double *sector_capacity;

    /* per replicate: nodes */
    double *level, *damage;
    int *damage_hazard;              /* the hazard whose damage the node has, or -1 */
    double *start_level; int64_t *start_tick;   /* relax: level at the start of the tick */
    int64_t *rise_since; double *rise_from;     /* step: when the target rose, from what */
    int64_t *rise_restart;                      /* step: the restart this rise waits for */
    unsigned char *restarted;                   /* step: restarted since the last loss */
    int64_t *pending_wake;
    /* per replicate: edges and groups */
    double *seen; int *seen_root;
    double *buf_cap, *buf_left0; int64_t *buf_t0; buf_mode *buf_mode; int *g_flags;
    /* per replicate: hazards */
    int *hazard_active;
    unsigned char *hit;              /* per pair: the node is among those the hazard hits */
    int *chosen, *candidates;        /* scratch for random selections */
    /* scratch written by evaluate() for apply() */
    double *next_level; int64_t *next_wake;
    int *next_cause, *next_root, *next_group, *next_collapsed, *next_restarting;
    /* frontier */
    unsigned char *dirty; int *frontier, *frontier_next; size_t nfront, nnext;
    unsigned char *sector_touched;
    /* sector accounting */
    double *unserved; int64_t *acc_tick; int *in_run; int64_t *run_start;
    double *run_peak, *run_uh;

    /* output grid: the next point to record, and whether a level changed since the
     * last one; impact cells are (region, sector) pairs */
    size_t next_sample; int changed_since_sample; unsigned store;
    int *node_cell; double *cell_capacity, *cell_unserved;

    /* layer connectivity (connectivity.c); NULL arrays when no layer has a rule */
    layer_run *layer_run; size_t nlayer_runs;
    int *layer_of;                   /* per node: index into layer_run, or -1 */
    unsigned char *viable, *next_viable, *connected, *connected0, *conn_pending_flag;
    int *conn_label, *conn_queue, *conn_lost;

    calendar cal;
    gsl_rng *rng;
    dm_engine_result res;
    size_t cap_events, cap_breaches, cap_warnings;
};

/* node_rule.c: the rule that sets a node's level (DESIGN.md "What a node computes").
 * Reads providers' delivered levels and writes only node v's own state and scratch. */
void dm_node_evaluate(dm_engine *e, int v, int64_t t);

/* engine.c: puts node v on the frontier of the current tick. */
void dm_engine_mark(dm_engine *e, int v);

/* connectivity.c: compile (after the engine's arrays; -1 when out of memory), reset per
 * replicate, note a node whose viability changed (apply), and the pass after the node
 * rules settle: returns 1 if a layer was recomputed, -1 when out of memory. */
int dm_conn_compile(dm_engine *e);
void dm_conn_reset(dm_engine *e);
void dm_conn_free(dm_engine *e);
void dm_conn_viability_changed(dm_engine *e, int v);
int dm_conn_pass(dm_engine *e);

#endif
