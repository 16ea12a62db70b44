"""International Standard Atmosphere (ISA, ICAO 1993) up to 20 km, with no wind.

Plain-float functions compiled by numba so that the flight kernel can call them;
they work the same from ordinary Python.
"""

from __future__ import annotations

import math

from numba import njit

T0_K = 288.15
P0_PA = 101_325.0
RHO0_KG_M3 = 1.225
LAPSE_K_PER_M = 0.0065
TROPOPAUSE_M = 11_000.0
R_AIR = 287.053  # J/(kg·K)
GAMMA = 1.4
G0_MPS2 = 9.80665
_T11_K = T0_K - LAPSE_K_PER_M * TROPOPAUSE_M  # 216.65 K
_P11_PA = P0_PA * (_T11_K / T0_K) ** (G0_MPS2 / (LAPSE_K_PER_M * R_AIR))
_SCALE_H_M = R_AIR * _T11_K / G0_MPS2


@njit(cache=True)
def temperature_k(alt_msl_m: float) -> float:
    """ISA temperature (K) at a geopotential altitude (m)."""
    if alt_msl_m < TROPOPAUSE_M:
        return T0_K - LAPSE_K_PER_M * alt_msl_m
    return _T11_K


@njit(cache=True)
def pressure_pa(alt_msl_m: float) -> float:
    """ISA static pressure (Pa)."""
    if alt_msl_m < TROPOPAUSE_M:
        return P0_PA * (temperature_k(alt_msl_m) / T0_K) ** (G0_MPS2 / (LAPSE_K_PER_M * R_AIR))
    return _P11_PA * math.exp(-(alt_msl_m - TROPOPAUSE_M) / _SCALE_H_M)


@njit(cache=True)
def density_kg_m3(alt_msl_m: float) -> float:
    """ISA air density (kg/m³)."""
    return pressure_pa(alt_msl_m) / (R_AIR * temperature_k(alt_msl_m))


@njit(cache=True)
def speed_of_sound_mps(alt_msl_m: float) -> float:
    """ISA speed of sound (m/s)."""
    return math.sqrt(GAMMA * R_AIR * temperature_k(alt_msl_m))


@njit(cache=True)
def eas_to_tas_mps(eas_mps: float, alt_msl_m: float) -> float:
    """True airspeed (m/s) for an equivalent airspeed (m/s) at an altitude."""
    return eas_mps * math.sqrt(RHO0_KG_M3 / density_kg_m3(alt_msl_m))


@njit(cache=True)
def tas_to_eas_mps(tas_mps: float, alt_msl_m: float) -> float:
    """Equivalent airspeed (m/s) for a true airspeed (m/s) at an altitude."""
    return tas_mps * math.sqrt(density_kg_m3(alt_msl_m) / RHO0_KG_M3)
