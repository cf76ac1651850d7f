/* The causal timeline as data: one line per thing that happened (an engine event, a breach
 * milestone, a planner's inject), with what caused it, built once from a replicate's
 * results. timeline.c builds the lines; injects.c filters, groups and words them. */
#ifndef DOMINO_IO_TIMELINE_H
#define DOMINO_IO_TIMELINE_H

#include "domino.h"

enum { TL_EVENT, TL_BREACH, TL_PLANNER };
enum { TL_BREACH_BEGINS, TL_BREACH_CONFIRMED, TL_BREACH_ENDS };

/* Nodes a chain of causes names at most; a longer chain ends with "...". */
#define TL_CHAIN_MAX 8

/* A chain of causes: node[0] lost service (since[0]) because node[1] had, ... back to the
 * hazard at the root (-1 when the chain is cut: a loop or too long). */
typedef struct tl_chain {
    int n;
    int node[TL_CHAIN_MAX];
    int64_t since[TL_CHAIN_MAX];
    int hazard;
    int cut;               /* more causes than TL_CHAIN_MAX */
} tl_chain;

typedef struct tl_line {
    int64_t tick;
    int type;              /* TL_EVENT, TL_BREACH, TL_PLANNER */
    int kind;              /* dm_event_kind, a TL_BREACH_* milestone, or unused */
    int node, sector, region, group;   /* -1 when not about one */
    double value, prev;    /* level after and before (levels); severity or share (hazards);
                              buffer ticks left (buffers) */
    int held;              /* a backup engaged and resupplied in the same tick: not draining */
    int hazard;            /* a hazard line's hazard; a loss from the node's own damage */
    int cause;             /* the provider whose loss this follows, or -1 */
    int64_t cause_since;   /* since when the provider has been in the state named */
    int cause_down;        /* the provider is down (else degraded) */
    int resupply;          /* the resupply provider whose loss drains (drained) the backup, or -1 */
    int64_t resupply_since;
    tl_chain chain;        /* the cause's chain (or just the hazard) */
    tl_chain resupply_chain;
    size_t index;          /* the planner's inject (TL_PLANNER) */
    const dm_breach *breach;  /* the breach (TL_BREACH): a sector's, or a region's part of it */
    unsigned kinds;        /* DM_KIND_BREACHES, _LOSSES or _RESTORATIONS */
    int dropped;           /* cancelled by another line of the same tick */
} tl_line;

/* Builds the lines of replicate r in time order (a tick's planner injects first, then its
 * events in log order, then its breach milestones). Returns the number of lines and sets
 * *out (the caller frees it); *out is NULL when out of memory. O(events + breaches). */
size_t tl_build(const dm_scenario *sc, const dm_engine_result *r, tl_line **out);

/* An amount in a sector's unit to 3 significant digits, in the language's words:
 * "660,000 users" / "利用者 66万人", "31,000 households" / "3.1万戸", "790,000 kW" / "79万kW". */
void tl_amount(int ja, double x, const char *unit, char *buf, size_t size);

/* Display width of UTF-8 text: East Asian wide characters take two columns. */
int tl_display_width(const char *s);

#endif
