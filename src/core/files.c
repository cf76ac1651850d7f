/* Putting a finished output file in place (docs/reliability.md, "Atomic outputs"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "domino/error.h"

int dm_file_commit(const char *tmp, const char *target)
{
    /* the data durable before the name points at it, then one atomic rename */
    int fd = open(tmp, O_RDONLY);
    int rc = fd < 0 || fsync(fd) != 0;
    int e = errno;
    if (fd >= 0) close(fd);
    if (!rc && rename(tmp, target) != 0) { rc = 1; e = errno; }
    if (rc) { remove(tmp); errno = e; return -1; }
    return 0;
}
