"""Reflection geometry over a smooth sphere of effective radius a = k·R (numba, scalar
kernels called from the loops of :mod:`foxbat.propagation.factor`).

The reflection point comes from the cubic in d1 (Kerr, *Propagation of Short Radio
Waves*, 1951; Blake, *Radar Range-Performance Analysis*, ch. 6),
2·d1³ − 3·d·d1² + (d² − 2a(h1 + h2))·d1 + 2a·h1·d = 0, solved in trigonometric form, then
polished by Newton steps on the exact condition that the reflected path R1 + R2 is
stationary (the cubic is the parabolic-earth approximation; the exact form keeps the
path difference right at the high elevation angles of a coverage diagram). Path lengths
are written with half-angle sines so that the path difference δ = R1 + R2 − R_d keeps
its precision when it is a millimetre out of a hundred kilometres.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def reflection_point_cubic_m(d_m, h1_m, h2_m, a_m):
    """Ground distance d1 (m) from terminal 1 to the specular point, from the cubic
    (parabolic-earth approximation)."""
    p = 2.0 / math.sqrt(3.0) * math.sqrt(a_m * (h1_m + h2_m) + 0.25 * d_m * d_m)
    arg = 2.0 * a_m * (h2_m - h1_m) * d_m / (p * p * p)
    arg = min(1.0, max(-1.0, arg))
    phi = math.acos(arg)
    d1 = 0.5 * d_m - p * math.cos((phi + math.pi) / 3.0)
    return min(d_m, max(0.0, d1))


@njit(cache=True)
def _paths(theta1, theta, h1_m, h2_m, a_m):
    r1 = a_m + h1_m
    r2 = a_m + h2_m
    s1 = math.sin(0.5 * theta1)
    s2 = math.sin(0.5 * (theta - theta1))
    big_r1 = math.sqrt(h1_m * h1_m + 4.0 * a_m * r1 * s1 * s1)
    big_r2 = math.sqrt(h2_m * h2_m + 4.0 * a_m * r2 * s2 * s2)
    return big_r1, big_r2


@njit(cache=True)
def reflection_geometry(d_m, h1_m, h2_m, a_m):
    """Specular reflection between two points at heights h1, h2 (m above the sphere) a
    ground distance d apart on a sphere of radius a.

    Returns (d1_m, sin_grazing, path_difference_m, divergence); sin_grazing ≤ 0 means
    that no reflection point sees both ends (at or beyond the horizon): the other
    values are then meaningless.
    """
    theta = d_m / a_m
    r1 = a_m + h1_m
    r2 = a_m + h2_m
    t1 = reflection_point_cubic_m(d_m, h1_m, h2_m, a_m) / a_m
    for _ in range(3):  # Newton on d(R1 + R2)/dθ1 = 0 (quadratic from the cubic's root)
        big_r1, big_r2 = _paths(t1, theta, h1_m, h2_m, a_m)
        if big_r1 <= 0.0 or big_r2 <= 0.0:
            break
        u1 = a_m * r1 * math.sin(t1)
        u2 = a_m * r2 * math.sin(theta - t1)
        g = u1 / big_r1 - u2 / big_r2
        gp = (a_m * r1 * math.cos(t1) / big_r1 - u1 * u1 / big_r1 ** 3
              + a_m * r2 * math.cos(theta - t1) / big_r2 - u2 * u2 / big_r2 ** 3)
        if gp <= 0.0:
            break
        step = g / gp
        t1 = min(theta, max(0.0, t1 - step))
        if abs(step) * a_m < 1e-6:
            break
    big_r1, big_r2 = _paths(t1, theta, h1_m, h2_m, a_m)
    s = math.sin(0.5 * theta)
    r_direct = math.sqrt((h2_m - h1_m) ** 2 + 4.0 * r1 * r2 * s * s)
    delta = big_r1 + big_r2 - r_direct
    s1 = math.sin(0.5 * t1)
    sin_psi = (h1_m - 2.0 * r1 * s1 * s1) / big_r1 if big_r1 > 0.0 else 0.0
    d1 = t1 * a_m
    d2 = d_m - d1
    if sin_psi > 0.0 and d_m > 0.0:
        div = 1.0 / math.sqrt(1.0 + 2.0 * d1 * d2 / (a_m * d_m * sin_psi))
    else:
        div = 0.0
    return d1, sin_psi, delta, div
