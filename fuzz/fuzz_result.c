/* libFuzzer target: the readers of result files (`info`, `timeline FILE`, `merge`): the
 * input is written to a file and read as a run file and as a sweep file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "domino.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/domino-fuzz-%d.h5", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    dm_error err;
    dm_error_clear(&err);
    dm_result_file *r;
    if (dm_h5_open(path, &r, &err) == 0) {
        const dm_engine_result *res;
        dm_h5_read_replicate(r, r->median_replicate, &res, &err);
        dm_h5_close(r);
    }
    dm_sweep *s;
    size_t *points, n;
    if (dm_sweep_read_info(path, &s, &points, &n, &err) == 0) {
        free(points);
        dm_sweep_free(s);
    }
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    dm_init();
    return 0;
}
