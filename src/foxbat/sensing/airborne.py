"""An airborne intercept radar: a bar scan per frame, M-of-N contact, lock-on and track.

Search: the antenna sweeps the azimuth sector (±``azimuth_half_width_deg`` about the
nose) once per bar, bar after bar, alternating direction (a raster); the bars are
``bar_spacing_deg`` apart about the antenna's tilt, which the pilot (or the GCI
controller's call) sets toward the expected target: the bars' centre follows the
elevation of the best estimate of the target. A target is looked at once per frame: in
the bar whose beam covers its elevation when the sweep passes its azimuth (at that
bar's dwell time), and nowhere else; outside every bar, beyond the instrumented range
or behind terrain there is no look.

Contact: ``contact_m`` hits in the last ``contact_n`` frames (an operator calling a
blip painted on most sweeps); contact is lost when that rule fails. Lock-on (track
mode) only with contact inside ``lock_on_range_m``; the radar then measures range,
bearing and elevation with its own noise (``sigma_*``) once per frame, and a Kalman
filter (Stone Soup) on those measurements is the interceptor's own track.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M
from foxbat.radar.catalogue import RadarType
from foxbat.sensing.path import ground_or_sea_m

_EPOCH = datetime(2000, 1, 1)  # Stone Soup wants datetimes; only differences matter


@dataclass(frozen=True)
class BarScan:
    """The search pattern of one radar type, angles in radians, times in seconds."""

    half_width_rad: float
    bar_offsets_rad: np.ndarray  # each bar's elevation relative to the antenna tilt
    half_bar_rad: float  # elevation half-width each bar covers
    frame_s: float
    tilt_min_rad: float
    tilt_max_rad: float

    @classmethod
    def of(cls, rt: RadarType) -> "BarScan":
        bars = int(rt.bars.value)
        spacing = math.radians(rt.bar_spacing_deg.value) if rt.bar_spacing_deg is not None else 0.0
        offsets = (np.arange(bars) - (bars - 1) / 2.0) * spacing
        # a bar holds what lies within half a beamwidth of its centre, or half the bar
        # spacing where the bars are spread wider than the beam (no seam between bars
        # that overlap at their half-power edges, as the APQ-120's 3.7° beam and 3.75° bars)
        half = max(rt.beamwidth_el_rad, spacing) / 2.0
        return cls(math.radians(rt.azimuth_half_width_deg.value), offsets, half,
                   rt.frame_time_s.value, math.radians(rt.elevation_min_deg.value),
                   math.radians(rt.elevation_max_deg.value))

    @property
    def bars(self) -> int:
        return int(self.bar_offsets_rad.size)

    def tilt_rad(self, expected_elevation_rad: float | None) -> float:
        """Antenna tilt that centres the bars on the expected target elevation (0, the
        horizon, without an expectation), within the antenna's limits."""
        el = 0.0 if expected_elevation_rad is None or not math.isfinite(expected_elevation_rad) \
            else expected_elevation_rad
        lo = self.tilt_min_rad - self.bar_offsets_rad[0]
        hi = self.tilt_max_rad - self.bar_offsets_rad[-1]
        return min(max(el, lo), hi)

    def dwell_offsets_list(self, azimuth_off_rad: float) -> list[float]:
        """Time into the frame at which each bar's sweep passes ``azimuth_off_rad`` (from
        the nose), s, one per bar: even bars sweep left to right, odd bars back."""
        frac = (min(max(azimuth_off_rad, -self.half_width_rad), self.half_width_rad) + self.half_width_rad) \
            / (2.0 * self.half_width_rad)
        bars = self.bars
        bar_s = self.frame_s / bars
        # plain floats (a few bars, once per frame): the same IEEE operations as numpy's
        return [(b + (frac if b % 2 == 0 else 1.0 - frac)) * bar_s for b in range(bars)]

    def bar_containing(self, azimuth_off_rad, elevation_rad, tilt_rad: float) -> int:
        """Index of the first bar whose beam holds the target at its own dwell, -1 if none.

        ``azimuth_off_rad`` and ``elevation_rad`` are arrays, one per bar: the target's
        direction at that bar's dwell time."""
        # a few bars, once per frame: the same comparisons on Python floats (tilt + offset
        # and the difference are single IEEE operations either way)
        az = np.asarray(azimuth_off_rad, float).tolist()
        el = np.asarray(elevation_rad, float).tolist()
        hw, half = self.half_width_rad, self.half_bar_rad
        for b, off in enumerate(self.bar_offsets_rad.tolist()):
            if abs(az[b]) <= hw and abs(el[b] - (tilt_rad + off)) <= half:
                return b
        return -1


class MofN:
    """M hits in the last N frames."""

    def __init__(self, m: int, n: int):
        self.m = int(m)
        self.window: deque[bool] = deque(maxlen=int(n))

    def push(self, hit: bool) -> bool:
        """Add one frame's outcome; True while the rule holds."""
        self.window.append(bool(hit))
        return sum(self.window) >= self.m

    def clear(self) -> None:
        self.window.clear()


class LocalFrame:
    """East/north/up metres about a reference point (equirectangular on the WGS84 mean
    radius: a few metres off over the 100 km of an interception, enough to steer by)."""

    def __init__(self, lat0_deg: float, lon0_deg: float):
        self.lat0, self.lon0 = lat0_deg, lon0_deg
        self.kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat0_deg))
        self.ky = math.radians(1.0) * EARTH_RADIUS_M

    def to_en(self, lat_deg: float, lon_deg: float) -> tuple[float, float]:
        return (lon_deg - self.lon0) * self.kx, (lat_deg - self.lat0) * self.ky

    def to_latlon(self, e_m: float, n_m: float) -> tuple[float, float]:
        return self.lat0 + n_m / self.ky, self.lon0 + e_m / self.kx


@dataclass
class RadarTrack:
    """The interceptor's own track of its target, from its radar's measurements only."""

    frame: LocalFrame
    state: object  # Stone Soup GaussianState (x, vx, y, vy, z, vz)
    t_s: float

    def estimate(self, t_s: float):
        """(lat, lon, alt MSL, v east, v north) extrapolated to t_s at constant velocity."""
        x = np.asarray(self.state.state_vector, float).ravel()
        dt = t_s - self.t_s
        lat, lon = self.frame.to_latlon(x[0] + x[1] * dt, x[2] + x[3] * dt)
        return lat, lon, float(x[4] + x[5] * dt), float(x[1]), float(x[3])


class TrackFilter:
    """A constant-velocity Kalman filter (Stone Soup) on position measurements converted
    from range, bearing and elevation, each with its covariance from the radar's noise."""

    def __init__(self, rt: RadarType, k: float = DEFAULT_K, q_m2_s3: float = 25.0, fast: bool = True):
        from stonesoup.predictor.kalman import KalmanPredictor
        from stonesoup.updater.kalman import KalmanUpdater

        from foxbat.tracking.motion import constant_velocity_3d

        self.rt = rt
        self.kr = k * EARTH_RADIUS_M
        # the ground trackers' model: F and Q made once per time interval (a radar track's
        # frames repeat a few intervals); Stone Soup still predicts and updates
        self.predictor = KalmanPredictor(constant_velocity_3d(q_m2_s3, q_m2_s3))
        self._updater = KalmanUpdater
        # the same predict and update, restated on the same arrays in the same order
        # (foxbat.tracking.fastpath: the ground trackers' single-track path; for a linear
        # measurement model its EKF lines are the Kalman ones), without Stone Soup's
        # per-call objects; fast=False keeps Stone Soup's own (the tests compare both)
        from foxbat.tracking.fastpath import SingleTrackEkf

        self._fast = SingleTrackEkf(self.predictor, None, None, math.inf) if fast else None
        self.sig_r = rt.sigma_range_m.value
        self.sig_b = math.radians(rt.sigma_bearing_deg.value)
        sig_e = rt.sigma_elevation_deg.value if rt.sigma_elevation_deg is not None else rt.sigma_bearing_deg.value
        self.sig_e = math.radians(sig_e)

    def measure(self, rng: np.random.Generator, slant_m: float, bearing_deg: float, elevation_deg: float):
        """One noisy measurement of (slant range, true bearing, elevation), in the same units."""
        dr, db, de = rng.standard_normal(3)
        return (slant_m + self.sig_r * dr, bearing_deg + math.degrees(self.sig_b * db),
                elevation_deg + math.degrees(self.sig_e * de))

    def _position(self, frame: LocalFrame, own_lat, own_lon, own_alt, meas):
        """Measured position in the local frame and its covariance (LOS frame rotated)."""
        r, brg, el = meas
        b, e = math.radians(brg), math.radians(el)
        oe, on = frame.to_en(own_lat, own_lon)
        horiz = r * math.cos(e)
        # elevations are on the k·R sphere: the target sits horiz²/(2kR) above the tangent plane
        pos = np.array([oe + horiz * math.sin(b), on + horiz * math.cos(b),
                        own_alt + r * math.sin(e) + horiz * horiz / (2.0 * self.kr)])
        # unit vectors: along the line of sight, horizontal cross-range, "up" across it
        u_r = np.array([math.cos(e) * math.sin(b), math.cos(e) * math.cos(b), math.sin(e)])
        u_b = np.array([math.cos(b), -math.sin(b), 0.0])
        u_e = np.array([-math.sin(e) * math.sin(b), -math.sin(e) * math.cos(b), math.cos(e)])
        rot = np.column_stack([u_r, u_b, u_e])
        cov = rot @ np.diag([self.sig_r ** 2, (r * self.sig_b) ** 2, (r * self.sig_e) ** 2]) @ rot.T
        return pos, cov

    def start(self, t_s: float, own_lat, own_lon, own_alt, meas, speed_sigma_mps: float = 300.0) -> RadarTrack:
        from stonesoup.types.state import GaussianState

        frame = LocalFrame(own_lat, own_lon)
        pos, cov = self._position(frame, own_lat, own_lon, own_alt, meas)
        x = np.array([[pos[0]], [0.0], [pos[1]], [0.0], [pos[2]], [0.0]])
        p = np.zeros((6, 6))
        idx = [0, 2, 4]
        p[np.ix_(idx, idx)] = cov
        for i in (1, 3, 5):
            p[i, i] = speed_sigma_mps ** 2
        return RadarTrack(frame, GaussianState(x, p, timestamp=_EPOCH + timedelta(seconds=t_s)), t_s)

    def update(self, track: RadarTrack, t_s: float, own_lat, own_lon, own_alt, meas) -> None:
        from stonesoup.models.measurement.linear import LinearGaussian
        from stonesoup.types.detection import Detection
        from stonesoup.types.hypothesis import SingleHypothesis

        pos, cov = self._position(track.frame, own_lat, own_lon, own_alt, meas)
        model = LinearGaussian(6, [0, 2, 4], cov)
        when = _EPOCH + timedelta(seconds=t_s)
        det = Detection(pos.reshape(3, 1), timestamp=when, measurement_model=model)
        if self._fast is not None:
            from foxbat.tracking.fastpath import FastHypothesis

            pred = self._fast.predict(track.state, when)
            mp = self._fast.predict_measurement(pred, model)
            track.state = self._fast.update(FastHypothesis(pred, det, mp, None))
        else:
            pred = self.predictor.predict(track.state, timestamp=when)
            track.state = self._updater(model).update(SingleHypothesis(pred, det))
        track.t_s = t_s






PROFILE_STEP_M = 1000.0
"""Terrain profile spacing for the line of sight and the clutter cells (the built-in DEM's
cells are about 9 km; a finer DEM is sampled no finer than this)."""


def look_through_terrain(rt: RadarType, dem, lat_deg: float, lon_deg: float, alt_msl_m: float, bearing_deg: float,
                         ground_range_m: float, slant_m: float, elevation_deg: float, target_alt_msl_m: float,
                         rcs_m2: float, gamma_sea_db: float, gamma_land_db: float, k: float = DEFAULT_K):
    """Whether the target is in the radar's line of sight over the terrain, and its SNR
    with the clutter of the ground at its range along the beam (dB, after the type's
    Doppler processing); ``(False, -inf)`` when terrain hides it.

    One terrain profile along the target's bearing serves both: the path to the target
    must clear it, and the ground at the target's slant range on it is the clutter
    (:mod:`foxbat.radar.terrain_clutter`: local grazing angle from the slope, shadowed
    cells add nothing, sea or land from the DEM)."""
    from foxbat.radar.clutter import clutter_to_noise_db, sinr_db
    from foxbat.radar.terrain_clutter import clutter_rcs_cells_m2, profile_cells

    n = int(min(max(slant_m / PROFILE_STEP_M + 2, 64), 2000))
    x = np.linspace(0.0, slant_m * 1.01, n)[1:]
    frame = LocalFrame(lat_deg, lon_deg)
    b = math.radians(bearing_deg)
    la, lo = frame.to_latlon(x * math.sin(b), x * math.cos(b))
    g = ground_or_sea_m(dem.elevation_m(la, lo))
    # path_clear, view_profile and cells_at_range in one (the same values)
    clear, cells = profile_cells(x, g, alt_msl_m, k, ground_range_m, target_alt_msl_m, slant_m)
    if not clear:
        return False, -math.inf
    snr = float(rt.snr_db(slant_m, rcs_m2))
    sigma_c = clutter_rcs_cells_m2(cells, slant_m, gamma_sea_db=gamma_sea_db, gamma_land_db=gamma_land_db,
                                   target_elevation_rad=math.radians(elevation_deg),
                                   beamwidth_az_rad=rt.beamwidth_az_rad, beamwidth_el_rad=rt.beamwidth_el_rad,
                                   pulse_width_s=rt.pulse_width_s.value)
    if sigma_c <= 0.0:
        return True, snr
    cnr = clutter_to_noise_db(snr, rcs_m2, sigma_c)
    return True, float(sinr_db(snr, cnr, rt.improvement_factor_db.value))


__all__ = ["BarScan", "MofN", "LocalFrame", "RadarTrack", "TrackFilter", "look_through_terrain"]
