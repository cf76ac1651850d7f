/* libFuzzer target: files domino reads back, mutated in their structure, not their bytes.
 *
 * At start-up it writes three valid files of a small model that reads a graph file (so
 * result files have /inputs): two parts of one sweep (points 0-1 and point 2) and a
 * result file with events. Each input is a program of edits applied with the HDF5 API to
 * a copy of one of them (the input's first byte chooses which): a dataset deleted, made of
 * another rank, of other dimensions (the layout's +-1, doubled, 0) or of another type (float
 * where integers are, strings where numbers are), replaced by a group, a dangling link or
 * another dataset; values overwritten (points out of range or repeated, negative counts,
 * NaN); attributes deleted, retyped or their texts cut; the file truncated. Then the
 * readers run on it as the commands do: sweep resume (dm_sweep_file_points against the
 * sweep the parts were written for), merge (with the other part, then alone), info
 * (dm_sweep_read_info), and for result files info/timeline (dm_h5_open and
 * dm_h5_read_replicate for every replicate). Checked: no sanitizer error (ASan/UBSan
 * abort the run), a failure always carries an error code and message, a failed merge
 * leaves no output, no merge leaves a temporary or lock file, no reader leaves an HDF5
 * object open, and a merge that succeeds writes a file that reads back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hdf5.h>
#include "domino.h"

/* ---- the seed files ---- */

#define MAX_OBJECTS 256
#define MAX_ATTRS 512

typedef struct seed {
    unsigned char *bytes;
    size_t size;
    char *datasets[MAX_OBJECTS];  /* paths of every dataset */
    size_t ndatasets;
    struct { char *object, *name; } attrs[MAX_ATTRS];  /* every attribute, by object path */
    size_t nattrs;
} seed;

enum { SEED_PART, SEED_RESULT, NSEEDS };
static seed seeds[NSEEDS];
static char dir[256], work[300], other[300], merged[300];
static dm_sweep *sweep;  /* the sweep the parts belong to, as `sweep` resuming has it */

static void die(const char *what, const dm_error *err)
{
    fprintf(stderr, "fuzz_shapes: %s: %s\n", what, err ? err->message : "");
    abort();
}

static void put(const char *name, const char *text)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) die("cannot write a seed input", NULL);
}

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) die(path, NULL);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) die(path, NULL);
    fclose(f);
    *size = (size_t)n;
    return b;
}

static herr_t add_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)loc; (void)info;
    seed *s = ((void **)data)[0];
    const char *object = ((void **)data)[1];
    if (s->nattrs < MAX_ATTRS) {
        s->attrs[s->nattrs].object = strdup(object);
        s->attrs[s->nattrs].name = strdup(name);
        s->nattrs++;
    }
    return 0;
}

static herr_t add_object(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    seed *s = data;
    char path[300];
    snprintf(path, sizeof path, "/%s", strcmp(name, ".") ? name : "");
    if (info->type == H5O_TYPE_DATASET && s->ndatasets < MAX_OBJECTS) s->datasets[s->ndatasets++] = strdup(path);
    void *ctx[2] = {s, path};
    hid_t obj = H5Oopen(root, path, H5P_DEFAULT);
    if (obj >= 0) {
        hsize_t at = 0;
        H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, &at, add_attr, ctx);
        H5Oclose(obj);
    }
    return 0;
}

static void load_seed(seed *s, const char *path)
{
    s->bytes = slurp(path, &s->size);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) die(path, NULL);
    H5Ovisit(f, H5_INDEX_NAME, H5_ITER_NATIVE, add_object, s);
    H5Fclose(f);
}

/* A model of three sectors, one of them a layer read from an edge-list file. */
static const char *const scenario_text =
    "name: shapes\nhorizon: 6h\ntick: 10min\nseed: 3\nreplicates: 3\n"
    "model:\n"
    "  name: m\n"
    "  sectors:\n"
    "    - {id: P, name_en: power, threshold: {magnitude: 0.1, duration: 10min}}\n"
    "    - {id: W, name_en: water}\n"
    "    - {id: L, name_en: layer}\n"
    "  nodes:\n"
    "    - {id: p1, sector: P}\n"
    "    - {id: w1, sector: W}\n"
    "  dependencies:\n"
    "    - {dependent: w1, providers: [p1], buffer: {duration: {dist: uniform, min: 1h, max: 3h}}}\n"
    "  layers: [{sector: L, graph: {file: g.txt}, connectivity: giant}]\n"
    "hazards:\n"
    "  - {id: cut, kind: other, select: {sectors: [P]}, severity: 1, at: 0min, duration: {dist: uniform, min: 1h, max: 4h}}\n"
    "  - {id: net, kind: other, select: {sectors: [L], fraction: 0.4}, severity: 1, at: 1h}\n";

static const char *const sweep_text =
    "scenario: s.yaml\nreplicates: 2\n"
    "parameters:\n  - {name: sev, path: 'scenario.hazards[cut].severity', values: [0.5, 0.8, 1]}\n";

/* The scratch directory goes when the fuzzer exits (it holds only files). */
static void remove_dir(void)
{
    DIR *d = opendir(dir);
    char path[600];
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    dm_init();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";  /* merges fsync */
    snprintf(dir, sizeof dir, "%s/domino-fuzz-shapes-%d", base, (int)getpid());
    if (mkdir(dir, 0700) && errno != EEXIST) die(dir, NULL);
    atexit(remove_dir);
    put("g.txt", "0 1\n1 2\n2 3\n3 0\n0 2\n4 5\n5 6\n6 7\n7 4\n3 4\n");
    put("s.yaml", scenario_text);
    put("sw.yaml", sweep_text);
    char path[400];
    dm_error err;
    dm_error_clear(&err);
    snprintf(path, sizeof path, "%s/sw.yaml", dir);
    if (dm_sweep_load(path, &sweep, &err)) die("the seed sweep does not load", &err);
    dm_sweep_result res[3];
    dm_sweep_point pts[3];
    for (size_t i = 0; i < 3; i++) {
        if (dm_sweep_run_point(sweep, i, 1, NULL, &res[i], &err)) die("a seed point failed", &err);
        pts[i] = (dm_sweep_point){i, &res[i]};
    }
    snprintf(path, sizeof path, "%s/a.h5", dir);
    if (dm_sweep_write(path, sweep, pts, 2, "fuzz", &err)) die("writing part a", &err);
    load_seed(&seeds[SEED_PART], path);
    snprintf(other, sizeof other, "%s/b.h5", dir);
    if (dm_sweep_write(other, sweep, pts + 2, 1, "fuzz", &err)) die("writing part b", &err);
    for (size_t i = 0; i < 3; i++) dm_sweep_result_free(&res[i]);
    char scenario[400];
    snprintf(scenario, sizeof scenario, "%s/s.yaml", dir);
    snprintf(path, sizeof path, "%s/r.h5", dir);
    if (dm_run_files(scenario, 3, 0, 0, 1, "1h", "sectors,nodes,events", path, NULL, "fuzz", &err))
        die("writing the result file", &err);
    load_seed(&seeds[SEED_RESULT], path);
    snprintf(work, sizeof work, "%s/w.h5", dir);
    snprintf(merged, sizeof merged, "%s/m.h5", dir);
    return 0;
}

/* ---- the edit program ---- */

typedef struct program { const unsigned char *at, *end; } program;

static unsigned byte(program *p) { return p->at < p->end ? *p->at++ : 0; }
static unsigned pick(program *p, unsigned n) { return n ? byte(p) % n : 0; }

/* A value for a number: the ones readers must not trust. */
static double number(program *p)
{
    static const double v[] = {0, 1, -1, 2, 3, 0.5, -0.5, 1e300, -1e300, 4294967296.0, 9.3e18, -9.3e18, 1e19, 255, 65536};
    unsigned k = byte(p);
    if (k < 15) return v[k];
    if (k == 15) return NAN;
    if (k == 16) return INFINITY;
    return (double)(int)(k - 128);
}

static hid_t memtype_of(unsigned k, size_t *size)
{
    switch (k % 9) {
    case 0: *size = 8; return H5T_NATIVE_DOUBLE;
    case 1: *size = 4; return H5T_NATIVE_FLOAT;
    case 2: *size = 8; return H5T_NATIVE_INT64;
    case 3: *size = 4; return H5T_NATIVE_INT;
    case 4: *size = 1; return H5T_NATIVE_UCHAR;
    case 5: *size = 1; return H5T_NATIVE_SCHAR;
    case 6: *size = 2; return H5T_NATIVE_USHORT;
    case 7: *size = 8; return H5T_NATIVE_UINT64;
    default: *size = 0; return -1;  /* a string type */
    }
}

/* Copies the attributes of `from` that hold plain values (not dimension-scale references)
 * to `to`: a reshaped dataset keeps its path and sha256, so the readers go on to its shape. */
static herr_t copy_attr(hid_t from, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    hid_t to = *(hid_t *)data;
    if (!strcmp(name, "DIMENSION_LIST") || !strcmp(name, "REFERENCE_LIST") || !strcmp(name, "CLASS") || !strcmp(name, "NAME"))
        return 0;
    hid_t a = H5Aopen(from, name, H5P_DEFAULT), type = a >= 0 ? H5Aget_type(a) : -1, space = a >= 0 ? H5Aget_space(a) : -1;
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    size_t sz = type >= 0 ? H5Tget_size(type) : 0;
    if (n >= 0 && sz && (size_t)n * sz < (1u << 20) && H5Tis_variable_str(type) <= 0) {
        void *buf = calloc((size_t)n + 1, sz);
        hid_t b = -1;
        if (buf && H5Aread(a, type, buf) >= 0 && (b = H5Acreate2(to, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
            H5Awrite(b, type, buf);
        if (b >= 0) H5Aclose(b);
        free(buf);
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (a >= 0) H5Aclose(a);
    return 0;
}

/* Replaces dataset `path` by one of a rank, dimensions and type the program chooses. */
static void reshape(hid_t f, const char *path, program *p)
{
    hsize_t old[8] = {0};
    int oldrank = 0;
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
    if (ds < 0) return;
    hid_t space = H5Dget_space(ds);
    if (space >= 0) {
        oldrank = H5Sget_simple_extent_ndims(space);
        if (oldrank < 0 || oldrank > 8) oldrank = 0;
        if (oldrank) H5Sget_simple_extent_dims(space, old, NULL);
        H5Sclose(space);
    }
    /* the rank: the same, one more or fewer, or any of 0..4 (0: a scalar) */
    unsigned r = byte(p);
    int rank = r < 128 ? oldrank : r < 160 ? oldrank + 1 : r < 192 ? oldrank - 1 : (int)(r % 5);
    if (rank < 0) rank = 0;
    if (rank > 4) rank = 4;
    hsize_t dims[4];
    double total = 1;
    for (int d = 0; d < rank; d++) {
        hsize_t o = d < oldrank ? old[d] : 1;
        unsigned m = byte(p);
        dims[d] = m < 96 ? o : m < 128 ? o + 1 : m < 160 ? (o ? o - 1 : 0) : m < 176 ? 2 * o : m < 192 ? 0 : m % 40;
        total *= (double)dims[d];
    }
    if (total > 2e5) { H5Dclose(ds); return; }  /* small files: fast executions */
    size_t size;
    hid_t mem = memtype_of(byte(p), &size), str = -1;
    if (mem < 0) {
        str = H5Tcopy(H5T_C_S1);
        size = 1 + pick(p, 12);
        H5Tset_size(str, size);
        mem = str;
    }
    size_t n = (size_t)total;
    unsigned char *data = calloc(n + 1, size);
    /* the values: a constant, an index, or the program's bytes */
    unsigned how = byte(p);
    double c = number(p);
    for (size_t i = 0; data && i < n; i++) {
        double v = how % 3 == 0 ? c : how % 3 == 1 ? (double)i : (double)byte(p) - 16;
        unsigned char *at = data + i * size;
        if (str >= 0) { snprintf((char *)at, size, "%g", v); continue; }
        if (H5Tequal(mem, H5T_NATIVE_DOUBLE) > 0) *(double *)(void *)at = v;
        else if (H5Tequal(mem, H5T_NATIVE_FLOAT) > 0) *(float *)(void *)at = (float)v;
        else if (isfinite(v) && fabs(v) < 9e18) {
            int64_t x = (int64_t)v;
            memcpy(at, &x, size);  /* the low bytes, little-endian */
        }
    }
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    char tmpname[320];
    snprintf(tmpname, sizeof tmpname, "%s.fuzz", path);
    hid_t nds = sp >= 0 ? H5Dcreate2(f, tmpname, mem, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (nds >= 0) {
        if (data && n) H5Dwrite(nds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
        hsize_t at = 0;
        H5Aiterate2(ds, H5_INDEX_NAME, H5_ITER_NATIVE, &at, copy_attr, &nds);
        H5Dclose(nds);
    }
    H5Dclose(ds);
    if (nds >= 0 && H5Ldelete(f, path, H5P_DEFAULT) >= 0) H5Lmove(f, tmpname, f, path, H5P_DEFAULT, H5P_DEFAULT);
    if (sp >= 0) H5Sclose(sp);
    if (str >= 0) H5Tclose(str);
    free(data);
}

/* Overwrites one element of a numeric dataset, its shape and type kept. */
static void poke(hid_t f, const char *path, program *p)
{
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT), space = ds >= 0 ? H5Dget_space(ds) : -1, type = ds >= 0 ? H5Dget_type(ds) : -1;
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : 0;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (n > 0 && rank >= 1 && rank <= 8 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
        hsize_t d[8], coord[8];
        H5Sget_simple_extent_dims(space, d, NULL);
        size_t k = ((size_t)byte(p) << 8 | byte(p)) % (size_t)n;
        for (int i = rank; i-- > 0;) { coord[i] = k % d[i]; k /= d[i]; }
        double v = number(p);
        int64_t iv = isfinite(v) && fabs(v) < 9e18 ? (int64_t)v : -1;
        hsize_t one = 1;
        hid_t mem = H5Screate_simple(1, &one, NULL);
        if (H5Sselect_elements(space, H5S_SELECT_SET, 1, coord) >= 0)
            H5Dwrite(ds, cls == H5T_FLOAT ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, mem, space, H5P_DEFAULT,
                     cls == H5T_FLOAT ? (const void *)&v : (const void *)&iv);
        H5Sclose(mem);
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (ds >= 0) H5Dclose(ds);
}

/* Replaces attribute `name` of `object` by one of another type, or cuts its text. */
static void retype_attr(hid_t f, const char *object, const char *name, program *p)
{
    hid_t obj = H5Oopen(f, object, H5P_DEFAULT);
    if (obj < 0) return;
    unsigned how = byte(p) % 6;
    char *text = NULL;
    if (how == 5) {  /* the same text, cut or with one byte changed */
        hid_t a = H5Aopen(obj, name, H5P_DEFAULT), type = a >= 0 ? H5Aget_type(a) : -1;
        size_t sz = type >= 0 && H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) <= 0 ? H5Tget_size(type) : 0;
        if (sz && (text = calloc(sz + 1, 1)) && H5Aread(a, type, text) >= 0) {
            size_t at = ((size_t)byte(p) << 8 | byte(p)) % sz;
            if (byte(p) & 1) text[at] = 0;
            else text[at] = (char)byte(p);
        }
        if (type >= 0) H5Tclose(type);
        if (a >= 0) H5Aclose(a);
        if (!text) { H5Oclose(obj); return; }
    }
    H5Adelete(obj, name);
    hid_t space = H5Screate(H5S_SCALAR), a = -1;
    if (how == 0) {  /* an integer */
        double d = number(p);  /* one draw; 9.3e18 and 1e19 do not fit an int64 */
        int64_t v = isfinite(d) && fabs(d) < 9e18 ? (int64_t)d : -1;
        if ((a = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0) H5Awrite(a, H5T_NATIVE_INT64, &v);
    } else if (how == 1) {  /* a float */
        double v = number(p);
        if ((a = H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0) H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    } else if (how == 2) {  /* an array of integers */
        hsize_t n = 1 + pick(p, 5);
        int64_t v[6] = {1, 2, 3, -1, 0, 7};
        hid_t sp = H5Screate_simple(1, &n, NULL);
        if ((a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0) H5Awrite(a, H5T_NATIVE_INT64, v);
        H5Sclose(sp);
    } else if (how == 3 || how == 5) {  /* a fixed-length text (the program's bytes, or the cut one) */
        char buf[64];
        if (!text) {
            size_t n = pick(p, 63);
            for (size_t i = 0; i < n; i++) buf[i] = (char)byte(p);
            buf[n] = 0;
        }
        const char *t = text ? text : buf;
        size_t len = strlen(t);
        hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, len ? len : 1);
        if ((a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0) H5Awrite(a, type, len ? t : "");
        H5Tclose(type);
    } else {  /* a variable-length text */
        const char *t = byte(p) & 1 ? "" : "domino-sweep 1";
        hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        if ((a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0) H5Awrite(a, type, &t);
        H5Tclose(type);
    }
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    H5Oclose(obj);
    free(text);
}

/* Applies the program to the file at `work`; returns how many bytes to cut the file to
 * afterwards (0: none). */
static size_t edit(const seed *s, program *p)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);  /* nothing left open between executions */
    hid_t f = H5Fopen(work, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (f < 0) return 0;
    size_t cut = 0;
    for (unsigned nops = 1 + pick(p, 4); nops-- && p->at < p->end;) {
        unsigned op = byte(p) % 10;
        const char *ds = s->datasets[pick(p, (unsigned)s->ndatasets)];
        if (op == 0) H5Ldelete(f, ds, H5P_DEFAULT);
        else if (op <= 2) reshape(f, ds, p);
        else if (op == 3) poke(f, ds, p);
        else if (op == 4) {  /* a group, or a dangling link, where a dataset was */
            if (H5Ldelete(f, ds, H5P_DEFAULT) >= 0) {
                if (byte(p) & 1) { hid_t g = H5Gcreate2(f, ds, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT); if (g >= 0) H5Gclose(g); }
                else H5Lcreate_soft("/nowhere", f, ds, H5P_DEFAULT, H5P_DEFAULT);
            }
        } else if (op == 5) {  /* another dataset under this name: its shape and type */
            const char *to = s->datasets[pick(p, (unsigned)s->ndatasets)];
            if (strcmp(ds, to) && H5Lexists(f, to, H5P_DEFAULT) > 0 && H5Ldelete(f, ds, H5P_DEFAULT) >= 0)
                H5Lcreate_hard(f, to, f, ds, H5P_DEFAULT, H5P_DEFAULT);
        } else if (op == 6 || op == 7) {
            size_t k = ((size_t)byte(p) << 8 | byte(p)) % (s->nattrs ? s->nattrs : 1);
            if (!s->nattrs) continue;
            if (op == 6 && H5Lexists(f, s->attrs[k].object, H5P_DEFAULT) != 0)
                H5Adelete_by_name(f, s->attrs[k].object, s->attrs[k].name, H5P_DEFAULT);
            else if (op == 7 && (!strcmp(s->attrs[k].object, "/") || H5Lexists(f, s->attrs[k].object, H5P_DEFAULT) > 0))
                retype_attr(f, s->attrs[k].object, s->attrs[k].name, p);
        } else if (op == 8) {  /* a dataset more, as another writer's or a later version's */
            hsize_t n = 1 + pick(p, 4);
            hid_t sp = H5Screate_simple(1, &n, NULL);
            char name[32];
            snprintf(name, sizeof name, "/extra%u", pick(p, 4));
            hid_t d = H5Dcreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (d >= 0) H5Dclose(d);
            H5Sclose(sp);
        } else {
            cut = 1 + (((size_t)byte(p) << 8 | byte(p)) * s->size >> 16);  /* a truncated file */
        }
    }
    H5Fclose(f);
    return cut;
}

/* ---- the readers ---- */

static void expect_error(int rc, const dm_error *err, const char *what)
{
    if (rc && (!err->code || !err->message[0])) {
        fprintf(stderr, "fuzz_shapes: %s failed without a message (code %d)\n", what, err->code);
        abort();
    }
}

/* Nothing but the inputs and the merged file in the directory: no temporary, no lock. */
static void expect_clean(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            fprintf(stderr, "fuzz_shapes: a merge left %s/%s\n", dir, e->d_name);
            abort();
        }
    if (d) closedir(d);
}

static void merge(const char *const *parts, size_t n, int require_all)
{
    dm_error err;
    dm_error_clear(&err);
    unlink(merged);
    int rc = dm_sweep_merge(merged, parts, n, require_all, "fuzz", &err);
    expect_error(rc, &err, "merge");
    expect_clean();
    if (rc && access(merged, F_OK) == 0) { fprintf(stderr, "fuzz_shapes: a failed merge left its output\n"); abort(); }
    if (!rc) {  /* what a merge writes, the readers take */
        dm_sweep *s;
        size_t *points, np;
        dm_error_clear(&err);
        if (dm_sweep_read_info(merged, &s, &points, &np, &err)) die("a merged file does not read back", &err);
        free(points);
        dm_sweep_free(s);
    }
    unlink(merged);
}

static void read_sweep(void)
{
    dm_error err;
    dm_error_clear(&err);
    size_t *points, n;
    int rc = dm_sweep_file_points(work, sweep, &points, &n, &err);  /* sweep resuming onto it */
    expect_error(rc, &err, "resume");
    if (!rc) free(points);
    dm_sweep *s;
    dm_error_clear(&err);
    rc = dm_sweep_read_info(work, &s, &points, &n, &err);  /* info */
    expect_error(rc, &err, "info");
    if (!rc) { free(points); dm_sweep_free(s); }
    const char *both[] = {work, other};
    merge(both, 2, 1);
    merge(both, 1, 0);
}

static void read_result(void)
{
    dm_error err;
    dm_error_clear(&err);
    dm_result_file *r;
    int rc = dm_h5_open(work, &r, &err);  /* info, timeline */
    expect_error(rc, &err, "open");
    if (rc) return;
    for (uint64_t i = 0; i <= r->replicates + 1 && i < 8; i++) {  /* timeline --replicate i */
        const dm_engine_result *res;
        dm_error_clear(&err);
        expect_error(dm_h5_read_replicate(r, i, &res, &err), &err, "read_replicate");
    }
    dm_h5_close(r);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1) return 0;
    program p = {data + 1, data + size};
    const seed *s = &seeds[data[0] % NSEEDS];
    FILE *f = fopen(work, "wb");
    if (!f) return 0;
    fwrite(s->bytes, 1, s->size, f);
    fclose(f);
    size_t cut = edit(s, &p);
    if (cut && truncate(work, (off_t)cut)) return 0;
    if (s == &seeds[SEED_PART]) read_sweep();
    else read_result();
    /* every handle a reader opened is closed again, whatever it found */
    ssize_t open_ids = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open_ids > 0) { fprintf(stderr, "fuzz_shapes: %zd HDF5 objects left open\n", open_ids); abort(); }
    unlink(work);
    return 0;
}
