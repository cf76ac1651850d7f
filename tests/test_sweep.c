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
    "  - {name: battery, path: 'model.dependencies[dependent=ICT,providers=ELEC,strength=0.8].buffer.facilities.max', values: [4h, 8h, 16h]}\n" \
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
    /* the analysts' view, with both engines: the whole grid has a dimension per parameter,
     * selected by value; a shard is a list of points with the parameters as coordinates */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import xarray as xr\n"
             "for e in ('netcdf4', 'h5netcdf'):\n"
             "    ds = xr.open_dataset('one.h5', engine=e)\n"
             "    assert ds.breach_probability.dims == ('battery', 'outage', 'sector'), ds.breach_probability.dims\n"
             "    assert list(ds.battery.values / 3600) == [4, 8, 16] and list(ds.outage.values / 3600) == [4, 10]\n"
             "    p = ds.breach_probability.sel(battery=8 * 3600.0, outage=10 * 3600.0)\n"
             "    assert int(ds.point.sel(battery=8 * 3600.0, outage=10 * 3600.0)) == 3\n"
             "    part = xr.open_dataset('part1.h5', engine=e)\n"
             "    assert part.breach_probability.dims == ('point', 'sector') and list(part.point.values) == [1, 3, 5]\n"
             "    assert 'battery' in part.coords and (part.breach_probability.sel(point=3) == p).all()\n"
             "    assert str(ds.time.dtype).startswith('timedelta64')\n\"");  /* elapsed time: the scenario has no start */
    cr_expect_eq(sh("%s", cmd), 0, "xarray cannot read the sweep file as expected");
}

Test(sweep, interrupted_and_resumed_gives_the_same_file)
{
    const char *sweep = write_sweep("resume.yaml", "replicates: 300\nparameters:\n"
        "  - {name: battery, path: 'model.dependencies[dependent=ICT,providers=ELEC,strength=0.8].buffer.facilities.max', range: [3h, 25h], steps: 12}\n");
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

/* Each mean's standard error is the sample standard deviation over the point's replicates
 * divided by sqrt(n): checked against `domino run --store sectors` of the same scenario
 * (a sweep of one point that sets the scenario's own seed), whose means it must equal
 * bit for bit (tests/check_sweep.py). */
Test(sweep, standard_errors_are_those_of_the_replicates)
{
    const char *sweep = write_sweep("se.yaml", "replicates: 40\nparameters:\n  - {name: same_seed, path: scenario.seed, values: [2026]}\n");
    char cmd[4096];
    const char *bin = env("DOMINO"), *src = env("DOMINO_SOURCE");
    snprintf(cmd, sizeof cmd, "'%s' sweep '%s' -o se.h5 --quiet && '%s' run '%s/scenarios/grid-attack-uncertain.yaml' "
             "--replicates 40 --store sectors --quiet -o se-run.h5 > /dev/null && /usr/bin/python3 '%s/tests/check_sweep.py' "
             "se se-run.h5 se.h5", bin, sweep, bin, src, src);
    cr_expect_eq(sh("%s", cmd), 0, "the standard errors are not those of the replicates (check_sweep.py's output above)");
}

/* ---- graph ensembles ---- */

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Two interdependent Erdos-Renyi layers (a small models/interdependent-er.yaml), a random
 * failure of a fraction of A, swept; `graphs` is appended by each test. */
#define ER_MODEL "name: er\nsectors: [{id: A, name_en: a}, {id: B, name_en: b}]\nlayers:\n" \
    "  - {sector: A, graph: {generate: erdos_renyi, nodes: 3000, mean_degree: 4, seed: 1}, connectivity: giant}\n" \
    "  - {sector: B, graph: {generate: erdos_renyi, nodes: 3000, mean_degree: 4}, connectivity: giant}\n" \
    "couplings: [{dependent: A, provider: B, pairs: index, mutual: true}]\n"
#define ER_SCENARIO "name: er\nmodel: er-model.yaml\nhorizon: 1h\nhazards:\n" \
    "  - {id: cut, kind: failure, select: {sectors: [A], fraction: 0.3}, severity: 1}\n"
#define ER_SWEEP "scenario: er.yaml\nreplicates: 7\nparameters:\n" \
    "  - {name: removed_fraction, path: 'scenario.hazards[cut].select.fraction', values: [0.3, 0.4]}\n"

static dm_sweep *load_er(const char *name, const char *graphs)
{
    char text[2048], path[600];
    write_text("er-model.yaml", ER_MODEL);
    write_text("er.yaml", ER_SCENARIO);
    snprintf(text, sizeof text, "%s%s", ER_SWEEP, graphs);
    write_text(name, text);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return load(path);
}

/* The final levels of replicates first .. first + n - 1 of a scenario, by dm_mc_run. */
static void finals(const dm_scenario *sc, uint64_t first, uint64_t n, double *out)
{
    dm_engine *e;
    dm_error err;
    cr_assert_eq(dm_engine_new(sc, &e, &err), 0, "%s", err.message);
    for (uint64_t r = 0; r < n; r++) {
        cr_assert_eq(dm_engine_run(e, first + r, &err), 0, "%s", err.message);
        for (size_t s = 0; s < sc->model->nsectors; s++) out[r * sc->model->nsectors + s] = dm_engine_results(e)->sectors[s].final_level;
    }
    dm_engine_free(e);
}

/* graphs: 3 over 7 replicates: replicates 0-2 on the model's own graphs, 3-4 and 5-6 on
 * graphs whose layers' seeds are dm_sweep_graph_seed(seed, g); pooled in one set of
 * statistics. */
Test(sweep, graph_ensembles_split_the_replicates_over_graph_seeds)
{
    dm_sweep *s = load_er("ens.yaml", "graphs: 3\n");
    cr_assert_eq(s->graphs, 3);
    const uint64_t expect_graph[7] = {0, 0, 0, 1, 1, 2, 2};
    for (uint64_t r = 0; r < 7; r++) cr_expect_eq(dm_sweep_replicate_graph(s, r), expect_graph[r], "replicate %llu", (unsigned long long)r);
    cr_expect_eq(dm_sweep_graph_seed(5, 0), 5);
    cr_expect_neq(dm_sweep_graph_seed(1, 1), dm_sweep_graph_seed(1, 2));
    cr_expect_neq(dm_sweep_graph_seed(1, 1), dm_sweep_graph_seed(2, 1));
    dm_sweep_result res;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_sweep_run_point(s, 1, 2, NULL, &res, &err), 0, "%s", err.message);
    cr_expect_eq(res.stats.replicates, 7);
    double want[14], other[14];
    int differ = 0;
    for (uint64_t g = 0; g < 3; g++) {
        dm_scenario *sc;
        cr_assert_eq(dm_sweep_point_graph_scenario(s, 1, g, &sc, &err), 0, "%s", err.message);
        /* the layers' seeds: 1 (given) and 1 (the default) on graph 0 */
        char seed[64];
        snprintf(seed, sizeof seed, "seed=%llu", (unsigned long long)dm_sweep_graph_seed(1, g));
        cr_expect(strstr(sc->model->layers[0].graph, seed) && strstr(sc->model->layers[1].graph, seed),
                  "graph %llu: %s / %s lack %s", (unsigned long long)g, sc->model->layers[0].graph, sc->model->layers[1].graph, seed);
        uint64_t first = g == 0 ? 0 : g == 1 ? 3 : 5, n = g == 0 ? 3 : 2;
        finals(sc, first, n, want);
        for (size_t k = 0; k < n * 2; k++)
            cr_expect_eq(memcmp(&res.final_level[first * 2 + k], &want[k], sizeof *want), 0, "graph %llu, replicate %llu: %g, expected %g",
                         (unsigned long long)g, (unsigned long long)(first + k / 2), res.final_level[first * 2 + k], want[k]);
        if (g > 0) {  /* the model's own graphs would give other levels for these replicates */
            dm_scenario *own;
            cr_assert_eq(dm_sweep_point_graph_scenario(s, 1, 0, &own, &err), 0, "%s", err.message);
            finals(own, first, n, other);
            differ += memcmp(want, other, n * 2 * sizeof *want) != 0;
            dm_scenario_free(own);
        }
        dm_scenario_free(sc);
    }
    cr_expect_eq(differ, 2, "replicates on graphs 1 and 2 gave the levels of the model's own graphs");
    dm_sweep_result_free(&res);
    dm_sweep_free(s);
}

Test(sweep, graph_ensembles_are_the_same_for_any_threads_and_ranks)
{
    dm_sweep_free(load_er("ens.yaml", "graphs: 3\n"));
    char cmd[2048];
    const char *bin = env("DOMINO");
    snprintf(cmd, sizeof cmd, "'%s' sweep ens.yaml -o t1.h5 --threads 1 --quiet && '%s' sweep ens.yaml -o t2.h5 --threads 2 --quiet && "
             "'%s' sweep ens.yaml --shard 0/2 -o s0.h5 --quiet && '%s' sweep ens.yaml --shard 1/2 -o s1.h5 --quiet && "
             "'%s' merge s1.h5 s0.h5 -o merged.h5 && ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe "
             "-np 2 '%s' sweep ens.yaml -o mpi.h5 --threads 1 --quiet", bin, bin, bin, bin, bin, bin);
    cr_assert_eq(sh("%s", cmd), 0);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/check_output.py' same t1.h5 t2.h5 merged.h5 mpi.h5", env("DOMINO_SOURCE"));
    cr_expect_eq(sh("%s", cmd), 0, "graph ensembles differ between threads, shards or ranks");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import xarray as xr\nds = xr.open_dataset('t1.h5')\n"
             "assert list(ds.replicate_graph.values) == [0, 0, 0, 1, 1, 2, 2] and ds.attrs['graphs_per_point'] == 3\n"
             "assert ds.final_level.sel(removed_fraction=0.4).dims == ('replicate', 'sector')\"");
    cr_expect_eq(sh("%s", cmd), 0, "the ensemble's file lacks replicate_graph or the grid");
}

Test(sweep, graph_ensembles_need_generated_graphs_and_replicates)
{
    write_text("er-model.yaml", ER_MODEL);
    write_text("er.yaml", ER_SCENARIO);
    char path[600];
    dm_sweep *s;
    dm_error err;
    write_text("e1.yaml", ER_SWEEP "graphs: 8\n");
    snprintf(path, sizeof path, "%s/e1.yaml", dir);
    dm_error_clear(&err);
    cr_expect_eq(dm_sweep_load(path, &s, &err), DM_EDATA);
    cr_expect(err.line == 5 && strstr(err.message, "8 graphs for 7 replicates"), "%d: %s", err.line, err.message);
    expect_error("e2.yaml", "graphs: 2\nparameters:\n  - {path: 'scenario.hazards[grid-control-attack].severity', values: [1]}\n",
                 2, "no generated graph");
    expect_error("e3.yaml", "parameters:\n  - {path: 'scenario.hazards[grid-control-attack].severity', values: [1, 0.5, 0.7]}\n",
                 3, "increasing (or decreasing) order");
}

/* The library drives a sweep as the program does (dm_sweep_plan_*): the same file, and a
 * second plan onto the finished output has nothing left to compute. */
Test(sweep, the_library_drives_a_sweep_as_the_program_does)
{
    const char *path = write_sweep("lib.yaml", SMALL);
    dm_sweep *s = load(path);
    dm_sweep_plan plan;
    dm_error err;
    dm_error_clear(&err);
    char out[600], cmd[2048];
    snprintf(out, sizeof out, "%s/lib.h5", dir);
    cr_assert_eq(dm_sweep_plan_new(s, out, 0, 1, &plan, &err), 0, "%s", err.message);
    cr_expect_eq(plan.nmine, 6);
    for (size_t k = 0; k < plan.nmine; k++) {
        int finished;
        cr_assert(dm_sweep_plan_pending(&plan, k));
        cr_assert_eq(dm_sweep_plan_point(s, &plan, plan.mine[k], 1, NULL, "test", &finished, &err), 0, "%s", err.message);
        cr_expect(finished && !dm_sweep_plan_pending(&plan, k));
    }
    cr_expect_eq(dm_sweep_plan_checkpoints(&plan), 6);
    cr_assert_eq(dm_sweep_plan_merge(s, &plan, out, 1, "test", &err), 0, "%s", err.message);
    dm_sweep_plan_clean(&plan);
    dm_sweep_plan_free(&plan);
    cr_expect_neq(sh("test -e lib.h5.points%s", ""), 0, "the checkpoints' directory is left");
    cr_assert_eq(dm_sweep_plan_new(s, out, 0, 1, &plan, &err), 0, "%s", err.message);
    for (size_t k = 0; k < plan.nmine; k++) cr_expect(!dm_sweep_plan_pending(&plan, k), "point %zu is pending again", k);
    cr_expect_eq(plan.output_points, 6);
    dm_sweep_plan_clean(&plan);
    dm_sweep_plan_free(&plan);
    snprintf(cmd, sizeof cmd, "'%s' sweep '%s' -o prog.h5 --quiet && /usr/bin/python3 '%s/tests/check_output.py' same prog.h5 lib.h5",
             env("DOMINO"), path, env("DOMINO_SOURCE"));
    cr_expect_eq(sh("%s", cmd), 0, "the library's sweep file differs from the program's");
    dm_sweep_free(s);
}
