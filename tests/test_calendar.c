/* The event calendar (src/engine/calendar.c): events come out by tick, equal ticks in the
 * order they were pushed, whether they sat in the wheel or waited in the overflow heap.
 * Checked against a plain list scanned for the earliest (tick, push number). */
#include <stdlib.h>
#include <criterion/criterion.h>
#include "engine/calendar.h"

typedef struct { int64_t tick; int order; } ref_event;

/* Random pushes and pops as the engine makes them: before the first pop anywhere from
 * `low` on (a negative tick stays in the heap), afterwards never before the last tick
 * popped; ticks up to `reach` ahead, so with a small span many go through the heap. */
static void check_order(size_t span, int64_t low, int64_t reach, unsigned seed)
{
    calendar c;
    cr_assert_eq(dmi_cal_init(&c, span, 4), 0);
    enum { N = 20000 };
    ref_event *ref = malloc(N * sizeof *ref);
    cr_assert(ref);
    srand(seed);
    for (int round = 0; round < 3; round++) {  /* the calendar is reused, as between replicates */
        dmi_cal_clear(&c);
        size_t nref = 0;
        int pushed = 0, popped = 0;
        int64_t now = low;
        while (pushed < N || nref) {
            int push = pushed < N && (nref == 0 || rand() % 3 != 0);
            if (push) {
                /* a third at the current tick, to test order within a tick */
                int64_t t = rand() % 3 == 0 ? now : now + rand() % reach;
                cr_assert_eq(dmi_cal_push(&c, &(cal_event){.tick = t, .kind = CAL_WAKE, .index = pushed,
                                                          .root = -pushed, .value = pushed / 2.0}), 0);
                ref[nref++] = (ref_event){t, pushed++};
                continue;
            }
            size_t best = 0;
            for (size_t i = 1; i < nref; i++)
                if (ref[i].tick < ref[best].tick || (ref[i].tick == ref[best].tick && ref[i].order < ref[best].order))
                    best = i;
            cr_assert_eq(cal_next_tick(&c), ref[best].tick, "pop %d: next tick", popped);
            cal_event ev;
            dmi_cal_pop(&c, &ev);
            cr_assert_eq(ev.tick, ref[best].tick, "pop %d: tick %lld, expected %lld", popped, (long long)ev.tick,
                         (long long)ref[best].tick);
            cr_assert_eq(ev.index, ref[best].order, "pop %d at tick %lld: event %d, expected %d", popped,
                         (long long)ev.tick, ev.index, ref[best].order);
            cr_assert(ev.kind == CAL_WAKE && ev.root == -ev.index && ev.value == ev.index / 2.0);
            now = ev.tick;
            ref[best] = ref[--nref];
            popped++;
        }
        cr_assert_eq(cal_next_tick(&c), INT64_MAX);
    }
    free(ref);
    dmi_cal_free(&c);
}

Test(calendar, order_within_the_wheel) { check_order(1 << 14, 0, 2000, 1); }

Test(calendar, order_through_the_heap) { check_order(64, 0, 1000, 2); }

Test(calendar, order_with_ticks_before_the_wheel) { check_order(128, -300, 500, 3); }

Test(calendar, far_jumps) { check_order(64, 0, 100000, 4); }

Test(calendar, clear_after_a_cut_run)
{
    calendar c;
    cr_assert_eq(dmi_cal_init(&c, 64, 4), 0);
    for (int i = 0; i < 100; i++) cr_assert_eq(dmi_cal_push(&c, &(cal_event){.tick = i % 7 * 20, .index = i}), 0);
    cal_event ev;
    dmi_cal_pop(&c, &ev);
    dmi_cal_clear(&c);  /* events left in the wheel and the heap */
    cr_assert_eq(cal_next_tick(&c), INT64_MAX);
    cr_assert_eq(dmi_cal_push(&c, &(cal_event){.tick = 5, .index = 1}), 0);
    cr_assert_eq(dmi_cal_push(&c, &(cal_event){.tick = 5, .index = 2}), 0);
    dmi_cal_pop(&c, &ev);
    cr_assert(ev.tick == 5 && ev.index == 1);
    dmi_cal_pop(&c, &ev);
    cr_assert(ev.tick == 5 && ev.index == 2);
    cr_assert_eq(cal_next_tick(&c), INT64_MAX);
    dmi_cal_free(&c);
}
