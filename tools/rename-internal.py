#!/usr/bin/env python3
"""Renames libdomino's internal symbols apart from the public `dm_` prefix.

The public API is what include/domino.h and include/domino/*.h declare with DM_EXPORT. Every other symbol
the library defines with external linkage (nm on the objects of BUILD's static library)
and names `dm_`, `yr_`, `h5_` or `cal_` is internal: it is renamed to `dmi_` (dm_x ->
dmi_x, yr_x -> dmi_yr_x, h5_x -> dmi_h5_x, cal_x -> dmi_cal_x) in every C source and
header, test, benchmark, fuzz target, tool and doc of the tree, as a whole word.
Internal symbols are hidden from libdomino.so already (-fvisibility=hidden); the prefix
tells a reader, and tests/install_check.sh, which is which.

Rerun it after merging branches that add internal symbols (it is idempotent: what is
renamed has no old prefix left). Build first: the symbols come from the objects.

usage: tools/rename-internal.py [--dry-run] [--leave DIR ...] [BUILD]
  --leave DIR  do not edit files under DIR and keep every symbol that they name (for a
               branch whose owner is still changing DIR; the lead reruns without it)
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIXES = {"dm_": "dmi_", "yr_": "dmi_yr_", "h5_": "dmi_h5_", "cal_": "dmi_cal_"}
# what is edited: sources and the text that names functions
TREES = ["src", "include", "tests", "bench", "fuzz", "tools", "docs", "python"]
FILES = ["README.md", "meson.build"]
SUFFIXES = (".c", ".h", ".md", ".py", ".sh", ".txt", ".build", ".bash", ".in")


def public_symbols():
    names = set()
    headers = [os.path.join(ROOT, "include", "domino.h")]
    headers += [os.path.join(ROOT, "include", "domino", f) for f in sorted(os.listdir(os.path.join(ROOT, "include", "domino")))]
    for path in headers:
        text = open(path, encoding="utf-8").read()
        # a DM_EXPORT declaration: the identifier before its '(' or, for data, before [ or ;
        for decl in re.findall(r"DM_EXPORT\b([^;{]*)", text):
            m = re.search(r"\b([A-Za-z_]\w*)\s*\(", decl) or re.search(r"\b([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*$", decl)
            if m:
                names.add(m.group(1))
    return names


def defined_symbols(build):
    lib = os.path.join(build, "libdomino_internal.a")
    if not os.path.exists(lib):
        sys.exit("rename-internal: %s not found: build first (ninja -C %s)" % (lib, build))
    out = subprocess.run(["nm", "-A", "-P", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        m = re.match(r"^[^\[]*\[([^\]]+)\]:\s+(\S+)\s+([A-Z])", line)
        if m and m.group(3) in "TDBRGSV":
            syms[m.group(2)] = os.path.basename(m.group(1))
    return syms


def edited_files(leave):
    out = []
    for tree in TREES:
        for dirpath, dirs, files in os.walk(os.path.join(ROOT, tree)):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", "node_modules")]
            for f in files:
                if f.endswith(SUFFIXES):
                    out.append(os.path.join(dirpath, f))
    out += [os.path.join(ROOT, f) for f in FILES]
    me = os.path.abspath(__file__)
    keep = [os.path.join(ROOT, d.rstrip("/")) + "/" for d in leave]
    edited = [p for p in out if os.path.abspath(p) != me and not any(p.startswith(k) for k in keep)]
    left = [p for p in out if any(p.startswith(k) for k in keep)]
    return edited, left


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--leave", action="append", default=[])
    a = ap.parse_args()

    public = public_symbols()
    if len(public) < 50:
        sys.exit("rename-internal: found only %d public symbols in include/domino: refusing" % len(public))
    defined = defined_symbols(a.build)
    edited, left = edited_files(a.leave)
    left_text = "".join(open(p, encoding="utf-8", errors="replace").read() for p in left)

    rename, kept = {}, []
    for sym in sorted(defined):
        prefix = next((p for p in PREFIXES if sym.startswith(p)), None)
        if not prefix or sym in public or sym.startswith("dmi_"):
            continue
        new = PREFIXES[prefix] + sym[len(prefix):]
        if new in defined or new in public:
            sys.exit("rename-internal: %s would become %s, which exists already" % (sym, new))
        if left_text and re.search(r"\b%s\b" % re.escape(sym), left_text):
            kept.append(sym)
            continue
        rename[sym] = new
    if not rename:
        print("rename-internal: nothing to rename" + (" (%d kept for --leave)" % len(kept) if kept else ""))
        return 0

    pattern = re.compile(r"\b(%s)\b" % "|".join(re.escape(s) for s in sorted(rename, key=len, reverse=True)))
    changed = 0
    for path in edited:
        text = open(path, encoding="utf-8").read()
        new = pattern.sub(lambda m: rename[m.group(1)], text)
        if new != text:
            changed += 1
            if not a.dry_run:
                open(path, "w", encoding="utf-8").write(new)
    for sym in sorted(rename):
        print("%-36s -> %-40s (%s)" % (sym, rename[sym], defined[sym]))
    if kept:
        print("kept, named under --leave %s: %s" % (" ".join(a.leave), " ".join(kept)))
    print("rename-internal: %d symbols, %d files%s" % (len(rename), changed, " (dry run)" if a.dry_run else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
