/* Setting values by path in a YAML document, for sweeps (docs/sweeps.md, "Paths") and a
 * scenario's overrides (docs/scenario-format.md, "Overrides").
 *
 * A path is keys separated by '.', where a key may select elements of a list:
 *   hazards[grid-control-attack].duration          the element whose id is ...
 *   dependencies[dependent=ICT,providers=ELEC].buffer.duration   every key=value matches
 *   sectors[3].dynamics.restart                    the fourth element
 *   dependencies[dependent=ICT.*,providers=ELEC.*].buffer.share  '*' matches any text
 * A selector without '*' names one element: matching none or several is an error. One
 * with '*' may match many, and the path goes on from each; the elements from which the
 * rest of the path leads nowhere (a dependency without a buffer) are passed over, but the
 * path as a whole must reach at least one place. A key whose value is a list (a
 * dependency's providers) matches when one of its items does (a provider's `node`).
 * The last key is set to the value; it is added when its mapping lacks it, and it
 * replaces whatever was there (a distribution, say). Node indices, not pointers, are held
 * across additions, since adding a node may move the document's node array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/yamlpath.h"

#define MAX_SEGMENTS 32

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_pair_t *pair_of(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(d, p->key));
        if (k && !strcmp(k, key)) return p;
    }
    return NULL;
}

/* Does text s match pattern pat, where '*' stands for any run of characters? */
static int glob(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') { star = pat++; resume = s; }
        else if (*pat == *s) { pat++; s++; }
        else if (star) { pat = star + 1; s = ++resume; }
        else return 0;
    }
    while (*pat == '*') pat++;
    return !*pat;
}

/* Does the value v of a selector's key match pat? A list matches when one of its items
 * does: a scalar, or a mapping's node (a provider with a share) or id. */
static int value_matches(yaml_document_t *d, yaml_node_t *v, const char *pat)
{
    if (scalar(v)) return glob(pat, scalar(v));
    if (!v || v->type != YAML_SEQUENCE_NODE) return 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(d, *it);
        yaml_node_pair_t *p = pair_of(d, e, "node");
        if (!p) p = pair_of(d, e, "id");
        if (value_matches(d, p ? yaml_document_get_node(d, p->value) : e, pat)) return 1;
    }
    return 0;
}

/* Does list element e match the selector text (k=v,k2=v2 or an id)? */
static int matches(yaml_document_t *d, yaml_node_t *e, const char *sel)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", sel);
    if (!strchr(buf, '=')) {
        if (!strcmp(buf, "*")) return 1;  /* every element, with an id or not */
        yaml_node_pair_t *p = pair_of(d, e, "id");
        const char *v = p ? scalar(yaml_document_get_node(d, p->value)) : NULL;
        return v && glob(buf, v);
    }
    for (char *save, *cond = strtok_r(buf, ",", &save); cond; cond = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(cond, '=');
        if (!eq) return 0;
        *eq = 0;
        yaml_node_pair_t *p = pair_of(d, e, cond);
        if (!p || !value_matches(d, yaml_document_get_node(d, p->value), eq + 1)) return 0;
    }
    return 1;
}

/* A path cut into its keys and their selectors (NULL: none). */
typedef struct segments {
    char buf[1024];
    char *key[MAX_SEGMENTS], *sel[MAX_SEGMENTS];
    size_t n;
} segments;

static int split(const char *path, segments *sg, char *why, size_t whysize)
{
    if (strlen(path) >= sizeof sg->buf) { snprintf(why, whysize, "the path is too long"); return -1; }
    strcpy(sg->buf, path);
    sg->n = 0;
    for (char *seg = sg->buf; seg;) {
        char *dot = NULL;
        int depth = 0;
        for (char *p = seg; *p; p++) {  /* a '.' outside [...] ends the key */
            if (*p == '[') depth++;
            else if (*p == ']') depth--;
            else if (*p == '.' && !depth) { dot = p; break; }
        }
        if (dot) *dot = 0;
        char *bracket = strchr(seg, '['), *sel = NULL;
        if (bracket) {
            char *close = strchr(bracket, ']');
            if (!close || close[1]) { snprintf(why, whysize, "'%s': expected key[selector]", seg); return -1; }
            *close = 0;
            *bracket = 0;
            sel = bracket + 1;
        }
        if (!*seg) { snprintf(why, whysize, "an empty key in the path"); return -1; }
        if (sg->n == MAX_SEGMENTS) { snprintf(why, whysize, "more than %d keys in the path", MAX_SEGMENTS); return -1; }
        sg->key[sg->n] = seg;
        sg->sel[sg->n++] = sel;
        if (!dot && sel) { snprintf(why, whysize, "the path ends at a list element: expected a key after it"); return -1; }
        seg = dot ? dot + 1 : NULL;
    }
    return 0;
}

/* The mappings (node indices) that hold the path's last key, found from node index at
 * segment i on. A failure is written to why only if none was written yet (the first
 * reason is the one reported when nothing matches). Returns -1 on an error that no
 * wildcard excuses (a selector without '*' matching several elements, too many targets). */
typedef struct targets { int *at; size_t n, cap; } targets;

static int descend(yaml_document_t *d, const segments *sg, size_t i, int index, targets *tg, char *why, size_t whysize)
{
#define MISS(...) do { if (!*why) snprintf(why, whysize, __VA_ARGS__); return 0; } while (0)
    yaml_node_t *node = yaml_document_get_node(d, index);
    const char *key = sg->key[i], *sel = sg->sel[i];
    if (i + 1 == sg->n) {  /* the last key */
        if (!node || node->type != YAML_MAPPING_NODE) MISS("'%s': expected a mapping to hold it", key);
        if (tg->n == tg->cap) {
            size_t cap = tg->cap ? 2 * tg->cap : 16;
            int *at = realloc(tg->at, cap * sizeof *at);
            if (!at) { snprintf(why, whysize, "out of memory"); return -1; }
            tg->at = at;
            tg->cap = cap;
        }
        tg->at[tg->n++] = index;
        return 0;
    }
    yaml_node_pair_t *p = pair_of(d, node, key);
    if (!p) MISS("no key '%s'", key);
    int child = p->value;
    if (!sel) return descend(d, sg, i + 1, child, tg, why, whysize);
    node = yaml_document_get_node(d, child);
    if (!node || node->type != YAML_SEQUENCE_NODE) MISS("'%s' is not a list", key);
    size_t count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    char *end;
    long k = strtol(sel, &end, 10);
    if (*sel && !*end) {
        if (k < 0 || (size_t)k >= count) MISS("'%s[%s]': the list has %zu elements", key, sel, count);
        return descend(d, sg, i + 1, node->data.sequence.items.start[k], tg, why, whysize);
    }
    int wildcard = strchr(sel, '*') != NULL, found = 0;
    for (size_t j = 0; j < count; j++) {
        node = yaml_document_get_node(d, child);  /* the node array does not move while walking */
        int item = node->data.sequence.items.start[j];
        if (!matches(d, yaml_document_get_node(d, item), sel)) continue;
        if (found && !wildcard) {
            snprintf(why, whysize, "'%s[%s]' matches more than one element (a selector with '*' sets every match)", key, sel);
            return -1;
        }
        found = 1;
        if (descend(d, sg, i + 1, item, tg, why, whysize)) return -1;
    }
    if (!found) MISS("'%s[%s]' matches no element", key, sel);
    return 0;
#undef MISS
}

int yp_copy(yaml_document_t *dst, yaml_document_t *src, int index)
{
    yaml_node_t *n = yaml_document_get_node(src, index);
    if (!n) return 0;
    yaml_char_t *tag = n->tag;
    int out = 0;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return yaml_document_add_scalar(dst, tag, n->data.scalar.value, (int)n->data.scalar.length, n->data.scalar.style);
    case YAML_SEQUENCE_NODE:
        if (!(out = yaml_document_add_sequence(dst, tag, n->data.sequence.style))) return 0;
        for (size_t j = 0;; j++) {
            n = yaml_document_get_node(src, index);  /* src may be dst's sibling, never dst itself */
            if (j >= (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)) break;
            int item = yp_copy(dst, src, n->data.sequence.items.start[j]);
            if (!item || !yaml_document_append_sequence_item(dst, out, item)) return 0;
        }
        return out;
    case YAML_MAPPING_NODE:
        if (!(out = yaml_document_add_mapping(dst, tag, n->data.mapping.style))) return 0;
        for (size_t j = 0;; j++) {
            n = yaml_document_get_node(src, index);
            if (j >= (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start)) break;
            yaml_node_pair_t pr = n->data.mapping.pairs.start[j];
            int k = yp_copy(dst, src, pr.key), v = k ? yp_copy(dst, src, pr.value) : 0;
            if (!v || !yaml_document_append_mapping_pair(dst, out, k, v)) return 0;
        }
        return out;
    default:
        return 0;
    }
}

int yp_set(yaml_document_t *d, const char *path, yaml_document_t *src, int src_index, const char *text,
           size_t *matched, char *why, size_t whysize)
{
    segments *sg = malloc(sizeof *sg);
    targets tg = {0};
    int rc = -1;
    size_t n = 0;
    *why = 0;
    *matched = 0;
    if (!sg) { snprintf(why, whysize, "out of memory"); goto done; }
    if (split(path, sg, why, whysize)) goto done;
    if (!yaml_document_get_root_node(d)) { snprintf(why, whysize, "the document is empty"); goto done; }
    if (descend(d, sg, 0, 1, &tg, why, whysize)) goto done;
    n = tg.n;
    if (n == 0) {
        if (!*why) snprintf(why, whysize, "the path matches nothing");
        goto done;
    }
    const char *last = sg->key[sg->n - 1];
    for (size_t i = 0; i < n; i++) {
        /* a node of its own for each place, so that no emitted text needs an alias */
        int v = src ? yp_copy(d, src, src_index)
                    : yaml_document_add_scalar(d, NULL, (yaml_char_t *)text, (int)strlen(text), YAML_PLAIN_SCALAR_STYLE);
        if (!v) { snprintf(why, whysize, "out of memory"); goto done; }
        yaml_node_pair_t *p = pair_of(d, yaml_document_get_node(d, tg.at[i]), last);
        if (p) {
            p->value = v;  /* the old value stays in the document, unreferenced, and is not emitted */
            continue;
        }
        int k = yaml_document_add_scalar(d, NULL, (yaml_char_t *)last, (int)strlen(last), YAML_PLAIN_SCALAR_STYLE);
        if (!k || !yaml_document_append_mapping_pair(d, tg.at[i], k, v)) { snprintf(why, whysize, "out of memory"); goto done; }
    }
    *matched = n;
    *why = 0;
    rc = 0;
done:
    free(sg);
    free(tg.at);
    return rc;
}

typedef struct buffer { char *data; size_t len, cap; } buffer;

static int write_out(void *ctx, unsigned char *data, size_t size)
{
    buffer *b = ctx;
    if (b->len + size + 1 > b->cap) {
        size_t cap = 2 * (b->len + size + 1);
        char *p = realloc(b->data, cap);
        if (!p) return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, size);
    b->len += size;
    b->data[b->len] = 0;
    return 1;
}

int yp_apply(const char *text, size_t len, const char *file, size_t n, const char *const *paths,
             const char *const *values, char **out, int *failed, dm_error *err)
{
    *out = NULL;
    *failed = -1;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int loaded = yaml_parser_load(&parser, &doc);
    yaml_parser_delete(&parser);
    if (!loaded) return dm_error_set(err, DM_EDATA, file, 0, 0, "not valid YAML");
    char why[512];
    size_t matched;
    for (size_t i = 0; i < n; i++)
        if (yp_set(&doc, paths[i], NULL, 0, values[i], &matched, why, sizeof why)) {
            yaml_document_delete(&doc);
            *failed = (int)i;
            return dm_error_set(err, DM_EDATA, file, 0, 0, "path '%s': %s", paths[i], why);
        }
    yaml_emitter_t em;
    buffer b = {0};
    if (!yaml_emitter_initialize(&em)) {
        yaml_document_delete(&doc);
        return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "cannot initialise the YAML emitter");
    }
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_emitter_set_output(&em, write_out, &b);
    /* yaml_emitter_dump takes the document and deletes it */
    int ok = yaml_emitter_open(&em) && yaml_emitter_dump(&em, &doc) && yaml_emitter_close(&em);
    yaml_emitter_delete(&em);
    if (!ok || !b.data) {
        free(b.data);
        return dm_error_set(err, DM_ESOFTWARE, file, 0, 0, "writing the swept YAML failed");
    }
    *out = b.data;
    return 0;
}
