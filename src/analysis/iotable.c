/* An inoperability input-output model (IIM) from a transactions table.
 *
 * The table (CSV; docs/analysis.md): comment lines start with '#', and a comment
 * "# output_unit: U" names the unit of the outputs. Then a header
 *     sector,name_en,name_ja,output,ID1,ID2,...
 * and one row per sector i, in the header's order: its id and names, its total output
 * x_i per year, and z_ij, the sales of i's output to sector j.
 *
 * Demand-side IIM (Santos & Haimes 2004): a*_ij = z_ij / x_i, the share of i's output
 * that j buys. If j cannot operate, it buys less, and i loses that share of its demand:
 * q_i = sum_j a*_ij q_j + c*_i. In the model, sector i has rule `linear` and depends on
 * each j with strength a*_ij (its own diagonal included), with a lag of one tick, so each
 * tick is one step of the dynamic IIM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domino/analysis.h"

#define MAX_FIELDS 512

typedef struct table {
    size_t n;
    char **id, **name_en, **name_ja;
    double *output, *z;  /* z[i * n + j] */
    char *comments;      /* the leading comment lines, kept as the model's provenance */
    char unit[128];
} table;

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->id) free(t->id[i]);
        if (t->name_en) free(t->name_en[i]);
        if (t->name_ja) free(t->name_ja[i]);
    }
    free(t->id); free(t->name_en); free(t->name_ja); free(t->output); free(t->z); free(t->comments);
}

/* Splits line at commas in place; returns the number of fields, columns[] their 1-based
 * starting columns. */
static size_t split(char *line, char **field, int *column)
{
    size_t k = 0;
    char *p = line;
    while (k < MAX_FIELDS) {
        field[k] = p;
        column[k] = (int)(p - line) + 1;
        k++;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = 0;
        p = comma + 1;
    }
    return k;
}

static int number(const char *path, int line, int column, const char *s, const char *what, double *out,
                  dm_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    if (end == s || *end || errno || !(v >= 0))
        return dm_error_set(err, DM_EDATA, path, line, column, "%s: expected a number >= 0, found '%s'", what, s);
    *out = v;
    return 0;
}

static int read_table(const char *path, table *t, dm_error *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) return dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    char buf[65536], *field[MAX_FIELDS];
    int column[MAX_FIELDS], lineno = 0, rc = 0;
    size_t row = 0, cap = 0, clen = 0;
    while (!rc && fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
            rc = dm_error_set(err, DM_EDATA, path, lineno, 0, "line longer than %zu bytes", sizeof buf - 2);
            break;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = 0;
        if (buf[0] == '#') {  /* provenance: kept for the model's header */
            if (!strncmp(buf, "# output_unit:", 14)) snprintf(t->unit, sizeof t->unit, "%s", buf + 14 + (buf[14] == ' '));
            if (clen + len + 2 > cap) {
                cap = 2 * (clen + len + 2);
                char *c = realloc(t->comments, cap);
                if (!c) { rc = dm_error_set(err, DM_ESOFTWARE, path, lineno, 0, "out of memory"); break; }
                t->comments = c;
            }
            memcpy(t->comments + clen, buf, len);
            clen += len;
            t->comments[clen++] = '\n';
            t->comments[clen] = 0;
            continue;
        }
        if (len == 0) continue;
        if (strchr(buf, '"')) { rc = dm_error_set(err, DM_EDATA, path, lineno, (int)(strchr(buf, '"') - buf) + 1, "quoted fields are not supported: expected plain comma-separated values"); break; }
        size_t k = split(buf, field, column);
        if (!t->id) {  /* the header */
            if (k < 5 || strcmp(field[0], "sector") || strcmp(field[1], "name_en") || strcmp(field[2], "name_ja") ||
                strcmp(field[3], "output")) {
                rc = dm_error_set(err, DM_EDATA, path, lineno, 1, "expected the header 'sector,name_en,name_ja,output,ID1,ID2,...', found '%s'", field[0]);
                break;
            }
            t->n = k - 4;
            t->id = calloc(t->n, sizeof *t->id);
            t->name_en = calloc(t->n, sizeof *t->name_en);
            t->name_ja = calloc(t->n, sizeof *t->name_ja);
            t->output = calloc(t->n, sizeof *t->output);
            t->z = calloc(t->n * t->n, sizeof *t->z);
            if (!t->id || !t->name_en || !t->name_ja || !t->output || !t->z) { rc = dm_error_set(err, DM_ESOFTWARE, path, lineno, 0, "out of memory"); break; }
            for (size_t j = 0; j < t->n && !rc; j++)
                if (!(t->id[j] = strdup(field[4 + j]))) rc = dm_error_set(err, DM_ESOFTWARE, path, lineno, 0, "out of memory");
            continue;
        }
        if (row >= t->n) { rc = dm_error_set(err, DM_EDATA, path, lineno, 1, "expected %zu sector rows (one per column), found more", t->n); break; }
        if (k != t->n + 4) { rc = dm_error_set(err, DM_EDATA, path, lineno, 0, "expected %zu fields, found %zu", t->n + 4, k); break; }
        if (strcmp(field[0], t->id[row])) {
            rc = dm_error_set(err, DM_EDATA, path, lineno, 1, "expected the row of sector '%s' (rows in the header's order), found '%s'", t->id[row], field[0]);
            break;
        }
        if (!(t->name_en[row] = strdup(field[1])) || !(t->name_ja[row] = strdup(field[2]))) { rc = dm_error_set(err, DM_ESOFTWARE, path, lineno, 0, "out of memory"); break; }
        if ((rc = number(path, lineno, column[3], field[3], "output", &t->output[row], err))) break;
        if (!(t->output[row] > 0)) { rc = dm_error_set(err, DM_EDATA, path, lineno, column[3], "output: expected a number > 0, found '%s'", field[3]); break; }
        for (size_t j = 0; j < t->n && !rc; j++)
            rc = number(path, lineno, column[4 + j], field[4 + j], "transaction", &t->z[row * t->n + j], err);
        row++;
    }
    if (!rc && ferror(f)) rc = dm_error_set(err, DM_EIO, path, lineno, 0, "reading failed");
    fclose(f);
    if (!rc && !t->id) rc = dm_error_set(err, DM_EDATA, path, lineno, 0, "expected a header line, found none");
    if (!rc && row < t->n) rc = dm_error_set(err, DM_EDATA, path, lineno, 0, "expected %zu sector rows, found %zu", t->n, row);
    if (rc) table_free(t);
    return rc;
}

static void yaml_text(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

int dm_iim_from_table(const char *path, const char *output, dm_error *err)
{
    table t;
    int rc = read_table(path, &t, err);
    if (rc) return rc;
    dm_output o;
    const char *inputs[] = {path};
    if ((rc = dm_output_begin(&o, output ? output : "-", DM_OUTPUT_TEXT, inputs, 1, err))) {
        table_free(&t);
        return rc;
    }
    FILE *out = o.stream;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    fprintf(out, "# Inoperability input-output model (IIM) derived by `domino analyze --io %s`.\n", base);
    fputs("# a*_ij = z_ij / x_i (demand side, Santos & Haimes 2004): the share of sector i's output\n"
          "# bought by sector j; every strength below is one a*_ij, computed from the table.\n"
          "# Each dependency has a lag of one tick: each tick is one step of the dynamic IIM\n"
          "# q(t+1) = q(t) + K (A* q(t) + c* - q(t)) (Lian & Haimes 2006). Choose the scenario's\n"
          "# tick as the DIIM time step, and set each sector's recovery time (dynamics) from data.\n", out);
    if (t.comments) { fputs("#\n# The table's own notes:\n", out); fputs(t.comments, out); }
    /* the model is named after the file it is written to, else after the table */
    const char *named = output ? (strrchr(output, '/') ? strrchr(output, '/') + 1 : output) : base;
    char name[256];
    snprintf(name, sizeof name, "%s", named);
    char *dot = strrchr(name, '.');
    if (dot) *dot = 0;
    fprintf(out, "name: %s%s\ndescription: ", name, output ? "" : "-iim");
    yaml_text(out, "Inoperability input-output model derived from a transactions table");
    fprintf(out, "\noutput_unit: ");
    yaml_text(out, t.unit);
    fputs("\n\nsectors:\n", out);
    for (size_t i = 0; i < t.n; i++) {
        fprintf(out, "  - id: %s\n    name_en: ", t.id[i]);
        yaml_text(out, t.name_en[i]);
        fputs("\n    name_ja: ", out);
        yaml_text(out, t.name_ja[i]);
        fprintf(out, "\n    output: %.15g   # x_i from the table\n", t.output[i]);
        fputs("    rule: linear\n"
              "    dynamics: {kind: relax, k: 1}   # ASSUMPTION: k = 1 is the static IIM, one step per tick;\n"
              "                                    # give {kind: relax, recovery: T} per sector for the DIIM\n", out);
    }
    fputs("\ndependencies:\n", out);
    for (size_t i = 0; i < t.n; i++) {
        double sum = 0;
        for (size_t j = 0; j < t.n; j++) sum += t.z[i * t.n + j] / t.output[i];
        /* In a competitive-import table, intermediate sales include imports and can
         * exceed domestic output; the row then sums above 1. Say so where it happens. */
        if (sum > 1)
            fprintf(out, "  # note: %s's intermediate sales exceed its output (row sum of a* = %.4f): imports "
                         "in a competitive-import table\n", t.id[i], sum);
        for (size_t j = 0; j < t.n; j++) {
            double a = t.z[i * t.n + j] / t.output[i];
            if (a <= 0) continue;
            fprintf(out, "  - {dependent: %s, providers: %s, strength: %.12g, lag: 1s}   # z = %.15g, x = %.15g\n",
                    t.id[i], t.id[j], a, t.z[i * t.n + j], t.output[i]);
        }
    }
    table_free(&t);
    return dm_output_commit(&o, err);
}
