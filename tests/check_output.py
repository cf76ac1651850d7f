#!/usr/bin/python3
"""Checks domino result files with the tools analysts use: Debian's python3-xarray
(engines netcdf4 and h5netcdf), python3-h5py and ncdump. Called by tests/test_output.c.

  check_output.py read FILE EXPECTED.bin S
      FILE opens in xarray with both engines and in h5py; `time` decodes (to datetimes
      with a start, to elapsed times without); median_sector_level (and sector_level of
      replicate 0, when the file stores every replicate's levels) equals, bit for bit, the
      doubles in EXPECTED.bin (written by the test from the engine in-process for
      replicate 0, the median of a one-replicate run; S sectors per time step); the
      statistics of levels and maps have their dims.
  check_output.py time FILE START
      with both engines, `time` and `event_time` decode to datetimes whose first value is
      START (UTC, e.g. 2018-09-05T18:07) when START is given, or, for START `none`, to
      elapsed times (timedelta64) from 0 with no calendar attribute: a file without a
      start pretends no date.
  check_output.py docs PAGE.md
      runs every ```python block of the page in the current directory (where the test
      has written run.h5): the examples in the docs work as printed.
  check_output.py same FILE...
      every variable and every global attribute except `created` and `command_line`
      is identical, bit for bit, across the files (e.g. runs on 1, 2 and 4 threads).

Exits 0 when the check holds; prints what differs and exits 1 otherwise."""
import subprocess
import sys

import numpy as np


def fail(msg):
    print("check_output: " + msg)
    sys.exit(1)


def read(path, expected_path, nsectors):
    import h5py
    import xarray as xr

    expected = np.fromfile(expected_path, dtype="<f8").reshape(-1, int(nsectors))
    for engine in ("netcdf4", "h5netcdf"):
        with xr.open_dataset(path, engine=engine) as ds:
            if not (np.issubdtype(ds["time"].dtype, np.datetime64) or np.issubdtype(ds["time"].dtype, np.timedelta64)):
                fail(f"{engine}: time decodes to {ds['time'].dtype}, expected datetime64 or timedelta64")
            if ds["time"].size != expected.shape[0]:
                fail(f"{engine}: {ds['time'].size} times, expected {expected.shape[0]}")
            step = (ds["time"].values[1] - ds["time"].values[0]) / np.timedelta64(1, "m")
            if ds["time"].size > 1 and step <= 0:
                fail(f"{engine}: time is not increasing")
            if ds["median_sector_level"].values.tobytes() != expected.tobytes():
                fail(f"{engine}: median_sector_level differs from the engine's values")
            if "sector_level" in ds:
                got = ds["sector_level"].isel(replicate=0).values
                if got.tobytes() != expected.tobytes():
                    fail(f"{engine}: sector_level differs from the engine's values")
                if list(ds["sector_level"].dims) != ["replicate", "time", "sector"]:
                    fail(f"{engine}: sector_level dims {ds['sector_level'].dims}")
            dims = {"median_sector_level": ["time", "sector"], "sector_level_mean": ["time", "sector"],
                    "sector_level_quantile": ["quantile", "time", "sector"],
                    "median_impact": ["time", "region", "sector"], "impact_mean": ["time", "region", "sector"],
                    "impact_quantile": ["quantile", "time", "region", "sector"],
                    "impact": ["replicate", "time", "region", "sector"]}
            for name, want in dims.items():
                if name != "impact" and name not in ds:
                    fail(f"{engine}: {name} missing")
                if name in ds and list(ds[name].dims) != want:
                    fail(f"{engine}: {name} dims {ds[name].dims}")
            if list(ds["breach_region"].dims) != ["breach"]:
                fail(f"{engine}: breach_region dims {ds['breach_region'].dims}")
            str(ds["sector_id"].values[0])  # string labels decode
    with h5py.File(path, "r") as f:
        if f["median_sector_level"][:].tobytes() != expected.tobytes():
            fail("h5py: median_sector_level differs from the engine's values")
        if "sector_level" in f and f["sector_level"][0].tobytes() != expected.tobytes():
            fail("h5py: sector_level differs from the engine's values")
        for name in ("domino_format", "scenario_text", "model_sha256", "seed"):
            if name not in f.attrs:
                fail(f"h5py: global attribute {name} missing")
        for name, ds in f.items():
            dims = ds.attrs.get("DIMENSION_LIST")
            if ds.attrs.get("CLASS") != b"DIMENSION_SCALE" and (dims is None or len(dims) != ds.ndim):
                fail(f"h5py: {name} lacks a dimension scale on some axis")
    out = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    if out.returncode != 0 or "median_sector_level(time, sector)" not in out.stdout:
        fail("ncdump -h failed or does not show median_sector_level:\n" + out.stderr)


def time(path, start):
    import xarray as xr

    for engine in ("netcdf4", "h5netcdf"):
        with xr.open_dataset(path, engine=engine) as ds:
            t, ev = ds["time"], ds["event_time"]
            if start == "none":
                if not np.issubdtype(t.dtype, np.timedelta64) or not np.issubdtype(ev.dtype, np.timedelta64):
                    fail(f"{engine}: without a start, time decodes to {t.dtype}, event_time to {ev.dtype}: expected timedelta64")
                if t.values[0] != np.timedelta64(0, "m"):
                    fail(f"{engine}: time starts at {t.values[0]}, expected 0")
                with xr.open_dataset(path, engine=engine, decode_times=False) as raw_ds:
                    attrs = raw_ds["time"].attrs
                    if "calendar" in attrs or " since " in attrs.get("units", ""):
                        fail(f"{engine}: without a start, time has units {attrs.get('units')!r} and calendar "
                             f"{attrs.get('calendar')!r}: a date it does not have")
            else:
                if not np.issubdtype(t.dtype, np.datetime64) or not np.issubdtype(ev.dtype, np.datetime64):
                    fail(f"{engine}: with a start, time decodes to {t.dtype}, event_time to {ev.dtype}: expected datetime64")
                if t.values[0] != np.datetime64(start):
                    fail(f"{engine}: time starts at {t.values[0]}, expected {start} (UTC)")
            if t.size > 1 and not (np.diff(t.values).astype("int64") > 0).all():
                fail(f"{engine}: time is not increasing")


def raw(x):
    x = np.asarray(x)
    return repr(x.tolist()).encode() if x.dtype == object else x.tobytes()


def same(paths):
    import h5py

    files = [h5py.File(p, "r") for p in paths]
    first = files[0]
    skip = {"created", "command_line", "history"}
    for other, path in zip(files[1:], paths[1:]):
        if set(first.keys()) != set(other.keys()):
            fail(f"{path}: variables differ from {paths[0]}")
        for name in first.keys():
            a, b = first[name][()], other[name][()]
            if raw(a) != raw(b):
                fail(f"{path}: variable {name} differs from {paths[0]}")
        for name in first.attrs.keys():
            if name in skip:
                continue
            if raw(first.attrs[name]) != raw(other.attrs.get(name)):
                fail(f"{path}: attribute {name} differs from {paths[0]}")


def docs(page):
    import re
    text = open(page, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    if len(blocks) < 2:
        fail(f"{page}: expected the h5py and xarray examples, found {len(blocks)} python blocks")
    for i, code in enumerate(blocks):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"{page}: example {i + 1} failed:\n{code}\n{out.stderr}")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "read":
        read(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "time":
        time(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "docs":
        docs(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "same":
        same(sys.argv[2:])
    else:
        fail("usage: check_output.py read FILE EXPECTED.bin S | time FILE START|none | docs PAGE | same FILE FILE...")
    print("check_output: ok")


if __name__ == "__main__":
    main()
