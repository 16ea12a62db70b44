"""``foxbat run``: the whole simulation of a scenario, its run folder and reports."""

from __future__ import annotations

import argparse
import math
import os
import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path

from foxbat.tables import print_table, text_console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario YAML file or built-in name (default: belenko-1976)")
    p.add_argument("--out", default="foxbat-out", help="output folder (default ./foxbat-out)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--low-level-m", type=float, metavar="M",
                   help="fly the low-level leg at this height above ground instead of the scenario's")
    p.add_argument("--no-reports", action="store_true", help="write the data files only, no maps or replay")


def run(a: argparse.Namespace) -> int:
    collector = _StartupCollector()
    try:
        return _run(a, collector)
    finally:
        collector.close()


class _StartupCollector:
    """Python's cyclic garbage collector during ``foxbat run``: paused while the command
    starts (the imports of numba, scipy and Stone Soup, the scenario, the coverage: about a
    million objects, all kept; the collections they set off, three of them full, found
    almost nothing and cost about 0.4 s of the flagship's serial path), and before each
    fork the heap so far frozen (``gc.freeze``: never scanned again, and its pages left
    shared with the forked process) and collection resumed. Where the command ends, the
    collector is as it was (the frozen objects collectable again)."""

    def __init__(self):
        import gc

        self._was_enabled = gc.isenabled()
        self._frozen_before = gc.get_freeze_count()
        gc.disable()

    def resume(self) -> None:
        """Freeze the heap so far and collect from now on (a fork point: the child inherits this)."""
        import gc

        gc.freeze()
        if self._was_enabled:
            gc.enable()

    def pause(self) -> None:
        import gc

        gc.disable()

    def close(self) -> None:
        import gc

        if self._frozen_before == 0:
            gc.unfreeze()
        if self._was_enabled:
            gc.enable()


def _run(a: argparse.Namespace, collector: _StartupCollector) -> int:
    from foxbat import sim
    from foxbat.errors import ParameterError
    from foxbat.forked import Job
    from foxbat.run_output import write_run_folder
    from foxbat.scenario.run import load_run_scenario
    from foxbat.tracker_import import import_tracker

    from foxbat.atomic import OutputFolder, check_outputs
    from foxbat.scenario.run import scenario_inputs

    STAGES.clear()
    if a.seed is not None and a.seed < 0:
        raise ParameterError(f"must be an integer >= 0, got {a.seed}", where="--seed")
    out = Path(a.out)
    check_outputs([("--out", a.out, "folder")])
    console = text_console(stderr=True)
    with _stage("load scenario"):
        sc = load_run_scenario(a.scenario)
    check_outputs([("--out", a.out, "folder")], scenario_inputs(sc))
    folder = OutputFolder(out, "run")
    folder.check()  # before the computation: a folder with the user's own files is refused
    drawer = nullcontext()
    if not a.no_reports:
        collector.resume()  # the report process collects as usual (from the frozen heap)
        drawer = _ReportProcess(out, sc)
        collector.pause()
    with drawer, console.status("running") as status:
        with _stage("prepare (coverage of every ground radar)"):
            prepared = sim.prepare(sc)
        with _stage("import the tracker"):  # before the fork below: loaded once, not by both processes
            import_tracker()  # Stone Soup without scipy.stats, .integrate, .spatial, which a run does not use
        collector.resume()
        heights = [] if a.no_reports else _variant_heights(sc, a)
        # the other low-level heights beside this run, in a second process (foxbat.forked)
        with Job(lambda: _timed_rows(sc, a, heights, prepared)) if heights else nullcontext() as others:
            with _stage("sim.run" + (" (the other heights beside it)" if others and others.forked else "")):
                res = sim.run(sc, seed=a.seed, low_level_m=a.low_level_m,
                              progress=lambda m: status.update(m), prepared=prepared)
            variants = []
            if others is not None:  # before writing: a failing run leaves the folder as it was
                status.update(f"low-level leg at {', '.join(f'{h:g}' for h in heights)} m")
                with _stage("wait for the other heights"):
                    rows, child_stages = others.result()
                STAGES.extend(child_stages if others.forked else [])  # else: inside the wait
                variants = [_variant_row(res)] + rows
        status.update("writing")
        with folder.writing():  # removes this command's previous files, names the new ones
            with _stage("run folder"):
                written = write_run_folder(res, out)
            if not a.no_reports:
                written += _reports(res, out, status, folder, drawer)
                if variants:
                    written.append(_write_low_level_csv(variants, out / "low_level.csv"))
    for w in res.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    with _stage("print tables"):
        print_summary(res, text_console())
        if res.scenario.defenders.history and (out / "history.csv").exists():
            print_history(out / "history.csv", text_console())
        if variants:
            print_low_level(res, variants, text_console())
    text_console().print(f"wrote {len(written)} files to {out}/")
    return 0


#: (stage, wall seconds, CPU seconds) of the last run() in this process, for
#: benchmarks/run_speed.py; a stage done in another process is named so ("[2nd process] ...",
#: "[3rd process] ...")
STAGES: list[tuple[str, float, float]] = []


@contextmanager
def _stage(name: str, into: list | None = None):
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        (STAGES if into is None else into).append(
            (_in_child() + name, time.perf_counter() - t0, time.process_time() - c0))


def print_history(path: Path, console) -> None:
    """The comparison table: each recorded figure's basis, and a judgement for predictions only."""
    from rich.table import Table

    from foxbat.history import read_history_csv
    from foxbat.history_compare import WHERE_COLUMNS, summary_line

    rows = read_history_csv(path)
    t = Table(title="the simulation beside the record (history.csv)")
    for col in ("what", "basis", "recorded", "simulated", "diff min", "tolerance", "agreement", "where / how long"):
        t.add_column(col)
    style = {"agrees": "green", "disagrees": "red", "not simulated": "red"}
    for r in rows:
        where = []
        for q, (stem, unit) in WHERE_COLUMNS.items():
            if not r[f"recorded_{q}"]:
                continue
            judged = r[f"{stem}_agreement"] or r[f"{stem}_basis"]
            st = style.get(judged, "dim")
            where.append(f"{stem} {r[f'simulated_{q}'] or '-'} vs {r[f'recorded_{q}']} "
                         f"({r[f'{stem}_tolerance_{unit}']}) {unit}: [{st}]{judged}[/]")
        agreement = r["agreement"]
        t.add_row(r["what"], r["basis"], r["recorded_local"], r["simulated_local"], r["difference_min"],
                  r["tolerance_min"], f"[{style.get(agreement, 'dim')}]{agreement or '-'}[/]", "\n".join(where))
    print_table(t, console)
    console.print(summary_line(rows))


def _variant_heights(sc, a) -> list[float]:
    """The scenario's other low-level heights (the disputed figure), to run beside this one."""
    d = sc.defenders
    low = a.low_level_m if a.low_level_m is not None else d.low_level_height_m
    if low is None:
        return []
    return [h for h in d.low_level_alternatives_m if h != low]


def _timed_rows(sc, a, heights: list[float], prepared) -> tuple[list[dict], list]:
    """The low-level table's row of the same run at each of ``heights``, and the stages."""
    from foxbat import sim

    stages: list = []
    rows = []
    for h in heights:
        with _stage(f"sim.run at {h:g} m", stages):
            rows.append(_variant_row(sim.run(sc, seed=a.seed, low_level_m=h, prepared=prepared)))
    return rows, stages


def _in_child() -> str:
    from foxbat.forked import in_child

    return "[2nd process] " if in_child() else ""


def _variant_row(res) -> dict:
    from foxbat.run_output import summary

    s = summary(res)
    row = {"low_level_height_m": res.low_level_height_m}
    for side, v in s["sides"].items():
        row[f"{side}_first_detection_local"] = _clock(res, v["first_detection_t_s"], side)
        row[f"{side}_time_tracked_min"] = round(v["time_tracked_s"] / 60.0, 2)
        gaps = [e for e in res.events if e["kind"] == "track_gap" and e["side"] == side]
        row[f"{side}_first_gap_local"] = _clock(res, gaps[0]["t_s"], side) if gaps else "-"
    row["fuel_at_end_kg"] = round(s["intruder"]["fuel_end_kg"], 1)
    row["outcome"] = s["intruder"]["outcome"]
    row["intercepted"] = s["intruder"]["intercepted"]
    if res.scenario.defenders.history:
        from foxbat.history import compare
        from foxbat.history_compare import AGREES, judgements

        judged = judgements(compare(res))
        row["record_predicted_agree"] = f"{sum(1 for *_, a in judged if a == AGREES)} of {len(judged)}"
    return row


def _write_low_level_csv(rows: list[dict], path: Path) -> Path:
    from foxbat.atomic import write_text
    from foxbat.run_output import _csv

    cols = list(rows[0])
    write_text(path, _csv(cols, ([r[c] for c in cols] for r in rows)))
    return path


def print_low_level(res, rows: list[dict], console) -> None:
    """The low-level table: ``rows`` from _variant_row, this run's first."""
    from rich.table import Table

    d = res.scenario.defenders
    clocks = ", ".join(f"{s.name} {d.side_clock(s.name)[1]}" for s in d.sides)
    t = Table(title=f"the disputed low-level height (each side's local time: {clocks}; the first row is this run)")
    for col in rows[0]:
        t.add_column(col.replace("_", " "))
    for r in rows:
        t.add_row(*[str(v) for v in r.values()])
    print_table(t, console)


#: The reports drawn by the second process (forked before the computation, it loads the
#: drawing code while the run computes) and by a third forked from it once it has read the
#: run folder back (so both start with the drawing code loaded and the run read): about half
#: the drawing time each (benchmarks/run_speed.py); this process draws none
THERE = ("map.png", "history.png", "flight.kml")
BESIDE = ("timeline.png", "replay.html", "flight.czml", "paths.geojson")


def _draw(out: Path, sc, names, run=None) -> tuple[dict[str, Path], list]:
    """Draw the reports ``names`` of the run folder ``out`` (history.png, from history.csv,
    or a name of all_reports.REPORTS, from ``run``: the folder read back); their paths and
    stages."""
    stages: list = []
    paths = {}
    for name in names:
        if name == "history.png":
            from foxbat.report.history_plot import render_history_png

            with _stage(name, stages):
                paths[name] = render_history_png(out / "history.csv", out / "history.png",
                                                 f"{sc.name}: the simulation beside the record",
                                                 sc.defenders.local_tz_name)
            continue
        from foxbat.report.all_reports import REPORTS

        with _stage(name, stages):
            paths[name] = REPORTS[name](run, out / name)
    return paths, stages


def _load_drawing_code() -> None:
    """Import what drawing the reports imports on first use (about 0.15 s of CPU), while
    the run computes: then neither the reading of the run folder (before the third process
    is forked) nor the drawing waits on it."""
    import contourpy  # noqa: F401  (matplotlib's contours)
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import matplotlib.patheffects  # noqa: F401
    import PIL.PngImagePlugin  # noqa: F401
    import rasterio.warp  # noqa: F401  (the basemaps; rasterio also reads the coverage rasters back)

    import foxbat.history_compare  # noqa: F401
    import foxbat.report.all_reports  # noqa: F401
    import foxbat.report.history_plot  # noqa: F401
    import foxbat.terrain  # noqa: F401


class _ReportProcess:
    """A second process forked before the computation, which loads the drawing code
    (matplotlib, the report modules) while this one computes, then waits until the run
    folder is written (:meth:`go`), reads it back, forks a third process that draws BESIDE
    while it draws THERE. Where a process cannot be forked or it fails, its reports are
    drawn by the process that would have forked it (foxbat.forked.Job)."""

    def __init__(self, out: Path, sc):
        from foxbat.forked import Job

        self._r, self._w = os.pipe()
        self.job = Job(lambda: self._work(out, sc))
        if self.job.forked:
            os.close(self._r)
            self._r = None

    def _work(self, out: Path, sc):
        from foxbat.forked import Job, in_child

        stages: list = []
        if in_child():  # the child: load the drawing code, then wait
            os.close(self._w)  # so that it sees the end of the pipe if this process dies
            with _stage("load matplotlib and the report modules", stages):
                _load_drawing_code()
            if os.read(self._r, 1) != b"1":
                raise RuntimeError("the run folder was not written")
        from foxbat.report.run_folder import read_run

        with _stage("read the run folder back", stages):
            run = read_run(out)
        with Job(lambda: _draw(out, sc, BESIDE, run)) as beside:
            paths, more = _draw(out, sc, THERE, run)
            with _stage("wait for the 3rd process", more):
                there, besides = beside.result()
        if beside.forked:
            besides = [(n.replace("[2nd process] ", "[3rd process] ", 1), w, c) for n, w, c in besides]
        return {**paths, **there}, stages + more + besides

    def go(self) -> None:
        """The run folder is written: draw."""
        if self._w is not None:
            os.write(self._w, b"1")
            os.close(self._w)
            self._w = None

    def result(self) -> tuple[dict[str, Path], list]:
        return self.job.result()

    def __enter__(self) -> "_ReportProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.job.cancel()  # not collected (an error in between): no child left behind
        for fd in (self._r, self._w):
            if fd is not None:
                os.close(fd)
        self._r = self._w = None


def _reports(res, out: Path, status, folder, drawer: _ReportProcess) -> list[Path]:
    """history.csv and .png, coverage.geojson and every report of all_reports: history.csv
    and coverage.geojson here, the rest by the drawing processes (``drawer``)."""
    from foxbat.history import write_history_csv

    status.update("reports")
    with _stage("history.csv"):
        history_csv = write_history_csv(res, out / "history.csv")
    try:
        from foxbat.report.all_reports import REPORTS
    except ImportError:  # reports not installed in this build
        with _stage("history.png"):
            png = _draw(out, res.scenario, ["history.png"])[0]["history.png"]
        with _stage("coverage.geojson"):
            return [history_csv, png, _write_coverage_geojson(res, out / "coverage.geojson")]
    for name in ("history.png", *REPORTS):  # named in the manifest here, not by two processes at once
        folder.record(name)
    drawer.go()
    with _stage("coverage.geojson"):
        geojson = _write_coverage_geojson(res, out / "coverage.geojson")
    with _stage("wait for the reports of the 2nd process"):
        done, stages = drawer.result()
    STAGES.extend(stages if drawer.job.forked else [])  # else: inside the wait
    return [history_csv, done["history.png"], geojson] + [done[n] for n in REPORTS]


def _write_coverage_geojson(res, path: Path) -> Path:
    """Each side's covered area at the low-level height and at 1,000 m above ground."""
    from foxbat.coverage import RadarSite
    from foxbat.coverage.engine import Coverage
    from foxbat.coverage.polygons import coverage_geojson, write_geojson

    alts = sorted({h for h in (res.low_level_height_m, 1000.0) if h is not None})
    features = []
    for side, lowest in res.side_coverage.items():
        sites = [RadarSite(r.lat_deg, r.lon_deg, antenna_msl_m=r.antenna_msl_m, max_range_m=r.max_range_m,
                           name=r.name) for r in res.radars if r.side == side]
        fc = coverage_geojson(Coverage(res.dem, sites, res.scenario.defenders.k, lowest), alts, "agl")
        for f in fc["features"]:
            f["properties"]["side"] = side
            features.append(f)
    return write_geojson({"type": "FeatureCollection", "features": features}, path)


def _clock(res, t_s: float | None, side: str | None = None) -> str:
    """``t_s`` as HH:MM:SS on ``side``'s own clock (the scenario's for None)."""
    return clock_hms(res.epoch, t_s, res.scenario.defenders.side_clock(side)[0])


def clock_hms(epoch, t_s: float | None, tz_hours: float) -> str:
    """HH:MM:SS of run time ``t_s`` on a clock ``tz_hours`` from UTC ('-' for none)."""
    if t_s is None or (isinstance(t_s, float) and math.isnan(t_s)):
        return "-"
    return (epoch + timedelta(seconds=float(t_s), hours=tz_hours)).strftime("%H:%M:%S")


def who_saw_whom_rows(sides: dict, epoch, clocks: dict) -> list[tuple[str, ...]]:
    """The rows of the 'who saw whom, when' table: each side's times on its own clock.

    ``sides``: summary(res)["sides"]; ``clocks``: side -> (hours from UTC, name)."""
    rows = []
    for side, v in sides.items():
        h, name = clocks[side]
        hms = lambda x: clock_hms(epoch, x, h)  # noqa: E731
        spans = ", ".join(f"{hms(a)}-{hms(b)}" for a, b in v["track_spans_s"]) or "-"
        rows.append((side, f"{name} (UTC{h:+g})", hms(v["first_detection_t_s"]), str(v["n_tracks"]),
                     f"{v['time_tracked_s'] / 60:.1f} min", spans))
    return rows


def print_summary(res, console) -> None:
    from rich.table import Table

    from foxbat.run_output import summary

    s = summary(res)
    d = res.scenario.defenders
    t1 = Table(title=f"{res.scenario.name}: who saw whom, when (each side's local time)")
    for col in ("side", "clock", "first detection", "tracks", "time tracked", "spans (start-end)"):
        t1.add_column(col)
    for row in who_saw_whom_rows(s["sides"], res.epoch, {side: d.side_clock(side) for side in s["sides"]}):
        t1.add_row(*row)
    print_table(t1, console)
    if s["interceptors"]:
        t2 = Table(title="interceptors")
        for col in ("aircraft", "radar contact", "visual", "intercept", "bingo", "fuel at end"):
            t2.add_column(col)
        for name, v in s["interceptors"].items():
            t2.add_row(name, f"{v['contact_s']:.0f} s", "yes" if v["visual"] else "no",
                       "yes" if v["intercept"] else "no", "yes" if v["bingo"] else "no",
                       f"{v['fuel_end_kg']:,.0f} kg" if v["fuel_end_kg"] is not None else "-")
        print_table(t2, console)
    i = s["intruder"]
    over = f", overrun {i['overrun_m']:.0f} m" if (i.get("overrun_m") or 0) > 0 else ""
    console.print(f"{d.intruder.id} ({res.intruder.aircraft.name}): {i['outcome']}, fuel at the end "
                  f"{i['fuel_end_kg']:,.0f} kg{over}; intercepted: {'yes' if i['intercepted'] else 'no'}")
