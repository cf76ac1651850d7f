/* Internal: the model as data (query.c), beside the public lookups of domino/model.h. */
#ifndef DOMINO_MODEL_QUERY_H
#define DOMINO_MODEL_QUERY_H

#include "domino/model.h"

/* The capacity of sector s: of its nodes in region (or all, region < 0), summed in node
 * order: the one capacity sum of thresholds, statistics and the inject texts. O(nodes). */
double dmi_model_capacity(const dm_model *m, int s, int region);
/* The nodes that share node v's record, [v, end): v alone for a defined node, the rest of
 * its layer for a layer node (returns end; *nd: the record). A loop over every node's
 * record that would call dm_node_at per node takes one call per run. */
size_t dmi_node_run(const dm_model *m, size_t v, const dm_node **nd);

#endif
