#!/usr/bin/env python3
"""How long the full flagship run takes, and where the time goes.

Target (issue: the defenders): the whole belenko-1976 run (about 60 minutes of flight,
every radar, the trackers, the interceptors) in <= 5 s wall once compiled.

    python benchmarks/run_speed.py [--repeats 5] [--profile 25]

Prints the median in-process time of sim.run + writing the run folder (no reports),
the whole command's wall time (`foxbat run --no-reports`, a fresh process: imports and
numba cache loads included), and a cProfile of one run by cumulative time per stage.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--profile", type=int, default=25, help="profile lines to print (0: none)")
    a = ap.parse_args()

    from foxbat import sim
    from foxbat.run_output import write_run_folder
    from foxbat.scenario.run import load_run_scenario

    tmp = Path(tempfile.mkdtemp(prefix="foxbat-bench-"))
    sc = load_run_scenario()
    sim.run(sc)  # warm-up: numba compile or cache load, pyproj/rasterio set-up
    times = []
    for i in range(a.repeats):
        t0 = time.perf_counter()
        res = sim.run(sc)
        write_run_folder(res, tmp / f"r{i}")
        times.append(time.perf_counter() - t0)
    exe = shutil.which("foxbat") or "foxbat"
    walls = []
    for i in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "foxbat.cli", "run", "--out", str(tmp / f"c{i}"), "--no-reports"],
                       check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
    print(f"flagship run in-process (sim + run folder), median of {a.repeats}: {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f})")
    print(f"whole command `foxbat run --no-reports` ({exe}), median of 3: {statistics.median(walls):.2f} s")
    print(f"target <= 5 s: {'met' if statistics.median(times) <= 5.0 else 'NOT met'}")
    if a.profile:
        pr = cProfile.Profile()
        pr.enable()
        sim.run(sc, progress=None)
        pr.disable()
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(a.profile)
        print(buf.getvalue())
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
