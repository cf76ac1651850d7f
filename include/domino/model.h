/* domino — models (sectors, regions, nodes, requirement groups) and scenarios.
 *
 * A model and a scenario are loaded from YAML (see docs/model-format.md and
 * docs/scenario-format.md) into the flat, read-only structures below. Times are in
 * seconds here; the engine converts them to ticks. All arrays are owned by the model or
 * scenario and freed with it; callers only read them. */
#ifndef DOMINO_MODEL_H
#define DOMINO_MODEL_H

#include "export.h"
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* A probability distribution for an uncertain quantity (a duration, a start time). The
 * parameters are in the quantity's unit (seconds for durations). */
typedef enum { DM_DIST_FIXED, DM_DIST_UNIFORM, DM_DIST_NORMAL, DM_DIST_LOGNORMAL,
               DM_DIST_WEIBULL, DM_DIST_GAMMA, DM_DIST_EXPONENTIAL, DM_DIST_CHOICE,
               DM_DIST_TABLE } dm_dist_kind;

typedef struct dm_dist {
    dm_dist_kind kind;
    double a, b;           /* fixed: a; uniform: [a, b]; normal: mean a, sd b;
                              lognormal: median a, sigma b; weibull: scale a, shape b;
                              gamma: shape a, scale b; exponential: mean a */
    double lo, hi;         /* truncation: draws outside [lo, hi] are redrawn */
    size_t nchoices;       /* choice: values and weights; table: the points of an empirical
                              CDF, values[i] (increasing) with F = weights[i] (not decreasing,
                              the last 1), linear between points and from (0, 0) */
    double *values, *weights;
} dm_dist;

typedef enum { DM_MODE_SHARE, DM_MODE_ANY, DM_MODE_QUORUM } dm_mode;
typedef enum { DM_RULE_MIN, DM_RULE_PRODUCT, DM_RULE_LINEAR } dm_rule;
typedef enum { DM_DYN_STEP, DM_DYN_RELAX } dm_dynamics;
typedef enum { DM_HAZARD_CYBER, DM_HAZARD_FAILURE, DM_HAZARD_DISASTER, DM_HAZARD_OTHER } dm_hazard_kind;

typedef struct dm_sector {
    char *id, *name_ja, *name_en, *unit;
    /* Service-level threshold: a breach starts when unserved U >= magnitude has held for
     * duration. any_loss: any unserved service counts (magnitude is then 0). */
    int any_loss;
    double magnitude;      /* in the sector's unit, for the sector as a whole */
    double magnitude_share;/* a percentage threshold as a fraction (0: given in units): the
                              magnitude is this share of the capacity it is compared with,
                              the sector's (all its nodes', a layer's included) or a region's */
    int64_t duration_s;
    double output;         /* economic output per year, in the model's output_unit; 0 unknown */
    char *authority;       /* the ministry responsible (所管省庁), or NULL */
    char *ceptoar;         /* the sector's CEPTOAR (セプター), or NULL */
    int line;              /* where the sector is defined, for messages */
} dm_sector;

/* A region; hazards select it by id, code or name, or by a group it belongs to (a power
 * area, say). */
typedef struct dm_region {
    char *id, *name_ja, *name_en, *code;
    char **groups; size_t ngroups;
} dm_region;

/* Whether selector text names region g (its id, code, either name, or one of its groups). */
DM_EXPORT int dm_region_matches(const dm_region *g, const char *text);

/* Default number of steps of a recovery ramp: service comes back in blocks (feeders,
 * lines, plants) of 5 % each, not tick by tick. Each step is an event, so this also
 * bounds the work a ramp costs (docs/model-format.md). */
#define DM_DEFAULT_RAMP_STEPS 20

typedef struct dm_node {
    char *id, *name_ja, *name_en;
    int sector, region;    /* indices; region -1 when none */
    double capacity;       /* in the sector's unit */
    dm_rule rule;
    double collapse;       /* collapse threshold theta_v; 0 = none */
    dm_dynamics dynamics;
    dm_dist restart, ramp; /* step dynamics, seconds; drawn per replicate when random */
    int64_t ramp_steps;    /* the ramp rises in at most this many equal steps */
    double relax_k;        /* relax dynamics: the resilience coefficient per tick, or ... */
    int64_t recovery_s;    /* ... when > 0, computed from this recovery time (Lian & Haimes
                              2006) by the engine, which knows the tick */
    double recovery_to;    /* q(T)/q(0) the recovery time refers to (default 0.01) */
    char **tags; size_t ntags;
    int line;
} dm_node;

/* A requirement group: the providers in it are substitutes; a node needs all its groups.
 * Providers are provider_node[first .. first+nproviders) of the model, with shares. */
typedef struct dm_group {
    int dependent;
    dm_mode mode;
    double strength;       /* w_g in [0,1] */
    int64_t lag_s;
    size_t first, nproviders;
    int quorum_count;      /* quorum: at least this many providers ... */
    double quorum_fraction;/* ... or this fraction of them (used when count is 0) ... */
    double quorum_level;   /* ... at level >= this; or, when quorum_failed > 0, sigma = 0
                              once this fraction of them (and at least one) is below level */
    double quorum_failed;
    int has_buffer;
    dm_dist buffer;        /* buffer duration (seconds): drawn once per replicate, or, when
                              facilities is set, the distribution of backup durations across
                              the node's facilities (DESIGN.md, "What a node computes") */
    int facilities;
    double backup_share;   /* the share of the node's facilities that have a backup */
    double refill;         /* buffer seconds regained per second while supplied */
    double restart_rate;   /* facilities whose backup ran out need a visit once their input
                              returns: share of the node's facilities restarted per hour
                              (0: all back at once) ... */
    double restart_share;  /* ... the share of them that needs it (the others: at once) */
    size_t resupply_first, nresupply; /* resupply providers: resupply_node[...] */
    double resupply_level; /* resupply holds while every resupply provider is >= this */
    int has_resupply_after;
    dm_dist resupply_after; /* seconds: resupply reaches a cut facility only once its backup
                               has run this long (mobile generators, fuel on its way); drawn
                               once per replicate; absent: at once */
    int line, column;
} dm_group;

/* A sector's internal network (DESIGN.md, "Connectivity within a sector layer"): nodes
 * first .. first+nnodes of the model, undirected edges in CSR form over local indices
 * (each edge listed at both ends). With connectivity `source`, a node runs only while a
 * path of viable nodes of the layer joins it to one of the sources; with `giant`, only
 * while it is in the layer's largest component of viable nodes. */
typedef enum { DM_CONNECT_NONE, DM_CONNECT_SOURCE, DM_CONNECT_GIANT } dm_connectivity;

typedef struct dm_layer {
    char *id;              /* the sector's id */
    int sector;
    size_t first, nnodes;
    size_t *adj_start; int *adj; size_t nedges;
    dm_connectivity connectivity;
    int *sources; size_t nsources;   /* local indices, for `source` */
    char *graph;           /* how the graph was made, for messages and provenance */
    /* What every node of the layer is: the sector's default behaviour and capacity, one
     * record for all of them (a layer may have 10^8 nodes). Its id and names are the
     * sector's id; dm_node_id gives a node's own ("A:17"). */
    dm_node node;
    int line;
} dm_layer;

/* Requirement groups that a layer's edges or a coupling imply, stored once for many
 * (count groups, the model's groups first .. first+count): group i makes node
 * dependent[i] need
 *   - pairs (couplings): the one provider provider[i];
 *   - neighbours (`neighbours:`): its neighbours in layer `layer`, with equal shares.
 * All of them have the mode, strength, lag and quorum of `settings` (whose dependent and
 * providers are unused). Both directions of a mutual coupling use one pair of arrays,
 * owned by the first. */
typedef enum { DM_SET_PAIRS, DM_SET_NEIGHBOURS } dm_group_set_kind;

typedef struct dm_group_set {
    dm_group_set_kind kind;
    dm_group settings;
    size_t first, count;
    int *dependent, *provider;       /* node indices */
    int owns;                        /* frees dependent and provider */
    int layer;                       /* neighbours: the layer's index */
} dm_group_set;

/* One requirement group, wherever it is stored (dm_model_group): its settings, dependent,
 * and providers; provider i is offset + provider[i], with share share[i] (equal shares
 * when share is NULL). */
typedef struct dm_group_ref {
    const dm_group *settings;
    size_t record;         /* which settings: g for a defined group, ndefined_groups + s for set s */
    int dependent;
    size_t nproviders;
    const int *provider; int offset;
    const double *share;
    size_t nresupply; const int *resupply;
} dm_group_ref;

static inline int dm_ref_provider(const dm_group_ref *g, size_t i) { return g->offset + g->provider[i]; }
static inline double dm_ref_share(const dm_group_ref *g, size_t i)
{
    return g->share ? g->share[i] : 1.0 / (double)g->nproviders;
}

/* A file the model read besides its own text (a layer's graph, a coupling's pairs): the
 * path as the model gives it, where it was read from (NULL: from the copy a result file
 * stored), and the SHA-256 of its bytes. Result files store these files, so that a run
 * reloads where they have moved or gone. */
typedef struct dm_input {
    char *path, *resolved;
    char sha256[65];
} dm_input;

/* The stored copies handed to the loader when a model is reloaded from a result file. */
typedef struct dm_stored_input {
    const char *path;
    const unsigned char *data; size_t len;
} dm_stored_input;

/* An id and the index of what it names: a model keeps one array of these per kind of id,
 * sorted by id, for lookups in O(log n) (dm_model_sector, dm_model_node). */
typedef struct dm_id_entry { const char *id; int index; } dm_id_entry;

typedef struct dm_model {
    char *name, *description, *file;
    char *text; size_t text_len; /* the YAML source (provenance); NULL for a model written
                                    inline in a scenario, whose source is the scenario */
    char *output_unit;     /* unit of the sectors' output per year, e.g. "10^9 JPY" */
    size_t nsectors, nregions;
    dm_sector *sectors;
    dm_region *regions;
    /* Nodes 0 .. nnodes: the ndefined_nodes defined in the file (or one per sector), with
     * records nodes[v]; then each layer's, which share the layer's record. Read a node
     * through dm_node_at and dm_node_id, which know both. */
    size_t nnodes, ndefined_nodes;
    dm_node *nodes;
    /* Requirement groups 0 .. ngroups: the ndefined_groups of `dependencies` (groups[g],
     * providers provider_node[first ..]), then those of each group set. Read a group
     * through dm_model_group. */
    size_t ngroups, ndefined_groups;
    dm_group *groups;
    int *provider_node; double *provider_share; size_t nprovider;
    int *resupply_node; size_t nresupply;
    dm_group_set *group_sets; size_t ngroup_sets;
    dm_layer *layers; size_t nlayers;
    dm_input *inputs; size_t ninputs;
    /* The ids of the sectors (nsectors), regions (nregions) and defined nodes
     * (ndefined_nodes), sorted, with their indices: built by the loader. A model built by
     * hand may leave them NULL; lookups then scan. */
    dm_id_entry *sector_ids, *region_ids, *node_ids;
} dm_model;

/* Node v's record: its own, or its layer's (shared by all the layer's nodes). O(log layers). */
DM_EXPORT const dm_node *dm_node_at(const dm_model *m, size_t v);
/* Which record: v for a defined node, ndefined_nodes + k for a node of layer k. */
DM_EXPORT size_t dm_node_record(const dm_model *m, size_t v);
/* Node v's id; its Japanese or English name. A layer's node has its id ("A:17") for all
 * three, written into buf (DM_NODE_ID_MAX bytes); a defined node's are returned as they are. */
#define DM_NODE_ID_MAX 96
DM_EXPORT const char *dm_node_id(const dm_model *m, size_t v, char *buf);
DM_EXPORT const char *dm_node_name(const dm_model *m, size_t v, int japanese, char *buf);
/* Requirement group g, wherever it is stored. O(log group sets). */
DM_EXPORT void dm_model_group(const dm_model *m, size_t g, dm_group_ref *out);
/* Providers plus resupply providers of every group: the engine's edge count. */
DM_EXPORT size_t dm_model_nedges(const dm_model *m);

typedef struct dm_hazard {
    char *id, *description;
    dm_hazard_kind kind;
    int *nodes; size_t nnodes;  /* nodes matching the selection, in model order */
    int select_random;          /* hit only select_count of them, drawn per replicate */
    size_t select_count;
    double severity;            /* damage in [0,1] when fixed; NaN when drawn or per sector */
    int severity_drawn;         /* severity_dist is drawn once per hazard and replicate */
    dm_dist severity_dist;
    dm_dist *sector_severity;   /* NULL, or one per model sector (the hit sectors' are set):
                                   `severity: {ELEC: 1.0, RAIL: 0.3}`, each drawn per replicate */
    dm_dist start;              /* seconds after T+0 */
    int has_duration;           /* 0: lasts to the horizon */
    dm_dist duration;           /* seconds */
    /* Restoration curve (DESIGN.md, "Hazards"): share restore_share[i] of the hit capacity
     * is back in service restore_s[i] seconds after the start (times increasing, shares not
     * decreasing, both from an implicit (0, 0)); linear between points, or, with
     * restore_steps, each share from its time on. stretch (drawn once per hazard and
     * replicate) multiplies the times. */
    size_t nrestore;
    double *restore_s, *restore_share;
    int restore_steps;
    int has_stretch;
    dm_dist stretch;
    int line;
} dm_hazard;

/* Kinds of timeline lines, for filters and prompts (flags). */
enum { DM_KIND_BREACHES = 1, DM_KIND_LOSSES = 2, DM_KIND_RESTORATIONS = 4, DM_KIND_ALL = 7 };

/* A planner's own inject (scenario key `injects`): shown at its time among the model's. */
typedef struct dm_planner_inject {
    int64_t at_s;
    char *to, *text;            /* recipients (may be NULL) and the message */
    int line;
} dm_planner_inject;

/* A question for the participants (scenario key `prompts`), shown with the first inject of
 * its sector (-1: any) and kinds (0: any). */
typedef struct dm_prompt {
    int sector;
    unsigned kinds;
    char *text;
} dm_prompt;
/* One of a scenario's overrides: a model value set by path (docs/scenario-format.md). */
typedef struct dm_override {
    char *path;                 /* as written: "model.dependencies[dependent=ICT.*].buffer.share" */
    char *value;                /* the value, as YAML flow text */
    size_t matches;             /* how many places in the model the path set */
    int line, column;           /* of the override in the scenario file */
} dm_override;

typedef struct dm_scenario {
    char *name, *description, *file;
    char **assumptions; size_t nassumptions; /* what the scenario takes as given, for readers */
    dm_planner_inject *injects; size_t ninjects;  /* in time order (stable) */
    dm_prompt *prompts; size_t nprompts;
    /* Loading notes that do not stop a run (a hazard wholly after the horizon), each
     * "file:line: text"; `--strict` makes them errors. */
    char (*warnings)[320]; size_t nwarnings;
    char *text;                 /* the scenario file's full text (provenance) */
    dm_model *model;            /* owned; with the overrides applied */
    dm_override *overrides; size_t noverrides;
    dm_hazard *hazards; size_t nhazards;
    int64_t horizon_s, tick_s;
    uint64_t seed;
    uint64_t replicates;
    /* Calendar time (DESIGN.md, "Time, overrides and exercises"): T+0 is the instant
     * start_unix (seconds since 1970-01-01 UTC), shown at UTC offset start_offset_min;
     * start_iso is it as written back ("2018-09-06T03:07:00+09:00"). has_start 0: times
     * are elapsed time from T+0 only. */
    int has_start;
    int64_t start_unix;
    int start_offset_min;
    char start_iso[32];
} dm_scenario;

/* Loads a model from YAML text. name_for_errors is the file name used in messages.
 * On success *out owns a new model (free with dm_model_free); on failure *out is NULL
 * and err says why. O(size of the file). */
DM_EXPORT int dm_model_parse(const char *text, size_t len, const char *name_for_errors,
                   dm_model **out, dm_error *err);
DM_EXPORT int dm_model_load(const char *path, dm_model **out, dm_error *err);
/* As dm_model_parse, but a file the model names that is among `stored` (by the path the
 * model gives) is read from there: reloading a run from its result file. */
DM_EXPORT int dm_model_parse_stored(const char *text, size_t len, const char *name_for_errors,
                          const dm_stored_input *stored, size_t nstored, dm_model **out, dm_error *err);
DM_EXPORT void dm_model_free(dm_model *m);

/* Loads a scenario and the model it names (a path ending in .yaml/.yml, relative to the
 * scenario's directory, or the name of an embedded model such as "japan-sectors"). */
DM_EXPORT int dm_scenario_parse(const char *text, size_t len, const char *name_for_errors,
                      dm_scenario **out, dm_error *err);
DM_EXPORT int dm_scenario_load(const char *path, dm_scenario **out, dm_error *err);
/* As dm_scenario_parse, with stored inputs for an inline model (dm_model_parse_stored). */
DM_EXPORT int dm_scenario_parse_stored(const char *text, size_t len, const char *name_for_errors,
                             const dm_stored_input *stored, size_t nstored, dm_scenario **out, dm_error *err);
/* As dm_scenario_parse, but with the model given (the scenario takes ownership of it, also
 * on failure) instead of the one its `model` key names: reloading a run from its result
 * file, which keeps both texts. */
DM_EXPORT int dm_scenario_parse_with_model(const char *text, size_t len, const char *name_for_errors,
                                 dm_model *model, dm_scenario **out, dm_error *err);
/* Both: the model given, and stored inputs for the files it names when the scenario's
 * overrides make it be read again. */
DM_EXPORT int dm_scenario_parse_with_model_stored(const char *text, size_t len, const char *name_for_errors, dm_model *model,
                                        const dm_stored_input *stored, size_t nstored, dm_scenario **out,
                                        dm_error *err);
/* The embedded default scenario on the embedded Japan model. */
DM_EXPORT int dm_scenario_default(dm_scenario **out, dm_error *err);
DM_EXPORT void dm_scenario_free(dm_scenario *s);

/* Checks a file without running it: a scenario (it has `hazards` or `model`) or a
 * model. *kind is set to "scenario" or "model". */
DM_EXPORT int dm_validate_file(const char *path, const char **kind, dm_error *err);

/* SHA-256 of the model's source text (of the scenario's, for an inline model), as 64
 * hex digits in hex[65]. */
DM_EXPORT void dm_scenario_model_sha256(const dm_scenario *sc, char hex[65]);

/* The magnitude of sector s's threshold for its part in region (-1: the whole sector):
 * a percentage threshold is a share of that part's capacity, one in units is the same
 * everywhere (DESIGN.md, "Service levels and breaches"). O(nodes). */
DM_EXPORT double dm_threshold_magnitude(const dm_model *m, int s, int region);

/* Index lookups by id; -1 when absent. O(log n) in a loaded model, O(n) in one built by
 * hand without the id arrays (a layer's node "A:17": O(layers)). */
DM_EXPORT int dm_model_sector(const dm_model *m, const char *id);
DM_EXPORT int dm_model_node(const dm_model *m, const char *id);

/* Shipped models, scenarios and sweeps by name (docs/usage.md, "Names"): kind is "models",
 * "scenarios" or "sweeps"; name ("tokyo-area-blackout", ".yaml" optional, no '/') is
 * looked up as <dir>/<kind>/<name>.yaml in each directory of $DOMINO_PATH (':'-separated),
 * then in the data installed with the library. Fills path and returns 0, or DM_ENOINPUT
 * with err saying where it looked. The loaders (dm_scenario_load, dm_model_load,
 * dm_sweep_load and a scenario's `model:`) fall back on it for a name that is not a file. */
DM_EXPORT int dm_data_find(const char *kind, const char *name, char *path, size_t size, dm_error *err);
/* The directories dm_data_find searches, in order, ':'-separated, into buf. */
DM_EXPORT const char *dm_data_dirs(char *buf, size_t size);

/* Embedded files: text of an embedded model or scenario by name, or NULL. */
DM_EXPORT const char *dm_embedded(const char *name, size_t *len);

/* Parses a duration such as "90s", "10min", "2h", "3d" into seconds. Returns 0 on success,
 * -1 when the text is not a non-negative number followed by a unit. */
DM_EXPORT int dm_parse_duration(const char *text, int64_t *seconds);
/* seconds (>= 0) as ticks of sc, rounded up: a duration, a horizon or an inject's time
 * never ends before the seconds given (DESIGN.md, "durations rounded up to ticks"). */
DM_EXPORT int64_t dm_scenario_ticks(const dm_scenario *sc, int64_t seconds);

DM_EXPORT const char *dm_hazard_kind_name(dm_hazard_kind k, int japanese);

/* Parses an ISO 8601 date and time with an optional UTC offset ("2018-09-06T03:07+09:00",
 * "2018-09-06T03:07:00Z"; no offset: JST, +09:00) into seconds since 1970-01-01 UTC and the
 * offset in minutes. Returns 0, or -1 when the text is not such a time. */
DM_EXPORT int dm_parse_iso8601(const char *text, int64_t *unix_s, int *offset_min);
/* The civil date and time at unix_s + offset_min minutes (proleptic Gregorian). */
DM_EXPORT void dm_civil_time(int64_t unix_s, int offset_min, int *year, int *month, int *day, int *hour,
                   int *minute, int *second);

#endif
