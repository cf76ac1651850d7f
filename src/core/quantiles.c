/* The quantiles every statistic reports (include/domino/montecarlo.h). Here, in core,
 * because the Monte Carlo driver (src/run), the result-file writer (src/io) and the sweep
 * file (src/sweep) all use them and none of those may depend on another for it. */
#include "domino/montecarlo.h"

const double dm_quantiles[DM_NQUANTILES] = {0.05, 0.50, 0.95};
