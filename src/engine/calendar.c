/* The event calendar: a timing wheel with an overflow heap (see calendar.h). */
#include <stdlib.h>
#include <string.h>
#include "engine/calendar.h"

size_t dmi_cal_span(int64_t horizon)
{
    size_t span = 64;  /* one word of the bitmap */
    while (span < DMI_CAL_MAX_SPAN && (int64_t)span < horizon) span *= 2;
    return span;
}

int dmi_cal_init(calendar *c, size_t span, size_t cap)
{
    memset(c, 0, sizeof *c);
    c->span = span < 64 ? 64 : span;
    c->pool_cap = cap ? cap : 64;
    c->cap = 64;
    c->bucket = malloc(c->span * sizeof *c->bucket);
    c->busy = calloc(c->span / 64, sizeof *c->busy);
    c->pool = malloc(c->pool_cap * sizeof *c->pool);
    c->heap = malloc(c->cap * sizeof *c->heap);
    dmi_cal_clear(c);
    return c->bucket && c->busy && c->pool && c->heap ? 0 : -1;
}

void dmi_cal_free(calendar *c)
{
    free(c->bucket);
    free(c->busy);
    free(c->pool);
    free(c->heap);
    memset(c, 0, sizeof *c);
}

void dmi_cal_clear(calendar *c)
{
    if (c->nwheel) memset(c->busy, 0, c->span / 64 * sizeof *c->busy);  /* a run cut short */
    c->nwheel = c->n = c->pool_used = 0;
    c->free_slot = -1;
    c->base = 0;
    c->first = INT64_MAX;
    c->next_seq = 0;
}

/* ---- the overflow heap ---- */

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

/* Bottom-up: the hole left at the root moves down along the earlier child to a leaf (one
 * comparison a level), then the last event, taken from a leaf, sifts up from there, which
 * is rarely far. Keys are unique (tick, seq). */
static void heap_pop(calendar *c, cal_event *out)
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

/* ---- the wheel ---- */

static int in_wheel(const calendar *c, int64_t tick)
{
    return tick >= c->base && (uint64_t)(tick - c->base) < c->span;
}

/* Appends ev to its tick's bucket. The pool always has room for every event waiting
 * (dmi_cal_push), so moving heap events in never allocates. */
static void wheel_put(calendar *c, const cal_event *ev)
{
    int32_t s = c->free_slot;
    if (s >= 0) c->free_slot = c->pool[s].next;
    else s = (int32_t)c->pool_used++;
    c->pool[s] = (cal_slot){ev->value, ev->index, ev->root, -1, (int32_t)ev->kind};
    size_t b = (size_t)ev->tick & (c->span - 1);
    uint64_t bit = (uint64_t)1 << (b & 63);
    if (c->busy[b >> 6] & bit) {
        c->pool[c->bucket[b].tail].next = s;
        c->bucket[b].tail = s;
    } else {
        c->busy[b >> 6] |= bit;
        c->bucket[b] = (cal_bucket){s, s};
    }
    c->nwheel++;
    if (ev->tick < c->first) c->first = ev->tick;
}

/* The first tick in [from, end) whose bucket holds events, INT64_MAX if none; end is at
 * most base + span, so bucket order from `from` on is tick order. */
static int64_t next_busy(const calendar *c, int64_t from, int64_t end)
{
    size_t mask = c->span - 1;
    while (from < end) {
        size_t b = (size_t)from & mask;
        uint64_t w = c->busy[b >> 6] >> (b & 63);
        if (w) {
            int64_t t = from + __builtin_ctzll(w);
            return t < end ? t : INT64_MAX;
        }
        from += 64 - (int64_t)(b & 63);
    }
    return INT64_MAX;
}

/* base moved on: the heap's events now within span of it go to their buckets, earliest
 * first, before anything else is scheduled at their ticks. */
static void take_from_heap(calendar *c)
{
    cal_event ev;
    while (c->n && in_wheel(c, c->heap[0].tick)) {
        heap_pop(c, &ev);
        wheel_put(c, &ev);
    }
}

int dmi_cal_push(calendar *c, const cal_event *ev)
{
    if (c->nwheel + c->n == c->pool_cap) {
        if (c->pool_cap > INT32_MAX / 2) return -1;
        cal_slot *p = realloc(c->pool, 2 * c->pool_cap * sizeof *p);
        if (!p) return -1;
        c->pool = p;
        c->pool_cap *= 2;
        c->grows++;
    }
    if (in_wheel(c, ev->tick)) {
        wheel_put(c, ev);
        return 0;
    }
    if (c->n == c->cap) {
        cal_event *h = realloc(c->heap, 2 * c->cap * sizeof *h);
        if (!h) return -1;
        c->heap = h;
        c->cap *= 2;
        c->grows++;
    }
    cal_event waiting = *ev;
    waiting.seq = c->next_seq++;
    sift_up(c, c->n++, waiting);
    return 0;
}

void dmi_cal_pop(calendar *c, cal_event *out)
{
    if (c->n && c->heap[0].tick < c->first) {
        if (c->heap[0].tick < c->base) {  /* before the wheel's start: only ever in the heap */
            heap_pop(c, out);
            return;
        }
        /* the wheel is empty (its ticks are within span of base, the heap's beyond): it
         * moves on to the heap's first tick */
        c->base = c->heap[0].tick;
        take_from_heap(c);
    }
    int64_t t = c->first;
    size_t b = (size_t)t & (c->span - 1);
    int32_t s = c->bucket[b].head;
    const cal_slot *slot = &c->pool[s];
    *out = (cal_event){.tick = t, .kind = (cal_kind)slot->kind, .index = slot->index, .root = slot->root,
                       .value = slot->value};
    c->bucket[b].head = slot->next;
    c->pool[s].next = c->free_slot;
    c->free_slot = s;
    c->nwheel--;
    int moved = t != c->base;
    c->base = t;
    if (c->bucket[b].head < 0) {
        c->busy[b >> 6] &= ~((uint64_t)1 << (b & 63));
        c->first = c->nwheel ? next_busy(c, t + 1, t + (int64_t)c->span) : INT64_MAX;
    }
    if (moved) take_from_heap(c);
}
