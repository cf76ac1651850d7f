/* Allocation failure (docs/architecture.md, "Out of memory"; docs/reliability.md): the
 * allocation functions of libdomino are wrapped (-Wl,--wrap=malloc,...) by a countdown
 * that fails the n-th allocation. For n = 1, 2, ... a child process loads the scenarios,
 * runs them (Monte Carlo, with a result file) and reads the file back; each attempt must
 * end in success or in exit 70 (DM_ESOFTWARE) with nothing written — never a crash, a
 * leak (under AddressSanitizer), another exit code, or a file left. It stops at the first
 * n beyond the workload's last allocation.
 *
 *     domino-oom [STRIDE]     (every STRIDE-th n; default 1)
 *
 * Run by meson test and, under ASan, by tools/test.sh. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <omp.h>
#include "domino.h"

static long countdown;    /* 0: off; otherwise the allocations left before the one that fails */
static int injected;      /* the failure happened */
static int written;       /* the result file was committed (a later failure may leave it) */

static int fail_now(void)
{
    if (countdown == 0) return 0;
    if (--countdown == 0) { injected = 1; errno = ENOMEM; return 1; }  /* as malloc does */
    return 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }

/* A small model with what the loaders and the engine allocate for: regions, explicit
 * nodes with tags, groups with buffers and resupply, distributions (a choice too),
 * relax dynamics, a generated layer, a coupling, a random selection. */
static const char scenario[] =
    "name: oom\nhorizon: 2d\ntick: 1min\nseed: 3\nreplicates: 3\n"
    "model:\n"
    "  name: m\n"
    "  regions: [{id: R1, name_en: one, code: '01'}, {id: R2, name_en: two, code: '02', groups: [g1]}]\n"
    "  sectors:\n"
    "    - {id: P, name_en: power, threshold: {magnitude: 0.1, duration: 30min}}\n"
    "    - {id: W, name_en: water, dynamics: {kind: relax, k: 0.5}}\n"
    "    - {id: T, name_en: telecom, dynamics: {kind: step, restart: {dist: choice, values: [1h, 2h], weights: [1, 3]}, ramp: 2h}}\n"
    "    - {id: L, name_en: layer}\n"
    "  nodes:\n"
    "    - {id: p1, sector: P, region: R1, tags: [big, coastal]}\n"
    "    - {id: p2, sector: P, region: R2, tags: [small]}\n"
    "    - {id: w1, sector: W, region: R1}\n"
    "    - {id: t1, sector: T, region: R2, tags: [core]}\n"
    "  dependencies:\n"
    "    - {dependent: w1, providers: [p1, p2], mode: share, buffer: {duration: {dist: uniform, min: 1h, max: 3h}}}\n"
    "    - {dependent: t1, providers: [p1], buffer: {duration: 4h, resupply: [p2]}, lag: 1min}\n"
    "    - {dependent: p2, providers: [t1], strength: 0.5, lag: 10min}\n"
    "  layers: [{sector: L, graph: {generate: erdos_renyi, nodes: 60, mean_degree: 3, seed: 4}, connectivity: giant}]\n"
    "hazards:\n"
    "  - {id: quake, kind: natural disaster, select: {regions: [R1]}, at: {dist: uniform, min: 0min, max: 1h}, severity: 1,\n"
    "     duration: {dist: lognormal, median: 6h, sigma: 0.5, min: 1h, max: 1d}}\n"
    "  - {id: cut, kind: unintentional failure, select: {sectors: [L], fraction: 0.3}, severity: 1, at: 2h}\n"
    "  - {id: tags, kind: other, select: {tags: [core]}, severity: 0.5, at: 3h, duration: 2h}\n";

static char dir[64];

static int no_file_left(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) { fprintf(stderr, "  left: %s\n", e->d_name); n++; }
    if (d) closedir(d);
    return n == 0;
}

/* Loads, runs and writes the scenario, reads the file back. Returns 0 or the first error's code. */
static int workload(const char *text, size_t len, const char *out, dm_error *err)
{
    dm_scenario *sc = NULL;
    dm_h5_writer *w = NULL;
    dm_result_file *f = NULL;
    dm_stats st;
    memset(&st, 0, sizeof st);
    int rc = text ? dm_scenario_parse(text, len, "oom.yaml", &sc, err) : dm_scenario_default(&sc, err);
    dm_mc_config cfg = {.first = 0, .replicates = 3, .threads = 1, .interval = 10,
                        .store = DM_STORE_SECTORS | DM_STORE_EVENTS};
    dm_h5_provenance prov = {"domino-oom", 3};
    if (!rc) rc = dm_h5_create(out, sc, &cfg, &prov, &w, err);
    if (!rc) {
        cfg.sink = dm_h5_append;
        cfg.sink_ctx = w;
        rc = dm_mc_run(sc, &cfg, &st, err);
        if (rc) dm_h5_abort(w);
        else rc = dm_h5_finish(w, &st, err);
        written = rc == 0;
    }
    if (!rc) {
        const dm_engine_result *r;
        rc = dm_h5_open(out, &f, err);
        if (!rc) rc = dm_h5_read_replicate(f, f->median_replicate, &r, err);
        dm_h5_close(f);
    }
    dm_stats_free(&st);
    dm_scenario_free(sc);
    return rc;
}

/* One attempt with the n-th allocation failing: 0 when it behaved, 1 when not, 2 when
 * the workload made fewer than n allocations. */
static int attempt(long n, const char *text, size_t len)
{
    char out[128];
    snprintf(out, sizeof out, "%s/run.h5", dir);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dm_error err;
        dm_error_clear(&err);
        countdown = n;
        int rc = workload(text, len, out, &err);
        countdown = 0;
        if (!injected) { unlink(out); exit(rc ? 1 : 2); }
        if (rc == 0) { unlink(out); exit(0); }  /* a failure handled by a retry or not needed */
        if (rc != DM_ESOFTWARE) {
            fprintf(stderr, "allocation %ld failed: expected exit 70 (out of memory), found %d: %s\n", n, rc, err.message);
            exit(1);
        }
        if (written) unlink(out);  /* complete: the failure came after, reading it */
        if (!no_file_left()) { fprintf(stderr, "allocation %ld failed: a file was left\n", n); exit(1); }
        exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "allocation %ld failed: the workload died of signal %d\n", n, WTERMSIG(status));
        return 1;
    }
    return WEXITSTATUS(status) == 2 ? 2 : WEXITSTATUS(status) ? 1 : 0;
}

static int sweep_allocations(const char *name, const char *text, size_t len, long stride)
{
    int failures = 0;
    long n = 1;
    for (;; n += stride) {
        int r = attempt(n, text, len);
        if (r == 2) break;
        failures += r;
        if (failures > 20) { fprintf(stderr, "(stopping after 20 failures)\n"); break; }
    }
    printf("%s: %ld allocations failed one at a time (every %ld), %d misbehaved\n", name, (n - 1) / stride + 1, stride,
           failures);
    return failures;
}

int main(int argc, char **argv)
{
    long stride = argc > 1 ? atol(argv[1]) : 1;
    if (stride < 1) stride = 1;
    /* One thread: every attempt is a fork of this process, and libgomp's thread pool does
     * not survive a fork (a child entering a parallel region after the parent made a pool
     * waits forever). The allocations are the same; the parallel paths are tested elsewhere. */
    omp_set_num_threads(1);
    dm_init();
    /* tmpfs when there is one: a thousand fsyncs on a disk take minutes */
    snprintf(dir, sizeof dir, "%s/domino-oom-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    /* a run without failures first: the workload itself must succeed */
    char out[128];
    snprintf(out, sizeof out, "%s/run.h5", dir);
    dm_error err;
    dm_error_clear(&err);
    if (workload(scenario, strlen(scenario), out, &err)) {
        fprintf(stderr, "the workload fails without any allocation failure: %s\n", err.message);
        return 1;
    }
    unlink(out);
    int failures = sweep_allocations("small model", scenario, strlen(scenario), stride) +
                   sweep_allocations("default scenario", NULL, 0, stride);
    rmdir(dir);
    return failures ? 1 : 0;
}
