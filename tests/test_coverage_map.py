"""Coverage map PNG: written atomically, valid, showing coverage colours, fast on big grids."""

from __future__ import annotations

import time

import matplotlib
import numpy as np
import pytest
from affine import Affine
from matplotlib.colors import rgb_to_hsv
from matplotlib.image import imread
from pyproj import Transformer

from foxbat.atomic import MANIFEST_NAME  # the folder's record of foxbat's own files, not a temporary
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.coverage.engine import Coverage
from foxbat.report.coverage_map import render_coverage_png
from foxbat.terrain import from_array, open_dem

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
E0, N0 = 500_000.0, 4_700_000.0  # UTM 54N
LON0, LAT0 = Transformer.from_crs("EPSG:32654", "EPSG:4326", always_xy=True).transform(E0, N0)


def _flat_utm(n=301, cell_m=500.0, height_m=100.0):
    t = Affine(cell_m, 0, E0 - n * cell_m / 2, 0, -cell_m, N0 + n * cell_m / 2)
    return from_array(np.full((n, n), height_m, np.float32), t, "EPSG:32654")


def _read_rgb(path):
    img = imread(path)
    return img[..., :3].astype(float)


def _saturated(rgb) -> int:
    """Pixels clearly coloured (the land is a pale grey, the sea absent here)."""
    return int(np.count_nonzero(rgb_to_hsv(rgb)[..., 1] > 0.25))


def _reddish(rgb) -> int:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(np.count_nonzero((r - g > 0.2) & (r - b > 0.2)))


def test_png_written_and_valid(tmp_path):
    dem = _flat_utm()
    cov = compute_coverage(dem, [RadarSite(LAT0, LON0, antenna_agl_m=20, name="Centre")])
    out = render_coverage_png(cov, tmp_path / "map.png")
    assert out == tmp_path / "map.png"
    data = out.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert 20_000 < len(data) < 5_000_000
    img = imread(out)
    h, w = img.shape[:2]
    assert 600 <= w <= 3000 and 400 <= h <= 3000
    assert [p.name for p in tmp_path.iterdir() if p.name != MANIFEST_NAME] == ["map.png"]  # no temporary left behind
    # overwriting works and stays atomic
    render_coverage_png(cov, out, title="again")
    assert [p.name for p in tmp_path.iterdir() if p.name != MANIFEST_NAME] == ["map.png"]


def test_coverage_colours_follow_coverage(tmp_path):
    dem = _flat_utm()
    site = dict(lat_deg=LAT0, lon_deg=LON0, antenna_agl_m=20, name="Centre")
    near = compute_coverage(dem, [RadarSite(**site, max_range_m=30e3)])
    far = compute_coverage(dem, [RadarSite(**site, max_range_m=70e3)])
    # a coverage that reaches no cell: only the legend is coloured
    none = Coverage(dem, near.sites, near.k, np.full(dem.shape, np.nan, np.float32))
    imgs = {}
    for name, cov in (("near", near), ("far", far), ("none", none)):
        imgs[name] = _read_rgb(render_coverage_png(cov, tmp_path / f"{name}.png", title="t"))
    sat = {k: _saturated(v) for k, v in imgs.items()}
    red = {k: _reddish(v) for k, v in imgs.items()}
    # coloured area grows with the covered area (disc radius 30 km -> 70 km: x5.4)
    map_near, map_far = sat["near"] - sat["none"], sat["far"] - sat["none"]
    assert map_near > 2000
    assert 3.0 < map_far / map_near < 8.0
    # near the radar a low target is seen: the 0-30 m class (red) is drawn on the map
    assert red["near"] > red["none"] + 200
    # uncovered land stays uncoloured: most of the 'none' map is pale grey
    assert sat["none"] < 0.1 * imgs["none"].shape[0] * imgs["none"].shape[1]


def test_builtin_dem_network(tmp_path):
    sites = [RadarSite(42.16, 139.4456, antenna_msl_m=600, name="Okushiri", max_range_m=400e3),
             RadarSite(43.1, 131.9, antenna_agl_m=30, name="Vladivostok")]
    cov = compute_coverage(open_dem(), sites)
    out = render_coverage_png(cov, tmp_path / "sub" / "japan_sea.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    rgb = _read_rgb(out)
    assert _reddish(rgb) > 1000
    # the sea is tinted blue somewhere
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    assert np.count_nonzero((b - r > 0.1) & (b > 0.7)) > 1000


def test_no_global_state_left(tmp_path):
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    figs = plt.get_fignums()
    dem = _flat_utm(n=101)
    cov = compute_coverage(dem, [RadarSite(LAT0, LON0, antenna_agl_m=20, name="Centre")])
    render_coverage_png(cov, tmp_path / "a.png", alts_m=[50, 500])
    assert plt.get_fignums() == figs
    assert matplotlib.get_backend() == backend


def test_large_grid_is_downsampled(tmp_path):
    n = 3001
    dem = _flat_utm(n=n, cell_m=100.0)
    yy, xx = np.mgrid[0:n, 0:n]
    r_m = np.hypot(yy - n // 2, xx - n // 2) * 100.0
    low = np.where(r_m < 140e3, (r_m / 1000.0) ** 2 / 10, np.nan).astype(np.float32)
    cov = Coverage(dem, [RadarSite(LAT0, LON0, antenna_agl_m=20, name="Centre")], 4 / 3, low)
    t0 = time.perf_counter()
    out = render_coverage_png(cov, tmp_path / "big.png", max_pixels=1000)
    elapsed = time.perf_counter() - t0
    assert elapsed < 30, elapsed
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert _reddish(_read_rgb(out)) > 500


def test_bad_arguments(tmp_path):
    from foxbat.errors import ParameterError

    dem = _flat_utm(n=51)
    cov = compute_coverage(dem, [RadarSite(LAT0, LON0, antenna_agl_m=20, name="Centre")])
    with pytest.raises(ParameterError):
        render_coverage_png(cov, tmp_path / "x.png", alts_m=[float("inf")])
    with pytest.raises(ParameterError):
        render_coverage_png(cov, tmp_path / "x.png", max_pixels=2)
    assert list(tmp_path.iterdir()) == []
