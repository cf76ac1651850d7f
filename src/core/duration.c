/* Durations written with units: "90s", "10min", "2h", "3d", "2w", "1y" (365 d; also "1.5h"), in
 * whole seconds: "0.4s" is refused, never rounded. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "domino/model.h"
#include "core/duration.h"

int dm_parse_duration(const char *text, int64_t *seconds)
{
    static const struct { const char *unit; double seconds; } units[] = {
        {"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}, {"y", 31536000},  /* y: 365 days */
    };
    char *end = NULL;
    /* decimal digits only: strtod would also take "0x10", "1e3", "inf" */
    if (!text || !isdigit((unsigned char)text[0])) return -1;
    size_t digits = strspn(text, "0123456789.");
    double v = strtod(text, &end);
    if (end != text + digits || !isfinite(v)) return -1;  /* "1..2s": strtod stops early */
    while (*end == ' ') end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double s = v * units[i].seconds;
            if (s > 1e15) return -1;  /* beyond any horizon a user means */
            /* whole seconds, kept exact: 0.4s (or 1.4s) would be rounded and a non-zero lag
             * lost; 1.5min is 90 s. Within 1e-9 s of a whole second is that second (0.1h). */
            if (fabs(s - round(s)) > 1e-9 * (s > 1 ? s : 1)) return -1;
            *seconds = (int64_t)llround(s);
            return 0;
        }
    }
    return -1;
}

void dmi_format_hmm(double minutes, char *buf, size_t size)
{
    long long m = llround(minutes), a = m < 0 ? -m : m;
    snprintf(buf, size, "%s%lld:%02lld", m < 0 ? "-" : "", a / 60, a % 60);
}

int64_t dm_scenario_ticks(const dm_scenario *sc, int64_t seconds)
{
    return (seconds + sc->tick_s - 1) / sc->tick_s;
}
