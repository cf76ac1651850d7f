#!/usr/bin/python3
"""Checks a screenshot of a domino report (PNG, as headless Chromium writes it): the Gantt
chart's bars (Okabe-Ito vermillion #D55E00) and the map's tiles (viridis: full service
#FDE725, and tiles of the other viridis colours, regions that lost service) are drawn.
Prints the pixel counts; exit 1 when one is missing. Needs python3-pil and python3-numpy
(Debian; python3-matplotlib depends on both)."""
import sys

import numpy as np
from PIL import Image


def main(path):
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    def near(rgb, tol=0):
        return int((np.abs(img - np.array(rgb)).max(axis=2) <= tol).sum())
    gantt = near((213, 94, 0))
    full = near((253, 231, 37))
    # tiles that lost service: the colours the page's script gives a share x > 0 lost
    # (viridis stops, linear between them, x to 3 decimals), anti-aliased edges aside
    stops = [(253, 231, 37), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84)]
    colours = set()
    for m in range(1, 1001):
        x = m / 1000 * 4
        i = min(3, int(x))
        f = x - i
        colours.add(tuple(int(np.floor(a + (b - a) * f + 0.5)) for a, b in zip(stops[i], stops[i + 1])))
    colours.discard(stops[0])
    packed = (img[:, :, 0] << 16) | (img[:, :, 1] << 8) | img[:, :, 2]
    lost = int(np.isin(packed, [(r << 16) | (g << 8) | b for r, g, b in colours]).sum())
    print(f"pixels: gantt {gantt}, map at full service {full}, map with a loss {lost}")
    return 0 if gantt > 500 and full > 10000 and lost > 500 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
