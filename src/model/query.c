/* The model as data: lookups by id, the node and group records that layers and pairs
 * share, the thresholds. Nothing here reads a file (model.c, layers.c and groups.c do). */
#include <stdlib.h>
#include <string.h>
#include "domino/model.h"
#include "model/loader.h"
#include "model/query.h"

/* Sorted id arrays: the loader's lookups by id in O(log n), so that a model of 10^5
 * sectors or nodes loads in linear-logarithmic time (issue 18). */
static int by_id(const void *pa, const void *pb)
{
    const dm_id_entry *a = pa, *b = pb;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

int dmi_ids_sort(dm_id_entry *ids, size_t n)
{
    qsort(ids, n, sizeof *ids, by_id);
    int twice = -1;
    for (size_t i = 1; i < n; i++)
        if (!strcmp(ids[i].id, ids[i - 1].id) && (twice < 0 || ids[i].index < twice)) twice = ids[i].index;
    return twice;
}

size_t dmi_ids_lower(const dm_id_entry *ids, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ids[mid].id, id) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
}

int dmi_ids_find(const dm_id_entry *ids, size_t n, const char *id)
{
    size_t i = dmi_ids_lower(ids, n, id);
    return i < n && !strcmp(ids[i].id, id) ? ids[i].index : -1;
}

int dm_model_sector(const dm_model *m, const char *id)
{
    if (m->sector_ids) return dmi_ids_find(m->sector_ids, m->nsectors, id);
    for (size_t i = 0; i < m->nsectors; i++)
        if (strcmp(m->sectors[i].id, id) == 0) return (int)i;
    return -1;
}

int dm_model_node(const dm_model *m, const char *id)
{
    int v = dmi_layer_node(m, id);
    if (v >= 0) return v;
    if (m->node_ids) return dmi_ids_find(m->node_ids, m->ndefined_nodes, id);
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

size_t dmi_node_run(const dm_model *m, size_t v, const dm_node **nd)
{
    if (v < m->ndefined_nodes) {
        *nd = &m->nodes[v];
        return v + 1;
    }
    const dm_layer *L = &m->layers[layer_of_node(m, v)];
    *nd = &L->node;
    return L->first + L->nnodes;
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
        /* a model without resupply has no resupply array: no pointer into NULL (UB that
         * clang's sanitizer reports; found by fuzz/fuzz_shapes.c) */
        *out = (dm_group_ref){gr, g, gr->dependent, gr->nproviders, &m->provider_node[gr->first], 0,
                              &m->provider_share[gr->first], gr->nresupply,
                              gr->nresupply ? &m->resupply_node[gr->resupply_first] : NULL};
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

/* Node "A:17" of layer A, without a search through every node; -1 if id is not of that form. */
int dmi_layer_node(const dm_model *m, const char *id)
{
    const char *colon = strrchr(id, ':');
    if (!colon || !colon[1]) return -1;
    char *end;
    unsigned long long i = strtoull(colon + 1, &end, 10);
    if (*end || colon[1] == '-' || colon[1] == '+') return -1;
    for (size_t k = 0; k < m->nlayers; k++) {
        const dm_layer *L = &m->layers[k];
        if (strlen(L->id) == (size_t)(colon - id) && strncmp(L->id, id, (size_t)(colon - id)) == 0)
            return i < L->nnodes ? (int)(L->first + i) : -1;
    }
    return -1;
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

double dm_threshold_magnitude(const dm_model *m, int s, int region)
{
    const dm_sector *sec = &m->sectors[s];
    if (sec->any_loss) return 0;
    if (sec->magnitude_share <= 0) return sec->magnitude;
    return sec->magnitude_share * dmi_model_capacity(m, s, region);
}

/* Every node of the sector (a layer's too, which share one record), or those in the
 * region, summed in node order as the engine does, so the sums agree to the bit. */
double dmi_model_capacity(const dm_model *m, int s, int region)
{
    double capacity = 0;
    for (size_t v = 0, end; v < m->nnodes; v = end) {
        const dm_node *nd;
        end = dmi_node_run(m, v, &nd);
        if (nd->sector == s && (region < 0 || nd->region == region))
            for (; v < end; v++) capacity += nd->capacity;  /* one addition a node, as the engine sums */
    }
    return capacity;
}
