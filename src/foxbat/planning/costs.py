"""What a stretch of flight costs the intruder: the defenders' detection hazard and fuel.

Detection. A radar scanning every ``T`` seconds detects a target with probability
``Pd`` on one scan; over ``t`` seconds the target is missed with probability
``(1 − Pd)^(t/T)``. Writing the hazard rate ``ρ = Σ_radars −ln(1 − Pd) / T`` (per
second), the probability that no radar ever detects it along a path is
``exp(−∫ρ dt)``: the planner minimises ``∫ρ dt`` (the expected log-miss), which is the
same as minimising the cumulative detection probability ``1 − exp(−∫ρ dt)``.

``Pd`` at a point is what :func:`foxbat.sensing.ground.ground_looks` uses in a run
(both take their SNR from :mod:`foxbat.sensing.path`): zero beyond range (and outside
the elevation window of a type that keeps a hard one); otherwise the radar equation's
SNR at the slant range with the surface clutter after the radar's Doppler
processing, the two-way elevation pattern and F⁴ (multipath, smooth-sphere
diffraction, and the terrain's diffraction loss where the target is below the radar's
lowest visible height), and the Pd of the intruder's Swerling case.

Fuel. The flight kernel's model (:mod:`foxbat.aircraft.performance`): level-flight
fuel flow = drag × TSFC at the altitude, Mach and mid-route mass, never below idle,
plus the energy of climbing ``tsfc_SL · m · g · Δh / V``; the climb limit of a node
is the specific excess power at dry thrust.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from foxbat.aircraft.atmosphere import speed_of_sound_mps
from foxbat.aircraft.performance import (CEILING_M, IDLE_FF_KG_S, MAX_DESC_MPS, TSFC_DRY, Aircraft,
                                         excess_power_nb, fuel_flow_nb, max_tas_nb, min_tas_nb)
from foxbat.sensing.geometry import look_angles
from foxbat.nbcache import key_on_sources

PD_MAX = 1.0 - 1e-9
"""Pd is capped here so that −ln(1 − Pd) stays finite (20.7 per scan)."""


PD_NEGLIGIBLE = 1e-7
"""A look whose Pd stays below this even with the most the path can add (+12.04 dB), or,
behind terrain, with the least diffraction loss a blocked path can have (J(0) = 6.0 dB
one way), is counted as Pd 0, skipping its reflection point or terrain profile: the
hazard it leaves out is below 1e-7 per scan."""
MIN_OBSTRUCTED_LOSS_DB = 6.0
MAX_PATH_GAIN_DB = 40.0 * np.log10(2.0)
"""The most the path can add to the SNR, 2·pattern + 2·f_db <= 2·20·log10 2 dB."""


class TerrainProfiles:
    """Terrain profiles from one radar to the cells of a grid, each computed once and kept:
    the hazard rasters ask for the same cells' profiles at every height layer, and a
    profile does not depend on the target's height. The loss is
    :func:`foxbat.sensing.path.terrain_loss_db`'s, row for row."""

    def __init__(self, radar, n_cells: int):
        from foxbat.sensing.path import PROFILE_SAMPLES

        self.radar = radar
        self.have = np.zeros(n_cells, bool)
        self.dist = np.empty((n_cells, PROFILE_SAMPLES))
        self.z = np.empty((n_cells, PROFILE_SAMPLES))

    def loss_db(self, cells, lat, lon, alt_msl_m, frequency_hz: float, k: float) -> np.ndarray:
        from foxbat.propagation.diffraction import deygout_loss_db
        from foxbat.sensing.path import PROFILE_SAMPLES, terrain_profile

        r = self.radar
        uniq, first = np.unique(cells, return_index=True)
        todo = ~self.have[uniq]
        if todo.any():
            sel = first[todo]
            d, z = terrain_profile(r.terrain, r.lat_deg, r.lon_deg, lat[sel], lon[sel], PROFILE_SAMPLES)
            self.dist[uniq[todo]] = d
            self.z[uniq[todo]] = z
            self.have[uniq[todo]] = True
        return np.asarray(deygout_loss_db(self.dist[cells], self.z[cells], np.full(cells.size, r.antenna_msl_m),
                                          np.asarray(alt_msl_m, float), frequency_hz, k), float)


def pd_per_scan(radar, lat_deg, lon_deg, height_agl_m, ground_m, rcs_m2: float, swerling: int,
                sea: str = "sea_state_3", land: str = "wooded_hills", k: float = 4.0 / 3.0,
                lowest_agl_m=None, profiles: TerrainProfiles | None = None, cell_ids=None) -> np.ndarray:
    """Pd of one scan of ``radar`` (a :class:`foxbat.sensing.ground.GroundRadar`) at points.

    ``ground_m`` is the surface under each point (m MSL, sea 0); ``lowest_agl_m`` the
    radar's lowest visible height there (default: sampled bilinearly from its raster,
    as a run does). The SNR is a run's (:mod:`foxbat.sensing.path`): free space with
    clutter, the two-way elevation pattern and F⁴, the terrain's diffraction loss below
    the line of sight; the surface and sea state come from ``radar.env`` and
    ``radar.terrain`` (``sea``, ``land`` and ``k`` where the radar has no environment).
    Arrays broadcast together; returns an array of Pd in [0, 1]. ``profiles`` and
    ``cell_ids`` (the grid cell of each point): terrain profiles kept between calls.
    """
    from foxbat.sensing.path import (PathEnvironment, hard_window, path_factors_db, signal_snr_db,
                                     terrain_loss_db)

    lat, lon, agl, ground = np.broadcast_arrays(*(np.asarray(a, float) for a in
                                                  (lat_deg, lon_deg, height_agl_m, ground_m)))
    shape = lat.shape
    lat, lon, agl, ground = (a.ravel() for a in (lat, lon, agl, ground))
    if lowest_agl_m is None:
        lowest = np.asarray(radar.lowest_agl.elevation_m(lat, lon), float).ravel()
    else:
        lowest = np.broadcast_to(np.asarray(lowest_agl_m, float), shape).ravel()
    env = radar.env or PathEnvironment(k=k, sea_clutter=sea, land_clutter=land)
    out = np.zeros(lat.size)
    cand = np.isfinite(lowest)
    if not cand.any():
        return out.reshape(shape)
    idx = np.nonzero(cand)[0]
    alt = ground[idx] + agl[idx]
    gr, _az, slant, elev = look_angles(radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, lat[idx], lon[idx], alt,
                                       env.k)
    rt = radar.rtype
    ok = gr <= radar.max_range_m
    if hard_window(rt):
        ok &= np.asarray(rt.covers(0.0, np.radians(elev)), bool)
    idx, slant, hh, gg, alt = idx[ok], slant[ok], agl[idx][ok], ground[idx][ok], alt[ok]
    # the path can add at most 2·20·log10 2 = 12.04 dB (direct and reflected rays in phase,
    # each at most the beam's peak gain): where even that leaves Pd negligible, Pd = 0
    # without the path's reflection point and profile
    is_land = gg > 0.0
    free = np.empty(idx.size)
    for surf, m in ((env.land_clutter, is_land), (env.sea_clutter, ~is_land)):
        if m.any():
            free[m] = signal_snr_db(rt, slant[m], rcs_m2, 0.0, 0.0, radar_height_m=radar.antenna_agl_m,
                                    target_height_m=hh[m], surface=surf)
    ok = np.asarray(rt.pd_from_snr(free + MAX_PATH_GAIN_DB, swerling), float) >= PD_NEGLIGIBLE
    idx, slant, hh, gg, alt, is_land = idx[ok], slant[ok], hh[ok], gg[ok], alt[ok], is_land[ok]
    if idx.size == 0:
        return out.reshape(shape)
    f_db, pattern_db, _sea = path_factors_db(rt, radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, lat[idx],
                                             lon[idx], alt, dem=radar.terrain, env=env)
    snr = free[ok] + 2.0 * pattern_db + 2.0 * f_db
    pd = np.asarray(rt.pd_from_snr(snr, swerling), float)
    # below the line of sight: the terrain's diffraction loss caps F (as in a run), its
    # profile only where the look could matter at all
    blocked = hh < lowest[idx]
    at_best = np.asarray(rt.pd_from_snr(snr - 2.0 * np.maximum(f_db + MIN_OBSTRUCTED_LOSS_DB, 0.0), swerling), float)
    pd[blocked & (at_best < PD_NEGLIGIBLE)] = 0.0
    need = blocked & (at_best >= PD_NEGLIGIBLE)
    if need.any():
        if profiles is not None:
            cells = np.broadcast_to(np.asarray(cell_ids), shape).ravel()[idx][need]
            loss = profiles.loss_db(cells, lat[idx][need], lon[idx][need], alt[need], rt.frequency_hz.value, env.k)
        else:
            loss = terrain_loss_db(radar.terrain, radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, lat[idx][need],
                                   lon[idx][need], alt[need], rt.frequency_hz.value, env.k)
        capped = np.minimum(f_db[need], -loss)
        pd[need] = np.asarray(rt.pd_from_snr(snr[need] + 2.0 * (capped - f_db[need]), swerling), float)
    out[idx] = pd
    return out.reshape(shape)


def hazard_per_scan(pd) -> np.ndarray:
    """−ln(1 − Pd), Pd capped at :data:`PD_MAX`."""
    return -np.log1p(-np.minimum(np.asarray(pd, float), PD_MAX))


def hazard_rate_grid(radars, lat, lon, ground, lowest_by_radar, heights_m, rcs_m2, swerling, sea, land, k):
    """Hazard rate ρ (1/s) per radar group: array [n_layers, nr, nc] summed over ``radars``.

    ``lowest_by_radar[i]`` is radar i's lowest visible height on the planning grid
    (cell values, NaN beyond range).
    """
    nl = len(heights_m)
    rho = np.zeros((nl,) + lat.shape)
    cell_ids = np.arange(lat.size).reshape(lat.shape)
    for r, lowest in zip(radars, lowest_by_radar):
        T = r.rtype.revisit_s
        profiles = TerrainProfiles(r, lat.size) if r.terrain is not None else None
        for li, h in enumerate(heights_m):
            pd = pd_per_scan(r, lat, lon, h, ground, rcs_m2, swerling, sea, land, k, lowest_agl_m=lowest,
                             profiles=profiles, cell_ids=cell_ids)
            rho[li] += hazard_per_scan(pd) / T
    return rho


def log_miss_along(radars, t_s, lat, lon, height_agl_m, ground_m, rcs_m2, swerling, sea, land, k) -> dict[str, float]:
    """The planner's model along a flown trajectory: ∫ρ dt per side (trapezoid over the
    trajectory's samples), the expected log-miss the planner minimises."""
    t = np.asarray(t_s, float)
    per_side: dict[str, np.ndarray] = {}
    for r in radars:
        pd = pd_per_scan(r, lat, lon, np.maximum(height_agl_m, 0.0), ground_m, rcs_m2, swerling, sea, land, k)
        per_side[r.side] = per_side.get(r.side, 0.0) + hazard_per_scan(pd) / r.rtype.revisit_s
    return {side: float(np.sum(0.5 * (rho[1:] + rho[:-1]) * np.diff(t))) if t.size > 1 else 0.0
            for side, rho in per_side.items()}


def cumulative_pd_along(radars, t_s, lat, lon, height_agl_m, ground_m, rcs_m2, swerling, sea, land, k
                        ) -> dict[str, float]:
    """Cumulative Pd per side along a trajectory, 1 − exp(−∫ρ dt)."""
    return {s: -math.expm1(-v) for s, v in
            log_miss_along(radars, t_s, lat, lon, height_agl_m, ground_m, rcs_m2, swerling, sea, land, k).items()}


# ---------------------------------------------------------------------------------- speeds and fuel

def economy_mach(ac: Aircraft, alt_msl_m: float, machs=None) -> float:
    """The Mach of least fuel per distance in level flight at an altitude (subsonic,
    within the aircraft's speed envelope)."""
    machs = np.arange(0.30, 0.951, 0.01) if machs is None else machs
    a = speed_of_sound_mps(float(alt_msl_m))
    best, best_m = math.inf, None
    vmax = ac.max_tas_mps(alt_msl_m)
    vmin = ac.min_tas_mps(alt_msl_m) * 1.15
    for m in machs:
        v = m * a
        if v < vmin or v > vmax:
            continue
        per_m = ac.fuel_flow_level_kg_s(alt_msl_m, m) / v
        if per_m < best:
            best, best_m = per_m, float(m)
    if best_m is None:
        best_m = float(min(max(vmin, 0.5 * (vmin + vmax)) / a, 0.95))
    return round(best_m, 2)


def dash_mach(ac: Aircraft, alt_msl_m: float, mach: float = 0.9) -> float:
    """A fast subsonic Mach (default 0.9), capped by the aircraft's top speed there."""
    a = speed_of_sound_mps(float(alt_msl_m))
    return round(min(mach, 0.98 * ac.max_tas_mps(alt_msl_m) / a), 2)


@njit(cache=True)
def node_tables(ground, heights, machs, sc, mm_alt, mm, aero, mass):
    """Per node (layer, row, col) and speed option s: TAS (m/s), level fuel flow
    (kg/s) at ``mass`` kg, and per node the dry climb limit (m/s) at the first speed
    option. NaN ground gives NaN."""
    nl = heights.shape[0]
    nr, nc = ground.shape
    ns = machs.shape[1]
    tas = np.full((nl, nr, nc, ns), np.nan)
    ff = np.full((nl, nr, nc, ns), np.nan)
    climb = np.full((nl, nr, nc), np.nan)
    for li in range(nl):
        for r in range(nr):
            for c in range(nc):
                g = ground[r, c]
                if not np.isfinite(g):
                    continue
                alt = g + heights[li]
                if alt > sc[CEILING_M]:
                    continue
                a = speed_of_sound_mps(alt)
                vmax = max_tas_nb(sc, mm_alt, mm, alt)
                vmin = min_tas_nb(sc, alt)
                for s in range(ns):
                    v = min(max(machs[li, s] * a, vmin), vmax)
                    tas[li, r, c, s] = v
                    ff[li, r, c, s] = fuel_flow_nb(sc, aero, alt, v, mass, 0.0, 0.0, 1.0, False)
                climb[li, r, c] = max(excess_power_nb(sc, aero, alt, tas[li, r, c, 0], mass, False, 1.0), 0.0)
    return tas, ff, climb


def fuel_constants(ac: Aircraft, mass_kg: float) -> tuple[float, float, float]:
    """(k_climb, idle_kg_s, max_descent_mps): climbing Δh metres at TAS V costs
    k_climb·Δh/V kg on top of level flight (k_climb = tsfc_dry·m·g)."""
    from foxbat.aircraft.atmosphere import G0_MPS2

    return (float(ac.scalars[TSFC_DRY] * mass_kg * G0_MPS2), float(ac.scalars[IDLE_FF_KG_S]),
            float(ac.scalars[MAX_DESC_MPS]))


# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.aircraft.atmosphere",
    "foxbat.aircraft.performance",
    "foxbat.sensing.geometry",
    "foxbat.sensing.path",
])
