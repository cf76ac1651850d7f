/* Connectivity within a sector layer (DESIGN.md): a node of a layer with rule `source`
 * runs only while a path of viable nodes joins it to a source of the layer; with rule
 * `giant`, only while it is in the layer's largest component of viable nodes. A node is
 * viable when its own damage and inputs let it run (its target without connectivity is
 * above 0; node_rule.c), so restart and ramp delay the service a node delivers, not the
 * paths it offers. With `giant` and mutual couplings this is the mutual percolation of
 * Buldyrev et al. (Nature 464, 1025, 2010).
 *
 * After the node rules of a tick have settled, each layer whose viability changed gets a
 * pass (settle() in engine.c), serial, on the CSR arrays of the model:
 *   - a sweep (union-find over the edges in node order): from scratch over the viable
 *     nodes when nodes became viable; over the connected ones when many were lost;
 *   - when few were lost, incrementally: searches start from the connected neighbours of each
 *     lost node and advance in lockstep, one node each per round, merging when they
 *     meet. A search that runs out of nodes has found a piece that broke off; the
 *     search that is left (giant), or any that reaches a source, keeps its nodes.
 *     The work is proportional to the pieces that break off, not to the layer, which
 *     is what late rounds of a cascade need (a few nodes lost per round).
 * The pass returns the nodes whose connection changed, for the engine to evaluate.
 * Everything runs in node order, so the result does not depend on threads. */
#include <stdlib.h>
#include <string.h>
#include "engine/engine_internal.h"

/* Losses are searched from the lost nodes (incremental_pass) while they are fewer than
 * this share of the connected nodes, else by a sweep over the connected nodes: each lost
 * node's searches cost about as much as this many connected nodes do in a sweep
 * (measured: docs/performance.md). */
#define INCREMENTAL_SHARE 128

/* How many entries ahead a sweep or a search asks for what it will read at random; sweeps
 * ask only in layers above PREFETCH_NODES nodes, whose labels (4 bytes a node) no longer
 * fit in a core's cache (measured: below it, the requests cost more than they save). */
#define PREFETCH 48
#define PREFETCH_NODES ((size_t)1 << 18)

/* A sweep gathers the edges that join, then joins them, a block of nodes with up to this
 * many neighbour entries at a time (two int arrays of it stay in a core's first cache). */
#define SWEEP_BLOCK 2048

typedef struct search {
    int *queue; size_t head, len, cap;
    int parent;          /* union-find: searches that met are one */
    size_t size;         /* nodes labelled by the merged search */
    int done, anchored;  /* ran out of nodes; reached a source (rule source) */
} search;

static int find(search *s, int i)
{
    while (s[i].parent != i) i = s[i].parent = s[s[i].parent].parent;
    return i;
}

static int push(search *s, int v)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        int *q = realloc(s->queue, cap * sizeof *q);
        if (!q) return -1;
        s->queue = q;
        s->cap = cap;
    }
    s->queue[s->len++] = v;
    return 0;
}

static int viable(const dm_engine *e, size_t v) { return e->conn.state[v] & CONN_VIABLE; }
static int live(const dm_engine *e, size_t v) { return (e->conn.state[v] & CONN_LIVE) == CONN_LIVE; }

/* Sets node v's connection; a viable node whose connection changed is listed for the
 * engine to evaluate (dmi_conn_pass returns the list). */
static void set_connected(dm_engine *e, int v, int c)
{
    unsigned char now = (unsigned char)((e->conn.state[v] & ~CONN_CONNECTED) | (c ? CONN_CONNECTED : 0));
    if (now == e->conn.state[v]) return;
    e->conn.state[v] = now;
    if (viable(e, (size_t)v)) e->conn.changed[e->conn.nchanged++] = v;
}

/* Rem's union-find with splicing (Patwary, Blair & Manne, SEA 2010: the fastest of the
 * union-find variants they measured): every parent has a lower index than its child, so a
 * root is the lowest node of its component. */
static void rem_union(int *parent, int x, int y)
{
    while (parent[x] != parent[y]) {
        if (parent[x] < parent[y]) { int t = x; x = y; y = t; }
        if (parent[x] == x) { parent[x] = parent[y]; return; }
        int z = parent[x];
        parent[x] = parent[y];  /* splice: x now hangs under y's lower parent */
        x = z;
    }
}

/* Passes (1) and (2) of a sweep (below): the components of the nodes that take part
 * (state & mask == mask) as parent pointers to their roots, the roots' counts in size[];
 * returns the largest component's root (giant only; the lowest root of equal ones), its
 * size and the next one's. `ahead`: how far ahead random reads are asked for, 0 for not
 * at all; sweep() passes a constant, so each case compiles to its own loops (with the
 * test inside the loops, a sweep of 10^5 nodes took about 19 % more instructions). */
static inline int components(const dm_layer *L, const unsigned char *st, unsigned char mask, int *parent, int *size,
                             int *from, int *to, size_t cap, size_t ahead, size_t *best_size, size_t *second)
{
    const size_t n = L->nnodes, *start = L->adj_start, nadj = start[n];
    const int *adj = L->adj;
    const int giant = L->connectivity == DM_CONNECT_GIANT;
    int bound[SWEEP_BLOCK + 1];
    /* parent -1: the node takes no part (so the edge loop needs no second array). Every
     * label is clear (-1) when a sweep starts; a block's parents are set as it starts, so
     * parent[w] >= 0 with w < u says that w takes part and the edge joins (each edge once,
     * from its higher end). The edges that join are gathered without a branch, a block of
     * nodes with at most cap entries at a time (its pairs stay in cache), then joined in
     * the same order as one node after another would: a union touches only nodes up to
     * its own. Whether a neighbour is lower is a coin toss in a relabelled list, whether a
     * node takes part one after losses, and a list's end comes after a random number of
     * entries: as branches these mispredicted about once an edge and once a node
     * (callgrind's branch simulation of the 10^5 cascade: 3.2 million misses in the
     * sweeps, 1.2 million now; docs/performance.md, session 11). */
    for (size_t u0 = 0; u0 < n;) {
        size_t u1 = u0 + 1, np = 0;
        while (u1 < n && start[u1 + 1] - start[u0] <= cap) u1++;
        const size_t base = start[u0], end = start[u1];
        if (u1 - u0 == 1) {
            /* one node (perhaps of more than cap neighbours) */
            int take = (st[u0] & mask) == mask;
            parent[u0] = take ? (int)u0 : -1;
            for (size_t k = base; k < end; k++) {
                int w = adj[k];
                from[np] = (int)u0;
                to[np] = w;
                np += (size_t)(take & (parent[w] >= 0));
            }
        } else {
            /* the block's entries in one loop: the owner of entry k advances by the number
             * of nodes whose list starts at k (bound[k - base]), so no loop ends at every
             * node (its exit mispredicted about once a node); the parents are set first, so
             * here a neighbour must also be tested to be lower */
            memset(bound, 0, (end - base + 1) * sizeof *bound);
            for (size_t u = u0; u < u1; u++) {
                parent[u] = (st[u] & mask) == mask ? (int)u : -1;
                bound[start[u] - base] += u > u0;
            }
            size_t u = u0;
            for (size_t k = base; k < end; k++) {
                u += (size_t)bound[k - base];
                int w = adj[k];
                /* parent[w] is a random read (a cache miss in a large layer): asked for ahead */
                if (ahead && k + ahead < nadj) __builtin_prefetch(&parent[adj[k + ahead]]);
                from[np] = (int)u;
                to[np] = w;
                np += (size_t)((parent[u] >= 0) & ((size_t)w < u) & (parent[w] >= 0));
            }
        }
        for (size_t j = 0; j < np; j++) rem_union(parent, from[j], to[j]);
        u0 = u1;
    }
    /* Every parent has a lower index than its child and is final before it (its root is
     * the lowest node of its component): one pass in node order points each node at its
     * root and counts the components. The largest (the lowest root of equal ones) and the
     * size of the next are kept as the counts grow: a root's count reaching the largest
     * so far takes its place if it is lower, as the largest of the final counts would. */
    int best = -1;
    size_t bs = 0, sec = 0;
    for (size_t u = 0; u < n; u++) {
        if (ahead && u + ahead < n && parent[u + ahead] >= 0) {  /* the root and its count: random reads */
            __builtin_prefetch(&parent[parent[u + ahead]]);
            __builtin_prefetch(&size[parent[u + ahead]], 1);
        }
        /* Without a branch on whether u takes part (a coin toss after losses): its root r
         * (u itself, or its parent's, final already), -1 if it takes none, then counted
         * in size[r], or as 0 in the spare slot size[n], which no test below can pick. */
        int p = parent[u], r = parent[p < 0 ? (int)u : p];
        size_t slot = r < 0 ? n : (size_t)r;
        size_t sz = r == (int)u ? 1 : (size_t)size[slot] + 1;
        sz = r < 0 ? 0 : sz;
        size[slot] = (int)sz;
        parent[u] = r;
        if (!giant) continue;
        int other = r != best;
        bs = other ? bs : sz;
        if (other & ((sz > bs) | ((sz == bs) & (r < best)))) { sec = bs; bs = sz; best = r; }
        else if (other & (sz > sec)) sec = sz;
    }
    *best_size = bs;
    *second = sec;
    return best;
}

/* A sweep: the components of the layer's nodes that take part (state & mask == mask) by
 * union-find, reading the CSR arrays front to back in node order (a breadth-first search
 * would jump through them at random, a cache miss per node). mask CONN_VIABLE: from
 * scratch. mask CONN_LIVE: after losses only, when the connected nodes can only lose
 * their connection; the largest piece of the old giant stays the giant if it is larger
 * than any component outside it was (outside_max), else the sweep returns 1 without
 * changing anything and one from scratch decides. Giant: the largest component, the one
 * with the lowest node index of equal ones. Source: the components of the sources.
 * Three passes over the layer: (1) each node joins the nodes before it that it has an
 * edge to (each edge once; a node's parent is set when its turn comes, so the edge loop
 * reads only nodes already set); (2) each node points at its root, the components are
 * counted and the largest two found; (3) the connections change, the labels are cleared. */
static int sweep(dm_engine *e, layer_run *lr, unsigned char mask, int initial)
{
    const dm_layer *L = lr->L;
    const size_t n = L->nnodes;
    unsigned char *st = e->conn.state + L->first;  /* this layer's, by local index */
    int *parent = e->conn.label, *size = e->conn.queue;
    int giant = L->connectivity == DM_CONNECT_GIANT;
    size_t best_size, second;
    /* the edges that join, a block at a time: `lost` is free during a sweep and `size`
     * until pass (2); both hold n entries, and a node has fewer than n neighbours, so a
     * block of one node always fits */
    int *from = e->conn.lost, *to = size;
    size_t cap = n < SWEEP_BLOCK ? n : SWEEP_BLOCK;
    int best = n > PREFETCH_NODES ? components(L, st, mask, parent, size, from, to, cap, PREFETCH, &best_size, &second)
                                  : components(L, st, mask, parent, size, from, to, cap, 0, &best_size, &second);
    if (giant) {
        if (mask == CONN_LIVE && best_size <= lr->outside_max) {
            memset(parent, 0xff, n * sizeof *parent);  /* every label clear (-1) */
            return 1;
        }
        lr->giant = best_size;
        lr->outside_max = mask == CONN_LIVE && lr->outside_max > second ? lr->outside_max : second;
    } else {
        for (size_t k = 0; k < L->nsources; k++)  /* the sources' components: size 0 marks them */
            if (parent[L->sources[k]] >= 0) size[parent[L->sources[k]]] = 0;
    }
    for (size_t u = 0; u < n; u++) {
        int r = parent[u];  /* tested without a branch on r >= 0 (a coin toss after losses) */
        int c = (r >= 0) & (giant ? r == best : size[r < 0 ? n : (size_t)r] == 0);
        if (initial) st[u] = (unsigned char)(CONN_VIABLE | (c ? CONN_CONNECTED : 0));
        else if (!c != !(st[u] & CONN_CONNECTED)) set_connected(e, (int)(L->first + u), c);
        parent[u] = -1;  /* incremental passes expect every label clear */
    }
    return 0;
}

/* Incremental pass after losses only (see the top of the file). Returns 1 when the
 * searches cannot decide (the giant shattered) and a full pass is needed. */
static int incremental_pass(dm_engine *e, layer_run *lr, size_t nlost)
{
    const dm_layer *L = lr->L;
    size_t first = L->first, ntouched = 0;
    int giant = L->connectivity == DM_CONNECT_GIANT;
    int *label = e->conn.label;      /* -1 outside a pass; a search while labelled */
    int *touched = e->conn.queue;    /* every node labelled in this pass, to clear */
    search *s = NULL;
    size_t ns = 0, cap = 0;
    int rc = 0;
    /* one search from each live neighbour of a lost node */
    for (size_t i = 0; i < nlost && !rc; i++) {
        int u = e->conn.lost[i] - (int)first;
        for (size_t k = L->adj_start[u]; k < L->adj_start[u + 1]; k++) {
            int w = L->adj[k];
            if (!live(e, first + (size_t)w) || label[w] >= 0) continue;
            if (ns == cap) {
                cap = cap ? 2 * cap : 64;
                search *p = realloc(s, cap * sizeof *p);
                if (!p) { rc = -1; break; }
                s = p;
            }
            s[ns] = (search){.parent = (int)ns, .size = 1, .anchored = !giant && lr->is_source[w]};
            if (push(&s[ns], w)) { rc = -1; ns++; break; }
            label[w] = (int)ns++;
            touched[ntouched++] = w;
        }
    }
    /* act: the searches still running; each round every one of them takes one node from
     * its queue, so a round costs what it explores */
    int *act = malloc((ns ? ns : 1) * sizeof *act);
    size_t nact = 0, finished_max = 0;
    if (!act) rc = -1;
    for (size_t i = 0; !rc && i < ns; i++)
        if (!s[i].anchored) act[nact++] = (int)i;
    while (!rc) {
        if (giant && nact == 1 && s[act[0]].size > finished_max && s[act[0]].size > lr->outside_max) break;
        if (nact == 0) {
            if (giant) rc = 1;  /* no piece is known to be the largest: decide from scratch */
            break;
        }
        for (size_t j = 0; j < nact && !rc; j++) {
            int i = act[j];
            if (find(s, i) != i || s[i].anchored || s[i].done) continue;  /* merged, anchored or done */
            if (s[i].head == s[i].len) {
                s[i].done = 1;
                if (s[i].size > finished_max) finished_max = s[i].size;
                continue;
            }
            int x = s[i].queue[s[i].head++], a = i;  /* a: the search x belongs to now */
            /* the search's next nodes, for its next turns: the neighbour list of the next
             * (its offsets were asked for a turn ago), the offsets of the one after */
            if (s[i].head < s[i].len) __builtin_prefetch(&L->adj[L->adj_start[s[i].queue[s[i].head]]]);
            if (s[i].head + 1 < s[i].len) __builtin_prefetch(&L->adj_start[s[i].queue[s[i].head + 1]]);
            /* the neighbours' states and labels are random reads: asked for together, so
             * their cache misses overlap */
            for (size_t k = L->adj_start[x]; k < L->adj_start[x + 1]; k++) {
                __builtin_prefetch(&e->conn.state[first + (size_t)L->adj[k]]);
                __builtin_prefetch(&label[L->adj[k]]);
            }
            for (size_t k = L->adj_start[x]; k < L->adj_start[x + 1] && !rc; k++) {
                int y = L->adj[k];
                if (!live(e, first + (size_t)y)) continue;
                if (label[y] < 0) {
                    label[y] = a;
                    touched[ntouched++] = y;
                    s[a].size++;
                    s[a].anchored |= !giant && lr->is_source[y];
                    rc = push(&s[a], y);
                    continue;
                }
                int b = find(s, label[y]);
                if (b == a) continue;
                /* a met search b: one piece. The shorter queue of unexplored nodes joins
                 * the longer (so a node moves O(log n) times at most). */
                int big = s[a].len - s[a].head >= s[b].len - s[b].head ? a : b, small = big == a ? b : a;
                for (size_t q = s[small].head; q < s[small].len && !rc; q++) rc = push(&s[big], s[small].queue[q]);
                free(s[small].queue);
                s[small].queue = NULL;
                s[small].head = s[small].len = s[small].cap = 0;
                s[small].parent = big;
                s[big].size += s[small].size;
                s[big].anchored |= s[small].anchored;
                a = big;
            }
        }
        /* keep the searches still running (a root absorbed this round may sit anywhere) */
        size_t kept = 0;
        for (size_t j = 0; j < nact; j++) {
            int i = act[j];
            if (find(s, i) == i && !s[i].done && !s[i].anchored) act[kept++] = i;
        }
        nact = kept;
    }
    free(act);
    /* Cut the pieces that broke off: finished searches (giant: all but the one left;
     * source: those that reached no source). */
    if (!rc) {
        size_t cut = 0;
        for (size_t t = 0; t < ntouched; t++) {
            if (t + PREFETCH < ntouched) {
                __builtin_prefetch(&label[touched[t + PREFETCH]]);
                __builtin_prefetch(&e->conn.state[first + (size_t)touched[t + PREFETCH]]);
            }
            int v = touched[t], root = find(s, label[v]);
            if (s[root].done && !s[root].anchored && (e->conn.state[first + (size_t)v] & CONN_CONNECTED)) {
                set_connected(e, (int)first + v, 0);
                cut++;
            }
        }
        if (giant) {
            lr->giant -= cut;
            if (finished_max > lr->outside_max) lr->outside_max = finished_max;
        }
    }
    for (size_t t = 0; t < ntouched; t++) {
        if (t + PREFETCH < ntouched) __builtin_prefetch(&label[touched[t + PREFETCH]], 1);
        label[touched[t]] = -1;
    }
    for (size_t i = 0; i < ns; i++) free(s[i].queue);
    free(s);
    return rc;
}

void dmi_conn_viability_changed(dm_engine *e, int v, int root)
{
    e->conn.state[v] ^= CONN_VIABLE;
    layer_run *lr = &e->conn.layer_run[node_rule_of(e, v)->layer_run];
    if (viable(e, (size_t)v)) lr->added = 1;
    if (!e->conn.pending_flag[v]) {
        e->conn.pending_flag[v] = 1;
        if (lr->npending == 0) lr->pending_root = root;
        lr->pending[lr->npending++] = v;
    }
}

int dmi_conn_pass(dm_engine *e, const int **changed, size_t *nchanged)
{
    int any = 0;
    e->conn.nchanged = 0;
    *changed = e->conn.changed;
    *nchanged = 0;
    for (size_t i = 0; i < e->conn.nlayer_runs; i++) {
        layer_run *lr = &e->conn.layer_run[i];
        if (lr->npending == 0) continue;
        any = 1;
        /* the hazard at the root of the first loss of this pass, for the events it causes */
        lr->root = lr->pending_root;
        size_t nlost = 0;
        for (size_t k = 0; k < lr->npending; k++) {
            int v = lr->pending[k];
            e->conn.pending_flag[v] = 0;
            if (e->conn.state[v] == CONN_CONNECTED) e->conn.lost[nlost++] = v;  /* connected, not viable */
        }
        lr->npending = 0;
        int giant = lr->L->connectivity == DM_CONNECT_GIANT, full = lr->added;
        if (!full && nlost) {
            /* a lost node leaves the connected set without a search: it is down anyway */
            for (size_t k = 0; k < nlost; k++) e->conn.state[e->conn.lost[k]] = 0;
            if (giant) lr->giant -= nlost;
            size_t reach = giant ? lr->giant : lr->L->nnodes;
            int rc = nlost * INCREMENTAL_SHARE < reach ? incremental_pass(e, lr, nlost) : 1;
            if (rc < 0) return -1;
            full = rc == 1 && sweep(e, lr, CONN_LIVE, 0);
        }
        if (full) sweep(e, lr, CONN_VIABLE, 0);
        lr->added = 0;
    }
    *nchanged = e->conn.nchanged;
    return any;
}

int dmi_conn_compile(dm_engine *e)
{
    const dm_model *m = e->m;
    size_t nruns = 0, biggest = 0, total = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].connectivity != DM_CONNECT_NONE) {
            nruns++;
            total += m->layers[i].nnodes;
            if (m->layers[i].nnodes > biggest) biggest = m->layers[i].nnodes;
        }
    e->conn.nlayer_runs = nruns;
    if (!nruns) return 0;
    size_t n = e->n;
    e->conn.layer_run = calloc(nruns, sizeof *e->conn.layer_run);
    e->conn.state = malloc(n);
    e->conn.connected0 = malloc(n);
    e->conn.pending_flag = calloc(n, 1);
    e->conn.label = malloc(biggest * sizeof *e->conn.label);
    e->conn.queue = malloc((biggest + 1) * sizeof *e->conn.queue);  /* a sweep's counts, and a spare slot */
    e->conn.lost = malloc(biggest * sizeof *e->conn.lost);
    e->conn.changed = malloc(total * sizeof *e->conn.changed);  /* a pass changes a node once at most */
    if (!e->conn.layer_run || !e->conn.state || !e->conn.connected0 || !e->conn.pending_flag ||
        !e->conn.label || !e->conn.queue || !e->conn.lost || !e->conn.changed)
        return -1;
    memset(e->conn.state, CONN_LIVE, n);
    memset(e->conn.label, 0xff, biggest * sizeof *e->conn.label);  /* every label clear (-1): sweep() */
    for (size_t i = 0, r = 0; i < m->nlayers; i++) {
        const dm_layer *L = &m->layers[i];
        if (L->connectivity == DM_CONNECT_NONE) continue;
        layer_run *lr = &e->conn.layer_run[r];
        lr->L = L;
        if (!(lr->pending = malloc(L->nnodes * sizeof *lr->pending)) || !(lr->is_source = calloc(L->nnodes, 1)))
            return -1;
        for (size_t k = 0; k < L->nsources; k++) lr->is_source[L->sources[k]] = 1;
        e->node[m->ndefined_nodes + i].layer_run = (int)r;  /* the layer's node record */
        /* Before T+0 every node is viable: the connection each node starts with is the
         * same for every replicate, so it is found once here. */
        sweep(e, lr, CONN_VIABLE, 1);
        lr->giant0 = lr->giant;
        lr->outside_max0 = lr->outside_max;
        r++;
    }
    memcpy(e->conn.connected0, e->conn.state, n);
    return 0;
}

void dmi_conn_reset(dm_engine *e)
{
    if (!e->conn.nlayer_runs) return;
    memcpy(e->conn.state, e->conn.connected0, e->n);  /* every node viable, connected as before T+0 */
    for (size_t i = 0; i < e->conn.nlayer_runs; i++) {
        layer_run *lr = &e->conn.layer_run[i];
        lr->npending = 0;
        lr->added = 0;
        lr->root = lr->pending_root = -1;
        lr->giant = lr->giant0;
        lr->outside_max = lr->outside_max0;
    }
}

void dmi_conn_free(dm_engine *e)
{
    for (size_t i = 0; e->conn.layer_run && i < e->conn.nlayer_runs; i++) {
        free(e->conn.layer_run[i].pending);
        free(e->conn.layer_run[i].is_source);
    }
    free(e->conn.layer_run); free(e->conn.state); free(e->conn.connected0);
    free(e->conn.pending_flag); free(e->conn.label); free(e->conn.queue); free(e->conn.lost); free(e->conn.changed);
}
