"""`foxbat coverage --workers / --scheduler`: the network on Dask, one radar window per task,
merged by tile into a COG. The oracle is the in-memory path (compute_coverage and
write_coverage_tif): every band identical, bit for bit."""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window

from foxbat.cli import main
from foxbat.coverage import tiled
from foxbat.coverage.tiled import cog_problems, coverage_to_cog, plan_network

UTM54 = "EPSG:32654"
CX, CY = 500000.0, 4760000.0  # about 43.0 N, 141.0 E
TO_LATLON = Transformer.from_crs(UTM54, "EPSG:4326", always_xy=True)


def hills(r0: int, nr: int, nc: int, seed: int = 0) -> np.ndarray:
    """Rows r0..r0+nr-1 of a synthetic terrain (m MSL): ridges up to about 900 m, sea below 0."""
    x, y = np.arange(nc, dtype=np.float64), np.arange(r0, r0 + nr, dtype=np.float64)
    # sums of separable terms (outer products): a large DEM is written in seconds
    z = 400 * np.outer(np.cos(y / 131.0), np.sin(x / 97.0 + seed))
    z += 300 * (np.outer(np.cos(y / 53.0), np.sin(x / 53.0)) + np.outer(np.sin(y / 53.0), np.cos(x / 53.0)))
    z += 40 * np.outer(np.sin(y * 0.41), np.sin(x * 0.37)) + 200
    return z


def write_dem(path, nr, nc, cell_m, dtype="float32", nodata=None, hole=None, strip=512, compress="deflate"):
    """A tiled GeoTIFF DEM written a strip at a time (never whole in memory)."""
    tr = from_origin(CX - nc / 2 * cell_m, CY + nr / 2 * cell_m, cell_m, cell_m)
    with rasterio.open(path, "w", driver="GTiff", width=nc, height=nr, count=1, dtype=dtype, crs=UTM54,
                       transform=tr, nodata=nodata, tiled=True, blockxsize=256, blockysize=256,
                       compress=compress) as ds:
        for r0 in range(0, nr, strip):
            n = min(strip, nr - r0)
            z = hills(r0, n, nc).astype(dtype)
            if hole is not None:  # a nodata patch (rows, cols)
                (a, b), (c, d) = hole
                rows = np.arange(r0, r0 + n)
                z[(rows >= a) & (rows < b), c:d] = nodata
            ds.write(z, 1, window=Window(0, r0, nc, n))
    return path


def site_at(x_frac, y_frac, nr, nc, cell_m):
    """lat, lon of a point at fractions of the DEM's width and height from its centre."""
    lon, lat = TO_LATLON.transform(CX + x_frac * nc * cell_m, CY + y_frac * nr * cell_m)
    return lat, lon


def write_sites(path, rows):
    cols = ["name", "lat", "lon", "antenna_agl_m", "antenna_msl_m", "max_range_km", "min_elev_deg", "max_elev_deg"]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join("" if r.get(c) is None else str(r[c]) for c in cols) + "\n")
    return path


@pytest.fixture(scope="module")
def client():
    """An in-process Dask cluster (threads): the tasks' results do not depend on where they run."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0",
                           protocol="tcp://")  # reachable from another process (the --scheduler test)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """An int16 DEM with a nodata patch, and a network exercising every merge rule: two
    radars on one spot (float32 ties, settled by the float64 values), a cone of silence,
    a lowest beam elevation, and a radar beyond the DEM's east edge."""
    d = tmp_path_factory.mktemp("tiled")
    nr, nc, cell = 700, 900, 30.0
    dem = write_dem(d / "dem.tif", nr, nc, cell, dtype="int16", nodata=-32768, hole=((300, 340), (100, 180)))
    a = site_at(-0.2, 0.1, nr, nc, cell)
    b = site_at(0.25, -0.2, nr, nc, cell)
    off = site_at(0.53, 0.05, nr, nc, cell)
    rows = [dict(name="twin1", lat=a[0], lon=a[1], antenna_agl_m=19, max_range_km=9),
            dict(name="twin2", lat=a[0], lon=a[1], antenna_agl_m=19, max_range_km=9),
            dict(name="cone", lat=b[0], lon=b[1], antenna_agl_m=25, max_range_km=8, max_elev_deg=20),
            dict(name="low", lat=b[0] + 0.01, lon=b[1] - 0.05, antenna_agl_m=10, max_range_km=6, min_elev_deg=0.5),
            dict(name="offshore", lat=off[0], lon=off[1], antenna_msl_m=150, max_range_km=7)]
    sites = write_sites(d / "sites.csv", rows)
    return d, dem, sites


def read_all(path):
    with rasterio.open(path) as ds:
        return ds.read(), ds.tags(), ds.descriptions, ds.nodata, ds.transform, ds.crs


def in_memory(d, dem, sites, name, capsys):
    out = d / name / "cov.tif"
    assert main(["coverage", "--dem", str(dem), "--sites", str(sites), "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def test_tiled_network_is_the_in_memory_one_bit_for_bit(network, client, capsys):
    d, dem, sites_csv = network
    ref_out = in_memory(d, dem, sites_csv, "mem", capsys)
    from foxbat.scenario.radars import sites_and_types

    sites, _ = sites_and_types(str(sites_csv), {})
    plan = plan_network(str(dem), None, sites, 4.0 / 3.0)
    out = d / "tiled" / "cov.tif"
    # 128-cell tiles: the windows of every radar straddle several tiles
    res = coverage_to_cog(plan, out, client, ceiling_out=d / "tiled" / "cov.ceiling.tif", tile=128)
    assert res.n_tiles == 6 * 8
    want, got = read_all(ref_out), read_all(out)
    assert want[0].shape == got[0].shape == (2, 700, 900)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1:] == want[1:]  # tags (radar names, k), band names, nodata, grid
    w_ceil, g_ceil = read_all(ref_out.with_suffix(".ceiling.tif")), read_all(res.ceiling_out)
    np.testing.assert_array_equal(g_ceil[0], w_ceil[0])
    assert g_ceil[1:] == w_ceil[1:]
    assert cog_problems(out) == [] and cog_problems(res.ceiling_out) == []
    assert cog_problems(ref_out)  # the in-memory GeoTIFF is striped: the check can say no
    idx = got[0][1]
    # every rule was exercised: the later twin takes the cells where its float64 height lay
    # below the float32 one the first twin wrote (a tie in float32), the offshore radar
    # reaches the DEM, the cone of silence and the nodata patch are there
    assert (idx == 0).sum() > 1000 and (idx == 1).sum() > 1000
    assert (idx == 4).sum() > 1000 and (idx == 3).sum() > 100
    assert (g_ceil[0][0] != -9999).sum() > 1000
    assert (got[0][0][300:340, 100:180] == -9999).all()
    # the scratch folder is gone
    assert sorted(p.name for p in (d / "tiled").iterdir()) == [".foxbat-manifest.json", "cov.ceiling.tif", "cov.tif"] \
        or sorted(p.name for p in (d / "tiled").iterdir()) == ["cov.ceiling.tif", "cov.tif"]


def test_a_single_radar_has_no_index_band(tmp_path, client, capsys):
    dem = write_dem(tmp_path / "dem.tif", 400, 300, 50.0, dtype="float32")
    lat, lon = site_at(0.1, 0.0, 400, 300, 50.0)
    sites_csv = write_sites(tmp_path / "one.csv", [dict(name="solo", lat=lat, lon=lon, antenna_agl_m=30,
                                                        max_range_km=30)])
    ref_out = in_memory(tmp_path, dem, sites_csv, "mem", capsys)
    from foxbat.scenario.radars import sites_and_types

    sites, _ = sites_and_types(str(sites_csv), {})
    out = tmp_path / "tiled.tif"
    coverage_to_cog(plan_network(str(dem), None, sites, 1.2), out, client, tile=128)
    # a different k: the reference must be recomputed with it
    ref_out2 = tmp_path / "mem2" / "cov.tif"
    assert main(["coverage", "--dem", str(dem), "--sites", str(sites_csv), "--k", "1.2", "--out", str(ref_out2)]) == 0
    want, got = read_all(ref_out2), read_all(out)
    assert got[0].shape == (1, 400, 300)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1:] == want[1:]
    assert not np.array_equal(read_all(ref_out)[0], got[0])  # k matters: the comparison can fail


@pytest.mark.slow
def test_cli_workers_stay_under_a_memory_cap_the_dem_exceeds(tmp_path):
    """foxbat coverage --workers 2 over a 6400 x 6400 float64 DEM (312 MiB in memory): no process of the
    command (client, nannies, workers) reaches 300 MiB, and the COG is the in-memory result."""
    # 300 MiB: under the DEM's 312 MiB, over the ~220 MiB a windowed worker peaks at (a worker that
    # reads the whole DEM peaks at ~419 MiB); 256 left only ~35 MiB for library and allocator drift
    cap_b = 300 * 2**20
    n, cell = 6400, 30.0
    dem = write_dem(tmp_path / "big.tif", n, n, cell, dtype="float64", compress=None)
    assert n * n * 8 > cap_b  # the DEM alone would not fit under the cap
    rows = []
    for i, (fx, fy) in enumerate([(-0.3, 0.3), (0.0, 0.0), (0.35, -0.25), (0.1, 0.4), (-0.4, -0.4)]):
        lat, lon = site_at(fx, fy, n, n, cell)
        rows.append(dict(name=f"r{i}", lat=lat, lon=lon, antenna_agl_m=15 + 5 * i, max_range_km=12))
    sites_csv = write_sites(tmp_path / "sites.csv", rows)
    out = tmp_path / "out" / "cov.tif"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    p = subprocess.run([sys.executable, "-m", "foxbat.cli", "coverage", "--dem", str(dem), "--sites", str(sites_csv),
                        "--out", str(out), "--workers", "2"], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    # each process's own peak (VmHWM): the client (it also runs the scheduler and writes the COG),
    # the two workers and their nannies
    m = re.search(r"peak resident memory (\d+) MiB here, (\d+) MiB in the busiest of (\d+) worker", p.stdout)
    assert m, p.stdout
    client_mib, worker_mib, n_proc = (int(g) for g in m.groups())
    assert n_proc >= 2
    assert 0 < client_mib < cap_b / 2**20 and 0 < worker_mib < cap_b / 2**20, p.stdout
    assert cog_problems(out) == []
    # the oracle, here in memory (this test process may hold the DEM)
    from foxbat.coverage import compute_coverage
    from foxbat.coverage.raster_io import NODATA
    from foxbat.scenario.radars import sites_and_types

    sites, _ = sites_and_types(str(sites_csv), {})
    cov = compute_coverage(str(dem), sites, fill=NODATA)
    with rasterio.open(out) as ds:
        got = ds.read(1)
        np.testing.assert_array_equal(got, cov.lowest_agl_m)
        idx = ds.read(2)
    want_idx = cov.radar_index.astype(np.float32)
    want_idx[cov.radar_index < 0] = NODATA
    np.testing.assert_array_equal(idx, want_idx)
    # five radars of 12 km on 30 m cells, apart: about pi * 400**2 = 502,655 cells each
    assert 0.95 * 5 * math.pi * 400**2 < (got != NODATA).sum() <= 5 * math.pi * 400**2


# ------------------------------------------------------------------ one-line errors (exit 2)

@pytest.fixture
def small(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", 200, 200, 50.0)
    lat, lon = site_at(0.0, 0.0, 200, 200, 50.0)
    sites = write_sites(tmp_path / "sites.csv", [dict(name="a", lat=lat, lon=lon, antenna_agl_m=10,
                                                      max_range_km=3)])
    return tmp_path, dem, sites


def _fails(args, capsys, *words):
    rc = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_unreachable_scheduler_is_a_one_line_error(small, capsys, monkeypatch):
    from foxbat.coverage import tiled_cli

    monkeypatch.setattr(tiled_cli, "SCHEDULER_TIMEOUT_S", 1.0)
    d, dem, sites = small
    out = d / "o" / "cov.tif"
    _fails(["coverage", "--dem", dem, "--sites", sites, "--out", out, "--scheduler", "tcp://127.0.0.1:1"], capsys,
           "--scheduler tcp://127.0.0.1:1", "cannot reach a Dask scheduler")
    assert not out.exists()
    _fails(["coverage", "--dem", dem, "--sites", sites, "--out", out, "--scheduler", "no such scheme://x"], capsys,
           "--scheduler", "cannot reach")


@pytest.mark.parametrize("extra, words", [
    (["--workers", "0"], ["--workers", ">= 1"]),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], ["--workers", "not both"]),
    (["--workers", "2", "--png", "m.png"], ["--png", "not with --workers"]),
    (["--scheduler", "tcp://127.0.0.1:8786", "--geojson", "c.geojson"], ["--geojson", "not with --scheduler"]),
    (["--workers", "2", "--rcs", "5"], ["--rcs", "not with --workers"]),
])
def test_bad_options(small, capsys, extra, words):
    d, dem, sites = small
    _fails(["coverage", "--dem", dem, "--sites", sites, "--out", d / "o" / "cov.tif", *extra], capsys, *words)


def test_bad_inputs_fail_before_a_cluster_starts(small, capsys, monkeypatch):
    from foxbat.coverage import tiled_cli

    def no_cluster(a):
        raise AssertionError("a cluster was started for a bad input")

    monkeypatch.setattr(tiled_cli, "_client", no_cluster)
    d, dem, sites = small
    out = d / "o" / "cov.tif"
    _fails(["coverage", "--dem", dem, "--sites", d / "missing.csv", "--out", out, "--workers", "2"], capsys,
           "missing.csv", "no such file")
    lat, lon = site_at(3.0, 0.0, 200, 200, 50.0)  # 30 km east of a 10 km DEM, no antenna altitude
    far = write_sites(d / "far.csv", [dict(name="far", lat=lat, lon=lon, antenna_agl_m=10, max_range_km=3)])
    _fails(["coverage", "--dem", dem, "--sites", far, "--out", out, "--workers", "2"], capsys,
           "site far", "outside the DEM")
    _fails(["coverage", "--dem", d / "nope.tif", "--sites", sites, "--out", out, "--workers", "2"], capsys,
           "--dem", "no such file")
    geo = d / "geo.tif"
    with rasterio.open(geo, "w", driver="GTiff", width=50, height=50, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(140.9, 43.1, 0.005, 0.005)) as ds:
        ds.write(np.full((50, 50), 100, np.float32), 1)
    _fails(["coverage", "--dem", geo, "--sites", sites, "--out", out, "--workers", "2"], capsys,
           "--dem", "geographic", "gdalwarp")
    assert not out.exists()


def test_window_reaches_two_cells_beyond_the_range():
    """The window is the range plus WINDOW_MARGIN cells each way, cut at the DEM's edges."""
    from foxbat.coverage.site import RadarSite
    from foxbat.terrain.dem import from_array

    dem = from_array(np.zeros((1000, 800), np.float32), from_origin(0, 100000, 100.0, 100.0), "EPSG:32654")
    lon, lat = Transformer.from_crs(UTM54, "EPSG:4326", always_xy=True).transform(40050.0, 50050.0)
    job = tiled.plan_jobs(dem, [RadarSite(lat, lon, antenna_agl_m=10, max_range_m=5000.0)], 4 / 3, 0.0)[0]
    reach = int(5000.0 / job.cw_m * (1 + 1e-9)) + tiled.WINDOW_MARGIN
    assert job.on_dem and job.win == (job.r0 - reach, job.r0 + reach + 1, job.c0 - reach, job.c0 + reach + 1)
    assert 50 <= reach - tiled.WINDOW_MARGIN <= 51  # 5 km on 100 m cells (scale factor ~1)


@pytest.mark.parametrize("dtype, nodata", [("float32", None), ("float32", -9999.0), ("int16", -32768), ("float64", None)])
def test_numpy_antenna_sampler_is_dem_elevation_bit_for_bit(dtype, nodata):
    """The client places antennas with the numpy sampler, Dem.elevation_numpy_m (no numba
    there: engine.site_ground_m): the same bits as Dem.elevation_m, inside, at the edges, next to nodata and off the grid."""
    from foxbat.terrain.dem import from_array

    rng = np.random.default_rng(5)
    z = (hills(0, 60, 80) * 1.7).astype(dtype)
    if nodata is not None:
        z[20:25, 30:33] = nodata
    tr = from_origin(CX - 40 * 90.0, CY + 30 * 90.0, 90.0, 90.0)
    dem = from_array(z, tr, UTM54, nodata)
    x = CX + rng.uniform(-42, 42, 3000) * 90.0
    y = CY + rng.uniform(-32, 32, 3000) * 90.0
    lon, lat = TO_LATLON.transform(x, y)
    want, got = dem.elevation_m(lat, lon), dem.elevation_numpy_m(lat, lon)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got).sum() > 100 and np.isfinite(got).sum() > 2000
    assert got.dtype == want.dtype
    assert dem.elevation_numpy_m(float(lat[0]), float(lon[0])) == dem.elevation_m(float(lat[0]), float(lon[0])) \
        or np.isnan(want[0])


def test_cli_on_a_running_scheduler_writes_the_in_memory_result(network, client, capsys):
    """--scheduler ADDR: the command, in its own process as from a shell, connects to a running
    cluster (here the in-process one of this test) and writes the in-memory result."""
    d, dem, sites_csv = network
    ref_out = in_memory(d, dem, sites_csv, "mem-sched", capsys)
    out = d / "sched" / "cov.tif"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    p = subprocess.run([sys.executable, "-m", "foxbat.cli", "coverage", "--dem", str(dem), "--sites", str(sites_csv),
                        "--out", str(out), "--scheduler", client.scheduler.address],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Cloud Optimized GeoTIFF" in p.stdout and client.scheduler.address in p.stdout, p.stdout
    for name in ("cov.tif", "cov.ceiling.tif"):
        want, got = read_all(ref_out.parent / name), read_all(out.parent / name)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1:] == want[1:]
    assert client.status == "running"  # the command closed its own client, not the cluster


def test_scratch_of_a_killed_run_is_removed(tmp_path):
    """A scratch folder whose process is gone goes; a live process's and other names stay."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp_path / f".foxbat-coverage-parts-{dead}-abc123"
    live = tmp_path / f".foxbat-coverage-parts-{os.getpid()}-def456"
    other = tmp_path / ".foxbat-coverage-parts-notapid"
    for p in (stale, live, other):
        p.mkdir()
        (p / "own_00000.npy").write_bytes(b"x")
    assert tiled.remove_stale_parts(tmp_path) == [stale.name]
    assert not stale.exists() and live.exists() and other.exists()
