/* Shared helpers for the Criterion suites: load a scenario from a YAML string, run it,
 * and find events and breaches in the results. */
#ifndef DOMINO_TEST_HELPERS_H
#define DOMINO_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <string.h>
#include "domino.h"

static inline dm_scenario *load_yaml(const char *yaml)
{
    dm_scenario *s = NULL;
    dm_error err;
    dm_error_clear(&err);
    int rc = dm_scenario_parse(yaml, strlen(yaml), "test.yaml", &s, &err);
    char buf[1200];
    cr_assert_eq(rc, 0, "loading failed: %s", dm_error_format(&err, buf, sizeof buf));
    return s;
}

/* Expects loading to fail; returns the error. */
static inline dm_error load_error(const char *yaml)
{
    dm_scenario *s = NULL;
    dm_error err;
    dm_error_clear(&err);
    int rc = dm_scenario_parse(yaml, strlen(yaml), "bad.yaml", &s, &err);
    cr_assert_neq(rc, 0, "expected an error, the scenario loaded");
    cr_assert_null(s);
    cr_assert_eq(rc, err.code);
    return err;
}

typedef struct sim { dm_scenario *sc; dm_engine *eng; const dm_engine_result *r; } sim;

static inline sim simulate(const char *yaml)
{
    sim x = {load_yaml(yaml), NULL, NULL};
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_engine_new(x.sc, &x.eng, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_run(x.eng, 0, &err), 0, "%s", err.message);
    x.r = dm_engine_results(x.eng);
    return x;
}

static inline void sim_free(sim *x)
{
    dm_engine_free(x->eng);
    dm_scenario_free(x->sc);
}

static inline int node_of(const sim *x, const char *id)
{
    int v = dm_model_node(x->sc->model, id);
    cr_assert_geq(v, 0, "no node %s", id);
    return v;
}

/* Tick of the first event of kind on node id, or -1. */
static inline int64_t first_event(const sim *x, const char *id, dm_event_kind kind)
{
    int v = node_of(x, id);
    for (size_t i = 0; i < x->r->nevents; i++)
        if (x->r->events[i].node == v && x->r->events[i].kind == kind) return x->r->events[i].tick;
    return -1;
}

static inline size_t count_events(const sim *x, const char *id, dm_event_kind kind)
{
    int v = node_of(x, id);
    size_t n = 0;
    for (size_t i = 0; i < x->r->nevents; i++) n += x->r->events[i].node == v && x->r->events[i].kind == kind;
    return n;
}

static inline double level(const sim *x, const char *id) { return dm_engine_node_level(x->eng, node_of(x, id)); }

/* The breach of sector id (its first), or NULL. */
static inline const dm_breach *breach_of(const sim *x, const char *id)
{
    int s = dm_model_sector(x->sc->model, id);
    cr_assert_geq(s, 0);
    int b = x->r->sectors[s].first_breach;
    return b >= 0 ? &x->r->breaches[b] : NULL;
}

#endif
