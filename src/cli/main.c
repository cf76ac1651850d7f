/* domino: command-line entry point. It only dispatches to the subcommands, which call
 * the public API (include/domino.h). */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <hdf5.h>
#include "domino.h"
#include "cli.h"

static const char usage[] =
    "usage: domino <command> [options]\n"
    "\n"
    "Simulates how an outage in one critical-infrastructure sector spreads to the others,\n"
    "and when each sector breaches its service level.\n"
    "\n"
    "commands:\n"
    "  run [SCENARIO]        run a scenario (default: the embedded default scenario on the\n"
    "                        embedded Japan 15-sector model); timeline and breach table\n"
    "  timeline [SCENARIO | RESULT.h5]\n"
    "                        the causal timeline of a run, as text, md, csv or json\n"
    "  info FILE.h5          summary of a result file ('run -o') or a sweep file\n"
    "  sweep SWEEP -o OUT    a parameter sweep: Monte Carlo statistics per point (MPI, shards)\n"
    "  merge PART... -o OUT  combine the files of a sweep's shards\n"
    "  analyze [MODEL]       static interdependency analysis: reach, timing, higher-order\n"
    "                        dependence, feedback loops, criticality; --io: IIM from a table\n"
    "  validate FILE...      check model or scenario files without running them\n"
    "  generate KIND -o FILE\n"
    "                        a seeded random graph (Erdos-Renyi, regular, scale-free) to use\n"
    "                        as a layer of a model\n"
    "  diff A.h5 B.h5        what a change did: breaches gained, avoided, moved\n"
    "  report FILE.h5 -o OUT.html\n"
    "                        one self-contained HTML page of a run\n"
    "  compare RUN.h5 FACTS.csv\n"
    "                        a run scored against a reference incident's observed facts\n"
    "\n"
    "  domino <command> --help   options of a command\n"
    "  domino --version          versions of domino and the libraries it uses\n"
    "\n"
    "exit codes: 0 success, 2 bad usage, 65 bad data, 66 missing input, 70 internal error,\n"
    "            73 cannot create output, 74 input/output error,\n"
    "            130/143 interrupted by SIGINT/SIGTERM (completed replicates are kept)\n";

/* One entry per subcommand, each in its own file (src/cli/NAME.c). */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", cmd_run},           {"timeline", cmd_timeline}, {"info", cmd_info},   {"analyze", cmd_analyze},
    {"sweep", cmd_sweep},       {"merge", cmd_merge},       {"validate", cmd_validate},
    {"generate", cmd_generate}, {"compare", cmd_compare},   {"diff", cmd_diff},   {"report", cmd_report},
};

int main(int argc, char **argv)
{
    /* A file-size limit (ulimit -f) must show as a write error we report (exit 74, no
     * file left), not as a kill. */
    signal(SIGXFSZ, SIG_IGN);
    /* domino closes every HDF5 file it opens. HDF5's own clean-up at exit would try to
     * close again a file whose writing failed (a full disk), and HDF5 1.10 crashes doing
     * so; without it, such a failure ends with our error message and exit code. This is a
     * process-wide choice, so the program makes it, not the library. */
    H5dont_atexit();
    /* Large arrays from the heap, and memory freed kept for the next ones: by default glibc
     * maps each array above 128 KiB (then above the largest freed so far) with its own
     * mmap and returns it on free, so the engine's arrays, allocated after the graphs'
     * scratch arrays are freed, are first-touch page faults again (4 us each on the 2-core
     * VM). With arrays up to 32 MiB on the heap and up to 64 MiB of free memory kept there,
     * two 10^5-node layers take 14,400 page faults instead of 16,700 and 6-8 % less CPU, the
     * same peak memory (docs/performance.md, session 9). Another process-wide choice. */
#ifdef M_MMAP_THRESHOLD /* glibc's */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
    if (argc < 2) {
        fputs(usage, stderr);
        return DM_EUSAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        char libs[512];
        printf("domino %s\n%s", dm_version(), dm_library_versions(libs, sizeof libs));
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "domino: unknown command '%s'; expected run, timeline, info, sweep, merge, analyze, validate, generate, compare, diff or report\n\n%s", cmd, usage);
    return DM_EUSAGE;
}
