/* The reference suite: published cascade results reproduced by the engine (issue 5;
 * docs/validation.md). Analytic values come from theory.c (GSL), simulations from
 * simulate.c; N = 10^5 nodes per layer unless said. Each test names its paper. */
#include <math.h>
#include <criterion/criterion.h>
#include "domino.h"
#include "simulate.h"
#include "theory.h"

static void init(void) { dm_init(); }

TestSuite(reference, .init = init, .timeout = 600);

#define N 100000

/* Single-network percolation on ER graphs: keep a fraction p of the nodes; the giant
 * component is P = p S with S = 1 - exp(-k p S). */
Test(reference, er_giant_component)
{
    const double k = 4, ps[] = {0.35, 0.5, 0.8, 1.0};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double expected = theory_mutual_giant(ps[i], k, 1), got = sim_mutual(N, k, 1, ps[i], 2, 2);
        cr_expect(fabs(got - expected) <= 0.005, "ER k=%g p=%g: P = %.5f, theory %.5f", k, ps[i], got, expected);
    }
    /* below p_c = 1/k the giant is gone */
    cr_expect_lt(sim_mutual(N, k, 1, 0.2, 1, 2), 0.01);
}

/* Buldyrev et al. (Nature 2010): two fully interdependent ER layers, mean degree k.
 * P = p (1 - exp(-k P))^2 with p_c = 2.4554 / k; within 0.005 for p >= p_c + 0.05 and
 * below 0.01 for p <= p_c - 0.02. */
Test(reference, buldyrev_mutual_percolation)
{
    const double k = 4;
    double pc = theory_critical_p(k, 2);
    cr_assert(fabs(pc - 2.4554 / k) < 1e-4, "p_c = %.6f, Buldyrev et al. give 2.4554/k = %.6f", pc, 2.4554 / k);
    const double above[] = {pc + 0.05, 0.7, 0.8, 0.95};
    for (size_t i = 0; i < sizeof above / sizeof above[0]; i++) {
        double expected = theory_mutual_giant(above[i], k, 2), got = sim_mutual(N, k, 2, above[i], 2, 2);
        cr_expect(fabs(got - expected) <= 0.005, "k=%g p=%.4f: P = %.5f, theory %.5f", k, above[i], got, expected);
    }
    const double below[] = {pc - 0.02, pc - 0.1};
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++) {
        double got = sim_mutual(N, k, 2, below[i], 2, 2);
        cr_expect_lt(got, 0.01, "k=%g p=%.4f (below p_c): P = %.5f", k, below[i], got);
    }
}

/* Gao et al. (PRL 2011): a chain of n fully interdependent ER layers,
 * P = p (1 - exp(-k P))^n. */
Test(reference, gao_network_of_networks)
{
    const double k = 6;
    const int ns[] = {3, 4};
    for (size_t i = 0; i < 2; i++) {
        double pc = theory_critical_p(k, ns[i]);
        const double ps[] = {pc + 0.05, 0.95};
        for (size_t j = 0; j < 2; j++) {
            double expected = theory_mutual_giant(ps[j], k, ns[i]), got = sim_mutual(N, k, ns[i], ps[j], 1, 2);
            cr_expect(fabs(got - expected) <= 0.005, "n=%d k=%g p=%.4f: P = %.5f, theory %.5f", ns[i], k, ps[j], got, expected);
        }
        cr_expect_lt(sim_mutual(N, k, ns[i], pc - 0.03, 1, 2), 0.01, "n=%d below p_c", ns[i]);
    }
}

/* Parshani, Buldyrev & Havlin (PRL 2010): a fraction q of the nodes interdependent. Both
 * layers' giant fractions match the self-consistent equations. */
Test(reference, parshani_partial_interdependence)
{
    const double k = 4;
    const double cases[][2] = {{0.3, 0.5}, {0.5, 0.6}, {0.8, 0.75}};  /* (q, p) */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double q = cases[i][0], p = cases[i][1], TA, TB, A, B;
        theory_partial(p, k, k, q, &TA, &TB);
        sim_partial(N, k, q, p, 2, 2, &A, &B);
        cr_expect(fabs(A - TA) <= 0.005 && fabs(B - TB) <= 0.005,
                  "q=%g p=%g: A %.5f (theory %.5f), B %.5f (theory %.5f)", q, p, A, TA, B, TB);
    }
}

/* Watts (PNAS 2002): ER graphs, threshold phi = 0.18, one random seed. Global cascades
 * (more than 10 % of N = 10^4 fail) happen inside the window where
 * z P(Poisson(z) <= floor(1/phi) - 2) > 1, and not outside it. */
Test(reference, watts_cascade_window)
{
    const double phi = 0.18;
    double lo, hi, global;
    cr_assert_eq(theory_watts_window(phi, 30, &lo, &hi), 0);
    const double inside[] = {lo + 0.6, 0.5 * (lo + hi), hi - 1.0};
    for (size_t i = 0; i < 3; i++) {
        sim_watts(10000, inside[i], phi, 0, 2, 200, 0.1, &global);
        cr_expect_gt(global, 0.1, "z=%.2f inside the window (%.3f, %.3f): %.3f of seeds cascade", inside[i], lo, hi, global);
    }
    const double outside[] = {lo - 0.3, hi + 1.5, hi + 4};
    for (size_t i = 0; i < 3; i++) {
        sim_watts(10000, outside[i], phi, 0, 2, 200, 0.1, &global);
        cr_expect_eq(global, 0, "z=%.2f outside the window (%.3f, %.3f): %.3f of seeds cascade", outside[i], lo, hi, global);
    }
}

/* Gleeson & Cahalane (PRE 2007): the final fraction failed for a seed fraction rho0,
 * within 0.01. */
Test(reference, gleeson_cahalane_seed_fraction)
{
    const double cases[][3] = {{2, 0.18, 0.05}, {4, 0.18, 0.02}, {14, 0.18, 0.02}, {10, 0.18, 0.05}};  /* z, phi, rho0 */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double global, expected = theory_gleeson_cahalane(cases[i][0], cases[i][1], cases[i][2]);
        double got = sim_watts(N, cases[i][0], cases[i][1], cases[i][2], 1, 2, 0.5, &global);
        cr_expect(fabs(got - expected) <= 0.01, "z=%g phi=%g rho0=%g: %.5f failed, theory %.5f",
                  cases[i][0], cases[i][1], cases[i][2], got, expected);
    }
}
