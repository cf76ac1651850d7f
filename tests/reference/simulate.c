/* Simulations for the reference suite (simulate.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino.h"
#include "simulate.h"

int sim_run(const char *yaml, uint64_t replicates, double *level, size_t max)
{
    dm_error err;
    dm_scenario *sc;
    dm_engine *e;
    char buf[1200];
    dm_error_clear(&err);
    if (dm_scenario_parse(yaml, strlen(yaml), "reference.yaml", &sc, &err)) {
        fprintf(stderr, "%s\n", dm_error_format(&err, buf, sizeof buf));
        return -1;
    }
    size_t S = sc->model->nsectors;
    if (S * replicates > max || dm_engine_new(sc, &e, &err)) {
        fprintf(stderr, "%s\n", err.code ? dm_error_format(&err, buf, sizeof buf) : "too many results");
        dm_scenario_free(sc);
        return -1;
    }
    for (uint64_t r = 0; r < replicates; r++) {
        if (dm_engine_run(e, r, &err)) {
            fprintf(stderr, "%s\n", dm_error_format(&err, buf, sizeof buf));
            break;
        }
        for (size_t s = 0; s < S; s++) level[r * S + s] = dm_engine_sector_level(e, (int)s);
    }
    dm_engine_free(e);
    dm_scenario_free(sc);
    return err.code ? -1 : (int)S;
}

/* Appends to a text buffer. */
static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

static double mean_of(const double *x, size_t n, size_t stride)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i * stride];
    return s / (double)n;
}

/* The scenario text: n ER layers L0..L(n-1) of N nodes, mean degree k, graph seeds from
 * seed; hazards remove a fraction 1 - p of L0. */
static void layers_yaml(char *y, size_t size, size_t N, double k, int n, unsigned seed, const char *couplings,
                        const char *hazard)
{
    y[0] = 0;
    add(y, size, "name: reference\nhorizon: 1h\nmodel:\n  name: reference\n  sectors:\n");
    for (int i = 0; i < n; i++) add(y, size, "    - {id: L%d, name_en: layer %d}\n", i, i);
    add(y, size, "  layers:\n");
    for (int i = 0; i < n; i++)
        add(y, size, "    - {sector: L%d, connectivity: giant, graph: {generate: erdos_renyi, nodes: %zu, mean_degree: %.17g, seed: %u}}\n",
            i, N, k, seed * 100 + (unsigned)i);
    add(y, size, "%s", couplings);
    add(y, size, "hazards:\n%s", hazard);
}

double sim_mutual(size_t N, double k, int n, double p, int graphs, int replicates)
{
    char y[8000], couplings[4000] = "";
    double *level = malloc((size_t)replicates * (size_t)n * sizeof *level), total = 0;
    if (n > 1) add(couplings, sizeof couplings, "  couplings:\n");
    for (int i = 0; i + 1 < n; i++)
        add(couplings, sizeof couplings, "    - {dependent: L%d, provider: L%d, pairs: index, mutual: true}\n", i, i + 1);
    char hazard[300];
    snprintf(hazard, sizeof hazard, "  - {id: removal, kind: other, severity: 1, select: {sectors: [L0], fraction: %.17g}}\n", 1 - p);
    for (int g = 0; g < graphs; g++) {
        layers_yaml(y, sizeof y, N, k, n, (unsigned)g + 1, couplings, hazard);
        if (sim_run(y, (uint64_t)replicates, level, (size_t)replicates * (size_t)n) < 0) { free(level); return -1; }
        total += mean_of(level, (size_t)replicates, (size_t)n);
    }
    free(level);
    return total / graphs;
}

void sim_partial(size_t N, double k, double q, double p, int graphs, int replicates, double *PA, double *PB)
{
    char y[8000], couplings[400], hazard[300];
    double *level = malloc((size_t)replicates * 2 * sizeof *level);
    *PA = *PB = 0;
    snprintf(hazard, sizeof hazard, "  - {id: removal, kind: other, severity: 1, select: {sectors: [L0], fraction: %.17g}}\n", 1 - p);
    for (int g = 0; g < graphs; g++) {
        snprintf(couplings, sizeof couplings,
                 "  couplings:\n    - {dependent: L0, provider: L1, pairs: {fraction: %.17g, seed: %d}, mutual: true}\n", q, g + 1);
        layers_yaml(y, sizeof y, N, k, 2, (unsigned)g + 1, couplings, hazard);
        if (sim_run(y, (uint64_t)replicates, level, (size_t)replicates * 2) < 0) { *PA = *PB = -1; break; }
        *PA += mean_of(level, (size_t)replicates, 2) / graphs;
        *PB += mean_of(level + 1, (size_t)replicates, 2) / graphs;
    }
    free(level);
}

double sim_watts(size_t N, double z, double phi, double seed_fraction, int graphs, int replicates,
                 double global_cut, double *global)
{
    char y[4000], select[120];
    double *level = malloc((size_t)replicates * sizeof *level), failed = 0;
    size_t cascades = 0;
    if (seed_fraction > 0) snprintf(select, sizeof select, "fraction: %.17g", seed_fraction);
    else snprintf(select, sizeof select, "count: 1");
    for (int g = 0; g < graphs; g++) {
        y[0] = 0;
        add(y, sizeof y,
            "name: watts\nhorizon: 1h\nmodel:\n  name: watts\n  sectors:\n    - {id: A, name_en: adopters}\n"
            "  layers:\n    - sector: A\n      graph: {generate: erdos_renyi, nodes: %zu, mean_degree: %.17g, seed: %d}\n"
            "      neighbours: {mode: quorum, quorum: {failed: %.17g}}\n"
            "hazards:\n  - {id: seed, kind: other, severity: 1, select: {sectors: [A], %s}}\n",
            N, z, g + 1, phi, select);
        if (sim_run(y, (uint64_t)replicates, level, (size_t)replicates) < 0) { free(level); return -1; }
        for (int r = 0; r < replicates; r++) {
            failed += (1 - level[r]) / ((double)graphs * replicates);
            cascades += 1 - level[r] > global_cut;
        }
    }
    free(level);
    *global = (double)cascades / ((double)graphs * replicates);
    return failed;
}
