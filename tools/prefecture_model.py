#!/usr/bin/python3
"""Builds models/japan-prefectures.yaml: the 15 sectors of models/japan-sectors.yaml in each
of the 47 prefectures, with the power sector organised by the 10 power areas and their
interconnections. Run from the repository (needs python3-yaml):

    tools/prefecture_model.py > models/japan-prefectures.yaml

Sources (../shared/data/japan/, see its README): prefectures_2020.csv (2020 census
population, power area of each prefecture), power_areas.csv (the 10 areas),
interconnections.csv (inter-area links, MW), and models/japan-sectors.yaml (the sectors:
thresholds, dynamics, capacities, and the dependencies between sectors with their
strengths and buffers; every number there carries its own source).

What is assumed, and said again in the model's header:
- each sector's national capacity is spread over the prefectures by 2020 population;
- an area's demand is its prefectures' population share of the national peak (the 10
  areas' peaks are not all readable in the data), except Hokkaido's, which is from data
  (HOKKAIDO_DEMAND_KW below); the other areas share the rest of the national peak;
- an interconnection can carry its listed capacity into an area that lost generation; a
  line-commutated DC link or frequency converter (type HVDC or FC in interconnections.csv,
  less SELF_COMMUTATED_MW below) only while the receiving area's own grid runs, in
  proportion to it (a link node needing both areas' generation: the 2018 Hokkaido blackout,
  validation/CALIBRATION.md item 4);
- japan-sectors' nodes (one per sector, and 情報通信's base stations that need a visit) are in each
  prefecture, with the prefecture's population share of their capacity;
- the dependencies of japan-sectors hold within each prefecture;
- 金融 and 情報通信 in every prefecture also depend on national cores in Tokyo and Osaka."""
import csv
import os
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# ../shared/data/japan beside the repository; DOMINO_DATA names it elsewhere (a worktree)
DATA = os.environ.get("DOMINO_DATA") or os.path.join(ROOT, "..", "shared", "data", "japan")


def rows(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return list(csv.DictReader(l for l in f if not l.startswith("#")))


def q(s):
    """A YAML double-quoted scalar."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


# Hokkaido's demand, from data (validation/CALIBRATION.md item 5): the day before the 2018 blackout.
# Kyodo via nikkansports 2018-09-09 (https://www.nikkansports.com/general/news/201809090000866.html):
# "週明けピーク時の想定需要を地震前の383万キロワットとすると"; Mainichi 2018-09-08 (as power_areas.csv row
# HOKKAIDO): "地震発生前日の需要ピークは約380万キロワットだった". A late-summer day's peak, not the winter
# one: ASSUMPTION that it stands for the area's demand, as the incident the model is checked on is that day.
# (Was 6,249,436 kW, the population share of the national peak, ASSUMPTION (2).)
HOKKAIDO_DEMAND_KW = 3830000


# The self-commutated part of a DC link, MW: it can feed a grid that is down. The 2019 Hokkaido-Honshu link:
# Hokkaido Shimbun 2019-03-28 (https://www.hokkaido-np.co.jp/article/290967): "新連系線は、本州からの直流の
# 電気を交流に変換するのに外部電源が不要な自励(じれい)式...全域停電からの電力回復が可能となる" (容量30万キロワット),
# and of the older 600 MW: "電気の変換に外部電源が必要なため、全域停電時に作動せず"; Diet, 2020-02-26 (参議院
# 資源エネルギーに関する調査会, via https://kokalog.net): "他励式という、交流電力がないと交流に変換できないシステム".
# Every other DC link and frequency converter: line-commutated (ASSUMPTION: no source found for them).
SELF_COMMUTATED_MW = {"HOKKAIDO-TOHOKU": 300}


def link_id(into, frm):
    """The node of a DC link's import into area `into` from `frm`."""
    return f"LINK.{into}_{frm}"


def main():
    base = yaml.safe_load(open(os.path.join(ROOT, "models", "japan-sectors.yaml"), encoding="utf-8"))
    prefs = rows("prefectures_2020.csv")
    areas = rows("power_areas.csv")
    links = rows("interconnections.csv")
    total_pop = sum(int(p["pop_2020"]) for p in prefs)
    assert total_pop == 126146099, total_pop  # the census total the data file states
    national_peak_kw = 150890000  # [PWR] 15,089万kW, as in japan-sectors (ELEC capacity)

    # area population: primary prefectures, with split prefectures counted by their share
    area_pop = {a["area"]: 0.0 for a in areas}
    for p in prefs:
        share = float(p["secondary_share_est"] or 0)
        area_pop[p["power_area_primary"]] += int(p["pop_2020"]) * (1 - share)
        if p["power_area_secondary"]:
            area_pop[p["power_area_secondary"]] += int(p["pop_2020"]) * share
    # the other areas share what Hokkaido does not take of the national peak, by population
    rest_pop = total_pop - area_pop["HOKKAIDO"]
    area_kw = {a: (HOKKAIDO_DEMAND_KW if a == "HOKKAIDO" else (national_peak_kw - HOKKAIDO_DEMAND_KW) * n / rest_pop)
               for a, n in area_pop.items()}
    neighbours = {a["area"]: [] for a in areas}
    dc_imports = []  # ((into, from), MW, the link's row) for each direction of a line-commutated DC link
    for l in links:
        mw = float(l["capacity_MW_denkicarbon"])
        vsc = SELF_COMMUTATED_MW.get(l["id"], 0) if l["type"].startswith(("HVDC", "FC")) else mw
        lcc = mw - vsc  # the part that needs the receiving grid
        for into, frm in ((l["from_area"], l["to_area"]), (l["to_area"], l["from_area"])):
            if vsc:
                neighbours[into].append((frm, vsc, l["id"], False))
            if lcc:
                neighbours[into].append((frm, lcc, l["id"], True))
                dc_imports.append(((into, frm), lcc, l))

    out = sys.stdout
    w = out.write
    w("# Japan, 15 critical-infrastructure sectors in each of the 47 prefectures, the power sector\n")
    w("# organised by the 10 power areas (一般送配電事業者の供給区域) and their interconnections.\n")
    w("# GENERATED by tools/prefecture_model.py from models/japan-sectors.yaml and\n")
    w("# ../shared/data/japan/{prefectures_2020,power_areas,interconnections}.csv: edit those, not this.\n#\n")
    w("# Sources: [POP] 2020 census population by prefecture (prefectures_2020.csv; sums to the census\n")
    w("#   total 126,146,099); [AREA] the power area of each prefecture and the split shares of\n")
    w("#   Shizuoka, Fukui, Gifu, Mie, Kagawa, Ehime (prefectures_2020.csv: ESTIMATES, not sourced);\n")
    w("#   [LINK] interconnection capacities, MW (interconnections.csv: denkicarbon's 'rough guide');\n")
    w("#   [PWR] national peak 15,089万kW (OCCTO, as in japan-sectors); [HKD] Hokkaido's demand 383万kW\n")
    w("#   (the day before the 2018 blackout: Kyodo via nikkansports 2018-09-09, \"地震前の383万キロワット\",\n")
    w("#   tools/prefecture_model.py); [SECT] every sector's\n")
    w("#   threshold, dynamics and capacity, and every dependency's strength and buffer, as in\n")
    w("#   models/japan-sectors.yaml, where each carries its own source.\n")
    w("# ASSUMPTIONS: (1) a sector's capacity is spread over prefectures by population; (2) an area's\n")
    w("#   demand (GEN capacity) is its population share of the national peak less [HKD] (Hokkaido:\n")
    w("#   [HKD]); (3) a prefecture's\n")
    w("#   power needs its area's generation, or its interconnections' capacity (share = link MW /\n")
    w("#   area demand) when the area's own generation is lost; a line-commutated DC link or frequency\n")
    w("#   converter (LINK nodes) only in proportion to the receiving area's own generation; (4)\n")
    w("#   japan-sectors' dependencies hold\n")
    w("#   within each prefecture; (5) 金融 and 情報通信 also depend (w = 0.5) on national cores in\n")
    w("#   Tokyo and Osaka, either of which suffices (settlement and carrier core networks).\n")
    w("name: japan-prefectures\n")
    w("description: >-\n  Japan's 15 critical-infrastructure sectors in the 47 prefectures, with power by the 10 power\n")
    w("  areas and their interconnections (generated from japan-sectors and 2020 census data).\n\n")

    w("regions:\n")
    for p in prefs:
        groups = [p["power_area_primary"] + "_AREA"]
        area_ja = next(a["area_ja"] for a in areas if a["area"] == p["power_area_primary"]) + "エリア"
        w(f"  - {{id: {p['pref_en']}, code: {q(p['pref_code'])}, name_ja: {p['pref_ja']}, name_en: {p['pref_en']}, "
          f"groups: [{groups[0]}, {area_ja}]}}   # [POP] {p['pop_2020']} people; [AREA] {p['power_area_primary']}"
          + (f" (+{p['power_area_secondary']} {p['secondary_share_est']})" if p["power_area_secondary"] else "") + "\n")

    w("\nsectors:\n")
    for s in base["sectors"]:
        w(f"  - id: {s['id']}\n    name_ja: {s['name_ja']}\n    name_en: {q(s['name_en'])}\n")
        if "unit" in s:
            w(f"    unit: {s['unit']}\n")
        for key in ("authority", "ceptoar"):  # who is told in an exercise, [SECT] ([REC] there)
            if key in s:
                w(f"    {key}: {s[key]}   # [SECT]\n")
        if "capacity" in s:
            w(f"    capacity: {s['capacity']}   # [SECT] national; nodes below take population shares\n")
        th = s.get("threshold", {"magnitude": "any"})
        w(f"    threshold: {yaml.safe_dump(th, default_flow_style=True, allow_unicode=True).strip()}   # [SECT] national level\n")
        if "dynamics" in s:
            w(f"    dynamics: {yaml.safe_dump(s['dynamics'], default_flow_style=True).strip()}   # [SECT]\n")
    w("  - id: GEN\n    name_ja: 発電（供給区域）\n    name_en: Generation (power area)\n    unit: kW\n")
    elec = next(s for s in base["sectors"] if s["id"] == "ELEC")
    w(f"    authority: {elec['authority']}   # [SECT] as 電力\n    ceptoar: {elec['ceptoar']}   # [SECT] as 電力\n")
    w(f"    capacity: {national_peak_kw}   # [PWR]\n")
    w("    threshold: {magnitude: 100000, duration: 10min}   # ASSUMPTION: 電力's verification level [VL2] for generation lost\n")
    w("    dynamics: {kind: step, ramp: 1h}   # [SECT] as 電力\n")
    if dc_imports:
        w("  - id: LINK\n    name_ja: 地域間連系設備（直流・周波数変換）\n    name_en: DC links and converters\n    unit: kW\n")
        w(f"    authority: {elec['authority']}   # [SECT] as 電力\n    ceptoar: {elec['ceptoar']}   # [SECT] as 電力\n")
        w(f"    capacity: {sum(mw for _, mw, _ in dc_imports) * 1000:.0f}   # [LINK] the DC links' MW, each way\n")
        w("    threshold: {magnitude: 100000, duration: 10min}   # ASSUMPTION: 電力's verification level [VL2] for import capacity lost\n")

    w("\nnodes:\n")
    caps = {s["id"]: float(s.get("capacity", 100)) for s in base["sectors"]}
    sectors = {s["id"]: s for s in base["sectors"]}
    # japan-sectors' nodes (one per sector, and 情報通信's stations that need a visit), or one per sector
    base_nodes = base.get("nodes") or [{"id": s["id"], "sector": s["id"]} for s in base["sectors"]]
    for a in areas:
        w(f"  - {{id: GEN.{a['area']}, sector: GEN, name_ja: {a['area_ja']}エリアの発電, name_en: {q(a['area'].title() + ' area generation')}, "
          f"capacity: {area_kw[a['area']]:.0f}}}   # "
          + ("[HKD] from data\n" if a["area"] == "HOKKAIDO" else "ASSUMPTION (2): population share of [PWR] less [HKD]\n"))
    for p in prefs:
        share = int(p["pop_2020"]) / total_pop
        # 電力's demand: the prefecture's population share of its areas' demand (so Hokkaido's is [HKD])
        s2 = float(p["secondary_share_est"] or 0)
        elec_kw = int(p["pop_2020"]) * ((1 - s2) * area_kw[p["power_area_primary"]] / area_pop[p["power_area_primary"]]
                                        + (s2 * area_kw[p["power_area_secondary"]] / area_pop[p["power_area_secondary"]]
                                           if p["power_area_secondary"] else 0))
        for n in base_nodes:
            s = sectors[n["sector"]]
            cap = elec_kw if n["id"] == "ELEC" else float(n.get("capacity", caps[s["id"]])) * share
            name_ja, name_en = n.get("name_ja", s["name_ja"]), n.get("name_en", s["name_en"])
            w(f"  - {{id: {n['id']}.{p['pref_code']}, sector: {s['id']}, region: {p['pref_en']}, "
              f"name_ja: {p['pref_ja']}の{name_ja}, name_en: {q(name_en + ' (' + p['pref_en'] + ')')}, "
              f"capacity: {cap:.6g}}}\n")
    w("  # capacities: the sector's national capacity x the prefecture's population share [POP], ASSUMPTION (1);\n"
      "  # 電力's: the prefecture's population share of its area's demand (GEN above)\n")
    area_ja = {a["area"]: a["area_ja"] for a in areas}
    for (into, frm), mw, l in dc_imports:
        part_ja, part_en = ("の他励式部分", ", line-commutated part") if l["id"] in SELF_COMMUTATED_MW else ("", "")
        w(f"  - {{id: {link_id(into, frm)}, sector: LINK, name_ja: {q(l['name_ja'] + part_ja + '（' + area_ja[frm] + '→' + area_ja[into] + '）')}, "
          f"name_en: {q(frm.title() + ' to ' + into.title() + ' (' + l['type'] + part_en + ')')}, capacity: {mw * 1000:.0f}}}   # [LINK] {l['id']} {mw:.0f} MW\n")

    w("\ndependencies:\n")
    w("  # power: each prefecture's 電力 needs generation in its area, or imports over the area's links\n")
    for p in prefs:
        primary, secondary = p["power_area_primary"], p["power_area_secondary"]
        s2 = float(p["secondary_share_est"] or 0)
        prov = [f"{{node: GEN.{primary}, share: {1 - s2:.4g}}}"]
        if secondary:
            prov.append(f"{{node: GEN.{secondary}, share: {s2:.4g}}}")
        notes = []
        for nbr, mw, lid, dc in neighbours[primary]:
            x = min(1.0, mw * 1000 / area_kw[primary])
            prov.append(f"{{node: {link_id(primary, nbr) if dc else 'GEN.' + nbr}, share: {x:.4g}}}")
            notes.append(f"{lid} {mw:.0f} MW" + (" (line-commutated: via the link node)" if dc else ""))
        w(f"  - {{dependent: ELEC.{p['pref_code']}, providers: [{', '.join(prov)}], strength: 1.0}}   "
          f"# [AREA]; [LINK] {', '.join(notes) if notes else 'none (isolated)'}: share = MW / area demand, ASSUMPTION (3)\n")
    w("  # line-commutated DC links and frequency converters, ASSUMPTION (3): an import needs the sending area's generation and the\n"
      "  # receiving area's own grid (line-commutated converters need the AC grid they feed). Hokkaido 2018, press text\n"
      "  # on a copy site (https://sendai-podcast.jp/news/%e6%9c%ac%e5%b7%9e%e3%81%a8%e3%81%ae%e3%80%8c%e9%80%a3%e7%b3%bb%e7%b7%9a%e3%80%8d%e4%bd%bf%e3%81%88%e3%81%9a%e5%8c%97%e6%b5%b7%e9%81%93%e3%81%ae%e5%a4%a7%e8%a6%8f%e6%a8%a1%e5%81%9c%e9%9b%bb):\n"
      "  # \"北本連系線は直流の電気が走っており…全面停電によって交流に変換する設備は動かず、電力を道内に供給できなくなった\";\n"
      "  # the other DC links and the 50/60 Hz converters the same way (ASSUMPTION: no source found for them; the\n"
      "  # 2019 link's 300 MW is self-commutated and feeds Hokkaido directly, tools/prefecture_model.py). In\n"
      "  # proportion to the receiving grid (ASSUMPTION: a partly restored grid takes a part of the import).\n")
    for (into, frm), mw, l in dc_imports:
        for area in (into, frm):
            w(f"  - {{dependent: {link_id(into, frm)}, providers: GEN.{area}, strength: 1.0}}\n")
    w("  # japan-sectors' dependencies within each prefecture, ASSUMPTION (4); numbers [SECT]\n")
    for d in base["dependencies"]:
        provs = d["providers"] if isinstance(d["providers"], list) else [d["providers"]]
        for p in prefs:
            c = p["pref_code"]
            entry = {"dependent": f"{d['dependent']}.{c}",
                     "providers": [f"{x}.{c}" for x in provs] if len(provs) > 1 else f"{provs[0]}.{c}"}
            for k in ("mode", "strength", "lag"):
                if k in d:
                    entry[k] = d[k]
            if "buffer" in d:
                b = dict(d["buffer"])
                if "resupply" in b:
                    b["resupply"] = [f"{x}.{c}" for x in b["resupply"]]
                entry["buffer"] = b
            w("  - " + yaml.safe_dump(entry, default_flow_style=True, allow_unicode=True, width=10000).strip() + "\n")
    w("  # national cores, ASSUMPTION (5): Tokyo (13) and Osaka (27), either suffices\n")
    for p in prefs:
        c = p["pref_code"]
        for s in ("FIN", "ICT"):
            if c in ("13", "27"):
                continue
            w(f"  - {{dependent: {s}.{c}, providers: [{s}.13, {s}.27], mode: any, strength: 0.5}}\n")


if __name__ == "__main__":
    main()
