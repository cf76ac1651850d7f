/* domino — a run scored against a reference incident (DESIGN.md, "Reference incidents").
 *
 * A facts file (validation/incidents/README.md gives its format) lists what was observed:
 * when, where, which sector, how much of its service was lost, with a tolerance and a
 * source. dm_compare computes each fact's value in every replicate of a result file, takes
 * the median replicate's value as the simulated one and the 5-95 % quantiles as its band,
 * and says whether the fact holds within its tolerance; facts marked as a sequence must
 * happen in their observed order. */
#ifndef DOMINO_COMPARE_H
#define DOMINO_COMPARE_H

#include <stddef.h>
#include "domino/error.h"
#include "domino/output.h"

typedef enum dm_measure {
    DM_SHARE_LOST,       /* share of the capacity unserved at t */
    DM_PEAK_SHARE_LOST,  /* its maximum over [0, t] (the whole run when t is not given) */
    DM_PEAK_BELOW,       /* that maximum stays at or below value: a bound */
    DM_ONSET,            /* the first time the share lost reaches value (hours) */
    DM_RESTORED,         /* the first time after the onset it is back at or below value (hours) */
    DM_UNITS_LOST,       /* the capacity unserved at t, in the sector's unit (a count) */
    DM_ONSET_BY          /* that onset came at or before t: a bound (a report says it had begun) */
} dm_measure;

/* One observed fact: a row of the facts file. Positions are 1-based line and column of the
 * row's region and sector fields, for errors found when the model is known. */
typedef struct dm_fact {
    char *id, *time_text, *region, *sector, *sequence_name, *source_url, *quote, *grade, *note;
    dm_measure measure;
    double t_hours;          /* NaN when the source gives no time */
    double period_lo, period_hi; /* hours after t0 the time_jst period covers (equal for a clock time) */
    double value;            /* the share observed, or the share that defines the event */
    double tolerance;        /* in the measure's unit: share, or hours for events */
    int tolerance_given;     /* 0: the rule's tolerance */
    int sequence_order;      /* K of NAME:K; 0 when not in a sequence */
    int line, region_col, sector_col;
} dm_fact;

typedef struct dm_facts {
    char *path, *t0_text;
    double t0_minutes;       /* t0 as minutes since 1970-01-01 UTC */
    dm_fact *facts;
    size_t nfacts;
} dm_facts;

/* Reads and checks a facts file: columns, times (ISO 8601, consistent with t0 and
 * t_hours), measures, numbers, tolerances (one wider than the rule needs a note). Errors
 * are DM_EDATA at file:line:col (DM_ENOINPUT when it cannot be read). O(file size). */
DM_EXPORT int dm_facts_load(const char *path, dm_facts **out, dm_error *err);
/* The same from text in memory (len bytes, no NUL needed); path names it in errors. */
DM_EXPORT int dm_facts_parse(const char *text, size_t len, const char *path, dm_facts **out, dm_error *err);
DM_EXPORT void dm_facts_free(dm_facts *f);

typedef struct dm_fact_result {
    const dm_fact *fact;
    double observed;         /* the share, or t_hours for events (NaN: no time observed) */
    double simulated;        /* the median replicate's value; NaN: the event did not happen */
    double p05, p95;         /* the band over replicates (INFINITY: did not happen) */
    double difference;       /* simulated - observed (NaN when either is missing) */
    double tolerance;        /* the fact's, with the capacity floor of units_lost applied */
    int held;
    const char *why;         /* a short reason when it did not hold, else "" */
} dm_fact_result;

typedef struct dm_sequence_result {
    char *name;
    size_t *facts;           /* indices into results, in observed order */
    size_t nfacts;
    int held;                /* in the median replicate */
    double share_held;       /* share of replicates in which the order held */
    /* Informational, not scored: in the median replicate, whether each step's first loss
     * follows, through the causes the event log records, from the previous step's sector
     * (caused[j] for step j >= 1: 1 yes, 0 no, -1 unknown: no events stored or no loss, -2 not
     * asked: only an onset following another sector's onset has a cause), and
     * the sector of its direct cause (-1: a hazard). */
    int *caused, *direct_cause_sector;
} dm_sequence_result;

typedef struct dm_comparison {
    dm_fact_result *results;
    size_t nresults;
    dm_sequence_result *sequences;
    size_t nsequences;
    size_t facts_held, sequences_held;
    uint64_t replicates, median_replicate;
    double horizon_hours;
} dm_comparison;

/* Scores the run in f against facts: region and sector names are resolved against the
 * run's model (an unknown one is DM_EDATA at the facts file's line:col). Needs the impact
 * maps (`--store maps`, the default). The caller frees *out with dm_comparison_free.
 * O(replicates x (time x regions x sectors + facts x time)). */
DM_EXPORT int dm_compare(dm_result_file *f, const dm_facts *facts, dm_comparison **out, dm_error *err);
DM_EXPORT void dm_comparison_free(dm_comparison *c);

/* The tolerance rule: a time within 30 %, at least 2 h; a share within 50 % of the
 * observed value, at least 3 points; a count within 50 % (dm_compare adds the floor: 3 %
 * of the sector's capacity in the fact's regions). */
DM_EXPORT double dm_fact_rule_tolerance(dm_measure m, double observed);
DM_EXPORT const char *dm_measure_name(dm_measure m);

#endif
