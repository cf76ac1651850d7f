#!/usr/bin/python3
"""The percolation benchmark (bench/bench_percolation.c) as a short networkx script, the
tool many researchers reach for first: two Erdos-Renyi graphs G(N, 2N) (mean degree 4),
fully interdependent by index; a random 30 % of A removed; then, until nothing changes,
keep in each graph only the largest component of the nodes alive in both (Buldyrev et
al., Nature 2010). Prints the whole process's time, the median cascade time, the final
giant fraction and peak memory, in the key=value form of the other benchmarks.

    bench/baselines/buldyrev_networkx.py [N] [replicates]     (default N = 10^5, 1)

Runs only where Debian's python3-networkx is installed (tools/setup.sh installs it).
networkx draws its own graphs (its generator, its random stream), so the giant differs in
the last digits from domino's; the computation is the same."""
import resource
import random
import statistics
import sys
import time

T0 = time.perf_counter()
import networkx as nx  # noqa: E402  (imported after the clock starts: part of the process)


def cascade(a, b, alive):
    """alive: set of node indices alive in both graphs; returns the mutual giant."""
    while True:
        before = len(alive)
        for g in (a, b):
            sub = g.subgraph(alive)
            alive = set(max(nx.connected_components(sub), key=len, default=set()))
        if len(alive) == before:
            return alive


def cpu():
    """CPU time of the process so far (user + system), in seconds."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    t0 = time.perf_counter()
    a = nx.gnm_random_graph(n, 2 * n, seed=1)
    b = nx.gnm_random_graph(n, 2 * n, seed=2)
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
    print(f"bench=percolation_python_networkx nodes_per_layer={n} threads=1 replicates={reps} "
          f"load_s={load:.3f} cascade_median_s={statistics.median(times):.4f} first_cascade_s={times[0]:.4f} "
          f"process_s={time.perf_counter() - T0:.3f} process_cpu_s={cpu():.3f} giant={statistics.mean(giant):.5f} "
          f"networkx={nx.__version__} peak_mib={peak:.0f}")


if __name__ == "__main__":
    main()
