/* libFuzzer target: the facts-file reader of `domino compare` (CSV text -> dm_facts). Any
 * input must give facts or an error with a message, never a crash, a leak or undefined
 * behaviour. */
#include <stdlib.h>
#include "domino.h"
#include "domino/compare.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    dm_facts *f;
    dm_error err;
    dm_error_clear(&err);
    if (dm_facts_parse((const char *)data, size, "fuzz.csv", &f, &err) == 0) dm_facts_free(f);
    else if (!err.code || !err.message[0]) abort();  /* every failure says why */
    return 0;
}
