/* Durations written with units: "90s", "10min", "2h", "3d", "2w", "1y" (365 d; also "1.5h"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "domino/model.h"

int dm_parse_duration(const char *text, int64_t *seconds)
{
    static const struct { const char *unit; double seconds; } units[] = {
        {"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}, {"y", 31536000},  /* y: 365 days */
    };
    char *end = NULL;
    if (!text || !*text || *text == '-' || *text == '+') return -1;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v) || v < 0) return -1;
    while (*end == ' ') end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double s = v * units[i].seconds;
            if (s > 1e15) return -1;  /* beyond any horizon a user means */
            *seconds = (int64_t)llround(s);
            return 0;
        }
    }
    return -1;
}
