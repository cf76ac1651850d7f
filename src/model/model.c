/* Loading and validating models (docs/model-format.md). Every value is checked where it is
 * read, so an error names the exact position; cross references are resolved after all
 * sectors, regions and nodes are known. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../io/graph_igraph.h"
#include "domino/model.h"
#include "loader.h"
#include "yread.h"

#define NOMEM(r) dm_error_set((r)->err, DM_ESOFTWARE, (r)->file, 0, 0, "out of memory")

int dm_model_sector(const dm_model *m, const char *id)
{
    for (size_t i = 0; i < m->nsectors; i++)
        if (strcmp(m->sectors[i].id, id) == 0) return (int)i;
    return -1;
}

int dm_model_node(const dm_model *m, const char *id)
{
    int v = dm_layer_node(m, id);
    if (v >= 0) return v;
    for (size_t i = 0; i < m->ndefined_nodes; i++)
        if (strcmp(m->nodes[i].id, id) == 0) return (int)i;
    return -1;
}

/* The layer node v is in: layers hold consecutive ranges, in order. */
static size_t layer_of_node(const dm_model *m, size_t v)
{
    size_t lo = 0, hi = m->nlayers - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (m->layers[mid].first <= v) lo = mid; else hi = mid - 1;
    }
    return lo;
}

size_t dm_node_record(const dm_model *m, size_t v)
{
    return v < m->ndefined_nodes ? v : m->ndefined_nodes + layer_of_node(m, v);
}

const dm_node *dm_node_at(const dm_model *m, size_t v)
{
    return v < m->ndefined_nodes ? &m->nodes[v] : &m->layers[layer_of_node(m, v)].node;
}

const char *dm_node_id(const dm_model *m, size_t v, char *buf)
{
    if (v < m->ndefined_nodes) return m->nodes[v].id;
    const dm_layer *L = &m->layers[layer_of_node(m, v)];
    snprintf(buf, DM_NODE_ID_MAX, "%.*s:%zu", DM_NODE_ID_MAX - 24, L->id, v - L->first);
    return buf;
}

const char *dm_node_name(const dm_model *m, size_t v, int japanese, char *buf)
{
    if (v >= m->ndefined_nodes) return dm_node_id(m, v, buf);
    return japanese ? m->nodes[v].name_ja : m->nodes[v].name_en;
}

void dm_model_group(const dm_model *m, size_t g, dm_group_ref *out)
{
    if (g < m->ndefined_groups) {
        const dm_group *gr = &m->groups[g];
        *out = (dm_group_ref){gr, g, gr->dependent, gr->nproviders, &m->provider_node[gr->first], 0,
                              &m->provider_share[gr->first], gr->nresupply, &m->resupply_node[gr->resupply_first]};
        return;
    }
    size_t lo = 0, hi = m->ngroup_sets - 1;  /* sets hold consecutive ranges, in order */
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (m->group_sets[mid].first <= g) lo = mid; else hi = mid - 1;
    }
    const dm_group_set *set = &m->group_sets[lo];
    size_t i = g - set->first;
    *out = (dm_group_ref){&set->settings, m->ndefined_groups + lo, set->dependent[i], 1, NULL, 0, NULL, 0, NULL};
    if (set->kind == DM_SET_PAIRS) {
        out->provider = &set->provider[i];
    } else {
        const dm_layer *L = &m->layers[set->layer];
        size_t local = (size_t)set->dependent[i] - L->first;
        out->provider = &L->adj[L->adj_start[local]];
        out->nproviders = L->adj_start[local + 1] - L->adj_start[local];
        out->offset = (int)L->first;
    }
}

size_t dm_model_nedges(const dm_model *m)
{
    size_t E = m->nprovider + m->nresupply;
    for (size_t s = 0; s < m->ngroup_sets; s++) {
        const dm_group_set *set = &m->group_sets[s];
        if (set->kind == DM_SET_PAIRS) { E += set->count; continue; }
        const dm_layer *L = &m->layers[set->layer];
        for (size_t i = 0; i < set->count; i++) {
            size_t local = (size_t)set->dependent[i] - L->first;
            E += L->adj_start[local + 1] - L->adj_start[local];
        }
    }
    return E;
}

static int model_region(const dm_model *m, const char *id)
{
    for (size_t i = 0; i < m->nregions; i++)
        if (strcmp(m->regions[i].id, id) == 0) return (int)i;
    return -1;
}

void dm_model_free(dm_model *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nsectors; i++) {
        dm_sector *s = &m->sectors[i];
        free(s->id); free(s->name_ja); free(s->name_en); free(s->unit); free(s->authority); free(s->ceptoar);
    }
    for (size_t i = 0; i < m->nregions; i++) {
        free(m->regions[i].id); free(m->regions[i].name_ja); free(m->regions[i].name_en); free(m->regions[i].code);
        for (size_t k = 0; k < m->regions[i].ngroups; k++) free(m->regions[i].groups[k]);
        free(m->regions[i].groups);
    }
    for (size_t i = 0; i < m->ndefined_nodes; i++) {
        dm_node *v = &m->nodes[i];
        if (v->name_ja != v->id) free(v->name_ja);
        if (v->name_en != v->id) free(v->name_en);
        free(v->id);
        for (size_t t = 0; t < v->ntags; t++) free(v->tags[t]);
        free(v->tags);
        dm_dist_free(&v->restart);
        dm_dist_free(&v->ramp);
    }
    for (size_t i = 0; i < m->ndefined_groups; i++) dm_dist_free(&m->groups[i].buffer);
    for (size_t i = 0; i < m->ngroup_sets; i++) {
        if (!m->group_sets[i].owns) continue;
        free(m->group_sets[i].dependent);
        free(m->group_sets[i].provider);
    }
    free(m->group_sets);
    for (size_t i = 0; i < m->ninputs; i++) { free(m->inputs[i].path); free(m->inputs[i].resolved); }
    free(m->inputs);
    for (size_t i = 0; i < m->nlayers; i++) {
        dm_layer *L = &m->layers[i];
        free(L->id); free(L->adj_start); free(L->adj); free(L->sources); free(L->graph);
        dm_dist_free(&L->node.restart);
        dm_dist_free(&L->node.ramp);
    }
    free(m->layers);
    free(m->sectors); free(m->regions); free(m->nodes); free(m->groups);
    free(m->provider_node); free(m->provider_share); free(m->resupply_node);
    free(m->name); free(m->description); free(m->file); free(m->text); free(m->output_unit);
    free(m);
}

/* Node behaviour that a sector sets as the default for its nodes and a node may override. */
static int read_behaviour(yread *r, yaml_node_t *map, const char *what, dm_node *v)
{
    yaml_node_t *n;
    if ((n = yr_get(r, map, "rule"))) {
        const char *s = yr_text(n);
        if (strcmp(s, "min") == 0) v->rule = DM_RULE_MIN;
        else if (strcmp(s, "product") == 0) v->rule = DM_RULE_PRODUCT;
        else if (strcmp(s, "linear") == 0) v->rule = DM_RULE_LINEAR;
        else return yr_expected(r, n, what, "rule min, product or linear");
    }
    if ((n = yr_get(r, map, "collapse")) && yr_num(r, n, "collapse threshold", 0, 1, &v->collapse))
        return DM_EDATA;
    if ((n = yr_get(r, map, "dynamics"))) {
        if (n->type == YAML_SCALAR_NODE) {
            if (strcmp(yr_text(n), "step") != 0)
                return yr_expected(r, n, "dynamics", "step, or a mapping {kind: step|relax, ...}");
            v->dynamics = DM_DYN_STEP;
            return 0;
        }
        static const char *const keys[] = {"kind", "restart", "ramp", "steps", "k", "recovery", "recovery_to", NULL};
        yaml_node_t *kind, *x;
        if (yr_mapping(r, n, "dynamics", keys) || yr_need(r, n, "kind", "dynamics", &kind))
            return DM_EDATA;
        if (strcmp(yr_text(kind), "step") == 0) {
            v->dynamics = DM_DYN_STEP;
            if ((x = yr_get(r, n, "k"))) return yr_fail(r, x, "dynamics: 'k' belongs to kind relax");
            if ((x = yr_get(r, n, "restart"))) {
                dm_dist_free(&v->restart);
                if (yr_dist(r, x, "restart", 1, 0, 1e15, &v->restart)) return DM_EDATA;
            }
            if ((x = yr_get(r, n, "ramp"))) {
                dm_dist_free(&v->ramp);
                if (yr_dist(r, x, "ramp", 1, 0, 1e15, &v->ramp)) return DM_EDATA;
            }
            uint64_t steps;
            if ((x = yr_get(r, n, "steps"))) {
                if (yr_u64(r, x, "ramp steps", 1000000000ULL, &steps)) return DM_EDATA;
                if (steps < 1) return yr_expected(r, x, "ramp steps", "a whole number >= 1");
                v->ramp_steps = (int64_t)steps;
            }
        } else if (strcmp(yr_text(kind), "relax") == 0) {
            v->dynamics = DM_DYN_RELAX;
            if ((x = yr_get(r, n, "restart")) || (x = yr_get(r, n, "ramp")) || (x = yr_get(r, n, "steps")))
                return yr_fail(r, x, "dynamics: restart, ramp and steps belong to kind step");
            /* k directly, or from a recovery time (Lian & Haimes 2006; the engine converts) */
            yaml_node_t *k = yr_get(r, n, "k"), *rec = yr_get(r, n, "recovery"), *to = yr_get(r, n, "recovery_to");
            if (k && rec) return yr_fail(r, rec, "dynamics relax: give k or recovery, not both");
            if (!k && !rec) return yr_fail(r, n, "dynamics relax: expected k (per tick) or recovery (a duration)");
            if (to && !rec) return yr_fail(r, to, "dynamics relax: recovery_to goes with recovery");
            if (k && yr_num(r, k, "relax coefficient k", 1e-12, 1, &v->relax_k)) return DM_EDATA;
            v->recovery_to = 0.01;
            if (rec && yr_duration(r, rec, "recovery", &v->recovery_s)) return DM_EDATA;
            if (rec && v->recovery_s <= 0) return yr_expected(r, rec, "recovery", "a duration longer than 0");
            if (to && yr_num(r, to, "recovery_to", 1e-12, 0.999999, &v->recovery_to)) return DM_EDATA;
        } else {
            return yr_expected(r, kind, "dynamics kind", "step or relax");
        }
    }
    return 0;
}

static int read_threshold(yread *r, yaml_node_t *n, double capacity, dm_sector *s)
{
    static const char *const keys[] = {"magnitude", "duration", NULL};
    yaml_node_t *mag, *dur;
    if (yr_mapping(r, n, "threshold", keys) || yr_need(r, n, "magnitude", "threshold", &mag))
        return DM_EDATA;
    const char *t = yr_text(mag);
    size_t len = strlen(t);
    s->any_loss = strcmp(t, "any") == 0;
    if (s->any_loss) {
        s->magnitude = 0;
    } else if (len > 1 && t[len - 1] == '%') {
        char *end;
        double pct = strtod(t, &end);
        if (end != t + len - 1 || !(pct > 0 && pct <= 100))
            return yr_expected(r, mag, "threshold magnitude", "a percentage in (0, 100]%");
        s->magnitude_share = pct / 100.0;
        s->magnitude = capacity * s->magnitude_share;  /* until the nodes are known (sector_magnitudes) */
    } else if (yr_num(r, mag, "threshold magnitude (in the sector's unit, a percentage such as "
                      "'5%', or 'any')", 1e-300, 1e300, &s->magnitude)) {
        return DM_EDATA;
    }
    if ((dur = yr_get(r, n, "duration")) && yr_duration(r, dur, "threshold duration", &s->duration_s))
        return DM_EDATA;
    return 0;
}

static int read_sectors(yread *r, yaml_node_t *seq, dm_model *m, dm_node **defaults,
                        double **capacity)
{
    static const char *const keys[] = {"id", "name_ja", "name_en", "unit", "capacity", "threshold",
                                       "output", "rule", "collapse", "dynamics", "authority", "ceptoar", NULL};
    if (yr_sequence(r, seq, "sectors")) return DM_EDATA;
    size_t n = yr_len(seq);
    if (n == 0) return yr_expected(r, seq, "sectors", "at least one sector");
    m->sectors = calloc(n, sizeof *m->sectors);
    *defaults = calloc(n, sizeof **defaults);
    *capacity = calloc(n, sizeof **capacity);
    if (!m->sectors || !*defaults || !*capacity) return NOMEM(r);
    for (size_t i = 0; i < n; i++) (*defaults)[i].ramp_steps = DM_DEFAULT_RAMP_STEPS;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yr_at(r, seq, i), *x;
        dm_sector *s = &m->sectors[i];
        m->nsectors = i + 1;
        if (yr_mapping(r, it, "sector", keys)) return DM_EDATA;
        s->line = yr_line(it);
        if (yr_need(r, it, "id", "sector", &x) || yr_str(r, x, "sector id", &s->id)) return DM_EDATA;
        if (dm_model_sector(m, s->id) != (int)i) return yr_fail(r, x, "sector id '%s' is defined twice", s->id);
        if (yr_need(r, it, "name_en", "sector", &x) || yr_str(r, x, "name_en", &s->name_en)) return DM_EDATA;
        if ((x = yr_get(r, it, "name_ja")) ? yr_str(r, x, "name_ja", &s->name_ja)
                                           : !(s->name_ja = strdup(s->name_en)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = yr_get(r, it, "unit")) ? yr_str(r, x, "unit", &s->unit) : !(s->unit = strdup("%")))
            return r->err->code ? DM_EDATA : NOMEM(r);
        (*capacity)[i] = 100;  /* a sector without a unit counts percent of its service */
        if ((x = yr_get(r, it, "capacity")) && yr_num(r, x, "capacity", 1e-300, 1e300, &(*capacity)[i]))
            return DM_EDATA;
        s->any_loss = 1;       /* DESIGN.md: without a numeric level, any loss of service counts */
        if ((x = yr_get(r, it, "threshold")) && read_threshold(r, x, (*capacity)[i], s)) return DM_EDATA;
        if ((x = yr_get(r, it, "output")) && yr_num(r, x, "output (per year)", 0, 1e300, &s->output)) return DM_EDATA;
        /* who is told in an exercise: the sector's ministry (所管省庁) and its CEPTOAR */
        if ((x = yr_get(r, it, "authority")) && yr_str(r, x, "authority", &s->authority)) return DM_EDATA;
        if ((x = yr_get(r, it, "ceptoar")) && yr_str(r, x, "ceptoar", &s->ceptoar)) return DM_EDATA;
        if (read_behaviour(r, it, "sector", &(*defaults)[i])) return DM_EDATA;
    }
    return 0;
}

static int read_regions(yread *r, yaml_node_t *seq, dm_model *m)
{
    static const char *const keys[] = {"id", "name_ja", "name_en", "code", "groups", NULL};
    if (!seq) return 0;
    if (yr_sequence(r, seq, "regions")) return DM_EDATA;
    size_t n = yr_len(seq);
    m->regions = calloc(n ? n : 1, sizeof *m->regions);
    if (!m->regions) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yr_at(r, seq, i), *x;
        dm_region *g = &m->regions[i];
        m->nregions = i + 1;
        if (yr_mapping(r, it, "region", keys)) return DM_EDATA;
        if (yr_need(r, it, "id", "region", &x) || yr_str(r, x, "region id", &g->id)) return DM_EDATA;
        if (model_region(m, g->id) != (int)i) return yr_fail(r, x, "region id '%s' is defined twice", g->id);
        if ((x = yr_get(r, it, "name_en")) ? yr_str(r, x, "name_en", &g->name_en) : !(g->name_en = strdup(g->id)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = yr_get(r, it, "name_ja")) ? yr_str(r, x, "name_ja", &g->name_ja) : !(g->name_ja = strdup(g->name_en)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = yr_get(r, it, "code")) ? yr_str(r, x, "region code", &g->code) : !(g->code = strdup("")))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = yr_get(r, it, "groups"))) {
            yaml_node_t **ids;
            size_t count;
            if (yr_id_list(r, x, "region groups", &ids, &count)) return DM_EDATA;
            g->groups = calloc(count ? count : 1, sizeof *g->groups);
            for (size_t k = 0; g->groups && k < count && (g->groups[k] = strdup(yr_text(ids[k]))); k++) g->ngroups = k + 1;
            free(ids);
            if (!g->groups || g->ngroups < count) return NOMEM(r);
        }
    }
    return 0;
}

int dm_region_matches(const dm_region *g, const char *text)
{
    if (!strcmp(g->id, text) || !strcmp(g->name_en, text) || !strcmp(g->name_ja, text) ||
        (g->code && *g->code && !strcmp(g->code, text)))
        return 1;
    for (size_t k = 0; k < g->ngroups; k++)
        if (g->groups[k] && !strcmp(g->groups[k], text)) return 1;
    return 0;
}

static char *dup_or(const char *a) { return strdup(a); }

/* The sectors' default node behaviour: each node took its own copy of the distributions. */
static void free_defaults(dm_node *defaults, size_t n)
{
    for (size_t i = 0; defaults && i < n; i++) {
        dm_dist_free(&defaults[i].restart);
        dm_dist_free(&defaults[i].ramp);
    }
    free(defaults);
}

static int read_nodes(yread *r, yaml_node_t *seq, dm_model *m, const dm_node *defaults,
                      const double *capacity, const unsigned char *is_layer)
{
    static const char *const keys[] = {"id", "name_ja", "name_en", "sector", "region", "capacity",
                                       "tags", "rule", "collapse", "dynamics", NULL};
    if (!seq) {  /* one node per sector, named after it; a layer brings its own nodes */
        m->nodes = calloc(m->nsectors, sizeof *m->nodes);
        if (!m->nodes) return NOMEM(r);
        for (size_t i = 0; i < m->nsectors; i++) {
            if (is_layer[i]) continue;
            dm_node *v = &m->nodes[m->nnodes];
            m->ndefined_nodes = ++m->nnodes;
            *v = defaults[i];
            if (dm_dists_own(&v->restart, &v->ramp)) return NOMEM(r);
            v->id = dup_or(m->sectors[i].id);
            v->name_ja = dup_or(m->sectors[i].name_ja);
            v->name_en = dup_or(m->sectors[i].name_en);
            if (!v->id || !v->name_ja || !v->name_en) return NOMEM(r);
            v->sector = (int)i;
            v->region = -1;
            v->capacity = capacity[i];
            v->line = m->sectors[i].line;
        }
        return 0;
    }
    if (yr_sequence(r, seq, "nodes")) return DM_EDATA;
    size_t n = yr_len(seq);
    if (n == 0) return yr_expected(r, seq, "nodes", "at least one node (or leave 'nodes' out)");
    m->nodes = calloc(n, sizeof *m->nodes);
    if (!m->nodes) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yr_at(r, seq, i), *x;
        dm_node *v = &m->nodes[i];
        m->nnodes = m->ndefined_nodes = i + 1;
        if (yr_mapping(r, it, "node", keys)) return DM_EDATA;
        v->line = yr_line(it);
        if (yr_need(r, it, "id", "node", &x) || yr_str(r, x, "node id", &v->id)) return DM_EDATA;
        if (dm_model_node(m, v->id) != (int)i) return yr_fail(r, x, "node id '%s' is defined twice", v->id);
        if (yr_need(r, it, "sector", "node", &x)) return DM_EDATA;
        if ((v->sector = dm_model_sector(m, yr_text(x))) < 0)
            return yr_expected(r, x, "node sector", "the id of a sector defined in 'sectors'");
        if (is_layer[v->sector])
            return yr_fail(r, x, "node: sector '%s' has a layer, which makes its nodes", yr_text(x));
        char *keep_id = v->id;
        int sector = v->sector, line = v->line;
        *v = defaults[sector];
        v->id = keep_id; v->sector = sector; v->line = line;
        v->tags = NULL; v->ntags = 0;
        if (dm_dists_own(&v->restart, &v->ramp)) return NOMEM(r);
        v->region = -1;
        if ((x = yr_get(r, it, "region")) && (v->region = model_region(m, yr_text(x))) < 0)
            return yr_expected(r, x, "node region", "the id of a region defined in 'regions'");
        v->capacity = capacity[sector];
        if ((x = yr_get(r, it, "capacity")) && yr_num(r, x, "capacity", 1e-300, 1e300, &v->capacity))
            return DM_EDATA;
        const dm_sector *s = &m->sectors[sector];
        if ((x = yr_get(r, it, "name_en")) ? yr_str(r, x, "name_en", &v->name_en) : !(v->name_en = dup_or(s->name_en)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = yr_get(r, it, "name_ja")) ? yr_str(r, x, "name_ja", &v->name_ja) : !(v->name_ja = dup_or(s->name_ja)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = yr_get(r, it, "tags"))) {
            yaml_node_t **ids;
            size_t count;
            if (yr_id_list(r, x, "tags", &ids, &count)) return DM_EDATA;
            /* ntags counts the tags held, so dm_model_free frees what there is */
            v->tags = calloc(count ? count : 1, sizeof *v->tags);
            for (size_t t = 0; v->tags && t < count && (v->tags[t] = strdup(yr_text(ids[t]))); t++) v->ntags = t + 1;
            free(ids);
            if (!v->tags || v->ntags < count) return NOMEM(r);
        }
        if (read_behaviour(r, it, "node", v)) return DM_EDATA;
    }
    return 0;
}

/* Resolves one provider reference: a node id (in a sector-level model, the sector id). */
static int node_ref(yread *r, const dm_model *m, yaml_node_t *x, const char *what, int *out)
{
    if ((*out = dm_model_node(m, yr_text(x))) < 0)
        return yr_expected(r, x, what, "the id of a node (or, without explicit nodes, of a sector)");
    return 0;
}

static int read_buffer(yread *r, yaml_node_t *n, dm_model *m, dm_group *g, size_t *cap_resupply)
{
    static const char *const keys[] = {"duration", "facilities", "share", "refill", "resupply",
                                       "resupply_level", "restart_rate", "restart_share", NULL};
    yaml_node_t *x, *f;
    if (yr_mapping(r, n, "buffer", keys)) return DM_EDATA;
    /* One duration for every facility (drawn once per replicate), or a distribution of
     * durations across the node's facilities: one or the other. */
    x = yr_get(r, n, "duration");
    f = yr_get(r, n, "facilities");
    if (x && f) return yr_fail(r, f, "buffer: give either 'duration' or 'facilities', not both");
    if (!x && !f) return yr_expected(r, n, "buffer", "a 'duration' or a 'facilities' distribution");
    if (yr_dist(r, x ? x : f, x ? "buffer duration" : "buffer facilities", 1, 0, 1e15, &g->buffer))
        return DM_EDATA;
    g->has_buffer = 1;
    g->facilities = f != NULL;
    g->backup_share = 1.0;  /* DESIGN.md: by default every facility has a backup */
    if ((x = yr_get(r, n, "share")) && yr_num(r, x, "buffer share", 0, 1, &g->backup_share))
        return DM_EDATA;
    g->refill = 1.0;  /* assumption: a buffer refills as fast as it drained unless told */
    if ((x = yr_get(r, n, "refill")) && yr_num(r, x, "buffer refill rate", 0, 1e9, &g->refill))
        return DM_EDATA;
    /* Facilities whose backup ran out need a visit to come back (base stations whose
     * batteries went flat), crews restarting a share of them per hour: by default they
     * come back with their input. */
    if ((x = yr_get(r, n, "restart_rate")) && yr_num(r, x, "buffer restart_rate (share per hour)", 0, 1e9, &g->restart_rate))
        return DM_EDATA;
    g->restart_share = 1.0;
    if ((x = yr_get(r, n, "restart_share")) && yr_num(r, x, "buffer restart_share", 0, 1, &g->restart_share))
        return DM_EDATA;
    g->resupply_level = 0.5; /* assumption: a half-working fuel chain still delivers */
    if ((x = yr_get(r, n, "resupply_level")) && yr_num(r, x, "resupply_level", 0, 1, &g->resupply_level))
        return DM_EDATA;
    g->resupply_first = m->nresupply;
    if ((x = yr_get(r, n, "resupply"))) {
        yaml_node_t **ids;
        size_t k;
        if (yr_id_list(r, x, "buffer resupply", &ids, &k)) return DM_EDATA;
        if (m->nresupply + k > *cap_resupply) {
            *cap_resupply = 2 * (m->nresupply + k);
            int *p = realloc(m->resupply_node, *cap_resupply * sizeof *p);
            if (!p) { free(ids); return NOMEM(r); }
            m->resupply_node = p;
        }
        for (size_t i = 0; i < k; i++) {
            if (node_ref(r, m, ids[i], "buffer resupply provider", &m->resupply_node[m->nresupply])) {
                free(ids);
                return DM_EDATA;
            }
            m->nresupply++;
        }
        g->nresupply = k;
        free(ids);
    }
    return 0;
}

static int read_providers(yread *r, yaml_node_t *n, dm_model *m, dm_group *g, size_t *cap)
{
    size_t k = n && n->type == YAML_SEQUENCE_NODE ? yr_len(n) : 1;
    if (n && n->type == YAML_SEQUENCE_NODE && k == 0)
        return yr_expected(r, n, "providers", "at least one provider");
    if (m->nprovider + k > *cap) {
        *cap = 2 * (m->nprovider + k);
        int *a = realloc(m->provider_node, *cap * sizeof *a);
        if (!a) return NOMEM(r);
        m->provider_node = a;
        double *b = realloc(m->provider_share, *cap * sizeof *b);
        if (!b) return NOMEM(r);
        m->provider_share = b;
    }
    g->first = m->nprovider;
    g->nproviders = k;
    int explicit_shares = 0;
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *it = n->type == YAML_SEQUENCE_NODE ? yr_at(r, n, i) : n;
        size_t at = m->nprovider++;
        m->provider_share[at] = 1.0 / (double)k;
        if (it->type == YAML_MAPPING_NODE) {
            static const char *const keys[] = {"node", "share", NULL};
            yaml_node_t *x;
            if (yr_mapping(r, it, "provider", keys) || yr_need(r, it, "node", "provider", &x) ||
                node_ref(r, m, x, "provider", &m->provider_node[at]))
                return DM_EDATA;
            if ((x = yr_get(r, it, "share"))) {
                if (yr_num(r, x, "provider share", 0, 1, &m->provider_share[at])) return DM_EDATA;
                explicit_shares++;
            }
        } else if (it->type != YAML_SCALAR_NODE ||
                   node_ref(r, m, it, "provider", &m->provider_node[at])) {
            return r->err->code ? DM_EDATA : yr_expected(r, it, "provider", "a node id or {node, share}");
        }
        sum += m->provider_share[at];
    }
    if (explicit_shares && explicit_shares != (int)k)
        return yr_fail(r, n, "providers: give a share for every provider or for none");
    /* more than 1 is spare capacity (an area's own generation plus its interconnections):
     * sigma = min(1, sum share s) then stays at 1 while enough providers are up */
    if (explicit_shares && g->mode == DM_MODE_SHARE && sum < 1.0 - 1e-6)
        return yr_expected(r, n, "provider shares", "shares summing to at least 1");
    return 0;
}

/* The settings of a requirement group a dependency (or a layer's couplings and
 * neighbours, layers.c) gives: mode, providers (when the mapping has them), strength,
 * lag and quorum. */
int dm_read_group_settings(yread *r, yaml_node_t *it, dm_model *m, dm_group *g, size_t *cap_p)
{
    yaml_node_t *x;
    g->mode = DM_MODE_SHARE;
    if ((x = yr_get(r, it, "mode"))) {
        const char *s = yr_text(x);
        if (strcmp(s, "share") == 0) g->mode = DM_MODE_SHARE;
        else if (strcmp(s, "any") == 0) g->mode = DM_MODE_ANY;
        else if (strcmp(s, "quorum") == 0) g->mode = DM_MODE_QUORUM;
        else return yr_expected(r, x, "dependency mode", "share, any or quorum");
    }
    if (cap_p && (yr_need(r, it, "providers", "dependency", &x) || read_providers(r, x, m, g, cap_p)))
        return DM_EDATA;
    g->strength = 1.0;
    if ((x = yr_get(r, it, "strength")) && yr_num(r, x, "strength", 0, 1, &g->strength)) return DM_EDATA;
    if ((x = yr_get(r, it, "lag")) && yr_duration(r, x, "lag", &g->lag_s)) return DM_EDATA;
    if ((x = yr_get(r, it, "quorum"))) {
        /* count K or fraction F of the providers up, or (failed F) down once a fraction F
         * of them is down: Watts's (2002) rule, "fails when a fraction phi of its
         * neighbours has failed" */
        static const char *const qk[] = {"count", "fraction", "failed", "level", NULL};
        yaml_node_t *y;
        if (g->mode != DM_MODE_QUORUM) return yr_fail(r, x, "quorum: only for mode quorum");
        if (yr_mapping(r, x, "quorum", qk)) return DM_EDATA;
        uint64_t c = 0;
        if ((y = yr_get(r, x, "count")) && yr_u64(r, y, "quorum count", cap_p ? g->nproviders : 1000000000ULL, &c))
            return DM_EDATA;
        g->quorum_count = (int)c;
        if ((y = yr_get(r, x, "fraction")) && yr_num(r, y, "quorum fraction", 0, 1, &g->quorum_fraction))
            return DM_EDATA;
        if ((y = yr_get(r, x, "failed")) && yr_num(r, y, "quorum failed fraction", 1e-12, 1, &g->quorum_failed))
            return DM_EDATA;
        if (!!yr_get(r, x, "count") + !!yr_get(r, x, "fraction") + !!yr_get(r, x, "failed") != 1)
            return yr_fail(r, x, "quorum: give exactly one of 'count', 'fraction' and 'failed'");
        g->quorum_level = 1.0;
        if ((y = yr_get(r, x, "level")) && yr_num(r, y, "quorum level", 0, 1, &g->quorum_level))
            return DM_EDATA;
    } else if (g->mode == DM_MODE_QUORUM) {
        return yr_fail(r, it, "dependency: mode quorum needs 'quorum: {count: K | fraction: F | failed: F, level: L}'");
    }
    return 0;
}

static int read_dependencies(yread *r, yaml_node_t *seq, dm_model *m)
{
    static const char *const keys[] = {"dependent", "providers", "mode", "strength", "lag",
                                       "quorum", "buffer", "note", NULL};
    if (!seq) return 0;
    if (yr_sequence(r, seq, "dependencies")) return DM_EDATA;
    size_t n = yr_len(seq), cap_p = 0, cap_r = 0;
    m->groups = calloc(n ? n : 1, sizeof *m->groups);
    if (!m->groups) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yr_at(r, seq, i), *x;
        dm_group *g = &m->groups[i];
        m->ngroups = m->ndefined_groups = i + 1;
        if (yr_mapping(r, it, "dependency", keys)) return DM_EDATA;
        g->line = yr_line(it);
        g->column = (int)it->start_mark.column + 1;
        if (yr_need(r, it, "dependent", "dependency", &x) || node_ref(r, m, x, "dependent", &g->dependent))
            return DM_EDATA;
        if (dm_read_group_settings(r, it, m, g, &cap_p)) return DM_EDATA;
        if ((x = yr_get(r, it, "buffer")) && read_buffer(r, x, m, g, &cap_r)) return DM_EDATA;
    }
    return 0;
}

/* A cycle of zero-lag dependencies through a node with relax dynamics cannot settle within
 * a tick: relax moves a fraction k per tick, so the loop would chase itself. The dynamic
 * IIM (Lian & Haimes 2006) is a difference equation, q(t+1) = q(t) + K(A q(t) + c - q(t)):
 * its interactions take one step, i.e. a lag of one tick. Found with igraph's strongly
 * connected components (serial code, at load time). */
static int check_zero_lag_cycles(yread *r, dm_model *m)
{
    int any_relax = 0;  /* nothing to check without relax dynamics (layers of 10^6 nodes, say) */
    for (size_t k = 0; k < m->ndefined_nodes + m->nlayers; k++)
        any_relax |= (k < m->ndefined_nodes ? &m->nodes[k] : &m->layers[k - m->ndefined_nodes].node)->dynamics == DM_DYN_RELAX;
    if (!any_relax) return 0;
    igraph_vector_int_t edges, membership, csize;
    igraph_t graph;
    igraph_integer_t ncomp;
    dm_group_ref gr;
    int rc = 0;
    if (igraph_vector_int_init(&edges, 0)) return NOMEM(r);
    for (size_t g = 0; g < m->ngroups; g++) {
        dm_model_group(m, g, &gr);
        if (gr.settings->lag_s != 0) continue;
        for (size_t p = 0; p < gr.nproviders && !rc; p++)
            rc = igraph_vector_int_push_back(&edges, dm_ref_provider(&gr, p)) ||
                 igraph_vector_int_push_back(&edges, gr.dependent);
    }
    if (rc || igraph_create(&graph, &edges, (igraph_integer_t)m->nnodes, IGRAPH_DIRECTED)) {
        igraph_vector_int_destroy(&edges);
        return NOMEM(r);
    }
    if (igraph_vector_int_init(&membership, 0)) { igraph_destroy(&graph); igraph_vector_int_destroy(&edges); return NOMEM(r); }
    if (igraph_vector_int_init(&csize, 0)) {
        igraph_vector_int_destroy(&membership);
        igraph_destroy(&graph);
        igraph_vector_int_destroy(&edges);
        return NOMEM(r);
    }
    if (igraph_connected_components(&graph, &membership, &csize, &ncomp, IGRAPH_STRONG)) {
        rc = dm_error_set(r->err, DM_ESOFTWARE, r->file, 0, 0, "igraph: strongly connected components failed");
        goto done;
    }
    /* the first relax node of each component, or -1 */
    int *relax = malloc(((size_t)ncomp + 1) * sizeof *relax);
    if (!relax) { rc = NOMEM(r); goto done; }
    for (igraph_integer_t c = 0; c < ncomp; c++) relax[c] = -1;
    for (size_t w = m->nnodes; w-- > 0;)
        if (dm_node_at(m, w)->dynamics == DM_DYN_RELAX) relax[VECTOR(membership)[w]] = (int)w;
    for (size_t g = 0; g < m->ngroups && !rc; g++) {
        dm_model_group(m, g, &gr);
        if (gr.settings->lag_s != 0) continue;
        for (size_t p = 0; p < gr.nproviders && !rc; p++) {
            int u = dm_ref_provider(&gr, p), v = gr.dependent;
            igraph_integer_t cu = VECTOR(membership)[u], cv = VECTOR(membership)[v];
            int on_cycle = (u == v) || (cu == cv && VECTOR(csize)[cu] > 1);
            int w = relax[cv];
            char a[DM_NODE_ID_MAX], b[DM_NODE_ID_MAX], c[DM_NODE_ID_MAX];
            if (on_cycle && w >= 0)
                rc = dm_error_set(r->err, DM_EDATA, r->file, gr.settings->line, gr.settings->column,
                    "dependency of '%s' on '%s': expected a lag of at least one tick, found a "
                    "cycle of zero-lag dependencies through '%s', which has relax dynamics "
                    "and cannot settle within a tick",
                    dm_node_id(m, (size_t)v, a), dm_node_id(m, (size_t)u, b), dm_node_id(m, (size_t)w, c));
        }
    }
    free(relax);
done:
    igraph_vector_int_destroy(&membership);
    igraph_vector_int_destroy(&csize);
    igraph_vector_int_destroy(&edges);
    igraph_destroy(&graph);
    return rc;
}

double dm_threshold_magnitude(const dm_model *m, int s, int region)
{
    const dm_sector *sec = &m->sectors[s];
    if (sec->any_loss) return 0;
    if (sec->magnitude_share <= 0) return sec->magnitude;
    /* the capacity it is compared with: every node of the sector (a layer's too, which
     * share one record), or those in the region, summed in node order as the engine does */
    double capacity = 0;
    for (size_t v = 0; v < m->nnodes; v++) {
        const dm_node *nd = dm_node_at(m, v);
        if (nd->sector == s && (region < 0 || nd->region == region)) capacity += nd->capacity;
    }
    return sec->magnitude_share * capacity;
}

static int model_from_yaml(yread *r, yaml_node_t *root, dm_model **out)
{
    static const char *const keys[] = {"name", "description", "output_unit", "sectors", "regions", "nodes",
                                       "dependencies", "layers", "couplings", NULL};
    dm_node *defaults = NULL;
    unsigned char *is_layer = NULL;
    double *capacity = NULL;
    yaml_node_t *x;
    *out = NULL;
    dm_model *m = calloc(1, sizeof *m);
    if (!m) return NOMEM(r);
    if (yr_mapping(r, root, "model", keys)) goto fail;
    if ((x = yr_get(r, root, "name")) ? yr_str(r, x, "model name", &m->name) : !(m->name = strdup("model")))
        goto fail;
    if ((x = yr_get(r, root, "description")) ? yr_str(r, x, "description", &m->description)
                                             : !(m->description = strdup("")))
        goto fail;
    if (!(m->file = strdup(r->file))) goto fail;
    if ((x = yr_get(r, root, "output_unit")) ? yr_str(r, x, "output_unit", &m->output_unit)
                                             : !(m->output_unit = strdup("")))
        goto fail;
    yaml_node_t *layers = yr_get(r, root, "layers");
    if (yr_need(r, root, "sectors", "model", &x) || read_sectors(r, x, m, &defaults, &capacity) ||
        !(is_layer = calloc(m->nsectors, 1)) || read_regions(r, yr_get(r, root, "regions"), m) ||
        dm_layer_sectors(r, layers, m, is_layer) ||
        read_nodes(r, yr_get(r, root, "nodes"), m, defaults, capacity, is_layer) ||
        dm_read_layers(r, layers, m, defaults, capacity) ||
        read_dependencies(r, yr_get(r, root, "dependencies"), m) ||
        dm_read_layer_groups(r, layers, yr_get(r, root, "couplings"), m) || check_zero_lag_cycles(r, m))
        goto fail;
    for (size_t s = 0; s < m->nsectors; s++)
        if (m->sectors[s].magnitude_share > 0) m->sectors[s].magnitude = dm_threshold_magnitude(m, (int)s, -1);
    free(is_layer);
    free_defaults(defaults, m->nsectors);
    free(capacity);
    *out = m;
    return 0;
fail:
    free(is_layer);
    free_defaults(defaults, m->nsectors);
    free(capacity);
    dm_model_free(m);
    return r->err->code ? r->err->code : NOMEM(r);
}

int dm_model_from_yaml(yread *r, yaml_node_t *root, dm_model **out)
{
    dmi_host host;  /* igraph's and GSL's handlers: the host's are back when this returns */
    dmi_enter(&host);
    int rc = model_from_yaml(r, root, out);
    dmi_leave(&host);
    return rc;
}

int dm_model_parse(const char *text, size_t len, const char *file, dm_model **out, dm_error *err)
{
    return dm_model_parse_stored(text, len, file, NULL, 0, out, err);
}

int dm_model_parse_stored(const char *text, size_t len, const char *file, const dm_stored_input *stored,
                          size_t nstored, dm_model **out, dm_error *err)
{
    yread r;
    *out = NULL;
    if (yr_open(&r, text, len, file, err)) { yr_close(&r); return err->code; }
    r.stored = stored;
    r.nstored = nstored;
    int rc = dm_model_from_yaml(&r, yr_root(&r), out);
    yr_close(&r);
    if (!rc && !((*out)->text = malloc(len + 1))) {
        dm_model_free(*out);
        *out = NULL;
        return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory");
    }
    if (!rc) {
        memcpy((*out)->text, text, len);
        (*out)->text[len] = 0;
        (*out)->text_len = len;
    }
    return rc;
}

int dm_model_load(const char *path, dm_model **out, dm_error *err)
{
    size_t len;
    char used[4096];
    char *text = dm_read_named("models", path, used, sizeof used, &len, err);
    *out = NULL;
    if (!text) return err->code;
    int rc = dm_model_parse(text, len, used, out, err);
    free(text);
    return rc;
}
