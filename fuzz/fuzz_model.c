/* libFuzzer target: the model loader (YAML text -> dm_model). Any input must give a
 * model or an error with a position, never a crash, a leak or undefined behaviour. */
#include <stdlib.h>
#include <string.h>
#include "domino.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    dm_model *m;
    dm_error err;
    dm_error_clear(&err);
    if (dm_model_parse((const char *)data, size, "fuzz.yaml", &m, &err) == 0) dm_model_free(m);
    else if (!err.code || !err.message[0]) abort();  /* every failure says why */
    return 0;
}
