#!/usr/bin/env python3
"""What detection with propagation and patterns costs (issue 11, item 9).

1. The flagship run (sim.run + run folder, no reports, in one process after a warm-up
   run) with two source trees, interleaved A, B, A, B, ... so that a busy machine
   slows both alike: the median of each and their ratio (the issue allows 1.20).
2. ``foxbat coverage`` on the built-in DEM with the built-in network: the geometric
   command against the same with ``--rcs 10`` (detectable height), interleaved, whole
   commands in fresh processes: medians and ratio (the issue allows 3).

    python benchmarks/detect_speed.py --before /path/to/old/src [--after src] [--rounds 5]

``--before`` is the ``src`` folder of a checkout without this work (with its compiled
coverage kernel), e.g. ``git archive <commit> src | tar -x -C /tmp/before`` plus the
``_los*.so`` copied in. Without it only part 2 runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN_ONCE = r"""
import sys, time, tempfile
from foxbat import sim
from foxbat.run_output import write_run_folder
from foxbat.scenario.run import load_run_scenario
sc = load_run_scenario()
sim.run(sc)
out = []
for i in range(int(sys.argv[1])):
    t0 = time.perf_counter()
    res = sim.run(sc)
    write_run_folder(res, tempfile.mkdtemp(prefix="foxbat-bench-"))
    out.append(time.perf_counter() - t0)
print(" ".join(f"{t:.4f}" for t in out))
"""


def _env(src: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(src).resolve())
    return env


def run_times(src: str, n: int) -> list[float]:
    p = subprocess.run([sys.executable, "-c", RUN_ONCE, str(n)], env=_env(src), check=True, capture_output=True,
                       text=True)
    return [float(x) for x in p.stdout.split()]


def command_time(src: str, args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "foxbat.cli", *args], env=_env(src), check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="src folder without propagation (part 1)")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[1] / "src"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-round", type=int, default=2, help="runs per process in part 1")
    a = ap.parse_args()
    if a.before:
        before, after = [], []
        for _ in range(a.rounds):
            before += run_times(a.before, a.per_round)
            after += run_times(a.after, a.per_round)
        mb, ma = statistics.median(before), statistics.median(after)
        print(f"flagship run (sim.run + run folder), median of {len(before)}: before {mb:.2f} s, "
              f"after {ma:.2f} s, ratio {ma / mb:.2f} (allowed 1.20)")
    tmp = Path(tempfile.mkdtemp(prefix="foxbat-bench-"))
    geo, det = [], []
    for i in range(a.rounds):
        geo.append(command_time(a.after, ["coverage", "--out", str(tmp / f"g{i}.tif")]))
        det.append(command_time(a.after, ["coverage", "--rcs", "10", "--out", str(tmp / f"d{i}.tif")]))
    mg, md = statistics.median(geo), statistics.median(det)
    print(f"foxbat coverage, built-in DEM and network, median of {a.rounds}: geometric {mg:.2f} s, "
          f"--rcs 10 {md:.2f} s, ratio {md / mg:.2f} (allowed 3)")


if __name__ == "__main__":
    main()
