"""Detection probability against the published reference values and numerical oracles."""

import math

import numpy as np
import pytest
from scipy import integrate, special

from foxbat.errors import ParameterError
from foxbat.radar import detection as det


def test_design_reference_values():
    # DESIGN.md "Physics references", to their stated precision
    assert det.required_snr_db(0.9, 1e-6, swerling=1) == pytest.approx(21.14, abs=0.005)
    assert det.pd_swerling1(13.0, 1e-6) == pytest.approx(0.5172, abs=5e-5)
    assert det.pd(13.0, 1e-6, swerling=1) == pytest.approx(0.5172, abs=5e-5)
    assert det.albersheim_snr_db(0.9, 1e-6, 1) == pytest.approx(13.115, abs=5e-4)
    assert det.albersheim_snr_db(0.9, 1e-6, 10) == pytest.approx(4.990, abs=5e-4)


def test_swerling1_closed_form_is_pfa_to_the_power():
    snr = np.linspace(-5, 30, 36)
    chi = 10 ** (snr / 10)
    assert np.allclose(det.pd_swerling1(snr, 1e-6), 1e-6 ** (1 / (1 + chi)), rtol=1e-12)


def test_albersheim_inverse_round_trip():
    pd_ = np.linspace(0.1, 0.9, 9)
    for n in (1, 10, 100):
        snr = det.albersheim_snr_db(pd_, 1e-6, n)
        assert np.allclose(det.pd_albersheim(snr, 1e-6, n), pd_, atol=1e-12)


def test_north_and_albersheim_agree_within_half_a_db():
    pd_ = np.linspace(0.2, 0.95, 31)[:, None]
    pfa = np.logspace(-8, -5, 7)[None, :]
    diff = det.north_snr_db(pd_, pfa) - det.albersheim_snr_db(pd_, pfa)
    assert np.abs(diff).max() < 0.5
    # and the direct forms agree in Pd at the Albersheim SNR
    snr = det.albersheim_snr_db(pd_, pfa)
    assert np.abs(det.pd_north(snr, pfa) - pd_).max() < 0.04


def test_exact_steady_target_near_albersheim_for_many_pulses():
    pd_ = np.linspace(0.3, 0.95, 14)[:, None]
    pfa = np.logspace(-8, -4, 5)[None, :]
    for n in (1, 2, 5, 10, 30, 100, 1000):
        assert np.abs(det.required_snr_db(pd_, pfa, 0, n) - det.albersheim_snr_db(pd_, pfa, n)).max() < 0.5


def test_steady_target_one_pulse_is_marcum_q():
    # Pd = Q1(√(2χ), √(2T)) written through the non-central chi-square survival function
    from scipy.stats import ncx2
    snr = np.array([0.0, 6.0, 10.0, 13.0, 16.0])
    t = -math.log(1e-6)
    assert np.allclose(det.pd_steady(snr, 1e-6), ncx2.sf(2 * t, 2, 2 * 10 ** (snr / 10)), atol=1e-12)
    assert det.pd_steady(-60.0, 1e-6) == pytest.approx(1e-6, rel=1e-3)   # no signal: Pd → Pfa


def _oracle(snr_db, pfa, n, case):
    """Average the exact steady-target Pd over the RCS density (chi-square 2 or 4 dof)."""
    t = special.gammainccinv(n, pfa)
    mean = 10 ** (snr_db / 10)
    if case == 1:
        dens, scale = (lambda u: math.exp(-u)), 1.0
    else:
        dens, scale = (lambda u: u * math.exp(-u)), 2.0
    f = lambda u: (1 - special.chndtr(2 * t, 2 * n, 2 * n * mean * u / scale)) * dens(u)  # noqa: E731
    return integrate.quad(f, 0, 80, points=[1e-4, 1e-3, 1e-2, 0.1, 1, 10], limit=500, epsabs=1e-13)[0]


@pytest.mark.parametrize("n", [1, 2, 3, 10])
def test_swerling3_against_numerical_integration(n):
    snr = np.arange(-5.0, 30.1, 2.5)
    got = det.pd_swerling3(snr, 1e-6, n)
    want = np.array([_oracle(s, 1e-6, n, 3) for s in snr])
    assert np.abs(got - want).max() < 1e-6


def test_swerling3_one_pulse_closed_form():
    # Pd = exp(−T/(1 + χ/2))·(1 + 2χT/(2 + χ)²), T = −ln Pfa
    chi = 10.0
    t = -math.log(1e-6)
    want = math.exp(-t / (1 + chi / 2)) * (1 + 2 * chi * t / (2 + chi) ** 2)
    assert det.pd_swerling3(10.0, 1e-6) == pytest.approx(want, rel=1e-12)
    assert det.pd(10.0, 1e-6, swerling=4) == pytest.approx(want, rel=1e-12)  # one pulse: 4 ≡ 3


@pytest.mark.parametrize("n", [2, 10, 30])
def test_swerling1_many_pulses_against_numerical_integration(n):
    snr = np.arange(-5.0, 25.1, 2.5)
    got = det.pd_swerling1(snr, 1e-6, n)
    want = np.array([_oracle(s, 1e-6, n, 1) for s in snr])
    assert np.abs(got - want).max() < 1e-8


def test_required_snr_round_trips_and_orders_cases():
    pd_ = np.array([0.5, 0.8, 0.9, 0.99])
    for case in (0, 1, 3):
        for n in (1, 4, 20):
            snr = det.required_snr_db(pd_, 1e-6, case, n)
            assert np.allclose(det.pd(snr, 1e-6, case, n), pd_, atol=1e-8)
    # at Pd 0.9 a fluctuating target needs more SNR: steady < Swerling 3 < Swerling 1
    s0, s3, s1 = (det.required_snr_db(0.9, 1e-6, c) for c in (0, 3, 1))
    assert s0 < s3 < s1
    # integrating more pulses lowers the per-pulse SNR needed
    assert det.required_snr_db(0.9, 1e-6, 1, 10) < det.required_snr_db(0.9, 1e-6, 1, 1)


def test_cumulative_detection():
    assert det.cumulative_pd([0.5, 0.5, 0.5]) == pytest.approx(0.875)
    p = np.array([[0.1, 0.2], [0.0, 0.0]])
    assert np.allclose(det.cumulative_pd(p, axis=-1), [1 - 0.9 * 0.8, 0.0])
    assert np.allclose(det.cumulative_pd(p, axis=0), [0.1, 0.2])
    with pytest.raises(ParameterError):
        det.cumulative_pd([1.2])


def test_vectorised_broadcasting():
    snr = np.linspace(0, 20, 5)[:, None]
    pfa = np.array([1e-6, 1e-4])[None, :]
    for case in (0, 1, 3):
        out = det.pd(snr, pfa, case, 5)
        assert out.shape == (5, 2)
        assert np.all(np.diff(out, axis=0) >= 0)      # monotone in SNR
        assert np.all(out[:, 1] >= out[:, 0])         # higher Pfa, higher Pd


@pytest.mark.parametrize("call", [
    lambda: det.pd(10.0, 1.5),
    lambda: det.pd(10.0, 1e-6, swerling=5),
    lambda: det.pd(10.0, 1e-6, swerling=2, n_pulses=10),
    lambda: det.pd(10.0, 1e-6, n_pulses=0),
    lambda: det.required_snr_db(1e-7, 1e-6, 0),
])
def test_bad_arguments_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()



def _pd_swerling1_uncached(snr_db, pfa, n_pulses):
    """pd_swerling1 as it was before its per-type constants were cached (the oracle)."""
    pfa_ = det._prob("pfa", pfa)
    n = det._n(n_pulses)
    chi = det._lin(snr_db)
    t = det.threshold_from_pfa(pfa_, n)
    nchi = n * chi
    f = 1.0 + 1.0 / nchi
    m = np.maximum(n - 1.0, 1.0)
    p1 = np.where(n > 1, special.gammainc(m, t), 1.0)
    p2 = np.where(n > 1, special.gammainc(m, t / f), 1.0)
    log_k = (n - 1.0) * np.log(f) - t / (1.0 + nchi)
    with np.errstate(divide="ignore"):
        term = np.exp(np.log(p2) + log_k)
    return np.clip(1.0 - p1 + term, 0.0, 1.0)


def test_swerling1_one_look_gives_the_uncached_bits():
    """A single look (scalar SNR, Pfa and N) takes its threshold and P(N−1, T) from a cache
    of the type's constants: the same bits as computing them each call."""
    for n in (2, 11, 24):
        for pfa in (1e-6, 1e-8):
            for snr in np.linspace(-20.0, 40.0, 241):
                assert float(det.pd_swerling1(float(snr), pfa, n)) == float(_pd_swerling1_uncached(float(snr), pfa, n))


@pytest.mark.parametrize("n", [1, 2, 5, 13, 40])
def test_swerling1_point_is_pd_swerling1_bit_for_bit(n):
    """pd_swerling1_point (an interceptor's look) is pd_swerling1 of one SNR, to the bit,
    from vanishing to saturating signals and at ±inf."""
    rng = np.random.default_rng(n)
    snrs = np.concatenate([rng.uniform(-60.0, 60.0, 3000), [-np.inf, np.inf, -200.0, 0.0, 13.0, 300.0]])
    for pfa in (1e-6, 1e-4, 0.01):
        for s in snrs.tolist():
            want = float(det.pd_swerling1(s, pfa, n))
            got = det.pd_swerling1_point(s, pfa, n)
            assert got == want or (math.isnan(got) and math.isnan(want)), (s, pfa, n)
            assert math.copysign(1.0, got) == math.copysign(1.0, want)
