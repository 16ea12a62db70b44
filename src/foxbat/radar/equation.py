"""The monostatic radar equation, antenna gain from beamwidths, and R⁴ scaling.

All functions take and return SI quantities (metres, seconds, watts, hertz, square
metres, kelvin) and decibels where the name says ``_db`` / ``_dbi``; they accept
scalars or numpy arrays and broadcast.

The radar equation used throughout (DESIGN.md, "Physics references")::

    SNR = P_t · G_t · G_r · λ² · σ · n / ((4π)³ · R⁴ · k · T₀ · B · F · L)

with P_t the peak transmitted power, G_t and G_r the transmit and receive gains
(equal for a shared antenna: G²), λ the wavelength, σ the target's radar cross
section, R the range, k Boltzmann's constant, T₀ the reference noise temperature
(290 K), B the receiver noise bandwidth (≈ 1/τ for a matched filter on a simple pulse
of width τ), F the receiver noise figure and L the total system losses.

``n`` counts pulses integrated **coherently** (their amplitudes add in phase, so the
signal-to-noise ratio grows by n). Non-coherent (video, post-detection) integration
does not multiply the SNR: leave ``n_coherent = 1`` here and pass the number of
pulses to the detection functions of :mod:`foxbat.radar.detection`
(``n_pulses``), which account for its smaller gain.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from foxbat.errors import ParameterError

BOLTZMANN_J_PER_K: float = 1.380649e-23
"""Boltzmann's constant k, J/K (exact, SI 2019)."""
SPEED_OF_LIGHT_MPS: float = 299_792_458.0
"""Speed of light in vacuum, m/s (exact)."""
T0_K: float = 290.0
"""Reference noise temperature T₀, K (IEEE standard reference for noise figure)."""
FOUR_PI_CUBED: float = (4.0 * math.pi) ** 3


def db(ratio):
    """Power ratio → decibels, 10·log10(ratio)."""
    return 10.0 * np.log10(ratio)


def from_db(value_db):
    """Decibels → power ratio, 10^(dB/10)."""
    return 10.0 ** (np.asarray(value_db, dtype=float) / 10.0)


def _positive(name: str, value) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:  # one value (most calls): checked without numpy's reductions
        v = float(a)
        if not (math.isfinite(v) and v > 0):
            raise ParameterError(f"must be a finite number > 0, got {value!r}", field=name)
        return a
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError(f"must be a finite number > 0, got {value!r}", field=name)
    return a


def wavelength_m(frequency_hz):
    """Free-space wavelength λ = c / f, metres, for a carrier frequency in Hz."""
    return SPEED_OF_LIGHT_MPS / _positive("frequency_hz", frequency_hz)


def bandwidth_from_pulse_width_hz(pulse_width_s):
    """Matched-filter noise bandwidth of a simple (unmodulated) pulse, B ≈ 1/τ, Hz."""
    return 1.0 / _positive("pulse_width_s", pulse_width_s)


def range_resolution_m(pulse_width_s):
    """Range extent of one resolution cell of a simple pulse, c·τ/2, metres."""
    return SPEED_OF_LIGHT_MPS * _positive("pulse_width_s", pulse_width_s) / 2.0


def unambiguous_range_m(prf_hz):
    """Largest range before second-time-around echoes, c / (2·PRF), metres."""
    return SPEED_OF_LIGHT_MPS / (2.0 * _positive("prf_hz", prf_hz))


def gain_from_beamwidths(beamwidth_az_rad, beamwidth_el_rad, efficiency=1.0):
    """Antenna gain (linear) from the half-power beamwidths, G ≈ 4π·η / (θ_az·θ_el).

    4π/(θ_az·θ_el) is the gain of an ideal beam that puts all power uniformly into
    the solid angle θ_az·θ_el; in degrees it reads G ≈ 41 253/(θ°_az·θ°_el), the
    approximation given by Kraus (*Antennas for All Applications*, 3rd ed., 1997,
    "give or take a decibel or two"). ``efficiency`` η < 1 accounts for sidelobes,
    taper and ohmic loss; the often-quoted G ≈ 26 000/(θ°·θ°) corresponds to
    η ≈ 0.63.

    Parameters
    ----------
    beamwidth_az_rad, beamwidth_el_rad : half-power (−3 dB) beamwidths, radians
    efficiency : η, dimensionless, in (0, 1]
    """
    az = _positive("beamwidth_az_rad", beamwidth_az_rad)
    el = _positive("beamwidth_el_rad", beamwidth_el_rad)
    eta = _positive("efficiency", efficiency)
    if np.any(eta > 1.0):
        raise ParameterError(f"must be in (0, 1], got {efficiency!r}", field="efficiency")
    return 4.0 * math.pi * eta / (az * el)


def gain_from_beamwidths_dbi(beamwidth_az_rad, beamwidth_el_rad, efficiency=1.0):
    """:func:`gain_from_beamwidths` in dBi."""
    return db(gain_from_beamwidths(beamwidth_az_rad, beamwidth_el_rad, efficiency))


def _noise_bandwidth(bandwidth_hz, pulse_width_s):
    if bandwidth_hz is not None and pulse_width_s is not None:
        raise ParameterError("give bandwidth_hz or pulse_width_s, not both", field="bandwidth_hz")
    if bandwidth_hz is not None:
        return _positive("bandwidth_hz", bandwidth_hz)
    if pulse_width_s is not None:
        return bandwidth_from_pulse_width_hz(pulse_width_s)
    raise ParameterError("give bandwidth_hz or pulse_width_s (B ≈ 1/τ)", field="bandwidth_hz")


def radar_constant_db(*, peak_power_w, wavelength_m, gain_tx_dbi, gain_rx_dbi=None,
                      bandwidth_hz=None, pulse_width_s=None, noise_figure_db=0.0,
                      losses_db=0.0, n_coherent=1, noise_temperature_k=T0_K):
    """Everything in the radar equation but σ/R⁴, in dB re 1 m⁴/m² (SNR·R⁴/σ).

    ``snr_db = radar_constant_db + 10·log10(σ) − 40·log10(R)``.
    Parameters as in :func:`radar_snr_db`.
    """
    pt = _positive("peak_power_w", peak_power_w)
    lam = _positive("wavelength_m", wavelength_m)
    n = _positive("n_coherent", n_coherent)
    t0 = _positive("noise_temperature_k", noise_temperature_k)
    b = _noise_bandwidth(bandwidth_hz, pulse_width_s)
    g_rx = gain_tx_dbi if gain_rx_dbi is None else gain_rx_dbi
    num_db = db(pt) + np.asarray(gain_tx_dbi, float) + np.asarray(g_rx, float) + db(lam**2) + db(n)
    den_db = db(FOUR_PI_CUBED) + db(BOLTZMANN_J_PER_K * t0 * b) + np.asarray(noise_figure_db, float) \
        + np.asarray(losses_db, float)
    return num_db - den_db


def radar_snr_db(range_m, rcs_m2, *, peak_power_w, wavelength_m, gain_tx_dbi, gain_rx_dbi=None,
                 bandwidth_hz=None, pulse_width_s=None, noise_figure_db=0.0, losses_db=0.0,
                 n_coherent=1, noise_temperature_k=T0_K):
    """Signal-to-noise ratio of a point target, dB (monostatic radar equation).

    SNR = P_t·G_t·G_r·λ²·σ·n / ((4π)³·R⁴·k·T₀·B·F·L)

    Parameters
    ----------
    range_m : target range R, metres
    rcs_m2 : radar cross section σ, m²
    peak_power_w : peak transmitted power P_t, W
    wavelength_m : λ, m (see :func:`wavelength_m`)
    gain_tx_dbi, gain_rx_dbi : antenna gains, dBi; ``gain_rx_dbi`` defaults to the
        transmit gain (one antenna: G²)
    bandwidth_hz : receiver noise bandwidth B, Hz; or ``pulse_width_s`` τ, s, for B = 1/τ
    noise_figure_db : receiver noise figure F, dB
    losses_db : total system losses L (transmit, receive, processing, scan, …), dB
    n_coherent : pulses integrated coherently (SNR × n); non-coherent integration
        belongs to the detection functions, not here
    noise_temperature_k : T₀, K (290 K by default)

    Returns
    -------
    SNR in dB, per pulse (n_coherent = 1) or after coherent integration.
    """
    r = _positive("range_m", range_m)
    s = _positive("rcs_m2", rcs_m2)
    args = (peak_power_w, wavelength_m, gain_tx_dbi, gain_rx_dbi, bandwidth_hz, pulse_width_s, noise_figure_db,
            losses_db, n_coherent, noise_temperature_k)
    try:  # one radar's figures, looked up again and again (an interceptor's every look): computed once
        c_db = _radar_constant_cached(*args)
    except TypeError:  # array figures: not hashable
        c_db = _radar_constant(*args)
    return c_db + db(s) - 40.0 * np.log10(r)


def _radar_constant(peak_power_w, wavelength_m, gain_tx_dbi, gain_rx_dbi, bandwidth_hz, pulse_width_s,
                    noise_figure_db, losses_db, n_coherent, noise_temperature_k):
    return radar_constant_db(peak_power_w=peak_power_w, wavelength_m=wavelength_m,
                             gain_tx_dbi=gain_tx_dbi, gain_rx_dbi=gain_rx_dbi,
                             bandwidth_hz=bandwidth_hz, pulse_width_s=pulse_width_s,
                             noise_figure_db=noise_figure_db, losses_db=losses_db,
                             n_coherent=n_coherent, noise_temperature_k=noise_temperature_k)


_radar_constant_cached = lru_cache(maxsize=256)(_radar_constant)


def radar_range_m(snr_db, rcs_m2, *, peak_power_w, wavelength_m, gain_tx_dbi, gain_rx_dbi=None,
                  bandwidth_hz=None, pulse_width_s=None, noise_figure_db=0.0, losses_db=0.0,
                  n_coherent=1, noise_temperature_k=T0_K):
    """Range at which a target of ``rcs_m2`` gives ``snr_db``, metres (inverse of
    :func:`radar_snr_db`: R = (P_t·G_t·G_r·λ²·σ·n / ((4π)³·k·T₀·B·F·L·SNR))^¼)."""
    s = _positive("rcs_m2", rcs_m2)
    c_db = radar_constant_db(peak_power_w=peak_power_w, wavelength_m=wavelength_m,
                             gain_tx_dbi=gain_tx_dbi, gain_rx_dbi=gain_rx_dbi,
                             bandwidth_hz=bandwidth_hz, pulse_width_s=pulse_width_s,
                             noise_figure_db=noise_figure_db, losses_db=losses_db,
                             n_coherent=n_coherent, noise_temperature_k=noise_temperature_k)
    return 10.0 ** ((c_db + db(s) - np.asarray(snr_db, float)) / 40.0)


def scaled_snr_db(range_m, rcs_m2, *, reference_range_m, reference_rcs_m2, reference_snr_db):
    """SNR at any range and RCS from one reference point, dB (R⁴ law).

    SNR = SNR_ref + 10·log10(σ/σ_ref) − 40·log10(R/R_ref). Doubling the range costs
    40·log10 2 = 12.04 dB. ``reference_snr_db`` is usually the SNR a detection
    model needs for the reference Pd/Pfa (see
    :func:`foxbat.radar.detection.required_snr_db` and :func:`snr_from_reference_db`).
    """
    r = _positive("range_m", range_m)
    s = _positive("rcs_m2", rcs_m2)
    r0 = _positive("reference_range_m", reference_range_m)
    s0 = _positive("reference_rcs_m2", reference_rcs_m2)
    return np.asarray(reference_snr_db, float) + db(s / s0) - 40.0 * np.log10(r / r0)


def scaled_range_m(snr_db, rcs_m2, *, reference_range_m, reference_rcs_m2, reference_snr_db):
    """Range at which ``snr_db`` is reached by ``rcs_m2``, from a reference point, metres.

    R = R_ref · (σ/σ_ref)^¼ · 10^((SNR_ref − SNR)/40).
    """
    s = _positive("rcs_m2", rcs_m2)
    r0 = _positive("reference_range_m", reference_range_m)
    s0 = _positive("reference_rcs_m2", reference_rcs_m2)
    return r0 * (s / s0) ** 0.25 * 10.0 ** ((np.asarray(reference_snr_db, float) - np.asarray(snr_db, float)) / 40.0)


def snr_from_reference_db(range_m, rcs_m2, *, reference_range_m, reference_rcs_m2,
                          reference_pd, reference_pfa, reference_swerling=1, n_pulses=1):
    """SNR (dB) at any range and RCS for a radar known by one detection figure.

    A radar specified as "detects σ_ref at R_ref with probability Pd_ref at false-alarm
    probability Pfa_ref (Swerling case s, n pulses non-coherently integrated)" has, at
    R_ref, exactly the SNR that the detection model requires for that Pd; the R⁴ law
    carries it anywhere else (:func:`scaled_snr_db`). The SNR returned is per pulse
    when ``n_pulses`` > 1, ready for :func:`foxbat.radar.detection.pd` with the same
    ``n_pulses``.
    """
    from foxbat.radar.detection import required_snr_db

    snr_ref = required_snr_db(reference_pd, reference_pfa, swerling=reference_swerling, n_pulses=n_pulses)
    return scaled_snr_db(range_m, rcs_m2, reference_range_m=reference_range_m,
                         reference_rcs_m2=reference_rcs_m2, reference_snr_db=snr_ref)
