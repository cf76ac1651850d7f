/* libFuzzer target: the sweep loader (sweep text over the embedded default scenario):
 * paths, designs, ranges; and the scenario of its last point. */
#include <stdlib.h>
#include <string.h>
#include "domino.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (strlen(text) != size) { free(text); return 0; }  /* the loader reads text without NULs */
    size_t len;
    const char *scenario = dm_embedded("default", &len);
    char *stext = strndup(scenario, len);
    dm_sweep *s;
    dm_error err;
    dm_error_clear(&err);
    if (dm_sweep_from_texts(text, "fuzz.yaml", stext, "<default>", NULL, &s, &err) == 0) {
        dm_scenario *sc;
        if (dm_sweep_point_scenario(s, s->npoints - 1, &sc, &err) == 0) dm_scenario_free(sc);
        dm_sweep_free(s);
    } else if (!err.code || !err.message[0]) {
        abort();
    }
    free(stext);
    free(text);
    return 0;
}
