/* domino sweep and domino merge (docs/sweeps.md): options, the process-wide parts, and
 * messages; the library drives the sweep (include/domino/sweep.h, "Checkpoints").
 *
 * Every point is computed on its own and written to OUT.points/point-NNNNNNNN.h5 (atomic),
 * which makes a sweep resumable: a point whose file exists is skipped. When the points of
 * this process (all, a shard, or all ranks together under MPI) are done, they are merged
 * into OUT and the point files are removed. What stays here is what belongs to the
 * process: OUT's lock, signals, MPI and a guarded child for files an earlier run left.
 * Under mpirun, ranks take the next point from a shared counter on rank 0 (MPI one-sided
 * fetch-and-add: dynamic load balancing), and rank 0 merges after a barrier. A point's
 * numbers depend only on (sweep, point), so the data is the same however the points were
 * spread. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <omp.h>
#include "domino.h"
#include "cli.h"
#ifdef DOMINO_MPI
#include <mpi.h>
#endif

static const char sweep_help[] =
    "usage: domino sweep SWEEP.yaml -o OUT.h5 [options]\n"
    "\n"
    "Runs every point of the sweep (a scenario with parameters set by a design) as a Monte\n"
    "Carlo run and writes the per-point statistics to OUT.h5 (docs/sweeps.md). Resumable:\n"
    "run it again with the same OUT.h5 and completed points are skipped. Under\n"
    "'mpirun -np N domino sweep ...' the points are spread over the ranks.\n"
    "\n"
    "options:\n"
    "  -o FILE            the output (required)\n"
    "  --threads N        OpenMP threads per process (default: all cores)\n"
    "  --shard K/N        compute only points i with i mod N = K (0 <= K < N); merge the\n"
    "                     shards' files with 'domino merge'\n"
    "  --shard slurm      K and N from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) and\n"
    "                     SLURM_ARRAY_TASK_COUNT\n"
    "  --quiet            no progress lines\n"
    "  -h, --help         this help\n";

static int parse_shard(const char *arg, long *k, long *n)
{
    if (!strcmp(arg, "slurm")) {
        const char *id = getenv("SLURM_ARRAY_TASK_ID"), *count = getenv("SLURM_ARRAY_TASK_COUNT"),
                   *min = getenv("SLURM_ARRAY_TASK_MIN");
        if (!id || !count) return -1;
        *k = atol(id) - (min ? atol(min) : 0);
        *n = atol(count);
    } else {
        char *end;
        *k = strtol(arg, &end, 10);
        if (*end != '/') return -1;
        *n = strtol(end + 1, &end, 10);
        if (*end) return -1;
    }
    return *n >= 1 && *k >= 0 && *k < *n ? 0 : -1;
}

typedef struct merge_ctx { const char *output; const char **parts; size_t n; char *cmdline; int require_all; } merge_ctx;

static int merge_call(void *ctx)
{
    merge_ctx *m = ctx;
    dm_error err;
    dm_error_clear(&err);
    return dm_sweep_merge(m->output, m->parts, m->n, m->require_all, m->cmdline, &err) ? cli_fail(&err) : 0;
}

/* The sweep's merge of its checkpoints (dm_sweep_plan_merge), for a guarded child. */
typedef struct plan_ctx { const dm_sweep *s; const dm_sweep_plan *plan; const char *output; const char *cmdline; int require_all; } plan_ctx;

static int plan_merge_call(void *ctx)
{
    plan_ctx *m = ctx;
    dm_error err;
    dm_error_clear(&err);
    return dm_sweep_plan_merge(m->s, m->plan, m->output, m->require_all, m->cmdline, &err) ? cli_fail(&err) : 0;
}

typedef struct points_ctx { const char *output; const dm_sweep *s; } points_ctx;

/* Reads the points of an existing output, for the guarded check before resuming. */
static int points_call(void *ctx)
{
    points_ctx *p = ctx;
    dm_error err;
    dm_error_clear(&err);
    size_t *points, n;
    if (dm_sweep_file_points(p->output, p->s, &points, &n, &err)) return cli_fail(&err);
    free(points);
    return 0;
}

int cmd_sweep(int argc, char **argv)
{
    enum { O_THREADS = 256, O_SHARD, O_QUIET };
    static const struct option longopts[] = {
        {"threads", required_argument, 0, O_THREADS}, {"shard", required_argument, 0, O_SHARD},
        {"quiet", no_argument, 0, O_QUIET}, {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *output = NULL;
    long shard_k = 0, shard_n = 1;
    int threads = 0, quiet = 0, c, rank = 0, nranks = 1, mpi = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(sweep_help, stdout); return 0;
        case 'o': output = optarg; break;
        case O_QUIET: quiet = 1; break;
        case O_THREADS: threads = atoi(optarg);
            if (threads < 1 || threads > 4096) {
                fprintf(stderr, "domino sweep: --threads: expected a whole number from 1 to 4096, found '%s'\n", optarg);
                return DM_EUSAGE;
            }
            break;
        case O_SHARD:
            if (parse_shard(optarg, &shard_k, &shard_n)) {
                fprintf(stderr, "domino sweep: --shard: expected K/N with 0 <= K < N, or slurm (with SLURM_ARRAY_TASK_ID "
                                "and SLURM_ARRAY_TASK_COUNT set), found '%s'\n", optarg);
                return DM_EUSAGE;
            }
            break;
        default:
            fprintf(stderr, "domino sweep: unknown or incomplete option '%s'\n(see 'domino sweep --help')\n", argv[optind - 1]);
            return DM_EUSAGE;
        }
    }
    if (optind != argc - 1 || !output) {
        fprintf(stderr, "domino sweep: expected one sweep file and -o OUT.h5\n(see 'domino sweep --help')\n");
        return DM_EUSAGE;
    }
#ifdef DOMINO_MPI
    /* started by mpirun or srun --mpi: Open MPI, PMIx, PMI-1/2 (MPICH, Intel MPI, srun
     * --mpi=pmi2), MVAPICH */
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK") || getenv("PMI_SIZE") ||
        getenv("MV2_COMM_WORLD_SIZE")) {
        int provided;
        MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &nranks);
        mpi = nranks > 1;  /* one rank: no window to share (and Open MPI may offer none) */
        if (!mpi) MPI_Finalize();
    }
#endif
    /* started as one of several MPI ranks (the launcher's variables say so) that this
     * program does not see as such (built without MPI, or with another MPI than the
     * launcher's, e.g. Open MPI under MPICH's mpiexec): each would run the whole sweep */
    static const char *const world[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"};
    for (size_t i = 0; !mpi && i < sizeof world / sizeof world[0]; i++)
        if (getenv(world[i]) && atol(getenv(world[i])) > 1) {
            fprintf(stderr, "domino sweep: started as one of %s MPI ranks (%s) but this domino %s: use the mpiexec of "
                            "the MPI domino was built with, or a job array with --shard\n", getenv(world[i]), world[i],
#ifdef DOMINO_MPI
                    "sees one rank (its MPI is not the launcher's)"
#else
                    "was built without MPI"
#endif
            );
            return DM_EUSAGE;
        }
    /* several Slurm tasks but no MPI: each would run the whole sweep into the same file */
    const char *ntasks = getenv("SLURM_NTASKS"), *procid = getenv("SLURM_PROCID");
    if (!mpi && nranks == 1 && procid && ntasks && atol(ntasks) > 1 && !getenv("SLURM_ARRAY_TASK_ID")) {
        fprintf(stderr, "domino sweep: started as one of %s Slurm tasks without MPI (no PMI or Open MPI variables): "
                        "use srun --mpi=pmix (or pmi2) with an MPI build, one task, or a job array with --shard\n", ntasks);
        return DM_EUSAGE;
    }
    if (threads) omp_set_num_threads(threads);
    dm_error err;
    dm_error_clear(&err);
    dm_sweep *s = NULL;
    char *cmdline = cli_command_line(argc, argv), dir[4096];
    int rc = dm_sweep_load(argv[optind], &s, &err);
    snprintf(dir, sizeof dir, "%s.points", output);
    /* The output checked and locked before anything is touched: a second sweep onto the
     * same output is refused (exit 73) instead of deleting the first one's points. Under
     * MPI rank 0, which merges, holds the lock. */
    /* absurd replicates are refused as `run` refuses them: before anything is touched */
    if (!rc) {
        /* the statistics, and each replicate's final sector levels (dm_sweep_point_memory); the
         * limit is the one dm_mc_run holds each point's event logs to */
        double need = dm_sweep_point_memory(s, threads), limit = dm_mc_memory_limit(0);
        if (need > limit)
            rc = dm_error_set(&err, DM_EUSAGE, argv[optind], 0, 0, "each point needs about %.0f MiB for its statistics "
                              "(%llu replicates), over half of this machine's memory (%.0f MiB): fewer replicates or a "
                              "coarser interval", need / 1048576.0, (unsigned long long)s->replicates, limit / 1048576.0);
    }
    int claimed = 0;
    if (!rc && rank == 0) {
        const char *inputs[] = {argv[optind], s->scenario_file, s->base->model->file};
        rc = dm_output_check(output, 0, inputs, 3, &err);
        if (!rc && !(rc = dm_output_claim(output, &err))) claimed = 1;
    }
#ifdef DOMINO_MPI
    if (mpi) {  /* every rank stops when rank 0 could not take the output */
        int refused = rc != 0, any;
        MPI_Allreduce(&refused, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (any && !rc) rc = dm_error_set(&err, DM_ECANTCREAT, output, 0, 0, "rank 0 cannot write the output");
    }
#endif
    /* a complete or partial output of the same sweep: its points are done. It is read
     * first in a guarded child (a file HDF5 crashes on is reported, not crashed on). */
    if (!rc && access(output, F_OK) == 0) {
        points_ctx pc = {output, s};
        guarded_call g = {points_call, &pc, output};
        int guarded = mpi ? 0 : cli_guarded(&g);
        if (guarded) {
            if (claimed) dm_output_release(output);
            free(cmdline);
            dm_sweep_free(s);
            return guarded;
        }
    }
    /* the shard's points, those done, every checkpoint checked: before anything is computed */
    dm_sweep_plan plan;
    memset(&plan, 0, sizeof plan);
    if (!rc) rc = dm_sweep_plan_new(s, output, (size_t)shard_k, (size_t)shard_n, &plan, &err);

    cli_catch_stop(NULL);
#ifdef DOMINO_MPI
    MPI_Win win = MPI_WIN_NULL;
    long counter = 0;
    if (mpi) MPI_Win_create(rank == 0 ? &counter : NULL, rank == 0 ? sizeof counter : 0, sizeof counter,
                            MPI_INFO_NULL, MPI_COMM_WORLD, &win);
#endif
    size_t done = 0;
    for (long next = rank; !rc && !cli_stop_signal;) {
#ifdef DOMINO_MPI
        if (mpi) {  /* the next point from the shared counter: whichever rank is free takes it */
            long one = 1;
            MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
            MPI_Fetch_and_op(&one, &next, MPI_LONG, 0, 0, MPI_SUM, win);
            MPI_Win_unlock(0, win);
        }
#endif
        if (next >= (long)plan.nmine) break;
        if (dm_sweep_plan_pending(&plan, (size_t)next)) {
            int finished;
            rc = dm_sweep_plan_point(s, &plan, plan.mine[next], threads, &cli_stop_signal, cmdline, &finished, &err);
            if (!rc && finished && !quiet && !cli_stop_signal)
                fprintf(stderr, "domino: point %zu done (%zu/%zu this %s)\n", plan.mine[next], ++done, plan.nmine,
                        mpi ? "rank" : "process");
        }
        if (!mpi) next++;
    }
    int failed = rc != 0, any_failed = failed;
#ifdef DOMINO_MPI
    if (mpi) {
        MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        int stopped = cli_stop_signal != 0, any_stopped;
        MPI_Allreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (any_stopped && !cli_stop_signal) cli_stop_signal = SIGTERM;
        MPI_Win_free(&win);
    }
#endif
    if (rc) rc = cli_fail(&err);
    else if (any_failed) rc = DM_ESOFTWARE;  /* another rank failed and said why */
    if (!rc && cli_stop_signal) {
        if (rank == 0)
            fprintf(stderr, "domino: interrupted by signal %d; finished points are kept in %s: run the same "
                            "command again to resume\n", (int)cli_stop_signal, dir);
        rc = 128 + (int)cli_stop_signal;
    }
    /* rank 0 merges the shard's points (the old output's and the checkpoints) into OUT,
     * in a guarded child when it reads a file an earlier run left */
    if (!rc && rank == 0) {
        size_t checkpoints = dm_sweep_plan_checkpoints(&plan);
        plan_ctx m = {s, &plan, output, cmdline, shard_n == 1};
        guarded_call g = {plan_merge_call, &m, plan.output_points ? output : "a point file"};
        rc = mpi || (checkpoints == 0 && plan.output_points == 0) ? plan_merge_call(&m) : cli_guarded(&g);
        /* a merge that failed (a full disk, say) keeps the finished points: the same
         * command, run again, merges them without computing them again */
        if (rc && checkpoints)
            fprintf(stderr, "domino: %s was not written; the finished points are kept in %s: run the same "
                            "command again to merge them\n", output, dir);
        if (!rc) dm_sweep_plan_clean(&plan);
        if (!rc && !quiet) fprintf(stderr, "domino: %zu points in %s\n", plan.nmine, output);
    }
#ifdef DOMINO_MPI
    if (mpi) {
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Finalize();
    }
#endif
    if (rc && claimed) rmdir(dir);  /* a failed sweep that finished no point leaves nothing */
    if (claimed) dm_output_release(output);
    dm_sweep_plan_free(&plan);
    free(cmdline);
    dm_sweep_free(s);
    (void)nranks;
    return rc;
}


int cmd_merge(int argc, char **argv)
{
    static const char help[] =
        "usage: domino merge PART.h5... -o SWEEP.h5\n"
        "\n"
        "Combines sweep files of the same sweep (the shards of a job array, say) into one,\n"
        "with the points in order. Every point of the sweep must be present exactly once.\n";
    const char *output = NULL;
    const char **parts = calloc((size_t)argc + 1, sizeof *parts);
    size_t n = 0;
    if (!parts) return DM_ESOFTWARE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); free(parts); return 0; }
        if (!strcmp(argv[i], "-o") && i + 1 < argc) output = argv[++i];
        else if (argv[i][0] == '-') { fprintf(stderr, "domino merge: unknown option '%s'\n%s", argv[i], help); free(parts); return DM_EUSAGE; }
        else parts[n++] = argv[i];
    }
    if (!output || n == 0) { fputs(help, stderr); free(parts); return DM_EUSAGE; }
    dm_error err;
    dm_error_clear(&err);
    if (dm_output_check(output, 0, parts, n, &err)) { free(parts); return cli_fail(&err); }
    merge_ctx m = {output, parts, n, cli_command_line(argc, argv), 1};
    guarded_call g = {merge_call, &m, n == 1 ? parts[0] : "one of the parts"};
    int rc = cli_guarded(&g);
    free(m.cmdline);
    free(parts);
    return rc;
}
