/* The Python package (python/domino, ctypes on libdomino.so): the same numbers as the
 * program, by scenario file and by name, sweeps, errors as exceptions with the position
 * (tests/check_python.py). */
#include <libgen.h>
#include <string.h>
#include "cli_helpers.h"

Test(python, same_numbers_as_the_program, .timeout = 300)
{
    char dir[256], build[4096], cmd[9000], *out;
    scratch_make(dir, "python");
    snprintf(build, sizeof build, "%s", env("DOMINO"));
    /* a sanitized build's library needs its runtime loaded first (Python is not built with it) */
    snprintf(cmd, sizeof cmd, "cd '%s' && lib='%s/libdomino.so.0' && asan=$(ldd \"$lib\" | awk '/libasan/ {print $3}') && "
             "if [ -n \"$asan\" ]; then export LD_PRELOAD=\"$asan\" ASAN_OPTIONS=detect_leaks=0; fi && "
             "DOMINO_LIBRARY=\"$lib\" PYTHONPATH='%s/python' DOMINO_PATH='%s' /usr/bin/python3 "
             "'%s/tests/check_python.py' '%s' '%s' 2>&1", dir, dirname(build), env("DOMINO_SOURCE"), env("DOMINO_SOURCE"),
             env("DOMINO_SOURCE"), env("DOMINO"), env("DOMINO_SOURCE"));
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "check_python: ok") != NULL, "%s", out);
    free(out);
    scratch_remove(dir);
}
