/* Helpers for suites that run the domino program: $DOMINO is the program under test and
 * $DOMINO_SOURCE the source tree (set by meson and tools/test.sh). */
#ifndef DOMINO_TEST_CLI_HELPERS_H
#define DOMINO_TEST_CLI_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static inline const char *env(const char *name)
{
    const char *v = getenv(name);
    cr_assert_not_null(v, "%s is not set: run through meson test or tools/test.sh", name);
    return v;
}

/* Runs a shell command; returns its exit status (-1 if killed) and, in *out (malloc'd),
 * what it printed on stdout. */
static inline int run_capture(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t k; (k = fread(buf + n, 1, cap - n - 1, p)) > 0;) {
        n += k;
        if (cap - n < 4096) buf = realloc(buf, cap *= 2);
    }
    buf[n] = 0;
    int status = pclose(p);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs `$DOMINO args` from directory dir with stdout captured (stderr too when
 * with_stderr); returns the exit status; *out is malloc'd. */
static inline int domino(const char *dir, const char *args, int with_stderr, char **out)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && LANG=C LC_ALL= '%s' %s %s", dir, env("DOMINO"), args,
             with_stderr ? "2>&1" : "2>/dev/null");
    return run_capture(cmd, out);
}

/* A scratch directory per test (dir holds at least 64 bytes): made by a suite's .init,
 * removed with everything in it by its .fini. */
static inline void scratch_make(char *dir, const char *name)
{
    snprintf(dir, 64, "/tmp/domino-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(dir));
}

static inline void scratch_remove(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s (regenerate with tools/update-golden.sh)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    return buf;
}

#endif
