/* Graphs for sector layers (include/domino/graph.h, graph_igraph.h): igraph's seeded
 * generators and readers, and the CSR form the engine runs on. Serial code only. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "graph/graph_igraph.h"
#include "core/h5util.h"

static char igraph_message[512];

/* igraph's error handler while domino runs: keeps the message (igraph runs in serial code
 * only), frees what the failed call had allocated, and returns the error to the caller. */
static void igraph_error_handler(const char *reason, const char *file, int line, igraph_error_t code)
{
    (void)file; (void)line;
    if (reason && *reason) snprintf(igraph_message, sizeof igraph_message, "%s (%s)", reason, igraph_strerror(code));
    else snprintf(igraph_message, sizeof igraph_message, "%s", igraph_strerror(code));
    IGRAPH_FINALLY_FREE();
}

const char *dmi_igraph_last_error(void) { return igraph_message; }

/* The host (a program, or python-igraph in the same process) may have its own handlers:
 * they are put back when the library call ends. */
void dmi_enter(dmi_host *saved)
{
    saved->igraph_error = igraph_set_error_handler(igraph_error_handler);
    saved->igraph_warning = igraph_set_warning_handler(igraph_warning_handler_ignore);
    saved->gsl_error = gsl_set_error_handler_off();
}

void dmi_leave(const dmi_host *saved)
{
    igraph_set_error_handler(saved->igraph_error);
    igraph_set_warning_handler(saved->igraph_warning);
    gsl_set_error_handler(saved->gsl_error);
}

static const char *const kind_names[] = {"erdos_renyi", "random_regular", "scale_free"};

const char *dm_graph_kind_name(dm_graph_kind k) { return kind_names[k]; }

int dm_graph_kind_from_name(const char *name, dm_graph_kind *out)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, kind_names[k]) == 0) { *out = (dm_graph_kind)k; return 0; }
    return -1;
}

/* The static model's node weights, as igraph_static_power_law_game computes them (with
 * its finite-size correction, Cho et al., PRE 80, 021116, 2009), then capped so that no
 * expected degree 2m w_i / sum(w) exceeds the cutoff. The cap changes sum(w), so it is
 * found by fixed-point iteration (it only ever lowers the cap, which converges). */
static int static_weights(const dm_graph_spec *s, igraph_vector_t *w)
{
    double alpha = -1.0 / (s->exponent - 1.0), n = (double)s->nodes, j = 1;
    if (alpha < -0.5)
        j = pow(n, 1 + 0.5 / alpha) * pow(10 * sqrt(2) * (1 + alpha), -1.0 / alpha) - 1;
    if (j < 1) j = 1;
    if (igraph_vector_init(w, (igraph_integer_t)s->nodes)) return -1;
    double sum = 0;
    for (size_t i = 0; i < s->nodes; i++, j++) sum += VECTOR(*w)[i] = pow(j, alpha);
    if (s->cutoff <= 0) return 0;
    for (int iter = 0; iter < 200; iter++) {
        double cap = s->cutoff * sum / (2.0 * (double)s->edges), capped = 0;
        for (size_t i = 0; i < s->nodes; i++) {
            if (VECTOR(*w)[i] > cap) VECTOR(*w)[i] = cap;
            capped += VECTOR(*w)[i];
        }
        if (fabs(capped - sum) <= 1e-12 * sum) break;
        sum = capped;
    }
    return 0;
}

static int check_spec(const dm_graph_spec *s, dm_error *err)
{
    double pairs = (double)s->nodes * ((double)s->nodes - 1) / 2;
    if (s->nodes < 1 || s->nodes > 2000000000ULL)
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph: expected 1 to 2e9 nodes, found %llu", (unsigned long long)s->nodes);
    if (s->kind != DM_GRAPH_RANDOM_REGULAR && (double)s->edges > pairs)
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph: %llu edges do not fit among %llu nodes (at most %.0f)",
                            (unsigned long long)s->edges, (unsigned long long)s->nodes, pairs);
    if (s->kind == DM_GRAPH_RANDOM_REGULAR && (s->degree >= s->nodes || (s->nodes * s->degree) % 2))
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph: a random regular graph needs degree < nodes and nodes x degree even; "
                            "found %llu nodes of degree %llu", (unsigned long long)s->nodes, (unsigned long long)s->degree);
    if (s->kind == DM_GRAPH_SCALE_FREE && !(s->exponent > 2))
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph: a scale-free exponent must be above 2, found %g", s->exponent);
    return 0;
}

int dmi_graph_generate(const dm_graph_spec *s, igraph_t *g, dm_error *err)
{
    igraph_integer_t n = (igraph_integer_t)s->nodes;
    int bad = check_spec(s, err);
    if (bad) return bad;
    /* igraph's generators draw from its default generator: domino's own, seeded from the
     * spec, stands in for it during the call, so the host's generator keeps its state.
     * PCG32 is igraph 0.10's default type: the graphs are the ones earlier versions made. */
    igraph_rng_t rng, *host_rng = igraph_rng_default(), host_copy = *host_rng;
    if (igraph_rng_init(&rng, &igraph_rngtype_pcg32))
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a random generator");
    igraph_rng_seed(&rng, (igraph_uint_t)s->seed);
    /* igraph 0.10.2 copies the generator given into its default one; later versions may
     * keep the pointer: either way the host's is put back below */
    igraph_rng_set_default(&rng);
    int by_pointer = igraph_rng_default() == &rng;
    igraph_error_t rc = IGRAPH_FAILURE;
    switch (s->kind) {
    case DM_GRAPH_ERDOS_RENYI:
        rc = igraph_erdos_renyi_game_gnm(g, n, (igraph_integer_t)s->edges, IGRAPH_UNDIRECTED, IGRAPH_NO_LOOPS);
        break;
    case DM_GRAPH_RANDOM_REGULAR:
        rc = igraph_k_regular_game(g, n, (igraph_integer_t)s->degree, IGRAPH_UNDIRECTED, 0);
        break;
    case DM_GRAPH_SCALE_FREE: {
        igraph_vector_t w;
        if (static_weights(s, &w)) break;
        rc = igraph_static_fitness_game(g, (igraph_integer_t)s->edges, &w, NULL, IGRAPH_NO_LOOPS, IGRAPH_NO_MULTIPLE);
        igraph_vector_destroy(&w);
        break;
    }
    }
    igraph_rng_set_default(by_pointer ? host_rng : &host_copy);
    igraph_rng_destroy(&rng);
    if (rc != IGRAPH_SUCCESS)
        return dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph: igraph could not generate the %s graph: %s",
                            kind_names[s->kind], dmi_igraph_last_error());
    return 0;
}

static void permutation(size_t n, uint64_t seed, int *perm);

/* Pair index x of igraph's G(n, m) sample as the edge (to, from), from < to. */
static void pair_of(double x, igraph_integer_t *to, igraph_integer_t *from)
{
    double t = floor((sqrt(8 * x + 1) + 1) / 2);
    *to = (igraph_integer_t)t;
    *from = (igraph_integer_t)(x - t * (t - 1) / 2);
}

/* The CSR of m edges e[2i], e[2i+1] among n nodes, without loops or repeats (none are
 * looked for): each node's neighbours in the order of the edges. A counting sort done block
 * by block: the ends are first split, in edge order, among blocks of 4,096 nodes (a few
 * hundred sequential streams), then each block's offsets and lists are built where they
 * fit in cache. Counting and filling straight into 8 MB of offsets and 16 MB of lists (10^6
 * nodes) missed the cache at nearly every end: this is about twice as fast. 0 or -1 (out of
 * memory). */
static int csr_in_edge_order(size_t n, const int *e, size_t m, size_t **start, int **adj)
{
    enum { SHIFT = 12 };
    size_t nb = (n >> SHIFT) + 1, *pos = calloc(nb + 1, sizeof *pos), *st = calloc(n + 1, sizeof *st);
    int(*ends)[2] = malloc((2 * m + 1) * sizeof *ends), *a = malloc((2 * m + 1) * sizeof *a);
    if (!pos || !st || !ends || !a) {
        free(pos); free(st); free(ends); free(a);
        return -1;
    }
    for (size_t j = 0; j < 2 * m; j++) pos[((size_t)e[j] >> SHIFT) + 1]++;
    for (size_t b = 0; b < nb; b++) pos[b + 1] += pos[b];
    for (size_t i = 0; i < m; i++) {  /* (node, neighbour), both ways; pos[b] runs ahead */
        int x = e[2 * i], y = e[2 * i + 1];
        size_t k = pos[(size_t)x >> SHIFT]++;
        ends[k][0] = x; ends[k][1] = y;
        k = pos[(size_t)y >> SHIFT]++;
        ends[k][0] = y; ends[k][1] = x;
    }
    /* block b is ends[pos[b - 1] .. pos[b]); st[v0] already holds the start of node v0 */
    for (size_t b = 0, lo = 0; b < nb; lo = pos[b++]) {
        size_t v0 = b << SHIFT, v1 = v0 + ((size_t)1 << SHIFT) < n ? v0 + ((size_t)1 << SHIFT) : n;
        for (size_t k = lo; k < pos[b]; k++) st[ends[k][0] + 1]++;
        for (size_t v = v0; v < v1; v++) st[v + 1] += st[v];
        for (size_t k = lo; k < pos[b]; k++) a[st[ends[k][0]]++] = ends[k][1];  /* st[v] runs ahead */
    }
    memmove(st + 1, st, n * sizeof *st);  /* st[v] ended at the start of v + 1 */
    st[0] = 0;
    free(pos);
    free(ends);
    *start = st;
    *adj = a;
    return 0;
}

/* G(n, m) straight to CSR: the edges igraph_erdos_renyi_game_gnm draws (igraph 0.10,
 * games/erdos_renyi.c: a sorted sample of m pair indices from Vitter's method D, pair
 * index x being the edge (to, x - to (to - 1) / 2) with to = floor((sqrt(8x + 1) + 1) / 2)),
 * without the igraph_t it would build and index. igraph_random_sample draws the same
 * sample from the same seeded generator (checked against the generator's edge list at
 * 10^5 and 10^6 nodes; tests/test_layers.c compares the two CSRs).
 * The sample is sorted and has no repeats, and every pair has from < to, so filling each
 * node's list in sample order lists its neighbours in ascending order, once each, no
 * loops: the CSR that sorting and deduplicating would give, from the pairs (int32, half
 * the igraph_integer_t edge list) in edge order (csr_in_edge_order). With perm,
 * node v is stored as perm[v], its list in the order of the old labels: what
 * dm_graph_relabel makes of the CSR, without the second scatter over memory. */
static int gnm_csr(const dm_graph_spec *s, const int *perm, size_t **start, int **adj, size_t *nedges, dm_error *err)
{
    igraph_integer_t n = (igraph_integer_t)s->nodes, m = (igraph_integer_t)s->edges;
    double pairs = (double)n * ((double)n - 1) / 2;
    igraph_vector_int_t sample;
    igraph_rng_t rng, *host_rng = igraph_rng_default(), host_copy = *host_rng;
    if (igraph_vector_int_init(&sample, 0))
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a graph of %llu edges", (unsigned long long)m);
    if (igraph_rng_init(&rng, &igraph_rngtype_pcg32)) {  /* as dmi_graph_generate */
        igraph_vector_int_destroy(&sample);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a random generator");
    }
    igraph_rng_seed(&rng, (igraph_uint_t)s->seed);
    igraph_rng_set_default(&rng);
    int by_pointer = igraph_rng_default() == &rng, rc = 0;
    if (igraph_random_sample(&sample, 0, (igraph_integer_t)pairs - 1, m))
        rc = dm_error_set(err, DM_EDATA, NULL, 0, 0, "graph: igraph could not generate the erdos_renyi graph: %s",
                          dmi_igraph_last_error());
    igraph_rng_set_default(by_pointer ? host_rng : &host_copy);
    igraph_rng_destroy(&rng);
    int *e = rc ? NULL : malloc(2 * (size_t)m * sizeof *e);
    if (!rc && !e)
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a graph of %llu edges", (unsigned long long)m);
    const igraph_integer_t *x = VECTOR(sample);
    if (!rc && 8 * pairs + 1 < 0x1p53) {
        /* The sample is sorted, so `to` only grows: found by stepping from the last one
         * (base = to (to - 1) / 2, exact in integers) instead of a square root per edge.
         * The same pairs as pair_of's: where 8x + 1 is exact in a double, its correctly
         * rounded root stays on the side of each odd square it lies on, so the floor there
         * is the exact one (8x + 1 and the square (2 to - 1)^2 differ by 8 or more). */
        int64_t to = 1, base = 0;
        for (igraph_integer_t i = 0; i < m; i++) {
            while (x[i] >= base + to) base += to++;
            e[2 * i] = (int)to;
            e[2 * i + 1] = (int)(x[i] - base);
        }
    } else {
        for (igraph_integer_t i = 0; !rc && i < m; i++) {
            igraph_integer_t to, from;
            pair_of((double)x[i], &to, &from);
            e[2 * i] = (int)to;
            e[2 * i + 1] = (int)from;
        }
    }
    /* relabelled in a loop of its own: perm[from] misses the cache, and a short loop keeps
     * many of those misses in flight (with the square roots above, about 3x slower) */
    for (size_t j = 0; !rc && perm && j < 2 * (size_t)m; j++) e[j] = perm[e[j]];
    igraph_vector_int_destroy(&sample);
    if (!rc && csr_in_edge_order((size_t)n, e, (size_t)m, start, adj))
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a graph of %llu edges", (unsigned long long)m);
    free(e);
    if (!rc) *nedges = (size_t)m;
    return rc;
}

/* G(n, m) directly where igraph would sample (not the empty or the complete graph), and
 * where pair indices are exact in a double, as igraph's sample is */
static int gnm_direct(const dm_graph_spec *s)
{
    double pairs = (double)s->nodes * ((double)s->nodes - 1) / 2;
    return s->kind == DM_GRAPH_ERDOS_RENYI && s->edges > 0 && (double)s->edges < pairs && pairs < 0x1p53;
}

int dmi_graph_generate_csr(const dm_graph_spec *s, size_t *n, size_t **start, int **adj, size_t *nedges, dm_error *err)
{
    *start = NULL;
    *adj = NULL;
    int rc = check_spec(s, err);
    if (rc) return rc;
    *n = (size_t)s->nodes;
    if (gnm_direct(s)) return gnm_csr(s, NULL, start, adj, nedges, err);
    igraph_t g;
    if ((rc = dmi_graph_generate(s, &g, err))) return rc;
    rc = dmi_graph_csr(&g, start, adj, nedges, err);
    igraph_destroy(&g);
    return rc;
}

int dmi_graph_generate_layer(const dm_graph_spec *s, size_t *n, size_t **start, int **adj, size_t *nedges, dm_error *err)
{
    *start = NULL;
    *adj = NULL;
    int rc = check_spec(s, err);
    if (rc) return rc;
    if (!gnm_direct(s)) {
        if ((rc = dmi_graph_generate_csr(s, n, start, adj, nedges, err))) return rc;
        if ((rc = dm_graph_relabel(*n, *start, *adj, s->seed, err))) {
            free(*start); free(*adj);
            *start = NULL; *adj = NULL;
        }
        return rc;
    }
    *n = (size_t)s->nodes;
    int *perm = malloc(*n * sizeof *perm);
    if (!perm) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory relabelling a graph of %zu nodes", *n);
    permutation(*n, s->seed, perm);
    rc = gnm_csr(s, perm, start, adj, nedges, err);
    free(perm);
    return rc;
}

/* Finds where an edge list stops being pairs of non-negative integers, for the message;
 * 0 when it finds nothing wrong. */
static int locate_edgelist_error(FILE *f, dm_error *err, const char *path)
{
    rewind(f);
    int line = 1, column = 1, c, tokens = 0, tline = 1, tcol = 1;
    char tok[64];
    size_t len = 0;
    for (;;) {
        c = fgetc(f);
        if (c == EOF || isspace(c)) {
            if (len > 0) {
                tok[len < sizeof tok ? len : sizeof tok - 1] = 0;
                char *end;
                errno = 0;
                long long v = strtoll(tok, &end, 10);
                if (*end || errno || v < 0 || len >= sizeof tok || v > 2000000000LL) {
                    return dm_error_set(err, DM_EDATA, path, tline, tcol,
                                        "edge list: expected a node index (a whole number from 0), found '%s'", tok);
                }
                tokens++;
                len = 0;
            }
            if (c == EOF) break;
            if (c == '\n') { line++; column = 1; } else column++;
            continue;
        }
        if (len == 0) { tline = line; tcol = column; }
        if (len < sizeof tok) tok[len] = (char)c;
        len++;
        column++;
    }
    if (tokens % 2)
        return dm_error_set(err, DM_EDATA, path, tline, tcol, "edge list: expected pairs of node indices, found an odd number (%d)", tokens);
    return 0;
}

/* A CSR file straight to domino's CSR: each stored entry (u, v) an edge, then sorted,
 * deduplicated and symmetrised by dmi_csr_from_edges (what igraph_create and
 * dmi_graph_csr made of them, without the igraph_t). */
static int read_csr_h5(const char *path, const char *group, size_t *nodes, size_t **start, int **adj, size_t *nedges,
                       dm_error *err)
{
    FILE *probe = fopen(path, "rb");  /* a missing file is not a bad one */
    if (!probe) return dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot open the file: %s", strerror(errno));
    fclose(probe);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return dm_error_set(err, DM_EDATA, path, 0, 0, "not an HDF5 file (expected CSR datasets indptr and indices)");
    char name[2][600];
    const char *base = group && *group ? group : "";
    snprintf(name[0], sizeof name[0], "%s/indptr", base);
    snprintf(name[1], sizeof name[1], "%s/indices", base);
    hid_t ds[2] = {-1, -1};
    int64_t *v[2] = {NULL, NULL};
    hsize_t len[2] = {0, 0};
    int rc = 0;
    for (int i = 0; i < 2 && !rc; i++) {
        const hsize_t any[1] = {H5_ANY};  /* integers only: floats and booleans are refused */
        if ((ds[i] = dmi_h5_open_checked(f, name[i], H5T_INTEGER, 1, any, &len[i])) < 0)
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "expected a 1-D integer dataset %s", name[i]);
        else if (!(v[i] = malloc((len[i] ? len[i] : 1) * sizeof *v[i])))
            rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
        else if (len[i] && H5Dread(ds[i], H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v[i]) < 0)
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "cannot read %s as integers", name[i]);
    }
    if (!rc && (len[0] < 2 || v[0][0] != 0 || (hsize_t)v[0][len[0] - 1] != len[1]))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "%s: expected n+1 offsets from 0 to the length of indices (%llu)",
                          name[0], (unsigned long long)len[1]);
    int64_t n = rc ? 0 : (int64_t)len[0] - 1;
    for (int64_t i = 0; !rc && i < n; i++)
        if (v[0][i + 1] < v[0][i]) rc = dm_error_set(err, DM_EDATA, path, 0, 0, "%s[%lld]: offsets must not decrease", name[0], (long long)i + 1);
    for (hsize_t k = 0; !rc && k < len[1]; k++)
        if (v[1][k] < 0 || v[1][k] >= n)
            rc = dm_error_set(err, DM_EDATA, path, 0, 0, "%s[%llu] = %lld: expected a node index from 0 to %lld",
                              name[1], (unsigned long long)k, (long long)v[1][k], (long long)n - 1);
    igraph_integer_t *ends = rc ? NULL : malloc((2 * len[1] + 1) * sizeof *ends);
    if (!rc && !ends) rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    if (!rc) {
        for (int64_t u = 0; u < n; u++)
            for (int64_t k = v[0][u]; k < v[0][u + 1]; k++) {
                ends[2 * k] = u;
                ends[2 * k + 1] = v[1][k];
            }
        *nodes = (size_t)n;
        rc = dmi_csr_from_edges((size_t)n, ends, (size_t)len[1], start, adj, nedges, err);
    }
    free(ends);
    for (int i = 0; i < 2; i++) { if (ds[i] >= 0) H5Dclose(ds[i]); free(v[i]); }
    H5Fclose(f);
    return rc;
}

/* One token of an edge list at p[0 .. len): a node index as locate_edgelist_error (and
 * igraph_read_graph_edgelist, strtoll in base 10) reads it, or -1. */
static long long edgelist_index(const char *p, size_t len)
{
    long long v = 0;
    size_t i = 0;
    while (i < len && i < 11 && p[i] >= '0' && p[i] <= '9') v = 10 * v + (p[i++] - '0');
    if (i == len && len <= 10) return v <= 2000000000LL ? v : -1;
    char tok[64];  /* anything else (a sign, say): as locate_edgelist_error reads it */
    if (len >= sizeof tok) return -1;
    memcpy(tok, p, len);
    tok[len] = 0;
    char *end;
    errno = 0;
    v = strtoll(tok, &end, 10);
    return *end || errno || v < 0 || v > 2000000000LL ? -1 : v;
}

int dmi_edgelist_read(const char *path, uint64_t nodes, igraph_integer_t **ends, size_t *m, size_t *n, dm_error *err)
{
    *ends = NULL;
    *m = *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) return dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot open the file: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0, k;
    char *text = malloc(cap);
    while (text && (k = fread(text + len, 1, cap - len, f)) > 0)
        if ((len += k) == cap) {
            char *t = realloc(text, cap *= 2);
            if (!t) { free(text); text = NULL; }
            else text = t;
        }
    int rc = !text || ferror(f) ? dm_error_set(err, text ? DM_EIO : DM_ESOFTWARE, path, 0, 0, "cannot read the file%s",
                                                text ? "" : ": out of memory") : 0;
    /* at most one index per two bytes: "0 1\n" */
    size_t most = len / 2 + 2, count = 0;
    igraph_integer_t *e = rc ? NULL : malloc(most * sizeof *e);
    if (!rc && !e) rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory for the edge list");
    long long top = -1;
    for (size_t i = 0; !rc && i < len;) {
        if (isspace((unsigned char)text[i])) { i++; continue; }
        size_t j = i;
        while (j < len && !isspace((unsigned char)text[j])) j++;
        long long v = edgelist_index(text + i, j - i);
        if (v < 0) rc = DM_EDATA;
        else { e[count++] = v; if (v > top) top = v; }
        i = j;
    }
    if (!rc && count % 2) rc = DM_EDATA;
    if (rc == DM_EDATA && !locate_edgelist_error(f, err, path))  /* the message, with its line and column */
        dm_error_set(err, DM_EDATA, path, 0, 0, "edge list: not pairs of node indices");
    if (!rc && nodes > 0 && (uint64_t)(top + 1) > nodes)
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "edge list: found node index %lld, but the layer has %llu nodes", top,
                          (unsigned long long)nodes);
    free(text);
    fclose(f);
    if (rc) { free(e); return rc; }
    *ends = e;
    *m = count / 2;
    *n = (uint64_t)(top + 1) > nodes ? (size_t)(top + 1) : (size_t)nodes;
    return 0;
}

/* GraphML through igraph (a directed graph's edges taken as undirected). */
static int read_graphml(const char *path, igraph_t *g, dm_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot open the file: %s", strerror(errno));
    int out = 0;
    if (igraph_read_graph_graphml(g, f, 0)) {
        out = dm_error_set(err, DM_EDATA, path, 0, 0, "not a GraphML file igraph can read: %s", dmi_igraph_last_error());
    } else if (igraph_is_directed(g) && igraph_to_undirected(g, IGRAPH_TO_UNDIRECTED_COLLAPSE, NULL)) {
        igraph_destroy(g);
        out = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "igraph: %s", dmi_igraph_last_error());
    }
    fclose(f);
    return out;
}

int dmi_graph_read_csr(const char *path, const char *format, uint64_t nodes, const char *group, size_t *n,
                       size_t **start, int **adj, size_t *nedges, dm_error *err)
{
    *start = NULL;
    *adj = NULL;
    if (strcmp(format, "csr") == 0) return read_csr_h5(path, group, n, start, adj, nedges, err);
    if (strcmp(format, "edgelist") == 0) {  /* straight to CSR: no igraph_t to build and index */
        igraph_integer_t *ends;
        size_t m;
        int rc = dmi_edgelist_read(path, nodes, &ends, &m, n, err);
        if (!rc) rc = dmi_csr_from_edges(*n, ends, m, start, adj, nedges, err);
        free(ends);
        return rc;
    }
    igraph_t g;  /* graphml */
    int rc = read_graphml(path, &g, err);
    if (rc) return rc;
    *n = (size_t)igraph_vcount(&g);
    rc = dmi_graph_csr(&g, start, adj, nedges, err);
    igraph_destroy(&g);
    return rc;
}

/* Sorts a[0..n) ascending: insertion sort for the short lists most nodes have. */
static int by_int(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    return (a > b) - (a < b);
}

static void sort_ints(int *a, size_t n)
{
    if (n > 32) { qsort(a, n, sizeof *a, by_int); return; }
    for (size_t i = 1; i < n; i++) {
        int x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
        a[j] = x;
    }
}

int dmi_csr_from_edges(size_t n, const igraph_integer_t *ends, size_t m, size_t **start, int **adj, size_t *nedges,
                       dm_error *err)
{
    /* the edges but loops, as int pairs, bucketed by node (csr_in_edge_order) */
    int *e = malloc((2 * m + 1) * sizeof *e);
    size_t kept = 0;
    for (size_t k = 0; e && k < m; k++)
        if (ends[2 * k] != ends[2 * k + 1]) {
            e[2 * kept] = (int)ends[2 * k];
            e[2 * kept + 1] = (int)ends[2 * k + 1];
            kept++;
        }
    int bad = !e || csr_in_edge_order(n, e, kept, start, adj);
    free(e);
    if (bad) {
        *start = NULL; *adj = NULL;
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory for a graph of %zu nodes", n);
    }
    size_t *s = *start;
    int *a = *adj;
    /* each list sorted, duplicates dropped, compacted in place */
    size_t out = 0;
    for (size_t v = 0; v < n; v++) {
        size_t lo = s[v], hi = s[v + 1];
        sort_ints(a + lo, hi - lo);
        s[v] = out;
        for (size_t k = lo; k < hi; k++)
            if (k == lo || a[k] != a[k - 1]) a[out++] = a[k];
    }
    s[n] = out;
    *nedges = out / 2;
    return 0;
}

int dmi_graph_csr(igraph_t *g, size_t **start, int **adj, size_t *nedges, dm_error *err)
{
    *start = NULL;
    *adj = NULL;
    size_t n = (size_t)igraph_vcount(g), m = (size_t)igraph_ecount(g);
    igraph_vector_int_t el;
    if (igraph_vector_int_init(&el, 0) || igraph_get_edgelist(g, &el, 0))
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    int rc = dmi_csr_from_edges(n, VECTOR(el), m, start, adj, nedges, err);
    igraph_vector_int_destroy(&el);
    return rc;
}

int dm_graph_write_csr(const char *path, size_t n, const size_t *start, const int *adj,
                       const char *description, dm_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    dm_output out;
    int rc0 = dm_output_begin(&out, path, 0, NULL, 0, err);
    if (rc0) return rc0;
    hid_t f = H5Fcreate(out.path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) { dm_output_abort(&out); return dm_error_set(err, DM_ECANTCREAT, path, 0, 0, "HDF5 cannot create the graph file"); }
    int64_t *ptr = malloc((n + 1) * sizeof *ptr);
    int rc = !ptr;
    for (size_t v = 0; !rc && v <= n; v++) ptr[v] = (int64_t)start[v];
    hsize_t dims[2] = {n + 1, start[n]};  /* contiguous: random indices hardly compress */
    hid_t a = rc ? -1 : dmi_h5_variable(f, "indptr", H5T_NATIVE_INT64, 1, &dims[0], NULL, NULL);
    hid_t b = rc ? -1 : dmi_h5_variable(f, "indices", H5T_NATIVE_INT, 1, &dims[1], NULL, NULL);
    rc = rc || a < 0 || b < 0 || dmi_h5_write_all(a, H5T_NATIVE_INT64, ptr) || (start[n] && dmi_h5_write_all(b, H5T_NATIVE_INT, adj)) ||
         dmi_h5_attr_text(a, "long_name", "offsets: node v's neighbours are indices[indptr[v] .. indptr[v+1])") ||
         dmi_h5_attr_text(b, "long_name", "neighbours, each undirected edge listed at both ends") ||
         dmi_h5_attr_text(f, "title", "domino layer graph (CSR)") || dmi_h5_attr_text(f, "graph", description) ||
         dmi_h5_attr_int64(f, "nodes", (int64_t)n) || dmi_h5_attr_int64(f, "edges", (int64_t)(start[n] / 2));
    if (a >= 0) H5Dclose(a);
    if (b >= 0) H5Dclose(b);
    free(ptr);
    rc |= H5Fclose(f) < 0;
    if (rc) {
        dm_output_abort(&out);
        return dm_error_set(err, DM_EIO, path, 0, 0, "writing the graph file failed (HDF5 error; disk full?)");
    }
    return dm_output_commit(&out, err);
}

/* The public functions: igraph stays inside, graphs cross the API as CSR. */

int dm_graph_generate(const dm_graph_spec *spec, dm_csr *out, dm_error *err)
{
    *out = (dm_csr){0};
    dmi_host host;
    dmi_enter(&host);
    int rc = dmi_graph_generate_csr(spec, &out->nodes, &out->start, &out->adj, &out->edges, err);
    if (rc) *out = (dm_csr){0};
    dmi_leave(&host);
    return rc;
}

int dm_graph_read(const char *path, const char *format, uint64_t nodes, const char *group,
                  dm_csr *out, dm_error *err)
{
    *out = (dm_csr){0};
    if (strcmp(format, "edgelist") && strcmp(format, "graphml") && strcmp(format, "csr"))
        return dm_error_set(err, DM_EUSAGE, path, 0, 0, "graph format: expected edgelist, graphml or csr, found '%s'", format);
    dmi_host host;
    dmi_enter(&host);
    int rc = dmi_graph_read_csr(path, format, nodes, group, &out->nodes, &out->start, &out->adj, &out->edges, err);
    if (rc) *out = (dm_csr){0};
    dmi_leave(&host);
    return rc;
}

void dm_csr_free(dm_csr *g)
{
    if (!g) return;
    free(g->start);
    free(g->adj);
    *g = (dm_csr){0};
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* GraphML through igraph: the edges u < v in CSR order. */
static int write_graphml(FILE *f, const dm_csr *g)
{
    igraph_vector_int_t edges;
    if (igraph_vector_int_init(&edges, 0) || igraph_vector_int_reserve(&edges, (igraph_integer_t)(2 * g->edges))) return -1;
    for (size_t u = 0; u < g->nodes; u++)
        for (size_t k = g->start[u]; k < g->start[u + 1]; k++)
            if ((size_t)g->adj[k] > u) {
                igraph_vector_int_push_back(&edges, (igraph_integer_t)u);
                igraph_vector_int_push_back(&edges, g->adj[k]);
            }
    igraph_t ig;
    int rc = igraph_create(&ig, &edges, (igraph_integer_t)g->nodes, IGRAPH_UNDIRECTED) != IGRAPH_SUCCESS;
    igraph_vector_int_destroy(&edges);
    if (!rc) {
        rc = igraph_write_graph_graphml(&ig, f, 0) != IGRAPH_SUCCESS;
        igraph_destroy(&ig);
    }
    return rc ? -1 : 0;
}

int dm_graph_write(const char *path, const dm_csr *g, const char *description, dm_error *err)
{
    if (ends_with(path, ".h5")) return dm_graph_write_csr(path, g->nodes, g->start, g->adj, description, err);
    dm_output out;  /* atomic (src/core/files.c); "-" is stdout */
    int rc = dm_output_begin(&out, path, DM_OUTPUT_TEXT, NULL, 0, err);
    if (rc) return rc;
    FILE *f = out.stream;
    if (ends_with(path, ".graphml")) {
        dmi_host host;
        dmi_enter(&host);
        rc = write_graphml(f, g);
        dmi_leave(&host);
    } else {
        for (size_t u = 0; u < g->nodes && rc >= 0; u++)
            for (size_t k = g->start[u]; k < g->start[u + 1] && rc >= 0; k++)
                if ((size_t)g->adj[k] > u) rc = fprintf(f, "%zu %d\n", u, g->adj[k]);
        rc = rc < 0 ? -1 : 0;
    }
    if (rc) {
        dm_output_abort(&out);
        return dm_error_set(err, DM_EIO, path, 0, 0, "writing the graph file failed");
    }
    return dm_output_commit(&out, err);
}

/* splitmix64 (Steele, Lea, Flood 2014): a seeded stream for the permutation that needs
 * nothing from igraph's or GSL's generators, so no other draw depends on it. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Fisher-Yates from seed: node v becomes perm[v]; the bias of the modulo is below n / 2^64. */
static void permutation(size_t n, uint64_t seed, int *perm)
{
    uint64_t state = seed ^ 0x5deece66dULL;
    for (size_t v = 0; v < n; v++) perm[v] = (int)v;
    for (size_t v = n; v > 1; v--) {
        size_t j = (size_t)(splitmix64(&state) % v);
        int t = perm[v - 1]; perm[v - 1] = perm[j]; perm[j] = t;
    }
}

int dm_graph_relabel(size_t n, size_t *start, int *adj, uint64_t seed, dm_error *err)
{
    size_t m2 = start[n];
    int *perm = malloc((n + 1) * sizeof *perm), *adj2 = malloc((m2 + 1) * sizeof *adj2);
    size_t *start2 = calloc(n + 1, sizeof *start2);
    if (!perm || !adj2 || !start2) {
        free(perm); free(adj2); free(start2);
        return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory relabelling a graph of %zu nodes", n);
    }
    permutation(n, seed, perm);
    for (size_t v = 0; v < n; v++) start2[perm[v] + 1] = start[v + 1] - start[v];
    for (size_t v = 0; v < n; v++) start2[v + 1] += start2[v];
    for (size_t v = 0; v < n; v++)
        for (size_t k = start[v], at = start2[perm[v]]; k < start[v + 1]; k++) adj2[at++] = perm[adj[k]];
    memcpy(start, start2, (n + 1) * sizeof *start);
    if (m2) memcpy(adj, adj2, m2 * sizeof *adj);
    free(perm); free(adj2); free(start2);
    return 0;
}
