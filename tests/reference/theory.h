/* Analytic results the reference suite reproduces, computed here with GSL (root finding,
 * Poisson and binomial distributions), never pasted in. Each function names its paper. */
#ifndef DOMINO_REFERENCE_THEORY_H
#define DOMINO_REFERENCE_THEORY_H

/* Largest root in (0, 1] of P = p (1 - exp(-k P))^n, or 0 when there is none:
 *   n = 1: giant component of an ER graph of mean degree k after keeping a fraction p of
 *          its nodes (Erdos & Renyi; Callaway et al., PRL 85, 5468, 2000): P = p S;
 *   n = 2: mutual giant component of two fully interdependent ER networks (Buldyrev et
 *          al., Nature 464, 1025, 2010);
 *   n >= 2: a tree of n fully interdependent ER networks (Gao et al., PRL 107, 195701,
 *          2011). */
double theory_mutual_giant(double p, double k, int n);

/* The smallest p with a non-zero solution of the equation above (bisection on p, to 1e-9). */
double theory_critical_p(double k, int n);

/* Two ER networks A, B (mean degrees a, b); a fraction q of A's nodes and of B's is paired
 * one-to-one at random, each pair depending on each other (Parshani, Buldyrev & Havlin,
 * PRL 105, 048701, 2010); a fraction 1 - p of A's nodes is removed. The fractions of A and
 * B in the final giant components solve
 *   PA = p (1 - exp(-a PA)) (1 - q exp(-b PB))
 *   PB = (1 - exp(-b PB)) (1 - q + q p (1 - exp(-a PA)))
 * (the cascade's fixed point reached from PA = PB = 1, polished with GSL's hybrid solver). */
void theory_partial(double p, double a, double b, double q, double *PA, double *PB);

/* Watts (PNAS 99, 5766, 2002), ER graph of mean degree z, uniform threshold phi: global
 * cascades from a single seed are possible when z P(Poisson(z) <= floor(1/phi) - 2) > 1. */
double theory_watts_condition(double z, double phi);
/* The window's ends: the two z where the condition equals 1 (GSL Brent), searched in
 * (0, zmax]. Returns -1 if the condition never exceeds 1. */
int theory_watts_window(double phi, double zmax, double *lo, double *hi);

/* Gleeson & Cahalane (PRE 75, 056103, 2007): final fraction failed on an ER graph of mean
 * degree z, threshold phi, when a fraction rho0 of nodes fail at the start. */
double theory_gleeson_cahalane(double z, double phi, double rho0);

#endif
