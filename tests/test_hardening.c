/* Hardening (docs/reliability.md): files domino reads whose datasets have the right names
 * but other shapes or types; outputs that must not destroy data; error paths. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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
