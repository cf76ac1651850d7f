/* domino generate: a seeded synthetic layer written to a file, for reuse as a layer's
 * graph (docs/model-format.md, "Layers"), through the library's CSR graph API. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

static const char help[] =
    "usage: domino generate KIND --nodes N [--edges M | --mean-degree K | --degree D]\n"
    "                       [--exponent G] [--cutoff C] [--seed S] -o FILE\n"
    "\n"
    "Writes a seeded random graph as a layer file: HDF5 CSR (datasets indptr, indices)\n"
    "for FILE.h5, a GraphML file for FILE.graphml, an edge list otherwise. The same\n"
    "arguments give the same graph (igraph's generators, seeded).\n"
    "\n"
    "KIND:\n"
    "  erdos_renyi     G(n, m): --edges M, or --mean-degree K (m = round(n K / 2))\n"
    "  random_regular  every node has degree --degree D (n D even)\n"
    "  scale_free      static model, P(k) ~ k^-G: --exponent G (> 2), --edges or\n"
    "                  --mean-degree, optional --cutoff C (largest expected degree)\n"
    "\n"
    "In a model:  layers: [{sector: GRID, graph: {file: FILE}, connectivity: giant}]\n"
    "exit codes: 0 written, 2 bad usage, 65 impossible parameters, 73/74 cannot write\n";

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "domino generate: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'domino generate --help')\n");
    return DM_EUSAGE;
}

static int number(const char *text, double lo, double hi, double *out)
{
    char *end;
    *out = strtod(text, &end);
    return *end || end == text || !(*out >= lo && *out <= hi);
}

int cmd_generate(int argc, char **argv)
{
    enum { O_NODES = 256, O_EDGES, O_MEAN, O_DEGREE, O_EXPONENT, O_CUTOFF, O_SEED };
    static const struct option longopts[] = {
        {"nodes", required_argument, 0, O_NODES}, {"edges", required_argument, 0, O_EDGES},
        {"mean-degree", required_argument, 0, O_MEAN}, {"degree", required_argument, 0, O_DEGREE},
        {"exponent", required_argument, 0, O_EXPONENT}, {"cutoff", required_argument, 0, O_CUTOFF},
        {"seed", required_argument, 0, O_SEED}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    dm_graph_spec spec = {.seed = 1};
    const char *output = NULL;
    double x, mean = -1;
    int c, has_edges = 0, has_degree = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return 0;
        case 'o': output = optarg; break;
        case O_NODES:
            if (number(optarg, 1, 2e9, &x) || x != (double)(uint64_t)x) return bad("--nodes: expected a whole number from 1 to 2e9, found '%s'", optarg);
            spec.nodes = (uint64_t)x;
            break;
        case O_EDGES:
            if (number(optarg, 0, 4e9, &x) || x != (double)(uint64_t)x) return bad("--edges: expected a whole number, found '%s'", optarg);
            spec.edges = (uint64_t)x;
            has_edges = 1;
            break;
        case O_MEAN:
            if (number(optarg, 0, 1e6, &mean)) return bad("--mean-degree: expected a number from 0, found '%s'", optarg);
            break;
        case O_DEGREE:
            if (number(optarg, 0, 1e6, &x) || x != (double)(uint64_t)x) return bad("--degree: expected a whole number, found '%s'", optarg);
            spec.degree = (uint64_t)x;
            has_degree = 1;
            break;
        case O_EXPONENT:
            if (number(optarg, 2.000001, 100, &spec.exponent)) return bad("--exponent: expected a number above 2, found '%s'", optarg);
            break;
        case O_CUTOFF:
            if (number(optarg, 1, 1e12, &spec.cutoff)) return bad("--cutoff: expected a number from 1, found '%s'", optarg);
            break;
        case O_SEED:
            if (number(optarg, 0, 1.8e19, &x) || x != (double)(uint64_t)x) return bad("--seed: expected a whole number, found '%s'", optarg);
            spec.seed = strtoull(optarg, NULL, 10);
            break;
        default:
            return bad("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return bad("expected a KIND (%s)", "erdos_renyi, random_regular or scale_free");
    if (dm_graph_kind_from_name(argv[optind], &spec.kind))
        return bad("expected erdos_renyi, random_regular or scale_free, found '%s'", argv[optind]);
    if (optind + 1 < argc) return bad("unexpected argument '%s'", argv[optind + 1]);
    if (!output) return bad("%s", "-o FILE is required");
    if (!spec.nodes) return bad("%s", "--nodes is required");
    if (spec.kind == DM_GRAPH_RANDOM_REGULAR ? !has_degree || has_edges || mean >= 0 : has_degree || has_edges == (mean >= 0))
        return bad("%s", spec.kind == DM_GRAPH_RANDOM_REGULAR ? "random_regular takes --degree"
                                                              : "give exactly one of --edges and --mean-degree");
    if (spec.kind != DM_GRAPH_SCALE_FREE && (spec.exponent > 0 || spec.cutoff > 0))
        return bad("%s", "--exponent and --cutoff are for scale_free");
    if (spec.kind == DM_GRAPH_SCALE_FREE && !(spec.exponent > 0)) return bad("%s", "scale_free needs --exponent");
    if (mean >= 0) spec.edges = (uint64_t)llround(mean * (double)spec.nodes / 2);

    dm_error err;
    dm_error_clear(&err);
    dm_csr g;
    if (dm_graph_generate(&spec, &g, &err)) return cli_fail(&err);
    char description[300];
    snprintf(description, sizeof description, "domino generate %s nodes=%llu edges=%llu degree=%llu exponent=%g cutoff=%g seed=%llu",
             dm_graph_kind_name(spec.kind), (unsigned long long)spec.nodes, (unsigned long long)spec.edges,
             (unsigned long long)spec.degree, spec.exponent, spec.cutoff, (unsigned long long)spec.seed);
    int rc = dm_graph_write(output, &g, description, &err);
    dm_csr_free(&g);
    if (rc) return cli_fail(&err);
    fprintf(stderr, "domino generate: %s: %s\n", output, description + strlen("domino generate "));
    return 0;
}
