/* Writes the tables and curves of docs/validation.md: the same reproductions as the
 * reference suite (test_reference.c), with their figures.
 *   domino-reproduce TABLE.md CURVES.csv
 * tools/validation.py draws the plot from CURVES.csv. */
#include <stdio.h>
#include "domino.h"
#include "simulate.h"
#include "theory.h"

#define N 100000

static void row(FILE *f, const char *what, const char *params, double expected, double got, size_t n, int runs, double tol)
{
    fprintf(f, "| %s | %s | %.4f | %.4f | %+.4f | %zu | %d | %s |\n", what, params, expected, got, got - expected, n, runs,
            tol > 0 ? (got - expected <= tol && expected - got <= tol ? "yes" : "**no**") : (got < -tol ? "yes" : "**no**"));
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: domino-reproduce TABLE.md CURVES.csv\n"); return 2; }
    dm_init();
    FILE *t = fopen(argv[1], "w"), *c = fopen(argv[2], "w");
    if (!t || !c) { perror("domino-reproduce"); return 73; }
    char p[160];
    fprintf(t, "| reproduction | parameters | expected | obtained | difference | N per layer | graphs x replicates | within tolerance |\n"
               "|---|---|---|---|---|---|---|---|\n");
    for (double pp = 0.35; pp <= 1.0; pp += 0.65 / 2) {
        snprintf(p, sizeof p, "k = 4, p = %.3f", pp);
        row(t, "ER giant component", p, theory_mutual_giant(pp, 4, 1), sim_mutual(N, 4, 1, pp, 2, 2), N, 4, 0.005);
    }
    double pc = theory_critical_p(4, 2);
    snprintf(p, sizeof p, "k = 4: p_c = %.5f (paper: 2.4554/k = %.5f)", pc, 2.4554 / 4);
    fprintf(t, "| Buldyrev et al. 2010 | %s | | | | | | |\n", p);
    const double bp[] = {pc + 0.05, 0.7, 0.8, 0.95};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "k = 4, p = %.4f", bp[i]);
        row(t, "Buldyrev et al. 2010", p, theory_mutual_giant(bp[i], 4, 2), sim_mutual(N, 4, 2, bp[i], 2, 2), N, 4, 0.005);
    }
    snprintf(p, sizeof p, "k = 4, p = p_c - 0.02 = %.4f (expected: below 0.01)", pc - 0.02);
    row(t, "Buldyrev et al. 2010", p, 0, sim_mutual(N, 4, 2, pc - 0.02, 2, 2), N, 4, -0.01);
    for (int n = 3; n <= 4; n++) {
        double pcn = theory_critical_p(6, n), ps[] = {pcn + 0.05, 0.95};
        for (int i = 0; i < 2; i++) {
            snprintf(p, sizeof p, "n = %d, k = 6, p = %.4f", n, ps[i]);
            row(t, "Gao et al. 2011", p, theory_mutual_giant(ps[i], 6, n), sim_mutual(N, 6, n, ps[i], 1, 2), N, 2, 0.005);
        }
    }
    const double qp[][2] = {{0.3, 0.5}, {0.5, 0.6}, {0.8, 0.75}};
    for (int i = 0; i < 3; i++) {
        double TA, TB, A, B;
        theory_partial(qp[i][1], 4, 4, qp[i][0], &TA, &TB);
        sim_partial(N, 4, qp[i][0], qp[i][1], 2, 2, &A, &B);
        snprintf(p, sizeof p, "k = 4, q = %.1f, p = %.2f, layer A", qp[i][0], qp[i][1]);
        row(t, "Parshani et al. 2010", p, TA, A, N, 4, 0.005);
        snprintf(p, sizeof p, "k = 4, q = %.1f, p = %.2f, layer B", qp[i][0], qp[i][1]);
        row(t, "Parshani et al. 2010", p, TB, B, N, 4, 0.005);
    }
    double lo, hi, global;
    theory_watts_window(0.18, 30, &lo, &hi);
    fprintf(t, "| Watts 2002 | phi = 0.18: cascade window %.3f < z < %.3f | | | | | | |\n", lo, hi);
    const double zs[] = {lo - 0.3, lo + 0.6, 0.5 * (lo + hi), hi - 1.0, hi + 1.5, hi + 4};
    for (int i = 0; i < 6; i++) {
        sim_watts(10000, zs[i], 0.18, 0, 2, 200, 0.1, &global);
        int in = zs[i] > lo && zs[i] < hi;
        fprintf(t, "| Watts 2002 | z = %.2f (%s the window): share of single seeds that fail > 10 %% of N | %s | %.3f | | 10000 | 2 x 200 | %s |\n",
                zs[i], in ? "inside" : "outside", in ? "> 0" : "0", global, (in ? global > 0.1 : global == 0) ? "yes" : "**no**");
    }
    const double gc[][3] = {{2, 0.18, 0.05}, {4, 0.18, 0.02}, {14, 0.18, 0.02}, {10, 0.18, 0.05}};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "z = %g, phi = %g, seed fraction %g", gc[i][0], gc[i][1], gc[i][2]);
        row(t, "Gleeson & Cahalane 2007", p, theory_gleeson_cahalane(gc[i][0], gc[i][1], gc[i][2]),
            sim_watts(N, gc[i][0], gc[i][1], gc[i][2], 1, 2, 0.5, &global), N, 2, 0.01);
    }
    /* curves for the plot */
    fprintf(c, "model,p,theory,simulated\n");
    for (int i = 0; i <= 36; i++) {
        double pp = 0.55 + 0.0125 * i;
        fprintf(c, "buldyrev_k4,%.4f,%.6f,%.6f\n", pp, theory_mutual_giant(pp, 4, 2), sim_mutual(N, 4, 2, pp, 1, 2));
        fflush(c);
    }
    for (int i = 0; i <= 20; i++) {
        double pp = 0.15 + 0.0425 * i;
        fprintf(c, "er_k4,%.4f,%.6f,%.6f\n", pp, theory_mutual_giant(pp, 4, 1), sim_mutual(N, 4, 1, pp, 1, 2));
    }
    fclose(t);
    return fclose(c) ? 74 : 0;
}
