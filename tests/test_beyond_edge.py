"""Radars beyond the map's edge: a site outside the DEM (with its antenna altitude MSL)
sees into the map; the terrain between it and the edge is unknown, taken as the sea
surface (0 m MSL): no obstacle above it, but rays must clear the Earth's bulge."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from conftest import centred_dem, grid_distance
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.errors import OffMapError
from foxbat.geo import lowest_visible_height_flat_m
from foxbat.terrain.dem import from_array

CELL = 500.0
N = 301  # the full grid; the site sits at its centre cell (150, 150)
CUT = 200  # the cropped DEM keeps columns CUT.. : the site is 25 km west of its edge


def _crop(dem, z):
    t = dem.transform
    return from_array(np.ascontiguousarray(z[:, CUT:]), t @ Affine.translation(CUT, 0), dem.crs)


def test_flat_sea_seen_from_beyond_the_edge_matches_the_analytic_horizon():
    z = np.zeros((N, N), np.float32)
    full = centred_dem(z, CELL)
    dem = _crop(full, z)
    h0 = 120.0
    site = RadarSite(43.0, 140.0, antenna_msl_m=h0, max_range_m=70e3)
    got = compute_coverage(dem, [site]).lowest_agl_m
    d = grid_distance((N, N), CELL)[:, CUT:]
    inside = d <= 70e3
    assert np.isfinite(got[inside]).all() and np.isnan(got[~inside]).all()
    want = lowest_visible_height_flat_m(d[inside], h0)
    assert want.max() > 10.0  # beyond the 45 km horizon: the bulge between matters
    assert np.abs(got[inside] - want).max() < 0.5


def test_a_ridge_inside_the_map_shadows_as_seen_from_the_full_map():
    """The same radar on a map that contains it and on one cut 25 km short of it: where the
    cut map has terrain, the same lowest heights (the cut-off part was sea)."""
    z = np.zeros((N, N), np.float32)
    z[:, 240] = 400.0  # a wall 45 km east of the radar
    z[100:140, 260:270] = 900.0  # a block behind it
    full = centred_dem(z, CELL)
    h0 = 60.0
    ref = compute_coverage(full, [RadarSite(43.0, 140.0, antenna_agl_m=h0, max_range_m=70e3)]).lowest_agl_m
    got = compute_coverage(_crop(full, z), [RadarSite(43.0, 140.0, antenna_msl_m=h0, max_range_m=70e3)]).lowest_agl_m
    ref = ref[:, CUT:]
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    m = np.isfinite(ref)
    assert np.abs(got[m] - ref[m]).max() < 1.0
    assert np.nanmax(got[:, 240 - CUT + 1:]) > 300.0  # the wall casts its shadow


def test_geographic_flat_sea_seen_from_beyond_the_edge_matches_the_analytic_horizon():
    """A geographic DEM (the AEQD path): flat sea at 0.02 deg cells over 42-44N 140-142E, a
    radar 0.3 deg west of its edge; lowest heights against geodesic ground ranges."""
    from pyproj import Geod

    cell = 0.02
    z = np.zeros((100, 100), np.float32)
    dem = from_array(z, Affine(cell, 0, 140.0, 0, -cell, 44.0), "EPSG:4326")
    h0 = 120.0
    got = compute_coverage(dem, [RadarSite(43.0, 139.7, antenna_msl_m=h0, max_range_m=100e3)]).lowest_agl_m
    rows, cols = np.mgrid[0:100, 0:100]
    lat, lon = 44.0 - (rows + 0.5) * cell, 140.0 + (cols + 0.5) * cell
    _, _, d = Geod(ellps="WGS84").inv(np.full(lat.size, 139.7), np.full(lat.size, 43.0), lon.ravel(), lat.ravel())
    d = d.reshape(lat.shape)
    m = (d <= 97e3) & np.isfinite(got)  # clear of the range edge's resampled cells
    assert m.sum() > 2000
    want = lowest_visible_height_flat_m(d[m], h0)
    assert want.max() > 100.0
    err = np.abs(got[m] - want)
    # as accurate as with the radar inside the map: the AEQD grid's bilinear return to the
    # geographic grid costs up to 1.6 m there too (measured), most cells far less
    assert np.percentile(err, 99) < 1.0 and err.max() < 2.0, (np.percentile(err, 99), err.max())


def test_a_site_beyond_the_edge_needs_its_antenna_altitude():
    z = np.zeros((N, N), np.float32)
    dem = _crop(centred_dem(z, CELL), z)
    with pytest.raises(OffMapError, match="needs its antenna altitude \\(antenna_msl_m\\)"):
        compute_coverage(dem, [RadarSite(43.0, 140.0, antenna_agl_m=20.0, max_range_m=70e3)])


def test_a_scenario_radar_beyond_the_map_runs(tmp_path, capsys):
    """Ominato moved 50 km north of the map's edge (48.5N; the map ends at 48.04N) with its
    antenna altitude: the scenario validates and the radar's coverage reaches into the map."""
    from foxbat import sim
    from foxbat.cli import main
    from foxbat.scenario.run import load_run_scenario
    from test_user_catalogues import make_case

    scen = make_case(tmp_path)
    scen.write_text(scen.read_text().replace("    lat: 41.2775", "    lat: 48.5"))
    assert main(["scenario", "validate", str(scen)]) == 0
    capsys.readouterr()
    prepared = sim.prepare(load_run_scenario(str(scen)))
    om = next(r for r in prepared.radars if r.name == "Ominato")
    seen = np.isfinite(np.asarray(om.lowest_agl.heights_m, float))
    assert om.antenna_msl_m == 890.0 and seen.sum() > 100
    # only the northern part of the map, within its 100 km instrumented range of 48.5N
    rows = np.nonzero(seen.any(axis=1))[0]
    lat_south = prepared.dem.transform.f + (rows.max() + 1) * prepared.dem.transform.e
    assert 47.5 < lat_south < 48.0
