/* A synthetic model of n sectors, for timing the loader (bench_load) and for the test that
 * a large model loads (tests/test_hardening.c). Three kinds, each a superset of the last:
 *   SYNTH_SECTORS       sectors only (one in ten with a percentage threshold); each has its
 *                       implicit node: about 37 bytes a sector, 10^6 sectors in 37 MB;
 *   SYNTH_DEPENDENCIES  and each node depends on two others (one dependency in ten with a
 *                       buffer and a resupply provider): about 105 bytes a sector;
 *   SYNTH_NODES         explicit nodes, one per sector, in n/100 regions, with a tag:
 *                       about 180 bytes a sector.
 * So every kind of id the loader looks up (sectors, regions, nodes, and the duplicate
 * checks of each) is looked up about n times. */
#ifndef DOMINO_SYNTHETIC_MODEL_H
#define DOMINO_SYNTHETIC_MODEL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct synth_buf { char *text; size_t len, cap; } synth_buf;

static void synth_put(synth_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void synth_put(synth_buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->text ? b->text + b->len : NULL, b->text ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) abort();
        if (b->text && b->len + (size_t)k < b->cap) { b->len += (size_t)k; return; }
        b->cap = 2 * (b->cap + (size_t)k + 4096);
        if (!(b->text = realloc(b->text, b->cap))) abort();
    }
}

/* The model's YAML text (malloc'd, NUL-terminated), its length in *len. */
enum { SYNTH_SECTORS, SYNTH_DEPENDENCIES, SYNTH_NODES };

static char *synthetic_model(size_t n, int kind, size_t *len)
{
    synth_buf b = {0};
    size_t nregions = n / 100 ? n / 100 : 1;
    int nodes = kind == SYNTH_NODES;
    const char *node = nodes ? "N" : "S";  /* without nodes, a sector's node has its id */
    synth_put(&b, "name: synthetic-%zu\nsectors:\n", n);
    for (size_t i = 0; i < n; i++)
        synth_put(&b, "  - {id: S%zu, name_en: s%zu%s}\n", i, i, i % 10 ? "" : ", threshold: {magnitude: 5%, duration: 1h}");
    if (nodes) {
        synth_put(&b, "regions:\n");
        for (size_t g = 0; g < nregions; g++) synth_put(&b, "  - {id: R%zu, code: '%zu', groups: [G%zu]}\n", g, g, g % 10);
        synth_put(&b, "nodes:\n");
        for (size_t i = 0; i < n; i++)
            synth_put(&b, "  - {id: N%zu, sector: S%zu, region: R%zu, capacity: %zu, tags: [t%zu]}\n", i, i,
                      i % nregions, 1 + i % 7, i % 50);
    }
    if (kind >= SYNTH_DEPENDENCIES) synth_put(&b, "dependencies:\n");
    for (size_t i = 0; kind >= SYNTH_DEPENDENCIES && i < n && n > 1; i++) {
        size_t a = (i + 1) % n, c = (i * 7919 + 3) % n;
        if (c == i || c == a) c = (i + 2) % n;
        synth_put(&b, "  - {dependent: %s%zu, providers: [%s%zu, %s%zu], mode: any, lag: 10min", node, i, node, a, node, c);
        if (i % 10 == 0) synth_put(&b, ", buffer: {duration: 2h, resupply: [%s%zu]}", node, (i + n / 2) % n);
        synth_put(&b, "}\n");
    }
    *len = b.len;
    return b.text;
}

#endif
