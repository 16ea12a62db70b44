"""The run map: terrain, each side's low-level coverage, the flown paths coloured by who sees them.

>>> from foxbat.report.run_folder import read_run
>>> from foxbat.report.run_map import render_run_map
>>> render_run_map(read_run("runs/belenko"), "runs/belenko/map.png")  # doctest: +SKIP

The basemap (hillshaded terrain resampled onto a lon/lat grid, the coastline, per-side
coverage fractions) is also used by the HTML replay's background image
(:func:`basemap`), so the two always agree. Its colours are those of
:mod:`foxbat.report.coverage_map`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foxbat.atomic import save_figure
from foxbat.report.coverage_map import _COAST_COLOUR, _deg_label, terrain_rgb
from foxbat.report.figures import freeze_layout
from foxbat.report.run_folder import RunData

#: Opacity of a side's coverage tint where the side sees a target at the low-level height.
COVERAGE_TINT_ALPHA = 0.34
#: How far the terrain is faded towards white under the overlays.
BASEMAP_FADE = 0.22
_NOT_SEEN = "#3a3a3a"
_EVENT_STYLE = {  # kind: (marker, size, label)
    "detection": ("o", 7, "detection"),
    "track_lost": ("X", 9, "track lost"),
    "track_started": ("P", 8, "track started"),
    "track_reacquired": ("P", 8, "track reacquired"),
    "airspace_entry": ("*", 15, "airspace entry"),
    "landing": ("v", 11, "landing"),
}


@dataclass
class Basemap:
    """Terrain and coverage on a regular lon/lat grid (row 0 at the north)."""

    rgb: np.ndarray  # (ny, nx, 3) float 0..1, hillshaded land and tinted sea
    height_m: np.ndarray | None  # (ny, nx) terrain (m MSL), None without a DEM
    extent: tuple[float, float, float, float]  # west, east, south, north
    coverage: dict[str, np.ndarray]  # side -> (ny, nx) fraction 0..1 covered at the low-level height
    coast_level: float | None
    sea_share: np.ndarray | None = None  # (ny, nx) share of sea cells, where the DEM has no bathymetry

    @property
    def aspect(self) -> float:
        """Display aspect (y units per x unit) that makes the map locally conformal."""
        lat_mid = 0.5 * (self.extent[2] + self.extent[3])
        return 1.0 / max(math.cos(math.radians(lat_mid)), 0.05)

    def lon_lat_axes(self):
        w, e, s, n = self.extent
        ny, nx = self.rgb.shape[:2]
        xs = w + (np.arange(nx) + 0.5) * (e - w) / nx
        ys = n - (np.arange(ny) + 0.5) * (n - s) / ny
        return xs, ys


def open_run_dem(run: RunData):
    """The run's DEM (run.json ``dem``: "builtin", a path, or relative to the folder), or None."""
    from foxbat.errors import FoxbatError
    from foxbat.terrain import open_dem

    spec = run.meta.get("dem")
    try:
        if spec in (None, "", "builtin", "built-in"):
            return open_dem()
        p = Path(str(spec))
        if not p.is_absolute() and not p.exists():
            p = run.path / p
        return open_dem(p)
    except (FoxbatError, OSError):
        return None


def basemap(run: RunData, bounds, width_px: int = 1400, height_m: float | None = None) -> Basemap:
    """Resample terrain and coverage onto a lon/lat grid over ``bounds`` (w, s, e, n)."""
    from rasterio.crs import CRS
    from rasterio.transform import from_bounds
    from rasterio.warp import Resampling, reproject

    w, s, e, n = bounds
    lat_mid = 0.5 * (s + n)
    coslat = max(math.cos(math.radians(lat_mid)), 0.05)
    nx = int(width_px)
    dlon = (e - w) / nx
    ny = max(16, int(round((n - s) / (dlon * coslat))))
    dst_t = from_bounds(w, s, e, n, nx, ny)
    dst_crs = CRS.from_epsg(4326)
    height_m = run.low_level_height_m if height_m is None else height_m

    rgb = z = sea_frac = coast_level = None
    dem = open_run_dem(run)
    if dem is not None:
        rgb, z, sea_frac, coast_level = _terrain(dem, dst_t, dst_crs, nx, ny, dlon * 111_320.0 * coslat,
                                                 (n - s) / ny * 110_574.0)
    if rgb is None:  # no terrain: a plain pale ground
        rgb = np.full((ny, nx, 3), 0.95, np.float32)
        rgb *= 1 - BASEMAP_FADE
        rgb += BASEMAP_FADE

    cover = {}
    for side, sc in run.coverage.items():
        frac = np.full((ny, nx), np.nan, np.float32)
        src = sc.covered(height_m).astype(np.float32)
        reproject(src, frac, src_transform=sc.transform, src_crs=sc.crs, src_nodata=None,
                  dst_transform=dst_t, dst_crs=dst_crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
        cover[side] = np.nan_to_num(frac, nan=0.0)
    return Basemap(rgb, z, (w, e, s, n), cover, coast_level, sea_frac)


def _terrain(dem, dst_t, dst_crs, nx: int, ny: int, cell_w_m: float, cell_h_m: float):
    """The basemap's terrain on its grid (``dst_t``, ``dst_crs``, ny x nx cells of about
    ``cell_w_m`` x ``cell_h_m``): ``rgb`` (hillshaded, faded, float32 0..1; None where the DEM
    has no height on the grid), ``z`` (heights, m; None then too), ``sea_frac`` (share of sea
    cells, where the DEM has no bathymetry; else None) and ``coast_level`` (None for no coast)."""
    from rasterio.warp import Resampling, reproject

    src = np.asarray(dem.heights_m, np.float32)
    if dem.nodata is not None and np.isfinite(dem.nodata):
        src = np.where(dem.heights_m == dem.nodata, np.nan, src).astype(np.float32)
    z = np.full((ny, nx), np.nan, np.float32)
    reproject(src, z, src_transform=dem.transform, src_crs=dem.crs, src_nodata=np.nan,
              dst_transform=dst_t, dst_crs=dst_crs, dst_nodata=np.nan, resampling=Resampling.cubic)
    # bathymetry is judged on the DEM itself: cubic resampling rings below 0 m at the
    # coasts of a DEM whose sea is clamped to 0 m (GLOBE, SRTM), which is no bathymetry
    with np.errstate(invalid="ignore"):
        has_bathy = bool(np.nanmin(src) < 0) if np.any(np.isfinite(src)) else False
    sea_frac = None
    if not has_bathy:  # the sea is where the DEM says 0 m, resampled as a share of the pixel
        sea_src = np.where(np.isfinite(src), (src <= 0).astype(np.float32), np.nan).astype(np.float32)
        sea_frac = np.full((ny, nx), np.nan, np.float32)
        reproject(sea_src, sea_frac, src_transform=dem.transform, src_crs=dem.crs, src_nodata=np.nan,
                  dst_transform=dst_t, dst_crs=dst_crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
    valid = np.isfinite(z)
    if not np.any(valid):
        return None, None, sea_frac, None
    zf = np.where(valid, z, 0.0)
    if has_bathy:
        is_sea = valid & (zf < 0)
    else:
        is_sea = valid & (np.nan_to_num(sea_frac, nan=0.0) >= 0.5)
        zf = np.where(is_sea, 0.0, np.maximum(zf, 0.0))
    rgb = terrain_rgb(zf, valid, is_sea, cell_w_m, cell_h_m,
                      vert_exag=float(np.clip(math.sqrt(max(cell_w_m, cell_h_m) / 90.0), 1.0, 8.0)))
    rgb *= 1 - BASEMAP_FADE  # paler, so the overlays stand out (in place: float32 0..1)
    rgb += BASEMAP_FADE
    coast_level = (0.0 if has_bathy else 0.5) if np.any(is_sea) and np.any(valid & ~is_sea) else None
    return rgb, z, sea_frac, coast_level


def hex_rgb(colour: str) -> np.ndarray:
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return np.array([int(c[i:i + 2], 16) / 255.0 for i in (0, 2, 4)])


def composite(bm: Basemap, sides, alpha: float = COVERAGE_TINT_ALPHA) -> np.ndarray:
    """The basemap with each side's coverage tinted in its colour (sides: [(name, colour)]),
    as an opaque RGBA float32 image (alpha 1), which imshow resamples as it is (an RGB
    image it first copies into float64 RGBA)."""
    rgb = bm.rgb.astype(np.float32)  # a copy
    for name, colour in sides:
        frac = bm.coverage.get(name)
        if frac is None:
            continue
        a = (alpha * np.clip(frac, 0, 1)).astype(np.float32)[..., None]
        rgb += a * (hex_rgb(colour).astype(np.float32) - rgb)
    np.clip(rgb, 0, 1, out=rgb)
    return np.concatenate([rgb, np.ones(rgb.shape[:2] + (1,), np.float32)], axis=2)


def state_colour(run: RunData, detecting: tuple[str, ...]) -> str:
    """The colour of a path sample detected by the given sides (none: dark grey)."""
    if not detecting:
        return _NOT_SEEN
    if len(detecting) == 1:
        return run.side_color(detecting[0])
    mix = np.mean([hex_rgb(run.side_color(s)) for s in detecting], axis=0) * 0.85
    return "#" + "".join(f"{int(round(v * 255)):02x}" for v in np.clip(mix, 0, 1))


def detection_states(run: RunData, aircraft: str) -> np.ndarray:
    """Per trajectory sample: a bit mask of the sides (in run.sides order) detecting the aircraft."""
    tr = run.aircraft[aircraft]
    bits = np.zeros(len(tr), np.int64)
    for i, s in enumerate(run.sides):
        bits |= run.detected_by(s.name, aircraft, tr.t_s).astype(np.int64) << i
    return bits


def sides_of_bits(run: RunData, b: int) -> tuple[str, ...]:
    return tuple(s.name for i, s in enumerate(run.sides) if b >> i & 1)


def bases(run: RunData) -> list[tuple[str, float, float]]:
    """Airfields named or implied by events (scramble, takeoff, landing), merged within ~5 km."""
    out: list[list] = []
    for e in run.events:
        if e["kind"] not in ("scramble", "takeoff", "landing") or e["lat"] is None or e["lon"] is None:
            continue
        name = ""
        if e["kind"] == "scramble" and e.get("actor"):
            name = str(e["actor"])
        elif e["kind"] == "landing" and isinstance(e.get("target"), str) and e["target"] not in run.aircraft:
            name = str(e["target"])
        lat, lon = float(e["lat"]), float(e["lon"])
        for b in out:
            if abs(b[1] - lat) < 0.05 and abs(b[2] - lon) < 0.07:
                if not b[0] and name:
                    b[0] = name
                break
        else:
            out.append([name, lat, lon])
    return [tuple(b) for b in out]


def clock(run: RunData, t_s: float, seconds: bool = False) -> str:
    fmt = "%H:%M:%S" if seconds else "%H:%M"
    return run.local(t_s).strftime(fmt)


def side_clock(run: RunData, side: str | None, t_s: float, seconds: bool = False) -> str:
    """``t_s`` on ``side``'s own clock, with the clock's name when it is not the run's."""
    fmt = "%H:%M:%S" if seconds else "%H:%M"
    hours, name = run.side_tz(side)
    text = run.side_local(side, t_s).strftime(fmt)
    return text if hours == run.local_tz_hours else f"{text} {name}"


def render_run_map(run: RunData, path: str | os.PathLike, *, width_in: float = 12.0) -> Path:
    """Draw the run map and write it to ``path`` as a PNG (atomically); return the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    path = Path(path)
    bounds = run.bounds()
    bm = basemap(run, bounds, width_px=1400)
    w, e, s, n = bm.extent
    side_cols = [(sd.name, sd.color) for sd in run.sides]
    img = composite(bm, side_cols)

    ratio = (n - s) * bm.aspect / (e - w)
    fig_h = float(np.clip(width_in * 0.82 * ratio + 1.6, 4.5, 14.0))
    fig = Figure(figsize=(width_in, fig_h), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(img, extent=bm.extent, origin="upper", interpolation="bilinear", aspect=bm.aspect, zorder=0)
    xs, ys = bm.lon_lat_axes()
    if bm.coast_level is not None:
        # without bathymetry the coast is where half the pixel is sea (the 0.5 m contour of
        # resampled heights wanders where resampling rings)
        field, level = ((np.nan_to_num(bm.sea_share, nan=0.0), 0.5) if bm.sea_share is not None
                        else (np.nan_to_num(bm.height_m, nan=0.0), bm.coast_level))
        ax.contour(xs, ys, field, levels=[level], colors=_COAST_COLOUR, linewidths=0.7, zorder=1)
    for name, colour in side_cols:  # crisp outline of each coverage tint
        frac = bm.coverage.get(name)
        if frac is not None and frac.max() >= 0.5 and frac.min() < 0.5:
            ax.contour(xs, ys, frac, levels=[0.5], colors=[colour], linewidths=0.9, alpha=0.75, zorder=1)

    legend_paths: dict[str, str] = {}
    place: list[tuple] = []  # labels placed last, avoiding each other
    # --- aircraft paths coloured by who detects them ---------------------------------------
    for aid, tr in run.aircraft.items():
        bits = detection_states(run, aid)
        pts = np.column_stack([tr.lon, tr.lat])
        states, which = np.unique(bits[:-1], return_inverse=True)  # a colour per state, not per sample
        rgba = np.zeros((len(states), 4))
        for k, b in enumerate(states):
            detecting = sides_of_bits(run, int(b))
            c = state_colour(run, detecting)
            rgba[k] = to_rgba(c)
            label = " + ".join(detecting) if detecting else "not detected"
            legend_paths.setdefault(label, c)
        lw = 3.0 if tr.role == "intruder" else 2.0
        ax.plot(tr.lon, tr.lat, color="white", linewidth=lw + 2.2, solid_capstyle="round", zorder=4)
        # a polyline per run of samples in one state (its segments in one colour), not a
        # path per segment: the flagship's 3,600 segments are a few dozen lines
        which = which.ravel()
        starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]]) if len(which) else np.zeros(0, int)
        ends = np.r_[starts[1:], len(which)]
        runs = [pts[a:b + 1] for a, b in zip(starts, ends)]
        ax.add_collection(LineCollection(runs, colors=rgba[which[starts]], linewidths=lw, capstyle="round",
                                         joinstyle="round", zorder=5))
        ax.plot(tr.lon[0], tr.lat[0], marker="o", markersize=6, markerfacecolor="white",
                markeredgecolor=run.side_color(tr.side), markeredgewidth=2, zorder=6)
        ax.plot(tr.lon[-1], tr.lat[-1], marker="o", markersize=6, color=run.side_color(tr.side), zorder=6)
        name = aid if tr.type and tr.type in aid else f"{aid} {tr.type}".strip()
        place.append((name, float(tr.lon[0]), float(tr.lat[0]),
                      dict(fontsize=9, fontweight="bold", color=run.side_color(tr.side))))

    # --- tracks ------------------------------------------------------------------------------
    for (side, tid), tk in run.tracks.items():
        if len(tk.t_s) < 2:
            continue
        ax.plot(tk.lon, tk.lat, linewidth=2.6, color="white", alpha=0.8, zorder=7)
        ax.plot(tk.lon, tk.lat, linestyle=(0, (4, 2.5)), linewidth=1.4, color=run.side_color(side), zorder=7)
        place.append((tid, float(tk.lon[0]), float(tk.lat[0]), dict(fontsize=7.5, color=run.side_color(side))))

    # --- radars, bases -----------------------------------------------------------------------
    for r in run.radars:
        if r.airborne or r.lat is None:
            continue
        ax.plot(r.lon, r.lat, marker="^", markersize=10, markerfacecolor="white",
                markeredgecolor=run.side_color(r.side), markeredgewidth=2, linestyle="none", zorder=8)
        place.insert(0, (r.name, r.lon, r.lat, dict(fontsize=8.5, fontweight="bold", color="#222222")))
    for name, lat, lon in bases(run):
        ax.plot(lon, lat, marker="s", markersize=7, markerfacecolor="#222222", markeredgecolor="white",
                markeredgewidth=1.2, linestyle="none", zorder=8)
        if name:
            place.insert(0, (name, lon, lat, dict(fontsize=8.5, color="#222222")))

    # --- events ------------------------------------------------------------------------------
    labels: list[list] = []  # [lon, lat, t_s, [lines], colour]
    seen: set = set()
    for ev in run.events:
        style = _EVENT_STYLE.get(ev["kind"])
        if style is None or ev["lat"] is None or ev["lon"] is None:
            continue
        marker, size, _ = style
        col = run.side_color(ev["side"]) if ev.get("side") else "#222222"
        filled = ev["kind"] in ("airspace_entry", "landing", "track_lost")
        ax.plot(ev["lon"], ev["lat"], marker=marker, markersize=size,
                markerfacecolor=col if filled else "white", markeredgecolor="black" if filled else col,
                markeredgewidth=1.0 if filled else 1.8, linestyle="none", zorder=10)
        key = (ev["kind"], ev.get("side"), ev.get("radar") if ev["kind"] == "detection" else None)
        if key in seen:
            continue
        seen.add(key)
        text = _event_text(run, ev)
        for lab in labels:  # events close in place and time share one label
            if abs(lab[0] - ev["lon"]) < 0.12 and abs(lab[1] - ev["lat"]) < 0.08 and ev["t_s"] - lab[2] <= 120:
                lab[3].append(text)
                break
        else:
            labels.append([float(ev["lon"]), float(ev["lat"]), float(ev["t_s"]), [text]])

    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    ax.set_aspect(bm.aspect)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _deg_label(round(v, 6), "E", "W")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _deg_label(round(v, 6), "N", "S")))
    ax.grid(True, color="#555555", linewidth=0.4, alpha=0.3, zorder=2)
    ax.tick_params(labelsize=8.5)

    # --- legend ------------------------------------------------------------------------------
    h = []
    for label, c in sorted(legend_paths.items(), key=lambda kv: (kv[0] != "not detected", kv[0])):
        h.append(Line2D([], [], color=c, linewidth=3, label=f"path: {label}" if label == "not detected"
                        else f"path: detected by {label}"))
    for name, colour in side_cols:
        if name in bm.coverage:
            h.append(Patch(facecolor=colour, alpha=0.45, edgecolor=colour,
                           label=f"{name} radars see {run.low_level_height_m:g} m AGL"))
    for name, colour in side_cols:
        if any(k[0] == name for k in run.tracks):
            h.append(Line2D([], [], color=colour, linestyle=(0, (4, 2.5)), linewidth=1.3, label=f"{name} track"))
    h.append(Line2D([], [], marker="^", markersize=8, markerfacecolor="white", markeredgecolor="black",
                    linestyle="none", label="radar"))
    if bases(run):
        h.append(Line2D([], [], marker="s", markersize=6, markerfacecolor="#222222", markeredgecolor="white",
                        linestyle="none", label="airfield"))
    kinds = {ev["kind"] for ev in run.events}
    for kind, (marker, size, label) in _EVENT_STYLE.items():
        if kind in kinds:
            filled = kind in ("airspace_entry", "landing", "track_lost")
            h.append(Line2D([], [], marker=marker, markersize=min(size, 10), linestyle="none",
                            markerfacecolor="#888888" if filled else "white",
                            markeredgecolor="black" if filled else "#555555", label=label))
    ax.legend(handles=h, loc="upper center", bbox_to_anchor=(0.5, -0.05), fontsize=7.5, framealpha=0.9,
              ncol=min(5, len(h)))
    for lon, lat, _, lines in labels:
        place.append(("\n".join(lines), lon, lat, dict(fontsize=7.5, color="#111111")))
    avoid = [(r.lon, r.lat) for r in run.radars if not r.airborne and r.lat is not None]
    avoid += [(ev["lon"], ev["lat"]) for ev in run.events
              if ev["kind"] in _EVENT_STYLE and ev["lat"] is not None and ev["lon"] is not None]
    t0, t1 = run.t_range()
    date = run.utc(t0).strftime("%d %b %Y")
    ax.set_title(f"{run.title}\n{date}, {clock(run, t0)}\u2013{clock(run, t1)} {run.local_tz_name} "
                 f"({run.utc(t0):%H:%M}\u2013{run.utc(t1):%H:%M} UTC)", fontsize=12)
    # the note on as many lines as it takes: at 7 pt a character is about 0.6 em wide on
    # average; one line ran past the figure's right edge (the flagship's 271 characters)
    fig.supxlabel(_note(run, line_chars=int(0.95 * width_in * 72 / (7 * 0.6))), x=0.01, ha="left", fontsize=7,
                  color="#444444")
    _place_labels(fig, ax, place, avoid)
    save_figure(fig, path)
    fig.clear()
    return path


#: Where a label may go round its point, in order of preference: (dx, dy) in points,
#: horizontal and vertical alignment
_LABEL_OFFSETS = [(8, 6, "left", "bottom"), (8, -6, "left", "top"), (-8, 6, "right", "bottom"),
                  (-8, -6, "right", "top"), (0, 12, "center", "bottom"), (0, -12, "center", "top"),
                  (16, 18, "left", "bottom"), (-16, -18, "right", "top"), (16, -18, "left", "top"),
                  (-16, 18, "right", "bottom")]
_HA = {"left": 0.0, "center": 0.5, "right": 1.0}
_VA = {"bottom": 0.0, "center": 0.5, "top": 1.0}


def _place_labels(fig, ax, items, avoid=()) -> None:
    """Annotate points, trying offsets round each point until a label overlaps no earlier
    one (nor a marker of ``avoid``); where every offset of _LABEL_OFFSETS overlaps, also
    one and two label heights further above or below, before the least overlap.

    The figure is laid out first, once, with everything but these labels (which stay
    inside the axes, so they do not change the layout), and the save keeps that layout;
    a label that fits nowhere inside the axes has the save lay the figure out again.
    Each label is measured once; its box at each offset is that box moved."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    renderer = fig.canvas.get_renderer()
    engine = freeze_layout(fig)  # the layout, so that window extents are final
    ax.apply_aspect()  # the axes' box at the map's aspect, as the draw will place it
    ax_x0, ax_y0, ax_x1, ax_y1 = ax.get_window_extent(renderer).extents
    pt_px = fig.dpi / 72.0

    boxes = [(px - 6, py - 6, px + 6, py + 6)  # keep labels off the markers
             for px, py in (ax.transData.transform((x, y)) for x, y in avoid)]
    for text, x, y, kw in items:
        px, py = ax.transData.transform((x, y))
        if not ax.contains_point((px, py)):
            continue  # off the map: an annotation of it is not drawn (annotation_clip)
        a = ax.annotate(text, (x, y), xytext=(0, 0), textcoords="offset points", path_effects=halo,
                        zorder=12, **kw)
        size = a.get_window_extent(renderer)
        w, h = size.width, size.height
        h_pt = h / pt_px
        offsets = _LABEL_OFFSETS + [(dx, dy + np.sign(dy) * k * h_pt, ha, va)
                                    for k in (1, 2) for dx, dy, ha, va in _LABEL_OFFSETS[:4]]
        cand = np.array([(px + dx * pt_px - _HA[ha] * w, py + dy * pt_px - _VA[va] * h) for dx, dy, ha, va in offsets])
        # each box a little larger than its text (4 % wider, 10 % taller, about its centre)
        cx, cy = cand[:, 0] + w / 2, cand[:, 1] + h / 2
        x0, x1 = cx - 0.52 * w, cx + 0.52 * w
        y0, y1 = cy - 0.55 * h, cy + 0.55 * h
        inside = (x0 >= ax_x0) & (x1 <= ax_x1) & (y0 >= ax_y0) & (y1 <= ax_y1)
        if boxes:
            b = np.array(boxes)
            ow = np.minimum(x1[:, None], b[None, :, 2]) - np.maximum(x0[:, None], b[None, :, 0])
            oh = np.minimum(y1[:, None], b[None, :, 3]) - np.maximum(y0[:, None], b[None, :, 1])
            score = np.where((ow > 0) & (oh > 0), ow * oh, 0.0).sum(axis=1)
        else:
            score = np.zeros(len(offsets))
        score = score + np.where(inside, 0.0, 1e6)
        free = np.flatnonzero(score == 0)
        i = int(free[0]) if free.size else int(np.argmin(score))
        dx, dy, ha, va = offsets[i]
        a.set_horizontalalignment(ha)
        a.set_verticalalignment(va)
        a.xyann = (dx, dy)
        boxes.append((x0[i], y0[i], x1[i], y1[i]))
        if not inside[i]:  # outside the axes: the layout makes room for it
            fig.set_layout_engine(engine)


def _event_text(run: RunData, ev: dict) -> str:
    t = clock(run, ev["t_s"])
    k = ev["kind"]
    if k == "detection":
        return f"{t} {ev.get('radar') or ev.get('actor')} detects {ev.get('target')}"
    if k == "track_lost":
        return f"{t} {ev['side']} loses track"
    if k in ("track_started", "track_reacquired"):
        return f"{t} {ev['side']} track {ev.get('track_id', '')}"
    if k == "airspace_entry":
        return f"{t} {ev.get('actor')} enters {ev.get('target') or 'airspace'}"
    if k == "landing":
        where = ev.get("target")
        return f"{t} {ev.get('actor')} lands" + (f" at {where}" if where else "")
    return f"{t} {k.replace('_', ' ')}"


def _note(run: RunData, line_chars: int = 10**9) -> str:
    """The map's note: its parts joined by "  ·  ", a new line before a part that would take
    a line past ``line_chars`` characters."""
    parts = [f"Coverage: cells where a side's ground radars see a target {run.low_level_height_m:g} m above ground "
             f"(k = {float(run.meta.get('k', 4 / 3)):.3g})",
             f"path colour: detected within 1.5 scans ({run.scan_period_s():g} s revisit)"]
    notional = run.meta.get("notional") or []
    if notional:
        parts.append(f"notional: {', '.join(str(x.get('what')) for x in notional[:4] if isinstance(x, dict))}"
                     + (" …" if len(notional) > 4 else ""))
    parts.append(f"scenario {run.scenario}, seed {run.meta.get('seed')}  ·  foxbat")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 5 + len(part) > line_chars:
            lines.append(part)
        else:
            lines[-1] += "  ·  " + part
    return "\n".join(lines)
