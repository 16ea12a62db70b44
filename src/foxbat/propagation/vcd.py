"""Vertical coverage diagram (Blake chart): for each elevation angle from a radar, the
longest range at which a target of a given RCS is detected, with the antenna pattern and
the propagation factor F (multipath lobes, diffraction) counted.

Along a straight ray at elevation θ from an antenna h1 above a sphere of radius a = k·R
(refraction through k), a target at slant range R is h2 = √(R² + (a+h1)² + 2R(a+h1)·sin θ) − a
above the surface at ground range a·asin(R·cos θ/(a+h2)). It is detected when
40·log10(R_fs/R) + 2·G(θ) + 2·f_db ≥ 0, R_fs being the type's free-space detection range
for that RCS and Pd, G the one-way elevation pattern (dB) and f_db = 20·log10 F, F with
the reflected ray weighted by the pattern's gain toward the reflection point relative to
G(θ) (so F·G is Blake's pattern-propagation factor). The
diagram keeps, per angle, the longest such range (Blake, *Radar Range-Performance
Analysis*, ch. 6; the quantity MATLAB's ``radarvcd`` computes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.geo import EARTH_RADIUS_M, check_k


@dataclass(frozen=True)
class VerticalCoverage:
    """Per elevation angle: the detection envelope and where it lies."""

    elevation_deg: np.ndarray
    range_km: np.ndarray          # slant range of the envelope (NaN: not detected on this ray)
    ground_range_km: np.ndarray
    height_m: np.ndarray          # above the surface
    pattern_db: np.ndarray        # one-way elevation pattern at the angle
    f_db: np.ndarray              # one-way propagation factor at the envelope point
    free_space_range_km: float
    instrumented_range_km: float
    antenna_m: float
    k: float


def ray_point(slant_range_m, elevation_rad, antenna_m: float, a_m: float):
    """(ground range m, height above the surface m) of a point along a straight ray."""
    r = np.asarray(slant_range_m, float)
    th = np.asarray(elevation_rad, float)
    ra = a_m + antenna_m
    h2 = np.sqrt(r * r + ra * ra + 2.0 * r * ra * np.sin(th)) - a_m
    d = a_m * np.arcsin(np.clip(r * np.cos(th) / (a_m + h2), -1.0, 1.0))
    return d, h2


def default_elevations_deg(antenna_m: float, top_deg: float, k: float) -> np.ndarray:
    """Fine steps near the horizon where the lobes are (0.005° up to 5°), 0.05° above."""
    a = k * EARTH_RADIUS_M
    lowest = -math.degrees(math.sqrt(2.0 * antenna_m / a)) if antenna_m > 0 else 0.0
    fine = np.arange(lowest, min(5.0, top_deg), 0.005)
    coarse = np.arange(5.0, top_deg + 1e-9, 0.05) if top_deg > 5.0 else np.empty(0)
    return np.concatenate([fine, coarse])


def vertical_coverage(radar_type, antenna_m: float, rcs_m2: float, *, pd: float = 0.5, swerling: int = 1,
                      surface: str = "sea", sea_state: float = 0.0, polarization: str = "h",
                      k: float = 4.0 / 3.0, elevations_deg=None, n_ranges: int = 2000) -> VerticalCoverage:
    """The detection envelope of ``radar_type`` (a :class:`foxbat.radar.RadarType`) for a
    target of ``rcs_m2`` at probability ``pd`` (one look), antenna ``antenna_m`` above the
    reflecting surface. Ranges are capped at the type's instrumented range; its hard
    elevation window applies where the catalogue says so."""
    from foxbat.propagation.factor import propagation_factor_db, ray_elevations_rad

    a = check_k(k, where="--k") * EARTH_RADIUS_M
    r_fs = float(radar_type.detection_range_m(rcs_m2, pd=pd, swerling=swerling))
    r_inst = float(radar_type.instrumented_range_m.value)
    if elevations_deg is None:
        top = radar_type.elevation_max_deg.value
        if radar_type.csc2_max_elevation_deg is not None:
            top = max(top, radar_type.csc2_max_elevation_deg.value)
        elevations_deg = default_elevations_deg(antenna_m, min(90.0, top + 5.0), k)
    el_deg = np.asarray(elevations_deg, float)
    el = np.radians(el_deg)
    r_top = min(r_inst, 2.0 * r_fs)  # F ≤ 2 (+6 dB) and G ≤ 0 dB: nothing beyond twice R_fs
    r = np.linspace(r_top / n_ranges, r_top, n_ranges)
    d, h2 = ray_point(r[None, :], el[:, None], antenna_m, a)
    pattern = np.asarray(radar_type.elevation_pattern_db(el), float)
    ok = h2 >= 0.0  # the ray is still above the surface
    f_db = np.full(d.shape, -np.inf)
    # the reflected ray leaves the antenna below the horizon, where the pattern is weaker
    el_refl = ray_elevations_rad(d[ok], antenna_m, h2[ok], k)[1]
    refl_gain = (np.asarray(radar_type.elevation_pattern_db(el_refl), float)
                 - np.broadcast_to(pattern[:, None], d.shape)[ok])
    f_db[ok], _ = propagation_factor_db(d[ok], antenna_m, h2[ok], radar_type.frequency_hz.value,
                                        surface=surface, sea_state=sea_state, polarization=polarization, k=k,
                                        reflected_gain_db=refl_gain)
    margin = 40.0 * np.log10(r_fs / r)[None, :] + 2.0 * pattern[:, None] + 2.0 * f_db
    if radar_type.elevation_limits_hard:
        inside = radar_type.covers(0.0, el)
        margin[~np.asarray(inside, bool), :] = -np.inf
    seen = margin >= 0.0
    any_seen = seen.any(axis=1)
    last = n_ranges - 1 - np.argmax(seen[:, ::-1], axis=1)
    rows = np.arange(el.size)
    env_r = np.where(any_seen, r[last], np.nan)
    env_d = np.where(any_seen, d[rows, last], np.nan)
    env_h = np.where(any_seen, h2[rows, last], np.nan)
    env_f = np.where(any_seen, f_db[rows, last], np.nan)
    return VerticalCoverage(el_deg, env_r / 1e3, env_d / 1e3, env_h, pattern, env_f, r_fs / 1e3, r_inst / 1e3,
                            float(antenna_m), float(k))


def csv_text(vc: VerticalCoverage) -> str:
    lines = ["elevation_deg,range_km,ground_range_km,height_m,pattern_db,f_db"]
    for row in zip(vc.elevation_deg, vc.range_km, vc.ground_range_km, vc.height_m, vc.pattern_db, vc.f_db):
        e, r, d, h, p, f = row
        if np.isnan(r):
            lines.append(f"{e:.3f},,,,{p:.2f},")
        else:
            lines.append(f"{e:.3f},{r:.3f},{d:.3f},{h:.1f},{p:.2f},{f:.2f}")
    return "\n".join(lines) + "\n"


def plot(vc: VerticalCoverage, title: str, max_height_km: float | None = None):
    """Range-height-angle chart: ground range against height above the k·R earth, rays of
    constant elevation (which bend up, the earth curving away below them), the detection
    envelope filled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = vc.k * EARTH_RADIUS_M
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=110)
    ok = np.isfinite(vc.range_km)
    x_max = max(1.0, float(np.nanmax(vc.ground_range_km[ok])) * 1.08) if ok.any() else vc.free_space_range_km
    y_max = max(1.0, float(np.nanmax(vc.height_m[ok])) / 1e3 * 1.1) if ok.any() else 10.0
    if max_height_km is not None:
        y_max = max_height_km
    # envelope polygon: origin, then the envelope by angle (undetected rays collapse to the origin)
    xs = np.where(ok, vc.ground_range_km, 0.0)
    ys = np.where(ok, vc.height_m / 1e3, vc.antenna_m / 1e3)
    ax.fill(np.concatenate([[0.0], xs, [0.0]]), np.concatenate([[vc.antenna_m / 1e3], ys, [vc.antenna_m / 1e3]]),
            color="tab:blue", alpha=0.35, lw=0)
    ax.plot(xs[ok], ys[ok], color="tab:blue", lw=0.6, label="detection envelope")
    # rays of constant elevation
    r = np.linspace(0.0, 1.2 * max(vc.instrumented_range_km, x_max) * 1e3, 400)
    for e in (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 45.0):
        d, h = ray_point(r, math.radians(e), vc.antenna_m, a)
        sel = (d / 1e3 <= x_max) & (h / 1e3 <= y_max)
        if sel.sum() > 1:
            ax.plot(d[sel] / 1e3, h[sel] / 1e3, color="0.6", lw=0.5, ls=":")
            i = np.flatnonzero(sel)[-1]
            ax.annotate(f"{e:g}°", (d[i] / 1e3, h[i] / 1e3), fontsize=7, color="0.35",
                        xytext=(-14, -8) if h[i] / 1e3 > 0.95 * y_max else (2, 0), textcoords="offset points")
    # the radar horizon (ray tangent to the surface) and the instrumented range
    d, h = ray_point(r, -math.sqrt(2 * vc.antenna_m / a) if vc.antenna_m > 0 else 0.0, vc.antenna_m, a)
    sel = (d / 1e3 <= x_max) & (h / 1e3 <= y_max)
    ax.plot(d[sel] / 1e3, h[sel] / 1e3, color="tab:brown", lw=0.8, label="radio horizon ray")
    th = np.radians(np.linspace(-2, 90, 400))
    d, h = ray_point(vc.instrumented_range_km * 1e3, th, vc.antenna_m, a)
    sel = (d / 1e3 <= x_max) & (h / 1e3 <= y_max) & (h >= 0)
    if sel.any():
        ax.plot(d[sel] / 1e3, h[sel] / 1e3, color="k", lw=0.8, ls="--", label="instrumented range")
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, y_max)
    ax.set_xlabel("ground range, km")
    ax.set_ylabel(f"height above the surface (k = {vc.k:.3g} earth), km")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig
