"""Radar equation, gain from beamwidths and R⁴ scaling (DESIGN.md, "Physics references")."""

import math

import numpy as np
import pytest

from foxbat.errors import FoxbatError, ParameterError
from foxbat.radar import equation as eq
from foxbat.radar.detection import pd, required_snr_db


def test_radar_equation_hand_computed_budget():
    # P_t = 1 MW, G = 40 dBi (one antenna), λ = 0.1 m, σ = 1 m², R = 100 km,
    # B = 1 MHz, T0 = 290 K, F = 3 dB, L = 6 dB.
    # dB budget:  +60.000 (P_t)  +80.000 (G²)  −20.000 (λ²)  +0 (σ)
    #             −32.976 ((4π)³ = 1984.40)  −200.000 (R⁴ = 1e20)
    #             +203.975 (1/kT0, kT0 = 4.0039e-21 W/Hz)  −60.000 (B)  −3 (F)  −6 (L)  = 21.999 dB
    linear = (1e6 * 1e4 * 1e4 * 0.1**2 * 1.0) / (
        (4 * math.pi) ** 3 * (100e3) ** 4 * 1.380649e-23 * 290 * 1e6 * 10**0.3 * 10**0.6)
    budget_db = 60 + 80 - 20 + 0 - 32.976 - 200 + 203.975 - 60 - 3 - 6
    snr = eq.radar_snr_db(100e3, 1.0, peak_power_w=1e6, wavelength_m=0.1, gain_tx_dbi=40.0,
                          bandwidth_hz=1e6, noise_figure_db=3.0, losses_db=6.0)
    assert snr == pytest.approx(10 * math.log10(linear), abs=1e-9)
    assert snr == pytest.approx(budget_db, abs=2e-3)
    assert snr == pytest.approx(22.0, abs=0.01)


def test_separate_gains_pulse_width_and_coherent_pulses():
    kw = dict(peak_power_w=1e6, wavelength_m=0.1, noise_figure_db=3.0, losses_db=6.0)
    base = eq.radar_snr_db(100e3, 1.0, gain_tx_dbi=40.0, bandwidth_hz=1e6, **kw)
    # Tx 43 dBi, Rx 37 dBi multiply to the same G_t·G_r as 40/40
    assert eq.radar_snr_db(100e3, 1.0, gain_tx_dbi=43.0, gain_rx_dbi=37.0, bandwidth_hz=1e6, **kw) == \
        pytest.approx(base, abs=1e-9)
    # a 1 µs pulse has B = 1 MHz
    assert eq.radar_snr_db(100e3, 1.0, gain_tx_dbi=40.0, pulse_width_s=1e-6, **kw) == pytest.approx(base)
    # 10 pulses coherently integrated: +10 dB
    assert eq.radar_snr_db(100e3, 1.0, gain_tx_dbi=40.0, bandwidth_hz=1e6, n_coherent=10, **kw) == \
        pytest.approx(base + 10.0)
    # a noisier receiver reference temperature: 580 K costs 3.01 dB
    assert eq.radar_snr_db(100e3, 1.0, gain_tx_dbi=40.0, bandwidth_hz=1e6, noise_temperature_k=580.0, **kw) == \
        pytest.approx(base - 10 * math.log10(2.0))


def test_r4_law_and_rcs_scaling():
    kw = dict(peak_power_w=1e6, wavelength_m=0.1, gain_tx_dbi=40.0, pulse_width_s=1e-6)
    s1 = eq.radar_snr_db(50e3, 2.0, **kw)
    s2 = eq.radar_snr_db(100e3, 2.0, **kw)
    assert s1 - s2 == pytest.approx(12.04, abs=0.005)        # 40·log10(2)
    assert eq.radar_snr_db(50e3, 20.0, **kw) - s1 == pytest.approx(10.0)
    # vectorised
    r = np.array([25e3, 50e3, 100e3])
    out = eq.radar_snr_db(r, 2.0, **kw)
    assert out.shape == (3,) and np.allclose(np.diff(out), -12.0412, atol=1e-4)


def test_range_for_snr_inverts_the_equation():
    kw = dict(peak_power_w=2e6, wavelength_m=eq.wavelength_m(1.3e9), gain_tx_dbi=36.0,
              pulse_width_s=2e-6, noise_figure_db=6.0, losses_db=14.0)
    r = np.array([10e3, 123e3, 400e3])
    snr = eq.radar_snr_db(r, 10.0, **kw)
    assert np.allclose(eq.radar_range_m(snr, 10.0, **kw), r, rtol=1e-12)


def test_scaling_from_a_reference_detection():
    # a radar that needs 13 dB detects 1 m² at 100 km: 2 m² at 200 km gives 13 + 3.01 − 12.04
    snr = eq.scaled_snr_db(200e3, 2.0, reference_range_m=100e3, reference_rcs_m2=1.0, reference_snr_db=13.0)
    assert snr == pytest.approx(13.0 + 3.0103 - 12.0412, abs=1e-4)
    r = eq.scaled_range_m(13.0, 16.0, reference_range_m=100e3, reference_rcs_m2=1.0, reference_snr_db=13.0)
    assert r == pytest.approx(200e3)                          # σ^¼: 16 m² → twice the range
    # from a stated Pd/Pfa/Swerling case: at the reference range the Pd is the reference Pd
    s = eq.snr_from_reference_db(np.array([60e3, 120e3]), 5.0, reference_range_m=60e3, reference_rcs_m2=5.0,
                                 reference_pd=0.5, reference_pfa=1e-6, reference_swerling=1, n_pulses=10)
    assert pd(s[0], 1e-6, 1, 10) == pytest.approx(0.5, abs=1e-9)
    assert s[0] == pytest.approx(required_snr_db(0.5, 1e-6, 1, 10))
    assert s[0] - s[1] == pytest.approx(12.0412, abs=1e-4)


def test_gain_from_beamwidths():
    one_deg = math.radians(1.0)
    assert eq.gain_from_beamwidths(one_deg, one_deg) == pytest.approx(41252.96, rel=1e-6)   # 4π sr in deg²
    assert eq.gain_from_beamwidths_dbi(one_deg, one_deg) == pytest.approx(46.155, abs=1e-3)
    # the 26,000/(θ°·θ°) rule is η ≈ 0.63
    assert eq.gain_from_beamwidths(one_deg, one_deg, efficiency=26000 / 41253) == pytest.approx(26000, rel=1e-4)
    with pytest.raises(ParameterError):
        eq.gain_from_beamwidths(one_deg, one_deg, efficiency=1.5)


def test_helpers():
    assert eq.wavelength_m(3e9) == pytest.approx(0.0999308, rel=1e-6)
    assert eq.range_resolution_m(1e-6) == pytest.approx(149.896, abs=1e-3)
    assert eq.unambiguous_range_m(350.0) == pytest.approx(428_275, abs=1)   # FPS-20: 231 NM ≈ 428 km
    assert eq.db(100.0) == pytest.approx(20.0) and eq.from_db(-3.0) == pytest.approx(0.501187, rel=1e-5)


@pytest.mark.parametrize("kw, field", [
    (dict(peak_power_w=-1.0, bandwidth_hz=1e6), "peak_power_w"),
    (dict(peak_power_w=1e6), "bandwidth_hz"),
    (dict(peak_power_w=1e6, bandwidth_hz=1e6, pulse_width_s=1e-6), "bandwidth_hz"),
])
def test_bad_parameters_name_the_field(kw, field):
    with pytest.raises(FoxbatError) as exc:
        eq.radar_snr_db(1e3, 1.0, wavelength_m=0.1, gain_tx_dbi=30.0, **kw)
    assert exc.value.field == field and "\n" not in str(exc.value)
    with pytest.raises(ParameterError):
        eq.radar_snr_db(-1e3, 1.0, peak_power_w=1e6, wavelength_m=0.1, gain_tx_dbi=30.0, bandwidth_hz=1e6)
