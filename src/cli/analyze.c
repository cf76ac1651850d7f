/* domino analyze: static interdependency analysis, or an IIM model from an IO table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

static const char analyze_help[] =
    "usage: domino analyze [MODEL] [options]\n"
    "       domino analyze --io TABLE.csv [-o MODEL.yaml]\n"
    "\n"
    "Static interdependency analysis of MODEL (a model YAML file, or the name of an\n"
    "embedded model; default japan-sectors): direct dependencies; the reach of a total\n"
    "loss of each sector (hops, earliest time of impact over lags + buffers); higher-order\n"
    "dependence (I - alpha W)^-1; feedback loops; a criticality ranking from the engine.\n"
    "With --io, derives an inoperability input-output (IIM) model from a transactions\n"
    "table instead (docs/analysis.md).\n"
    "\n"
    "options:\n"
    "  --nodes            analyse nodes instead of sectors\n"
    "  --json             one JSON document on stdout\n"
    "  --dot FILE         a Graphviz graph (edge width = strength, label = time to impact)\n"
    "  -o FILE            HDF5 file (analysis), or the model YAML (with --io)\n"
    "  --alpha A          damping in (I - alpha W)^-1 (default: 1 if rho(W) < 1, else 0.9/rho)\n"
    "  --outage DUR       criticality: length of the total loss (default 24h)\n"
    "  --horizon DUR      criticality: horizon observed (default 7d)\n"
    "  --no-criticality   skip the engine runs\n"
    "  --lang ja|en       language of names\n"
    "  -h, --help         this help\n";

int cmd_analyze(int argc, char **argv)
{
    enum { O_NODES = 256, O_JSON, O_DOT, O_ALPHA, O_OUTAGE, O_HORIZON, O_NOCRIT, O_LANG, O_IO };
    static const struct option longopts[] = {
        {"nodes", no_argument, 0, O_NODES}, {"json", no_argument, 0, O_JSON}, {"dot", required_argument, 0, O_DOT},
        {"alpha", required_argument, 0, O_ALPHA}, {"outage", required_argument, 0, O_OUTAGE},
        {"horizon", required_argument, 0, O_HORIZON}, {"no-criticality", no_argument, 0, O_NOCRIT},
        {"lang", required_argument, 0, O_LANG}, {"io", required_argument, 0, O_IO},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    dm_analysis_options opt;
    dm_analysis_defaults(&opt);
    const char *dot = NULL, *output = NULL, *io = NULL;
    int json = 0, c;
    dm_lang lang = dm_lang_from_locale();
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(analyze_help, stdout); return 0;
        case O_NODES: opt.by_node = 1; break;
        case O_JSON: json = 1; break;
        case O_NOCRIT: opt.criticality = 0; break;
        case O_DOT: dot = optarg; break;
        case O_IO: io = optarg; break;
        case 'o': output = optarg; break;
        case O_ALPHA: {
            char *end;
            opt.alpha = strtod(optarg, &end);
            if (*end || !(opt.alpha > 0 && opt.alpha <= 1))
                return cli_usage_error("analyze", "--alpha: expected a number in (0, 1], found '%s'", optarg);
            break;
        }
        case O_OUTAGE:
            if (dm_parse_duration(optarg, &opt.outage_s) || opt.outage_s <= 0)
                return cli_usage_error("analyze", "--outage: expected a positive duration such as 24h, found '%s'", optarg);
            break;
        case O_HORIZON:
            if (dm_parse_duration(optarg, &opt.horizon_s) || opt.horizon_s < 60)
                return cli_usage_error("analyze", "--horizon: expected a duration of at least 1min, found '%s'", optarg);
            break;
        case O_LANG:
            if (!strcmp(optarg, "ja")) lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) lang = DM_LANG_EN;
            else return cli_usage_error("analyze", "--lang: expected ja or en, found '%s'", optarg);
            break;
        default:
            return cli_usage_error("analyze", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    const char *name = optind < argc ? argv[optind++] : "japan-sectors";
    if (optind < argc) return cli_usage_error("analyze", "expected at most one model, found also '%s'", argv[optind]);
    dm_error err;
    dm_error_clear(&err);
    if (io) return cli_finish(dm_iim_from_table(io, output, &err) ? cli_fail(&err) : 0);

    dm_model *m = NULL;
    size_t len;
    const char *embedded = dm_embedded(name, &len);
    int rc = embedded && strcmp(name, "default") ? dm_model_parse(embedded, len, name, &m, &err)
                                                 : dm_model_load(name, &m, &err);
    if (rc) return cli_fail(&err);
    /* the outputs checked before the analysis runs */
    const char *inputs[] = {m->file};
    if ((dot && dm_output_check(dot, DM_OUTPUT_TEXT, inputs, 1, &err)) ||
        (output && dm_output_check(output, 0, inputs, 1, &err))) {
        dm_model_free(m);
        return cli_fail(&err);
    }
    dm_analysis a;
    if ((rc = dm_analyze(m, &opt, &a, &err))) { dm_model_free(m); return cli_fail(&err); }
    rc = json ? dm_analysis_write_json(stdout, &a) : dm_analysis_write_text(stdout, &a, lang == DM_LANG_JA);
    if (!rc && dot) {
        dm_output out;  /* atomic: a full disk leaves no file; "-" is stdout */
        if (!(rc = dm_output_begin(&out, dot, DM_OUTPUT_TEXT, inputs, 1, &err))) {
            if (dm_analysis_write_dot(out.stream, &a, lang == DM_LANG_JA)) {
                dm_output_abort(&out);
                rc = dm_error_set(&err, DM_EIO, dot, 0, 0, "writing the graph failed");
            } else {
                rc = dm_output_commit(&out, &err);
            }
        }
        if (rc) rc = cli_fail(&err);
    }
    char *cmdline = output ? cli_command_line(argc, argv) : NULL;
    if (!rc && output && dm_analysis_write_h5(output, &a, cmdline, &err)) rc = cli_fail(&err);
    free(cmdline);
    dm_analysis_free(&a);
    dm_model_free(m);
    return cli_finish(rc);
}
