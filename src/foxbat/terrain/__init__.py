"""Terrain: DEM loading (rasterio), bilinear sampling, the built-in DEM."""

from foxbat.terrain.builtin import builtin_dem_path
from foxbat.terrain.dem import Dem, as_dem, from_array, from_dataset, open_dem

__all__ = ["Dem", "open_dem", "from_array", "from_dataset", "as_dem", "builtin_dem_path"]
