#!/usr/bin/env python
"""foxbat coverage beyond memory: the tiled Dask path against the in-memory one.

A network of radars of 150 km range over a synthetic N x N DEM (default 20001 x 20001
cells of 90 m, SRTM-3's spacing, int16 as SRTM is stored: an 1800 km square in UTM 54N
around 43N 141E; 100 radars on a jittered 10 x 10 lattice 180 km apart, antennas
20-40 m above ground, so neighbouring ranges overlap). The DEM is written strip by strip
to a tiled GeoTIFF in bench-out/ (git-ignored) by a child process (this process stays
small: its children's memory figures are theirs).

For each repeat, interleaved:
  tiled:     foxbat coverage --sites S --dem D --workers W  (wall time; each process's
             own peak resident memory, VmHWM, as the command prints it: the client, which
             also runs the scheduler and writes the COG, and the busiest worker)
  in-memory: foxbat coverage --sites S --dem D  (wall time and peak RSS from /usr/bin/time)
and checks that the two rasters are identical (read 512 rows at a time). --no-memory
skips the in-memory runs (where the machine cannot hold the DEM and three rasters of it).

    python benchmarks/coverage_dask.py                              # 20001^2, 100 radars, 1 repeat
    python benchmarks/coverage_dask.py --size 5001 --radars 25 --repeats 3   # the scaled-down case
Figures go to bench-out/coverage_dask_<size>_<radars>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
CRS = "EPSG:32654"  # UTM 54N
CX, CY = 500000.0, 4760000.0  # about 43.0N 141.0E
CELL_M = 90.0
RANGE_KM = 150.0

# the DEM is built in a child: python -c with this code (N, path)
_DEM_CODE = r"""
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
n, path, cell, cx, cy, crs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
tr = from_origin(cx - n / 2 * cell, cy + n / 2 * cell, cell, cell)
x = np.arange(n, dtype=np.float64)
with rasterio.open(path + ".tmp", "w", driver="GTiff", width=n, height=n, count=1, dtype="int16", crs=crs,
                   transform=tr, tiled=True, blockxsize=512, blockysize=512, BIGTIFF="IF_SAFER") as ds:
    for r0 in range(0, n, 512):
        y = np.arange(r0, min(n, r0 + 512), dtype=np.float64)
        # ridges 5-20 km apart up to ~1500 m, a coastal plain, a sea (below 0) in the south-east
        z = 600 * np.outer(np.cos(y / 131.0), np.sin(x / 97.0))
        z += 450 * (np.outer(np.cos(y / 53.0), np.sin(x / 61.0)) + np.outer(np.sin(y / 211.0), np.cos(x / 173.0)))
        z += 60 * np.outer(np.sin(y * 0.41), np.sin(x * 0.37)) + 400
        z -= 900 * np.outer(np.clip((y - 0.6 * n) / (0.4 * n), 0, 1), np.clip((x - 0.6 * n) / (0.4 * n), 0, 1))
        ds.write(np.clip(z, -500, 3000).astype(np.int16), 1, window=Window(0, r0, n, len(y)))
import os; os.replace(path + ".tmp", path)
"""


def build_dem(n: int) -> Path:
    path = OUT / f"coverage_dask_dem_{n}.tif"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", _DEM_CODE, str(n), str(path), str(CELL_M), str(CX), str(CY), CRS],
                       check=True)
        print(f"built {path.name} ({n} x {n} int16, {n * CELL_M / 1000:.0f} km square) in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    return path


def write_sites(n: int, n_radars: int) -> Path:
    """n_radars on a jittered square lattice over the DEM (seeded), 150 km each."""
    import numpy as np
    from pyproj import Transformer

    side = int(math.ceil(math.sqrt(n_radars)))
    rng = np.random.default_rng(14)
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    extent = n * CELL_M
    step = extent / side
    path = OUT / f"coverage_dask_sites_{n}_{n_radars}.csv"
    with open(path, "w") as f:
        f.write("name,lat,lon,antenna_agl_m,max_range_km\n")
        for i in range(n_radars):
            r, c = divmod(i, side)
            x = CX - extent / 2 + (c + 0.5 + rng.uniform(-0.3, 0.3)) * step
            y = CY + extent / 2 - (r + 0.5 + rng.uniform(-0.3, 0.3)) * step
            lon, lat = to_ll.transform(x, y)
            f.write(f"r{i:03d},{lat:.6f},{lon:.6f},{rng.uniform(20, 40):.1f},{RANGE_KM:g}\n")
    return path


def foxbat_cmd() -> list[str]:
    return [sys.executable, "-m", "foxbat.cli"]


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO / "src"))


def run_tiled(dem: Path, sites: Path, out: Path, workers: int) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run(foxbat_cmd() + ["coverage", "--dem", str(dem), "--sites", str(sites), "--out", str(out),
                                       "--workers", str(workers)], capture_output=True, text=True, env=env())
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"tiled run failed:\n{p.stderr[-3000:]}")
    m = re.search(r"peak resident memory (\d+) MiB here, (\d+) MiB in the busiest of (\d+)", p.stdout)
    stages = {k: float(v) for k, v in re.findall(r"(radars|tiles|cog) ([\d.]+) s", p.stdout)}
    return {"wall_s": wall, "client_peak_mib": int(m[1]), "worker_peak_mib": int(m[2]), "processes": int(m[3]) + 1,
            "stage_s": stages}


def run_in_memory(dem: Path, sites: Path, out: Path) -> dict:
    tfile = out.with_suffix(".time")
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", str(tfile)] + foxbat_cmd()
                       + ["coverage", "--dem", str(dem), "--sites", str(sites), "--out", str(out)],
                       capture_output=True, text=True, env=env())
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return {"failed": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
    _, kib = tfile.read_text().split()[-2:]
    return {"wall_s": wall, "peak_mib": int(kib) / 1024}


def identical(a: Path, b: Path) -> bool:
    """Every band equal, read 512 rows at a time."""
    import numpy as np
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(a) as x, rasterio.open(b) as y:
        if (x.count, x.shape) != (y.count, y.shape):
            return False
        for r0 in range(0, x.height, 512):
            w = Window(0, r0, x.width, min(512, x.height - r0))
            if not np.array_equal(x.read(window=w), y.read(window=w)):
                return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=20001, help="DEM cells per side (default 20001)")
    ap.add_argument("--radars", type=int, default=100, help="number of radars (default 100)")
    ap.add_argument("--workers", type=int, default=2, help="local Dask worker processes (default 2)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--no-memory", action="store_true", help="skip the in-memory path")
    a = ap.parse_args()
    dem = build_dem(a.size)
    sites = write_sites(a.size, a.radars)
    dem_mib = a.size * a.size * 2 / 2**20
    print(f"{a.radars} radars of {RANGE_KM:g} km on {a.size} x {a.size} cells of {CELL_M:g} m "
          f"(int16 DEM: {dem_mib:.0f} MiB in memory); {a.workers} workers; {os.cpu_count()} cores", flush=True)
    tiled, mem, same = [], [], []
    for i in range(a.repeats):
        t_out = OUT / f"coverage_dask_tiled_{a.size}" / "cov.tif"
        tiled.append(run_tiled(dem, sites, t_out, a.workers))
        print(f"  tiled     #{i + 1}: {tiled[-1]}", flush=True)
        if not a.no_memory:
            m_out = OUT / f"coverage_dask_mem_{a.size}" / "cov.tif"
            mem.append(run_in_memory(dem, sites, m_out))
            print(f"  in-memory #{i + 1}: {mem[-1]}", flush=True)
            if "failed" not in mem[-1]:
                same.append(identical(t_out, m_out))
                print(f"  identical: {same[-1]}", flush=True)

    def med(rows, key):
        vals = [r[key] for r in rows if key in r]
        return statistics.median(vals) if vals else None

    res = {"size": a.size, "cell_m": CELL_M, "radars": a.radars, "range_km": RANGE_KM, "workers": a.workers,
           "dem_in_memory_mib": dem_mib, "repeats": a.repeats,
           "tiled": {"wall_s": med(tiled, "wall_s"), "client_peak_mib": med(tiled, "client_peak_mib"),
                     "worker_peak_mib": med(tiled, "worker_peak_mib"),
                     "stage_s": {k: statistics.median(r["stage_s"][k] for r in tiled)
                                 for k in ("radars", "tiles", "cog")}, "runs": tiled},
           "in_memory": {"wall_s": med(mem, "wall_s"), "peak_mib": med(mem, "peak_mib"), "runs": mem},
           "identical": same}
    path = OUT / f"coverage_dask_{a.size}_{a.radars}.json"
    path.write_text(json.dumps(res, indent=1))
    t, m = res["tiled"], res["in_memory"]
    print(f"tiled ({a.workers} workers): {t['wall_s']:.1f} s, peak {t['client_peak_mib']:.0f} MiB client, "
          f"{t['worker_peak_mib']:.0f} MiB busiest worker (medians of {a.repeats}); stages: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in t["stage_s"].items()))
    if m["wall_s"] is not None:
        print(f"in-memory: {m['wall_s']:.1f} s, peak {m['peak_mib']:.0f} MiB; identical: {all(same)}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
