"""Surface clutter: constant-gamma reflectivity, geometry on the effective Earth,
resolution-cell area, and the signal-to-interference ratio after Doppler processing.

Model, step by step (all functions vectorised over numpy arrays):

1. Reflectivity, the constant-gamma model: σ⁰ = γ·sin ψ (m² of RCS per m² of
   surface), ψ the grazing angle; γ by surface type (:data:`GAMMA_DB`), scaled with
   frequency as γ(f) = γ(10 GHz) + 5·log10(f / 10 GHz) dB.
2. Geometry on a smooth sphere of radius a = k·R (DESIGN.md: R = 6 371 km,
   k = 4/3): for a radar h metres above the surface, the surface point at slant
   range r has sin ψ = (h(2a + h) − r²)/(2a·r) and is seen at a depression angle
   sin δ = (h(2a + h) + r²)/(2(a + h)·r). Beyond the radar's horizon √(h(2a + h))
   there is no surface in view (ψ < 0) and no clutter.
3. Clutter cell: the area illuminated at one range is the smaller of the
   pulse-limited r·θ_az·(cτ/2)·sec ψ and the beam-limited (π/4)·r²·θ_az·θ_el / sin ψ
   (Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, surface-clutter chapter);
   σ_c = σ⁰·A_c.
4. Clutter power relative to the target: the same radar equation, with σ_c for σ
   and the two-way antenna gain toward the clutter patch relative to the target
   direction (a Gaussian main beam, floored at a two-way sidelobe level). So
   C/N = SNR · g · σ_c/σ_t and S/C = σ_t/(g·σ_c).
5. Doppler processing (MTI or pulse-Doppler) reduces clutter power by its
   improvement factor I: SINR = S/(N + C/I). A pulse radar with no Doppler
   processing has I = 0 dB. The model assumes the target's Doppler lies outside the
   clutter notch (no blind speeds, no tangential-crossing target).

Heights are metres above the clutter surface under the radar (the sea: MSL).
"""

from __future__ import annotations

import math

import numpy as np

from foxbat.errors import ParameterError
from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M
from foxbat.radar.equation import SPEED_OF_LIGHT_MPS, db, from_db

_TEXTBOOK = ("textbook value at 10 GHz from {book}, as tabulated (with its source) in MATLAB's "
             "surfacegamma (Radar Toolbox, https://uk.mathworks.com/help/radar/ref/surfacegamma.html)")
_LONG = "Long, Radar Reflectivity of Land and Sea, 3rd ed. (Artech House, 2001)"
_NATHANSON = "Nathanson, Radar Design Principles, 2nd ed. (1999)"

GAMMA_DB: dict[str, dict] = {
    "sea_state_0": {"value": -55.0, "notional": True,
                    "reason": "extrapolated 5 dB per sea state from the sourced sea states 3 and 5"},
    "sea_state_1": {"value": -50.0, "notional": True,
                    "reason": "extrapolated 5 dB per sea state from the sourced sea states 3 and 5"},
    "sea_state_2": {"value": -45.0, "notional": True,
                    "reason": "extrapolated 5 dB per sea state from the sourced sea states 3 and 5"},
    "sea_state_3": {"value": -40.0, "source": _TEXTBOOK.format(book=_LONG)},
    "sea_state_4": {"value": -35.0, "notional": True,
                    "reason": "interpolated between the sourced sea states 3 and 5"},
    "sea_state_5": {"value": -30.0, "source": _TEXTBOOK.format(book=_LONG)},
    "sea_state_6": {"value": -25.0, "notional": True,
                    "reason": "extrapolated 5 dB per sea state from the sourced sea states 3 and 5"},
    "flatland": {"value": -20.0, "source": _TEXTBOOK.format(book=_NATHANSON)},
    "farmland": {"value": -15.0, "source": _TEXTBOOK.format(book=_NATHANSON)},
    "woods": {"value": -15.0, "source": _TEXTBOOK.format(book=_LONG)},
    "wooded_hills": {"value": -10.0, "source": _TEXTBOOK.format(book=_NATHANSON)},
    "rugged_mountains": {"value": 0.0, "source": _TEXTBOOK.format(book=_LONG)},
    "urban": {"value": 0.0, "source": _TEXTBOOK.format(book=_LONG) + " ('metropolitan')"},
}
"""γ (dB) at 10 GHz by surface, each with ``source`` or ``notional`` + ``reason``."""

GAMMA_REFERENCE_FREQUENCY_HZ = 10e9


def surface_names() -> list[str]:
    """The surface types :func:`surface_gamma_db` knows."""
    return list(GAMMA_DB)


def surface_gamma_db(surface: str, frequency_hz=None):
    """γ of a surface type, dB, at ``frequency_hz`` (10 GHz when None).

    γ(f) = γ(10 GHz) + 5·log10(f / 10 GHz), the frequency scaling of the same
    tabulation (MATLAB surfacegamma); below about 1 GHz it is a rough extrapolation.
    """
    key = surface.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in GAMMA_DB:
        raise ParameterError(f"unknown surface {surface!r}; known surfaces: {', '.join(GAMMA_DB)}",
                             field="surface")
    g = GAMMA_DB[key]["value"]
    if frequency_hz is None:
        return g
    f = np.asarray(frequency_hz, dtype=float)
    if np.any(f <= 0):
        raise ParameterError(f"must be > 0, got {frequency_hz!r}", field="frequency_hz")
    return g + 5.0 * np.log10(f / GAMMA_REFERENCE_FREQUENCY_HZ)


def sigma0_constant_gamma(gamma_db, grazing_rad):
    """Surface reflectivity σ⁰ = γ·sin ψ, m²/m² (linear); 0 where ψ ≤ 0 (surface not in view)."""
    psi = np.asarray(grazing_rad, dtype=float)
    return np.where(psi > 0, from_db(gamma_db) * np.sin(np.clip(psi, 0.0, math.pi / 2)), 0.0)


def _a(k, earth_radius_m):
    if not (k > 0 and earth_radius_m > 0):
        raise ParameterError(f"k and earth_radius_m must be > 0, got {k!r}, {earth_radius_m!r}", field="k")
    return k * earth_radius_m


def surface_horizon_range_m(radar_height_m, k=DEFAULT_K, earth_radius_m=EARTH_RADIUS_M):
    """Slant range to the radar's horizon on the sphere, √(h(2a + h)), metres."""
    a = _a(k, earth_radius_m)
    h = np.maximum(np.asarray(radar_height_m, dtype=float), 0.0)
    return np.sqrt(h * (2 * a + h))


def grazing_angle_rad(radar_height_m, slant_range_m, k=DEFAULT_K, earth_radius_m=EARTH_RADIUS_M):
    """Grazing angle ψ at the surface point ``slant_range_m`` from a radar ``radar_height_m``
    above the sphere of radius a = kR, radians.

    sin ψ = (h(2a + h) − r²)/(2a·r); negative beyond the horizon (no clutter there);
    flat-Earth limit sin ψ = h/r, small-angle form ψ ≈ h/r − r/(2a).
    Slant ranges shorter than h (nothing of the surface that close) give NaN.
    """
    a = _a(k, earth_radius_m)
    h = np.asarray(radar_height_m, dtype=float)
    r = np.asarray(slant_range_m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (h * (2 * a + h) - r * r) / (2 * a * r)
        return np.where(r >= h, np.arcsin(np.clip(s, -1.0, 1.0)), np.nan)


def depression_angle_rad(radar_height_m, slant_range_m, k=DEFAULT_K, earth_radius_m=EARTH_RADIUS_M):
    """Angle below the radar's local horizontal to the surface point at ``slant_range_m``, radians.

    sin δ = (h(2a + h) + r²)/(2(a + h)·r). NaN for r < h.
    """
    a = _a(k, earth_radius_m)
    h = np.asarray(radar_height_m, dtype=float)
    r = np.asarray(slant_range_m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (h * (2 * a + h) + r * r) / (2 * (a + h) * r)
        return np.where(r >= h, np.arcsin(np.clip(s, -1.0, 1.0)), np.nan)


def elevation_angle_rad(radar_height_m, target_height_m, slant_range_m, k=DEFAULT_K,
                        earth_radius_m=EARTH_RADIUS_M):
    """Elevation of a target above the radar's local horizontal, radians (negative: below).

    sin ε = ((a + h_t)² − (a + h_r)² − r²)/(2(a + h_r)·r) on the sphere of radius a = kR.
    """
    a = _a(k, earth_radius_m)
    hr = np.asarray(radar_height_m, dtype=float)
    ht = np.asarray(target_height_m, dtype=float)
    r = np.asarray(slant_range_m, dtype=float)
    s = ((a + ht) ** 2 - (a + hr) ** 2 - r * r) / (2 * (a + hr) * r)
    return np.arcsin(np.clip(s, -1.0, 1.0))


def clutter_cell_area_m2(range_m, beamwidth_az_rad, beamwidth_el_rad, pulse_width_s, grazing_rad):
    """Area of surface in one resolution cell, m²: the smaller of pulse-limited and beam-limited.

    Pulse-limited: r·θ_az·(cτ/2)·sec ψ. Beam-limited: (π/4)·r²·θ_az·θ_el / sin ψ.
    0 where ψ ≤ 0 (no surface in view).
    """
    r = np.asarray(range_m, dtype=float)
    psi = np.asarray(grazing_rad, dtype=float)
    th_az = np.asarray(beamwidth_az_rad, dtype=float)
    th_el = np.asarray(beamwidth_el_rad, dtype=float)
    tau = np.asarray(pulse_width_s, dtype=float)
    ok = psi > 0
    psi_c = np.where(ok, np.clip(psi, 1e-12, math.pi / 2), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pulse = r * th_az * (SPEED_OF_LIGHT_MPS * tau / 2.0) / np.cos(psi_c)
        beam = (math.pi / 4.0) * r * r * th_az * th_el / np.sin(psi_c)
    return np.where(ok, np.minimum(pulse, beam), 0.0)


def beam_pattern_two_way(offset_rad, beamwidth_rad, sidelobe_two_way_db=-50.0):
    """Two-way power gain relative to the beam peak at ``offset_rad`` from the axis.

    Gaussian main beam, exp(−8·ln2·(Δ/θ)²) (−3 dB one-way at Δ = θ/2), not below the
    two-way sidelobe floor ``sidelobe_two_way_db``.
    """
    d = np.asarray(offset_rad, dtype=float) / np.asarray(beamwidth_rad, dtype=float)
    return np.maximum(np.exp(-8.0 * math.log(2.0) * d * d), from_db(sidelobe_two_way_db))


def clutter_rcs_m2(range_m, *, radar_height_m, gamma_db, beamwidth_az_rad, beamwidth_el_rad,
                   pulse_width_s, k=DEFAULT_K, earth_radius_m=EARTH_RADIUS_M):
    """RCS of the surface in the resolution cell at slant range ``range_m``, σ_c = σ⁰·A_c, m²."""
    psi = grazing_angle_rad(radar_height_m, range_m, k, earth_radius_m)
    psi = np.where(np.isnan(psi), -1.0, psi)
    area = clutter_cell_area_m2(range_m, beamwidth_az_rad, beamwidth_el_rad, pulse_width_s, psi)
    return sigma0_constant_gamma(gamma_db, psi) * area


def signal_to_clutter_db(rcs_m2, clutter_rcs_m2, clutter_gain=1.0):
    """S/C = σ_t / (g·σ_c), dB, for target and clutter at the same range
    (``clutter_gain`` g the two-way antenna gain toward the clutter relative to the target)."""
    with np.errstate(divide="ignore"):
        return db(np.asarray(rcs_m2, float)) - db(np.asarray(clutter_gain, float) * np.asarray(clutter_rcs_m2, float))


def clutter_to_noise_db(snr_db, rcs_m2, clutter_rcs_m2, clutter_gain=1.0):
    """C/N = SNR · g·σ_c/σ_t, dB (−inf where there is no clutter)."""
    return np.asarray(snr_db, float) - signal_to_clutter_db(rcs_m2, clutter_rcs_m2, clutter_gain)


def sinr_db(snr_db, cnr_db, improvement_factor_db=0.0):
    """Signal to interference (noise plus residual clutter) ratio, dB.

    SINR = S/(N + C/I) = SNR / (1 + CNR/I), all linear; I the MTI or pulse-Doppler
    clutter improvement factor (0 dB: no Doppler processing).
    """
    with np.errstate(over="ignore"):
        c_over_n = from_db(np.asarray(cnr_db, float) - np.asarray(improvement_factor_db, float))
    return np.asarray(snr_db, float) - db(1.0 + c_over_n)


def effective_snr_db(snr_db, range_m, rcs_m2, *, radar_height_m, target_height_m, surface,
                     frequency_hz, beamwidth_az_rad, beamwidth_el_rad, pulse_width_s,
                     improvement_factor_db=0.0, beam_on_target=True, sidelobe_two_way_db=-50.0,
                     k=DEFAULT_K, earth_radius_m=EARTH_RADIUS_M):
    """The SNR a target effectively has once surface clutter in its range cell is counted, dB.

    Works for a ground radar (``radar_height_m`` its antenna above the surface
    around it) and an airborne radar looking down (its altitude above the surface).
    The clutter at the target's slant range is the surface patch there; its
    direction differs from the target's by ε_t + δ_c (target elevation plus the
    patch's depression), and the two-way beam gain toward it follows
    :func:`beam_pattern_two_way` with the elevation beamwidth. A low target seen
    from above has the patch inside the main beam: a pulse radar without Doppler
    processing then competes with the full mainlobe clutter and loses a small
    target, while MTI / pulse-Doppler with an adequate improvement factor keeps it.
    A ground radar looking out over the sea beyond its own surface horizon sees no
    clutter at that range.

    Parameters
    ----------
    snr_db : the target's SNR without clutter, dB (per pulse or after coherent
        integration; clutter enters as a ratio to it)
    range_m : slant range to the target, m
    rcs_m2 : target RCS, m²
    radar_height_m, target_height_m : above the surface, m
    surface : a key of :data:`GAMMA_DB` (e.g. ``"sea_state_3"``, ``"farmland"``)
    frequency_hz : carrier, Hz (scales γ)
    beamwidth_az_rad, beamwidth_el_rad, pulse_width_s : the radar's resolution cell
    improvement_factor_db : MTI / pulse-Doppler clutter improvement I, dB
    beam_on_target : True when the beam points at the target (tracking, or a search
        beam sweeping over it); the clutter then gets the two-way gain at its
        angular offset
    sidelobe_two_way_db : floor of the two-way pattern, dB

    Returns
    -------
    SINR, dB.
    """
    gamma = surface_gamma_db(surface, frequency_hz)
    sigma_c = clutter_rcs_m2(range_m, radar_height_m=radar_height_m, gamma_db=gamma,
                             beamwidth_az_rad=beamwidth_az_rad, beamwidth_el_rad=beamwidth_el_rad,
                             pulse_width_s=pulse_width_s, k=k, earth_radius_m=earth_radius_m)
    if beam_on_target:
        eps_t = elevation_angle_rad(radar_height_m, target_height_m, range_m, k, earth_radius_m)
        dep_c = depression_angle_rad(radar_height_m, range_m, k, earth_radius_m)
        dep_c = np.where(np.isnan(dep_c), math.pi / 2, dep_c)
        g = beam_pattern_two_way(eps_t + dep_c, beamwidth_el_rad, sidelobe_two_way_db)
    else:
        g = from_db(sidelobe_two_way_db)
    cnr = clutter_to_noise_db(snr_db, rcs_m2, sigma_c, g)
    return sinr_db(snr_db, cnr, improvement_factor_db)
