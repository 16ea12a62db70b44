"""The ground under the aircraft as a plain lat/lon grid for the flight kernel.

"Ground" is the DEM clamped to the sea surface, max(z, 0) m MSL, NaN where the DEM has
no data. A geographic DEM is used as it is; a projected one is resampled once onto a
lat/lon grid of about its own cell size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foxbat.terrain.dem import Dem


@dataclass(frozen=True)
class GroundGrid:
    """Ground heights z[row, col] (m MSL) at cell centres lat0 + row·dlat, lon0 + col·dlon."""

    z: np.ndarray
    lat0: float
    dlat: float
    lon0: float
    dlon: float
    name: str

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(south, north, west, east) of the outer cell edges, degrees."""
        nr, nc = self.z.shape
        lats = (self.lat0 - 0.5 * self.dlat, self.lat0 + (nr - 0.5) * self.dlat)
        lons = (self.lon0 - 0.5 * self.dlon, self.lon0 + (nc - 0.5) * self.dlon)
        return min(lats), max(lats), min(lons), max(lons)

    def describe_bounds(self) -> str:
        s, n, w, e = self.bounds
        return f"{s:.2f} to {n:.2f} deg N, {w:.2f} to {e:.2f} deg E"

    def ground_m(self, lat_deg, lon_deg):
        """Ground height (m MSL) at points, NaN off the grid (vectorised)."""
        from foxbat.flight.kernel import terrain_m

        la = np.atleast_1d(np.asarray(lat_deg, float))
        lo = np.atleast_1d(np.asarray(lon_deg, float))
        la, lo = np.broadcast_arrays(la, lo)
        out = np.array([terrain_m(self.z, self.lat0, self.dlat, self.lon0, self.dlon, a, b)
                        for a, b in zip(la.ravel(), lo.ravel())]).reshape(la.shape)
        return out[0] if np.ndim(lat_deg) == 0 and np.ndim(lon_deg) == 0 else out

    def contains(self, lat_deg: float, lon_deg: float) -> bool:
        return bool(np.isfinite(self.ground_m(float(lat_deg), float(lon_deg))))


def _clamp(z: np.ndarray, nodata) -> np.ndarray:
    zf = z.astype(np.float64)
    if nodata is not None and np.isfinite(nodata):
        zf[z == nodata] = np.nan
    return np.where(np.isnan(zf), np.nan, np.maximum(zf, 0.0))


def ground_grid(dem: Dem) -> GroundGrid:
    """The flight kernel's ground grid for a DEM."""
    a = dem.transform
    if dem.is_geographic and a.b == 0 and a.d == 0:
        return GroundGrid(np.ascontiguousarray(_clamp(dem.heights_m, dem.nodata)),
                          float(a.f + 0.5 * a.e), float(a.e), float(a.c + 0.5 * a.a), float(a.a), dem.name)
    # projected (or rotated) DEM: resample onto lat/lon at about the DEM's cell size
    from pyproj import Transformer

    nr, nc = dem.shape
    tr = Transformer.from_crs(dem.crs.to_wkt(), "EPSG:4326", always_xy=True)
    rows = np.linspace(0, nr, 33)
    cols = np.linspace(0, nc, 33)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    xs, ys = a * (cc.ravel(), rr.ravel())
    lons, lats = tr.transform(xs, ys)
    s, n, w, e = np.min(lats), np.max(lats), np.min(lons), np.max(lons)
    cw, ch = dem.cell_size_m(0.5 * (s + n)) if dem.is_geographic else (abs(a.a), abs(a.e))
    dlat = ch / 111_320.0
    dlon = cw / (111_320.0 * max(np.cos(np.radians(0.5 * (s + n))), 0.05))
    nlat = max(int(np.ceil((n - s) / dlat)), 2)
    nlon = max(int(np.ceil((e - w) / dlon)), 2)
    lat_c = n - (np.arange(nlat) + 0.5) * (n - s) / nlat
    lon_c = w + (np.arange(nlon) + 0.5) * (e - w) / nlon
    la, lo = np.meshgrid(lat_c, lon_c, indexing="ij")
    z = dem.elevation_m(la, lo)
    z = np.where(np.isnan(z), np.nan, np.maximum(z, 0.0))
    return GroundGrid(np.ascontiguousarray(z), float(lat_c[0]), float(lat_c[1] - lat_c[0]),
                      float(lon_c[0]), float(lon_c[1] - lon_c[0]), dem.name)
