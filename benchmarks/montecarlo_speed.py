#!/usr/bin/env python3
"""Runs per second of `foxbat montecarlo` on the flagship, with 1 and with 2 workers.

    python benchmarks/montecarlo_speed.py [--runs 48] [--warmup 2] [--repeats 3] [--cluster local|cli]

``--cluster local`` (default): a LocalCluster per worker count (processes, 1 thread each,
NUMBA_NUM_THREADS=1 and the BLAS thread counts set to 1 in the workers, so that W processes
on few cores do not oversubscribe them). ``--cluster cli``: the cluster started the ordinary
way, ``dask scheduler`` plus W ``dask worker ADDR --nworkers 1 --nthreads 1`` processes
(foxbat.montecarlo.cluster.CliCluster), and the study sent to it through ``--scheduler ADDR``'s
code path (foxbat.montecarlo.runner.remote_client).

For each repeat and worker count in turn (1 worker, 2 workers, 1, 2, ...: the machine's speed
drifts): start the cluster, warm every worker up with ``--warmup`` runs each (imports, numba
cache loads), then time ``--runs`` fresh runs of the whole study through the same path as the
command (foxbat.montecarlo.runner.run_study: coverage sets computed once each on the workers
and shipped to all, plugin, futures, as_completed, Parquet batches); every repeat runs the same
run indices. Prints the median runs/s for each count and the scaling ratio
of the medians (ideal: 2.0 when the machine has two free cores: the driver and the scheduler
share them; the CPU each of them spends per run is printed, and the workers' CPU per run all
together: when it stays the same from 1 to 2 workers, the cluster adds no work and a ratio
under 2 comes from cores that were not free). Cluster start-up is not counted.
Also prints one in-process run's time and the per-run work outside ``sim.run`` (sampling, the
scenario, the outcome columns) for reference.

``--plain`` (default on; ``--no-plain`` skips it): the machine's own ceiling for this work,
without Dask. The same runs (``run_row``, the coverage prepared beforehand as the plugin ships
it) in W plain processes forked from this warm one, started together; runs/s of all of them
and the ratio from 1 to 2 processes. Two processes on two cores that each slow the other (shared
caches, memory bandwidth, a virtual machine's cores) cap any cluster's scaling at that ratio;
the cluster's ratio divided by it is what Dask itself costs.
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
            tmp: Path, per_task: int | None = None) -> tuple:
    """runs/s of each repeat; the median CPU ms per run of this process (the driver; with
    a LocalCluster the scheduler too), of the scheduler's process (CLI cluster) and of the
    workers together; the median ms from the study's start to its first result; and the
    runs/s of each repeat from its first result to its last (the steady rate)."""
    from foxbat.montecarlo.runner import run_study

    with cluster(kind, n_workers, tmp) as client:
        sched = getattr(client, "scheduler_pid", None)
        workers = list(client.run(os.getpid).values())
        driver_ms, sched_ms, worker_ms, first_ms, steady = [], [], [], [], []
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
            done_t: list[float] = []
            res = run_study(study, client, base + runs, path, progress=False, runs_per_task=per_task,
                            on_result=lambda _row, _n: done_t.append(time.perf_counter()))
            wall = time.perf_counter() - t0
            # the study's own start (its coverage sets, the plugin) is the time to the first result;
            # after it, the steady rate over the W results
            first_ms.append((done_t[0] - t0) * 1e3)
            steady.append((len(done_t) - 1) / max(done_t[-1] - done_t[0], 1e-9))
            driver_ms.append((time.process_time() - c0) / runs * 1e3)
            sched_ms.append((_cpu_s(sched) - s0) / runs * 1e3)
            worker_ms.append((sum(_cpu_s(w) for w in workers) - w0) / runs * 1e3)
            assert res.new_rows == runs and not res.failed, res
            rates.append(runs / wall)
            base += runs
            os.replace(path, tmp / f"warm{n_workers}.parquet")
        return (rates, statistics.median(driver_ms), statistics.median(sched_ms), statistics.median(worker_ms),
                statistics.median(first_ms), steady)


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


def _plain_child(study, indices, barrier) -> None:
    from foxbat.montecarlo.runner import freeze_heap, run_row

    freeze_heap()  # as a worker does when the study's plugin is set up
    barrier.wait()
    for i in indices:
        run_row(study, i)


def plain(study, n_proc: int, indices: list[int]) -> float:
    """runs/s of ``indices`` run by ``n_proc`` plain processes forked from this one (each a
    share of the indices, all started at once; no Dask), the coverage prepared here first."""
    import multiprocessing

    from foxbat.montecarlo import runner

    runner._PINNED[study.id] = runner._precompute(study, indices, lambda _m: None)  # as the plugin ships it
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(n_proc + 1)
    procs = [ctx.Process(target=_plain_child, args=(study, indices[k::n_proc], barrier)) for k in range(n_proc)]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    return len(indices) / wall


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
    ap.add_argument("--runs-per-task", type=int, default=None,
                    help="runs per Dask task for every worker count (default: run_study's own rule, which "
                         "gives a short study of 2 workers fewer runs per task than of 1, and a 10,000-run "
                         "study 8 for both)")
    ap.add_argument("--plain", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the same runs in 1 and 2 plain forked processes, no Dask: the machine's "
                         "ceiling (default on)")
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
    if a.plain:
        plain_rates: dict[int, list[float]] = {w: [] for w in a.workers}
        base = 20_000
        for _ in range(a.repeats):  # interleaved, so a change in the machine's load hits each count alike
            for w in a.workers:
                plain_rates[w].append(plain(study, w, list(range(base, base + a.runs))))
                base += a.runs
        for w, r in plain_rates.items():
            print(f"{w} plain process{'es' if w > 1 else ''} (no Dask): {a.runs} runs x {a.repeats}, median "
                  f"{statistics.median(r):.2f} runs/s (each: {', '.join(f'{x:.2f}' for x in r)})", flush=True)
        if 1 in plain_rates:
            for w in plain_rates:
                if w != 1:
                    print(f"plain scaling {w} / 1: "
                          f"{statistics.median(plain_rates[w]) / statistics.median(plain_rates[1]):.2f}x "
                          f"(this machine's ceiling for this work)")
    rates, steady = {}, {}
    per: dict[int, list] = {w: [] for w in a.workers}
    with tempfile.TemporaryDirectory(prefix="foxbat-mc-bench-") as d:
        # repeats interleaved (1 worker, 2 workers, 1, 2, ...), each a fresh cluster and the
        # same runs: the machine's speed drifts by a quarter over minutes here, and running
        # every 1-worker repeat before every 2-worker one put that drift into the ratio
        for k in range(a.repeats):
            for w in a.workers:
                tmp = Path(d) / f"r{k}w{w}"
                tmp.mkdir()
                per[w].append(measure(study, a.cluster, w, a.runs, a.warmup, 1, tmp, a.runs_per_task))
        for w in a.workers:
            r = [m[0][0] for m in per[w]]
            st = [m[5][0] for m in per[w]]
            drv, sch, wrk, first = (statistics.median(m[i] for m in per[w]) for i in (1, 2, 3, 4))
            rates[w] = statistics.median(r)
            steady[w] = statistics.median(st)
            who = "driver" if a.cluster == "cli" else "driver and scheduler"
            print(f"{w} worker{'s' if w > 1 else ''} ({a.cluster}): {a.runs} runs x {a.repeats}, median "
                  f"{rates[w]:.2f} runs/s (each: {', '.join(f'{x:.2f}' for x in r)}); CPU per run: {who} "
                  f"{drv:.1f} ms" + (f", scheduler {sch:.1f} ms" if a.cluster == "cli" else "") +
                  f", workers together {wrk:.0f} ms; first result after {first / 1e3:.1f} s (coverage sets, plugin), "
                  f"then {steady[w]:.2f} runs/s (each: {', '.join(f'{x:.2f}' for x in st)})", flush=True)
    if 1 in rates:
        for w, r in rates.items():
            if w != 1:
                print(f"scaling {w} workers / 1 worker: {r / rates[1]:.2f}x (ideal {w:.1f}x); after the first "
                      f"result: {steady[w] / steady[1]:.2f}x")
                if a.plain and 1 in plain_rates and w in plain_rates:
                    ceiling = statistics.median(plain_rates[w]) / statistics.median(plain_rates[1])
                    print(f"  against the plain processes' {ceiling:.2f}x: {r / rates[1] / ceiling:.0%} of it")


if __name__ == "__main__":
    main()
