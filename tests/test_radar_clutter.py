"""Surface clutter: constant gamma, effective-Earth geometry, cell area, SINR, look-down."""

import math

import numpy as np
import pytest

from foxbat.errors import ParameterError
from foxbat.geo import EARTH_RADIUS_M
from foxbat.radar import clutter as cl
from foxbat.radar.detection import pd
from foxbat.radar.equation import radar_snr_db, wavelength_m

A = 4.0 / 3.0 * EARTH_RADIUS_M


def _grazing_by_vectors(h, r, a=A):
    """Independent oracle: place the radar and the surface point in the plane and measure."""
    # surface point at central angle φ from the sub-radar point: |P − radar| = r solved for φ
    cos_phi = (a * a + (a + h) ** 2 - r * r) / (2 * a * (a + h))
    phi = math.acos(cos_phi)
    p = np.array([a * math.sin(phi), a * math.cos(phi)])
    radar = np.array([0.0, a + h])
    to_radar = (radar - p) / np.linalg.norm(radar - p)
    normal = p / a
    return math.asin(float(to_radar @ normal))


@pytest.mark.parametrize("h, r", [(10.0, 5e3), (600.0, 50e3), (6000.0, 20e3), (6000.0, 100e3), (12e3, 12.5e3)])
def test_grazing_angle_matches_plane_geometry(h, r):
    assert cl.grazing_angle_rad(h, r) == pytest.approx(_grazing_by_vectors(h, r), abs=1e-9)


def test_grazing_angle_small_angle_and_flat_earth_limits():
    # small-angle analytic form ψ ≈ h/r − r/(2a), for h ≪ r ≪ a
    h, r = 100.0, 10e3
    assert cl.grazing_angle_rad(h, r) == pytest.approx(h / r - r / (2 * A), rel=2e-4)
    # flat Earth (k → ∞): sin ψ = h/r exactly
    assert cl.grazing_angle_rad(1000.0, 5000.0, k=1e12) == pytest.approx(math.asin(0.2), abs=1e-9)
    # zero at the radar's horizon; below zero beyond; NaN closer than the height
    h = 584.0
    d = float(cl.surface_horizon_range_m(h))
    assert d == pytest.approx(4.12e3 * math.sqrt(h), rel=2e-3)        # DESIGN: d_km ≈ 4.12·√h
    assert cl.grazing_angle_rad(h, d) == pytest.approx(0.0, abs=1e-12)
    assert cl.grazing_angle_rad(h, 1.1 * d) < 0
    assert np.isnan(cl.grazing_angle_rad(6000.0, 5000.0))


def test_depression_and_elevation_angles():
    h, r = 6000.0, 20e3
    # depression to the surface point exceeds the grazing angle by the central angle
    dep, psi = cl.depression_angle_rad(h, r), cl.grazing_angle_rad(h, r)
    cos_phi = (A * A + (A + h) ** 2 - r * r) / (2 * A * (A + h))
    assert dep - psi == pytest.approx(math.acos(cos_phi), abs=1e-9)
    # a target on the surface is at the clutter's depression
    assert cl.elevation_angle_rad(h, 0.0, r) == pytest.approx(-dep, abs=1e-12)
    # a ground radar sees a target at its own height below the horizontal: sin ε = −r/(2(a + h))
    assert cl.elevation_angle_rad(100.0, 100.0, 50e3) == pytest.approx(-math.asin(50e3 / (2 * (A + 100.0))), rel=1e-12)


def test_constant_gamma_values():
    assert cl.surface_gamma_db("sea_state_3") == -40.0
    assert cl.surface_gamma_db("Sea State 5") == -30.0
    assert cl.surface_gamma_db("farmland") == -15.0
    assert cl.surface_gamma_db("wooded_hills") == -10.0
    # frequency scaling +5·log10(f/10 GHz): L band (1.3 GHz) is 4.43 dB lower
    assert cl.surface_gamma_db("sea_state_3", 1.3e9) == pytest.approx(-40 + 5 * math.log10(0.13), abs=1e-9)
    # σ⁰ = γ·sin ψ: −40 dB at ψ = 30° is −43.01 dB
    s0 = cl.sigma0_constant_gamma(-40.0, math.radians(30.0))
    assert 10 * math.log10(s0) == pytest.approx(-43.0103, abs=1e-4)
    assert cl.sigma0_constant_gamma(-10.0, -0.01) == 0.0               # beyond the horizon
    for name, entry in cl.GAMMA_DB.items():
        assert entry.get("source") or (entry.get("notional") and entry.get("reason")), name
    with pytest.raises(ParameterError, match="known surfaces"):
        cl.surface_gamma_db("lava")


def test_clutter_cell_area_pulse_and_beam_limited():
    th = math.radians(2.0)
    tau = 1e-6
    half_ct = 299_792_458.0 * tau / 2
    # low grazing: pulse-limited r·θ·(cτ/2)·sec ψ
    psi = math.radians(1.0)
    a = cl.clutter_cell_area_m2(50e3, th, th, tau, psi)
    assert a == pytest.approx(50e3 * th * half_ct / math.cos(psi), rel=1e-12)
    # steep grazing, long pulse: beam-limited (π/4)·r²·θ_az·θ_el / sin ψ
    psi = math.radians(80.0)
    a = cl.clutter_cell_area_m2(5e3, th, th, 100e-6, psi)
    assert a == pytest.approx(math.pi / 4 * 5e3**2 * th * th / math.sin(psi), rel=1e-12)
    assert cl.clutter_cell_area_m2(50e3, th, th, tau, -0.01) == 0.0


def test_sinr_and_ratios():
    assert cl.sinr_db(20.0, -np.inf) == pytest.approx(20.0)
    assert cl.sinr_db(20.0, 20.0) == pytest.approx(20.0 - 10 * math.log10(101.0))
    assert cl.sinr_db(20.0, 20.0, improvement_factor_db=20.0) == pytest.approx(20.0 - 10 * math.log10(2.0))
    assert cl.signal_to_clutter_db(10.0, 100.0) == pytest.approx(-10.0)
    assert cl.clutter_to_noise_db(15.0, 10.0, 100.0) == pytest.approx(25.0)
    assert cl.beam_pattern_two_way(0.0, 0.05) == 1.0
    assert cl.beam_pattern_two_way(0.025, 0.05) == pytest.approx(0.25)   # −3 dB one way at θ/2
    assert cl.beam_pattern_two_way(1.0, 0.05, -50.0) == pytest.approx(1e-5)


APQ = dict(frequency_hz=9.4e9, beamwidth_az_rad=math.radians(3.7), beamwidth_el_rad=math.radians(3.7),
           pulse_width_s=2e-6)


def _apq_snr(range_m, rcs_m2):
    return radar_snr_db(range_m, rcs_m2, peak_power_w=165e3, wavelength_m=wavelength_m(9.4e9),
                        gain_tx_dbi=35.0, pulse_width_s=2e-6, noise_figure_db=6.0, losses_db=14.0)


@pytest.mark.parametrize("surface", ["sea_state_3", "sea_state_5", "farmland"])
def test_pulse_radar_looking_down_loses_a_low_target_pulse_doppler_keeps_it(surface):
    # fighter at 6 km looking at a 5 m² target at 30 m, 20 km away: strong in free space
    r, rcs = 20e3, 5.0
    snr = _apq_snr(r, rcs)
    assert snr > 15.0 and pd(snr, 1e-6, 1) > 0.8
    geom = dict(radar_height_m=6000.0, target_height_m=30.0, surface=surface, **APQ)
    plain = cl.effective_snr_db(snr, r, rcs, improvement_factor_db=0.0, **geom)
    doppler = cl.effective_snr_db(snr, r, rcs, improvement_factor_db=50.0, **geom)
    assert plain < 0.0 and pd(plain, 1e-6, 1) < 0.01                  # lost in mainlobe clutter
    assert doppler > snr - 3.0 and pd(doppler, 1e-6, 1) > 0.7         # kept


def test_looking_up_or_over_the_horizon_sees_no_mainlobe_clutter():
    r, rcs = 20e3, 5.0
    snr = _apq_snr(r, rcs)
    # a target above: the surface at its range is far outside the beam (sidelobes only)
    up = cl.effective_snr_db(snr, r, rcs, radar_height_m=1000.0, target_height_m=6000.0,
                             surface="sea_state_3", **APQ)
    assert up == pytest.approx(snr, abs=0.1)
    # a ground radar on a 584 m hill: sea beyond its surface horizon (~99.7 km) returns nothing
    snr_g = 20.0
    far = cl.effective_snr_db(snr_g, 115e3, 10.0, radar_height_m=584.0, target_height_m=30.0,
                              surface="sea_state_5", frequency_hz=1.3e9, beamwidth_az_rad=math.radians(1.3),
                              beamwidth_el_rad=math.radians(4.0), pulse_width_s=2e-6)
    assert far == pytest.approx(snr_g, abs=1e-9)


def test_vectorised_over_range():
    r = np.linspace(8e3, 60e3, 14)
    out = cl.effective_snr_db(_apq_snr(r, 5.0), r, 5.0, radar_height_m=6000.0, target_height_m=30.0,
                              surface="sea_state_3", **APQ)
    assert out.shape == r.shape and np.all(np.isfinite(out))
