"""Network coverage beyond memory: one Dask task per radar window, merged tile by tile into a COG.

``compute_coverage`` holds the whole DEM and the network's rasters in one process. Here
no process holds more than one radar's window (the DEM cells its range reaches, read
with a rasterio window, and that radar's own lowest-height raster) or one output tile:

1. the client plans each radar from the DEM's georeferencing alone (antenna altitude
   from a 2 x 2 read at the site, observer cell, cell size);
2. one task per radar reads its window, runs the line-of-sight kernel on it and saves
   its own raster (and cone-of-silence ceiling) in a scratch folder beside the output;
3. one task per 512 x 512 output tile merges, in radar order, the radars that reach
   it; the client writes each tile into a tiled GeoTIFF and copies that into a
   Cloud Optimized GeoTIFF (GDAL's COG driver: deflate, internal overviews).

The result is the in-memory one bit for bit (tests/test_coverage_tiled.py): the kernel
on a window reaching two cells beyond the radar's range does on each cell exactly what
it does on the whole DEM (its rays stop at the range; the edge tests see the same
limits), and the merge reproduces the in-kernel one, where a radar takes a cell when
its float64 height is below the float32 one held: at a float32 tie between two radars
the later one takes the cell only if its own float64 value lay below (found by a
second kernel pass over that radar, run only where such a tie occurs).

Projected DEMs only (a geographic DEM is warped to a per-radar AEQD grid over the
whole DEM in memory; reproject it first, e.g. ``gdalwarp -t_srs EPSG:326NN``).
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from foxbat.coverage.site import RadarSite
from foxbat.errors import ParameterError

#: output tile (and COG block) size, cells
TILE = 512
#: cells read beyond a radar's range: the kernel's edge tests then see what they see on the whole DEM
WINDOW_MARGIN = 2
#: GDAL's block cache in each process (MB)
GDAL_CACHE_MB = 64

Box = tuple[int, int, int, int]  # row0, row1, col0, col1 (end exclusive)


@dataclass(frozen=True)
class SiteJob:
    """One radar as the tasks need it: everything computed once by the client."""

    index: int  # its index in the network (the radar_index band)
    site: RadarSite
    h0_msl_m: float  # antenna altitude MSL (m)
    r0: int  # observer cell on the DEM grid (off it for a site beyond the DEM's edge)
    c0: int
    cw_m: float  # ground size of a column / row step at the site (m)
    ch_m: float
    grid: Box  # the kernel's grid (DEM rows / columns; beyond the DEM's edge for a site off it)
    win: Box  # the part of the grid on the DEM: the cells this radar can reach
    on_dem: bool  # on the DEM: merged in the kernel (float64 test); off it: by float32 minimum


@dataclass(frozen=True)
class DemRef:
    """Where the tasks read the DEM, and how its cells are read."""

    path: str
    band: int
    nodata: float | None
    shape: tuple[int, int]
    k: float
    floor_m: float


def _peak_rss_b() -> int:
    """This process's peak resident memory (bytes): VmHWM of its own address space on Linux.
    (getrusage's ru_maxrss would also count the parent's memory where the process was
    started by vfork and exec, as subprocess and multiprocessing do.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # KiB on Linux, bytes on macOS


_PARTS_PREFIX = ".foxbat-coverage-parts-"


def remove_stale_parts(folder: Path) -> list[str]:
    """Remove the scratch folders a killed tiled coverage left in ``folder`` (their process,
    named in the folder's name, is gone). Returns their names."""
    import re

    from foxbat.atomic import _pid_alive

    removed = []
    for p in folder.glob(f"{_PARTS_PREFIX}*"):
        m = re.fullmatch(re.escape(_PARTS_PREFIX) + r"(\d+)-\w+", p.name)
        if m and p.is_dir() and not _pid_alive(int(m[1])):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def _pid_peak() -> tuple[int, int]:
    return os.getpid(), _peak_rss_b()


def plan_jobs(dem, sites: Sequence[RadarSite], k: float, floor_m: float) -> list[SiteJob]:
    """Each site's job on a DEM (a lazy one: open_dem(..., lazy=True)); OffMapError for a
    site off the DEM without an antenna altitude, as compute_coverage. The observer cell comes
    from engine.observer_cell, as in engine._single_projected, so the kernel gets the same
    arguments."""
    from foxbat.coverage.engine import antenna_msl_m, observer_cell
    from foxbat.coverage.window_dem import dem_around_sites
    from foxbat.terrain.dem import LazyBand

    nr, nc = dem.shape
    near = dem_around_sites(dem, sites) if isinstance(dem.heights_m, LazyBand) else dem
    h0s = [antenna_msl_m(near, s) for s in sites]  # checks every site before any work
    del near
    jobs = []
    for i, (site, h0) in enumerate(zip(sites, h0s)):
        r0, c0, cw, ch = observer_cell(dem, site)
        on_dem = 0 <= r0 < nr and 0 <= c0 < nc
        # the kernel's steps along either axis stop at the range (its l_range)
        reach = max(int(site.max_range_m / cw * (1.0 + 1e-9)), int(site.max_range_m / ch * (1.0 + 1e-9)))
        reach += WINDOW_MARGIN
        # the whole grid the in-memory kernel sees: the DEM, widened to a site beyond its edge
        g_r0, g_r1 = min(0, r0), max(nr, r0 + 1)
        g_c0, g_c1 = min(0, c0), max(nc, c0 + 1)
        grid = (max(g_r0, r0 - reach), min(g_r1, r0 + reach + 1), max(g_c0, c0 - reach), min(g_c1, c0 + reach + 1))
        win = (max(0, grid[0]), min(nr, grid[1]), max(0, grid[2]), min(nc, grid[3]))
        jobs.append(SiteJob(i, site, float(h0), r0, c0, cw, ch, grid, win, on_dem))
    return jobs


def _empty(box: Box) -> bool:
    return box[1] <= box[0] or box[3] <= box[2]


def _kernel_on_window(job: SiteJob, ref: DemRef) -> tuple[np.ndarray, np.ndarray]:
    """The radar's own lowest visible height (float32, +inf where not reached) on its
    window, and the window's terrain as float32 with NaN at nodata (for the ceiling)."""
    from foxbat.coverage import los
    from foxbat.coverage.engine import SEA_SURFACE_M, _run_kernel
    from foxbat.coverage.window_dem import read_window, valid_heights_f32
    from foxbat.terrain.dem import any_missing

    g0, g1, h0_, h1 = job.grid
    w0, w1, v0, v1 = job.win
    no_idx = np.zeros((1, 1), np.int16)
    if job.on_dem:  # the grid lies on the DEM: the kernel reads the band as it is
        z = read_window(ref.path, ref.band, w0, w1, v0, v1)
        own = los.full(z.shape, np.inf, np.float32)
        _run_kernel(z, ref.nodata, job.r0 - g0, job.c0 - h0_, job.h0_msl_m, job.cw_m, job.ch_m, ref.k, job.site,
                    own, no_idx, 0, ref.floor_m, any_missing(z, ref.nodata))
        return own, z
    # a site beyond the DEM's edge: the cells added are unknown terrain, the sea surface
    zp = np.full((g1 - g0, h1 - h0_), max(ref.floor_m, SEA_SURFACE_M), np.float32)
    z = read_window(ref.path, ref.band, w0, w1, v0, v1)
    zp[w0 - g0:w1 - g0, v0 - h0_:v1 - h0_] = valid_heights_f32(z, ref.nodata)
    op = np.full(zp.shape, np.inf, np.float32)
    _run_kernel(zp, None, job.r0 - g0, job.c0 - h0_, job.h0_msl_m, job.cw_m, job.ch_m, ref.k, job.site, op,
                no_idx, 0, ref.floor_m, any_missing(zp, None))
    return np.ascontiguousarray(op[w0 - g0:w1 - g0, v0 - h0_:v1 - h0_]), z


def _part_path(parts: str, kind: str, index: int) -> str:
    return os.path.join(parts, f"{kind}_{index:05d}.npy")


def _save(path: str, a: np.ndarray) -> None:
    """np.save through a temporary name: a reader never sees half a file."""
    tmp = f"{path}.{os.getpid()}.{os.urandom(6).hex()}.tmp.npy"  # unique: two tiles may save one radar's ties
    np.save(tmp, a)
    os.replace(tmp, path)


def radar_task(job: SiteJob, ref: DemRef, parts: str) -> tuple[int, int]:
    """Compute one radar on its window; save its own raster (and ceiling) in ``parts``.
    Returns (process id, peak resident bytes)."""
    from foxbat.coverage.engine import SEA_SURFACE_M, _ceiling_grid
    from foxbat.coverage.window_dem import valid_heights_f32

    own, z = _kernel_on_window(job, ref)
    _save(_part_path(parts, "own", job.index), own)
    del own
    if job.site.max_elev_deg is not None:
        w0, _, v0, _ = job.win
        ground = np.maximum(valid_heights_f32(z, ref.nodata), SEA_SURFACE_M)
        ceil = _ceiling_grid(z.shape, job.r0 - w0, job.c0 - v0, job.h0_msl_m, job.cw_m, job.ch_m, ref.k, job.site,
                             ground)
        _save(_part_path(parts, "ceil", job.index), ceil)
    return os.getpid(), _peak_rss_b()


def _tie_bits(job: SiteJob, ref: DemRef, parts: str) -> np.ndarray:
    """Where the radar's float64 height lay below the float32 value it wrote (bool, on its
    window): a second kernel pass starting from its own raster marks the cells it lowers."""
    from foxbat.coverage.engine import _run_kernel
    from foxbat.coverage.window_dem import read_window
    from foxbat.terrain.dem import any_missing

    path = _part_path(parts, "tie", job.index)
    if os.path.exists(path):
        return np.load(path)
    w0, w1, v0, v1 = job.win
    z = read_window(ref.path, ref.band, w0, w1, v0, v1)
    out = np.array(np.load(_part_path(parts, "own", job.index)))
    idx = np.zeros(out.shape, np.int16)
    _run_kernel(z, ref.nodata, job.r0 - w0, job.c0 - v0, job.h0_msl_m, job.cw_m, job.ch_m, ref.k, job.site,
                out, idx, 1, ref.floor_m, any_missing(z, ref.nodata))
    bits = idx == 1
    _save(path, bits)
    return bits


def _overlap(tile: Box, win: Box) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
    """The slices of the tile and of the window where they meet, or None."""
    r0, r1 = max(tile[0], win[0]), min(tile[1], win[1])
    c0, c1 = max(tile[2], win[2]), min(tile[3], win[3])
    if r1 <= r0 or c1 <= c0:
        return None
    return ((slice(r0 - tile[0], r1 - tile[0]), slice(c0 - tile[2], c1 - tile[2])),
            (slice(r0 - win[0], r1 - win[0]), slice(c0 - win[2], c1 - win[2])))


def tile_task(tile: Box, jobs: Sequence[SiteJob], ref: DemRef, parts: str, multi: bool, want_ceiling: bool):
    """Merge the radars reaching one tile, in network order, as compute_coverage does.

    Returns (tile, lowest height float32 with +inf where none reaches, radar index int16
    (-1: none) or None, ceiling float32 (NaN: none) or None, (pid, peak resident bytes)).
    """
    shape = (tile[1] - tile[0], tile[3] - tile[2])
    low = np.full(shape, np.inf, np.float32)
    idx = np.full(shape, -1, np.int16) if multi else None
    ceiling = np.full(shape, np.nan, np.float32) if want_ceiling else None
    for job in jobs:
        sl = _overlap(tile, job.win)
        if sl is None:
            continue
        t_sl, w_sl = sl
        part = np.load(_part_path(parts, "own", job.index), mmap_mode="r")[w_sl]
        held = low[t_sl]  # a view: updated in place
        better = part < held
        if job.on_dem:
            # the kernel lowers a cell when its float64 value is below the float32 held
            tie = (part == held) & (part > 0) & np.isfinite(part)
            if tie.any():
                better |= tie & _tie_bits(job, ref, parts)[w_sl]
        np.copyto(held, part, where=better)
        if idx is not None:
            idx[t_sl][better] = job.index
        if ceiling is not None and job.site.max_elev_deg is not None:
            c = ceiling[t_sl]
            np.fmax(c, np.load(_part_path(parts, "ceil", job.index), mmap_mode="r")[w_sl], out=c)
    if ceiling is not None:
        ceiling[np.isinf(low)] = np.nan  # the ceiling matters only where some radar sees the cell
    return tile, low, idx, ceiling, (os.getpid(), _peak_rss_b())


def tiles_of(shape: tuple[int, int], size: int = TILE) -> list[Box]:
    """The output tiles, row by row."""
    nr, nc = shape
    return [(r, min(r + size, nr), c, min(c + size, nc)) for r in range(0, nr, size) for c in range(0, nc, size)]


@dataclass
class TiledResult:
    """What the tiled path did: the files, and each process's peak resident memory."""

    out: Path
    ceiling_out: Path | None
    n_radars: int
    n_tiles: int
    peak_rss_b: dict[int, int]  # process id -> peak bytes: the worker processes (and their nannies)
    client_peak_rss_b: int  # the client's own (it writes the tiles and the COG)
    stage_s: dict[str, float]  # wall time of each stage: radars, tiles, cog


@dataclass(frozen=True)
class NetworkPlan:
    """A network checked and planned from the DEM's georeferencing, before any cluster work."""

    dem_name: str
    shape: tuple[int, int]
    crs: object
    transform: object
    sites: list[RadarSite]
    jobs: list[SiteJob]
    ref: DemRef

    @property
    def want_ceiling(self) -> bool:
        return any(s.max_elev_deg is not None for s in self.sites)


def plan_network(dem_path: str, band: int | None, sites: Sequence[RadarSite], k: float, *,
                 sea_floor: bool = True) -> NetworkPlan:
    """Open the DEM lazily and plan every radar: the one-line errors (a DEM GDAL cannot
    read, a geographic DEM, a site off the DEM) come here, before a cluster starts."""
    from foxbat.coverage.engine import SEA_SURFACE_M
    from foxbat.geo import check_k
    from foxbat.terrain.dem import open_dem

    k = check_k(k)
    dem = open_dem(dem_path, band, lazy=True)
    if dem.is_geographic:
        raise ParameterError(
            f"{dem.name} is in geographic coordinates; the tiled coverage (--workers / --scheduler) needs a "
            "projected DEM: reproject it first (e.g. gdalwarp -t_srs EPSG:326NN for UTM zone NN), or drop "
            "--workers / --scheduler", where="--dem")
    sites = list(sites)
    if not sites:
        raise ValueError("at least one radar site is needed")
    floor_m = SEA_SURFACE_M if sea_floor else -math.inf
    jobs = plan_jobs(dem, sites, k, floor_m)
    ref = DemRef(dem.heights_m.path, dem.heights_m.band, dem.nodata, dem.shape, k, floor_m)
    return NetworkPlan(dem.name, dem.shape, dem.crs, dem.transform, sites, jobs, ref)


def coverage_to_cog(
    plan: NetworkPlan,
    out: str | os.PathLike,
    client,
    *,
    ceiling_out: str | os.PathLike | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    tile: int = TILE,
) -> TiledResult:
    """The network's coverage on Dask (``client``), written as a COG at ``out`` with the
    bands of foxbat.coverage.raster_io.write_coverage_tif; the ceiling (m AGL) as a COG at
    ``ceiling_out`` when a site has a maximum elevation. ``progress(stage, done, total)``
    is called as radars and tiles finish."""
    from distributed import as_completed

    sites, jobs, ref, dem, k = plan.sites, plan.jobs, plan.ref, plan, plan.ref.k
    multi = len(sites) > 1
    want_ceiling = plan.want_ceiling
    if want_ceiling and ceiling_out is None:
        raise ValueError("a site has a maximum elevation: give ceiling_out")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out.parent)
    parts = tempfile.mkdtemp(prefix=f"{_PARTS_PREFIX}{os.getpid()}-", dir=out.parent)
    peaks: dict[int, int] = {}
    import rasterio

    env = rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB)

    def note(pid_peak):
        pid, peak = pid_peak
        peaks[pid] = max(peaks.get(pid, 0), peak)

    env.__enter__()  # the client's GDAL cache: it writes every tile and the COG
    import time

    clock = [time.perf_counter()]
    stage_s: dict[str, float] = {}

    def lap(name: str) -> None:
        now = time.perf_counter()
        stage_s[name] = now - clock[0]
        clock[0] = now

    try:
        live = [j for j in jobs if not _empty(j.win)]
        futures = client.map(radar_task, live, ref=ref, parts=parts, pure=False, key=[
            f"foxbat-radar-{j.index}-{os.urandom(4).hex()}" for j in live])
        for n, fut in enumerate(as_completed(futures), start=1):
            note(fut.result())
            fut.release()
            if progress:
                progress("radars", n, len(live))
        del futures
        lap("radars")
        tiles = tiles_of(dem.shape, tile)
        lowest, index, ceil = _open_merged(parts, dem, multi, want_ceiling, k, tile)
        try:
            reach = {}
            for t in tiles:
                reach[t] = [j for j in live if _overlap(t, j.win) is not None]
            busy = [t for t in tiles if reach[t]]
            for t in tiles:  # tiles no radar reaches: written here, no task
                if not reach[t]:
                    _write_tile(lowest, index, ceil, t, None, None, None)
            # a few tiles in flight per worker: finished tiles wait in the workers' memory until
            # this process has written them, so a free-running queue would pile them up there
            ahead = 2 * max(1, len(client.scheduler_info().get("workers", {}))) + 2
            todo = iter(busy)

            def submit_next(queue) -> None:
                t_next = next(todo, None)
                if t_next is not None:
                    queue.add(client.submit(tile_task, t_next, reach[t_next], ref, parts, multi, want_ceiling,
                                            pure=False, key=f"foxbat-tile-{t_next[0]}-{t_next[2]}-"
                                                            f"{os.urandom(4).hex()}"))

            queue = as_completed()
            for _ in range(ahead):
                submit_next(queue)
            for n, fut in enumerate(queue, start=1):
                t, low, idx, c, pid_peak = fut.result()
                fut.release()
                submit_next(queue)
                note(pid_peak)
                _write_tile(lowest, index, ceil, t, low, idx, c)
                if progress:
                    progress("tiles", n, len(busy))
        finally:
            for ds in (lowest, ceil):
                if ds is not None:
                    ds.close()
        lap("tiles")
        if progress:
            progress("cog", 0, 1)
        for src, dst in ((os.path.join(parts, "merged.tif"), out),
                         (os.path.join(parts, "ceiling.tif"), Path(ceiling_out) if want_ceiling else None)):
            if dst is not None:
                add_overviews(src)
                write_cog(src, dst)
        lap("cog")
        if progress:
            progress("cog", 1, 1)
        try:  # nanny processes (a LocalCluster's nannies run in this process: not counted twice)
            for pid, peak in client.run(_pid_peak, nanny=True).values():
                if pid != os.getpid():
                    peaks[pid] = max(peaks.get(pid, 0), peak)
        except Exception:  # noqa: BLE001 - memory figures are a report, never a failure
            pass
    finally:
        env.__exit__(None, None, None)
        shutil.rmtree(parts, ignore_errors=True)
    return TiledResult(out, Path(ceiling_out) if want_ceiling else None, len(sites), len(tiles), peaks,
                       _peak_rss_b(), stage_s)


def _open_merged(parts: str, dem: NetworkPlan, multi: bool, want_ceiling: bool, dem_k: float, tile: int):
    """The tiled, uncompressed GeoTIFFs the tiles are written into (the COG's sources)."""
    import rasterio

    from foxbat.coverage.raster_io import NODATA, ceiling_tags, coverage_tags

    profile = dict(driver="GTiff", width=dem.shape[1], height=dem.shape[0], dtype="float32", crs=dem.crs,
                   transform=dem.transform, nodata=NODATA, tiled=True, blockxsize=tile, blockysize=tile,
                   interleave="band", BIGTIFF="IF_SAFER")
    lowest = rasterio.open(os.path.join(parts, "merged.tif"), "w", count=2 if multi else 1, **profile)
    lowest.set_band_description(1, "lowest_visible_height_agl_m")
    lowest.update_tags(**coverage_tags(dem_k, [s.name for s in dem.sites]))
    if multi:
        lowest.set_band_description(2, "radar_index")
    ceil = None
    if want_ceiling:
        ceil = rasterio.open(os.path.join(parts, "ceiling.tif"), "w", count=1, **profile)
        ceil.set_band_description(1, "ceiling_agl_m")
        ceil.update_tags(**ceiling_tags(dem_k))
    return lowest, (2 if multi else None), ceil


def _write_tile(lowest, index, ceil, tile: Box, low, idx, c) -> None:
    """One tile into the merged rasters, as write_float_raster writes the in-memory arrays:
    no radar: NODATA; radar index -1: NODATA; a NaN ceiling: NODATA."""
    from rasterio.windows import Window

    from foxbat.coverage.raster_io import NODATA

    shape = (tile[1] - tile[0], tile[3] - tile[2])
    w = Window(tile[2], tile[0], shape[1], shape[0])
    nd = np.float32(NODATA)
    if low is None:
        lowest.write(np.full(shape, nd, np.float32), 1, window=w)
        if index is not None:
            lowest.write(np.full(shape, nd, np.float32), index, window=w)
        if ceil is not None:
            ceil.write(np.full(shape, nd, np.float32), 1, window=w)
        return
    band1 = low.copy()
    band1[np.isinf(band1)] = nd  # compute_coverage's fill: NODATA where no radar reaches
    lowest.write(band1, 1, window=w)
    if index is not None:
        b2 = idx.astype(np.float32)
        b2[idx < 0] = nd
        lowest.write(b2, index, window=w)
    if ceil is not None:
        cc = c.copy()
        cc[np.isnan(cc)] = nd
        ceil.write(cc, 1, window=w)


def overview_factors(shape: tuple[int, int], block: int = TILE) -> list[int]:
    """2, 4, 8, ... down to the first level that fits in one block (the COG driver's AUTO)."""
    factors, f = [], 2
    while max(shape) > block:
        factors.append(f)
        if -(-max(shape) // f) <= block:
            break
        f *= 2
    return factors


def add_overviews(path: str) -> None:
    """Nearest-neighbour overviews inside the uncompressed tiled GeoTIFF: the COG driver then
    compresses each overview block once (it halves the COG step against letting it build
    them in a compressed temporary file: 28 s against 55 s on an 8001 x 8001 network)."""
    import rasterio
    from rasterio.enums import Resampling

    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_TIFF_OVR_BLOCKSIZE=TILE), rasterio.open(path, "r+") as ds:
        factors = overview_factors(ds.shape)
        if factors:
            ds.build_overviews(factors, Resampling.nearest)


def write_cog(src: str, dst: Path) -> Path:
    """Copy a tiled GeoTIFF (with its overviews: add_overviews) into a Cloud Optimized GeoTIFF
    (GDAL's COG driver: 512-cell deflate blocks with the floating-point predictor; nearest-
    neighbour overviews keep radar indices whole), atomically; the blocks are compressed on
    every core (the workers are idle by then)."""
    import rasterio
    from rasterio.shutil import copy as rio_copy

    from foxbat.atomic import atomic_output

    with atomic_output(dst) as tmp, rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):  # noqa: SIM117
        rio_copy(src, str(tmp), driver="COG", COMPRESS="DEFLATE", PREDICTOR="YES", BLOCKSIZE=str(TILE),
                 OVERVIEWS="FORCE_USE_EXISTING", OVERVIEW_RESAMPLING="NEAREST", BIGTIFF="IF_SAFER",
                 NUM_THREADS="ALL_CPUS")
    return dst


def cog_problems(path: str | os.PathLike) -> list[str]:
    """Why a GeoTIFF is not a Cloud Optimized GeoTIFF ([] when it is), after GDAL's
    validate_cloud_optimized_geotiff.py: tiled, with the COG layout GDAL writes (the
    IFDs before the data, LAYOUT=COG), each overview tiled and halving."""
    import rasterio

    problems = []
    with rasterio.open(path) as ds:
        if ds.driver != "GTiff":
            problems.append(f"driver {ds.driver}, not GTiff")
        struct = ds.tags(ns="IMAGE_STRUCTURE")
        if struct.get("LAYOUT") != "COG":
            problems.append("no LAYOUT=COG (the IFDs are not laid out before the image data)")
        for b in range(1, ds.count + 1):
            bh, bw = ds.block_shapes[b - 1]
            if bw == ds.width and ds.width > TILE:
                problems.append(f"band {b} is stripped, not tiled")
        ovr = ds.overviews(1)
        if max(ds.shape) > TILE and not ovr:
            problems.append("no overviews")
        if ovr != sorted(ovr):
            problems.append("overviews not in decreasing size")
    return problems
