/* Per-replicate random streams. Replicate r of a run with seed s draws from GSL's
 * MT19937 (Matsumoto & Nishimura 1998), its whole 624-word state filled from the 64-bit
 * key k = splitmix64(s xor splitmix64(r)).
 *
 * Why streams never collide (docs/architecture.md, "Random streams"):
 *  - gsl_rng_set() would use only 32 bits of a seed (GSL seeds MT19937 with s & 0xffffffff),
 *    so 10^5 replicates would share a seed with probability ~70 % (birthday bound).
 *    We therefore write the state directly.
 *  - splitmix64 (Steele, Lea & Flood 2014) is a bijection of 64-bit words, so for one seed
 *    distinct r give distinct keys k, for every r < 2^64.
 *  - State words 1 and 2 are the two halves of splitmix64(k + gamma), again a bijection of
 *    k: distinct keys give distinct MT19937 states. Word 0 is 0x80000000, as in the
 *    reference init_by_array, so the state is never all zero.
 *  - Distinct states of a generator with period 2^19937 - 1 are, for any run a computer
 *    can do, disjoint stretches of the sequence: R streams of L draws overlap with
 *    probability below R^2 L / 2^19937.
 * The same holds across seeds except for pairs (s, r), (s', r') with equal keys, which a
 * user choosing seeds by hand cannot hit by accident (probability 2^-64 per pair). */
#include <math.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include "engine/streams.h"

/* GSL's MT19937 state (gsl/rng/mt.c): 624 words and the position in them. */
#define MT_N 624
typedef struct { unsigned long mt[MT_N]; int mti; } mt_state;

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

gsl_rng *dmi_stream_new(void)
{
    /* out of memory is a NULL for the caller to report, not GSL's abort; the host's GSL
     * handler is back before this returns (called from serial code only) */
    gsl_error_handler_t *host = gsl_set_error_handler_off();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_set_error_handler(host);
    if (rng && gsl_rng_size(rng) != sizeof(mt_state)) {
        gsl_rng_free(rng);
        return NULL;
    }
    return rng;
}

void dmi_stream_seed(gsl_rng *rng, uint64_t seed, uint64_t r)
{
    mt_state *st = gsl_rng_state(rng);
    uint64_t k = splitmix64(seed ^ splitmix64(r));
    st->mt[0] = 0x80000000UL;
    for (int i = 1; i < MT_N; i += 2) {  /* the splitmix64 sequence from key k */
        uint64_t z = splitmix64(k);
        k += 0x9e3779b97f4a7c15ULL;
        st->mt[i] = (unsigned long)(z & 0xffffffffUL);
        if (i + 1 < MT_N) st->mt[i + 1] = (unsigned long)(z >> 32);
    }
    st->mti = MT_N;  /* regenerate the block before the first draw */
}

/* ---- draws from a replicate's stream ---- */

double dmi_draw(gsl_rng *rng, const dm_dist *d)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        double x = d->a;
        switch (d->kind) {
        case DM_DIST_FIXED: return d->a;
        case DM_DIST_UNIFORM: return gsl_ran_flat(rng, d->a, d->b);
        case DM_DIST_NORMAL: x = d->a + gsl_ran_gaussian(rng, d->b); break;
        case DM_DIST_LOGNORMAL: x = gsl_ran_lognormal(rng, log(d->a), d->b); break;
        case DM_DIST_WEIBULL: x = gsl_ran_weibull(rng, d->a, d->b); break;
        case DM_DIST_GAMMA: x = gsl_ran_gamma(rng, d->a, d->b); break;
        case DM_DIST_EXPONENTIAL: x = gsl_ran_exponential(rng, d->a); break;
        case DM_DIST_CHOICE: {
            double total = 0, u;
            for (size_t i = 0; i < d->nchoices; i++) total += d->weights[i];
            u = gsl_rng_uniform(rng) * total;
            for (size_t i = 0; i < d->nchoices; i++) {
                if (u < d->weights[i]) return d->values[i];
                u -= d->weights[i];
            }
            return d->values[d->nchoices - 1];
        }
        case DM_DIST_TABLE: {  /* inverse of the piecewise-linear CDF through (0, 0) */
            double u = gsl_rng_uniform(rng), x0 = 0, f0 = 0;
            for (size_t i = 0; i < d->nchoices; i++) {
                if (u < d->weights[i])
                    return x0 + (u - f0) / (d->weights[i] - f0) * (d->values[i] - x0);
                x0 = d->values[i];
                f0 = d->weights[i];
            }
            return d->values[d->nchoices - 1];
        }
        }
        if (x >= d->lo && x <= d->hi) return x;  /* truncation by rejection */
    }
    return d->lo;  /* a truncation window the distribution almost never reaches */
}

double dmi_longest_backup(const dm_dist *d)
{
    double x = d->hi;
    switch (d->kind) {
    case DM_DIST_FIXED: return d->a;
    case DM_DIST_UNIFORM: return d->b;
    case DM_DIST_CHOICE: case DM_DIST_TABLE:
        x = 0;
        for (size_t i = 0; i < d->nchoices; i++) x = d->values[i] > x ? d->values[i] : x;
        return x;
    default: return x >= 1e15 ? INFINITY : x;
    }
}
