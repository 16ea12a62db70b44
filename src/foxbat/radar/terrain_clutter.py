"""Surface clutter over real ground: the clutter cells at a target's range along the
radar's line of sight, from a terrain profile.

The smooth-sphere model of :mod:`foxbat.radar.clutter` puts the clutter at the target's
range on a bald Earth. Over terrain the cell is wherever the ground along the beam's
azimuth lies at that slant range (there may be several such places in hills), each cell
seen at its own grazing angle, which the slope of the ground there tilts toward or away
from the radar, and a cell hidden behind nearer terrain (shadowed) returns nothing.

Geometry on the effective-Earth sphere of radius a = k·R, ground distance x along the
profile, φ = x/a: a ground point of height g (m MSL, the sea at 0) seen from a radar at
h (m MSL) has elevation angle ε = atan2((a + g)·cos φ − (a + h), (a + g)·sin φ); the ray
meets the local horizontal there at the depression −ε − φ, and the local grazing angle
adds the slope along the profile: ψ = −ε − φ + atan(dg/dx). A point is lit when its ε is
not below the largest ε of the nearer profile (no shadow) and ψ > 0 (it faces the radar).
Each lit cell contributes σ⁰(γ, ψ)·A(r, ψ) (constant-gamma reflectivity and cell area of
:mod:`foxbat.radar.clutter`), weighted by the two-way beam gain toward it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M
from foxbat.radar.clutter import beam_pattern_two_way, clutter_cell_area_m2, sigma0_constant_gamma


@dataclass(frozen=True)
class ProfileView:
    """A terrain profile as seen from the radar, per sample."""

    x_m: np.ndarray  # ground distance from the radar
    ground_msl_m: np.ndarray
    slant_m: np.ndarray
    elevation_rad: np.ndarray  # of the ground point, above the radar's horizontal
    grazing_rad: np.ndarray  # local, slope included
    lit: np.ndarray  # not shadowed and facing the radar


def view_profile(x_m, ground_msl_m, radar_alt_msl_m: float, k: float = DEFAULT_K) -> ProfileView:
    """Slant range, elevation, local grazing angle and illumination of each profile sample.

    ``x_m`` increasing ground distances from the radar (> 0); ``ground_msl_m`` the terrain
    there (sea clamped to 0 by the caller)."""
    x = np.asarray(x_m, float)
    g = np.asarray(ground_msl_m, float)
    a = k * EARTH_RADIUS_M
    phi = x / a
    dz = (a + g) * np.cos(phi) - (a + radar_alt_msl_m)
    dh = (a + g) * np.sin(phi)
    slant = np.hypot(dz, dh)
    eps = np.arctan2(dz, dh)
    slope = gradient_1d(g, x) if x.size > 1 else np.zeros_like(g)
    psi = -eps - phi + np.arctan(slope)
    unshadowed = eps >= np.maximum.accumulate(eps) - 1e-12
    return ProfileView(x, g, slant, eps, psi, unshadowed & (psi > 0))


def gradient_1d(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``np.gradient(f, x)`` of 1-D float arrays (at least 2 samples), operation for
    operation as numpy does it (one constant spacing when every step is equal, else the
    non-uniform second-order interior; first-order ends), without its general-purpose
    set-up, which cost more than the sums on an interceptor's profiles."""
    diffx = x[1:] - x[:-1]
    out = np.empty_like(f)
    if (diffx == diffx[0]).all():
        dx = diffx[0]
        out[1:-1] = (f[2:] - f[:-2]) / (2. * dx)
        dx_0 = dx_n = dx
    else:
        dx1 = diffx[0:-1]
        dx2 = diffx[1:]
        a = -(dx2) / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        out[1:-1] = a * f[:-2] + b * f[1:-1] + c * f[2:]
        dx_0, dx_n = diffx[0], diffx[-1]
    out[0] = (f[1] - f[0]) / dx_0
    out[-1] = (f[-1] - f[-2]) / dx_n
    return out


@dataclass(frozen=True)
class ClutterCells:
    """The places along a profile at one slant range."""

    x_m: np.ndarray
    ground_msl_m: np.ndarray
    elevation_rad: np.ndarray
    grazing_rad: np.ndarray
    lit: np.ndarray


def cells_at_range(view: ProfileView, range_m: float) -> ClutterCells:
    """Every crossing of the profile's slant range with ``range_m`` (linear interpolation
    between samples); a cell is lit when the nearer of its two samples is."""
    s = view.slant_m - range_m
    i = np.flatnonzero(np.signbit(s[:-1]) != np.signbit(s[1:]))
    if i.size == 0:
        e = np.empty(0)
        return ClutterCells(e, e, e, e, np.empty(0, bool))
    w = s[i] / (s[i] - s[i + 1])
    lerp = lambda v: v[i] + w * (v[i + 1] - v[i])  # noqa: E731
    near = np.where(w < 0.5, i, i + 1)
    return ClutterCells(lerp(view.x_m), lerp(view.ground_msl_m), lerp(view.elevation_rad),
                        lerp(view.grazing_rad), view.lit[near])


def clutter_rcs_m2(cells: ClutterCells, range_m: float, *, gamma_db, target_elevation_rad: float,
                   beamwidth_az_rad: float, beamwidth_el_rad: float, pulse_width_s: float,
                   sidelobe_two_way_db: float = -50.0) -> float:
    """Clutter RCS competing with a target at ``range_m``, m², each lit cell's σ⁰·A
    weighted by the two-way beam gain at its elevation offset from the target (the beam
    on the target); shadowed cells add nothing. ``gamma_db`` per cell (sea or land)."""
    if cells.x_m.size == 0:
        return 0.0
    psi = np.where(cells.lit, cells.grazing_rad, -1.0)
    area = clutter_cell_area_m2(range_m, beamwidth_az_rad, beamwidth_el_rad, pulse_width_s, psi)
    sigma = sigma0_constant_gamma(np.asarray(gamma_db, float), psi) * area
    gain = beam_pattern_two_way(target_elevation_rad - cells.elevation_rad, beamwidth_el_rad, sidelobe_two_way_db)
    return float(np.sum(np.where(cells.lit, sigma * gain, 0.0)))


def path_clear(view: ProfileView, target_x_m: float, target_alt_msl_m: float, radar_alt_msl_m: float,
               k: float = DEFAULT_K) -> bool:
    """Line of sight from the radar to a target at ground distance ``target_x_m``: the
    straight path h₁ + (h₂ − h₁)·x/D − x·(D − x)/(2kR) clears every profile sample short
    of the target."""
    m = view.x_m < target_x_m
    if target_x_m < 1.0 or not m.any():
        return True
    x = view.x_m[m]
    line = radar_alt_msl_m + (target_alt_msl_m - radar_alt_msl_m) * x / target_x_m \
        - x * (target_x_m - x) / (2.0 * k * EARTH_RADIUS_M)
    return bool(np.all(line > view.ground_msl_m[m]))


__all__ = ["ProfileView", "view_profile", "ClutterCells", "cells_at_range", "clutter_rcs_m2", "path_clear"]
