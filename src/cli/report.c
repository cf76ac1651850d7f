/* domino report FILE.h5 -o report.html (src/io/report.c). The file is read in a child
 * process, as every command that reads a user's result file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

static const char report_help[] =
    "usage: domino report FILE.h5 -o REPORT.html [--lang ja|en]\n"
    "\n"
    "Writes one self-contained HTML page of a run (a file from 'domino run -o'): the\n"
    "scenario, its assumptions and hazards, the breach tables (national and by region), a\n"
    "Gantt chart of the breaches, the map of the regions over time with a time slider,\n"
    "the sector levels (mean and 5-95 % band across replicates) and the exercise injects.\n"
    "It fetches nothing: it opens offline in any browser (docs/report.md).\n"
    "\n"
    "options:\n"
    "  -o FILE            the page to write (required; written atomically)\n"
    "  --lang ja|en       language (default: from the locale)\n"
    "  -h, --help         this help\n";

typedef struct report_args { const char *input, *output; dm_lang lang; } report_args;

static int report_unguarded(void *ctx)
{
    report_args *a = ctx;
    dm_error err;
    dm_error_clear(&err);
    return dm_report_write(a->input, a->output, a->lang, &err) ? cli_fail(&err) : 0;
}

int cmd_report(int argc, char **argv)
{
    enum { O_LANG = 256 };
    static const struct option longopts[] = {{"lang", required_argument, 0, O_LANG}, {"output", required_argument, 0, 'o'},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    report_args a = {NULL, NULL, dm_lang_from_locale()};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(report_help, stdout); return 0;
        case 'o': a.output = optarg; break;
        case O_LANG:
            if (!strcmp(optarg, "ja")) a.lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) a.lang = DM_LANG_EN;
            else { fprintf(stderr, "domino report: --lang: expected ja or en, found '%s'\n", optarg); return DM_EUSAGE; }
            break;
        default:
            fprintf(stderr, "domino report: unknown or incomplete option '%s'\n(see 'domino report --help')\n", argv[optind - 1]);
            return DM_EUSAGE;
        }
    }
    if (argc - optind != 1 || !a.output) {
        fputs("domino report: expected one result file and -o REPORT.html\n(see 'domino report --help')\n", stderr);
        return DM_EUSAGE;
    }
    a.input = argv[optind];
    guarded_call g = {report_unguarded, &a, a.input};
    return cli_guarded(&g);
}
