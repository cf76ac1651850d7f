/* Faults and limits (docs/reliability.md): a full disk, an output that cannot be created,
 * damaged files given to every command that reads one, a sweep killed with SIGKILL, and
 * absurd inputs refused before any work. Each gives a message and a documented exit code
 * and leaves no partial file at the target. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helpers.h"
#include "cli_helpers.h"

static char dir[256];

static void make_dir(void) { scratch_make(dir, "faults"); }
static void remove_dir(void) { scratch_remove(dir); }

TestSuite(faults, .init = make_dir, .fini = remove_dir, .timeout = 180);

/* Runs a shell command in the test directory with $D the program and $S the sources;
 * returns the exit status and, in *out, stdout and stderr. */
static int sh(const char *cmd, char **out)
{
    char full[4096];
    snprintf(full, sizeof full, "cd '%s' && D='%s' S='%s' sh -c '%s' 2>&1", dir, env("DOMINO"), env("DOMINO_SOURCE"), cmd);
    char *buf;
    int rc = run_capture(full, &buf);
    if (out) *out = buf; else free(buf);
    return rc;
}

static int nothing_named(const char *prefix)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && ls -a | grep -q -- '%s'", dir, prefix);
    return system(cmd) != 0;
}

Test(faults, disk_full_leaves_no_file)
{
    char *out;
    /* a file-size limit of 300 KiB: the Monte Carlo file (about 6 MB) cannot be written */
    cr_expect_eq(sh("ulimit -f 300; $D run $S/scenarios/grid-attack-uncertain.yaml -o big.h5 --quiet >/dev/null", &out), 74, "%s", out);
    cr_expect(strstr(out, "big.h5") && strstr(out, "failed"), "%s", out);
    free(out);
    cr_expect(nothing_named("big.h5"), "a partial or temporary file was left");
    /* a sweep: the points that were written stay for a resume; no output file */
    cr_expect_eq(sh("printf \"scenario: $S/scenarios/grid-attack-uncertain.yaml\\nreplicates: 20\\nparameters:\\n"
                    "  - {path: scenario.seed, values: [1, 2, 3]}\\n\" > s.yaml && ulimit -f 40 && "
                    "$D sweep s.yaml -o sw.h5 --quiet", &out), 74, "%s", out);
    free(out);
    cr_expect_neq(access("sw.h5", F_OK), 0);
}

Test(faults, output_that_cannot_be_created)
{
    char *out;
    cr_expect_eq(sh("$D run -o /proc/domino-test.h5 --quiet", &out), 73, "%s", out);
    cr_expect(strstr(out, "cannot create") != NULL, "%s", out);
    free(out);
    cr_expect_eq(sh("$D run -o no/such/dir/x.h5 --quiet", &out), 73, "%s", out);
    free(out);
    cr_expect_eq(sh("printf \"scenario: $S/scenarios/grid-attack-uncertain.yaml\\nreplicates: 2\\nparameters:\\n"
                    "  - {path: scenario.seed, values: [1]}\\n\" > s.yaml && $D sweep s.yaml -o /proc/x.h5 --quiet", &out), 73, "%s", out);
    free(out);
    cr_expect_eq(sh("$D analyze --dot /proc/x.dot > /dev/null", &out), 73, "%s", out);
    free(out);
}

Test(faults, damaged_files_to_every_reader)
{
    char *out;
    cr_assert_eq(sh("$D run -o good.h5 --quiet >/dev/null && head -c 20000 good.h5 > cut.h5 && echo nonsense > text.h5 && "
                    "printf \"scenario: $S/scenarios/grid-attack-uncertain.yaml\\nreplicates: 2\\nparameters:\\n"
                    "  - {path: scenario.seed, values: [1, 2]}\\n\" > s.yaml && $D sweep s.yaml -o sw.h5 --quiet && "
                    "head -c 30000 sw.h5 > swcut.h5", &out), 0, "%s", out);
    free(out);
    const char *cmds[] = {"$D info cut.h5", "$D info text.h5", "$D timeline cut.h5", "$D timeline text.h5 --lang en",
                          "$D merge swcut.h5 -o m.h5", "$D merge text.h5 -o m.h5", "$D merge good.h5 -o m.h5",
                          "$D info swcut.h5", "cp swcut.h5 resume.h5 && $D sweep s.yaml -o resume.h5 --quiet"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        cr_expect_eq(sh(cmds[i], &out), 65, "'%s': %s", cmds[i], out);
        cr_expect(strstr(out, "domino: ") != NULL, "'%s' gave no message", cmds[i]);
        free(out);
    }
    cr_expect(nothing_named("m.h5"), "merge left a file");
}

Test(faults, sweep_killed_with_sigkill_resumes)
{
    char *out;
    cr_assert_eq(sh("printf \"scenario: $S/scenarios/grid-attack-uncertain.yaml\\nreplicates: 200\\nparameters:\\n"
                    "  - {path: scenario.seed, range: [1, 12], steps: 12}\\n\" > s.yaml && $D sweep s.yaml -o whole.h5 --quiet",
                    &out), 0, "%s", out);
    free(out);
    /* killed once a point is finished: the target must not exist, the point must survive */
    int rc = sh("($D sweep s.yaml -o k.h5 --threads 1 --quiet & p=$!; "
                "until ls k.h5.points 2>/dev/null | grep -q \"[.]h5$\"; do sleep 0.05; done; kill -KILL $p; wait $p); "
                "test ! -e k.h5 && ls k.h5.points | grep -q \"[.]h5$\"", &out);
    cr_expect_eq(rc, 0, "SIGKILL left an output file: %s", out);
    free(out);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "$D sweep s.yaml -o k.h5 --quiet && /usr/bin/python3 $S/tests/check_output.py same whole.h5 k.h5");
    cr_expect_eq(sh(cmd, &out), 0, "%s", out);
    free(out);
    /* SIGTERM: a clean stop, exit 143, the finished points kept */
    rc = sh("($D sweep s.yaml -o t.h5 --threads 1 --quiet & p=$!; "
            "until ls t.h5.points 2>/dev/null | grep -q \"[.]h5$\"; do sleep 0.05; done; kill -TERM $p; wait $p; echo \"exit $?\"); "
            "test ! -e t.h5", &out);
    /* stopped by domino's handler (a clean stop says so), not killed by the signal */
    cr_expect(rc == 0 && strstr(out, "exit 143") && strstr(out, "interrupted by signal 15"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "$D sweep s.yaml -o t.h5 --quiet && /usr/bin/python3 $S/tests/check_output.py same whole.h5 t.h5");
    cr_expect_eq(sh(cmd, &out), 0, "%s", out);
    free(out);
}

Test(faults, absurd_inputs_are_refused_before_work)
{
    char *out;
    /* 100 years at 1 s ticks */
    cr_expect_eq(sh("printf \"model: japan-sectors\\nhorizon: 100y\\ntick: 1s\\nhazards:\\n"
                    "  - {id: h, kind: other, select: {sectors: [ELEC]}}\\n\" > long.yaml && $D run long.yaml", &out), 65, "%s", out);
    cr_expect(strstr(out, "long.yaml:2:10:") && strstr(out, "DOMINO_MAX_TICKS"), "%s", out);
    free(out);
    /* 10^12 replicates */
    cr_expect_eq(sh("$D run --replicates 1000000000000", &out), 2, "%s", out);
    cr_expect(strstr(out, "limit of 10^9") != NULL, "%s", out);
    free(out);
    /* lists nested 100000 deep */
    cr_expect_eq(sh("python3 -c \"print(\\\"model: \\\" + \\\"[\\\" * 100000 + \\\"]\\\" * 100000)\" > deep.yaml && $D validate deep.yaml", &out), 65, "%s", out);
    cr_expect(strstr(out, "nested more than 64 deep") && strstr(out, "DOMINO_MAX_YAML_DEPTH"), "%s", out);
    free(out);
    /* a 1 GB file (sparse) */
    cr_expect_eq(sh("truncate -s 1G huge.yaml && $D run huge.yaml", &out), 65, "%s", out);
    cr_expect(strstr(out, "DOMINO_MAX_YAML_BYTES") != NULL, "%s", out);
    free(out);
    /* a run that does not fit in the memory allowed (the statistics' memory does not grow
     * with the replicates any more: a small limit) */
    cr_expect_eq(sh("$D run --replicates 1000000 --interval 1min --max-memory 1M --json --quiet", &out), 2, "%s", out);
    cr_expect(strstr(out, "over the limit") != NULL, "%s", out);
    free(out);
}
