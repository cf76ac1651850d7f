/* domino info: what a result, sweep or analysis file holds and what made it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

static int info_unguarded(int argc, char **argv)
{
    static const char help[] =
        "usage: domino info RESULT.h5\n"
        "\n"
        "Summarises a result file written by 'domino run -o': scenario, model (name and\n"
        "SHA-256), seed, replicates, how it was made, and the sectors that breached; or a\n"
        "sweep file ('sweep -o') or an analysis file ('analyze -o'): what made it.\n";
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    if (argc != 2) {
        fputs(help, stderr);
        return DM_EUSAGE;
    }
    dm_result_file *f;
    dm_error err;
    dm_error_clear(&err);
    if (dm_h5_open(argv[1], &f, &err)) {
        char *about;  /* an analysis file ('analyze -o')? */
        if (dm_analysis_read_info(argv[1], &about, &(dm_error){0}) == 0) {
            printf("file:         %s (analysis)\n", argv[1]);
            for (char *line = strtok(about, "\n"); line; line = strtok(NULL, "\n")) {
                char *colon = strchr(line, ':');
                if (colon) { *colon = 0; printf("%-13s %s\n", strcat(line, ":"), colon + 2); }
            }
            free(about);
            return cli_finish(0);
        }
        /* a sweep file? */
        dm_sweep *s;
        size_t *points, n;
        dm_error sub;
        dm_error_clear(&sub);
        if (dm_h5_kind(argv[1]) != DM_FILE_SWEEP) return cli_fail(&err);
        if (dm_sweep_read_info(argv[1], &s, &points, &n, &sub)) return cli_fail(&sub);
        static const char *const designs[] = {"grid", "random", "latin", "sobol"};
        printf("file:         %s (sweep)\n", argv[1]);
        printf("sweep:        %s (%s)\n", s->name, s->file);
        printf("scenario:     %s (%s), model %s\n", s->base->name, s->scenario_file, s->base->model->name);
        printf("design:       %s, %zu points, %zu in this file, %llu replicates each\n", designs[s->design],
               s->npoints, n, (unsigned long long)s->replicates);
        printf("seed:         %llu\n", (unsigned long long)(s->has_seed ? s->seed : s->base->seed));
        printf("sha256:       %s\n", s->sha256);
        printf("parameters:\n");
        for (size_t j = 0; j < s->nparams; j++) {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < s->npoints; i++) {
                double v = s->values[i * s->nparams + j];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            printf("  %-16s %s: %g to %g%s\n", s->params[j].name, s->params[j].path, lo, hi, s->params[j].is_duration ? " s" : "");
        }
        free(points);
        dm_sweep_free(s);
        return cli_finish(0);
    }
    const dm_scenario *sc = f->scenario;
    const dm_model *m = sc->model;
    char h[24];
    dm_format_time(dm_scenario_ticks(sc, sc->horizon_s), sc->tick_s, h);
    printf("file:         %s\n", f->path);
    printf("status:       %s\n", f->status);
    printf("created:      %s by domino %s\n", f->created, f->domino_version);
    printf("command:      %s\n", f->command_line);
    printf("scenario:     %s (%s)\n", sc->name, f->scenario_file);
    printf("model:        %s, %zu sectors, %zu regions, %zu nodes, %zu dependencies\n", m->name, m->nsectors,
           m->nregions, m->nnodes, m->ngroups);
    printf("model sha256: %s\n", f->model_sha256);
    for (size_t i = 0; i < sc->noverrides; i++)  /* set again from the stored scenario */
        printf("%s %s = %s (%zu %s)\n", i ? "             " : "overrides:   ", sc->overrides[i].path, sc->overrides[i].value,
               sc->overrides[i].matches, sc->overrides[i].matches == 1 ? "place" : "places");
    printf("seed:         %llu\n", (unsigned long long)sc->seed);
    printf("horizon:      %s at %llds ticks\n", h + 2, (long long)sc->tick_s);
    printf("replicates:   %llu of %llu requested (first %llu, median %llu)\n", (unsigned long long)f->replicates,
           (unsigned long long)f->replicates_requested, (unsigned long long)f->first_replicate,
           (unsigned long long)f->median_replicate);
    int any = 0;
    printf("sectors breached (share of replicates):\n");
    for (size_t s = 0; s < m->nsectors; s++)
        if (f->breach_probability[s] > 0) {
            printf("  %-8s %6.1f%%  %s / %s\n", m->sectors[s].id, 100 * f->breach_probability[s], m->sectors[s].name_en,
                   m->sectors[s].name_ja);
            any = 1;
        }
    if (!any) printf("  none\n");
    dm_h5_close(f);
    return cli_finish(0);
}


typedef struct argv_ctx { int argc; char **argv; } argv_ctx;
static int info_call(void *ctx) { argv_ctx *a = ctx; return info_unguarded(a->argc, a->argv); }

int cmd_info(int argc, char **argv)
{
    argv_ctx a = {argc, argv};
    guarded_call g = {info_call, &a, argc > 1 ? argv[1] : ""};
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return info_unguarded(argc, argv);
    return cli_finish(cli_guarded(&g));
}
