/* Sweep files: loading, the design of the points, and each point's scenario
 * (include/domino/sweep.h, docs/sweeps.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "domino/sweep.h"
#include "core/files.h"
#include "core/hash.h"
#include "model/yread.h"
#include "model/yamlpath.h"

void dm_sweep_free(dm_sweep *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nparams; i++) {
        free(s->params[i].name); free(s->params[i].path); free(s->params[i].values);
    }
    free(s->params); free(s->values); free(s->name); free(s->file); free(s->text);
    free(s->scenario_text); free(s->scenario_file); free(s->model_text);
    dm_scenario_free(s->base);
    free(s);
}

/* A parameter value: a duration with a unit (seconds) or a plain number. *is_duration
 * says which; mixing the two in one parameter is an error. */
static int value(yread *r, yaml_node_t *n, const char *what, int *is_duration, double *out)
{
    int64_t seconds;
    if (n->type == YAML_SCALAR_NODE && dm_parse_duration(dmi_yr_text(n), &seconds) == 0) {
        if (*is_duration == 0) return dmi_yr_expected(r, n, what, "a plain number, like the parameter's other values");
        *is_duration = 1;
        *out = (double)seconds;
        return 0;
    }
    if (*is_duration == 1) return dmi_yr_expected(r, n, what, "a duration with a unit, like the parameter's other values");
    *is_duration = 0;
    return dmi_yr_num(r, n, what, -1e300, 1e300, out);
}

static int read_param(yread *r, yaml_node_t *n, dm_design design, dm_sweep_param *p)
{
    static const char *const keys[] = {"name", "path", "values", "range", "steps", "scale", NULL};
    yaml_node_t *x, *values, *range, *steps;
    if (dmi_yr_mapping(r, n, "parameter", keys)) return DM_EDATA;
    p->line = dmi_yr_line(n);
    p->column = (int)n->start_mark.column + 1;
    p->is_duration = -1;
    if (dmi_yr_need(r, n, "path", "parameter", &x) || dmi_yr_str(r, x, "parameter path", &p->path)) return DM_EDATA;
    if (!strncmp(p->path, "model.", 6)) p->in_model = 1;
    else if (strncmp(p->path, "scenario.", 9))
        return dmi_yr_expected(r, x, "parameter path", "a path starting with 'scenario.' or 'model.'");
    const char *rest = p->path + (p->in_model ? 6 : 9);
    if (!strcmp(rest, "horizon") || !strcmp(rest, "tick"))
        return dmi_yr_fail(r, x, "parameter path: the horizon and the tick set the output's time grid, which every point shares; they cannot be swept");
    if (!p->in_model && !strcmp(rest, "replicates"))
        return dmi_yr_fail(r, x, "parameter path: a point's replicates are the sweep's own ('replicates'), the same at "
                          "every point; they cannot be swept");
    if ((x = dmi_yr_get(r, n, "name"))) {
        if (dmi_yr_str(r, x, "parameter name", &p->name)) return DM_EDATA;
    } else {  /* from the path: its last key, and the selector before it */
        char buf[512];
        size_t k = 0;
        for (const char *c = rest; *c && k + 1 < sizeof buf; c++)
            buf[k++] = (char)((c[0] >= 'a' && c[0] <= 'z') || (c[0] >= 'A' && c[0] <= 'Z') || (c[0] >= '0' && c[0] <= '9') ? c[0] : '_');
        buf[k] = 0;
        if (!(p->name = strdup(buf))) return NOMEM(r);
    }
    /* the name is a variable of the sweep file: a netCDF name, and none of the file's own */
    static const char *const reserved[] = {"point", "sector", "sector_id", "sector_name_ja", "sector_name_en", "time",
        "quantile", "replicate", "replicates", "median_replicate", "replicate_graph", "final_level", "breach_probability",
        "breach_onset_mean", "breach_onset_quantile", "breach_duration_mean", "breach_duration_quantile",
        "expected_unserved_unit_hours", "expected_economic_loss", "sector_level_mean", "sector_level_quantile",
        "breach_probability_standard_error", "breach_onset_mean_standard_error", "breach_duration_mean_standard_error",
        "expected_unserved_unit_hours_standard_error", "expected_economic_loss_standard_error",
        "sector_level_mean_standard_error", NULL};
    int valid = (p->name[0] >= 'a' && p->name[0] <= 'z') || (p->name[0] >= 'A' && p->name[0] <= 'Z') || p->name[0] == '_';
    for (const char *c = p->name; valid && *c; c++)
        valid = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
    if (!valid || strlen(p->name) > 200)
        return dmi_yr_expected(r, x ? x : n, "parameter name", "a letter or '_', then letters, digits or '_' (it names "
                           "a variable of the output file)");
    for (int i = 0; reserved[i]; i++)
        if (!strcmp(p->name, reserved[i]))
            return dmi_yr_fail(r, x ? x : n, "parameter name '%s' is a variable of the sweep file itself: choose another name", p->name);
    if ((x = dmi_yr_get(r, n, "scale"))) {
        if (!strcmp(dmi_yr_text(x), "log")) p->log_scale = 1;
        else if (strcmp(dmi_yr_text(x), "linear")) return dmi_yr_expected(r, x, "scale", "linear or log");
    }
    values = dmi_yr_get(r, n, "values");
    range = dmi_yr_get(r, n, "range");
    steps = dmi_yr_get(r, n, "steps");
    if (values && (range || steps)) return dmi_yr_fail(r, values, "parameter: give values, or range (and steps), not both");
    if (values) {
        if (design != DM_DESIGN_GRID) return dmi_yr_fail(r, values, "parameter values: a list of values is for design grid; give range: [lo, hi] for sampling designs");
        if (dmi_yr_sequence(r, values, "values") || dmi_yr_len(values) == 0) return dmi_yr_expected(r, values, "values", "a non-empty list");
        p->nvalues = dmi_yr_len(values);
        if (!(p->values = calloc(p->nvalues, sizeof(double)))) return NOMEM(r);
        for (size_t i = 0; i < p->nvalues; i++)
            if (value(r, dmi_yr_at(r, values, i), "value", &p->is_duration, &p->values[i])) return DM_EDATA;
        /* the values become the coordinate of the parameter's dimension (CF 5: strictly
         * monotonic), so that a value selects one slice of the grid */
        for (size_t i = 2; i < p->nvalues; i++)
            if ((p->values[i] > p->values[i - 1]) != (p->values[1] > p->values[0])) {
                return dmi_yr_expected(r, dmi_yr_at(r, values, i), "value", "values in increasing (or decreasing) order, "
                                   "each once: they are the coordinate of the parameter's dimension");
            }
        for (size_t i = 1; i < p->nvalues; i++)
            if (p->values[i] == p->values[i - 1])
                return dmi_yr_expected(r, dmi_yr_at(r, values, i), "value", "values in increasing (or decreasing) order, "
                                   "each once: they are the coordinate of the parameter's dimension");
        return 0;
    }
    if (!range) return dmi_yr_fail(r, n, "parameter: expected values (grid) or range: [lo, hi]");
    if (dmi_yr_sequence(r, range, "range") || dmi_yr_len(range) != 2) return dmi_yr_expected(r, range, "range", "[lo, hi]");
    if (value(r, dmi_yr_at(r, range, 0), "range", &p->is_duration, &p->lo) ||
        value(r, dmi_yr_at(r, range, 1), "range", &p->is_duration, &p->hi))
        return DM_EDATA;
    if (!(p->hi >= p->lo)) return dmi_yr_expected(r, range, "range", "[lo, hi] with lo <= hi");
    if (p->log_scale && !(p->lo > 0)) return dmi_yr_expected(r, range, "range", "positive bounds for scale log");
    if (design == DM_DESIGN_GRID) {
        uint64_t k;
        if (!steps) return dmi_yr_fail(r, range, "parameter: design grid needs values, or range with steps: N");
        if (dmi_yr_u64(r, steps, "steps", 1000000, &k) || k < 1) return dmi_yr_expected(r, steps, "steps", "a whole number >= 1");
        if (k > 1 && p->hi == p->lo) return dmi_yr_expected(r, range, "range", "[lo, hi] with lo < hi for more than one step");
        p->nvalues = (size_t)k;
        if (!(p->values = calloc(k, sizeof(double)))) return NOMEM(r);
        for (size_t i = 0; i < k; i++) {  /* evenly spaced, both ends included */
            double f = k == 1 ? 0 : (double)i / (double)(k - 1);
            p->values[i] = p->log_scale ? exp(log(p->lo) + f * (log(p->hi) - log(p->lo))) : p->lo + f * (p->hi - p->lo);
        }
    } else if (steps) {
        return dmi_yr_fail(r, steps, "parameter: steps is for design grid");
    }
    return 0;
}

/* Maps u in [0, 1) to the parameter's range. */
static double scale(const dm_sweep_param *p, double u)
{
    return p->log_scale ? exp(log(p->lo) + u * (log(p->hi) - log(p->lo))) : p->lo + u * (p->hi - p->lo);
}

/* The design: values[point][param]. grid: the Cartesian product, the first parameter
 * varying slowest; random: independent uniforms; latin: one point in each of N equal
 * strata of every parameter, strata paired by random permutations (McKay et al. 1979);
 * sobol: the first N points of GSL's Sobol sequence. random and latin draw from their own
 * MT19937 stream seeded with design_seed. */
static int design(dm_sweep *s, dm_error *err)
{
    size_t P = s->nparams, N = 1;
    if (s->design == DM_DESIGN_GRID) {
        for (size_t j = 0; j < P; j++) {
            if (N > (size_t)10000000 / s->params[j].nvalues)
                return dm_error_set(err, DM_EDATA, s->file, 0, 0, "the grid has more than 10^7 points; use a sampling design");
            N *= s->params[j].nvalues;
        }
        s->npoints = N;
    }
    N = s->npoints;
    if (N > (size_t)10000000 / P)
        return dm_error_set(err, DM_EDATA, s->file, 0, 0, "%zu points x %zu parameters is over the limit of 10^7 values "
                            "in a design: split the sweep", N, P);
    if (!(s->values = malloc((N * P + 1) * sizeof(double)))) return dm_error_set(err, DM_ESOFTWARE, s->file, 0, 0, "out of memory");
    gsl_error_handler_t *host = gsl_set_error_handler_off();  /* out of memory: an error, not an abort */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_set_error_handler(host);
    if (!rng) return dm_error_set(err, DM_ESOFTWARE, s->file, 0, 0, "out of memory");
    gsl_rng_set(rng, (unsigned long)s->design_seed);
    int rc = 0;
    switch (s->design) {
    case DM_DESIGN_GRID:
        for (size_t i = 0; i < N; i++) {
            size_t rest = i;
            for (size_t j = P; j-- > 0;) {
                s->values[i * P + j] = s->params[j].values[rest % s->params[j].nvalues];
                rest /= s->params[j].nvalues;
            }
        }
        break;
    case DM_DESIGN_RANDOM:
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < P; j++) s->values[i * P + j] = scale(&s->params[j], gsl_rng_uniform(rng));
        break;
    case DM_DESIGN_LATIN: {
        size_t *perm = malloc(N * sizeof *perm);
        if (!perm) { rc = dm_error_set(err, DM_ESOFTWARE, s->file, 0, 0, "out of memory"); break; }
        for (size_t j = 0; j < P; j++) {
            for (size_t i = 0; i < N; i++) perm[i] = i;
            gsl_ran_shuffle(rng, perm, N, sizeof *perm);
            for (size_t i = 0; i < N; i++)
                s->values[i * P + j] = scale(&s->params[j], ((double)perm[i] + gsl_rng_uniform(rng)) / (double)N);
        }
        free(perm);
        break;
    }
    case DM_DESIGN_SOBOL: {
        gsl_qrng *q = P <= 40 ? gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)P) : NULL;
        double x[40];
        if (!q) { rc = dm_error_set(err, DM_EDATA, s->file, 0, 0, "design sobol: GSL's Sobol sequence has at most 40 dimensions, found %zu parameters", P); break; }
        for (size_t i = 0; i < N; i++) {
            gsl_qrng_get(q, x);
            for (size_t j = 0; j < P; j++) s->values[i * P + j] = scale(&s->params[j], x[j]);
        }
        gsl_qrng_free(q);
        break;
    }
    }
    gsl_rng_free(rng);
    return rc;
}

/* The text a parameter value is written as into the YAML. */
static void format_value(const dm_sweep_param *p, double v, char *buf, size_t size)
{
    if (p->is_duration) snprintf(buf, size, "%llds", (long long)llround(v));
    else snprintf(buf, size, "%.17g", v);
}

uint64_t dm_sweep_graph_seed(uint64_t seed, uint64_t g)
{
    if (g == 0) return seed;  /* graph 0 is the model as written */
    /* splitmix64's finaliser (Steele, Lea & Flood 2014) of seed + g times the golden
     * ratio: seeds of neighbouring graphs and layers far apart; 63 bits, a whole number
     * every reader of the model takes */
    uint64_t z = seed + g * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) >> 1;
}

uint64_t dm_sweep_replicate_graph(const dm_sweep *s, uint64_t r)
{
    return (uint64_t)(((unsigned __int128)r * s->graphs) / s->replicates);
}

/* The generated layers of a model text (the scenario's inline `model:` when in_scenario):
 * for each, its index in `layers` and its graph seed (default 1, docs/model-format.md).
 * Returns how many, or -1 with err set. */
static long generated_layers(const char *text, const char *file, int in_scenario, size_t **index, uint64_t **seed,
                             dm_error *err)
{
    yread r = {0};
    dm_error sub;
    dm_error_clear(&sub);
    *index = NULL;
    *seed = NULL;
    if (dmi_yr_open(&r, text, strlen(text), file, &sub)) { *err = sub; return -1; }
    yaml_node_t *root = dmi_yr_root(&r), *layers = NULL;
    if (root && in_scenario) root = dmi_yr_get(&r, root, "model");
    if (root && root->type == YAML_MAPPING_NODE) layers = dmi_yr_get(&r, root, "layers");
    size_t n = layers && layers->type == YAML_SEQUENCE_NODE ? dmi_yr_len(layers) : 0;
    long found = 0;
    *index = malloc((n + 1) * sizeof **index);
    *seed = malloc((n + 1) * sizeof **seed);
    if (!*index || !*seed) { dmi_yr_close(&r); dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory"); return -1; }
    for (size_t k = 0; k < n; k++) {
        yaml_node_t *L = dmi_yr_at(&r, layers, k), *g = L && L->type == YAML_MAPPING_NODE ? dmi_yr_get(&r, L, "graph") : NULL, *x;
        if (!g || g->type != YAML_MAPPING_NODE || !dmi_yr_get(&r, g, "generate")) continue;
        (*index)[found] = k;
        (*seed)[found++] = (x = dmi_yr_get(&r, g, "seed")) ? strtoull(dmi_yr_text(x), NULL, 10) : 1;  /* the loader checked it */
    }
    dmi_yr_close(&r);
    return found;
}

/* Sets the graph seeds of graph g of the ensemble into *text (the model's text, or the
 * scenario's with an inline model): each generated layer's seed S becomes
 * dm_sweep_graph_seed(S, g). */
static int graph_seeds(char **text, const char *file, int in_scenario, uint64_t g, dm_error *err)
{
    size_t *index;
    uint64_t *seed;
    long n = generated_layers(*text, file, in_scenario, &index, &seed, err);
    if (n < 0) return err->code;
    char (*paths)[64] = malloc(((size_t)n + 1) * sizeof *paths), (*vals)[32] = malloc(((size_t)n + 1) * sizeof *vals);
    const char **pp = malloc(((size_t)n + 1) * sizeof *pp), **vp = malloc(((size_t)n + 1) * sizeof *vp);
    int rc = 0, failed;
    char *out = NULL;
    if (!paths || !vals || !pp || !vp) rc = dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory");
    for (long k = 0; !rc && k < n; k++) {
        snprintf(paths[k], sizeof paths[k], "%slayers[%zu].graph.seed", in_scenario ? "model." : "", index[k]);
        snprintf(vals[k], sizeof vals[k], "%llu", (unsigned long long)dm_sweep_graph_seed(seed[k], g));
        pp[k] = paths[k];
        vp[k] = vals[k];
    }
    if (!rc && !(rc = yp_apply(*text, strlen(*text), file, (size_t)n, pp, vp, &out, &failed, err))) {
        free(*text);
        *text = out;
    }
    free(paths); free(vals); free(pp); free(vp); free(index); free(seed);
    return rc;
}

/* The scenario of point i on graph g with its first `upto` parameters set. */
static int point_scenario(const dm_sweep *s, size_t i, size_t upto, uint64_t g, dm_scenario **out, dm_error *err)
{
    *out = NULL;
    size_t P = s->nparams, ns = 0, nm = 0;
    const char *spaths[64], *svals[64], *mpaths[64], *mvals[64];
    char text[64][64];
    if (P > 64) return dm_error_set(err, DM_EDATA, s->file, 0, 0, "at most 64 parameters");
    for (size_t j = 0; j < upto; j++) {
        const dm_sweep_param *p = &s->params[j];
        format_value(p, s->values[i * P + j], text[j], sizeof text[j]);
        /* into the model's own file, or into the scenario (where an inline model lives) */
        if (p->in_model && s->model_text) { mpaths[nm] = p->path + 6; mvals[nm++] = text[j]; }
        else { spaths[ns] = p->path + (p->in_model ? 0 : 9); svals[ns++] = text[j]; }
    }
    char name[300], *stext = NULL, *mtext = NULL;
    int failed, rc;
    dm_model *m = NULL;
    snprintf(name, sizeof name, "%s (point %zu)", s->scenario_file, i);
    if ((rc = yp_apply(s->scenario_text, strlen(s->scenario_text), name, ns, spaths, svals, &stext, &failed, err))) goto done;
    if (g > 0 && !s->model_text && (rc = graph_seeds(&stext, name, 1, g, err))) goto done;
    if (s->model_text) {
        snprintf(name, sizeof name, "model of %s (point %zu)", s->scenario_file, i);
        if ((rc = yp_apply(s->model_text, strlen(s->model_text), name, nm, mpaths, mvals, &mtext, &failed, err))) goto done;
        if (g > 0 && (rc = graph_seeds(&mtext, name, 0, g, err))) goto done;
        if ((rc = dm_model_parse(mtext, strlen(mtext), name, &m, err))) goto done;
        snprintf(name, sizeof name, "%s (point %zu)", s->scenario_file, i);
        rc = dm_scenario_parse_with_model(stext, strlen(stext), name, m, out, err);
        m = NULL;  /* owned by the scenario, also on failure */
    } else {
        rc = dm_scenario_parse(stext, strlen(stext), name, out, err);
    }
    if (!rc && s->has_seed) (*out)->seed = s->seed;
done:
    dm_model_free(m);
    free(stext);
    free(mtext);
    return rc;
}

int dm_sweep_point_scenario(const dm_sweep *s, size_t i, dm_scenario **out, dm_error *err)
{
    return point_scenario(s, i, s->nparams, 0, out, err);
}

int dm_sweep_point_graph_scenario(const dm_sweep *s, size_t i, uint64_t g, dm_scenario **out, dm_error *err)
{
    if (g >= s->graphs) return dm_error_set(err, DM_EUSAGE, s->file, 0, 0, "graph %llu of an ensemble of %llu",
                                            (unsigned long long)g, (unsigned long long)s->graphs);
    return point_scenario(s, i, s->nparams, g, out, err);
}

/* The files the model reads (graphs, pairs) by their SHA-256: a sweep whose graph file
 * changed is another sweep, so a resume refuses the old points before computing any. */
static void inputs_digest(dmi_sha256 *h, const dm_model *m)
{
    for (size_t k = 0; m && k < m->ninputs; k++) {
        dmi_sha256_add(h, m->inputs[k].path, strlen(m->inputs[k].path) + 1);
        dmi_sha256_add(h, m->inputs[k].sha256, strlen(m->inputs[k].sha256) + 1);
    }
}

static void sha256_texts(dm_sweep *s)
{
    dmi_sha256 h;
    dmi_sha256_begin(&h);
    dmi_sha256_add(&h, s->text, strlen(s->text) + 1);
    dmi_sha256_add(&h, s->scenario_text, strlen(s->scenario_text) + 1);
    if (s->model_text) dmi_sha256_add(&h, s->model_text, strlen(s->model_text) + 1);
    inputs_digest(&h, s->base ? s->base->model : NULL);
    dmi_sha256_end(&h, s->sha256);
}

int dm_sweep_from_texts(const char *text, const char *path, const char *scenario_text, const char *scenario_file,
                        const char *model_text, dm_sweep **out, dm_error *err)
{
    static const char *const keys[] = {"name", "description", "scenario", "replicates", "seed", "design",
                                       "points", "design_seed", "interval", "parameters", "graphs", NULL};
    *out = NULL;
    dm_sweep *s = calloc(1, sizeof *s);
    size_t len;
    yread r = {0};
    yaml_node_t *root, *x;
    if (!s) return dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    if (!(s->text = strdup(text)) || !(s->file = strdup(path))) { dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); goto fail; }
    len = strlen(text);
    if (dmi_yr_open(&r, s->text, len, path, err)) goto fail;
    root = dmi_yr_root(&r);
    if (dmi_yr_mapping(&r, root, "sweep", keys)) goto fail;
    if ((x = dmi_yr_get(&r, root, "name")) ? dmi_yr_str(&r, x, "sweep name", &s->name) : !(s->name = strdup("sweep"))) goto fail;
    /* the scenario: a path relative to the sweep file, or an embedded scenario's name */
    if (dmi_yr_need(&r, root, "scenario", "sweep", &x)) goto fail;
    {
        const char *name = dmi_yr_text(x);
        size_t n = strlen(name), elen;
        const char *embedded = dm_embedded(name, &elen);
        if (scenario_text) {  /* texts stored in a result file: the files may be gone */
            if (!(s->scenario_text = strdup(scenario_text)) || !(s->scenario_file = strdup(scenario_file))) { NOMEM(&r); goto fail; }
        } else if (n > 5 && (!strcmp(name + n - 5, ".yaml") || (n > 4 && !strcmp(name + n - 4, ".yml")))) {
            char file[4096], dir[2048];
            dmi_dir_of(path, dir, sizeof dir);
            snprintf(file, sizeof file, "%s%s", name[0] == '/' ? "" : dir, name);
            dm_error sub;
            dm_error_clear(&sub);
            if (!(s->scenario_text = dmi_read_file(file, &elen, &sub))) {
                dm_error_set(err, DM_ENOINPUT, path, dmi_yr_line(x), (int)x->start_mark.column + 1, "scenario: cannot open '%s'", file);
                goto fail;
            }
            if (!(s->scenario_file = strdup(file))) { NOMEM(&r); goto fail; }
        } else if (embedded && !strcmp(name, "default")) {
            if (!(s->scenario_text = strndup(embedded, elen)) || !(s->scenario_file = strdup("<embedded default>"))) { NOMEM(&r); goto fail; }
        } else {
            dmi_yr_expected(&r, x, "scenario", "a path ending in .yaml, or default");
            goto fail;
        }
        /* the scenario as written; its model's text, if the model is its own file */
        if (scenario_text && model_text && *model_text) {
            dm_model *m;
            if (dm_model_parse(model_text, strlen(model_text), scenario_file, &m, err) ||
                dm_scenario_parse_with_model(s->scenario_text, strlen(s->scenario_text), s->scenario_file, m, &s->base, err))
                goto fail;
        } else if (dm_scenario_parse(s->scenario_text, strlen(s->scenario_text), s->scenario_file, &s->base, err)) {
            goto fail;
        }
        if (s->base->model->text && !(s->model_text = strdup(s->base->model->text))) { NOMEM(&r); goto fail; }
    }
    s->design = DM_DESIGN_GRID;
    if ((x = dmi_yr_get(&r, root, "design"))) {
        const char *d = dmi_yr_text(x);
        if (!strcmp(d, "grid")) s->design = DM_DESIGN_GRID;
        else if (!strcmp(d, "random")) s->design = DM_DESIGN_RANDOM;
        else if (!strcmp(d, "latin") || !strcmp(d, "lhs")) s->design = DM_DESIGN_LATIN;
        else if (!strcmp(d, "sobol")) s->design = DM_DESIGN_SOBOL;
        else { dmi_yr_expected(&r, x, "design", "grid, random, latin (or lhs) or sobol"); goto fail; }
    }
    if ((x = dmi_yr_get(&r, root, "points"))) {
        uint64_t n;
        if (s->design == DM_DESIGN_GRID) { dmi_yr_fail(&r, x, "points: design grid has as many points as the product of its values"); goto fail; }
        if (dmi_yr_u64(&r, x, "points", 10000000, &n) || n < 1) { if (!err->code) dmi_yr_expected(&r, x, "points", "a whole number from 1 to 10^7"); goto fail; }
        s->npoints = (size_t)n;
    } else if (s->design != DM_DESIGN_GRID) {
        dmi_yr_fail(&r, root, "sweep: design %s needs points: N", dmi_yr_text(dmi_yr_get(&r, root, "design")));
        goto fail;
    }
    s->replicates = s->base->replicates;
    if ((x = dmi_yr_get(&r, root, "replicates")) && (dmi_yr_u64(&r, x, "replicates", 1000000000ULL, &s->replicates) || s->replicates < 1)) {
        if (!err->code) dmi_yr_expected(&r, x, "replicates", "a whole number >= 1");
        goto fail;
    }
    s->graphs = 1;
    if ((x = dmi_yr_get(&r, root, "graphs"))) {
        size_t *index;
        uint64_t *seeds;
        long generated = 0;
        if (dmi_yr_u64(&r, x, "graphs", 1000000, &s->graphs) || s->graphs < 1) {
            if (!err->code) dmi_yr_expected(&r, x, "graphs", "a whole number from 1 to 10^6");
            goto fail;
        }
        if (s->graphs > s->replicates) {
            dmi_yr_fail(&r, x, "graphs: %llu graphs for %llu replicates a point: each graph needs a replicate at least",
                    (unsigned long long)s->graphs, (unsigned long long)s->replicates);
            goto fail;
        }
        if (s->graphs > 1) {
            generated = s->model_text ? generated_layers(s->model_text, s->scenario_file, 0, &index, &seeds, err)
                                      : generated_layers(s->scenario_text, s->scenario_file, 1, &index, &seeds, err);
            free(index);
            free(seeds);
            if (generated < 0) goto fail;
        }
        if (s->graphs > 1 && generated == 0) {
            dmi_yr_fail(&r, x, "graphs: the model has no generated graph (a layer with graph: {generate: ...}), so every "
                           "graph of the ensemble would be the same: remove graphs, or generate the layers' graphs");
            goto fail;
        }
    }
    if ((x = dmi_yr_get(&r, root, "seed"))) {
        if (dmi_yr_u64(&r, x, "seed", INT64_MAX, &s->seed)) goto fail;
        s->has_seed = 1;
    }
    s->design_seed = 1;
    if ((x = dmi_yr_get(&r, root, "design_seed")) && dmi_yr_u64(&r, x, "design_seed", UINT32_MAX, &s->design_seed)) goto fail;
    s->interval_s = 600;
    if ((x = dmi_yr_get(&r, root, "interval")) && (dmi_yr_duration(&r, x, "interval", &s->interval_s) || s->interval_s <= 0)) {
        if (!err->code) dmi_yr_expected(&r, x, "interval", "a duration longer than 0");
        goto fail;
    }
    if (dmi_yr_need(&r, root, "parameters", "sweep", &x) || dmi_yr_sequence(&r, x, "parameters")) goto fail;
    s->nparams = dmi_yr_len(x);
    if (s->nparams == 0 || s->nparams > 64) { dmi_yr_expected(&r, x, "parameters", "from 1 to 64 parameters"); goto fail; }
    if (!(s->params = calloc(s->nparams, sizeof *s->params))) { NOMEM(&r); goto fail; }
    for (size_t j = 0; j < s->nparams; j++) {
        if (read_param(&r, dmi_yr_at(&r, x, j), s->design, &s->params[j])) goto fail;
        for (size_t k = 0; k < j; k++)
            if (!strcmp(s->params[k].name, s->params[j].name)) {
                dmi_yr_fail(&r, dmi_yr_at(&r, x, j), "parameter name '%s' is used twice: give each a name", s->params[j].name);
                goto fail;
            }
    }
    for (size_t j = 0; s->has_seed && j < s->nparams; j++)
        if (!s->params[j].in_model && !strcmp(s->params[j].path, "scenario.seed")) {
            /* the sweep's seed would override the swept one at every point */
            dm_error_set(err, DM_EDATA, path, s->params[j].line, s->params[j].column, "parameter %s sweeps scenario.seed, "
                         "which the sweep's own 'seed' sets for every point: remove one of them", s->params[j].name);
            goto fail;
        }
    if (design(s, err)) goto fail;
    /* every path must lead somewhere and every value be valid: build point 0 with one
     * parameter more at a time, so an error names the parameter that causes it */
    for (size_t j = 1; j <= s->nparams; j++) {
        dm_scenario *sc;
        dm_error sub;
        dm_error_clear(&sub);
        if (point_scenario(s, 0, j, 0, &sc, &sub)) {
            const dm_sweep_param *p = &s->params[j - 1];
            dm_error_set(err, DM_EDATA, path, p->line, p->column, "parameter %s (%s) at the sweep's first point: %s",
                         p->name, p->path, sub.message);
            goto fail;
        }
        dm_scenario_free(sc);
    }
    /* and the points where each parameter takes its smallest and largest value: a range
     * that leaves what the model accepts fails here, at the parameter's line, not when
     * that point's turn comes */
    for (size_t j = 0; j < s->nparams; j++) {
        size_t lo = 0, hi = 0, P = s->nparams;
        for (size_t i = 1; i < s->npoints; i++) {
            if (s->values[i * P + j] < s->values[lo * P + j]) lo = i;
            if (s->values[i * P + j] > s->values[hi * P + j]) hi = i;
        }
        size_t at[2] = {lo, hi};
        for (int e = 0; e < 2; e++) {
            dm_scenario *sc;
            dm_error sub;
            dm_error_clear(&sub);
            if (!point_scenario(s, at[e], P, 0, &sc, &sub)) { dm_scenario_free(sc); continue; }
            size_t upto = 1;  /* the first parameter whose value there breaks the point */
            for (; upto < P; upto++) {
                dm_error first;
                dm_error_clear(&first);
                if (point_scenario(s, at[e], upto, 0, &sc, &first)) break;
                dm_scenario_free(sc);
            }
            const dm_sweep_param *p = &s->params[upto - 1];
            char v[64];
            format_value(p, s->values[at[e] * P + upto - 1], v, sizeof v);
            dm_error_set(err, sub.code == DM_ESOFTWARE ? DM_ESOFTWARE : DM_EDATA, path, p->line, p->column,
                         "parameter %s (%s) at its %s value %s (point %zu): %s", p->name, p->path,
                         e ? "largest" : "smallest", v, at[e], sub.message);
            goto fail;
        }
    }
    if (s->graphs > 1) {  /* the graphs' seeds reach the model: its second graph at the first point */
        dm_scenario *sc;
        dm_error sub;
        dm_error_clear(&sub);
        if (point_scenario(s, 0, s->nparams, 1, &sc, &sub)) {
            yaml_node_t *g = dmi_yr_get(&r, root, "graphs");
            dm_error_set(err, sub.code == DM_ESOFTWARE ? DM_ESOFTWARE : DM_EDATA, path, dmi_yr_line(g),
                         (int)g->start_mark.column + 1, "graphs: the first point's graph 1: %s", sub.message);
            goto fail;
        }
        dm_scenario_free(sc);
    }
    sha256_texts(s);
    dmi_yr_close(&r);
    *out = s;
    return 0;
fail:
    dmi_yr_close(&r);
    dm_sweep_free(s);
    return err->code ? err->code : DM_ESOFTWARE;
}

int dm_sweep_load(const char *path, dm_sweep **out, dm_error *err)
{
    size_t len;
    char used[4096];
    char *text = dmi_read_named("sweeps", path, used, sizeof used, &len, err);
    *out = NULL;
    if (!text) return err->code;
    int rc = dm_sweep_from_texts(text, used, NULL, NULL, NULL, out, err);
    free(text);
    return rc;
}

void dm_sweep_result_free(dm_sweep_result *r)
{
    if (!r) return;
    dm_stats_free(&r->stats);
    free(r->probability_se); free(r->onset_se); free(r->duration_se); free(r->unit_hours_se); free(r->loss_se);
    free(r->level_se); free(r->final_level);
    memset(r, 0, sizeof *r);
}

/* Running means and sums of squared deviations (Welford 1962), updated in replicate order
 * (the sink's), so they are the same bits for any thread count. */
typedef struct welford { double *mean, *m2; uint64_t *n; } welford;

static void welford_add(welford *w, size_t k, double x)
{
    uint64_t n = ++w->n[k];
    double d = x - w->mean[k];
    w->mean[k] += d / (double)n;
    w->m2[k] += d * (x - w->mean[k]);
}

/* The standard error of the mean of cell k: sqrt(m2 / (n - 1) / n); NaN below two values. */
static double welford_se(const welford *w, size_t k)
{
    double n = (double)w->n[k];
    return w->n[k] >= 2 ? sqrt(w->m2[k] / (n - 1) / n) : NAN;
}

static int welford_init(welford *w, size_t n)
{
    w->mean = calloc(n + 1, sizeof *w->mean);
    w->m2 = calloc(n + 1, sizeof *w->m2);
    w->n = calloc(n + 1, sizeof *w->n);
    return w->mean && w->m2 && w->n ? 0 : -1;
}

static void welford_free(welford *w) { free(w->mean); free(w->m2); free(w->n); }

/* For the K x S level cells, which every replicate fills: sums of the deviations from the
 * first replicate's value ("shifted data", Chan, Golub & LeVeque 1983), two multiply-adds
 * a cell instead of Welford's division; the shift keeps the cancellation in
 * s2 - s1^2 / n small, as the levels vary little around it. */
typedef struct shifted { double *shift, *s1, *s2; uint64_t n; size_t cells; } shifted;

static void shifted_add(shifted *w, const double *x)
{
    if (w->n++ == 0) memcpy(w->shift, x, w->cells * sizeof *x);
    for (size_t k = 0; k < w->cells; k++) {
        double d = x[k] - w->shift[k];
        w->s1[k] += d;
        w->s2[k] += d * d;
    }
}

static double shifted_se(const shifted *w, size_t k)
{
    double n = (double)w->n, m2 = w->s2[k] - w->s1[k] * w->s1[k] / n;
    return w->n >= 2 ? sqrt((m2 > 0 ? m2 : 0) / (n - 1) / n) : NAN;
}

/* The sink of a point's replicates: each one's final sector levels, in its row, and the
 * values behind each mean the statistics report (as src/run/montecarlo.c counts them). */
typedef struct point_sink {
    double *final;              /* [replicate][sector] */
    size_t S, K;
    uint64_t R;
    welford onset, duration, unit_hours, loss;
    shifted level;
} point_sink;

static int sink(void *ctx, const dm_engine_result *r, dm_error *err)
{
    point_sink *f = ctx;
    if (r->replicate >= f->R) return dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "replicate %llu outside the point's %llu",
                                                  (unsigned long long)r->replicate, (unsigned long long)f->R);
    double minutes = (double)r->tick_s / 60.0;
    for (size_t s = 0; s < f->S; s++) {
        const dm_sector_result *sr = &r->sectors[s];
        f->final[r->replicate * f->S + s] = sr->final_level;
        if (sr->first_breach >= 0) {  /* the first breach; one still going lasts until the horizon */
            const dm_breach *b = &r->breaches[sr->first_breach];
            int64_t end = b->end < 0 ? r->horizon : b->end;
            welford_add(&f->onset, s, (double)b->onset * minutes);
            welford_add(&f->duration, s, (double)(end - b->onset) * minutes);
        }
        welford_add(&f->unit_hours, s, sr->unserved_unit_hours);
        welford_add(&f->loss, s, sr->economic_loss);
    }
    if (r->sector_level) shifted_add(&f->level, r->sector_level);
    return 0;
}

typedef struct graph_ctx { const dm_sweep *s; size_t point; } graph_ctx;

static int graph_scenario(void *ctx, size_t g, dm_scenario **out, dm_error *err)
{
    graph_ctx *c = ctx;
    return point_scenario(c->s, c->point, c->s->nparams, g, out, err);
}

int dm_sweep_run_point(const dm_sweep *s, size_t i, int threads, volatile sig_atomic_t *stop,
                       dm_sweep_result *out, dm_error *err)
{
    dm_scenario *sc;
    memset(out, 0, sizeof *out);
    int rc = dm_sweep_point_scenario(s, i, &sc, err);
    if (rc) return rc;
    size_t S = sc->model->nsectors;
    int64_t interval = dm_scenario_ticks(sc, s->interval_s);
    if (interval < 1) interval = 1;
    size_t K = dm_output_ntimes(sc, interval);
    point_sink f = {malloc((s->replicates * S + 1) * sizeof(double)), S, K, s->replicates, {0}, {0}, {0}, {0},
                    {malloc((K * S + 1) * sizeof(double)), calloc(K * S + 1, sizeof(double)), calloc(K * S + 1, sizeof(double)), 0, K * S}};
    if (!f.final || welford_init(&f.onset, S) || welford_init(&f.duration, S) || welford_init(&f.unit_hours, S) ||
        welford_init(&f.loss, S) || !f.level.shift || !f.level.s1 || !f.level.s2)
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    for (size_t k = 0; !rc && k < s->replicates * S; k++) f.final[k] = NAN;
    /* the sink receives every replicate's sector levels, for their standard errors */
    dm_mc_config cfg = {.first = 0, .replicates = s->replicates, .threads = threads, .interval = interval,
                        .store = DM_STORE_SECTORS, .stats = DM_STORE_SECTORS, .sink = sink, .sink_ctx = &f, .stop = stop};
    graph_ctx gc = {s, i};
    if (!rc) rc = dm_mc_run_ensemble(sc, (size_t)s->graphs, graph_scenario, &gc, &cfg, &out->stats, err);
    dm_scenario_free(sc);
    if (!rc && (!(out->probability_se = malloc((S + 1) * sizeof(double))) || !(out->onset_se = malloc((S + 1) * sizeof(double))) ||
                !(out->duration_se = malloc((S + 1) * sizeof(double))) || !(out->unit_hours_se = malloc((S + 1) * sizeof(double))) ||
                !(out->loss_se = malloc((S + 1) * sizeof(double))) || !(out->level_se = malloc((K * S + 1) * sizeof(double)))))
        rc = dm_error_set(err, DM_ESOFTWARE, NULL, 0, 0, "out of memory");
    for (size_t k = 0; !rc && k < S; k++) {
        /* a breach probability is the mean of 0/1 outcomes: its standard error is the
         * binomial sqrt(p (1 - p) / n) */
        double p = out->stats.breach_probability[k], n = (double)out->stats.replicates;
        out->probability_se[k] = n > 0 ? sqrt(p * (1 - p) / n) : NAN;
        out->onset_se[k] = welford_se(&f.onset, k);
        out->duration_se[k] = welford_se(&f.duration, k);
        out->unit_hours_se[k] = welford_se(&f.unit_hours, k);
        out->loss_se[k] = welford_se(&f.loss, k);
    }
    for (size_t k = 0; !rc && k < K * S; k++) out->level_se[k] = shifted_se(&f.level, k);
    welford_free(&f.onset); welford_free(&f.duration); welford_free(&f.unit_hours); welford_free(&f.loss);
    free(f.level.shift); free(f.level.s1); free(f.level.s2);
    out->final_level = f.final;
    if (rc) dm_sweep_result_free(out);
    return rc;
}
