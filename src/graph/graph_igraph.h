/* Internal: the layer graphs as igraph graphs (graph.c), for the loaders and analyses that
 * use igraph, and the set-up every library function calling igraph or GSL runs under.
 * Serial code only: Debian's igraph is not thread-safe. */
#ifndef DOMINO_GRAPH_IGRAPH_H
#define DOMINO_GRAPH_IGRAPH_H

#include <igraph.h>
#include <gsl/gsl_errno.h>
#include "domino/graph.h"

/* dm_graph_generate on an igraph graph. */
int dmi_graph_generate(const dm_graph_spec *spec, igraph_t *g, dm_error *err);
/* An edge list file (whitespace-separated node indices from 0, two an edge) as m pairs
 * ends[2k], ends[2k+1] in file order, malloc'd; *n is `nodes`, or one more than the largest
 * index if that is more (DM_EDATA if nodes > 0 and an index is not below it). */
int dmi_edgelist_read(const char *path, uint64_t nodes, igraph_integer_t **ends, size_t *m, size_t *n, dm_error *err);
/* dm_graph_read to the CSR below (*n nodes): format edgelist, graphml (through igraph's
 * reader) or csr; edge lists and CSR files build no igraph_t. */
int dmi_graph_read_csr(const char *path, const char *format, uint64_t nodes, const char *group, size_t *n,
                       size_t **start, int **adj, size_t *nedges, dm_error *err);
/* Node v's neighbours are adj[start[v] .. start[v+1]), each edge at both ends, in
 * ascending order (what igraph_simplify's edge order gave before: the same CSR); loops and
 * multiple edges are dropped. *start and *adj are malloc'd. O(n + m) plus the sorting of
 * each node's list. */
int dmi_graph_csr(igraph_t *g, size_t **start, int **adj, size_t *nedges, dm_error *err);
/* The same from m edges ends[2k], ends[2k+1] among n nodes, without an igraph_t. */
int dmi_csr_from_edges(size_t n, const igraph_integer_t *ends, size_t m, size_t **start, int **adj, size_t *nedges,
                       dm_error *err);
/* dmi_graph_generate straight to that CSR (*n nodes): erdos_renyi builds no igraph_t
 * (O(n + m) after igraph's sampling); the other kinds go through dmi_graph_generate. */
int dmi_graph_generate_csr(const dm_graph_spec *spec, size_t *n, size_t **start, int **adj, size_t *nedges,
                           dm_error *err);
/* A generated layer's graph: dmi_graph_generate_csr, then dm_graph_relabel from the
 * spec's seed; for erdos_renyi in one pass (the same CSR, without the copy). */
int dmi_graph_generate_layer(const dm_graph_spec *spec, size_t *n, size_t **start, int **adj, size_t *nedges,
                             dm_error *err);

/* The host's igraph and GSL handlers, saved while a library call runs under domino's
 * ("return the error, don't abort or print"): dmi_enter at the start of a public function
 * that calls igraph or GSL, dmi_leave before each return. Nested use is fine. */
typedef struct dmi_host {
    igraph_error_handler_t *igraph_error;
    igraph_warning_handler_t *igraph_warning;
    gsl_error_handler_t *gsl_error;
} dmi_host;
void dmi_enter(dmi_host *saved);
void dmi_leave(const dmi_host *saved);
/* The message of igraph's last error inside dmi_enter/dmi_leave. */
const char *dmi_igraph_last_error(void);

#endif
