#!/usr/bin/python3
"""Pictures of a domino result file (domino run -o FILE.h5), with Debian's
python3-matplotlib and python3-h5py (installed by tools/setup.sh):

  tools/plot.py heatmap FILE.h5 [-o heat.png]
      each sector's service level over time: the mean over replicates when the file has
      several, else the one replicate
  tools/plot.py map FILE.h5 --times 1h,6h,24h [--sector ELEC] [-o map.png]
      a tile map of Japan's 47 prefectures coloured by impact (fraction of service
      unserved, over all sectors or one) at the given times, in the median replicate;
      one panel per time (a series of frames)
  tools/plot.py gantt FILE.h5 [--replicate R] [-o gantt.png]
      the breaches of each sector in a replicate (default: the median one)

The tile map is a schematic layout (one square per prefecture, neighbours next to each
other), not geography. Names follow --lang ja|en (Japanese names need a CJK font, e.g.
Debian's fonts-noto-cjk; without one, English is used)."""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# (column, row) of each prefecture code in the tile map
TILES = {
    "01": (12, 0), "02": (12, 1), "05": (11, 2), "03": (12, 2), "06": (11, 3), "04": (12, 3),
    "17": (9, 4), "16": (10, 4), "15": (11, 4), "07": (12, 4),
    "18": (8, 5), "21": (9, 5), "20": (10, 5), "10": (11, 5), "09": (12, 5), "08": (13, 5),
    "32": (4, 6), "31": (5, 6), "26": (7, 6), "25": (8, 6), "23": (9, 6), "19": (10, 6), "11": (11, 6),
    "13": (12, 6), "12": (13, 6),
    "35": (3, 7), "34": (4, 7), "33": (5, 7), "28": (6, 7), "27": (7, 7), "29": (8, 7), "24": (9, 7),
    "22": (10, 7), "14": (11, 7),
    "42": (0, 8), "41": (1, 8), "40": (2, 8), "38": (4, 8), "37": (5, 8), "36": (6, 8), "30": (7, 8),
    "43": (1, 9), "44": (2, 9), "39": (5, 9),
    "46": (1, 10), "45": (2, 10), "47": (0, 11),
}


def text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def minutes(s):
    units = {"min": 1, "h": 60, "d": 1440, "s": 1 / 60}
    for u in sorted(units, key=len, reverse=True):
        if s.endswith(u):
            return float(s[: -len(u)]) * units[u]
    raise SystemExit(f"plot.py: expected a duration such as 6h or 90min, found '{s}'")


def replicate_row(f, replicate):
    reps = f["replicate"][:]
    r = int(f.attrs["median_replicate"]) if replicate is None else replicate
    rows = np.nonzero(reps == r)[0]
    if len(rows) == 0:
        raise SystemExit(f"plot.py: replicate {r} is not in the file")
    return r, int(rows[0])


def names(f, lang, var):
    key = f"{var}_name_ja" if lang == "ja" else f"{var}_name_en"
    return text(f[key][:])


def heatmap(f, args):
    t_h = f["time"][:] / 60
    sectors = names(f, args.lang, "sector")
    if "sector_level_mean" in f and int(f.attrs["replicates"]) > 1:
        level, what = f["sector_level_mean"][:], f"mean over {int(f.attrs['replicates'])} replicates"
    else:
        level, what = f["median_sector_level"][:], f"replicate {int(f.attrs['median_replicate'])}"
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(sectors) + 1.5))
    im = ax.imshow(level.T, aspect="auto", cmap="RdYlGn", vmin=0, vmax=1,
                   extent=[t_h[0], t_h[-1] + (t_h[1] - t_h[0] if len(t_h) > 1 else 1), len(sectors) - 0.5, -0.5])
    ax.set_yticks(range(len(sectors)))
    ax.set_yticklabels(sectors)
    ax.set_xlabel("hours after T+0")
    ax.set_title(f"{text([f.attrs['scenario_name']])[0]}: service level ({what})")
    fig.colorbar(im, ax=ax, label="service level")
    return fig


def tile_map(f, args):
    times = [minutes(t) for t in args.times.split(",")]
    _, row = replicate_row(f, None)
    if "impact" in f:
        impact = f["impact"][row]  # [time, region, sector]
    elif "median_impact" in f:  # a file keeps the median replicate's map unless --store maps
        impact = f["median_impact"][:]
    else:
        raise SystemExit("plot.py: the file has no impact maps")
    regions = f["region_id"][:] if "region_id" in f else f["region"][:]  # ids: labels since the CF layout
    codes = text(f["region_code"][:]) if "region_code" in f else None
    sectors = text(f["sector_id"][:] if "sector_id" in f else f["sector"][:])
    t_min = f["time"][:]
    if args.sector:
        if args.sector not in sectors:
            raise SystemExit(f"plot.py: no sector {args.sector}; the file has {', '.join(sectors)}")
        values = impact[:, :, sectors.index(args.sector)]
    else:
        values = np.nanmean(impact, axis=2)
    region_ids = text(regions)
    # the model's region ids are prefecture names; their codes come from region_code or order
    code_of = {rid: (codes[i] if codes else f"{i + 1:02d}") for i, rid in enumerate(region_ids)}
    if not any(c in TILES for c in code_of.values()):
        raise SystemExit("plot.py: map: expected regions with prefecture codes 01-47 "
                         "(models/japan-prefectures.yaml), found " + ", ".join(region_ids[:5]))
    fig, axes = plt.subplots(1, len(times), figsize=(3.2 * len(times), 3.6), squeeze=False)
    for ax, t in zip(axes[0], times):
        k = int(np.clip(np.searchsorted(t_min, t, side="right") - 1, 0, len(t_min) - 1))
        for i, rid in enumerate(region_ids):
            c, r = TILES.get(code_of[rid], (None, None))
            if c is None:
                continue
            v = values[k, i]
            color = "lightgrey" if np.isnan(v) else plt.cm.Reds(min(1.0, v))
            ax.add_patch(plt.Rectangle((c, -r), 0.95, 0.95, color=color))
        ax.set_xlim(-0.2, 14.2)
        ax.set_ylim(-12.2, 1.2)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"T+{int(t_min[k] // 60)}:{int(t_min[k] % 60):02d}")
    label = args.sector or "all sectors"
    fig.suptitle(f"{text([f.attrs['scenario_name']])[0]}: unserved fraction ({label}), replicate {int(f.attrs['median_replicate'])}")
    sm = plt.cm.ScalarMappable(cmap="Reds", norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=axes[0].tolist(), shrink=0.7, label="fraction unserved")
    return fig


def gantt(f, args):
    r, _ = replicate_row(f, args.replicate)
    sectors = names(f, args.lang, "sector")
    rep = f["breach_replicate"][:]
    sel = rep == r
    sector = f["breach_sector"][:][sel]
    onset, confirmed, end = (f[k][:][sel] / 60 for k in ("breach_onset", "breach_confirmed", "breach_end"))
    horizon = float(f.attrs["horizon_minutes"]) / 60
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(sectors) + 1.5))
    for s, a, c, e in zip(sector, onset, confirmed, end):
        e = horizon if np.isnan(e) else e
        ax.barh(s, e - a, left=a, color="tab:red", alpha=0.35)
        ax.barh(s, e - c, left=c, color="tab:red")
    ax.set_yticks(range(len(sectors)))
    ax.set_yticklabels(sectors)
    ax.invert_yaxis()
    ax.set_xlim(0, horizon)
    ax.set_xlabel("hours after T+0 (light: run before confirmation; dark: breach confirmed)")
    ax.set_title(f"{text([f.attrs['scenario_name']])[0]}: service-level breaches, replicate {r}")
    return fig


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["heatmap", "map", "gantt"])
    p.add_argument("file")
    p.add_argument("-o", "--output")
    p.add_argument("--times", default="1h,6h,24h,72h")
    p.add_argument("--sector")
    p.add_argument("--replicate", type=int)
    p.add_argument("--lang", choices=["ja", "en"], default="en")
    args = p.parse_args()
    try:
        f = h5py.File(args.file, "r")
    except OSError as e:
        raise SystemExit(f"plot.py: {args.file}: {e}")
    if f.attrs.get("domino_format", b"") not in (b"domino-result 1", "domino-result 1"):
        raise SystemExit(f"plot.py: {args.file}: not a domino result file")
    fig = {"heatmap": heatmap, "map": tile_map, "gantt": gantt}[args.kind](f, args)
    out = args.output or f"{args.kind}.png"
    fig.savefig(out, dpi=90, bbox_inches="tight")
    print(out)


if __name__ == "__main__":
    sys.exit(main())
