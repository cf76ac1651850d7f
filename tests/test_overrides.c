/* A scenario's overrides (docs/scenario-format.md, "Overrides"): the same bits as a model
 * edited by hand, '*' selectors setting every match, errors at the override's position,
 * the record of what was set, and sweeps over a '*' path. */
#include <stdio.h>
#include "helpers.h"
#include "cli_helpers.h"

static char dir[256];

static void make_dir(void) { scratch_make(dir, "overrides"); }
static void remove_dir(void) { scratch_remove(dir); }

TestSuite(overrides, .init = make_dir, .fini = remove_dir, .timeout = 120);

static const char *source(const char *rel)
{
    static char path[2][1024];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", env("DOMINO_SOURCE"), rel);
    return path[k];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Replaces every occurrence of from by to in text (a new string). */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t n = 0, lf = strlen(from), lt = strlen(to);
    for (const char *p = text; (p = strstr(p, from)); p += lf) n++;
    char *out = malloc(strlen(text) + n * (lt + 1) + 1), *o = out;
    for (const char *p = text, *q; ; p = q + lf) {
        q = strstr(p, from);
        size_t k = q ? (size_t)(q - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!q) break;
        memcpy(o, to, lt);
        o += lt;
    }
    *o = 0;
    return out;
}

static dm_scenario *parse_at(const char *path, const char *yaml)
{
    dm_scenario *s = NULL;
    dm_error err;
    dm_error_clear(&err);
    char buf[1200];
    cr_assert_eq(dm_scenario_parse(yaml, strlen(yaml), path, &s, &err), 0, "%s", dm_error_format(&err, buf, sizeof buf));
    return s;
}

static const dm_engine_result *run(dm_scenario *sc, dm_engine **eng)
{
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_engine_new(sc, eng, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_run(*eng, 0, &err), 0, "%s", err.message);
    return dm_engine_results(*eng);
}

/* Every event, breach and sector result equal, to the bit. */
static int same_results(const dm_engine_result *a, const dm_engine_result *b, size_t nsectors)
{
    if (a->nevents != b->nevents || a->nbreaches != b->nbreaches) return 0;
    for (size_t i = 0; i < a->nevents; i++) {
        const dm_event *x = &a->events[i], *y = &b->events[i];
        if (x->tick != y->tick || x->node != y->node || x->kind != y->kind || x->cause_node != y->cause_node ||
            x->group != y->group || x->hazard != y->hazard || memcmp(&x->value, &y->value, sizeof x->value))
            return 0;
    }
    for (size_t i = 0; i < a->nbreaches; i++) {
        const dm_breach *x = &a->breaches[i], *y = &b->breaches[i];
        if (x->sector != y->sector || x->onset != y->onset || x->confirmed != y->confirmed || x->end != y->end ||
            memcmp(&x->peak, &y->peak, sizeof x->peak) || memcmp(&x->unit_hours, &y->unit_hours, sizeof x->unit_hours))
            return 0;
    }
    for (size_t s = 0; s < nsectors; s++)
        if (memcmp(&a->sectors[s].min_level, &b->sectors[s].min_level, sizeof(double)) ||
            memcmp(&a->sectors[s].unserved_unit_hours, &b->sectors[s].unserved_unit_hours, sizeof(double)))
            return 0;
    return 1;
}

static const char *HAZARDS =
    "horizon: 1d\n"
    "hazards:\n"
    "  - {id: north, kind: natural disaster, select: {nodes: [ELEC.N]}, at: 1h, severity: 0.5, duration: 3h}\n"
    "  - {id: south, kind: natural disaster, select: {nodes: [ELEC.S]}, at: 1h, severity: 1, duration: 3h}\n";

/* Two overrides (a '*' selector matching both ICT dependencies on power, and one
 * buffer) give the same bits as the model with those numbers edited in its text; and
 * differ from the model as written, so the comparison can fail. */
Test(overrides, same_bits_as_the_model_edited_by_hand)
{
    char *model = slurp(source("tests/data/two-regions.yaml"));
    char *edited = replace_all(model, "providers: ELEC.N, strength: 0.5", "providers: ELEC.N, strength: 0.8");
    char *edited2 = replace_all(edited, "providers: ELEC.S, strength: 0.5", "providers: ELEC.S, strength: 0.8");
    char *edited3 = replace_all(edited2, "strength: 0.2, buffer: {duration: 2h}}\n  - {dependent: WATER.S",
                                "strength: 0.2, buffer: {duration: 90min}}\n  - {dependent: WATER.S");
    cr_assert_str_neq(edited3, edited2, "the hand edit did not apply");
    char mpath[512], spath[512], yaml[4096];
    snprintf(mpath, sizeof mpath, "%s/edited.yaml", dir);
    write_file(mpath, edited3);
    snprintf(spath, sizeof spath, "%s/scenario.yaml", dir);

    snprintf(yaml, sizeof yaml, "model: %s\n%s", mpath, HAZARDS);
    dm_scenario *by_hand = parse_at(spath, yaml);
    snprintf(yaml, sizeof yaml, "model: %s\n%soverrides:\n"
             "  - {path: 'model.dependencies[dependent=ICT.*,providers=ELEC.*].strength', value: 0.8}\n"
             "  - {path: 'model.dependencies[dependent=WATER.N].buffer.duration', value: 90min}\n",
             source("tests/data/two-regions.yaml"), HAZARDS);
    dm_scenario *overridden = parse_at(spath, yaml);
    snprintf(yaml, sizeof yaml, "model: %s\n%s", source("tests/data/two-regions.yaml"), HAZARDS);
    dm_scenario *as_written = parse_at(spath, yaml);

    cr_expect_eq(overridden->noverrides, 2);
    cr_expect_eq(overridden->overrides[0].matches, 2);
    cr_expect_eq(overridden->overrides[1].matches, 1);
    cr_expect_str_eq(overridden->overrides[1].value, "90min");
    /* the model keeps its text as written (and so its SHA-256) */
    cr_expect_str_eq(overridden->model->text, model);

    dm_engine *e1, *e2, *e3;
    const dm_engine_result *r1 = run(by_hand, &e1), *r2 = run(overridden, &e2), *r3 = run(as_written, &e3);
    cr_expect(same_results(r1, r2, by_hand->model->nsectors), "the overrides do not give the hand-edited model's results");
    cr_expect(!same_results(r1, r3, by_hand->model->nsectors), "the edit changes nothing: the test cannot fail");
    dm_engine_free(e1); dm_engine_free(e2); dm_engine_free(e3);
    dm_scenario_free(by_hand); dm_scenario_free(overridden); dm_scenario_free(as_written);
    free(model); free(edited); free(edited2); free(edited3);
}

/* On the prefecture model, one '*' path sets the 94 dependencies of 情報通信 on 電力 (base
 * stations and exchange buildings in 47 prefectures) and no other. */
Test(overrides, a_wildcard_sets_every_match_and_nothing_else)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: %s\noverrides:\n"
             "  - path: model.dependencies[dependent=ICT.*,providers=ELEC.*].strength\n"
             "    value: 0.37\n", source("models/japan-prefectures.yaml"));
    dm_scenario *sc = parse_at("/tmp/wild.yaml", yaml);
    cr_assert_eq(sc->overrides[0].matches, 94);
    const dm_model *m = sc->model;
    size_t set = 0, ict_elec = 0;
    for (size_t g = 0; g < m->ndefined_groups; g++) {
        const dm_group *gr = &m->groups[g];
        char buf[DM_NODE_ID_MAX];
        const char *dep = dm_node_id(m, (size_t)gr->dependent, buf);
        int is_ict_elec = 0;
        for (size_t p = 0; p < gr->nproviders; p++) {
            char pb[DM_NODE_ID_MAX];
            is_ict_elec |= !strncmp(dep, "ICT.", 4) && !strncmp(dm_node_id(m, (size_t)m->provider_node[gr->first + p], pb), "ELEC.", 5);
        }
        ict_elec += is_ict_elec;
        set += gr->strength == 0.37;
        if (is_ict_elec) cr_expect_eq(gr->strength, 0.37, "group %zu", g);
    }
    cr_expect_eq(ict_elec, 94);
    cr_expect_eq(set, 94, "other dependencies were changed");
    dm_scenario_free(sc);
}

/* A path that matches nothing is an error at the path's line and column; so is a value
 * the model refuses (at the value), a path outside the model, and a selector without '*'
 * that matches several elements. */
Test(overrides, errors_name_the_override)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: %s\nhazards:\n  - {id: h, kind: other, select: {sectors: [ELEC]}}\n"
             "overrides:\n"
             "  - path: model.dependencies[dependent=ICT.N].strength\n"
             "    value: 0.3\n"
             "  - path: model.dependencies[dependent=FOO.*].strength\n"
             "    value: 0.3\n", source("tests/data/two-regions.yaml"));
    dm_error e = load_error(yaml);
    cr_expect_eq(e.code, DM_EDATA);
    cr_expect_eq(e.line, 7);
    cr_expect_eq(e.column, 11);
    cr_expect(strstr(e.message, "matches no element"), "%s", e.message);
    cr_expect(strstr(e.message, "dependent=FOO.*"), "%s", e.message);

    snprintf(yaml, sizeof yaml, "model: %s\noverrides:\n"
             "  - path: model.dependencies[dependent=ICT.N].strength\n"
             "    value: 3\n", source("tests/data/two-regions.yaml"));
    e = load_error(yaml);
    cr_expect_eq(e.line, 4);
    cr_expect_eq(e.column, 12);
    cr_expect(strstr(e.message, "strength") && strstr(e.message, "[0, 1]"), "%s", e.message);

    snprintf(yaml, sizeof yaml, "model: %s\noverrides:\n  - {path: scenario.horizon, value: 3h}\n",
             source("tests/data/two-regions.yaml"));
    e = load_error(yaml);
    cr_expect_eq(e.line, 3);
    cr_expect(strstr(e.message, "model."), "%s", e.message);

    snprintf(yaml, sizeof yaml, "model: %s\noverrides:\n  - {path: 'model.dependencies[providers=GEN.ALL].strength', value: 1}\n",
             source("tests/data/two-regions.yaml"));
    e = load_error(yaml);
    cr_expect(strstr(e.message, "more than one element"), "%s", e.message);

    snprintf(yaml, sizeof yaml, "model: %s\noverrides:\n  - {path: 'model.sectors[ICT].threshold', value: 1}\n"
             "  - {value: 1}\n", source("tests/data/two-regions.yaml"));
    e = load_error(yaml);
    cr_expect_eq(e.line, 4);
    cr_expect(strstr(e.message, "path"), "%s", e.message);
}

/* A value may be a mapping (a distribution), and overrides reach an inline model too. */
Test(overrides, mapping_values_and_inline_models)
{
    dm_scenario *sc = load_yaml(
        "model:\n"
        "  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n"
        "  dependencies: [{dependent: B, providers: A, buffer: {duration: 1h}}]\n"
        "overrides:\n"
        "  - {path: 'model.dependencies[dependent=B].buffer.duration', value: {dist: uniform, min: 2h, max: 4h}}\n");
    const dm_group *g = &sc->model->groups[0];
    cr_expect_eq(g->buffer.kind, DM_DIST_UNIFORM);
    cr_expect_float_eq(g->buffer.a, 7200, 1e-9);
    cr_expect_float_eq(g->buffer.b, 14400, 1e-9);
    cr_expect_str_eq(sc->overrides[0].value, "{dist: uniform, min: 2h, max: 4h}");
    cr_expect_null(sc->model->text);
    dm_scenario_free(sc);
}

/* The JSON summary and the result file record the overrides; `timeline FILE` reloads the
 * run with them set (its timeline equals the run's). */
Test(overrides, json_and_result_file_record_them)
{
    char spath[512], args[1200], *out = NULL;
    snprintf(spath, sizeof spath, "%s/s.yaml", dir);
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: %s\n%soverrides:\n"
             "  - {path: 'model.dependencies[dependent=WATER.*].buffer.duration', value: 30min}\n",
             source("tests/data/two-regions.yaml"), HAZARDS);
    write_file(spath, yaml);
    snprintf(args, sizeof args, "run %s --json", spath);
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    cr_expect(strstr(out, "\"overrides\"") && strstr(out, "\"matches\": 2") && strstr(out, "\"value\": \"30min\""), "%s", out);
    free(out);
    snprintf(args, sizeof args, "run %s -o %s/s.h5", spath, dir);
    char *ran = NULL, *again = NULL;
    cr_assert_eq(domino(dir, args, 0, &ran), 0);
    snprintf(args, sizeof args, "timeline %s/s.h5", dir);
    cr_assert_eq(domino(dir, args, 0, &again), 0);
    cr_expect(strstr(ran, again) != NULL, "timeline FILE differs from the run:\n%s\n---\n%s", ran, again);
    cr_expect(strstr(again, "0:30 left"), "%s", again);
    free(ran); free(again);
    snprintf(args, sizeof args, "h5dump -A %s/s.h5 | grep -A12 '\"overrides\"'", dir);
    cr_assert_eq(run_capture(args, &out), 0);
    cr_expect(strstr(out, "dependent=WATER.*") && strstr(out, "matches: 2"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "info %s/s.h5", dir);
    cr_assert_eq(domino(dir, args, 0, &out), 0);
    cr_expect(strstr(out, "overrides:    model.dependencies[dependent=WATER.*].buffer.duration = 30min (2 places)"), "%s", out);
    free(out);
}

/* A sweep parameter whose path has '*' sets every match at each point. */
Test(overrides, sweep_over_a_wildcard_path)
{
    char spath[512], wpath[512], yaml[2048];
    snprintf(spath, sizeof spath, "%s/base.yaml", dir);
    snprintf(yaml, sizeof yaml, "model: %s\n%s", source("tests/data/two-regions.yaml"), HAZARDS);
    write_file(spath, yaml);
    snprintf(wpath, sizeof wpath, "%s/sweep.yaml", dir);
    snprintf(yaml, sizeof yaml, "scenario: base.yaml\nparameters:\n"
             "  - {name: ict, path: 'model.dependencies[dependent=ICT.*,providers=ELEC.*].strength', values: [0.1, 0.9]}\n");
    write_file(wpath, yaml);
    dm_sweep *s;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_sweep_load(wpath, &s, &err), 0, "%s", err.message);
    const double want[2] = {0.1, 0.9};
    for (size_t i = 0; i < 2; i++) {
        dm_scenario *sc;
        cr_assert_eq(dm_sweep_point_scenario(s, i, &sc, &err), 0, "%s", err.message);
        size_t n = 0;
        for (size_t g = 0; g < sc->model->ndefined_groups; g++) {
            char buf[DM_NODE_ID_MAX];
            if (!strncmp(dm_node_id(sc->model, (size_t)sc->model->groups[g].dependent, buf), "ICT.", 4)) {
                cr_expect_eq(sc->model->groups[g].strength, want[i], "point %zu group %zu", i, g);
                n++;
            }
        }
        cr_expect_eq(n, 2);
        dm_scenario_free(sc);
    }
    dm_sweep_free(s);
}

/* ICT_VISIT's base stations have ICT's batteries as one YAML node (an anchor and its alias in
 * models/japan-sectors.yaml): an override of ICT's path changes both. With the shortest
 * battery at 5 h (was 2 h), neither node has lost anything 4 h into a blackout; without the
 * override both have. */
static double ict_visit_at_4h(const char *override)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: t\nmodel: japan-sectors\nhorizon: 12h\n"
             "hazards:\n  - {id: dark, kind: other, select: {sectors: [ELEC]}, severity: 1.0, duration: 6h}\n%s", override);
    dm_scenario *sc = load_yaml(yaml);
    dm_engine *e;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_engine_new(sc, &e, &err), 0, "%s", err.message);
    cr_assert_eq(dm_engine_set_output(e, 10, DM_STORE_NODES, &err), 0);
    cr_assert_eq(dm_engine_run(e, 0, &err), 0, "%s", err.message);
    const dm_engine_result *r = dm_engine_results(e);
    int v = dm_model_node(sc->model, "ICT_VISIT"), ict = dm_model_node(sc->model, "ICT");
    cr_assert(v >= 0 && ict >= 0);
    double level = r->node_level[24 * sc->model->nnodes + (size_t)v];  /* grid point 24: 4 h */
    cr_expect_float_eq(level, r->node_level[24 * sc->model->nnodes + (size_t)ict], 0.02, "ICT_VISIT fades with ICT");
    dm_engine_free(e);
    dm_scenario_free(sc);
    return level;
}

Test(overrides, the_stations_batteries_are_one_value_for_ict_and_ict_visit)
{
    cr_expect_lt(ict_visit_at_4h(""), 0.95);
    cr_expect_eq(ict_visit_at_4h("overrides:\n  - {path: 'model.dependencies[dependent=ICT,providers=ELEC,strength=0.8].buffer.facilities.min', value: 5h}\n"), 1.0);
}
