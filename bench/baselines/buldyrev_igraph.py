#!/usr/bin/python3
"""The percolation benchmark (bench/bench_percolation.c) as a short python3-igraph
script: two Erdos-Renyi graphs of N nodes, mean degree 4, fully interdependent by index;
a random 30 % of A removed; then, until nothing changes, keep in each graph only the
largest component of the nodes alive in both (Buldyrev et al., Nature 2010). Prints the
median cascade time over 5 removals, the final giant fraction and peak memory.

    bench/baselines/buldyrev_igraph.py [N] [replicates]

Runs only where Debian's python3-igraph is installed (tools/setup.sh installs it)."""
import random
import resource
import statistics
import sys
import time

T0 = time.perf_counter()
import igraph as ig  # noqa: E402  (imported after the clock starts: part of the process)


def cascade(a, b, alive):
    """alive: set of node indices alive in both graphs; returns the mutual giant."""
    while True:
        before = len(alive)
        for g in (a, b):
            sub = g.induced_subgraph(sorted(alive))
            names = sorted(alive)
            giant = max(sub.connected_components(), key=len, default=[])
            alive = {names[i] for i in giant}
        if len(alive) == before:
            return alive


def cpu():
    """CPU time of the process so far (user + system), in seconds."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    t0 = time.perf_counter()
    random.seed(1)
    ig.set_random_number_generator(random)
    a = ig.Graph.Erdos_Renyi(n=n, m=2 * n)
    b = ig.Graph.Erdos_Renyi(n=n, m=2 * n)
    load = time.perf_counter() - t0
    times, giant = [], []
    for r in range(reps):
        rng = random.Random(r)
        removed = set(rng.sample(range(n), round(0.3 * n)))
        alive = set(range(n)) - removed
        t = time.perf_counter()
        final = cascade(a, b, alive)
        times.append(time.perf_counter() - t)
        giant.append(len(final) / n)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench=percolation_python_igraph nodes_per_layer={n} threads=1 replicates={reps} "
          f"load_s={load:.3f} cascade_median_s={statistics.median(times):.4f} first_cascade_s={times[0]:.4f} "
          f"process_s={time.perf_counter() - T0:.3f} process_cpu_s={cpu():.3f} "
          f"giant={statistics.mean(giant):.5f} igraph={ig.__version__} peak_mib={peak:.0f}")


if __name__ == "__main__":
    main()
