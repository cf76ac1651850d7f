/* Internal: one random stream per replicate (DESIGN.md "Monte Carlo and determinism"). */
#ifndef DOMINO_STREAMS_H
#define DOMINO_STREAMS_H

#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "domino/model.h"

/* A GSL MT19937 generator whose state we can seed in full; NULL when this GSL's MT19937
 * state does not have the documented layout (then the engine refuses to run). */
gsl_rng *dmi_stream_new(void);
/* Puts rng at the start of the stream of replicate r of a run with this seed. */
void dmi_stream_seed(gsl_rng *rng, uint64_t seed, uint64_t r);
/* A draw from d (truncated by rejection), and the longest backup a distribution across
 * facilities allows (seconds; INFINITY when unbounded): a reconnected facility's used
 * backup never exceeds it. */
double dmi_draw(gsl_rng *rng, const dm_dist *d);
double dmi_longest_backup(const dm_dist *d);

#endif
