#!/usr/bin/python3
"""A sweep point's standard errors are those of its replicates (tests/test_sweep.c):
usage: check_sweep.py se RUN.h5 SWEEP.h5 — RUN.h5 is `domino run --store sectors -o` of
the scenario of the sweep's only point, with the same replicates and interval. Each
standard error must be the sample standard deviation (n - 1) over sqrt(n) of the run's
per-replicate values; the means must be the run's, bit for bit."""
import sys

import h5py
import numpy as np


def fail(msg):
    print("check_sweep: " + msg)
    sys.exit(1)


def se(x, axis=0):
    n = np.sum(~np.isnan(x), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, np.nanstd(x, axis=axis, ddof=1) / np.sqrt(n), np.nan)


def close(name, got, want):
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True):
        fail(f"{name}: {got.ravel()[:8]} ... expected {want.ravel()[:8]} ...")


def main():
    _, run_path, sweep_path = sys.argv[1:4]
    with h5py.File(run_path, "r") as run, h5py.File(sweep_path, "r") as sw:
        # one parameter with one value: the leading dimension (the grid's or point) has length 1
        def one(name):
            return sw[name][()][0]
        R, S = run["final_level"].shape
        level = run["sector_level"][()]
        for name in ("sector_level_mean", "breach_probability", "expected_unserved_unit_hours", "expected_economic_loss"):
            if one(name).tobytes() != run[name][()].tobytes():
                fail(f"{name} differs from the run's")
        if one("final_level").tobytes() != run["final_level"][()].tobytes():
            fail("final_level differs from the run's")
        close("sector_level_mean_standard_error", one("sector_level_mean_standard_error"), se(level))
        close("expected_unserved_unit_hours_standard_error", one("expected_unserved_unit_hours_standard_error"),
              se(run["unserved_unit_hours"][()]))
        close("expected_economic_loss_standard_error", one("expected_economic_loss_standard_error"),
              se(run["economic_loss"][()]))
        # the first breach of each sector in each replicate: its onset and duration
        horizon = float(run.attrs["horizon_minutes"])
        onset = np.full((R, S), np.nan)
        dur = np.full((R, S), np.nan)
        for r, s, o, e in zip(run["breach_replicate"][()], run["breach_sector"][()], run["breach_onset"][()],
                              run["breach_end"][()]):
            if np.isnan(onset[r, s]) or o < onset[r, s]:
                onset[r, s] = o
                dur[r, s] = (e if not np.isnan(e) else horizon) - o
        close("breach_onset_mean_standard_error", one("breach_onset_mean_standard_error"), se(onset))
        close("breach_duration_mean_standard_error", one("breach_duration_mean_standard_error"), se(dur))
        if not np.isfinite(one("sector_level_mean_standard_error")).all() or one("sector_level_mean_standard_error").max() <= 0:
            fail("the levels' standard errors are all zero: the check would not see a wrong one")
    print("check_sweep: ok")


if __name__ == "__main__":
    main()
