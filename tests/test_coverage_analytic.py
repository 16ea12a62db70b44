"""Coverage against analytic cases: smooth sphere, a straight ridge, beam limits, networks."""

import math

import numpy as np
import pytest

from conftest import centred_dem, grid_distance, site_at
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.geo import EARTH_RADIUS_M, horizon_distance_m, lowest_visible_height_flat_m

KR = 4 / 3 * EARTH_RADIUS_M


def test_reference_horizon_values():
    # DESIGN.md: (10, 100) -> 54.25 km; (10, 1000) -> 143.38 km; (0, 10000) -> 412.18 km
    assert horizon_distance_m(10, 100) / 1000 == pytest.approx(54.25, abs=0.01)
    assert horizon_distance_m(10, 1000) / 1000 == pytest.approx(143.38, abs=0.01)
    assert horizon_distance_m(0, 10000) / 1000 == pytest.approx(412.18, abs=0.01)
    # drop below the tangent plane: 147 m at 50 km
    assert 50e3**2 / (2 * KR) == pytest.approx(147, abs=0.5)


@pytest.mark.parametrize("cell_w, cell_h", [(500.0, 500.0), (400.0, 650.0)])
def test_flat_sea_matches_analytic_within_half_metre(cell_w, cell_h):
    n_r, n_c = int(2 * 110e3 / cell_h) | 1, int(2 * 110e3 / cell_w) | 1
    dem = centred_dem(np.zeros((n_r, n_c), np.float32), cell_w, cell_h)
    cov = compute_coverage(dem, site_at(antenna_agl_m=10.0, max_range_m=100e3))
    d = grid_distance(dem.shape, cell_w, cell_h)
    inside = d <= 100e3
    got = cov.lowest_agl_m
    assert np.isfinite(got[inside]).all()
    assert np.isnan(got[~inside]).all()  # nodata beyond the instrumented range
    want = lowest_visible_height_flat_m(d[inside], 10.0)
    assert np.abs(got[inside] - want).max() < 0.5
    # spot value: at 100 km, (100000 - sqrt(2kR*10))^2 / 2kR
    assert want.max() == pytest.approx((100e3 - math.sqrt(2 * KR * 10)) ** 2 / (2 * KR), rel=1e-3)


def test_k_changes_the_horizon():
    dem = centred_dem(np.zeros((301, 301), np.float32), 500.0)
    d = grid_distance(dem.shape, 500.0)
    for k in (1.0, 4 / 3, 2.0):
        got = compute_coverage(dem, site_at(antenna_agl_m=50.0, max_range_m=70e3), k=k).lowest_agl_m
        m = d <= 70e3
        assert np.abs(got[m] - lowest_visible_height_flat_m(d[m], 50.0, k)).max() < 0.5


def test_straight_ridge_casts_its_analytic_shadow():
    """A wall of height H along a grid column at distance D east of the radar."""
    cell = 200.0
    n = 601
    z = np.zeros((n, n), np.float32)
    d_ridge_cells, height = 50, 300.0
    z[:, n // 2 + d_ridge_cells] = height
    dem = centred_dem(z, cell)
    h0 = 20.0
    got = compute_coverage(dem, site_at(antenna_agl_m=h0, max_range_m=60e3)).lowest_agl_m
    rows, cols = np.mgrid[0:n, 0:n]
    dx = (cols - n // 2) * cell
    dy = (rows - n // 2) * cell
    behind = (dx > (d_ridge_cells + 3) * cell) & (np.abs(dy) < 0.9 * dx) & (np.hypot(dx, dy) <= 60e3)
    d_t = np.hypot(dx, dy)[behind]
    d_r = d_t * (d_ridge_cells * cell) / dx[behind]  # along the same ray, at the wall
    slope = (height - d_r**2 / (2 * KR) - h0) / d_r
    want = h0 + slope * d_t + d_t**2 / (2 * KR)
    err = got[behind] - want
    # the ray serving a cell passes within half a cell of its centre: the shadow line is
    # exact there to a fraction of the wall's angular size
    assert np.median(np.abs(err)) < 0.5
    assert np.abs(err).max() < 5.0
    # in front of the wall nothing is shadowed beyond the smooth-sphere value
    front = (dx > 0) & (dx < (d_ridge_cells - 1) * cell) & (np.abs(dy) < dx)
    assert np.abs(got[front] - lowest_visible_height_flat_m(np.hypot(dx, dy)[front], h0)).max() < 0.5


def test_min_elevation_raises_lowest_height():
    dem = centred_dem(np.zeros((201, 201), np.float32), 500.0)
    d = grid_distance(dem.shape, 500.0)
    a = 1.0
    got = compute_coverage(dem, site_at(antenna_agl_m=10.0, max_range_m=50e3, min_elev_deg=a)).lowest_agl_m
    m = (d <= 50e3) & (d > 0)
    want = 10.0 + d[m] * math.tan(math.radians(a)) + d[m] ** 2 / (2 * KR)
    assert np.abs(got[m] - want).max() < 0.5


def test_max_elevation_gives_cone_of_silence_ceiling():
    dem = centred_dem(np.zeros((201, 201), np.float32), 500.0)
    d = grid_distance(dem.shape, 500.0)
    cov = compute_coverage(dem, site_at(antenna_agl_m=10.0, max_range_m=50e3, max_elev_deg=20.0))
    m = d <= 50e3
    want = 10.0 + d[m] * math.tan(math.radians(20)) + d[m] ** 2 / (2 * KR)
    assert np.abs(cov.ceiling_agl_m[m] - want).max() < 0.5
    # at 10 km a target at 5000 m is above the beam, at 3000 m inside it
    r, c = 100, 100 + 20
    assert not cov.covered(5000, "agl")[r, c]
    assert cov.covered(3000, "agl")[r, c]


def test_network_takes_minimum_and_names_the_radar():
    dem = centred_dem(np.zeros((201, 401), np.float32), 500.0)
    west = RadarSite(43.0, 140.0 - 60e3 / 81.4e3, antenna_agl_m=10, max_range_m=80e3, name="west")
    east = RadarSite(43.0, 140.0 + 60e3 / 81.4e3, antenna_agl_m=100, max_range_m=80e3, name="east")
    both = compute_coverage(dem, [west, east])
    w = compute_coverage(dem, west).lowest_agl_m
    e = compute_coverage(dem, east).lowest_agl_m
    np.testing.assert_array_equal(both.lowest_agl_m, np.fmin(w, e))
    pick_e = np.isfinite(e) & ~(w <= e)
    assert (both.radar_index[pick_e] == 1).all()
    assert (both.radar_index[np.isfinite(w) & (w <= e) & (w < np.inf)] == 0).all()
    assert (both.radar_index[~np.isfinite(both.lowest_agl_m)] == -1).all()


def test_antenna_msl_wins_over_agl_and_nodata_is_not_an_obstacle():
    z = np.full((101, 101), 100.0, np.float32)
    z[50, 60] = -9999  # a hole in the DEM east of the radar
    dem = centred_dem(z, 300.0, nodata=-9999)
    cov = compute_coverage(dem, site_at(antenna_msl_m=150.0, antenna_agl_m=5.0, max_range_m=15e3))
    assert cov.antenna_msl_m == [150.0]
    assert np.isnan(cov.lowest_agl_m[50, 60])
    d = grid_distance(dem.shape, 300.0)
    m = (d <= 15e3) & np.isfinite(cov.lowest_agl_m)
    assert np.abs(cov.lowest_agl_m[m] - lowest_visible_height_flat_m(d[m], 50.0)).max() < 0.5


@pytest.mark.parametrize("shape, r0, c0", [((201, 201), 100, 100), ((151, 257), 3, 250), ((97, 64), 96, 0),
                                           ((300, 301), 150, 7), ((5, 400), 2, 200)])
def test_every_cell_in_range_gets_exactly_its_value(shape, r0, c0):
    """The per-cell ray assignment leaves no hole anywhere (axes, diagonals, chunk
    boundaries, grid edges) and, on a flat sea, each cell has the analytic value."""
    cell = 100.0
    nr, nc = shape
    z = np.zeros(shape, np.float32)
    from affine import Affine

    from foxbat.terrain import from_array

    tr = Affine(cell, 0, -(c0 + 0.5) * cell, 0, -cell, (r0 + 0.5) * cell)
    dem = from_array(z, tr, "+proj=aeqd +lat_0=43 +lon_0=140 +ellps=WGS84 +units=m +no_defs")
    got = compute_coverage(dem, site_at(antenna_agl_m=10.0, max_range_m=1e7)).lowest_agl_m
    rows, cols = np.mgrid[0:nr, 0:nc]
    d = np.hypot((rows - r0) * cell, (cols - c0) * cell)
    assert np.isfinite(got).all()
    assert np.abs(got - lowest_visible_height_flat_m(d, 10.0)).max() < 0.05
