/* Internal: the engine's compiled arrays and per-replicate state. Compiled arrays are
 * built once from the scenario (dm_engine_new); state arrays are reset per replicate.
 *
 * Parameters live in records shared by many nodes or groups: node v follows
 * node[node_rec[v]] (a defined node has a record of its own, a layer's nodes share one),
 * group g follows group[group_link[g].rule] (a coupling's groups share one); only state is
 * stored per node, group and edge, so a layer of 10^6 nodes costs its state, not 10^6
 * copies of its parameters.
 *
 * Node v's groups are group_of[group_start[v] .. group_start[v+1]). Edge k carries one
 * provider's level to one group: the providers of group g are edges g_edge[g] ..
 * g_edge[g+1]; resupply edges come after every provider edge (k >= nprovider_edges), those
 * of group g from its record's resupply_edge. Node u's out-edges (where u is the provider)
 * are out_edge[out_start[u] .. out_start[u+1]). */
#ifndef DOMINO_ENGINE_INTERNAL_H
#define DOMINO_ENGINE_INTERNAL_H

#include <math.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "domino/engine.h"
#include "engine/calendar.h"
#include "engine/streams.h"

/* ---- Tolerances: every comparison of computed values in the engine uses one of these.
 * The renderers (src/io/timeline.c, injects.c) use the same DM_LEVEL_EPS, since they
 * re-classify the engine's levels. ---- */

/* DM_LEVEL_EPS (levels closer than this are equal) is in domino/engine.h: the renderers
 * re-classify the engine's levels with it. */
/* Rounding a quotient up to a whole number of ticks, steps or providers: a quotient within
 * this of a whole number is that number (3600 s / 60 s must be 60 ticks, not 61, although
 * it may come out as 60.000000000001), so ceil(x - DM_ROUND_EPS). The same margin says a
 * buffer has run out when at most this many ticks of it are left, and that a log step of
 * 10 % has been reached. */
#define DM_ROUND_EPS 1e-9
/* A sector's loss of exactly its threshold's magnitude counts as reaching it: U_S is a
 * sum over nodes with a rounding error far below this relative margin. */
#define DM_MAGNITUDE_REL 1e-9
/* A sector whose threshold is `any` counts a loss above this share of its capacity. It is
 * DM_LEVEL_EPS with a factor 4 that came with the ramp steps (commit 4d27277) without a
 * recorded reason; it only keeps the dust of the sum U_S out, every real loss of a node
 * is at least DM_LEVEL_EPS of that node (levels that close to 1 are 1), and the goldens
 * depend on the value, so it stays. */
#define DM_ANY_LOSS_SHARE (4 * DM_LEVEL_EPS)
/* Nodes of one layer share one relax coefficient k; the k computed for each must agree to
 * this relative margin (they are the same formula on the same numbers, up to rounding in
 * the sum of the node's dependence on itself). */
#define DM_RELAX_K_REL 1e-12
/* Frontiers larger than this are evaluated by OpenMP threads; smaller ones, where starting
 * a parallel region costs more than it saves, by the calling thread. Both run the same
 * sweep (settle() in engine.c), so this changes the time a tick takes, never its result;
 * the environment variable DOMINO_PARALLEL_FRONTIER overrides it (tests/test_determinism.c
 * runs the shipped scenarios with 0 and with the default and requires the same output). */
#define DM_PARALLEL_FRONTIER 4096
#define DM_PARALLEL_FRONTIER_ENV "DOMINO_PARALLEL_FRONTIER"

/* A test knob (tests/test_determinism.c): with DOMINO_EVALUATE_EVERY=1 in the environment,
 * every delivery and every wake evaluates its node, as if dmi_rule_delivered and
 * dmi_rule_woken never found that nothing can move; levels and breaches are the same. */
#define DM_EVALUATE_EVERY_ENV "DOMINO_EVALUATE_EVERY"
/* Rounds allowed for zero-lag changes to settle within one tick before the loop is cut. */
#define DM_MAX_ROUNDS 10000

/* A buffer with a distribution of backups across facilities is followed in steps of its
 * group's loss of at most this share of the node's capacity (DESIGN.md: 1 %; node_rule.c,
 * buffer_covered). */
#define DM_FACILITY_STEP 0.01

/* Clocks a buffer keeps (node_rule.c): one per deepening of its shortfall, so later-cut
 * facilities have fuller backups. Past this many, the two closest clocks are merged. */
#define DM_BUFFER_CLOCKS 8

/* Per-group event flags set by dmi_node_evaluate and logged serially by apply(). */
enum { GF_ENGAGED = 1, GF_HELD = 2, GF_DRAINING = 4, GF_EXHAUSTED = 8 };

/* A requirement group's settings as the rule reads them (dm_group also carries names,
 * positions and distributions the hot loop never needs). */
typedef struct group_rule {
    double strength, quorum_fraction, quorum_failed, quorum_level, refill, resupply_level;
    double backup_share;             /* the share of the facilities with a backup */
    const dm_dist *facilities;       /* backup durations across facilities (seconds), or NULL:
                                        one duration, drawn per replicate (buf_cap) */
    int64_t lag;                     /* ticks */
    size_t resupply_edge;            /* the first of its nresupply resupply edges */
    int quorum_count, nresupply;
    unsigned char mode, has_buffer;
    unsigned char monotone;          /* facilities: S never rises in floating point
                                        (monotone_survival, set by dmi_rule_compile) */
    double restart_rate;             /* share of the node's facilities whose backup ran out
                                        restarted by visits per tick (0: all back at once) ... */
    double restart_share;            /* ... the share of them that needs a visit */
} group_rule;

/* Likewise a node's parameters. */
typedef struct node_rule {
    double collapse, relax_k, capacity;
    int64_t restart, ramp, ramp_steps;  /* ticks; drawn per node and replicate when random_dynamics */
    int sector, cell;                /* cell: region x sector of the impact map, -1 for none */
    int layer_run;                   /* index into layer_run, or -1 */
    unsigned char rule, dynamics, random_dynamics, relax_k_set;
} node_rule;

/* An edge: what it carries (the provider's level as last delivered, and the hazard at its
 * root), from which provider to which group, with what share. One record, so that a
 * delivery touches one cache line. */
typedef struct edge_run {
    double seen, share;
    int seen_root, group, from;
} edge_run;

/* A group's dependent and its rule record, together for the same reason, and whether it
 * has a buffer (its record's has_buffer), so that the loops over a node's groups, which
 * read a buffered group's state and not its record, need not load the record. */
typedef struct group_link {
    int dependent, rule;
    unsigned char has_buffer;
} group_link;

/* A buffered group's state at tick t0 (DESIGN.md, "What a node computes"): the node's
 * facilities are ordered as they are cut, so the share `cut` = 1 - sigma cut since t0 is
 * [0, cut). Clock i stands for facilities [top[i-1], top[i]) (top[-1] = 0), which had used
 * `used[i]` ticks of their backups at t0: cut clocks run (unless `held` by resupply), the
 * others (reconnected) run back at the refill rate; beyond the last clock backups are full.
 * `covering`: some cut facility runs on its backup; `left`: ticks of backup left, for the
 * log; `flags`: the events the last change raised (GF_*).
 * The group's loss w_g (1 - sigma_g - covered_g), its limiting provider edge and `wake`,
 * the tick its covered share next moves, are the state's too: they hold until an input of
 * the group changes (rule_state.buf_input moves past `input`) or until `wake`, so a node
 * evaluated for another input reads them instead of recomputing them (node_rule.c). */
typedef struct buffer_state {
    /* first, in the state's first cache line: what every evaluation of the node reads
     * (buffer_current), and what deciding whether buf_next is to be committed reads */
    double loss; int64_t wake; int limiting; uint32_t input;
    int64_t t0;
    unsigned char same;               /* in buf_next: unchanged, keep the committed state */
    unsigned char n, held, covering, flags;
    unsigned char all_cover;          /* one duration: every cut facility runs on its backup */
    int64_t exhaust;                  /* one duration: the first cut clock's end */
    double cut, left, covered;        /* covered: the share of the facilities on backup */
    struct { double top, used; } clock[DM_BUFFER_CLOCKS + 2];  /* 2 more while evaluating */
    double waiting;                   /* `restart_rate`: share of the node's facilities
                                         reconnected after their backup ran out, waiting
                                         for a visit; crews at work on them since wait_t,
                                         the level next following them at wait_next */
    int64_t wait_t, wait_next;
} buffer_state;

/* What evaluating a node found, for dmi_node_commit and apply() to commit: its next level,
 * when to wake it, the cause (node, group, root hazard), flags, and the node's next
 * dynamics state (the fields of the same names in rule_state). Its groups' next buffer
 * states are in buf_next[]. */
typedef struct evaluation {
    double level, dyn_level;
    int64_t wake, dyn_tick, rise_restart;
    int cause, root, group;
    unsigned char collapsed;         /* 1: below its collapse threshold; 2: disconnected */
    unsigned char restarting, viable, restarted;
    unsigned char buffers_moved;     /* some group's buffer has a new state in buf_next[] */
    int bind;                        /* the group whose availability is `in` (min rule), the
                                        first with the least; -1: every one is 1 */
    double in;                       /* the input sufficiency in_v the level followed */
} evaluation;

/* A layer with a connectivity rule, as the engine runs it (connectivity.c). */
typedef struct layer_run {
    const dm_layer *L;
    unsigned char *is_source;        /* per local node */
    int *pending; size_t npending;   /* nodes whose viability changed since the last pass */
    int added;                       /* one of them became viable: a pass from scratch */
    size_t giant, outside_max;       /* giant: its size, and the largest other component */
    size_t giant0, outside_max0;     /* the same before T+0 */
    int pending_root;                /* the hazard at the root of the first of them */
    int root;                        /* ... of the last pass's, for the events it causes */
} layer_run;

/* The ledger of unserved service and breaches (ledger.c owns it): per sector the unserved
 * service U_S, the tick it was integrated to, and the current run over the threshold
 * (start, peak, unit-hours); the same per (region, sector) cell, cell = region x nsectors
 * + sector, over the cell's nodes reg_node[reg_start[c] .. reg_start[c+1]) (none,
 * nreg_cells 0, in a model without regions); which sectors and cells the tick touched. */
typedef struct ledger {
    unsigned char *sector_touched; size_t nsectors_touched;  /* and how many are set */
    double *unserved; int64_t *acc_tick; int *in_run; int64_t *run_start;
    double *run_peak, *run_uh;
    double *node_cap;                /* per sector_node slot: the node's capacity, read in that order */
    size_t nreg_cells; size_t *reg_start; int *reg_node; double *reg_node_cap;
    double *reg_capacity, *reg_magnitude;
    double *reg_unserved, *reg_run_peak, *reg_run_uh; int64_t *reg_acc_tick, *reg_run_start; int *reg_in_run;
    unsigned char *reg_touched; int *reg_touched_list; size_t nreg_touched;
    size_t cap_breaches, cap_region_breaches;
} ledger;

/* The output sampler (sampler.c owns it): the next grid point to record, whether a level
 * changed since the last one (dmi_sampler_touch sets it), what to store, the series'
 * values at the last recorded point (level_now, map_now), and the impact map's (region,
 * sector) cells: their nodes (cell_node[cell_start[c] ..], by index) and the cells with a
 * node whose level moved since (dirty_cell[0 .. ndirty-1], flagged in dirty), so a row
 * recomputes only those; and the sectors of such nodes (dirty_sector, the only ones whose
 * unserved service the ledger can have changed). */
typedef struct sampler {
    size_t next_sample; int changed; unsigned store;
    double *level_now, *map_now;
    int *dirty_sector; unsigned char *sector_dirty; size_t nsector_dirty;  /* likewise, the sectors */
    double *cell_capacity, *cell_unserved;
    int *cell_start, *cell_node, *dirty_cell; unsigned char *dirty;
    size_t ndirty, cap_level_changes, cap_impact_changes;
} sampler;

/* The rule's state (node_rule.c owns it: dmi_rule_reset, dmi_node_commit, dmi_node_damage,
 * and the moves of dmi_rule_delivered). */
typedef struct rule_state {
    double *damage;
    int *damage_hazard;              /* the hazard whose damage the node has, or -1 */
    int64_t *restart, *ramp;         /* drawn (ticks); NULL when no node has random ones */
    /* dynamics state: relax: the tick and the level at its start; step: the tick the
     * target rose and the level it rose from (-1: not rising) */
    int64_t *dyn_tick; double *dyn_level;
    int64_t *rise_restart;           /* step: the restart this rise waits for */
    unsigned char *restarted;        /* step: restarted since the last loss */
    /* what the last evaluation of a node found (evaluation.in, bind), so that a delivery
     * that cannot change its level need not evaluate it; NULL when no node has two groups
     * (then every delivery evaluates) */
    double *in; int *bind;
    /* groups (only when some group has a buffer): the duration drawn (ticks; with
     * facilities, the longest backup, INFINITY when unbounded), the committed state, and
     * the state evaluate() found for dmi_node_commit (a group has one dependent, so
     * evaluations of distinct nodes write distinct entries); buf_input counts the changes
     * of each group's inputs (deliveries to it), which a committed state has seen up to
     * its `input` */
    double *buf_cap; uint32_t *buf_input;
    /* buf[g] and buf_next[g] point into buf_store (two states per group, aligned to cache
     * lines): committing a group's next state swaps the two pointers instead of copying it */
    buffer_state **buf, **buf_next, *buf_store;
    /* per group: `resupply_after` drawn (ticks; 0 without one), NULL when no group has one */
    double *buf_after;
    /* the groups whose duration or `resupply_after` is drawn from the stream each replicate,
     * in group order (the others are fixed at compile time: dmi_rule_compile), and the groups
     * whose state a replicate touched (an input delivered), the only ones its reset restores */
    int *draw_group; size_t ndraw_groups;
    unsigned char *buf_touched; int *touched_group; size_t ntouched_groups;
    /* per group: its node's evaluation found a new state in buf_next, for dmi_node_commit
     * (one byte per group: the commit then reads no state it does not commit) */
    unsigned char *buf_moved;
} rule_state;

/* Commits group g's next state (buf_next, as buffer_recompute left it): the two states
 * trade places, and the old one, now in buf_next, is stale (`same`: nothing to commit). */
static inline void buffer_commit(rule_state *r, size_t g)
{
    buffer_state *next = r->buf_next[g];
    r->buf_next[g] = r->buf[g];
    r->buf[g] = next;
    r->buf_next[g]->same = 1;
}

/* The hazards' state (engine.c owns it: reset's draws, the hazard events, restoration
 * curves); the rule reads it for a node's damage. */
typedef struct hazard_state {
    int *active;
    double *pair_severity;           /* per pair: the severity drawn for the hazard on that node */
    unsigned char *hit;              /* per pair: the node is among those the hazard hits */
    double *stretch;                 /* per hazard: the factor on its restoration curve's times */
    double *restored;                /* per hazard: share of the hit capacity back (its curve) */
    double *restore_logged;          /* ... as the last hazard_restoring event said */
    int *restore_seg, *restore_j;    /* ... the curve's segment and step reached */
    double *sector_scratch;          /* per sector: severities drawn for one hazard */
    int *chosen, *candidates;        /* scratch for random selections (the largest hazard) */
} hazard_state;

/* Layer connectivity (connectivity.c owns it); NULL arrays when no layer has a rule. */
typedef struct conn_state {
    layer_run *layer_run; size_t nlayer_runs;
    unsigned char *state;            /* per node: CONN_VIABLE | CONN_CONNECTED */
    unsigned char *connected0, *pending_flag;
    int *label, *queue, *lost;
    int *changed; size_t nchanged;   /* the last pass's nodes to evaluate */
} conn_state;

/* The loop (engine.c owns it): the calendar, the tick being processed, the replicate's
 * random stream, and the frontier: dirty[v] 1 on the next round's frontier, 2 evaluated
 * this round and not yet applied; the evaluations, one per frontier slot (written by
 * dmi_node_evaluate, grown to the largest frontier). */
typedef struct loop_state {
    calendar cal;
    int64_t now;                     /* INT64_MIN before the first tick */
    gsl_rng *rng;
    unsigned char *dirty; int *frontier, *frontier_next; size_t nfront, nnext;
    evaluation *next; size_t next_cap;
    size_t parallel_frontier;        /* DM_PARALLEL_FRONTIER, or its override */
    unsigned char evaluate_every;    /* DM_EVALUATE_EVERY_ENV set: every delivery and wake evaluates */
} loop_state;

/* The engine: the compiled model (engine.c, dm_engine_new: read-only afterwards but for
 * the edges' delivered levels, which deliveries write), then one part per owner. */
struct dm_engine {
    const dm_scenario *sc;
    const dm_model *m;
    size_t n, ngroups, nedges, nprovider_edges, nsectors, nhazards;

    /* compiled: parameter records */
    node_rule *node; size_t nnode_recs;
    group_rule *group; size_t ngroup_recs;
    int *node_rec;                   /* per node */
    group_link *group_link;          /* per group */
    /* compiled: nodes */
    /* The offsets into per-group, per-edge and per-pair arrays are 32-bit: dm_engine_new
     * refuses 2^31 or more of each, and at 10^6 nodes a 64-bit offset array is 8 MB of
     * pages to fault in and of cache to miss. */
    uint32_t *group_start; int *group_of;
    uint32_t *out_start; int *out_edge;
    int64_t *out_lag;                /* per out_edge slot: its edge's lag (ticks), read beside it */
    uint32_t *sector_start; int *sector_node; /* nodes of each sector */
    uint32_t *haz_start; int *haz_of;  /* (hazard, node) pairs touching each node */
    uint32_t *pair_start; int *pair_hazard; /* pairs of hazard h: pair_start[h] + i for its node i */
    /* compiled: groups and edges (with the edges' delivered levels) */
    uint32_t *g_edge;
    edge_run *edge;
    int64_t *threshold_ticks;        /* per sector */
    double *sector_capacity;

    /* apply and events (engine.c): the committed levels, when each node's wake is set,
     * the level of its last `rising` event since its last loss (or -1), the log's room */
    double *level;
    int64_t *pending_wake;
    double *rise_logged;
    size_t cap_events, cap_warnings;

    rule_state rule;                 /* node_rule.c */
    hazard_state haz;                /* engine.c, hazards */
    conn_state conn;                 /* connectivity.c */
    ledger ledger;                   /* ledger.c */
    sampler sampler;                 /* sampler.c */
    loop_state loop;                 /* engine.c, the loop */
    int out_of_memory;               /* set by any part that could not grow: the run fails */
    dm_engine_result res;
};

/* A layer node is viable when its own damage and inputs let it run, connected when the
 * layer's rule joins it (connectivity.c); live when both. One byte, so that a search over
 * 10^6 nodes reads one small array. */
enum { CONN_VIABLE = 1, CONN_CONNECTED = 2, CONN_LIVE = 3 };

/* Durations are rounded up to whole ticks, so a non-zero lag or buffer is never lost. */
static inline int64_t to_ticks(double seconds, int64_t tick_s)
{
    return (int64_t)ceil(seconds / (double)tick_s - DM_ROUND_EPS);
}

static inline const node_rule *node_rule_of(const dm_engine *e, int v) { return &e->node[e->node_rec[v]]; }
static inline const group_rule *group_rule_of(const dm_engine *e, size_t g) { return &e->group[e->group_link[g].rule]; }
static inline size_t group_nproviders(const dm_engine *e, size_t g) { return e->g_edge[g + 1] - e->g_edge[g]; }
/* Resupply edges come after every provider edge; they act on a buffer at once (no lag). */
static inline int is_resupply_edge(const dm_engine *e, size_t k) { return k >= e->nprovider_edges; }
static inline int64_t edge_lag(const dm_engine *e, size_t k)
{
    return is_resupply_edge(e, k) ? 0 : group_rule_of(e, (size_t)e->edge[k].group)->lag;
}

/* node_rule.c: the rule that sets a node's level (DESIGN.md "What a node computes").
 * A pure evaluation: reads the committed state and the providers' delivered levels, and
 * writes only frontier slot `slot` and node v's groups' buf_next[]; dmi_node_commit and
 * apply() commit them. */
void dmi_node_evaluate(dm_engine *e, int v, size_t slot, int64_t t);

/* node_rule.c: the rule's state at the start of a replicate: no damage, no dynamics under
 * way, every backup full; draws each buffer's duration (dependency order), then restart
 * and ramp of the nodes that have random ones (node order). */
void dmi_rule_reset(dm_engine *e);
/* node_rule.c, at compile time (after the buffer arrays): the buffers' fixed durations, the
 * groups that draw theirs, every backup full; -1 when out of memory. */
int dmi_rule_compile(dm_engine *e);


/* node_rule.c: commits node v's evaluation in frontier slot `slot` to the rule's state
 * (dynamics, buffers, what it found); the buffer events raised are left in buf[g].flags
 * for the log, and it returns nonzero when there are some. */
int dmi_node_commit(dm_engine *e, int v, size_t slot);
/* node_rule.c: the buffer events (GF_*) group g's last change raised, handed over to the
 * log and cleared. */
unsigned dmi_rule_take_buffer_events(dm_engine *e, int g);
/* node_rule.c: the event (dm_event_kind) that node v's level going from old to now, as
 * its evaluation in frontier slot `slot` found, is told as; -1 for none. last_rise: the
 * level last told as rising (-1: none since the last loss). */
int dmi_rule_event(const dm_engine *e, int v, size_t slot, double old, double now, double last_rise);

/* node_rule.c: a new level delivered on edge k (to group g of node v, as the caller has
 * read them) at tick t (the edge holds it already).
 * Returns 1 when the dependent must be evaluated. Returns 0 when the delivery cannot move
 * its level: a step node whose group's new availability is not below the node's input
 * sufficiency, which another group sets, or a rising node's group whose new availability
 * is above the level it holds; a buffered group's state then moves
 * on at once, and *wake is when the node must next be evaluated for it (INT64_MAX: not).
 * `evaluating`: the node is on the frontier or waiting to be applied, so it is evaluated
 * anyway and nothing may move before. Serial code only (handle, apply). */
int dmi_rule_delivered(dm_engine *e, size_t g, int v, int64_t t, int evaluating, int64_t *wake);
/* node_rule.c: node v's wake at tick t. Returns 1 when v must be evaluated; 0 when the
 * groups that moved cannot move its level (they moved on at once, and *wake is when a
 * group of v next moves). Serial code only (handle). */
int dmi_rule_woken(dm_engine *e, int v, int64_t t, int evaluating, int64_t *wake);

/* node_rule.c: node v's damage, the largest among the hazards active on it. */
void dmi_node_damage(dm_engine *e, int v);

/* node_rule.c, at compile time: the relax coefficients from recovery times (DM_EDATA with
 * the node's line when one is out of range). */
int dmi_node_compile_relax(dm_engine *e, dm_error *err);

/* ledger.c: compile (after the node records; -1 when out of memory), free, reset per
 * replicate; touch: node's level changed this tick; tick: take the touched sectors' and
 * cells' new unserved service at tick t and step their breach state; close: the books at
 * the horizon (open runs, final levels, economic loss, breaches in time order). */
int dmi_ledger_compile(dm_engine *e);
void dmi_ledger_free(dm_engine *e);
void dmi_ledger_reset(dm_engine *e);
void dmi_ledger_tick(dm_engine *e, int64_t t);
void dmi_ledger_close(dm_engine *e, int64_t horizon);
static inline void dm_ledger_touch(dm_engine *e, const node_rule *node)
{
    ledger *l = &e->ledger;
    if (!l->sector_touched[node->sector]) {
        l->sector_touched[node->sector] = 1;
        l->nsectors_touched++;
    }
    if (l->nreg_cells && node->cell >= 0 && !l->reg_touched[node->cell]) {
        l->reg_touched[node->cell] = 1;
        l->reg_touched_list[l->nreg_touched++] = node->cell;
    }
}

/* sampler.c: record every grid point before tick t; reset per replicate; free. */
void dmi_sampler_until(dm_engine *e, int64_t t);
void dmi_sampler_reset(dm_engine *e);
/* sampler.c: node v's level changed since the last sample (the next one is computed
 * afresh, and the map's cell of v summed again). */
void dmi_sampler_touch(dm_engine *e, int v);
void dmi_sampler_free(dm_engine *e);

/* connectivity.c: compile (after the engine's arrays; -1 when out of memory), reset per
 * replicate, note a node whose viability changed (apply), and the pass after the node
 * rules settle: returns 1 if a layer was recomputed, -1 when out of memory, and sets
 * *changed to the viable nodes whose connection it changed (valid until the next pass),
 * for the engine to evaluate. */
int dmi_conn_compile(dm_engine *e);
void dmi_conn_reset(dm_engine *e);
void dmi_conn_free(dm_engine *e);
void dmi_conn_viability_changed(dm_engine *e, int v, int root);
int dmi_conn_pass(dm_engine *e, const int **changed, size_t *nchanged);

#endif
