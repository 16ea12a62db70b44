"""A side's airspace: the sea within a buffer (the 12-nmi territorial sea) of its land."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.terrain.dem import Dem


@dataclass
class Airspace:
    """Distance (km) from the side's land on the DEM grid; inside = within ``buffer_km``."""

    side: str
    distance_km: Dem
    buffer_km: float

    def distance_to_land_km(self, lat, lon) -> np.ndarray:
        return np.asarray(self.distance_km.elevation_m(lat, lon), float)

    def contains(self, lat, lon) -> np.ndarray:
        d = self.distance_to_land_km(lat, lon)
        return np.nan_to_num(d, nan=np.inf) <= self.buffer_km

    def distance_to_boundary_km(self, lat, lon) -> np.ndarray:
        """Distance outside the airspace (0 inside), km."""
        return np.maximum(self.distance_to_land_km(lat, lon) - self.buffer_km, 0.0)


def airspace_from_dem(side: str, dem: Dem, lat_min: float, lat_max: float, lon_min: float, lon_max: float,
                      buffer_km: float) -> Airspace:
    """Land = DEM cells above 0 m whose centres lie in the box; distances on the grid
    with the ground size of a cell at the box's mid-latitude."""
    from scipy.ndimage import distance_transform_edt

    nr, nc = dem.shape
    rows, cols = np.mgrid[0:nr, 0:nc]
    x, y = dem.transform @ (cols + 0.5, rows + 0.5)
    if dem.is_geographic:
        lon, lat = x, y
    else:
        from pyproj import Transformer

        lon, lat = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True).transform(x, y)
    z = np.where(dem.valid_mask(), dem.heights_m.astype(float), 0.0)
    land = (z > 0) & (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)
    w, h = dem.cell_size_m((lat_min + lat_max) / 2) if dem.is_geographic else (abs(dem.transform.a), abs(dem.transform.e))
    if land.any():
        dist = distance_transform_edt(~land, sampling=(h / 1000.0, w / 1000.0))
    else:
        dist = np.full(dem.shape, math.inf)
    return Airspace(side, Dem(dist.astype(np.float32), dem.transform, dem.crs, None), buffer_km)
