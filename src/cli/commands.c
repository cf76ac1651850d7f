/* The subcommands run, timeline, info and validate. Each parses its options, calls the
 * public API and renders; the work itself is in the library. */
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
#include <omp.h>
#include "domino.h"
#include "cli.h"

int cli_fail(const dm_error *err)
{
    char buf[1200];
    fprintf(stderr, "domino: %s\n", dm_error_format(err, buf, sizeof buf));
    return err->code ? err->code : DM_ESOFTWARE;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "domino %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'domino %s --help')\n", cmd);
    return DM_EUSAGE;
}

static int finish(int rc)
{
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "domino: writing the output failed: %s\n", strerror(errno));
        return rc ? rc : DM_EIO;
    }
    return rc;
}

typedef struct run_options {
    const char *scenario, *output;
    const char *region;          /* --region: narrow what is shown to one region */
    int json, quiet, threads, has_seed, has_replicate, median, strict;
    int timeline;                /* run: -1 default (by model size), 0 summary only, 1 timeline */
    const char *sector;          /* timeline: only this sector (id), or NULL */
    double min_change;           /* timeline: points, < 0 the format's default */
    unsigned kinds;
    dm_lang lang;
    dm_format format;
    uint64_t seed, replicate, replicates;
    int64_t interval_s;          /* output grid; 0: default 10 min */
    unsigned store;
    double max_memory;           /* bytes; 0: half the machine's memory */
} run_options;

static const char run_help[] =
    "usage: domino run [SCENARIO] [options]\n"
    "\n"
    "Runs SCENARIO (a YAML file; default: the embedded default scenario, a 6-hour cyber\n"
    "attack on the power grid on the embedded Japan 15-sector model) and prints the causal\n"
    "timeline and the per-sector breach table. With several replicates (Monte Carlo) it\n"
    "prints the median replicate's timeline and the statistics across replicates.\n"
    "\n"
    "options:\n"
    "  -o FILE            write everything the run produced to FILE (HDF5, netCDF-4\n"
    "                     compatible; docs/output-format.md). Written atomically.\n"
    "  --replicates N     replicates to run (default: the scenario's `replicates`, or 1)\n"
    "  --replicate R      run replicates R, R+1, ... instead of 0, 1, ... (default 0)\n"
    "  --threads N        OpenMP threads (default: all cores)\n"
    "  --interval DUR     output grid of the time series, e.g. 10min (default), 1h\n"
    "  --store LIST       every replicate's series -o also stores, from\n"
    "                     sectors,maps,nodes,events (default: none; a file always has\n"
    "                     the statistics, the breaches and the median replicate)\n"
    "  --max-memory SIZE  refuse runs whose statistics need more, e.g. 4G (default: half\n"
    "                     of this machine's memory)\n"
    "  --json             print one JSON document instead (docs/json-output.md)\n"
    "  --region ID        show one region: its events, breaches and JSON (id, code\n"
    "                     or name of a region of the model)\n"
    "  --timeline         print the per-node timeline also for models of more than\n"
    "                     1,000 nodes (default: only for smaller ones)\n"
    "  --no-timeline      print only the summary (header, breach table, statistics)\n"
    "  --strict           stop (exit 65) on what would otherwise be a warning, such as a\n"
    "                     hazard that cannot start before the horizon\n"
    "  --lang ja|en       language of names and messages (default: from the locale)\n"
    "  --seed N           override the scenario's seed\n"
    "  --quiet            no progress on stderr\n"
    "  -h, --help         this help\n"
    "\n"
    "SIGINT or SIGTERM stop the run after the replicates in flight; the file then holds\n"
    "the completed ones (status \"interrupted\") and the exit code is 130 or 143.\n";

static const char timeline_help[] =
    "usage: domino timeline [SCENARIO | RESULT.h5] [options]\n"
    "\n"
    "Prints the causal timeline of a run: what happened to which sector, when (T+hh:mm),\n"
    "and what caused it. Given a result file written by 'domino run -o', it reads the\n"
    "run from the file (the same timeline 'run' printed); given a scenario, it runs it.\n"
    "\n"
    "The lines form one chronological list of exercise injects: the same event in several\n"
    "regions at one time is one inject with the list of regions; each has its cause, its\n"
    "chain of causes back to the hazard, the hazard's description and its recipients (the\n"
    "sector's authority and CEPTOAR from the model); the scenario's own injects and prompts\n"
    "appear among them (docs/timeline.md).\n"
    "\n"
    "options:\n"
    "  --format text|md|csv|json   output format (default text); md is a document to hand\n"
    "                     out: title, description, assumptions, exercise clock, injects\n"
    "  --min-change P     show a level change once it is P points (0-100) from the last one\n"
    "                     shown for that node (default 10 for md, 0 otherwise); going\n"
    "                     down, leaving or regaining full service are always shown\n"
    "  --sector ID        only this sector's lines\n"
    "  --kinds LIST       from breaches,losses,restorations (default all)\n"
    "  --strict           stop (exit 65) on a warning, such as a hazard after the horizon\n"
    "  --lang ja|en       language (default: from the locale)\n"
    "  --replicate R      replicate to show (default: the median replicate of a file,\n"
    "                     replicate 0 of a scenario)\n"
    "  --median           the median replicate (the default for a file)\n"
    "  --region ID        one region's events and breaches (id, code or name)\n"
    "  --seed N           override the scenario's seed (scenarios only)\n"
    "  -h, --help         this help\n";

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

static int parse_run_options(const char *cmd, int argc, char **argv, const char *help, run_options *o)
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
            return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
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
                return usage_error(cmd, "--min-change: expected points from 0 to 100, found '%s'", optarg);
            break;
        }
        case O_KINDS: {
            static const char *const names[] = {"breaches", "losses", "restorations"};
            char buf[256];
            if (strlen(optarg) >= sizeof buf) return usage_error(cmd, "--kinds: expected breaches,losses,restorations, found '%s'", optarg);
            strcpy(buf, optarg);
            o->kinds = 0;
            for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                int found = 0;
                for (unsigned i = 0; i < 3; i++)
                    if (!strcmp(tok, names[i])) { o->kinds |= 1u << i; found = 1; }
                if (!found) return usage_error(cmd, "--kinds: expected a comma-separated list of breaches, losses, restorations; found '%s'", optarg);
            }
            if (!o->kinds) return usage_error(cmd, "--kinds: expected breaches, losses or restorations, found '%s'", optarg);
            break;
        }
        case 'o': o->output = optarg; break;
        case O_LANG:
            if (!strcmp(optarg, "ja")) o->lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) o->lang = DM_LANG_EN;
            else return usage_error(cmd, "--lang: expected ja or en, found '%s'", optarg);
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "text")) o->format = DM_FORMAT_TEXT;
            else if (!strcmp(optarg, "md")) o->format = DM_FORMAT_MD;
            else if (!strcmp(optarg, "csv")) o->format = DM_FORMAT_CSV;
            else if (!strcmp(optarg, "json")) o->format = DM_FORMAT_JSON;
            else return usage_error(cmd, "--format: expected text, md, csv or json, found '%s'", optarg);
            break;
        case O_SEED:
            if (parse_u64(optarg, &o->seed) || o->seed > INT64_MAX)
                return usage_error(cmd, "--seed: expected a whole number in [0, 2^63 - 1], found '%s'", optarg);
            o->has_seed = 1;
            break;
        case O_REPLICATE:
            if (parse_u64(optarg, &o->replicate) || o->replicate > INT64_MAX)
                return usage_error(cmd, "--replicate: expected a whole number in [0, 2^63 - 1], found '%s'", optarg);
            o->has_replicate = 1;
            break;
        case O_REPLICATES:
            if (parse_u64(optarg, &o->replicates) || o->replicates < 1)
                return usage_error(cmd, "--replicates: expected a whole number >= 1, found '%s'", optarg);
            if (o->replicates > DM_MAX_REPLICATES)
                return usage_error(cmd, "--replicates: %s is over the limit of 10^9 replicates per run; run more "
                                   "with several runs and --replicate R (the first replicate of each)", optarg);
            break;
        case O_THREADS:
            if (parse_u64(optarg, &u) || u < 1 || u > 4096)
                return usage_error(cmd, "--threads: expected a whole number from 1 to 4096, found '%s'", optarg);
            o->threads = (int)u;
            break;
        case O_INTERVAL:
            if (dm_parse_duration(optarg, &o->interval_s) || o->interval_s <= 0)
                return usage_error(cmd, "--interval: expected a positive duration such as 10min or 1h, found '%s'", optarg);
            break;
        case O_STORE:
            if (dm_parse_store(optarg, &o->store))
                return usage_error(cmd, "--store: expected a comma-separated list of sectors, maps, nodes, events; found '%s'", optarg);
            break;
        case O_MAXMEM:
            if (parse_size(optarg, &o->max_memory))
                return usage_error(cmd, "--max-memory: expected a size such as 512M or 4G, found '%s'", optarg);
            break;
        default:
            return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) o->scenario = argv[optind++];
    if (optind < argc) return usage_error(cmd, "expected at most one scenario, found also '%s'", argv[optind]);
    if (o->median && o->has_replicate) return usage_error(cmd, "%s", "--median and --replicate exclude each other");
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
 * (--region narrows the results themselves: narrow(), below.) */
static int inject_options(const char *cmd, const run_options *o, const dm_scenario *sc, dm_inject_options *io)
{
    const dm_model *m = sc->model;
    dm_inject_defaults(io, o->format, o->lang);
    io->min_change = o->min_change;
    io->kinds = o->kinds;
    if (o->sector && (io->sector = dm_model_sector(m, o->sector)) < 0)
        return usage_error(cmd, "--sector: expected one of the model's sectors, found '%s'", o->sector);
    return 0;
}

/* --region: *shown is r narrowed to the region (a view in *view, to free with
 * dm_result_view_free), or r itself without the option. */
static int narrow(const run_options *o, const char *cmd, const dm_scenario *sc, const dm_engine_result *r,
                  dm_engine_result *view, const dm_engine_result **shown)
{
    *shown = r;
    memset(view, 0, sizeof *view);
    if (!o->region) return 0;
    if (!sc->model->nregions)
        return usage_error(cmd, "--region %s: the model has no regions", o->region);
    int g = dm_model_region(sc->model, o->region);
    if (g < 0)
        return usage_error(cmd, "--region: expected the id, code or name of one of the model's regions, found '%s'", o->region);
    if (dm_result_narrow(sc, r, g, view)) {
        fprintf(stderr, "domino: out of memory narrowing the results to a region\n");
        return DM_ESOFTWARE;
    }
    *shown = view;
    return 0;
}

static int load_scenario(const run_options *o, dm_scenario **sc)
{
    dm_error err;
    dm_error_clear(&err);
    int rc = o->scenario ? dm_scenario_load(o->scenario, sc, &err) : dm_scenario_default(sc, &err);
    if (rc) return cli_fail(&err);
    if (o->has_seed) (*sc)->seed = o->seed;
    return check_warnings(o, *sc);
}

/* Runs one replicate on a fresh engine; on success the caller frees *eng. */
/* Runs one replicate; with interval > 0 it records sector levels and maps on that grid. */
static int run_one(const dm_scenario *sc, uint64_t replicate, int64_t interval, dm_engine **eng)
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

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

typedef struct progress {
    int tty, quiet;
    double start, last;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A bar with rate and ETA on a terminal; otherwise a plain line every 10 s at most. */
static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    double t = now(), elapsed = t - p->start;
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

/* ---- run ---- */

/* Above this many nodes `run` prints the summary and no per-node timeline unless asked
 * (a 2 x 10^5-node layer model printed 276,163 lines for 4 replicates). */
#define DM_RUN_TIMELINE_MAX_NODES 1000

static void print_header(const dm_scenario *sc, uint64_t shown, const dm_stats *st, int ja)
{
    const dm_model *m = sc->model;
    char h[24];
    dm_format_time((sc->horizon_s + sc->tick_s - 1) / sc->tick_s, sc->tick_s, h);
    printf(ja ? "domino %s — シナリオ「%s」、モデル「%s」（%zu 分野、%zu ノード、%zu 依存関係）\n"
              : "domino %s — scenario '%s' on model '%s' (%zu sectors, %zu nodes, %zu dependencies)\n",
           dm_version(), sc->name, m->name, m->nsectors, m->nnodes, m->ngroups);
    if (st->replicates > 1)
        printf(ja ? "期間 %s、刻み %lld 秒、シード %llu、レプリケート %llu 回（中央値のレプリケート %llu を表示）\n"
                  : "horizon %s, tick %llds, seed %llu, %llu replicates (showing the median replicate, %llu)\n",
               h + 2, (long long)sc->tick_s, (unsigned long long)sc->seed, (unsigned long long)st->replicates,
               (unsigned long long)shown);
    else
        printf(ja ? "期間 %s、刻み %lld 秒、シード %llu、レプリケート %llu\n"
                  : "horizon %s, tick %llds, seed %llu, replicate %llu\n",
               h + 2, (long long)sc->tick_s, (unsigned long long)sc->seed, (unsigned long long)shown);
    if (sc->has_start) printf(ja ? "開始 %s（T+0）\n" : "start %s (T+0)\n", sc->start_iso);
    putchar('\n');
}

/* Minutes as h:mm for the statistics table, "—" for NaN. */
static void hours(double minutes, char *buf, size_t size)
{
    if (isnan(minutes)) snprintf(buf, size, "—");
    else snprintf(buf, size, "%lld:%02lld", (long long)(minutes / 60), (long long)fmod(round(minutes), 60));
}

static void print_stats(const dm_scenario *sc, const dm_stats *st, int ja)
{
    const dm_model *m = sc->model;
    puts(ja ? "\nレプリケート間の統計（検証レベル該当の確率、最初の該当の発生と継続時間：中央値 [5%–95%]）"
            : "\nAcross replicates (breach probability; first breach onset and duration: median [5%-95%])");
    printf("%-24s %8s  %-22s %-22s %s\n", ja ? "分野" : "sector", ja ? "確率" : "P", ja ? "発生" : "onset",
           ja ? "継続時間" : "duration", ja ? "供給支障×時間の期待値" : "expected unserved");
    for (size_t s = 0; s < st->nsectors; s++) {
        char a[3][24], b[3][24], onset[80], dur[80];
        for (int j = 0; j < 3; j++) {
            hours(st->onset_q[s * DM_NQUANTILES + j], a[j], sizeof a[j]);
            hours(st->duration_q[s * DM_NQUANTILES + j], b[j], sizeof b[j]);
        }
        snprintf(onset, sizeof onset, "%s [%s–%s]", a[1], a[0], a[2]);
        snprintf(dur, sizeof dur, "%s [%s–%s]", b[1], b[0], b[2]);
        if (isnan(st->onset_mean[s])) { strcpy(onset, "—"); strcpy(dur, "—"); }
        printf("%-24s %7.1f%%  %-22s %-22s %.4g %s·h\n", m->sectors[s].id, 100 * st->breach_probability[s], onset,
               dur, st->expected_unit_hours[s], m->sectors[s].unit);
    }
}

static int64_t grid_ticks(const dm_scenario *sc, int64_t interval_s)
{
    int64_t s = interval_s ? interval_s : 600;
    int64_t t = (s + sc->tick_s - 1) / sc->tick_s;
    return t < 1 ? 1 : t;
}

static double machine_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 8.0 * 1073741824.0;
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

int cmd_run(int argc, char **argv)
{
    run_options o;
    dm_scenario *sc = NULL;
    dm_engine *eng = NULL;
    dm_h5_writer *writer = NULL;
    dm_engine_result view = {0};  /* --region */
    dm_stats st;
    dm_error err;
    memset(&st, 0, sizeof st);
    dm_error_clear(&err);
    int rc = parse_run_options("run", argc, argv, run_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if ((rc = load_scenario(&o, &sc))) return rc;

    dm_mc_config cfg = {
        .first = o.replicate,
        .replicates = o.replicates ? o.replicates : sc->replicates,
        .threads = o.threads,
        .interval = grid_ticks(sc, o.interval_s),
        .store = o.output ? o.store : 0,
        /* the JSON statistics include sector levels, a file their maps too */
        .stats = (o.json || o.output ? DM_STORE_SECTORS : 0) | (o.output ? DM_STORE_MAPS : 0),
        .stop = &stop_signal,
    };
    if (cfg.first > INT64_MAX - cfg.replicates) {
        dm_scenario_free(sc);
        return usage_error("run", "%s", "--replicate + --replicates exceeds 2^63 - 1");
    }
    double need = dm_mc_memory_estimate(sc, &cfg), limit = o.max_memory ? o.max_memory : machine_memory() / 2;
    if (!o.quiet)
        fprintf(stderr, "domino: estimated memory %.0f MiB (limit %.0f MiB, --max-memory)\n", need / 1048576.0,
                limit / 1048576.0);
    if (need > limit) {
        fprintf(stderr, "domino run: this run needs about %.0f MiB (engines, replicates in flight, statistics), over the "
                "limit of %.0f MiB.\nUse a coarser --interval, fewer --threads, a shorter --store list, or raise --max-memory.\n",
                need / 1048576.0, limit / 1048576.0);
        dm_scenario_free(sc);
        return DM_EUSAGE;
    }
    if (o.threads) omp_set_num_threads(o.threads);
    progress prog = {.tty = isatty(2), .quiet = o.quiet || cfg.replicates < 2, .start = now()};
    cfg.progress = show_progress;
    cfg.progress_ctx = &prog;

    char *cmdline = cli_command_line(argc, argv);
    dm_h5_provenance prov = {cmdline, cfg.replicates};
    if (o.output) {
        if ((rc = dm_h5_create(o.output, sc, &cfg, &prov, &writer, &err))) goto fail;
        cfg.sink = dm_h5_append;
        cfg.sink_ctx = writer;
    }
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = dm_mc_run(sc, &cfg, &st, &err);
    if (rc) goto fail;
    if (writer) {
        /* the median replicate again, with its series, for the file (and for the output) */
        if (st.replicates > 0 && (rc = run_one(sc, st.median_replicate, cfg.interval, &eng))) goto done;
        if (eng && (rc = dm_h5_median(writer, dm_engine_results(eng), &err))) goto fail;
        rc = dm_h5_finish(writer, &st, &err);
        writer = NULL;
        if (rc) goto fail;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (st.interrupted) {
        fprintf(stderr, "domino: interrupted by signal %d after %llu of %llu replicates%s%s\n", (int)stop_signal,
                (unsigned long long)st.replicates, (unsigned long long)cfg.replicates,
                o.output ? "; they are in " : "", o.output ? o.output : "");
        rc = 128 + (stop_signal ? (int)stop_signal : SIGINT);
        goto done;
    }

    /* What is shown is recomputed from (seed, replicate): the median replicate. */
    uint64_t shown = st.median_replicate;
    if (!eng && (rc = run_one(sc, shown, 0, &eng))) goto done;
    const dm_engine_result *r;
    const dm_stats *stats = cfg.replicates > 1 ? &st : NULL;
    if ((rc = narrow(&o, "run", sc, dm_engine_results(eng), &view, &r))) goto done;
    if (o.json) {
        rc = dm_render_json(stdout, sc, r, stats, cfg.interval);
    } else {
        const int ja = o.lang == DM_LANG_JA;
        print_header(sc, shown, &st, ja);
        /* A large model's timeline has a line per node that changed: the summary says more. */
        int timeline = o.timeline >= 0 ? o.timeline : sc->model->nnodes <= DM_RUN_TIMELINE_MAX_NODES;
        if (timeline) {
            puts(ja ? "タイムライン" : "Timeline");
            rc = dm_render_timeline(stdout, sc, r, DM_FORMAT_TEXT, o.lang);
        } else {
            printf(ja ? "（%zu ノードのモデル: タイムラインは --timeline または 'domino timeline' で表示）\n"
                      : "(a model of %zu nodes: the timeline comes with --timeline, or from 'domino timeline')\n",
                   sc->model->nnodes);
        }
        if (r->narrowed_to) {
            const dm_region *g = &sc->model->regions[r->narrowed_to - 1];
            printf(ja ? "\n%sの検証レベル該当\n" : "\nService-level breaches in %s\n", ja ? g->name_ja : g->name_en);
        } else {
            puts(ja ? "\n分野別の検証レベル該当" : "\nService-level breaches by sector");
        }
        if (!rc) rc = dm_render_breach_table(stdout, sc, r, o.lang);
        if (!rc && stats) print_stats(sc, stats, ja);
        if (o.output) printf(ja ? "\n結果ファイル: %s\n" : "\nresult file: %s\n", o.output);
    }
    goto done;
fail:
    rc = cli_fail(&err);
done:
    if (writer) dm_h5_abort(writer);
    dm_result_view_free(&view);
    dm_engine_free(eng);
    dm_stats_free(&st);
    dm_scenario_free(sc);
    free(cmdline);
    return finish(rc);
}

/* ---- timeline and info: from a result file ---- */

static int is_result_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char sig[8] = {0};
    size_t n = f ? fread(sig, 1, sizeof sig, f) : 0;
    if (f) fclose(f);
    return n == 8 && !memcmp(sig, "\x89HDF\r\n\x1a\n", 8);
}

static int timeline_from_file_unguarded(const run_options *o)
{
    dm_result_file *f;
    dm_error err;
    dm_error_clear(&err);
    if (o->has_seed) return usage_error("timeline", "%s", "--seed applies to scenarios; a result file has its seed");
    if (dm_h5_open(o->scenario, &f, &err)) return cli_fail(&err);
    for (size_t i = 0; i < f->scenario->nwarnings; i++)  /* the stored scenario's warnings, as for a scenario */
        fprintf(stderr, "domino: %s: %s\n", o->strict ? "error (--strict)" : "warning", f->scenario->warnings[i]);
    if (o->strict && f->scenario->nwarnings) {
        dm_h5_close(f);
        return DM_EDATA;
    }
    const dm_engine_result *r;
    dm_inject_options io;
    uint64_t which = o->has_replicate ? o->replicate : f->median_replicate;
    int rc = dm_h5_read_replicate(f, which, &r, &err);
    dm_engine_result view;
    const dm_engine_result *shown = r;
    rc = rc ? cli_fail(&err) : inject_options("timeline", o, f->scenario, &io);
    if (!rc) rc = narrow(o, "timeline", f->scenario, r, &view, &shown);
    if (!rc) rc = dm_render_injects(stdout, f->scenario, shown, &io);
    if (shown != r) dm_result_view_free(&view);
    dm_h5_close(f);
    return finish(rc);
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

int cli_guarded(const guarded_call *g)
{
    fflush(stdout);
    fflush(stderr);
    FILE *tmp = tmpfile();
    if (!tmp) return g->fn(g->ctx);  /* no temporary file: read unguarded */
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) { fclose(tmp); return g->fn(g->ctx); }
    if (pid == 0) {
        /* the child dies with the parent: a killed merge leaves no writer behind */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(DM_ESOFTWARE);
        dup2(fileno(tmp), 1);
        struct sigaction crash = {.sa_handler = on_crash, .sa_flags = SA_RESETHAND};
        sigemptyset(&crash.sa_mask);
        for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) sigaction(crash_signals[i], &crash, NULL);
        int rc = g->fn(g->ctx);
        fflush(stdout);
        _exit(rc);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
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

static int timeline_call(void *ctx) { return timeline_from_file_unguarded(ctx); }

static int timeline_from_file(const run_options *o)
{
    guarded_call g = {timeline_call, (void *)o, o->scenario};
    return finish(cli_guarded(&g));
}

int cmd_timeline(int argc, char **argv)
{
    run_options o;
    dm_scenario *sc;
    dm_engine *eng;
    int rc = parse_run_options("timeline", argc, argv, timeline_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if (o.scenario && is_result_file(o.scenario)) return timeline_from_file(&o);
    if (o.median) return usage_error("timeline", "%s", "--median applies to result files");
    if ((rc = load_scenario(&o, &sc))) return rc;
    dm_inject_options io;
    if ((rc = inject_options("timeline", &o, sc, &io))) { dm_scenario_free(sc); return rc; }
    if ((rc = run_one(sc, o.replicate, 0, &eng))) { dm_scenario_free(sc); return rc; }
    dm_engine_result view;
    const dm_engine_result *shown;
    rc = narrow(&o, "timeline", sc, dm_engine_results(eng), &view, &shown);
    if (!rc) rc = dm_render_injects(stdout, sc, shown, &io);
    dm_result_view_free(&view);
    dm_engine_free(eng);
    dm_scenario_free(sc);
    return finish(rc);
}

static int info_unguarded(int argc, char **argv)
{
    static const char help[] =
        "usage: domino info RESULT.h5\n"
        "\n"
        "Summarises a result file written by 'domino run -o': scenario, model (name and\n"
        "SHA-256), seed, replicates, how it was made, and the sectors that breached; or a\n"
        "sweep file ('sweep -o') or an analysis file ('analyze -o'): what made it.\n";
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    if (argc != 2) {
        fputs(help, stderr);
        return DM_EUSAGE;
    }
    dm_result_file *f;
    dm_error err;
    dm_error_clear(&err);
    if (dm_h5_open(argv[1], &f, &err)) {
        char *about;  /* an analysis file ('analyze -o')? */
        if (dm_analysis_read_info(argv[1], &about, &(dm_error){0}) == 0) {
            printf("file:         %s (analysis)\n", argv[1]);
            for (char *line = strtok(about, "\n"); line; line = strtok(NULL, "\n")) {
                char *colon = strchr(line, ':');
                if (colon) { *colon = 0; printf("%-13s %s\n", strcat(line, ":"), colon + 2); }
            }
            free(about);
            return finish(0);
        }
        /* a sweep file? */
        dm_sweep *s;
        size_t *points, n;
        dm_error sub;
        dm_error_clear(&sub);
        if (!strstr(err.message, "domino-sweep") || dm_sweep_read_info(argv[1], &s, &points, &n, &sub))
            return cli_fail(err.code && !strstr(err.message, "domino-sweep") ? &err : &sub);
        static const char *const designs[] = {"grid", "random", "latin", "sobol"};
        printf("file:         %s (sweep)\n", argv[1]);
        printf("sweep:        %s (%s)\n", s->name, s->file);
        printf("scenario:     %s (%s), model %s\n", s->base->name, s->scenario_file, s->base->model->name);
        printf("design:       %s, %zu points, %zu in this file, %llu replicates each\n", designs[s->design],
               s->npoints, n, (unsigned long long)s->replicates);
        printf("seed:         %llu\n", (unsigned long long)(s->has_seed ? s->seed : s->base->seed));
        printf("sha256:       %s\n", s->sha256);
        printf("parameters:\n");
        for (size_t j = 0; j < s->nparams; j++) {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < s->npoints; i++) {
                double v = s->values[i * s->nparams + j];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            printf("  %-16s %s: %g to %g%s\n", s->params[j].name, s->params[j].path, lo, hi, s->params[j].is_duration ? " s" : "");
        }
        free(points);
        dm_sweep_free(s);
        return finish(0);
    }
    const dm_scenario *sc = f->scenario;
    const dm_model *m = sc->model;
    char h[24];
    dm_format_time((sc->horizon_s + sc->tick_s - 1) / sc->tick_s, sc->tick_s, h);
    printf("file:         %s\n", f->path);
    printf("status:       %s\n", f->status);
    printf("created:      %s by domino %s\n", f->created, f->domino_version);
    printf("command:      %s\n", f->command_line);
    printf("scenario:     %s (%s)\n", sc->name, f->scenario_file);
    printf("model:        %s, %zu sectors, %zu regions, %zu nodes, %zu dependencies\n", m->name, m->nsectors,
           m->nregions, m->nnodes, m->ngroups);
    printf("model sha256: %s\n", f->model_sha256);
    for (size_t i = 0; i < sc->noverrides; i++)  /* set again from the stored scenario */
        printf("%s %s = %s (%zu %s)\n", i ? "             " : "overrides:   ", sc->overrides[i].path, sc->overrides[i].value,
               sc->overrides[i].matches, sc->overrides[i].matches == 1 ? "place" : "places");
    printf("seed:         %llu\n", (unsigned long long)sc->seed);
    printf("horizon:      %s at %llds ticks\n", h + 2, (long long)sc->tick_s);
    printf("replicates:   %llu of %llu requested (first %llu, median %llu)\n", (unsigned long long)f->replicates,
           (unsigned long long)f->replicates_requested, (unsigned long long)f->first_replicate,
           (unsigned long long)f->median_replicate);
    int any = 0;
    printf("sectors breached (share of replicates):\n");
    for (size_t s = 0; s < m->nsectors; s++)
        if (f->breach_probability[s] > 0) {
            printf("  %-8s %6.1f%%  %s / %s\n", m->sectors[s].id, 100 * f->breach_probability[s], m->sectors[s].name_en,
                   m->sectors[s].name_ja);
            any = 1;
        }
    if (!any) printf("  none\n");
    dm_h5_close(f);
    return finish(0);
}


typedef struct argv_ctx { int argc; char **argv; } argv_ctx;
static int info_call(void *ctx) { argv_ctx *a = ctx; return info_unguarded(a->argc, a->argv); }

int cmd_info(int argc, char **argv)
{
    argv_ctx a = {argc, argv};
    guarded_call g = {info_call, &a, argc > 1 ? argv[1] : ""};
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return info_unguarded(argc, argv);
    return finish(cli_guarded(&g));
}

int cmd_validate(int argc, char **argv)
{
    static const char help[] =
        "usage: domino validate FILE...\n"
        "\n"
        "Checks model and scenario files (YAML) without running them: keys, types, ranges,\n"
        "references, durations. Prints 'FILE: ok (model|scenario)' or the first error with\n"
        "file:line:column. Exit code 0 when all are valid, else the first error's code.\n";
    if (argc < 2) {
        fputs(help, stderr);
        return DM_EUSAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, stdout);
        return 0;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        dm_error err;
        const char *kind;
        dm_error_clear(&err);
        if (dm_validate_file(argv[i], &kind, &err)) {
            int rc = cli_fail(&err);
            if (!worst) worst = rc;
        } else {
            printf("%s: ok (%s)\n", argv[i], kind);
        }
    }
    return finish(worst);
}

/* ---- analyze ---- */

static const char analyze_help[] =
    "usage: domino analyze [MODEL] [options]\n"
    "       domino analyze --io TABLE.csv [-o MODEL.yaml]\n"
    "\n"
    "Static interdependency analysis of MODEL (a model YAML file, or the name of an\n"
    "embedded model; default japan-sectors): direct dependencies; the reach of a total\n"
    "loss of each sector (hops, earliest time of impact over lags + buffers); higher-order\n"
    "dependence (I - alpha W)^-1; feedback loops; a criticality ranking from the engine.\n"
    "With --io, derives an inoperability input-output (IIM) model from a transactions\n"
    "table instead (docs/analysis.md).\n"
    "\n"
    "options:\n"
    "  --nodes            analyse nodes instead of sectors\n"
    "  --json             one JSON document on stdout\n"
    "  --dot FILE         a Graphviz graph (edge width = strength, label = time to impact)\n"
    "  -o FILE            HDF5 file (analysis), or the model YAML (with --io)\n"
    "  --alpha A          damping in (I - alpha W)^-1 (default: 1 if rho(W) < 1, else 0.9/rho)\n"
    "  --outage DUR       criticality: length of the total loss (default 24h)\n"
    "  --horizon DUR      criticality: horizon observed (default 7d)\n"
    "  --no-criticality   skip the engine runs\n"
    "  --lang ja|en       language of names\n"
    "  -h, --help         this help\n";

int cmd_analyze(int argc, char **argv)
{
    enum { O_NODES = 256, O_JSON, O_DOT, O_ALPHA, O_OUTAGE, O_HORIZON, O_NOCRIT, O_LANG, O_IO };
    static const struct option longopts[] = {
        {"nodes", no_argument, 0, O_NODES}, {"json", no_argument, 0, O_JSON}, {"dot", required_argument, 0, O_DOT},
        {"alpha", required_argument, 0, O_ALPHA}, {"outage", required_argument, 0, O_OUTAGE},
        {"horizon", required_argument, 0, O_HORIZON}, {"no-criticality", no_argument, 0, O_NOCRIT},
        {"lang", required_argument, 0, O_LANG}, {"io", required_argument, 0, O_IO},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    dm_analysis_options opt;
    dm_analysis_defaults(&opt);
    const char *dot = NULL, *output = NULL, *io = NULL;
    int json = 0, c;
    dm_lang lang = dm_lang_from_locale();
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(analyze_help, stdout); return 0;
        case O_NODES: opt.by_node = 1; break;
        case O_JSON: json = 1; break;
        case O_NOCRIT: opt.criticality = 0; break;
        case O_DOT: dot = optarg; break;
        case O_IO: io = optarg; break;
        case 'o': output = optarg; break;
        case O_ALPHA: {
            char *end;
            opt.alpha = strtod(optarg, &end);
            if (*end || !(opt.alpha > 0 && opt.alpha <= 1))
                return usage_error("analyze", "--alpha: expected a number in (0, 1], found '%s'", optarg);
            break;
        }
        case O_OUTAGE:
            if (dm_parse_duration(optarg, &opt.outage_s) || opt.outage_s <= 0)
                return usage_error("analyze", "--outage: expected a positive duration such as 24h, found '%s'", optarg);
            break;
        case O_HORIZON:
            if (dm_parse_duration(optarg, &opt.horizon_s) || opt.horizon_s < 60)
                return usage_error("analyze", "--horizon: expected a duration of at least 1min, found '%s'", optarg);
            break;
        case O_LANG:
            if (!strcmp(optarg, "ja")) lang = DM_LANG_JA;
            else if (!strcmp(optarg, "en")) lang = DM_LANG_EN;
            else return usage_error("analyze", "--lang: expected ja or en, found '%s'", optarg);
            break;
        default:
            return usage_error("analyze", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    const char *name = optind < argc ? argv[optind++] : "japan-sectors";
    if (optind < argc) return usage_error("analyze", "expected at most one model, found also '%s'", argv[optind]);
    dm_error err;
    dm_error_clear(&err);
    if (io) return finish(dm_iim_from_table(io, output, &err) ? cli_fail(&err) : 0);

    dm_model *m = NULL;
    size_t len;
    const char *embedded = dm_embedded(name, &len);
    int rc = embedded && strcmp(name, "default") ? dm_model_parse(embedded, len, name, &m, &err)
                                                 : dm_model_load(name, &m, &err);
    if (rc) return cli_fail(&err);
    /* the outputs checked before the analysis runs */
    const char *inputs[] = {m->file};
    if ((dot && dm_output_check(dot, DM_OUTPUT_TEXT, inputs, 1, &err)) ||
        (output && dm_output_check(output, 0, inputs, 1, &err))) {
        dm_model_free(m);
        return cli_fail(&err);
    }
    dm_analysis a;
    if ((rc = dm_analyze(m, &opt, &a, &err))) { dm_model_free(m); return cli_fail(&err); }
    rc = json ? dm_analysis_write_json(stdout, &a) : dm_analysis_write_text(stdout, &a, lang == DM_LANG_JA);
    if (!rc && dot) {
        dm_output out;  /* atomic: a full disk leaves no file; "-" is stdout */
        if (!(rc = dm_output_begin(&out, dot, DM_OUTPUT_TEXT, inputs, 1, &err))) {
            if (dm_analysis_write_dot(out.stream, &a, lang == DM_LANG_JA)) {
                dm_output_abort(&out);
                rc = dm_error_set(&err, DM_EIO, dot, 0, 0, "writing the graph failed");
            } else {
                rc = dm_output_commit(&out, &err);
            }
        }
        if (rc) rc = cli_fail(&err);
    }
    char *cmdline = output ? cli_command_line(argc, argv) : NULL;
    if (!rc && output && dm_analysis_write_h5(output, &a, cmdline, &err)) rc = cli_fail(&err);
    free(cmdline);
    dm_analysis_free(&a);
    dm_model_free(m);
    return finish(rc);
}
