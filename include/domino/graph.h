/* domino — graphs for sector layers: seeded generators, readers and the CSR form.
 *
 * Everything here runs in serial code (model loading, `domino generate`): Debian's igraph
 * is not thread-safe. A layer's graph is undirected and simple (no loops, no multiple
 * edges); readers simplify what they read. */
#ifndef DOMINO_GRAPH_H
#define DOMINO_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <igraph.h>
#include "error.h"

typedef enum { DM_GRAPH_ERDOS_RENYI, DM_GRAPH_RANDOM_REGULAR, DM_GRAPH_SCALE_FREE } dm_graph_kind;

/* A seeded random graph (igraph's generators):
 *   erdos_renyi    G(n, m): m edges uniformly among the n(n-1)/2 pairs;
 *   random_regular every node has degree `degree` (n * degree even);
 *   scale_free     the static model (Goh, Kahng & Kim, PRL 87, 278701, 2001): m edges,
 *                  node i drawn with weight (i + i0)^(-1/(exponent-1)), degree distribution
 *                  ~ k^-exponent; with cutoff > 0 no node's expected degree exceeds it. */
typedef struct dm_graph_spec {
    dm_graph_kind kind;
    uint64_t nodes, edges, degree;
    double exponent, cutoff;
    uint64_t seed;
} dm_graph_spec;

const char *dm_graph_kind_name(dm_graph_kind k);
int dm_graph_kind_from_name(const char *name, dm_graph_kind *out);

/* Generates spec into *g (initialized here; destroy with igraph_destroy). */
int dm_graph_generate(const dm_graph_spec *spec, igraph_t *g, dm_error *err);
/* The same graph straight in CSR form (as dm_graph_csr gives it): *n nodes, *start and *adj
 * malloc'd. erdos_renyi builds no igraph_t (O(n + m) after igraph's sampling); the other
 * kinds go through dm_graph_generate. */
int dm_graph_generate_csr(const dm_graph_spec *spec, size_t *n, size_t **start, int **adj, size_t *nedges,
                          dm_error *err);

/* Reads an undirected graph from a file (or, format `pairs`, an edge list kept directed, in
 * file order: couplings' pairs files): `edgelist` (two 0-based node indices per line;
 * nodes, when > 0, sets the node count, else it is the largest index + 1), `graphml`, or
 * `csr` (HDF5 datasets <group>/indptr and <group>/indices, as scipy.sparse writes them;
 * group "" is the root). Bad content is DM_EDATA with the position when one is known. */
int dm_graph_read(const char *path, const char *format, uint64_t nodes, const char *group,
                  igraph_t *g, dm_error *err);

/* The graph as CSR: node v's neighbours are adj[start[v] .. start[v+1]), each edge listed at
 * both ends, in ascending order (what igraph_simplify's edge order gave before: the same
 * CSR); loops and multiple edges are dropped. *start and *adj are malloc'd. O(n + m) plus
 * the sorting of each node's list. */
int dm_graph_csr(igraph_t *g, size_t **start, int **adj, size_t *nedges, dm_error *err);
/* The same from m edges ends[2k], ends[2k+1] among n nodes, without an igraph_t. */
int dm_csr_from_edges(size_t n, const igraph_integer_t *ends, size_t m, size_t **start, int **adj, size_t *nedges,
                      dm_error *err);

/* Writes a CSR graph to path as HDF5 (indptr int64[n+1], indices int32[2m], attributes
 * describing how it was made), atomically. */
int dm_graph_write_csr(const char *path, size_t n, const size_t *start, const int *adj,
                       const char *description, dm_error *err);

/* The message of igraph's last error: dm_init installs dm_igraph_error_handler, which
 * keeps it and lets the call return its error code. */
const char *dm_igraph_last_error(void);
void dm_igraph_error_handler(const char *reason, const char *file, int line, igraph_error_t code);

#endif
