/* domino run: a Monte Carlo run, its median replicate's timeline and breach table, the
 * statistics across replicates; -o writes the result file. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <omp.h>
#include "domino.h"
#include "cli.h"

static const char run_help[] =
    "usage: domino run [SCENARIO] [options]\n"
    "\n"
    "Runs SCENARIO (a YAML file; default: the embedded default scenario, a 6-hour cyber\n"
    "attack on the power grid on the embedded Japan 15-sector model) and prints the causal\n"
    "timeline and the per-sector breach table. With several replicates (Monte Carlo) it\n"
    "prints the median replicate's timeline and the statistics across replicates.\n"
    "\n"
    "options:\n"
    "  -o FILE            write everything the run produced to FILE (HDF5, netCDF-4\n"
    "                     compatible; docs/output-format.md). Written atomically.\n"
    "  --replicates N     replicates to run (default: the scenario's `replicates`, or 1)\n"
    "  --replicate R      run replicates R, R+1, ... instead of 0, 1, ... (default 0)\n"
    "  --threads N        OpenMP threads (default: all cores)\n"
    "  --interval DUR     output grid of the time series, e.g. 10min (default), 1h\n"
    "  --store LIST       every replicate's series -o also stores, from\n"
    "                     sectors,maps,nodes,events (default: none; a file always has\n"
    "                     the statistics, the breaches and the median replicate)\n"
    "  --max-memory SIZE  refuse runs whose statistics need more, e.g. 4G (default: half\n"
    "                     of this machine's memory)\n"
    "  --json             print one JSON document instead (docs/json-output.md)\n"
    "  --region ID        show one region: its events, breaches and JSON (id, code\n"
    "                     or name of a region of the model)\n"
    "  --timeline         print the per-node timeline also for models of more than\n"
    "                     1,000 nodes (default: only for smaller ones)\n"
    "  --no-timeline      print only the summary (header, breach table, statistics)\n"
    "  --strict           stop (exit 65) on what would otherwise be a warning, such as a\n"
    "                     hazard that cannot start before the horizon\n"
    "  --lang ja|en       language of names and messages (default: from the locale)\n"
    "  --seed N           override the scenario's seed\n"
    "  --quiet            no progress on stderr\n"
    "  -h, --help         this help\n"
    "\n"
    "SIGINT or SIGTERM stop the run after the replicates in flight; the file then holds\n"
    "the completed ones (status \"interrupted\") and the exit code is 130 or 143.\n";


/* Above this many nodes `run` prints the summary and no per-node timeline unless asked
 * (a 2 x 10^5-node layer model printed 276,163 lines for 4 replicates). */
#define DM_RUN_TIMELINE_MAX_NODES 1000

static void print_header(const dm_scenario *sc, uint64_t shown, const dm_stats *st, int ja)
{
    const dm_model *m = sc->model;
    char h[24];
    dm_format_time(dm_scenario_ticks(sc, sc->horizon_s), sc->tick_s, h);
    printf(ja ? "domino %s — シナリオ「%s」、モデル「%s」（%zu 分野、%zu ノード、%zu 依存関係）\n"
              : "domino %s — scenario '%s' on model '%s' (%zu sectors, %zu nodes, %zu dependencies)\n",
           dm_version(), sc->name, m->name, m->nsectors, m->nnodes, m->ngroups);
    if (st->replicates > 1)
        printf(ja ? "期間 %s、刻み %lld 秒、シード %llu、レプリケート %llu 回（中央値のレプリケート %llu を表示）\n"
                  : "horizon %s, tick %llds, seed %llu, %llu replicates (showing the median replicate, %llu)\n",
               h + 2, (long long)sc->tick_s, (unsigned long long)sc->seed, (unsigned long long)st->replicates,
               (unsigned long long)shown);
    else
        printf(ja ? "期間 %s、刻み %lld 秒、シード %llu、レプリケート %llu\n"
                  : "horizon %s, tick %llds, seed %llu, replicate %llu\n",
               h + 2, (long long)sc->tick_s, (unsigned long long)sc->seed, (unsigned long long)shown);
    if (sc->has_start) printf(ja ? "開始 %s（T+0）\n" : "start %s (T+0)\n", sc->start_iso);
    putchar('\n');
}

static int64_t grid_ticks(const dm_scenario *sc, int64_t interval_s)
{
    int64_t s = interval_s ? interval_s : 600;
    int64_t t = dm_scenario_ticks(sc, s);
    return t < 1 ? 1 : t;
}

/* The engine of replicate `replicate` as cli_run_one leaves it (with the series of the
 * output grid when interval > 0), on the run's own engine when it left one: a layer
 * model's compile is a large part of a short run. Its results are used as they are when
 * it ran that replicate last and the file needs no series of it; what is shown (the
 * breaches, events and timeline) does not depend on the series recorded. */
static int median_engine(const dm_scenario *sc, dm_engine **kept, uint64_t replicate, int64_t interval, dm_engine **eng)
{
    if (!*kept) return cli_run_one(sc, replicate, interval, eng);
    *eng = *kept;
    *kept = NULL;
    if (interval == 0 && dm_engine_results(*eng)->replicate == replicate) return 0;
    dm_error err;
    dm_error_clear(&err);
    if ((interval > 0 && dm_engine_set_output(*eng, interval, DM_STORE_SECTORS | DM_STORE_MAPS, &err)) ||
        dm_engine_run(*eng, replicate, &err)) {
        dm_engine_free(*eng);
        *eng = NULL;
        return cli_fail(&err);
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    dm_scenario *sc = NULL;
    dm_engine *eng = NULL, *kept = NULL;  /* kept: the Monte Carlo run's, for the median replicate */
    dm_h5_writer *writer = NULL;
    dm_engine_result view = {0};  /* --region */
    dm_stats st;
    dm_error err;
    memset(&st, 0, sizeof st);
    dm_error_clear(&err);
    int rc = cli_parse_run_options("run", argc, argv, run_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if ((rc = cli_load_scenario(&o, &sc))) return rc;

    dm_mc_config cfg = {
        .first = o.replicate,
        .replicates = o.replicates ? o.replicates : sc->replicates,
        .threads = o.threads,
        .interval = grid_ticks(sc, o.interval_s),
        .store = o.output ? o.store : 0,
        /* the JSON statistics include sector levels, a file their maps too */
        .stats = (o.json || o.output ? DM_STORE_SECTORS : 0) | (o.output ? DM_STORE_MAPS : 0),
        .stop = &cli_stop_signal,
    };
    if (cfg.first > INT64_MAX - cfg.replicates) {
        dm_scenario_free(sc);
        return cli_usage_error("run", "%s", "--replicate + --replicates exceeds 2^63 - 1");
    }
    double need = dm_mc_memory_estimate(sc, &cfg), limit = dm_mc_memory_limit(o.max_memory);
    cfg.max_bytes = limit;  /* the event logs are checked against it as the replicates tell their size */
    if (!o.quiet)
        fprintf(stderr, "domino: estimated memory %.0f MiB (limit %.0f MiB, --max-memory)\n", need / 1048576.0,
                limit / 1048576.0);
    if (need > limit) {
        fprintf(stderr, "domino run: this run needs about %.0f MiB (engines, replicates in flight, statistics), over the "
                "limit of %.0f MiB.\nUse a coarser --interval, fewer --threads, a shorter --store list, or raise --max-memory.\n",
                need / 1048576.0, limit / 1048576.0);
        dm_scenario_free(sc);
        return DM_EUSAGE;
    }
    if (o.threads) omp_set_num_threads(o.threads);
    cli_progress prog = {.tty = isatty(2), .quiet = o.quiet || cfg.replicates < 2, .start = cli_now()};
    cfg.progress = cli_show_progress;
    cfg.progress_ctx = &prog;

    char *cmdline = cli_command_line(argc, argv);
    dm_h5_provenance prov = {cmdline, cfg.replicates};
    if (o.output) {
        if ((rc = dm_h5_create(o.output, sc, &cfg, &prov, &writer, &err))) goto fail;
        cfg.sink = dm_h5_append;
        cfg.sink_runs = 1;  /* the writer takes series as runs */
        cfg.sink_ctx = writer;
    }
    cli_signals old;
    cli_catch_stop(&old);
    cfg.keep = &kept;
    rc = dm_mc_run(sc, &cfg, &st, &err);
    if (rc) goto fail;
    if (writer) {
        /* the median replicate again, with its series, for the file (and for the output) */
        if (st.replicates > 0 && (rc = median_engine(sc, &kept, st.median_replicate, cfg.interval, &eng))) goto done;
        if (eng && (rc = dm_h5_median(writer, dm_engine_results(eng), &err))) goto fail;
        rc = dm_h5_finish(writer, &st, &err);
        writer = NULL;
        if (rc) goto fail;
    }
    cli_restore_signals(&old);
    if (st.interrupted) {
        fprintf(stderr, "domino: interrupted by signal %d after %llu of %llu replicates%s%s\n", (int)cli_stop_signal,
                (unsigned long long)st.replicates, (unsigned long long)cfg.replicates,
                o.output ? "; they are in " : "", o.output ? o.output : "");
        rc = 128 + (cli_stop_signal ? (int)cli_stop_signal : SIGINT);
        goto done;
    }

    /* What is shown is recomputed from (seed, replicate): the median replicate. */
    uint64_t shown = st.median_replicate;
    if (!eng && (rc = median_engine(sc, &kept, shown, 0, &eng))) goto done;
    const dm_engine_result *r;
    const dm_stats *stats = cfg.replicates > 1 ? &st : NULL;
    if ((rc = cli_narrow(&o, "run", sc, dm_engine_results(eng), &view, &r))) goto done;
    if (o.json) {
        rc = dm_render_json(stdout, sc, r, stats, cfg.interval);
    } else {
        const int ja = o.lang == DM_LANG_JA;
        print_header(sc, shown, &st, ja);
        /* A large model's timeline has a line per node that changed: the summary says more. */
        int timeline = o.timeline >= 0 ? o.timeline : sc->model->nnodes <= DM_RUN_TIMELINE_MAX_NODES;
        if (timeline) {
            puts(ja ? "タイムライン" : "Timeline");
            rc = dm_render_timeline(stdout, sc, r, DM_FORMAT_TEXT, o.lang);
        } else {
            printf(ja ? "（%zu ノードのモデル: タイムラインは --timeline または 'domino timeline' で表示）\n"
                      : "(a model of %zu nodes: the timeline comes with --timeline, or from 'domino timeline')\n",
                   sc->model->nnodes);
        }
        if (r->narrowed_to) {
            const dm_region *g = &sc->model->regions[r->narrowed_to - 1];
            printf(ja ? "\n%sの検証レベル該当\n" : "\nService-level breaches in %s\n", ja ? g->name_ja : g->name_en);
        } else {
            puts(ja ? "\n分野別の検証レベル該当" : "\nService-level breaches by sector");
        }
        if (!rc) rc = dm_render_breach_table(stdout, sc, r, o.lang);
        if (!rc && stats) rc = dm_render_stats_table(stdout, sc, stats, o.lang);
        if (o.output) printf(ja ? "\n結果ファイル: %s\n" : "\nresult file: %s\n", o.output);
    }
    goto done;
fail:
    rc = cli_fail(&err);
done:
    if (writer) dm_h5_abort(writer);
    dm_result_view_free(&view);
    dm_engine_free(eng);
    dm_engine_free(kept);
    dm_stats_free(&st);
    dm_scenario_free(sc);
    free(cmdline);
    return cli_finish(rc);
}
