#!/usr/bin/env python3
"""Runs per second of `foxbat montecarlo` on the flagship, with 1 and with 2 local workers.

    python benchmarks/montecarlo_speed.py [--runs 12] [--warmup 2] [--scenario belenko-1976]

For each worker count: start a LocalCluster (processes, 1 thread each, NUMBA_NUM_THREADS=1
and the BLAS thread counts set to 1 in the workers, so that W processes on few cores do not
oversubscribe them), warm every worker up with ``--warmup`` runs each (imports, numba cache
loads), then time ``--runs`` fresh runs through the same path as the command
(foxbat.montecarlo.runner.run_study: driver-side coverage, plugin, futures, as_completed,
Parquet batches). Prints runs/s for each and the scaling ratio (ideal: 2.0 when the machine
has two free cores). Cluster start-up is not counted. Also prints one in-process run's time
for reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def measure(study, n_workers: int, runs: int, warmup: int, tmp: Path) -> float:
    from foxbat.montecarlo.runner import local_client, run_study

    client = local_client(n_workers)
    try:
        client.wait_for_workers(n_workers, timeout=120)
        # warm-up: its own output file, so the timed runs are all new
        run_study(study, client, warmup * n_workers, tmp / f"warm{n_workers}.parquet", progress=False)
        t0 = time.perf_counter()
        base = warmup * n_workers
        # timed: run indices after the warm-up's (the same file, resumed: only new ones run)
        os.replace(tmp / f"warm{n_workers}.parquet", tmp / f"timed{n_workers}.parquet")
        res = run_study(study, client, base + runs, tmp / f"timed{n_workers}.parquet", progress=False)
        wall = time.perf_counter() - t0
        assert res.new_rows == runs and not res.failed, res
        return runs / wall
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=12, help="timed runs per worker count (default 12)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up runs per worker (default 2)")
    ap.add_argument("--scenario", default="belenko-1976")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()

    from foxbat.montecarlo.runner import load_study, run_row

    study = load_study(a.scenario)
    run_row(study, 10_000)  # in-process warm-up
    single = [0.0] * 3
    for k in range(3):
        t0 = time.perf_counter()
        run_row(study, 10_001 + k)
        single[k] = time.perf_counter() - t0
    print(f"scenario {study.where}, {len(study.uncertain.params)} uncertain parameters, {os.cpu_count()} CPUs")
    print(f"one run in this process (coverage cached), median of 3: {statistics.median(single):.2f} s "
          f"= {1 / statistics.median(single):.2f} runs/s")
    rates = {}
    with tempfile.TemporaryDirectory(prefix="foxbat-mc-bench-") as d:
        for w in a.workers:
            rates[w] = measure(study, w, a.runs, a.warmup, Path(d))
            print(f"{w} worker{'s' if w > 1 else ''}: {a.runs} runs, {rates[w]:.2f} runs/s")
    if 1 in rates:
        for w, r in rates.items():
            if w != 1:
                print(f"scaling {w} workers / 1 worker: {r / rates[1]:.2f}x (ideal {w:.1f}x)")


if __name__ == "__main__":
    main()
