/* `domino report FILE.h5 -o report.html` (docs/report.md): one self-contained HTML page
 * that opens offline in any browser: the scenario and its assumptions, the breach tables,
 * a Gantt chart of the breaches, the prefecture map over time with a slider, the sector
 * levels (mean and 5-95 % band across replicates), and the exercise injects. Nothing is
 * fetched: the styles, the script (ours, a few dozen lines) and the data are in the page;
 * the charts are SVG, drawn here or by the page's script. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "domino.h"
#include "core/h5util.h"
#include "io/timeline.h"

/* Okabe & Ito (2008) colour-blind-safe palette: vermillion for breaches, orange for the
 * qualifying run before confirmation, blue for levels, sky blue for their band. */
#define C_BREACH "#D55E00"
#define C_ONSET "#E69F00"
#define C_LEVEL "#0072B2"
#define C_BAND "#56B4E9"

/* Tiles of the 47 prefectures by JIS code (01 Hokkaido .. 47 Okinawa): column, row of a
 * tile map that keeps neighbours next to each other (a layout, not geography). */
static const int TILE[48][2] = {
    {0, 0},  {12, 0}, {11, 1}, {11, 2}, {11, 3}, {10, 2}, {10, 3}, {11, 4}, {12, 5}, {11, 5}, {10, 5},
    {10, 6}, {12, 6}, {11, 6}, {11, 7}, {10, 4}, {9, 4},  {8, 4},  {7, 5},  {9, 6},  {9, 5},  {8, 5},
    {10, 7}, {8, 6},  {8, 7},  {7, 6},  {6, 6},  {6, 7},  {5, 7},  {7, 7},  {7, 8},  {4, 6},  {3, 6},
    {4, 7},  {3, 7},  {2, 7},  {5, 8},  {4, 8},  {3, 8},  {4, 9},  {1, 8},  {0, 8},  {0, 9},  {1, 9},
    {2, 9},  {2, 10}, {1, 10}, {0, 12}};

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* JSON inside a <script> element: "</" must not appear in it. */
static void script_json(FILE *out, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(4));
    for (char *p = s; p && *p; p++) {
        if (p[0] == '<' && p[1] == '/') fputs("<\\", out);
        else fputc(*p, out);
    }
    free(s);
}

static const char *sname(const dm_model *m, int s, int ja) { return ja ? m->sectors[s].name_ja : m->sectors[s].name_en; }

/* Whether an inject is about a second kind of node of its sector (情報通信's ICT_VISIT.NN, not
 * ICT.NN: the id stem up to the last '.' is not the sector's id): then its `who`, which names
 * the node (docs/timeline.md), says where, not the sector's name. */
static int other_kind(json_t *inject, const char *sector)
{
    const char *id = json_string_value(json_array_get(json_object_get(inject, "nodes"), 0));
    if (!id || !json_string_value(json_object_get(inject, "who"))) return 0;
    const char *dot = strrchr(id, '.');
    size_t k = dot ? (size_t)(dot - id) : strlen(id);
    return k != strlen(sector) || strncmp(id, sector, k);
}

static double hours_of(const dm_scenario *sc, int64_t ticks) { return (double)ticks * (double)sc->tick_s / 3600.0; }

/* The breaches of one list as a table. */
static void breach_table(FILE *out, const dm_scenario *sc, const dm_breach *b, size_t n, int regional, int ja)
{
    const dm_model *m = sc->model;
    fprintf(out, "<table><tr><th>%s</th>%s<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
            ja ? "分野" : "sector", regional ? (ja ? "<th>地域</th>" : "<th>region</th>") : "", ja ? "発生" : "onset",
            ja ? "確定" : "confirmed", ja ? "解消" : "end", ja ? "最大供給支障" : "peak unserved",
            ja ? "供給支障×時間" : "unit-hours");
    for (size_t i = 0; i < n; i++) {
        char t[3][24], peak[96], uh[96];
        dm_format_time(b[i].onset, sc->tick_s, t[0]);
        dm_format_time(b[i].confirmed, sc->tick_s, t[1]);
        if (b[i].end >= 0) dm_format_time(b[i].end, sc->tick_s, t[2]);
        else snprintf(t[2], sizeof t[2], "%s", ja ? "継続中" : "ongoing");
        tl_amount(ja, b[i].peak, m->sectors[b[i].sector].unit, peak, sizeof peak);
        tl_amount(ja, b[i].unit_hours, m->sectors[b[i].sector].unit, uh, sizeof uh);
        fputs("<tr><td>", out);
        esc(out, sname(m, b[i].sector, ja));
        fputs("</td>", out);
        if (regional) {
            fputs("<td>", out);
            if (b[i].region >= 0) esc(out, ja ? m->regions[b[i].region].name_ja : m->regions[b[i].region].name_en);
            fputs("</td>", out);
        }
        fprintf(out, "<td>%s</td><td>%s</td><td>%s</td><td class=n>", t[0], t[1], t[2]);
        esc(out, peak);
        fputs("</td><td class=n>", out);
        esc(out, uh);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* The Gantt chart: a row per sector that breached, a bar per breach (orange from onset to
 * confirmation, vermillion from there to the end or the horizon). */
static void gantt(FILE *out, const dm_scenario *sc, const dm_engine_result *r, int ja)
{
    const dm_model *m = sc->model;
    double H = hours_of(sc, r->horizon), left = 190, width = 720, row = 22;
    int *rowof = malloc((m->nsectors + 1) * sizeof *rowof), nrows = 0;
    if (!rowof) return;
    for (size_t s = 0; s < m->nsectors; s++) rowof[s] = -1;
    for (size_t i = 0; i < r->nbreaches; i++)
        if (rowof[r->breaches[i].sector] < 0) rowof[r->breaches[i].sector] = nrows++;
    double height = 30 + row * nrows;
    fprintf(out, "<svg id=gantt width=%.0f height=%.0f role=img aria-label=\"%s\">\n", left + width + 20, height,
            ja ? "検証レベル該当のガントチャート" : "Gantt chart of the breaches");
    for (int k = 0; k <= 8; k++) {  /* hour ticks */
        double x = left + width * k / 8;
        fprintf(out, "<line x1=%.1f y1=0 x2=%.1f y2=%.0f stroke=\"#ddd\"/><text x=%.1f y=%.0f class=ax>T+%.0fh</text>\n",
                x, x, height - 18, x - 14, height - 4, H * k / 8);
    }
    for (size_t s = 0; s < m->nsectors; s++) {
        if (rowof[s] < 0) continue;
        fprintf(out, "<text x=4 y=%.0f class=lb>", 16 + row * rowof[s]);
        esc(out, sname(m, (int)s, ja));
        fputs("</text>\n", out);
    }
    for (size_t i = 0; i < r->nbreaches; i++) {
        const dm_breach *b = &r->breaches[i];
        double y = 4 + row * rowof[b->sector], x0 = left + width * hours_of(sc, b->onset) / H,
               x1 = left + width * hours_of(sc, b->confirmed) / H,
               x2 = left + width * hours_of(sc, b->end >= 0 ? b->end : r->horizon) / H;
        if (x1 > x0) fprintf(out, "<rect x=%.1f y=%.1f width=%.1f height=16 fill=\"" C_ONSET "\"/>\n", x0, y, x1 - x0);
        fprintf(out, "<rect class=bar x=%.1f y=%.1f width=%.1f height=16 fill=\"" C_BREACH "\"><title>", x1, y,
                fmax(x2 - x1, 2));
        esc(out, sname(m, b->sector, ja));
        fprintf(out, "</title></rect>\n");
    }
    fputs("</svg>\n", out);
    free(rowof);
}

/* Small multiples of each sector's level over time: the mean and the 5-95 % band across
 * replicates when there are several, else the replicate's own level. */
static void bands(FILE *out, const dm_scenario *sc, size_t K, const double *time_min, const double *mean,
                  const double *q05, const double *q95, int ja)
{
    const dm_model *m = sc->model;
    size_t S = m->nsectors;
    double w = 220, h = 90, T = time_min[K - 1] > 0 ? time_min[K - 1] : 1;
    fputs("<div class=bands>\n", out);
    for (size_t s = 0; s < S; s++) {
        /* each panel from its lowest level (in whole percent, at most 100 % - 1 point) to
         * 100 %, so that a small regional loss shows */
        double lo = 1;
        for (size_t k = 0; k < K; k++) {
            double x = q05 ? q05[k * S + s] : mean[k * S + s];
            if (!isnan(x) && x < lo) lo = x;
        }
        lo = fmin(floor(lo * 100) / 100, 0.99);
#define Y(v) (h * (1 - ((v) - lo) / (1 - lo)))
        fprintf(out, "<figure><svg width=%.0f height=%.0f>", w, h + 4);
        fprintf(out, "<rect x=0 y=0 width=%.0f height=%.0f fill=none stroke=\"#ccc\"/>", w, h);
        if (q05 && q95) {
            fputs("<polygon fill=\"" C_BAND "\" fill-opacity=0.45 points=\"", out);
            for (size_t k = 0; k < K; k++) fprintf(out, "%.1f,%.1f ", w * time_min[k] / T, Y(q95[k * S + s]));
            for (size_t k = K; k-- > 0;) fprintf(out, "%.1f,%.1f ", w * time_min[k] / T, Y(q05[k * S + s]));
            fputs("\"/>", out);
        }
        fputs("<polyline fill=none stroke=\"" C_LEVEL "\" stroke-width=1.5 points=\"", out);
        for (size_t k = 0; k < K; k++)
            if (!isnan(mean[k * S + s])) fprintf(out, "%.1f,%.1f ", w * time_min[k] / T, Y(mean[k * S + s]));
#undef Y
        fprintf(out, "\"/><text x=3 y=11 class=ax>100%%</text><text x=3 y=%.0f class=ax>%.0f%%</text></svg><figcaption>",
                h - 3, 100 * lo);
        esc(out, sname(m, (int)s, ja));
        fputs("</figcaption></figure>\n", out);
    }
    fputs("</div>\n", out);
}

/* Reads a statistics variable of the file whose rows hold `width` values; NULL when the
 * file has none (a single replicate) or its shape is not (rows, width). */
static double *read_stat(hid_t file, const char *name, hsize_t rows, size_t width)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hsize_t n;
    size_t inner;
    double *x = NULL;
    if (ds >= 0 && !dmi_h5_shape(ds, &n, &inner) && n == rows && inner == width && (x = malloc(rows * width * sizeof *x)) &&
        dmi_h5_rows(ds, H5T_NATIVE_DOUBLE, 0, rows, x, 0)) {
        free(x);
        x = NULL;
    }
    if (ds >= 0) H5Dclose(ds);
    return x;
}

static const char STYLE[] =
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Yu Gothic',Meiryo,sans-serif;"
    "margin:2em;max-width:1100px;color:#222}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #bbb;padding:2px 6px;font-size:90%}td.n{text-align:right}"
    ".ax{font-size:10px;fill:#555}.lb{font-size:12px}.bands{display:flex;flex-wrap:wrap;gap:8px}"
    "figure{margin:0}figcaption{font-size:12px;text-align:center}#map text{font-size:10px;pointer-events:none}"
    "ol li{margin-bottom:.4em}.meta{color:#555}.sub{font-size:90%;color:#444}";

/* The map and injects, drawn from the page's data. Sequential colours from viridis
 * (van der Walt & Smith 2015: perceptually uniform, readable with colour-vision
 * deficiency): light yellow for full service, dark purple for none. */
static const char SCRIPT[] =
    "(function(){\n"
    "var D=JSON.parse(document.getElementById('data').textContent);\n"
    "var V=[[253,231,37],[94,201,98],[33,145,140],[59,82,139],[68,1,84]];\n"
    "function col(x){if(x===null)return '#cccccc';x=Math.max(0,Math.min(1,x))*4;var i=Math.min(3,Math.floor(x)),f=x-i;"
    "var c=V[i].map(function(v,k){return Math.round(v+(V[i+1][k]-v)*f);});return 'rgb('+c.join(',')+')';}\n"
    "var svg=document.getElementById('map'),sel=document.getElementById('sector'),sl=document.getElementById('time'),"
    "lab=document.getElementById('tlabel');\n"
    "function draw(){if(!svg)return;var s=+sel.value,k=+sl.value,NS='http://www.w3.org/2000/svg';"
    "while(svg.firstChild)svg.removeChild(svg.firstChild);\n"
    "D.regions.forEach(function(g,j){var v=D.impact[k][j][s];var r=document.createElementNS(NS,'rect');"
    "r.setAttribute('x',g.col*52+2);r.setAttribute('y',g.row*44+2);r.setAttribute('width',50);r.setAttribute('height',42);"
    "r.setAttribute('fill',col(v));r.setAttribute('class','tile');var t=document.createElementNS(NS,'title');"
    "t.textContent=g.name+': '+(v===null?'-':Math.round(100*v)+'%');r.appendChild(t);svg.appendChild(r);\n"
    "var tx=document.createElementNS(NS,'text');tx.setAttribute('x',g.col*52+6);tx.setAttribute('y',g.row*44+18);"
    "tx.setAttribute('fill',v!==null&&v>0.5?'#fff':'#000');tx.textContent=g.short;svg.appendChild(tx);\n"
    "var tv=document.createElementNS(NS,'text');tv.setAttribute('x',g.col*52+6);tv.setAttribute('y',g.row*44+34);"
    "tv.setAttribute('fill',v!==null&&v>0.5?'#fff':'#000');tv.textContent=v===null?'-':Math.round(100*v)+'%';svg.appendChild(tv);});\n"
    "lab.textContent=D.labels[k];}\n"
    "if(svg){D.sectors.forEach(function(n,i){var o=document.createElement('option');o.value=i;o.textContent=n;"
    "sel.appendChild(o);});sel.value=D.first;sl.max=D.labels.length-1;sl.value=D.peak;"
    "sel.addEventListener('change',draw);sl.addEventListener('input',draw);draw();}\n"
    "var ol=document.getElementById('injects');\n"
    "D.injects.forEach(function(x){var li=document.createElement('li');var b=document.createElement('b');"
    "b.textContent=x.time+(x.clock?' ('+x.clock+')':'')+' — '+x.who;li.appendChild(b);"
    "li.appendChild(document.createTextNode(': '+x.what+(x.cause?' ('+x.cause+')':'')));\n"
    "[[D.words.to,x.to],[D.words.regions,x.regions],[D.words.chain,x.chain],[D.words.hazard,x.hazard],[D.words.prompt,x.prompt]]"
    ".forEach(function(p){if(p[1]){var d=document.createElement('div');d.className='sub';d.textContent=p[0]+': '+p[1];"
    "li.appendChild(d);}});ol.appendChild(li);});\n"
    "document.body.setAttribute('data-ready','1');})();\n";

/* The page, to `out`. */
static int write_page(FILE *out, dm_result_file *f, const dm_engine_result *r, const dm_engine_result *grid,
                      size_t K, const double *tmin, const double *mean, const double *q, int ja)
{
    const dm_scenario *sc = f->scenario;
    const dm_model *m = sc->model;
    size_t S = m->nsectors, G = grid->nregions;
    fprintf(out, "<!DOCTYPE html>\n<html lang=%s><head><meta charset=\"utf-8\">"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
                 "script-src 'unsafe-inline'; img-src data:\"><title>", ja ? "ja" : "en");
    esc(out, sc->name);
    fprintf(out, " — domino</title><style>%s</style></head><body>\n<h1>", STYLE);
    esc(out, sc->name);
    fputs("</h1>\n<p>", out);
    esc(out, sc->description);
    fprintf(out, "</p>\n<p class=meta>%s ", ja ? "モデル" : "model");
    esc(out, m->name);
    char h[24];
    dm_format_time(r->horizon, sc->tick_s, h);
    fprintf(out, ja ? "、期間 %s、シード %llu、レプリケート %llu（表示: %llu）" : ", horizon %s, seed %llu, %llu replicates (shown: %llu)",
            h + 2, (unsigned long long)sc->seed, (unsigned long long)f->replicates, (unsigned long long)r->replicate);
    if (sc->has_start) fprintf(out, ja ? "、T+0 = %s" : ", T+0 = %s", sc->start_iso);
    fprintf(out, "; %s ", ja ? "ファイル" : "file");
    esc(out, f->path);
    fputs("</p>\n", out);
    if (sc->nassumptions) {
        fprintf(out, "<h2>%s</h2><ul>", ja ? "前提" : "Assumptions");
        for (size_t i = 0; i < sc->nassumptions; i++) { fputs("<li>", out); esc(out, sc->assumptions[i]); fputs("</li>", out); }
        fputs("</ul>\n", out);
    }
    fprintf(out, "<h2>%s</h2><ul>", ja ? "事象" : "Hazards");
    for (size_t i = 0; i < sc->nhazards; i++) {
        fputs("<li><b>", out);
        esc(out, dm_hazard_kind_name(sc->hazards[i].kind, ja));
        fputs(" ", out);
        esc(out, sc->hazards[i].id);
        fputs("</b>: ", out);
        esc(out, sc->hazards[i].description);
        fputs("</li>", out);
    }
    fputs("</ul>\n", out);
    fprintf(out, "<h2>%s</h2>\n", ja ? "検証レベル該当（全国）" : "Breaches (national)");
    if (r->nbreaches) breach_table(out, sc, r->breaches, r->nbreaches, 0, ja);
    else fprintf(out, "<p>%s</p>", ja ? "なし" : "none");
    if (r->nregion_breaches) {
        fprintf(out, "<details><summary>%s (%zu)</summary>\n", ja ? "検証レベル該当（地域別）" : "Breaches by region",
                r->nregion_breaches);
        breach_table(out, sc, r->region_breaches, r->nregion_breaches, 1, ja);
        fputs("</details>\n", out);
    }
    fprintf(out, "<h2>%s</h2>\n", ja ? "ガントチャート" : "Gantt chart");
    gantt(out, sc, r, ja);
    fprintf(out, "<h2>%s</h2>\n", ja ? "地図（供給支障の割合）" : "Map (share of service lost)");
    if (m->nregions) {
        fprintf(out, "<label>%s <select id=sector></select></label> <input type=range id=time min=0 value=0 "
                     "style=\"width:50%%\"> <span id=tlabel></span><br>\n<svg id=map width=%d height=%d></svg>\n",
                ja ? "分野" : "sector", 13 * 52 + 4, 13 * 44 + 4);
    } else {
        fprintf(out, "<p>%s</p>\n", ja ? "このモデルには地域がありません。" : "This model has no regions.");
    }
    fprintf(out, "<h2>%s</h2>\n", f->replicates > 1 ? (ja ? "分野の水準（平均と 5–95% の幅）" : "Sector levels (mean and 5-95 % band)")
                                                  : (ja ? "分野の水準" : "Sector levels"));
    bands(out, sc, K, tmin, mean, q ? q : NULL, q ? q + 2 * K * S : NULL, ja);
    fprintf(out, "<h2>%s</h2>\n<ol id=injects></ol>\n", ja ? "インジェクト" : "Injects");

    /* the page's data: the map's series, and the injects as `timeline --format json` has them */
    json_t *data = json_object(), *regions = json_array(), *sectors = json_array(), *impact = json_array(), *labels = json_array();
    for (size_t g = 0; g < m->nregions; g++) {
        const dm_region *rg = &m->regions[g];
        int code = rg->code ? atoi(rg->code) : 0, c = (int)(g % 12), row = (int)(g / 12);
        if (m->nregions == 47 && code >= 1 && code <= 47) { c = TILE[code][0]; row = TILE[code][1]; }
        char shortname[32];
        snprintf(shortname, sizeof shortname, "%s", ja ? rg->name_ja : rg->name_en);
        if (!ja && strlen(shortname) > 8) shortname[8] = 0;
        json_array_append_new(regions, json_pack("{s:s, s:s, s:s, s:i, s:i}", "id", rg->id, "name", ja ? rg->name_ja : rg->name_en,
                                                 "short", shortname, "col", c, "row", row));
    }
    for (size_t s = 0; s < S; s++) json_array_append_new(sectors, json_string(sname(m, (int)s, ja)));
    int first = r->nbreaches ? r->breaches[0].sector : 0;
    size_t peak = 0;
    double worst = -1;
    for (size_t k = 0; m->nregions && k < grid->ntimes; k++) {
        json_t *tk = json_array();
        double sum = 0;
        for (size_t g = 0; g < G; g++) {
            json_t *row = json_array();
            for (size_t s = 0; s < S; s++) {
                double v = grid->impact[(k * G + g) * S + s];
                json_array_append_new(row, isnan(v) ? json_null() : json_real(round(v * 1000) / 1000));
                if ((int)s == first && !isnan(v)) sum += v;
            }
            json_array_append_new(tk, row);
        }
        if (sum > worst) { worst = sum; peak = k; }
        json_array_append_new(impact, tk);
        char t[24];
        dm_format_time((int64_t)k * grid->interval, sc->tick_s, t);
        json_array_append_new(labels, json_string(t));
    }
    char *inj = NULL;
    size_t injlen = 0;
    FILE *mem = open_memstream(&inj, &injlen);
    dm_inject_options io;
    dm_inject_defaults(&io, DM_FORMAT_JSON, ja ? DM_LANG_JA : DM_LANG_EN);
    io.min_change = 10;
    int rc = mem ? dm_render_injects(mem, sc, r, &io) : DM_ESOFTWARE;
    if (mem) fclose(mem);
    json_t *injects = rc ? NULL : json_loads(inj, 0, NULL), *list = json_array();
    free(inj);
    for (size_t i = 0; injects && i < json_array_size(injects); i++) {
        json_t *x = json_array_get(injects, i), *regs = json_object_get(x, "regions");
        const char *sector = json_string_value(json_object_get(x, "sector"));
        int s = sector ? dm_model_sector(m, sector) : -1;
        char who[256];
        size_t nreg = json_array_size(regs);
        if (s < 0) snprintf(who, sizeof who, "%s", ja ? "統制" : "exercise control");
        else if (other_kind(x, sector)) snprintf(who, sizeof who, "%s", json_string_value(json_object_get(x, "who")));
        else if (nreg > 1) snprintf(who, sizeof who, ja ? "%s（%zu 地域）" : "%s (%zu regions)", sname(m, s, ja), nreg);
        else if (nreg == 1) {
            int g = -1;
            for (size_t k = 0; k < m->nregions; k++)
                if (!strcmp(m->regions[k].id, json_string_value(json_array_get(regs, 0)))) g = (int)k;
            snprintf(who, sizeof who, ja ? "%s（%s）" : "%s (%s)", sname(m, s, ja),
                     g >= 0 ? (ja ? m->regions[g].name_ja : m->regions[g].name_en) : "");
        } else snprintf(who, sizeof who, "%s", sname(m, s, ja));
        char regtext[2048] = "";
        for (size_t k = 0; nreg > 1 && k < nreg; k++) {
            size_t len = strlen(regtext);
            snprintf(regtext + len, sizeof regtext - len, "%s%s", k ? ", " : "", json_string_value(json_array_get(regs, k)));
        }
        json_array_append_new(list, json_pack("{s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:s, s:O, s:O}", "time", json_object_get(x, "time"),
            "clock", json_object_get(x, "clock"), "who", who, "what", json_object_get(x, "what"), "cause", json_object_get(x, "cause"),
            "to", json_object_get(x, "to"), "chain", json_object_get(x, "chain"), "regions", regtext,
            "hazard", json_object_get(x, "hazard"), "prompt", json_object_get(x, "prompt")));
    }
    json_decref(injects);
    json_object_set_new(data, "regions", regions);
    json_object_set_new(data, "sectors", sectors);
    json_object_set_new(data, "impact", impact);
    json_object_set_new(data, "labels", labels);
    json_object_set_new(data, "first", json_integer(first));
    json_object_set_new(data, "peak", json_integer((json_int_t)peak));
    json_object_set_new(data, "injects", list);
    json_object_set_new(data, "words", json_pack("{s:s, s:s, s:s, s:s, s:s}", "to", ja ? "宛先" : "To", "regions", ja ? "地域" : "Regions",
                                                 "chain", ja ? "連鎖" : "Chain", "hazard", ja ? "事象" : "Hazard",
                                                 "prompt", ja ? "問い" : "Prompt"));
    fputs("<script type=\"application/json\" id=data>", out);
    script_json(out, data);
    json_decref(data);
    fprintf(out, "</script>\n<script>%s</script>\n</body></html>\n", SCRIPT);
    return rc ? rc : ferror(out) ? DM_EIO : 0;
}

int dm_report_write(const char *input, const char *output, dm_lang lang, dm_error *err)
{
    dm_result_file *f = NULL;
    dm_engine *e = NULL;
    const dm_engine_result *r;
    double *tmin = NULL, *mean = NULL, *q = NULL;
    int rc = dm_h5_open(input, &f, err);
    if (rc) return rc;
    if ((rc = dm_h5_read_replicate(f, f->median_replicate, &r, err))) goto done;
    const dm_scenario *sc = f->scenario;
    size_t S = sc->model->nsectors;
    /* The median replicate's maps and levels on a grid of at most about 300 points: the
     * replicate is run again, which gives the same bits as the run that wrote the file
     * (DESIGN.md, "Monte Carlo and determinism"), whatever the file chose to store. */
    int64_t horizon = dm_scenario_ticks(sc, sc->horizon_s), interval = dm_scenario_ticks(sc, 600);
    if (horizon / interval > 300) interval = (horizon + 299) / 300;
    if ((rc = dm_engine_new(sc, &e, err)) || (rc = dm_engine_set_output(e, interval, DM_STORE_SECTORS | DM_STORE_MAPS, err)) ||
        (rc = dm_engine_run(e, f->median_replicate, err)))
        goto done;
    const dm_engine_result *grid = dm_engine_results(e);
    if (grid->nevents != r->nevents || grid->nbreaches != r->nbreaches) {
        rc = dm_error_set(err, DM_EDATA, input, 0, 0, "the run of replicate %llu does not reproduce the file's (%zu events "
                          "and %zu breaches, the file has %zu and %zu): was it written by another version of domino?",
                          (unsigned long long)f->median_replicate, grid->nevents, grid->nbreaches, r->nevents, r->nbreaches);
        goto done;
    }
    /* levels: the file's statistics across replicates when it has them, else this run's */
    size_t K = grid->ntimes;
    hid_t file = (hid_t)f->file_id;
    double *ft = NULL;
    int64_t nt = 0;
    if (f->replicates > 1 && H5Lexists(file, "time", H5P_DEFAULT) > 0) {
        hid_t ds = H5Dopen2(file, "time", H5P_DEFAULT);
        hsize_t rows;
        size_t inner;
        if (ds >= 0 && !dmi_h5_shape(ds, &rows, &inner) && inner == 1 && rows > 0 && (ft = malloc(rows * sizeof *ft)) &&
            !dmi_h5_rows(ds, H5T_NATIVE_DOUBLE, 0, rows, ft, 0))
            nt = (int64_t)rows;
        if (ds >= 0) H5Dclose(ds);
    }
    if (nt > 0 && (mean = read_stat(file, "sector_level_mean", (hsize_t)nt, S)) &&
        (q = read_stat(file, "sector_level_quantile", 3, (size_t)nt * S))) {
        tmin = ft;
        K = (size_t)nt;
    } else {
        free(ft);
        free(mean);
        free(q);
        mean = q = NULL;
        tmin = malloc((K + 1) * sizeof *tmin);
        mean = malloc((K * S + 1) * sizeof *mean);
        if (!tmin || !mean) { rc = dm_error_set(err, DM_ESOFTWARE, input, 0, 0, "out of memory"); goto done; }
        for (size_t k = 0; k < K; k++) tmin[k] = (double)((int64_t)k * interval * sc->tick_s) / 60.0;
        memcpy(mean, grid->sector_level, K * S * sizeof *mean);
    }
    /* through the one atomic-output helper (src/core/files.c): no half-written page at
     * the target, and never over the result file it reads */
    dm_output o;
    const char *inputs[] = {input};
    if ((rc = dm_output_begin(&o, output, DM_OUTPUT_TEXT, inputs, 1, err))) goto done;
    rc = write_page(o.stream, f, r, grid, K, tmin, mean, q, lang == DM_LANG_JA);
    if (rc) {
        dm_output_abort(&o);
        if (!err->code) dm_error_set(err, rc, output, 0, 0, "writing the report failed");
    } else {
        rc = dm_output_commit(&o, err);
    }
done:
    free(tmin);
    free(mean);
    free(q);
    dm_engine_free(e);
    dm_h5_close(f);
    return rc;
}
