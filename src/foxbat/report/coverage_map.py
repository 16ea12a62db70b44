"""A coverage map as a PNG: hillshaded terrain, coastline, the lowest visible height in classes.

>>> from foxbat.terrain import open_dem
>>> from foxbat.coverage import RadarSite, compute_coverage
>>> from foxbat.report.coverage_map import render_coverage_png
>>> cov = compute_coverage(open_dem(), [RadarSite(42.16, 139.4456, antenna_msl_m=600, name="Okushiri")])
>>> render_coverage_png(cov, "okushiri.png")  # doctest: +SKIP

Drawn with matplotlib's Agg canvas on a private Figure (pyplot is not used, so no
global figure state is created or left behind, and the caller's backend is untouched).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

from foxbat.atomic import save_figure
from foxbat.errors import ParameterError

#: Default class boundaries of the lowest visible height above ground (m).
DEFAULT_CLASS_BOUNDS_M = (30.0, 100.0, 300.0, 1000.0, 3000.0)
#: Class colours, lowest (seen down to the ground) first: hot means well seen.
# (no blues: they would vanish into the tinted sea)
_CLASS_COLOURS = ["#b2182b", "#e8552d", "#f99d45", "#fee05a", "#5cb85c", "#7b4fa8",
                  "#4a1f73", "#252525"]
COVERAGE_ALPHA = 0.62
_LAND_RGB = np.array([0.94, 0.92, 0.87])  # a warm paper grey, darkened by the hillshade
_SEA_SHALLOW_RGB = np.array([0.80, 0.88, 0.95])
_SEA_DEEP_RGB = np.array([0.55, 0.70, 0.86])
_NODATA_RGB = np.array([1.0, 1.0, 1.0])
_COAST_COLOUR = "#1d3f66"


def terrain_rgb(zf: np.ndarray, valid: np.ndarray, is_sea: np.ndarray, cell_w_m: float, cell_h_m: float, *,
                vert_exag: float, shade_sea: bool = False) -> np.ndarray:
    """The maps' terrain colours (rows x cols x 3, float32 0..1): land hillshaded in a warm
    grey, the sea tinted darker with depth (lightly shaded too with ``shade_sea`` when the
    DEM has bathymetry), nodata white. Computed in float32 in place (a run map's basemap is
    about a million cells; fresh memory is what its drawing waited on most)."""
    from matplotlib.colors import LightSource

    shade = LightSource(azdeg=315, altdeg=40).hillshade(np.maximum(zf, 0.0), vert_exag=vert_exag, dx=cell_w_m,
                                                        dy=cell_h_m).astype(np.float32)
    rgb = np.empty(zf.shape + (3,), np.float32)
    np.multiply((0.55 + 0.45 * shade)[..., None], _LAND_RGB.astype(np.float32), out=rgb)
    if np.any(is_sea):
        depth = np.clip(-zf[is_sea] / 4000.0, 0.0, 1.0).astype(np.float32)[:, None]
        sea = _SEA_SHALLOW_RGB.astype(np.float32) * (1 - depth) + _SEA_DEEP_RGB.astype(np.float32) * depth
        if shade_sea and np.any(zf < 0):
            sea *= (0.93 + 0.07 * shade[is_sea])[:, None]
        rgb[is_sea] = sea
    rgb[~valid] = _NODATA_RGB
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def render_coverage_png(
    cov,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    alts_m: Sequence[float] | None = None,
    max_pixels: int = 2000,
) -> Path:
    """Draw a coverage map and write it to ``path`` as a PNG (atomically); return the path.

    cov: a :class:`foxbat.coverage.Coverage`. The lowest visible target height above
    ground is drawn in classes bounded by ``alts_m`` (m AGL; default 30, 100, 300, 1000,
    3000) over a hillshade of the terrain with the sea tinted and the coastline drawn;
    cells no radar reaches are left uncoloured. Grids larger than ``max_pixels`` per
    side are strided down before drawing. Axes are degrees for geographic DEMs, km for
    projected ones.
    """
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    path = Path(path)
    bounds = _check_bounds(alts_m)
    max_pixels = int(max_pixels)
    if max_pixels < 16:
        raise ParameterError(f"must be at least 16, got {max_pixels}", field="max_pixels")

    dem = cov.dem
    nr, nc = dem.shape
    step = max(1, math.ceil(max(nr, nc) / max_pixels))
    z = np.asarray(dem.heights_m[::step, ::step], dtype=np.float32)
    valid = np.isfinite(z)
    if dem.nodata is not None and np.isfinite(dem.nodata):
        valid &= np.asarray(dem.heights_m[::step, ::step]) != dem.nodata
    low = np.asarray(cov.lowest_agl_m[::step, ::step], dtype=np.float32)
    reached = np.isfinite(low)
    if not math.isnan(cov.fill):
        reached &= low != cov.fill

    # map geometry of the strided grid (north-up grids; rotation is ignored for drawing)
    t = dem.transform
    geographic = dem.is_geographic
    unit = 1.0 if geographic else 1000.0  # map units per axis unit
    x0, y0 = t.c / unit, t.f / unit
    dx, dy = t.a * step / unit, t.e * step / unit
    ny, nx = z.shape
    extent = (x0, x0 + dx * nx, y0 + dy * ny, y0)
    if dy > 0:  # south-up grids: flip to draw north up
        z, valid, low, reached = (a[::-1] for a in (z, valid, low, reached))
        extent = (extent[0], extent[1], y0 + dy * ny, y0)
        extent = (extent[0], extent[1], min(extent[2:]), max(extent[2:]))
    if dx < 0:
        z, valid, low, reached = (a[:, ::-1] for a in (z, valid, low, reached))
        extent = (min(extent[:2]), max(extent[:2]), extent[2], extent[3])

    # terrain: hillshaded land, tinted sea
    cell_w_m, cell_h_m = dem.cell_size_m()
    zf = np.where(valid, z, 0.0)
    is_sea = valid & (zf <= 0)
    mean_cell_m = math.sqrt(cell_w_m * cell_h_m) * step
    rgb = terrain_rgb(zf, valid, is_sea, cell_w_m * step, cell_h_m * step,
                      vert_exag=float(np.clip(math.sqrt(mean_cell_m / 90.0), 1.0, 12.0)), shade_sea=True)

    # coverage classes
    edges = [0.0, *bounds, math.inf]
    n_cls = len(edges) - 1
    colours = _class_colours(n_cls)
    cls = np.digitize(np.where(reached, low, 0.0), bounds, right=False).astype(np.int16)
    cls_masked = np.ma.masked_array(cls, mask=~reached)
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(np.arange(-0.5, n_cls + 0.5), n_cls)

    # figure size from the map's aspect
    lat_mid = float(np.mean(extent[2:])) if geographic else 0.0
    aspect = 1.0 / max(math.cos(math.radians(lat_mid)), 0.05) if geographic else 1.0
    map_w, map_h = abs(extent[1] - extent[0]), abs(extent[3] - extent[2]) * aspect
    ratio = map_h / map_w if map_w > 0 else 1.0
    fig_w = 11.0
    fig_h = float(np.clip(fig_w * 0.78 * ratio + 1.2, 4.5, 14.0))
    fig = Figure(figsize=(fig_w, fig_h), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(rgb, extent=extent, origin="upper", interpolation="nearest", aspect=aspect, zorder=0)
    ax.imshow(cls_masked, extent=extent, origin="upper", interpolation="nearest", aspect=aspect,
              cmap=cmap, norm=norm, alpha=COVERAGE_ALPHA, zorder=1)

    # coastline: the 0 m contour (0.5 m when the DEM clamps the sea to 0)
    has_coast = bool(np.any(is_sea)) and bool(np.any(valid & (zf > 0)))
    if has_coast:
        xs = x0 + dx * (np.arange(nx) + 0.5)
        ys = y0 + dy * (np.arange(ny) + 0.5)
        if dy > 0:
            ys = ys[::-1]
        if dx < 0:
            xs = xs[::-1]
        level = 0.0 if np.any(zf < 0) else 0.5
        ax.contour(xs, ys, np.ma.masked_array(zf, mask=~valid), levels=[level],
                   colors=_COAST_COLOUR, linewidths=0.8, zorder=2)

    # radar sites
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    sx, sy = _site_xy(cov, dem, unit)
    ax.plot(sx, sy, linestyle="none", marker="^", markersize=9, markerfacecolor="white",
            markeredgecolor="black", markeredgewidth=1.4, zorder=4)
    ax.plot(sx, sy, linestyle="none", marker=".", markersize=3, color="black", zorder=5)
    for x, y, site in zip(sx, sy, cov.sites):
        ax.annotate(site.name, (x, y), xytext=(7, 5), textcoords="offset points", fontsize=10,
                    fontweight="bold", color="black", path_effects=halo, zorder=6)
    ax.set_xlim(min(extent[:2]), max(extent[:2]))
    ax.set_ylim(min(extent[2:]), max(extent[2:]))

    # axes
    if geographic:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _deg_label(v, "E", "W")))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _deg_label(v, "N", "S")))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
    else:
        crs_name = _crs_label(dem.crs)
        ax.set_xlabel(f"easting (km){', ' + crs_name if crs_name else ''}")
        ax.set_ylabel("northing (km)")
    ax.grid(True, color="#555555", linewidth=0.4, alpha=0.35, zorder=3)
    ax.tick_params(labelsize=9)

    # legend: the classes as a colour bar, and the map symbols
    sm_cbar = fig.colorbar(ax.images[1], ax=ax, shrink=0.85, pad=0.02, aspect=25,
                           ticks=np.arange(n_cls))
    sm_cbar.solids.set_alpha(COVERAGE_ALPHA)
    sm_cbar.ax.set_yticklabels(_class_labels(edges), fontsize=9)
    sm_cbar.set_label("lowest visible height above ground (m)", fontsize=10)
    sm_cbar.ax.invert_yaxis()  # best coverage on top
    handles = [Line2D([], [], linestyle="none", marker="^", markersize=8, markerfacecolor="white",
                      markeredgecolor="black", label="radar")]
    if has_coast:
        handles.append(Line2D([], [], color=_COAST_COLOUR, linewidth=1.0, label="coastline"))
    handles.append(Patch(facecolor="none", edgecolor="#777777", label="not reached (no colour)"))
    ax.legend(handles=handles, loc="lower right", fontsize=8.5, framealpha=0.85)

    ax.set_title(title if title is not None else _default_title(cov), fontsize=13)
    # the note as the figure's bottom label, so the layout keeps room for it
    fig.supxlabel(_note(cov, dem, step), x=0.01, ha="left", fontsize=7.5, color="#444444")

    save_figure(fig, path)
    fig.clear()
    return path


# --- helpers --------------------------------------------------------------------------

def _check_bounds(alts_m) -> list[float]:
    if alts_m is None:
        return list(DEFAULT_CLASS_BOUNDS_M)
    try:
        vals = sorted({float(a) for a in alts_m})
    except (TypeError, ValueError):
        raise ParameterError(f"class boundaries must be numbers (m), got {alts_m!r}",
                             field="alts_m") from None
    vals = [v for v in vals if v > 0]
    if not vals or not all(math.isfinite(v) for v in vals):
        raise ParameterError("class boundaries must be finite heights above 0 m", field="alts_m")
    if len(vals) > len(_CLASS_COLOURS) - 1:
        raise ParameterError(f"at most {len(_CLASS_COLOURS) - 1} class boundaries, got {len(vals)}",
                             field="alts_m")
    return vals


def _class_colours(n: int) -> list[str]:
    if n == len(DEFAULT_CLASS_BOUNDS_M) + 1:
        return _CLASS_COLOURS[:n]
    # other class counts: sample the palette evenly, keeping both ends
    idx = np.round(np.linspace(0, len(_CLASS_COLOURS) - 3, n)).astype(int)
    return [_CLASS_COLOURS[i] for i in idx]


def _fmt_m(v: float) -> str:
    return f"{v:,.0f}".replace(",", "\u2009") if v >= 10_000 else f"{v:g}"


def _class_labels(edges) -> list[str]:
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        out.append(f"> {_fmt_m(lo)}" if math.isinf(hi) else f"{_fmt_m(lo)}\u2013{_fmt_m(hi)}")
    return out


def _deg_label(v: float, pos: str, neg: str) -> str:
    hemi = pos if v > 0 else neg if v < 0 else ""
    return f"{abs(v):g}°{hemi}"


def _k_text(k: float) -> str:
    fr = Fraction(k).limit_denominator(12)
    if abs(float(fr) - k) < 1e-9 and fr.denominator != 1:
        return f"{fr.numerator}/{fr.denominator}"
    return f"{k:g}"


def _default_title(cov) -> str:
    n = len(cov.sites)
    names = ", ".join(s.name for s in cov.sites[:4]) + (", …" if n > 4 else "")
    return f"Radar coverage: {n} radar{'s' if n != 1 else ''} ({names}), k = {_k_text(cov.k)}"


def _crs_label(crs) -> str:
    try:
        epsg = crs.to_epsg()
        return f"EPSG:{epsg}" if epsg else ""
    except Exception:
        return ""


def _note(cov, dem, step: int) -> str:
    nr, nc = dem.shape
    name = os.path.basename(dem.name) if dem.path else dem.name
    crs = _crs_label(dem.crs) or ("geographic" if dem.is_geographic else "projected")
    w, h = dem.cell_size_m()
    shown = f", drawn every {step} cells" if step > 1 else ""
    return (f"k = {_k_text(cov.k)} (effective Earth radius k·6371 km)  ·  DEM: {name} ({crs}, {nr}×{nc} cells "
            f"of ~{_fmt_m(round(w))}×{_fmt_m(round(h))} m{shown})  ·  foxbat")


def _site_xy(cov, dem, unit: float):
    lat = np.array([s.lat_deg for s in cov.sites], float)
    lon = np.array([s.lon_deg for s in cov.sites], float)
    x, y = dem.xy(lat, lon)  # in the DEM's CRS (degrees or metres)
    return np.asarray(x, float) / unit, np.asarray(y, float) / unit
