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
    # numpy's sampler (the same bits as elevation_m): the coverage command then never loads numba
    z = float(dem.elevation_numpy_m(site.lat_deg, site.lon_deg))
    if not math.isfinite(z):
        raise OffMapError(
            f"site {site.lat_deg:.5f},{site.lon_deg:.5f} lies on a nodata cell of {dem.name}; "
            "move it onto terrain or fill the DEM", where=f"site {site.name}", field="position")
    return max(z, SEA_SURFACE_M)


#: how far a given antenna altitude may lie below the DEM's ground at its site: a coarse DEM
#: averages valleys with peaks (the built-in 9 km ETOPO5 cell of the Chuguyevka radar is 351 m
#: above its valley), but an antenna deeper than this is a mistake in the altitude
ANTENNA_BELOW_GROUND_MAX_M = 500.0


def antenna_msl_m(dem: Dem, site: RadarSite) -> float:
    """The antenna altitude MSL: given, or the DEM height plus the height above ground.
    OffMapError for a given altitude more than ANTENNA_BELOW_GROUND_MAX_M below the ground."""
    ground = site_ground_m(dem, site)
    if site.antenna_msl_m is not None:
        if not math.isfinite(site.antenna_msl_m) or site.antenna_msl_m < ground - ANTENNA_BELOW_GROUND_MAX_M:
            raise OffMapError(
                f"antenna_msl_m {site.antenna_msl_m:g} m lies {ground - site.antenna_msl_m:,.0f} m below the ground "
                f"there ({ground:,.0f} m MSL on {dem.name}); at most {ANTENNA_BELOW_GROUND_MAX_M:g} m below is "
                "accepted (a coarse DEM's cell)", where=f"site {site.name}", field="antenna_msl_m")
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


def observer_cell(dem, site) -> tuple[int, int, float, float]:
    """The site's cell (row, col; beyond the grid for a site off the DEM) and the ground size
    of a cell there (width, height in m, the map's scale factor taken out) on a projected DEM:
    what the kernel starts from (also the tiled path's plan, so both give the same bits)."""
    row, col = dem.rowcol_float(site.lat_deg, site.lon_deg)
    s = dem.scale_factor(site.lat_deg, site.lon_deg)
    cw, ch = abs(dem.transform.a) / s, abs(dem.transform.e) / s
    return int(np.rint(row)), int(np.rint(col)), cw, ch


def _single_projected(dem, site, k, h0, out, idx, radar_id, floor_m):
    nr, nc = dem.shape
    r0, c0, cw, ch = observer_cell(dem, site)
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


#: samples per side of the range square when finding the part of it over the DEM
_EXTENT_SAMPLES = 129


def _range_samples(dem: Dem, site: RadarSite, crs):
    """Points of the range square in the AEQD plane (x, y, metres), their lat/lon, and which
    of them lie on the DEM. Sampling the square (rather than projecting the DEM's outline)
    works for any DEM, a whole-world one included: its outline (the poles and the
    antimeridian) projects onto a line through the site."""
    from rasterio.warp import transform as warp_transform

    r = site.max_range_m
    s = np.linspace(-r, r, _EXTENT_SAMPLES)
    gx, gy = (a.ravel() for a in np.meshgrid(s, s))
    lon, lat = (np.asarray(v) for v in warp_transform(crs, "EPSG:4326", list(gx), list(gy)))
    inside = np.isfinite(lon) & np.isfinite(lat)
    inside[inside] = dem.contains(lat[inside], lon[inside])
    return gx, gy, lat, lon, inside, float(s[1] - s[0])


def _aeqd_grid(dem: Dem, site: RadarSite):
    """An azimuthal-equidistant grid centred on the site covering the DEM within range."""
    from affine import Affine

    cw, ch = dem.cell_size_m(site.lat_deg)
    cell = min(cw, ch)
    crs = aeqd_crs(site.lat_deg, site.lon_deg)
    r = site.max_range_m
    gx, gy, _, _, inside, step = _range_samples(dem, site, crs)
    # the part of the range square over the DEM, widened by one sample, and the radar's own
    # cell (0, 0) too, where it stands beyond the DEM's edge
    if inside.any():
        xmin, xmax = min(0.0, max(-r, gx[inside].min() - step)), max(0.0, min(r, gx[inside].max() + step))
        ymin, ymax = min(0.0, max(-r, gy[inside].min() - step)), max(0.0, min(r, gy[inside].max() + step))
    else:  # a range smaller than the sampling step: the square around the site
        xmin = ymin = -min(r, step)
        xmax = ymax = min(r, step)
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
    windows = _dem_windows(dem, site, crs)
    z = np.full(shape, np.nan, np.float32)
    src_nd = dem.nodata if dem.nodata is not None else None
    src, src_transform, src_crs = _source_across_antimeridian(dem, site, windows)
    reproject(src, z, src_transform=src_transform, src_crs=src_crs, src_nodata=src_nd,
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
    back = _back_to_dem(out, transform, crs, dem, windows)
    back[~dem.valid_mask()] = np.nan
    ceil = None
    if want_ceiling:
        ground = np.maximum(np.where(np.isfinite(z), z, 0.0), floor_m)
        c = _ceiling_grid(shape, r0, c0, h0, cell, cell, k, site, ground)
        ceil = _back_to_dem(c, transform, crs, dem, windows)
    return back, ceil


def _source_across_antimeridian(dem: Dem, site: RadarSite | None, windows, crs_only: bool = False):
    """The DEM as GDAL should read it for the AEQD grid: as it is, or, where the range
    crosses the antimeridian of a whole-world DEM (two windows), the two windows side by
    side (the western edge's columns continued past 180 deg) in a geographic CRS whose
    longitudes wrap around the site's. GDAL's inverse projection gives longitudes in
    -180..180, and reading across the DEM's edge with them mixed cells of both sides
    (a median error of 21 m on a test terrain)."""
    if len(windows) != 2:
        return dem.heights_m, dem.transform, dem.crs
    from affine import Affine
    from rasterio.crs import CRS

    (r0, r1, a0, a1), (_, _, b0, b1) = windows
    src = None if crs_only else np.ascontiguousarray(
        np.concatenate([dem.heights_m[r0:r1, b0:b1], dem.heights_m[r0:r1, a0:a1]], axis=1))
    transform = dem.transform * Affine.translation(b0, r0)
    # longitudes wrap around the middle of the joined windows (the antimeridian's side)
    centre_lon = (transform * ((b1 - b0 + a1 - a0) / 2.0, 0))[0]
    geog = dem.crs.to_proj4() or "+proj=longlat +datum=WGS84"
    return src, transform, CRS.from_proj4(f"{geog} +lon_wrap={centre_lon:.9f}")


def _dem_windows(dem: Dem, site: RadarSite, crs) -> list[tuple[int, int, int, int]]:
    """The DEM windows (row0, row1, col0, col1) holding the radar's range: one, or two where
    the range crosses the antimeridian at the edges of a whole-world DEM. Warping back only
    there keeps GDAL from transforming every cell of a large DEM (and from losing the
    cells across the antimeridian)."""
    _, _, lat, lon, inside, step_m = _range_samples(dem, site, crs)
    nr, nc = dem.shape
    row, col = dem.rowcol_float(lat[inside], lon[inside])
    if not row.size:
        row, col = dem.rowcol_float(np.array([site.lat_deg]), np.array([site.lon_deg]))
    pad = 2 + 2 * int(math.ceil(step_m / min(dem.cell_size_m(site.lat_deg))))  # a sample step, in cells
    r0, r1 = max(0, int(row.min()) - pad), min(nr, int(math.ceil(row.max())) + pad + 1)
    cols = np.sort(col)
    gaps = np.diff(cols)
    if cols.size > 1 and gaps.max() > nc / 2:  # two clusters: either side of the antimeridian
        g = int(np.argmax(gaps))
        left_end, right_start = cols[g], cols[g + 1]
        return [(r0, r1, 0, min(nc, int(math.ceil(left_end)) + pad + 1)),
                (r0, r1, max(0, int(right_start) - pad), nc)]
    return [(r0, r1, max(0, int(cols.min()) - pad), min(nc, int(math.ceil(cols.max())) + pad + 1))]


def _back_to_dem(grid: np.ndarray, transform, crs, dem: Dem, windows) -> np.ndarray:
    """A float32 AEQD grid warped (bilinear) onto the DEM grid, NaN outside ``windows``."""
    from affine import Affine
    from rasterio.warp import Resampling, reproject

    back = np.full(dem.shape, np.nan, np.float32)
    if len(windows) == 2:  # across the antimeridian: both windows side by side, as the source was read
        (r0, r1, a0, a1), (_, _, b0, b1) = windows
        _, dst_transform, dst_crs = _source_across_antimeridian(dem, None, windows, crs_only=True)
        part = np.full((r1 - r0, (b1 - b0) + (a1 - a0)), np.nan, np.float32)
        reproject(grid, part, src_transform=transform, src_crs=crs, src_nodata=np.nan,
                  dst_transform=dst_transform, dst_crs=dst_crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
        back[r0:r1, b0:b1] = part[:, :b1 - b0]
        back[r0:r1, a0:a1] = part[:, b1 - b0:]
        return back
    for r0, r1, c0, c1 in windows:
        part = np.full((r1 - r0, c1 - c0), np.nan, np.float32)
        reproject(grid, part, src_transform=transform, src_crs=crs, src_nodata=np.nan,
                  dst_transform=dem.transform * Affine.translation(c0, r0), dst_crs=dem.crs, dst_nodata=np.nan,
                  resampling=Resampling.bilinear)
        back[r0:r1, c0:c1] = part
    return back


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
