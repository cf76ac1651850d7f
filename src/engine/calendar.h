/* Internal: the event calendar, a binary min-heap ordered by (tick, insertion sequence),
 * so events at equal ticks come out in the order they were scheduled (as in libuv and
 * cimba). Storage grows by doubling and is kept between replicates. */
#ifndef DOMINO_CALENDAR_H
#define DOMINO_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CAL_DELIVER, CAL_HAZARD_ON, CAL_HAZARD_OFF, CAL_WAKE, CAL_HAZARD_STEP } cal_kind;

typedef struct cal_event {
    int64_t tick;
    uint64_t seq;
    cal_kind kind;
    int index;      /* edge (DELIVER), hazard (HAZARD_*), node (WAKE) */
                    /* HAZARD_STEP: the next step of hazard index's restoration curve */
    int root;       /* DELIVER: root hazard of the provider's level */
    double value;   /* DELIVER: the provider's level */
} cal_event;

typedef struct calendar {
    cal_event *heap;
    size_t n, cap;
    uint64_t next_seq;
    uint64_t grows;   /* times the heap had to grow */
} calendar;

int dmi_cal_init(calendar *c, size_t cap);
void dmi_cal_free(calendar *c);
void dmi_cal_clear(calendar *c);
/* Adds an event; 0 on success, -1 when out of memory. O(log n). */
int dmi_cal_push(calendar *c, cal_event ev);
/* Removes the earliest event into *out. Precondition: n > 0. O(log n). */
void dmi_cal_pop(calendar *c, cal_event *out);
static inline int64_t cal_next_tick(const calendar *c) { return c->n ? c->heap[0].tick : INT64_MAX; }

#endif
