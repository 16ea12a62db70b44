"""Specular reflection lost to a rough surface, and the rms wave height of a sea state.

Sea states are the Douglas / WMO sea-state code (WMO Manual on Codes, code table 3700):
significant wave height H_1/3 of 0 (0, calm glassy), 0-0.1 m (1), 0.1-0.5 (2), 0.5-1.25 (3),
1.25-2.5 (4), 2.5-4 (5), 4-6 (6), 6-9 (7), 9-14 m (8). foxbat takes the top of each band and
the rms surface height σ_h = H_1/3 / 4 (H_1/3 ≈ 4σ_h for a Gaussian sea); fractional sea
states interpolate linearly. Sea state 2 gives σ_h = 0.125 m (Barton, *Radar Equations for
Modern Radar*, 2013, as used by MATLAB's ``searoughness``: 0.10 m).
"""

from __future__ import annotations

import math

import numpy as np
from foxbat.errors import ParameterError

# top of the significant-wave-height band of Douglas / WMO sea states 0..8, m
_HS_TOP_M = np.array([0.0, 0.1, 0.5, 1.25, 2.5, 4.0, 6.0, 9.0, 14.0])
MAX_SEA_STATE = 8.0


def check_sea_state(sea_state: float, where: str = "sea_state") -> float:
    s = float(sea_state)
    if not (math.isfinite(s) and 0.0 <= s <= MAX_SEA_STATE):
        raise ParameterError(f"sea state must be between 0 and {MAX_SEA_STATE:g}, got {sea_state!r}",
                             where=where)
    return s


def sea_state_rms_height_m(sea_state: float) -> float:
    """rms surface height σ_h (m) of a Douglas / WMO sea state 0-8 (see the module notes)."""
    s = check_sea_state(sea_state)
    return float(np.interp(s, np.arange(_HS_TOP_M.size), _HS_TOP_M)) / 4.0


def roughness_parameter(rms_height_m, grazing_rad, wavelength_m):
    """g = 2π·σ_h·sin ψ / λ (phase spread of the reflected ray, rad)."""
    return 2 * np.pi * np.asarray(rms_height_m, float) * np.sin(grazing_rad) / wavelength_m


def ament_factor(rms_height_m, grazing_rad, wavelength_m):
    """Ament's specular scattering factor ρ = exp(−2g²), g = 2π·σ_h·sin ψ/λ."""
    g = roughness_parameter(rms_height_m, grazing_rad, wavelength_m)
    return np.exp(-2.0 * g * g)


def miller_brown_factor(rms_height_m, grazing_rad, wavelength_m):
    """Miller-Brown (1984) factor for a sea with Gaussian-distributed heights:
    ρ = exp(−2g²)·I0(2g²), which falls more slowly than Ament's at large g."""
    from scipy.special import i0e  # imported here: the rest of foxbat.propagation needs no scipy

    g = roughness_parameter(rms_height_m, grazing_rad, wavelength_m)
    x = 2.0 * g * g
    return i0e(x)  # exp(-x)·I0(x), computed without overflow
