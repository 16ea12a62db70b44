#!/usr/bin/env python3
"""Runs per second of `foxbat montecarlo` on the flagship, with 1 and with 2 workers.

    python benchmarks/montecarlo_speed.py [--runs 48] [--warmup 2] [--repeats 3] [--cluster local|cli]

``--cluster local`` (default): a LocalCluster per worker count (processes, 1 thread each,
NUMBA_NUM_THREADS=1 and the BLAS thread counts set to 1 in the workers, so that W processes
on few cores do not oversubscribe them). ``--cluster cli``: the cluster started the ordinary
way, ``dask scheduler`` plus W ``dask worker ADDR --nworkers 1 --nthreads 1`` processes
(foxbat.montecarlo.cluster.CliCluster), and the study sent to it through ``--scheduler ADDR``'s
code path (foxbat.montecarlo.runner.remote_client).

For each worker count: start the cluster, warm every worker up with ``--warmup`` runs each
(imports, numba cache loads), then time ``--runs`` fresh runs of the whole study through the
same path as the command (foxbat.montecarlo.runner.run_study: coverage sets computed once each
on the workers and shipped to all, plugin, futures, as_completed, Parquet batches), ``--repeats``
times (each on new run indices). Prints the median runs/s for each count and the scaling ratio
of the medians (ideal: 2.0 when the machine has two free cores: the driver and the scheduler
share them; the CPU each of them spends per run is printed, and the workers' CPU per run all
together: when it stays the same from 1 to 2 workers, the cluster adds no work and a ratio
under 2 comes from cores that were not free). Cluster start-up is not counted.
Also prints one in-process run's time and the per-run work outside ``sim.run`` (sampling, the
scenario, the outcome columns) for reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def cluster(kind: str, n_workers: int, tmp: Path):
    """A client of a fresh cluster of ``n_workers``, closed afterwards."""
    from foxbat.montecarlo.runner import local_client, remote_client

    if kind == "local":
        client = local_client(n_workers)
        try:
            client.wait_for_workers(n_workers, timeout=120)
            yield client
        finally:
            c = client.cluster
            client.close()
            c.close()
        return
    from foxbat.montecarlo.cluster import CliCluster

    with CliCluster(n_workers, tmp / f"cli{n_workers}", timeout_s=120) as cl:
        client = remote_client(cl.address, 60)
        try:
            cl.wait_for_workers(client, n_workers)
            client.scheduler_pid = cl.procs[0].pid
            yield client
        finally:
            client.close()


def _cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) of process ``pid`` so far; 0 without one."""
    import psutil

    if pid is None:
        return 0.0
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def measure(study, kind: str, n_workers: int, runs: int, warmup: int, repeats: int,
            tmp: Path) -> tuple[list[float], float, float]:
    """runs/s of each repeat, and the median CPU ms per run of this process (the driver; with
    a LocalCluster the scheduler too) and of the scheduler's process (CLI cluster)."""
    from foxbat.montecarlo.runner import run_study

    with cluster(kind, n_workers, tmp) as client:
        sched = getattr(client, "scheduler_pid", None)
        workers = list(client.run(os.getpid).values())
        driver_ms, sched_ms, worker_ms = [], [], []
        # warm-up: its own output file, so the timed runs are all new
        base = warmup * n_workers
        run_study(study, client, base, tmp / f"warm{n_workers}.parquet", progress=False)
        rates = []
        for k in range(repeats):
            # timed: run indices after the warm-up's (the same file, resumed: only new ones run)
            path = tmp / f"timed{n_workers}-{k}.parquet"
            os.replace(tmp / f"warm{n_workers}.parquet", path)
            t0, c0, s0 = time.perf_counter(), time.process_time(), _cpu_s(sched)
            w0 = sum(_cpu_s(w) for w in workers)
            res = run_study(study, client, base + runs, path, progress=False)
            wall = time.perf_counter() - t0
            driver_ms.append((time.process_time() - c0) / runs * 1e3)
            sched_ms.append((_cpu_s(sched) - s0) / runs * 1e3)
            worker_ms.append((sum(_cpu_s(w) for w in workers) - w0) / runs * 1e3)
            assert res.new_rows == runs and not res.failed, res
            rates.append(runs / wall)
            base += runs
            os.replace(path, tmp / f"warm{n_workers}.parquet")
        return rates, statistics.median(driver_ms), statistics.median(sched_ms), statistics.median(worker_ms)


def overhead(study, indices) -> dict[str, float]:
    """Median seconds per run of each step of run_row outside sim.run, in this process."""
    from foxbat import sim
    from foxbat.montecarlo.runner import get_prepared, history_outcomes, outcome_columns, run_seed

    parts: dict[str, list[float]] = {"sample": [], "scenario": [], "coverage lookup": [], "sim.run": [],
                                     "outcome columns": []}
    for i in indices:
        t0 = time.perf_counter()
        values = study.values(i)
        t1 = time.perf_counter()
        sc, low = study.scenario(values)
        t2 = time.perf_counter()
        prepared = get_prepared(study.coverage_key(values), sc, study.id)
        t3 = time.perf_counter()
        res = sim.run(sc, seed=run_seed(study.seed, i), low_level_m=low, prepared=prepared)
        t4 = time.perf_counter()
        outcome_columns(res, study.sides), history_outcomes(res)
        t5 = time.perf_counter()
        for k, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            parts[k].append(dt)
    return {k: statistics.median(v) for k, v in parts.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=48,
                    help="timed runs per worker count and repeat (default 48; each repeat is a study of its own, "
                         "so its coverage sets, up to 12 for the flagship, are computed again)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up runs per worker (default 2)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed repeats per worker count (default 3); the median is shown")
    ap.add_argument("--cluster", choices=("local", "cli"), default="local",
                    help="local: a LocalCluster; cli: `dask scheduler` and `dask worker` processes (default local)")
    ap.add_argument("--scenario", default="belenko-1976")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()

    from foxbat.montecarlo.runner import load_study, run_row

    study = load_study(a.scenario)
    run_row(study, 10_000)  # in-process warm-up (imports, numba caches, this run's coverage)
    idx = [i for i in range(10_001, 10_200) if study.coverage_key(study.values(i)) ==
           study.coverage_key(study.values(10_000))][:3]  # runs that reuse that coverage
    parts = overhead(study, idx)
    one = parts["sim.run"] + sum(v for k, v in parts.items() if k != "sim.run")
    print(f"scenario {study.where}, {len(study.uncertain.params)} uncertain parameters, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"one run in this process (coverage cached), median of {len(idx)}: {one:.3f} s = {1 / one:.2f} runs/s; "
          f"sim.run {parts['sim.run'] * 1e3:.1f} ms, outside it: " +
          ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in parts.items() if k != "sim.run"))
    rates = {}
    with tempfile.TemporaryDirectory(prefix="foxbat-mc-bench-") as d:
        for w in a.workers:
            r, drv, sch, wrk = measure(study, a.cluster, w, a.runs, a.warmup, a.repeats, Path(d))
            rates[w] = statistics.median(r)
            who = "driver" if a.cluster == "cli" else "driver and scheduler"
            print(f"{w} worker{'s' if w > 1 else ''} ({a.cluster}): {a.runs} runs x {a.repeats}, median "
                  f"{rates[w]:.2f} runs/s (each: {', '.join(f'{x:.2f}' for x in r)}); CPU per run: {who} "
                  f"{drv:.1f} ms" + (f", scheduler {sch:.1f} ms" if a.cluster == "cli" else "") +
                  f", workers together {wrk:.0f} ms", flush=True)
    if 1 in rates:
        for w, r in rates.items():
            if w != 1:
                print(f"scaling {w} workers / 1 worker: {r / rates[1]:.2f}x (ideal {w:.1f}x)")


if __name__ == "__main__":
    main()
