"""The planning graph: a lat/lon grid of DEM cells (cropped, optionally strided) with
16-connected moves (the 8 neighbours and the 8 knight's moves), each with its
geodesic length and initial bearing, × height layers above ground.

A node of the search is (layer, row, col, heading): the heading is the direction of
the move that reached it (one of the 16), so a turn limit can be checked on every
move. The grid's cells are the DEM's own cells (every ``stride``-th), so each radar's
lowest-visible-height raster is read straight at them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.errors import ParameterError
from foxbat.geo import wgs84_geod
from foxbat.terrain.dem import Dem

# the 16 moves (drow, dcol), counter-clockwise from east (row 0 is north)
MOVES = np.array([(0, 1), (-1, 2), (-1, 1), (-2, 1), (-1, 0), (-2, -1), (-1, -1), (-1, -2),
                  (0, -1), (1, -2), (1, -1), (2, -1), (1, 0), (2, 1), (1, 1), (1, 2)], dtype=np.int64)
N_DIR = 16

DEFAULT_LAYERS_M = (30.0, 100.0, 250.0, 500.0, 1000.0, 2000.0, 3000.0, 4500.0, 6000.0)
"""Default height layers above ground, m. Adjacent layers are close enough for a
dry-thrust climb over one cell of the built-in DEM (about 1,500 m in 35 s)."""


def knight_mids(dr: int, dc: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two cells a knight's move passes between (for an 8-neighbour move: the ends)."""
    if abs(dc) == 2:
        return (0, dc // 2), (dr, dc // 2)
    if abs(dr) == 2:
        return (dr // 2, 0), (dr // 2, dc)
    return (0, 0), (dr, dc)


MIDS = np.array([knight_mids(int(dr), int(dc)) for dr, dc in MOVES], dtype=np.int64)  # [16, 2, 2]


def between_cells(dr: int, dc: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two cells a move passes over besides its ends: a knight's move's two middle
    cells, a diagonal move's two corner cells (an orthogonal move: its ends)."""
    if abs(dr) == 1 and abs(dc) == 1:
        return (dr, 0), (0, dc)
    return knight_mids(dr, dc)


BETWEEN = np.array([between_cells(int(dr), int(dc)) for dr, dc in MOVES], dtype=np.int64)  # [16, 2, 2]


@dataclass
class PlanGrid:
    """Cells of the planning grid: centres, ground (m MSL, sea 0, NaN nodata), and per
    cell and move the geodesic length (m, NaN off the grid) and bearing (deg)."""

    rows: np.ndarray  # DEM row of each grid row
    cols: np.ndarray  # DEM col of each grid col
    lat: np.ndarray  # [nr, nc]
    lon: np.ndarray
    ground_m: np.ndarray
    move_len_m: np.ndarray  # [nr, nc, 16]
    move_bearing_deg: np.ndarray  # [nr, nc, 16]
    stride: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.lat.shape

    def sample(self, raster: np.ndarray) -> np.ndarray:
        """A DEM-grid raster at this grid's cells."""
        return np.ascontiguousarray(raster[np.ix_(self.rows, self.cols)], dtype=np.float64)

    def nearest(self, lat_deg: float, lon_deg: float, what: str = "point") -> tuple[int, int]:
        """The grid cell (row, col) whose centre is nearest a point (geodesic), among
        cells with ground data."""
        g = wgs84_geod()
        _, _, d = g.inv(np.full(self.lat.size, lon_deg), np.full(self.lat.size, lat_deg),
                        self.lon.ravel(), self.lat.ravel())
        d = np.where(np.isfinite(self.ground_m.ravel()), np.asarray(d), np.inf)
        i = int(np.argmin(d))
        return divmod(i, self.shape[1])


def _cell_lonlat(dem: Dem, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cc, rr = np.meshgrid(cols + 0.5, rows + 0.5)
    x, y = dem.transform @ (cc, rr)
    if dem.is_geographic:
        return np.asarray(x, float), np.asarray(y, float)
    from pyproj import Transformer

    tr = Transformer.from_crs(dem.crs.to_wkt(), "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    return np.asarray(lon, float), np.asarray(lat, float)


MAX_AUTO_CELLS = 40_000
"""With no stride given, the planning grid takes every N-th DEM cell, N the least that
keeps it within this many cells (a 1 km DEM of 600 x 400 cells: every 3rd): the
search's states (cells x layers x 16 headings) and the hazard rasters grow with the
cells, and a finer grid than this costs minutes and gigabytes for little gain; the
check flight (the flight model on the full DEM) catches what the coarser grid misses."""


def auto_stride(n_rows: int, n_cols: int, max_cells: int = MAX_AUTO_CELLS) -> int:
    """The least stride whose grid of a ``n_rows`` x ``n_cols`` window has at most ``max_cells`` cells."""
    s = 1
    while math.ceil(n_rows / s) * math.ceil(n_cols / s) > max_cells:
        s += 1
    return s


def window(dem: Dem, points: list[tuple[float, float]], margin_km: float | None, stride: int | None):
    """DEM rows and cols of the planning grid: the box around ``points`` widened by
    ``margin_km`` (None: the whole DEM), every ``stride``-th cell (None:
    :func:`auto_stride`). Returns (rows, cols, stride)."""
    nr, nc = dem.shape
    if stride is not None and stride < 1:
        raise ParameterError(f"must be an integer >= 1, got {stride}", where="--stride")
    if margin_km is None:
        r0, r1, c0, c1 = 0, nr - 1, 0, nc - 1
    else:
        if margin_km < 0:
            raise ParameterError(f"must be >= 0 km, got {margin_km:g}", where="--margin-km")
        g = wgs84_geod()
        lats, lons = [], []
        for la, lo in points:
            for az in (0.0, 90.0, 180.0, 270.0, 45.0, 135.0, 225.0, 315.0):
                lo2, la2, _ = g.fwd(lo, la, az, margin_km * 1000.0)
                lats.append(la2)
                lons.append(lo2)
            lats.append(la)
            lons.append(lo)
        rr, cc = dem.rowcol_float(np.array(lats), np.array(lons))
        r0 = int(max(0, math.floor(np.min(rr))))
        r1 = int(min(nr - 1, math.ceil(np.max(rr))))
        c0 = int(max(0, math.floor(np.min(cc))))
        c1 = int(min(nc - 1, math.ceil(np.max(cc))))
    if stride is None:
        stride = auto_stride(r1 - r0 + 1, c1 - c0 + 1)
    rows = np.arange(r0, r1 + 1, stride)
    cols = np.arange(c0, c1 + 1, stride)
    if rows.size < 3 or cols.size < 3:
        raise ParameterError(f"the planning grid would be only {rows.size} x {cols.size} cells; "
                             "lower --stride or widen --margin-km", where="--stride")
    return rows, cols, stride


def build_grid(dem: Dem, rows: np.ndarray, cols: np.ndarray, stride: int) -> PlanGrid:
    lon, lat = _cell_lonlat(dem, rows, cols)
    z = dem.heights_m[np.ix_(rows, cols)].astype(np.float64)
    if dem.nodata is not None and np.isfinite(dem.nodata):
        z[dem.heights_m[np.ix_(rows, cols)] == dem.nodata] = np.nan
    ground = np.where(np.isnan(z), np.nan, np.maximum(z, 0.0))
    nr, nc = lat.shape
    length = np.full((nr, nc, N_DIR), np.nan)
    bearing = np.full((nr, nc, N_DIR), np.nan)
    g = wgs84_geod()
    R, C = np.meshgrid(np.arange(nr), np.arange(nc), indexing="ij")
    for k, (dr, dc) in enumerate(MOVES):
        r2, c2 = R + dr, C + dc
        ok = (r2 >= 0) & (r2 < nr) & (c2 >= 0) & (c2 < nc)
        if not ok.any():
            continue
        az, _, d = g.inv(lon[ok], lat[ok], lon[r2[ok], c2[ok]], lat[r2[ok], c2[ok]])
        length[ok, k] = d
        bearing[ok, k] = np.mod(az, 360.0)
    return PlanGrid(rows, cols, lat, lon, ground, length, bearing, stride)

