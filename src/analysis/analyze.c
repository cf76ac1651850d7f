/* Static interdependency analysis (include/domino/analysis.h, docs/analysis.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_complex_math.h>
#include "domino/analysis.h"
#include "domino/engine.h"
#include "core/sort.h"
#include "graph/graph_igraph.h"

void dm_analysis_defaults(dm_analysis_options *o)
{
    memset(o, 0, sizeof *o);
    o->criticality = 1;
    o->outage_s = 24 * 3600;
    o->horizon_s = 7 * 86400;
    o->tick_s = 60;
}

void dm_analysis_free(dm_analysis *a)
{
    if (!a) return;
    free(a->strength); free(a->direct_hours); free(a->hops); free(a->earliest_hours); free(a->higher);
    free(a->component); free(a->criticality); free(a->breached); free(a->ranking);
    /* NULL-terminated: the model, only borrowed, may be gone already */
    for (size_t u = 0; a->layer_ids && a->layer_ids[u]; u++) free(a->layer_ids[u]);
    free(a->layer_ids);
    memset(a, 0, sizeof *a);
}

const char *dm_analysis_id(const dm_analysis *a, size_t u)
{
    if (!a->by_node) return a->model->sectors[u].id;
    return u < a->model->ndefined_nodes ? a->model->nodes[u].id : a->layer_ids[u - a->model->ndefined_nodes];
}

const char *dm_analysis_name(const dm_analysis *a, size_t u, int ja)
{
    if (a->by_node && u >= a->model->ndefined_nodes) return dm_analysis_id(a, u);
    if (a->by_node) return ja ? a->model->nodes[u].name_ja : a->model->nodes[u].name_en;
    return ja ? a->model->sectors[u].name_ja : a->model->sectors[u].name_en;
}

double dm_dist_typical(const dm_dist *d)
{
    switch (d->kind) {
    case DM_DIST_FIXED: return d->a;
    case DM_DIST_UNIFORM: return 0.5 * (d->a + d->b);
    case DM_DIST_NORMAL: return d->a;
    case DM_DIST_LOGNORMAL: return d->a;                          /* the median is a parameter */
    case DM_DIST_WEIBULL: return d->a * pow(log(2.0), 1.0 / d->b); /* median */
    case DM_DIST_GAMMA: return d->a * d->b;                       /* mean */
    case DM_DIST_EXPONENTIAL: return d->a * log(2.0);             /* median */
    case DM_DIST_CHOICE: {
        double total = 0, acc = 0;
        for (size_t i = 0; i < d->nchoices; i++) total += d->weights[i];
        for (size_t i = 0; i < d->nchoices; i++)
            if ((acc += d->weights[i]) >= total / 2) return d->values[i];
        return d->nchoices ? d->values[d->nchoices - 1] : 0;
    }
    case DM_DIST_TABLE:   /* the median, by linear interpolation of the CDF from (0, 0) */
        for (size_t i = 0; i < d->nchoices; i++)
            if (d->weights[i] >= 0.5) {
                double x0 = i ? d->values[i - 1] : 0, f0 = i ? d->weights[i - 1] : 0;
                return d->weights[i] > f0 ? x0 + (0.5 - f0) / (d->weights[i] - f0) * (d->values[i] - x0) : x0;
            }
        return d->nchoices ? d->values[d->nchoices - 1] : 0;
    }
    return d->a;
}

static int unit_of(const dm_analysis *a, int node) { return a->by_node ? node : dm_node_at(a->model, (size_t)node)->sector; }

/* Spectral radius of the n x n matrix w (GSL's non-symmetric eigensolver). */
static double spectral_radius(const double *w, size_t n)
{
    gsl_matrix *m = gsl_matrix_alloc(n, n);
    gsl_vector_complex *eval = gsl_vector_complex_alloc(n);
    gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(n);
    double rho = NAN;
    if (m && eval && ws) {
        memcpy(m->data, w, n * n * sizeof(double));
        if (gsl_eigen_nonsymm(m, eval, ws) == 0) {
            rho = 0;
            for (size_t i = 0; i < n; i++) {
                double r = gsl_complex_abs(gsl_vector_complex_get(eval, i));
                if (r > rho) rho = r;
            }
        }
    }
    if (ws) gsl_eigen_nonsymm_free(ws);
    if (eval) gsl_vector_complex_free(eval);
    if (m) gsl_matrix_free(m);
    return rho;
}

/* out = (I - alpha W)^-1 (GSL LU). Returns 0, or -1 when the matrix is singular. */
static int leontief_inverse(const double *w, size_t n, double alpha, double *out)
{
    gsl_matrix *m = gsl_matrix_alloc(n, n), *inv = gsl_matrix_alloc(n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    int rc = -1, sign;
    if (m && inv && p) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) gsl_matrix_set(m, i, j, (i == j) - alpha * w[i * n + j]);
        if (gsl_linalg_LU_decomp(m, p, &sign) == 0 && fabs(gsl_linalg_LU_det(m, sign)) > 1e-12 &&
            gsl_linalg_LU_invert(m, p, inv) == 0) {
            memcpy(out, inv->data, n * n * sizeof(double));
            rc = 0;
        }
    }
    if (p) gsl_permutation_free(p);
    if (inv) gsl_matrix_free(inv);
    if (m) gsl_matrix_free(m);
    return rc;
}

/* Hops and earliest times over the dependency graph (igraph, serial), and its strongly
 * connected groups. Edge u -> v for each provider u of a group of v; its time is the
 * group's lag plus its buffer's typical duration. */
static int paths(dm_analysis *a, dm_error *err)
{
    const dm_model *m = a->model;
    size_t n = a->n;
    igraph_vector_int_t edges, membership, csize;
    igraph_vector_t weights;
    igraph_matrix_t dist;
    igraph_t g;
    igraph_integer_t ncomp;
    int rc = 0, bad = 0;
    if (igraph_vector_int_init(&edges, 0)) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    if (igraph_vector_init(&weights, 0)) {
        igraph_vector_int_destroy(&edges);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < m->ngroups && !bad; k++) {
        dm_group_ref ref;
        dm_model_group(m, k, &ref);
        const dm_group *gr = ref.settings;
        double hours = ((double)gr->lag_s + (gr->has_buffer ? dm_dist_typical(&gr->buffer) : 0)) / 3600.0;
        int to = unit_of(a, ref.dependent);
        for (size_t p = 0; p < ref.nproviders; p++) {
            int from = unit_of(a, dm_ref_provider(&ref, p));
            if (gr->strength <= 0 || from == to) continue;
            bad = bad || igraph_vector_int_push_back(&edges, from) || igraph_vector_int_push_back(&edges, to) ||
                  igraph_vector_push_back(&weights, hours);
            double *d = &a->direct_hours[(size_t)from * n + (size_t)to];
            if (hours < *d) *d = hours;
        }
    }
    if (bad || igraph_create(&g, &edges, (igraph_integer_t)n, IGRAPH_DIRECTED)) {
        igraph_vector_destroy(&weights);
        igraph_vector_int_destroy(&edges);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    }
    /* zeroed first: destroying one whose init failed is then a no-op */
    memset(&dist, 0, sizeof dist);
    memset(&membership, 0, sizeof membership);
    memset(&csize, 0, sizeof csize);
    if (igraph_matrix_init(&dist, 0, 0) || igraph_vector_int_init(&membership, 0) || igraph_vector_int_init(&csize, 0)) {
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
        goto done;
    }
    if (igraph_distances(&g, &dist, igraph_vss_all(), igraph_vss_all(), IGRAPH_OUT) != IGRAPH_SUCCESS) {
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "igraph: hop distances failed");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double d = MATRIX(dist, (igraph_integer_t)i, (igraph_integer_t)j);
            a->hops[i * n + j] = isfinite(d) ? (int)d : -1;
        }
    if (igraph_distances_dijkstra(&g, &dist, igraph_vss_all(), igraph_vss_all(), &weights, IGRAPH_OUT) != IGRAPH_SUCCESS) {
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "igraph: shortest times failed");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) a->earliest_hours[i * n + j] = MATRIX(dist, (igraph_integer_t)i, (igraph_integer_t)j);
    if (igraph_connected_components(&g, &membership, &csize, &ncomp, IGRAPH_STRONG) != IGRAPH_SUCCESS) {
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "igraph: strongly connected components failed");
        goto done;
    }
    a->ncomponents = (size_t)ncomp;
    for (size_t i = 0; i < n; i++) a->component[i] = (int)VECTOR(membership)[i];
done:
    igraph_vector_int_destroy(&membership);
    igraph_vector_int_destroy(&csize);
    igraph_matrix_destroy(&dist);
    igraph_destroy(&g);
    igraph_vector_destroy(&weights);
    igraph_vector_int_destroy(&edges);
    return rc;
}

/* Criticality: for each unit, a total loss of it from T+0 for outage_s, simulated over the
 * horizon; what the *other* sectors lose, in sector-hours (unserved unit-hours over the
 * sector's capacity), and how many of them breach. */
static int criticality(dm_analysis *a, const dm_analysis_options *o, dm_error *err)
{
    const dm_model *m = a->model;
    size_t n = a->n;
    int *nodes = malloc((m->nnodes + 1) * sizeof *nodes);
    double *capacity = calloc(m->nsectors + 1, sizeof *capacity);
    if (!nodes || !capacity) { free(nodes); free(capacity); return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory"); }
    for (size_t v = 0; v < m->nnodes; v++) capacity[dm_node_at(m, v)->sector] += dm_node_at(m, v)->capacity;
    dm_hazard h = {.id = "total-loss", .description = "", .kind = DM_HAZARD_OTHER, .nodes = nodes, .severity = 1,
                   .start = {.kind = DM_DIST_FIXED}, .has_duration = 1,
                   .duration = {.kind = DM_DIST_FIXED, .a = (double)o->outage_s}};
    dm_scenario sc = {.name = "criticality", .description = "", .file = "", .text = "", .model = (dm_model *)m,
                      .hazards = &h, .nhazards = 1, .horizon_s = o->horizon_s, .tick_s = o->tick_s, .seed = 1,
                      .replicates = 1};
    int rc = 0;
    for (size_t u = 0; u < n && !rc; u++) {
        h.nnodes = 0;
        for (size_t v = 0; v < m->nnodes; v++)
            if ((size_t)unit_of(a, (int)v) == u) nodes[h.nnodes++] = (int)v;
        dm_engine *e;
        if ((rc = dm_engine_new(&sc, &e, err)) || (rc = dm_engine_run(e, 0, err))) { dm_engine_free(e); break; }
        const dm_engine_result *r = dm_engine_results(e);
        int own = a->by_node ? dm_node_at(m, u)->sector : (int)u;
        double lost = 0;
        int breached = 0;
        for (size_t s = 0; s < m->nsectors; s++) {
            if ((int)s == own) continue;
            lost += capacity[s] > 0 ? r->sectors[s].unserved_unit_hours / capacity[s] : 0;
            breached += r->sectors[s].first_breach >= 0;
        }
        a->criticality[u] = lost;
        a->breached[u] = breached;
        dm_engine_free(e);
    }
    free(nodes);
    free(capacity);
    return rc;
}

static int analyze(const dm_model *m, const dm_analysis_options *o, dm_analysis *a, dm_error *err)
{
    memset(a, 0, sizeof *a);
    a->model = m;
    a->by_node = o->by_node;
    size_t n = a->n = o->by_node ? m->nnodes : m->nsectors;
    if (!(a->strength = calloc(n * n, sizeof(double))) || !(a->direct_hours = malloc(n * n * sizeof(double))) ||
        !(a->hops = malloc(n * n * sizeof(int))) || !(a->earliest_hours = malloc(n * n * sizeof(double))) ||
        !(a->higher = malloc(n * n * sizeof(double))) || !(a->component = calloc(n, sizeof(int))) ||
        !(a->ranking = malloc(n * sizeof(int))) ||
        (o->by_node && !(a->layer_ids = calloc(m->nnodes - m->ndefined_nodes + 1, sizeof(char *))))) {
        dm_analysis_free(a);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a %zu x %zu analysis", n, n);
    }
    for (size_t v = m->ndefined_nodes; a->layer_ids && v < m->nnodes; v++) {
        char buf[DM_NODE_ID_MAX];
        if (!(a->layer_ids[v - m->ndefined_nodes] = strdup(dm_node_id(m, v, buf)))) {
            dm_analysis_free(a);
            return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
        }
    }
    for (size_t i = 0; i < n * n; i++) a->direct_hours[i] = INFINITY;
    /* W[from][to]: strength x share, summed over the dependent's groups (for a linear,
     * IIM model this is exactly a*_{to,from}); by sector, each group weighted by its node's
     * share of the sector's capacity, so that a sector's dependence is the mean of its
     * nodes' (47 prefectures' 情報通信, or ICT and its ICT_VISIT), not their sum */
    double *sector_cap = o->by_node ? NULL : calloc(m->nsectors + 1, sizeof *sector_cap);
    if (!o->by_node && !sector_cap) {
        dm_analysis_free(a);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    }
    for (size_t v = 0; sector_cap && v < m->nnodes; v++) sector_cap[dm_node_at(m, v)->sector] += dm_node_at(m, v)->capacity;
    for (size_t k = 0; k < m->ngroups; k++) {
        dm_group_ref gr;
        dm_model_group(m, k, &gr);
        const dm_node *dep = dm_node_at(m, (size_t)gr.dependent);
        double weight = sector_cap ? dep->capacity / sector_cap[dep->sector] : 1.0;
        for (size_t p = 0; p < gr.nproviders; p++) {
            int from = unit_of(a, dm_ref_provider(&gr, p)), to = unit_of(a, gr.dependent);
            a->strength[(size_t)from * n + (size_t)to] += weight * gr.settings->strength * dm_ref_share(&gr, p);
        }
    }
    free(sector_cap);
    int rc = paths(a, err);
    if (rc) { dm_analysis_free(a); return rc; }
    /* Higher-order dependence: L = (I - alpha W)^-1 = I + aW + a^2 W^2 + ..., which sums
     * the dependence along every path. The series converges only when alpha rho(W) < 1:
     * alpha is 1 (the Leontief inverse proper) when rho(W) < 1, else 0.9/rho(W), damping
     * long paths as Katz centrality does. */
    a->spectral_radius = spectral_radius(a->strength, n);
    a->alpha = o->alpha > 0 ? o->alpha : a->spectral_radius < 1 ? 1.0 : 0.9 / a->spectral_radius;
    if (!isfinite(a->spectral_radius) || leontief_inverse(a->strength, n, a->alpha, a->higher)) {
        dm_analysis_free(a);
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "I - %g W is singular (spectral radius of W %g): "
                            "choose a smaller --alpha", o->alpha, a->spectral_radius);
    }
    for (size_t i = 0; i < n; i++) a->ranking[i] = (int)i;
    if (o->criticality) {
        if (!(a->criticality = calloc(n, sizeof(double))) || !(a->breached = calloc(n, sizeof(int)))) {
            dm_analysis_free(a);
            return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
        }
        if ((rc = criticality(a, o, err))) { dm_analysis_free(a); return rc; }
        if (dmi_sort_by_key(a->ranking, n, a->criticality, 1)) {  /* most critical first, ties by index */
            dm_analysis_free(a);
            return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
        }
    }
    return 0;
}

int dm_analyze(const dm_model *m, const dm_analysis_options *o, dm_analysis *a, dm_error *err)
{
    dmi_host host;  /* igraph's and GSL's handlers: the host's are back when this returns */
    dmi_enter(&host);
    int rc = analyze(m, o, a, err);
    dmi_leave(&host);
    return rc;
}
