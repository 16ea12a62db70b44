"""The pattern propagation factor F: flat-earth limit, lobe positions, the DESIGN.md
example, roughness, and continuity across the region boundaries."""

import math

import numpy as np
import pytest

from foxbat.errors import ParameterError
from foxbat.propagation import REGION_NAMES, propagation_factor_db
from foxbat.propagation.factor import propagation_factor_eta_db

C = 299_792_458.0
PERFECT = 1e15 + 0j  # |η| huge: Γ_h = −1 to 1e-7
FLAT_K = 1e6  # effective radius 6.4e12 m: the earth is flat over these ranges


def flat(d, h1, h2, f, **kw):
    return propagation_factor_eta_db(d, h1, h2, f, eta=PERFECT, polarization="h", k=FLAT_K, **kw)


def test_flat_earth_perfect_reflector_matches_two_ray_formula():
    # F = 2|sin(2π h1 h2 / (λ d))| (DESIGN.md, Physics references), 4-60 km, 3 GHz, 10 m / 50 m
    f_hz, h1, h2 = 3e9, 10.0, 50.0
    lam = C / f_hz
    d = np.linspace(4e3, 60e3, 2001)
    f_db, region = flat(d, h1, h2, f_hz)
    assert np.all(region == 0)
    f_lin = 10 ** (f_db / 20)
    ref = 2 * np.abs(np.sin(2 * np.pi * h1 * h2 / (lam * d)))
    # the model uses the exact path difference; 2·h1·h2/d differs from it by
    # (h1² + h2²)/(2d²) relative, at most 8e-5 here: 0.003 in F
    assert np.max(np.abs(f_lin - ref)) < 0.003


def test_design_example_first_maximum_at_20_km_and_null_at_10_km():
    # 3 GHz, h1 10 m, h2 50 m: first maximum at d = 20 km, a null at 10 km (DESIGN.md)
    f_hz = 2.99792458e9  # λ = 0.1 m exactly, as in the example
    d = np.arange(15e3, 30e3, 5.0)
    f_db, _ = flat(d, 10.0, 50.0, f_hz)
    assert d[np.argmax(f_db)] == pytest.approx(20e3, abs=10.0)
    assert f_db.max() == pytest.approx(20 * math.log10(2), abs=0.01)  # 6.02 dB: the two rays in phase
    d = np.arange(8e3, 12e3, 1.0)
    f_db, _ = flat(d, 10.0, 50.0, f_hz)
    assert d[np.argmin(f_db)] == pytest.approx(10e3, abs=2.0)
    assert f_db.min() < -40.0


@pytest.mark.parametrize("h1", [10.0, 25.0])
def test_lobe_maxima_at_odd_multiples_of_lambda_over_4h1(h1):
    # maxima at elevation (2n+1)·λ/(4·h1); at range d the target height is d·elevation
    f_hz = 2.99792458e9
    lam, d = 0.1, 20e3
    h2 = np.arange(1.0, 400.0, 0.01)
    f_db, _ = flat(d, h1, h2, f_hz)
    peaks = np.flatnonzero((f_db[1:-1] > f_db[:-2]) & (f_db[1:-1] >= f_db[2:])) + 1
    el = h2[peaks] / d
    expected = (2 * np.arange(el.size) + 1) * lam / (4 * h1)
    assert el.size >= 3
    np.testing.assert_allclose(el, expected, rtol=2e-3)


def test_below_the_first_lobe_f_falls_as_4pi_h1_h2_over_lambda_d():
    f_hz = 2.99792458e9
    d = np.array([100e3, 200e3, 400e3])
    f_db, _ = flat(d, 10.0, 50.0, f_hz)
    ref = 4 * np.pi * 10 * 50 / (0.1 * d)
    np.testing.assert_allclose(10 ** (f_db / 20), ref, rtol=0.02)  # sin x ≈ x: 1.6 % at x = 0.31


def test_roughness_lowers_the_lobe_peak_by_ament_factor():
    # at the first lobe peak F = 1 + ρ; ψ = (h1 + h2)/d over a flat earth, σ_h = 1 m
    f_hz = 2.99792458e9
    f_db, _ = flat(20e3, 10.0, 50.0, f_hz, rms_height_m=1.0)
    psi = math.atan(60.0 / 20e3)
    g = 2 * math.pi * 1.0 * math.sin(psi) / 0.1
    rho = math.exp(-2 * g * g)  # 0.931
    assert float(f_db) == pytest.approx(20 * math.log10(1 + rho), abs=0.01)


def test_sea_state_roughness_in_the_public_api():
    # Sea state 2 (σ_h = 0.5/4 m): at a lobe peak of the calm sea the rays are in phase,
    # so F_rough − 1 = ρ·(F_calm − 1) with Ament's ρ at the specular point's grazing angle.
    from foxbat.propagation.sphere import reflection_geometry

    f_hz, h1, h2 = 9e9, 20.0, 100.0
    d = np.linspace(5e3, 15e3, 20001)
    calm, _ = propagation_factor_db(d, h1, h2, f_hz, sea_state=0)
    i = int(np.argmax(calm))
    rough, _ = propagation_factor_db(d[i], h1, h2, f_hz, sea_state=2)
    sin_psi = reflection_geometry(d[i], h1, h2, 4 / 3 * 6_371_000.0)[1]
    g = 2 * math.pi * 0.125 * sin_psi / (C / f_hz)
    rho = math.exp(-2 * g * g)
    assert 0.3 < rho < 0.9
    assert 10 ** (float(rough) / 20) - 1 == pytest.approx(rho * (10 ** (calm[i] / 20) - 1), rel=1e-4)  # Γ is not quite real


def test_reflection_point_is_where_the_reflected_path_is_shortest():
    # Fermat: the specular point minimises R1 + R2; brute force over 2e6 candidate points
    from foxbat.propagation.sphere import reflection_geometry

    a = 4 / 3 * 6_371_000.0
    for d, h1, h2 in [(20e3, 10, 50), (50e3, 1000, 30), (5e3, 30, 3000), (100e3, 600, 250)]:
        t = np.linspace(0, d, 2_000_001) / a
        th = d / a
        r1 = np.sqrt(h1 ** 2 + 4 * a * (a + h1) * np.sin(t / 2) ** 2)
        r2 = np.sqrt(h2 ** 2 + 4 * a * (a + h2) * np.sin((th - t) / 2) ** 2)
        j = int(np.argmin(r1 + r2))
        d1, sin_psi, delta, div = reflection_geometry(d, h1, h2, a)
        assert d1 == pytest.approx(t[j] * a, abs=0.05)
        direct = math.sqrt((h2 - h1) ** 2 + 4 * (a + h1) * (a + h2) * math.sin(th / 2) ** 2)
        assert delta == pytest.approx((r1 + r2)[j] - direct, abs=1e-6)
        assert 0 < div < 1


def test_regions_interference_near_diffraction_beyond_horizon():
    # 3 GHz over the sea, 10 m and 50 m: radio horizon 4.12(√10 + √50) km = 42.2 km
    d = np.array([5e3, 20e3, 41e3, 45e3, 100e3])
    f_db, region = propagation_factor_db(d, 10.0, 50.0, 3e9)
    assert list(region) == [0, 0, 1, 2, 2]
    assert REGION_NAMES == ("interference", "intermediate", "diffraction")
    assert region.dtype == np.int8
    assert f_db[-1] < -60.0  # deep in the shadow


CASES = [  # (frequency, h1, h2, surface, polarization)
    (3e9, 10.0, 50.0, "sea", "h"),
    (1.7e8, 25.0, 30.0, "sea", "h"),
    (1.3e9, 600.0, 250.0, "sea", "v"),
    (3e9, 25.0, 250.0, "medium", "v"),
]


@pytest.mark.parametrize("case", CASES)
def test_continuous_across_region_boundaries_in_range(case):
    # Adjacent samples 10 m apart differ by less than 0.05 dB where the region changes.
    # Why 0.05 dB: in a smooth stretch F moves by < 0.01 dB per 10 m (the intermediate
    # slope here is < 1 dB/km); a model that switched formulas without the interpolation
    # jumps by several dB (the ray formula gives ~0 dB at the horizon, the diffraction
    # formula 10-30 dB less).
    f_hz, h1, h2, surface, pol = case
    d = np.arange(1e3, 200e3, 10.0)
    f_db, region = propagation_factor_db(d, h1, h2, f_hz, surface=surface, polarization=pol)
    changes = np.flatnonzero(np.diff(region) != 0)
    assert set(np.unique(region)) == {0, 1, 2}
    assert changes.size == 2
    jumps = np.abs(np.diff(f_db))[changes]
    assert np.all(jumps < 0.05), jumps


@pytest.mark.parametrize("case", CASES)
def test_continuous_across_region_boundaries_in_height(case):
    # Going up at a range beyond the radar's horizon: diffraction, intermediate, then
    # interference. F climbs steeply with height there (0.2 dB per 5 cm just above the
    # surface at 170 MHz), so each step across a boundary is compared with the steps
    # beside it: it may exceed the larger neighbour by at most 0.02 dB (a switch of
    # formula without the interpolation jumps by several dB).
    f_hz, h1, _, surface, pol = case
    d = 1.3 * math.sqrt(2 * 4 / 3 * 6_371_000.0 * h1)  # beyond the radar's own horizon
    h2 = np.arange(0.01, 1500.0, 0.05)  # not 0: F ∝ h2 near the surface, −∞ dB at 0
    f_db, region = propagation_factor_db(d, h1, h2, f_hz, surface=surface, polarization=pol)
    changes = np.flatnonzero(np.diff(region) != 0)
    assert list(region[changes]) == [2, 1] and list(region[changes + 1]) == [1, 0]
    steps = np.abs(np.diff(f_db))
    for i in changes:
        assert steps[i] <= max(steps[i - 1], steps[i + 1]) + 0.02, (h2[i], steps[i - 2:i + 3])


def test_broadcasting_and_bad_values():
    f_db, region = propagation_factor_db(np.array([[10e3], [20e3]]), 10.0, np.array([50.0, 100.0, 200.0]), 3e9)
    assert f_db.shape == region.shape == (2, 3)
    for kw, where in [({"surface": "ice"}, "surface"), ({"polarization": "c"}, "polarization"),
                      ({"sea_state": 9}, "sea_state"), ({"k": 0}, "k")]:
        with pytest.raises(ParameterError, match=where):
            propagation_factor_db(10e3, 10.0, 50.0, 3e9, **kw)
    with pytest.raises(ParameterError, match="target_height_m"):
        propagation_factor_db(10e3, 10.0, -1.0, 3e9)
    with pytest.raises(ParameterError, match="frequency_hz"):
        propagation_factor_db(10e3, 10.0, 1.0, 0.0)


def test_ray_elevations_flat_earth_image_geometry():
    # over a flat earth the direct ray rises at atan((h2 − h1)/d) and the reflected ray
    # leaves toward the image of the target, at −atan((h1 + h2)/d)
    from foxbat.propagation import ray_elevations_rad

    d = np.array([2e3, 20e3, 80e3])
    direct, refl = ray_elevations_rad(d, 10.0, 500.0, k=FLAT_K)
    np.testing.assert_allclose(direct, np.arctan(490.0 / d), atol=1e-6)
    np.testing.assert_allclose(refl, -np.arctan(510.0 / d), atol=1e-6)


def test_reflected_ray_gain_weights_the_reflection():
    # the reflected ray 6.02 dB weaker (half the voltage): F = 1.5 at a lobe peak, 0.5 in a null
    f_hz = 2.99792458e9
    peak, _ = flat(20e3, 10.0, 50.0, f_hz, reflected_gain_db=-20 * math.log10(2))
    null, _ = flat(10e3, 10.0, 50.0, f_hz, reflected_gain_db=-20 * math.log10(2))
    assert 10 ** (float(peak) / 20) == pytest.approx(1.5, abs=1e-3)
    assert 10 ** (float(null) / 20) == pytest.approx(0.5, abs=1e-3)
