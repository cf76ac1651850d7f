/* Internal: durations as the tables print them. */
#ifndef DOMINO_CORE_DURATION_H
#define DOMINO_CORE_DURATION_H

#include <stddef.h>

/* minutes as "h:mm", rounded once to the nearest whole minute (59.6 min is "1:00", never
 * "0:00"); a negative duration is "-h:mm". The one h:mm of the statistics, analysis,
 * diff and inject tables; NaN or infinity is left to the caller. */
void dmi_format_hmm(double minutes, char *buf, size_t size);

#endif
