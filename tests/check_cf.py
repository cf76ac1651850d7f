#!/usr/bin/python3
"""Opens each kind of file domino writes with xarray, both engines, and checks what a CF
reader gets (tests/test_cf.c): usage: check_cf.py run|sweep|analysis FILE [PARAM...]

- integer indices stay integers (no _FillValue on them or on coordinates);
- names are coordinates (labels tied by `coordinates`), the dimensions numeric;
- sector-hours and hours stay floats (not timedeltas);
- `history`, `source` and `Conventions` are there; cell_methods on the means;
- run files: the /inputs group opens with h5netcdf (its datasets have dimensions);
- sweep files: a whole grid has a dimension per parameter, other files the parameters as
  coordinates of `point`; every mean has its standard error as an ancillary variable."""
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
    for name in ("point", "replicates", "median_replicate", "replicate_graph"):
        expect_dtype(ds, name, "i", where)
    grid = ds.attrs["sweep_layout"] == "grid"
    lead = tuple(params) if grid else ("point",)
    for p in params:
        # a grid: one dimension per parameter, its values the coordinate; else along point
        if p not in ds.coords or ds[p].dims != ((p,) if grid else ("point",)):
            fail(f"{where}: parameter {p} is not a coordinate of {'its own dimension' if grid else 'point'}: {ds[p].dims}")
    if ds.breach_probability.dims != lead + ("sector",):
        fail(f"{where}: breach_probability is over {ds.breach_probability.dims}, expected {lead + ('sector',)}")
    if grid:  # a value of every parameter selects one point, without set_index or unstack
        at = {p: ds[p].values[-1] for p in params}
        if int(ds.point.sel(at)) != int(ds.point.values.max()):
            fail(f"{where}: the last values of the parameters are not the last point")
    else:
        ds.set_xindex(params[0]).sel({params[0]: float(ds[params[0]].values[0])})
    fl = ds.final_level
    if fl.dims != lead + ("replicate", "sector") or ds.sizes["replicate"] != int(ds.attrs["replicates_per_point"]):
        fail(f"{where}: final_level is {fl.dims} {fl.shape}")
    if not (np.isfinite(fl).all() and (fl >= 0).all() and (fl <= 1).all()) or ds.replicate.dtype.kind != "i":
        fail(f"{where}: final_level holds values outside [0, 1] or NaN")
    se = np.sqrt(ds.breach_probability * (1 - ds.breach_probability) / ds.replicates)
    if not np.allclose(ds.breach_probability_standard_error, se, rtol=0, atol=1e-15):
        fail(f"{where}: breach_probability_standard_error is not sqrt(p (1 - p) / replicates)")
    # every mean: cell_methods, and its standard error as an ancillary variable on the same dimensions
    for mean in ("breach_probability", "breach_onset_mean", "breach_duration_mean", "expected_unserved_unit_hours",
                 "expected_economic_loss", "sector_level_mean"):
        if ds[mean].attrs.get("cell_methods") != "realization: mean":
            fail(f"{where}: {mean} has cell_methods {ds[mean].attrs.get('cell_methods')!r}")
        err = mean + "_standard_error"
        if ds[mean].attrs.get("ancillary_variables") != err or err not in ds or ds[err].dims != ds[mean].dims:
            fail(f"{where}: {mean} lacks its standard error {err} (ancillary_variables)")
        e = ds[err].values
        if e.dtype.kind == "m":
            e = e / np.timedelta64(1, "m")
        if not (np.isnan(e) | (e >= 0)).all():
            fail(f"{where}: {err} has negative values")


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
