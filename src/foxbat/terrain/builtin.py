"""The built-in DEM of the Belenko region (ETOPO5, NOAA, public domain).

Latitude 38–48°N, longitude 126–148°E at 5 arc-minutes (about 9 km), int16 metres,
bathymetry kept (line of sight clamps the sea surface to 0 m MSL). Rebuilt by
``tools/build_builtin_dem.py`` from Debian's ``ferret-datasets`` file ``etopo5.cdf``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

BUILTIN_DEM_NAME = "etopo5_japan_sea.tif"
#: built-in DEMs by name (``dem: builtin:korea`` in a scenario, ``--dem builtin:korea``)
BUILTIN_DEMS = {"japan-sea": BUILTIN_DEM_NAME, "korea": "etopo5_korea.tif"}
BUILTIN_PREFIX = "builtin:"


def builtin_dem_path(name: str = "japan-sea", where: str | None = None, field: str | None = None) -> Path:
    """Path of a GeoTIFF shipped inside the package (japan-sea: 38-48N 126-148E, the
    default; korea: 35-41N 123-130E)."""
    from foxbat.errors import InputFileError

    if name not in BUILTIN_DEMS:
        raise InputFileError(f"no built-in DEM {name!r}; built-in: {', '.join(BUILTIN_DEMS)}",
                             where=where if where or field else "--dem", field=field)
    return Path(str(files("foxbat.terrain") / "data" / BUILTIN_DEMS[name]))
