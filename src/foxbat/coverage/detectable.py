"""Detectable-height coverage: per cell, the lowest height above ground at which one
radar detects a target of a given RCS with probability at least Pd on one look.

The SNR is the one a run uses (:mod:`foxbat.sensing.path`): the type's radar equation
with clutter, the two-way elevation pattern and F⁴ over the surface under the
reflection point (sea where the DEM is at 0 m MSL or below, else the land type). Only
heights in line of sight count (at or above the geometric lowest visible height), so
the detectable height is never below it.

F is not monotonic in height (lobes and nulls), so the search goes upward: the SNR is
evaluated at the lowest visible height and at the heights of :data:`LADDER_AGL_M` above
it, the first that reaches the required SNR is kept, and only the interval below it
(from the last height that fails) is bisected to :data:`RESOLUTION_M` (m) or
:data:`RESOLUTION_REL` of the height, whichever is coarser. A lobe narrower
than a ladder step between two failing heights is missed.

The terrain along each radar–cell path is sampled in the DEM's own grid (a straight
line of cells), enough to place the reflection point on land or sea.
"""

from __future__ import annotations

import numpy as np

from foxbat.geo import EARTH_RADIUS_M, wgs84_geod

LADDER_AGL_M = np.array([0, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 100, 120, 150, 175, 200, 250, 300, 350,
                         400, 500, 600, 700, 800, 1000, 1200, 1500, 1750, 2000, 2500, 3000, 3500, 4000, 5000, 6000,
                         7000, 8000, 10000, 12000, 14000, 16000, 18000, 20000], float)
"""Heights above ground (m) tried above the lowest visible height, in order."""
DEFAULT_CEILING_AGL_M = 20000.0
"""Highest height above ground searched by default, m."""
RESOLUTION_M = 0.25
RESOLUTION_REL = 0.002
"""The search stops within max(RESOLUTION_M, RESOLUTION_REL·h) above the crossing."""
LADDER_BLOCK = 8
PATH_SAMPLES = 33
CHUNK_CELLS = 100_000


def _bilinear(z: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    nr, nc = z.shape
    r = np.clip(row, 0, nr - 1)
    c = np.clip(col, 0, nc - 1)
    r0 = np.minimum(np.floor(r).astype(np.int64), max(nr - 2, 0))
    c0 = np.minimum(np.floor(c).astype(np.int64), max(nc - 2, 0))
    r1, c1 = np.minimum(r0 + 1, nr - 1), np.minimum(c0 + 1, nc - 1)
    fr, fc = r - r0, c - c0
    return (z[r0, c0] * (1 - fr) * (1 - fc) + z[r0, c1] * (1 - fr) * fc + z[r1, c0] * fr * (1 - fc)
            + z[r1, c1] * fr * fc)


def cell_lat_lon(dem, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (deg) of cell centres."""
    x, y = dem.transform @ (cols + 0.5, rows + 0.5)
    x, y = np.asarray(x, float), np.asarray(y, float)
    if dem.is_geographic:
        return y, x
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lat, float), np.asarray(lon, float)


class _Cells:
    """The geometry of one radar's cells (arrays over the cells it reaches)."""

    def __init__(self, dem, surface_m, lat0, lon0, h0_msl, rows, cols, k):
        self.rows, self.cols = rows, cols
        lat, lon = cell_lat_lon(dem, rows, cols)
        _, _, d = wgs84_geod().inv(np.full(lat.size, lon0), np.full(lat.size, lat0), lon, lat)
        self.d = np.maximum(np.asarray(d, float), 1.0)
        self.ground = surface_m[rows, cols].astype(float)
        r0, c0 = dem.rowcol_float(lat0, lon0)
        frac = np.linspace(0.0, 1.0, PATH_SAMPLES)
        pr = float(r0) + frac[None, :] * (rows[:, None] - float(r0))
        pc = float(c0) + frac[None, :] * (cols[:, None] - float(c0))
        self.path_z = _bilinear(surface_m, pr, pc)  # [cells, samples], m MSL, sea 0
        self.h0 = h0_msl
        self.kr = k * EARTH_RADIUS_M

    def reflection(self, i: np.ndarray, alt_msl: np.ndarray):
        """Terrain height at the reflection point (flat-Earth split, refined once)."""
        z = np.zeros(i.size)
        for _ in range(2):
            h1 = np.maximum(self.h0 - z, 1.0)
            h2 = np.maximum(alt_msl - z, 1.0)
            j = np.rint(h1 / (h1 + h2) * (PATH_SAMPLES - 1)).astype(np.int64)
            z = self.path_z[i, j]
        return z

    def geometry(self, i: np.ndarray, alt_msl: np.ndarray):
        """Slant range (m) and elevation (rad) on the k·R sphere, as look_angles."""
        phi = self.d[i] / self.kr
        ra, rt = self.kr + self.h0, self.kr + alt_msl
        dz = rt * np.cos(phi) - ra
        dh = rt * np.sin(phi)
        return np.hypot(dz, dh), np.arctan2(dz, dh)


def _sinr_db(cells: _Cells, rt, i, h_agl, rcs_m2, antenna_agl_m, env):
    from foxbat.sensing.path import factors_db, hard_window, signal_snr_db

    alt = cells.ground[i] + h_agl
    slant, elev = cells.geometry(i, alt)
    z_r = cells.reflection(i, alt)
    f_db, pattern = factors_db(rt, cells.d[i], cells.h0 - z_r, alt - z_r, elev, z_r <= 0.0, env)
    out = np.empty(i.size)
    land = cells.ground[i] > 0.0
    for surf, m in ((env.land_clutter, land), (env.sea_clutter, ~land)):
        if m.any():
            out[m] = signal_snr_db(rt, slant[m], rcs_m2, f_db[m], pattern[m], radar_height_m=antenna_agl_m,
                                   target_height_m=np.maximum(h_agl[m], 1.0), surface=surf)
    if hard_window(rt):
        out[~np.asarray(rt.covers(0.0, elev), bool)] = -np.inf
    return out


def detectable_agl_m(dem, site, rt, lowest_agl_m: np.ndarray, *, rcs_m2: float, pd: float = 0.5,
                     swerling: int = 1, env=None, ceiling_agl_m: float = DEFAULT_CEILING_AGL_M) -> np.ndarray:
    """The lowest height above ground (m, float32, NaN where not reached at or below
    ``ceiling_agl_m``) at which ``rt`` at ``site`` detects ``rcs_m2`` with probability
    >= ``pd`` on one look, per cell of ``dem``.

    ``lowest_agl_m`` is the site's own geometric lowest visible height on the DEM grid
    (NaN beyond range, from :func:`foxbat.coverage.compute_coverage` with this site
    alone); ``env`` a :class:`foxbat.sensing.path.PathEnvironment` (default: sea state
    3, medium ground, k 4/3). Cells beyond the type's instrumented range stay NaN.
    """
    from foxbat.coverage.engine import SEA_SURFACE_M, antenna_msl_m, site_ground_m
    from foxbat.radar.detection import required_snr_db
    from foxbat.sensing.path import PathEnvironment

    env = env or PathEnvironment()
    need = float(required_snr_db(pd, rt.pfa.value, swerling, rt.n_pulses))
    h0 = antenna_msl_m(dem, site)
    antenna_agl = max(h0 - site_ground_m(dem, site), 1.0)
    z = dem.heights_m.astype(float)
    z[~dem.valid_mask()] = np.nan
    surface = np.maximum(np.nan_to_num(z, nan=SEA_SURFACE_M), SEA_SURFACE_M)
    lowest = np.asarray(lowest_agl_m, float)
    out = np.full(dem.shape, np.nan, np.float32)
    rows, cols = np.nonzero(np.isfinite(lowest) & (lowest <= ceiling_agl_m))
    max_range = min(site.max_range_m, rt.instrumented_range_m.value)
    for a in range(0, rows.size, CHUNK_CELLS):
        r, c = rows[a:a + CHUNK_CELLS], cols[a:a + CHUNK_CELLS]
        cells = _Cells(dem, surface, site.lat_deg, site.lon_deg, h0, r, c, env.k)
        keep = cells.d <= max_range * (1.0 + 1e-9)
        if not keep.any():
            continue
        n = r.size
        low = lowest[r, c]
        # candidate heights: the lowest visible height, then the ladder above it; tried in
        # blocks from the bottom, a cell leaving once one height passes
        ladder = LADDER_AGL_M[LADDER_AGL_M <= ceiling_agl_m]
        cand = np.concatenate([low[:, None], np.maximum(ladder[None, :], low[:, None])], axis=1)
        found = np.zeros(n, bool)
        first = np.zeros(n, np.int64)
        open_ = np.nonzero(keep)[0]
        for b0 in range(0, cand.shape[1], LADDER_BLOCK):
            if open_.size == 0:
                break
            blk = cand[open_, b0:b0 + LADDER_BLOCK]
            ii = np.repeat(open_, blk.shape[1])
            ok = (_sinr_db(cells, rt, ii, blk.ravel(), rcs_m2, antenna_agl, env) >= need).reshape(blk.shape)
            hit = ok.any(axis=1)
            found[open_[hit]] = True
            first[open_[hit]] = b0 + np.argmax(ok[hit], axis=1)
            open_ = open_[~hit]
        hi = cand[np.arange(n), first]
        lo = cand[np.arange(n), np.maximum(first - 1, 0)]
        # bisect each bracket (fails at lo, passes at hi) down to the resolution
        idx = np.nonzero(found & (first > 0))[0]
        lo_i, hi_i = lo[idx], hi[idx]
        while idx.size:
            wide = hi_i - lo_i > np.maximum(RESOLUTION_M, RESOLUTION_REL * hi_i)
            hi[idx[~wide]] = hi_i[~wide]
            idx, lo_i, hi_i = idx[wide], lo_i[wide], hi_i[wide]
            if not idx.size:
                break
            mid = 0.5 * (lo_i + hi_i)
            good = _sinr_db(cells, rt, idx, mid, rcs_m2, antenna_agl, env) >= need
            hi_i = np.where(good, mid, hi_i)
            lo_i = np.where(good, lo_i, mid)
        res = np.where(found, hi, np.nan)
        out[r, c] = res.astype(np.float32)
    return out
