"""domino from Python: the library (libdomino.so) through ctypes.

    import domino
    r = domino.run("scenarios/default.yaml", replicates=100)   # or domino.run("default")
    r.summary["statistics"]["sectors"][0]                       # the JSON summary (docs/json-output.md)
    r.dataset.sector_level_mean.sel(sector=0)                   # the series, an xarray Dataset
    s = domino.sweep("sweeps/ict-battery.yaml")                 # a sweep's per-point statistics

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


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("file", ctypes.c_char * 256), ("line", ctypes.c_int),
                ("column", ctypes.c_int), ("message", ctypes.c_char * 768)]


class _Scenario(ctypes.Structure):  # the leading fields of dm_scenario (include/domino/model.h)
    _fields_ = [("name", ctypes.c_char_p), ("description", ctypes.c_char_p), ("file", ctypes.c_char_p),
                ("text", ctypes.c_char_p), ("model", ctypes.c_void_p), ("hazards", ctypes.c_void_p),
                ("nhazards", ctypes.c_size_t), ("horizon_s", ctypes.c_int64), ("tick_s", ctypes.c_int64),
                ("seed", ctypes.c_uint64), ("replicates", ctypes.c_uint64)]


_SINK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64)


class _McConfig(ctypes.Structure):  # dm_mc_config (include/domino/montecarlo.h)
    _fields_ = [("first", ctypes.c_uint64), ("replicates", ctypes.c_uint64), ("threads", ctypes.c_int),
                ("interval", ctypes.c_int64), ("store", ctypes.c_uint), ("sink", ctypes.c_void_p),
                ("sink_ctx", ctypes.c_void_p), ("progress", ctypes.c_void_p), ("progress_ctx", ctypes.c_void_p),
                ("stop", ctypes.c_void_p)]


class _Stats(ctypes.Structure):  # dm_stats (include/domino/montecarlo.h)
    _fields_ = [("replicates", ctypes.c_uint64), ("interrupted", ctypes.c_int), ("nsectors", ctypes.c_size_t),
                ("ntimes", ctypes.c_size_t)] + \
               [(n, ctypes.c_void_p) for n in ("breach_probability", "onset_mean", "onset_q", "duration_mean",
                                               "duration_q", "expected_unit_hours", "expected_economic_loss",
                                               "level_mean", "level_q", "lost_sector_hours")] + \
               [("median_replicate", ctypes.c_uint64)]


class _Provenance(ctypes.Structure):
    _fields_ = [("command_line", ctypes.c_char_p), ("replicates_requested", ctypes.c_uint64)]


class _SweepParam(ctypes.Structure):  # dm_sweep_param (include/domino/sweep.h)
    _fields_ = [("name", ctypes.c_char_p), ("path", ctypes.c_char_p), ("in_model", ctypes.c_int),
                ("is_duration", ctypes.c_int), ("log_scale", ctypes.c_int), ("lo", ctypes.c_double),
                ("hi", ctypes.c_double), ("values", ctypes.c_void_p), ("nvalues", ctypes.c_size_t),
                ("line", ctypes.c_int), ("column", ctypes.c_int)]


class _Sweep(ctypes.Structure):  # dm_sweep (include/domino/sweep.h)
    _fields_ = [("name", ctypes.c_char_p), ("file", ctypes.c_char_p), ("text", ctypes.c_char_p),
                ("scenario_text", ctypes.c_char_p), ("scenario_file", ctypes.c_char_p), ("model_text", ctypes.c_char_p),
                ("design", ctypes.c_int), ("params", ctypes.POINTER(_SweepParam)), ("nparams", ctypes.c_size_t),
                ("npoints", ctypes.c_size_t), ("values", ctypes.POINTER(ctypes.c_double)),
                ("replicates", ctypes.c_uint64), ("seed", ctypes.c_uint64), ("design_seed", ctypes.c_uint64),
                ("has_seed", ctypes.c_int), ("interval_s", ctypes.c_int64), ("sha256", ctypes.c_char * 65),
                ("base", ctypes.POINTER(_Scenario))]


class _SweepPoint(ctypes.Structure):
    _fields_ = [("index", ctypes.c_size_t), ("stats", ctypes.POINTER(_Stats)),
                ("final_level", ctypes.POINTER(ctypes.c_double))]


_P = ctypes.POINTER
_vp, _cp, _int = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
for name, res, args in [
        ("dm_version", _cp, []),
        ("dm_error_format", _cp, [_P(_Error), _cp, ctypes.c_ulong]),
        ("dm_scenario_load", _int, [_cp, _P(_P(_Scenario)), _P(_Error)]),
        ("dm_scenario_free", None, [_P(_Scenario)]),
        ("dm_mc_run", _int, [_P(_Scenario), _P(_McConfig), _P(_Stats), _P(_Error)]),
        ("dm_stats_free", None, [_P(_Stats)]),
        ("dm_h5_create", _int, [_cp, _P(_Scenario), _P(_McConfig), _P(_Provenance), _P(_vp), _P(_Error)]),
        ("dm_h5_finish", _int, [_vp, _P(_Stats), _P(_Error)]),
        ("dm_h5_abort", None, [_vp]),
        ("dm_engine_new", _int, [_P(_Scenario), _P(_vp), _P(_Error)]),
        ("dm_engine_run", _int, [_vp, ctypes.c_uint64, _P(_Error)]),
        ("dm_engine_results", _vp, [_vp]),
        ("dm_engine_free", None, [_vp]),
        ("dm_render_json", _int, [_vp, _P(_Scenario), _vp, _P(_Stats), ctypes.c_int64]),
        ("dm_sweep_load", _int, [_cp, _P(_P(_Sweep)), _P(_Error)]),
        ("dm_sweep_free", None, [_P(_Sweep)]),
        ("dm_sweep_run_point", _int, [_P(_Sweep), ctypes.c_size_t, _int, _vp, _P(_Stats),
                                      _P(_P(ctypes.c_double)), _P(_Error)]),
        ("dm_sweep_write", _int, [_cp, _P(_Sweep), _P(_SweepPoint), ctypes.c_size_t, _cp, _P(_Error)])]:
    f = getattr(_lib, name)
    f.restype, f.argtypes = res, args

_libc = ctypes.CDLL(None)
_libc.fopen.restype, _libc.fopen.argtypes = _vp, [_cp, _cp]
_libc.fclose.restype, _libc.fclose.argtypes = _int, [_vp]
_libc.free.restype, _libc.free.argtypes = None, [_vp]

DM_STORE = {"sectors": 1, "maps": 2, "nodes": 4, "events": 8}


class Error(Exception):
    """A domino error: str(e) is "file:line:column: message"; code, file, line, column, message."""

    def __init__(self, err):
        buf = ctypes.create_string_buffer(1200)
        text = _lib.dm_error_format(ctypes.byref(err), buf, len(buf)).decode("utf-8", "replace")
        super().__init__(text)
        self.code, self.line, self.column = err.code, err.line, err.column
        self.file = err.file.decode("utf-8", "replace")
        self.message = err.message.decode("utf-8", "replace")


def _check(rc, err):
    if rc:
        if not err.code:
            err.code = rc
        raise Error(err)


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


def run(scenario="default", replicates=None, seed=None, threads=0, interval="10min", store="sectors,maps,events",
        output=None):
    """Runs a scenario (file or shipped name) as `domino run` does; returns a Result.

    replicates: the scenario's `replicates` by default; seed: override the scenario's;
    threads: 0 = all cores; interval: output grid ("10min", "1h" or seconds); store:
    what the dataset holds (sectors, maps, nodes, events); output: keep the file there."""
    err = _Error()
    sc = _P(_Scenario)()
    _check(_lib.dm_scenario_load(_text(scenario), ctypes.byref(sc), ctypes.byref(err)), err)
    writer, eng, st = _vp(), _vp(), _Stats()
    tmpdir = None
    try:
        if seed is not None:
            sc.contents.seed = int(seed)
        n = sc.contents.replicates if replicates is None else int(replicates)
        if n < 1:
            raise ValueError("replicates: expected a whole number from 1")
        secs = _seconds(interval)
        ticks = max(1, -(-secs // sc.contents.tick_s))
        mask = 0
        for word in filter(None, store.split(",")):
            if word not in DM_STORE:
                raise ValueError(f"store: expected sectors, maps, nodes or events, found {word!r}")
            mask |= DM_STORE[word]
        cfg = _McConfig(first=0, replicates=n, threads=int(threads), interval=ticks, store=mask)
        if output is None:
            tmpdir = tempfile.mkdtemp(prefix="domino-")
            path = os.path.join(tmpdir, "run.h5")
        else:
            path = os.fspath(output)
        prov = _Provenance(f"domino.run({scenario!r}, replicates={n}) (Python)".encode(), n)
        _check(_lib.dm_h5_create(_text(path), sc, ctypes.byref(cfg), ctypes.byref(prov), ctypes.byref(writer),
                                 ctypes.byref(err)), err)
        cfg.sink = ctypes.cast(_lib.dm_h5_append, _vp).value
        cfg.sink_ctx = writer.value
        rc = _lib.dm_mc_run(sc, ctypes.byref(cfg), ctypes.byref(st), ctypes.byref(err))
        if rc:
            _lib.dm_h5_abort(writer)
            writer = _vp()
            _check(rc, err)
        rc = _lib.dm_h5_finish(writer, ctypes.byref(st), ctypes.byref(err))
        writer = _vp()
        _check(rc, err)
        # the summary: the median replicate recomputed, with the statistics (as `run --json`)
        _check(_lib.dm_engine_new(sc, ctypes.byref(eng), ctypes.byref(err)) or
               _lib.dm_engine_run(eng, st.median_replicate, ctypes.byref(err)), err)
        jpath = path + ".json"
        fp = _libc.fopen(_text(jpath), b"w")
        if not fp:
            raise OSError(f"cannot create {jpath}")
        rc = _lib.dm_render_json(fp, sc, _lib.dm_engine_results(eng), ctypes.byref(st) if n > 1 else None, ticks)
        _libc.fclose(fp)
        with open(jpath, encoding="utf-8") as f:
            summary = json.load(f)
        os.remove(jpath)
        if rc:
            raise OSError("writing the JSON summary failed")
        return Result(summary, _open(path), None if output is None else path)
    finally:
        if writer:
            _lib.dm_h5_abort(writer)
        if eng:
            _lib.dm_engine_free(eng)
        _lib.dm_stats_free(ctypes.byref(st))
        _lib.dm_scenario_free(sc)
        if tmpdir:
            for name in os.listdir(tmpdir):
                os.remove(os.path.join(tmpdir, name))
            os.rmdir(tmpdir)


def sweep(sweep_file, threads=0, output=None):
    """Runs every point of a sweep (file or shipped name) as `domino sweep` does, in this
    process; returns the sweep file's xarray Dataset (kept at output if given)."""
    err = _Error()
    s = _P(_Sweep)()
    _check(_lib.dm_sweep_load(_text(sweep_file), ctypes.byref(s), ctypes.byref(err)), err)
    stats, finals, tmpdir = [], [], None
    try:
        sw = s.contents
        for i in range(sw.npoints):
            st, final = _Stats(), _P(ctypes.c_double)()
            rc = _lib.dm_sweep_run_point(s, i, int(threads), None, ctypes.byref(st), ctypes.byref(final), ctypes.byref(err))
            if not rc:
                stats.append(st)
                finals.append(final)
            _check(rc, err)
        points = (_SweepPoint * max(1, len(stats)))()
        for i, st in enumerate(stats):
            points[i] = _SweepPoint(i, ctypes.pointer(st), finals[i])
        if output is None:
            tmpdir = tempfile.mkdtemp(prefix="domino-")
            path = os.path.join(tmpdir, "sweep.h5")
        else:
            path = os.fspath(output)
        cmd = f"domino.sweep({sweep_file!r}) (Python)".encode()
        _check(_lib.dm_sweep_write(_text(path), s, points, len(stats), cmd, ctypes.byref(err)), err)
        return _open(path)
    finally:
        for st in stats:
            _lib.dm_stats_free(ctypes.byref(st))
        for f in finals:
            _libc.free(f)
        _lib.dm_sweep_free(s)
        if tmpdir:
            for name in os.listdir(tmpdir):
                os.remove(os.path.join(tmpdir, name))
            os.rmdir(tmpdir)


def _seconds(interval):
    if isinstance(interval, (int, float)):
        return int(interval)
    units = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 604800}
    for u in sorted(units, key=len, reverse=True):
        if interval.endswith(u):
            return int(float(interval[: -len(u)]) * units[u])
    raise ValueError(f"interval: expected a duration such as 10min or 1h, found {interval!r}")
