/* Output files (docs/reliability.md, "Atomic outputs"): every file domino writes goes
 * through dm_output_begin/commit. The data is written to a unique temporary beside the
 * target (mkstemp: O_EXCL, so no existing file or symlink is ever opened), made durable
 * (fsync) and renamed over the target in one step; a lock file beside the target makes a
 * second writer fail (exit 73) before it touches anything. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "domino/error.h"
#include "domino/limits.h"
#include "domino/model.h"
#include "core/files.h"

#define MAX_HELD 16

/* The locks this process holds, counted: a sweep holds its output's lock while its own
 * merge writes the output. A forked child inherits them (flock belongs to the open file,
 * which the child shares) but only the process that took a lock removes it. */
static struct held { char path[PATH_MAX + 32]; int fd, refs; pid_t owner; } held[MAX_HELD];

/* The temporaries being written, for dm_output_remove_pending (signal handlers). */
static char pending[MAX_HELD][PATH_MAX + 32];

static void forget_pending(const char *tmp)
{
    for (int i = 0; i < MAX_HELD; i++)
        if (!strcmp(pending[i], tmp)) pending[i][0] = 0;
}

void dm_output_remove_pending(void)
{
    for (int i = 0; i < MAX_HELD; i++)
        if (pending[i][0]) unlink(pending[i]);  /* async-signal-safe */
}

/* dir/.base.suffix beside target; NULL when target names no file. */
static char *beside(const char *target, const char *suffix)
{
    const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) return NULL;
    size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0, len = dirlen + strlen(base) + strlen(suffix) + 3;
    char *p = malloc(len);
    if (p) snprintf(p, len, "%.*s.%s.%s", (int)dirlen, target, base, suffix);
    return p;
}

static int cant(dm_error *err, const char *target, const char *what)
{
    if (errno == ENOMEM) return dm_error_set(err, DM_ESOFTWARE, target, 0, 0, "out of memory");
    return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot create the output: %s", what);
}

int dm_output_check(const char *target, unsigned flags, const char *const *inputs, size_t ninputs, dm_error *err)
{
    if (!target || !*target) return cant(err, "", "expected a file name");
    if (!strcmp(target, "-"))
        return flags & DM_OUTPUT_TEXT ? 0 : cant(err, target, "an HDF5 file cannot be written to a stream: give a file name");
    struct stat st, in;
    if (stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return cant(err, target, "it is a directory: expected a file name");
        if (!S_ISREG(st.st_mode)) {
            if (!(flags & DM_OUTPUT_TEXT) || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
                return cant(err, target, "it is not a regular file (a device, FIFO or socket) and an HDF5 file "
                                         "needs one: give a file name");
            return 0;  /* a stream: written through */
        }
        for (size_t i = 0; i < ninputs; i++)
            if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino)
                return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "refusing to overwrite an input of this "
                                    "command (%s): choose another output", inputs[i]);
    }
    const char *slash = strrchr(target, '/');
    if (slash && !slash[1]) return cant(err, target, "it names a directory: expected a file name");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - target) + (slash == target) : 1, slash ? target : ".");
    if (stat(dir, &in) != 0 || !S_ISDIR(in.st_mode))
        return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot create the output: the directory %s does not exist", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot create the output: the directory %s: %s", dir, strerror(errno));
    return 0;
}

int dm_output_claim(const char *target, dm_error *err)
{
    errno = 0;  /* beside() fails on a name (checked before) or out of memory */
    char *lock = beside(target, "lock");
    if (!lock) return cant(err, target, "expected a file name");
    for (int i = 0; i < MAX_HELD; i++)
        if (held[i].refs && !strcmp(held[i].path, lock)) { held[i].refs++; free(lock); return 0; }
    int slot = -1;
    for (int i = 0; i < MAX_HELD && slot < 0; i++)
        if (!held[i].refs) slot = i;
    if (slot < 0 || strlen(lock) >= sizeof held[0].path) { free(lock); return cant(err, target, "too many outputs open"); }
    for (;;) {
        int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            int e = errno;
            free(lock);
            return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot create the output's lock file: %s", strerror(e));
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            int rc = e == EWOULDBLOCK
                ? dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "another domino is writing this output (it holds %s): "
                               "wait for it to finish, or choose another output", lock)
                : dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot lock the output: %s", strerror(e));
            free(lock);
            return rc;
        }
        /* the lock file may have been removed by the writer that held it: lock the one
         * the name now gives */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lock, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            snprintf(held[slot].path, sizeof held[slot].path, "%s", lock);
            held[slot].fd = fd;
            held[slot].refs = 1;
            held[slot].owner = getpid();
            free(lock);
            return 0;
        }
        close(fd);
    }
}

void dm_output_release(const char *target)
{
    char *lock = beside(target, "lock");
    for (int i = 0; lock && i < MAX_HELD; i++)
        if (held[i].refs && !strcmp(held[i].path, lock) && --held[i].refs == 0) {
            if (held[i].owner == getpid()) {  /* removed while locked: the next writer makes a new one */
                unlink(held[i].path);
                close(held[i].fd);
            }
            held[i].path[0] = 0;
        }
    free(lock);
}

int dm_output_begin(dm_output *o, const char *target, unsigned flags, const char *const *inputs, size_t ninputs,
                    dm_error *err)
{
    memset(o, 0, sizeof *o);
    int rc = dm_output_check(target, flags, inputs, ninputs, err);
    if (rc) return rc;
    if (!(o->target = strdup(target))) return dm_error_set(err, DM_ESOFTWARE, target, 0, 0, "out of memory");
    if (!strcmp(target, "-")) {
        o->stream = stdout;
        return 0;
    }
    struct stat st;
    if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {  /* a FIFO or device (checked): write through */
        int fd = open(target, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || !(o->stream = fdopen(fd, "w"))) {
            int e = errno;
            if (fd >= 0) close(fd);
            dm_output_abort(o);
            return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot open the output: %s", strerror(e));
        }
        return 0;
    }
    /* a symlink to a file: the file is replaced, the link kept */
    char real[PATH_MAX];
    struct stat lst;
    if (lstat(target, &lst) == 0 && S_ISLNK(lst.st_mode) && realpath(target, real)) {
        free(o->target);
        if (!(o->target = strdup(real))) return dm_error_set(err, DM_ESOFTWARE, target, 0, 0, "out of memory");
    }
    if ((rc = dm_output_claim(o->target, err))) { free(o->target); o->target = NULL; return rc; }
    o->claimed = 1;
    errno = 0;
    if (!(o->tmp = beside(o->target, "XXXXXX"))) {
        int rc1 = cant(err, target, "expected a file name");
        dm_output_abort(o);
        return rc1;
    }
    /* the temporary is known to the signal handlers (dm_output_remove_pending) as soon as
     * it exists: a stop signal arriving as mkstemp's open returns waits until it is listed
     * (a SIGTERM there left the temporary of a merge behind, resume::merge_killed_...) */
    sigset_t stops, blocked;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGHUP);
    sigprocmask(SIG_BLOCK, &stops, &blocked);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &blocked, NULL);
        free(o->tmp);
        o->tmp = NULL;
        dm_output_abort(o);
        return dm_error_set(err, DM_ECANTCREAT, target, 0, 0, "cannot create the output file: %s", strerror(e));
    }
    for (int i = 0; i < MAX_HELD; i++)
        if (!pending[i][0] && strlen(o->tmp) < sizeof pending[i]) { strcpy(pending[i], o->tmp); break; }
    sigprocmask(SIG_SETMASK, &blocked, NULL);
    mode_t mask = umask(0);  /* mkstemp made it private; give it the mode a new file gets */
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {}  /* the mode is a courtesy; the data is what counts */
    if (flags & DM_OUTPUT_TEXT) {
        if (!(o->stream = fdopen(fd, "w"))) {
            close(fd);
            dm_output_abort(o);
            return dm_error_set(err, DM_ESOFTWARE, target, 0, 0, "out of memory");
        }
    } else {
        close(fd);  /* HDF5 opens o->tmp by name */
    }
    o->path = o->tmp;
    return 0;
}

int dm_output_commit(dm_output *o, dm_error *err)
{
    int bad = 0, e = 0;
    if (o->stream) {
        bad = fflush(o->stream) != 0 || ferror(o->stream);
        if (bad) e = errno ? errno : EIO;
        if (!bad && o->tmp && fsync(fileno(o->stream)) != 0) { bad = 1; e = errno; }
        if (o->stream != stdout && fclose(o->stream) != 0 && !bad) { bad = 1; e = errno; }
        o->stream = NULL;
    } else if (o->tmp) {
        int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) { bad = 1; e = errno; }
        if (fd >= 0) close(fd);
    }
    if (!bad && o->tmp && rename(o->tmp, o->target) != 0) { bad = 1; e = errno; }
    if (!bad && o->tmp) {  /* the rename durable too */
        char *slash = strrchr(o->target, '/');
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - o->target) + (slash == o->target) : 1, slash ? o->target : ".");
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) { fsync(fd); close(fd); }
        forget_pending(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s", o->target ? o->target : "");
    dm_output_abort(o);
    return bad ? dm_error_set(err, DM_EIO, target, 0, 0, "writing the output failed: %s", strerror(e ? e : EIO)) : 0;
}

void dm_output_abort(dm_output *o)
{
    if (!o) return;
    if (o->stream && o->stream != stdout) fclose(o->stream);
    o->stream = NULL;
    if (o->tmp) {
        unlink(o->tmp);
        forget_pending(o->tmp);
        free(o->tmp);
    }
    if (o->claimed) dm_output_release(o->target);
    free(o->target);
    memset(o, 0, sizeof *o);
}

/* Reading (files.h). */

char *dmi_read_bytes(const char *path, size_t *len, int64_t limit, const char *limit_env, dm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? 2 * cap : 65536;
            char *b = realloc(buf, cap + 1);
            if (!b) { free(buf); fclose(f); dm_error_set(err, DM_ESOFTWARE, path, 0, 0, "out of memory"); return NULL; }
            buf = b;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
        if (limit > 0 && (int64_t)n > limit) {  /* refused before anything is parsed */
            free(buf);
            fclose(f);
            dm_error_set(err, DM_EDATA, path, 0, 0, "the file is larger than %lld bytes, the limit for model and "
                         "scenario files (set %s to raise it)", (long long)limit, limit_env);
            return NULL;
        }
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        dm_error_set(err, DM_ENOINPUT, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

char *dmi_read_file(const char *path, size_t *len, dm_error *err)
{
    size_t n;
    char *buf = dmi_read_bytes(path, &n, dm_limit(DM_MAX_YAML_BYTES_ENV, DM_MAX_YAML_BYTES), DM_MAX_YAML_BYTES_ENV, err);
    if (!buf) return NULL;
    if (strlen(buf) != n) {
        free(buf);
        dm_error_set(err, DM_EDATA, path, 0, 0, "expected a YAML text file, found a NUL byte");
        return NULL;
    }
    *len = n;
    return buf;
}

char *dmi_read_named(const char *kind, const char *path, char *used, size_t size, size_t *len, dm_error *err)
{
    snprintf(used, size, "%s", path);
    if (strchr(path, '/') || access(path, F_OK) == 0) return dmi_read_file(path, len, err);
    dm_error miss;
    dm_error_clear(&miss);
    if (dm_data_find(kind, path, used, size, &miss)) {
        snprintf(used, size, "%s", path);
        *err = miss;
        return NULL;
    }
    return dmi_read_file(used, len, err);
}

void dmi_dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path + 1) : 0;
    if (n >= size) n = 0;
    memcpy(buf, path, n);
    buf[n] = 0;
}
