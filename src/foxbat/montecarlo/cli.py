"""``foxbat montecarlo``: many randomised runs of a scenario on Dask.

    foxbat montecarlo belenko-1976 --runs 1000 --out results.parquet [--workers 4 | --scheduler tcp://host:8786]
    foxbat montecarlo summary results.parquet      # print and plot the summary of an existing table

The scenario's ``uncertain:`` section says which figures vary and how (docs/montecarlo.md).
One row per run goes into the Parquet file, written in batches; running the same command
again resumes (the run indices already in the file are skipped). After the runs, the
summary (probability of escape, sensitivity, first detection times) is written beside it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from foxbat.errors import ParameterError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="FILE_OR_NAME",
                   help="scenario YAML file or built-in name (belenko-1976); or 'summary' and a results table "
                        "(foxbat montecarlo summary results.parquet): print and plot its summary")
    p.add_argument("results", nargs="?", default=None, metavar="RESULTS.parquet",
                   help="with 'summary': the results table to summarise")
    p.add_argument("--runs", type=int, default=None, metavar="N", help="number of runs (indices 0..N-1); required")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, metavar="W",
                   help="local Dask worker processes, 1 thread each (default: the number of CPUs)")
    g.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--out", default=None, metavar="RESULTS.parquet",
                   help="results table (resumed if it exists); required")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="base seed; run i's seed and draws come from SeedSequence(S, spawn_key=(i, ...)) "
                        "(default: the scenario's seed)")
    p.add_argument("--batch", type=int, default=64, metavar="K", help="rewrite the table every K results (default 64)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds to wait for the scheduler and its workers (default 10); a study whose "
                        "cluster has had no worker for 3 times this (at least 30 s) stops, keeping its runs")
    p.add_argument("--no-summary", action="store_true", help="do not write the summary files")
    p.add_argument("--summary-only", action="store_true", help="only (re)write the summary of an existing table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _check(args) -> None:
    if args.results is not None:
        raise ParameterError(f"unexpected {args.results!r}; to summarise a table: foxbat montecarlo summary "
                             "RESULTS.parquet", where="foxbat montecarlo")
    if args.out is None:
        raise ParameterError("give the results table to write: --out RESULTS.parquet", where="--out")
    if args.runs is None:
        raise ParameterError("give the number of runs: --runs N", where="--runs")
    if args.runs <= 0:
        raise ParameterError(f"must be a number of runs >= 1, got {args.runs}", where="--runs")
    if args.workers is not None and args.workers <= 0:
        raise ParameterError(f"must be >= 1, got {args.workers}", where="--workers")
    if args.workers is not None and args.scheduler:  # argparse's group catches the CLI; the API too
        raise ParameterError("give --workers (a local cluster) or --scheduler (an existing one), not both",
                             where="--workers")
    if args.batch <= 0:
        raise ParameterError(f"must be >= 1, got {args.batch}", where="--batch")
    if not args.timeout > 0:
        raise ParameterError(f"must be > 0 s, got {args.timeout}", where="--timeout")
    if args.seed is not None and args.seed < 0:
        raise ParameterError(f"must be >= 0, got {args.seed}", where="--seed")


def _print_summary(data: dict, paths: dict) -> None:
    e = data["escape"]
    if e["n"]:
        print(f"P(escape) = {e['p']:.3f}, 95% CI [{e['ci95'][0]:.3f}, {e['ci95'][1]:.3f}] (Wilson), "
              f"{e['escaped']} of {e['n']} runs")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in data["outcomes"].items()))
    for side, s in data["sides"].items():
        fd = s["first_detection_t_s"]
        med = f", median first detection {fd['p50'] / 60:.1f} min" if fd.get("n") else ""
        print(f"{side}: detected the intruder in {s['detected']} of {data['runs_ok']} runs{med}")
    ranked = sorted((q for q in data["sensitivity"] if q["prcc"] is not None), key=lambda q: -abs(q["prcc"]))
    if ranked:
        print("sensitivity (PRCC with escape): " + ", ".join(f"{q['column']} {q['prcc']:+.2f}" for q in ranked))
    for h in data.get("history", []):
        what = f"{h['row']} {h['figure']}"
        if not h["n_predicted"]:
            print(f"record: {what}: not judged ({', '.join(h['not_judged_as']) or 'no run'})")
            continue
        top = ", ".join(f"{d['column']} {d['prcc']:+.2f}" for d in h["drivers"][:3])
        print(f"record: {what}: agrees in {h['agrees']} of {h['n_predicted']} runs, P = {h['p']:.2f} "
              f"[{h['ci95'][0]:.2f}, {h['ci95'][1]:.2f}]" + (f"; drivers (PRCC): {top}" if top else ""))
    print("wrote " + ", ".join(str(p) for p in paths.values()))


def summary_of_file(path: str) -> int:
    """``foxbat montecarlo summary RESULTS.parquet``: the summary of an existing table,
    printed, and written beside it (JSON and plots), without its scenario."""
    from foxbat.atomic import check_outputs
    from foxbat.montecarlo.summary import read_results_meta, summary_paths, write_summary

    read_results_meta(path)  # a foxbat results table, or one line saying what it is not
    check_outputs([(f"{path} (its {p.name})", p, "file") for p in summary_paths(path).values()],
                  [("the results table", path)])
    data, paths = write_summary(path)
    print(f"{path}: {data['runs']} runs of {data['scenario']} (seed {data['seed']}), "
          f"{data['runs_error']} with an error")
    _print_summary(data, paths)
    return 0


def run(args) -> int:
    from foxbat.montecarlo.runner import load_study, local_client, remote_client, run_study
    from foxbat.montecarlo.summary import write_summary

    if args.scenario == "summary" and args.results is not None and not os.path.isfile("summary"):
        for opt in ("runs", "out", "workers", "scheduler", "seed"):
            if getattr(args, opt) is not None:
                raise ParameterError("summary reads an existing table; it takes no run options",
                                     where="--" + opt)
        return summary_of_file(args.results)
    _check(args)
    from foxbat.atomic import check_outputs
    from foxbat.montecarlo.summary import summary_paths
    from foxbat.scenario.run import resolve_scenario_path

    # the table and its summary files: writable, none of them the scenario, before any run
    check_outputs([("--out", args.out, "file")])
    summaries = [] if args.no_summary else [(f"--out (its {p.name})", p, "file")
                                            for p in summary_paths(args.out).values()]
    scenario_path, shown = resolve_scenario_path(args.scenario)
    check_outputs([("--out", args.out, "file")] + summaries, [(f"scenario {shown}", scenario_path)])
    study = load_study(args.scenario, args.seed)
    if args.summary_only:
        from foxbat.errors import InputFileError
        from foxbat.montecarlo.runner import read_existing

        if not os.path.exists(args.out):
            raise InputFileError("no such results table", where=f"--out {args.out}")
        read_existing(Path(args.out), study)
        data, paths = write_summary(args.out)
        _print_summary(data, paths)
        return 0
    from foxbat.montecarlo.runner import read_existing

    read_existing(Path(args.out), study, args.runs)  # a table to resume is checked before the cluster starts
    if not study.uncertain:
        print(f"foxbat montecarlo: note: {study.where} has no 'uncertain' section: only the random draws "
              "(detections, trackers) differ between runs", file=sys.stderr)
    client = remote_client(args.scheduler, args.timeout) if args.scheduler else \
        local_client(args.workers or os.cpu_count() or 1)
    quiet = args.quiet
    say = (lambda m: None) if quiet else (lambda m: print(f"foxbat montecarlo: {m}", file=sys.stderr))
    try:
        where = f"{args.scheduler}" if args.scheduler else f"{len(client.scheduler_info()['workers'])} local workers"
        say(f"{args.runs} runs of {study.where} on {where} -> {args.out}")
        res = run_study(study, client, args.runs, args.out, batch=args.batch, progress=not quiet, say=say,
                        no_workers_s=max(30.0, 3 * args.timeout))
    finally:
        cluster = getattr(client, "cluster", None)
        client.close(timeout=10)
        if cluster is not None and not args.scheduler:
            cluster.close(timeout=10)
    rate = res.new_rows / res.wall_s if res.wall_s > 0 and res.new_rows else 0.0
    print(f"{res.new_rows} new runs ({res.skipped} already done), {res.total_rows} rows in {res.out}; "
          f"{res.wall_s:.1f} s, {rate:.2f} runs/s")
    if res.failed:
        shown = "; ".join(f"run {i}: {m}" for i, m in sorted(res.failed.items())[:3])
        print(f"foxbat montecarlo: {len(res.failed)} runs failed (workers lost); run the same command again to "
              f"retry them: {shown}", file=sys.stderr)
    if not args.no_summary:
        data, paths = write_summary(args.out)
        _print_summary(data, paths)
    return 1 if res.failed else 0
