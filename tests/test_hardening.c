/* Hardening (docs/reliability.md): files domino reads whose datasets have the right names
 * but other shapes or types; outputs that must not destroy data; error paths. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <math.h>
#include "domino.h"
#include "cli_helpers.h"

static char dir[256];

static void make_dir(void) { scratch_make(dir, "hardening"); }
static void remove_dir(void) { scratch_remove(dir); }

TestSuite(hardening, .init = make_dir, .fini = remove_dir, .timeout = 240);

static int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shell(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* A two-point sweep over the shipped uncertain grid attack, written to sweep.yaml. */
static void write_sweep(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "scenario: %s/scenarios/grid-attack-uncertain.yaml\nreplicates: 2\nparameters:\n"
               "  - {name: a, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1]}\n",
            env("DOMINO_SOURCE"));
    fclose(f);
}

/* Replaces dataset `name` of dir/file by one of another shape or type (tests/craft.py). */
static void craft(const char *file, const char *name, const char *shape, const char *dtype, const char *extra)
{
    cr_assert_eq(shell("cd '%s' && /usr/bin/python3 '%s/tests/craft.py' '%s' '%s' '%s' '%s' %s", dir,
                       env("DOMINO_SOURCE"), file, name, shape, dtype, extra ? extra : ""), 0,
                 "craft.py %s %s", file, name);
}

/* A reader given a file whose dataset has the wrong rank, shape or type: exit 65 with a
 * message about the file, never a crash (which the guard would report as "crashed"),
 * nothing written. */
static void expect_refused(const char *args, const char *what)
{
    char *out;
    int rc = domino(dir, args, 1, &out);
    cr_expect_eq(rc, 65, "%s: domino %s: expected exit 65, found %d:\n%s", what, args, rc, out);
    cr_expect_null(strstr(out, "crashed"), "%s: domino %s: a crash (an overflow in domino):\n%s", what, args, out);
    cr_expect_null(strstr(out, "AddressSanitizer"), "%s: domino %s:\n%s", what, args, out);
    free(out);
    cr_expect(!exists("m.h5"), "%s: domino %s left m.h5", what, args);
}

Test(hardening, result_files_with_other_shapes_are_refused_before_reading)
{
    static const struct { const char *name, *shape, *dtype, *extra, *command; } cases[] = {
        {"inputs/0", "1000,1000", "uint8", "65 path=g.txt", "info"},           /* read_inputs: heap overflow */
        {"inputs/0", "1000,1000", "uint8", "65 path=g.txt", "timeline"},
        {"breach_probability", "15,4", "float64", NULL, "info"},
        {"breach_probability", "16", "float64", NULL, "info"},
        {"min_level", "1,1000", "float64", NULL, "timeline"},
        {"hazard_start", "1,1,8", "float64", NULL, "timeline"},
        {"event_time", "141,100", "float64", NULL, "timeline"},
        {"event_node", "141", "float64", "0", "timeline"},                       /* a float where ints are */
        {"breach_sector", "13", "S8", "x", "timeline"},                          /* a string */
        {"replicate", "1,100", "int64", "0", "timeline"},
        {"event_replicate", "141,100", "int64", "0", "timeline"},
    };
    char *out;
    cr_assert_eq(domino(dir, "run -o r.h5 --quiet", 0, &out), 0);
    free(out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(shell("cd '%s' && cp r.h5 bad.h5", dir), 0);
        craft("bad.h5", cases[i].name, cases[i].shape, cases[i].dtype, cases[i].extra);
        char args[256], what[256];
        snprintf(args, sizeof args, "%s bad.h5", cases[i].command);
        snprintf(what, sizeof what, "%s of shape (%s) %s", cases[i].name, cases[i].shape, cases[i].dtype);
        expect_refused(args, what);
    }
}

Test(hardening, sweep_files_with_other_shapes_are_refused_by_merge_resume_and_info)
{
    static const struct { const char *name, *shape, *dtype; } cases[] = {
        {"replicates", "2,1000", "int64"},               /* part_row: stack overflow */
        {"median_replicate", "2,3", "int64"},
        {"replicates", "2", "float64"},
        {"breach_probability", "2,16", "float64"},       /* one column too wide: merge exited 0 */
        {"breach_probability", "2,14", "float64"},
        {"breach_onset_quantile", "2,15,3", "float64"},
        {"sector_level_mean", "2,1009,15", "float64"},
        {"sector_level_quantile", "2,3,1008,16", "float64"},
        {"sector_level_quantile", "2,3,1008", "float64"},
        {"point", "2,2", "int64"},
        {"point", "2", "float64"},
    };
    write_sweep();
    char *out;
    cr_assert_eq(domino(dir, "sweep sweep.yaml -o good.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[256];
        snprintf(what, sizeof what, "%s of shape (%s) %s", cases[i].name, cases[i].shape, cases[i].dtype);
        cr_assert_eq(shell("cd '%s' && cp good.h5 bad.h5", dir), 0);
        craft("bad.h5", cases[i].name, cases[i].shape, cases[i].dtype, NULL);
        expect_refused("merge bad.h5 -o m.h5", what);
        /* resuming onto it: refused, and the file is left as it was */
        cr_assert_eq(shell("cd '%s' && cp bad.h5 m0.h5", dir), 0);
        expect_refused("sweep sweep.yaml -o m0.h5 --quiet", what);
        cr_expect_eq(shell("cd '%s' && cmp -s bad.h5 m0.h5", dir), 0, "%s: resume changed the file", what);
        if (!strcmp(cases[i].name, "point")) expect_refused("info bad.h5", what);
    }
}

/* A model whose layer is a CSR file with floats or booleans where node indices are. */
Test(hardening, csr_arrays_of_floats_or_booleans_are_refused)
{
    static const char *const dtypes[] = {"float64", "bool", "float32"};
    char *out, path[512];
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 10 --edges 5 -o g.h5", 1, &out), 0, "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
          "  layers: [{sector: A, graph: {file: bad.h5}}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", f);
    fclose(f);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
            cr_assert_eq(shell("cd '%s' && cp g.h5 bad.h5", dir), 0);
            /* indices: 10 values (5 edges at both ends); indptr 11 offsets from 0 to 10 */
            if (k == 0) craft("bad.h5", "indices", "10", dtypes[i], "1");
            else cr_assert_eq(shell("cd '%s' && /usr/bin/python3 -c \"import h5py, numpy as np; f = h5py.File('bad.h5', 'r+'); "
                                    "del f['indptr']; f['indptr'] = np.arange(11).astype('%s')\"", dir, dtypes[i]), 0);
            int rc = domino(dir, "validate s.yaml", 1, &out);
            cr_expect_eq(rc, 65, "%s %s: exit %d: %s", k ? "indptr" : "indices", dtypes[i], rc, out);
            cr_expect(strstr(out, "integer dataset"), "%s", out);
            free(out);
        }
}

/* ---- outputs that must not destroy data ---- */

/* Every writer, as a command writing OUT (run in dir; sweep.yaml and a sweep file
 * good.h5 exist). */
static const struct { const char *what, *command; } writers[] = {
    {"run -o", "run -o OUT --quiet"},
    {"sweep", "sweep sweep.yaml -o OUT --quiet"},
    {"merge", "merge good.h5 -o OUT"},
    {"analyze -o", "analyze --no-criticality -o OUT"},
    {"analyze --dot", "analyze --no-criticality --dot OUT"},
    {"analyze --io", "analyze --io IO -o OUT"},
    {"generate (CSR)", "generate erdos_renyi --nodes 10 --edges 5 -o OUT.h5"},
    {"generate (edge list)", "generate erdos_renyi --nodes 10 --edges 5 -o OUT.txt"},
};

/* The command of writer i onto `out`. */
static void writer_command(size_t i, const char *out, char *buf, size_t size)
{
    char io[512];
    snprintf(io, sizeof io, "%s/models/data/io2015-transactions.csv", env("DOMINO_SOURCE"));
    const char *c = writers[i].command;
    size_t n = 0;
    for (; *c && n + 600 < size; c++) {
        if (!strncmp(c, "OUT", 3)) { n += (size_t)snprintf(buf + n, size - n, "%s", out); c += 2; }
        else if (!strncmp(c, "IO", 2)) { n += (size_t)snprintf(buf + n, size - n, "%s", io); c += 1; }
        else buf[n++] = *c;
    }
    buf[n] = 0;
}

static void prepare_writers(void)
{
    write_sweep();
    char *out;
    cr_assert_eq(domino(dir, "sweep sweep.yaml -o good.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
}

/* Names in dir starting with prefix (temporaries and locks are .NAME.*). */
static int count_prefixed(const char *prefix)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && ls -A | grep -c '^%s' ", dir, prefix);
    char *out;
    run_capture(cmd, &out);
    int n = atoi(out);
    free(out);
    return n;
}

Test(hardening, no_writer_touches_a_file_named_like_its_old_temporary)
{
    prepare_writers();
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        /* a user's o.tmp and o.h5.tmp (the fixed temporaries of old), and a symlink named
         * like one pointing at a file of the user's */
        cr_assert_eq(shell("cd '%s' && rm -rf o o.* .o* && echo mine > o.tmp && cp o.tmp o.h5.tmp && cp o.tmp o.txt.tmp && "
                           "echo victim > victim && ln -sf victim o.h5.tmp.lnk", dir), 0);
        char cmd[2048], *out;
        writer_command(i, "o", cmd, sizeof cmd);
        int rc = domino(dir, cmd, 1, &out);
        cr_expect_eq(rc, 0, "%s: exit %d: %s", writers[i].what, rc, out);
        free(out);
        cr_expect_eq(shell("cd '%s' && test \"$(cat o.tmp)\" = mine && test \"$(cat o.h5.tmp)\" = mine && "
                           "test \"$(cat o.txt.tmp)\" = mine && test \"$(cat victim)\" = victim", dir), 0,
                     "%s destroyed a user's file", writers[i].what);
        cr_expect_eq(count_prefixed("\\.o"), 0, "%s left a temporary or lock", writers[i].what);
    }
}

Test(hardening, a_second_writer_is_refused_before_it_touches_anything)
{
    prepare_writers();
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        const char *target = strstr(writers[i].command, "OUT.h5") ? "o.h5" : strstr(writers[i].command, "OUT.txt") ? "o.txt" : "o";
        cr_assert_eq(shell("cd '%s' && rm -rf o o.* .o* && echo earlier > %s", dir, target), 0);
        /* another writer holds the lock: flock(1) keeps it while domino runs */
        char cmd[2048], lock[3000], *out;
        writer_command(i, "o", cmd, sizeof cmd);
        snprintf(lock, sizeof lock, "flock -n .%s.lock -c \"LANG=C '%s' %s 2>&1; echo exit=\\$?\"", target, env("DOMINO"), cmd);
        char full[4096];
        snprintf(full, sizeof full, "cd '%s' && %s", dir, lock);
        run_capture(full, &out);
        cr_expect(strstr(out, "exit=73"), "%s: expected exit 73 while another writer holds the output:\n%s", writers[i].what, out);
        cr_expect(strstr(out, "another domino is writing"), "%s: %s", writers[i].what, out);
        free(out);
        cr_expect_eq(shell("cd '%s' && test \"$(cat %s)\" = earlier && test ! -e o.points", dir, target), 0,
                     "%s touched the output", writers[i].what);
        cr_expect_eq(count_prefixed("\\.o.*XXX\\|\\.o.*\\.[A-Za-z0-9]\\{6\\}$"), 0, "%s left a temporary", writers[i].what);
    }
    /* and two sweeps at once: one is refused, the other's file is complete */
    cr_assert_eq(shell("cd '%s' && rm -rf o o.* .o*", dir), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && { (LANG=C '%s' sweep sweep.yaml -o o --quiet > a.log 2>&1; echo $? > a.rc) & "
             "(LANG=C '%s' sweep sweep.yaml -o o --quiet > b.log 2>&1; echo $? > b.rc) & wait; }", dir, env("DOMINO"), env("DOMINO"));
    cr_assert_eq(system(cmd), 0);
    char *a, *b, *out;
    snprintf(cmd, sizeof cmd, "%s/a.rc", dir);
    a = slurp(cmd);
    snprintf(cmd, sizeof cmd, "%s/b.rc", dir);
    b = slurp(cmd);
    cr_expect(atoi(a) == 0 || atoi(b) == 0, "neither sweep finished: %s %s", a, b);
    cr_expect(atoi(a) == 0 || atoi(a) == 73, "%s", a);
    cr_expect(atoi(b) == 0 || atoi(b) == 73, "%s", b);
    free(a); free(b);
    cr_expect_eq(domino(dir, "merge o -o o2", 1, &out), 0, "the finished sweep's file: %s", out);
    free(out);
}

Test(hardening, outputs_onto_streams_and_inputs)
{
    prepare_writers();
    char *out;
    cr_assert_eq(shell("cd '%s' && mkfifo fifo && ln -s /dev/null devnull && mkdir adir", dir), 0);
    /* an HDF5 output onto a FIFO, a device or a directory: refused at once (exit 73), the
     * FIFO and the symlink to /dev/null left as they are */
    static const char *const targets[] = {"fifo", "devnull", "adir", "-"};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        if (strstr(writers[i].command, "--dot") || strstr(writers[i].command, "--io") || strstr(writers[i].command, "OUT.")) continue;
        for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            char cmd[2048];
            writer_command(i, targets[t], cmd, sizeof cmd);
            int rc = domino(dir, cmd, 1, &out);
            cr_expect_eq(rc, 73, "%s onto %s: exit %d: %s", writers[i].what, targets[t], rc, out);
            free(out);
        }
    }
    cr_expect_eq(shell("cd '%s' && test -p fifo && test -L devnull && test -c devnull && test -d adir", dir), 0,
                 "a FIFO, a symlink to /dev/null or a directory was replaced");
    /* a text output onto them: written through; "-" is stdout */
    cr_expect_eq(domino(dir, "analyze --no-criticality --dot devnull", 1, &out), 0, "%s", out);
    free(out);
    cr_expect_eq(shell("cd '%s' && (cat fifo > from-fifo &) && LANG=C '%s' analyze --no-criticality --dot fifo > /dev/null && "
                       "sleep 0.2 && grep -q 'digraph domino' from-fifo", dir, env("DOMINO")), 0, "--dot onto a FIFO");
    cr_expect_eq(domino(dir, "analyze --no-criticality --dot - --json", 0, &out), 0);
    cr_expect(strstr(out, "digraph domino"), "--dot -: %.200s", out);
    free(out);
    cr_expect_eq(domino(dir, "generate erdos_renyi --nodes 4 --edges 2 -o -", 0, &out), 0);
    cr_expect_eq(strlen(out) > 0 && strchr(out, '\n') != NULL, 1, "generate -o -: '%s'", out);
    free(out);
    cr_expect_eq(shell("cd '%s' && test -p fifo && test -L devnull && test -c devnull", dir), 0);

    /* an output that is an input: refused, the input unchanged */
    char cmd[2048];
    cr_assert_eq(shell("cd '%s' && cp '%s/scenarios/default.yaml' s.yaml && cp '%s/models/japan-sectors.yaml' m.yaml && "
                       "sed -i 's|^model: .*|model: m.yaml|' s.yaml && cp sweep.yaml sweep0.yaml && cp good.h5 good0.h5 && "
                       "printf '0 1\\n1 2\\n' > g.txt && cp g.txt g0.txt && ln -s s.yaml s-link.yaml", dir,
                       env("DOMINO_SOURCE"), env("DOMINO_SOURCE")), 0);
    FILE *f = fopen((snprintf(cmd, sizeof cmd, "%s/layer.yaml", dir), cmd), "w");
    fputs("name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
          "  layers: [{sector: A, graph: {file: g.txt}}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", f);
    fclose(f);
    static const struct { const char *command, *check; } inputs[] = {
        {"run s.yaml -o s.yaml --quiet", "cmp -s s.yaml s-link.yaml && grep -q '^model: m.yaml' s.yaml"},
        {"run s.yaml -o s-link.yaml --quiet", "grep -q '^model: m.yaml' s.yaml && test -L s-link.yaml"},
        {"run s.yaml -o m.yaml --quiet", "grep -q '^sectors:' m.yaml"},
        {"run layer.yaml -o g.txt --quiet", "cmp -s g.txt g0.txt"},
        {"sweep sweep.yaml -o sweep.yaml --quiet", "cmp -s sweep.yaml sweep0.yaml"},
        {"merge good.h5 -o good.h5", "cmp -s good.h5 good0.h5"},
        {"analyze m.yaml --no-criticality -o m.yaml", "grep -q '^sectors:' m.yaml"},
        {"analyze m.yaml --no-criticality --dot m.yaml", "grep -q '^sectors:' m.yaml"},
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        int rc = domino(dir, inputs[i].command, 1, &out);
        cr_expect_eq(rc, 73, "%s: exit %d: %s", inputs[i].command, rc, out);
        cr_expect(strstr(out, "input"), "%s: %s", inputs[i].command, out);
        free(out);
        cr_expect_eq(shell("cd '%s' && %s", dir, inputs[i].check), 0, "%s overwrote its input", inputs[i].command);
    }
}

Test(hardening, output_paths_are_checked_before_the_run)
{
    char *out;
    cr_assert_eq(shell("mkdir '%s/adir'", dir), 0);
    /* 10^5 replicates take half a minute: the directory must be refused at once */
    double t0 = (double)time(NULL);
    int rc = domino(dir, "run --replicates 100000 --store events -o adir --quiet", 1, &out);
    cr_expect_eq(rc, 73, "exit %d: %s", rc, out);
    cr_expect_lt((double)time(NULL) - t0, 5.0, "run -o DIR ran before failing");
    free(out);
    t0 = (double)time(NULL);
    rc = domino(dir, "analyze --horizon 30d -o adir", 1, &out);
    cr_expect_eq(rc, 73, "exit %d: %s", rc, out);
    free(out);
    rc = domino(dir, "analyze --no-criticality --dot adir", 1, &out);
    cr_expect_eq(rc, 73, "exit %d: %s", rc, out);
    free(out);
}

/* A file-size limit while writing (the disk-full case): exit 74, no file, no temporary. */
Test(hardening, write_errors_exit_74_and_leave_nothing)
{
    static const char *const commands[] = {  /* each writes more than 1 KiB */
        "analyze -o a.h5", "analyze --no-criticality --dot a.dot", "run -o a.h5 --quiet",
        "analyze --io IO -o a.yaml", "generate erdos_renyi --nodes 20000 --edges 40000 -o a.txt",
        "generate erdos_renyi --nodes 20000 --edges 40000 -o a.h5", "sweep sweep.yaml -o a.h5 --quiet",
    };
    write_sweep();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char cmd[2048], args[1024], *out;
        snprintf(args, sizeof args, "%s", commands[i]);
        char *io = strstr(args, "IO");
        if (io) snprintf(io, sizeof args - (size_t)(io - args), "%s/models/data/io2015-transactions.csv -o a.yaml", env("DOMINO_SOURCE"));
        snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf a.* .a.* && (ulimit -f 1; LANG=C '%s' %s > /dev/null 2> err.txt; echo $?)",
                 dir, env("DOMINO"), args);
        run_capture(cmd, &out);
        cr_expect_eq(atoi(out), 74, "%s under ulimit -f 1: exit %s", commands[i], out);
        free(out);
        cr_expect_eq(count_prefixed("a\\."), 0, "%s left its file", commands[i]);
        cr_expect_eq(count_prefixed("\\.a\\."), 0, "%s left a temporary", commands[i]);
    }
}

/* ---- error paths ---- */

/* A file-size limit at every size from 1 KiB to past the file's length (a disk that
 * fills at any point): each writer either finishes a complete file (exit 0, the file
 * reads back) or fails with exit 74 and leaves nothing, never a crash (the
 * use-after-free in dm_h5_finish showed under ASan here). */
Test(hardening, file_size_limit_at_every_size)
{
    prepare_writers();
    static const struct { const char *command, *file, *check; } cases[] = {
        {"run -o a.h5 --quiet --store sectors,events", "a.h5", "info a.h5"},
        {"sweep sweep.yaml -o a.h5 --quiet", "a.h5", "info a.h5"},
        {"merge good.h5 -o a.h5", "a.h5", "info a.h5"},
        {"analyze -o a.h5 --no-criticality", "a.h5", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int completed = 0, failed = 0;
        for (int kib = 1; kib <= 4096 && !completed; kib = kib < 64 ? kib + 7 : kib * 2) {
            char cmd[2048], *out;
            snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf a.h5 a.h5.points .a.h5.* && "
                     "(ulimit -f %d; LANG=C '%s' %s > out.txt 2>&1; echo $?)", dir, kib, env("DOMINO"), cases[i].command);
            run_capture(cmd, &out);
            int rc = atoi(out);
            free(out);
            if (rc == 0) {
                completed = 1;
                if (cases[i].check) {
                    cr_expect_eq(domino(dir, cases[i].check, 1, &out), 0, "%s at %d KiB: the file does not read back: %s",
                                 cases[i].command, kib, out);
                    free(out);
                }
            } else {
                failed++;
                cr_expect_eq(rc, 74, "%s at %d KiB: exit %d", cases[i].command, kib, rc);
                /* a sweep whose merge failed keeps its finished points (complete files, for
                 * a resume) in a.h5.points/, and nothing else */
                cr_expect_eq(count_prefixed("a\\.h5$"), 0, "%s at %d KiB: the file is left", cases[i].command, kib);
                cr_expect_eq(shell("cd '%s' && ! ls -A a.h5.points 2>/dev/null | grep -v '^point-[0-9]*\\.h5$'", dir), 0,
                             "%s at %d KiB: something other than finished points is left in a.h5.points", cases[i].command, kib);
                cr_expect_eq(count_prefixed("\\.a\\.h5"), 0, "%s at %d KiB: a temporary is left", cases[i].command, kib);
                if (count_prefixed("a\\.h5\\.points$")) {  /* the same command without the limit resumes */
                    cr_expect_eq(domino(dir, cases[i].command, 1, &out), 0, "%s resumed after %d KiB: %s", cases[i].command, kib, out);
                    free(out);
                    cr_expect_eq(count_prefixed("a\\.h5\\.points$"), 0, "%s resumed: the points are left", cases[i].command);
                    cr_expect_eq(domino(dir, "info a.h5", 1, &out), 0, "%s resumed: %s", cases[i].command, out);
                    free(out);
                }
            }
        }
        cr_expect(completed && failed, "%s: expected failures at small limits and a complete file at a large one (%d, %d)",
                  cases[i].command, completed, failed);
    }
}

/* ---- inputs accepted that should not be ---- */

/* /inputs is checked against its SHA-256 when a result file is reloaded, and a result
 * file without it never reads whatever file the recorded path names now. */
Test(hardening, stored_inputs_are_verified_and_never_replaced_by_the_disk)
{
    char *out, path[512];
    snprintf(path, sizeof path, "%s/layer.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("name: t\nhorizon: 1h\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
          "  layers: [{sector: A, graph: {file: g.txt, nodes: 4}, connectivity: giant}]\n"
          "hazards: [{id: h, kind: other, select: {sectors: [A], count: 1}, severity: 1}]\n", f);
    fclose(f);
    cr_assert_eq(shell("cd '%s' && printf '0 1\\n1 2\\n2 3\\n' > g.txt", dir), 0);
    cr_assert_eq(domino(dir, "run layer.yaml -o r.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "timeline r.h5", 1, &out), 0, "%s", out);
    free(out);
    /* a stored byte changed: its SHA-256 no longer matches */
    cr_assert_eq(shell("cd '%s' && cp r.h5 flipped.h5 && /usr/bin/python3 -c \"import h5py; f = h5py.File('flipped.h5', 'r+'); "
                       "d = f['inputs/0']; v = d[...]; v[0] = ord('3'); d[...] = v\"", dir), 0);
    int rc = domino(dir, "timeline flipped.h5", 1, &out);
    cr_expect_eq(rc, 65, "exit %d: %s", rc, out);
    cr_expect(strstr(out, "SHA-256"), "%s", out);
    free(out);
    /* /inputs deleted and the graph file changed: an error, not the new file's run */
    cr_assert_eq(shell("cd '%s' && cp r.h5 gone.h5 && /usr/bin/python3 -c \"import h5py; f = h5py.File('gone.h5', 'r+'); "
                       "del f['inputs']\" && printf '0 2\\n1 3\\n' > g.txt", dir), 0);
    rc = domino(dir, "timeline gone.h5", 1, &out);
    cr_expect_eq(rc, 65, "exit %d: %s", rc, out);
    cr_expect(strstr(out, "does not hold the input g.txt"), "%s", out);
    free(out);
}

/* Writes dir/name with the given text. */
static void put(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* What a loader used to accept, or lose silently: each refused with exit 65, at its line,
 * saying why. */
Test(hardening, inputs_accepted_that_should_not_be)
{
    static const struct { const char *text, *expect; int line; } cases[] = {
        /* sub-second durations: rounded before (0.4s a zero lag, 1.4s a 1 s tick) */
        {"name: t\ntick: 1.4s\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n",
         "whole seconds", 2},
        {"name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}, {id: B, name_en: b}]\n"
         "  dependencies: [{dependent: A, providers: [B], lag: 0.4s}]\nhazards: [{id: h, kind: other, select: {sectors: [B]}}]\n",
         "whole seconds", 5},
        {"name: t\nhorizon: 0x10h\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n",
         "duration", 2},
        {"name: t\nhorizon: 1e2h\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n",
         "duration", 2},
        /* a second document was ignored; a tag taken as a plain text */
        {"name: t\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n---\nname: u\n",
         "second YAML document", 4},
        {"name: !custom t\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n",
         "tag '!custom'", 1},
        /* a NUL inside an id: C saw "A" */
        {"name: t\nmodel:\n  name: m\n  sectors: [{id: \"A\\0B\", name_en: a}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n",
         "NUL", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put("s.yaml", cases[i].text);
        char *out, where[32];
        int rc = domino(dir, "validate s.yaml", 1, &out);
        cr_expect_eq(rc, 65, "case %zu: exit %d: %s", i, rc, out);
        cr_expect(strstr(out, cases[i].expect), "case %zu: '%s' lacks '%s'", i, out, cases[i].expect);
        snprintf(where, sizeof where, "s.yaml:%d:", cases[i].line);
        cr_expect(strstr(out, where), "case %zu: expected the error at %s: %s", i, where, out);
        free(out);
    }
    /* exact sub-minute multiples still load: 1.5min is 90 s, 0.1h 360 s */
    put("s.yaml", "name: t\ntick: 1.5min\nhorizon: 0.1h\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n");
    char *out;
    cr_expect_eq(domino(dir, "validate s.yaml", 1, &out), 0, "%s", out);
    free(out);
}

/* A YAML file whose aliases expand past the node limit: refused before it is built. */
Test(hardening, yaml_alias_amplification_is_counted_against_the_limit)
{
    char text[4096] = "name: t\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: {sectors: [ELEC]}}]\n"
                      "description:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= 8; i++) {  /* 10^9 nodes from 2 kB */
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "  b%d: &b%d [", i, i);
        for (int k = 0; k < 10; k++) {
            n = strlen(text);
            if (i == 1) snprintf(text + n, sizeof text - n, "%s*a", k ? ", " : "");
            else snprintf(text + n, sizeof text - n, "%s*b%d", k ? ", " : "", i - 1);
        }
        n = strlen(text);
        snprintf(text + n, sizeof text - n, "]\n");
    }
    put("s.yaml", text);
    char *out;
    double t0 = (double)time(NULL);
    int rc = domino(dir, "validate s.yaml", 1, &out);
    cr_expect_eq(rc, 65, "exit %d: %s", rc, out);
    cr_expect(strstr(out, "aliases expanded") && strstr(out, "DOMINO_MAX_YAML_NODES"), "%s", out);
    cr_expect_lt((double)time(NULL) - t0, 10.0);
    free(out);
}

/* Many anchors or aliases: libyaml's loader compares each with every earlier anchor, so
 * 2 x 10^4 anchors and aliases (a 0.5 MB file) would cost minutes. Refused at the first
 * one over the limit, at its line and column, within seconds. */
Test(hardening, yaml_anchors_and_aliases_are_counted)
{
    for (int aliases = 0; aliases <= 1; aliases++) {
        size_t cap = 1 << 20, n;
        char *text = malloc(cap), *out;
        cr_assert_not_null(text);
        n = (size_t)snprintf(text, cap, "name: t\nmodel: japan-sectors\nhazards: [{id: h, kind: other, select: "
                             "{sectors: [ELEC]}}]\ndescription:\n  a0: &a0 x\n");
        for (int i = 1; i <= 20000; i++)  /* line 5 + i */
            n += (size_t)(aliases ? snprintf(text + n, cap - n, "  b%d: *a0\n", i)
                                  : snprintf(text + n, cap - n, "  a%d: &a%d x\n", i, i));
        put("s.yaml", text);
        free(text);
        double t0 = (double)time(NULL);
        /* anchors: a0 is the 1st, a999 the 1000th, a1000 (line 1005) the first too many;
         * aliases: 2 x 10^4 are within the default limit (10^5), so it is lowered to 1000
         * and b1001 (line 1006) is the first too many */
        if (aliases) setenv("DOMINO_MAX_YAML_ALIASES", "1000", 1);
        int rc = domino(dir, "validate s.yaml", 1, &out);
        unsetenv("DOMINO_MAX_YAML_ALIASES");
        cr_expect_eq(rc, 65, "exit %d: %s", rc, out);
        if (!aliases)
            cr_expect(strstr(out, "s.yaml:1005:") && strstr(out, "&a1000") && strstr(out, "DOMINO_MAX_YAML_ANCHORS"),
                      "%s", out);
        else
            cr_expect(strstr(out, "s.yaml:1006:") && strstr(out, "*a0") && strstr(out, "DOMINO_MAX_YAML_ALIASES"),
                      "%s", out);
        free(out);
        cr_expect_lt((double)time(NULL) - t0, 20.0);
    }
}

/* Sweep parameters that used to be ignored (replicates, seed) or fail after point 0
 * (names that clash with the file's variables, a value out of range at a later point):
 * refused at load, at the parameter's line in the sweep file, nothing written. */
Test(hardening, sweep_parameters_are_checked_at_load)
{
    static const struct { const char *param, *expect; } cases[] = {
        {"{name: r, path: 'scenario.replicates', values: [1, 2]}", "cannot be swept"},
        {"{name: s, path: 'scenario.seed', values: [1, 2]}\nseed: 4", "sweep's own 'seed'"},
        {"{name: time, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1]}", "variable of the sweep file"},
        {"{name: point, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1]}", "variable of the sweep file"},
        {"{name: a/b, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1]}", "parameter name"},
        {"{name: a, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1, 1.5]}", "largest value 1.5 (point 2)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024], *out;
        snprintf(text, sizeof text, "scenario: %s/scenarios/grid-attack-uncertain.yaml\nreplicates: 2\nparameters:\n  - %s\n",
                 env("DOMINO_SOURCE"), cases[i].param);
        put("sw.yaml", text);
        int rc = domino(dir, "sweep sw.yaml -o o.h5 --quiet", 1, &out);
        cr_expect_eq(rc, 65, "case %zu: exit %d: %s", i, rc, out);
        cr_expect(strstr(out, cases[i].expect), "case %zu: '%s' lacks '%s'", i, out, cases[i].expect);
        cr_expect(strstr(out, "sw.yaml:4:"), "case %zu: not at the parameter's line: %s", i, out);
        free(out);
        cr_expect(!exists("o.h5") && !exists("o.h5.points"), "case %zu: something was written", i);
    }
}

/* Generated layers are relabelled at random: in igraph's static scale-free model the
 * lowest indices have the highest degrees (Spearman(index, degree) = -0.64), which made
 * `pairs: index` couple hub to hub. After the relabelling the rank correlation of index
 * and degree is that of a random order: |rho| below 0.05 at 20,000 nodes (its standard
 * deviation is 1/sqrt(n - 1) = 0.007). */
static double spearman_index_degree(const dm_layer *L)
{
    size_t n = L->nnodes, maxd = 0;
    for (size_t v = 0; v < n; v++)
        if (L->adj_start[v + 1] - L->adj_start[v] > maxd) maxd = L->adj_start[v + 1] - L->adj_start[v];
    /* ranks of the degrees (ties: mean rank), by counting */
    double *rank_of = calloc(maxd + 2, sizeof *rank_of);
    size_t *count = calloc(maxd + 2, sizeof *count);
    for (size_t v = 0; v < n; v++) count[L->adj_start[v + 1] - L->adj_start[v]]++;
    double below = 0;
    for (size_t d = 0; d <= maxd; d++) { rank_of[d] = below + (double)(count[d] + 1) / 2; below += (double)count[d]; }
    double mi = (double)(n + 1) / 2, sxy = 0, sxx = 0, syy = 0;
    for (size_t v = 0; v < n; v++) {
        double x = (double)(v + 1) - mi, y = rank_of[L->adj_start[v + 1] - L->adj_start[v]] - mi;
        sxy += x * y; sxx += x * x; syy += y * y;
    }
    free(rank_of);
    free(count);
    return sxy / sqrt(sxx * syy);
}

Test(hardening, generated_layers_are_relabelled_so_index_is_not_degree)
{
    static const char *const graphs[] = {
        "{generate: scale_free, nodes: 20000, mean_degree: 4, exponent: 2.5, seed: 3}",
        "{generate: erdos_renyi, nodes: 20000, mean_degree: 4, seed: 3}",
    };
    for (int i = 0; i < 2; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, "name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
                 "  layers: [{sector: A, graph: %s}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n", graphs[i]);
        dm_scenario *sc;
        dm_error err;
        dm_error_clear(&err);
        cr_assert_eq(dm_scenario_parse(yaml, strlen(yaml), "t.yaml", &sc, &err), 0, "%s", err.message);
        double rho = spearman_index_degree(&sc->model->layers[0]);
        cr_expect_lt(fabs(rho), 0.05, "%s: Spearman(index, degree) = %.3f", graphs[i], rho);
        dm_scenario_free(sc);
    }
}

/* DOMINO_MAX_LAYER_NODES holds for a graph read from a file, not only for generated ones. */
Test(hardening, file_graphs_beyond_the_layer_limit_are_refused)
{
    put("g.txt", "0 1\n1 2\n2 3\n3 4\n");
    put("s.yaml", "name: t\nmodel:\n  name: m\n  sectors: [{id: A, name_en: a}]\n"
                  "  layers: [{sector: A, graph: {file: g.txt}}]\nhazards: [{id: h, kind: other, select: {sectors: [A]}}]\n");
    char *out;
    int rc = domino(dir, "validate s.yaml", 1, &out);
    cr_expect_eq(rc, 0, "%s", out);
    free(out);
    rc = domino(dir, "validate s.yaml", 1, &out);
    free(out);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && DOMINO_MAX_LAYER_NODES=4 LANG=C '%s' validate s.yaml 2>&1", dir, env("DOMINO"));
    rc = run_capture(cmd, &out);
    cr_expect_eq(rc, 65, "exit %d: %s", rc, out);
    cr_expect(strstr(out, "over the limit") && strstr(out, "s.yaml:5:"), "%s", out);
    free(out);
}

/* A sweep whose points could not hold their statistics is refused like such a run:
 * exit 2 with the estimate, before anything is written (it used to reach the allocation). */
Test(hardening, sweep_refuses_absurd_replicates_before_work)
{
    char text[1024], *out;
    snprintf(text, sizeof text, "scenario: %s/scenarios/grid-attack-uncertain.yaml\nreplicates: 100000000\nparameters:\n"
             "  - {name: a, path: 'scenario.hazards[grid-control-attack].severity', values: [0.5, 1]}\n", env("DOMINO_SOURCE"));
    put("sw.yaml", text);
    int rc = domino(dir, "sweep sw.yaml -o o.h5 --quiet", 1, &out);
    cr_expect_eq(rc, 2, "exit %d: %s", rc, out);
    cr_expect(strstr(out, "memory"), "%s", out);
    free(out);
    cr_expect(!exists("o.h5") && !exists("o.h5.points"));
    /* absurd threads: refused as run refuses them (they reached the allocation) */
    write_sweep();
    rc = domino(dir, "sweep sweep.yaml -o o.h5 --quiet --threads 100000000", 1, &out);
    cr_expect_eq(rc, 2, "--threads 10^8: exit %d: %s", rc, out);
    cr_expect(strstr(out, "--threads"), "%s", out);
    free(out);
    cr_expect(!exists("o.h5") && !exists("o.h5.points"));
}

/* ---- clusters: tools/slurm-sweep.sh with the array variables Slurm sets ---- */

/* Runs array task `id` of an array (min, step, count) of tools/slurm-sweep.sh over
 * sweep.yaml into dir/res; returns its exit status. */
static int slurm_task(int id, int min, int step, int count)
{
    return shell("cd '%s' && SLURM_ARRAY_TASK_ID=%d SLURM_ARRAY_TASK_MIN=%d SLURM_ARRAY_TASK_STEP=%d "
                 "SLURM_ARRAY_TASK_COUNT=%d DOMINO='%s' bash '%s/tools/slurm-sweep.sh' sweep.yaml res > task-%d.log 2>&1",
                 dir, id, min, step, count, env("DOMINO"), env("DOMINO_SOURCE"), id);
}

Test(hardening, slurm_array_cases)
{
    write_sweep();  /* 2 points */
    char *out;
    cr_assert_eq(domino(dir, "sweep sweep.yaml -o whole.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    /* a step array with more tasks than points: --array=0-6:2 is tasks 0, 2, 4, 6, four
     * shards of which two are empty; all finish and the last one merges */
    for (int id = 0; id <= 6; id += 2) cr_expect_eq(slurm_task(id, 0, 2, 4), 0, "task %d", id);
    cr_expect(exists("res.h5"), "the merge did not run");
    cr_expect_eq(domino(dir, "info res.h5", 1, &out), 0, "%s", out);
    cr_expect(strstr(out, "2 points, 2 in this file"), "%s", out);
    free(out);
    cr_expect(exists("res/part-3.h5"), "an empty shard wrote no part");
    /* one task resubmitted alone (sbatch --array=2): it redoes its own shard, not all */
    cr_assert_eq(shell("cd '%s' && rm -f res.h5 res/part-1.h5", dir), 0);
    cr_expect_eq(slurm_task(2, 2, 1, 1), 0);
    cr_expect_eq(domino(dir, "info res/part-1.h5", 1, &out), 0, "%s", out);
    cr_expect(strstr(out, "1 in this file"), "the resubmitted task computed another shard: %s", out);
    free(out);
    cr_expect(exists("res.h5"), "the resubmitted task did not merge");
    /* a failed merge leaves no marker that would skip the next one */
    cr_assert_eq(shell("cd '%s' && rm -f res.h5 && cp res/part-0.h5 keep.h5 && echo junk > res/part-0.h5", dir), 0);
    cr_expect_neq(slurm_task(6, 0, 2, 4), 0, "a merge of a damaged part succeeded");
    cr_expect(!exists("res/.merging"), "a failed merge left its marker");
    cr_assert_eq(shell("cd '%s' && cp keep.h5 res/part-0.h5", dir), 0);
    cr_expect_eq(slurm_task(6, 0, 2, 4), 0);
    cr_expect(exists("res.h5"), "the merge after a failed one did not run");
    cr_expect_eq(shell("cd '%s' && /usr/bin/python3 -c \"import h5py, numpy as np; a = h5py.File('res.h5'); b = h5py.File('whole.h5'); "
                       "import sys; sys.exit(0 if all(np.array_equal(a[k][...], b[k][...], equal_nan=True) for k in "
                       "['breach_probability', 'sector_level_quantile', 'replicates']) else 1)\"", dir), 0,
                 "the merged shards differ from one process's sweep");
    /* several Slurm tasks without MPI: refused, not N copies of the sweep into one file */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && SLURM_NTASKS=4 SLURM_PROCID=1 '%s' sweep sweep.yaml -o x.h5 --quiet 2>&1", dir, env("DOMINO"));
    int rc = run_capture(cmd, &out);
    cr_expect_eq(rc, 2, "exit %d: %s", rc, out);
    free(out);
}

/* Started as one of several MPI ranks by a launcher whose MPI this domino does not speak
 * (MPICH's or Intel MPI's mpiexec, srun --mpi=pmi2, MVAPICH, Open MPI's mpirun for a build
 * without MPI): the rank sees itself alone and would run the whole sweep into the same
 * file as every other rank. It is refused (exit 2) before anything is written. */
Test(hardening, mpi_ranks_the_program_cannot_see_are_refused)
{
    static const char *const launchers[] = {
        "PMI_RANK=1 PMI_SIZE=4",                      /* MPICH hydra, Intel MPI, srun --mpi=pmi2 */
        "MV2_COMM_WORLD_RANK=1 MV2_COMM_WORLD_SIZE=4", /* MVAPICH */
        "PMI_RANK=0 PMI_SIZE=2 SLURM_NTASKS=2 SLURM_PROCID=0",
    };
    write_sweep();
    for (size_t i = 0; i < sizeof launchers / sizeof launchers[0]; i++) {
        char cmd[1024], *out;
        /* the rank starts Open MPI to count the ranks, and Open MPI leaks at exit (its
         * plugins are unloaded, so LeakSanitizer cannot name them): no leak check here, as
         * for the mpirun tests in test_sweep.c */
        snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf x.h5 x.h5.points && %s ASAN_OPTIONS=detect_leaks=0 timeout 60 '%s' "
                 "sweep sweep.yaml -o x.h5 --quiet 2>&1", dir, launchers[i], env("DOMINO"));
        int rc = run_capture(cmd, &out);
        cr_expect_eq(rc, 2, "%s: exit %d: %s", launchers[i], rc, out);
        cr_expect(strstr(out, "MPI ranks"), "%s: %s", launchers[i], out);
        free(out);
        cr_expect(!exists("x.h5") && !exists("x.h5.points"), "%s: the rank wrote the sweep", launchers[i]);
    }
}
