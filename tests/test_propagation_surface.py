"""Surface constants (ITU-R P.527), Fresnel reflection coefficients, roughness."""

import cmath
import math

import numpy as np
import pytest
from scipy.special import i0

from foxbat.errors import ParameterError
from foxbat.propagation import (ament_factor, miller_brown_factor, reflection_coefficient,
                                sea_state_rms_height_m, surface_constants, surface_names)
from foxbat.propagation.surface import complex_permittivity


def test_surface_names():
    assert surface_names() == ("sea", "fresh", "wet", "medium", "dry")
    with pytest.raises(ParameterError, match="unknown surface 'ice'"):
        surface_constants("ice", 1e9)


@pytest.mark.parametrize("surface,a,b,c,d", [
    # ITU-R P.527 ground fits as tabulated in ITU-R P.2040 Table 3: ε' = a f^b, σ = c f^d, f GHz
    ("wet", 30.0, -0.4, 0.15, 1.30),
    ("medium", 15.0, -0.1, 0.035, 1.63),
    ("dry", 3.0, 0.0, 0.00015, 2.52),
])
def test_ground_constants_follow_the_p527_fits(surface, a, b, c, d):
    for f_ghz in (1.0, 3.0, 10.0):
        eps, sigma = surface_constants(surface, f_ghz * 1e9)
        assert eps == pytest.approx(a * f_ghz ** b, rel=1e-12)
        assert sigma == pytest.approx(c * f_ghz ** d, rel=1e-12)
    eps, sigma = surface_constants(surface, 0.2e9)  # below the fit's range: ε' held at 1 GHz
    assert eps == pytest.approx(a) and sigma == pytest.approx(c * 0.2 ** d)


def test_sea_water_constants():
    # low-frequency limit: the ionic conductivity of sea water at 20 °C, salinity 35, is
    # 4.79 S/m (UNESCO practical salinity scale: 4.2914 S/m at 15 °C, ~2.2 %/°C); static
    # permittivity about 70 (ITU-R P.527-6 Fig. 1 / Klein & Swift)
    eps, sigma = surface_constants("sea", 50e6)
    assert sigma == pytest.approx(4.79, rel=0.02)
    assert 69.0 < eps < 72.0
    # the dielectric relaxation adds loss with frequency (P.527-6 Fig. 2: ~ε'' = 18σ/f + ...)
    eps3, sigma3 = surface_constants("sea", 3e9)
    assert sigma3 > sigma and eps3 < eps
    fresh, fresh_sigma = surface_constants("fresh", 50e6)
    assert fresh == pytest.approx(80.1, abs=0.5) and fresh_sigma < 0.01  # pure water at 20 °C


def fresnel_via_snell(psi, eta, pol):
    """Independent form: incidence angle θi = 90° − ψ, complex refraction angle from
    Snell's law n·sin θt = sin θi, then the textbook s (h) and p (v) coefficients."""
    n = cmath.sqrt(eta)
    ti = math.pi / 2 - psi
    cos_t = cmath.sqrt(1 - (math.sin(ti) / n) ** 2)
    if pol == "h":
        return (math.cos(ti) - n * cos_t) / (math.cos(ti) + n * cos_t)
    return (n * math.cos(ti) - cos_t) / (n * math.cos(ti) + cos_t)


@pytest.mark.parametrize("surface,f_hz", [("sea", 3e9), ("sea", 170e6), ("medium", 1.3e9), ("wet", 3e9)])
@pytest.mark.parametrize("pol", ["h", "v"])
def test_reflection_coefficient_matches_fresnel_formulas(surface, f_hz, pol):
    eta = complex_permittivity(surface, f_hz)
    psis = np.radians([0.1, 1.0, 5.0, 20.0, 60.0])
    got = reflection_coefficient(psis, f_hz, surface, pol)
    for psi, g in zip(psis, got):
        ref = fresnel_via_snell(psi, eta, pol)
        assert abs(g) == pytest.approx(abs(ref), rel=1e-9)
        assert cmath.phase(g) == pytest.approx(cmath.phase(ref), abs=1e-9)


def test_grazing_incidence_gives_minus_one():
    for pol in ("h", "v"):
        g = complex(reflection_coefficient(1e-6, 3e9, "sea", pol))
        assert abs(g + 1) < 1e-3


def test_sea_h_pol_reflection_near_minus_one_at_low_grazing():
    # horizontally polarised, 3 GHz, 1°: |Γ| 0.99, phase 180° within a degree (Blake ch. 6)
    g = complex(reflection_coefficient(math.radians(1.0), 3e9, "sea", "h"))
    assert abs(g) == pytest.approx(0.99, abs=0.01)
    assert abs(abs(math.degrees(cmath.phase(g))) - 180.0) < 1.0


def test_vertical_brewster_minimum_where_it_should_be():
    # very dry ground at 3 GHz is nearly lossless, ε' = 3: Brewster grazing angle
    # atan(1/√ε') = 30.0°, where |Γ_v| almost vanishes; |Γ_h| has no minimum.
    psi = np.radians(np.arange(0.01, 90.0, 0.01))
    gv = np.abs(reflection_coefficient(psi, 3e9, "dry", "v"))
    gh = np.abs(reflection_coefficient(psi, 3e9, "dry", "h"))
    assert math.degrees(psi[np.argmin(gv)]) == pytest.approx(math.degrees(math.atan(1 / math.sqrt(3.0))),
                                                            abs=0.02)
    assert gv.min() < 0.01
    assert np.all(np.diff(gh) < 0)
    # sea water (|η| ≈ 100 at 3 GHz): the pseudo-Brewster minimum falls near atan(1/√|η|)
    eta = complex_permittivity("sea", 3e9)
    gv = np.abs(reflection_coefficient(psi, 3e9, "sea", "v"))
    assert math.degrees(psi[np.argmin(gv)]) == pytest.approx(math.degrees(math.atan(1 / math.sqrt(abs(eta)))),
                                                            abs=0.5)


def test_sea_state_heights():
    # σ_h = H_1/3 / 4 with H_1/3 the top of the Douglas / WMO band: 0, 0.1, 0.5, 1.25, 2.5 m ...
    assert [sea_state_rms_height_m(s) for s in range(5)] == pytest.approx([0.0, 0.025, 0.125, 0.3125, 0.625])
    assert sea_state_rms_height_m(2.5) == pytest.approx((0.5 + 1.25) / 2 / 4)
    with pytest.raises(ParameterError, match="sea_state"):
        sea_state_rms_height_m(-1)


def test_ament_and_miller_brown():
    # g = 2π σ_h sin ψ / λ = 0.5: Ament exp(−2g²) = e^−0.5; Miller-Brown e^−0.5·I0(0.5)
    lam = 0.1
    psi = math.asin(0.5 * lam / (2 * math.pi * 1.0))
    assert float(ament_factor(1.0, psi, lam)) == pytest.approx(math.exp(-0.5), rel=1e-12)
    assert float(miller_brown_factor(1.0, psi, lam)) == pytest.approx(math.exp(-0.5) * 1.0634833707413236,
                                                                    rel=1e-9)
    from foxbat.propagation.factor import _i0e
    for x in (0.0, 0.3, 3.0, 3.75, 5.0, 40.0):
        assert _i0e(x) == pytest.approx(math.exp(-x) * float(i0(x)), rel=3e-7)
