/* Limits on inputs (docs/reliability.md, "Limits"): absurd inputs are refused before any
 * work starts, with the limit and how to raise it. Each limit can be raised (or lowered)
 * with an environment variable, DOMINO_MAX_<NAME>. */
#include <errno.h>
#include <stdlib.h>
#include "domino/limits.h"

int64_t dm_limit(const char *env, int64_t fallback)
{
    const char *v = getenv(env);
    if (!v || !*v) return fallback;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    return (*end || errno || x <= 0) ? fallback : (int64_t)x;
}
