#!/usr/bin/env python3
"""How long the flagship run takes, whole command and stage by stage.

Targets: the issue of the defenders, the whole belenko-1976 simulation in <= 5 s wall
once compiled; issue 14, ``foxbat run`` on the flagship (both low-level heights, every
report) in <= 3 s wall once installed and compiled.

    python benchmarks/run_speed.py [--repeats 5] [--baseline OTHER/src] [--in-process 0] [--profile 0]

1. the whole command ``foxbat run`` with every report, each time a fresh process into a new
   folder: median wall time and CPU time (this process's children: the command and any
   process it forks), after one untimed run that fills numba's cache;
2. where the time of that command goes: the stages ``foxbat run`` records
   (``foxbat.run_cli.STAGES``, stages done in its second or third process marked so), plus the
   interpreter's start with the imports before the command runs and its exit; medians;
3. (``--in-process N``) sim.run + writing the run folder in this process, median of N;
4. (``--profile N``) a cProfile of one sim.run by cumulative time, N lines.

``--baseline DIR`` times another copy of foxbat's sources (a ``src`` folder, e.g. an
older commit's from ``git archive``) the same way, alternating with this one run by run,
so a loaded machine slows both alike; the ratio of the medians is printed.
``FOXBAT_PROCESSES=1`` in the environment times the one-process command.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# run inside a fresh interpreter: the command as `foxbat run` runs it, then its stages
_CHILD = r"""
import json, sys, time
t_top = time.time()
out, stages_file = sys.argv[1], sys.argv[2]
import foxbat.cli
import foxbat.run_cli as rc
t_main = time.time()
rc_code = foxbat.cli.main(["run", "--out", out])
t_end = time.time()
with open(stages_file, "w") as fh:
    json.dump({"top": t_top, "main": t_main, "end": t_end, "rc": rc_code, "stages": getattr(rc, "STAGES", [])}, fh)
sys.stdout.flush(); sys.stderr.flush()
if "run" in getattr(foxbat.cli, "FAST_EXIT_COMMANDS", ()):
    import os
    os._exit(rc_code)
sys.exit(rc_code)
"""


def _env(src: str | None) -> dict:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def whole_command(out: Path, src: str | None) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh `foxbat run` (every report) into ``out``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "foxbat.cli", "run", "--out", str(out)], check=True,
                   capture_output=True, env=_env(src))
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def staged_command(out: Path, src: str | None) -> dict[str, tuple[float, float | None]]:
    """One fresh `foxbat run` with every report: (wall, CPU or None) seconds per stage."""
    stages_file = out.with_suffix(".json")
    t_launch = time.time()
    subprocess.run([sys.executable, "-c", _CHILD, str(out), str(stages_file)], check=True, capture_output=True,
                   env=_env(src))
    t_done = time.time()
    d = json.loads(stages_file.read_text())
    res = {"interpreter start": (d["top"] - t_launch, None),
           "import foxbat.cli, foxbat.run_cli": (d["main"] - d["top"], None)}
    inside = 0.0
    for name, wall, cpu in d["stages"]:
        w0, c0 = res.get(name, (0.0, 0.0))
        res[name] = (w0 + wall, c0 + cpu)
        if not name.startswith(("[2nd process]", "[3rd process]")):
            inside += wall
    res["rest of the command (imports, checks, output)"] = ((d["end"] - d["main"]) - inside, None)
    res["exit"] = (t_done - d["end"], None)
    res["TOTAL wall"] = (t_done - t_launch, None)
    return res


def _median_table(runs: list[dict]) -> list[tuple[str, float, float | None]]:
    names: list[str] = []
    for r in runs:
        names += [n for n in r if n not in names]
    out = []
    for n in names:
        cpus = [r[n][1] for r in runs if n in r and r[n][1] is not None]
        out.append((n, statistics.median(r.get(n, (0.0, None))[0] for r in runs),
                    statistics.median(cpus) if cpus else None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="fresh processes per measurement (median)")
    ap.add_argument("--baseline", metavar="DIR", help="another foxbat `src` folder, timed alternately")
    ap.add_argument("--in-process", type=int, default=0, metavar="N",
                    help="also time sim.run + run folder in this process, median of N")
    ap.add_argument("--profile", type=int, default=0, help="profile lines of one sim.run to print (0: none)")
    a = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="foxbat-bench-"))
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = {"this": here}
    if a.baseline:
        trees["baseline"] = str(Path(a.baseline).resolve())
    try:
        for name, src in trees.items():  # fill numba's cache, the OS's file cache
            whole_command(tmp / f"warm-{name}", src)
        walls: dict[str, list[tuple[float, float]]] = {n: [] for n in trees}
        staged: dict[str, list[dict]] = {n: [] for n in trees}
        for i in range(a.repeats):
            for name, src in trees.items():  # alternate: a busy machine slows each alike
                walls[name].append(whole_command(tmp / f"w{i}-{name}", src))
                staged[name].append(staged_command(tmp / f"s{i}-{name}", src))
        print(f"`foxbat run` on belenko-1976, both low-level heights, every report; fresh process each time; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
        for name in trees:
            w = [x[0] for x in walls[name]]
            c = [x[1] for x in walls[name]]
            print(f"  {name:8s} ({trees[name]}): wall median {statistics.median(w):.2f} s "
                  f"(min {min(w):.2f}, max {max(w):.2f}), CPU median {statistics.median(c):.2f} s, of {a.repeats}")
        if a.baseline:
            ratio = statistics.median(x[0] for x in walls["this"]) / statistics.median(
                x[0] for x in walls["baseline"])
            print(f"  this / baseline (wall medians): {ratio:.2f}")
        print(f"  target <= 3 s wall: {'met' if statistics.median(x[0] for x in walls['this']) <= 3.0 else 'NOT met'}")
        for name in trees:
            print(f"\nwhere the time goes ({name}), median seconds of {a.repeats} (a stage marked [2nd process] "
                  "or [3rd process] runs beside the others and is not part of the total):\n     wall      CPU")
            for stage, wall, cpu in _median_table(staged[name]):
                print(f"  {wall:7.3f}  {'' if cpu is None else f'{cpu:7.3f}':>7s}  {stage}")

        if a.in_process:
            from foxbat import sim
            from foxbat.run_output import write_run_folder
            from foxbat.scenario.run import load_run_scenario

            sc = load_run_scenario()
            sim.run(sc)  # warm-up: numba cache load, pyproj/rasterio set-up
            times = []
            for i in range(a.in_process):
                t0 = time.perf_counter()
                res = sim.run(sc)
                write_run_folder(res, tmp / f"r{i}")
                times.append(time.perf_counter() - t0)
            print(f"\nflagship run in-process (sim.prepare + sim.run + run folder), median of {a.in_process}: "
                  f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}); "
                  f"target <= 5 s: {'met' if statistics.median(times) <= 5.0 else 'NOT met'}")
        if a.profile:
            from foxbat import sim
            from foxbat.scenario.run import load_run_scenario

            sc = load_run_scenario()
            prepared = sim.prepare(sc)
            sim.run(sc, prepared=prepared)
            pr = cProfile.Profile()
            pr.enable()
            sim.run(sc, prepared=prepared)
            pr.disable()
            buf = io.StringIO()
            pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(a.profile)
            print(buf.getvalue())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
