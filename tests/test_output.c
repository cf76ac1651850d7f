/* Result files and Monte Carlo, end to end: what `run -o` writes, that analysts' tools
 * read it (tests/check_output.py: xarray, h5py, ncdump), that `timeline FILE` gives the
 * timeline `run` printed, that runs on 1, 2 and 4 threads give the same bits, that
 * signals leave no partial file, and that damaged files are refused with exit 65. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <hdf5.h>
#include "helpers.h"
#include "cli_helpers.h"

static char dir[256];

static void make_dir(void) { scratch_make(dir, "test"); }
static void remove_dir(void) { scratch_remove(dir); }

TestSuite(output, .init = make_dir, .fini = remove_dir, .timeout = 120);

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Runs `$DOMINO args` in the test's directory; returns the exit code, *out the output. */
static int run_here(const char *args, char **out)
{
    char full[2048];
    snprintf(full, sizeof full, "%s", args);
    return domino(dir, full, 1, out);
}

static int shell(const char *fmt, const char *a, const char *b)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(output, tools_read_the_file_and_values_equal_the_engines)
{
    /* the engine, in process: the default scenario's sector levels on the 10-min grid */
    dm_scenario *sc;
    dm_engine *eng;
    dm_error err;
    dm_error_clear(&err);
    cr_assert_eq(dm_scenario_default(&sc, &err), 0);
    cr_assert_eq(dm_engine_new(sc, &eng, &err), 0);
    cr_assert_eq(dm_engine_set_output(eng, 10, DM_STORE_SECTORS, &err), 0);
    cr_assert_eq(dm_engine_run(eng, 0, &err), 0);
    const dm_engine_result *r = dm_engine_results(eng);
    cr_assert_eq(r->ntimes, 1008);
    char path[512];
    snprintf(path, sizeof path, "%s/expected.bin", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(r->sector_level, sizeof(double), r->ntimes * 15, f), r->ntimes * 15);
    fclose(f);
    dm_engine_free(eng);
    dm_scenario_free(sc);

    char *out;
    cr_assert_eq(run_here("run -o out.h5 --quiet --lang en", &out), 0, "%s", out);
    free(out);
    char file[512];
    snprintf(file, sizeof file, "%s/out.h5", dir);
    char script[512];
    snprintf(script, sizeof script, "%s/tests/check_output.py", env("DOMINO_SOURCE"));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' read '%s' '%s' 15", script, file, path);
    int status = system(cmd);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "check_output.py read failed (see its output)");
    /* and a file with every replicate's series */
    cr_assert_eq(run_here("run -o full.h5 --store sectors,maps,events --quiet --lang en", &out), 0, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' read '%s/full.h5' '%s' 15", script, dir, path);
    status = system(cmd);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "check_output.py read failed on full.h5 (see its output)");
    /* the h5py and xarray examples of docs/output-format.md, as printed there */
    snprintf(cmd, sizeof cmd, "cd '%s' && cp out.h5 run.h5 && /usr/bin/python3 '%s' docs '%s/docs/output-format.md'",
             dir, script, env("DOMINO_SOURCE"));
    status = system(cmd);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the examples in docs/output-format.md fail");
}

/* Calendar time in files (DESIGN.md, "Time, overrides and exercises"): with `start`, every
 * time variable is "minutes since" it, and xarray decodes time[0] to the start in UTC
 * (2018-09-06 03:07 JST = 2018-09-05 18:07 UTC); without, plain elapsed minutes, which
 * xarray decodes to timedelta64 from 0, and no calendar. */
Test(output, time_is_minutes_since_the_start_or_plain_elapsed_minutes)
{
    const char *src = env("DOMINO_SOURCE");
    char args[1024], *out, script[512], file[512];
    snprintf(script, sizeof script, "%s/tests/check_output.py", src);
    cr_assert_eq(run_here("run -o plain.h5 --quiet --lang en", &out), 0, "%s", out);
    free(out);
    snprintf(args, sizeof args, "run '%s/scenarios/hokkaido-2018-blackout.yaml' -o dated.h5 --quiet --lang en", src);
    cr_assert_eq(run_here(args, &out), 0, "%s", out);
    free(out);
    snprintf(file, sizeof file, "%s/plain.h5", dir);
    cr_expect_eq(shell("/usr/bin/python3 -W ignore '%s' time '%s' none", script, file), 0, "plain.h5: see check_output");
    snprintf(file, sizeof file, "%s/dated.h5", dir);
    cr_expect_eq(shell("/usr/bin/python3 -W ignore '%s' time '%s' 2018-09-05T18:07", script, file), 0,
                 "dated.h5: see check_output");
    /* the raw attribute, as CF and UDUNITS write a start with its offset */
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), ds = H5Dopen2(f, "time", H5P_DEFAULT);
    hid_t attr = H5Aopen(ds, "units", H5P_DEFAULT), type = H5Aget_type(attr);
    char units[128] = {0};
    cr_assert(H5Tget_size(type) < sizeof units);
    H5Aread(attr, type, units);
    cr_expect_str_eq(units, "minutes since 2018-09-06 03:07:00 +09:00");
    H5Tclose(type); H5Aclose(attr); H5Dclose(ds); H5Fclose(f);
}

Test(output, timeline_from_the_file_is_the_one_run_printed)
{
    char *printed, *from_file, *info;
    cr_assert_eq(run_here("run -o out.h5 --quiet --lang en", &printed), 0);
    cr_assert_eq(run_here("timeline out.h5 --lang en", &from_file), 0, "%s", from_file);
    /* run prints: header, "Timeline", the timeline, then the breach table */
    char *start = strstr(printed, "Timeline\n"), *end = strstr(printed, "\nService-level breaches");
    cr_assert(start && end);
    start += strlen("Timeline\n");
    cr_expect_eq((size_t)(end - start), strlen(from_file));
    cr_expect(strncmp(start, from_file, strlen(from_file)) == 0, "timeline from the file differs:\n%s", from_file);
    free(printed);
    free(from_file);
    /* and the other formats equal those of the scenario run directly */
    const char *formats[] = {"md", "csv", "json"};
    for (int i = 0; i < 3; i++) {
        char a[256], *x, *y;
        snprintf(a, sizeof a, "timeline out.h5 --format %s --lang ja", formats[i]);
        cr_assert_eq(run_here(a, &x), 0);
        snprintf(a, sizeof a, "timeline --format %s --lang ja", formats[i]);
        cr_assert_eq(run_here(a, &y), 0);
        cr_expect_str_eq(x, y, "format %s differs", formats[i]);
        free(x);
        free(y);
    }
    cr_assert_eq(run_here("info out.h5", &info), 0, "%s", info);
    cr_expect(strstr(info, "scenario:     default") != NULL, "%s", info);
    cr_expect(strstr(info, "model:        japan-sectors") != NULL, "%s", info);
    cr_expect(strstr(info, "seed:         1\n") != NULL, "%s", info);
    cr_expect(strstr(info, "replicates:   1 of 1") != NULL, "%s", info);
    cr_expect(strstr(info, "ELEC") != NULL && strstr(info, "status:       complete") != NULL, "%s", info);
    free(info);
}

Test(output, monte_carlo_median_replicate_and_chosen_one)
{
    const char *src = env("DOMINO_SOURCE");
    char args[1024], *out, *file, *direct;
    snprintf(args, sizeof args, "run '%s/scenarios/grid-attack-uncertain.yaml' --replicates 40 -o mc.h5 --quiet --lang en", src);
    cr_assert_eq(run_here(args, &out), 0, "%s", out);
    const char *m = strstr(out, "showing the median replicate, ");
    cr_assert_not_null(m, "%s", out);
    int median = atoi(m + strlen("showing the median replicate, "));
    free(out);
    /* default: the median replicate, identical to running that replicate directly */
    cr_assert_eq(run_here("timeline mc.h5 --lang en", &file), 0, "%s", file);
    snprintf(args, sizeof args, "timeline '%s/scenarios/grid-attack-uncertain.yaml' --replicate %d --lang en", src, median);
    cr_assert_eq(run_here(args, &direct), 0);
    cr_expect_str_eq(file, direct);
    free(file);
    free(direct);
    /* a chosen replicate */
    cr_assert_eq(run_here("timeline mc.h5 --replicate 7 --format csv", &file), 0, "%s", file);
    snprintf(args, sizeof args, "timeline '%s/scenarios/grid-attack-uncertain.yaml' --replicate 7 --format csv", src);
    cr_assert_eq(run_here(args, &direct), 0);
    cr_expect_str_eq(file, direct);
    free(file);
    free(direct);
    cr_expect_eq(run_here("timeline mc.h5 --replicate 40", &out), 2, "%s", out);
    free(out);
    cr_assert_eq(run_here("info mc.h5", &out), 0);
    cr_expect(strstr(out, "replicates:   40 of 40") != NULL, "%s", out);
    free(out);
}

Test(output, threads_give_the_same_bits)
{
    const char *src = env("DOMINO_SOURCE");
    char args[1024], *json[3];
    const int threads[] = {1, 2, 4};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "run '%s/scenarios/grid-attack-uncertain.yaml' --replicates 150 --threads %d "
                 "-o t%d.h5 --store sectors,maps,nodes,events --quiet", src, threads[i], threads[i]);
        char *out;
        cr_assert_eq(run_here(args, &out), 0, "%s", out);
        free(out);
        snprintf(args, sizeof args, "run '%s/scenarios/grid-attack-uncertain.yaml' --replicates 150 --threads %d --json --quiet",
                 src, threads[i]);
        cr_assert_eq(domino(dir, args, 0, &json[i]), 0);
    }
    cr_expect_str_eq(json[0], json[1], "JSON differs between 1 and 2 threads");
    cr_expect_str_eq(json[0], json[2], "JSON differs between 1 and 4 threads");
    cr_expect(strstr(json[0], "\"statistics\"") != NULL);
    for (int i = 0; i < 3; i++) free(json[i]);
    char script[512];
    snprintf(script, sizeof script, "%s/tests/check_output.py", src);
    cr_expect_eq(shell("cd '%s' && /usr/bin/python3 '%s' same t1.h5 t2.h5 t4.h5", dir, script), 0,
                 "result files differ between thread counts (see check_output.py's output)");
}

/* tokyo-area-blackout with every map stored is flushed every 10 replicates: each flush
 * writes the partial last chunk of every growing variable again (h5write.c, flush_rows),
 * and the maps' chunks of regions at rest come from the cache of packed row parts
 * (flush_series). The indices, written one after the other, show a chunk lost or
 * written twice; the median replicate's stored map and levels must equal its series as
 * written apart (median_impact, median_sector_level: chunks packed another way). */
Test(output, chunks_written_again_over_many_flushes)
{
    char args[1024], *out;
    snprintf(args, sizeof args, "run '%s/scenarios/tokyo-area-blackout.yaml' --replicates 25 --threads 2 "
             "-o many.h5 --store sectors,maps,events --quiet", env("DOMINO_SOURCE"));
    cr_assert_eq(run_here(args, &out), 0, "%s", out);
    free(out);
    cr_expect_eq(shell("cd '%s' && /usr/bin/python3 -c \"\n"
                       "import h5py, numpy as np\n"
                       "f = h5py.File('many.h5', 'r')\n"
                       "n = f['event'].shape[0]\n"
                       "assert n > 3 * 4096, n\n"
                       "assert (f['event'][:] == np.arange(n)).all()\n"
                       "assert (f['replicate'][:] == np.arange(25)).all()\n"
                       "r = f['event_replicate'][:]\n"
                       "assert (np.diff(r) >= 0).all() and r[0] == 0 and r[-1] == 24, (r[0], r[-1])\n"
                       "b = f['breach'][:]\n"
                       "assert (b == np.arange(b.shape[0])).all()\n"
                       "m = int(f.attrs['median_series_replicate'])\n"
                       "a, med = f['impact'][m], f['median_impact'][:]\n"
                       "assert np.array_equal(a, med, equal_nan=True)\n"
                       "assert np.array_equal(f['sector_level'][m], f['median_sector_level'][:])\n"
                       "\"%s", dir, ""), 0, "many.h5: indices or the median's rows differ (see the output)");
}

/* Starts a long run in the background; returns its pid. */
static pid_t start_long_run(const char *output)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (chdir(dir) != 0) _exit(99);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        char scenario[512];
        snprintf(scenario, sizeof scenario, "%s/scenarios/grid-attack-uncertain.yaml", env("DOMINO_SOURCE"));
        execl(env("DOMINO"), "domino", "run", scenario, "--replicates", "1000000", "--interval", "1d", "--store",
              "events", "--threads", "2", "-o", output, (char *)NULL);
        _exit(98);
    }
    usleep(700 * 1000);  /* well into the run: replicates are being written */
    return pid;
}

Test(output, sigkill_leaves_no_file_and_sigint_a_complete_one)
{
    char target[512];
    int status;
    snprintf(target, sizeof target, "%s/killed.h5", dir);
    pid_t pid = start_long_run("killed.h5");
    cr_assert(!exists(target), "the target exists while the run is going");
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cr_expect(!exists(target), "SIGKILL left a file at the target path");

    snprintf(target, sizeof target, "%s/stopped.h5", dir);
    pid = start_long_run("stopped.h5");
    kill(pid, SIGINT);
    waitpid(pid, &status, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 130, "SIGINT: expected exit 130");
    cr_assert(exists(target), "SIGINT left no file");
    char *out;
    cr_assert_eq(run_here("info stopped.h5", &out), 0, "%s", out);
    cr_expect(strstr(out, "status:       interrupted") != NULL, "%s", out);
    cr_expect(strstr(out, "of 1000000 requested") != NULL, "%s", out);
    free(out);
    cr_expect_eq(run_here("timeline stopped.h5 --replicate 0", &out), 0, "%s", out);
    free(out);

    pid = start_long_run("terminated.h5");
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 143, "SIGTERM: expected exit 143");
    cr_expect_eq(run_here("info terminated.h5", &out), 0, "%s", out);
    free(out);
}

Test(output, damaged_or_foreign_files_exit_65)
{
    char *out;
    cr_assert_eq(run_here("run -o good.h5 --quiet", &out), 0);
    free(out);
    /* not HDF5 at all */
    cr_expect_eq(shell("cd '%s' && echo 'just text' > text.h5%s", dir, ""), 0);
    cr_expect_eq(run_here("info text.h5", &out), 65, "%s", out);
    cr_expect(strstr(out, "not an HDF5 file") != NULL, "%s", out);
    free(out);
    /* truncated */
    cr_expect_eq(shell("cd '%s' && head -c 30000 good.h5 > truncated.h5%s", dir, ""), 0);
    cr_expect_eq(run_here("info truncated.h5", &out), 65, "%s", out);
    free(out);
    cr_expect_eq(run_here("timeline truncated.h5", &out), 65, "%s", out);
    free(out);
    /* HDF5, but not domino's */
    char path[512];
    snprintf(path, sizeof path, "%s/foreign.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {4};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(f, "x", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(ds); H5Sclose(space); H5Fclose(f);
    cr_expect_eq(run_here("timeline foreign.h5", &out), 65, "%s", out);
    cr_expect(strstr(out, "not a domino result file") != NULL, "%s", out);
    free(out);
    /* missing */
    cr_expect_eq(run_here("info missing.h5", &out), 66, "%s", out);
    free(out);
    /* bytes overwritten here and there: a clean error or a correct read, never a crash */
    int refused = 0;
    for (int k = 1; k < 12; k++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cd '%s' && cp good.h5 bad.h5 && printf '\\377\\377\\377\\377\\377\\377\\377\\377' | "
                 "dd of=bad.h5 bs=1 seek=%d conv=notrunc status=none", dir, k * 13331);
        cr_assert_eq(system(cmd), 0);
        int rc = run_here("timeline bad.h5", &out);
        cr_expect(rc == 0 || rc == 65, "corruption at %d: exit %d\n%s", k * 13331, rc, out);
        refused += rc == 65;
        free(out);
    }
    cr_expect(refused > 0, "no corruption was detected");
}

Test(output, bad_output_paths_and_options)
{
    char *out;
    cr_expect_eq(run_here("run -o /nonexistent-dir/out.h5 --quiet", &out), 73, "%s", out);
    cr_expect(strstr(out, "cannot create") != NULL, "%s", out);
    free(out);
    cr_expect_eq(run_here("run --store sectors,pictures -o x.h5", &out), 2, "%s", out);
    free(out);
    cr_expect_eq(run_here("run --replicates 0", &out), 2, "%s", out);
    free(out);
    cr_expect_eq(run_here("run --interval soon", &out), 2, "%s", out);
    free(out);
    cr_expect_eq(run_here("run --replicates 100000 --max-memory 1M", &out), 2, "%s", out);
    cr_expect(strstr(out, "--max-memory") != NULL, "%s", out);
    free(out);
    cr_expect(!exists("x.h5"));
}

/* Runs a shell command in the test directory and returns what it printed. */
static char *capture(const char *cmd)
{
    char full[4096];
    snprintf(full, sizeof full, "cd '%s' && %s", dir, cmd);
    char *buf;
    run_capture(full, &buf);
    return buf;
}

Test(output, progress_on_stderr)
{
    char cmd[2048], *out;
    const char *src = env("DOMINO_SOURCE"), *bin = env("DOMINO");
    /* not a terminal: plain lines, the last one complete */
    snprintf(cmd, sizeof cmd, "'%s' run '%s/scenarios/grid-attack-uncertain.yaml' --replicates 300 2>&1 >/dev/null", bin, src);
    out = capture(cmd);
    cr_expect(strstr(out, "domino: 300/300 replicates (100%)") != NULL, "%s", out);
    cr_expect(strstr(out, "/s") != NULL && strstr(out, "ETA") != NULL, "%s", out);
    free(out);
    /* --quiet: nothing */
    snprintf(cmd, sizeof cmd, "'%s' run '%s/scenarios/grid-attack-uncertain.yaml' --replicates 300 --quiet 2>&1 >/dev/null", bin, src);
    out = capture(cmd);
    cr_expect_str_eq(out, "");
    free(out);
    /* a terminal (script(1) gives one): a bar redrawn with \r */
    snprintf(cmd, sizeof cmd, "script -qec \"'%s' run '%s/scenarios/grid-attack-uncertain.yaml' --replicates 300 >/dev/null\" /dev/null",
             bin, src);
    out = capture(cmd);
    cr_expect(strstr(out, "\r[##############################] 100% 300/300 replicates") != NULL, "%s", out);
    free(out);
}
