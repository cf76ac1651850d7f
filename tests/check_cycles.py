#!/usr/bin/env python3
"""Fails when libdomino's object files, or its modules (the directories of src/), depend
on each other in a cycle (docs/architecture.md, "Modules").

An object file depends on another when it uses (nm: U) a symbol the other defines; a
module depends on another when one of its files does, or when one of its sources
includes an internal header of the other (#include "MODULE/x.h"). Both graphs must be
acyclic, apart from the cycles listed in KNOWN below, each with the reason it is still
there; a listed cycle that has gone is reported so that its entry can be removed. It
also fails on an internal header included other than as "MODULE/NAME.h" from src/.

usage: check_cycles.py LIBRARY.a SOURCE_ROOT
"""
import collections
import os
import re
import subprocess
import sys

# Cycles between object files still present, each a set of files ("module/file") with
# the reason; nothing else may form a cycle. Modules must never form one.
KNOWN = {}  # none left: sweep.c <-> sweepfile.c went when dm_sweep_run_file moved to checkpoint.c


def member_name(member):
    """src_model_model.c.o -> model/model; the generated embedded.c -> generated/embedded."""
    base = member[:-len(".c.o")] if member.endswith(".c.o") else member
    if base.startswith("src_"):
        module, _, name = base[len("src_"):].partition("_")
        return module + "/" + name
    return "generated/" + base.rsplit("_", 1)[-1]


def object_graph(library):
    out = subprocess.run(["nm", "-A", "-P", library], capture_output=True, text=True, check=True).stdout
    defined, used = {}, collections.defaultdict(set)
    for line in out.splitlines():
        m = re.match(r"^[^\[]*\[([^\]]+)\]:\s+(\S+)\s+(\S)", line)
        if not m:
            continue
        obj, sym, kind = member_name(os.path.basename(m.group(1))), m.group(2), m.group(3)
        if kind == "U":
            used[obj].add(sym)
        elif kind.isupper() and kind not in "W":
            defined[sym] = obj
    if not defined:
        sys.exit("check_cycles: no symbols read from " + library)
    graph = collections.defaultdict(dict)
    for obj in set(defined.values()):
        graph[obj]
    for obj, syms in used.items():
        for sym in syms:
            to = defined.get(sym)
            if to and to != obj:
                graph[obj].setdefault(to, sym)
    return graph


def include_edges(root):
    """(module, header's module, file) for every #include "MODULE/..." of another module."""
    src = os.path.join(root, "src")
    modules = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
    edges = []
    for module in sorted(modules):
        for dirpath, _, files in os.walk(os.path.join(src, module)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                for line in open(path, encoding="utf-8"):
                    m = re.match(r'\s*#\s*include\s+"(?:\.\./|src/)?([a-z_]+)/[^"]+"', line)
                    if m and m.group(1) in modules and m.group(1) != module:
                        edges.append((module, m.group(1), os.path.relpath(path, root)))
    return edges


def include_style(root):
    """Internal headers named other than "MODULE/NAME.h" from src/ (docs/architecture.md,
    "Includes"); the program's own cli.h is the one exception."""
    src = os.path.join(root, "src")
    bad = []
    for dirpath, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            for n, line in enumerate(open(path, encoding="utf-8"), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m or m.group(1) in ("cli.h", "domino.h", "domino_config.h") or m.group(1).startswith("domino/"):
                    continue
                head = m.group(1).split("/")
                if len(head) != 2 or not os.path.exists(os.path.join(src, m.group(1))):
                    bad.append("%s:%d: #include \"%s\"" % (os.path.relpath(path, root), n, m.group(1)))
    return bad


def cycles(graph):
    """Strongly connected components of more than one vertex (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]; counter[0] += 1
                    stack.append(w); on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                scc = []
                while True:
                    w = stack.pop(); on.discard(w); scc.append(w)
                    if w == v:
                        break
                if len(scc) > 1:
                    out.append(frozenset(scc))
    return out


def explain(graph, scc, why):
    lines = []
    for a in sorted(scc):
        for b in sorted(graph.get(a, ())):
            if b in scc:
                lines.append("    %s -> %s (%s)" % (a, b, why(a, b)))
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    objects = object_graph(sys.argv[1])
    failed = False
    for scc in cycles(objects):
        if scc in KNOWN:
            print("known cycle (%s): %s" % (KNOWN[scc], ", ".join(sorted(scc))))
            continue
        failed = True
        print("cycle between object files: " + ", ".join(sorted(scc)))
        print(explain(objects, scc, lambda a, b: "uses " + objects[a][b]))
    found = set(cycles(objects))
    for scc in KNOWN:
        if scc not in found:
            print("note: the known cycle %s is gone: remove it from KNOWN" % ", ".join(sorted(scc)))

    modules = collections.defaultdict(dict)
    for a, tos in objects.items():
        modules[a.split("/")[0]]
        for b, sym in tos.items():
            if a.split("/")[0] != b.split("/")[0]:
                modules[a.split("/")[0]].setdefault(b.split("/")[0], "%s uses %s" % (a, sym))
    for a, b, path in include_edges(sys.argv[2]):
        modules[a].setdefault(b, "%s includes a header of %s" % (path, b))
    for scc in cycles(modules):
        failed = True
        print("cycle between modules: " + ", ".join(sorted(scc)))
        print(explain(modules, scc, lambda a, b: modules[a][b]))
    for line in include_style(sys.argv[2]):
        failed = True
        print("include not named from src/ (\"MODULE/NAME.h\"): " + line)
    order = sorted(modules, key=lambda m: (len(closure(modules, m)), m))
    print("modules, each using only those before it: " + " < ".join(order) if not failed else "")
    return 1 if failed else 0


def closure(graph, v):
    seen, todo = set(), [v]
    while todo:
        for w in graph.get(todo.pop(), ()):
            if w not in seen:
                seen.add(w); todo.append(w)
    return seen


if __name__ == "__main__":
    sys.exit(main())
