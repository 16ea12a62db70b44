"""Probability of detection for steady and fluctuating targets, and its inverse.

Conventions (all functions are vectorised over numpy arrays and broadcast):

- ``snr_db`` is the signal-to-noise ratio **per pulse** (or after coherent
  integration, see :mod:`foxbat.radar.equation`), in dB.
- ``n_pulses`` pulses are integrated **non-coherently** by a square-law detector
  (their detected powers are summed), then compared with a threshold set for the
  false-alarm probability ``pfa``.
- Swerling cases: 0 = steady (non-fluctuating) target; 1 = exponentially
  distributed RCS (chi-square, 2 degrees of freedom), constant over a dwell and
  independent from scan to scan; 3 = chi-square with 4 degrees of freedom, constant
  over a dwell. Swerling 2 and 4 (pulse-to-pulse fluctuation) equal 1 and 3 for one
  pulse, and are accepted only then. For a dwell integrated coherently, Swerling
  1/3 with ``n_pulses = 1`` and the coherently integrated SNR is exact.

Detection model (square-law detector, noise power normalised to 1 per sample):
noise-only, the sum of N detected samples is Gamma(N, 1), so the threshold T solves
Pfa = Q(N, T) (the regularised upper incomplete gamma function); with a steady
target of SNR χ per pulse, 2·Σz is non-central chi-square with 2N degrees of
freedom and non-centrality 2Nχ (Marcum's Q function).

References (formulas quoted in DESIGN.md, "Physics references"):

- Albersheim, W. J., "A closed-form approximation to Robertson's detection
  characteristics", Proc. IEEE 69(7), 1981: linear detector, steady target,
  valid for 1e-7 ≤ Pfa ≤ 1e-3, 0.1 ≤ Pd ≤ 0.9, 1 ≤ N ≤ 8096 (±0.2 dB).
- North, D. O., "An analysis of the factors which determine signal/noise
  discrimination in pulsed-carrier systems", RCA Tech. Rep. PTR-6C, 1943 (reprinted
  Proc. IEEE 51(7), 1963): Pd ≈ ½·erfc(√(−ln Pfa) − √(SNR + ½)), one pulse.
- Swerling, P., "Probability of detection for fluctuating targets", IRE Trans.
  IT-6, 1960; closed forms as given by Meyer & Mayer, *Radar Target Detection*
  (1973) and Richards, *Fundamentals of Radar Signal Processing* (2005), ch. 6.

scipy.special is imported on first use (incomplete gamma, non-central chi-square,
erfc); scipy comes with foxbat's dependencies (Stone Soup requires it).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from foxbat.errors import ParameterError

SWERLING_CASES = (0, 1, 2, 3, 4)


def _sp():
    import scipy.special as sp

    return sp


def _prob(name: str, value) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:  # one value (most calls): checked without numpy's reductions
        v = float(a)
        if not (math.isfinite(v) and 0 < v < 1):
            raise ParameterError(f"must be a probability strictly between 0 and 1, got {value!r}", field=name)
        return a
    if not np.all(np.isfinite(a)) or np.any(a <= 0) or np.any(a >= 1):
        raise ParameterError(f"must be a probability strictly between 0 and 1, got {value!r}", field=name)
    return a


def _n(n_pulses) -> np.ndarray:
    n = np.asarray(n_pulses)
    if n.ndim == 0 and n.dtype.kind in "iuf":  # one value (most calls): checked without numpy's reductions
        v = float(n)
        if not (math.isfinite(v) and v >= 1 and v == math.floor(v)):
            raise ParameterError(f"must be an integer >= 1, got {n_pulses!r}", field="n_pulses")
        return n.astype(float)
    if not np.all(np.isfinite(n)) or np.any(n < 1) or np.any(np.asarray(n, float) != np.round(n)):
        raise ParameterError(f"must be an integer >= 1, got {n_pulses!r}", field="n_pulses")
    return n.astype(float)


def _lin(snr_db) -> np.ndarray:
    # floored at −200 dB so that the closed forms stay finite for vanishing signals
    return np.maximum(10.0 ** (np.asarray(snr_db, dtype=float) / 10.0), 1e-20)


def threshold_from_pfa(pfa, n_pulses=1):
    """Detection threshold T (in units of the noise power of one sample) for ``pfa``.

    Solves Pfa = Q(N, T), the regularised upper incomplete gamma function; for one
    pulse T = −ln Pfa.
    """
    p = _prob("pfa", pfa)
    n = _n(n_pulses)
    if np.all(n == 1):
        return -np.log(p) + 0.0 * n
    if p.ndim == 0 and n.ndim == 0:  # one radar's look at a time: the inverse is slow (ms), cache it
        return np.float64(_threshold_scalar(float(n), float(p)))
    return _sp().gammainccinv(n, p)


@lru_cache(maxsize=256)
def _threshold_scalar(n: float, p: float) -> float:
    return float(_sp().gammainccinv(n, p))


# --------------------------------------------------------------------------- steady target

def pd_steady(snr_db, pfa, n_pulses=1):
    """Pd of a steady (Swerling 0) target, square-law detector, exact (Marcum Q).

    Pd = P(½·χ'²(2N, 2Nχ) > T) with T from :func:`threshold_from_pfa`, χ the
    per-pulse SNR (linear).
    """
    n = _n(n_pulses)
    t = threshold_from_pfa(pfa, n)
    chi = _lin(snr_db)
    return 1.0 - _sp().chndtr(2.0 * t, 2.0 * n, 2.0 * n * chi)


def albersheim_snr_db(pd, pfa, n_pulses=1):
    """SNR per pulse (dB) a steady target needs for ``pd`` at ``pfa`` with N pulses
    non-coherently integrated (Albersheim 1981, linear detector).

    SNR_dB = −5·log10 N + (6.2 + 4.54/√(N + 0.44))·log10(A + 0.12·A·B + 1.7·B),
    A = ln(0.62/Pfa), B = ln(Pd/(1 − Pd)).
    Pd 0.9, Pfa 1e-6: N = 1 → 13.115 dB, N = 10 → 4.990 dB.
    """
    pd_ = _prob("pd", pd)
    pfa_ = _prob("pfa", pfa)
    n = _n(n_pulses)
    a = np.log(0.62 / pfa_)
    b = np.log(pd_ / (1.0 - pd_))
    return -5.0 * np.log10(n) + (6.2 + 4.54 / np.sqrt(n + 0.44)) * np.log10(a + 0.12 * a * b + 1.7 * b)


def pd_albersheim(snr_db, pfa, n_pulses=1):
    """Pd of a steady target from Albersheim's equation solved for Pd.

    Z = (SNR_dB + 5·log10 N)/(6.2 + 4.54/√(N + 0.44)), B = (10^Z − A)/(1.7 + 0.12·A),
    Pd = 1/(1 + e^(−B)). Accurate (±0.2 dB in SNR) for 0.1 ≤ Pd ≤ 0.9; below that it
    does not fall to Pfa as SNR → 0 — use :func:`pd_steady` for weak signals.
    """
    pfa_ = _prob("pfa", pfa)
    n = _n(n_pulses)
    a = np.log(0.62 / pfa_)
    z = (np.asarray(snr_db, float) + 5.0 * np.log10(n)) / (6.2 + 4.54 / np.sqrt(n + 0.44))
    b = (10.0 ** z - a) / (1.7 + 0.12 * a)
    return 1.0 / (1.0 + np.exp(-b))


def pd_north(snr_db, pfa):
    """Pd of a steady target, one pulse, North's approximation.

    Pd ≈ ½·erfc(√(−ln Pfa) − √(SNR + ½)), SNR linear.
    """
    pfa_ = _prob("pfa", pfa)
    chi = _lin(snr_db)
    return 0.5 * _sp().erfc(np.sqrt(-np.log(pfa_)) - np.sqrt(chi + 0.5))


def north_snr_db(pd, pfa):
    """SNR (dB, one pulse) for ``pd`` at ``pfa`` from North's approximation, inverted:
    SNR = (√(−ln Pfa) − erfcinv(2·Pd))² − ½."""
    pd_ = _prob("pd", pd)
    pfa_ = _prob("pfa", pfa)
    x = np.sqrt(-np.log(pfa_)) - _sp().erfcinv(2.0 * pd_)
    return 10.0 * np.log10(np.maximum(x, 0.0) ** 2 - 0.5)


# --------------------------------------------------------------------------- fluctuating targets

def pd_swerling1(snr_db, pfa, n_pulses=1):
    """Pd of a Swerling 1 target (scan-to-scan exponential RCS), square-law detector.

    One pulse: Pd = Pfa^(1/(1 + χ̄)) (χ̄ the mean SNR, linear). Pfa 1e-6: Pd 0.9 needs
    21.14 dB; at 13 dB Pd = 0.5172.

    N pulses non-coherently integrated (Meyer & Mayer; Richards 2005, ch. 6)::

        Pd = 1 − P(N−1, T) + (1 + 1/(Nχ̄))^(N−1) · P(N−1, T/(1 + 1/(Nχ̄))) · e^(−T/(1 + Nχ̄))

    with P the regularised lower incomplete gamma function and T from
    :func:`threshold_from_pfa`.
    """
    pfa_ = _prob("pfa", pfa)
    n = _n(n_pulses)
    chi = _lin(snr_db)
    if np.all(n == 1):
        return pfa_ ** (1.0 / (1.0 + chi)) + 0.0 * n
    sp = _sp()
    if n.ndim == 0 and pfa_.ndim == 0:  # one radar's look: T and P(N−1, T) are its type's constants
        t, m, p1 = _swerling1_constants(float(n), float(pfa_))
    else:
        t, m, p1 = _swerling1_terms(n, pfa_)
    nchi = n * chi
    f = 1.0 + 1.0 / nchi
    p2 = np.where(n > 1, sp.gammainc(m, t / f), 1.0)
    # (1 + 1/(Nχ))^(N−1)·e^(−T/(1+Nχ)) in logs, to stay finite for weak signals
    log_k = (n - 1.0) * np.log(f) - t / (1.0 + nchi)
    with np.errstate(divide="ignore"):
        term = np.exp(np.log(p2) + log_k)
    return np.clip(1.0 - p1 + term, 0.0, 1.0)


def pd_swerling1_point(snr_db: float, pfa: float, n_pulses: int) -> float:
    """:func:`pd_swerling1` of one look (valid ``pfa`` and ``n_pulses``), as a float: the
    same operations, numpy's power, log, exp and the incomplete gamma on the same 0-d
    values, the exactly rounded ones (+ − × ÷, max, min) on Python floats, without the
    argument checks and 0-d array wrappers (an interceptor's radar, one look at a time)."""
    n = float(n_pulses)
    chi = 10.0 ** (np.asarray(snr_db, dtype=float) / 10.0)
    chi = float(chi)
    chi = 1e-20 if 1e-20 > chi else chi  # np.maximum(chi, 1e-20), NaN kept
    if n == 1.0:
        return float(pd_swerling1(snr_db, pfa, n_pulses))
    t, m, p1 = _swerling1_constants(n, float(pfa))
    nchi = n * chi
    f = 1.0 + 1.0 / nchi
    p2 = float(_sp().gammainc(m, t / f))
    log_k = (n - 1.0) * float(np.log(f)) - float(t) / (1.0 + nchi)
    with np.errstate(divide="ignore"):
        term = float(np.exp(float(np.log(p2)) + log_k))
    v = 1.0 - float(p1) + term
    return 1.0 if v > 1.0 else (0.0 if v <= 0.0 else v)  # np.clip: -0.0 gives +0.0


def _swerling1_terms(n, pfa_):
    """T, max(N − 1, 1) and P(N − 1, T) of :func:`pd_swerling1` (N from :func:`_n`)."""
    t = threshold_from_pfa(pfa_, n)
    # gammainc(0, x) is undefined; for N = 1 the two first terms cancel and the last is 1.
    m = np.maximum(n - 1.0, 1.0)
    p1 = np.where(n > 1, _sp().gammainc(m, t), 1.0)
    return t, m, p1


@lru_cache(maxsize=256)
def _swerling1_constants(n: float, pfa: float):
    # the same operations on the same 0-d arrays as each call made: the same bits, once
    return _swerling1_terms(np.asarray(n, float), np.asarray(pfa, float))


def pd_swerling3(snr_db, pfa, n_pulses=1):
    """Pd of a Swerling 3 target (scan-to-scan chi-square-4 RCS), square-law detector.

    For N = 1 and 2 the closed form (Meyer & Mayer; Richards 2005, ch. 6)::

        Pd = (1 + 2/(Nχ̄))^(N−2) · [1 + T/(1 + Nχ̄/2) − 2(N−2)/(Nχ̄)] · e^(−T/(1 + Nχ̄/2))

    which for one pulse (T = −ln Pfa) reduces to
    Pd = e^(−T/(1 + χ̄/2)) · (1 + 2χ̄T/(2 + χ̄)²).
    For N > 2 the steady-target Pd (:func:`pd_steady`) is averaged over the
    chi-square-4 RCS density by 160-point Gauss–Legendre quadrature in log RCS.
    """
    pfa_ = _prob("pfa", pfa)
    n = _n(n_pulses)
    chi = _lin(snr_db)
    n, chi, pfa_ = np.broadcast_arrays(n, chi, pfa_)
    out = np.empty(n.shape, dtype=float)
    small = n <= 2
    if np.any(small):
        ns, cs, ps = n[small], chi[small], pfa_[small]
        t = threshold_from_pfa(ps, ns)
        k0 = 1.0 + ns * cs / 2.0
        pre = (1.0 + 2.0 / (ns * cs)) ** (ns - 2.0)
        out[small] = pre * (1.0 + t / k0 - 2.0 * (ns - 2.0) / (ns * cs)) * np.exp(-t / k0)
    big = ~small
    if np.any(big):
        out[big] = _pd_chi4_quadrature(chi[big], pfa_[big], n[big])
    return np.clip(out, 0.0, 1.0)[()]


def _pd_chi4_quadrature(chi, pfa, n, order=160):
    # p(s) = (4s/χ̄²)·e^(−2s/χ̄); with u = 2s/χ̄ the density is u·e^(−u). Substituting
    # u = e^v gives ∫ u²·e^(−u)·Pd₀(χ̄u/2) dv, integrated by Gauss–Legendre on
    # v ∈ [ln 1e-8, ln 80]: nodes dense enough near u = 0, where Pd₀ rises steeply
    # for strong signals (plain Gauss–Laguerre misses that step by up to 1e-3).
    x, w = np.polynomial.legendre.leggauss(order)
    v0, v1 = np.log(1e-8), np.log(80.0)
    v = 0.5 * (v1 - v0) * x + 0.5 * (v1 + v0)
    w = 0.5 * (v1 - v0) * w
    u = np.exp(v)
    s = chi[..., None] * u / 2.0
    pdv = pd_steady(10.0 * np.log10(s), pfa[..., None], n[..., None])
    return (pdv * w * u * u * np.exp(-u)).sum(axis=-1)


# --------------------------------------------------------------------------- dispatch and inverse

def _case(swerling, n_pulses) -> int:
    if swerling not in SWERLING_CASES:
        raise ParameterError(f"Swerling case must be one of 0, 1, 2, 3, 4, got {swerling!r}", field="swerling")
    if swerling in (2, 4):
        if np.any(np.asarray(n_pulses) != 1):
            raise ParameterError("Swerling 2 and 4 (pulse-to-pulse fluctuation) are modelled for one pulse "
                                 "only (equal to 1 and 3); use 1 or 3 for a dwell of several pulses",
                                 field="swerling")
        return swerling - 1
    return swerling


def pd(snr_db, pfa, swerling=1, n_pulses=1):
    """Probability of detection for a Swerling case, square-law detector.

    Parameters
    ----------
    snr_db : mean SNR per pulse, dB
    pfa : false-alarm probability per detection cell
    swerling : 0 (steady, exact Marcum), 1 or 3 (scan-to-scan fluctuation);
        2 and 4 for one pulse only
    n_pulses : pulses integrated non-coherently

    Returns
    -------
    Pd, in [0, 1], broadcast over the inputs.
    """
    case = _case(swerling, n_pulses)
    if case == 0:
        return pd_steady(snr_db, pfa, n_pulses)
    if case == 1:
        return pd_swerling1(snr_db, pfa, n_pulses)
    return pd_swerling3(snr_db, pfa, n_pulses)


def required_snr_db(pd_target, pfa, swerling=1, n_pulses=1):
    """Mean SNR per pulse (dB) that gives ``pd_target`` at ``pfa``: the inverse of :func:`pd`.

    Swerling 1 with one pulse is closed form, SNR = ln Pfa / ln Pd − 1 (Pd 0.9,
    Pfa 1e-6 → 21.14 dB); every other case is solved by bisection on :func:`pd`
    to 1e-9 dB. For Albersheim's closed-form estimate for a steady target use
    :func:`albersheim_snr_db`.
    """
    case = _case(swerling, n_pulses)
    pd_ = _prob("pd", pd_target)
    pfa_ = _prob("pfa", pfa)
    n = _n(n_pulses)
    if case == 1 and np.all(n == 1):
        return 10.0 * np.log10(np.log(pfa_) / np.log(pd_) - 1.0) + 0.0 * n
    if np.any(pd_ <= pfa_):
        raise ParameterError("a required Pd must exceed Pfa", field="pd")
    pd_, pfa_, n = np.broadcast_arrays(pd_, pfa_, n)
    lo = np.full(pd_.shape, -40.0)
    hi = np.full(pd_.shape, 80.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = pd(mid, pfa_, case, n) >= pd_
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return (0.5 * (lo + hi))[()]


def cumulative_pd(pd_per_look, axis=-1):
    """Probability of at least one detection over independent looks (scans).

    P_cum = 1 − Π(1 − Pd_i) along ``axis``.
    """
    p = np.asarray(pd_per_look, dtype=float)
    if np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ParameterError("every Pd must be in [0, 1]", field="pd_per_look")
    return 1.0 - np.prod(1.0 - p, axis=axis)
