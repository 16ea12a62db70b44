#!/usr/bin/env python3
"""How long one interceptor radar look takes: the Python look against the compiled one.

Target (issue 14, item 1): 5 flagship Monte Carlo runs per second per worker; a run makes
about 565 looks (``foxbat.command.intercept._look``), about 60 µs each in Python.

    python benchmarks/look_speed.py [--runs 2] [--repeats 7]

Runs the flagship study's first --runs Monte Carlo runs once, capturing the arguments of
every ``_look`` call, then times ``_look`` and
:func:`foxbat.sensing.look_nb.look_compiled` on all of those looks, interleaved (Python,
compiled, Python, ...) --repeats times, and prints the median µs per look of each, their
ratio, and the largest differences between the two (SNR, Pd, F, pattern).
"""

from __future__ import annotations

import argparse
import math
import functools
import statistics
import time


def capture(runs: int) -> list:
    """(arguments, result) of every _look call of the flagship study's first ``runs`` runs."""
    import foxbat.command.intercept as intercept
    from foxbat import sim
    from foxbat.montecarlo.runner import get_prepared, load_study, run_seed

    study = load_study("belenko-1976")
    rec = []
    orig = intercept._look

    def spy(*a):
        a = a[:9] + (a[9][:5],)  # the Python look's arguments (without the compiled look fly_interceptor adds)
        r = orig(*a)
        rec.append((a, r))
        return r

    intercept._look = spy
    fly = sim.fly_interceptor
    # the Python loop: every look through _look (the fast one makes most inside its kernel)
    sim.fly_interceptor = functools.partial(intercept.fly_interceptor, fast=False)
    try:
        for i in range(runs):
            v = study.values(i)
            sc, low = study.scenario(v)
            sim.run(sc, seed=run_seed(study.seed, i), low_level_m=low,
                    prepared=get_prepared(study.coverage_key(v), sc, study.id))
    finally:
        intercept._look = orig
        sim.fly_interceptor = fly
    return rec


def time_all(fn, looks) -> float:
    """CPU seconds for fn on every look's arguments."""
    t0 = time.process_time()
    for a in looks:
        fn(*a)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2, help="flagship Monte Carlo runs to capture looks from")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    from foxbat.command.intercept import _look
    from foxbat.sensing.look_nb import look_compiled

    rec = capture(args.runs)
    looks = [a for a, _ in rec]
    t0 = time.perf_counter()
    look_compiled(*looks[0])  # numba's cached kernel loaded (compiled on the first use)
    print(f"{len(looks)} looks from {args.runs} runs ({sum(r[0] for _, r in rec)} visible); "
          f"kernel load {time.perf_counter() - t0:.2f} s")
    worst = {"snr_db": 0.0, "pd": 0.0, "f_db": 0.0, "pattern_db": 0.0}
    for a, r in rec:
        c = look_compiled(*a)
        assert c[0] == r[0], "visible differs"
        for j, name in ((1, "snr_db"), (2, "pd"), (4, "f_db"), (5, "pattern_db")):
            if math.isfinite(r[j]):
                worst[name] = max(worst[name], abs(c[j] - r[j]))
    time_all(_look, looks[:50])
    time_all(look_compiled, looks[:50])
    py, nb = [], []
    for _ in range(args.repeats):
        py.append(time_all(_look, looks) / len(looks) * 1e6)
        nb.append(time_all(look_compiled, looks) / len(looks) * 1e6)
    mp, mn = statistics.median(py), statistics.median(nb)
    print(f"python _look      {mp:8.2f} µs per look (median of {args.repeats}; runs {min(py):.2f}-{max(py):.2f})")
    print(f"look_compiled     {mn:8.2f} µs per look (median of {args.repeats}; runs {min(nb):.2f}-{max(nb):.2f})")
    print(f"ratio compiled/python {mn / mp:.3f} ({mp / mn:.1f}x faster)")
    print("largest |difference|: " + ", ".join(f"{k} {v:.3g}" for k, v in worst.items()))


if __name__ == "__main__":
    main()
