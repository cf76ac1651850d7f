/* domino sweep: designs, paths, errors; and the same data from one process, MPI ranks
 * (1, 2, 4), shards merged, and an interrupted run resumed. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helpers.h"
#include "cli_helpers.h"

static char dir[256];

static void make_dir(void) { scratch_make(dir, "sweep"); }
static void remove_dir(void) { scratch_remove(dir); }

TestSuite(sweep, .init = make_dir, .fini = remove_dir, .timeout = 180);

/* Writes a sweep file in the test directory; returns its path (static buffer). */
static const char *write_sweep(const char *name, const char *body)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "scenario: %s/scenarios/grid-attack-uncertain.yaml\n%s", env("DOMINO_SOURCE"), body);
    fclose(f);
    return path;
}

static dm_sweep *load(const char *path)
{
    dm_sweep *s;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_sweep_load(path, &s, &err), 0, "%s:%d:%d: %s", err.file, err.line, err.column, err.message);
    return s;
}

Test(sweep, grid_is_the_product_first_parameter_slowest)
{
    dm_sweep *s = load(write_sweep("g.yaml", "replicates: 2\nparameters:\n"
        "  - {name: a, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1]}\n"
        "  - {name: b, path: 'model.sectors[ICT].threshold.duration', range: [1h, 3h], steps: 3}\n"));
    cr_assert_eq(s->npoints, 6);
    const double expect[6][2] = {{0.5, 3600}, {0.5, 7200}, {0.5, 10800}, {1, 3600}, {1, 7200}, {1, 10800}};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 2; j++) cr_expect_float_eq(s->values[i * 2 + j], expect[i][j], 1e-9, "point %d param %d", i, j);
    cr_expect(s->params[1].is_duration && !s->params[0].is_duration);
    /* the point's scenario carries the values */
    dm_scenario *sc;
    dm_error err;
    cr_assert_eq(dm_sweep_point_scenario(s, 4, &sc, &err), 0, "%s", err.message);
    cr_expect_float_eq(sc->hazards[0].severity, 1.0, 1e-12);
    cr_expect_eq(sc->model->sectors[dm_model_sector(sc->model, "ICT")].duration_s, 7200);
    dm_scenario_free(sc);
    dm_sweep_free(s);
}

Test(sweep, latin_hypercube_fills_every_stratum_and_sobol_is_gsls)
{
    dm_sweep *s = load(write_sweep("l.yaml", "design: latin\npoints: 10\nparameters:\n"
        "  - {name: a, path: 'scenario.hazards[grid-control-attack].severity', range: [0, 1]}\n"
        "  - {name: b, path: 'scenario.hazards[grid-control-attack].duration.sigma', range: [0.1, 1.1]}\n"));
    for (int j = 0; j < 2; j++) {
        int seen[10] = {0};
        for (int i = 0; i < 10; i++) seen[(int)floor((s->values[i * 2 + j] - (j ? 0.1 : 0)) * 10)]++;
        for (int k = 0; k < 10; k++) cr_expect_eq(seen[k], 1, "parameter %d stratum %d has %d points", j, k, seen[k]);
    }
    dm_sweep_free(s);
    s = load(write_sweep("s.yaml", "design: sobol\npoints: 4\nparameters:\n"
        "  - {name: a, path: 'scenario.hazards[grid-control-attack].severity', range: [0, 1]}\n"));
    /* GSL's Sobol sequence in one dimension starts 0.5, 0.75, 0.25, 0.375 */
    const double sobol[4] = {0.5, 0.75, 0.25, 0.375};
    for (int i = 0; i < 4; i++) cr_expect_float_eq(s->values[i], sobol[i], 1e-12);
    dm_sweep_free(s);
}

static void expect_error(const char *name, const char *body, int line, const char *needle)
{
    dm_sweep *s;
    dm_error err;
    dm_error_clear(&err);
    const char *path = write_sweep(name, body);
    cr_expect_eq(dm_sweep_load(path, &s, &err), DM_EDATA, "%s: loaded", name);
    cr_expect_eq(err.line, line, "%s: line %d (%s)", name, err.line, err.message);
    cr_expect(strstr(err.message, needle) != NULL, "%s: '%s' lacks '%s'", name, err.message, needle);
}

Test(sweep, errors_name_the_parameter)
{
    expect_error("e1.yaml", "parameters:\n  - {path: 'scenario.hazards[nope].severity', values: [1]}\n", 3, "matches no element");
    expect_error("e2.yaml", "parameters:\n  - {path: 'scenario.horizon', values: [1d]}\n", 3, "cannot be swept");
    expect_error("e3.yaml", "design: random\npoints: 3\nparameters:\n  - {path: 'scenario.seed', values: [1]}\n", 5, "for design grid");
    expect_error("e4.yaml", "design: fancy\nparameters:\n  - {path: 'scenario.seed', values: [1]}\n", 2, "grid, random");
    expect_error("e5.yaml", "parameters:\n  - {path: 'scenario.hazards[grid-control-attack].severity', values: [2]}\n", 3, "severity");
    expect_error("e6.yaml", "parameters:\n  - {path: hazards.x, values: [1]}\n", 3, "'scenario.' or 'model.'");
}

/* Runs a shell command in the test directory; returns its exit status. */
static int sh(const char *fmt, const char *a)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, fmt, a);
    char full[4400];
    snprintf(full, sizeof full, "cd '%s' && %s", dir, cmd);
    int status = system(full);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define SMALL "replicates: 30\nparameters:\n" \
    "  - {name: battery, path: 'model.dependencies[dependent=ICT,providers=ELEC].buffer.facilities.max', values: [4h, 8h, 16h]}\n" \
    "  - {name: outage, path: 'scenario.hazards[grid-control-attack].duration.median', values: [4h, 10h]}\n"

Test(sweep, same_data_from_one_process_mpi_ranks_and_shards)
{
    const char *sweep = write_sweep("small.yaml", SMALL);
    char cmd[2048];
    const char *bin = env("DOMINO");
    snprintf(cmd, sizeof cmd, "'%s' sweep '%s' -o one.h5 --quiet", bin, sweep);
    cr_assert_eq(sh("%s", cmd), 0);
    for (int np = 1; np <= 4; np *= 2) {
        /* Open MPI's plugins keep allocations past exit, which LeakSanitizer cannot even
         * name (they are unloaded): leak checks off for the ranks of the sanitizer build */
        snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np %d '%s' sweep '%s' -o mpi%d.h5 --threads 1 --quiet",
                 np, bin, sweep, np);
        cr_assert_eq(sh("%s", cmd), 0, "mpirun -np %d failed", np);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "'%s' sweep '%s' -o part%d.h5 --shard %d/2 --quiet", bin, sweep, k, k);
        cr_assert_eq(sh("%s", cmd), 0);
    }
    snprintf(cmd, sizeof cmd, "SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 '%s' sweep '%s' -o slurm1.h5 --shard slurm --quiet", bin, sweep);
    cr_assert_eq(sh("%s", cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' merge part1.h5 part0.h5 -o merged.h5 && '%s' merge part0.h5 slurm1.h5 -o merged2.h5", bin, bin);
    cr_assert_eq(sh("%s", cmd), 0);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/check_output.py' same one.h5 mpi1.h5 mpi2.h5 mpi4.h5 merged.h5 merged2.h5",
             env("DOMINO_SOURCE"));
    cr_expect_eq(sh("%s", cmd), 0, "sweep data differ (see check_output.py's output)");
    /* a merge that lacks a shard, or mixes sweeps, is refused */
    snprintf(cmd, sizeof cmd, "'%s' merge part0.h5 -o bad.h5 2>/dev/null", bin);
    cr_expect_eq(sh("%s", cmd), 65);
    cr_expect_neq(access("bad.h5", F_OK), 0);
    /* the analysts' view: xarray opens it, with the parameters as coordinates */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import xarray as xr; ds = xr.open_dataset('one.h5'); "
             "assert ds.breach_probability.shape == (6, 15); assert list(ds.battery.values / 3600) == [4, 4, 8, 8, 16, 16]; "
             "assert str(ds.time.dtype).startswith('timedelta64')\"");  /* elapsed time: the scenario has no start */
    cr_expect_eq(sh("%s", cmd), 0, "xarray cannot read the sweep file as expected");
}

Test(sweep, interrupted_and_resumed_gives_the_same_file)
{
    const char *sweep = write_sweep("resume.yaml", "replicates: 300\nparameters:\n"
        "  - {name: battery, path: 'model.dependencies[dependent=ICT,providers=ELEC].buffer.facilities.max', range: [3h, 25h], steps: 12}\n");
    char cmd[2048], full[2400];
    const char *bin = env("DOMINO");
    snprintf(cmd, sizeof cmd, "'%s' sweep '%s' -o whole.h5 --quiet", bin, sweep);
    cr_assert_eq(sh("%s", cmd), 0);
    /* start, interrupt once the first point is finished (and before the last), resume */
    snprintf(full, sizeof full, "%s/r.h5", dir);
    char points[600];
    snprintf(points, sizeof points, "%s/r.h5.points", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(bin, "domino", "sweep", sweep, "-o", full, "--threads", "1", (char *)NULL);
        _exit(99);
    }
    int finished = 0;
    for (int k = 0; k < 600 && !finished; k++) {  /* up to a minute */
        usleep(100 * 1000);
        snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -q '[.]h5$'", points);
        finished = system(cmd) == 0;
    }
    cr_assert(finished, "no point finished within a minute");
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 130, "SIGINT: expected exit 130");
    cr_expect_neq(sh("test -e r.h5%s", ""), 0, "an interrupted sweep left a file at the target");
    cr_expect_eq(sh("ls r.h5.points | grep -q '[.]h5$'%s", ""), 0, "the finished points are gone");
    /* the resume computes only the points not yet done: one progress line for each */
    char found[600];
    snprintf(found, sizeof found, "%s/found", dir);
    snprintf(cmd, sizeof cmd, "ls r.h5.points | grep -c '[.]h5$' > found && '%s' sweep '%s' -o r.h5 2> resume.log && "
             "test ! -e r.h5.points && /usr/bin/python3 '%s/tests/check_output.py' same whole.h5 r.h5", bin, sweep,
             env("DOMINO_SOURCE"));
    cr_expect_eq(sh("%s", cmd), 0, "the resumed sweep differs from the whole one");
    char *kept_text = NULL, *log = NULL;
    snprintf(cmd, sizeof cmd, "cat '%s'", found);
    run_capture(cmd, &kept_text);
    snprintf(cmd, sizeof cmd, "grep -c 'done (' '%s/resume.log'", dir);
    run_capture(cmd, &log);
    int kept = atoi(kept_text), redone = atoi(log);
    cr_expect(kept >= 1 && kept + redone == 12, "%d points kept, %d computed on resume: expected 12 in all", kept, redone);
    free(kept_text);
    free(log);
    /* running a finished sweep again keeps it */
    snprintf(cmd, sizeof cmd, "'%s' sweep '%s' -o r.h5 --quiet && /usr/bin/python3 '%s/tests/check_output.py' same whole.h5 r.h5",
             bin, sweep, env("DOMINO_SOURCE"));
    cr_expect_eq(sh("%s", cmd), 0);
}
