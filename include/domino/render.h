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

/* What dm_render_injects shows (docs/timeline.md). */
typedef struct dm_inject_options {
    dm_format format;
    dm_lang lang;
    double min_change;     /* level changes shown from this many points (0-100); < 0: the
                              format's default (10 for md, 0 otherwise) */
    int sector, region;    /* only this sector / region (indices), or -1 */
    unsigned kinds;        /* DM_KIND_BREACHES | DM_KIND_LOSSES | DM_KIND_RESTORATIONS */
    int group;             /* one inject for the same event in several regions (default 1) */
} dm_inject_options;

/* Every event shown, grouped across regions, in the given format and language. */
DM_EXPORT void dm_inject_defaults(dm_inject_options *o, dm_format format, dm_lang lang);

/* Writes the exercise injects of replicate r: one chronological list of the engine's
 * events, the breach milestones and the planner's injects, each with its cause, chain,
 * recipients and hazard; md starts with the title, description, assumptions, exercise
 * clock and hazards. O(lines x lines of one tick) for grouping. */
DM_EXPORT int dm_render_injects(FILE *out, const dm_scenario *sc, const dm_engine_result *r, const dm_inject_options *o);

/* One side of `domino diff`: a run's scenario, the replicate compared, and (Monte Carlo)
 * its breach probability per sector (may be NULL). */
typedef struct dm_diff_input {
    const char *name;                 /* the file, for the heading */
    const dm_scenario *scenario;
    const dm_engine_result *result;
    const double *breach_probability;
    uint64_t replicates;
} dm_diff_input;

typedef struct dm_diff_options {
    dm_format format;                 /* text, md or json */
    dm_lang lang;
    int sector;                       /* A's sector index, or -1 for all */
    int region;                       /* A's region index; -1 the sectors as a whole; -2 all */
    int all;                          /* list unchanged breaches too */
} dm_diff_options;

/* Writes what changed from run A to run B: each breach of A paired with the breach of B
 * of the same sector and region that overlaps it most, then listed as moved (onset,
 * duration or peak differ), unchanged, avoided (no partner in B) or gained (a breach of
 * B with no partner in A), in time order; with the breach probabilities. Sectors and
 * regions are matched by id. O((breaches of A) x (breaches of B)). */
DM_EXPORT int dm_render_diff(FILE *out, const dm_diff_input *a, const dm_diff_input *b, const dm_diff_options *o);

/* Writes the HTML report of result file `input` to `output` (docs/report.md): one
 * self-contained page (no network: styles, script and data inline) with the scenario, its
 * assumptions and hazards, the breach tables, a Gantt chart, the map over time with a time
 * slider, the sector levels (mean and 5-95 % band across replicates) and the injects.
 * Re-runs the median replicate for its maps. Written atomically. */
DM_EXPORT int dm_report_write(const char *input, const char *output, dm_lang lang, dm_error *err);

/* dm_render_injects with dm_inject_defaults: the causal timeline. */
DM_EXPORT int dm_render_timeline(FILE *out, const dm_scenario *sc, const dm_engine_result *r,
                       dm_format fmt, dm_lang lang);
/* Writes the per-sector breach table. */
DM_EXPORT int dm_render_breach_table(FILE *out, const dm_scenario *sc, const dm_engine_result *r,
                           dm_lang lang);
/* Writes the table of statistics across replicates: per sector the breach probability,
 * the first breach's onset and duration (median [5 %–95 %], h:mm) and the expected
 * unserved unit-hours. */
DM_EXPORT int dm_render_stats_table(FILE *out, const dm_scenario *sc, const dm_stats *st, dm_lang lang);
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
