/* domino — turning a run's results into text: the causal timeline, the breach table
 * and the JSON summary (schema in docs/json-output.md). */
#ifndef DOMINO_RENDER_H
#define DOMINO_RENDER_H

#include <stdio.h>
#include "engine.h"
#include "montecarlo.h"

typedef enum { DM_LANG_EN, DM_LANG_JA } dm_lang;
typedef enum { DM_FORMAT_TEXT, DM_FORMAT_MD, DM_FORMAT_CSV, DM_FORMAT_JSON } dm_format;

/* The language a user's locale asks for (LC_ALL, LC_MESSAGES, LANG starting with "ja"). */
dm_lang dm_lang_from_locale(void);

/* "T+hh:mm" (hours not wrapped at 24) for a tick. buf needs 24 bytes. */
const char *dm_format_time(int64_t tick, int64_t tick_s, char *buf);

/* The time of a tick as timelines show it: with the scenario's `start`, the clock at its
 * UTC offset beside T+ ("9/6 03:25 (T+00:18)"); without, "T+00:18". With iso set, the
 * clock as ISO 8601 with the offset ("2018-09-06T03:25:00+09:00"; "" without a start).
 * buf needs DM_CLOCK_MAX bytes. */
#define DM_CLOCK_MAX 48
const char *dm_format_clock(const dm_scenario *sc, int64_t tick, int iso, char *buf);

/* Writes the causal timeline (events and breaches merged in time order). */
int dm_render_timeline(FILE *out, const dm_scenario *sc, const dm_engine_result *r,
                       dm_format fmt, dm_lang lang);
/* Writes the per-sector breach table. */
int dm_render_breach_table(FILE *out, const dm_scenario *sc, const dm_engine_result *r,
                           dm_lang lang);
/* Writes the JSON summary document of replicate r; with st (may be NULL) also the
 * statistics across replicates, whose time grid has the given interval (ticks). */
int dm_render_json(FILE *out, const dm_scenario *sc, const dm_engine_result *r, const dm_stats *st,
                   int64_t interval);

#endif
