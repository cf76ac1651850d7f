#!/usr/bin/python3
"""The Python package (python/domino) gives the program's numbers (tests/test_python.c):
usage: check_python.py DOMINO SOURCE_DIR (in a scratch directory; DOMINO_LIBRARY and
PYTHONPATH point at the build's library and the package)."""
import json
import math
import subprocess
import sys

import h5py
import numpy as np

import domino

prog, src = sys.argv[1], sys.argv[2]


def fail(msg):
    print("check_python: " + msg)
    sys.exit(1)


def cli(*args):
    out = subprocess.run([prog, *args], capture_output=True, text=True)
    if out.returncode:
        fail(f"domino {' '.join(args)}: {out.stderr}")
    return out.stdout


def same_data(a, b, skip=()):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        if set(fa.keys()) != set(fb.keys()):
            fail(f"{a} and {b} hold different variables: {set(fa.keys()) ^ set(fb.keys())}")
        for name in fa.keys():
            if name in skip or isinstance(fa[name], h5py.Group):
                continue
            x, y = fa[name][()], fb[name][()]
            if x.dtype.kind == "O" or x.dtype.kind == "S":
                if list(x) != list(y):
                    fail(f"{name} differs between {a} and {b}")
            elif x.tobytes() != y.tobytes():
                fail(f"{name} differs between {a} and {b}")


# a run: the summary is `domino run --json`'s, the dataset the file `run -o` writes (with
# every replicate's sector levels, as --store sectors)
r = domino.run(f"{src}/scenarios/default.yaml", replicates=100, store="sectors", output="py.h5")
expected = json.loads(cli("run", f"{src}/scenarios/default.yaml", "--replicates", "100", "--json", "--quiet"))
if r.summary != expected:
    fail("domino.run's summary differs from `domino run --json`")
cli("run", f"{src}/scenarios/default.yaml", "--replicates", "100", "--store", "sectors", "--quiet", "-o", "cli.h5")
same_data("py.h5", "cli.h5")
if r.dataset.sizes["replicate"] != 100 or r.dataset.sector_level.dtype != np.float64:
    fail(f"unexpected dataset: {r.dataset}")
lvl = r.dataset.set_xindex("sector_id").sector_level_mean.sel(sector_id="ICT")
ict = r.dataset.sector_level.isel(sector=list(r.dataset.sector_id.values).index("ICT")).values  # [replicate, time]
# the mean is the exact sum, rounded once, over the count (docs/output-format.md): fsum's
exact = np.array([math.fsum(ict[:, k]) / ict.shape[0] for k in range(ict.shape[1])])
if not np.array_equal(lvl.values, exact):
    fail("sector_level_mean is not the mean of sector_level")

# the embedded default scenario and a shipped one, by name
d = domino.run("default")
if d.summary != json.loads(cli("run", "--json", "--quiet")):
    fail("domino.run('default') differs from `domino run --json`")
t = domino.run("tokyo-area-blackout", replicates=3, seed=7)
if t.summary != json.loads(cli("run", f"{src}/scenarios/tokyo-area-blackout.yaml", "--replicates", "3", "--seed", "7",
                               "--json", "--quiet")):
    fail("domino.run('tokyo-area-blackout', seed=7) differs from the program's")

# a sweep, computed in this process, equals the program's file
with open("s.yaml", "w") as f:
    f.write("name: s\nscenario: default\nreplicates: 5\ndesign: grid\nparameters:\n"
            "  - name: battery\n    path: model.dependencies[dependent=ICT,providers=ELEC,strength=0.8].buffer.facilities.max\n"
            "    values: [6h, 24h]\n")
ds = domino.sweep("s.yaml", output="py-sweep.h5")
cli("sweep", "s.yaml", "-o", "cli-sweep.h5", "--quiet")
same_data("py-sweep.h5", "cli-sweep.h5")
# a whole grid: a dimension per parameter, selected by value
if "battery" not in ds.indexes or ds.sizes["battery"] != 2 or ds.breach_probability.dims != ("battery", "sector"):
    fail(f"unexpected sweep dataset: {ds}")
ds.sector_level_mean_standard_error.sel(battery=6 * 3600.0)

# errors are exceptions with the position
with open("bad.yaml", "w") as f:
    f.write("name: x\nmodel: japan-sectors\nhorizon: soon\n")
try:
    domino.run("bad.yaml")
    fail("a bad scenario raised nothing")
except domino.Error as e:
    if not str(e).startswith("bad.yaml:3:10: horizon:") or e.code != 65 or (e.line, e.column) != (3, 10):
        fail(f"unexpected error: {e} (code {e.code})")
try:
    domino.run("no-such-scenario")
    fail("a missing scenario raised nothing")
except domino.Error as e:
    if e.code != 66 or "no such file" not in str(e):
        fail(f"unexpected error: {e}")

print("check_python: ok")
