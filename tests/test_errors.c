/* Every error path of the loaders: the message names file:line:column, what was expected
 * and what was found, and the code is 65 (bad data) or 66 (missing input). */
#include "helpers.h"

#define MODEL "model:\n  sectors:\n    - {id: A, name_en: A}\n    - {id: B, name_en: B}\n"

static void expect_error(const char *yaml, int code, int line, int column, const char *needle)
{
    dm_error e = load_error(yaml);
    cr_expect_eq(e.code, code, "code %d, expected %d (%s)", e.code, code, e.message);
    cr_expect_eq(e.line, line, "line %d, expected %d (%s)", e.line, line, e.message);
    if (column) cr_expect_eq(e.column, column, "column %d, expected %d (%s)", e.column, column, e.message);
    cr_expect(strstr(e.message, needle) != NULL, "message '%s' lacks '%s'", e.message, needle);
    cr_expect_str_eq(e.file, "bad.yaml");
}

Test(errors, unknown_key)
{
    expect_error(MODEL "horizon: 1d\nhorizn: 2d\n", 65, 6, 1, "unknown key 'horizn'");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A]}, sevrity: 1}\n",
                 65, 6, 50, "expected one of");
}

Test(errors, wrong_type)
{
    expect_error(MODEL "seed: [1, 2]\n", 65, 5, 7, "found a list");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, strength: strong}\n",
                 65, 6, 46, "expected a number in [0, 1], found 'strong'");
}

Test(errors, dangling_references)
{
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: ELECC}\n", 65, 6, 33, "found 'ELECC'");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [X]}}\n", 65, 6, 45, "found 'X'");
}

Test(errors, durations)
{
    expect_error(MODEL "horizon: -3d\n", 65, 5, 10, "duration with a unit");
    expect_error(MODEL "horizon: 36\n", 65, 5, 10, "found '36'");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, lag: 5 parsecs}\n", 65, 6, 41, "lag");
}

Test(errors, probability_outside_unit_interval)
{
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A]}, severity: 1.5}\n",
                 65, 6, 60, "expected a number in [0, 1], found '1.5'");
}

Test(errors, zero_lag_cycle_that_cannot_settle)
{
    expect_error("model:\n  sectors:\n    - {id: A, name_en: A, dynamics: {kind: relax, k: 0.5}}\n"
                 "    - {id: B, name_en: B}\n  dependencies:\n"
                 "    - {dependent: A, providers: B}\n    - {dependent: B, providers: A}\n",
                 65, 6, 7, "cycle of zero-lag dependencies");
}

Test(errors, not_yaml_and_empty)
{
    expect_error("model: [unclosed\n", 65, 2, 0, "not valid YAML");
    expect_error("", 65, 1, 1, "empty");
    expect_error("- a list\n", 65, 1, 1, "expected a mapping");
}

Test(errors, duplicates_and_kinds)
{
    expect_error("model:\n  sectors:\n    - {id: A, name_en: A}\n    - {id: A, name_en: B}\n", 65, 4, 12, "defined twice");
    expect_error(MODEL "hazards:\n  - {id: h, kind: meteor, select: {sectors: [A]}}\n", 65, 6, 19, "cyber attack");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A]}}\n  - {id: h, kind: other, select: {sectors: [A]}}\n",
                 65, 7, 10, "used twice");
}

Test(errors, missing_files)
{
    dm_scenario *s;
    dm_error e;
    dm_error_clear(&e);
    cr_expect_eq(dm_scenario_load("/nonexistent/scenario.yaml", &s, &e), 66);
    cr_expect_str_eq(e.file, "/nonexistent/scenario.yaml");
    /* a scenario naming a model file that is not there: 66, at the reference */
    dm_error f = load_error("model: missing-model.yaml\n");
    cr_expect_eq(f.code, 66);
    cr_expect_eq(f.line, 1);
    cr_expect_eq(f.column, 8);
}

Test(errors, random_selection)
{
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A], count: 5}}\n", 65, 6, 56,
                 "a whole number from 1 to 1");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A], count: 1, fraction: 0.5}}\n",
                 65, 6, 69, "count or fraction, not both");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A], fraction: 1.5}}\n", 65, 6, 59,
                 "select fraction");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {count: 1}}\n", 65, 6, 34,
                 "expected at least one of sectors");
}

Test(errors, top_k_selection)
{
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A, B], top: 3}}\n", 65, 6, 57,
                 "a whole number from 1 to 2");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A], top: 1, count: 1}}\n", 65, 6, 54,
                 "top picks nodes by rank");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A], by: degree}}\n", 65, 6, 53,
                 "by goes with top");
    expect_error(MODEL "hazards:\n  - {id: h, kind: other, select: {sectors: [A], top: 1, by: fame}}\n", 65, 6, 61,
                 "degree, dependents or betweenness");
}

Test(errors, facilities_buffers)
{
    /* a table CDF that goes down, values that do not increase, a last point below 1 */
    expect_error(MODEL "  dependencies:\n    - dependent: B\n      providers: A\n      buffer:\n"
                 "        facilities: {dist: table, points: [[2h, 0.5], [6h, 0.4], [24h, 1]]}\n",
                 65, 9, 60, "must not decrease (0.4 after 0.5)");
    expect_error(MODEL "  dependencies:\n    - dependent: B\n      providers: A\n      buffer:\n"
                 "        facilities: {dist: table, points: [[6h, 0.2], [2h, 0.5], [24h, 1]]}\n",
                 65, 9, 56, "table values must increase");
    expect_error(MODEL "  dependencies:\n    - dependent: B\n      providers: A\n      buffer:\n"
                 "        facilities: {dist: table, points: [[2h, 0.2], [6h, 0.9]]}\n",
                 65, 9, 60, "cumulative share 1 (found 0.9)");
    expect_error(MODEL "  dependencies:\n    - dependent: B\n      providers: A\n      buffer:\n"
                 "        facilities: {dist: table, points: [[2h, 1.2]]}\n",
                 65, 9, 49, "expected a number in [0, 1], found '1.2'");
    /* a share outside [0, 1] */
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, share: 1.5}}\n",
                 65, 6, 66, "buffer share: expected a number in [0, 1], found '1.5'");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, share: -0.1}}\n",
                 65, 6, 66, "found '-0.1'");
    /* a restart rate that is not a number >= 0, a restart share outside [0, 1] */
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, restart_rate: -1}}\n",
                 65, 6, 73, "buffer restart_rate (share per hour)");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, restart_share: 1.5}}\n",
                 65, 6, 74, "buffer restart_share: expected a number in [0, 1], found '1.5'");
    /* resupply_after: a duration >= 0 (or a distribution of them), and only with resupply */
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, resupply: A, resupply_after: -2h}}\n",
                 65, 6, 88, "buffer resupply_after: expected a non-negative duration with a unit");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, resupply: A, resupply_after: soon}}\n",
                 65, 6, 88, "found 'soon'");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, resupply: A, resupply_after: {dist: uniform, min: -1h, max: 2h}}}\n",
                 65, 6, 109, "buffer resupply_after: 'min': expected a non-negative duration");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, resupply_after: 2h}}\n",
                 65, 6, 75, "'resupply_after' needs 'resupply' providers");
    /* one duration or a distribution across facilities, not both, not neither */
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {duration: 3h, facilities: 2h}}\n",
                 65, 6, 71, "either 'duration' or 'facilities'");
    expect_error(MODEL "  dependencies:\n    - {dependent: B, providers: A, buffer: {share: 0.5}}\n",
                 65, 6, 44, "'duration' or a 'facilities'");
}
