#!/usr/bin/python3
"""Writes docs/history.md from the reference-incident library (validation/incidents/):
for each incident, run its scenario, score the run with `domino compare --json`, and
write one table (fact, source, observed, simulated with its 5-95 % band, verdict) and one
figure (the observed facts over the simulated share lost, per sector and region).

  tools/history.py [--domino build/domino] [--replicates N] [-o docs/history.md]

Needs Debian's python3-h5py, python3-numpy and python3-matplotlib (tools/setup.sh). The
output depends only on the library, the models and the program: regenerate it whenever
one of them changes, and commit the page and its figures (docs/img/history-*.png)."""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = ("onset", "restored", "onset_by")

# Which incidents the default test suite runs (tests/test_incidents.c says why the others
# are kept out): keep the two lists in step.
IN_DEFAULT_SUITE = {"chuetsu-2004", "atm-switching-2004", "tokyo-snow-1986", "hokkaido-2018", "chiba-faxai-2019"}

# The incidents the models were calibrated on (validation/CALIBRATION.md); the others are
# held out: no model number was changed to fit them, so they are the out-of-sample check.
CALIBRATED_ON = {"hokkaido-2018", "tokyo-snow-1986", "chiba-faxai-2019"}


def facts_of(path):
    """The facts file's rows (dicts) and its t0."""
    t0, lines = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                body = line[1:].strip()
                if body.startswith("t0:"):
                    t0 = body[3:].strip()
                continue
            if line.strip():
                lines.append(line)
    return t0, list(csv.DictReader(lines))


def title_of(readme):
    with open(readme, encoding="utf-8") as f:
        return f.readline().lstrip("# ").strip()


def share_series(h5, region, sector):
    """Share of the sector's capacity lost in the region(s), per replicate and time,
    capacity-weighted over the regions (as domino compare computes it); and that capacity."""
    sectors = [s.decode() for s in h5["sector_id"][:]]
    s = sectors.index(sector)
    ns, nr, nc = h5["node_sector"][:], h5["node_region"][:], h5["node_capacity"][:]
    if region == "all":
        return 1.0 - h5["sector_level"][:, :, s], nc[ns == s].sum()
    regions = [r.decode() for r in h5["region_id"][:]]
    cap = np.zeros(len(regions))
    for v in range(len(ns)):
        if ns[v] == s and nr[v] >= 0:
            cap[nr[v]] += nc[v]
    idx = [regions.index(r) for r in region.split("+")]
    w = cap[idx] / cap[idx].sum()
    imp = np.nan_to_num(h5["impact"][:, :, :, s].astype(float))[:, :, idx]
    return (imp * w).sum(axis=2), cap[idx].sum()


def pct(x):
    return "–" if x is None else f"{100 * x:.1f} %"


def hours(x):
    return "never" if x is None else f"T+{x:.1f} h"


def show(x, event, count=False):
    if count:
        return "–" if x is None else f"{x:.4g}"
    return hours(x) if event else pct(x)


def plot(incident, run_h5, facts, results, out_png):
    groups = []
    for f in facts:
        key = (f["sector"], f["region"])
        if key not in groups:
            groups.append(key)
    by_id = {r["id"]: r for r in results}
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 1.9 * len(groups) + 0.6), sharex=True, squeeze=False)
    with h5py.File(run_h5, "r") as h5:
        t = h5["time"][:] / 60.0
        median = int(h5.attrs["median_replicate"])
        reps = list(h5["replicate"][:])
        for ax, (sector, region) in zip(axes[:, 0], groups):
            y, capacity = share_series(h5, region, sector)
            lo, hi = np.quantile(y, 0.05, axis=0), np.quantile(y, 0.95, axis=0)
            ax.fill_between(t, 100 * lo, 100 * hi, color="tab:blue", alpha=0.25, step="post", label="simulated 5–95 %")
            ax.step(t, 100 * y[reps.index(median)], where="post", color="tab:blue", lw=1.2, label="median replicate")
            for f in facts:
                if (f["sector"], f["region"]) != (sector, region):
                    continue
                r = by_id[f["id"]]
                colour = "tab:green" if r["held"] else "tab:red"
                v, tol = float(f["value"]), r["tolerance"]
                if f["measure"] in ("share_lost", "units_lost"):
                    scale = 1.0 if f["measure"] == "share_lost" else 1.0 / capacity   # a count as a share
                    ax.errorbar([r["t_hours"]], [100 * v * scale], yerr=[100 * tol * scale], fmt="o", color=colour,
                                capsize=3)
                elif f["measure"] in ("peak_share_lost", "peak_below"):
                    end = r["t_hours"] if r["t_hours"] is not None else t[-1]
                    style = "--" if f["measure"] == "peak_share_lost" else ":"
                    ax.hlines(100 * v, 0, end, colors=colour, linestyles=style)
                    if f["measure"] == "peak_share_lost":
                        ax.fill_between([0, end], 100 * max(v - tol, 0), 100 * (v + tol), color=colour, alpha=0.12)
                else:
                    if f["measure"] == "onset_by":  # a bound: the onset came at or before the report (+ its floor)
                        ax.errorbar([r["t_hours"]], [100 * v], xerr=[[0], [tol]], fmt="<", color=colour, capsize=3)
                        ax.hlines(100 * v, 0, r["t_hours"], colors=colour, linestyles=":")
                    elif r["t_hours"] is not None:
                        ax.errorbar([r["t_hours"]], [100 * v], xerr=[tol], fmt="D" if f["measure"] == "onset" else "s",
                                    color=colour, capsize=3)
                    else:  # no observed time: the event fell in time_jst's period
                        ax.axvspan(max(0.0, r["period_from_hours"]), min(t[-1], r["period_to_hours"]), color=colour,
                                   alpha=0.08)
                        ax.axhline(100 * v, color=colour, lw=0.6, ls=":")
            ax.set_ylim(-5, 105)
            ax.set_ylabel(f"{sector}\n{region[:16]}\n% lost", fontsize=8)
            ax.grid(alpha=0.3)
        axes[0, 0].legend(loc="upper right", fontsize=7)
        axes[-1, 0].set_xlabel("hours after t0")
        axes[-1, 0].set_xlim(0, t[-1])
    fig.suptitle(f"{incident}: observed facts (green held, red missed) over the simulated share lost", fontsize=9)
    fig.tight_layout()
    fig.savefig(out_png, dpi=90)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--domino", default=os.path.join(ROOT, "build", "domino"))
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("-o", default=os.path.join(ROOT, "docs", "history.md"))
    a = ap.parse_args()
    lib = os.path.join(ROOT, "validation", "incidents")
    img = os.path.join(os.path.dirname(a.o), "img")
    os.makedirs(img, exist_ok=True)
    incidents = sorted(d for d in os.listdir(lib) if os.path.isfile(os.path.join(lib, d, "observed.csv")))
    version = subprocess.run([a.domino, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    summary, sections = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for inc in incidents:
            d = os.path.join(lib, inc)
            run_h5 = os.path.join(tmp, inc + ".h5")
            r = subprocess.run([a.domino, "run", os.path.join(d, "scenario.yaml"), "--replicates", str(a.replicates),
                                "-o", run_h5, "--store", "sectors,maps", "--quiet"], capture_output=True, text=True)
            if r.returncode:
                sys.exit(f"history: {inc}: domino run failed ({r.returncode}): {r.stderr}")
            r = subprocess.run([a.domino, "compare", run_h5, os.path.join(d, "observed.csv"), "--json"],
                               capture_output=True, text=True)
            if r.returncode not in (0, 1):
                sys.exit(f"history: {inc}: domino compare failed ({r.returncode}): {r.stderr}")
            doc = json.loads(r.stdout)
            t0, facts = facts_of(os.path.join(d, "observed.csv"))
            png = f"history-{inc}.png"
            plot(inc, run_h5, facts, doc["facts"], os.path.join(img, png))
            sc = doc["score"]
            suite = "default suite" if inc in IN_DEFAULT_SUITE else "kept out"
            role = "calibrated on" if inc in CALIBRATED_ON else "**held out** (out of sample)"
            summary.append(f"| [{inc}](#{inc}) | {t0} | {role} | {sc['facts_held']} of {sc['facts']} | "
                           f"{sc['sequences_held']} of {sc['sequences']} | {suite} |")
            s = [f"## {inc}", "", f"**{title_of(os.path.join(d, 'README.md'))}** — t0 {t0}; "
                 f"[facts](../validation/incidents/{inc}/observed.csv), "
                 f"[scenario](../validation/incidents/{inc}/scenario.yaml), "
                 f"[notes](../validation/incidents/{inc}/README.md). "
                 f"{doc['replicates']} replicates; score: {sc['facts_held']} of {sc['facts']} facts, "
                 f"{sc['sequences_held']} of {sc['sequences']} sequences.", "",
                 "| fact | sector, region | measure | observed (tolerance) | simulated (5–95 %) | verdict | source |",
                 "|---|---|---|---|---|---|---|"]
            for res in doc["facts"]:
                ev = res["measure"] in EVENTS
                count = res["measure"] == "units_lost"
                if count:
                    obs = f"{res['observed']:.4g} (±{res['tolerance']:.3g})"
                elif ev and res["observed"] is None:
                    obs = f"in {res['time_jst']}"
                elif res["measure"] == "onset_by":
                    obs = f"by {hours(res['observed'])} (+{res['tolerance']:.1f} h)"
                elif ev:
                    obs = f"{hours(res['observed'])} (±{res['tolerance']:.1f} h)"
                else:
                    obs = f"{pct(res['observed'])} (±{100 * res['tolerance']:.1f})"
                if res["measure"] == "share_lost":
                    what = f"lost at T+{res['t_hours']:.1f} h"
                elif count:
                    what = f"units lost at T+{res['t_hours']:.1f} h"
                elif res["measure"] == "peak_share_lost":
                    what = "peak lost"
                elif res["measure"] == "peak_below":
                    what = "peak lost at most"
                elif res["measure"] == "onset_by":
                    what = f"onset by (≥ {100 * res['value']:g} % lost, a bound)"
                else:
                    what = f"{res['measure']} ({'≥' if res['measure'] == 'onset' else '≤'} {100 * res['value']:g} % lost)"
                sim = f"{show(res['simulated'], ev, count)} ({show(res['p05'], ev, count)} – {show(res['p95'], ev, count)})"
                verdict = "held" if res["held"] else f"**missed** ({res['why']})"
                quote = res["quote"].replace("|", "\\|")
                if len(quote) > 90:
                    quote = quote[:88] + "…"
                s.append(f"| {res['id']} | {res['sector']}, {res['region']} | {what} | {obs} | {sim} | {verdict} | "
                         f"[{res['grade']}]({res['source_url']}): “{quote}” |")
            if doc["sequences"]:
                by_id = {res["id"]: res for res in doc["facts"]}
                s += ["", "Sequences (observed order):", ""]
                for q in doc["sequences"]:
                    line = (f"- {q['name']}: {' → '.join(q['facts'])} — "
                            f"{'in order' if q['held'] else '**out of order**'} ({100 * q['share_held']:.0f} % of replicates)")
                    causes = []
                    for j in range(1, len(q["facts"])):
                        c = q["caused_by_previous"][j]
                        if c is None:
                            continue
                        prev, this = by_id[q["facts"][j - 1]]["sector"], by_id[q["facts"][j]]["sector"]
                        d = q["direct_cause"][j] or "a hazard"
                        causes.append(f"{this}'s first loss {'follows' if c else '**does not follow**'} from {prev} "
                                      f"(directly from {d})")
                    if causes:
                        line += "; in the median replicate " + "; ".join(causes)
                    s.append(line + ".")
            s += ["", f"![{inc}](img/{png})", ""]
            sections.append("\n".join(s))
    head = [
        "# History: the Japan models against what really happened",
        "",
        "GENERATED by `tools/history.py` from the reference-incident library (validation/incidents/,",
        "format in its README); do not edit: change the library, the models or the program and run",
        f"`tools/history.py` again. Program: {version}. Each incident's scenario runs on",
        "`models/japan-prefectures.yaml` and `domino compare` scores the run against the observed facts:",
        "the simulated value is the median replicate's, the band the 5–95 % quantiles over the replicates.",
        "Tolerances follow issue 16: a time within ±30 % (at least ±2 h), a share within ±50 % of the",
        "observed value (at least ±3 points), a sequence in its observed order.",
        "",
        "The shipped models were calibrated on the incidents marked so below (validation/CALIBRATION.md:",
        "each change, its source or the ASSUMPTION it rests on); the incidents held out were not used to",
        "change any number, so they are the out-of-sample check. What a pass means: a held fact is one the model",
        "reproduces within the source's precision; an order check says the onsets came in the observed",
        "order, not that they came for the observed reason: the cause line under a sequence says that",
        "(from the median replicate's event log; shown, not scored).",
        "",
        "| incident | t0 (JST) | role | facts held | sequences in order | CI test |",
        "|---|---|---|---|---|---|",
    ] + summary + [""]
    with open(a.o, "w", encoding="utf-8") as f:
        f.write("\n".join(head) + "\n" + "\n".join(sections))
    print(f"history: wrote {a.o} and {len(incidents)} figures in {img}")


if __name__ == "__main__":
    main()
