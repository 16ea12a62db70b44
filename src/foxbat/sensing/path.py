"""What the path between a ground radar and a target does to the target's signal.

One function serves every place a ground radar's SNR is computed (a run's scans, the
planner's costs, the Monte Carlo, the detectable-height coverage): per radar–target
look it returns

- ``f_db``: the one-way pattern propagation factor 20·log10 F (:mod:`foxbat.propagation`).
  The surface that reflects is the one under the reflection point, taken from the DEM:
  sea where the DEM says 0 m MSL or below (or has no data), else the scenario's land
  type; heights are measured above that surface. Where the terrain blocks the direct
  ray (the target lies below the radar's lowest visible height there), the terrain's
  knife-edge diffraction loss along the path profile (Deygout) caps F: F is the lower
  of the smooth-sphere value and −loss.
- ``pattern_db``: the one-way antenna elevation pattern at the target's elevation,
  relative to the beam peak (:meth:`foxbat.radar.catalogue.RadarType.elevation_pattern_db`).

The monostatic SNR then changes by 2·pattern_db + 2·f_db (two-way pattern, F⁴ in
power): :func:`signal_snr_db`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M, check_k, wgs84_geod
from foxbat.propagation import deygout_loss_db, propagation_factor_db, ray_elevations_rad
from foxbat.propagation.factor import _ray_elevations_kernel, propagation_factor_point_db
from foxbat.sensing.geometry import look_angles

PROFILE_SAMPLES = 64
"""Terrain samples along an obstructed path for the diffraction loss."""
MIN_HEIGHT_M = 1.0
"""Heights above the reflecting surface are floored here (a target at the surface)."""


@dataclass(frozen=True)
class PathEnvironment:
    """The surface and refraction a path sees: the scenario's ``environment``."""

    sea_state: float = 3.0
    land_type: str = "medium"
    k: float = DEFAULT_K
    sea_clutter: str = "sea_state_3"
    land_clutter: str = "wooded_hills"

    @classmethod
    def from_spec(cls, env) -> "PathEnvironment":
        """From a scenario's :class:`foxbat.scenario.run.EnvironmentSpec`."""
        return cls(float(env.sea_state.value), env.land_type.value, float(env.k.value), env.sea_clutter,
                   env.land_clutter.value)


def polarization(rt) -> str:
    """The radar type's polarisation ('h' or 'v') from its catalogue ``polarization`` figure;
    horizontal where the type gives none (the polarisation of every F plot in this
    project's references)."""
    p = getattr(rt, "polarization", None)
    p = getattr(p, "value", p)
    return str(p).lower()[:1] if p else "h"


_BIG = float(np.finfo(np.float64).max)


def ground_or_sea_m(z) -> np.ndarray:
    """Terrain heights with the sea and off the map (NaN) at 0 m: the values of
    ``np.maximum(np.nan_to_num(z, nan=0.0), 0.0)`` (+0 for -0, +inf held at the largest
    float) in two ufunc calls instead of nan_to_num's dozen."""
    z = np.asarray(z, float)
    return np.minimum(np.where(z > 0.0, z, 0.0), _BIG)


def reflection_surface(dem, lat0, lon0, antenna_msl_m: float, az_deg, ground_range_m, alt_msl_m):
    """The reflection point's terrain height (m MSL, sea 0) and whether it is sea.

    The point lies at d₁ = d·h₁/(h₁ + h₂) along the path (the flat-Earth split, refined
    once with the heights above the terrain found there)."""
    geod = wgs84_geod()
    d = np.asarray(ground_range_m, float)
    alt = np.asarray(alt_msl_m, float)
    z = np.zeros(d.shape)
    n = d.size
    for _ in range(2):
        h1 = np.maximum(antenna_msl_m - z, MIN_HEIGHT_M)
        h2 = np.maximum(alt - z, MIN_HEIGHT_M)
        d1 = d * h1 / (h1 + h2)
        if n == 1:  # one target: pyproj's scalar call, the same geodesic without the arrays
            lon_r, lat_r, _ = geod.fwd(float(lon0), float(lat0), float(np.ravel(az_deg)[0]), float(d1.ravel()[0]))
        else:
            lon_r, lat_r, _ = geod.fwd(np.full(n, lon0), np.full(n, lat0), az_deg, d1)
        z_raw = np.asarray(dem.elevation_m(np.atleast_1d(lat_r), np.atleast_1d(lon_r)), float)
        z = ground_or_sea_m(z_raw)
    return z, z <= 0.0


PROFILE_KNOTS = 9
"""Geodesic points computed exactly per profile; the samples between are interpolated
(segments of at most 1/8 of the path: under 100 m off the geodesic at 500 km)."""


def terrain_profile(dem, lat0: float, lon0: float, lat, lon, n: int = PROFILE_SAMPLES):
    """Terrain profiles from one point to many along the WGS84 geodesics: distances (m)
    and heights (m MSL; sea and missing data at 0), arrays [paths, n]. The same as
    :func:`foxbat.propagation.terrain_profile` with :data:`PROFILE_KNOTS` exact points
    per path instead of n (the planner samples millions of profiles)."""
    lat = np.atleast_1d(np.asarray(lat, float)).ravel()
    lon = np.atleast_1d(np.asarray(lon, float)).ravel()
    m = lat.size
    geod = wgs84_geod()
    az, _, dist = geod.inv(np.full(m, lon0), np.full(m, lat0), lon, lat)
    dist = np.asarray(dist, float)
    knots = np.linspace(0.0, 1.0, PROFILE_KNOTS)
    lo_k, la_k, _ = geod.fwd(np.full(m * knots.size, lon0), np.full(m * knots.size, lat0),
                             np.repeat(np.asarray(az, float), knots.size), (dist[:, None] * knots[None, :]).ravel())
    la_k = np.asarray(la_k, float).reshape(m, knots.size)
    lo_k = np.degrees(np.unwrap(np.radians(np.asarray(lo_k, float).reshape(m, knots.size)), axis=1))
    pos = np.linspace(0.0, PROFILE_KNOTS - 1.0, n)
    i0 = np.minimum(np.floor(pos).astype(np.int64), PROFILE_KNOTS - 2)
    w = pos - i0
    la_s = la_k[:, i0] * (1 - w) + la_k[:, i0 + 1] * w
    lo_s = (lo_k[:, i0] * (1 - w) + lo_k[:, i0 + 1] * w + 180.0) % 360.0 - 180.0
    z = np.asarray(dem.elevation_m(la_s.ravel(), lo_s.ravel()), float).reshape(m, n)
    return dist[:, None] * np.linspace(0.0, 1.0, n)[None, :], ground_or_sea_m(z)


def terrain_loss_db(dem, lat0: float, lon0: float, antenna_msl_m: float, lat, lon, alt_msl_m,
                    frequency_hz: float, k: float) -> np.ndarray:
    """Deygout diffraction loss (dB, >= 0) of the terrain between a radar and targets,
    along profiles of :data:`PROFILE_SAMPLES` samples (:func:`terrain_profile`)."""
    dist, z = terrain_profile(dem, lat0, lon0, lat, lon, PROFILE_SAMPLES)
    return np.asarray(deygout_loss_db(dist, z, np.full(dist.shape[0], antenna_msl_m),
                                      np.atleast_1d(np.asarray(alt_msl_m, float)), frequency_hz, k), float)


def factors_db(rt, ground_range_m, radar_height_m, target_height_m, elevation_rad, sea, env: PathEnvironment):
    """Smooth-sphere propagation factor and elevation pattern, one-way, dB, for known
    geometry: heights above the reflecting surface (floored at :data:`MIN_HEIGHT_M`),
    ``sea`` True where the reflection point is on the sea (else ``env.land_type``). The
    reflected ray is weighted by the pattern toward it relative to the direct ray
    (``reflected_gain_db`` of :func:`foxbat.propagation.propagation_factor_db`)."""
    d = np.asarray(ground_range_m, float).ravel()
    h1 = np.maximum(np.broadcast_to(np.asarray(radar_height_m, float), d.shape), MIN_HEIGHT_M)
    h2 = np.maximum(np.asarray(target_height_m, float).ravel(), MIN_HEIGHT_M)
    sea = np.broadcast_to(np.asarray(sea, bool), d.shape)
    f_db = np.zeros(d.size)
    freq = rt.frequency_hz.value
    pol = polarization(rt)
    pattern = np.asarray(rt.elevation_pattern_db(np.asarray(elevation_rad, float).ravel()), float) * np.ones(d.size)
    # the reflected ray leaves the antenna below the direct one: weight it by the pattern
    # there relative to the direct ray's (Blake's pattern-propagation factor, as foxbat vcd)
    el_direct, el_reflected = ray_elevations_rad(d, h1, h2, k=env.k)
    reflected_gain = (np.asarray(rt.elevation_pattern_db(el_reflected), float)
                      - np.asarray(rt.elevation_pattern_db(el_direct), float)) * np.ones(d.size)
    # the sea's roughness from its sea state; land as a smooth reflector (its roughness unknown)
    for surface, m, state in (("sea", sea, env.sea_state), (env.land_type, ~sea, 0.0)):
        if m.any():
            f, _region = propagation_factor_db(d[m], h1[m], h2[m], freq, surface=surface, sea_state=state,
                                               polarization=pol, k=env.k, reflected_gain_db=reflected_gain[m])
            f_db[m] = f
    return f_db, pattern


def path_factors_db(rt, lat0: float, lon0: float, antenna_msl_m: float, lat, lon, alt_msl_m, *, dem,
                    env: PathEnvironment, obstructed=None):
    """One-way propagation factor and elevation pattern of a ground radar's looks, dB.

    Parameters
    ----------
    rt : the radar's :class:`foxbat.radar.catalogue.RadarType`
    lat0, lon0, antenna_msl_m : the antenna (deg, deg, m MSL)
    lat, lon, alt_msl_m : the targets (arrays of equal shape)
    dem : the terrain (:class:`foxbat.terrain.dem.Dem`)
    env : sea state, land type, k
    obstructed : True where the terrain blocks the direct ray (default none): those
        paths get the Deygout diffraction loss along their profile

    Returns
    -------
    (f_db, pattern_db, sea): arrays of the targets' shape; ``sea`` True where the
    reflection point is on the sea.
    """
    lat, lon, alt = np.broadcast_arrays(*(np.asarray(a, float) for a in (lat, lon, alt_msl_m)))
    shape = lat.shape
    lat, lon, alt = lat.ravel(), lon.ravel(), alt.ravel()
    f_db = np.zeros(lat.size)
    pattern = np.zeros(lat.size)
    sea = np.ones(lat.size, bool)
    if lat.size == 0:
        return f_db.reshape(shape), pattern.reshape(shape), sea.reshape(shape)
    ground, az, _slant, elev_deg = look_angles(lat0, lon0, antenna_msl_m, lat, lon, alt, env.k)
    z_r, sea = reflection_surface(dem, lat0, lon0, antenna_msl_m, az, ground, alt)
    f_db, pattern = factors_db(rt, ground, antenna_msl_m - z_r, alt - z_r, np.radians(elev_deg), sea, env)
    freq = rt.frequency_hz.value
    if obstructed is not None:
        ob = np.asarray(obstructed, bool).ravel() & (ground > 0)
        if ob.any():
            loss = terrain_loss_db(dem, lat0, lon0, antenna_msl_m, lat[ob], lon[ob], alt[ob], freq, env.k)
            f_db[ob] = np.minimum(f_db[ob], -loss)
    return f_db.reshape(shape), pattern.reshape(shape), sea.reshape(shape)


def path_factors_point_db(rt, lat0: float, lon0: float, antenna_msl_m: float, lat: float, lon: float,
                          alt_msl_m: float, *, dem, env: PathEnvironment, height_at=None) -> tuple[float, float]:
    """:func:`path_factors_db` of one unobstructed look, as floats (f_db, pattern_db): the
    same operations in the same order, each transcendental on the same one-element
    array (numpy's last bits differ between 0-d and 1-element arrays for some), the
    exactly rounded ones (+ − × ÷, max) on Python floats, without the broadcasting and
    checks that made up most of an interceptor's look. ``height_at(lat, lon)``: the
    terrain sampler (:func:`foxbat.terrain.point.point_sampler`, the same bilinear
    value as ``dem.elevation_m``), made here when not given."""
    if height_at is None:
        from foxbat.terrain.point import point_sampler

        height_at = point_sampler(dem)
    geod = wgs84_geod()
    # look_angles: pyproj's scalar call gives the same geodesic as its array call
    az, _, ground = geod.inv(float(lon0), float(lat0), float(lon), float(lat))
    alt = np.array([float(alt_msl_m)])
    kr = env.k * EARTH_RADIUS_M
    phi = np.array([ground]) / kr
    ra, rt_ = kr + antenna_msl_m, kr + alt
    dz = rt_ * np.cos(phi) - ra
    dh = rt_ * np.sin(phi)
    elev_deg = np.degrees(np.arctan2(dz, dh))
    az = az % 360.0  # np.mod's floating remainder, operation for operation
    # reflection_surface
    a_m, t_m = float(antenna_msl_m), float(alt_msl_m)
    z = 0.0
    for _ in range(2):
        h1 = max(a_m - z, MIN_HEIGHT_M)
        h2 = max(t_m - z, MIN_HEIGHT_M)
        d1 = ground * h1 / (h1 + h2)
        lon_r, lat_r, _ = geod.fwd(float(lon0), float(lat0), az, d1)
        z_raw = height_at(lat_r, lon_r)
        z = z_raw if z_raw > 0.0 else 0.0  # NaN (off the map) and the sea: 0 m
    sea = z <= 0.0
    # factors_db
    h1 = max(a_m - z, MIN_HEIGHT_M)
    h2 = max(t_m - z, MIN_HEIGHT_M)
    if rt.elevation_pattern is None:  # elevation_pattern_db is 0 dB everywhere: the same zeros
        pattern_db, reflected_gain = 0.0, np.zeros(1)
    else:
        pattern_db = float(np.asarray(rt.elevation_pattern_db(np.radians(elev_deg)), float).reshape(-1)[0])
        # ray_elevations_rad's kernel on the one path (its checks passed: h1, h2 >= 1 m, ground >= 0)
        el_direct, el_reflected = np.empty(1), np.empty(1)
        _ray_elevations_kernel(np.array([ground]), np.array([h1]), np.array([h2]), check_k(env.k, where="k") *
                               EARTH_RADIUS_M, el_direct, el_reflected)
        reflected_gain = np.asarray(rt.elevation_pattern_db(el_reflected), float) \
            - np.asarray(rt.elevation_pattern_db(el_direct), float)
    f_db = propagation_factor_point_db(ground, h1, h2, rt.frequency_hz.value,
                                       surface="sea" if sea else env.land_type,
                                       sea_state=env.sea_state if sea else 0.0, polarization=polarization(rt),
                                       k=env.k, reflected_gain_db=reflected_gain)
    return f_db, pattern_db


def signal_snr_db(rt, slant_m, rcs_m2, f_db, pattern_db, *, radar_height_m, target_height_m, surface):
    """The target's SINR after the path, dB: the free-space SNR with the surface clutter
    in its range cell counted after the radar's Doppler processing
    (:meth:`RadarType.effective_snr_db`), plus 2·pattern_db + 2·f_db.

    The clutter power stays what the clutter model gives (the pattern and F scale the
    target's echo, not the clutter's): the interference term depends only on the
    clutter-to-noise ratio, so the path terms add to the SINR in dB."""
    base = rt.effective_snr_db(slant_m, rcs_m2, radar_height_m=radar_height_m, target_height_m=target_height_m,
                               surface=surface)
    return np.asarray(base, float) + 2.0 * np.asarray(pattern_db, float) + 2.0 * np.asarray(f_db, float)


def hard_window(rt) -> bool:
    """True where the catalogue keeps the type's hard elevation window (no detection
    outside elevation_min_deg..elevation_max_deg): :attr:`RadarType.elevation_limits_hard`."""
    return bool(rt.elevation_limits_hard)
