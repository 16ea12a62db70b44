"""Detectable-height coverage (foxbat.coverage.detectable, foxbat coverage --rcs):
an analytic flat-earth lobe case, the F ≈ 1 case, and the built-in network."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from foxbat.coverage import RadarSite, compute_coverage
from foxbat.coverage.detectable import RESOLUTION_M, detectable_agl_m
from foxbat.provenance import Figure
from foxbat.radar.catalogue import get_radar_type
from foxbat.radar.detection import required_snr_db
from foxbat.sensing.path import PathEnvironment
from foxbat.terrain import from_array

CELL_DEG = 0.01


def _sea_dem(n: int = 81) -> object:
    # flat sea (0 m) around (0, 0), cells of 0.01 deg (about 1.1 km)
    half = n * CELL_DEG / 2
    return from_array(np.zeros((n, n), np.float32), Affine(CELL_DEG, 0, -half, 0, -CELL_DEG, half), "EPSG:4326")


def _no_clutter(rt):
    # clutter cancelled (I = 200 dB) so that the test isolates the propagation factor
    return rt.model_copy(update={"improvement_factor_db": Figure(value=200.0, notional=True, reason="test")})


def _cell_ranges(dem, lat0, lon0):
    from foxbat.coverage.detectable import cell_lat_lon
    from foxbat.geo import wgs84_geod

    rows, cols = np.indices(dem.shape)
    lat, lon = cell_lat_lon(dem, rows.ravel(), cols.ravel())
    _, _, d = wgs84_geod().inv(np.full(lat.size, lon0), np.full(lat.size, lat0), lon, lat)
    return np.asarray(d, float).reshape(dem.shape)


def test_flat_earth_first_lobe():
    """Flat earth (k = 1000), calm sea, h-polarisation (Γ ≈ −1): F = 2·sin(2π·h1·h2/(λ·d)),
    so the lowest height that reaches the SNR a target needs is
    h2 = asin(F_need/2)·λ·d/(2π·h1), F_need = 10^((SNR_need − SNR_free − 2·pattern)/40)."""
    k = 1000.0
    dem = _sea_dem()
    h1 = 20.0
    site = RadarSite(0.0, 0.0, antenna_agl_m=h1, max_range_m=40_000.0, name="R")
    rt = _no_clutter(get_radar_type("AN/FPS-20"))
    env = PathEnvironment(sea_state=0.0, land_type="medium", k=k)
    lowest = compute_coverage(dem, [site], k).lowest_agl_m
    assert np.nanmax(lowest) == 0.0  # flat sea, horizon far away: everything visible from the surface up
    rcs = 1.0
    det = detectable_agl_m(dem, site, rt, lowest, rcs_m2=rcs, pd=0.5, swerling=1, env=env)
    d = _cell_ranges(dem, 0.0, 0.0)
    lam = rt.wavelength_m
    need = float(required_snr_db(0.5, rt.pfa.value, 1, rt.n_pulses))
    sel = (d > 5_000) & (d < 35_000)
    h2 = np.full(d.shape, 10.0)
    for _ in range(4):  # the pattern depends a little on the target's elevation
        elev = np.arctan2(h2 - h1, d)
        p = np.asarray(rt.elevation_pattern_db(elev), float)
        f_need = 10 ** ((need - np.asarray(rt.snr_db(np.hypot(d, h2 - h1), rcs)) - 2 * p) / 40)
        h2 = np.arcsin(np.clip(f_need / 2, 0, 1)) * lam * d / (2 * np.pi * h1)
    sel &= f_need < 1.8  # on the rising side of the first lobe, clear of its top
    sel &= h2 > 2.0  # heights are floored at 1 m above the surface (foxbat.sensing.path.MIN_HEIGHT_M)
    assert sel.sum() > 500
    # within 3 % (|Γ| of sea water is 0.99+, not 1; the divergence factor is not exactly 1)
    # plus the search's resolution (the bisection stops within RESOLUTION_M above the crossing)
    err = det[sel] - h2[sel]
    assert np.all(np.abs(err) <= 0.03 * h2[sel] + RESOLUTION_M), (err.min(), err.max())
    # the search reports the top of its last bracket (a height that passes): never systematically low
    assert np.median(err) > -0.01 * np.median(h2[sel])


def test_equal_to_geometric_where_f_is_one():
    """A 2,000 m high antenna over a rough sea (sea state 6) at 2.8 GHz: the reflected ray
    is scattered away (Ament factor e^(−2g²), g = 2π·σ_h·sin ψ/λ ≫ 1), so F ≈ 1 down to
    the surface; with an RCS that gives 3 dB to spare there at F = 1, the target is
    detected as low as it is visible. Over a calm sea (sea state 0) the same target
    falls into interference nulls near the surface in many cells."""
    from foxbat.sensing.geometry import look_angles
    from foxbat.sensing.path import factors_db

    k = 1000.0
    dem = _sea_dem()
    site = RadarSite(0.0, 0.0, antenna_msl_m=2000.0, max_range_m=40_000.0, name="R")
    rt = _no_clutter(get_radar_type("P-37"))
    lowest = compute_coverage(dem, [site], k).lowest_agl_m
    d = _cell_ranges(dem, 0.0, 0.0)
    ring = (d > 8_000) & (d < 38_000)
    rough_env = PathEnvironment(sea_state=6.0, k=k)
    # F at 1 m above the sea (the floor of target heights), from the model itself
    rows, cols = np.nonzero(ring)
    from foxbat.coverage.detectable import cell_lat_lon

    lat, lon = cell_lat_lon(dem, rows, cols)
    ground, _, slant, elev = look_angles(0.0, 0.0, 2000.0, lat, lon, np.ones(lat.size), k)
    f, p = factors_db(rt, ground, 2000.0, np.ones(lat.size), np.radians(elev), True, rough_env)
    assert np.all(np.abs(f) < 0.05)
    need = float(required_snr_db(0.5, rt.pfa.value, 1, rt.n_pulses))
    rcs = 10 ** ((need + 3.0 - np.min(np.asarray(rt.snr_db(slant, 1.0)) + 2 * p)) / 10)
    rough = detectable_agl_m(dem, site, rt, lowest, rcs_m2=rcs, env=rough_env)
    assert np.all(np.isfinite(rough[ring]))
    assert np.array_equal(rough[ring], lowest[ring])
    calm = detectable_agl_m(dem, site, rt, lowest, rcs_m2=rcs, env=PathEnvironment(sea_state=0.0, k=k))
    assert np.all(calm[ring] >= lowest[ring]) and np.mean(calm[ring] > lowest[ring] + 0.5) > 0.05


def test_never_below_the_geometric_height_on_the_builtin_network():
    from foxbat.scenario.radars import load_sites_file
    from foxbat.terrain import open_dem

    dem = open_dem()
    specs = load_sites_file("builtin:belenko-1976")
    env = PathEnvironment()
    higher = 0
    for spec in specs[:4] + specs[-2:]:
        site = spec.to_site()
        lowest = compute_coverage(dem, [site]).lowest_agl_m
        det = detectable_agl_m(dem, site, get_radar_type(spec.type), lowest, rcs_m2=10.0, env=env)
        both = np.isfinite(det)
        assert not np.any(both & ~np.isfinite(lowest))  # nothing detected beyond the geometric coverage
        assert np.all(det[both] >= lowest[both])
        higher += int(np.sum(det[both] > lowest[both] + 1.0))
        assert both.sum() > 1000
    assert higher > 1000  # the pattern and F matter in many cells


@pytest.fixture
def run_cli(capsys):
    from foxbat.cli import main

    def run(args):
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return code, cap.out + cap.err

    return run


def _tif_bands(path):
    import rasterio

    with rasterio.open(path) as ds:
        return list(ds.descriptions), [ds.read(b + 1) for b in range(ds.count)], ds.tags()


def test_cli_writes_the_band(tmp_path, run_cli):
    out = tmp_path / "c.tif"
    code, text = run_cli(["coverage", "--rcs", "10", "--pd", "0.9", "--out", str(out)])
    assert code == 0, text
    names, bands, tags = _tif_bands(out)
    assert names == ["lowest_visible_height_agl_m", "radar_index", "detectable_agl_m"]
    low, det = bands[0], bands[2]
    ok = det != -9999
    assert ok.sum() > 1000 and np.all(low[ok] != -9999) and np.all(det[ok] >= low[ok])
    # one type per radar of the built-in network: its seven JASDF sites are AN/FPS-20 class
    assert "pd=0.9" in tags["DETECTABLE"] and tags["DETECTABLE_TYPES"].count("AN/FPS-20") == 7


@pytest.mark.parametrize("args, where", [
    (["--rcs", "0"], "--rcs"),
    (["--rcs", "10", "--pd", "1"], "--pd"),
    (["--rcs", "10", "--swerling", "2"], "--swerling"),
    (["--rcs", "10", "--sea-state", "9"], "--sea-state"),
    (["--rcs", "10", "--land-type", "swamp"], "--land-type"),
    (["--type", "P-37"], "--type"),
    (["--rcs", "10", "--type", "APQ-120"], "--type"),
    (["--rcs", "10", "--type", "nonesuch"], "--type"),
    (["--rcs", "10", "--site", "42.1,139.5", "--antenna-agl", "20"], "--type"),
])
def test_cli_bad_detect_arguments(tmp_path, run_cli, args, where):
    out = tmp_path / "c.tif"
    code, text = run_cli(["coverage", *args, "--out", str(out)])
    assert code == 2, text
    assert where in text and len(text.strip().splitlines()) == 1, text
    assert not out.exists()
