/* Renderings of an analysis: the readable report, JSON, Graphviz DOT and HDF5. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <hdf5_hl.h>
#include "domino.h"
#include "domino/analysis.h"
#include "core/h5util.h"
#include "core/sort.h"
#include "core/hash.h"
#include "core/duration.h"

/* "h:mm" for a duration in hours; "-" for never. */
static const char *hhmm(double hours, char *buf, size_t size)
{
    if (!isfinite(hours)) snprintf(buf, size, "-");
    else dmi_format_hmm(hours * 60, buf, size);
    return buf;
}

int dm_analysis_write_text(FILE *out, const dm_analysis *a, int ja)
{
    size_t n = a->n;
    const char *unit = a->by_node ? (ja ? "ノード" : "node") : (ja ? "分野" : "sector");
    int *order = malloc((n + 1) * sizeof *order);
    if (!order) return DM_ESOFTWARE;
    char t[32];

    fprintf(out, ja ? "モデル「%s」の相互依存性解析（%zu %s）\n\n" : "Interdependency analysis of model '%s' (%zu %ss)\n\n",
            a->model->name, n, unit);
    fputs(ja ? "1. 直接の依存（依存先: 強さ w、影響までの時間 = 遅れ + バッファ）\n"
             : "1. Direct dependencies (provider: strength w, time to impact = lag + buffer)\n", out);
    for (size_t to = 0; to < n; to++) {
        fprintf(out, "  %-8s <-", dm_analysis_id(a, to));
        int any = 0;
        for (size_t from = 0; from < n; from++) {
            double w = a->strength[from * n + to];
            if (w <= 0) continue;
            fprintf(out, " %s %.2g %s%s", dm_analysis_id(a, from), w, hhmm(a->direct_hours[from * n + to], t, sizeof t),
                    from == to ? (ja ? "(自己)" : "(self)") : "");
            any = 1;
        }
        fputs(any ? "\n" : (ja ? " なし\n" : " nothing\n"), out);
    }

    fputs(ja ? "\n2. 全面停止の波及（到達先: 最短の影響時間 h:mm、ホップ数）\n"
             : "\n2. Reach of a total loss (reached unit: earliest impact h:mm, hops)\n", out);
    for (size_t from = 0; from < n; from++) {
        size_t k = 0;
        for (size_t to = 0; to < n; to++)
            if (to != from && a->hops[from * n + to] > 0) order[k++] = (int)to;
        if (dmi_sort_by_key(order, k, a->earliest_hours + from * n, 0)) { free(order); return DM_ESOFTWARE; }  /* earliest first */
        fprintf(out, "  %-8s -> %zu:", dm_analysis_id(a, from), k);
        for (size_t i = 0; i < k; i++)
            fprintf(out, " %s %s (%d)", dm_analysis_id(a, (size_t)order[i]),
                    hhmm(a->earliest_hours[from * n + (size_t)order[i]], t, sizeof t), a->hops[from * n + (size_t)order[i]]);
        fputc('\n', out);
    }

    fprintf(out, ja ? "\n3. 高次の依存 (I − αW)^-1（行: 依存される側、列: 依存する側；α = %.3g、ρ(W) = %.3g）\n"
                    : "\n3. Higher-order dependence (I - alpha W)^-1 (row: provider, column: dependent; alpha = %.3g, rho(W) = %.3g)\n",
            a->alpha, a->spectral_radius);
    fputs("          ", out);
    for (size_t to = 0; to < n; to++) fprintf(out, " %6.6s", dm_analysis_id(a, to));
    fputc('\n', out);
    for (size_t from = 0; from < n; from++) {
        fprintf(out, "  %-8s", dm_analysis_id(a, from));
        for (size_t to = 0; to < n; to++) {
            double x = a->higher[from * n + to];
            fprintf(out, " %6.2f", fabs(x) < 0.005 ? 0.0 : x);  /* no "-0.00" from rounding */
        }
        fputc('\n', out);
    }

    fputs(ja ? "\n4. フィードバックループ（強連結成分）\n" : "\n4. Feedback loops (strongly connected groups)\n", out);
    int loops = 0;
    for (size_t c = 0; c < a->ncomponents; c++) {
        size_t k = 0;
        for (size_t u = 0; u < n; u++)
            if ((size_t)a->component[u] == c) order[k++] = (int)u;
        if (k < 2) continue;
        fprintf(out, "  %zu:", k);
        for (size_t i = 0; i < k; i++) fprintf(out, " %s", dm_analysis_id(a, (size_t)order[i]));
        fputc('\n', out);
        loops++;
    }
    if (!loops) fputs(ja ? "  なし\n" : "  none\n", out);

    if (a->criticality) {
        fputs(ja ? "\n5. 重要度ランキング（全面停止で他分野が失うサービス時間［分野・時間］、逸脱する他分野の数）\n"
                 : "\n5. Criticality ranking (service other sectors lose after a total loss, in sector-hours; other sectors breached)\n",
              out);
        for (size_t i = 0; i < n; i++) {
            size_t u = (size_t)a->ranking[i];
            fprintf(out, "  %2zu. %-8s %-38s %10.1f  %d\n", i + 1, dm_analysis_id(a, u), dm_analysis_name(a, u, ja),
                    a->criticality[u], a->breached[u]);
        }
    }
    free(order);
    return ferror(out) ? DM_EIO : 0;
}

static json_t *num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

int dm_analysis_write_json(FILE *out, const dm_analysis *a)
{
    size_t n = a->n;
    json_t *units = json_array();
    for (size_t u = 0; u < n; u++) {
        json_t *deps = json_array(), *reach = json_array(), *higher = json_array();
        for (size_t v = 0; v < n; v++) {
            if (a->strength[v * n + u] > 0)
                json_array_append_new(deps, json_pack("{s:s, s:f, s:o}", "provider", dm_analysis_id(a, v),
                    "strength", a->strength[v * n + u], "hours", num(a->direct_hours[v * n + u])));
            if (v != u && a->hops[u * n + v] > 0)
                json_array_append_new(reach, json_pack("{s:s, s:i, s:f}", "unit", dm_analysis_id(a, v),
                    "hops", a->hops[u * n + v], "earliest_hours", a->earliest_hours[u * n + v]));
            json_array_append_new(higher, json_real(a->higher[u * n + v]));
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:i}", "id", dm_analysis_id(a, u),
            "name_en", dm_analysis_name(a, u, 0), "name_ja", dm_analysis_name(a, u, 1), "depends_on", deps,
            "reaches", reach, "higher_order", higher, "component", a->component[u]);
        if (a->criticality) {
            json_object_set_new(o, "criticality_sector_hours", json_real(a->criticality[u]));
            json_object_set_new(o, "sectors_breached", json_integer(a->breached[u]));
        }
        json_array_append_new(units, o);
    }
    json_t *ranking = json_array();
    for (size_t i = 0; a->criticality && i < n; i++) json_array_append_new(ranking, json_string(dm_analysis_id(a, (size_t)a->ranking[i])));
    json_t *doc = json_pack("{s:i, s:s, s:s, s:f, s:f, s:o, s:o}", "schema_version", 1, "model", a->model->name,
        "units", a->by_node ? "nodes" : "sectors", "alpha", a->alpha, "spectral_radius", a->spectral_radius,
        "items", units, "criticality_ranking", ranking);
    if (!doc) return DM_ESOFTWARE;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    fputc('\n', out);
    json_decref(doc);
    return rc || ferror(out) ? DM_EIO : 0;
}

int dm_analysis_write_dot(FILE *out, const dm_analysis *a, int ja)
{
    size_t n = a->n;
    char t[32];
    fprintf(out, "// domino analyze: model '%s'. Edge provider -> dependent; width = strength,\n"
                 "// label = time to impact (lag + buffer). Render: dot -Tsvg FILE.dot > FILE.svg\n", a->model->name);
    fputs("digraph domino {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Noto Sans CJK JP, sans-serif\"];\n"
          "  edge [fontname=\"sans-serif\", fontsize=9, color=\"#555555\"];\n", out);
    for (size_t u = 0; u < n; u++)
        fprintf(out, "  \"%s\" [label=\"%s\\n%s\"];\n", dm_analysis_id(a, u), dm_analysis_name(a, u, ja), dm_analysis_id(a, u));
    for (size_t from = 0; from < n; from++)
        for (size_t to = 0; to < n; to++) {
            double w = a->strength[from * n + to];
            if (w <= 0 || from == to) continue;
            fprintf(out, "  \"%s\" -> \"%s\" [penwidth=%.2f, label=\"%s\"];\n", dm_analysis_id(a, from),
                    dm_analysis_id(a, to), 0.5 + 3.5 * w, hhmm(a->direct_hours[from * n + to], t, sizeof t));
        }
    fputs("}\n", out);
    return ferror(out) ? DM_EIO : 0;
}

#define ANALYSIS_FORMAT "domino-analysis 1"

int dm_analysis_write_h5(const char *path, const dm_analysis *a, const char *command_line, dm_error *err)
{
    size_t n = a->n;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    dm_output out;
    const char *inputs[] = {a->model->file};
    int rc0 = dm_output_begin(&out, path, 0, inputs, 1, err);
    if (!rc0) f = H5Fcreate(out.path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (rc0) return rc0;
    if (f < 0) { dm_output_abort(&out); return dm_error_set(err, DM_ECANTCREAT, path, 0, 0, "HDF5 cannot create the output file"); }
    hid_t str = dmi_h5_string_type();
    const char **ids = malloc((n + 1) * sizeof *ids);
    hsize_t dims[2] = {n, n};
    int rc = !ids || str < 0;
    for (size_t u = 0; !rc && u < n; u++) ids[u] = dm_analysis_id(a, u);
    /* CF: numeric dimensions, the units' ids as labels (provider_id, dependent_id) */
    const char *what = a->by_node ? "node" : "sector";
    char lp[64], ld[64];
    snprintf(lp, sizeof lp, "%s depended upon (provider)", what);
    snprintf(ld, sizeof ld, "%s that depends (dependent)", what);
    hid_t from = rc ? -1 : dmi_h5_labelled_dimension(f, "provider", n, ids, lp);
    hid_t to = rc ? -1 : dmi_h5_labelled_dimension(f, "dependent", n, ids, ld);
    rc = rc || from < 0 || to < 0;
    struct { const char *name; hid_t type; const void *data; const char *long_name, *units; } vars[] = {
        {"strength", H5T_NATIVE_DOUBLE, a->strength, "direct dependence W (strength x share)", "1"},
        {"direct_hours", H5T_NATIVE_DOUBLE, a->direct_hours, "lag + typical buffer of the direct dependency (inf: none)", "h"},
        {"hops", H5T_NATIVE_INT, a->hops, "fewest dependency hops (-1: never reached)", NULL},
        {"earliest_hours", H5T_NATIVE_DOUBLE, a->earliest_hours, "earliest impact of a total loss (inf: never)", "h"},
        {"higher_order", H5T_NATIVE_DOUBLE, a->higher, "(I - alpha W)^-1", "1"},
    };
    for (size_t i = 0; !rc && i < sizeof vars / sizeof vars[0]; i++) {
        hid_t ds = dmi_h5_variable(f, vars[i].name, vars[i].type, 2, dims, NULL, NULL);
        rc = ds < 0 || dmi_h5_write_all(ds, vars[i].type, vars[i].data) || H5DSattach_scale(ds, from, 0) < 0 ||
             H5DSattach_scale(ds, to, 1) < 0 || dmi_h5_attr_text(ds, "long_name", vars[i].long_name) ||
             (vars[i].units && dmi_h5_attr_text(ds, "units", vars[i].units));
        if (ds >= 0) H5Dclose(ds);
    }
    if (!rc) {
        hid_t ds = dmi_h5_variable(f, "component", H5T_NATIVE_INT, 1, dims, NULL, NULL);
        rc = ds < 0 || dmi_h5_write_all(ds, H5T_NATIVE_INT, a->component) || H5DSattach_scale(ds, from, 0) < 0 ||
             dmi_h5_attr_text(ds, "long_name", "strongly connected group (feedback loop) of the unit");
        if (ds >= 0) H5Dclose(ds);
    }
    if (!rc && a->criticality) {
        hid_t ds = dmi_h5_variable(f, "criticality", H5T_NATIVE_DOUBLE, 1, dims, NULL, NULL);
        rc = ds < 0 || dmi_h5_write_all(ds, H5T_NATIVE_DOUBLE, a->criticality) || H5DSattach_scale(ds, from, 0) < 0 ||
             dmi_h5_attr_text(ds, "long_name", "sector-hours the other sectors lose after a total loss of the unit") ||
             dmi_h5_attr_text(ds, "units", "h");  /* "hours" would read as a timedelta in xarray */
        if (ds >= 0) H5Dclose(ds);
    }
    char created[32], versions[512], source[64], sha[65], title[300];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    dm_library_versions(versions, sizeof versions);
    snprintf(source, sizeof source, "domino %s", dm_version());
    snprintf(title, sizeof title, "domino analyze of model '%s' (by %s)", a->model->name, what);
    const char *text = a->model->text ? a->model->text : "";
    dmi_sha256_hex(text, strlen(text), sha);
    rc = rc || dmi_h5_cf_coordinates(f, NULL, 0) ||
         dmi_h5_attr_text(f, "Conventions", "CF-1.8") || dmi_h5_attr_text(f, "title", title) ||
         dmi_h5_attr_text(f, "domino_format", ANALYSIS_FORMAT) || dmi_h5_attr_text(f, "domino_version", dm_version()) ||
         dmi_h5_attr_text(f, "library_versions", versions) || dmi_h5_attr_text(f, "created", created) ||
         dmi_h5_attr_text(f, "source", source) || dmi_h5_attr_text(f, "command_line", command_line ? command_line : "") ||
         dmi_h5_history(f, NULL, command_line && *command_line ? command_line : "domino analyze (library call)") ||
         dmi_h5_attr_text(f, "model_name", a->model->name) || dmi_h5_attr_text(f, "model_file", a->model->file ? a->model->file : "") ||
         dmi_h5_attr_text(f, "model_sha256", sha) || dmi_h5_attr_text(f, "model_text", text) ||
         dmi_h5_attr_text(f, "units_analysed", what) || dmi_h5_attr_int64(f, "units", (int64_t)n) ||
         dmi_h5_attr_double(f, "alpha", a->alpha) || dmi_h5_attr_double(f, "spectral_radius", a->spectral_radius) ||
         dmi_h5_attr_text(f, "criticality", a->criticality ? "computed" : "not computed");
    if (from >= 0) H5Dclose(from);
    if (to >= 0) H5Dclose(to);
    if (str >= 0) H5Tclose(str);
    free(ids);
    rc |= H5Fclose(f) < 0;
    if (rc) {
        dm_output_abort(&out);
        return dm_error_set(err, DM_EIO, path, 0, 0, "writing the analysis file failed (HDF5 error; disk full?)");
    }
    return dm_output_commit(&out, err);
}

int dm_analysis_read_info(const char *path, char **text, dm_error *err)
{
    *text = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) return dm_error_set(err, DM_EDATA, path, 0, 0, "not an HDF5 file");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return dm_error_set(err, DM_EDATA, path, 0, 0, "HDF5 cannot open the file: it is truncated or corrupt");
    char *format = dmi_h5_read_attr_text(f, "domino_format");
    int rc = 0;
    if (!format || strcmp(format, ANALYSIS_FORMAT))
        rc = dm_error_set(err, DM_EDATA, path, 0, 0, "not a domino analysis file (expected domino_format '%s')", ANALYSIS_FORMAT);
    static const char *const keys[] = {"title", "model_name", "model_file", "model_sha256", "units_analysed", "criticality",
                                       "domino_version", "created", "history"};
    size_t cap = 4096, at = 0;
    char *out = rc ? NULL : malloc(cap);
    if (!rc && !out) rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < sizeof keys / sizeof *keys; i++) {
        char *v = dmi_h5_read_attr_text(f, keys[i]);
        size_t need = strlen(keys[i]) + (v ? strlen(v) : 0) + 8;
        if (at + need >= cap) {
            char *grown = realloc(out, cap = 2 * (at + need));
            if (!grown) { free(v); rc = dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); break; }
            out = grown;
        }
        at += (size_t)snprintf(out + at, cap - at, "%s: %s\n", keys[i], v ? v : "(missing)");
        free(v);
    }
    int64_t units = 0;
    if (!rc && dmi_h5_read_attr_int64(f, "units", &units) == 0 && at + 40 < cap)
        at += (size_t)snprintf(out + at, cap - at, "units: %lld\n", (long long)units);
    free(format);
    H5Fclose(f);
    if (rc) { free(out); return rc; }
    *text = out;
    return 0;
}
