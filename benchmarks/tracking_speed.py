#!/usr/bin/env python3
"""How long the flagship's ground tracking takes: fast path against plain Stone Soup.

Target (issue 14): 5 flagship runs per second per worker, about 0.2 s per `sim.run` in
all, so the "tracking" stage must stay well under 0.1 s.

    python benchmarks/tracking_speed.py [--repeats 9] [--seed 0] [--false-alarms 0]
    python benchmarks/tracking_speed.py --before /tmp/before/src [--rounds 3] [--repeats 5] [--study-rows 12]

Runs the flagship once (coverage prepared once, interceptors kept), captures each side's
tracker input (measurements and scans), then times both sides' `SideTracker.run`
with the fast path (`fast=True`, the default) and with every association through Stone
Soup (`fast=False`), interleaved, CPU time and wall time, and prints the medians, their
ratio and whether both paths gave identical results. Then the "tracking" stage of whole
`sim.run` calls (wall, from sim's progress messages), median of --repeats.

``--before`` is the ``src`` folder of a checkout without this work (with its compiled
coverage kernel), e.g. ``git archive bc4aeac src | tar -x -C /tmp/before`` plus
``cp src/foxbat/coverage/_los*.so /tmp/before/src/foxbat/coverage/``: the "tracking"
stage of sim.run is then timed in fresh processes, before and after in turn (--rounds),
CPU and wall medians, and a digest of both sides' tracking results must be the same.
``--study-rows N`` times the first N rows of the flagship's Monte Carlo study
(belenko-1976, rows 10001...) instead of the flagship run: the runs `foxbat montecarlo` makes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _runs(seed: int, study_rows: int) -> list:
    """(scenario, seed, low_level_m, prepared) of the sim.run calls to time: the flagship at
    ``seed``, or the first ``study_rows`` rows of the flagship's Monte Carlo study."""
    from foxbat import sim

    if not study_rows:
        from foxbat.scenario.run import load_run_scenario

        sc = load_run_scenario()
        return [(sc, seed, None, sim.prepare(sc))]
    from foxbat.montecarlo.runner import get_prepared, load_study, run_seed

    study = load_study("belenko-1976")
    runs = []
    for i in range(10_001, 10_001 + study_rows):
        v = study.values(i)
        sc, low = study.scenario(v)
        runs.append((sc, run_seed(study.seed, i), low, get_prepared(study.coverage_key(v), sc, study.id)))
    return runs


def stage_only(repeats: int, seed: int, study_rows: int = 0) -> None:
    """Print JSON: the 'tracking' stage's CPU and wall seconds per sim.run, and a digest of
    the tracking results (run with the code on PYTHONPATH)."""
    from foxbat import sim

    runs = _runs(seed, study_rows)
    sc, s, low, prepared = runs[0]
    sim.run(sc, seed=s, low_level_m=low, prepared=prepared)  # warm-up
    cpu, wall, results = [], [], []
    for _ in range(repeats):
        results = []
        for sc, s, low, prepared in runs:
            marks = []
            res = sim.run(sc, seed=s, low_level_m=low, prepared=prepared,
                          progress=lambda m: marks.append((m, time.process_time(), time.perf_counter())))
            i = [m for m, _, _ in marks].index("tracking")
            cpu.append(marks[i + 1][1] - marks[i][1])
            wall.append(marks[i + 1][2] - marks[i][2])
            results.append(sorted(res.tracking.items()))
    digest = hashlib.sha256(repr(results if study_rows else results[0]).encode()).hexdigest()[:16]
    print(json.dumps({"cpu": cpu, "wall": wall, "digest": digest}))


def before_after(before: str, rounds: int, repeats: int, seed: int, study_rows: int = 0) -> None:
    after = str(Path(__file__).resolve().parents[1] / "src")
    got = {"before": {"cpu": [], "wall": [], "digest": set()}, "after": {"cpu": [], "wall": [], "digest": set()}}
    for _ in range(rounds):
        for name, src in (("before", before), ("after", after)):
            env = dict(os.environ, PYTHONPATH=src)
            out = subprocess.run([sys.executable, __file__, "--stage-only", "--repeats", str(repeats),
                                  "--seed", str(seed), "--study-rows", str(study_rows)],
                                 env=env, check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            got[name]["cpu"] += r["cpu"]
            got[name]["wall"] += r["wall"]
            got[name]["digest"].add(r["digest"])
    med = {n: (statistics.median(g["cpu"]), statistics.median(g["wall"])) for n, g in got.items()}
    what = f"{study_rows} study rows' runs x {rounds * repeats}" if study_rows else f"{rounds * repeats} runs"
    for n in ("before", "after"):
        print(f"  {n:6s} 'tracking' stage per run, median of {what}: CPU {med[n][0] * 1000:6.1f} ms, "
              f"wall {med[n][1] * 1000:6.1f} ms")
    print(f"  after/before: {med['after'][0] / med['before'][0]:.2f}x CPU, {med['after'][1] / med['before'][1]:.2f}x wall")
    same = got["before"]["digest"] == got["after"]["digest"] and len(got["after"]["digest"]) == 1
    print(f"  same tracking results (digest {sorted(got['after']['digest'])}): {'yes' if same else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--false-alarms", type=float, default=0.0, help="false alarms per scan (flagship: 0)")
    ap.add_argument("--before", help="src folder of the code to compare with (see above)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--study-rows", type=int, default=0,
                    help="with --before: time the first N rows of the flagship's Monte Carlo study instead")
    ap.add_argument("--stage-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.stage_only:
        return stage_only(a.repeats, a.seed, a.study_rows)
    if a.before:
        return before_after(a.before, a.rounds, a.repeats, a.seed, a.study_rows)

    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario, parse_run_scenario
    from foxbat.tracking.tracker import SideTracker

    sc = load_run_scenario()
    if a.false_alarms:
        sc = parse_run_scenario(dict(sc.raw, false_alarms_per_scan=a.false_alarms), "flagship-fa.yaml")
    prepared = sim.prepare(sc)

    captured = []
    orig = SideTracker.run

    def capture(self, measurements, scans=None):
        scans = None if scans is None else list(scans)
        captured.append((self.side, self.frame.ref_lat_deg, self.frame.ref_lon_deg, self.config,
                         self.ground_msl_m, list(measurements), scans))
        return orig(self, measurements, scans)

    SideTracker.run = capture
    try:
        sim.run(sc, seed=a.seed, prepared=prepared)
    finally:
        SideTracker.run = orig

    def track(fast: bool):
        c0, w0 = time.process_time(), time.perf_counter()
        out = [SideTracker(side, lat, lon, cfg, ground, fast=fast).run(meas, scans=scans)
               for side, lat, lon, cfg, ground, meas, scans in captured]
        return time.process_time() - c0, time.perf_counter() - w0, out

    _, _, fast_out = track(True)
    _, _, slow_out = track(False)
    same = repr(fast_out) == repr(slow_out)
    cpu = {True: [], False: []}
    wall = {True: [], False: []}
    for _ in range(a.repeats):
        for fast in (False, True):
            c, w, _ = track(fast)
            cpu[fast].append(c)
            wall[fast].append(w)
    n_meas = sum(len(c[5]) for c in captured)
    n_scans = sum(len(set(c[6] or ())) for c in captured)
    print(f"flagship seed {a.seed}, false alarms/scan {a.false_alarms}: {len(captured)} sides, "
          f"{n_meas} measurements, {n_scans} scans")
    for fast, name in ((False, "Stone Soup path"), (True, "fast path")):
        print(f"  {name:16s} median of {a.repeats}: CPU {statistics.median(cpu[fast]) * 1000:6.1f} ms, "
              f"wall {statistics.median(wall[fast]) * 1000:6.1f} ms")
    print(f"  ratio fast/Stone Soup (CPU medians): {statistics.median(cpu[True]) / statistics.median(cpu[False]):.2f}")
    print(f"  identical results: {'yes' if same else 'NO'}")

    stage = []
    for _ in range(a.repeats):
        marks = []
        sim.run(sc, seed=a.seed, prepared=prepared, progress=lambda msg: marks.append((msg, time.perf_counter())))
        t = dict((m, i) for i, (m, _) in enumerate(marks))
        i = t["tracking"]
        stage.append(marks[i + 1][1] - marks[i][1] if i + 1 < len(marks) else float("nan"))
    print(f"  sim.run 'tracking' stage (wall, to the next progress message), median of {a.repeats}: "
          f"{statistics.median(stage) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
