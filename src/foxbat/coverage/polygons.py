"""Covered areas as polygons: GeoJSON of where a network sees a target at given altitudes.

>>> from foxbat.terrain import open_dem
>>> from foxbat.coverage import RadarSite, compute_coverage
>>> from foxbat.coverage.polygons import coverage_geojson, write_geojson
>>> cov = compute_coverage(open_dem(), [RadarSite(42.16, 139.4456, antenna_msl_m=600, name="Okushiri")])
>>> fc = coverage_geojson(cov, [100, 1000, 10000])
>>> write_geojson(fc, "okushiri.geojson")  # doctest: +SKIP

Areas (``area_km2``) are measured on the full-resolution coverage mask with true
(WGS84 ellipsoidal) cell areas: per row for geographic grids, the nominal cell area
divided by the projection's areal scale factor for projected grids. Polygons are traced
from the mask (block-reduced on large grids, see ``polygon_cell_m``), merged, simplified
by at most half a polygon cell and reprojected to WGS84 lon/lat with exterior rings
counter-clockwise (RFC 7946).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from foxbat.atomic import write_text
from foxbat.errors import ParameterError

#: Largest side (cells) of the mask that is traced into polygons; larger masks are
#: reduced by blocks (a block is covered if any of its cells is).
MAX_POLYGON_GRID = 2500
#: Simplification tolerance as a fraction of a polygon cell (at most half a cell).
SIMPLIFY_CELLS = 0.5
#: Largest relative change of the polygon area that simplification may cause.
MAX_SIMPLIFY_AREA_CHANGE = 0.005
#: Decimal degrees kept in the output coordinates (1e-7 deg is about 1 cm).
COORD_GRID_DEG = 1e-7

# WGS84
_A_M = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)


def coverage_geojson(cov, alts_m: Sequence[float], ref: str = "agl") -> dict:
    """A GeoJSON FeatureCollection of the areas where a target at each altitude is seen.

    cov: a :class:`foxbat.coverage.Coverage`. alts_m: target altitudes (m), above ground
    for ``ref="agl"`` or above mean sea level for ``ref="msl"``. One feature per
    altitude, in the order given, with a (Multi)Polygon geometry in WGS84 lon/lat and
    properties ``alt_m``, ``alt_ref``, ``area_km2`` (true area of the covered cells),
    ``radars`` (names), ``n_radars``, ``k``, ``polygon_cell_m`` (nominal size of the
    cells the outline was traced on) and ``simplify_tolerance_m``.
    """
    ref = _check_ref(ref)
    alts = _check_alts(alts_m)
    dem = cov.dem
    cell_areas = _CellAreas(dem)
    factor = max(1, math.ceil(max(dem.shape) / MAX_POLYGON_GRID))
    poly_cell_m = _nominal_cell_m(dem) * factor
    names = [s.name for s in cov.sites]
    features = []
    for alt in alts:
        mask = np.asarray(cov.covered(alt, ref), dtype=bool)
        area_km2 = cell_areas.area_m2(mask) / 1e6
        geom, tol_native, tol_m = _mask_polygons(mask, dem, factor, poly_cell_m)
        geom_ll = _to_lonlat(geom, dem, tol_native)
        features.append({
            "type": "Feature",
            "geometry": _geometry_dict(geom_ll),
            "properties": {
                "alt_m": float(alt),
                "alt_ref": ref,
                "area_km2": round(float(area_km2), 3),
                "radars": names,
                "n_radars": len(names),
                "k": float(cov.k),
                "polygon_cell_m": round(float(poly_cell_m), 1),
                "simplify_tolerance_m": round(float(tol_m), 1),
            },
        })
    return {
        "type": "FeatureCollection",
        "features": features,
        # foreign members (RFC 7946 §6.1): what the areas were computed from
        "foxbat": {
            "kind": "coverage",
            "alt_ref": ref,
            "k": float(cov.k),
            "dem": os.path.basename(dem.name),
            "dem_shape": list(dem.shape),
            "sites": [{"name": s.name, "lat_deg": float(s.lat_deg), "lon_deg": float(s.lon_deg),
                       "antenna_msl_m": None if h is None else float(h)}
                      for s, h in zip(cov.sites, _antenna_heights(cov))],
        },
    }


def write_geojson(obj: dict, path: str | os.PathLike) -> Path:
    """Write a GeoJSON object to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    write_text(path, text + "\n")
    return path


def _antenna_heights(cov) -> list:
    h = list(cov.antenna_msl_m or [])
    return h if len(h) == len(cov.sites) else [None] * len(cov.sites)


# --- checks ---------------------------------------------------------------------------

def _check_ref(ref: str) -> str:
    r = str(ref).lower()
    if r not in ("agl", "msl"):
        raise ParameterError(f"must be 'agl' (above ground) or 'msl' (above sea level), got {ref!r}",
                             field="alt_ref")
    return r


def _check_alts(alts_m) -> list[float]:
    if isinstance(alts_m, (int, float)):
        alts_m = [alts_m]
    out = []
    for a in alts_m:
        try:
            v = float(a)
        except (TypeError, ValueError):
            raise ParameterError(f"altitudes must be numbers (m), got {a!r}", field="alts_m") from None
        if not math.isfinite(v):
            raise ParameterError(f"altitudes must be finite (m), got {a!r}", field="alts_m")
        out.append(v)
    if not out:
        raise ParameterError("give at least one altitude (m)", field="alts_m")
    return out


# --- areas ----------------------------------------------------------------------------

def _authalic_q(lat_deg: np.ndarray) -> np.ndarray:
    """Snyder's q(φ) for WGS84: the area between the equator and φ per radian of longitude
    is a²·q/2."""
    s = np.sin(np.radians(lat_deg))
    return (1 - _E2) * (s / (1 - _E2 * s * s) - np.log((1 - _E * s) / (1 + _E * s)) / (2 * _E))


def _ring_areas_m2(lat_edges_deg: np.ndarray, dlon_deg: float) -> np.ndarray:
    """Ellipsoidal areas of lat/lon cells between consecutive latitude edges."""
    q = _authalic_q(np.clip(lat_edges_deg, -90.0, 90.0))
    return np.abs(np.diff(q)) * _A_M * _A_M / 2 * math.radians(abs(dlon_deg))


class _CellAreas:
    """True ground areas of a DEM's cells, summed over a mask."""

    def __init__(self, dem):
        self.dem = dem
        t = dem.transform
        self.rotated = bool(t.b != 0 or t.d != 0)
        if dem.is_geographic:
            # north-up (or south-up) grids: one area per row; rotated grids are rare
            # enough that the centre row's cell shape stands for all of them
            nr = dem.shape[0]
            lat_edges = t.f + t.e * np.arange(nr + 1, dtype=np.float64)
            self.row_m2 = _ring_areas_m2(lat_edges, math.hypot(t.a, t.d))
            if self.rotated:
                self.row_m2 = np.full(nr, np.median(self.row_m2))
        else:
            self.nominal_m2 = abs(t.a * t.e - t.b * t.d)

    def area_m2(self, mask: np.ndarray) -> float:
        if self.dem.is_geographic:
            per_row = mask.sum(axis=1, dtype=np.int64)
            return float(per_row @ self.row_m2)
        return self._projected_area_m2(mask)

    def _projected_area_m2(self, mask: np.ndarray) -> float:
        nr, nc = mask.shape
        b = max(1, math.ceil(max(nr, nc) / 256))  # blocks small enough for a constant scale
        r_idx = np.arange(0, nr, b)
        c_idx = np.arange(0, nc, b)
        counts = np.add.reduceat(np.add.reduceat(mask, r_idx, axis=0, dtype=np.int64), c_idx, axis=1)
        if not counts.any():
            return 0.0
        rr, cc = np.nonzero(counts)
        # block centres (fractional cell coordinates), partial edge blocks included
        rc = (r_idx[rr] + np.minimum(r_idx[rr] + b, nr)) / 2.0
        ccen = (c_idx[cc] + np.minimum(c_idx[cc] + b, nc)) / 2.0
        x, y = _apply(self.dem.transform, ccen, rc)
        scale = _areal_scale(self.dem.crs, np.asarray(x, float), np.asarray(y, float))
        return float(np.sum(counts[rr, cc] * self.nominal_m2 / scale))


def _areal_scale(crs, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Areal scale factor (map area per ground area) of a projected CRS at map points."""
    try:
        from pyproj import Proj, Transformer

        to_ll = Transformer.from_crs(crs.to_wkt(), "EPSG:4326", always_xy=True)
        lon, lat = to_ll.transform(x, y)
        f = Proj(crs.to_wkt()).get_factors(np.asarray(lon), np.asarray(lat))
        s = np.asarray(f.areal_scale, float)
        return np.where(np.isfinite(s) & (s > 0), s, 1.0)
    except Exception:  # a CRS without scale factors (local engineering grids): take it as true
        return np.ones_like(x, dtype=float)


def _apply(t, cols, rows):
    """Map coordinates of (fractional) column/row positions under an affine transform."""
    cols = np.asarray(cols, float)
    rows = np.asarray(rows, float)
    return t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f


def _nominal_cell_m(dem) -> float:
    """A representative cell size (m): geometric mean of width and height, mid-grid."""
    w, h = dem.cell_size_m()
    return math.sqrt(w * h)


# --- polygons -------------------------------------------------------------------------

def _block_any(mask: np.ndarray, factor: int) -> np.ndarray:
    if factor <= 1:
        return mask
    nr, nc = mask.shape
    m = np.logical_or.reduceat(mask, np.arange(0, nr, factor), axis=0)
    return np.logical_or.reduceat(m, np.arange(0, nc, factor), axis=1)


def _mask_polygons(mask: np.ndarray, dem, factor: int, poly_cell_m: float):
    """Polygons (in the DEM's CRS) of the True cells, merged and simplified.

    Returns the geometry, the simplify tolerance in map units and in metres.
    """
    import shapely
    from affine import Affine
    from rasterio import features
    from shapely.geometry import box, shape

    t = dem.transform
    if not mask.any():
        return shapely.MultiPolygon(), 0.0, 0.0
    small = _block_any(mask, factor)
    tt = Affine(t.a * factor, t.b * factor, t.c, t.d * factor, t.e * factor, t.f)
    src = np.ascontiguousarray(small, dtype=np.uint8)
    polys = [shape(g) for g, v in features.shapes(src, mask=small, transform=tt, connectivity=4) if v == 1]
    geom = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    if factor > 1 and (dem.shape[0] % factor or dem.shape[1] % factor):
        # partial edge blocks reach past the grid: clip to its outline
        nr, nc = dem.shape
        xs, ys = _apply(t, np.array([0, nc, nc, 0]), np.array([0, 0, nr, nr]))
        geom = geom.intersection(shapely.Polygon(zip(xs, ys)) if t.b or t.d else
                                 box(min(xs), min(ys), max(xs), max(ys)))
    geom = shapely.make_valid(geom) if not geom.is_valid else geom
    cell_map = math.sqrt(abs(tt.a * tt.e - tt.b * tt.d))
    tol = SIMPLIFY_CELLS * cell_map
    tol_m = SIMPLIFY_CELLS * poly_cell_m
    a0 = geom.area
    for _ in range(4):
        simple = shapely.simplify(geom, tol, preserve_topology=True)
        if simple.is_valid and not simple.is_empty and abs(simple.area - a0) <= MAX_SIMPLIFY_AREA_CHANGE * a0:
            geom = simple
            break
        tol /= 2
        tol_m /= 2
    else:
        tol, tol_m = 0.0, 0.0
    return _polygonal(geom), tol, tol_m


def _polygonal(geom):
    """Only the polygonal parts of a geometry, as a Polygon or MultiPolygon."""
    import shapely

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    flat = []
    for g in parts:
        flat.extend(shapely.get_parts(g))
    if not flat:
        return shapely.MultiPolygon()
    return flat[0] if len(flat) == 1 else shapely.MultiPolygon(flat)


def _to_lonlat(geom, dem, tol_native: float):
    """Reproject to WGS84 lon/lat (densified first so long straight edges follow the
    projection), snapped to COORD_GRID_DEG and oriented counter-clockwise."""
    import shapely
    from pyproj import CRS, Transformer

    if geom.is_empty:
        return geom
    src = CRS.from_wkt(dem.crs.to_wkt())
    if not src.equals(CRS.from_epsg(4326)):
        t = dem.transform
        cell_map = math.sqrt(abs(t.a * t.e - t.b * t.d))
        if not dem.is_geographic:
            geom = shapely.segmentize(geom, max(20 * cell_map, 4 * tol_native))
        tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)

        def fwd(xy):
            x, y = tr.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        geom = shapely.transform(geom, fwd)
    geom = shapely.set_precision(geom, COORD_GRID_DEG)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return _orient_ccw(_polygonal(geom))


def _orient_ccw(geom):
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946 §3.1.6)."""
    import shapely

    if hasattr(shapely, "orient_polygons"):
        return shapely.orient_polygons(geom, exterior_cw=False)
    from shapely.geometry.polygon import orient

    if geom.geom_type == "Polygon":
        return orient(geom, 1.0)
    return shapely.MultiPolygon([orient(p, 1.0) for p in geom.geoms])


def _geometry_dict(geom) -> dict:
    import shapely

    if geom.is_empty:
        return {"type": "MultiPolygon", "coordinates": []}
    return json.loads(shapely.to_geojson(geom))
