/* A whole run with plain arguments, for bindings (include/domino/output.h, dm_run_files):
 * the steps of `domino run -o OUTPUT --json` (src/cli/run.c, cmd_run) without the
 * terminal's progress, signals and memory check, so python/domino needs no struct layout. */
#include <stdio.h>
#include <string.h>
#include "domino/output.h"
#include "domino/render.h"

int dm_parse_store(const char *list, unsigned *flags)
{
    static const char *const names[] = {"sectors", "maps", "nodes", "events"};
    char buf[256];
    *flags = 0;
    if (strlen(list) >= sizeof buf) return -1;
    strcpy(buf, list);
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (unsigned i = 0; i < 4; i++)
            if (!strcmp(tok, names[i])) { *flags |= 1u << i; found = 1; }
        if (!found) return -1;
    }
    return *flags ? 0 : -1;
}

/* The median replicate again, with sector levels and maps on the run's grid (run_one in
 * src/cli/commands.c). */
static int rerun(const dm_scenario *sc, uint64_t replicate, int64_t interval, dm_engine **eng, dm_error *err)
{
    int rc = dm_engine_new(sc, eng, err);
    if (!rc) rc = dm_engine_set_output(*eng, interval, DM_STORE_SECTORS | DM_STORE_MAPS, err);
    if (!rc) rc = dm_engine_run(*eng, replicate, err);
    return rc;
}

int dm_run_files(const char *scenario, uint64_t replicates, int has_seed, uint64_t seed, int threads,
                 const char *interval, const char *store, const char *output, const char *json_output,
                 const char *command_line, dm_error *err)
{
    int64_t interval_s = 600;
    unsigned store_flags = 0;
    if (interval && *interval && (dm_parse_duration(interval, &interval_s) || interval_s <= 0))
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "interval: expected a duration such as 10min or 1h, found '%s'",
                            interval);
    if (store && *store && dm_parse_store(store, &store_flags))
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "store: expected a comma-separated list of sectors, maps, "
                            "nodes, events; found '%s'", store);
    if (threads < 0) return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "threads: expected 0 (all cores) or more, found %d", threads);
    dm_scenario *sc;
    int rc = dm_scenario_load(scenario, &sc, err);
    if (rc) return rc;
    if (has_seed) sc->seed = seed;
    int64_t ticks = dm_scenario_ticks(sc, interval_s);
    dm_mc_config cfg = {
        .replicates = replicates ? replicates : sc->replicates,
        .threads = threads,
        .interval = ticks < 1 ? 1 : ticks,
        .store = store_flags,
        .stats = DM_STORE_SECTORS | DM_STORE_MAPS,  /* as `run -o`: the file summarises both */
    };
    dm_h5_provenance prov = {command_line ? command_line : "", cfg.replicates};
    dm_h5_writer *writer = NULL;
    dm_engine *eng = NULL;
    dm_output json = {0};
    dm_stats st;
    memset(&st, 0, sizeof st);
    if (cfg.replicates > INT64_MAX) {
        rc = dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "replicates: expected at most 2^63 - 1");
        goto done;
    }
    if (json_output && (rc = dm_output_begin(&json, json_output, DM_OUTPUT_TEXT, NULL, 0, err))) goto done;
    if ((rc = dm_h5_create(output, sc, &cfg, &prov, &writer, err))) goto done;
    cfg.sink = dm_h5_append;
    cfg.sink_runs = 1;  /* the writer takes series as runs */
    cfg.sink_ctx = writer;
    if ((rc = dm_mc_run(sc, &cfg, &st, err))) goto done;
    if (st.replicates > 0 && (rc = rerun(sc, st.median_replicate, cfg.interval, &eng, err))) goto done;
    if (eng && (rc = dm_h5_median(writer, dm_engine_results(eng), err))) goto done;
    if (json_output) {
        if (dm_render_json(json.stream, sc, dm_engine_results(eng), cfg.replicates > 1 ? &st : NULL, cfg.interval)) {
            rc = dm_error_set(err, DM_EIO, json_output, 0, 0, "writing the JSON summary failed");
            goto done;
        }
    }
    rc = dm_h5_finish(writer, &st, err);
    writer = NULL;
    if (!rc && json_output) rc = dm_output_commit(&json, err);
done:
    if (rc) dm_output_abort(&json);
    if (writer) dm_h5_abort(writer);
    dm_engine_free(eng);
    dm_stats_free(&st);
    dm_scenario_free(sc);
    return rc;
}
