/* Loading and validating models (docs/model-format.md). Every value is checked where it is
 * read, so an error names the exact position; cross references are resolved after all
 * sectors, regions and nodes are known. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "graph/graph_igraph.h"
#include "domino/model.h"
#include "model/loader.h"
#include "core/files.h"
#include "model/yread.h"
#include "model/query.h"

/* Sorts ids[0..n) (filled in definition order) into a lookup index; an id defined twice is
 * an error at its second definition in list seq. */
static int index_ids(yread *r, yaml_node_t *seq, const char *what, dm_id_entry *ids, size_t n)
{
    int twice = dmi_ids_sort(ids, n);
    if (twice < 0) return 0;
    yaml_node_t *x = dmi_yr_get(r, dmi_yr_at(r, seq, (size_t)twice), "id");
    return dmi_yr_fail(r, x, "%s id '%s' is defined twice", what, dmi_yr_text(x));
}


static int model_region(const dm_model *m, const char *id)
{
    if (m->region_ids) return dmi_ids_find(m->region_ids, m->nregions, id);
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
        dmi_dist_free(&v->restart);
        dmi_dist_free(&v->ramp);
    }
    for (size_t i = 0; i < m->ndefined_groups; i++) {
        dmi_dist_free(&m->groups[i].buffer);
        dmi_dist_free(&m->groups[i].resupply_after);
    }
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
        dmi_dist_free(&L->node.restart);
        dmi_dist_free(&L->node.ramp);
    }
    free(m->layers);
    free(m->sector_ids); free(m->region_ids); free(m->node_ids);
    free(m->sectors); free(m->regions); free(m->nodes); free(m->groups);
    free(m->provider_node); free(m->provider_share); free(m->resupply_node);
    free(m->name); free(m->description); free(m->file); free(m->text); free(m->output_unit);
    free(m);
}

/* Node behaviour that a sector sets as the default for its nodes and a node may override. */
static int read_behaviour(yread *r, yaml_node_t *map, const char *what, dm_node *v)
{
    yaml_node_t *n;
    if ((n = dmi_yr_get(r, map, "rule"))) {
        const char *s = dmi_yr_text(n);
        if (strcmp(s, "min") == 0) v->rule = DM_RULE_MIN;
        else if (strcmp(s, "product") == 0) v->rule = DM_RULE_PRODUCT;
        else if (strcmp(s, "linear") == 0) v->rule = DM_RULE_LINEAR;
        else return dmi_yr_expected(r, n, what, "rule min, product or linear");
    }
    if ((n = dmi_yr_get(r, map, "collapse")) && dmi_yr_num(r, n, "collapse threshold", 0, 1, &v->collapse))
        return DM_EDATA;
    if ((n = dmi_yr_get(r, map, "dynamics"))) {
        if (n->type == YAML_SCALAR_NODE) {
            if (strcmp(dmi_yr_text(n), "step") != 0)
                return dmi_yr_expected(r, n, "dynamics", "step, or a mapping {kind: step|relax, ...}");
            v->dynamics = DM_DYN_STEP;
            return 0;
        }
        static const char *const keys[] = {"kind", "restart", "ramp", "steps", "k", "recovery", "recovery_to", NULL};
        yaml_node_t *kind, *x;
        if (dmi_yr_mapping(r, n, "dynamics", keys) || dmi_yr_need(r, n, "kind", "dynamics", &kind))
            return DM_EDATA;
        if (strcmp(dmi_yr_text(kind), "step") == 0) {
            v->dynamics = DM_DYN_STEP;
            if ((x = dmi_yr_get(r, n, "k"))) return dmi_yr_fail(r, x, "dynamics: 'k' belongs to kind relax");
            if ((x = dmi_yr_get(r, n, "restart"))) {
                dmi_dist_free(&v->restart);
                if (dmi_yr_dist(r, x, "restart", 1, 0, 1e15, &v->restart)) return DM_EDATA;
            }
            if ((x = dmi_yr_get(r, n, "ramp"))) {
                dmi_dist_free(&v->ramp);
                if (dmi_yr_dist(r, x, "ramp", 1, 0, 1e15, &v->ramp)) return DM_EDATA;
            }
            uint64_t steps;
            if ((x = dmi_yr_get(r, n, "steps"))) {
                if (dmi_yr_u64(r, x, "ramp steps", 1000000000ULL, &steps)) return DM_EDATA;
                if (steps < 1) return dmi_yr_expected(r, x, "ramp steps", "a whole number >= 1");
                v->ramp_steps = (int64_t)steps;
            }
        } else if (strcmp(dmi_yr_text(kind), "relax") == 0) {
            v->dynamics = DM_DYN_RELAX;
            if ((x = dmi_yr_get(r, n, "restart")) || (x = dmi_yr_get(r, n, "ramp")) || (x = dmi_yr_get(r, n, "steps")))
                return dmi_yr_fail(r, x, "dynamics: restart, ramp and steps belong to kind step");
            /* k directly, or from a recovery time (Lian & Haimes 2006; the engine converts) */
            yaml_node_t *k = dmi_yr_get(r, n, "k"), *rec = dmi_yr_get(r, n, "recovery"), *to = dmi_yr_get(r, n, "recovery_to");
            if (k && rec) return dmi_yr_fail(r, rec, "dynamics relax: give k or recovery, not both");
            if (!k && !rec) return dmi_yr_fail(r, n, "dynamics relax: expected k (per tick) or recovery (a duration)");
            if (to && !rec) return dmi_yr_fail(r, to, "dynamics relax: recovery_to goes with recovery");
            if (k && dmi_yr_num(r, k, "relax coefficient k", 1e-12, 1, &v->relax_k)) return DM_EDATA;
            v->recovery_to = 0.01;
            if (rec && dmi_yr_duration(r, rec, "recovery", &v->recovery_s)) return DM_EDATA;
            if (rec && v->recovery_s <= 0) return dmi_yr_expected(r, rec, "recovery", "a duration longer than 0");
            if (to && dmi_yr_num(r, to, "recovery_to", 1e-12, 0.999999, &v->recovery_to)) return DM_EDATA;
        } else {
            return dmi_yr_expected(r, kind, "dynamics kind", "step or relax");
        }
    }
    return 0;
}

static int read_threshold(yread *r, yaml_node_t *n, double capacity, dm_sector *s)
{
    static const char *const keys[] = {"magnitude", "duration", NULL};
    yaml_node_t *mag, *dur;
    if (dmi_yr_mapping(r, n, "threshold", keys) || dmi_yr_need(r, n, "magnitude", "threshold", &mag))
        return DM_EDATA;
    const char *t = dmi_yr_text(mag);
    size_t len = strlen(t);
    s->any_loss = strcmp(t, "any") == 0;
    if (s->any_loss) {
        s->magnitude = 0;
    } else if (len > 1 && t[len - 1] == '%') {
        char *end;
        double pct = strtod(t, &end);
        if (end != t + len - 1 || !(pct > 0 && pct <= 100))
            return dmi_yr_expected(r, mag, "threshold magnitude", "a percentage in (0, 100]%");
        s->magnitude_share = pct / 100.0;
        s->magnitude = capacity * s->magnitude_share;  /* until the nodes are known (sector_magnitudes) */
    } else if (dmi_yr_num(r, mag, "threshold magnitude (in the sector's unit, a percentage such as "
                      "'5%', or 'any')", 1e-300, 1e300, &s->magnitude)) {
        return DM_EDATA;
    }
    if ((dur = dmi_yr_get(r, n, "duration")) && dmi_yr_duration(r, dur, "threshold duration", &s->duration_s))
        return DM_EDATA;
    return 0;
}

static int read_sectors(yread *r, yaml_node_t *seq, dm_model *m, dm_node **defaults,
                        double **capacity)
{
    static const char *const keys[] = {"id", "name_ja", "name_en", "unit", "capacity", "threshold",
                                       "output", "rule", "collapse", "dynamics", "authority", "ceptoar", NULL};
    if (dmi_yr_sequence(r, seq, "sectors")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    if (n == 0) return dmi_yr_expected(r, seq, "sectors", "at least one sector");
    m->sectors = calloc(n, sizeof *m->sectors);
    *defaults = calloc(n, sizeof **defaults);
    *capacity = calloc(n, sizeof **capacity);
    if (!m->sectors || !*defaults || !*capacity) return NOMEM(r);
    for (size_t i = 0; i < n; i++) (*defaults)[i].ramp_steps = DM_DEFAULT_RAMP_STEPS;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_sector *s = &m->sectors[i];
        m->nsectors = i + 1;
        if (dmi_yr_mapping(r, it, "sector", keys)) return DM_EDATA;
        s->line = dmi_yr_line(it);
        if (dmi_yr_need(r, it, "id", "sector", &x) || dmi_yr_str(r, x, "sector id", &s->id)) return DM_EDATA;
        if (dmi_yr_need(r, it, "name_en", "sector", &x) || dmi_yr_str(r, x, "name_en", &s->name_en)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "name_ja")) ? dmi_yr_str(r, x, "name_ja", &s->name_ja)
                                           : !(s->name_ja = strdup(s->name_en)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = dmi_yr_get(r, it, "unit")) ? dmi_yr_str(r, x, "unit", &s->unit) : !(s->unit = strdup("%")))
            return r->err->code ? DM_EDATA : NOMEM(r);
        (*capacity)[i] = 100;  /* a sector without a unit counts percent of its service */
        if ((x = dmi_yr_get(r, it, "capacity")) && dmi_yr_num(r, x, "capacity", 1e-300, 1e300, &(*capacity)[i]))
            return DM_EDATA;
        s->any_loss = 1;       /* DESIGN.md: without a numeric level, any loss of service counts */
        if ((x = dmi_yr_get(r, it, "threshold")) && read_threshold(r, x, (*capacity)[i], s)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "output")) && dmi_yr_num(r, x, "output (per year)", 0, 1e300, &s->output)) return DM_EDATA;
        /* who is told in an exercise: the sector's ministry (所管省庁) and its CEPTOAR */
        if ((x = dmi_yr_get(r, it, "authority")) && dmi_yr_str(r, x, "authority", &s->authority)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "ceptoar")) && dmi_yr_str(r, x, "ceptoar", &s->ceptoar)) return DM_EDATA;
        if (read_behaviour(r, it, "sector", &(*defaults)[i])) return DM_EDATA;
    }
    if (!(m->sector_ids = malloc(n * sizeof *m->sector_ids))) return NOMEM(r);
    for (size_t i = 0; i < n; i++) m->sector_ids[i] = (dm_id_entry){m->sectors[i].id, (int)i};
    return index_ids(r, seq, "sector", m->sector_ids, n);
}

static int read_regions(yread *r, yaml_node_t *seq, dm_model *m)
{
    static const char *const keys[] = {"id", "name_ja", "name_en", "code", "groups", NULL};
    if (!seq) return 0;
    if (dmi_yr_sequence(r, seq, "regions")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    m->regions = calloc(n ? n : 1, sizeof *m->regions);
    if (!m->regions) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_region *g = &m->regions[i];
        m->nregions = i + 1;
        if (dmi_yr_mapping(r, it, "region", keys)) return DM_EDATA;
        if (dmi_yr_need(r, it, "id", "region", &x) || dmi_yr_str(r, x, "region id", &g->id)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "name_en")) ? dmi_yr_str(r, x, "name_en", &g->name_en) : !(g->name_en = strdup(g->id)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = dmi_yr_get(r, it, "name_ja")) ? dmi_yr_str(r, x, "name_ja", &g->name_ja) : !(g->name_ja = strdup(g->name_en)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = dmi_yr_get(r, it, "code")) ? dmi_yr_str(r, x, "region code", &g->code) : !(g->code = strdup("")))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = dmi_yr_get(r, it, "groups"))) {
            yaml_node_t **ids;
            size_t count;
            if (dmi_yr_id_list(r, x, "region groups", &ids, &count)) return DM_EDATA;
            g->groups = calloc(count ? count : 1, sizeof *g->groups);
            for (size_t k = 0; g->groups && k < count && (g->groups[k] = strdup(dmi_yr_text(ids[k]))); k++) g->ngroups = k + 1;
            free(ids);
            if (!g->groups || g->ngroups < count) return NOMEM(r);
        }
    }
    if (!(m->region_ids = malloc((n ? n : 1) * sizeof *m->region_ids))) return NOMEM(r);
    for (size_t i = 0; i < n; i++) m->region_ids[i] = (dm_id_entry){m->regions[i].id, (int)i};
    return index_ids(r, seq, "region", m->region_ids, n);
}

static char *dup_or(const char *a) { return strdup(a); }

/* The sectors' default node behaviour: each node took its own copy of the distributions. */
static void free_defaults(dm_node *defaults, size_t n)
{
    for (size_t i = 0; defaults && i < n; i++) {
        dmi_dist_free(&defaults[i].restart);
        dmi_dist_free(&defaults[i].ramp);
    }
    free(defaults);
}

/* The defined nodes' lookup index (a sector-level model's nodes have their sectors' ids,
 * which are distinct already). */
static int index_nodes(yread *r, yaml_node_t *seq, dm_model *m)
{
    size_t n = m->ndefined_nodes;
    if (!(m->node_ids = malloc((n ? n : 1) * sizeof *m->node_ids))) return NOMEM(r);
    for (size_t i = 0; i < n; i++) m->node_ids[i] = (dm_id_entry){m->nodes[i].id, (int)i};
    return index_ids(r, seq, "node", m->node_ids, n);
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
            if (dmi_dists_own(&v->restart, &v->ramp)) return NOMEM(r);
            v->id = dup_or(m->sectors[i].id);
            v->name_ja = dup_or(m->sectors[i].name_ja);
            v->name_en = dup_or(m->sectors[i].name_en);
            if (!v->id || !v->name_ja || !v->name_en) return NOMEM(r);
            v->sector = (int)i;
            v->region = -1;
            v->capacity = capacity[i];
            v->line = m->sectors[i].line;
        }
        return index_nodes(r, seq, m);
    }
    if (dmi_yr_sequence(r, seq, "nodes")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    if (n == 0) return dmi_yr_expected(r, seq, "nodes", "at least one node (or leave 'nodes' out)");
    m->nodes = calloc(n, sizeof *m->nodes);
    if (!m->nodes) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_node *v = &m->nodes[i];
        m->nnodes = m->ndefined_nodes = i + 1;
        if (dmi_yr_mapping(r, it, "node", keys)) return DM_EDATA;
        v->line = dmi_yr_line(it);
        if (dmi_yr_need(r, it, "id", "node", &x) || dmi_yr_str(r, x, "node id", &v->id)) return DM_EDATA;
        if (dmi_yr_need(r, it, "sector", "node", &x)) return DM_EDATA;
        if ((v->sector = dm_model_sector(m, dmi_yr_text(x))) < 0)
            return dmi_yr_expected(r, x, "node sector", "the id of a sector defined in 'sectors'");
        if (is_layer[v->sector])
            return dmi_yr_fail(r, x, "node: sector '%s' has a layer, which makes its nodes", dmi_yr_text(x));
        char *keep_id = v->id;
        int sector = v->sector, line = v->line;
        *v = defaults[sector];
        v->id = keep_id; v->sector = sector; v->line = line;
        v->tags = NULL; v->ntags = 0;
        if (dmi_dists_own(&v->restart, &v->ramp)) return NOMEM(r);
        v->region = -1;
        if ((x = dmi_yr_get(r, it, "region")) && (v->region = model_region(m, dmi_yr_text(x))) < 0)
            return dmi_yr_expected(r, x, "node region", "the id of a region defined in 'regions'");
        v->capacity = capacity[sector];
        if ((x = dmi_yr_get(r, it, "capacity")) && dmi_yr_num(r, x, "capacity", 1e-300, 1e300, &v->capacity))
            return DM_EDATA;
        const dm_sector *s = &m->sectors[sector];
        if ((x = dmi_yr_get(r, it, "name_en")) ? dmi_yr_str(r, x, "name_en", &v->name_en) : !(v->name_en = dup_or(s->name_en)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = dmi_yr_get(r, it, "name_ja")) ? dmi_yr_str(r, x, "name_ja", &v->name_ja) : !(v->name_ja = dup_or(s->name_ja)))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if ((x = dmi_yr_get(r, it, "tags"))) {
            yaml_node_t **ids;
            size_t count;
            if (dmi_yr_id_list(r, x, "tags", &ids, &count)) return DM_EDATA;
            /* ntags counts the tags held, so dm_model_free frees what there is */
            v->tags = calloc(count ? count : 1, sizeof *v->tags);
            for (size_t t = 0; v->tags && t < count && (v->tags[t] = strdup(dmi_yr_text(ids[t]))); t++) v->ntags = t + 1;
            free(ids);
            if (!v->tags || v->ntags < count) return NOMEM(r);
        }
        if (read_behaviour(r, it, "node", v)) return DM_EDATA;
    }
    return index_nodes(r, seq, m);
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
    if (dmi_yr_mapping(r, root, "model", keys)) goto fail;
    if ((x = dmi_yr_get(r, root, "name")) ? dmi_yr_str(r, x, "model name", &m->name) : !(m->name = strdup("model")))
        goto fail;
    if ((x = dmi_yr_get(r, root, "description")) ? dmi_yr_str(r, x, "description", &m->description)
                                             : !(m->description = strdup("")))
        goto fail;
    if (!(m->file = strdup(r->file))) goto fail;
    if ((x = dmi_yr_get(r, root, "output_unit")) ? dmi_yr_str(r, x, "output_unit", &m->output_unit)
                                             : !(m->output_unit = strdup("")))
        goto fail;
    yaml_node_t *layers = dmi_yr_get(r, root, "layers");
    if (dmi_yr_need(r, root, "sectors", "model", &x) || read_sectors(r, x, m, &defaults, &capacity) ||
        !(is_layer = calloc(m->nsectors, 1)) || read_regions(r, dmi_yr_get(r, root, "regions"), m) ||
        dmi_layer_sectors(r, layers, m, is_layer) ||
        read_nodes(r, dmi_yr_get(r, root, "nodes"), m, defaults, capacity, is_layer) ||
        dmi_read_layers(r, layers, m, defaults, capacity) ||
        dmi_read_dependencies(r, dmi_yr_get(r, root, "dependencies"), m) ||
        dmi_read_layer_groups(r, layers, dmi_yr_get(r, root, "couplings"), m) || check_zero_lag_cycles(r, m))
        goto fail;
    /* percentage thresholds: dm_threshold_magnitude(m, s, -1) for every sector, in one
     * pass over the nodes (the same sums, in the same order) instead of one per sector */
    double *total = calloc(m->nsectors, sizeof *total);
    if (!total) goto fail;
    for (size_t v = 0, end; v < m->nnodes; v = end) {
        const dm_node *nd;
        for (end = dmi_node_run(m, v, &nd); v < end; v++) total[nd->sector] += nd->capacity;
    }
    for (size_t s = 0; s < m->nsectors; s++)
        if (m->sectors[s].magnitude_share > 0) m->sectors[s].magnitude = m->sectors[s].magnitude_share * total[s];
    free(total);
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

int dmi_model_from_yaml(yread *r, yaml_node_t *root, dm_model **out)
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
    if (dmi_yr_open(&r, text, len, file, err)) { dmi_yr_close(&r); return err->code; }
    r.stored = stored;
    r.nstored = nstored;
    int rc = dmi_model_from_yaml(&r, dmi_yr_root(&r), out);
    dmi_yr_close(&r);
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
    char *text = dmi_read_named("models", path, used, sizeof used, &len, err);
    *out = NULL;
    if (!text) return err->code;
    int rc = dm_model_parse(text, len, used, out, err);
    free(text);
    return rc;
}
