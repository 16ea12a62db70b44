"""The built-in DEM of the Belenko region (ETOPO5, NOAA, public domain).

Latitude 38–48°N, longitude 126–148°E at 5 arc-minutes (about 9 km), int16 metres,
bathymetry kept (line of sight clamps the sea surface to 0 m MSL). Rebuilt by
``tools/build_builtin_dem.py`` from Debian's ``ferret-datasets`` file ``etopo5.cdf``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

BUILTIN_DEM_NAME = "etopo5_japan_sea.tif"


def builtin_dem_path() -> Path:
    """Path of the GeoTIFF shipped inside the package."""
    return Path(str(files("foxbat.terrain") / "data" / BUILTIN_DEM_NAME))
