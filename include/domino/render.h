/* domino — turning a run's results into text: the causal timeline, the breach table
 * and the JSON summary (schema in docs/json-output.md). */
#ifndef DOMINO_RENDER_H
#define DOMINO_RENDER_H

#include "export.h"
#include <stdio.h>
#include "engine.h"
#include "montecarlo.h"

typedef enum { DM_LANG_EN, DM_LANG_JA } dm_lang;
typedef enum { DM_FORMAT_TEXT, DM_FORMAT_MD, DM_FORMAT_CSV, DM_FORMAT_JSON } dm_format;

/* The language a user's locale asks for (LC_ALL, LC_MESSAGES, LANG starting with "ja"). */
DM_EXPORT dm_lang dm_lang_from_locale(void);

/* "T+hh:mm" (hours not wrapped at 24) for a tick. buf needs 24 bytes. */
DM_EXPORT const char *dm_format_time(int64_t tick, int64_t tick_s, char *buf);

/* The time of a tick as timelines show it: with the scenario's `start`, the clock at its
 * UTC offset beside T+ ("9/6 03:25 (T+00:18)"); without, "T+00:18". With iso set, the
 * clock as ISO 8601 with the offset ("2018-09-06T03:25:00+09:00"; "" without a start).
 * buf needs DM_CLOCK_MAX bytes. */
#define DM_CLOCK_MAX 48
DM_EXPORT const char *dm_format_clock(const dm_scenario *sc, int64_t tick, int iso, char *buf);

/* Writes the causal timeline (events and breaches merged in time order). */
DM_EXPORT int dm_render_timeline(FILE *out, const dm_scenario *sc, const dm_engine_result *r,
                       dm_format fmt, dm_lang lang);
/* Writes the per-sector breach table. */
DM_EXPORT int dm_render_breach_table(FILE *out, const dm_scenario *sc, const dm_engine_result *r,
                           dm_lang lang);
/* Writes the JSON summary document of replicate r; with st (may be NULL) also the
 * statistics across replicates, whose time grid has the given interval (ticks). */
DM_EXPORT int dm_render_json(FILE *out, const dm_scenario *sc, const dm_engine_result *r, const dm_stats *st,
                   int64_t interval);

/* The region whose id, code or Japanese or English name is text, or -1 (none, or a
 * group such as a power area that names several). O(regions). */
DM_EXPORT int dm_model_region(const dm_model *m, const char *text);

/* A view of r narrowed to region `region` (`--region`): the events of the region's nodes
 * (and of nodes in no region, such as a power area's generation, whose loss one of them
 * followed), and the region's breaches as its breaches (each with its region; sectors'
 * first_breach point at them; region_breaches empty). Sector results, series and
 * statistics stay those of the whole run. The view borrows r's series; free it with
 * dm_result_view_free. Returns 0 or DM_ESOFTWARE (out of memory). O(events + breaches). */
DM_EXPORT int dm_result_narrow(const dm_scenario *sc, const dm_engine_result *r, int region, dm_engine_result *out);
DM_EXPORT void dm_result_view_free(dm_engine_result *view);

#endif
