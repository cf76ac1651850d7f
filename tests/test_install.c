/* meson install into a DESTDIR, used as a packager and a C programmer would: see
 * tests/install_check.sh (shared library and soname, exported symbols, headers alone,
 * pkg-config, a program linked against it, data found by name, man pages, completion). */
#include <libgen.h>
#include <string.h>
#include "cli_helpers.h"

Test(install, destdir_pkg_config_program_and_data, .timeout = 240)
{
    char dir[256], build[4096], cmd[9000], *out;
    scratch_make(dir, "install");
    snprintf(build, sizeof build, "%s", env("DOMINO"));
    snprintf(cmd, sizeof cmd, "'%s/tests/install_check.sh' '%s' '%s' '%s' 2>&1", env("DOMINO_SOURCE"), dirname(build),
             env("DOMINO_SOURCE"), dir);
    int rc = run_capture(cmd, &out);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "install_check: ok") != NULL, "%s", out);
    cr_expect(strstr(out, "scenario tokyo-area-blackout") != NULL, "%s", out);
    cr_expect(strstr(out, "error: bad.yaml:3:") != NULL, "%s", out);
    free(out);
    scratch_remove(dir);
}
