#!/usr/bin/python3
"""Opens each kind of file domino writes with xarray, both engines, and checks what a CF
reader gets (tests/test_cf.c): usage: check_cf.py run|sweep|analysis FILE [PARAM...]

- integer indices stay integers (no _FillValue on them or on coordinates);
- names are coordinates (labels tied by `coordinates`), the dimensions numeric;
- sector-hours and hours stay floats (not timedeltas);
- `history`, `source` and `Conventions` are there; cell_methods on the means;
- run files: the /inputs group opens with h5netcdf (its datasets have dimensions);
- sweep files: the parameters are coordinates of `point`."""
import sys

import numpy as np
import xarray as xr


def fail(msg):
    print("check_cf: " + msg)
    sys.exit(1)


def expect_dtype(ds, name, kind, where):
    if name in ds.variables and ds[name].dtype.kind != kind:
        fail(f"{where}: {name} is {ds[name].dtype}, expected kind '{kind}'")


def common(ds, where, labels):
    for a in ("Conventions", "history", "source"):
        if a not in ds.attrs:
            fail(f"{where}: global attribute {a} missing")
    if ds.attrs["Conventions"] != "CF-1.8":
        fail(f"{where}: Conventions is {ds.attrs['Conventions']}")
    for dim, names in labels.items():
        if ds[dim].dtype.kind != "i":
            fail(f"{where}: dimension {dim} is {ds[dim].dtype}, expected integers")
        for n in names:
            if n not in ds.coords:
                fail(f"{where}: {n} is not a coordinate (coords: {list(ds.coords)})")


def run(path, engine):
    where = f"{path} ({engine})"
    ds = xr.open_dataset(path, engine=engine)
    common(ds, where, {"sector": ["sector_id", "sector_name_ja", "sector_name_en", "sector_unit"],
                       "region": ["region_id", "region_name_ja", "region_name_en", "region_code"],
                       "node": ["node_id", "node_name_ja", "node_name_en"],
                       "hazard": ["hazard_id", "hazard_kind"]})
    for name in ("replicate", "event", "breach", "event_replicate", "breach_replicate"):
        expect_dtype(ds, name, "i", where)
    for name in ("event_kind", "event_node", "event_sector", "event_cause_node", "event_hazard", "breach_sector",
                 "node_sector", "node_region"):
        expect_dtype(ds, name, "i", where)
    for name in ("lost_sector_hours", "unserved_unit_hours", "economic_loss", "sector_output"):
        expect_dtype(ds, name, "f", where)
    # every replicate's levels with --store sectors; the median replicate's always
    level = "sector_level" if "sector_level" in ds else "median_sector_level"
    if "sector_name_en" not in ds[level].coords:
        fail(f"{where}: {level} has no sector_name_en coordinate")
    if "node" in ds.dims and "node_level" in ds and "node_id" not in ds.node_level.coords:
        fail(f"{where}: node_level has no node_id coordinate")
    if ds.event_kind.attrs.get("flag_values") is None and "flag_values" not in ds.event_kind.encoding:
        fail(f"{where}: event_kind lost its flag_values")
    if ds.breach_probability.attrs.get("cell_methods") != "realization: mean":
        fail(f"{where}: breach_probability has cell_methods {ds.breach_probability.attrs.get('cell_methods')!r}")
    if ds.replicate.attrs.get("standard_name") != "realization":
        fail(f"{where}: replicate is not CF's realization")
    # selecting by id through the labels
    ds.set_xindex("sector_id")[level].sel(sector_id=str(ds.sector_id.values[0]))
    if engine == "h5netcdf":
        import h5py
        with h5py.File(path, "r") as f:
            has_inputs = "inputs" in f
        if has_inputs:
            g = xr.open_dataset(path, engine="h5netcdf", group="inputs")
            if "0" not in g or g["0"].dtype != np.uint8:
                fail(f"{where}: /inputs/0 is missing or not bytes: {g}")


def sweep(path, engine, params):
    where = f"{path} ({engine})"
    ds = xr.open_dataset(path, engine=engine)
    common(ds, where, {"sector": ["sector_id", "sector_name_ja", "sector_name_en"]})
    for name in ("point", "replicates", "median_replicate"):
        expect_dtype(ds, name, "i", where)
    for p in params:
        if p not in ds.coords or ds[p].dims != ("point",):
            fail(f"{where}: parameter {p} is not a coordinate of point")
    if ds.breach_probability.attrs.get("cell_methods") != "realization: mean":
        fail(f"{where}: breach_probability has no cell_methods")
    ds.set_xindex(params[0]).sel({params[0]: float(ds[params[0]].values[0])})
    fl = ds.final_level
    if fl.dims != ("point", "replicate", "sector") or ds.sizes["replicate"] != int(ds.attrs["replicates_per_point"]):
        fail(f"{where}: final_level is {fl.dims} {fl.shape}")
    if not (np.isfinite(fl).all() and (fl >= 0).all() and (fl <= 1).all()) or ds.replicate.dtype.kind != "i":
        fail(f"{where}: final_level holds values outside [0, 1] or NaN")
    se = np.sqrt(ds.breach_probability * (1 - ds.breach_probability) / ds.replicates)
    if not np.allclose(ds.breach_probability_standard_error, se, rtol=0, atol=1e-15):
        fail(f"{where}: breach_probability_standard_error is not sqrt(p (1 - p) / replicates)")


def analysis(path, engine):
    where = f"{path} ({engine})"
    ds = xr.open_dataset(path, engine=engine)
    common(ds, where, {"provider": ["provider_id"], "dependent": ["dependent_id"]})
    expect_dtype(ds, "hops", "i", where)
    expect_dtype(ds, "component", "i", where)
    for name in ("direct_hours", "earliest_hours", "criticality"):
        expect_dtype(ds, name, "f", where)
    for a in ("domino_format", "model_name", "model_sha256", "model_text", "created"):
        if a not in ds.attrs:
            fail(f"{where}: provenance attribute {a} missing")


def main():
    kind, path, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    for engine in ("netcdf4", "h5netcdf"):
        if kind == "run":
            run(path, engine)
        elif kind == "sweep":
            sweep(path, engine, rest)
        elif kind == "analysis":
            analysis(path, engine)
        else:
            fail("usage: check_cf.py run|sweep|analysis FILE [PARAM...]")
    print("check_cf: ok")


if __name__ == "__main__":
    main()
