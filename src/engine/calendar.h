/* Internal: the event calendar. Events come out by tick, and events at equal ticks in the
 * order they were scheduled (as in libuv and cimba).
 *
 * Ticks are integers and nearly every event falls within a few days of the tick being
 * processed, so the calendar is a timing wheel: one FIFO bucket per tick for the `span`
 * ticks from `base` (the last tick popped) on, the events in a pool linked by index, and a
 * bitmap of the buckets that hold events. Push and pop are O(1) and touch a bucket and a
 * pool slot instead of a heap path of 40-byte events. Ticks outside the wheel (farther
 * than span, or before the first tick) wait in a binary min-heap on (tick, insertion
 * sequence) and move into their buckets, in that order, as soon as base comes within span
 * of them, before anything else can be scheduled at their tick: so each tick's bucket
 * keeps insertion order, the same order the heap alone gave. Storage grows by doubling
 * and is kept between replicates. */
#ifndef DOMINO_CALENDAR_H
#define DOMINO_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CAL_DELIVER, CAL_HAZARD_ON, CAL_HAZARD_OFF, CAL_WAKE, CAL_HAZARD_STEP } cal_kind;

typedef struct cal_event {
    int64_t tick;
    uint64_t seq;   /* the heap's insertion order (pop leaves it 0) */
    cal_kind kind;
    int index;      /* edge (DELIVER), hazard (HAZARD_*), node (WAKE) */
                    /* HAZARD_STEP: the next step of hazard index's restoration curve */
    int root;       /* DELIVER: root hazard of the provider's level */
    double value;   /* DELIVER: the provider's level */
} cal_event;

/* An event in a wheel bucket: its tick is the bucket's. */
typedef struct cal_slot {
    double value;
    int index, root;
    int32_t next;   /* the next event at the same tick, or the next free slot; -1 ends */
    int32_t kind;
} cal_slot;

typedef struct cal_bucket { int32_t head, tail; } cal_bucket;  /* valid while its bit is set */

typedef struct calendar {
    /* the wheel: ticks base .. base + span - 1, in bucket tick & (span - 1) */
    cal_bucket *bucket;
    uint64_t *busy;             /* bit b: bucket b holds events */
    size_t span;                /* a power of two */
    int64_t base;               /* the last tick popped (0 before the first) */
    int64_t first;              /* the earliest tick in the wheel, INT64_MAX when it is empty */
    size_t nwheel;
    cal_slot *pool;
    size_t pool_used, pool_cap;
    int32_t free_slot;          /* a popped slot to reuse, -1 when none */
    /* the overflow: a binary min-heap on (tick, seq) */
    cal_event *heap;
    size_t n, cap;
    uint64_t next_seq;
    uint64_t grows;             /* times the pool or the heap had to grow */
} calendar;

/* The wheel's span for a run of `horizon` ticks: the horizon rounded up to a power of two,
 * at most DMI_CAL_MAX_SPAN (8 bytes a tick and a bit). */
#define DMI_CAL_MAX_SPAN ((size_t)1 << 14)
size_t dmi_cal_span(int64_t horizon);
int dmi_cal_init(calendar *c, size_t span, size_t cap);
void dmi_cal_free(calendar *c);
void dmi_cal_clear(calendar *c);
/* Adds an event; 0 on success, -1 when out of memory. O(1) within the wheel, O(log n)
 * in the heap. */
int dmi_cal_push(calendar *c, const cal_event *ev);
/* Removes the earliest event into *out. Precondition: an event is waiting. */
void dmi_cal_pop(calendar *c, cal_event *out);
static inline int64_t cal_next_tick(const calendar *c)
{
    int64_t h = c->n ? c->heap[0].tick : INT64_MAX;
    return c->first < h ? c->first : h;
}

#endif
