"""Exact per-cell ray cast: the slow oracle for line-of-sight tests.

For a target cell, the straight line from the observer's cell centre to the target's
centre is sampled every 1/16 cell along its major axis; terrain is bilinear between
cell centres (sea and depressions clamped to ``floor_m``); the horizon is the
largest slope (with the parabolic Earth-curvature drop d²/2kR) over the samples
before the target's own cell. Pure numpy, one cell at a time: far too slow for real
grids, exact for small ones.
"""

from __future__ import annotations

import math

import numpy as np

from foxbat.geo import EARTH_RADIUS_M


def bilinear(z: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    nr, nc = z.shape
    r0 = np.clip(np.floor(r).astype(int), 0, nr - 2)
    c0 = np.clip(np.floor(c).astype(int), 0, nc - 2)
    fr = r - r0
    fc = c - c0
    z = z.astype(float)
    return (z[r0, c0] * (1 - fr) * (1 - fc) + z[r0, c0 + 1] * (1 - fr) * fc
            + z[r0 + 1, c0] * fr * (1 - fc) + z[r0 + 1, c0 + 1] * fr * fc)


def lowest_visible_agl_oracle(z, r0, c0, h0_msl_m, cell_w_m, cell_h_m, cells, k=4 / 3,
                              floor_m=0.0, samples_per_cell=16):
    """Lowest visible height above ground at each (row, col) in ``cells``."""
    z = np.maximum(np.asarray(z, float), floor_m)
    inv_2kr = 1.0 / (2 * k * EARTH_RADIUS_M)
    res = []
    for r, c in cells:
        dr, dc = r - r0, c - c0
        n_major = max(abs(dr), abs(dc))
        if n_major == 0:
            res.append(0.0)
            continue
        # samples strictly before the target's own cell along the major axis
        t = np.arange(1, (n_major - 1) * samples_per_cell + 1) / (n_major * samples_per_cell)
        if t.size:
            rr = r0 + dr * t
            cc = c0 + dc * t
            d = np.hypot(dr * t * cell_h_m, dc * t * cell_w_m)
            zs = bilinear(z, rr, cc)
            smax = np.max((zs - d * d * inv_2kr - h0_msl_m) / d)
        else:
            smax = -math.inf
        dt = math.hypot(dr * cell_h_m, dc * cell_w_m)
        v = h0_msl_m + smax * dt + dt * dt * inv_2kr - z[r, c]
        res.append(max(v, 0.0))
    return np.array(res)


# synthetic terrains shared by the accuracy and kernel tests

def fractal_surface(n: int, seed: int, beta: float = 3.2, relief_m: float = 900.0) -> np.ndarray:
    """Spectral synthesis: random phases, amplitude ~ f^(-beta/2); heights 0..relief_m."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    amp = f ** (-beta / 2)
    amp[0, 0] = 0.0
    spec = amp * np.exp(2j * np.pi * rng.random(amp.shape)) * rng.standard_normal(amp.shape)
    z = np.fft.irfft2(spec, s=(n, n))
    z = (z - z.min()) / (z.max() - z.min()) * relief_m
    return z.astype(np.float32)


def sinusoid_surface(n: int, cell_m: float) -> np.ndarray:
    y, x = (np.mgrid[0:n, 0:n] * cell_m).astype(float)
    z = (300.0 + 150.0 * np.sin(2 * np.pi * x / 2300.0) * np.cos(2 * np.pi * y / 3100.0)
         + 80.0 * np.sin(2 * np.pi * (x + 0.6 * y) / 1700.0 + 0.7))
    return z.astype(np.float32)
