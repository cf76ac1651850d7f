/* Analytic reference results (theory.h), with GSL. */
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include "theory.h"

typedef struct { double p, k; int n; } mutual_params;

static double mutual_f(double P, void *arg)
{
    const mutual_params *m = arg;
    return P - m->p * pow(1 - exp(-m->k * P), m->n);
}

/* Brent's method on a bracket [lo, hi] where f changes sign. */
static double brent(gsl_function *F, double lo, double hi)
{
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    gsl_root_fsolver_set(s, F, lo, hi);
    double x = 0.5 * (lo + hi);
    for (int i = 0; i < 200; i++) {
        gsl_root_fsolver_iterate(s);
        x = gsl_root_fsolver_root(s);
        if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s), 1e-15, 1e-13) == GSL_SUCCESS)
            break;
    }
    gsl_root_fsolver_free(s);
    return x;
}

double theory_mutual_giant(double p, double k, int n)
{
    mutual_params m = {p, k, n};
    gsl_function F = {mutual_f, &m};
    /* the largest root: f(1) > 0; walk down until f < 0, then bracket */
    const double step = 1e-4;
    for (double P = 1 - step; P > 1e-7; P -= step)
        if (mutual_f(P, &m) < 0) return brent(&F, P, P + step);
    return 0;
}

double theory_critical_p(double k, int n)
{
    double lo = 0, hi = 1;
    while (hi - lo > 1e-9) {
        double mid = 0.5 * (lo + hi);
        if (theory_mutual_giant(mid, k, n) > 0) hi = mid; else lo = mid;
    }
    return hi;
}

typedef struct { double p, a, b, q; } partial_params;

static void partial_map(const partial_params *c, double PA, double PB, double *nA, double *nB)
{
    *nA = c->p * (1 - exp(-c->a * PA)) * (1 - c->q * exp(-c->b * PB));
    *nB = (1 - exp(-c->b * PB)) * (1 - c->q + c->q * c->p * (1 - exp(-c->a * PA)));
}

static int partial_f(const gsl_vector *x, void *arg, gsl_vector *f)
{
    double nA, nB, PA = gsl_vector_get(x, 0), PB = gsl_vector_get(x, 1);
    partial_map(arg, PA, PB, &nA, &nB);
    gsl_vector_set(f, 0, PA - nA);
    gsl_vector_set(f, 1, PB - nB);
    return GSL_SUCCESS;
}

void theory_partial(double p, double a, double b, double q, double *PA, double *PB)
{
    partial_params c = {p, a, b, q};
    double x = 1, y = 1;
    /* the cascade itself: iterating from full networks reaches the largest fixed point */
    for (int i = 0; i < 1000000; i++) {
        double nx, ny;
        partial_map(&c, x, y, &nx, &ny);
        int done = fabs(nx - x) < 1e-13 && fabs(ny - y) < 1e-13;
        x = nx;
        y = ny;
        if (done) break;
    }
    if (x > 1e-6 && y > 1e-6) {  /* polish the root with GSL's hybrid solver */
        gsl_multiroot_function F = {partial_f, 2, &c};
        gsl_vector *v = gsl_vector_alloc(2);
        gsl_vector_set(v, 0, x);
        gsl_vector_set(v, 1, y);
        gsl_multiroot_fsolver *s = gsl_multiroot_fsolver_alloc(gsl_multiroot_fsolver_hybrids, 2);
        gsl_multiroot_fsolver_set(s, &F, v);
        for (int i = 0; i < 100; i++)
            if (gsl_multiroot_fsolver_iterate(s) || gsl_multiroot_test_residual(s->f, 1e-15) == GSL_SUCCESS) break;
        x = gsl_vector_get(s->x, 0);
        y = gsl_vector_get(s->x, 1);
        gsl_multiroot_fsolver_free(s);
        gsl_vector_free(v);
    } else {
        x = y = 0;
    }
    *PA = x;
    *PB = y;
}

double theory_watts_condition(double z, double phi)
{
    int K = (int)floor(1 / phi + 1e-12);  /* vulnerable nodes: degree <= 1/phi */
    return K < 2 ? 0 : z * gsl_cdf_poisson_P((unsigned)(K - 2), z);
}

typedef struct { double phi; } watts_params;

static double watts_g(double z, void *arg) { return theory_watts_condition(z, ((watts_params *)arg)->phi) - 1; }

int theory_watts_window(double phi, double zmax, double *lo, double *hi)
{
    watts_params w = {phi};
    gsl_function F = {watts_g, &w};
    double best = 0, zbest = 0;
    for (double z = 0.01; z <= zmax; z += 0.01)
        if (watts_g(z, &w) > best) { best = watts_g(z, &w); zbest = z; }
    if (best <= 0 || watts_g(zmax, &w) >= 0) return -1;
    *lo = brent(&F, 1e-6, zbest);
    *hi = brent(&F, zbest, zmax);
    return 0;
}

double theory_gleeson_cahalane(double z, double phi, double rho0)
{
    int kmax = (int)(z + 20 * sqrt(z) + 40);
    /* F(m/k) = 1 when m/k >= phi: a node fails once a fraction phi of its neighbours has */
#define FAILS(m, k) ((k) > 0 && (double)(m) >= phi * (double)(k) - 1e-12)
    double q = rho0, rho = rho0;
    for (int it = 0; it < 100000; it++) {
        double next = 0;
        for (int k = 1; k <= kmax; k++) {
            double w = k * gsl_ran_poisson_pdf((unsigned)k, z) / z, sum = 0;
            for (int m = 0; m <= k - 1; m++)
                if (FAILS(m, k)) sum += gsl_ran_binomial_pdf((unsigned)m, q, (unsigned)(k - 1));
            next += w * sum;
        }
        next = rho0 + (1 - rho0) * next;
        int done = fabs(next - q) < 1e-14;
        q = next;
        if (done) break;
    }
    double sum = 0;
    for (int k = 1; k <= kmax; k++) {
        double inner = 0;
        for (int m = 0; m <= k; m++)
            if (FAILS(m, k)) inner += gsl_ran_binomial_pdf((unsigned)m, q, (unsigned)k);
        sum += gsl_ran_poisson_pdf((unsigned)k, z) * inner;
    }
    rho = rho0 + (1 - rho0) * sum;
#undef FAILS
    return rho;
}
