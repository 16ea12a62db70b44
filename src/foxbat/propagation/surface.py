"""Electrical constants of the Earth's surface (ITU-R P.527) and the Fresnel reflection
coefficient of a smooth surface for horizontal and vertical polarisation.

Sea and fresh water follow the Debye relaxation models of ITU-R P.527-6 §5.1 (sea water:
double Debye with salinity and ionic conductivity, eqs. 14-27; pure water, eqs. 5-13) at
20 °C and, for the sea, a salinity of 35 g/kg. Wet, medium dry and very dry ground follow
the power-law fits ε' = a·f^b, σ = c·f^d (f in GHz) of ITU-R P.527 as tabulated in ITU-R
P.2040 Table 3 (valid 1-10 GHz). Below 1 GHz the fit's ε' (b ≤ 0) would climb without
bound, so ε' is held at its 1 GHz value (the P.527-3 curves are flat there) while σ
follows the power law, which falls with frequency as those curves do.

Complex relative permittivity: η = ε' − j·ε'', ε'' = σ/(ω·ε0) = 18·σ/f_GHz.
"""

from __future__ import annotations

import math

import numpy as np

from foxbat.errors import ParameterError

EPS0_F_PER_M = 8.854187817e-12
SEA_TEMPERATURE_C = 20.0
SEA_SALINITY_G_PER_KG = 35.0
FRESH_TEMPERATURE_C = 20.0

# ITU-R P.527 ground fits as in ITU-R P.2040-3 Table 3: (a, b, c, d) for ε' = a f^b, σ = c f^d
_GROUND_FITS = {
    "wet": (30.0, -0.4, 0.15, 1.30),
    "medium": (15.0, -0.1, 0.035, 1.63),
    "dry": (3.0, 0.0, 0.00015, 2.52),
}
_SURFACES = ("sea", "fresh", "wet", "medium", "dry")
_POLARIZATIONS = ("h", "v")


def surface_names() -> tuple[str, ...]:
    """The reflecting surfaces known to foxbat: sea, fresh (water), wet, medium, dry (ground)."""
    return _SURFACES


def check_surface(surface: str, where: str = "surface") -> str:
    if surface not in _SURFACES:
        raise ParameterError(f"unknown surface {surface!r}; allowed: {', '.join(_SURFACES)}", where=where)
    return surface


def check_polarization(polarization: str, where: str = "polarization") -> str:
    if polarization not in _POLARIZATIONS:
        raise ParameterError(f"unknown polarization {polarization!r}; allowed: h, v", where=where)
    return polarization


def _check_frequency(frequency_hz: float) -> float:
    f = float(frequency_hz)
    if not (math.isfinite(f) and f > 0):
        raise ParameterError(f"frequency must be a finite number > 0 Hz, got {frequency_hz!r}",
                             where="frequency_hz")
    return f


def _water_debye(t_c: float):
    """ITU-R P.527-6 eqs. 8-13: static, intermediate and high-frequency permittivities and
    the two relaxation frequencies (GHz) of pure water at t_c °C."""
    theta = 300.0 / (t_c + 273.15) - 1.0
    eps_s = 77.66 + 103.3 * theta
    eps_1 = 0.0671 * eps_s
    eps_inf = 3.52 - 7.52 * theta
    f1 = 20.20 - 146.4 * theta + 316.0 * theta ** 2
    f2 = 39.8 * f1
    return eps_s, eps_1, eps_inf, f1, f2


def pure_water_permittivity(frequency_hz: float, t_c: float = FRESH_TEMPERATURE_C) -> complex:
    """Complex relative permittivity ε' − jε'' of pure water, ITU-R P.527-6 eqs. 5-7."""
    f = _check_frequency(frequency_hz) / 1e9
    eps_s, eps_1, eps_inf, f1, f2 = _water_debye(t_c)
    re = (eps_s - eps_1) / (1 + (f / f1) ** 2) + (eps_1 - eps_inf) / (1 + (f / f2) ** 2) + eps_inf
    im = (f / f1) * (eps_s - eps_1) / (1 + (f / f1) ** 2) + (f / f2) * (eps_1 - eps_inf) / (1 + (f / f2) ** 2)
    return complex(re, -im)


def sea_water_permittivity(frequency_hz: float, t_c: float = SEA_TEMPERATURE_C,
                           salinity_g_per_kg: float = SEA_SALINITY_G_PER_KG) -> complex:
    """Complex relative permittivity ε' − jε'' of sea water, ITU-R P.527-6 eqs. 14-27."""
    f = _check_frequency(frequency_hz) / 1e9
    s, t = float(salinity_g_per_kg), float(t_c)
    eps_s, eps_1, eps_inf, f1, f2 = _water_debye(t)
    eps_ss = eps_s * math.exp(-3.33330e-3 * s + 4.74868e-6 * s ** 2)
    f1s = f1 * (1 + s * (2.3232e-3 - 7.9208e-5 * t + 3.6764e-6 * t ** 2 + 3.5594e-7 * t ** 3
                         + 8.9795e-9 * t ** 4))
    eps_1s = eps_1 * math.exp(-6.28908e-3 * s + 1.76032e-4 * s ** 2 - 9.22144e-5 * t * s)
    f2s = f2 * (1 + s * (-1.99723e-2 + 1.81176e-4 * t))
    eps_infs = eps_inf * (1 + s * (-2.04265e-3 + 1.57883e-4 * t))
    sigma_35 = 2.903602 + 8.607e-2 * t + 4.738817e-4 * t ** 2 - 2.991e-6 * t ** 3 + 4.3047e-9 * t ** 4
    r_15 = s * (37.5109 + 5.45216 * s + 1.4409e-2 * s ** 2) / (1004.75 + 182.283 * s + s ** 2)
    alpha_0 = (6.9431 + 3.2841 * s - 9.9486e-2 * s ** 2) / (84.850 + 69.024 * s + s ** 2)
    alpha_1 = 49.843 - 0.2276 * s + 0.198e-2 * s ** 2
    r_t15 = 1 + alpha_0 * (t - 15) / (alpha_1 + t)
    sigma_sw = sigma_35 * r_15 * r_t15
    re = (eps_ss - eps_1s) / (1 + (f / f1s) ** 2) + (eps_1s - eps_infs) / (1 + (f / f2s) ** 2) + eps_infs
    im = ((f / f1s) * (eps_ss - eps_1s) / (1 + (f / f1s) ** 2)
          + (f / f2s) * (eps_1s - eps_infs) / (1 + (f / f2s) ** 2) + 18.0 * sigma_sw / f)
    return complex(re, -im)


def complex_permittivity(surface: str, frequency_hz: float) -> complex:
    """η = ε' − jε'' of a surface (see :func:`surface_names`) at a frequency."""
    check_surface(surface)
    f_hz = _check_frequency(frequency_hz)
    if surface == "sea":
        return sea_water_permittivity(f_hz)
    if surface == "fresh":
        return pure_water_permittivity(f_hz)
    a, b, c, d = _GROUND_FITS[surface]
    f_ghz = f_hz / 1e9
    eps_re = a * max(f_ghz, 1.0) ** b
    sigma = c * f_ghz ** d
    return complex(eps_re, -sigma / (2 * math.pi * f_hz * EPS0_F_PER_M))


def surface_constants(surface: str, frequency_hz: float) -> tuple[float, float]:
    """(ε_r, σ in S/m) of a surface at a frequency, ITU-R P.527 (see the module notes)."""
    eta = complex_permittivity(surface, frequency_hz)
    return float(eta.real), float(-eta.imag * 2 * math.pi * float(frequency_hz) * EPS0_F_PER_M)


def fresnel_coefficient(grazing_rad, eta: complex, polarization: str):
    """Fresnel reflection coefficient of a smooth half-space of complex permittivity η at a
    grazing angle ψ (rad above the surface):

    Γ_h = (sin ψ − √(η − cos²ψ)) / (sin ψ + √(η − cos²ψ)),
    Γ_v = (η sin ψ − √(η − cos²ψ)) / (η sin ψ + √(η − cos²ψ)).

    Both tend to −1 at grazing incidence; time convention e^{jωt}.
    """
    check_polarization(polarization)
    psi = np.asarray(grazing_rad, dtype=float)
    s = np.sin(psi)
    root = np.sqrt(eta - np.cos(psi) ** 2 + 0j)
    if polarization == "h":
        return (s - root) / (s + root)
    return (eta * s - root) / (eta * s + root)


def reflection_coefficient(grazing_rad, frequency_hz: float, surface: str, polarization: str):
    """Complex Fresnel reflection coefficient of a smooth ``surface`` (ITU-R P.527
    constants) at ``frequency_hz`` for grazing angles ``grazing_rad`` and polarisation
    ``"h"`` or ``"v"`` (no roughness: see :mod:`foxbat.propagation.roughness`)."""
    return fresnel_coefficient(grazing_rad, complex_permittivity(surface, frequency_hz), polarization)
