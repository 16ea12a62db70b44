#!/usr/bin/env python3
"""How long the flagship's ground tracking takes: fast path against plain Stone Soup.

Target (issue 14): 5 flagship runs per second per worker, about 0.2 s per `sim.run` in
all, so the "tracking" stage must stay well under 0.1 s.

    python benchmarks/tracking_speed.py [--repeats 9] [--seed 0] [--false-alarms 0]

Runs the flagship once (coverage prepared once, interceptors kept), captures each side's
tracker input (measurements and scans), then times both sides' `SideTracker.run`
with the fast path (`fast=True`, the default) and with every association through Stone
Soup (`fast=False`), interleaved, CPU time and wall time, and prints the medians, their
ratio and whether both paths gave identical results. Then the "tracking" stage of whole
`sim.run` calls (wall, from sim's progress messages), median of --repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--false-alarms", type=float, default=0.0, help="false alarms per scan (flagship: 0)")
    a = ap.parse_args()

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
