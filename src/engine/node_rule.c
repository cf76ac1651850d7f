/* The rule that sets a node's level: DESIGN.md, "What a node computes". Everything that
 * decides a level is in this file: a hazard's damage, supply by group mode, buffers and
 * their resupply, availability, the node's combining rule, the collapse threshold, its
 * dynamics (step, or relax with its coefficient compiled here), which deliveries can
 * change an evaluation, and the commit of the rule's own state.
 *
 * dmi_node_evaluate is pure, so it can run in parallel over a frontier: it reads the
 * committed state and the levels delivered on the node's in-edges (seen), and writes the
 * node's next state to its frontier slot (and its groups' buf_next); apply() in engine.c
 * has dmi_node_commit (below) commit them, then logs and delivers the new level. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "engine/engine_internal.h"

/* Supply sigma_g from the providers' delivered levels, and the provider that limits it
 * (the first with the lowest level). One pass per mode finds both: supply runs for every
 * group of every evaluated node, twice for a buffered one, so a second pass over the
 * providers was a sixth of an evaluation's cost. */
static inline double supply(const dm_engine *e, size_t g, int *limiting_edge)
{
    const group_rule *gr = group_rule_of(e, g);
    size_t first = e->g_edge[g], end = e->g_edge[g + 1];
    const edge_run *edge = e->edge;
    double sigma = 0, lowest = first < end ? edge[first].seen : 0;  /* edge[worst].seen */
    size_t worst = first;
    if (end - first == 1 && gr->mode == DM_MODE_SHARE) {  /* most groups: the loop below, once */
        *limiting_edge = (int)first;
        sigma += edge[first].share * lowest;
        return sigma > 1 ? 1 : sigma;
    }
    switch (gr->mode) {
    case DM_MODE_SHARE:  /* sigma = min(1, sum share_u s_u) */
        for (size_t i = first; i < end; i++) {
            if (edge[i].seen < lowest) { worst = i; lowest = edge[i].seen; }
            sigma += edge[i].share * edge[i].seen;
        }
        *limiting_edge = (int)worst;
        return sigma > 1 ? 1 : sigma;
    case DM_MODE_ANY:    /* full redundancy: sigma = max_u s_u */
        for (size_t i = first; i < end; i++) {
            if (edge[i].seen < lowest) { worst = i; lowest = edge[i].seen; }
            sigma = edge[i].seen > sigma ? edge[i].seen : sigma;
        }
        *limiting_edge = (int)worst;
        return sigma;
    case DM_MODE_QUORUM: { /* threshold rule (Watts 2002): 1 if enough providers are up */
        /* at least quorum_count providers, or the fraction of them (rounded up); `failed F`
         * (Watts: down once a fraction F of the k providers, and at least one, is down) is
         * the same rule with k - max(1, ceil(F k)) + 1 providers up */
        double n = (double)(end - first), need = gr->quorum_count > 0 ? gr->quorum_count : ceil(gr->quorum_fraction * n - DM_ROUND_EPS);
        if (gr->quorum_failed > 0) need = n - fmax(1.0, ceil(gr->quorum_failed * n - DM_ROUND_EPS)) + 1;
        size_t up = 0;
        for (size_t i = first; i < end; i++) {
            if (edge[i].seen < lowest) { worst = i; lowest = edge[i].seen; }
            up += edge[i].seen >= gr->quorum_level - DM_LEVEL_EPS;
        }
        *limiting_edge = (int)worst;
        return (double)up >= need ? 1.0 : 0.0;
    }
    }
    for (size_t i = first; i < end; i++)
        if (edge[i].seen < lowest) { worst = i; lowest = edge[i].seen; }
    *limiting_edge = (int)worst;
    return sigma;
}

/* ---- buffers: facilities inside a node (DESIGN.md, "What a node computes") ----
 *
 * A node stands for many facilities. When sigma < 1, the share 1 - sigma of them has lost
 * the group's input; the facilities are ordered as they are cut, so the cut ones are
 * [0, 1 - sigma): a deeper shortfall cuts the next ones (with fuller backups, on a clock of
 * their own) and a partial return reconnects the most recently cut first. A share
 * `backup_share` of the facilities has a backup, of which S(tau) still runs tau after it
 * started, so
 *     alpha_g = 1 - w_g [(1 - sigma_g) - backup_share * sum_i width_i S(used_i)]
 * over the cut clocks i, which is 1 - w_g (1 - sigma_g)(1 - covered_g) with covered_g =
 * backup_share S(tau) for one clock. One `duration` (drawn per replicate) has S(tau) = 1
 * while tau < duration, else 0: with one total shortfall this is one backup per node.
 * Resupply providers at or above their level stop the cut clocks; reconnected facilities'
 * clocks run back at `refill` (a reconnected facility has used at most its longest backup:
 * exact for one duration; with a distribution, facilities that ran dry are counted as
 * refilling from the cohort's clock, which errs towards less backup).
 * With `restart_rate` r, the reconnected facilities whose backup had run out wait for a
 * visit, the waiting share falling by r per unit of time (restart_waiting): alpha_g =
 * 1 - w_g [(1 - sigma_g) - covered_g + waiting_g]; facilities reconnected while their
 * backup still ran are back at once. */

/* ceil(x) for 0 <= x < 2^63 as a whole number of ticks, without a call to ceil (the
 * baseline x86-64 has no rounding instruction, and the end of a one-duration clock is
 * rounded up on most recomputes of a buffer). */
static inline int64_t ceil_ticks(double x)
{
    int64_t k = (int64_t)x;
    return k + ((double)k < x);
}

/* Survival Q(x) = P(X > x) of a distribution without its truncation. */
static double tail(const dm_dist *d, double x)
{
    switch (d->kind) {
    case DM_DIST_NORMAL: return d->b > 0 ? gsl_cdf_gaussian_Q(x - d->a, d->b) : x < d->a;
    case DM_DIST_LOGNORMAL: return x <= 0 ? 1 : d->b > 0 ? gsl_cdf_lognormal_Q(x, log(d->a), d->b) : x < d->a;
    case DM_DIST_WEIBULL: return x <= 0 ? 1 : gsl_cdf_weibull_Q(x, d->a, d->b);
    case DM_DIST_GAMMA: return x <= 0 ? 1 : gsl_cdf_gamma_Q(x, d->a, d->b);
    case DM_DIST_EXPONENTIAL: return x <= 0 ? 1 : gsl_cdf_exponential_Q(x, d->a);
    default: return 0;
    }
}

/* tail(lo) and tail(hi) of a truncated distribution: two of survival()'s three GSL calls,
 * the same numbers for every x, kept for the last distribution each thread asked about.
 * The key is the bits of what tail() reads (kind, a, b) and of lo and hi, not the address,
 * so a distribution changed in place, or a new one at the same address, is computed anew. */
static int same_bits(double x, double y)
{
    uint64_t u, v;
    memcpy(&u, &x, sizeof u);
    memcpy(&v, &y, sizeof v);
    return u == v;
}

static void truncation_tails(const dm_dist *d, double *qlo, double *qhi)
{
    static _Thread_local struct { int known; dm_dist_kind kind; double a, b, lo, hi, qlo, qhi; } last;
    if (!last.known || last.kind != d->kind || !same_bits(last.a, d->a) || !same_bits(last.b, d->b) ||
        !same_bits(last.lo, d->lo) || !same_bits(last.hi, d->hi)) {
        last.known = 1;
        last.kind = d->kind;
        last.a = d->a;
        last.b = d->b;
        last.lo = d->lo;
        last.hi = d->hi;
        last.qlo = tail(d, d->lo);
        last.qhi = tail(d, d->hi);
    }
    *qlo = last.qlo;
    *qhi = last.qhi;
}

/* 1 - F(x) of a table on its piece from (x0, f0) to (x1, f1), x0 <= x < x1: survival(), and
 * monotone_survival's check of the piece's end. */
static inline double table_piece(double x, double x0, double f0, double x1, double f1)
{
    return 1 - (f0 + (x - x0) / (x1 - x0) * (f1 - f0));
}

/* S(x) of a uniform: survival()'s, and clock_survival's without the call (the shipped
 * models' base stations and hospitals). */
static inline double uniform_survival(const dm_dist *d, double x)
{
    return x < d->a ? 1 : x >= d->b ? 0 : (d->b - x) / (d->b - d->a);
}

/* S(x): the share of the facilities' backups still running x seconds after they started,
 * for a distribution of durations across facilities (docs/model-format.md, `facilities`). */
static double survival(const dm_dist *d, double x)
{
    switch (d->kind) {
    case DM_DIST_FIXED: return x < d->a;
    case DM_DIST_UNIFORM: return uniform_survival(d, x);
    case DM_DIST_CHOICE: {
        double total = 0, above = 0;
        for (size_t i = 0; i < d->nchoices; i++) {
            total += d->weights[i];
            if (d->values[i] > x) above += d->weights[i];
        }
        return total > 0 ? above / total : 0;
    }
    case DM_DIST_TABLE: {  /* 1 - F, F linear between the points and from (0, 0) */
        double x0 = 0, f0 = 0;
        for (size_t i = 0; i < d->nchoices; i++) {
            if (x < d->values[i]) return table_piece(x, x0, f0, d->values[i], d->weights[i]);
            x0 = d->values[i];
            f0 = d->weights[i];
        }
        return 0;
    }
    default: {  /* truncated to [lo, hi] by rejection when drawn: the conditional survival */
        if (x < d->lo) return 1;
        if (x >= d->hi) return 0;
        double qlo, qhi;
        truncation_tails(d, &qlo, &qhi);
        double q = qlo > qhi ? (tail(d, x) - qhi) / (qlo - qhi) : 0;
        return q < 0 ? 0 : q > 1 ? 1 : q;
    }
    }
}

/* S(used) of a clock, used in ticks: one duration (cap, in ticks) runs while more than
 * DM_ROUND_EPS tick of it is left, as a buffer always has. */
static double clock_survival(const dm_engine *e, const group_rule *gr, double cap, double used)
{
    if (!gr->facilities) return cap - used > DM_ROUND_EPS;
    const dm_dist *d = gr->facilities;
    double x = used * (double)e->sc->tick_s;
    return d->kind == DM_DIST_UNIFORM ? uniform_survival(d, x) : survival(d, x);
}

static double clock_bottom(const buffer_state *b, int i) { return i ? b->clock[i - 1].top : 0; }

/* Cut clock i's time x ticks after the state's tick: it runs unless resupply holds it, and
 * with `resupply_after` (after ticks, else 0) the resupply holds a clock only once it has
 * run that long, so a held clock runs on to `after` and stops there. */
static inline double clock_used(const buffer_state *b, int i, double x, double after)
{
    double used = b->clock[i].used, to = used + x;
    if (!b->held) return to;
    return used >= after ? used : to < after ? to : after;
}

/* Backup share of the cut clocks (the covered share of the node's facilities) x ticks
 * after the state's tick, every one of them running (so also any state at x = 0). */
static double running_covered(const dm_engine *e, const group_rule *gr, double cap, const buffer_state *b, double x)
{
    double c = 0;
    for (int i = 0; i < b->n && b->clock[i].top <= b->cut; i++)
        c += (b->clock[i].top - clock_bottom(b, i)) * clock_survival(e, gr, cap, b->clock[i].used + x);
    return gr->backup_share * c;
}

/* The same while a resupply that arrives `after` ticks into each clock holds them
 * (resupply_after): each runs on to `after` and stops there (clock_used). */
static __attribute__((noinline)) double delayed_covered(const dm_engine *e, const group_rule *gr, double cap,
                                                        const buffer_state *b, double x, double after)
{
    double c = 0;
    for (int i = 0; i < b->n && b->clock[i].top <= b->cut; i++)
        c += (b->clock[i].top - clock_bottom(b, i)) * clock_survival(e, gr, cap, clock_used(b, i, x, after));
    return gr->backup_share * c;
}

/* The covered share x ticks on, as the clocks run: held ones with resupply_after stop at
 * `after` (delayed_covered); without it every clock this is called for runs. */
static inline double covered_at(const dm_engine *e, const group_rule *gr, double cap, const buffer_state *b, double x,
                                double after)
{
    return after > 0 && b->held ? delayed_covered(e, gr, cap, b, x, after) : running_covered(e, gr, cap, b, x);
}

/* Group g's `resupply_after` drawn for this replicate (ticks), 0 without one. Read where it
 * is needed rather than kept in a variable: buffer_covered's loops are tight on registers. */
static inline double resupply_after(const dm_engine *e, size_t g)
{
    return e->rule.buf_after ? e->rule.buf_after[g] : 0;
}

/* Whether resupply holds every cut clock of state s that still runs: its providers are up
 * (s->held) and each such clock has run `after` ticks (resupply_after), or runs out first
 * (cap <= after: it is never held). With after 0, s->held. */
static int clocks_held(const buffer_state *s, double cap, double after)
{
    if (!s->held) return 0;
    for (int i = 0; i < s->n && s->clock[i].top <= s->cut; i++)
        if (s->clock[i].used < after && s->clock[i].used < cap) return 0;
    return 1;
}

/* Whether S(x) as computed by survival() never rises with x in floating point, so that the
 * covered share's fall x ticks on (c0 - covered_at) never falls: then the first tick it
 * reaches a drop is the only tick where it crosses it, and any search that brackets it
 * finds the same tick as a bisection from [0, horizon]. Each operation of survival()
 * rounds monotonically (IEEE 754), so a constant, a uniform's (b - x) / (b - a) and a
 * table's piece, 1 - (f0 + r (f1 - f0)) with r = (x - x0) / (x1 - x0) rounded and so in
 * [0, 1], never rise within a piece. Between pieces they may: a piece's least value, at
 * r = 1, is 1 - (f0 + (f1 - f0)) rounded, which can be an ulp below 1 - f1 where the next
 * piece starts (or below the 0 after the last point), so a table is checked piece by piece.
 * The sum over the clocks (widths >= 0, times backup_share >= 0) keeps the order. Other
 * kinds (GSL's tails, a choice) are searched by bisection, as always. */
static int monotone_survival(const dm_dist *d)
{
    switch (d->kind) {
    case DM_DIST_FIXED: case DM_DIST_UNIFORM: return 1;
    case DM_DIST_TABLE: {  /* piece i ends at table_piece(x1, ...) = 1 - (f0 + (f1 - f0)): r = 1 */
        size_t n = d->nchoices;
        double x0 = 0, f0 = 0;
        for (size_t i = 0; i < n; i++) {
            double x1 = d->values[i], f1 = d->weights[i], end = 1 - (f0 + (f1 - f0));
            if (!(x1 >= x0 && f1 >= f0) || (x1 > x0 && end < (i + 1 < n ? 1 - f1 : 0))) return 0;
            x0 = x1;
            f0 = f1;
        }
        return 1;
    }
    default: return 0;
    }
}

/* The x (seconds) at which S(x) falls to q, by the inverse of survival() for the kinds
 * monotone_survival accepts; NAN for the others. Only a first guess, checked by its caller. */
static double survival_inverse(const dm_dist *d, double q)
{
    switch (d->kind) {
    case DM_DIST_FIXED: return d->a;
    case DM_DIST_UNIFORM: return q >= 1 ? d->a : q <= 0 ? d->b : d->b - q * (d->b - d->a);
    case DM_DIST_TABLE: {  /* F(x) = 1 - q on the piece where F first reaches it */
        double p = 1 - q, x0 = 0, f0 = 0;
        if (p <= 0) return 0;
        for (size_t i = 0; i < d->nchoices; i++) {
            double x1 = d->values[i], f1 = d->weights[i];
            if (f1 >= p) return f1 > f0 ? x0 + (p - f0) / (f1 - f0) * (x1 - x0) : x0;
            x0 = x1;
            f0 = f1;
        }
        return x0;
    }
    default: return NAN;
    }
}

/* Whether the covered share of state b never rises as its clocks run: S monotone (the
 * group's `monotone`, set from monotone_survival by dmi_rule_compile), every
 * cut clock's width and the backup share non-negative (then each term of covered_at, and
 * their sum in a fixed order, rounds monotonically; clock_used never falls with x). */
static int monotone_covered(const group_rule *gr, const buffer_state *b)
{
    if (!gr->monotone || !(gr->backup_share >= 0)) return 0;
    for (int i = 0; i < b->n && b->clock[i].top <= b->cut; i++)
        if (!(b->clock[i].top - clock_bottom(b, i) >= 0)) return 0;
    return 1;
}

/* A first guess, in [1, horizon], for the tick at which the covered share falls to
 * `target`: with one cut clock (almost every call), S inverted at target / (its width x
 * backup_share), as if it ran (a held clock's fall is found by the check); 0 otherwise. */
static int64_t fall_guess(const dm_engine *e, const group_rule *gr, const buffer_state *b, double target,
                          int64_t horizon)
{
    int one = -1;
    for (int i = 0; i < b->n && b->clock[i].top <= b->cut; i++) {
        if (one >= 0) return 0;
        one = i;
    }
    if (one < 0) return 0;
    double width = gr->backup_share * (b->clock[one].top - clock_bottom(b, one));
    if (!(width > 0)) return 0;
    double x = survival_inverse(gr->facilities, target / width) / (double)e->sc->tick_s - b->clock[one].used;
    if (isnan(x)) return 0;
    if (x < 1) return 1;
    if (x >= (double)horizon) return horizon;
    return ceil_ticks(x);
}

/* With `resupply_after` (after > 0, b->held), a tick in [1, hi] from which every cut clock
 * has stopped at `after` (clock_used returns after, or a clock's own time when it had run
 * that long already), so that the covered share is from there on the same number; else hi.
 * Checked in floating point: used + k >= after holds for every tick from k on. */
static int64_t clocks_stopped_by(const buffer_state *b, double after, int64_t hi)
{
    int64_t last = 1;
    for (int i = 0; i < b->n && b->clock[i].top <= b->cut; i++) {
        double used = b->clock[i].used, x = after - used;
        if (used >= after) continue;
        if (!(x < (double)hi)) return hi;
        int64_t k = (int64_t)x + 1;  /* past after - used, whichever way it rounded */
        if (!(used + (double)k >= after)) return hi;
        if (k > last) last = k;
    }
    return last < hi ? last : hi;
}

/* The tick after t (before the horizon) at which the running clocks' covered share has
 * fallen by `drop`, or INT64_MAX: covered shares only fall while clocks run, so a
 * bisection over whole ticks finds the first tick it has fallen by that much; the tick
 * before it, when that one has fallen by more than `limit` (>= drop), so that a step never
 * exceeds it (a single tick's fall can: one duration's, or a steep distribution's).
 * This runs about 140 times per replicate of the default scenario, so with a monotone
 * covered share (monotone_covered: the tick is then unique, any bracket gives it) it
 * starts from fall_guess's tick k and the one next to it: f(k - 1) < drop <= f(k) is the
 * answer in 2 evaluations; otherwise they narrow the bracket. Held clocks stop the search
 * where they stop (clocks_stopped_by). c0 is the covered share now, covered_at(.., 0, ..),
 * which buffer_covered has just summed: every clock at x = 0 is at its own time (a held
 * one too), so the caller's sum over the cut clocks in order is the same number. */
static int64_t when_covered_falls(const dm_engine *e, const group_rule *gr, double cap, const buffer_state *b,
                                  int64_t t, double c0, double drop, double limit, double after)
{
    int64_t lo = 0, hi = e->res.horizon - t;  /* fall(lo) = flo < drop <= fall(hi) = fhi */
    if (hi < 1) return INT64_MAX;
    double flo = 0, fhi = 0;
    int hi_known = 0, kind = gr->facilities->kind, monotone = monotone_covered(gr, b);
    /* held clocks that have all stopped by tick s fall no further after it: f(horizon) =
     * f(s), the same computation, and with a monotone fall the first tick is at most s */
    if (monotone && after > 0 && b->held) hi = clocks_stopped_by(b, after, hi);
    int64_t k = monotone ? fall_guess(e, gr, b, c0 - drop, hi) : 0;
    if (k > 0) {
        double f = c0 - covered_at(e, gr, cap, b, (double)k, after);
        if (f >= drop) {
            hi = k;
            fhi = f;
            hi_known = 1;
            k--;
        } else {
            if (k == hi) return INT64_MAX;  /* monotone: fall(horizon) < drop */
            lo = k;
            flo = f;
            k++;
        }
        if (k > lo && k < hi) {
            f = c0 - covered_at(e, gr, cap, b, (double)k, after);
            if (f >= drop) { hi = k; fhi = f; hi_known = 1; } else { lo = k; flo = f; }
        }
    }
    if (!hi_known) {
        fhi = c0 - covered_at(e, gr, cap, b, (double)hi, after);
        if (fhi < drop) return INT64_MAX;
    }
    /* With a monotone S the first tick is unique, so any bracket that holds it gives it:
     * c is piecewise linear in x there, so interpolate, then try the tick before the one
     * found (every fourth round bisects, to bound the rounds). Otherwise: bisection. A
     * fixed value or a uniform always had this search, a table when monotone_covered. */
    monotone = kind == DM_DIST_FIXED || kind == DM_DIST_UNIFORM || (kind == DM_DIST_TABLE && monotone);
    for (int round = 0; hi - lo > 1; round++) {
        int64_t mid = lo + (hi - lo) / 2;
        if (monotone && round % 4 != 3) {
            double x = (double)lo + (drop - flo) / (fhi - flo) * (double)(hi - lo);
            mid = x < (double)(lo + 1) ? lo + 1 : x > (double)(hi - 1) ? hi - 1 : ceil_ticks(x);
        }
        double f = c0 - covered_at(e, gr, cap, b, (double)mid, after);
        if (f < drop) { lo = mid; flo = f; continue; }
        hi = mid;
        fhi = f;
        if (monotone && hi - lo > 1) {
            f = c0 - covered_at(e, gr, cap, b, (double)(hi - 1), after);
            if (f >= drop) { hi--; fhi = f; } else { lo = hi - 1; flo = f; }
        }
    }
    if (lo > 0 && fhi > limit) return t + lo;
    return t + hi;
}

#ifdef DM_CHECK_FALLS

/* A build with -DDM_CHECK_FALLS (docs/performance.md, session 9) checks every search with a
 * monotone covered share against the definition, tick by tick to the horizon: the fall
 * never falls (so the tick is unique and the bisection of earlier sessions found it too),
 * and the tick returned is the first that reaches drop (or the one before, over limit). */
static int64_t checked_covered_falls(const dm_engine *e, const group_rule *gr, double cap, const buffer_state *b,
                                     int64_t t, double c, double drop, double limit, double after)
{
    int64_t got = when_covered_falls(e, gr, cap, b, t, c, drop, limit, after), want = INT64_MAX;
    double c0 = covered_at(e, gr, cap, b, 0, after), prev = 0;
    if (!same_bits(c, c0)) {
        fprintf(stderr, "DM_CHECK_FALLS: tick %lld, covered share %.17g passed, %.17g now\n", (long long)t, c, c0);
        abort();
    }
    if (!monotone_covered(gr, b)) return got;
    for (int64_t x = 1; x <= e->res.horizon - t; x++) {
        double f = c0 - covered_at(e, gr, cap, b, (double)x, after);
        if (f < prev) {
            fprintf(stderr, "DM_CHECK_FALLS: the fall goes back at tick %lld + %lld\n", (long long)t, (long long)x);
            abort();
        }
        prev = f;
        if (want == INT64_MAX && f >= drop) want = x > 1 && f > limit ? t + x - 1 : t + x;
    }
    if (got != want) {
        fprintf(stderr, "DM_CHECK_FALLS: tick %lld, want %lld, got %lld\n", (long long)t, (long long)want, (long long)got);
        abort();
    }
    return got;
}
#define when_covered_falls checked_covered_falls
#endif

/* Clock i of state b run on by dt ticks, to the next state's tick: a cut clock runs up to
 * the duration (cap) unless resupply holds it (b->held), and with `resupply_after` (after
 * ticks, else 0) a held one still runs on to `after` and stops there; a reconnected clock
 * runs back by run_back (refill x dt). Computed from b where it is needed (the new cut, the
 * restart queue), so the clocks are not first copied to the next state. */
static inline double clock_ran(const buffer_state *b, int i, double dt, double cap, double run_back, double after)
{
    double used = b->clock[i].used;
    if (b->clock[i].top > b->cut) return used - run_back > 0 ? used - run_back : 0;
    if (!b->held) return used + dt < cap ? used + dt : cap;
    if (used >= after) return used;
    double to = used + dt < after ? used + dt : after;
    return to < cap ? to : cap;
}

/* `restart_rate`: the facilities reconnected at tick t (the cut clocks above the new cut u)
 * whose backup had run out, or the `restart_share` of them that needs a visit (the others
 * restart by themselves), join those waiting for a visit (base stations whose batteries
 * ran flat: docs/model-format.md). Crews work through them at restart_rate, a share of the
 * node's facilities per tick, for as long as some wait (a queue with a constant rate:
 * since wait_t they have restarted restart_rate x (t - wait_t), whoever joined since).
 * The level follows the visits in steps of 1 % of the node's capacity (w x waiting), at
 * wait_next; between steps the waiting share holds, so small changes of the node's other
 * inputs do not move it. A deeper cut takes the waiting ones in proportion to all the
 * reconnected ones it cuts again (they run on the clock of those). Writes nb's waiting
 * state and returns the share waiting; b's clocks run on by dt (clock_ran). */
static double restart_waiting(const dm_engine *e, const group_rule *gr, const buffer_state *b, buffer_state *nb,
                              double cap, double u, int64_t t, double dt, double after)
{
    double waiting = b->waiting;
    int64_t since = b->wait_t;
    if (waiting > 0 && t >= b->wait_next) {
        waiting -= gr->restart_rate * (double)(t - since);
        since = t;
        if (waiting < DM_LEVEL_EPS) waiting = 0;
    }
    if (u > b->cut) waiting *= (1 - u) / (1 - b->cut);
    if (!(waiting > 0)) since = t;  /* the crews start when the first facility waits */
    for (int i = 0; i < b->n && b->clock[i].top <= b->cut; i++) {
        double bottom = clock_bottom(b, i), width = b->clock[i].top - (bottom > u ? bottom : u);
        if (width > 0)
            waiting += width * gr->backup_share * (1 - clock_survival(e, gr, cap, clock_ran(b, i, dt, cap, 0, after))) *
                       gr->restart_share;
    }
    nb->waiting = waiting;
    nb->wait_t = since;
    if (waiting > 0 && (t >= b->wait_next || b->waiting <= 0)) {
        /* the next step: 1 % of capacity (w x waiting) restarted, or all of them */
        double step = 0.01 / gr->strength;
        if (step > waiting) step = waiting;
        int64_t ticks = (int64_t)ceil(step / gr->restart_rate - 1e-9);
        nb->wait_next = t + (ticks > 0 ? ticks : 1);
    } else {
        nb->wait_next = b->wait_next;
    }
    return waiting;
}

/* Whether every resupply provider of the group is at or above its level. */
static inline int resupplied(const dm_engine *e, const group_rule *gr)
{
    int held = gr->nresupply > 0;
    for (size_t i = 0; i < (size_t)gr->nresupply; i++)
        held &= e->edge[gr->resupply_edge + i].seen >= gr->resupply_level - DM_LEVEL_EPS;
    return held;
}

/* With the resupply providers up: whether the resupply holds every running cut clock of nb
 * (clocks_held); if not, a wake at the tick the last of them has run `after`, when the log
 * says the backup is resupplied (clocks that run out first, cap <= after, never are). */
static __attribute__((noinline)) int delayed_holding(const dm_engine *e, size_t g, const buffer_state *nb,
                                                     double cap, int64_t t, int64_t *wake)
{
    double after = resupply_after(e, g), wait = 0;
    if (clocks_held(nb, cap, after)) return 1;
    for (int i = 0; i < nb->n && nb->clock[i].top <= nb->cut; i++)
        if (nb->clock[i].used < after && cap > after && after - nb->clock[i].used > wait) wait = after - nb->clock[i].used;
    int64_t arrives = wait > 0 ? t + (int64_t)ceil(wait - DM_ROUND_EPS) : INT64_MAX;
    if (arrives < *wake) *wake = arrives;
    return 0;
}

/* Group g's buffer at tick t with supply sigma: writes the buffer's next state to
 * buf_next[g] (and the tick its covered share next moves to *wake) and returns the covered
 * share of the node's facilities (0 .. 1 - sigma), less the reconnected ones waiting for
 * their restart (`restart_rate`). */
static double buffer_covered(dm_engine *e, const group_rule *gr, size_t g, double sigma, int64_t t, int64_t *wake)
{
    const buffer_state *b = e->rule.buf[g];
    buffer_state *nb = e->rule.buf_next[g];
    const double cap = e->rule.buf_cap[g], dt = (double)(t - b->t0);
    double u = sigma >= 1 - DM_LEVEL_EPS ? 0 : 1 - sigma;

    int held = resupplied(e, gr);

    /* Of b only the clocks and the restart queue carry over: everything else of nb is
     * written below and in buffer_recompute. The clocks from t0 to t: cut ones ran unless
     * held, reconnected ones ran back (clock_ran, read from b by the pass below). */
    const double run_back = gr->refill * dt, after = resupply_after(e, g);
    int n = b->n;
    nb->same = 0;
    /* was_held: the resupply held every running cut clock of b (with resupply_after, only
     * those that had run that long: clocks_held) */
    int was_held = b->held && e->rule.buf_after ? clocks_held(b, cap, after) : b->held;
    double waiting = gr->restart_rate > 0 ? restart_waiting(e, gr, b, nb, cap, u, t, dt, after) : 0;
    if (waiting > 0 && nb->wait_next < *wake) *wake = nb->wait_next;
    /* The new cut [0, u), u = 1 - sigma, in one pass over the clocks in order (at most one
     * more clock out than in):
     * - a clock below u stays cut; a clock that u falls inside is split into a cut part
     *   [bottom, u) and a reconnected part, both keeping its time; past the last clock
     *   (a deeper cut) the facilities start a clock of their own, with full backups;
     * - reconnected facilities keep one clock, the width-weighted mean of theirs (their
     *   backups matter again only if they are cut again, and a recovery's ramp would
     *   otherwise leave a clock per step to follow), dropped once their backups are full
     *   again (like those past the last clock). */
    int ncut = 0, added = 0, nup = 0;
    double bottom = 0, up_bottom = 0, up_top = 0, up_used = 0, up_sum = 0;
    for (int i = 0; i < n; i++) {
        double top = b->clock[i].top, used = clock_ran(b, i, dt, cap, run_back, after);
        if (top <= u) {
            nb->clock[ncut].top = top;
            nb->clock[ncut++].used = used;
        } else {
            double from = bottom;
            if (u > bottom && u != b->cut) {  /* u inside: the cut part, then the rest reconnected
                                                (u == b->cut is a clock's top: no split) */
                nb->clock[ncut].top = u;
                nb->clock[ncut++].used = used;
                added = 1;
                from = u;
            }
            if (!nup++) up_bottom = from;
            up_sum += (top - from) * used;
            up_top = top;
            up_used = used;
        }
        bottom = top;
    }
    if (u > bottom) {
        nb->clock[ncut].top = u;
        nb->clock[ncut++].used = 0;
        added = 1;
    }
    if (nup > 1) up_used = up_sum / (up_top - up_bottom);
    n = ncut;
    if (nup && up_used > 0) {
        nb->clock[n].top = up_top;
        nb->clock[n++].used = up_used;
    }
    /* Tidy: when a clock was added, cut neighbours with equal clocks are one clock, and past
     * DM_BUFFER_CLOCKS the two closest cut neighbours merge (width-weighted). */
    while (added) {
        int best = -1;
        double gap = INFINITY;
        for (int i = 0; i + 1 < ncut; i++) {
            double d = fabs(nb->clock[i].used - nb->clock[i + 1].used);
            if (d < gap) { gap = d; best = i; }
        }
        if (best < 0 || (gap > 0 && n <= DM_BUFFER_CLOCKS)) break;
        double w0 = nb->clock[best].top - clock_bottom(nb, best), w1 = nb->clock[best + 1].top - nb->clock[best].top;
        if (gap > 0) nb->clock[best + 1].used = (w0 * nb->clock[best].used + w1 * nb->clock[best + 1].used) / (w0 + w1);
        for (int j = best; j + 1 < n; j++) nb->clock[j] = nb->clock[j + 1];
        n--;
        ncut--;
    }

    /* Resupply (held, above): while every resupply provider is at or above its level, the
     * cut clocks stand still (generator fuel delivered by 石油 and 物流); with
     * `resupply_after`, each once it has run that long (delayed_holding: until every running
     * one has, `held` is 0 below, with a wake at the tick the last of them gets there). */
    nb->t0 = t;
    nb->cut = u;
    nb->n = (unsigned char)n;
    nb->held = (unsigned char)held;
    /* from here on `held`: the resupply holds every running cut clock (nb->held: its
     * providers are up) */
    if (held && e->rule.buf_after) held = delayed_holding(e, g, nb, cap, t, wake);
    /* One duration: a cut clock runs while more than DM_ROUND_EPS tick is left (clock_survival);
     * `first_left`, the least left of the running ones, ends the first (the tick rounded
     * up is monotone in it, so its tick is the earliest of theirs). */
    double covered = 0, first_left = INFINITY;
    int all_run = 1, any_run = 0;
    if (gr->facilities) {
        for (int i = 0; i < ncut; i++)
            covered += (nb->clock[i].top - clock_bottom(nb, i)) * clock_survival(e, gr, cap, nb->clock[i].used);
    } else {
        for (int i = 0; i < ncut; i++) {
            double left = cap - nb->clock[i].used;
            /* the running clocks' widths added: one that has run out used to add its width
             * x 0, a zero, which changes no sum that starts at +0 (such a sum is never -0) */
            if (left > DM_ROUND_EPS) {
                covered += nb->clock[i].top - clock_bottom(nb, i);
                any_run = 1;
                if (left < first_left) first_left = left;
            } else {
                all_run = 0;
            }
        }
    }
    covered *= gr->backup_share;
    nb->covered = covered;
    int covering = covered > 0;
    nb->covering = (unsigned char)covering;

    /* When the covered share next moves: one duration runs out all at once, at the end of
     * the first running clock; a distribution is followed in steps of at most 1 % of the
     * node's capacity (w_g x the covered share) and at most half of what still runs. */
    nb->exhaust = INT64_MAX;
    nb->all_cover = 0;
    if (covering && !gr->facilities) {
        nb->all_cover = (unsigned char)all_run;
        if (!held && any_run) nb->exhaust = t + ceil_ticks(first_left - DM_ROUND_EPS);
        if (nb->exhaust < *wake) *wake = nb->exhaust;
    }
    if (covering && !held && gr->facilities && gr->strength * covered > DM_LEVEL_EPS) {
        /* The next step: where the group's loss w_g [(1 - sigma_g) - covered_g] reaches the
         * next whole percent of the node's capacity, so that a threshold at a whole percent
         * is crossed when the true loss crosses it (a step of a full percent from any loss
         * would cross it up to a percent late: a 20 % cut with 2 % of the facilities
         * without backup would show 1 % lost only when another whole percent had run out);
         * or, when that is less than half a percent away, a whole percent on, so that the
         * ramp of a provider, whose every step changes sigma, does not bring a small step
         * after each of its own. Steps are 0.5-1 % of the node's capacity (DESIGN.md: at
         * most 1 %). */
        double loss = gr->strength * ((1.0 - sigma) - (covered - waiting));
        double step = (floor(loss / DM_FACILITY_STEP + 1e-6) + 1) * DM_FACILITY_STEP - loss;
        if (step < DM_FACILITY_STEP / 2) step = DM_FACILITY_STEP;
        double drop = step / gr->strength, half = covered / 2;  /* covered: the running clocks' share now */
        double limit = DM_FACILITY_STEP / gr->strength;
        if (half < drop) drop = limit = half;
        int64_t out = when_covered_falls(e, gr, cap, nb, t, covered, drop, limit, resupply_after(e, g));
        if (out < *wake) *wake = out;
    }
    /* The events for the log, with the backup left: one duration's, of the first clock to
     * run out; with a distribution, until half of the backups running now have run out. */
    nb->flags = 0;
    if (covering && !b->covering) nb->flags |= GF_ENGAGED;
    if (covering && held && !(b->covering && was_held)) nb->flags |= GF_HELD;
    if (covering && !nb->held && b->covering && was_held) nb->flags |= GF_DRAINING;
    if (!covering && b->covering && u > 0) nb->flags |= GF_EXHAUSTED;
    nb->left = b->left;
    if (nb->flags) {
        nb->left = 0;
        if (covering && !gr->facilities) {
            nb->left = first_left;
        } else if (covering) {
            nb->held = 0;  /* as if the clocks ran */
            double c = covered / 2;
            int64_t half = when_covered_falls(e, gr, cap, nb, t, covered, c, c, resupply_after(e, g));
            nb->held = (unsigned char)held;
            nb->left = half == INT64_MAX ? (double)(e->res.horizon - t) : (double)(half - t);
        }
    }
    return covered - waiting;
}

/* Group g recomputed at tick t from its inputs, into buf_next[g]: its buffer's clocks
 * (buffer_covered), its loss w_g [(1 - sigma_g) - covered_g], its limiting provider and
 * the tick its covered share next moves. Until an input changes or that tick comes, these
 * are the group's: evaluations of the node for its other inputs read them (cached in
 * dmi_node_evaluate), so a covered share moves only at the steps buffer_covered schedules,
 * not whenever something else makes the node re-evaluate. */
/* Not inlined: dmi_rule_delivered's early returns then skip the registers it needs. */
static __attribute__((noinline)) void buffer_recompute(dm_engine *e, const group_rule *gr, size_t g, int64_t t)
{
    buffer_state *nb = e->rule.buf_next[g];
    int limiting;
    double sigma = supply(e, g, &limiting);
    int64_t wake = INT64_MAX;
    double covered = buffer_covered(e, gr, g, sigma, t, &wake);
    double loss = gr->strength * ((1.0 - sigma) - covered);
    nb->loss = loss < 0 ? 0 : loss;
    nb->limiting = limiting;
    nb->wake = wake;
    nb->input = e->rule.buf_input[g];
}

/* Whether group g's committed state still holds at tick t: no input changed since it was
 * computed and its covered share does not move yet. */
static inline int buffer_current(const dm_engine *e, size_t g, int64_t t)
{
    const buffer_state *b = e->rule.buf[g];
    return b->input == e->rule.buf_input[g] && t < b->wake;
}

/* Whether buf_next[g] is what buffer_recompute would find now: the delivery check computed
 * it at this tick from the committed state and the inputs as they are (no delivery to the
 * group since, and not committed: `same` is set when it is). Then the evaluation that the
 * check asked for reads it instead of computing it a second time. */
static inline int buffer_found_now(const dm_engine *e, size_t g, int64_t t)
{
    const buffer_state *nb = e->rule.buf_next[g];
    return !nb->same && nb->t0 == t && nb->input == e->rule.buf_input[g];
}

/* Group g gets its first input of the replicate: from here on its state moves, and the
 * next reset restores it. */
static inline void buffer_touch(dm_engine *e, size_t g)
{
    if (e->rule.buf_touched[g]) return;
    e->rule.buf_touched[g] = 1;
    e->rule.touched_group[e->rule.ntouched_groups++] = (int)g;
    e->rule.buf[g]->left = e->rule.buf_cap[g];
}

/* Whether step node v holds its level through tick t because it is rising: it waits for
 * its restart, or ramps and has reached its current block; nothing of it is due at t (its
 * wake, the restart's end or the next block, comes later). Evaluated at t with its target
 * still above its level, it would keep its level and its whole dynamics state. */
static inline int rise_holds(const dm_engine *e, int v, const node_rule *node, int64_t t)
{
    return e->rule.dyn_tick[v] >= 0 && node->layer_run < 0 && e->pending_wake[v] > t &&
           (t < e->rule.dyn_tick[v] + e->rule.rise_restart[v] || e->rule.restarted[v]);
}

/* Whether a delivery to group g, the only group of step node v (no node has two: rule.in is
 * not kept), leaves v as its evaluation would: v is down (level 0, not rising, no wake due),
 * g has no buffer, and g's new alpha_g is within DM_LEVEL_EPS of 0. The one group's alpha_g
 * is in_v under every combining rule, so the target is in [0, alpha_g] (severities and
 * strengths are in [0, 1]): the drop branch keeps the level at 0 and the dynamics state as
 * they are, and the wake stays none. A layer node must also be non-viable already (a
 * target at most DM_LEVEL_EPS is non-viable; a change of viability goes to the
 * connectivity). This is a mutual partner's loss delivered back to a node already down,
 * most of a percolation cascade's deliveries. */
static inline int stays_down(const dm_engine *e, const group_rule *gr, size_t g, int v, const node_rule *node)
{
    if (e->level[v] != 0 || gr->has_buffer || node->dynamics != DM_DYN_STEP || e->rule.dyn_tick[v] >= 0 ||
        e->pending_wake[v] >= 0 || (node->layer_run >= 0 && (e->conn.state[v] & CONN_VIABLE)))
        return 0;
    int limiting;
    double loss = gr->strength * (1.0 - supply(e, g, &limiting));
    double alpha = 1.0 - (loss < 0 ? 0 : loss);
    return alpha <= DM_LEVEL_EPS && alpha >= 0;
}

/* A delivery to group g of node v (declared in engine_internal.h), for a node with step
 * dynamics and the min rule (relax nodes move every tick: always evaluated). The node's
 * input sufficiency in_v = min_g alpha_g sets its target, and the delivery changes only
 * alpha_g. Two cases leave the node as an evaluation would leave it:
 * - g is not the group that set in_v (bind) and its new alpha_g is not below in_v: in_v
 *   and the target are the same bits. A drop is done, and a rise moves only at its
 *   restart's end and its ramp's blocks, for which the node has a wake.
 * - the node is rising and holds its level (rise_holds), and the new alpha_g is above the
 *   level (and not below the collapse threshold): its target stays above its level, so it
 *   keeps rising as it was; only in_v would change, and it is not needed while the node
 *   rises (this rule decides by the level then; the evaluation that ends the rise finds
 *   in_v again).
 * Then only the group moves: a buffered group's new state is committed now, unless it
 * raised events (they are logged when the node is applied, so the node is evaluated and
 * recomputes it the same way), and the node is woken when that group next moves.
 * In a model whose nodes have one group at most (no in_v kept), the one case is a node that
 * stays down (stays_down), for any combining rule. */
int dmi_rule_delivered(dm_engine *e, size_t g, int v, int64_t t, int evaluating, int64_t *wake)
{
    const group_rule *gr = group_rule_of(e, g);
    *wake = INT64_MAX;
    if (gr->has_buffer) {
        buffer_touch(e, g);
        e->rule.buf_input[g]++;
    }
    const node_rule *node = node_rule_of(e, v);
    if (evaluating) return 1;
    if (!e->rule.in) return !stays_down(e, gr, g, v, node);
    if (node->dynamics != DM_DYN_STEP || node->rule != DM_RULE_MIN) return 1;
    int rising = rise_holds(e, v, node, t);
    if (!rising && e->rule.bind[v] == (int)g) return 1;
    double loss;
    if (gr->has_buffer) {
        buffer_recompute(e, gr, g, t);
        if (e->rule.buf_next[g]->flags) return 1;
        loss = e->rule.buf_next[g]->loss;
    } else {
        int limiting;
        loss = gr->strength * (1.0 - supply(e, g, &limiting));
        if (loss < 0) loss = 0;
    }
    double alpha = 1.0 - loss;
    if (rising ? !(alpha > e->level[v] + DM_LEVEL_EPS && alpha >= node->collapse - DM_LEVEL_EPS) : alpha < e->rule.in[v])
        return 1;
    if (gr->has_buffer) {
        buffer_commit(&e->rule, g);
        *wake = e->rule.buf[g]->wake;
    }
    return 0;
}

/* Node v woken at tick t (declared in engine_internal.h): a step node with the min rule
 * that is not rising is woken only for its buffered groups' moves (a drop is done). The
 * groups due move; when none of them is the group that set in_v, none raised events and
 * each new alpha_g is not below in_v, the node is as an evaluation would leave it (the
 * first case of dmi_rule_delivered), and *wake is when a group of it next moves. A group
 * moved before another turned out to need the evaluation is committed: the evaluation
 * finds it current and reads it. */
int dmi_rule_woken(dm_engine *e, int v, int64_t t, int evaluating, int64_t *wake)
{
    const node_rule *node = node_rule_of(e, v);
    *wake = INT64_MAX;
    if (evaluating || !e->rule.buf || !e->rule.in || node->dynamics != DM_DYN_STEP || node->rule != DM_RULE_MIN ||
        node->layer_run >= 0 || e->rule.dyn_tick[v] >= 0)
        return 1;
    for (size_t k = e->group_start[v]; k < e->group_start[v + 1]; k++) {
        size_t g = (size_t)e->group_of[k];
        if (!e->group_link[g].has_buffer) continue;
        if (!buffer_current(e, g, t)) {
            if (e->rule.bind[v] == (int)g) return 1;
            buffer_recompute(e, group_rule_of(e, g), g, t);
            if (e->rule.buf_next[g]->flags || 1.0 - e->rule.buf_next[g]->loss < e->rule.in[v]) return 1;
            buffer_commit(&e->rule, g);
        }
        if (e->rule.buf[g]->wake < *wake) *wake = e->rule.buf[g]->wake;
    }
    return 0;
}

/* Damage of v: the largest among the hazards active on it, each its severity on v times
 * the share of the hit capacity its restoration curve has not yet given back. */
void dmi_node_damage(dm_engine *e, int v)
{
    double d = 0;
    int which = -1;
    for (size_t k = e->haz_start[v]; k < e->haz_start[v + 1]; k++) {
        int p = e->haz_of[k], h = e->pair_hazard[p];
        double dh = e->haz.pair_severity[p] * (1.0 - e->haz.restored[h]);
        if (e->haz.active[h] && e->haz.hit[p] && dh > d) {
            d = dh;
            which = h;
        }
    }
    e->rule.damage[v] = d;
    e->rule.damage_hazard[v] = which;
}

/* Resilience coefficient of relax nodes given a recovery time (Lian & Haimes 2006):
 *   k_i = ln(q_i(0) / q_i(T_i)) / (T_i (1 - a*_ii)),
 * T_i in ticks, q(T)/q(0) = recovery_to, a*_ii the node's dependence on itself (strength x
 * share of its own level in its groups). The nodes of a layer share one k, so they must
 * agree. */
int dmi_node_compile_relax(dm_engine *e, dm_error *err)
{
    const dm_model *m = e->m;
    for (size_t v = 0; v < e->n; v++) {
        node_rule *nr = &e->node[e->node_rec[v]];
        const dm_node *nd = dm_node_at(m, v);
        if (nd->dynamics != DM_DYN_RELAX || nd->recovery_s <= 0) continue;
        double a_ii = 0;
        for (size_t k = e->group_start[v]; k < e->group_start[v + 1]; k++) {
            int g = e->group_of[k];
            for (size_t i = e->g_edge[g]; i < e->g_edge[g + 1]; i++)
                if (e->edge[i].from == (int)v) a_ii += group_rule_of(e, (size_t)g)->strength * e->edge[i].share;
        }
        double T = (double)to_ticks((double)nd->recovery_s, e->sc->tick_s);
        double k = log(1.0 / nd->recovery_to) / (T * (1.0 - a_ii));
        char id[DM_NODE_ID_MAX];
        if (!(a_ii < 1) || !(k > 0 && k <= 1))
            return dm_error_set(err, DM_EDATA, m->file, nd->line, 0,
                                "node %s: recovery %.0f ticks gives a resilience coefficient k = %g per tick "
                                "(a*_ii = %g); expected 0 < k <= 1: use a longer recovery or a shorter tick",
                                dm_node_id(m, v, id), T, k, a_ii);
        if (nr->relax_k_set && fabs(nr->relax_k - k) > DM_RELAX_K_REL * k)
            return dm_error_set(err, DM_EDATA, m->file, nd->line, 0,
                                "node %s: its dependence on itself (a*_ii = %g) differs from other nodes of its "
                                "layer, which share one recovery rate; give relax dynamics a fixed k instead",
                                dm_node_id(m, v, id), a_ii);
        nr->relax_k = k;
        nr->relax_k_set = 1;
    }
    return 0;
}

/* Group g's buffer with every backup full and every provider at 1 (no clocks: they are
 * unread); `left`, the duration, is set when the group is first touched (dmi_rule_delivered),
 * since a drawn one is drawn after this. */
static void buffer_full(dm_engine *e, size_t g)
{
    buffer_state *b = e->rule.buf[g];
    b->t0 = 0;
    b->exhaust = INT64_MAX;
    b->cut = b->covered = b->waiting = b->left = 0;
    b->wait_t = b->wait_next = 0;
    b->n = b->held = b->covering = b->flags = b->all_cover = 0;
    b->loss = 0;
    b->wake = INT64_MAX;
    b->limiting = (int)e->g_edge[g];
    b->input = e->rule.buf_input[g] = 0;
    e->rule.buf_next[g]->same = 1;
    e->rule.buf_moved[g] = 0;
}

/* A group's dm_group, NULL for those of a group set (sets have no buffers). */
static const dm_group *buffer_group(const dm_engine *e, size_t g)
{
    return g < e->m->ndefined_groups ? &e->m->groups[g] : NULL;
}

/* Whether drawing group g's duration and `resupply_after` takes numbers from the stream
 * (dmi_draw of a fixed value takes none). */
static int draws_buffer(const dm_group *gr)
{
    if (!gr || !gr->has_buffer) return 0;
    return (!gr->facilities && gr->buffer.kind != DM_DIST_FIXED) ||
           (gr->has_resupply_after && gr->resupply_after.kind != DM_DIST_FIXED);
}

/* Group g's duration and `resupply_after` for a replicate (ticks): drawn in this order, so
 * a model without `resupply_after` draws as before it existed. */
static void buffer_draw(dm_engine *e, size_t g)
{
    const dm_group *gr = buffer_group(e, g);
    double tick = (double)e->sc->tick_s;
    e->rule.buf_cap[g] = !gr || !gr->has_buffer ? 0 : gr->facilities ? dmi_longest_backup(&gr->buffer) / tick
                                                                     : dmi_draw(e->loop.rng, &gr->buffer) / tick;
    if (e->rule.buf_after)
        e->rule.buf_after[g] = gr && gr->has_buffer && gr->has_resupply_after ? dmi_draw(e->loop.rng, &gr->resupply_after) / tick : 0;
}

int dmi_rule_compile(dm_engine *e)
{
    size_t G = e->ngroups;
    rule_state *r = &e->rule;
    if (!(r->draw_group = malloc(G * sizeof *r->draw_group)) || !(r->buf_touched = calloc(G ? G : 1, 1)) ||
        !(r->touched_group = malloc(G * sizeof *r->touched_group)) || !(r->buf_moved = calloc(G ? G : 1, 1)))
        return -1;
    r->ndraw_groups = r->ntouched_groups = 0;
    /* whether each record's facilities never rise is a property of its distribution: found
     * once here, not at every search (when_covered_falls) */
    for (size_t k = 0; k < e->ngroup_recs; k++)
        e->group[k].monotone = e->group[k].facilities && monotone_survival(e->group[k].facilities);
    for (size_t g = 0; g < G; g++) {
        if (draws_buffer(buffer_group(e, g))) r->draw_group[r->ndraw_groups++] = (int)g;
        else buffer_draw(e, g);  /* takes nothing from the stream: the same every replicate */
        buffer_full(e, g);
    }
    return 0;
}

void dmi_rule_reset(dm_engine *e)
{
    for (size_t v = 0; v < e->n; v++) {
        e->rule.damage[v] = 0;
        e->rule.damage_hazard[v] = -1;
        e->rule.dyn_tick[v] = -1;
        e->rule.restarted[v] = 0;
    }
    for (size_t v = 0; e->rule.in && v < e->n; v++) {  /* as if evaluated with every input at 1 */
        e->rule.in[v] = 1;
        e->rule.bind[v] = -1;
    }
    /* Every backup full again: only the groups the last replicate touched moved. The
     * durations drawn each replicate are drawn in group order (dependency order). */
    for (size_t i = 0; e->rule.buf_cap && i < e->rule.ntouched_groups; i++) {
        size_t g = (size_t)e->rule.touched_group[i];
        e->rule.buf_touched[g] = 0;
        buffer_full(e, g);
    }
    e->rule.ntouched_groups = 0;
    for (size_t i = 0; e->rule.buf_cap && i < e->rule.ndraw_groups; i++) buffer_draw(e, (size_t)e->rule.draw_group[i]);
    const dm_scenario *sc = e->sc;
    for (size_t v = 0; e->rule.restart && v < e->n; v++) {
        const node_rule *nr = node_rule_of(e, (int)v);
        e->rule.restart[v] = nr->restart;
        e->rule.ramp[v] = nr->ramp;
        if (!nr->random_dynamics) continue;
        const dm_node *nd = dm_node_at(e->m, v);
        e->rule.restart[v] = to_ticks(dmi_draw(e->loop.rng, &nd->restart), sc->tick_s);
        e->rule.ramp[v] = to_ticks(dmi_draw(e->loop.rng, &nd->ramp), sc->tick_s);
    }
}

int dmi_node_commit(dm_engine *e, int v, size_t slot)
{
    const evaluation *ev = &e->loop.next[slot];
    int raised = 0;
    e->rule.dyn_tick[v] = ev->dyn_tick;
    e->rule.dyn_level[v] = ev->dyn_level;
    e->rule.rise_restart[v] = ev->rise_restart;
    e->rule.restarted[v] = ev->restarted;
    if (e->rule.in) {
        e->rule.in[v] = ev->in;
        e->rule.bind[v] = ev->bind;
    }
    /* The groups whose new state the evaluation found are marked buf_moved (their buf_next
     * is not `same`); without any, the loop would commit nothing. */
    if (!ev->buffers_moved) return 0;
    for (size_t k = e->group_start[v]; e->rule.buf && k < e->group_start[v + 1]; k++) {
        int g = e->group_of[k];
        if (!e->rule.buf_moved[g]) continue;
        e->rule.buf_moved[g] = 0;
        buffer_commit(&e->rule, (size_t)g);
        raised |= e->rule.buf[g]->flags;
    }
    return raised;
}

void dmi_node_evaluate(dm_engine *e, int v, size_t slot, int64_t t)
{
    const node_rule *node = node_rule_of(e, v);
    int64_t wake = INT64_MAX;
    double in, in_min = 1.0, in_product = 1.0, loss_sum = 0.0, worst = -1.0;
    int cause_edge = -1, cause_group = -1;
    unsigned char buffers_moved = 0;

    /* Availability of each requirement group and the node's combining rule. */
    int bind = -1;
    for (size_t k = e->group_start[v]; k < e->group_start[v + 1]; k++) {
        size_t g = (size_t)e->group_of[k];
        int limiting;
        double loss;
        if (e->group_link[g].has_buffer) {
            /* alpha_g = 1 - w_g [(1 - sigma_g) - covered_g]: the unsupplied facilities not
             * running on a backup (buffer_recompute), or as they were (buffer_current) */
            const buffer_state *b = e->rule.buf[g];
            if (buffer_current(e, g, t)) {
                /* nothing to commit: a next state computed since b (buffer_recompute, not
                 * committed) would mean an input changed or b's wake came, and b would not
                 * be current; so buf_next is b's predecessor, marked `same` by buffer_commit
                 * (or by the reset) */
                assert(e->rule.buf_next[g]->same);
            } else {
                if (!buffer_found_now(e, g, t)) buffer_recompute(e, group_rule_of(e, g), g, t);
                b = e->rule.buf_next[g];
                buffers_moved = 1;
                e->rule.buf_moved[g] = 1;  /* a byte of its own: distinct nodes, distinct groups */
            }
            loss = b->loss;
            limiting = b->limiting;
            if (b->wake < wake) wake = b->wake;
        } else {
            loss = group_rule_of(e, g)->strength * (1.0 - supply(e, g, &limiting));
            if (loss < 0) loss = 0;
        }
        /* each combining rule's sum, all kept (branch-free: the rule is the node's, not the
         * group's) and chosen after the loop */
        double alpha = 1.0 - loss;
        if (alpha < in_min) { in_min = alpha; bind = (int)g; }  /* min: Leontief, every input needed */
        in_product *= alpha;
        loss_sum += loss;                                       /* linear: inoperabilities add up (IIM) */
        if (loss > worst + DM_LEVEL_EPS && loss > DM_LEVEL_EPS) {
            worst = loss;
            cause_edge = limiting;
            cause_group = (int)g;
        }
    }
    if (node->rule != DM_RULE_MIN) bind = -1;
    in = node->rule == DM_RULE_MIN ? in_min : node->rule == DM_RULE_PRODUCT ? in_product : 1.0;
    e->loop.next[slot].in = in;
    e->loop.next[slot].bind = bind;
    if (node->rule == DM_RULE_LINEAR) in = 1.0 - (loss_sum > 1 ? 1 : loss_sum);

    /* Target: tau = min(1 - d, in) (linear: 1 - min(1, sum + d)); 0 below the collapse
     * threshold. The cause is whatever binds: the hazard's damage or the worst group. */
    double d = e->rule.damage[v];
    int collapsed = in < node->collapse - DM_LEVEL_EPS;
    double target = node->rule == DM_RULE_LINEAR ? (in - d > 0 ? in - d : 0) : (1 - d < in ? 1 - d : in);
    if (collapsed) target = 0;
    int damage_binds = d > DM_LEVEL_EPS && (node->rule == DM_RULE_LINEAR ? d >= worst : 1 - d <= in);
    e->loop.next[slot].cause = damage_binds || cause_edge < 0 ? -1 : e->edge[cause_edge].from;
    e->loop.next[slot].group = damage_binds ? -1 : cause_group;
    e->loop.next[slot].root = damage_binds ? e->rule.damage_hazard[v] : cause_edge >= 0 ? e->edge[cause_edge].seen_root : -1;
    /* A layer node is viable when it could run on its own damage and inputs; it runs only
     * while connected through viable nodes (connectivity.c decides, between rounds). */
    if (node->layer_run >= 0) {
        e->loop.next[slot].viable = target > DM_LEVEL_EPS;
        if (!(e->conn.state[v] & CONN_CONNECTED) && target > DM_LEVEL_EPS) {
            target = 0;
            collapsed = 2;  /* disconnected */
            e->loop.next[slot].cause = -1;
            e->loop.next[slot].group = -1;
            e->loop.next[slot].root = e->conn.layer_run[node->layer_run].root;
        }
    }
    e->loop.next[slot].collapsed = (unsigned char)collapsed;
    e->loop.next[slot].restarting = 0;
    /* A target within DM_LEVEL_EPS of full service is full service. Nodes that need each
     * other without lag climb back together, each capped by the others' levels, so their
     * gap to 1 shrinks geometrically; without this, a gap just above the tolerance (a
     * rise of less than DM_LEVEL_EPS is no rise) stalled there, short of "restored". */
    if (target >= 1 - DM_LEVEL_EPS) target = 1;

    /* Dynamics: how the level follows the target. The node's dynamics state is read from
     * the engine and its next value written to the slot. */
    double s = e->level[v], next;
    int64_t dyn_tick = e->rule.dyn_tick[v], rise_restart = e->rule.rise_restart[v];
    double dyn_level = e->rule.dyn_level[v];
    unsigned char restarted = e->rule.restarted[v];
    if (node->dynamics == DM_DYN_RELAX) {
        /* s <- s + k (tau - s) once per tick (dynamic IIM, Lian & Haimes 2006), from the
         * level the node had when the tick began, however often the tick re-evaluates it. */
        if (dyn_tick != t) { dyn_tick = t; dyn_level = s; }
        double s0 = dyn_level;
        next = s0 + node->relax_k * (target - s0);
        if (fabs(next - target) < DM_LEVEL_EPS) next = target;
        else if (t + 1 < wake) wake = t + 1;
    } else if (target <= s + DM_LEVEL_EPS) {
        next = target < s ? target : s;   /* a drop is immediate */
        dyn_tick = -1;
        if (target < s - DM_LEVEL_EPS) restarted = 0;  /* a new loss: the next rise restarts */
    } else {
        /* A rise waits `restart` ticks after the target rose, then ramps to the target:
         * systems have to be restarted and checked. The restart happens once per loss: a
         * node already restarted since its last drop rises further without another one
         * (else two nodes that need each other would restart by turns for days). */
        if (dyn_tick < 0) {
            dyn_tick = t;
            dyn_level = s;
            rise_restart = restarted ? 0 : e->rule.restart ? e->rule.restart[v] : node->restart;
            e->loop.next[slot].restarting = rise_restart > 0;
        }
        int64_t since_restart = t - dyn_tick - rise_restart;
        if (since_restart >= 0) restarted = 1;
        if (since_restart < 0) {
            next = s;
            if (dyn_tick + rise_restart < wake) wake = dyn_tick + rise_restart;
        } else {
            /* The ramp: `ramp` is the time a full recovery takes. Service returns in blocks,
             * one every ramp/steps ticks, each worth that share of capacity, until the target
             * is reached (docs/model-format.md); a small rise is one block. Measured from the
             * level the rise started at, so the level only goes up while the target is above. */
            int64_t ramp = e->rule.ramp ? e->rule.ramp[v] : node->ramp;
            int64_t block = ramp > 0 ? (ramp + node->ramp_steps - 1) / node->ramp_steps : 1;
            int64_t blocks = ramp > 0 ? since_restart / block : 0;
            double reached = ramp > 0 ? dyn_level + (double)(blocks * block) / (double)ramp : target;
            if (reached >= target - DM_LEVEL_EPS) {
                next = target;
                dyn_tick = -1;
            } else {
                next = reached > s ? reached : s;
                int64_t next_block = dyn_tick + rise_restart + (blocks + 1) * block;
                if (next_block < wake) wake = next_block;
            }
        }
    }
    /* Within DM_LEVEL_EPS of full service is full service: a zero-lag loop converging
     * towards 1 stops a hair short of it, and "any loss" must not see that hair. */
    if (next >= 1 - DM_LEVEL_EPS) next = 1;
    e->loop.next[slot].level = next;
    e->loop.next[slot].wake = wake;
    e->loop.next[slot].dyn_tick = dyn_tick;
    e->loop.next[slot].dyn_level = dyn_level;
    e->loop.next[slot].rise_restart = rise_restart;
    e->loop.next[slot].restarted = restarted;
    e->loop.next[slot].buffers_moved = buffers_moved;
}

/* ---- what a change of level is called (the events the timeline tells) ---- */

static int status(double s) { return s <= DM_LEVEL_EPS ? 0 : s >= 1 - DM_LEVEL_EPS ? 2 : 1; }

/* Every drop of a step node; for relax nodes, which move a little every tick, only the
 * crossings between full, partial and no service. A rise is told when it starts after a
 * loss, then again once the level is another 10 % up (last_rise: the level last told
 * rising, -1 for none): a restoration curve or its cascade rises in 1 % steps, which
 * would be a line each. A drop to 0 says why: cut off from its layer's sources, below
 * its collapse threshold, or down. */
int dmi_rule_event(const dm_engine *e, int v, size_t slot, double old, double now, double last_rise)
{
    const node_rule *node = node_rule_of(e, v);
    const evaluation *ev = &e->loop.next[slot];
    int relax = node->dynamics == DM_DYN_RELAX, from = status(old), to = status(now);
    if (now < old && (!relax || from != to))
        return to != 0 ? DM_EV_DEGRADED : ev->collapsed == 2 ? DM_EV_DISCONNECTED : ev->collapsed ? DM_EV_COLLAPSED
                                                                                    : DM_EV_DOWN;
    if (now > old && to == 2) return DM_EV_RESTORED;
    if (now > old && (relax ? from == 0 : (e->rule.dyn_tick[v] < 0 || old == e->rule.dyn_level[v])) &&
        (last_rise < 0 || now >= last_rise + 0.1 - DM_ROUND_EPS))
        return DM_EV_RISING;
    return -1;
}

unsigned dmi_rule_take_buffer_events(dm_engine *e, int g)
{
    unsigned flags = e->rule.buf[g]->flags;
    e->rule.buf[g]->flags = 0;
    return flags;
}
