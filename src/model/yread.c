/* Typed reading of YAML documents with precise error positions. libyaml's document API
 * keeps the start mark of every node, which is all that is needed for file:line:column. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino/limits.h"
#include "model/yread.h"

int dmi_yr_line(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static void describe(const yaml_node_t *n, char *buf, size_t size)
{
    if (!n) snprintf(buf, size, "nothing");
    else if (n->type == YAML_MAPPING_NODE) snprintf(buf, size, "a mapping");
    else if (n->type == YAML_SEQUENCE_NODE) snprintf(buf, size, "a list");
    else if (n->data.scalar.length == 0) snprintf(buf, size, "an empty value");
    else snprintf(buf, size, "'%.120s'", (const char *)n->data.scalar.value);
}

int dmi_yr_fail(yread *r, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dm_error_set(r->err, DM_EDATA, r->file, dmi_yr_line(n),
                        n ? (int)n->start_mark.column + 1 : 0, "%s", msg);
}

int dmi_yr_expected(yread *r, const yaml_node_t *n, const char *what, const char *expected)
{
    char found[160];
    describe(n, found, sizeof found);
    return dmi_yr_fail(r, n, "%s: expected %s, found %s", what, expected, found);
}

/* What the document loader would accept but domino must not, found with the (iterative)
 * event parser before anything is built: nesting deep enough to exhaust libyaml's
 * recursive loader; a second document (which would be ignored); a tag other than YAML's
 * own (`!custom`: not a type domino knows); a NUL inside a text (an id that C sees cut
 * short); aliases that expand to more nodes than the limit (a small file that names
 * one anchor a billion times costs what the expanded file would); and more anchors or
 * aliases than their limits (libyaml's loader, and the lookups below, compare each with
 * every earlier anchor: DM_MAX_YAML_ANCHORS in domino/limits.h). */
typedef struct anchor { char *name; int64_t nodes; } anchor;

static int check_events(const char *text, size_t len, const char *file, dm_error *err)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int depth = 0, rc = 0, done = 0, documents = 0;
    int64_t limit = dm_limit(DM_MAX_YAML_DEPTH_ENV, DM_MAX_YAML_DEPTH);
    int64_t max_nodes = dm_limit(DM_MAX_YAML_NODES_ENV, DM_MAX_YAML_NODES), nodes = 0;
    int64_t max_anchors = dm_limit(DM_MAX_YAML_ANCHORS_ENV, DM_MAX_YAML_ANCHORS), nanchor_defs = 0;
    int64_t max_aliases = dm_limit(DM_MAX_YAML_ALIASES_ENV, DM_MAX_YAML_ALIASES), naliases = 0;
    /* open collections: their anchor (or NULL) and the node count when they opened */
    struct { char *anchor; int64_t start; } open[256];
    anchor *anchors = NULL;
    size_t nanchors = 0;
    if (limit > 255) limit = 255;
    if (!yaml_parser_initialize(&p)) return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && !rc) {
        if (!yaml_parser_parse(&p, &ev)) break;  /* syntax errors are reported by the loader */
        int line = (int)ev.start_mark.line + 1, column = (int)ev.start_mark.column + 1;
        const yaml_char_t *tag = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.tag
                               : ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag
                               : ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.tag : NULL;
        const yaml_char_t *name = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor
                                : ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                : ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor : NULL;
        if (tag && strncmp((const char *)tag, "tag:yaml.org,2002:", 18) && strcmp((const char *)tag, "!"))
            rc = dm_error_set(err, DM_EDATA, file, line, column, "YAML tag '%s': expected no tag (domino reads plain "
                              "texts, numbers, lists and mappings)", (const char *)tag);
        else if (ev.type == YAML_DOCUMENT_START_EVENT && ++documents > 1)
            rc = dm_error_set(err, DM_EDATA, file, line, column, "a second YAML document ('---'): expected one "
                              "document per file (the rest would be ignored)");
        else if (ev.type == YAML_SCALAR_EVENT && strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length)
            rc = dm_error_set(err, DM_EDATA, file, line, column, "a NUL character inside a text: expected none");
        if (!rc && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
                    ev.type == YAML_MAPPING_START_EVENT))
            nodes++;
        if (!rc && name && ++nanchor_defs > max_anchors)
            rc = dm_error_set(err, DM_EDATA, file, line, column, "YAML anchor '&%s': more than %lld anchors in one file "
                              "(set %s to raise the limit)", (const char *)name, (long long)max_anchors,
                              DM_MAX_YAML_ANCHORS_ENV);
        if (!rc && ev.type == YAML_ALIAS_EVENT && ++naliases > max_aliases)
            rc = dm_error_set(err, DM_EDATA, file, line, column, "YAML alias '*%s': more than %lld aliases in one file "
                              "(set %s to raise the limit)", (const char *)ev.data.alias.anchor, (long long)max_aliases,
                              DM_MAX_YAML_ALIASES_ENV);
        if (!rc && ev.type == YAML_SCALAR_EVENT && name) {  /* an anchored scalar: one node */
            anchor *a = realloc(anchors, (nanchors + 1) * sizeof *a);
            if (!a || !(a[nanchors].name = strdup((const char *)name))) {
                if (a) anchors = a;
                rc = dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory");
            } else {
                anchors = a;
                anchors[nanchors++].nodes = 1;
            }
        }
        if (!rc && ev.type == YAML_ALIAS_EVENT)
            for (size_t i = nanchors; i-- > 0;)  /* the latest anchor of that name */
                if (!strcmp(anchors[i].name, (const char *)ev.data.alias.anchor)) { nodes += anchors[i].nodes; break; }
        if (!rc && nodes > max_nodes)
            rc = dm_error_set(err, DM_EDATA, file, line, column, "more than %lld YAML nodes with the aliases expanded "
                              "(set %s to raise the limit)", (long long)max_nodes, DM_MAX_YAML_NODES_ENV);
        if (rc) {
        } else if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > limit) {
                depth--;  /* nothing opened at this depth to free */
                rc = dm_error_set(err, DM_EDATA, file, line, column,
                                  "lists and mappings nested more than %lld deep (set %s to raise the limit)",
                                  (long long)limit, DM_MAX_YAML_DEPTH_ENV);
            } else {
                open[depth].anchor = name ? strdup((const char *)name) : NULL;
                open[depth].start = nodes;
                if (name && !open[depth].anchor) rc = dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory");
            }
        } else if ((ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) && depth > 0) {
            if (open[depth].anchor) {  /* the anchored collection's size, with its own aliases expanded */
                anchor *a = realloc(anchors, (nanchors + 1) * sizeof *a);
                if (!a) {
                    free(open[depth].anchor);
                    rc = dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "out of memory");
                } else {
                    anchors = a;
                    anchors[nanchors++] = (anchor){open[depth].anchor, nodes - open[depth].start + 1};
                }
            }
            depth--;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    for (; depth > 0; depth--) free(open[depth].anchor);
    for (size_t i = 0; i < nanchors; i++) free(anchors[i].name);
    free(anchors);
    yaml_parser_delete(&p);
    return rc;
}

int dmi_yr_open(yread *r, const char *text, size_t len, const char *file, dm_error *err)
{
    memset(r, 0, sizeof *r);
    r->file = file;
    r->err = err;
    int rc = check_events(text, len, file, err);
    if (rc) return rc;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &r->doc)) {
        const yaml_mark_t *m = p.problem_mark.line || p.problem_mark.column ? &p.problem_mark
                                                                              : &p.context_mark;
        dm_error_set(err, DM_EDATA, file, (int)m->line + 1, (int)m->column + 1,
                     "not valid YAML: %s%s%s", p.problem ? p.problem : "syntax error",
                     p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        return DM_EDATA;
    }
    r->loaded = 1;
    yaml_parser_delete(&p);
    if (!yaml_document_get_root_node(&r->doc))
        return dm_error_set(err, DM_EDATA, file, 1, 1, "the file is empty: expected a YAML mapping");
    return 0;
}

void dmi_yr_close(yread *r)
{
    if (r->loaded) yaml_document_delete(&r->doc);
    r->loaded = 0;
}

yaml_node_t *dmi_yr_root(yread *r) { return yaml_document_get_root_node(&r->doc); }

const char *dmi_yr_text(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
}

int dmi_yr_mapping(yread *r, yaml_node_t *n, const char *what, const char *const allowed[])
{
    if (!n || n->type != YAML_MAPPING_NODE) return dmi_yr_expected(r, n, what, "a mapping");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&r->doc, p->key);
        if (k->type != YAML_SCALAR_NODE) return dmi_yr_expected(r, k, what, "a key");
        const char *key = dmi_yr_text(k);
        int known = 0;
        for (size_t i = 0; allowed[i]; i++) known |= strcmp(allowed[i], key) == 0;
        if (!known) {
            char list[400] = "";
            for (size_t i = 0; allowed[i]; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, allowed[i], sizeof list - strlen(list) - 1);
            }
            return dmi_yr_fail(r, k, "%s: unknown key '%s'; expected one of: %s", what, key, list);
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++)
            if (strcmp(dmi_yr_text(yaml_document_get_node(&r->doc, q->key)), key) == 0)
                return dmi_yr_fail(r, k, "%s: key '%s' appears twice", what, key);
    }
    return 0;
}

yaml_node_t *dmi_yr_get(yread *r, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
        if (strcmp(dmi_yr_text(yaml_document_get_node(&r->doc, p->key)), key) == 0)
            return yaml_document_get_node(&r->doc, p->value);
    return NULL;
}

int dmi_yr_need(yread *r, yaml_node_t *map, const char *key, const char *what, yaml_node_t **out)
{
    *out = dmi_yr_get(r, map, key);
    if (!*out) return dmi_yr_fail(r, map, "%s: missing required key '%s'", what, key);
    return 0;
}

size_t dmi_yr_len(yaml_node_t *seq)
{
    return seq && seq->type == YAML_SEQUENCE_NODE
               ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start) : 0;
}

yaml_node_t *dmi_yr_at(yread *r, yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&r->doc, seq->data.sequence.items.start[i]);
}

int dmi_yr_sequence(yread *r, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SEQUENCE_NODE) return dmi_yr_expected(r, n, what, "a list");
    return 0;
}

static int scalar(yread *r, yaml_node_t *n, const char *what, const char *expected)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0)
        return dmi_yr_expected(r, n, what, expected);
    return 0;
}

int dmi_yr_str(yread *r, yaml_node_t *n, const char *what, char **out)
{
    if (scalar(r, n, what, "a text")) return DM_EDATA;
    *out = strdup(dmi_yr_text(n));
    if (!*out) return dm_error_set(r->err, DM_ESOFTWARE, r->file, 0, 0, "out of memory");
    return 0;
}

int dmi_yr_num(yread *r, yaml_node_t *n, const char *what, double lo, double hi, double *out)
{
    char expected[120];
    snprintf(expected, sizeof expected, "a number in [%g, %g]", lo, hi);
    if (scalar(r, n, what, expected)) return DM_EDATA;
    const char *s = dmi_yr_text(n);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi)
        return dmi_yr_expected(r, n, what, expected);
    *out = v;
    return 0;
}

int dmi_yr_u64(yread *r, yaml_node_t *n, const char *what, uint64_t hi, uint64_t *out)
{
    char expected[120];
    snprintf(expected, sizeof expected, "a whole number in [0, %llu]", (unsigned long long)hi);
    if (scalar(r, n, what, expected)) return DM_EDATA;
    const char *s = dmi_yr_text(n);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '-' || end == s || *end || errno || v > hi) return dmi_yr_expected(r, n, what, expected);
    *out = v;
    return 0;
}

int dmi_yr_duration(yread *r, yaml_node_t *n, const char *what, int64_t *out)
{
    static const char expected[] =
        "a non-negative duration with a unit (s, min, h, d, w) in whole seconds, such as 90s, 10min, 1.5h, 3d "
        "(0.4s is not a whole second)";
    if (scalar(r, n, what, expected)) return DM_EDATA;
    if (dm_parse_duration(dmi_yr_text(n), out)) return dmi_yr_expected(r, n, what, expected);
    return 0;
}

/* One parameter of a distribution: a duration or a plain number. */
static int param(yread *r, yaml_node_t *map, const char *key, const char *what, int is_duration,
                 double lo, double hi, double *out)
{
    yaml_node_t *n;
    char w[200];
    snprintf(w, sizeof w, "%s: '%s'", what, key);
    if (dmi_yr_need(r, map, key, what, &n)) return DM_EDATA;
    if (is_duration) {
        int64_t s;
        if (dmi_yr_duration(r, n, w, &s)) return DM_EDATA;
        if (s < lo || s > hi) return dmi_yr_expected(r, n, w, "a duration in range");
        *out = (double)s;
        return 0;
    }
    return dmi_yr_num(r, n, w, lo, hi, out);
}

/* {dist: table, points: [[x, F], ...]}: an empirical CDF, as surveys publish them ("20 %
 * of stations hold out at most 2 h"): x increasing, F(x) not decreasing in [0, 1] and 1 at
 * the last point; linear between points and from (0, 0) to the first. */
static int table(yread *r, yaml_node_t *n, const char *what, int is_duration, double lo, double hi,
                 dm_dist *out)
{
    yaml_node_t *p;
    if (dmi_yr_need(r, n, "points", what, &p) || dmi_yr_sequence(r, p, what)) return DM_EDATA;
    size_t k = dmi_yr_len(p);
    if (k == 0) return dmi_yr_expected(r, p, what, "at least one point [value, cumulative share]");
    out->kind = DM_DIST_TABLE;
    out->values = calloc(k, sizeof(double));
    out->weights = calloc(k, sizeof(double));
    out->nchoices = k;
    if (!out->values || !out->weights) return dm_error_set(r->err, DM_ESOFTWARE, r->file, 0, 0, "out of memory");
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *pt = dmi_yr_at(r, p, i);
        if (pt->type != YAML_SEQUENCE_NODE || dmi_yr_len(pt) != 2)
            return dmi_yr_expected(r, pt, what, "a point [value, cumulative share], e.g. [6h, 0.5]");
        dm_dist one;
        if (dmi_yr_dist(r, dmi_yr_at(r, pt, 0), what, is_duration, lo, hi, &one)) return DM_EDATA;
        if (one.kind != DM_DIST_FIXED) return dmi_yr_expected(r, dmi_yr_at(r, pt, 0), what, "a plain value");
        out->values[i] = one.a;
        if (dmi_yr_num(r, dmi_yr_at(r, pt, 1), "table cumulative share", 0, 1, &out->weights[i])) return DM_EDATA;
        if (i > 0 && !(out->values[i] > out->values[i - 1]))
            return dmi_yr_fail(r, dmi_yr_at(r, pt, 0), "%s: table values must increase (this point's is not above the "
                           "previous one's)", what);
        if (i > 0 && out->weights[i] < out->weights[i - 1])
            return dmi_yr_fail(r, dmi_yr_at(r, pt, 1), "%s: a table CDF must not decrease (%g after %g)", what,
                           out->weights[i], out->weights[i - 1]);
    }
    if (out->weights[k - 1] != 1.0)
        return dmi_yr_fail(r, dmi_yr_at(r, dmi_yr_at(r, p, k - 1), 1), "%s: the last point of a table CDF must have "
                       "cumulative share 1 (found %g)", what, out->weights[k - 1]);
    return 0;
}

int dmi_yr_dist(yread *r, yaml_node_t *n, const char *what, int is_duration, double lo, double hi,
            dm_dist *out)
{
    memset(out, 0, sizeof *out);
    out->lo = lo;
    out->hi = hi;
    if (n && n->type == YAML_SCALAR_NODE) {
        out->kind = DM_DIST_FIXED;
        if (is_duration) {
            int64_t s;
            if (dmi_yr_duration(r, n, what, &s)) return DM_EDATA;
            out->a = (double)s;
            if (out->a < lo || out->a > hi) return dmi_yr_expected(r, n, what, "a value in range");
            return 0;
        }
        return dmi_yr_num(r, n, what, lo, hi, &out->a);
    }
    static const char *const keys[] = {"dist", "min", "max", "mean", "sd", "median", "sigma",
                                       "scale", "shape", "values", "weights", "points", NULL};
    if (dmi_yr_mapping(r, n, what, keys)) return DM_EDATA;
    yaml_node_t *d;
    if (dmi_yr_need(r, n, "dist", what, &d)) return DM_EDATA;
    const char *name = dmi_yr_text(d);
    double big = is_duration ? 1e15 : 1e300;
    /* Truncation bounds are optional for every distribution (min/max). */
    int has_min = dmi_yr_get(r, n, "min") != NULL, has_max = dmi_yr_get(r, n, "max") != NULL;
    if (strcmp(name, "fixed") == 0) {
        out->kind = DM_DIST_FIXED;
        return param(r, n, "mean", what, is_duration, lo, hi, &out->a);
    }
    if (strcmp(name, "uniform") == 0) {
        out->kind = DM_DIST_UNIFORM;
        if (param(r, n, "min", what, is_duration, lo, hi, &out->a) ||
            param(r, n, "max", what, is_duration, lo, hi, &out->b))
            return DM_EDATA;
        if (out->b < out->a) return dmi_yr_fail(r, n, "%s: uniform 'max' is below 'min'", what);
        return 0;
    }
    if (has_min && param(r, n, "min", what, is_duration, lo, hi, &out->lo)) return DM_EDATA;
    if (has_max && param(r, n, "max", what, is_duration, lo, hi, &out->hi)) return DM_EDATA;
    if (out->hi < out->lo) return dmi_yr_fail(r, n, "%s: 'max' is below 'min'", what);
    if (strcmp(name, "normal") == 0) {
        out->kind = DM_DIST_NORMAL;
        return param(r, n, "mean", what, is_duration, -big, big, &out->a) ||
               param(r, n, "sd", what, is_duration, 0, big, &out->b);
    }
    if (strcmp(name, "lognormal") == 0) {
        out->kind = DM_DIST_LOGNORMAL;
        return param(r, n, "median", what, is_duration, 1e-300, big, &out->a) ||
               param(r, n, "sigma", what, 0, 0, 100, &out->b);
    }
    if (strcmp(name, "weibull") == 0) {
        out->kind = DM_DIST_WEIBULL;
        return param(r, n, "scale", what, is_duration, 1e-300, big, &out->a) ||
               param(r, n, "shape", what, 0, 1e-6, 1e6, &out->b);
    }
    if (strcmp(name, "gamma") == 0) {
        out->kind = DM_DIST_GAMMA;
        return param(r, n, "shape", what, 0, 1e-6, 1e6, &out->a) ||
               param(r, n, "scale", what, is_duration, 1e-300, big, &out->b);
    }
    if (strcmp(name, "exponential") == 0) {
        out->kind = DM_DIST_EXPONENTIAL;
        return param(r, n, "mean", what, is_duration, 1e-300, big, &out->a);
    }
    if (strcmp(name, "choice") == 0) {
        out->kind = DM_DIST_CHOICE;
        yaml_node_t *v, *w = dmi_yr_get(r, n, "weights");
        if (dmi_yr_need(r, n, "values", what, &v) || dmi_yr_sequence(r, v, what)) return DM_EDATA;
        size_t k = dmi_yr_len(v);
        if (k == 0) return dmi_yr_expected(r, v, what, "at least one value");
        if (w && (dmi_yr_sequence(r, w, what) || dmi_yr_len(w) != k))
            return dmi_yr_expected(r, w, what, "as many weights as values");
        out->values = calloc(k, sizeof(double));
        out->weights = calloc(k, sizeof(double));
        out->nchoices = k;
        if (!out->values || !out->weights)
            return dm_error_set(r->err, DM_ESOFTWARE, r->file, 0, 0, "out of memory");
        for (size_t i = 0; i < k; i++) {
            yaml_node_t *vi = dmi_yr_at(r, v, i);
            dm_dist one;
            if (dmi_yr_dist(r, vi, what, is_duration, lo, hi, &one)) return DM_EDATA;
            if (one.kind != DM_DIST_FIXED) return dmi_yr_expected(r, vi, what, "a plain value");
            out->values[i] = one.a;
            out->weights[i] = 1.0;
            if (w && dmi_yr_num(r, dmi_yr_at(r, w, i), "choice weight", 0, 1e300, &out->weights[i]))
                return DM_EDATA;
        }
        return 0;
    }
    if (strcmp(name, "table") == 0) return table(r, n, what, is_duration, lo, hi, out);
    return dmi_yr_expected(r, d, what,
                       "one of fixed, uniform, normal, lognormal, weibull, gamma, exponential, choice, table");
}

void dmi_dist_free(dm_dist *d)
{
    free(d->values);
    free(d->weights);
    d->values = d->weights = NULL;
}

int dmi_dist_own(dm_dist *d)
{
    if (!d->nchoices) return 0;
    double *v = malloc(d->nchoices * sizeof *v), *w = malloc(d->nchoices * sizeof *w);
    if (!v || !w) { free(v); free(w); d->values = d->weights = NULL; d->nchoices = 0; return -1; }
    memcpy(v, d->values, d->nchoices * sizeof *v);
    memcpy(w, d->weights, d->nchoices * sizeof *w);
    d->values = v;
    d->weights = w;
    return 0;
}

int dmi_dists_own(dm_dist *a, dm_dist *b)
{
    int ra = dmi_dist_own(a), rb = dmi_dist_own(b);
    return ra || rb ? -1 : 0;
}

int dmi_yr_id_list(yread *r, yaml_node_t *n, const char *what, yaml_node_t ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (n && n->type == YAML_SCALAR_NODE && n->data.scalar.length > 0) {
        *out = malloc(sizeof **out);
        if (!*out) return dm_error_set(r->err, DM_ESOFTWARE, r->file, 0, 0, "out of memory");
        (*out)[0] = n;
        *count = 1;
        return 0;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE || dmi_yr_len(n) == 0)
        return dmi_yr_expected(r, n, what, "an id or a non-empty list of ids");
    *count = dmi_yr_len(n);
    *out = malloc(*count * sizeof **out);
    if (!*out) return dm_error_set(r->err, DM_ESOFTWARE, r->file, 0, 0, "out of memory");
    for (size_t i = 0; i < *count; i++) {
        (*out)[i] = dmi_yr_at(r, n, i);
        if ((*out)[i]->type != YAML_SCALAR_NODE || (*out)[i]->data.scalar.length == 0) {
            int rc = dmi_yr_expected(r, (*out)[i], what, "an id");
            free(*out);
            *out = NULL;
            return rc;
        }
    }
    return 0;
}
