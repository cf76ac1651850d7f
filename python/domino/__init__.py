"""domino from Python: the library (libdomino.so) through ctypes.

    import domino
    r = domino.run("scenarios/default.yaml", replicates=100)   # or domino.run("default")
    r.summary["statistics"]["sectors"][0]                       # the JSON summary (docs/json-output.md)
    r.dataset.sector_level_mean.sel(sector=0)                   # the series, an xarray Dataset
    s = domino.sweep("sweeps/ict-battery.yaml")                 # a sweep's per-point statistics
    s.breach_probability.sel(ict_battery=6 * 3600.0)            # a grid: a dimension per parameter

A scenario or sweep is a file or a shipped name (tokyo-area-blackout, default: the same
lookup as `domino run`). Errors become domino.Error, whose message is the library's
"file:line:column: what was expected, what was found", with .code the exit code the
program would give (65 bad data, 66 missing file, ...). The numbers are the program's:
the same library computes them, and the dataset is the file `domino run -o` writes
(docs/output-format.md), read back with xarray.
"""
import ctypes
import ctypes.util
import json
import os
import tempfile

__all__ = ["run", "sweep", "Error", "Result", "version", "library_path"]

_here = os.path.dirname(os.path.abspath(__file__))


def _find_library():
    """$DOMINO_LIBRARY, then the library meson installed with this package, then the loader's search."""
    candidates = [os.environ.get("DOMINO_LIBRARY")]
    try:
        from . import _config  # written by meson install: where libdomino.so went
        candidates.append(_config.LIBRARY)
    except ImportError:
        pass
    candidates += [ctypes.util.find_library("domino"), "libdomino.so.0"]
    errors = []
    for c in candidates:
        if not c:
            continue
        try:
            return ctypes.CDLL(c), c
        except OSError as e:
            errors.append(f"{c}: {e}")
    raise ImportError("domino: cannot load libdomino (set DOMINO_LIBRARY to its path): " + "; ".join(errors))


_lib, library_path = _find_library()


# Only functions, opaque pointers and plain C types cross this boundary: no struct layout
# of the library is mirrored here, so fields added to dm_scenario, dm_mc_config, dm_stats
# or dm_sweep cannot break the package (include/domino/output.h, dm_run_files).
_vp, _cp, _int, _u64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint64
for name, res, args in [
        ("dm_version", _cp, []),
        ("dm_error_new", _vp, []),
        ("dm_error_free", None, [_vp]),
        ("dm_error_set", _int, [_vp, _int, _cp, _int, _int, _cp]),
        ("dm_error_format", _cp, [_vp, _cp, ctypes.c_ulong]),
        ("dm_error_code", _int, [_vp]),
        ("dm_error_line", _int, [_vp]),
        ("dm_error_column", _int, [_vp]),
        ("dm_error_file", _cp, [_vp]),
        ("dm_error_message", _cp, [_vp]),
        ("dm_run_files", _int, [_cp, _u64, _int, _u64, _int, _cp, _cp, _cp, _cp, _cp, _vp]),
        ("dm_sweep_run_file", _int, [_cp, _int, _cp, _cp, _vp])]:
    f = getattr(_lib, name)
    f.restype, f.argtypes = res, args


class Error(Exception):
    """A domino error: str(e) is "file:line:column: message"; code, file, line, column, message."""

    def __init__(self, err):
        buf = ctypes.create_string_buffer(1200)
        text = _lib.dm_error_format(err, buf, len(buf)).decode("utf-8", "replace")
        super().__init__(text)
        self.code, self.line, self.column = _lib.dm_error_code(err), _lib.dm_error_line(err), _lib.dm_error_column(err)
        self.file = _lib.dm_error_file(err).decode("utf-8", "replace")
        self.message = _lib.dm_error_message(err).decode("utf-8", "replace")


def _call(fn, *args):
    """Calls a library function whose last argument is a dm_error; raises Error on failure."""
    err = _lib.dm_error_new()
    if not err:
        raise MemoryError("domino: out of memory")
    try:
        rc = fn(*args, err)
        if rc:
            if not _lib.dm_error_code(err):
                _lib.dm_error_set(err, rc, None, 0, 0, b"failed")
            raise Error(err)
    finally:
        _lib.dm_error_free(err)


def version():
    """The version of the libdomino loaded."""
    return _lib.dm_version().decode()


def _text(s):
    return os.fsencode(s) if isinstance(s, os.PathLike) else s.encode("utf-8")


class Result:
    """A run: summary (dict, the JSON of `domino run --json`), dataset (xarray.Dataset of
    the result file `domino run -o` writes), and path (that file, if output= was given)."""

    def __init__(self, summary, dataset, path):
        self.summary, self.dataset, self.path = summary, dataset, path

    def __repr__(self):
        return f"<domino.Result {self.summary['scenario']!r}: {self.dataset.sizes.get('replicate', 0)} replicates>"


def _open(path):
    import warnings
    import xarray as xr
    with warnings.catch_warnings():  # NaN minutes (no breach) decode to NaT with a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        with xr.open_dataset(path) as ds:
            return ds.load()


def _scratch(output, name):
    """(path, tmpdir): output if given, else a file in a new temporary directory."""
    if output is not None:
        return os.fspath(output), None
    tmpdir = tempfile.mkdtemp(prefix="domino-")
    return os.path.join(tmpdir, name), tmpdir


def _remove(tmpdir):
    if tmpdir:
        for name in os.listdir(tmpdir):
            os.remove(os.path.join(tmpdir, name))
        os.rmdir(tmpdir)


def run(scenario="default", replicates=None, seed=None, threads=0, interval="10min", store="sectors,maps,events",
        output=None):
    """Runs a scenario (file or shipped name) as `domino run -o FILE --json` does; returns a Result.

    replicates: the scenario's `replicates` by default; seed: override the scenario's;
    threads: 0 = all cores; interval: output grid ("10min", "1h" or seconds); store:
    every replicate's series the dataset also holds, as `--store` (sectors, maps, nodes,
    events; "" = only the statistics and the median replicate, as `domino run -o`
    without --store); output: keep the file there."""
    n = 0 if replicates is None else int(replicates)
    if replicates is not None and n < 1:
        raise ValueError("replicates: expected a whole number from 1")
    if isinstance(interval, (int, float)):
        interval = f"{int(interval)}s"
    path, tmpdir = _scratch(output, "run.h5")
    try:
        jpath = path + ".json"
        cmd = f"domino.run({scenario!r}, replicates={replicates}) (Python)"
        _call(_lib.dm_run_files, _text(scenario), n, seed is not None, 0 if seed is None else int(seed), int(threads),
              interval.encode(), store.encode(), _text(path), _text(jpath), cmd.encode())
        with open(jpath, encoding="utf-8") as f:
            summary = json.load(f)
        os.remove(jpath)
        return Result(summary, _open(path), None if output is None else path)
    finally:
        _remove(tmpdir)


def sweep(sweep_file, threads=0, output=None):
    """Runs every point of a sweep (file or shipped name) as `domino sweep` does, in this
    process; returns the sweep file's xarray Dataset (kept at output if given).

    A grid design has one dimension per parameter, so ds.breach_probability.sel(
    removed_fraction=0.15) selects by value; other designs have a `point` dimension with
    the parameters as its coordinates. Every mean has its `<name>_standard_error`, and
    final_level holds each replicate's sector levels at the horizon (docs/sweeps.md)."""
    path, tmpdir = _scratch(output, "sweep.h5")
    try:
        cmd = f"domino.sweep({sweep_file!r}) (Python)"
        _call(_lib.dm_sweep_run_file, _text(sweep_file), int(threads), _text(path), cmd.encode())
        return _open(path)
    finally:
        _remove(tmpdir)
