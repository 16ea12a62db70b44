"""Covered-area polygons: areas against the analytic radar horizon, AGL vs MSL, GeoJSON shape."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import Geod, Transformer
from shapely.geometry import Point, shape

from foxbat.atomic import MANIFEST_NAME  # the folder's record of foxbat's own files, not a temporary
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.coverage import polygons as P
from foxbat.coverage.polygons import coverage_geojson, write_geojson
from foxbat.errors import ParameterError
from foxbat.geo import DEFAULT_K, horizon_distance_m
from foxbat.terrain import from_array

ANT_AGL_M = 20.0
E0, N0 = 500_000.0, 4_700_000.0  # UTM 54N, about 42.4 N 141 E
CELL_M = 500.0
N = 401  # +-100 km around the radar
ALTS = [10.0, 50.0, 100.0, 300.0]  # horizons 31..90 km: inside the grid
GEOD = Geod(ellps="WGS84")
_TO_LL = Transformer.from_crs("EPSG:32654", "EPSG:4326", always_xy=True)
LON0, LAT0 = _TO_LL.transform(E0, N0)


def _disc_km2(alt_m: float) -> float:
    d = horizon_distance_m(ANT_AGL_M, alt_m, DEFAULT_K)
    return math.pi * d * d / 1e6


def _utm_dem(height_m: float):
    t = Affine(CELL_M, 0, E0 - N * CELL_M / 2, 0, -CELL_M, N0 + N * CELL_M / 2)
    return from_array(np.full((N, N), height_m, np.float32), t, "EPSG:32654")


def _site():
    return RadarSite(LAT0, LON0, antenna_agl_m=ANT_AGL_M, name="Centre")


@pytest.fixture(scope="module")
def flat_cov():
    return compute_coverage(_utm_dem(0.0), [_site()])


@pytest.fixture(scope="module")
def plateau_cov():
    return compute_coverage(_utm_dem(500.0), [_site()])


@pytest.fixture(scope="module")
def geo_cov():
    # the same ~200 km square as a lat/lon grid of ~650 m cells
    dlat, dlon = 0.006, 0.008
    n_lat, n_lon = 301, 301
    t = Affine(dlon, 0, LON0 - n_lon * dlon / 2, 0, -dlat, LAT0 + n_lat * dlat / 2)
    dem = from_array(np.zeros((n_lat, n_lon), np.int16), t, "EPSG:4326")
    return compute_coverage(dem, [_site()])


def _poly_area_km2(feature) -> float:
    return abs(GEOD.geometry_area_perimeter(shape(feature["geometry"]))[0]) / 1e6


def _rings(geom):
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    for p in polys:
        yield p.exterior, True
        for h in p.interiors:
            yield h, False


def test_flat_area_matches_horizon_disc(flat_cov):
    fc = coverage_geojson(flat_cov, ALTS)
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["alt_m"] for f in fc["features"]] == ALTS
    for f in fc["features"]:
        props = f["properties"]
        want = _disc_km2(props["alt_m"])
        assert props["area_km2"] == pytest.approx(want, rel=0.02), props
        # the traced, simplified outline measures the same area on the ellipsoid
        assert _poly_area_km2(f) == pytest.approx(props["area_km2"], rel=0.01)
        assert props["alt_ref"] == "agl"
        assert props["radars"] == ["Centre"] and props["n_radars"] == 1
        assert props["polygon_cell_m"] == pytest.approx(CELL_M)
        assert 0 < props["simplify_tolerance_m"] <= CELL_M / 2


def test_polygons_valid_lonlat_ccw_and_contain_radar(flat_cov):
    fc = coverage_geojson(flat_cov, ALTS + [1000.0])
    lon_lo, lat_lo = _TO_LL.transform(E0 - 101e3, N0 - 101e3)
    lon_hi, lat_hi = _TO_LL.transform(E0 + 101e3, N0 + 101e3)
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert g.geom_type in ("Polygon", "MultiPolygon")
        assert g.is_valid and not g.is_empty
        w, s, e, n = g.bounds
        assert lon_lo - 0.1 < w and e < lon_hi + 0.1, g.bounds
        assert lat_lo - 0.05 < s and n < lat_hi + 0.05, g.bounds
        for ring, exterior in _rings(g):
            assert shapely.is_ccw(ring) == exterior  # RFC 7946 right-hand rule
        assert g.contains(Point(LON0, LAT0))
    json.dumps(fc, allow_nan=False)  # plain JSON types only


def test_disc_is_round(flat_cov):
    """The 100 m outline lies at the horizon distance in every direction."""
    f = coverage_geojson(flat_cov, [100.0])["features"][0]
    g = shape(f["geometry"])
    lon, lat = np.asarray(g.exterior.coords).T
    _, _, dist = GEOD.inv(np.full(lon.shape, LON0), np.full(lat.shape, LAT0), lon, lat)
    d = horizon_distance_m(ANT_AGL_M, 100.0)
    assert np.all(np.abs(dist - d) < 2 * CELL_M)


def test_msl_vs_agl_on_plateau(plateau_cov):
    """On a 500 m plateau a target 600 m MSL is 100 m above ground; 400 m MSL is underground."""
    agl = coverage_geojson(plateau_cov, [100.0], ref="agl")["features"][0]
    msl = coverage_geojson(plateau_cov, [600.0, 400.0, 100.0], ref="msl")["features"]
    assert agl["properties"]["area_km2"] == pytest.approx(_disc_km2(100.0), rel=0.02)
    assert msl[0]["properties"]["alt_ref"] == "msl"
    assert msl[0]["properties"]["area_km2"] == pytest.approx(agl["properties"]["area_km2"], rel=1e-9)
    for f in msl[1:]:
        assert f["properties"]["area_km2"] == 0.0
        assert f["geometry"] == {"type": "MultiPolygon", "coordinates": []}
    # AGL 100 m is not MSL 100 m there
    agl_as_msl = coverage_geojson(plateau_cov, [100.0], ref="agl")["features"][0]
    assert agl_as_msl["properties"]["area_km2"] > 0


def test_geographic_grid_agrees(geo_cov, flat_cov):
    geo = coverage_geojson(geo_cov, ALTS)["features"]
    utm = coverage_geojson(flat_cov, ALTS)["features"]
    for g, u in zip(geo, utm):
        alt = g["properties"]["alt_m"]
        assert g["properties"]["area_km2"] == pytest.approx(_disc_km2(alt), rel=0.02)
        assert g["properties"]["area_km2"] == pytest.approx(u["properties"]["area_km2"], rel=0.02)
        assert _poly_area_km2(g) == pytest.approx(g["properties"]["area_km2"], rel=0.01)
        geom = shape(g["geometry"])
        assert geom.is_valid and geom.contains(Point(LON0, LAT0))


def test_geographic_cell_areas_are_ellipsoidal():
    """Per-row cell areas sum to the ellipsoid's area of a lat band (pyproj Geod)."""
    edges = np.linspace(38.0, 48.0, 121)
    total = P._ring_areas_m2(edges, 1.0).sum()
    band = shapely.Polygon([(0, 38), (1, 38), (1, 48), (0, 48)])
    # Geod follows geodesics, not parallels: densify so the edges follow the parallels
    want = abs(GEOD.geometry_area_perimeter(shapely.segmentize(band, 0.001))[0])
    assert total == pytest.approx(want, rel=1e-4)


def test_large_grid_is_traced_on_blocks(flat_cov, monkeypatch):
    full = coverage_geojson(flat_cov, [100.0])["features"][0]
    monkeypatch.setattr(P, "MAX_POLYGON_GRID", 150)  # 401 cells -> blocks of 3
    f = coverage_geojson(flat_cov, [100.0])["features"][0]
    props = f["properties"]
    assert props["polygon_cell_m"] == pytest.approx(3 * CELL_M)
    assert props["area_km2"] == full["properties"]["area_km2"]  # measured at full resolution
    g = shape(f["geometry"])
    assert g.is_valid
    assert _poly_area_km2(f) == pytest.approx(props["area_km2"], rel=0.05)
    assert len(shapely.get_coordinates(g)) < len(shapely.get_coordinates(shape(full["geometry"])))


def test_network_and_builtin_dem(tmp_path):
    from foxbat.terrain import open_dem

    sites = [RadarSite(42.16, 139.4456, antenna_msl_m=600, name="Okushiri", max_range_m=400e3),
             RadarSite(43.1, 131.9, antenna_agl_m=30, name="Vladivostok")]
    cov = compute_coverage(open_dem(), sites)
    fc = coverage_geojson(cov, [100, 1000, 10000])
    areas = [f["properties"]["area_km2"] for f in fc["features"]]
    assert areas == sorted(areas) and areas[0] > 0
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert g.is_valid
        assert f["properties"]["radars"] == ["Okushiri", "Vladivostok"]
        assert _poly_area_km2(f) == pytest.approx(f["properties"]["area_km2"], rel=0.01)
        w, s, e, n = g.bounds
        assert 125.9 <= w and e <= 148.1 and 37.9 <= s and n <= 48.1
    assert shape(fc["features"][1]["geometry"]).contains(Point(139.4456, 42.16))
    out = write_geojson(fc, tmp_path / "cov.geojson")
    assert json.loads(out.read_text()) == json.loads(json.dumps(fc))
    assert [p.name for p in tmp_path.iterdir() if p.name != MANIFEST_NAME] == ["cov.geojson"]  # no temporary left behind


def test_bad_arguments(flat_cov):
    with pytest.raises(ParameterError):
        coverage_geojson(flat_cov, [100.0], ref="amsl")
    with pytest.raises(ParameterError):
        coverage_geojson(flat_cov, [float("nan")])
    with pytest.raises(ParameterError):
        coverage_geojson(flat_cov, [])
