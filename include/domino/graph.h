/* domino — graphs for sector layers: seeded generators, readers and writers, all on the
 * CSR form (igraph is used inside the library only; this header needs nothing but C).
 *
 * Everything here is serial code (model loading, `domino generate`). A layer's graph is
 * undirected and simple (no loops, no multiple edges): readers simplify what they read. */
#ifndef DOMINO_GRAPH_H
#define DOMINO_GRAPH_H

#include "export.h"
#include <stddef.h>
#include <stdint.h>
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

/* An undirected simple graph as CSR: node v's neighbours are adj[start[v] .. start[v+1]),
 * each of the `edges` edges listed at both ends (start has nodes + 1 entries, adj
 * 2 * edges). The arrays are malloc'd; dm_csr_free releases them. */
typedef struct dm_csr {
    size_t nodes, edges;
    size_t *start;
    int *adj;
} dm_csr;

DM_EXPORT const char *dm_graph_kind_name(dm_graph_kind k);
DM_EXPORT int dm_graph_kind_from_name(const char *name, dm_graph_kind *out);

/* Generates spec into *out. The same spec gives the same graph on every machine; igraph's
 * default random generator (which a host may use) is neither used nor reseeded. */
DM_EXPORT int dm_graph_generate(const dm_graph_spec *spec, dm_csr *out, dm_error *err);

/* Reads an undirected graph from a file: `edgelist` (two 0-based node indices per line;
 * nodes, when > 0, sets the node count, else it is the largest index + 1), `graphml`, or
 * `csr` (HDF5 datasets <group>/indptr and <group>/indices, as scipy.sparse writes them;
 * group "" is the root). Bad content is DM_EDATA with the position when one is known. */
DM_EXPORT int dm_graph_read(const char *path, const char *format, uint64_t nodes, const char *group,
                            dm_csr *out, dm_error *err);

/* Writes g to path, atomically, in the format its name ends with: `.h5` CSR (as
 * dm_graph_write_csr), `.graphml` GraphML, anything else an edge list (each edge once, as
 * "u v" with u < v). description goes into the file where the format has room for it. */
DM_EXPORT int dm_graph_write(const char *path, const dm_csr *g, const char *description, dm_error *err);

/* Writes a CSR graph to path as HDF5 (indptr int64[n+1], indices int32[2m], attributes
 * describing how it was made), atomically. */
DM_EXPORT int dm_graph_write_csr(const char *path, size_t n, const size_t *start, const int *adj,
                                 const char *description, dm_error *err);

/* Frees g's arrays and zeroes it; NULL and a zeroed dm_csr are no-ops. */
DM_EXPORT void dm_csr_free(dm_csr *g);

#endif
