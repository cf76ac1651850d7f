/* domino — limits on inputs (docs/reliability.md). Each default can be changed with the
 * environment variable named beside it. */
#ifndef DOMINO_LIMITS_H
#define DOMINO_LIMITS_H

#include "export.h"
#include <stdint.h>

#define DM_MAX_YAML_BYTES_ENV "DOMINO_MAX_YAML_BYTES"
#define DM_MAX_YAML_BYTES (64LL << 20)     /* a model or scenario file: 64 MiB */
#define DM_MAX_YAML_DEPTH_ENV "DOMINO_MAX_YAML_DEPTH"
#define DM_MAX_YAML_DEPTH 64               /* nesting of lists and mappings */
#define DM_MAX_YAML_NODES_ENV "DOMINO_MAX_YAML_NODES"
#define DM_MAX_YAML_NODES 20000000LL       /* YAML nodes with every alias expanded: 2 x 10^7 */
/* libyaml's document loader looks each anchor and alias up among every earlier anchor
 * (quadratic: 10^5 anchors and aliases in a 4 MB file ran for minutes), so their counts are
 * held to what hand-written files need (domino's own use none): at most 10^3 x 10^5 = 10^8
 * comparisons, a fraction of a second. */
#define DM_MAX_YAML_ANCHORS_ENV "DOMINO_MAX_YAML_ANCHORS"
#define DM_MAX_YAML_ANCHORS 1000LL         /* anchors (&name) in one file */
#define DM_MAX_YAML_ALIASES_ENV "DOMINO_MAX_YAML_ALIASES"
#define DM_MAX_YAML_ALIASES 100000LL       /* aliases (*name) in one file */
#define DM_MAX_TICKS_ENV "DOMINO_MAX_TICKS"
#define DM_MAX_TICKS 1000000000LL          /* horizon / tick: 31 years at 1 s, 1,900 years at 1 min */
#define DM_MAX_LAYER_NODES_ENV "DOMINO_MAX_LAYER_NODES"
#define DM_MAX_LAYER_NODES 100000000LL    /* nodes of one layer's graph: 10^8 (about 60 GB of model) */
#define DM_MAX_REPLICATES 1000000000ULL    /* per run; more with --replicate offsets */

/* The limit: the environment variable's value when it is a positive whole number. */
DM_EXPORT int64_t dm_limit(const char *env, int64_t fallback);

#endif
