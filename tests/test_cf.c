/* CF-1.8 conformance of every file domino writes (docs/output-format.md): run files (with
 * /inputs from layer files, events, nodes and maps), sweep files (a grid, a list of
 * points) and analysis files pass
 * tests/cf_rules.py (the rules of /work/shared/tools/cf_rules.py and four more), and
 * xarray reads them with both engines as CF says (tests/check_cf.py). */
#include <string.h>
#include "cli_helpers.h"

static char dir[256];
static void make_dir(void) { scratch_make(dir, "cf"); }
static void remove_dir(void) { scratch_remove(dir); }
TestSuite(cf, .init = make_dir, .fini = remove_dir, .timeout = 300);

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static int python(const char *script, const char *args, char **out)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && /usr/bin/python3 '%s/tests/%s' %s 2>&1", dir, env("DOMINO_SOURCE"), script, args);
    return run_capture(cmd, out);
}

Test(cf, every_file_kind_follows_cf_and_reads_in_xarray)
{
    char *out, args[2048];
    const char *src = env("DOMINO_SOURCE");
    /* a run whose model reads a graph file and a pairs file: /inputs */
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 200 --mean-degree 3 --seed 5 -o g.h5", 1, &out), 0, "%s", out);
    free(out);
    write_file("pairs.txt", "0 1\n2 3\n4 5\n");
    write_file("model.yaml",
               "name: m\nsectors: [{id: A, name_en: a, name_ja: あ}, {id: B, name_en: b}]\n"
               "layers:\n  - {sector: A, connectivity: giant, graph: {file: g.h5}}\n"
               "  - {sector: B, graph: {generate: erdos_renyi, nodes: 10, edges: 12, seed: 1}}\n"
               "couplings: [{dependent: B, provider: A, pairs: {file: pairs.txt}}]\n");
    write_file("layers.yaml", "name: layers\nhorizon: 6h\nmodel: model.yaml\n"
                              "hazards: [{id: h, kind: other, select: {sectors: [A], count: 20}}]\n");
    cr_assert_eq(domino(dir, "run layers.yaml --replicates 3 --store sectors,maps,nodes,events --quiet -o layers.h5", 1, &out), 0, "%s", out);
    free(out);
    snprintf(args, sizeof args, "run '%s/scenarios/tokyo-area-blackout.yaml' --replicates 2 --quiet -o tokyo.h5", src);
    cr_assert_eq(domino(dir, args, 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "run --quiet -o default.h5", 1, &out), 0, "%s", out);
    free(out);
    /* a sweep, merged from its checkpoints */
    write_file("s.yaml", "name: s\nscenario: default\nreplicates: 4\ndesign: grid\nparameters:\n"
                         "  - name: battery\n    path: model.dependencies[dependent=ICT,providers=ELEC,strength=0.8].buffer.facilities.max\n    values: [6h, 24h]\n"
                         "  - name: severity\n    path: scenario.hazards[0].severity\n    values: [0.5, 1]\n");
    cr_assert_eq(domino(dir, "sweep s.yaml -o sweep.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "sweep s.yaml --shard 1/2 -o shard.h5 --quiet", 1, &out), 0, "%s", out);  /* a list of points */
    free(out);
    /* analyses, by sector and by node */
    cr_assert_eq(domino(dir, "analyze -o analysis.h5", 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "analyze model.yaml --nodes --no-criticality -o nodes.h5", 1, &out), 0, "%s", out);
    free(out);

    cr_expect_eq(python("cf_rules.py", "layers.h5 tokyo.h5 default.h5 sweep.h5 shard.h5 analysis.h5 nodes.h5", &out), 0, "%s", out);
    cr_expect(strstr(out, "ERROR") == NULL, "%s", out);
    free(out);
    const char *checks[] = {"run layers.h5", "run tokyo.h5", "run default.h5", "sweep sweep.h5 battery severity",
                            "sweep shard.h5 battery severity",
                            "analysis analysis.h5", "analysis nodes.h5"};
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
        cr_expect_eq(python("check_cf.py", checks[i], &out), 0, "%s: %s", checks[i], out);
        free(out);
    }
    /* an analysis file carries its provenance, and info reads it */
    cr_expect_eq(domino(dir, "info analysis.h5", 1, &out), 0, "%s", out);
    cr_expect(strstr(out, "(analysis)") && strstr(out, "model_sha256:") && strstr(out, "domino analyze -o analysis.h5"), "%s", out);
    free(out);
}

Test(cf, history_keeps_earlier_lines_when_merged)
{
    char *out;
    write_file("s.yaml", "name: s\nscenario: default\nreplicates: 2\ndesign: grid\nparameters:\n"
                         "  - name: severity\n    path: scenario.hazards[0].severity\n    values: [0.5, 1]\n");
    cr_assert_eq(domino(dir, "sweep s.yaml --shard 0/2 -o a.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "sweep s.yaml --shard 1/2 -o b.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    cr_assert_eq(domino(dir, "merge a.h5 b.h5 -o all.h5", 1, &out), 0, "%s", out);
    free(out);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && /usr/bin/python3 -c \"import h5py; print(h5py.File('all.h5')."
                              "attrs['history'].decode())\"", dir);
    cr_assert_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "domino sweep --shard 0/2") && strstr(out, "domino merge a.h5 b.h5 -o all.h5") &&
              strstr(out, "Z: domino sweep") < strstr(out, "Z: domino merge"), "history: %s", out);
    free(out);
}

/* A sweep's identity includes the files its model reads: after a graph file changes, a
 * resume refuses the finished points before computing anything. */
Test(cf, sweep_resume_checks_the_input_files)
{
    char *out;
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 100 --mean-degree 3 --seed 1 -o r.h5", 1, &out), 0, "%s", out);
    free(out);
    write_file("rm.yaml", "name: m\nsectors: [{id: A, name_en: a}]\nlayers: [{sector: A, graph: {file: r.h5}}]\n");
    write_file("rs.yaml", "name: r\nhorizon: 1h\nmodel: rm.yaml\nhazards: [{id: h, kind: other, select: {sectors: [A], count: 5}}]\n");
    write_file("rw.yaml", "name: rw\nscenario: rs.yaml\nreplicates: 2\ndesign: grid\nparameters:\n"
                          "  - name: sev\n    path: scenario.hazards[0].severity\n    values: [0.5, 0.7, 1]\n");
    cr_assert_eq(domino(dir, "sweep rw.yaml --shard 0/3 -o rw-out.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && /usr/bin/python3 -c \"import h5py; "
                              "print(h5py.File('rw-out.h5').attrs['input_sha256'].decode())\"", dir);
    cr_assert_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "r.h5 ") != NULL, "input_sha256: %s", out);
    free(out);
    /* another graph under the same name: the shard's file is of another sweep now */
    cr_assert_eq(domino(dir, "generate erdos_renyi --nodes 100 --mean-degree 3 --seed 2 -o r.h5", 1, &out), 0, "%s", out);
    free(out);
    cr_expect_eq(domino(dir, "sweep rw.yaml -o rw-out.h5", 1, &out), 65, "%s", out);
    cr_expect(strstr(out, "another sweep") && strstr(out, "input files") && !strstr(out, " done ("), "%s", out);
    free(out);
    /* and a finished point's checkpoint (point 0, as a shard of one point is) is checked
     * too, before any other point is computed */
    snprintf(cmd, sizeof cmd, "cd '%s' && mkdir rw2.h5.points && cp rw-out.h5 rw2.h5.points/point-00000000.h5", dir);
    cr_assert_eq(run_capture(cmd, &out), 0, "%s", out);
    free(out);
    cr_expect_eq(domino(dir, "sweep rw.yaml -o rw2.h5", 1, &out), 65, "%s", out);
    cr_expect(strstr(out, "point-00000000.h5") && strstr(out, "another sweep") && !strstr(out, " done ("), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "cd '%s' && ls rw2.h5.points && test ! -e rw2.h5", dir);
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "point-00000001") == NULL, "a point was computed: %s", out);
    free(out);
}
