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

import math
from functools import lru_cache

import numpy as np
from numba import njit

from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M
from foxbat.radar.clutter import beam_pattern_two_way, clutter_cell_area_m2, sigma0_constant_gamma
from foxbat.radar.equation import SPEED_OF_LIGHT_MPS, from_db
from foxbat.nbcache import key_on_sources


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


# ---------------------------------------------------------------- one look, compiled where exact
#
# profile_cells is path_clear + view_profile + cells_at_range for one look (an interceptor's
# radar, once per frame): numpy still does every transcendental (cos, sin, hypot, arctan2,
# arctan: its last bits are its own), the kernels below only the exactly rounded
# operations (+ − × ÷, comparisons) in numpy's order, so the bits are the same; about
# sixty numpy calls on short arrays become five and three kernel calls.

@njit(cache=True)
def _path_clear_nb(x, g, radar_alt, k, target_x, target_alt):
    """:func:`path_clear` on the profile's arrays."""
    if target_x < 1.0:
        return True
    denom = 2.0 * k * EARTH_RADIUS_M
    for i in range(x.size):
        if x[i] < target_x:
            line = radar_alt + (target_alt - radar_alt) * x[i] / target_x - x[i] * (target_x - x[i]) / denom
            if not line > g[i]:
                return False
    return True


@njit(cache=True)
def _dz_dh_nb(g, cos_phi, sin_phi, a, ra):
    """(a + g)·cos φ − (a + h) and (a + g)·sin φ of :func:`view_profile`."""
    dz = np.empty(g.size)
    dh = np.empty(g.size)
    for i in range(g.size):
        ag = a + g[i]
        dz[i] = ag * cos_phi[i] - ra
        dh[i] = ag * sin_phi[i]
    return dz, dh


@njit(cache=True)
def _gradient_nb(f, x):
    """:func:`gradient_1d` (np.gradient's operations) in one loop."""
    n = f.size
    out = np.empty(n)
    d0 = x[1] - x[0]
    uniform = True
    for i in range(1, n - 1):
        if not (x[i + 1] - x[i]) == d0:
            uniform = False
            break
    if uniform:
        two_dx = 2. * d0
        for i in range(1, n - 1):
            out[i] = (f[i + 1] - f[i - 1]) / two_dx
        out[0] = (f[1] - f[0]) / d0
        out[n - 1] = (f[n - 1] - f[n - 2]) / d0
    else:
        for i in range(1, n - 1):
            dx1 = x[i] - x[i - 1]
            dx2 = x[i + 1] - x[i]
            ca = -(dx2) / (dx1 * (dx1 + dx2))
            cb = (dx2 - dx1) / (dx1 * dx2)
            cc = dx1 / (dx2 * (dx1 + dx2))
            out[i] = ca * f[i - 1] + cb * f[i] + cc * f[i + 1]
        out[0] = (f[1] - f[0]) / (x[1] - x[0])
        out[n - 1] = (f[n - 1] - f[n - 2]) / (x[n - 1] - x[n - 2])
    return out


@njit(cache=True)
def _cells_nb(x, g, phi, eps, slant, atan_slope, range_m):
    """Grazing angles and illumination of :func:`view_profile`, then :func:`cells_at_range`."""
    n = x.size
    psi = np.empty(n)
    lit = np.empty(n, np.bool_)
    top = eps[0]
    for i in range(n):
        psi[i] = -eps[i] - phi[i] + atan_slope[i]
        if eps[i] > top:
            top = eps[i]
        lit[i] = eps[i] >= top - 1e-12 and psi[i] > 0
    m = 0
    for i in range(n - 1):
        if (math.copysign(1.0, slant[i] - range_m) < 0.0) != (math.copysign(1.0, slant[i + 1] - range_m) < 0.0):
            m += 1
    cx = np.empty(m)
    cg = np.empty(m)
    ce = np.empty(m)
    cp = np.empty(m)
    cl = np.empty(m, np.bool_)
    j = 0
    for i in range(n - 1):
        s0 = slant[i] - range_m
        s1 = slant[i + 1] - range_m
        if (math.copysign(1.0, s0) < 0.0) != (math.copysign(1.0, s1) < 0.0):
            w = s0 / (s0 - s1)
            cx[j] = x[i] + w * (x[i + 1] - x[i])
            cg[j] = g[i] + w * (g[i + 1] - g[i])
            ce[j] = eps[i] + w * (eps[i + 1] - eps[i])
            cp[j] = psi[i] + w * (psi[i + 1] - psi[i])
            cl[j] = lit[i] if w < 0.5 else lit[i + 1]
            j += 1
    return cx, cg, ce, cp, cl


def profile_cells(x_m, ground_msl_m, radar_alt_msl_m: float, k: float, target_x_m: float, target_alt_msl_m: float,
                  range_m: float):
    """One look along a profile: ``(False, None)`` when the terrain blocks the path to the
    target (:func:`path_clear`), else ``(True, cells)``, the clutter cells at ``range_m``
    (:func:`cells_at_range` of :func:`view_profile`), the same values bit for bit.

    ``x_m`` increasing ground distances (> 0, at least two), ``ground_msl_m`` the terrain
    there (sea at 0), float arrays."""
    x = np.ascontiguousarray(x_m, dtype=float)
    g = np.ascontiguousarray(ground_msl_m, dtype=float)
    alt, k = float(radar_alt_msl_m), float(k)
    if not _path_clear_nb(x, g, alt, k, float(target_x_m), float(target_alt_msl_m)):
        return False, None
    a = k * EARTH_RADIUS_M
    phi = x / a
    dz, dh = _dz_dh_nb(g, np.cos(phi), np.sin(phi), a, a + alt)
    slant = np.hypot(dz, dh)
    eps = np.arctan2(dz, dh)
    slope = _gradient_nb(g, x) if x.size > 1 else np.zeros_like(g)
    return True, ClutterCells(*_cells_nb(x, g, phi, eps, slant, np.arctan(slope), float(range_m)))


@lru_cache(maxsize=16)
def _sidelobe_floor(sidelobe_two_way_db: float):
    return from_db(sidelobe_two_way_db)


def clutter_rcs_cells_m2(cells: ClutterCells, range_m: float, *, gamma_sea_db: float, gamma_land_db: float,
                         target_elevation_rad: float, beamwidth_az_rad: float, beamwidth_el_rad: float,
                         pulse_width_s: float, sidelobe_two_way_db: float = -50.0) -> float:
    """:func:`clutter_rcs_m2` with γ by the cells' surface (land above 0 m MSL, else sea),
    the same ufuncs on the same arrays in the same order (cell area, σ⁰ and beam gain of
    :mod:`foxbat.radar.clutter` written out), without their argument wrappers: one look's
    few cells."""
    if cells.x_m.size == 0:
        return 0.0
    r, th_az, th_el, tau = float(range_m), float(beamwidth_az_rad), float(beamwidth_el_rad), float(pulse_width_s)
    lit = cells.lit
    psi = np.where(lit, cells.grazing_rad, -1.0)
    ok = psi > 0
    # clutter_cell_area_m2 (cos and sin of at least 1e-12 rad and at most pi/2: no zero division)
    psi_c = np.where(ok, np.clip(psi, 1e-12, math.pi / 2), 1.0)
    pulse = r * th_az * (SPEED_OF_LIGHT_MPS * tau / 2.0) / np.cos(psi_c)
    beam = (math.pi / 4.0) * r * r * th_az * th_el / np.sin(psi_c)
    area = np.where(ok, np.minimum(pulse, beam), 0.0)
    # sigma0_constant_gamma
    gamma_db = np.where(cells.ground_msl_m > 0, gamma_land_db, gamma_sea_db)
    sigma = np.where(ok, 10.0 ** (gamma_db / 10.0) * np.sin(np.clip(psi, 0.0, math.pi / 2)), 0.0) * area
    # beam_pattern_two_way
    d = (target_elevation_rad - cells.elevation_rad) / th_el
    gain = np.maximum(np.exp(-8.0 * math.log(2.0) * d * d), _sidelobe_floor(float(sidelobe_two_way_db)))
    return float(np.sum(np.where(lit, sigma * gain, 0.0)))



# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.geo",
    "foxbat.radar.clutter",
    "foxbat.radar.equation",
])

__all__ = ["ProfileView", "view_profile", "ClutterCells", "cells_at_range", "clutter_rcs_m2", "path_clear",
           "profile_cells", "clutter_rcs_cells_m2"]
