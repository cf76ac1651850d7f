/* Loading scenarios (docs/scenario-format.md): the model they name, hazards with their
 * node selections, horizon, tick, seed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "domino/model.h"
#include "domino/limits.h"
#include "model/loader.h"
#include "model/query.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/sort.h"
#include "graph/graph_igraph.h"
#include "model/yread.h"
#include "model/yamlpath.h"

const char *dm_hazard_kind_name(dm_hazard_kind k, int ja)
{
    /* The action plan's threat types (重要インフラ行動計画: サイバー攻撃, 非意図的要因, 自然災害等). */
    static const char *const en[] = {"cyber attack", "unintentional failure", "natural disaster", "other"};
    static const char *const jp[] = {"サイバー攻撃", "非意図的要因", "自然災害", "その他"};
    return (ja ? jp : en)[k];
}

void dm_scenario_free(dm_scenario *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nhazards; i++) {
        dm_hazard *h = &s->hazards[i];
        free(h->id); free(h->description); free(h->nodes);
        dmi_dist_free(&h->start);
        dmi_dist_free(&h->duration);
        dmi_dist_free(&h->severity_dist);
        dmi_dist_free(&h->stretch);
        for (size_t k = 0; h->sector_severity && k < s->model->nsectors; k++) dmi_dist_free(&h->sector_severity[k]);
        free(h->sector_severity);
        free(h->restore_s);
        free(h->restore_share);
    }
    free(s->hazards);
    for (size_t i = 0; i < s->nassumptions; i++) free(s->assumptions[i]);
    free(s->assumptions);
    for (size_t i = 0; i < s->ninjects; i++) { free(s->injects[i].to); free(s->injects[i].text); }
    free(s->injects);
    for (size_t i = 0; i < s->nprompts; i++) free(s->prompts[i].text);
    free(s->prompts);
    free(s->warnings);
    for (size_t i = 0; i < s->noverrides; i++) { free(s->overrides[i].path); free(s->overrides[i].value); }
    free(s->overrides);
    dm_model_free(s->model);
    free(s->name); free(s->description); free(s->file); free(s->text);
    free(s);
}

/* Joins two id arrays sorted by id: for each text in both, found[i] is set for a's entries
 * of that text and hit[j] for b's (by their indices). O(na + nb). */
static void join_ids(const dm_id_entry *a, size_t na, const dm_id_entry *b, size_t nb, unsigned char *found,
                     unsigned char *hit)
{
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        int c = strcmp(a[i].id, b[j].id);
        if (c < 0) { i++; continue; }
        if (c > 0) { j++; continue; }
        const char *text = a[i].id;
        for (; i < na && !strcmp(a[i].id, text); i++) found[a[i].index] = 1;
        for (; j < nb && !strcmp(b[j].id, text); j++) hit[b[j].index] = 1;
    }
}

/* The texts that name a region (as dm_region_matches: id, both names, code, groups), each
 * with its region's index, sorted, into *out (*n entries). */
static int region_texts(const dm_model *m, dm_id_entry **out, size_t *n)
{
    size_t total = 0, k = 0;
    for (size_t g = 0; g < m->nregions; g++) total += 4 + m->regions[g].ngroups;
    if (!(*out = malloc((total ? total : 1) * sizeof **out))) return -1;
    for (size_t g = 0; g < m->nregions; g++) {
        const dm_region *rg = &m->regions[g];
        (*out)[k++] = (dm_id_entry){rg->id, (int)g};
        (*out)[k++] = (dm_id_entry){rg->name_en, (int)g};
        (*out)[k++] = (dm_id_entry){rg->name_ja, (int)g};
        if (rg->code && *rg->code) (*out)[k++] = (dm_id_entry){rg->code, (int)g};
        for (size_t j = 0; j < rg->ngroups; j++)
            if (rg->groups[j]) (*out)[k++] = (dm_id_entry){rg->groups[j], (int)g};
    }
    dmi_ids_sort(*out, k);
    *n = k;
    return 0;
}

/* The defined nodes' tags, each with its node's index, sorted. */
static int tag_texts(const dm_model *m, dm_id_entry **out, size_t *n)
{
    size_t total = 0, k = 0;
    for (size_t v = 0; v < m->ndefined_nodes; v++) total += m->nodes[v].ntags;
    if (!(*out = malloc((total ? total : 1) * sizeof **out))) return -1;
    for (size_t v = 0; v < m->ndefined_nodes; v++)  /* a layer's nodes have no tags */
        for (size_t t = 0; t < m->nodes[v].ntags; t++) (*out)[k++] = (dm_id_entry){m->nodes[v].tags[t], (int)v};
    dmi_ids_sort(*out, k);
    *n = k;
    return 0;
}

static int by_index(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    return (a > b) - (a < b);
}

/* Keeps the K matched nodes that rank highest by a centrality of the dependency graph
 * (edges provider -> dependent, computed with igraph): `degree` (dependencies in and out,
 * plus layer edges), `dependents` (how many depend on the node), or `betweenness`
 * (directed). */
static int select_top(yread *r, yaml_node_t *top, yaml_node_t *by, const dm_model *m, dm_hazard *h)
{
    uint64_t k;
    if (dmi_yr_u64(r, top, "select top", 1000000000ULL, &k)) return DM_EDATA;
    if (k < 1 || k > h->nnodes) {
        char expected[96];
        snprintf(expected, sizeof expected, "a whole number from 1 to %zu (the nodes matched)", h->nnodes);
        return dmi_yr_expected(r, top, "select top", expected);
    }
    const char *measure = by ? dmi_yr_text(by) : "degree";
    if (strcmp(measure, "degree") && strcmp(measure, "dependents") && strcmp(measure, "betweenness"))
        return dmi_yr_expected(r, by, "select by", "degree, dependents or betweenness");
    dmi_host host;  /* igraph's handlers: the host's are back when this returns */
    dmi_enter(&host);
    igraph_vector_int_t edges, deg;
    igraph_vector_t score;
    igraph_t g;
    int rc = 0, bad = 0;
    if (igraph_vector_int_init(&edges, 0)) return NOMEM(r);
    for (size_t q = 0; q < m->ngroups && !bad; q++) {
        dm_group_ref gr;
        dm_model_group(m, q, &gr);
        for (size_t p = 0; p < gr.nproviders && !bad; p++)
            bad = igraph_vector_int_push_back(&edges, dm_ref_provider(&gr, p)) ||
                  igraph_vector_int_push_back(&edges, gr.dependent);
    }
    /* for degree, a layer's own edges count once at each end (direction is arbitrary:
     * they are undirected); dependents and betweenness follow dependencies only */
    for (size_t l = 0; !strcmp(measure, "degree") && l < m->nlayers; l++) {
        const dm_layer *L = &m->layers[l];
        for (size_t u = 0; u < L->nnodes; u++)
            for (size_t k = L->adj_start[u]; k < L->adj_start[u + 1]; k++)
                if ((size_t)L->adj[k] > u && !bad)
                    bad = igraph_vector_int_push_back(&edges, (igraph_integer_t)(L->first + u)) ||
                          igraph_vector_int_push_back(&edges, (igraph_integer_t)(L->first + (size_t)L->adj[k]));
    }
    if (bad || igraph_create(&g, &edges, (igraph_integer_t)m->nnodes, IGRAPH_DIRECTED)) {
        igraph_vector_int_destroy(&edges);
        return NOMEM(r);
    }
    if (igraph_vector_init(&score, (igraph_integer_t)m->nnodes)) {
        igraph_destroy(&g);
        igraph_vector_int_destroy(&edges);
        return NOMEM(r);
    }
    if (igraph_vector_int_init(&deg, 0)) {
        igraph_vector_destroy(&score);
        igraph_destroy(&g);
        igraph_vector_int_destroy(&edges);
        return NOMEM(r);
    }
    if (!strcmp(measure, "betweenness")) {
        if (igraph_betweenness(&g, &score, igraph_vss_all(), 1, NULL)) rc = NOMEM(r);
    } else if (igraph_degree(&g, &deg, igraph_vss_all(), strcmp(measure, "degree") ? IGRAPH_OUT : IGRAPH_ALL, 1)) {
        rc = NOMEM(r);
    } else {
        for (size_t v = 0; v < m->nnodes; v++) VECTOR(score)[v] = (double)VECTOR(deg)[v];
    }
    if (!rc && dmi_sort_by_key(h->nodes, h->nnodes, VECTOR(score), 1)) rc = NOMEM(r);  /* highest first, ties: model order */
    if (!rc) {
        h->nnodes = (size_t)k;
        qsort(h->nodes, h->nnodes, sizeof *h->nodes, by_index);  /* back to model order */
    }
    igraph_vector_int_destroy(&deg);
    igraph_vector_destroy(&score);
    igraph_destroy(&g);
    igraph_vector_int_destroy(&edges);
    dmi_leave(&host);
    return rc;
}

/* Selection: a node is selected when it matches every criterion given (sectors, regions,
 * nodes, tags). Every id named must exist, so a typo is an error, not an empty set. Each
 * criterion marks what it selects (hit[c]: sectors, regions, nodes, nodes with a tag) by
 * lookups or by a join of sorted texts, so a selection naming k ids of a model of n nodes
 * costs O((n + k) log), not n x k. */
static int read_selection(yread *r, yaml_node_t *n, const dm_model *m, dm_hazard *h)
{
    static const char *const keys[] = {"sectors", "regions", "nodes", "tags", "count", "fraction", "top", "by", NULL};
    static const char *const crit[] = {"sectors", "regions", "nodes", "tags"};
    yaml_node_t **ids[4] = {0};
    size_t nids[4] = {0};
    unsigned char *hit[4] = {0}, *found = NULL;
    dm_id_entry *want = NULL, *texts = NULL;
    int rc = 0;
    if (dmi_yr_mapping(r, n, "hazard select", keys)) return DM_EDATA;
    yaml_node_t *count = dmi_yr_get(r, n, "count"), *fraction = dmi_yr_get(r, n, "fraction"), *top = dmi_yr_get(r, n, "top"),
                *by = dmi_yr_get(r, n, "by");
    if (count && fraction) return dmi_yr_fail(r, fraction, "hazard select: give count or fraction, not both");
    if (top && (count || fraction)) return dmi_yr_fail(r, top, "hazard select: top picks nodes by rank; count and fraction pick at random: give one");
    if (by && !top) return dmi_yr_fail(r, by, "hazard select: by goes with top: K");
    if (!dmi_yr_get(r, n, "sectors") && !dmi_yr_get(r, n, "regions") && !dmi_yr_get(r, n, "nodes") && !dmi_yr_get(r, n, "tags"))
        return dmi_yr_fail(r, n, "hazard select: expected at least one of sectors, regions, nodes, tags");
    const size_t size[4] = {m->nsectors, m->nregions, m->nnodes, m->ndefined_nodes};
    for (int c = 0; c < 4 && !rc; c++) {
        yaml_node_t *x = dmi_yr_get(r, n, crit[c]);
        if (!x) continue;
        if (dmi_yr_id_list(r, x, crit[c], &ids[c], &nids[c])) { rc = DM_EDATA; break; }
        if (!(hit[c] = calloc(size[c] ? size[c] : 1, 1)) || !(found = calloc(nids[c] ? nids[c] : 1, 1))) {
            rc = NOMEM(r);
            break;
        }
        if (c == 0 || c == 2) {  /* sectors, nodes: looked up by id */
            for (size_t i = 0; i < nids[c]; i++) {
                int k = c == 0 ? dm_model_sector(m, dmi_yr_text(ids[c][i])) : dm_model_node(m, dmi_yr_text(ids[c][i]));
                if (k >= 0) hit[c][k] = found[i] = 1;
            }
        } else {  /* regions (by any of their texts), tags: a join of the sorted lists */
            size_t ntexts;
            if (!(want = malloc((nids[c] ? nids[c] : 1) * sizeof *want)) ||
                (c == 1 ? region_texts(m, &texts, &ntexts) : tag_texts(m, &texts, &ntexts))) {
                rc = NOMEM(r);
                break;
            }
            for (size_t i = 0; i < nids[c]; i++) want[i] = (dm_id_entry){dmi_yr_text(ids[c][i]), (int)i};
            dmi_ids_sort(want, nids[c]);
            join_ids(want, nids[c], texts, ntexts, found, hit[c]);
            free(want); free(texts);
            want = texts = NULL;
        }
        for (size_t i = 0; i < nids[c] && !rc; i++) {
            if (found[i]) continue;
            char expected[64];
            snprintf(expected, sizeof expected, c == 1 ? "one of the model's regions (id, code, name or group)" : "one of the model's %s", crit[c]);
            rc = dmi_yr_expected(r, ids[c][i], crit[c], expected);
        }
        free(found);
        found = NULL;
    }
    if (!rc) {
        h->nodes = malloc(m->nnodes * sizeof *h->nodes);
        if (!h->nodes) rc = NOMEM(r);
    }
    const dm_node *nd = NULL;
    for (size_t v = 0, end = 0; !rc && v < m->nnodes; v++) {
        if (v == end) end = dmi_node_run(m, v, &nd);  /* one record a run of nodes (a layer's) */
        int ok = 1;
        if (hit[0]) ok &= hit[0][nd->sector];
        if (hit[1]) ok &= nd->region >= 0 && hit[1][nd->region];
        if (hit[2]) ok &= hit[2][v];
        if (hit[3]) ok &= v < m->ndefined_nodes && hit[3][v];
        if (ok) h->nodes[h->nnodes++] = (int)v;
    }
    free(want); free(texts); free(found);
    for (int c = 0; c < 4; c++) free(hit[c]);
    if (!rc && h->nnodes == 0)
        rc = dmi_yr_fail(r, n, "hazard select: the criteria together match no node");
    /* The top K of the matched nodes by a centrality of the dependency graph. */
    if (!rc && top) rc = select_top(r, top, by, m, h);
    /* A random subset, drawn per replicate: count nodes, or a fraction (rounded). */
    uint64_t k;
    double f;
    if (!rc && count && !(rc = dmi_yr_u64(r, count, "select count", 1000000000ULL, &k))) {
        if (k < 1 || k > h->nnodes) {
            char expected[96];
            snprintf(expected, sizeof expected, "a whole number from 1 to %zu (the nodes matched)", h->nnodes);
            rc = dmi_yr_expected(r, count, "select count", expected);
        }
        h->select_random = 1;
        h->select_count = (size_t)k;
    }
    if (!rc && fraction && !(rc = dmi_yr_num(r, fraction, "select fraction", 0, 1, &f))) {
        h->select_random = 1;
        h->select_count = (size_t)llround(f * (double)h->nnodes);
    }
    for (int c = 0; c < 4; c++) free(ids[c]);
    return rc;
}

/* severity: a number in [0, 1], a distribution ({dist: ...}) drawn once per hazard and
 * replicate, or a mapping sector id -> either of those, for one event that hits several
 * sectors. The mapping must give every sector the selection hits, and only those. */
static int read_severity(yread *r, yaml_node_t *x, const dm_model *m, dm_hazard *h)
{
    h->severity = 1.0;
    if (!x) return 0;
    if (x->type == YAML_SCALAR_NODE) return dmi_yr_num(r, x, "severity", 0, 1, &h->severity);
    if (x->type != YAML_MAPPING_NODE)
        return dmi_yr_expected(r, x, "severity", "a number in [0, 1], a distribution or a mapping sector -> severity");
    h->severity = NAN;
    if (dmi_yr_get(r, x, "dist")) {
        h->severity_drawn = 1;
        return dmi_yr_dist(r, x, "severity", 0, 0, 1, &h->severity_dist);
    }
    h->sector_severity = calloc(m->nsectors, sizeof *h->sector_severity);
    unsigned char *given = calloc(m->nsectors, 1), *hit = calloc(m->nsectors, 1);
    int rc = 0;
    if (!h->sector_severity || !given || !hit) rc = NOMEM(r);
    for (size_t i = 0; !rc && i < h->nnodes; i++) hit[dm_node_at(m, (size_t)h->nodes[i])->sector] = 1;
    for (yaml_node_pair_t *p = x->data.mapping.pairs.start; !rc && p < x->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&r->doc, p->key), *v = yaml_document_get_node(&r->doc, p->value);
        int sec = k->type == YAML_SCALAR_NODE ? dm_model_sector(m, dmi_yr_text(k)) : -1;
        char what[160];
        if (sec < 0) { rc = dmi_yr_expected(r, k, "severity", "a sector id of the model (or dist: for a distribution)"); break; }
        if (given[sec]) { rc = dmi_yr_fail(r, k, "severity: sector %s is given twice", m->sectors[sec].id); break; }
        if (!hit[sec]) {
            rc = dmi_yr_fail(r, k, "severity: the hazard's selection hits no node of sector %s", m->sectors[sec].id);
            break;
        }
        given[sec] = 1;
        snprintf(what, sizeof what, "severity of %s", m->sectors[sec].id);
        rc = dmi_yr_dist(r, v, what, 0, 0, 1, &h->sector_severity[sec]);
    }
    for (size_t sec = 0; !rc && sec < m->nsectors; sec++)
        if (hit[sec] && !given[sec])
            rc = dmi_yr_fail(r, x, "severity: the hazard hits sector %s, which the mapping does not give a severity",
                         m->sectors[sec].id);
    free(given);
    free(hit);
    return rc;
}

/* restore: a list of [time, share] pairs, share as a percentage ("12%") or a number in
 * [0, 1]; times increasing, shares not going down. shape: linear (default) or steps;
 * stretch: a distribution of a positive factor on the times. */
static int read_restore(yread *r, yaml_node_t *it, dm_hazard *h)
{
    yaml_node_t *x = dmi_yr_get(r, it, "restore"), *shape = dmi_yr_get(r, it, "shape"), *stretch = dmi_yr_get(r, it, "stretch");
    if (!x) {
        if (shape) return dmi_yr_fail(r, shape, "shape: goes with restore: (the shape of a restoration curve)");
        if (stretch) return dmi_yr_fail(r, stretch, "stretch: scales a restoration curve: give restore: too");
        return 0;
    }
    if (x->type != YAML_SEQUENCE_NODE || dmi_yr_len(x) == 0)
        return dmi_yr_expected(r, x, "restore", "a non-empty list of [time, share] pairs, such as [[13h, 12%], [24h, 33%]]");
    size_t n = dmi_yr_len(x);
    if (!(h->restore_s = calloc(n, sizeof *h->restore_s)) || !(h->restore_share = calloc(n, sizeof *h->restore_share)))
        return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *pt = dmi_yr_at(r, x, i);
        if (pt->type != YAML_SEQUENCE_NODE || dmi_yr_len(pt) != 2)
            return dmi_yr_expected(r, pt, "restore point", "a pair [time, share], such as [13h, 12%]");
        yaml_node_t *t = dmi_yr_at(r, pt, 0), *sh = dmi_yr_at(r, pt, 1);
        int64_t sec;
        if (dmi_yr_duration(r, t, "restore time", &sec)) return DM_EDATA;
        const char *text = dmi_yr_text(sh);
        size_t len = strlen(text);
        /* a percentage ("12%") or a plain share (0.12) */
        int percent = len > 1 && text[len - 1] == '%';
        char *end, buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)(len - (size_t)percent), text);
        double share = strtod(buf, &end) / (percent ? 100 : 1);
        if (sh->type != YAML_SCALAR_NODE || len == 0 || len >= sizeof buf || end == buf || *end || !(share >= 0 && share <= 1))
            return dmi_yr_expected(r, sh, "restore share", "a share in [0, 1] or a percentage in [0%, 100%]");
        if (i > 0 && (double)sec <= h->restore_s[i - 1])
            return dmi_yr_fail(r, t, "restore: the times must increase: %s is not after the previous point's", dmi_yr_text(t));
        if (i > 0 && share < h->restore_share[i - 1])
            return dmi_yr_fail(r, sh, "restore: the share back in service cannot go down: %s after %g%%", text,
                           100 * h->restore_share[i - 1]);
        h->restore_s[i] = (double)sec;
        h->restore_share[i] = share;
        h->nrestore = i + 1;
    }
    if (shape) {
        if (!strcmp(dmi_yr_text(shape), "steps")) h->restore_steps = 1;
        else if (strcmp(dmi_yr_text(shape), "linear")) return dmi_yr_expected(r, shape, "shape", "linear or steps");
    }
    if (stretch) {
        h->has_stretch = 1;
        if (dmi_yr_dist(r, stretch, "stretch", 0, 1e-6, 1e6, &h->stretch)) return DM_EDATA;
    }
    return 0;
}

static int read_hazards(yread *r, yaml_node_t *seq, dm_scenario *s)
{
    static const char *const keys[] = {"id", "kind", "description", "select", "at", "severity",
                                       "duration", "restore", "shape", "stretch", NULL};
    if (!seq) return 0;
    if (dmi_yr_sequence(r, seq, "hazards")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    s->hazards = calloc(n ? n : 1, sizeof *s->hazards);
    if (!s->hazards) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_hazard *h = &s->hazards[i];
        s->nhazards = i + 1;
        if (dmi_yr_mapping(r, it, "hazard", keys)) return DM_EDATA;
        h->line = dmi_yr_line(it);
        if (dmi_yr_need(r, it, "id", "hazard", &x) || dmi_yr_str(r, x, "hazard id", &h->id)) return DM_EDATA;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->hazards[j].id, h->id)) return dmi_yr_fail(r, x, "hazard id '%s' is used twice", h->id);
        if ((x = dmi_yr_get(r, it, "description")) ? dmi_yr_str(r, x, "description", &h->description)
                                               : !(h->description = strdup("")))
            return r->err->code ? DM_EDATA : NOMEM(r);
        if (dmi_yr_need(r, it, "kind", "hazard", &x)) return DM_EDATA;
        static const char *const kinds[] = {"cyber attack", "unintentional failure",
                                            "natural disaster", "other"};
        static const char *const short_kinds[] = {"cyber", "failure", "disaster", "other"};
        int k = -1;
        for (int j = 0; j < 4; j++)
            if (!strcmp(dmi_yr_text(x), kinds[j]) || !strcmp(dmi_yr_text(x), short_kinds[j])) k = j;
        if (k < 0)
            return dmi_yr_expected(r, x, "hazard kind",
                               "cyber attack, unintentional failure, natural disaster or other");
        h->kind = (dm_hazard_kind)k;
        if (dmi_yr_need(r, it, "select", "hazard", &x) || read_selection(r, x, s->model, h)) return DM_EDATA;
        h->start.kind = DM_DIST_FIXED;
        if ((x = dmi_yr_get(r, it, "at")) && dmi_yr_dist(r, x, "hazard time 'at'", 1, 0, 1e15, &h->start))
            return DM_EDATA;
        if (read_severity(r, dmi_yr_get(r, it, "severity"), s->model, h)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "duration"))) {
            h->has_duration = 1;
            if (dmi_yr_dist(r, x, "hazard duration", 1, 0, 1e15, &h->duration)) return DM_EDATA;
        }
        if (read_restore(r, it, h)) return DM_EDATA;
    }
    return 0;
}

/* A hazard that cannot start before the horizon has no effect: say so (a typo in `at` or
 * `horizon` is the usual reason). */
static int check_late_hazards(yread *r, dm_scenario *s)
{
    for (size_t i = 0; i < s->nhazards; i++) {
        const dm_hazard *h = &s->hazards[i];
        const dm_dist *d = &h->start;
        double earliest = d->kind == DM_DIST_FIXED || d->kind == DM_DIST_UNIFORM ? d->a : d->lo;
        if (d->kind == DM_DIST_CHOICE) {
            earliest = INFINITY;
            for (size_t k = 0; k < d->nchoices; k++) earliest = fmin(earliest, d->values[k]);
        }
        if (!(earliest >= (double)s->horizon_s)) continue;
        if (s->nwarnings % 8 == 0) {
            void *p = realloc(s->warnings, (s->nwarnings + 8) * sizeof *s->warnings);
            if (!p) return NOMEM(r);
            s->warnings = p;
        }
        snprintf(s->warnings[s->nwarnings++], sizeof s->warnings[0],
                 "%s:%d: hazard '%s' starts at %.0f min or later, at or after the horizon (%lld min): it has no effect",
                 r->file, h->line, h->id, earliest / 60, (long long)(s->horizon_s / 60));
    }
    return 0;
}

static int read_assumptions(yread *r, yaml_node_t *seq, dm_scenario *s)
{
    if (!seq) return 0;
    if (dmi_yr_sequence(r, seq, "assumptions")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    if (!(s->assumptions = calloc(n ? n : 1, sizeof *s->assumptions))) return NOMEM(r);
    for (size_t i = 0; i < n; i++, s->nassumptions++)
        if (dmi_yr_str(r, dmi_yr_at(r, seq, i), "assumption", &s->assumptions[i])) return DM_EDATA;
    return 0;
}

/* `kinds`: one of breaches, losses, restorations, or a list of them. */
static int read_kinds(yread *r, yaml_node_t *x, unsigned *kinds)
{
    yaml_node_t **ids;
    size_t n;
    if (dmi_yr_id_list(r, x, "kinds", &ids, &n)) return DM_EDATA;
    *kinds = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = dmi_yr_text(ids[i]);
        unsigned f = !strcmp(k, "breaches") ? DM_KIND_BREACHES : !strcmp(k, "losses") ? DM_KIND_LOSSES
                   : !strcmp(k, "restorations") ? DM_KIND_RESTORATIONS : 0;
        if (!f) {
            int rc = dmi_yr_expected(r, ids[i], "kinds", "breaches, losses or restorations");
            free(ids);
            return rc;
        }
        *kinds |= f;
    }
    free(ids);
    return 0;
}

/* `prompts: [{sector: ID, kinds: [...], text: ...}]`: questions for the participants. */
static int read_prompts(yread *r, yaml_node_t *seq, dm_scenario *s)
{
    static const char *const keys[] = {"sector", "kinds", "text", NULL};
    if (!seq) return 0;
    if (dmi_yr_sequence(r, seq, "prompts")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    if (!(s->prompts = calloc(n ? n : 1, sizeof *s->prompts))) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_prompt *p = &s->prompts[i];
        s->nprompts = i + 1;
        p->sector = -1;
        if (dmi_yr_mapping(r, it, "prompt", keys)) return DM_EDATA;
        if (dmi_yr_need(r, it, "text", "prompt", &x) || dmi_yr_str(r, x, "prompt text", &p->text)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "sector")) && (p->sector = dm_model_sector(s->model, dmi_yr_text(x))) < 0)
            return dmi_yr_expected(r, x, "prompt sector", "one of the model's sectors");
        if ((x = dmi_yr_get(r, it, "kinds")) && read_kinds(r, x, &p->kinds)) return DM_EDATA;
    }
    return 0;
}

/* `injects: [{at: 2h, to: ..., text: ...}]`: the planner's own injects, kept in time order
 * (equal times in file order). */
static int read_injects(yread *r, yaml_node_t *seq, dm_scenario *s)
{
    static const char *const keys[] = {"at", "to", "text", NULL};
    if (!seq) return 0;
    if (dmi_yr_sequence(r, seq, "injects")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    if (!(s->injects = calloc(n ? n : 1, sizeof *s->injects))) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_planner_inject *p = &s->injects[i];
        s->ninjects = i + 1;
        if (dmi_yr_mapping(r, it, "inject", keys)) return DM_EDATA;
        p->line = dmi_yr_line(it);
        if (dmi_yr_need(r, it, "at", "inject", &x) || dmi_yr_duration(r, x, "inject time 'at'", &p->at_s)) return DM_EDATA;
        if (p->at_s >= s->horizon_s) return dmi_yr_expected(r, x, "inject time 'at'", "a time before the horizon");
        if (dmi_yr_need(r, it, "text", "inject", &x) || dmi_yr_str(r, x, "inject text", &p->text)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "to")) && dmi_yr_str(r, x, "inject recipients 'to'", &p->to)) return DM_EDATA;
    }
    for (size_t i = 1; i < n; i++)  /* stable insertion sort by time */
        for (size_t j = i; j > 0 && s->injects[j - 1].at_s > s->injects[j].at_s; j--) {
            dm_planner_inject t = s->injects[j - 1]; s->injects[j - 1] = s->injects[j]; s->injects[j] = t;
        }
    return 0;
}

/* ---- overrides (docs/scenario-format.md, "Overrides") ---- */

static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + n >= size) n = *len + 1 < size ? size - 1 - *len : 0;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = 0;
}

/* Node v of d as YAML flow text, for the record of what was overridden. */
static void flow(yaml_document_t *d, yaml_node_t *v, char *buf, size_t size, size_t *len)
{
    if (!v) return;
    if (v->type == YAML_SCALAR_NODE) {
        int quoted = v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        if (quoted) put(buf, size, len, "\"", 1);
        for (size_t i = 0; i < v->data.scalar.length; i++) {
            char c = (char)v->data.scalar.value[i];
            if (quoted && (c == '"' || c == '\\')) put(buf, size, len, "\\", 1);
            put(buf, size, len, &c, 1);
        }
        if (quoted) put(buf, size, len, "\"", 1);
    } else if (v->type == YAML_SEQUENCE_NODE) {
        put(buf, size, len, "[", 1);
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            if (it > v->data.sequence.items.start) put(buf, size, len, ", ", 2);
            flow(d, yaml_document_get_node(d, *it), buf, size, len);
        }
        put(buf, size, len, "]", 1);
    } else if (v->type == YAML_MAPPING_NODE) {
        put(buf, size, len, "{", 1);
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
            if (p > v->data.mapping.pairs.start) put(buf, size, len, ", ", 2);
            flow(d, yaml_document_get_node(d, p->key), buf, size, len);
            put(buf, size, len, ": ", 2);
            flow(d, yaml_document_get_node(d, p->value), buf, size, len);
        }
        put(buf, size, len, "}", 1);
    }
}

static int index_of(yread *r, yaml_node_t *n) { return (int)(n - r->doc.nodes.start) + 1; }

/* The model read again from its text (or from the inline mapping at inline_index of the
 * scenario), with the first `upto` overrides set in its document. A path that leads
 * nowhere is an error at the path, in r->err (returns -1); an error of the model itself
 * goes to sub (returns its code). */
static int overridden_model(yread *r, dm_scenario *s, const char *base_text, int inline_index,
                            yaml_node_t **items, size_t upto, dm_model **out, dm_error *sub)
{
    yread mr;
    *out = NULL;
    if (base_text) {
        if (dmi_yr_open(&mr, base_text, strlen(base_text), s->model->file, sub)) { dmi_yr_close(&mr); return sub->code; }
    } else {
        memset(&mr, 0, sizeof mr);
        mr.file = s->model->file;
        mr.err = sub;
        if (!yaml_document_initialize(&mr.doc, NULL, NULL, NULL, 1, 1)) return NOMEM(r), -1;
        mr.loaded = 1;
        if (yp_copy(&mr.doc, &r->doc, inline_index) != 1) { dmi_yr_close(&mr); return NOMEM(r), -1; }
    }
    mr.stored = r->stored;
    mr.nstored = r->nstored;
    for (size_t i = 0; i < upto; i++) {
        yaml_node_t *path = dmi_yr_get(r, items[i], "path"), *value = dmi_yr_get(r, items[i], "value");
        char why[512];
        if (yp_set(&mr.doc, s->overrides[i].path + 6, &r->doc, index_of(r, value), NULL, &s->overrides[i].matches,
                   why, sizeof why)) {
            dmi_yr_close(&mr);
            if (!strcmp(why, "out of memory")) return NOMEM(r), -1;
            return dmi_yr_fail(r, path, "override path '%s': %s", s->overrides[i].path, why), -1;
        }
    }
    int rc = dmi_model_from_yaml(&mr, dmi_yr_root(&mr), out);
    dmi_yr_close(&mr);
    return rc;
}

/* Reads `overrides:` and replaces the scenario's model by the model with them set. The
 * model keeps its source text (and so its SHA-256): the overrides are recorded beside it,
 * and reloading a result file sets them again from the stored scenario text. */
static int read_overrides(yread *r, yaml_node_t *seq, int inline_index, dm_scenario *s)
{
    static const char *const keys[] = {"path", "value", NULL};
    if (dmi_yr_sequence(r, seq, "overrides")) return DM_EDATA;
    size_t n = dmi_yr_len(seq);
    if (n == 0) return 0;
    yaml_node_t **items = calloc(n, sizeof *items);
    if (!items || !(s->overrides = calloc(n, sizeof *s->overrides))) { free(items); return NOMEM(r); }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = items[i] = dmi_yr_at(r, seq, i), *path, *value;
        dm_override *o = &s->overrides[i];
        s->noverrides = i + 1;
        if (dmi_yr_mapping(r, it, "override", keys) || dmi_yr_need(r, it, "path", "override", &path) ||
            dmi_yr_need(r, it, "value", "override", &value) || dmi_yr_str(r, path, "override path", &o->path)) {
            free(items);
            return DM_EDATA;
        }
        o->line = dmi_yr_line(it);
        o->column = (int)it->start_mark.column + 1;
        if (strncmp(o->path, "model.", 6) || !o->path[6]) {
            free(items);
            return dmi_yr_expected(r, path, "override path", "a path into the model, starting with 'model.' (docs/sweeps.md, \"Paths\")");
        }
        char buf[1024];
        size_t len = 0;
        buf[0] = 0;
        flow(&r->doc, value, buf, sizeof buf, &len);
        if (!(o->value = strdup(buf))) { free(items); return NOMEM(r); }
    }
    const dm_model *old = s->model;
    char *base = old->text ? strndup(old->text, old->text_len) : NULL;
    if ((old->text && !base) || (!old->text && !inline_index)) {
        free(items);
        return old->text ? NOMEM(r) : dmi_yr_fail(r, seq, "overrides: the model's source text is not available to override");
    }
    dm_model *m;
    dm_error sub;
    dm_error_clear(&sub);
    int rc = overridden_model(r, s, base, inline_index, items, n, &m, &sub);
    if (rc > 0) {
        /* the model no longer loads: name the first override that breaks it */
        size_t k = 1;
        for (; k < n; k++) {
            dm_model *part;
            dm_error e2;
            dm_error_clear(&e2);
            int rc2 = overridden_model(r, s, base, inline_index, items, k, &part, &e2);
            dm_model_free(part);
            if (rc2) break;
        }
        yaml_node_t *value = dmi_yr_get(r, items[k - 1], "value");
        rc = dm_error_set(r->err, sub.code, r->file, dmi_yr_line(value), (int)value->start_mark.column + 1,
                          "override %s = %s: the model does not load with it: %s", s->overrides[k - 1].path,
                          s->overrides[k - 1].value, sub.message);
    } else if (rc == 0) {
        m->text = base;  /* the text as written, as the file on disk says (NULL: inline) */
        m->text_len = base ? strlen(base) : 0;
        base = NULL;
        dm_model_free(s->model);
        s->model = m;
    }
    free(base);
    free(items);
    return rc ? (r->err->code ? r->err->code : DM_EDATA) : 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int load_named_model(yread *r, yaml_node_t *x, dm_model **out)
{
    const char *name = dmi_yr_text(x);
    if (ends_with(name, ".yaml") || ends_with(name, ".yml")) {
        char path[4096], dir[2048];
        dmi_dir_of(r->file, dir, sizeof dir);
        snprintf(path, sizeof path, "%s%s", name[0] == '/' ? "" : dir, name);
        dm_error sub;
        dm_error_clear(&sub);
        int rc = dm_model_load(path, out, &sub);
        if (rc == DM_ENOINPUT)  /* say where the reference is, then what failed */
            return dm_error_set(r->err, DM_ENOINPUT, r->file, dmi_yr_line(x), (int)x->start_mark.column + 1,
                                "model: cannot open '%s': %s", path, sub.message);
        if (rc) *r->err = sub;
        return rc;
    }
    size_t len;
    const char *text = dm_embedded(name, &len);
    char path[4096];
    if (!text && !strchr(name, '/') && dm_data_find("models", name, path, sizeof path, &(dm_error){0}) == 0)
        return dm_model_load(path, out, r->err);  /* a shipped model by name */
    if (!text) return dmi_yr_expected(r, x, "model", "a path ending in .yaml, the name of an embedded model (japan-sectors) "
                                  "or of a shipped one (japan-prefectures)");
    char file[300];
    snprintf(file, sizeof file, "<embedded %s>", name);
    return dm_model_parse(text, len, file, out, r->err);
}

static int parse(const char *text, size_t len, const char *file, dm_model *given, const dm_stored_input *stored,
                 size_t nstored, dm_scenario **out, dm_error *err)
{
    static const char *const keys[] = {"name", "description", "model", "horizon", "tick", "seed",
                                       "replicates", "start", "hazards", "assumptions", "injects", "prompts", "overrides", NULL};
    yread r;
    yaml_node_t *root, *x;
    *out = NULL;
    dm_scenario *s = calloc(1, sizeof *s);
    if (!s) { dm_model_free(given); return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory"); }
    s->model = given;
    if (dmi_yr_open(&r, text, len, file, err)) goto fail;
    r.stored = stored;
    r.nstored = nstored;
    root = dmi_yr_root(&r);
    if (dmi_yr_mapping(&r, root, "scenario", keys)) goto fail;
    if (!(s->file = strdup(file)) || !(s->text = malloc(len + 1))) { NOMEM(&r); goto fail; }
    memcpy(s->text, text, len);
    s->text[len] = 0;
    if ((x = dmi_yr_get(&r, root, "name")) ? dmi_yr_str(&r, x, "scenario name", &s->name) : !(s->name = strdup("scenario")))
        goto fail;
    if ((x = dmi_yr_get(&r, root, "description")) ? dmi_yr_str(&r, x, "description", &s->description)
                                              : !(s->description = strdup("")))
        goto fail;
    if (dmi_yr_need(&r, root, "model", "scenario", &x)) goto fail;
    if (given) {
        /* the model comes with the call */
    } else if (x->type == YAML_MAPPING_NODE) {  /* a model written inline */
        if (dmi_model_from_yaml(&r, x, &s->model)) goto fail;
    } else if (x->type != YAML_SCALAR_NODE) {
        dmi_yr_expected(&r, x, "model", "a file name, an embedded model name or an inline model");
        goto fail;
    } else if (load_named_model(&r, x, &s->model)) {
        goto fail;
    }
    {
        yaml_node_t *model = dmi_yr_get(&r, root, "model"), *ov = dmi_yr_get(&r, root, "overrides");
        int inline_index = !given && model->type == YAML_MAPPING_NODE ? index_of(&r, model) : 0;
        if (ov && read_overrides(&r, ov, inline_index, s)) goto fail;
    }
    s->tick_s = 60;
    if ((x = dmi_yr_get(&r, root, "tick")) && dmi_yr_duration(&r, x, "tick", &s->tick_s)) goto fail;
    if (s->tick_s <= 0) { dmi_yr_expected(&r, x, "tick", "a duration of at least 1s"); goto fail; }
    s->horizon_s = 7 * 86400;
    if ((x = dmi_yr_get(&r, root, "horizon")) && dmi_yr_duration(&r, x, "horizon", &s->horizon_s)) goto fail;
    if (s->horizon_s < s->tick_s) { dmi_yr_expected(&r, x, "horizon", "a duration of at least one tick"); goto fail; }
    {
        int64_t limit = dm_limit(DM_MAX_TICKS_ENV, DM_MAX_TICKS), ticks = dm_scenario_ticks(s, s->horizon_s);
        if (ticks > limit) {
            dmi_yr_fail(&r, x ? x : root, "horizon: %lld s at a tick of %lld s is %lld ticks, over the limit of %lld: use a "
                    "coarser tick (or set %s to raise the limit)", (long long)s->horizon_s, (long long)s->tick_s,
                    (long long)ticks, (long long)limit, DM_MAX_TICKS_ENV);
            goto fail;
        }
    }
    s->seed = 1;
    if ((x = dmi_yr_get(&r, root, "seed")) && dmi_yr_u64(&r, x, "seed", INT64_MAX, &s->seed)) goto fail;
    s->replicates = 1;
    if ((x = dmi_yr_get(&r, root, "replicates")) && dmi_yr_u64(&r, x, "replicates", 1000000000ULL, &s->replicates))
        goto fail;
    if (s->replicates == 0) { dmi_yr_expected(&r, x, "replicates", "at least 1"); goto fail; }
    if ((x = dmi_yr_get(&r, root, "start"))) {
        if (x->type != YAML_SCALAR_NODE || dm_parse_iso8601(dmi_yr_text(x), &s->start_unix, &s->start_offset_min)) {
            dmi_yr_expected(&r, x, "start", "an ISO 8601 date and time with its UTC offset, such as 2018-09-06T03:07+09:00 "
                        "(no offset: JST)");
            goto fail;
        }
        s->has_start = 1;
        int y, mo, d, h, mi, sec, off = abs(s->start_offset_min);
        dm_civil_time(s->start_unix, s->start_offset_min, &y, &mo, &d, &h, &mi, &sec);
        snprintf(s->start_iso, sizeof s->start_iso, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d, h, mi, sec,
                 s->start_offset_min < 0 ? '-' : '+', off / 60, off % 60);
    }
    if (read_hazards(&r, dmi_yr_get(&r, root, "hazards"), s) || check_late_hazards(&r, s)) goto fail;
    if (read_assumptions(&r, dmi_yr_get(&r, root, "assumptions"), s) || read_injects(&r, dmi_yr_get(&r, root, "injects"), s) ||
        read_prompts(&r, dmi_yr_get(&r, root, "prompts"), s))
        goto fail;
    dmi_yr_close(&r);
    *out = s;
    return 0;
fail:
    dmi_yr_close(&r);
    dm_scenario_free(s);
    return err->code ? err->code : dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory");
}

int dm_scenario_parse(const char *text, size_t len, const char *file, dm_scenario **out, dm_error *err)
{
    return parse(text, len, file, NULL, NULL, 0, out, err);
}

int dm_scenario_parse_stored(const char *text, size_t len, const char *file, const dm_stored_input *stored,
                             size_t nstored, dm_scenario **out, dm_error *err)
{
    return parse(text, len, file, NULL, stored, nstored, out, err);
}

int dm_scenario_parse_with_model(const char *text, size_t len, const char *file, dm_model *model,
                                 dm_scenario **out, dm_error *err)
{
    return parse(text, len, file, model, NULL, 0, out, err);
}

int dm_scenario_parse_with_model_stored(const char *text, size_t len, const char *file, dm_model *model,
                                        const dm_stored_input *stored, size_t nstored, dm_scenario **out,
                                        dm_error *err)
{
    return parse(text, len, file, model, stored, nstored, out, err);
}

void dm_scenario_model_sha256(const dm_scenario *sc, char hex[65])
{
    const dm_model *m = sc->model;
    if (m->text) dmi_sha256_hex(m->text, m->text_len, hex);
    else dmi_sha256_hex(sc->text, strlen(sc->text), hex);
}

int dm_scenario_load(const char *path, dm_scenario **out, dm_error *err)
{
    size_t len;
    char used[4096];
    dm_error miss;
    dm_error_clear(&miss);
    char *text = dmi_read_named("scenarios", path, used, sizeof used, &len, &miss);
    *out = NULL;
    if (!text) {
        if (miss.code == DM_ENOINPUT && !strcmp(path, "default")) return dm_scenario_default(out, err);
        *err = miss;
        return err->code;
    }
    int rc = dm_scenario_parse(text, len, used, out, err);
    free(text);
    return rc;
}

int dm_scenario_default(dm_scenario **out, dm_error *err)
{
    size_t len;
    const char *text = dm_embedded("default", &len);
    return dm_scenario_parse(text, len, "<embedded scenarios/default.yaml>", out, err);
}

int dm_validate_file(const char *path, const char **kind, dm_error *err)
{
    size_t len;
    char *text = dmi_read_file(path, &len, err);
    *kind = "file";
    if (!text) return err->code;
    /* A scenario names its model; a model has sectors. Decide by the top-level keys. */
    yread r;
    int rc = dmi_yr_open(&r, text, len, path, err);
    int is_scenario = !rc && (dmi_yr_get(&r, dmi_yr_root(&r), "model") || dmi_yr_get(&r, dmi_yr_root(&r), "hazards"));
    if (!rc) *kind = is_scenario ? "scenario" : "model";
    if (!rc && !is_scenario) {  /* the document just read is the model: no second parse */
        dm_model *m;
        rc = dmi_model_from_yaml(&r, dmi_yr_root(&r), &m);
        dm_model_free(m);
    }
    dmi_yr_close(&r);
    if (!rc && is_scenario) {
        dm_scenario *s;
        rc = dm_scenario_parse(text, len, path, &s, err);
        dm_scenario_free(s);
    }
    free(text);
    return rc;
}
