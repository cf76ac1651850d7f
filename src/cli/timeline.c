/* domino timeline: the causal timeline of a scenario's run or of a result file's replicate. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

static const char timeline_help[] =
    "usage: domino timeline [SCENARIO | RESULT.h5] [options]\n"
    "\n"
    "Prints the causal timeline of a run: what happened to which sector, when (T+hh:mm),\n"
    "and what caused it. Given a result file written by 'domino run -o', it reads the\n"
    "run from the file (the same timeline 'run' printed); given a scenario, it runs it.\n"
    "\n"
    "The lines form one chronological list of exercise injects: the same event in several\n"
    "regions at one time is one inject with the list of regions; each has its cause, its\n"
    "chain of causes back to the hazard, the hazard's description and its recipients (the\n"
    "sector's authority and CEPTOAR from the model); the scenario's own injects and prompts\n"
    "appear among them (docs/timeline.md).\n"
    "\n"
    "options:\n"
    "  --format text|md|csv|json   output format (default text); md is a document to hand\n"
    "                     out: title, description, assumptions, exercise clock, injects\n"
    "  --min-change P     show a level change once it is P points (0-100) from the last one\n"
    "                     shown for that node (default 10 for md, 0 otherwise); going\n"
    "                     down, leaving or regaining full service are always shown\n"
    "  --sector ID        only this sector's lines\n"
    "  --kinds LIST       from breaches,losses,restorations (default all)\n"
    "  --strict           stop (exit 65) on a warning, such as a hazard after the horizon\n"
    "  --lang ja|en       language (default: from the locale)\n"
    "  --replicate R      replicate to show (default: the median replicate of a file,\n"
    "                     replicate 0 of a scenario)\n"
    "  --median           the median replicate (the default for a file)\n"
    "  --region ID        one region's events and breaches (id, code or name)\n"
    "  --seed N           override the scenario's seed (scenarios only)\n"
    "  -h, --help         this help\n";


static int is_result_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char sig[8] = {0};
    size_t n = f ? fread(sig, 1, sizeof sig, f) : 0;
    if (f) fclose(f);
    return n == 8 && !memcmp(sig, "\x89HDF\r\n\x1a\n", 8);
}

static int timeline_from_file_unguarded(const run_options *o)
{
    dm_result_file *f;
    dm_error err;
    dm_error_clear(&err);
    if (o->has_seed) return cli_usage_error("timeline", "%s", "--seed applies to scenarios; a result file has its seed");
    if (dm_h5_open(o->scenario, &f, &err)) return cli_fail(&err);
    for (size_t i = 0; i < f->scenario->nwarnings; i++)  /* the stored scenario's warnings, as for a scenario */
        fprintf(stderr, "domino: %s: %s\n", o->strict ? "error (--strict)" : "warning", f->scenario->warnings[i]);
    if (o->strict && f->scenario->nwarnings) {
        dm_h5_close(f);
        return DM_EDATA;
    }
    const dm_engine_result *r;
    dm_inject_options io;
    uint64_t which = o->has_replicate ? o->replicate : f->median_replicate;
    int rc = dm_h5_read_replicate(f, which, &r, &err);
    dm_engine_result view;
    const dm_engine_result *shown = r;
    rc = rc ? cli_fail(&err) : cli_inject_options("timeline", o, f->scenario, &io);
    if (!rc) rc = cli_narrow(o, "timeline", f->scenario, r, &view, &shown);
    if (!rc) rc = dm_render_injects(stdout, f->scenario, shown, &io);
    if (shown != r) dm_result_view_free(&view);
    dm_h5_close(f);
    return cli_finish(rc);
}

static int timeline_call(void *ctx) { return timeline_from_file_unguarded(ctx); }

static int timeline_from_file(const run_options *o)
{
    guarded_call g = {timeline_call, (void *)o, o->scenario};
    return cli_finish(cli_guarded(&g));
}

int cmd_timeline(int argc, char **argv)
{
    run_options o;
    dm_scenario *sc;
    dm_engine *eng;
    int rc = cli_parse_run_options("timeline", argc, argv, timeline_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if (o.scenario && is_result_file(o.scenario)) return timeline_from_file(&o);
    if (o.median) return cli_usage_error("timeline", "%s", "--median applies to result files");
    if ((rc = cli_load_scenario(&o, &sc))) return rc;
    dm_inject_options io;
    if ((rc = cli_inject_options("timeline", &o, sc, &io))) { dm_scenario_free(sc); return rc; }
    if ((rc = cli_run_one(sc, o.replicate, 0, &eng))) { dm_scenario_free(sc); return rc; }
    dm_engine_result view;
    const dm_engine_result *shown;
    rc = cli_narrow(&o, "timeline", sc, dm_engine_results(eng), &view, &shown);
    if (!rc) rc = dm_render_injects(stdout, sc, shown, &io);
    dm_result_view_free(&view);
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return cli_finish(rc);
}
