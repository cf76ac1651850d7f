/* libFuzzer target: the scenario loader, and a short run of what it accepts (the engine
 * must handle every valid scenario). */
#include <stdlib.h>
#include "domino.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    dm_scenario *sc;
    dm_error err;
    dm_error_clear(&err);
    if (dm_scenario_parse((const char *)data, size, "fuzz.yaml", &sc, &err)) {
        if (!err.code || !err.message[0]) abort();
        return 0;
    }
    /* run it when it is small enough to be quick */
    dm_engine *e;
    if (sc->horizon_s / sc->tick_s <= 100000 && sc->model->nnodes <= 1000 && dm_engine_new(sc, &e, &err) == 0) {
        dm_engine_run(e, 0, &err);
        dm_engine_free(e);
    }
    dm_scenario_free(sc);
    return 0;
}
