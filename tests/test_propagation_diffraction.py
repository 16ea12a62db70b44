"""Diffraction: ITU-R P.526 smooth sphere, knife edge J(ν), Deygout on profiles."""

import math

import numpy as np
import pytest
from scipy.special import ai_zeros

from foxbat.propagation import deygout_loss_db, knife_edge_loss_db, propagation_factor_db
from foxbat.propagation.diffraction import distance_term_db, height_gain_db
from foxbat.propagation.surface import complex_permittivity

C = 299_792_458.0


def p526_smooth_earth_db(d_km, h1_m, h2_m, f_mhz, ae_km, eps, sigma, pol):
    """ITU-R P.526-15 §3.1.1.2 transcribed directly (eqs. 12-18), scalar, in the
    Recommendation's own units: 20·log10(E/E0) = F(X) + G(Y1) + G(Y2)."""
    kh = 0.036 * (ae_km * f_mhz) ** (-1 / 3) * ((eps - 1) ** 2 + (18000 * sigma / f_mhz) ** 2) ** (-1 / 4)
    kk = kh if pol == "h" else kh * ((eps ** 2 + (18000 * sigma / f_mhz) ** 2) ** 0.5)
    beta = (1 + 1.6 * kk ** 2 + 0.67 * kk ** 4) / (1 + 4.5 * kk ** 2 + 1.53 * kk ** 4)
    x = 2.188 * beta * f_mhz ** (1 / 3) * ae_km ** (-2 / 3) * d_km
    fx = 11 + 10 * math.log10(x) - 17.6 * x if x >= 1.6 else -20 * math.log10(x) - 5.6488 * x ** 1.425

    def g(h):
        y = 9.575e-3 * beta * f_mhz ** (2 / 3) * ae_km ** (-1 / 3) * h
        b = beta * y
        val = 17.6 * (b - 1.1) ** 0.5 - 5 * math.log10(b - 1.1) - 8 if b > 2 else 20 * math.log10(b + 0.1 * b ** 3)
        return max(val, 2 + 20 * math.log10(kk))

    return fx + g(h1_m) + g(h2_m)


@pytest.mark.parametrize("f_hz,h1,h2,surface,pol", [
    (3e9, 10.0, 50.0, "sea", "h"),
    (1.7e8, 25.0, 30.0, "sea", "h"),
    (1.3e9, 600.0, 250.0, "medium", "v"),
])
def test_smooth_sphere_beyond_the_horizon_is_p526(f_hz, h1, h2, surface, pol):
    eta = complex_permittivity(surface, f_hz)
    eps, sigma = eta.real, -eta.imag * 2 * math.pi * f_hz * 8.854187817e-12
    ae_km = 4 / 3 * 6371.0
    horizon_km = math.sqrt(2 * ae_km * 1e3 * h1) / 1e3 + math.sqrt(2 * ae_km * 1e3 * h2) / 1e3
    for d_km in (1.05 * horizon_km, 1.3 * horizon_km, 2.0 * horizon_km):
        f_db, region = propagation_factor_db(d_km * 1e3, h1, h2, f_hz, surface=surface, polarization=pol)
        assert int(region) == 2
        ref = p526_smooth_earth_db(d_km, h1, h2, f_hz / 1e6, ae_km, eps, sigma, pol)
        assert float(f_db) == pytest.approx(ref, abs=0.01)


def test_p526_values_at_a_few_distances():
    # the numbers themselves, 3 GHz over the sea, 10 m and 50 m (horizon 42.2 km), from
    # the transcription above: pinned so that a change of either side shows
    got = [float(propagation_factor_db(d, 10.0, 50.0, 3e9)[0]) for d in (50e3, 70e3, 100e3)]
    ref = [p526_smooth_earth_db(d / 1e3, 10.0, 50.0, 3000.0, 4 / 3 * 6371.0, *_eps_sigma("sea", 3e9), "h")
           for d in (50e3, 70e3, 100e3)]
    assert got == pytest.approx(ref, abs=0.01)
    assert got == pytest.approx([-26.00, -51.22, -89.69], abs=0.01)


def _eps_sigma(surface, f_hz):
    eta = complex_permittivity(surface, f_hz)
    return eta.real, -eta.imag * 2 * math.pi * f_hz * 8.854187817e-12


def test_distance_term_is_the_first_term_of_the_residue_series():
    # First residue term over a perfectly conducting sphere (h pol): |V| = 2√(πX)·exp(−a1·sin60°·X),
    # a1 = 2.33811 the first zero of Ai(−t). P.526 rounds 20log10(2√π) = 10.99 to 11 and
    # 8.686·a1·sin60° = 17.588 to 17.6: agreement within 0.02 + 0.013·X dB.
    a1 = -ai_zeros(1)[0][0]
    for x in (1.6, 2.0, 4.0, 8.0, 12.0):
        first_term = 20 * math.log10(2 * math.sqrt(math.pi * x)) - 20 * math.log10(math.e) * a1 * math.sin(
            math.pi / 3) * x
        assert distance_term_db(x) == pytest.approx(first_term, abs=0.02 + 0.013 * x)


def test_height_gain_branches_meet():
    # the two forms of G(Y) meet at B = 2 (8.94 dB): the Recommendation's own check
    beta, k = 1.0, 1e-4
    assert height_gain_db(2.0, beta, k) == pytest.approx(height_gain_db(2.0 + 1e-9, beta, k), abs=0.02)
    assert height_gain_db(2.0, beta, k) == pytest.approx(20 * math.log10(2.8), abs=1e-9)
    assert height_gain_db(0.0, beta, 0.01) == pytest.approx(2 + 20 * math.log10(0.01))  # the K floor


def test_knife_edge_values():
    # ITU-R P.526 eq. 31: J(−0.78) ≈ 0, J(0) ≈ 6.0, J(1) ≈ 13.9, J(2.4) ≈ 20.5 dB (DESIGN.md)
    got = knife_edge_loss_db(np.array([-0.78, 0.0, 1.0, 2.4]))
    np.testing.assert_allclose(got, [0.0, 6.0, 13.9, 20.5], atol=0.05)
    assert knife_edge_loss_db(-1.0) == 0.0 and knife_edge_loss_db(-0.7) > 0.0


def _flat_k():
    return 1e6


def test_deygout_single_edge_is_j_of_nu():
    # one edge 30 m above the line of sight at 4 km on a 10 km path, 1 GHz, flat earth:
    # ν = h·√(2d/(λ·d1·d2))
    f = 1e9
    lam = C / f
    x = np.linspace(0.0, 10e3, 101)
    z = np.zeros_like(x)
    z[40] = 130.0  # the line of sight runs at 100 m
    loss = deygout_loss_db(x[None, :], z[None, :], 100.0, 100.0, f, _flat_k())
    nu = 30.0 * math.sqrt(2 * 10e3 / (lam * 4e3 * 6e3))
    assert loss[0] == pytest.approx(float(knife_edge_loss_db(nu)), abs=0.01)


def test_deygout_two_edges_and_clear_paths():
    f = 1e9
    lam = C / f
    x = np.linspace(0.0, 10e3, 101)
    z = np.zeros((3, x.size))
    z[0, 20] = 150.0  # main edge at 2 km, 50 m up
    z[0, 70] = 120.0  # second edge at 7 km, below the main edge's line to the receiver?
    z[1, :] = 0.0     # clear
    z[2, 50] = 90.0   # 10 m below the line of sight: ν < 0 but > −0.78 -> a small loss
    loss = deygout_loss_db(np.broadcast_to(x, z.shape), z, 100.0, 100.0, f, _flat_k())
    nu_m1 = 50.0 * math.sqrt(2 * 10e3 / (lam * 2e3 * 8e3))
    nu_m2 = 20.0 * math.sqrt(2 * 10e3 / (lam * 7e3 * 3e3))
    main_is_1 = nu_m1 > nu_m2
    assert main_is_1
    # sub-path from the main edge (2 km, 150 m) to the receiver (10 km, 100 m): at 7 km the
    # line is at 150 − 50·5/8 = 118.75 m, so the second edge is 1.25 m above it
    nu_sub = 1.25 * math.sqrt(2 * 8e3 / (lam * 5e3 * 3e3))
    expected = float(knife_edge_loss_db(nu_m1) + knife_edge_loss_db(nu_sub))
    assert loss[0] == pytest.approx(expected, abs=0.01)
    assert loss[1] == 0.0
    nu3 = -10.0 * math.sqrt(2 * 10e3 / (lam * 5e3 * 5e3))
    assert loss[2] == pytest.approx(float(knife_edge_loss_db(nu3)), abs=0.01) and loss[2] > 0


def _deygout_slow(x, z, lam):
    """Deygout with up to three edges, plain Python: main edge of largest ν, then the
    largest ν on each side measured from the main edge's top."""
    def best(i0, i1):
        out = None
        for i in range(i0 + 1, i1):
            d1, d2 = x[i] - x[i0], x[i1] - x[i]
            h = z[i] - (z[i0] + (z[i1] - z[i0]) * d1 / (x[i1] - x[i0]))
            nu = h * math.sqrt(2 * (d1 + d2) / (lam * d1 * d2))
            if out is None or nu > out[1]:
                out = (i, nu)
        return out

    i, nu = best(0, len(x) - 1)
    if nu <= -0.78:
        return 0.0
    total = float(knife_edge_loss_db(nu))
    for side in (best(0, i), best(i, len(x) - 1)):
        if side is not None:
            total += float(knife_edge_loss_db(side[1]))
    return total


def test_deygout_counts_the_earth_bulge():
    # flat sea (z = 0) 60 km long, antennas 20 m up, k = 4/3: the bulge at mid-path,
    # 30e3²/(2kR) = 53 m, blocks the path; the terrain heights get the bulge x(D−x)/(2kR)
    f = 1e9
    lam = C / f
    a = 4 / 3 * 6_371_000.0
    x = np.linspace(0.0, 60e3, 61)
    loss = deygout_loss_db(x[None, :], np.zeros((1, x.size)), 20.0, 20.0, f, 4 / 3)
    z = x * (60e3 - x) / (2 * a)
    z[0] = z[-1] = 20.0
    assert loss[0] == pytest.approx(_deygout_slow(list(x), list(z), lam), abs=1e-9)
    assert loss[0] > float(knife_edge_loss_db(33.0 * math.sqrt(2 * 60e3 / (lam * 30e3 * 30e3))))


def test_deygout_random_profiles_match_the_slow_version():
    rng = np.random.default_rng(5)
    f = 3e9
    lam = C / f
    x = np.linspace(0.0, 40e3, 41)
    z = rng.uniform(0, 300, size=(20, x.size))
    h_tx = rng.uniform(50, 400, 20)
    h_rx = rng.uniform(50, 2000, 20)
    loss = deygout_loss_db(np.broadcast_to(x, z.shape), z, h_tx, h_rx, f, 1e6)
    bulge = x * (40e3 - x) / (2 * 1e6 * 6_371_000.0)
    for r in range(20):
        zz = list(z[r] + bulge)
        zz[0], zz[-1] = h_tx[r], h_rx[r]
        assert loss[r] == pytest.approx(_deygout_slow(list(x), zz, lam), abs=1e-6)


def test_terrain_profile_from_a_dem():
    # a geographic DEM whose height is 1000 m × latitude offset: along a meridian the
    # profile is a straight ramp; distances follow the WGS84 geodesic
    from affine import Affine

    from foxbat.geo import geodesic_distance_m
    from foxbat.propagation import terrain_profile
    from foxbat.terrain import from_array

    lats = 43.0 - (np.arange(200) + 0.5) * 0.01  # row 0 at the north edge
    z = np.repeat(((lats - 41.0) * 1000.0)[:, None], 200, axis=1)
    dem = from_array(z, Affine(0.01, 0, 139.0, 0, -0.01, 43.0), "EPSG:4326")
    dist, prof = terrain_profile(dem, [41.5, 41.5], [140.0, 140.0], [42.5, 42.0], [140.0, 140.0], n_samples=11)
    assert dist.shape == prof.shape == (2, 11)
    assert dist[0, -1] == pytest.approx(geodesic_distance_m(41.5, 140.0, 42.5, 140.0), rel=1e-9)
    np.testing.assert_allclose(prof[0], np.linspace(500.0, 1500.0, 11), atol=1.0)
    np.testing.assert_allclose(prof[1], np.linspace(500.0, 1000.0, 11), atol=1.0)
    loss = deygout_loss_db(dist, prof, 1600.0, 1600.0, 1e9)
    assert loss[0] == 0.0  # a ramp below both ends is no obstacle
