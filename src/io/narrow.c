/* Narrowing a run's results to one region (DESIGN.md, "Service levels and breaches":
 * every table, timeline and JSON document can be narrowed to a region). */
#include <stdlib.h>
#include <string.h>
#include "domino.h"

int dm_model_region(const dm_model *m, const char *text)
{
    for (size_t g = 0; g < m->nregions; g++) {
        const dm_region *r = &m->regions[g];
        if (!strcmp(r->id, text) || !strcmp(r->name_en, text) || !strcmp(r->name_ja, text) ||
            (r->code && *r->code && !strcmp(r->code, text)))
            return (int)g;
    }
    return -1;
}

int dm_result_narrow(const dm_scenario *sc, const dm_engine_result *r, int region, dm_engine_result *out)
{
    const dm_model *m = sc->model;
    size_t S = m->nsectors;
    *out = *r;
    out->events = NULL;
    out->breaches = NULL;
    out->sectors = NULL;
    out->region_breaches = NULL;
    out->nregion_breaches = 0;
    out->narrowed_to = region + 1;
    unsigned char *keep = calloc(m->nnodes + 1, 1);
    out->events = malloc((r->nevents + 1) * sizeof *out->events);
    out->breaches = malloc((r->nregion_breaches + 1) * sizeof *out->breaches);
    out->sectors = malloc((S + 1) * sizeof *out->sectors);
    if (!keep || !out->events || !out->breaches || !out->sectors) {
        free(keep);
        dm_result_view_free(out);
        return DM_ESOFTWARE;
    }
    /* the region's nodes, then the nodes in no region that a kept event names as its cause */
    for (size_t v = 0; v < m->nnodes; v++) keep[v] = dm_node_at(m, v)->region == region;
    for (size_t i = 0; i < r->nevents; i++) {
        const dm_event *ev = &r->events[i];
        if (keep[ev->node] == 1 && ev->cause_node >= 0 && dm_node_at(m, (size_t)ev->cause_node)->region < 0)
            keep[ev->cause_node] = 2;
    }
    out->nevents = 0;
    for (size_t i = 0; i < r->nevents; i++)
        if (keep[r->events[i].node]) out->events[out->nevents++] = r->events[i];
    out->nbreaches = 0;
    for (size_t i = 0; i < r->nregion_breaches; i++)
        if (r->region_breaches[i].region == region) out->breaches[out->nbreaches++] = r->region_breaches[i];
    /* the region's part of each sector (the engine's books); a result read back from a
     * file has none, and keeps the whole sectors' figures */
    memcpy(out->sectors, r->region_sectors ? r->region_sectors + (size_t)region * S : r->sectors,
           S * sizeof *out->sectors);
    out->region_sectors = NULL;
    for (size_t s = 0; s < S; s++) out->sectors[s].first_breach = -1;
    for (size_t i = out->nbreaches; i-- > 0;) out->sectors[out->breaches[i].sector].first_breach = (int)i;
    free(keep);
    return 0;
}

void dm_result_view_free(dm_engine_result *view)
{
    if (!view) return;
    free(view->events);
    free(view->breaches);
    free(view->sectors);
    view->events = NULL;
    view->breaches = NULL;
    view->sectors = NULL;
}
