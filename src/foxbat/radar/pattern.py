"""Antenna elevation patterns: one-way power gain relative to the beam peak, dB.

Shapes (``shape``):

- ``"sinc"``: a uniformly illuminated aperture, amplitude sin(x)/x with
  x = 1.39157·(θ − tilt)/(θ_3dB/2), so the gain is −3.01 dB at half the beamwidth off
  the tilt (1.39157 is where sin x/x = 1/√2); its own sidelobes (−13.3 dB) included.
- ``"gaussian"``: G = −10·log10(2)·(2(θ − tilt)/θ_3dB)² dB (−3.01 dB at half the
  beamwidth, no sidelobes).
- ``"csc2"``: the sinc main beam below and up to its upper half-power edge
  θ_e = tilt + θ_3dB/2, then the cosecant-squared fill of a search radar, power gain
  ∝ csc²θ: G(θ) = G(θ_e) + 20·log10(sin θ_e / sin θ) for θ_e ≤ θ ≤ θ_max, then a Gaussian
  roll-off of the same beamwidth above θ_max (Skolnik, *Introduction to Radar Systems*,
  §7 "cosecant-squared antenna pattern"; Blake, *Radar Range-Performance Analysis*, ch. 2).

Every shape is floored at ``sidelobe_db`` (a notional sidelobe level: the pattern's
nulls and far sidelobes are not modelled). Angles in radians.
"""

from __future__ import annotations

import math

import numpy as np

from foxbat.errors import ParameterError

SHAPES = ("sinc", "gaussian", "csc2")
SINC_HALF_POWER_X = 1.391557378251  # sin(x)/x = 1/√2
DEFAULT_SIDELOBE_DB = -30.0
HALF_POWER_DB = -10.0 * math.log10(2.0)


def _sinc_db(delta_rad, beamwidth_el_rad):
    x = SINC_HALF_POWER_X * np.asarray(delta_rad, float) / (0.5 * beamwidth_el_rad)
    with np.errstate(divide="ignore", invalid="ignore"):
        amp = np.where(np.abs(x) < 1e-12, 1.0, np.sin(x) / np.where(x == 0, 1.0, x))
        return 20.0 * np.log10(np.maximum(np.abs(amp), 1e-30))


def _gaussian_db(delta_rad, beamwidth_el_rad):
    return HALF_POWER_DB * (2.0 * np.asarray(delta_rad, float) / beamwidth_el_rad) ** 2


def elevation_pattern_db(elevation_rad, *, beamwidth_el_rad: float, tilt_rad: float = 0.0, shape: str = "sinc",
                         csc2_max_rad: float | None = None, sidelobe_db: float = DEFAULT_SIDELOBE_DB):
    """One-way power gain relative to the peak (dB, ≤ 0) at elevations ``elevation_rad``.

    ``beamwidth_el_rad`` is the half-power (−3 dB) width of the main beam, ``tilt_rad``
    the elevation of its peak; ``shape`` one of :data:`SHAPES`; ``csc2_max_rad`` the top
    of the cosecant-squared fill (needed, and above the main beam's upper edge, for
    ``"csc2"``); ``sidelobe_db`` the floor. For the radar SNR use twice this (two-way).
    """
    if shape not in SHAPES:
        raise ParameterError(f"unknown elevation pattern {shape!r}; allowed: {', '.join(SHAPES)}",
                             where="elevation_pattern")
    if not (math.isfinite(beamwidth_el_rad) and beamwidth_el_rad > 0):
        raise ParameterError(f"must be > 0, got {beamwidth_el_rad!r}", where="beamwidth_el_rad")
    if not (math.isfinite(sidelobe_db) and sidelobe_db < 0):
        raise ParameterError(f"must be < 0 dB, got {sidelobe_db!r}", where="sidelobe_db")
    el = np.asarray(elevation_rad, dtype=float)
    delta = el - tilt_rad
    if shape == "gaussian":
        g = _gaussian_db(delta, beamwidth_el_rad)
    else:
        g = _sinc_db(delta, beamwidth_el_rad)
        # beyond the main lobe's first nulls the sinc's own sidelobes stay, floored below
    if shape == "csc2":
        edge = tilt_rad + 0.5 * beamwidth_el_rad
        if csc2_max_rad is None or not (csc2_max_rad > edge > 0):
            raise ParameterError("a cosecant-squared pattern needs csc2_max above the main beam's upper "
                                 f"half-power edge ({math.degrees(edge):.2f}°) and that edge above 0°, "
                                 f"got {None if csc2_max_rad is None else math.degrees(csc2_max_rad)!r}°",
                                 where="csc2_max_elevation_deg")
        s_edge = math.sin(edge)
        top_db = HALF_POWER_DB + 20.0 * math.log10(s_edge / math.sin(csc2_max_rad))
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = HALF_POWER_DB + 20.0 * np.log10(s_edge / np.sin(np.clip(el, edge, csc2_max_rad)))
        above_top = top_db + _gaussian_db(np.maximum(el - csc2_max_rad, 0.0), beamwidth_el_rad)
        g = np.where(el <= edge, g, np.where(el <= csc2_max_rad, fill, above_top))
    return np.maximum(g, sidelobe_db)[()]
