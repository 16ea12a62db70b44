"""Ground radars looking at an aircraft, scan by scan.

Line of sight comes from the coverage engine (the radar's lowest-visible-height raster
sampled at the aircraft), so a coverage map and a run never disagree. A target within
range gets an SNR from the radar equation with surface clutter after the radar's
Doppler processing, the two-way elevation pattern and the propagation factor F⁴
(multipath and smooth-sphere diffraction; terrain diffraction where the line of sight
is blocked: :mod:`foxbat.sensing.path`), a Pd for its Swerling case, and a draw with
the run's generator; a detection carries Gaussian measurement noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.radar.catalogue import RadarType
from foxbat.radar.equation import SPEED_OF_LIGHT_MPS
from foxbat.sensing.geometry import look_angles
from foxbat.sensing.path import PathEnvironment, hard_window, path_factors_db, signal_snr_db
from foxbat.terrain.dem import Dem


@dataclass
class GroundRadar:
    """A ground radar of a run: its site, type and coverage raster (on the DEM grid)."""

    name: str
    side: str
    lat_deg: float
    lon_deg: float
    antenna_msl_m: float
    antenna_agl_m: float
    max_range_m: float
    rtype: RadarType
    lowest_agl: Dem  # the lowest visible height above ground as a Dem-like grid (NaN beyond range)
    terrain: Dem | None = None  # the DEM, for the paths' reflection points and profiles
    env: PathEnvironment | None = None  # the scenario's environment (sea state, land type, k)


@dataclass
class Looks:
    """Every scan of one radar at one target: arrays of equal length."""

    radar: str
    side: str
    target: str
    t_s: np.ndarray
    visible: np.ndarray
    snr_db: np.ndarray
    pd: np.ndarray
    detected: np.ndarray
    range_m: np.ndarray  # measured slant range (NaN when not detected)
    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray  # NaN for 2-D radars
    lat: np.ndarray  # true target position at the scan
    lon: np.ndarray
    alt_msl_m: np.ndarray
    f_db: np.ndarray | None = None  # one-way propagation factor, dB (NaN out of range)
    pattern_db: np.ndarray | None = None  # one-way elevation pattern re the peak, dB (NaN out of range)


def interp_track(t_s: np.ndarray, traj_t: np.ndarray, *cols: np.ndarray) -> list[np.ndarray]:
    """Linear interpolation of trajectory columns at scan times."""
    return [np.interp(t_s, traj_t, c) for c in cols]


def scan_times(t0_s: float, t1_s: float, period_s: float, rng: np.random.Generator) -> np.ndarray:
    """Scan instants of a rotating radar over [t0, t1]: a random phase, then every period."""
    phase = rng.uniform(0.0, period_s)
    first = t0_s + phase
    if first > t1_s:
        return np.zeros(0)
    return first + period_s * np.arange(int((t1_s - first) // period_s) + 1)


def surface_under(dem: Dem, lat, lon, sea: str, land: str) -> np.ndarray:
    z = dem.elevation_m(np.atleast_1d(lat), np.atleast_1d(lon))
    return np.where(np.nan_to_num(z, nan=0.0) > 0.0, land, sea)


def measures_elevation(rt: RadarType) -> bool:
    """Whether a ground radar measures its targets' elevation (and so their height): the
    catalogue says so by giving its elevation noise (a height finder, a 3-D radar). A 2-D
    search radar has none and reports range and bearing only."""
    return rt.platform == "ground" and rt.sigma_elevation_deg is not None


def ground_looks(radar: GroundRadar, target: str, traj_t: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                 alt_msl_m: np.ndarray, agl_m: np.ndarray, rcs_m2: float, swerling: int,
                 rng: np.random.Generator, dem: Dem, sea: str, land: str, k: float,
                 env: PathEnvironment | None = None) -> Looks:
    """All scans of ``radar`` at one aircraft over the aircraft's flight.

    Every scan within range gets an SNR: the free-space radar equation with clutter,
    the two-way elevation pattern and F⁴ (:mod:`foxbat.sensing.path`); a path the
    terrain blocks keeps the diffraction loss along its profile. ``visible`` records
    the geometric line of sight. ``env`` defaults to the given clutter classes and k
    with the default sea state and land type.
    """
    rt = radar.rtype
    env = env or radar.env or PathEnvironment(k=k, sea_clutter=sea, land_clutter=land)
    t = scan_times(float(traj_t[0]), float(traj_t[-1]), rt.revisit_s, rng)
    la, lo, alt, agl = interp_track(t, traj_t, lat, lon, alt_msl_m, agl_m)
    ground, az, slant, elev = look_angles(radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, la, lo, alt, k)
    lowest = np.asarray(radar.lowest_agl.elevation_m(la, lo), float) if t.size else np.zeros(0)
    in_range = (ground <= radar.max_range_m) & np.isfinite(lowest)
    if hard_window(rt):
        in_range &= np.asarray(rt.covers(0.0, np.radians(elev)), bool)
    visible = in_range & (agl >= np.nan_to_num(lowest, nan=np.inf))
    snr = np.full(t.shape, -np.inf)
    f_db = np.full(t.shape, np.nan)
    pattern_db = np.full(t.shape, np.nan)
    if in_range.any():
        v = in_range
        f, p, _sea = path_factors_db(rt, radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, la[v], lo[v], alt[v],
                                     dem=dem, env=env, obstructed=~visible[v])
        f_db[v], pattern_db[v] = f, p
        surf = surface_under(dem, la[v], lo[v], env.sea_clutter, env.land_clutter)
        s = np.empty(v.sum())
        for name in np.unique(surf):
            m = surf == name
            s[m] = signal_snr_db(rt, slant[v][m], rcs_m2, f[m], p[m], radar_height_m=radar.antenna_agl_m,
                                 target_height_m=agl[v][m], surface=str(name))
        snr[v] = s
    pd = np.where(in_range, np.asarray(rt.pd_from_snr(np.where(in_range, snr, -50.0), swerling)), 0.0)
    u = rng.random(t.shape)  # one draw per scan whether in range or not: runs stay aligned
    detected = in_range & (u < pd)
    n = t.shape
    noise_r = rng.standard_normal(n) * rt.sigma_range_m.value
    noise_a = rng.standard_normal(n) * rt.sigma_bearing_deg.value
    noise_e = rng.standard_normal(n) * (rt.sigma_elevation_deg.value if rt.sigma_elevation_deg else 0.0)
    # a radar reports a range no shorter than its first range gate, half a pulse length out
    # (a target near the antenna with the range noise drawn short gave a negative range)
    first_gate_m = SPEED_OF_LIGHT_MPS * rt.pulse_width_s.value / 2.0
    rng_m = np.where(detected, np.maximum(slant + noise_r, first_gate_m), np.nan)
    az_m = np.where(detected, np.mod(az + noise_a, 360.0), np.nan)
    if measures_elevation(rt):
        # the radar's processor corrects the refracted angle with its standard refraction
        # model: the tracker receives the geometric elevation (RadarMeasurement's contract)
        elev_geo = look_angles(radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, la, lo, alt, 1.0)[3]
        el_m = np.where(detected, elev_geo + noise_e, np.nan)
    else:
        el_m = np.full(t.shape, np.nan)
    return Looks(radar.name, radar.side, target, t, visible, snr, pd, detected, rng_m, az_m, el_m, la, lo, alt,
                 f_db, pattern_db)


def to_measurements(looks: Looks, radar: GroundRadar):
    """The detections of ``looks`` as tracker measurements."""
    from foxbat.tracking import RadarMeasurement

    rt = radar.rtype
    out = []
    for i in np.nonzero(looks.detected)[0]:
        el = looks.elevation_deg[i]
        out.append(RadarMeasurement(
            t_s=float(looks.t_s[i]), radar=radar.name, side=radar.side, radar_lat_deg=radar.lat_deg,
            radar_lon_deg=radar.lon_deg, radar_alt_msl_m=radar.antenna_msl_m, range_m=float(looks.range_m[i]),
            azimuth_deg=float(looks.azimuth_deg[i]), elevation_deg=None if math.isnan(el) else float(el),
            sigma_range_m=rt.sigma_range_m.value, sigma_azimuth_deg=rt.sigma_bearing_deg.value,
            sigma_elevation_deg=rt.sigma_elevation_deg.value if not math.isnan(el) else None,
            target=looks.target))
    return out


def false_alarms(radar: GroundRadar, scan_t_s: np.ndarray, per_scan: float, rng: np.random.Generator):
    """False alarms of a radar: a Poisson number per scan, uniform over the area it
    covers (range uniform in area, bearing uniform), as tracker measurements with
    ``false_alarm=True`` plus their (t_s, lat, lon) for the detections file."""
    from foxbat.sensing.geometry import destination
    from foxbat.tracking import RadarMeasurement

    rt = radar.rtype
    out, where = [], []
    if per_scan <= 0 or scan_t_s.size == 0:
        return out, where
    counts = rng.poisson(per_scan, scan_t_s.size)
    for t, n in zip(scan_t_s, counts):
        for _ in range(int(n)):
            r = radar.max_range_m * math.sqrt(rng.uniform(0.01, 1.0))
            az = rng.uniform(0.0, 360.0)
            out.append(RadarMeasurement(
                t_s=float(t), radar=radar.name, side=radar.side, radar_lat_deg=radar.lat_deg,
                radar_lon_deg=radar.lon_deg, radar_alt_msl_m=radar.antenna_msl_m, range_m=r, azimuth_deg=az,
                elevation_deg=None, sigma_range_m=rt.sigma_range_m.value, sigma_azimuth_deg=rt.sigma_bearing_deg.value,
                target=None, false_alarm=True))
            lat, lon = destination(radar.lat_deg, radar.lon_deg, az, r)
            where.append((float(t), lat, lon))
    return out, where
