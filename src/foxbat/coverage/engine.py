"""Per-radar and network coverage: the lowest visible target height over a DEM.

Projected DEMs are computed on their own grid (distances corrected by the map's
point scale factor at the radar, so ranges are WGS84 ground ranges). Geographic DEMs
are resampled to an azimuthal-equidistant grid centred on the radar, where rays are
straight geodesics and distances are exact, then sampled back onto the DEM grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from foxbat.coverage import los
from foxbat.coverage.site import RadarSite
from foxbat.errors import OffMapError
from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M, aeqd_crs, check_k
from foxbat.terrain.dem import Dem, has_nan

SEA_SURFACE_M = 0.0


@dataclass
class Coverage:
    """The coverage of one radar or a network on a DEM's grid.

    lowest_agl_m: float32, lowest visible target height above ground (m); ``fill``
    (NaN by default) where no radar reaches (beyond range, nodata).
    radar_index: int16 index into ``sites`` of the radar giving that height, -1 where
    none (None for a single radar).
    ceiling_agl_m: float32 height above ground (m) above which every radar that sees
    the cell is looking above its highest beam (the cone of silence); None when no
    site has a maximum elevation.
    """

    dem: Dem
    sites: list[RadarSite]
    k: float
    lowest_agl_m: np.ndarray
    radar_index: np.ndarray | None = None
    ceiling_agl_m: np.ndarray | None = None
    antenna_msl_m: list[float] = field(default_factory=list)
    fill: float = float("nan")
    site_lowest_agl_m: list[np.ndarray] | None = None  # each site's own raster (NaN beyond range), if kept

    def valid(self) -> np.ndarray:
        """True where some radar reaches the cell."""
        a = self.lowest_agl_m
        return np.isfinite(a) if math.isnan(self.fill) else (a != self.fill) & np.isfinite(a)

    def ground_m(self) -> np.ndarray:
        """Terrain height for line of sight (m MSL; sea clamped to 0), NaN at nodata."""
        z = self.dem.heights_m.astype(np.float32)
        z[~self.dem.valid_mask()] = np.nan
        return np.maximum(z, SEA_SURFACE_M)

    def lowest_msl_m(self) -> np.ndarray:
        """Lowest visible target altitude above mean sea level (m), NaN where not reached."""
        lo = np.where(self.valid(), self.lowest_agl_m, np.nan)
        return lo + self.ground_m()

    def covered(self, alt_m: float, ref: str = "agl") -> np.ndarray:
        """True where a target at alt_m (above ground for ref='agl', MSL for 'msl') is seen."""
        ok = self.valid()
        if ref == "agl":
            cov = ok & (self.lowest_agl_m <= alt_m)
            if self.ceiling_agl_m is not None:
                cov &= ~(self.ceiling_agl_m < alt_m)
            return cov
        if ref == "msl":
            ground = self.ground_m()
            cov = ok & (self.lowest_agl_m + ground <= alt_m)
            if self.ceiling_agl_m is not None:
                cov &= ~(self.ceiling_agl_m + ground < alt_m)
            return cov
        raise ValueError(f"ref must be 'agl' or 'msl', got {ref!r}")


def site_ground_m(dem: Dem, site: RadarSite) -> float:
    """Terrain height under a site (m MSL, sea clamped to 0); OffMapError at nodata, or off
    the DEM without an ``antenna_msl_m``. A site beyond the DEM's edge with its antenna
    altitude MSL is allowed: the ground there is unknown, taken as the sea surface (0 m)."""
    if not bool(dem.contains(site.lat_deg, site.lon_deg)):
        if site.antenna_msl_m is not None:
            return SEA_SURFACE_M
        raise OffMapError(
            f"site {site.lat_deg:.5f},{site.lon_deg:.5f} lies outside the DEM "
            f"({_dem_extent_text(dem)}); a site beyond the DEM's edge needs its antenna altitude "
            "(antenna_msl_m): the DEM has no ground there", where=f"site {site.name}", field="position")
    z = float(dem.elevation_m(site.lat_deg, site.lon_deg))
    if not math.isfinite(z):
        raise OffMapError(
            f"site {site.lat_deg:.5f},{site.lon_deg:.5f} lies on a nodata cell of {dem.name}; "
            "move it onto terrain or fill the DEM", where=f"site {site.name}", field="position")
    return max(z, SEA_SURFACE_M)


def antenna_msl_m(dem: Dem, site: RadarSite) -> float:
    """The antenna altitude MSL: given, or the DEM height plus the height above ground."""
    ground = site_ground_m(dem, site)
    if site.antenna_msl_m is not None:
        return float(site.antenna_msl_m)
    return ground + float(site.antenna_agl_m)


def _dem_extent_text(dem: Dem) -> str:
    from rasterio.warp import transform_bounds

    left, bottom, right, top = dem.transform @ (0, dem.shape[0]) + dem.transform @ (dem.shape[1], 0)
    try:
        w, s, e, n = transform_bounds(dem.crs, "EPSG:4326", left, bottom, right, top)
    except Exception:  # a CRS pyproj cannot invert: show map units
        return f"{dem.name} covers x {left:.0f}..{right:.0f}, y {bottom:.0f}..{top:.0f}"
    return f"{dem.name} covers lat {s:.3f}..{n:.3f}, lon {w:.3f}..{e:.3f}"


def _nodata_args(z: np.ndarray, nodata: float | None) -> tuple[float, bool]:
    if nodata is not None:
        return float(nodata), True
    if np.issubdtype(z.dtype, np.floating):
        return float("nan"), True  # NaN cells are missing even without a declared nodata
    return 0.0, False


def _run_kernel(z, nodata, r0, c0, h0, cw, ch, k, site, out, idx, radar_id, floor_m, maybe_missing=True):
    nd, has_nd = _nodata_args(z, nodata)
    # the kernel's nodata tests cost about 8 %; skip them where no cell is missing
    has_nd = has_nd and maybe_missing
    tan_min = math.tan(math.radians(site.min_elev_deg)) if site.min_elev_deg is not None else -math.inf
    los.lowest_visible_agl(
        z, nd, has_nd, int(r0), int(c0), float(h0), float(cw), float(ch),
        1.0 / (2.0 * k * EARTH_RADIUS_M), float(site.max_range_m), tan_min, float(floor_m),
        out, idx, int(radar_id))


def _ceiling_grid(shape, r0, c0, h0, cw, ch, k, site, ground):
    """Cone-of-silence ceiling (m AGL) on a grid, NaN beyond range."""
    nr, nc = shape
    dy = (np.arange(nr, dtype=np.float64) - r0) * ch
    dx = (np.arange(nc, dtype=np.float64) - c0) * cw
    d = np.hypot(dy[:, None], dx[None, :])
    top = h0 + d * math.tan(math.radians(site.max_elev_deg)) + d * d / (2 * k * EARTH_RADIUS_M)
    ceil = (top - ground).astype(np.float32)
    ceil[d > site.max_range_m * (1.0 + 1e-9)] = np.nan
    return ceil


def _single_projected(dem, site, k, h0, out, idx, radar_id, floor_m):
    row, col = dem.rowcol_float(site.lat_deg, site.lon_deg)
    nr, nc = dem.shape
    s = dem.scale_factor(site.lat_deg, site.lon_deg)
    cw, ch = abs(dem.transform.a) / s, abs(dem.transform.e) / s
    r0, c0 = int(np.rint(row)), int(np.rint(col))
    if 0 <= r0 < nr and 0 <= c0 < nc:
        z = np.ascontiguousarray(dem.heights_m)
        _run_kernel(z, dem.nodata, r0, c0, h0, cw, ch, k, site, out, idx, radar_id, floor_m, dem.has_missing())
        return r0, c0, cw, ch
    # a site beyond the DEM's edge: the grid is widened to reach it, the cells added are
    # unknown terrain taken as the sea surface (rays cross them above the Earth's bulge)
    pt, pl = max(0, -r0), max(0, -c0)
    pb, pr = max(0, r0 - (nr - 1)), max(0, c0 - (nc - 1))
    zp = np.full((nr + pt + pb, nc + pl + pr), max(floor_m, SEA_SURFACE_M), np.float32)
    inner = dem.heights_m.astype(np.float32)
    inner[~dem.valid_mask()] = np.nan
    zp[pt:pt + nr, pl:pl + nc] = inner
    op = np.full(zp.shape, np.inf, np.float32)
    _run_kernel(zp, None, r0 + pt, c0 + pl, h0, cw, ch, k, site, op, np.zeros((1, 1), np.int16), 0, floor_m,
                dem.has_missing())
    sub_ = op[pt:pt + nr, pl:pl + nc]
    better = sub_ < out
    out[better] = sub_[better]
    if idx.shape == out.shape:
        idx[better] = radar_id
    return r0, c0, cw, ch


def _aeqd_grid(dem: Dem, site: RadarSite):
    """An azimuthal-equidistant grid centred on the site covering the DEM within range."""
    from affine import Affine
    from rasterio.warp import transform as warp_transform

    cw, ch = dem.cell_size_m(site.lat_deg)
    cell = min(cw, ch)
    crs = aeqd_crs(site.lat_deg, site.lon_deg)
    # the DEM's outline in the AEQD plane bounds the useful part of the grid
    nr, nc = dem.shape
    t = np.linspace(0, 1, 65)
    edge_c = np.concatenate([t * nc, np.full_like(t, nc), (1 - t) * nc, np.zeros_like(t)])
    edge_r = np.concatenate([np.zeros_like(t), t * nr, np.full_like(t, nr), (1 - t) * nr])
    ex, ey = dem.transform @ (edge_c, edge_r)
    ax, ay = warp_transform(dem.crs, crs, list(ex), list(ey))
    ax, ay = np.asarray(ax), np.asarray(ay)
    ok = np.isfinite(ax) & np.isfinite(ay)
    r = site.max_range_m
    # the radar's own cell too (0, 0), where it stands beyond the DEM's edge
    xmin, xmax = min(0.0, max(-r, ax[ok].min())), max(0.0, min(r, ax[ok].max()))
    ymin, ymax = min(0.0, max(-r, ay[ok].min())), max(0.0, min(r, ay[ok].max()))
    # whole cells either side of the centre so the radar sits on a cell centre
    nl, nr_ = int(math.ceil(-xmin / cell)) + 1, int(math.ceil(xmax / cell)) + 1
    nb, nt = int(math.ceil(-ymin / cell)) + 1, int(math.ceil(ymax / cell)) + 1
    transform = Affine(cell, 0, -(nl + 0.5) * cell, 0, -cell, (nt + 0.5) * cell)
    shape = (nt + nb + 1, nl + nr_ + 1)
    return crs, transform, shape, nt, nl, cell


def _single_geographic(dem, site, k, h0, floor_m, want_ceiling):
    """One radar on a geographic DEM, via an AEQD grid; results on the DEM grid."""
    from rasterio.warp import Resampling, reproject

    crs, transform, shape, r0, c0, cell = _aeqd_grid(dem, site)
    z = np.full(shape, np.nan, np.float32)
    src_nd = dem.nodata if dem.nodata is not None else None
    reproject(dem.heights_m, z, src_transform=dem.transform, src_crs=dem.crs, src_nodata=src_nd,
              dst_transform=transform, dst_crs=crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
    if not bool(dem.contains(site.lat_deg, site.lon_deg)):
        # a site beyond the DEM's edge: the cells off the DEM (not its nodata cells) are
        # unknown terrain taken as the sea surface, so rays still clear the Earth's bulge
        on_dem = np.zeros(shape, np.float32)
        reproject(np.ones(dem.shape, np.float32), on_dem, src_transform=dem.transform, src_crs=dem.crs,
                  dst_transform=transform, dst_crs=crs, dst_nodata=0.0, resampling=Resampling.nearest)
        z[on_dem == 0] = max(floor_m, SEA_SURFACE_M)
    out = np.full(shape, np.inf, np.float32)
    # NaN marks cells off the DEM (or at its nodata); a radar well inside has none
    _run_kernel(z, None, r0, c0, h0, cell, cell, k, site, out, np.zeros((1, 1), np.int16), 0, floor_m,
                has_nan(z))
    out[np.isinf(out)] = np.nan
    back = np.full(dem.shape, np.nan, np.float32)
    reproject(out, back, src_transform=transform, src_crs=crs, src_nodata=np.nan,
              dst_transform=dem.transform, dst_crs=dem.crs, dst_nodata=np.nan,
              resampling=Resampling.bilinear)
    back[~dem.valid_mask()] = np.nan
    ceil = None
    if want_ceiling:
        ground = np.maximum(np.where(np.isfinite(z), z, 0.0), floor_m)
        c = _ceiling_grid(shape, r0, c0, h0, cell, cell, k, site, ground)
        ceil = np.full(dem.shape, np.nan, np.float32)
        reproject(c, ceil, src_transform=transform, src_crs=crs, src_nodata=np.nan,
                  dst_transform=dem.transform, dst_crs=dem.crs, dst_nodata=np.nan,
                  resampling=Resampling.bilinear)
    return back, ceil


def compute_coverage(
    dem: "Dem | str | object",
    sites: Sequence[RadarSite] | RadarSite,
    k: float = DEFAULT_K,
    *,
    fill: float = float("nan"),
    sea_floor: bool = True,
    on_site_done: Callable[[int, RadarSite], None] | None = None,
    keep_sites: bool = False,
) -> Coverage:
    """Lowest visible target height above ground for one radar or a network.

    ``dem``: a Dem, an open rasterio dataset or a path. Per cell the minimum over
    radars, and (for several radars) which radar gives it.
    ``fill`` marks cells no radar reaches. With ``sea_floor`` terrain below 0 m MSL
    (bathymetry) counts as the sea surface. ``on_site_done(i, site)`` is called after
    each radar (for progress bars). ``keep_sites`` also keeps each radar's own raster
    (``Coverage.site_lowest_agl_m``, NaN beyond range), for per-radar work such as the
    detectable height, without a second pass.
    """
    from foxbat.terrain.dem import as_dem

    dem = as_dem(dem)
    if isinstance(sites, RadarSite):
        sites = [sites]
    sites = list(sites)
    if not sites:
        raise ValueError("at least one radar site is needed")
    k = check_k(k)
    floor_m = SEA_SURFACE_M if sea_floor else -math.inf
    h0s = [antenna_msl_m(dem, s) for s in sites]  # checks every site before any work
    multi = len(sites) > 1
    want_ceiling = any(s.max_elev_deg is not None for s in sites)
    out = los.full(dem.shape, np.inf, np.float32)
    idx = los.full(dem.shape, -1, np.int16) if multi else np.zeros((1, 1), np.int16)
    ceiling = np.full(dem.shape, np.nan, np.float32) if want_ceiling else None
    ground = None
    kept = [] if keep_sites else None
    for i, (site, h0) in enumerate(zip(sites, h0s)):
        if dem.is_geographic:
            lo, ceil = _single_geographic(dem, site, k, h0, floor_m, site.max_elev_deg is not None)
            better = lo < out  # NaN compares False
            out[better] = lo[better]
            if multi:
                idx[better] = i
            if kept is not None:
                kept.append(lo)
        else:
            if kept is not None:
                own = los.full(dem.shape, np.inf, np.float32)
                r0, c0, cw, ch = _single_projected(dem, site, k, h0, own, np.zeros((1, 1), np.int16), 0, floor_m)
                better = own < out
                out[better] = own[better]
                if multi:
                    idx[better] = i
                own[np.isinf(own)] = np.nan
                kept.append(own)
            else:
                r0, c0, cw, ch = _single_projected(dem, site, k, h0, out, idx, i, floor_m)
            ceil = None
            if site.max_elev_deg is not None:
                if ground is None:
                    ground = Coverage(dem, sites, k, out).ground_m()
                ceil = _ceiling_grid(dem.shape, r0, c0, h0, cw, ch, k, site, ground)
        if ceil is not None:
            np.fmax(ceiling, ceil, out=ceiling)
        if on_site_done is not None:
            on_site_done(i, site)
    los.replace_inf(out, fill)
    if ceiling is not None:
        # the ceiling only matters where some radar sees the cell at all
        ceiling[~np.isfinite(out) if math.isnan(fill) else out == fill] = np.nan
    return Coverage(dem, sites, k, out, idx if multi else None, ceiling, h0s, fill, kept)


def lowest_visible_height(dem: "Dem | str | object", site: RadarSite, k: float = DEFAULT_K) -> np.ndarray:
    """The lowest visible target height above ground (m, float32, NaN beyond range) of one radar."""
    return compute_coverage(dem, [site], k).lowest_agl_m
