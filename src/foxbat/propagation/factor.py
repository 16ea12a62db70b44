"""The one-way pattern propagation factor F over a smooth sphere: the interference,
intermediate and diffraction regions and the interpolation that joins them.

- **Interference** (the target sees the specular point and the path difference
  δ ≥ λ/4, Blake's limit, or, below it, the divergence factor is still so close to 1
  that the ray sum's residual 1 − D stays under a tenth of the phase term D·2πδ/λ; over
  a flat earth that holds at every range): F = |1 + D·ρ·Γ·e^(−j2πδ/λ)| with the spherical-earth geometry of
  :mod:`.sphere`, the divergence factor D, the roughness factor ρ (:mod:`.roughness`) and
  the Fresnel coefficient Γ of the surface (:mod:`.surface`).
- **Diffraction** (at or beyond the radio horizon d_h = √(2a·h1) + √(2a·h2)): ITU-R P.526's
  smooth-sphere field F(X) + G(Y1) + G(Y2) (:mod:`.diffraction`).
- **Intermediate** (between the range d_i where the interference test first fails and d_h): F in dB
  interpolated linearly in range between the interference value at d_i and the
  diffraction value at d_h (Blake, *Radar Range-Performance Analysis*, ch. 6; the ray
  formula fails as ψ → 0 because D → 0 restores the free-space field). The result is
  continuous at both boundaries by construction.

F is a field ratio: f_db = 20·log10(F). The received power of a monostatic radar scales
with F⁴, so its SNR changes by 2·f_db (= 40·log10 F).

Developers: the kernels here compile in :mod:`.sphere` and :mod:`.diffraction`; their
disk cache is keyed on those files too (:func:`foxbat.nbcache.key_on_sources`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit

from foxbat.errors import ParameterError
from foxbat.geo import EARTH_RADIUS_M, check_k
from foxbat.propagation import diffraction as _dif
from foxbat.propagation import roughness as _rough
from foxbat.propagation import surface as _surf
from foxbat.propagation.sphere import reflection_geometry, reflection_point_cubic_m
from foxbat.nbcache import key_on_sources

REGION_INTERFERENCE, REGION_INTERMEDIATE, REGION_DIFFRACTION = 0, 1, 2
REGION_NAMES = ("interference", "intermediate", "diffraction")
F_DB_FLOOR = -200.0
"""Deepest value returned, dB (a perfect null would be −∞)."""
MIN_RANGE_M = 1.0
"""Ground ranges below this are taken as this (the geometry degenerates at 0)."""
ROUGHNESS_MODELS = ("ament", "miller-brown")
RAY_RESIDUAL_RATIO = 0.1
"""Below δ = λ/4 the ray formula is still used while 1 − D ≤ this × D·2πδ/λ."""


@njit(cache=True)
def _i0e(x):
    """exp(−x)·I0(x) for x ≥ 0 (Abramowitz & Stegun 9.8.1-9.8.2, |error| < 2e−7 relative)."""
    if x <= 3.75:
        t = (x / 3.75) ** 2
        i0 = 1.0 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (
            0.2659732 + t * (0.0360768 + t * 0.0045813)))))
        return i0 * math.exp(-x)
    t = 3.75 / x
    return (0.39894228 + t * (0.01328592 + t * (0.00225319 + t * (-0.00157565 + t * (
        0.00916281 + t * (-0.02057706 + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))))
            ) / math.sqrt(x)


@njit(cache=True)
def _interference_db(d, h1, h2, lam, a, eta, pol_v, sigma_h, miller_brown, g_refl):
    d1, sin_psi, delta, div = reflection_geometry(d, h1, h2, a)
    if sin_psi <= 0.0:
        return 0.0
    cos2 = 1.0 - sin_psi * sin_psi
    root = np.sqrt(eta - cos2 + 0j)
    if pol_v:
        gamma = (eta * sin_psi - root) / (eta * sin_psi + root)
    else:
        gamma = (sin_psi - root) / (sin_psi + root)
    g = 2.0 * math.pi * sigma_h * sin_psi / lam
    if miller_brown:
        rho = _i0e(2.0 * g * g)
    else:
        rho = math.exp(-2.0 * g * g)
    phase = -2.0 * math.pi * delta / lam
    f = abs(1.0 + g_refl * div * rho * gamma * complex(math.cos(phase), math.sin(phase)))
    if f <= 0.0:
        return -1e300
    return 20.0 * math.log10(f)


@njit(cache=True)
def _ray_margin(d, h1, h2, lam, a, residual_ratio):
    """≥ 0 where the two-ray formula holds at range d: the specular point is seen, and the
    path difference is at least λ/4 (Blake) or the divergence factor's imperfect
    cancellation, 1 − D, is small against the phase term D·2πδ/λ (so that over a flat
    earth, D = 1, the ray formula holds at every range). Continuous in d where it
    changes sign, for the root finder.

    The test uses the parabolic-earth forms (δ = 2·h1'·h2'/d, ψ = h1'/d1, effective
    heights h' = h − d²/(2a)), a quarter of the cost of the exact geometry; it only
    places the region boundary, which both sides of the interpolation then share."""
    d1 = reflection_point_cubic_m(d, h1, h2, a)
    d2 = d - d1
    he1 = h1 - d1 * d1 / (2.0 * a)
    he2 = h2 - d2 * d2 / (2.0 * a)
    if he1 <= 0.0 or he2 <= 0.0 or d1 <= 0.0:
        return -1.0
    delta = 2.0 * he1 * he2 / d
    m_quarter = delta / (0.25 * lam) - 1.0
    psi = he1 / d1
    div = 1.0 / math.sqrt(1.0 + 2.0 * d1 * d2 / (a * d * psi))
    m_div = residual_ratio * div * 2.0 * math.pi * delta / lam - (1.0 - div)
    return max(m_quarter, m_div)


@njit(cache=True)
def _interference_limit_m(d, h1, h2, lam, a, residual_ratio):
    """The range d_i ≤ d where the two-ray test first fails (it holds at d_i, fails
    beyond), by bisection to max(1 m, 1e-4·d); 1 m when it fails everywhere (both ends
    within λ/8 of the surface). (Regula falsi was tried: slower, the margin being a max
    of two terms.)"""
    lo = 1.0
    if _ray_margin(lo, h1, h2, lam, a, residual_ratio) < 0.0:
        return lo
    hi = d
    tol = max(1.0, 1e-4 * d)  # F moves by about 0.01 dB over this
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if _ray_margin(mid, h1, h2, lam, a, residual_ratio) >= 0.0:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def _factor_kernel(d_m, h1_m, h2_m, g_refl_m, frequency_hz, a, eta, pol_v, sigma_h, miller_brown, beta, k_adm,
                   floor_db, residual_ratio, out_db, out_region):
    lam = 299_792_458.0 / frequency_hz
    for i in range(d_m.size):
        d = max(d_m[i], 1.0)
        h1 = h1_m[i]
        h2 = h2_m[i]
        dh = math.sqrt(2.0 * a * h1) + math.sqrt(2.0 * a * h2)
        if d >= dh:
            out_db[i] = max(floor_db, _dif.smooth_sphere_db(d, h1, h2, frequency_hz, a, beta, k_adm))
            out_region[i] = 2
            continue
        if _ray_margin(d, h1, h2, lam, a, residual_ratio) >= 0.0:
            out_db[i] = max(floor_db, _interference_db(d, h1, h2, lam, a, eta, pol_v, sigma_h, miller_brown,
                                                            g_refl_m[i]))
            out_region[i] = 0
            continue
        # intermediate: from the range d_i < d where the ray formula stops holding
        di = _interference_limit_m(d, h1, h2, lam, a, residual_ratio)
        fi = max(floor_db, _interference_db(di, h1, h2, lam, a, eta, pol_v, sigma_h, miller_brown,
                                                  g_refl_m[i]))
        fh = max(floor_db, _dif.smooth_sphere_db(dh, h1, h2, frequency_hz, a, beta, k_adm))
        t = (d - di) / (dh - di) if dh > di else 1.0
        out_db[i] = fi + t * (fh - fi)
        out_region[i] = 1


def _check_array(name: str, value, minimum: float = 0.0) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.size == 1:  # one value (an interceptor's look): checked without numpy's reductions
        v = float(arr.flat[0])
        if not math.isfinite(v):
            raise ParameterError("must be finite numbers", where=name)
        if v < minimum:
            raise ParameterError(f"must be >= {minimum:g}, got {v:g}", where=name)
        return arr
    if not np.all(np.isfinite(arr)):
        raise ParameterError("must be finite numbers", where=name)
    if arr.size and arr.min() < minimum:
        raise ParameterError(f"must be >= {minimum:g}, got {arr.min():g}", where=name)
    return arr


def propagation_factor_db(ground_range_m, radar_height_m, target_height_m, frequency_hz: float, *,
                          surface: str = "sea", sea_state: float = 0.0, polarization: str = "h",
                          k: float = 4.0 / 3.0, rms_height_m: float | None = None,
                          roughness: str = "ament", reflected_gain_db=0.0) -> tuple[np.ndarray, np.ndarray]:
    """One-way pattern propagation factor over a smooth sphere of radius k·R.

    F is the ratio of the field at the target to the free-space field (antenna pattern
    excluded); ``f_db = 20·log10(F)``. A monostatic radar's received power scales with
    F⁴, so its SNR changes by **2·f_db** (= 40·log10 F): f_db = +6 dB at a lobe peak over
    a perfect reflector adds 12 dB of SNR.

    Parameters (arrays broadcast against each other):
        ground_range_m: distance along the surface, m (values below 1 m are taken as 1 m).
        radar_height_m, target_height_m: heights above the reflecting surface, m (over
            the sea: MSL), ≥ 0.
        frequency_hz: the radar's frequency (scalar).
        surface: one of :func:`foxbat.propagation.surface_names` (ITU-R P.527 constants).
        sea_state: Douglas / WMO sea state 0-8, giving the rms wave height (ignored when
            ``rms_height_m`` is given).
        polarization: ``"h"`` or ``"v"``.
        k: effective-Earth factor.
        rms_height_m: rms surface height (m) for the roughness factor, e.g. for land.
        roughness: ``"ament"`` (exp(−2g²)) or ``"miller-brown"``.
        reflected_gain_db: one-way antenna gain toward the reflected ray minus that
            toward the direct ray, dB (broadcasts; 0: the same gain, a pattern-free F).
            With a radar's elevation pattern G, ``G(el_reflected) − G(el_direct)`` from
            :func:`ray_elevations_rad`; then F times the direct ray's pattern is Blake's
            pattern-propagation factor.

    Returns:
        (f_db, region): float64 dB, and int8 codes 0 interference, 1 intermediate,
        2 diffraction (names in :data:`REGION_NAMES`), both of the broadcast shape.
    """
    _surf.check_surface(surface)
    f_hz = _check_frequency(frequency_hz)
    if rms_height_m is None:
        rms_height_m = _rough.sea_state_rms_height_m(sea_state)
    return propagation_factor_eta_db(ground_range_m, radar_height_m, target_height_m, f_hz,
                                     eta=_surf.complex_permittivity(surface, f_hz), polarization=polarization,
                                     k=k, rms_height_m=rms_height_m, roughness=roughness,
                                     reflected_gain_db=reflected_gain_db)


def _check_frequency(frequency_hz) -> float:
    f_hz = float(frequency_hz)
    if not (math.isfinite(f_hz) and f_hz > 0):
        raise ParameterError(f"must be a finite number > 0 Hz, got {frequency_hz!r}", where="frequency_hz")
    return f_hz


def propagation_factor_eta_db(ground_range_m, radar_height_m, target_height_m, frequency_hz: float, *,
                              eta: complex, polarization: str = "h", k: float = 4.0 / 3.0,
                              rms_height_m: float = 0.0, roughness: str = "ament", reflected_gain_db=0.0):
    """:func:`propagation_factor_db` for a surface given by its complex relative
    permittivity ``eta`` = ε' − jε'' (a huge |η| is a perfect conductor: Γ_h = −1)."""
    _surf.check_polarization(polarization)
    f_hz = _check_frequency(frequency_hz)
    a = check_k(k, where="k") * EARTH_RADIUS_M
    if roughness not in ROUGHNESS_MODELS:
        raise ParameterError(f"unknown roughness model {roughness!r}; allowed: {', '.join(ROUGHNESS_MODELS)}",
                             where="roughness")
    sigma_h = float(_check_array("rms_height_m", rms_height_m))
    d, h1, h2, g_db = np.broadcast_arrays(_check_array("ground_range_m", ground_range_m),
                                          _check_array("radar_height_m", radar_height_m),
                                          _check_array("target_height_m", target_height_m),
                                          _check_array("reflected_gain_db", reflected_gain_db, -np.inf))
    shape = d.shape
    eta = complex(eta)
    k_adm = _dif.surface_admittance_k(eta, f_hz, a, polarization)
    beta = _dif.beta_from_k(k_adm)
    out_db = np.empty(d.size)
    out_region = np.empty(d.size, dtype=np.int8)
    g_refl = np.ascontiguousarray(10.0 ** (g_db / 20.0), dtype=float).ravel()
    _factor_kernel(np.ascontiguousarray(d, dtype=float).ravel(), np.ascontiguousarray(h1, dtype=float).ravel(),
                   np.ascontiguousarray(h2, dtype=float).ravel(), g_refl, f_hz, a, eta, polarization == "v",
                   sigma_h, roughness == "miller-brown", float(beta), float(k_adm), F_DB_FLOOR,
                   RAY_RESIDUAL_RATIO, out_db, out_region)
    return out_db.reshape(shape), out_region.reshape(shape)


@lru_cache(maxsize=64)
def _surface_constants(surface: str, f_hz: float, sea_state: float, polarization: str, k: float):
    """What :func:`propagation_factor_db` derives from its scalar arguments, once per
    surface and radar: (a, eta, σ_h, β, K)."""
    _surf.check_surface(surface)
    _surf.check_polarization(polarization)
    sigma_h = float(_check_array("rms_height_m", _rough.sea_state_rms_height_m(sea_state)))
    eta = complex(_surf.complex_permittivity(surface, f_hz))
    a = check_k(k, where="k") * EARTH_RADIUS_M
    k_adm = _dif.surface_admittance_k(eta, f_hz, a, polarization)
    return a, eta, sigma_h, float(_dif.beta_from_k(k_adm)), float(k_adm)


def propagation_factor_point_db(ground_range_m: float, radar_height_m: float, target_height_m: float,
                                frequency_hz: float, *, surface: str, sea_state: float, polarization: str,
                                k: float, reflected_gain_db) -> float:
    """:func:`propagation_factor_db` of one path (Ament roughness from the sea state), as a
    float: the same kernel on the same one-element arrays, its surface constants made
    once per surface (an interceptor's radar looks one target at a time, and the
    argument checks and constants cost more than the kernel). ``reflected_gain_db`` is a
    one-element array, as the array path turns it into the kernel's gain the same way."""
    f_hz = _check_frequency(frequency_hz)
    a, eta, sigma_h, beta, k_adm = _surface_constants(surface, f_hz, float(sea_state), polarization, float(k))
    d = float(ground_range_m)
    h1, h2 = float(radar_height_m), float(target_height_m)
    g_db = np.asarray(reflected_gain_db, float).reshape(1)
    g0 = float(g_db[0])
    if not (math.isfinite(d) and math.isfinite(h1) and math.isfinite(h2) and g0 == g0 and g0 != math.inf) \
            or min(d, h1, h2) < 0.0:  # what the array path refuses: its error
        return float(np.ravel(propagation_factor_db(d, h1, h2, f_hz, surface=surface, sea_state=sea_state,
                                                    polarization=polarization, k=k, reflected_gain_db=g_db)[0])[0])
    out_db = np.empty(1)
    out_region = np.empty(1, dtype=np.int8)
    g_refl = 10.0 ** (g_db / 20.0)
    _factor_kernel(np.array([d]), np.array([h1]), np.array([h2]), g_refl, f_hz, a, eta, polarization == "v",
                   sigma_h, False, beta, k_adm, F_DB_FLOOR, RAY_RESIDUAL_RATIO, out_db, out_region)
    return float(out_db[0])


@njit(cache=True)
def _ray_elevations_kernel(d_m, h1_m, h2_m, a, out_direct, out_reflected):
    for i in range(d_m.size):
        d = max(d_m[i], 1.0)
        h1 = h1_m[i]
        h2 = h2_m[i]
        theta = d / a
        r1 = a + h1
        r2 = a + h2
        out_direct[i] = math.atan2(r2 * math.cos(theta) - r1, r2 * math.sin(theta))
        d1, sin_psi, delta, div = reflection_geometry(d, h1, h2, a)
        t1 = d1 / a
        out_reflected[i] = math.atan2(a * math.cos(t1) - r1, a * math.sin(t1))


def ray_elevations_rad(ground_range_m, radar_height_m, target_height_m, k: float = 4.0 / 3.0):
    """Elevation angles at the radar (rad above its local horizontal, straight rays on
    the k·R sphere) of the direct ray to the target and of the ray to the specular
    reflection point (negative). For the antenna pattern of the two rays: pass
    ``G(reflected) − G(direct)`` as ``reflected_gain_db`` to :func:`propagation_factor_db`.
    Where no reflection point sees both ends (beyond the horizon) the reflected value is
    the ray to the tangent point's neighbourhood and is not used by F."""
    a = check_k(k, where="k") * EARTH_RADIUS_M
    d, h1, h2 = np.broadcast_arrays(_check_array("ground_range_m", ground_range_m),
                                    _check_array("radar_height_m", radar_height_m),
                                    _check_array("target_height_m", target_height_m))
    out_d = np.empty(d.size)
    out_r = np.empty(d.size)
    _ray_elevations_kernel(np.ascontiguousarray(d, dtype=float).ravel(), np.ascontiguousarray(h1, dtype=float).ravel(),
                           np.ascontiguousarray(h2, dtype=float).ravel(), a, out_d, out_r)
    return out_d.reshape(d.shape), out_r.reshape(d.shape)


# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.geo",
    "foxbat.propagation.sphere",
    "foxbat.propagation.diffraction",
    "foxbat.propagation.roughness",
    "foxbat.propagation.surface",
])
