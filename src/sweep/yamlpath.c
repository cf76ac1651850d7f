/* Setting values by path in a YAML document, for sweeps (docs/sweeps.md, "Paths").
 *
 * A path is keys separated by '.', where a key may select one element of a list:
 *   hazards[grid-control-attack].duration          the element whose id is ...
 *   dependencies[dependent=ICT,providers=ELEC].buffer.duration   every key=value matches
 *   sectors[3].dynamics.restart                    the fourth element
 * The last key is set to a plain scalar; it is added when its mapping lacks it, and it
 * replaces whatever was there (a distribution, say). The document is then written back
 * as text, which the ordinary loaders read: a swept file is checked like any other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "yamlpath.h"

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

/* Does list element e match the selector text (k=v,k2=v2 or an id)? */
static int matches(yaml_document_t *d, yaml_node_t *e, const char *sel)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", sel);
    if (!strchr(buf, '=')) {
        yaml_node_pair_t *p = pair_of(d, e, "id");
        const char *v = p ? scalar(yaml_document_get_node(d, p->value)) : NULL;
        return v && !strcmp(v, buf);
    }
    for (char *save, *cond = strtok_r(buf, ",", &save); cond; cond = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(cond, '=');
        if (!eq) return 0;
        *eq = 0;
        yaml_node_pair_t *p = pair_of(d, e, cond);
        const char *v = p ? scalar(yaml_document_get_node(d, p->value)) : NULL;
        if (!v || strcmp(v, eq + 1)) return 0;
    }
    return 1;
}

/* Walks path in d; on success *map is the mapping that holds (or will hold) the last key,
 * copied into last. Fails with a message in why. */
static int walk(yaml_document_t *d, const char *path, yaml_node_t **map, char *last, size_t lastsize,
                char *why, size_t whysize)
{
    char buf[1024];
    if (strlen(path) >= sizeof buf) { snprintf(why, whysize, "the path is too long"); return -1; }
    strcpy(buf, path);
    yaml_node_t *node = yaml_document_get_root_node(d);
    char *seg = buf;
    while (seg) {
        char *dot = NULL;
        int depth = 0;
        for (char *p = seg; *p; p++) {  /* a '.' outside [...] ends the key */
            if (*p == '[') depth++;
            else if (*p == ']') depth--;
            else if (*p == '.' && !depth) { dot = p; break; }
        }
        if (dot) *dot = 0;
        char *bracket = strchr(seg, '[');
        char sel[256] = "";
        if (bracket) {
            char *close = strchr(bracket, ']');
            if (!close || close[1]) { snprintf(why, whysize, "'%s': expected key[selector]", seg); return -1; }
            *close = 0;
            snprintf(sel, sizeof sel, "%s", bracket + 1);
            *bracket = 0;
        }
        if (!*seg) { snprintf(why, whysize, "an empty key in the path"); return -1; }
        if (!dot && !bracket) {  /* the last key */
            if (!node || node->type != YAML_MAPPING_NODE) {
                snprintf(why, whysize, "'%s': expected a mapping to hold it", seg);
                return -1;
            }
            *map = node;
            snprintf(last, lastsize, "%s", seg);
            return 0;
        }
        yaml_node_pair_t *p = pair_of(d, node, seg);
        if (!p) { snprintf(why, whysize, "no key '%s'", seg); return -1; }
        node = yaml_document_get_node(d, p->value);
        if (bracket) {
            if (!node || node->type != YAML_SEQUENCE_NODE) { snprintf(why, whysize, "'%s' is not a list", seg); return -1; }
            yaml_node_t *found = NULL;
            char *end;
            long index = strtol(sel, &end, 10);
            size_t count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
            if (*sel && !*end) {
                if (index < 0 || (size_t)index >= count) {
                    snprintf(why, whysize, "'%s[%s]': the list has %zu elements", seg, sel, count);
                    return -1;
                }
                found = yaml_document_get_node(d, node->data.sequence.items.start[index]);
            } else {
                for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
                    yaml_node_t *e = yaml_document_get_node(d, *it);
                    if (!matches(d, e, sel)) continue;
                    if (found) { snprintf(why, whysize, "'%s[%s]' matches more than one element", seg, sel); return -1; }
                    found = e;
                }
            }
            if (!found) { snprintf(why, whysize, "'%s[%s]' matches no element", seg, sel); return -1; }
            node = found;
            if (!dot) { snprintf(why, whysize, "the path ends at a list element: expected a key after it"); return -1; }
        }
        seg = dot ? dot + 1 : NULL;
    }
    snprintf(why, whysize, "an empty path");
    return -1;
}

static int set(yaml_document_t *d, const char *path, const char *value, char *why, size_t whysize)
{
    yaml_node_t *map;
    char key[256];
    if (walk(d, path, &map, key, sizeof key, why, whysize)) return -1;
    int v = yaml_document_add_scalar(d, NULL, (yaml_char_t *)value, (int)strlen(value), YAML_PLAIN_SCALAR_STYLE);
    if (!v) { snprintf(why, whysize, "out of memory"); return -1; }
    /* adding nodes may move the node array: find the mapping again */
    if (walk(d, path, &map, key, sizeof key, why, whysize)) return -1;
    yaml_node_pair_t *p = pair_of(d, map, key);
    if (p) {
        p->value = v;  /* the old value stays in the document, unreferenced, and is not emitted */
        return 0;
    }
    int k = yaml_document_add_scalar(d, NULL, (yaml_char_t *)key, (int)strlen(key), YAML_PLAIN_SCALAR_STYLE);
    if (!k || walk(d, path, &map, key, sizeof key, why, whysize)) { snprintf(why, whysize, "out of memory"); return -1; }
    int mapping = (int)(map - d->nodes.start) + 1;
    if (!yaml_document_append_mapping_pair(d, mapping, k, v)) { snprintf(why, whysize, "out of memory"); return -1; }
    return 0;
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
    for (size_t i = 0; i < n; i++)
        if (set(&doc, paths[i], values[i], why, sizeof why)) {
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
