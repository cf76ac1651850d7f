/* domino validate: model and scenario files checked without running them. */
#include <stdio.h>
#include <string.h>
#include "domino.h"
#include "cli.h"

int cmd_validate(int argc, char **argv)
{
    static const char help[] =
        "usage: domino validate FILE...\n"
        "\n"
        "Checks model and scenario files (YAML) without running them: keys, types, ranges,\n"
        "references, durations. Prints 'FILE: ok (model|scenario)' or the first error with\n"
        "file:line:column. Exit code 0 when all are valid, else the first error's code.\n";
    if (argc < 2) {
        fputs(help, stderr);
        return DM_EUSAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, stdout);
        return 0;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        dm_error err;
        const char *kind;
        dm_error_clear(&err);
        if (dm_validate_file(argv[i], &kind, &err)) {
            int rc = cli_fail(&err);
            if (!worst) worst = rc;
        } else {
            printf("%s: ok (%s)\n", argv[i], kind);
        }
    }
    return cli_finish(worst);
}
