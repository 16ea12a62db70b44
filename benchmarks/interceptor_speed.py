#!/usr/bin/env python3
"""How long the flagship's interceptors take (issue 14, item 1: 5 flagship runs/s/worker).

    python benchmarks/interceptor_speed.py [--before /path/to/old/src] [--after src] [--rounds 3] [--per-round 5]

Per source tree, in a fresh process: ``sim.prepare`` once, one warm-up ``sim.run``, then
``--per-round`` runs of ``sim.run`` (seeds 0, 1, ...), each timed per stage through its
progress callback; printed are the medians of the "interceptors" stage, of "tracking" and
of the whole ``sim.run``, in wall and process CPU seconds (the CPU figure moves less when
other work shares the machine), and two digests of every interceptor's flight: its
trajectory, events, estimates and each look's time, visibility and hit, to the bit; and
its looks' SNR, Pd, F and pattern rounded to 1e-9 (the compiled look has libm's last bits
where the Python look had numpy's). Before and after must print the same digests (same
seed, same events).

``--before`` is the ``src`` folder of a checkout without this work (with its compiled
coverage kernel), e.g. ``git archive bc4aeac src | tar -x -C /tmp/before`` plus
``cp src/foxbat/coverage/_los*.so /tmp/before/src/foxbat/coverage/``; before and after
then alternate, round by round, so that both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RUN_ONCE = r"""
import hashlib, json, sys, time
from foxbat import sim
from foxbat.scenario.run import load_run_scenario
n = int(sys.argv[1])
sc = load_run_scenario()
p = sim.prepare(sc)
sim.run(sc, prepared=p, seed=0)  # warm-up: numba cache loads, pyproj set-up
import numpy as np


def plain(x):
    # the value, not its type: the Python loop leaves some numbers numpy scalars, the compiled one floats
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x.item() if isinstance(x, np.generic) else x


rows, h, hl = [], hashlib.sha256(), hashlib.sha256()
for seed in range(n):
    stage = {}
    last = [None, 0.0, 0.0]
    def say(msg):
        w, c = time.perf_counter(), time.process_time()
        if last[0] is not None:
            stage[last[0]] = (w - last[1], c - last[2])
        last[:] = [msg, w, c]
    w0, c0 = time.perf_counter(), time.process_time()
    r = sim.run(sc, prepared=p, seed=seed, progress=say)
    say(None)
    stage["total"] = (time.perf_counter() - w0, time.process_time() - c0)
    rows.append(stage)
    for f in r.interceptors:
        h.update(repr(plain((f.columns, f.events, [(lk[0], lk[1], lk[4]) for lk in f.looks], f.estimates))).encode())
        hl.update(repr([tuple(round(x, 9) for x in (lk[2], lk[3], lk[5], lk[6])) for lk in f.looks]).encode())
print(json.dumps({"rows": rows, "digest": h.hexdigest()[:16] + " " + hl.hexdigest()[:16]}))
"""

STAGES = ("interceptors", "tracking", "total")


def _env(src: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(src).resolve())
    return env


def run_round(src: str, n: int) -> dict:
    p = subprocess.run([sys.executable, "-c", RUN_ONCE, str(n)], env=_env(src), check=True, capture_output=True,
                       text=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def _medians(rows: list[dict]) -> dict:
    return {s: (statistics.median(r[s][0] for r in rows), statistics.median(r[s][1] for r in rows)) for s in STAGES}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="src folder of the code to compare with")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[1] / "src"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--per-round", type=int, default=5)
    a = ap.parse_args()
    srcs = {"after": a.after} if not a.before else {"before": a.before, "after": a.after}
    rows: dict[str, list] = {k: [] for k in srcs}
    digests: dict[str, set] = {k: set() for k in srcs}
    for _ in range(a.rounds):
        for name, src in srcs.items():
            out = run_round(src, a.per_round)
            rows[name] += out["rows"]
            digests[name].add(out["digest"])
    med = {name: _medians(r) for name, r in rows.items()}
    n = a.rounds * a.per_round
    print(f"flagship sim.run (sim.prepare done once), median of {n} runs per source, wall s / CPU s:")
    for s in STAGES:
        line = "  ".join(f"{name} {med[name][s][0]:.3f} / {med[name][s][1]:.3f}" for name in srcs)
        ratio = f"   after/before {med['after'][s][0] / med['before'][s][0]:.2f}x wall" if a.before else ""
        print(f"  {s:13s} {line}{ratio}")
    for name in srcs:
        print(f"  interceptors digests, flight and looks ({name}): {', '.join(sorted(digests[name]))}")
    if a.before:
        flight = {d.split()[0] for d in digests["before"]} == {d.split()[0] for d in digests["after"]}
        looks = {d.split()[1] for d in digests["before"]} == {d.split()[1] for d in digests["after"]}
        print(f"  same trajectories, events, estimates and look outcomes (to the bit): {'yes' if flight else 'NO'}")
        print(f"  same looks' SNR, Pd, F and pattern (to 1e-9): {'yes' if looks else 'NO'}")
    total = med["after"]["total"][0]
    print(f"target 5 runs/s/worker (0.2 s per sim.run): {1.0 / total:.2f} runs/s now")


if __name__ == "__main__":
    main()
