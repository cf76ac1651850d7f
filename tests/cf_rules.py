# A rule-based check of CF-1.8 conformance rules (no official CF checker is packaged for Debian 12): usage: cf_rules.py FILE.nc|h5 ... ; prints ERROR and WARN lines per file. Needs python3-netcdf4 and udunits-bin.
# From /work/shared/tools/cf_rules.py (the project's shared checker), with three rules added for domino's files
# (marked "domino:"): `coordinates` names variables on the variable's dimensions, every label (1-D string
# variable) is named by some `coordinates`, cell_methods use CF-1.8's methods, and ancillary variables (standard
# errors) exist on their variable's dimensions.
import sys, subprocess, warnings, numpy as np, netCDF4
warnings.simplefilter("ignore")
def udunits_ok(u):
    if u == "": return False
    p = subprocess.run(["udunits2", "-W", ""], input=u + "\n\n", capture_output=True, text=True)
    return "Don't recognize" not in (p.stdout + p.stderr) and "Couldn't parse" not in (p.stdout + p.stderr)
total = 0
for fn in sys.argv[1:]:
    ds = netCDF4.Dataset(fn); ds.set_auto_mask(False)
    errs, warns = [], []
    if not fn.endswith(".nc"): warns.append("2.1 filename does not end in .nc")
    g = ds.ncattrs()
    for a in ["title", "history", "institution", "source", "references", "comment"]:
        if a not in g: warns.append(f"2.6.2 global attribute '{a}' absent")
    cache = {}
    for name, v in ds.variables.items():
        at = v.ncattrs()
        iscoord = len(v.dimensions) == 1 and v.dimensions[0] == name
        if iscoord:
            if v.dtype == str or v.dtype.kind in "OSU":
                errs.append(f"5/1.3 coordinate variable '{name}' is not numeric ({v.dtype})")
            if "_FillValue" in at: errs.append(f"5 coordinate variable '{name}' has _FillValue")
            if v.dtype != str and v.dtype.kind not in "OSU" and len(v) > 1:
                d = np.diff(v[:].astype(float))
                if not (np.all(d > 0) or np.all(d < 0)): errs.append(f"5 coordinate '{name}' not strictly monotonic")
        if "units" in at:
            u = v.getncattr("units")
            if u not in cache: cache[u] = udunits_ok(u)
            if not cache[u]: errs.append(f"3.1 '{name}': units {u!r} not recognised by udunits")
            if " since " in u and "calendar" not in at and not iscoord:
                warns.append(f"4.4.1 '{name}': time units without calendar (default 'standard'; 'time' says proleptic_gregorian)")
        elif v.dtype != str and v.dtype.kind in "fi" and "flag_values" not in at:
            ln = v.getncattr("long_name") if "long_name" in at else ""
            if "unit" in ln or "hours" in ln or "capacity" in ln or "peak" in ln:
                warns.append(f"3.1 '{name}': dimensional quantity without units (long_name: {ln[:60]!r})")
        if "long_name" not in at and "standard_name" not in at: warns.append(f"3 '{name}': no long_name/standard_name")
        if "flag_values" in at and np.asarray(v.getncattr("flag_values")).dtype != v.dtype:
            errs.append(f"3.5 '{name}': flag_values type differs")
    # domino: the coordinates attributes, labels and cell_methods
    named = set()
    methods = {"point", "sum", "maximum", "median", "mid_range", "minimum", "mean", "mode", "standard_deviation", "variance"}
    for name, v in ds.variables.items():
        at = v.ncattrs()
        for c in (v.getncattr("coordinates").split() if "coordinates" in at else []):
            named.add(c)
            if c not in ds.variables:
                errs.append(f"5 '{name}': coordinates names '{c}', which does not exist")
            elif not set(ds.variables[c].dimensions) <= set(v.dimensions):
                errs.append(f"5 '{name}': coordinates '{c}' has dimensions {ds.variables[c].dimensions} not all of {v.dimensions}")
        if "cell_methods" in at:
            for part in v.getncattr("cell_methods").split(":")[1:]:
                m = part.split()[0] if part.split() else ""
                if m not in methods:
                    errs.append(f"7.3 '{name}': cell_methods method '{m}' is not one of CF-1.8's")
    # domino: ancillary variables (a mean's standard error, CF 3.4) exist on the same
    # dimensions, and every standard error is one
    ancillary = set()
    for name, v in ds.variables.items():
        for a in (v.getncattr("ancillary_variables").split() if "ancillary_variables" in v.ncattrs() else []):
            ancillary.add(a)
            if a not in ds.variables:
                errs.append(f"3.4 '{name}': ancillary_variables names '{a}', which does not exist")
            elif ds.variables[a].dimensions != v.dimensions:
                errs.append(f"3.4 '{name}': ancillary variable '{a}' has dimensions {ds.variables[a].dimensions}, not {v.dimensions}")
    for name in ds.variables:
        if name.endswith("_standard_error") and name not in ancillary:
            errs.append(f"3.4 '{name}': a standard error that no variable names in ancillary_variables")
    for name, v in ds.variables.items():
        if len(v.dimensions) == 1 and v.dimensions[0] != name and (v.dtype == str or v.dtype.kind in "OSU") and name not in named:
            errs.append(f"5/6.1 label '{name}' is named by no coordinates attribute (xarray keeps it a data variable)")
    print(f"== {fn}: {len(errs)} errors, {len(warns)} warnings (mini check)")
    for e in errs: print("  ERROR", e)
    for w in warns: print("  WARN ", w)
    total += len(errs)
sys.exit(1 if total else 0)
