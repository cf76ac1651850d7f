#!/usr/bin/python3
"""Crafts damaged HDF5 files for tests/test_hardening.c: replaces one dataset of FILE by
another of the given shape and type, the rest of the file untouched.

    craft.py FILE NAME SHAPE DTYPE [FILL [ATTR=VALUE ...]]

SHAPE is comma-separated ("2,1000"; "" for a scalar), DTYPE a numpy type (int64, float64,
float32, bool, uint8, S8). Attributes of the old dataset are kept unless ATTR=VALUE
replaces them."""
import sys
import h5py
import numpy as np

path, name, shape, dtype = sys.argv[1:5]
fill = sys.argv[5] if len(sys.argv) > 5 else "1"
shape = tuple(int(x) for x in shape.split(",")) if shape else ()
with h5py.File(path, "r+") as f:
    attrs = {}
    if name in f:
        attrs = {k: v for k, v in f[name].attrs.items() if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME")}
        del f[name]
    data = np.full(shape, np.array(fill).astype(dtype), dtype=dtype)
    ds = f.create_dataset(name, data=data)
    for k, v in attrs.items():
        ds.attrs[k] = v
    for kv in sys.argv[6:]:
        k, v = kv.split("=", 1)
        ds.attrs[k] = v
