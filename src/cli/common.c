/* What the subcommands share: error and usage messages, the options of run and timeline,
 * loading a scenario, one replicate, signals and progress, and reading a file a user
 * hands us in a guarded child process. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "domino.h"
#include "cli.h"

int cli_fail(const dm_error *err)
{
    char buf[1200];
    fprintf(stderr, "domino: %s\n", dm_error_format(err, buf, sizeof buf));
    return err->code ? err->code : DM_ESOFTWARE;
}

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "domino %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'domino %s --help')\n", cmd);
    return DM_EUSAGE;
}

int cli_finish(int rc)
{
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "domino: writing the output failed: %s\n", strerror(errno));
        return rc ? rc : DM_EIO;
    }
    return rc;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, double *bytes)
{
    char *end;
    double v = strtod(s, &end);
    double unit = !strcmp(end, "") ? 1 : !strcmp(end, "K") ? 1024.0 : !strcmp(end, "M") ? 1048576.0
                : !strcmp(end, "G") ? 1073741824.0 : !strcmp(end, "T") ? 1099511627776.0 : -1;
    if (end == s || !(v > 0) || unit < 0) return -1;
    *bytes = v * unit;
    return 0;
}

int cli_parse_run_options(const char *cmd, int argc, char **argv, const char *help, run_options *o)
{
    enum { O_JSON = 256, O_LANG, O_FORMAT, O_SEED, O_REPLICATE, O_REPLICATES, O_THREADS, O_INTERVAL,
           O_STORE, O_QUIET, O_MEDIAN, O_MAXMEM, O_REGION, O_STRICT, O_TIMELINE, O_NOTIMELINE, O_MINCHANGE,
           O_SECTOR, O_KINDS };
    static const struct option longopts[] = {
        {"json", no_argument, 0, O_JSON}, {"lang", required_argument, 0, O_LANG},
        {"format", required_argument, 0, O_FORMAT}, {"seed", required_argument, 0, O_SEED},
        {"replicate", required_argument, 0, O_REPLICATE}, {"replicates", required_argument, 0, O_REPLICATES},
        {"threads", required_argument, 0, O_THREADS}, {"interval", required_argument, 0, O_INTERVAL},
        {"store", required_argument, 0, O_STORE}, {"quiet", no_argument, 0, O_QUIET},
        {"median", no_argument, 0, O_MEDIAN}, {"max-memory", required_argument, 0, O_MAXMEM},
        {"strict", no_argument, 0, O_STRICT}, {"timeline", no_argument, 0, O_TIMELINE},
        {"no-timeline", no_argument, 0, O_NOTIMELINE}, {"min-change", required_argument, 0, O_MINCHANGE},
        {"sector", required_argument, 0, O_SECTOR}, {"region", required_argument, 0, O_REGION},
        {"kinds", required_argument, 0, O_KINDS},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->timeline = -1;
    o->min_change = -1;
    o->kinds = DM_KIND_ALL;
    o->lang = dm_lang_from_locale();
    o->format = DM_FORMAT_TEXT;
    o->store = 0;  /* per-replicate series only when asked for: a file keeps the statistics and the median */
    const int is_run = !strcmp(cmd, "run");
    int c;
    uint64_t u;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, is_run ? "ho:" : "h", longopts, NULL)) != -1) {
        /* options that belong to the other command */
        if ((is_run && (c == O_FORMAT || c == O_MEDIAN || c == O_MINCHANGE || c == O_SECTOR || c == O_KINDS)) ||
            (!is_run && (c == O_JSON || c == 'o' || c == O_REPLICATES || c == O_THREADS || c == O_INTERVAL ||
                         c == O_STORE || c == O_QUIET || c == O_MAXMEM || c == O_TIMELINE || c == O_NOTIMELINE)))
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case 'h': fputs(help, stdout); return -1;
        case O_JSON: o->json = 1; break;
        case O_QUIET: o->quiet = 1; break;
        case O_MEDIAN: o->median = 1; break;
        case O_STRICT: o->strict = 1; break;
        case O_TIMELINE: o->timeline = 1; break;
        case O_NOTIMELINE: o->timeline = 0; break;
        case O_SECTOR: o->sector = optarg; break;
        case O_REGION: o->region = optarg; break;
        case O_MINCHANGE: {
            char *end;
            o->min_change = strtod(optarg, &end);
            if (end == optarg || *end || !(o->min_change >= 0 && o->min_change <= 100))
                return cli_usage_error(cmd, "--min-change: expected points from 0 to 100, found '%s'", optarg);
            break;
        }
        case O_KINDS: {
            static const char *const names[] = {"breaches", "losses", "restorations"};
            char buf[256];
            if (strlen(optarg) >= sizeof buf) return cli_usage_error(cmd, "--kinds: expected breaches,losses,restorations, found '%s'", optarg);
            strcpy(buf, optarg);
            o->kinds = 0;
            for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                int found = 0;
                for (unsigned i = 0; i < 3; i++)
                    if (!strcmp(tok, names[i])) { o->kinds |= 1u << i; found = 1; }
                if (!found) return cli_usage_error(cmd, "--kinds: expected a comma-separated list of breaches, losses, restorations; found '%s'", optarg);
            }
            if (!o->kinds) return cli_usage_error(cmd, "--kinds: expected breaches, losses or restorations, found '%s'", optarg);
            break;
        }
        case 'o': o->output = optarg; break;
        case O_LANG:
            if (!strcmp(optarg, "ja")) o->lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) o->lang = DM_LANG_EN;
            else return cli_usage_error(cmd, "--lang: expected ja or en, found '%s'", optarg);
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "text")) o->format = DM_FORMAT_TEXT;
            else if (!strcmp(optarg, "md")) o->format = DM_FORMAT_MD;
            else if (!strcmp(optarg, "csv")) o->format = DM_FORMAT_CSV;
            else if (!strcmp(optarg, "json")) o->format = DM_FORMAT_JSON;
            else return cli_usage_error(cmd, "--format: expected text, md, csv or json, found '%s'", optarg);
            break;
        case O_SEED:
            if (parse_u64(optarg, &o->seed) || o->seed > INT64_MAX)
                return cli_usage_error(cmd, "--seed: expected a whole number in [0, 2^63 - 1], found '%s'", optarg);
            o->has_seed = 1;
            break;
        case O_REPLICATE:
            if (parse_u64(optarg, &o->replicate) || o->replicate > INT64_MAX)
                return cli_usage_error(cmd, "--replicate: expected a whole number in [0, 2^63 - 1], found '%s'", optarg);
            o->has_replicate = 1;
            break;
        case O_REPLICATES:
            if (parse_u64(optarg, &o->replicates) || o->replicates < 1)
                return cli_usage_error(cmd, "--replicates: expected a whole number >= 1, found '%s'", optarg);
            if (o->replicates > DM_MAX_REPLICATES)
                return cli_usage_error(cmd, "--replicates: %s is over the limit of 10^9 replicates per run; run more "
                                   "with several runs and --replicate R (the first replicate of each)", optarg);
            break;
        case O_THREADS:
            if (parse_u64(optarg, &u) || u < 1 || u > 4096)
                return cli_usage_error(cmd, "--threads: expected a whole number from 1 to 4096, found '%s'", optarg);
            o->threads = (int)u;
            break;
        case O_INTERVAL:
            if (dm_parse_duration(optarg, &o->interval_s) || o->interval_s <= 0)
                return cli_usage_error(cmd, "--interval: expected a positive duration such as 10min or 1h, found '%s'", optarg);
            break;
        case O_STORE:
            if (dm_parse_store(optarg, &o->store))
                return cli_usage_error(cmd, "--store: expected a comma-separated list of sectors, maps, nodes, events; found '%s'", optarg);
            break;
        case O_MAXMEM:
            if (parse_size(optarg, &o->max_memory))
                return cli_usage_error(cmd, "--max-memory: expected a size such as 512M or 4G, found '%s'", optarg);
            break;
        default:
            return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) o->scenario = argv[optind++];
    if (optind < argc) return cli_usage_error(cmd, "expected at most one scenario, found also '%s'", argv[optind]);
    if (o->median && o->has_replicate) return cli_usage_error(cmd, "%s", "--median and --replicate exclude each other");
    return 0;
}

/* The scenario's warnings go to stderr; with --strict they are errors (exit 65). */
static int check_warnings(const run_options *o, dm_scenario *sc)
{
    for (size_t i = 0; i < sc->nwarnings; i++)
        fprintf(stderr, "domino: %s: %s\n", o->strict ? "error (--strict)" : "warning", sc->warnings[i]);
    if (o->strict && sc->nwarnings) {
        dm_scenario_free(sc);
        return DM_EDATA;
    }
    return 0;
}

/* The timeline's filters by id, as indices into the model; DM_EUSAGE for an unknown id.
 * (--region narrows the results themselves: cli_narrow(), below.) */
int cli_inject_options(const char *cmd, const run_options *o, const dm_scenario *sc, dm_inject_options *io)
{
    const dm_model *m = sc->model;
    dm_inject_defaults(io, o->format, o->lang);
    io->min_change = o->min_change;
    io->kinds = o->kinds;
    if (o->sector && (io->sector = dm_model_sector(m, o->sector)) < 0)
        return cli_usage_error(cmd, "--sector: expected one of the model's sectors, found '%s'", o->sector);
    return 0;
}

/* --region: *shown is r narrowed to the region (a view in *view, to free with
 * dm_result_view_free), or r itself without the option. */
int cli_narrow(const run_options *o, const char *cmd, const dm_scenario *sc, const dm_engine_result *r,
                  dm_engine_result *view, const dm_engine_result **shown)
{
    *shown = r;
    memset(view, 0, sizeof *view);
    if (!o->region) return 0;
    if (!sc->model->nregions)
        return cli_usage_error(cmd, "--region %s: the model has no regions", o->region);
    int g = dm_model_region(sc->model, o->region);
    if (g < 0)
        return cli_usage_error(cmd, "--region: expected the id, code or name of one of the model's regions, found '%s'", o->region);
    if (dm_result_narrow(sc, r, g, view)) {
        fprintf(stderr, "domino: out of memory narrowing the results to a region\n");
        return DM_ESOFTWARE;
    }
    *shown = view;
    return 0;
}

int cli_load_scenario(const run_options *o, dm_scenario **sc)
{
    dm_error err;
    dm_error_clear(&err);
    int rc = o->scenario ? dm_scenario_load(o->scenario, sc, &err) : dm_scenario_default(sc, &err);
    if (rc) return cli_fail(&err);
    if (o->has_seed) (*sc)->seed = o->seed;
    return check_warnings(o, *sc);
}

/* Runs one replicate (declared in cli.h). */
int cli_run_one(const dm_scenario *sc, uint64_t replicate, int64_t interval, dm_engine **eng)
{
    dm_error err;
    dm_error_clear(&err);
    if (dm_engine_new(sc, eng, &err) ||
        (interval > 0 && dm_engine_set_output(*eng, interval, DM_STORE_SECTORS | DM_STORE_MAPS, &err)) ||
        dm_engine_run(*eng, replicate, &err)) {
        dm_engine_free(*eng);
        *eng = NULL;
        return cli_fail(&err);
    }
    return 0;
}

/* ---- signals and progress ---- */

volatile sig_atomic_t cli_stop_signal;

static void on_signal(int sig) { cli_stop_signal = sig; }

void cli_catch_stop(cli_signals *old)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old ? &old->sigint : NULL);
    sigaction(SIGTERM, &sa, old ? &old->sigterm : NULL);
}

void cli_restore_signals(const cli_signals *old)
{
    sigaction(SIGINT, &old->sigint, NULL);
    sigaction(SIGTERM, &old->sigterm, NULL);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A bar with rate and ETA on a terminal; otherwise a plain line every 10 s at most. */
void cli_show_progress(void *ctx, uint64_t done, uint64_t total)
{
    cli_progress *p = ctx;
    double t = cli_now(), elapsed = t - p->start;
    if (p->quiet || (done < total && t - p->last < (p->tty ? 0.2 : 10.0))) return;
    p->last = t;
    double rate = elapsed > 0 ? (double)done / elapsed : 0, eta = rate > 0 ? (double)(total - done) / rate : 0;
    int width = 30, filled = total ? (int)((double)width * (double)done / (double)total) : width;
    if (p->tty) {
        char bar[64];
        for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr, "\r[%s] %3.0f%% %llu/%llu replicates, %.0f/s, ETA %02d:%02d:%02d", bar,
                100.0 * (double)done / (double)total, (unsigned long long)done, (unsigned long long)total, rate,
                (int)(eta / 3600), (int)fmod(eta / 60, 60), (int)fmod(eta, 60));
        if (done == total) fputc('\n', stderr);
    } else {
        fprintf(stderr, "domino: %llu/%llu replicates (%.0f%%), %.0f/s, %.0f s elapsed, ETA %.0f s\n",
                (unsigned long long)done, (unsigned long long)total, 100.0 * (double)done / (double)total, rate,
                elapsed, eta);
    }
}

char *cli_command_line(int argc, char **argv)
{
    size_t len = 16;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s) return NULL;
    strcpy(s, "domino");
    for (int i = 0; i < argc; i++) { strcat(s, " "); strcat(s, argv[i]); }
    return s;
}

/* ---- reading result files, guarded ----
 * HDF5 1.10 can crash on some malformed files. Commands that read a file a user hands us
 * therefore read it in a child process: its output is kept in a temporary file and passed
 * on only when it ends normally; if it crashed, the file is reported as corrupt (exit 65)
 * and nothing partial is printed. */

/* A crashing child removes the temporary it was writing (a merge's), then dies of the
 * signal as it would have. */
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

static void on_crash(int sig)
{
    dm_output_remove_pending();
    raise(sig);  /* SA_RESETHAND: the default action now */
}

/* SIGINT, SIGTERM and SIGHUP to the command are passed on to the child, which removes its
 * temporary (on_crash) and dies of the signal; the command then dies of it too, as it
 * would have without the child. (Killed by SIGKILL, the parent takes the child with it:
 * PR_SET_PDEATHSIG; the temporary then stays, under a name no writer reuses.) */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t guarded_child;

static void forward(int sig)
{
    if (guarded_child > 0) kill((pid_t)guarded_child, sig);
}

int cli_guarded(const guarded_call *g)
{
    fflush(stdout);
    fflush(stderr);
    FILE *tmp = tmpfile();
    if (!tmp) return g->fn(g->ctx);  /* no temporary file: read unguarded */
    /* the stop signals wait until each process has its handlers */
    sigset_t stops, mask;
    sigemptyset(&stops);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) sigaddset(&stops, stop_signals[i]);
    sigprocmask(SIG_BLOCK, &stops, &mask);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) { sigprocmask(SIG_SETMASK, &mask, NULL); fclose(tmp); return g->fn(g->ctx); }
    if (pid == 0) {
        /* the child dies with the parent: a killed merge leaves no writer behind */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(DM_ESOFTWARE);
        dup2(fileno(tmp), 1);
        struct sigaction crash = {.sa_handler = on_crash, .sa_flags = SA_RESETHAND};
        sigemptyset(&crash.sa_mask);
        for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) sigaction(crash_signals[i], &crash, NULL);
        for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) sigaction(stop_signals[i], &crash, NULL);
        sigprocmask(SIG_SETMASK, &mask, NULL);
        int rc = g->fn(g->ctx);
        fflush(stdout);
        _exit(rc);
    }
    struct sigaction fwd = {.sa_handler = forward}, old[sizeof stop_signals / sizeof stop_signals[0]];
    sigemptyset(&fwd.sa_mask);
    guarded_child = pid;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) sigaction(stop_signals[i], &fwd, &old[i]);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    sigprocmask(SIG_BLOCK, &stops, NULL);
    guarded_child = 0;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) sigaction(stop_signals[i], &old[i], NULL);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    for (size_t i = 0; WIFSIGNALED(status) && i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        if (WTERMSIG(status) == stop_signals[i]) {  /* stopped, not crashed: as the child was stopped */
            fclose(tmp);
            raise(stop_signals[i]);  /* dies of it, or the command's own handler takes it */
            return 128 + stop_signals[i];
        }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "domino: %s: the file is corrupt: reading it crashed the HDF5 library (signal %d)\n",
                g->file, WTERMSIG(status));
        fclose(tmp);
        return DM_EDATA;
    }
    rewind(tmp);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, tmp)) > 0;) fwrite(buf, 1, n, stdout);
    fclose(tmp);
    return WIFEXITED(status) ? WEXITSTATUS(status) : DM_ESOFTWARE;
}
