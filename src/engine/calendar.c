/* The event calendar: see calendar.h. */
#include <stdlib.h>
#include "engine/calendar.h"

static int before(const cal_event *a, const cal_event *b)
{
    return a->tick < b->tick || (a->tick == b->tick && a->seq < b->seq);
}

/* Puts ev in the hole at i, moving the later parents above it down (push, and pop's last
 * event from the leaf it reached). */
static inline void sift_up(calendar *c, size_t i, cal_event ev)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&ev, &c->heap[parent])) break;
        c->heap[i] = c->heap[parent];
        i = parent;
    }
    c->heap[i] = ev;
}

int dmi_cal_init(calendar *c, size_t cap)
{
    c->n = 0;
    c->next_seq = 0;
    c->grows = 0;
    c->cap = cap ? cap : 64;
    c->heap = malloc(c->cap * sizeof *c->heap);
    return c->heap ? 0 : -1;
}

void dmi_cal_free(calendar *c) { free(c->heap); c->heap = NULL; c->n = c->cap = 0; }

void dmi_cal_clear(calendar *c) { c->n = 0; c->next_seq = 0; }

int dmi_cal_push(calendar *c, cal_event ev)
{
    if (c->n == c->cap) {
        cal_event *h = realloc(c->heap, 2 * c->cap * sizeof *h);
        if (!h) return -1;
        c->heap = h;
        c->cap *= 2;
        c->grows++;
    }
    ev.seq = c->next_seq++;
    sift_up(c, c->n++, ev);
    return 0;
}

/* Bottom-up: the hole left at the root moves down along the earlier child to a leaf (one
 * comparison a level), then the last event, taken from a leaf, sifts up from there, which
 * is rarely far. Sifting it down from the root needed two comparisons a level. Keys are
 * unique (tick, seq), so events come out in the same order from either heap. */
void dmi_cal_pop(calendar *c, cal_event *out)
{
    *out = c->heap[0];
    size_t n = --c->n, i = 0;
    if (n == 0) return;
    cal_event last = c->heap[n];
    for (size_t l = 1; l < n; l = 2 * i + 1) {
        size_t m = l + 1 < n && before(&c->heap[l + 1], &c->heap[l]) ? l + 1 : l;
        c->heap[i] = c->heap[m];
        i = m;
    }
    sift_up(c, i, last);
}
