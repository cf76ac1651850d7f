/* Driving a sweep with checkpoints (include/domino/sweep.h, "Checkpoints"; docs/sweeps.md,
 * "Resuming, shards, MPI"): the points of a shard, which are done, each point computed
 * into its own file OUT.points/point-NNNNNNNN.h5 (atomic), and the merge of the finished
 * points into OUT. The process-wide parts (the output's lock, signals, MPI, a guarded
 * child for files HDF5 might crash on) stay with the caller: src/cli/sweep.c. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "domino.h"
#include "domino/sweep.h"

double dm_sweep_point_memory(const dm_sweep *s, int threads)
{
    int64_t interval = dm_scenario_ticks(s->base, s->interval_s);
    dm_mc_config cfg = {.replicates = s->replicates, .threads = threads, .interval = interval < 1 ? 1 : interval,
                        .store = DM_STORE_SECTORS, .stats = DM_STORE_SECTORS};  /* as dm_sweep_run_point runs a point */
    /* the statistics, each replicate's final sector levels and the levels' standard
     * errors (dm_sweep_run_point: 8 bytes a replicate and sector, 24 a time and sector) */
    double S = (double)s->base->model->nsectors;
    return dm_mc_memory_estimate(s->base, &cfg) + (double)s->replicates * S * 8 +
           (double)dm_output_ntimes(s->base, cfg.interval) * S * 24;
}

void dm_sweep_checkpoint_path(const dm_sweep_plan *plan, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/point-%08zu.h5", plan->dir, i);
}

void dm_sweep_plan_free(dm_sweep_plan *plan)
{
    if (!plan) return;
    free(plan->mine);
    free(plan->in_output);
    memset(plan, 0, sizeof *plan);
}

int dm_sweep_plan_new(const dm_sweep *s, const char *output, size_t shard_k, size_t shard_n, dm_sweep_plan *plan,
                      dm_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (shard_n < 1 || shard_k >= shard_n)
        return dm_error_set(err, DM_EUSAGE, NULL, 0, 0, "shard %zu of %zu: expected 0 <= K < N", shard_k, shard_n);
    if (snprintf(plan->dir, sizeof plan->dir, "%s.points", output) >= (int)sizeof plan->dir)
        return dm_error_set(err, DM_EUSAGE, output, 0, 0, "the output's name is too long");
    size_t *old = NULL, nold = 0;
    int rc = 0;
    /* a complete or partial output of the same sweep: its points are done */
    if (access(output, F_OK) == 0) rc = dm_sweep_file_points(output, s, &old, &nold, err);
    if (!rc && mkdir(plan->dir, 0777) && errno != EEXIST)
        rc = dm_error_set(err, DM_ECANTCREAT, plan->dir, 0, 0, "cannot create the directory for finished points: %s",
                          strerror(errno));
    if (!rc && (!(plan->mine = malloc((s->npoints + 1) * sizeof *plan->mine)) ||
                !(plan->in_output = calloc(s->npoints + 1, 1))))
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < nold; i++) plan->in_output[old[i]] = 1;
    plan->output_points = nold;
    for (size_t i = 0; !rc && i < s->npoints; i++)  /* round robin: slow and fast regions spread */
        if (i % shard_n == shard_k) plan->mine[plan->nmine++] = i;
    /* finished points of an earlier run must be of this sweep (texts and input files'
     * SHA-256), checked before anything is computed */
    for (size_t k = 0; !rc && k < plan->nmine; k++) {
        char path[4400];
        dm_sweep_checkpoint_path(plan, plan->mine[k], path, sizeof path);
        size_t *pts = NULL, np = 0;
        if (access(path, F_OK) == 0) rc = dm_sweep_file_points(path, s, &pts, &np, err);
        free(pts);
    }
    free(old);
    if (rc) dm_sweep_plan_free(plan);
    return rc;
}

int dm_sweep_plan_pending(const dm_sweep_plan *plan, size_t k)
{
    char path[4400];
    size_t i = plan->mine[k];
    dm_sweep_checkpoint_path(plan, i, path, sizeof path);
    return !plan->in_output[i] && access(path, F_OK) != 0;
}

int dm_sweep_plan_point(const dm_sweep *s, const dm_sweep_plan *plan, size_t i, int threads,
                        volatile sig_atomic_t *stop, const char *command_line, int *finished, dm_error *err)
{
    dm_sweep_result res;
    *finished = 0;
    int rc = dm_sweep_run_point(s, i, threads, stop, &res, err);
    if (rc) return rc;
    if (!res.stats.interrupted) {  /* a point cut short is not a point: it is redone on resume */
        char path[4400];
        dm_sweep_checkpoint_path(plan, i, path, sizeof path);
        dm_sweep_point pt = {i, &res};
        rc = dm_sweep_write(path, s, &pt, 1, command_line, err);
        *finished = !rc;
    }
    dm_sweep_result_free(&res);
    return rc;
}

size_t dm_sweep_plan_checkpoints(const dm_sweep_plan *plan)
{
    size_t n = 0;
    for (size_t k = 0; k < plan->nmine; k++) n += !plan->in_output[plan->mine[k]];
    return n;
}

int dm_sweep_plan_merge(const dm_sweep *s, const dm_sweep_plan *plan, const char *output, int require_all,
                        const char *command_line, dm_error *err)
{
    size_t n = 0;
    const char **parts = malloc((plan->nmine + 2) * sizeof *parts);
    char (*paths)[4400] = malloc((plan->nmine + 1) * sizeof *paths);
    int rc = 0;
    if (!parts || !paths) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    if (!rc && plan->output_points) parts[n++] = output;  /* the old output's points, then the new ones */
    for (size_t k = 0; !rc && k < plan->nmine; k++) {
        if (plan->in_output[plan->mine[k]]) continue;
        dm_sweep_checkpoint_path(plan, plan->mine[k], paths[k], sizeof paths[k]);
        parts[n++] = paths[k];
    }
    if (!rc && n == 0) rc = dm_sweep_write(output, s, NULL, 0, command_line, err);  /* a shard without points */
    else if (!rc) rc = dm_sweep_merge(output, parts, n, require_all, command_line, err);
    free(parts);
    free(paths);
    return rc;
}

void dm_sweep_plan_clean(const dm_sweep_plan *plan)
{
    char path[4400];
    for (size_t k = 0; k < plan->nmine; k++) {  /* the point files */
        if (plan->in_output[plan->mine[k]]) continue;
        dm_sweep_checkpoint_path(plan, plan->mine[k], path, sizeof path);
        remove(path);
    }
    /* and what a killed run left half-written, then the directory */
    DIR *d = opendir(plan->dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        /* a killed writer's temporary (.point-N.h5.XXXXXX) or lock (.point-N.h5.lock):
         * the caller holds the output's lock, so no one else is writing here */
        if (!strncmp(e->d_name, ".point-", 7) && strlen(e->d_name) > 7) {
            snprintf(path, sizeof path, "%s/%s", plan->dir, e->d_name);
            remove(path);
        }
    }
    if (d) closedir(d);
    rmdir(plan->dir);
}

/* A whole sweep in one call, without checkpoints (for bindings: python/domino): every
 * point in order, then one file. */
int dm_sweep_run_file(const char *path, int threads, const char *output, const char *command_line, dm_error *err)
{
    dm_sweep *s;
    int rc = dm_sweep_load(path, &s, err);
    if (rc) return rc;
    dm_sweep_result *res = calloc(s->npoints + 1, sizeof *res);
    dm_sweep_point *pts = calloc(s->npoints + 1, sizeof *pts);
    size_t n = 0;
    if (!res || !pts) rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    for (; !rc && n < s->npoints; n++) {
        if ((rc = dm_sweep_run_point(s, n, threads, NULL, &res[n], err))) break;
        pts[n] = (dm_sweep_point){n, &res[n]};
    }
    if (!rc) rc = dm_sweep_write(output, s, pts, n, command_line, err);
    for (size_t i = 0; res && i < n; i++) dm_sweep_result_free(&res[i]);
    free(res);
    free(pts);
    dm_sweep_free(s);
    return rc;
}
