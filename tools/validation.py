#!/usr/bin/python3
"""Draws docs/img/validation.png from the curves domino-reproduce writes:
theory (lines) and simulation (points) of the giant component of one ER network and
of two fully interdependent ER networks (Buldyrev et al. 2010), mean degree 4.

    build/tests/domino-reproduce TABLE.md CURVES.csv
    tools/validation.py CURVES.csv docs/img/validation.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tools/validation.py CURVES.csv OUT.png")
    series = {}
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            s = series.setdefault(row["model"], ([], [], []))
            s[0].append(float(row["p"]))
            s[1].append(float(row["theory"]))
            s[2].append(float(row["simulated"]))
    labels = {"er_k4": "one ER network (P = pS)", "buldyrev_k4": "two interdependent ER networks"}
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for name, (p, theory, sim) in series.items():
        line, = ax.plot(p, theory, "-", label=labels.get(name, name) + ", theory")
        ax.plot(p, sim, "o", ms=4, color=line.get_color(), label=labels.get(name, name) + ", domino (N = 10^5)")
    ax.set_xlabel("p (fraction of nodes kept)")
    ax.set_ylabel("P∞ (fraction in the giant component)")
    ax.set_title("Mutual percolation, mean degree 4")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.argv[2])


if __name__ == "__main__":
    main()
