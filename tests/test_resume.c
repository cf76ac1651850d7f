/* Resuming and merging sweeps (docs/reliability.md): a merge killed in flight, and parts
 * or finished points computed on other input files.
 *
 * A merge killed with SIGKILL or SIGTERM at several moments, onto an absent output and
 * onto an existing one: afterwards no process of the merge is left (its guarded child
 * dies with it, so nothing writes the output later), the output is absent, unchanged or
 * complete, nothing left beside it stops the next merge (a stale lock is taken over),
 * and the same merge run again succeeds. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "domino.h"
#include "cli_helpers.h"

static char dir[256];

static void make_dir(void) { scratch_make(dir, "resume"); }
static void remove_dir(void) { scratch_remove(dir); }

TestSuite(resume, .init = make_dir, .fini = remove_dir, .timeout = 300);

static char *at(const char *name)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0) {}
}

/* The merge's temporary (.m.h5.XXXXXX; not the lock): its name in *name, or 0. */
static int temporary(char *name, size_t size)
{
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));)
        if (!strncmp(e->d_name, ".m.h5.", 6) && strcmp(e->d_name, ".m.h5.lock")) {
            snprintf(name, size, "%s", e->d_name);
            found = 1;
        }
    if (d) closedir(d);
    return found;
}

/* Processes whose command line names this test's directory (the merge and its child). */
static int processes_in_dir(void)
{
    DIR *d = opendir("/proc");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char path[300], cmd[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        ssize_t len = read(fd, cmd, sizeof cmd - 1);
        close(fd);
        if (len <= 0) continue;
        for (ssize_t i = 0; i < len; i++) if (!cmd[i]) cmd[i] = ' ';
        cmd[len] = 0;
        if (strstr(cmd, "merge") && strstr(cmd, dir)) n++;
    }
    if (d) closedir(d);
    return n;
}

static int same_bytes(const char *a, const char *b)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

/* The output holds the whole sweep: it reads as a sweep file of its 40 points. */
static int complete(const char *path)
{
    dm_sweep *s;
    size_t *points, n;
    dm_error err;
    dm_error_clear(&err);
    if (dm_sweep_read_info(path, &s, &points, &n, &err)) return 0;
    int ok = n == 40;
    for (size_t i = 0; ok && i < n; i++) ok = points[i] == i;
    free(points);
    dm_sweep_free(s);
    return ok;
}

static pid_t start_merge(void)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(getenv("DOMINO"), "domino", "merge", at("a.h5"), at("b.h5"), "-o", at("m.h5"), (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* When to kill: at once, as soon as the temporary appears (the child is writing), a
 * little later, or after a delay. Returns 0 if the merge ended before that moment. */
static int wait_for(pid_t pid, int moment)
{
    static const long delays[] = {0, 0, 30, 2, 20, 80, 250};
    char name[256];
    if (moment == 1 || moment == 2) {
        for (int i = 0; i < 20000 && !temporary(name, sizeof name); i++) {
            if (waitpid(pid, NULL, WNOHANG) == pid) return 0;
            sleep_ms(1);
        }
    }
    sleep_ms(delays[moment]);
    return 1;
}

Test(resume, merge_killed_at_any_moment_leaves_no_writer_and_a_whole_or_no_file)
{
    char *out;
    FILE *f = fopen(at("s.yaml"), "w");
    cr_assert_not_null(f);
    fprintf(f, "scenario: %s/scenarios/grid-attack-uncertain.yaml\nreplicates: 2\nparameters:\n"
               "  - {name: a, path: 'scenario.hazards[grid-control-attack].severity', range: [0.2, 1], steps: 40}\n",
            env("DOMINO_SOURCE"));
    fclose(f);
    cr_assert_eq(domino(dir, "sweep s.yaml -o a.h5 --shard 0/2 --quiet && \"$DOMINO\" sweep s.yaml -o b.h5 --shard 1/2 --quiet", 1, &out),
                 0, "%s", out);
    free(out);
    /* an older output the killed merge must leave as it was, or replace whole */
    f = fopen(at("old.h5"), "w");
    cr_assert_not_null(f);
    fputs("an older output\n", f);
    fclose(f);
    static const int sigs[] = {SIGKILL, SIGTERM};
    int hit_writing = 0;
    for (size_t si = 0; si < 2; si++)
        for (int moment = 0; moment < 7; moment++)
            for (int existing = 0; existing < 2; existing++) {
                const char *what = sigs[si] == SIGKILL ? "SIGKILL" : "SIGTERM";
                unlink(at("m.h5"));
                if (existing) {
                    char cmd[1200];
                    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", at("old.h5"), at("m.h5"));
                    cr_assert_eq(system(cmd), 0);
                }
                pid_t pid = start_merge();
                int killed = wait_for(pid, moment);
                char name[256];
                if (killed && temporary(name, sizeof name)) hit_writing++;
                if (killed) kill(pid, sigs[si]);
                int status;
                cr_assert_eq(waitpid(pid, &status, 0), pid);
                /* the guarded child goes with its parent: from the moment the command is
                 * gone nothing may change the output (an orphaned child wrote it seconds
                 * later), and no process of it is left once the kernel has killed it */
                struct stat a, b;
                int had = stat(at("m.h5"), &a) == 0;
                for (int i = 0; i < 200 && processes_in_dir(); i++) sleep_ms(10);
                cr_expect_eq(processes_in_dir(), 0, "%s at moment %d: a process of the merge is left", what, moment);
                sleep_ms(300);
                int has = stat(at("m.h5"), &b) == 0;
                cr_expect(had == has && (!had || (a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtime == b.st_mtime)),
                          "%s at moment %d: the output changed after the merge was gone", what, moment);
                if (has)
                    cr_expect((existing && same_bytes(at("m.h5"), at("old.h5"))) || complete(at("m.h5")),
                              "%s at moment %d: the output is neither the old file nor a complete merge", what, moment);
                else
                    cr_expect(!existing, "%s at moment %d: the existing output was removed", what, moment);
                /* SIGTERM ends the merge cleanly: no temporary left (SIGKILL cannot be caught:
                 * its temporary may stay, under a name no writer reuses) */
                if (sigs[si] == SIGTERM)
                    cr_expect(!temporary(name, sizeof name), "SIGTERM at moment %d left %s", moment, name);
                /* the next merge is not stopped by anything left (a stale lock is taken over) */
                cr_expect_eq(domino(dir, "merge a.h5 b.h5 -o m.h5", 1, &out), 0, "%s at moment %d: the rerun failed: %s", what, moment, out);
                free(out);
                cr_expect(complete(at("m.h5")), "%s at moment %d: the rerun's output is incomplete", what, moment);
                char cmd[600];  /* a SIGKILL's temporary: removed for the next round's check */
                snprintf(cmd, sizeof cmd, "rm -f '%s'/.m.h5.??????", dir);
                cr_assert_eq(system(cmd), 0);
            }
    /* the moments after the temporary appeared must have caught merges while writing */
    cr_expect(hit_writing >= 4, "only %d kills hit a merge while it was writing", hit_writing);
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(at(name), "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static int count_points(const char *points_dir)
{
    DIR *d = opendir(at(points_dir));
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += !strncmp(e->d_name, "point-", 6);
    if (d) closedir(d);
    return n;
}

/* Parts and finished points computed on another graph file (same name, same texts) are of
 * another sweep: a merge refuses to mix them, and a resume refuses them before it computes
 * any point (the sweep's identity covers the files its model reads, not only the texts). */
Test(resume, parts_and_points_of_other_graph_files_are_refused_before_computing)
{
    char *out;
    put("g.txt", "0 1\n1 2\n2 3\n3 4\n4 5\n5 0\n");
    put("m.yaml", "name: m\nsectors: [{id: A, name_en: a}]\nlayers: [{sector: A, graph: {file: g.txt}, connectivity: giant}]\n");
    put("s.yaml", "name: s\nhorizon: 1h\nmodel: m.yaml\nhazards: [{id: h, kind: other, select: {sectors: [A], count: 1}, severity: 1}]\n");
    put("w.yaml", "scenario: s.yaml\nreplicates: 2\nparameters:\n  - {name: sev, path: 'scenario.hazards[h].severity', values: [0.2, 0.4, 0.6, 0.8]}\n");
    cr_assert_eq(domino(dir, "sweep w.yaml --shard 0/2 -o a.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    /* the graph changes between the shards */
    put("g.txt", "0 1\n1 2\n2 3\n3 4\n4 5\n");
    cr_assert_eq(domino(dir, "sweep w.yaml --shard 1/2 -o b.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    int rc = domino(dir, "merge a.h5 b.h5 -o ab.h5", 1, &out);
    cr_expect_eq(rc, 65, "merge of parts of two graphs: exit %d: %s", rc, out);
    cr_expect(strstr(out, "a.h5") && strstr(out, "another sweep"), "%s", out);
    free(out);
    cr_expect(access(at("ab.h5"), F_OK) != 0, "the mixed merge wrote its output");
    /* a sweep interrupted with finished points, then the graph changes: the resume is
     * refused before it computes a point (no new point file) */
    cr_assert_eq(domino(dir, "sweep w.yaml --shard 0/2 -o r.h5 --quiet", 1, &out), 0, "%s", out);
    free(out);
    put("g.txt", "0 1\n1 2\n2 3\n3 4\n4 5\n5 0\n");
    int before = count_points("r.h5.points");
    rc = domino(dir, "sweep w.yaml -o r.h5 --quiet", 1, &out);
    cr_expect_eq(rc, 65, "resume onto an output of another graph: exit %d: %s", rc, out);
    cr_expect(strstr(out, "another sweep") && strstr(out, "input files"), "%s", out);
    free(out);
    cr_expect_eq(count_points("r.h5.points"), before, "the resume computed points before refusing the output");
}
