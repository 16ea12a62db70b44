"""Diffraction: the smooth sphere (ITU-R P.526 §3.1.1, the first term of the residue
series), the single knife edge J(ν) (ITU-R P.526 eq. 31) and the Deygout construction
for several edges along a sampled terrain profile (ITU-R P.526 §4.5).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

C_M_PER_S = 299_792_458.0
KNIFE_EDGE_MIN_NU = -0.78


# ---------------------------------------------------------------- smooth sphere (P.526 §3.1.1.2)
def surface_admittance_k(eta: complex, frequency_hz: float, a_m: float, polarization: str) -> float:
    """Normalised surface admittance K of ITU-R P.526 eqs. 12-13 (a_e in km, f in MHz):
    K_H = 0.036·(a_e f)^(−1/3)·[(ε−1)² + (18000σ/f)²]^(−1/4), K_V = K_H·[ε² + (18000σ/f)²]^(1/2),
    with 18000σ/f = ε'' (the imaginary part of the complex permittivity)."""
    eps_re, eps_im = eta.real, -eta.imag
    k_h = 0.036 * (a_m / 1e3 * frequency_hz / 1e6) ** (-1.0 / 3.0) * ((eps_re - 1) ** 2 + eps_im ** 2) ** -0.25
    if polarization == "h":
        return k_h
    return k_h * math.sqrt(eps_re ** 2 + eps_im ** 2)


def beta_from_k(k_adm: float) -> float:
    """β of ITU-R P.526 eq. 16: (1 + 1.6K² + 0.67K⁴)/(1 + 4.5K² + 1.53K⁴)."""
    k2 = k_adm * k_adm
    return (1 + 1.6 * k2 + 0.67 * k2 * k2) / (1 + 4.5 * k2 + 1.53 * k2 * k2)


@njit(cache=True)
def distance_term_db(x):
    """F(X) of ITU-R P.526 eqs. 17a/17b, dB."""
    if x >= 1.6:
        return 11.0 + 10.0 * math.log10(x) - 17.6 * x
    return -20.0 * math.log10(x) - 5.6488 * x ** 1.425


@njit(cache=True)
def height_gain_db(y, beta, k_adm):
    """G(Y) of ITU-R P.526 eqs. 18/18a with the lower limit 2 + 20·log10 K, dB."""
    b = beta * y
    floor = 2.0 + 20.0 * math.log10(k_adm)
    if b > 2.0:
        g = 17.6 * math.sqrt(b - 1.1) - 5.0 * math.log10(b - 1.1) - 8.0
    elif b > 0.0:
        g = 20.0 * math.log10(b + 0.1 * b ** 3)
    else:
        return floor
    return max(g, floor)


@njit(cache=True)
def smooth_sphere_db(d_m, h1_m, h2_m, frequency_hz, a_m, beta, k_adm):
    """Field strength relative to free space over a smooth sphere, 20·log10(E/E0) =
    F(X) + G(Y1) + G(Y2) (ITU-R P.526 eq. 14), with X = 2.188·β·f^(1/3)·a_e^(−2/3)·d and
    Y = 9.575e−3·β·f^(2/3)·a_e^(−1/3)·h (f MHz, a_e and d km, h m)."""
    f = frequency_hz / 1e6
    ae = a_m / 1e3
    x = 2.188 * beta * f ** (1.0 / 3.0) * ae ** (-2.0 / 3.0) * (d_m / 1e3)
    cy = 9.575e-3 * beta * f ** (2.0 / 3.0) * ae ** (-1.0 / 3.0)
    return (distance_term_db(x) + height_gain_db(cy * h1_m, beta, k_adm)
            + height_gain_db(cy * h2_m, beta, k_adm))


# ---------------------------------------------------------------- knife edges
def knife_edge_loss_db(nu):
    """Knife-edge diffraction loss J(ν), dB (ITU-R P.526 eq. 31):
    6.9 + 20·log10(√((ν−0.1)² + 1) + ν − 0.1) for ν > −0.78, else 0."""
    nu = np.asarray(nu, dtype=float)
    t = nu - 0.1
    j = 6.9 + 20.0 * np.log10(np.sqrt(t * t + 1.0) + t)
    return np.where(nu > KNIFE_EDGE_MIN_NU, j, 0.0)[()]


@njit(cache=True)
def _j_db(nu):
    if nu <= -0.78:
        return 0.0
    t = nu - 0.1
    return 6.9 + 20.0 * math.log10(math.sqrt(t * t + 1.0) + t)


@njit(cache=True)
def _main_edge(x, z, i0, i1, lam):
    """Index and ν of the edge with the largest ν strictly between samples i0 and i1."""
    best_i = -1
    best_nu = -1e300
    xa, za, xb, zb = x[i0], z[i0], x[i1], z[i1]
    span = xb - xa
    if span <= 0.0:
        return best_i, best_nu
    for i in range(i0 + 1, i1):
        d1 = x[i] - xa
        d2 = xb - x[i]
        if d1 <= 0.0 or d2 <= 0.0:
            continue
        h = z[i] - (za + (zb - za) * d1 / span)
        nu = h * math.sqrt(2.0 * span / (lam * d1 * d2))
        if nu > best_nu:
            best_nu = nu
            best_i = i
    return best_i, best_nu


@njit(cache=True)
def _deygout_rows(dist_m, z_eff_m, lam, out_db):
    n_rows, n = dist_m.shape
    for r in range(n_rows):
        x = dist_m[r]
        z = z_eff_m[r]
        ip, nup = _main_edge(x, z, 0, n - 1, lam)
        if ip < 0 or nup <= -0.78:
            out_db[r] = 0.0
            continue
        loss = _j_db(nup)
        it, nut = _main_edge(x, z, 0, ip, lam)  # sub-edge between the transmitter and the main edge
        if it >= 0:
            loss += _j_db(nut)
        ir, nur = _main_edge(x, z, ip, n - 1, lam)  # and between the main edge and the receiver
        if ir >= 0:
            loss += _j_db(nur)
        out_db[r] = loss


def deygout_loss_db(dist_m, z_m, h_tx_msl_m, h_rx_msl_m, frequency_hz: float, k: float = 4.0 / 3.0):
    """Terrain diffraction loss (dB, ≥ 0) along sampled profiles, Deygout's construction
    with up to three edges (ITU-R P.526 §4.5.2: the main edge of largest ν, then the edge
    of largest ν on each side of it, measured from the main edge's top), each J(ν).

    ``dist_m`` and ``z_m`` are 2-D (one profile per row, equal sample counts, distances
    from the transmitter increasing, the first and last samples under the two ends);
    ``z_m`` is terrain height MSL; ``h_tx_msl_m`` / ``h_rx_msl_m`` are the antenna and
    target heights MSL (scalars or one per row). The earth bulge x·(D − x)/(2kR) is added
    to the terrain so the rays are straight lines. NaN terrain counts as sea level.
    """
    from foxbat.geo import EARTH_RADIUS_M, check_k

    dist = np.atleast_2d(np.asarray(dist_m, dtype=float))
    z = np.atleast_2d(np.asarray(z_m, dtype=float))
    if dist.shape != z.shape:
        raise ValueError(f"dist_m {dist.shape} and z_m {z.shape} must have the same shape")
    n_rows, n = dist.shape
    a = check_k(k, where="k") * EARTH_RADIUS_M
    lam = C_M_PER_S / float(frequency_hz)
    x = dist - dist[:, :1]
    span = x[:, -1:]
    z_eff = np.where(np.isfinite(z), z, 0.0) + x * (span - x) / (2.0 * a)
    z_eff[:, 0] = np.broadcast_to(np.asarray(h_tx_msl_m, float), (n_rows,))
    z_eff[:, -1] = np.broadcast_to(np.asarray(h_rx_msl_m, float), (n_rows,))
    out = np.zeros(n_rows)
    if n >= 3:
        _deygout_rows(np.ascontiguousarray(x), np.ascontiguousarray(z_eff), lam, out)
    return out
