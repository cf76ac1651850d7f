/* The subcommands run, timeline and validate. Each parses its options, loads the scenario
 * through the public API, runs the engine and renders. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

int cli_fail(const dm_error *err)
{
    char buf[1200];
    fprintf(stderr, "domino: %s\n", dm_error_format(err, buf, sizeof buf));
    return err->code ? err->code : DM_ESOFTWARE;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "domino %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'domino %s --help')\n", cmd);
    return DM_EUSAGE;
}

typedef struct run_options {
    const char *scenario;
    int json;
    dm_lang lang;
    dm_format format;
    int has_seed;
    uint64_t seed;
    uint64_t replicate;
} run_options;

static const char run_help[] =
    "usage: domino run [SCENARIO] [options]\n"
    "\n"
    "Runs SCENARIO (a YAML file; default: the embedded default scenario, a 6-hour cyber\n"
    "attack on the power grid on the embedded Japan 15-sector model) and prints the causal\n"
    "timeline and the per-sector breach table.\n"
    "\n"
    "options:\n"
    "  --json             print one JSON document instead (docs/json-output.md)\n"
    "  --lang ja|en       language of names and messages (default: from the locale)\n"
    "  --seed N           override the scenario's seed\n"
    "  --replicate R      run replicate R of the scenario (default 0)\n"
    "  -h, --help         this help\n";

static const char timeline_help[] =
    "usage: domino timeline [SCENARIO] [options]\n"
    "\n"
    "Runs SCENARIO (default: the embedded default scenario) and prints its causal timeline:\n"
    "what happened to which sector, when (T+hh:mm), and what caused it.\n"
    "\n"
    "options:\n"
    "  --format text|md|csv|json   output format (default text)\n"
    "  --lang ja|en       language (default: from the locale)\n"
    "  --seed N           override the scenario's seed\n"
    "  --replicate R      replicate to show (default 0)\n"
    "  -h, --help         this help\n";

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

static int parse_run_options(const char *cmd, int argc, char **argv, const char *help, run_options *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"lang", required_argument, 0, 'l'},
        {"format", required_argument, 0, 'f'}, {"seed", required_argument, 0, 's'},
        {"replicate", required_argument, 0, 'r'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->lang = dm_lang_from_locale();
    o->format = DM_FORMAT_TEXT;
    int is_timeline = !strcmp(cmd, "timeline"), c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return -1;
        case 'j':
            if (is_timeline) return usage_error(cmd, "unknown option '%s'", "--json");
            o->json = 1;
            break;
        case 'l':
            if (!strcmp(optarg, "ja")) o->lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) o->lang = DM_LANG_EN;
            else return usage_error(cmd, "--lang: expected ja or en, found '%s'", optarg);
            break;
        case 'f':
            if (!is_timeline) return usage_error(cmd, "unknown option '%s'", "--format");
            if (!strcmp(optarg, "text")) o->format = DM_FORMAT_TEXT;
            else if (!strcmp(optarg, "md")) o->format = DM_FORMAT_MD;
            else if (!strcmp(optarg, "csv")) o->format = DM_FORMAT_CSV;
            else if (!strcmp(optarg, "json")) o->format = DM_FORMAT_JSON;
            else return usage_error(cmd, "--format: expected text, md, csv or json, found '%s'", optarg);
            break;
        case 's':
            if (parse_u64(optarg, &o->seed) || o->seed > INT64_MAX)
                return usage_error(cmd, "--seed: expected a whole number in [0, 2^63 - 1], found '%s'", optarg);
            o->has_seed = 1;
            break;
        case 'r':
            if (parse_u64(optarg, &o->replicate)) return usage_error(cmd, "--replicate: expected a whole number >= 0, found '%s'", optarg);
            break;
        default:
            return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) o->scenario = argv[optind++];
    if (optind < argc) return usage_error(cmd, "expected at most one scenario, found also '%s'", argv[optind]);
    return 0;
}

/* Loads the scenario and runs the chosen replicate; on success the caller frees both. */
static int simulate(const run_options *o, dm_scenario **sc, dm_engine **eng)
{
    dm_error err;
    dm_error_clear(&err);
    *eng = NULL;
    int rc = o->scenario ? dm_scenario_load(o->scenario, sc, &err) : dm_scenario_default(sc, &err);
    if (rc) return cli_fail(&err);
    if (o->has_seed) (*sc)->seed = o->seed;
    if (dm_engine_new(*sc, eng, &err) || dm_engine_run(*eng, o->replicate, &err)) {
        dm_engine_free(*eng);
        dm_scenario_free(*sc);
        return cli_fail(&err);
    }
    return 0;
}

static int finish(int rc)
{
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "domino: writing the output failed: %s\n", strerror(errno));
        return DM_EIO;
    }
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    dm_scenario *sc;
    dm_engine *eng;
    int rc = parse_run_options("run", argc, argv, run_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if ((rc = simulate(&o, &sc, &eng))) return rc;
    const dm_engine_result *r = dm_engine_results(eng);
    if (o.json) {
        rc = dm_render_json(stdout, sc, r);
    } else {
        const int ja = o.lang == DM_LANG_JA;
        const dm_model *m = sc->model;
        char h[24];
        dm_format_time(r->horizon, sc->tick_s, h);
        printf(ja ? "domino %s — シナリオ「%s」、モデル「%s」（%zu 分野、%zu ノード、%zu 依存関係）\n"
                  : "domino %s — scenario '%s' on model '%s' (%zu sectors, %zu nodes, %zu dependencies)\n",
               dm_version(), sc->name, m->name, m->nsectors, m->nnodes, m->ngroups);
        printf(ja ? "期間 %s、刻み %llds、シード %llu、レプリケート %llu\n\n"
                  : "horizon %s, tick %llds, seed %llu, replicate %llu\n\n",
               h + 2, (long long)sc->tick_s, (unsigned long long)sc->seed, (unsigned long long)o.replicate);
        puts(ja ? "タイムライン" : "Timeline");
        rc = dm_render_timeline(stdout, sc, r, DM_FORMAT_TEXT, o.lang);
        puts(ja ? "\n分野別のサービス維持レベル逸脱" : "\nService-level breaches by sector");
        if (!rc) rc = dm_render_breach_table(stdout, sc, r, o.lang);
    }
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return finish(rc);
}

int cmd_timeline(int argc, char **argv)
{
    run_options o;
    dm_scenario *sc;
    dm_engine *eng;
    int rc = parse_run_options("timeline", argc, argv, timeline_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if ((rc = simulate(&o, &sc, &eng))) return rc;
    rc = dm_render_timeline(stdout, sc, dm_engine_results(eng), o.format, o.lang);
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return finish(rc);
}

int cmd_validate(int argc, char **argv)
{
    static const char help[] =
        "usage: domino validate FILE...\n"
        "\n"
        "Checks model and scenario files (YAML) without running them: keys, types, ranges,\n"
        "references, durations. Prints 'FILE: ok (model|scenario)' or the first error with\n"
        "file:line:column. Exit code 0 when all are valid, else the first error's code.\n";
    if (argc < 2) {
        fputs(help, stderr);
        return DM_EUSAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, stdout);
        return 0;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        dm_error err;
        const char *kind;
        dm_error_clear(&err);
        if (dm_validate_file(argv[i], &kind, &err)) {
            int rc = cli_fail(&err);
            if (!worst) worst = rc;
        } else {
            printf("%s: ok (%s)\n", argv[i], kind);
        }
    }
    return finish(worst);
}
