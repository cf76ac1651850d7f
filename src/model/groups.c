/* Reading requirement groups (docs/model-format.md, "dependencies"): a dependency's mode,
 * providers, strength, lag, quorum and buffer. A layer's neighbours and couplings
 * (layers.c) read their settings here too. */
#include <stdlib.h>
#include <string.h>
#include "domino/model.h"
#include "model/loader.h"
#include "model/yread.h"

/* Resolves one provider reference: a node id (in a sector-level model, the sector id). */
static int node_ref(yread *r, const dm_model *m, yaml_node_t *x, const char *what, int *out)
{
    if ((*out = dm_model_node(m, dmi_yr_text(x))) < 0)
        return dmi_yr_expected(r, x, what, "the id of a node (or, without explicit nodes, of a sector)");
    return 0;
}

static int read_buffer(yread *r, yaml_node_t *n, dm_model *m, dm_group *g, size_t *cap_resupply)
{
    static const char *const keys[] = {"duration", "facilities", "share", "refill", "resupply",
                                       "resupply_level", "resupply_after", "restart_rate", "restart_share", NULL};
    yaml_node_t *x, *f;
    if (dmi_yr_mapping(r, n, "buffer", keys)) return DM_EDATA;
    /* One duration for every facility (drawn once per replicate), or a distribution of
     * durations across the node's facilities: one or the other. */
    x = dmi_yr_get(r, n, "duration");
    f = dmi_yr_get(r, n, "facilities");
    if (x && f) return dmi_yr_fail(r, f, "buffer: give either 'duration' or 'facilities', not both");
    if (!x && !f) return dmi_yr_expected(r, n, "buffer", "a 'duration' or a 'facilities' distribution");
    if (dmi_yr_dist(r, x ? x : f, x ? "buffer duration" : "buffer facilities", 1, 0, 1e15, &g->buffer))
        return DM_EDATA;
    g->has_buffer = 1;
    g->facilities = f != NULL;
    g->backup_share = 1.0;  /* DESIGN.md: by default every facility has a backup */
    if ((x = dmi_yr_get(r, n, "share")) && dmi_yr_num(r, x, "buffer share", 0, 1, &g->backup_share))
        return DM_EDATA;
    g->refill = 1.0;  /* assumption: a buffer refills as fast as it drained unless told */
    if ((x = dmi_yr_get(r, n, "refill")) && dmi_yr_num(r, x, "buffer refill rate", 0, 1e9, &g->refill))
        return DM_EDATA;
    /* Facilities whose backup ran out need a visit to come back (base stations whose
     * batteries went flat), crews restarting a share of them per hour: by default they
     * come back with their input. */
    if ((x = dmi_yr_get(r, n, "restart_rate")) && dmi_yr_num(r, x, "buffer restart_rate (share per hour)", 0, 1e9, &g->restart_rate))
        return DM_EDATA;
    g->restart_share = 1.0;
    if ((x = dmi_yr_get(r, n, "restart_share")) && dmi_yr_num(r, x, "buffer restart_share", 0, 1, &g->restart_share))
        return DM_EDATA;
    g->resupply_level = 0.5; /* assumption: a half-working fuel chain still delivers */
    if ((x = dmi_yr_get(r, n, "resupply_level")) && dmi_yr_num(r, x, "resupply_level", 0, 1, &g->resupply_level))
        return DM_EDATA;
    g->resupply_first = m->nresupply;
    if ((x = dmi_yr_get(r, n, "resupply"))) {
        yaml_node_t **ids;
        size_t k;
        if (dmi_yr_id_list(r, x, "buffer resupply", &ids, &k)) return DM_EDATA;
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
    /* Resupply that takes time to arrive (mobile generators, fuel trucks): a cut
     * facility's backup runs this long before the resupply holds it. */
    if ((x = dmi_yr_get(r, n, "resupply_after"))) {
        if (!g->nresupply) return dmi_yr_fail(r, x, "buffer: 'resupply_after' needs 'resupply' providers");
        if (dmi_yr_dist(r, x, "buffer resupply_after", 1, 0, 1e15, &g->resupply_after)) return DM_EDATA;
        g->has_resupply_after = 1;
    }
    return 0;
}

static int read_providers(yread *r, yaml_node_t *n, dm_model *m, dm_group *g, size_t *cap)
{
    size_t k = n && n->type == YAML_SEQUENCE_NODE ? dmi_yr_len(n) : 1;
    if (n && n->type == YAML_SEQUENCE_NODE && k == 0)
        return dmi_yr_expected(r, n, "providers", "at least one provider");
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
        yaml_node_t *it = n->type == YAML_SEQUENCE_NODE ? dmi_yr_at(r, n, i) : n;
        size_t at = m->nprovider++;
        m->provider_share[at] = 1.0 / (double)k;
        if (it->type == YAML_MAPPING_NODE) {
            static const char *const keys[] = {"node", "share", NULL};
            yaml_node_t *x;
            if (dmi_yr_mapping(r, it, "provider", keys) || dmi_yr_need(r, it, "node", "provider", &x) ||
                node_ref(r, m, x, "provider", &m->provider_node[at]))
                return DM_EDATA;
            if ((x = dmi_yr_get(r, it, "share"))) {
                if (dmi_yr_num(r, x, "provider share", 0, 1, &m->provider_share[at])) return DM_EDATA;
                explicit_shares++;
            }
        } else if (it->type != YAML_SCALAR_NODE ||
                   node_ref(r, m, it, "provider", &m->provider_node[at])) {
            return r->err->code ? DM_EDATA : dmi_yr_expected(r, it, "provider", "a node id or {node, share}");
        }
        sum += m->provider_share[at];
    }
    if (explicit_shares && explicit_shares != (int)k)
        return dmi_yr_fail(r, n, "providers: give a share for every provider or for none");
    /* more than 1 is spare capacity (an area's own generation plus its interconnections):
     * sigma = min(1, sum share s) then stays at 1 while enough providers are up */
    if (explicit_shares && g->mode == DM_MODE_SHARE && sum < 1.0 - 1e-6)
        return dmi_yr_expected(r, n, "provider shares", "shares summing to at least 1");
    return 0;
}

/* The settings of a requirement group a dependency (or a layer's couplings and
 * neighbours, layers.c) gives: mode, providers (when the mapping has them), strength,
 * lag and quorum. */
int dmi_read_group_settings(yread *r, yaml_node_t *it, dm_model *m, dm_group *g, size_t *cap_p)
{
    yaml_node_t *x;
    g->mode = DM_MODE_SHARE;
    if ((x = dmi_yr_get(r, it, "mode"))) {
        const char *s = dmi_yr_text(x);
        if (strcmp(s, "share") == 0) g->mode = DM_MODE_SHARE;
        else if (strcmp(s, "any") == 0) g->mode = DM_MODE_ANY;
        else if (strcmp(s, "quorum") == 0) g->mode = DM_MODE_QUORUM;
        else return dmi_yr_expected(r, x, "dependency mode", "share, any or quorum");
    }
    if (cap_p && (dmi_yr_need(r, it, "providers", "dependency", &x) || read_providers(r, x, m, g, cap_p)))
        return DM_EDATA;
    g->strength = 1.0;
    if ((x = dmi_yr_get(r, it, "strength")) && dmi_yr_num(r, x, "strength", 0, 1, &g->strength)) return DM_EDATA;
    if ((x = dmi_yr_get(r, it, "lag")) && dmi_yr_duration(r, x, "lag", &g->lag_s)) return DM_EDATA;
    if ((x = dmi_yr_get(r, it, "quorum"))) {
        /* count K or fraction F of the providers up, or (failed F) down once a fraction F
         * of them is down: Watts's (2002) rule, "fails when a fraction phi of its
         * neighbours has failed" */
        static const char *const qk[] = {"count", "fraction", "failed", "level", NULL};
        yaml_node_t *y;
        if (g->mode != DM_MODE_QUORUM) return dmi_yr_fail(r, x, "quorum: only for mode quorum");
        if (dmi_yr_mapping(r, x, "quorum", qk)) return DM_EDATA;
        uint64_t c = 0;
        if ((y = dmi_yr_get(r, x, "count")) && dmi_yr_u64(r, y, "quorum count", cap_p ? g->nproviders : 1000000000ULL, &c))
            return DM_EDATA;
        g->quorum_count = (int)c;
        if ((y = dmi_yr_get(r, x, "fraction")) && dmi_yr_num(r, y, "quorum fraction", 0, 1, &g->quorum_fraction))
            return DM_EDATA;
        if ((y = dmi_yr_get(r, x, "failed")) && dmi_yr_num(r, y, "quorum failed fraction", 1e-12, 1, &g->quorum_failed))
            return DM_EDATA;
        if (!!dmi_yr_get(r, x, "count") + !!dmi_yr_get(r, x, "fraction") + !!dmi_yr_get(r, x, "failed") != 1)
            return dmi_yr_fail(r, x, "quorum: give exactly one of 'count', 'fraction' and 'failed'");
        g->quorum_level = 1.0;
        if ((y = dmi_yr_get(r, x, "level")) && dmi_yr_num(r, y, "quorum level", 0, 1, &g->quorum_level))
            return DM_EDATA;
    } else if (g->mode == DM_MODE_QUORUM) {
        return dmi_yr_fail(r, it, "dependency: mode quorum needs 'quorum: {count: K | fraction: F | failed: F, level: L}'");
    }
    return 0;
}

int dmi_read_dependencies(yread *r, yaml_node_t *seq, dm_model *m)
{
    static const char *const keys[] = {"dependent", "providers", "mode", "strength", "lag",
                                       "quorum", "buffer", "note", NULL};
    if (!seq) return 0;
    if (dmi_yr_sequence(r, seq, "dependencies")) return DM_EDATA;
    size_t n = dmi_yr_len(seq), cap_p = 0, cap_r = 0;
    m->groups = calloc(n ? n : 1, sizeof *m->groups);
    if (!m->groups) return NOMEM(r);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = dmi_yr_at(r, seq, i), *x;
        dm_group *g = &m->groups[i];
        m->ngroups = m->ndefined_groups = i + 1;
        if (dmi_yr_mapping(r, it, "dependency", keys)) return DM_EDATA;
        g->line = dmi_yr_line(it);
        g->column = (int)it->start_mark.column + 1;
        if (dmi_yr_need(r, it, "dependent", "dependency", &x) || node_ref(r, m, x, "dependent", &g->dependent))
            return DM_EDATA;
        if (dmi_read_group_settings(r, it, m, g, &cap_p)) return DM_EDATA;
        if ((x = dmi_yr_get(r, it, "buffer")) && read_buffer(r, x, m, g, &cap_r)) return DM_EDATA;
    }
    return 0;
}
