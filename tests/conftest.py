import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

sys.path.insert(0, str(Path(__file__).parent))

# foxbat run's coverage cache (foxbat.coverage_cache) in a folder of this test session, not
# the user's ~/.cache; commands the tests start inherit it
_CACHE = None
if "FOXBAT_CACHE_DIR" not in os.environ:
    _CACHE = os.environ["FOXBAT_CACHE_DIR"] = tempfile.mkdtemp(prefix="foxbat-test-cache-")


def pytest_sessionfinish(session, exitstatus):
    if _CACHE is not None:
        shutil.rmtree(_CACHE, ignore_errors=True)

from foxbat.coverage import RadarSite  # noqa: E402
from foxbat.terrain import from_array  # noqa: E402


def aeqd(lat, lon):
    return f"+proj=aeqd +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def centred_dem(z, cell_w_m, cell_h_m=None, lat=43.0, lon=140.0, crs=None, nodata=None):
    """A DEM whose centre cell's centre is the projection origin (lat, lon)."""
    cell_h_m = cell_w_m if cell_h_m is None else cell_h_m
    nr, nc = z.shape
    transform = Affine(cell_w_m, 0, -(nc / 2) * cell_w_m, 0, -cell_h_m, (nr / 2) * cell_h_m)
    return from_array(z, transform, crs or aeqd(lat, lon), nodata)


def site_at(lat=43.0, lon=140.0, **kw):
    kw.setdefault("antenna_agl_m", 10.0)
    return RadarSite(lat, lon, **kw)


@pytest.fixture
def need_gdal():
    if shutil.which("gdal_viewshed") is None:
        if os.environ.get("CI"):
            pytest.fail("gdal_viewshed is missing: CI must install gdal-bin")
        pytest.skip("gdal_viewshed not installed (apt-get install gdal-bin)")


def grid_distance(shape, cell_w_m, cell_h_m=None):
    cell_h_m = cell_w_m if cell_h_m is None else cell_h_m
    nr, nc = shape
    r, c = np.mgrid[0:nr, 0:nc]
    return np.hypot((r - nr // 2) * cell_h_m, (c - nc // 2) * cell_w_m)
