"""``foxbat coverage --workers N | --scheduler ADDR``: the network on Dask, written as a COG."""

from __future__ import annotations

import argparse
from pathlib import Path

from foxbat.errors import ParameterError

#: how long to wait for a scheduler given with --scheduler (s)
SCHEDULER_TIMEOUT_S = 10.0
# what the tiled path cannot give: each needs the whole network's raster in one process
_WHOLE_RASTER_OPTIONS = (("rcs", "--rcs"), ("png", "--png"), ("geojson", "--geojson"),
                         ("rings_json", "--rings-json"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("beyond memory (the network on Dask, written as a Cloud Optimized GeoTIFF)")
    g.add_argument("--workers", type=int, metavar="N", help="compute on N local Dask worker processes, one "
                   "radar window per task, merged by 512-cell tile: no process holds the DEM")
    g.add_argument("--scheduler", metavar="ADDR", help="compute on a running Dask cluster (tcp://HOST:PORT); "
                   "its workers must read the DEM and the output folder at the same paths")


def wanted(a: argparse.Namespace) -> bool:
    return a.workers is not None or a.scheduler is not None


def check_args(a: argparse.Namespace) -> None:
    """The options the tiled path takes (called before any work)."""
    if not wanted(a):
        return
    if a.workers is not None and a.scheduler is not None:
        raise ParameterError("give --workers N or --scheduler ADDR, not both", where="--workers")
    if a.workers is not None and a.workers < 1:
        raise ParameterError(f"must be a number of worker processes >= 1, got {a.workers}", where="--workers")
    if a.scheduler is not None and not a.scheduler.strip():
        raise ParameterError("give the scheduler's address, e.g. tcp://10.0.0.5:8786", where="--scheduler")
    opt = "--workers" if a.workers is not None else "--scheduler"
    for name, flag in _WHOLE_RASTER_OPTIONS:
        if getattr(a, name) is not None:
            raise ParameterError(f"not with {opt}: {flag} needs the whole network's raster in memory; "
                                 f"run it without {opt}, or on the COG afterwards", where=flag)


def _client(a: argparse.Namespace):
    from foxbat.dask_clients import local_client, remote_client

    return local_client(a.workers) if a.workers is not None else remote_client(a.scheduler, SCHEDULER_TIMEOUT_S)


def run(a: argparse.Namespace, sites, ceiling_path: Path | None) -> int:
    """Compute and write the network's COG (and ceiling COG); print what was written."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from foxbat.coverage.tiled import coverage_to_cog, plan_network
    from foxbat.terrain.builtin import builtin_dem_path

    dem_path = a.dem
    if dem_path is None or str(dem_path).startswith("builtin:"):
        dem_path = str(builtin_dem_path() if dem_path is None else
                       builtin_dem_path(dem_path.removeprefix("builtin:"), where="--dem"))
    out = Path(a.out)
    plan = plan_network(dem_path, a.band, sites, a.k)  # every one-line error before a cluster starts
    client = _client(a)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            ids: dict[str, int] = {}
            names = {"radars": f"coverage: {len(sites)} radar windows", "tiles": "coverage: merging tiles",
                     "cog": "coverage: writing the COG"}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in ids:
                    ids[stage] = bar.add_task(names[stage], total=total)
                bar.update(ids[stage], completed=done, total=total)

            res = coverage_to_cog(plan, out, client, ceiling_out=ceiling_path, progress=progress)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None and a.workers is not None:
            cluster.close()
    written = [str(res.out)] + ([str(res.ceiling_out)] if res.ceiling_out else [])
    where = f"{a.workers} local worker(s)" if a.workers is not None else a.scheduler
    print(f"foxbat coverage: {len(sites)} radar(s) on {dem_path} in {res.n_tiles} tiles on {where}; "
          f"wrote {', '.join(written)} (Cloud Optimized GeoTIFF)")
    workers = max(res.peak_rss_b.values(), default=0)
    print(f"foxbat coverage: peak resident memory {res.client_peak_rss_b / 2**20:.0f} MiB here, "
          f"{workers / 2**20:.0f} MiB in the busiest of {len(res.peak_rss_b)} worker process(es); "
          + ", ".join(f"{k} {v:.1f} s" for k, v in res.stage_s.items()))
    return 0
