#!/usr/bin/python3
"""Builds the transactions table that `domino analyze --io` turns into models/japan-iim.yaml,
from the 2015 Japan input-output data in ../shared/data/japan/ (see its README):

    tools/io2015_table.py > models/data/io2015-transactions.csv
    build/domino analyze --io models/data/io2015-transactions.csv -o models/japan-iim.yaml

The data give input coefficients a_ij (purchases of group i's output by group j per unit
of j's output, 5 decimals) and total outputs x_j (10^9 JPY). The transactions are
z_ij = a_ij x_j (sales of i to j); they reproduce the published table up to the rounding
of a_ij. Standard library only."""
import csv
import os
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "japan")
NAMES_EN = {
    "ICT": "Information & communications", "FIN": "Finance (incl. credit cards)", "AVI": "Aviation",
    "APT": "Airports (proxy: other transport services)", "RAIL": "Railways", "ELEC": "Electric power",
    "GAS": "Gas (city gas and heat supply)", "GOV": "Government & administrative services", "MED": "Medical",
    "WATER": "Water supply", "LOGI": "Logistics", "CHEM": "Chemicals", "OIL": "Petroleum (petroleum products)",
    "PORT": "Ports (port transport)", "OTHER": "All other industries",
}


def rows(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
        comments = []
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        comments = [l.rstrip("\n") for l in f if l.startswith("#")]
    return list(csv.reader(lines)), comments


def main():
    out_rows, out_comments = rows("io2015_group_output.csv")
    a_rows, a_comments = rows("io2015_A_input_coefficients.csv")
    header = out_rows[0]
    outputs = {r[0]: (r[1], float(r[2])) for r in out_rows[1:]}
    ids = a_rows[0][1:]
    a = {r[0]: [float(v) for v in r[1:]] for r in a_rows[1:]}
    assert header[:3] == ["group", "label_ja", "total_output_1e9_JPY"], header
    assert set(ids) == set(outputs) == set(a), "groups differ between the files"
    w = sys.stdout
    w.write("# Transactions z_ij = a_ij x_j (10^9 JPY, 2015) built by tools/io2015_table.py from\n")
    w.write("# ../shared/data/japan/io2015_A_input_coefficients.csv (a_ij, 5 decimals) and\n")
    w.write("# io2015_group_output.csv (x_j). Their notes:\n")
    for c in out_comments[:3]:
        w.write(c + "\n")
    w.write("# output_unit: 10^9 JPY\n")
    w.write("sector,name_en,name_ja,output," + ",".join(ids) + "\n")
    for i in ids:
        label_ja, x_i = outputs[i]
        z = [a[i][j] * outputs[ids[j]][1] for j in range(len(ids))]
        w.write(f"{i},{NAMES_EN[i]},{label_ja},{x_i!r}," + ",".join(f"{v:.6f}" for v in z) + "\n")


if __name__ == "__main__":
    main()
