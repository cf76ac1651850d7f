/* Simulations for the reference suite: scenarios written as YAML text (an inline model
 * with layers), run replicate by replicate through the engine. */
#ifndef DOMINO_REFERENCE_SIMULATE_H
#define DOMINO_REFERENCE_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

/* The final level of every sector, replicate by replicate: level[r * nsectors + s].
 * Returns the number of sectors, or -1 (with the error printed) on failure. */
int sim_run(const char *yaml, uint64_t replicates, double *level, size_t max);

/* The fraction of layer A (of n identical fully interdependent ER layers in a chain,
 * coupled by index; n = 1 is a single network) in the final giant component after a
 * random fraction 1 - p of A's nodes is removed; mean over graphs x replicates. */
double sim_mutual(size_t N, double k, int n, double p, int graphs, int replicates);

/* Two ER layers with a random fraction q of nodes paired (mutual); 1 - p of A removed.
 * Means of A's and B's final giant fractions. */
void sim_partial(size_t N, double k, double q, double p, int graphs, int replicates, double *PA, double *PB);

/* Watts's threshold model on an ER graph: nodes fail once a fraction phi of their
 * neighbours has failed. seed_fraction 0 seeds one random node per replicate. Returns the
 * mean final fraction failed; *global gets the share of replicates in which more than
 * global_cut of the nodes failed. */
double sim_watts(size_t N, double z, double phi, double seed_fraction, int graphs, int replicates,
                 double global_cut, double *global);

#endif
