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
  tools/plot.py sweep SWEEP.h5 --param NAME [--what probability|level] [--sector ID] [-o sweep.png]
      a sweep file (domino sweep): each sector's breach probability (or lowest mean level)
      over a parameter; with two parameters, one line per value of the other

--region ID (id, code or name) narrows heatmap, map and gantt to one region (the
region's part of each sector: its impact map, its regional breaches).

The tile map is a schematic layout (one square per prefecture, neighbours next to each
other), not geography; each tile is labelled. Colours are colour-blind safe (viridis,
Okabe-Ito). Names follow --lang ja|en: Japanese needs a CJK font (Debian's
fonts-noto-cjk, found through matplotlib's font list); without one, a warning and
English."""
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


# Okabe & Ito (2008), colour-blind-safe: vermillion and orange for breaches
BREACH, ONSET = "#D55E00", "#E69F00"
# sequential maps for levels and losses: viridis (perceptually uniform, readable with
# colour-vision deficiencies; van der Walt & Smith 2015)
LEVELS, LOSSES = "viridis", "viridis_r"
CJK_FONTS = ["Noto Sans CJK JP", "Noto Serif CJK JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "VL Gothic",
             "Droid Sans Fallback", "Noto Sans CJK SC"]


def pick_language(lang):
    """Japanese needs a CJK font: the first installed one of CJK_FONTS, else English."""
    if lang != "ja":
        return "en"
    from matplotlib import font_manager
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]
            return "ja"
    # matplotlib's cache may predate the font, and it skips font collections (.ttc, as
    # fonts-noto-cjk ships them): ask fontconfig for a Japanese font and add it
    import subprocess
    try:
        listing = subprocess.run(["fc-list", ":lang=ja", "file", "family"], capture_output=True, text=True,
                                 timeout=30).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        listing = []
    found = sorted((("Sans" not in line) + ("Regular" not in line), line) for line in listing if ":" in line)
    for _, line in found:
        path = line.split(":")[0]
        try:
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
        matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]
        return "ja"
    print("plot.py: warning: no CJK font installed (Debian: fonts-noto-cjk); drawing in English", file=sys.stderr)
    return "en"


def words(lang, en, ja):
    return ja if lang == "ja" else en


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
    if key in f:
        return text(f[key][:])
    return text(f[f"{var}_id"][:] if f"{var}_id" in f else f[var][:])  # a sweep file may have the ids only


def region_index(f, region):
    """The index of region `region` (id, code or either name), or exit with the choices."""
    if region is None:
        return None
    if "region_code" not in f or "region_name_en" not in f:
        raise SystemExit("plot.py: --region: the file's model has no regions")
    ids = f["region_id"][:] if "region_id" in f else f["region"][:]  # ids: labels since the CF layout
    fields = [text(ids), text(f["region_code"][:]), text(f["region_name_en"][:]), text(f["region_name_ja"][:])]
    for i in range(len(fields[0])):
        if any(region == col[i] for col in fields):
            return i
    raise SystemExit(f"plot.py: --region: no region '{region}'; the file has {', '.join(fields[0][:5])}, ...")


def heatmap(f, args):
    t_h = f["time"][:] / 60
    sectors = names(f, args.lang, "sector")
    g = region_index(f, args.region)
    if g is not None:  # the region's part of each sector: 1 - its impact (median replicate)
        if "impact" in f:
            r, row = replicate_row(f, None)
            level = 1 - f["impact"][row][:, g, :]
        elif "median_impact" in f:  # the median replicate's map, kept unless --store maps
            r = int(f.attrs["median_replicate"])
            level = 1 - f["median_impact"][:][:, g, :]
        else:
            raise SystemExit("plot.py: --region: the file has no impact maps")
        what = words(args.lang, f"{names(f, 'en', 'region')[g]}, replicate {r}", f"{names(f, 'ja', 'region')[g]}、レプリケート {r}")
    elif "sector_level_mean" in f and int(f.attrs["replicates"]) > 1:
        n = int(f.attrs["replicates"])
        level, what = f["sector_level_mean"][:], words(args.lang, f"mean over {n} replicates", f"{n} レプリケートの平均")
    else:
        if "median_sector_level" in f:  # a file keeps the median replicate's series unless --store sectors
            r = int(f.attrs["median_replicate"])
            level = f["median_sector_level"][:]
        else:
            r = int(f["replicate"][0])
            level = f["sector_level"][0]
        what = words(args.lang, f"replicate {r}", f"レプリケート {r}")
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(sectors) + 1.5))
    # one row per sector and one column per time step, each a flat cell: nearest, never
    # smoothed into the neighbouring sector or step
    im = ax.imshow(np.ma.masked_invalid(level.T), aspect="auto", cmap=LEVELS, vmin=0, vmax=1, interpolation="nearest",
                   extent=[t_h[0], t_h[-1] + (t_h[1] - t_h[0] if len(t_h) > 1 else 1), len(sectors) - 0.5, -0.5])
    ax.set_yticks(range(len(sectors)))
    ax.set_yticklabels(sectors)
    ax.set_xlabel(words(args.lang, "hours after T+0", "T+0 からの時間（時）"))
    ax.set_title(f"{text([f.attrs['scenario_name']])[0]}: " + words(args.lang, f"service level ({what})", f"サービス水準（{what}）"))
    fig.colorbar(im, ax=ax, label=words(args.lang, "service level", "サービス水準"))
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
        # the worst-hit sector in each prefecture: a mean over 16 sectors would hide a
        # regional event that stops one sector there
        with np.errstate(all="ignore"):
            values = np.where(np.all(np.isnan(impact), axis=2), np.nan, np.nanmax(np.nan_to_num(impact, nan=-1), axis=2))
    label_names = names(f, args.lang, "region")
    focus = region_index(f, args.region)
    region_ids = text(regions)
    # the model's region ids are prefecture names; their codes come from region_code or order
    code_of = {rid: (codes[i] if codes else f"{i + 1:02d}") for i, rid in enumerate(region_ids)}
    if not any(c in TILES for c in code_of.values()):
        raise SystemExit("plot.py: map: expected regions with prefecture codes 01-47 "
                         "(models/japan-prefectures.yaml), found " + ", ".join(region_ids[:5]))
    fig, axes = plt.subplots(1, len(times), figsize=(5.5 * len(times), 6), squeeze=False)
    for ax, t in zip(axes[0], times):
        k = int(np.clip(np.searchsorted(t_min, t, side="right") - 1, 0, len(t_min) - 1))
        for i, rid in enumerate(region_ids):
            c, r = TILES.get(code_of[rid], (None, None))
            if c is None:
                continue
            v = values[k, i]
            color = "lightgrey" if np.isnan(v) else plt.get_cmap(LOSSES)(min(1.0, v))
            edge = "black" if focus == i else "white"
            ax.add_patch(plt.Rectangle((c, -r), 0.95, 0.95, facecolor=color, edgecolor=edge,
                                       linewidth=2 if focus == i else 0.5))
            ink = "white" if not np.isnan(v) and v > 0.5 else "black"
            short = label_names[i][:4]
            if args.lang == "ja":  # 新潟県 -> 新潟, 京都府 -> 京都, 東京都 -> 東京; 北海道 whole
                short = label_names[i][:-1] if label_names[i][-1:] in "県府" or label_names[i] == "東京都" else label_names[i]
            ax.text(c + 0.47, -r + 0.62, short, ha="center", va="center", fontsize=6, color=ink)
            ax.text(c + 0.47, -r + 0.28, "-" if np.isnan(v) else f"{100 * v:.0f}%", ha="center", va="center",
                    fontsize=6, color=ink)
        ax.set_xlim(-0.2, 14.2)
        ax.set_ylim(-12.2, 1.2)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"T+{int(t_min[k] // 60)}:{int(t_min[k] % 60):02d}")
    label = args.sector or words(args.lang, "worst-hit sector", "最も影響の大きい分野")
    rep = int(f.attrs["median_replicate"])
    fig.suptitle(f"{text([f.attrs['scenario_name']])[0]}: " + words(args.lang, f"unserved fraction ({label}), replicate {rep}",
                                                                   f"供給支障の割合（{label}）、レプリケート {rep}"))
    sm = plt.cm.ScalarMappable(cmap=LOSSES, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=axes[0].tolist(), shrink=0.7, label=words(args.lang, "fraction unserved", "供給支障の割合"))
    return fig


def gantt(f, args):
    r, _ = replicate_row(f, args.replicate)
    sectors = names(f, args.lang, "sector")
    rep = f["breach_replicate"][:]
    g = region_index(f, args.region)
    # the sectors' breaches, or (--region) those of the region's part of each sector
    breach_region = f["breach_region"][:] if "breach_region" in f else np.full(len(rep), -1)
    sel = (rep == r) & (breach_region == (-1 if g is None else g))
    sector = f["breach_sector"][:][sel]
    onset, confirmed, end = (f[k][:][sel] / 60 for k in ("breach_onset", "breach_confirmed", "breach_end"))
    horizon = float(f.attrs["horizon_minutes"]) / 60
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(sectors) + 1.5))
    for s, a, c, e in zip(sector, onset, confirmed, end):
        e = horizon if np.isnan(e) else e
        ax.barh(s, c - a, left=a, color=ONSET)
        ax.barh(s, e - c, left=c, color=BREACH)
    ax.set_yticks(range(len(sectors)))
    ax.set_yticklabels(sectors)
    ax.invert_yaxis()
    ax.set_xlim(0, horizon)
    ax.set_xlabel(words(args.lang, "hours after T+0 (orange: run before confirmation; vermillion: breach confirmed)",
                        "T+0 からの時間（時）（橙: 確定前の継続、朱: 検証レベル該当）"))
    where = "" if g is None else f" — {names(f, args.lang, 'region')[g]}"
    ax.set_title(f"{text([f.attrs['scenario_name']])[0]}{where}: " + words(args.lang, f"service-level breaches, replicate {r}",
                                                                         f"検証レベル該当、レプリケート {r}"))
    return fig


def sweep_points(f):
    """A sweep file as a list of points: {parameter: value per point}, and a function giving
    a per-point variable as [point, ...]. A whole grid has a dimension per parameter
    (docs/sweeps.md), flattened here in the design's order; other files list points."""
    if f.attrs.get("sweep_layout", b"points") in (b"grid", "grid"):
        bp = f["breach_probability"]
        params = [bp.dims[d][0].name.lstrip("/") for d in range(bp.ndim - 1)]
        grids = np.meshgrid(*[f[p][:] for p in params], indexing="ij")
        lead = len(params)
        return ({p: g.ravel() for p, g in zip(params, grids)},
                lambda name: f[name][:].reshape((-1,) + f[name].shape[lead:]))
    params = [k for k in f if isinstance(f[k], h5py.Dataset) and "path" in f[k].attrs and f[k].ndim == 1]
    return {p: f[p][:] for p in params}, lambda name: f[name][:]


def sweep(f, args):
    """Breach probability (or the lowest mean level) of each sector over one parameter."""
    values, per_point = sweep_points(f)
    params = list(values)
    if not params:
        raise SystemExit("plot.py: sweep: the file has no parameters (is it a 'domino sweep' file?)")
    if args.param not in params:
        raise SystemExit(f"plot.py: sweep: --param: expected one of {', '.join(params)}")
    x = values[args.param]
    hours = text([f[args.param].attrs.get("units", b"1")])[0] == "s"
    if hours:
        x = x / 3600
    others = [p for p in params if p != args.param]
    sectors, ids = names(f, args.lang, "sector"), text(f["sector_id"][:] if "sector_id" in f else f["sector"][:])
    chosen = range(len(ids)) if not args.sector else [ids.index(args.sector)] if args.sector in ids else None
    if chosen is None:
        raise SystemExit(f"plot.py: no sector {args.sector}; the file has {', '.join(ids)}")
    if args.what == "level":
        y = np.nanmin(per_point("sector_level_mean"), axis=1)  # [point, sector]
        ylabel = words(args.lang, "lowest mean level", "平均水準の最低値")
    else:
        y = per_point("breach_probability")
        ylabel = words(args.lang, "breach probability", "検証レベル該当の確率")
    groups = [(None, np.arange(len(x)))]
    if others:  # one line per value of the next parameter; the rest are summed over
        o = values[others[0]]
        groups = [(v, np.nonzero(o == v)[0]) for v in np.unique(o)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    cmap = plt.get_cmap("viridis")
    styles = ["-", "--", ":", "-."]
    for gi, (v, idx) in enumerate(groups):
        for si, s in enumerate(chosen):
            order = idx[np.argsort(x[idx])]
            xs, ys = np.unique(x[order], return_inverse=True)
            mean_y = np.array([np.nanmean(y[order][ys == k, s]) for k in range(len(xs))])
            if len(chosen) > 1 and np.all(mean_y == 0) and args.what != "level":
                continue  # a sector that never breaches
            label = sectors[s] if v is None else f"{sectors[s]}, {others[0]} = {v:g}"
            ax.plot(xs, mean_y, styles[gi % len(styles)], marker="o", ms=3, label=label,
                    color=cmap(si / max(1, len(chosen) - 1)) if len(chosen) > 1 else cmap(gi / max(1, len(groups) - 1)))
    ax.set_xlabel(args.param + (" (h)" if hours else ""))
    ax.set_ylabel(ylabel)
    if text([f[args.param].attrs.get("scale", b"linear")])[0] == "log":
        ax.set_xscale("log")
    ax.set_title(f"{text([f.attrs.get('sweep_name', f.attrs.get('name', b'sweep'))])[0]}: {ylabel}")
    ax.legend(fontsize=6, ncol=2)
    return fig


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["heatmap", "map", "gantt", "sweep"])
    p.add_argument("file")
    p.add_argument("-o", "--output")
    p.add_argument("--times", default="1h,6h,24h,72h")
    p.add_argument("--sector")
    p.add_argument("--replicate", type=int)
    p.add_argument("--lang", choices=["ja", "en"], default="en")
    p.add_argument("--region")
    p.add_argument("--param")
    p.add_argument("--what", choices=["probability", "level"], default="probability")
    args = p.parse_args()
    args.lang = pick_language(args.lang)
    try:
        f = h5py.File(args.file, "r")
    except OSError as e:
        raise SystemExit(f"plot.py: {args.file}: {e}")
    fmt = text([f.attrs.get("domino_format", b"")])[0]
    if args.kind == "sweep":
        if fmt != "domino-sweep 2":
            raise SystemExit(f"plot.py: {args.file}: not a domino sweep file")
        if not args.param:
            raise SystemExit("plot.py: sweep: --param NAME is required")
    elif fmt != "domino-result 1":
        raise SystemExit(f"plot.py: {args.file}: not a domino result file")
    fig = {"heatmap": heatmap, "map": tile_map, "gantt": gantt, "sweep": sweep}[args.kind](f, args)
    out = args.output or f"{args.kind}.png"
    fig.savefig(out, dpi=90, bbox_inches="tight")
    print(out)


if __name__ == "__main__":
    sys.exit(main())
