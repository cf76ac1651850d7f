/* domino diff A.h5 B.h5: what a change did to the breaches (src/io/diff.c). Both files
 * are read in a child process, as every command that reads a user's result file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

static const char diff_help[] =
    "usage: domino diff A.h5 B.h5 [options]\n"
    "\n"
    "What a change did: the breaches of run B (say, a counterfactual: the fuel truck\n"
    "arrives at T+6 h) against those of run A, sector by sector and region by region:\n"
    "gained, avoided, moved (onset, duration, peak), with the breach probabilities of\n"
    "Monte Carlo runs. Both files come from 'domino run -o'; their models must share\n"
    "sector ids (regions are matched by id too).\n"
    "\n"
    "options:\n"
    "  --format text|md|json   output format (default text)\n"
    "  --replicate R      compare replicate R of both files (default: each file's median)\n"
    "  --sector ID        only this sector\n"
    "  --region ID        only this region's breaches\n"
    "  --all              list unchanged breaches too\n"
    "  --lang ja|en       language (default: from the locale)\n"
    "  -h, --help         this help\n";

typedef struct diff_args {
    const char *a, *b, *sector, *region;
    int has_replicate, all;
    uint64_t replicate;
    dm_diff_options o;
} diff_args;

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "domino diff: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'domino diff --help')\n");
    return DM_EUSAGE;
}

static int diff_unguarded(void *ctx)
{
    diff_args *d = ctx;
    dm_result_file *fa = NULL, *fb = NULL;
    const dm_engine_result *ra, *rb;
    dm_error err;
    dm_error_clear(&err);
    int rc = 0;
    if (dm_h5_open(d->a, &fa, &err) || dm_h5_open(d->b, &fb, &err)) { rc = cli_fail(&err); goto done; }
    if (dm_h5_read_replicate(fa, d->has_replicate ? d->replicate : fa->median_replicate, &ra, &err) ||
        dm_h5_read_replicate(fb, d->has_replicate ? d->replicate : fb->median_replicate, &rb, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    const dm_model *m = fa->scenario->model;
    if (d->sector && (d->o.sector = dm_model_sector(m, d->sector)) < 0) { rc = usage("--sector: expected one of the model's sectors, found '%s'", d->sector); goto done; }
    for (size_t g = 0; d->region && g < m->nregions && d->o.region < 0; g++)
        if (dm_region_matches(&m->regions[g], d->region)) d->o.region = (int)g;
    if (d->region && d->o.region < 0) { rc = usage("--region: expected one of the model's regions, found '%s'", d->region); goto done; }
    dm_diff_input a = {d->a, fa->scenario, ra, fa->breach_probability, fa->replicates};
    dm_diff_input b = {d->b, fb->scenario, rb, fb->breach_probability, fb->replicates};
    rc = dm_render_diff(stdout, &a, &b, &d->o);
done:
    dm_h5_close(fa);
    dm_h5_close(fb);
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    enum { O_FORMAT = 256, O_REPLICATE, O_SECTOR, O_REGION, O_ALL, O_LANG };
    static const struct option longopts[] = {
        {"format", required_argument, 0, O_FORMAT}, {"replicate", required_argument, 0, O_REPLICATE},
        {"sector", required_argument, 0, O_SECTOR}, {"region", required_argument, 0, O_REGION},
        {"all", no_argument, 0, O_ALL}, {"lang", required_argument, 0, O_LANG}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    diff_args d = {.o = {.format = DM_FORMAT_TEXT, .lang = dm_lang_from_locale(), .sector = -1, .region = -2}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(diff_help, stdout); return 0;
        case O_FORMAT:
            if (!strcmp(optarg, "text")) d.o.format = DM_FORMAT_TEXT;
            else if (!strcmp(optarg, "md")) d.o.format = DM_FORMAT_MD;
            else if (!strcmp(optarg, "json")) d.o.format = DM_FORMAT_JSON;
            else return usage("--format: expected text, md or json, found '%s'", optarg);
            break;
        case O_REPLICATE: {
            char *end;
            d.replicate = strtoull(optarg, &end, 10);
            if (!*optarg || *end || *optarg == '-') return usage("--replicate: expected a whole number, found '%s'", optarg);
            d.has_replicate = 1;
            break;
        }
        case O_SECTOR: d.sector = optarg; break;
        case O_REGION: d.region = optarg; d.o.region = -1; break;
        case O_ALL: d.o.all = 1; break;
        case O_LANG:
            if (!strcmp(optarg, "ja")) d.o.lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) d.o.lang = DM_LANG_EN;
            else return usage("--lang: expected ja or en, found '%s'", optarg);
            break;
        default: return usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2) return usage("%s", "expected two result files, A and B");
    d.a = argv[optind];
    d.b = argv[optind + 1];
    guarded_call g = {diff_unguarded, &d, d.a};
    int rc = cli_guarded(&g);
    if (fflush(stdout) && !rc) rc = DM_EIO;
    return rc;
}
