/* Internal: the model as data (query.c), beside the public lookups of domino/model.h. */
#ifndef DOMINO_MODEL_QUERY_H
#define DOMINO_MODEL_QUERY_H

#include "domino/model.h"

/* The capacity of sector s: of its nodes in region (or all, region < 0), summed in node
 * order: the one capacity sum of thresholds, statistics and the inject texts. O(nodes). */
double dmi_model_capacity(const dm_model *m, int s, int region);

#endif
