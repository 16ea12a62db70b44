"""Multi-radar, multi-target tracking of one side's detections with Stone Soup.

One :class:`SideTracker` per side (e.g. "USSR", "Japan") fuses the detections of
all that side's radars into tracks:

* state: position and velocity ``[e, ve, n, vn, u, vu]`` in metres and m/s in a
  local East-North-Up frame about the side's reference point
  (:class:`foxbat.tracking.frames.LocalFrame`);
* motion: nearly-constant velocity in 3-D, Stone Soup's
  ``CombinedLinearGaussianTransitionModel`` of three ``ConstantVelocity`` models
  (process noise ``q_horizontal_m2_s3`` east and north, ``q_vertical_m2_s3`` up);
* measurements: each detection carries its own non-linear polar measurement model,
  placed at its radar's position (``translation_offset``) and rotated exactly into
  the radar's local ENU frame. 3-D radars use Stone Soup's
  ``CartesianToElevationBearingRange``; 2-D search radars (no elevation) use a
  bearing + *slant* range model (:class:`RadarBearingSlantRange`, a small subclass
  of ``CartesianToBearingRange``: a 2-D radar measures slant range, and treating it
  as ground range would bias a high target's position by h²/2r, 500 m for a
  target at 10 km altitude and 100 km range). Both get analytic Jacobians;
* filter: ``ExtendedKalmanUpdater`` (or ``UnscentedKalmanUpdater``) with a
  ``KalmanPredictor``;
* gating and association: ``DistanceHypothesiser`` with the ``Mahalanobis``
  measure and a gate (preceded by a conservative cheap pre-gate,
  :class:`PreGatedDistanceHypothesiser`, that only skips detections the gate
  would reject), ``GNNWith2DAssignment`` (global nearest neighbour);
* initiation: M-of-N, built from the same Stone Soup parts (see below);
* deletion: ``UpdateTimeDeleter``: a track is lost when more than
  ``max_coast_s`` seconds pass without a detection associated to it.

Scans. Measurements are processed in time order, one *scan* being the detections
of one radar at one ``t_s`` (measurements with equal ``t_s`` from different radars
form consecutive scans at the same time, in radar-name order). Splitting by radar
matters: global-nearest-neighbour association gives a track at most one detection
per scan, so two radars seeing a target at the same instant would otherwise start
a duplicate track.

M-of-N initiation. An unassociated detection starts a *tentative* track (position
from the detection, velocity zero with a large prior sigma; for a 2-D radar the
altitude is ``prior_alt_msl_m`` ± ``prior_alt_sigma_m``). Each later scan by a radar
that has already contributed a detection to the tentative track is an
*opportunity*: a hit if a detection is associated, a miss otherwise (a radar that
has never seen it, for example one whose coverage does not reach it, does not
count against it). A tentative track with M hits among its first N opportunities
(the initiating detection counts as the first) is confirmed; after N opportunities
without M hits, or after ``max_coast_s`` without a hit, it is dropped. Confirmed
tracks have priority: detections are offered to them first, and only the rest to
tentative tracks, then to initiation.

Empty scans. A radar scan that produced no detection is invisible unless its
``(t_s, radar)`` is passed in ``run(..., scans=...)``. Passing the sensing stage's
scan times makes miss counting and loss times exact; without them, a loss is
declared at the next scan of any radar of the side that arrives more than
``max_coast_s`` after the last detection.

Determinism. No random numbers are drawn; tracks and detections are always handed
to Stone Soup in a fixed order, and track ids are numbered in order of
confirmation (``"<side>-001"``...), not Stone Soup's random UUIDs. The same input
gives identical output.

The truth labels of measurements (``target``, ``false_alarm``) are never used for
tracking; they are only counted per track, for reporting.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from stonesoup.base import Property
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.deleter.time import UpdateTimeDeleter
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.nonlinear import (
    CartesianToBearingRange,
    CartesianToElevationBearingRange,
)
from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel,
    ConstantVelocity,
)
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector, StateVectors
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.track import Track
from stonesoup.types.update import GaussianStateUpdate
from stonesoup.updater.kalman import ExtendedKalmanUpdater, UnscentedKalmanUpdater

from foxbat.errors import ParameterError
from foxbat.tracking.frames import LocalFrame, enu_rotation

#: Mean Earth radius used to place a 2-D radar's first detection below its tangent plane.
_EARTH_RADIUS_M = 6_371_000.0
#: Stone Soup wants datetimes; t_s counts from this arbitrary instant.
_EPOCH = datetime(2000, 1, 1)
#: Position and velocity indices in the state vector [e, ve, n, vn, u, vu].
_POS = (0, 2, 4)
_VEL = (1, 3, 5)


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class RadarMeasurement:
    """One detection, as the sensing stage hands it to the tracker.

    ``azimuth_deg`` is the true bearing from north, clockwise, and
    ``elevation_deg`` the elevation above the radar's local horizontal, both in
    the radar's local East-North-Up frame (geometric angles). ``elevation_deg`` is
    None for a 2-D search radar (then ``sigma_elevation_deg`` is ignored).
    ``range_m`` is the slant range. ``target`` and ``false_alarm`` are truth, for
    analysis only: the tracker never uses them.
    """

    t_s: float
    radar: str
    side: str
    radar_lat_deg: float
    radar_lon_deg: float
    radar_alt_msl_m: float
    range_m: float
    azimuth_deg: float
    elevation_deg: float | None
    sigma_range_m: float
    sigma_azimuth_deg: float
    sigma_elevation_deg: float | None = None
    target: str | None = None
    false_alarm: bool = False


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (SI units; names carry units).

    m, n: M-of-N confirmation (M hits among the first N opportunities).
    gate_probability: chi-square gate for 3 degrees of freedom, turned into a
        Mahalanobis distance ``sqrt(chi2.ppf(p, 3))`` (4.57 for 0.9999), unless
        ``gate_mahalanobis`` is given. The same distance is used for 2-D radars.
    max_coast_s: a track with no detection for more than this is lost.
    q_horizontal_m2_s3, q_vertical_m2_s3: nearly-constant-velocity process noise
        spectral densities (east/north, up).
    init_velocity_sigma_mps, init_vertical_velocity_sigma_mps: prior velocity
        sigmas of a new track (its prior velocity is zero).
    prior_alt_msl_m, prior_alt_sigma_m: altitude assumed for a track started by a
        2-D radar; ``prior_alt_sigma_m`` also caps the altitude sigma of every
        track, so a track seen only by 2-D radars keeps a bounded altitude
        uncertainty instead of growing without limit.
    filter: "ekf" (ExtendedKalmanUpdater) or "ukf" (UnscentedKalmanUpdater).
    """

    m: int = 3
    n: int = 4
    gate_probability: float = 0.9999
    gate_mahalanobis: float | None = None
    max_coast_s: float = 60.0
    q_horizontal_m2_s3: float = 5.0
    q_vertical_m2_s3: float = 1.0
    init_velocity_sigma_mps: float = 400.0
    init_vertical_velocity_sigma_mps: float = 100.0
    prior_alt_msl_m: float = 5000.0
    prior_alt_sigma_m: float = 5000.0
    filter: str = "ekf"

    def validate(self) -> TrackerConfig:
        def bad(fld: str, why: str):
            raise ParameterError(f"{why}, got {getattr(self, fld)!r}", where="TrackerConfig", field=fld)

        if not isinstance(self.m, int) or self.m < 1:
            bad("m", "must be an integer >= 1")
        if not isinstance(self.n, int) or self.n < self.m:
            bad("n", f"must be an integer >= m ({self.m})")
        if not (0.0 < self.gate_probability < 1.0):
            bad("gate_probability", "must be a probability strictly between 0 and 1")
        g = self.gate_mahalanobis
        if g is not None and not (isinstance(g, (int, float)) and math.isfinite(g) and g > 0):
            bad("gate_mahalanobis", "must be a finite distance > 0 (or None)")
        for fld in (
            "max_coast_s",
            "q_horizontal_m2_s3",
            "q_vertical_m2_s3",
            "init_velocity_sigma_mps",
            "init_vertical_velocity_sigma_mps",
            "prior_alt_sigma_m",
        ):
            v = getattr(self, fld)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                bad(fld, "must be a finite number > 0")
        if not (isinstance(self.prior_alt_msl_m, (int, float)) and math.isfinite(self.prior_alt_msl_m)):
            bad("prior_alt_msl_m", "must be a finite altitude in metres")
        if self.filter not in ("ekf", "ukf"):
            bad("filter", "must be 'ekf' or 'ukf'")
        return self

    @property
    def gate(self) -> float:
        """The Mahalanobis distance beyond which a detection is not associated."""
        if self.gate_mahalanobis is not None:
            return float(self.gate_mahalanobis)
        from scipy.stats import chi2

        return float(math.sqrt(chi2.ppf(self.gate_probability, 3)))


@dataclass(frozen=True)
class TrackState:
    """A track's estimate just after one associated detection.

    Velocities and sigmas are in the local ENU frame at the track's position.
    ``sigma_horiz_m`` is the semi-major axis of the 1-sigma horizontal error
    ellipse, ``sigma_alt_m`` the 1-sigma altitude error. ``confirmed`` is False for
    the states before M-of-N confirmation; ``radar`` is the radar whose detection
    made this update.
    """

    t_s: float
    lat_deg: float
    lon_deg: float
    alt_msl_m: float
    vel_east_mps: float
    vel_north_mps: float
    vel_up_mps: float
    sigma_horiz_m: float
    sigma_alt_m: float
    confirmed: bool
    radar: str


@dataclass(frozen=True)
class TrackRecord:
    """One confirmed track.

    ``target`` is the majority truth label of the measurements associated with it
    (None when most of them were false alarms; ties go to a real target, then to
    the first name in alphabetical order); ``target_counts`` gives all the counts,
    false alarms and unlabelled measurements under None. ``lost_t_s`` is None when
    the track was still held at the end of the run.
    """

    track_id: str
    side: str
    target: str | None
    initiated_t_s: float
    confirmed_t_s: float
    last_detection_t_s: float
    lost_t_s: float | None
    n_detections: int
    radars: tuple[str, ...]
    target_counts: tuple[tuple[str | None, int], ...]
    states: tuple[TrackState, ...]


@dataclass(frozen=True)
class TrackEvent:
    """A change in what a side holds: ``kind`` is ``track_started``, ``track_lost``
    or ``track_reacquired`` (see :func:`foxbat.tracking.events.extract_events`).

    Position: at confirmation for started/reacquired, the last updated estimate
    for lost. ``since_last_detection_s`` is set for ``track_lost`` only.
    """

    kind: str
    t_s: float
    side: str
    track_id: str
    target: str | None
    lat_deg: float
    lon_deg: float
    alt_msl_m: float
    since_last_detection_s: float | None = None


@dataclass(frozen=True)
class TrackingResult:
    """What one side's tracker produced over a run.

    ``end_t_s`` is the time of the last scan processed (None for an empty run);
    ``n_tentative_dropped`` counts tentative tracks that never reached M-of-N.
    """

    side: str
    tracks: list[TrackRecord]
    events: list[TrackEvent]
    end_t_s: float | None
    n_scans: int
    n_measurements: int
    n_tentative_dropped: int


# --------------------------------------------------------------------------- measurement models


def _elevation_bearing_range_jacobian(d: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """d(elevation, bearing, range)/d(position) for d = rot @ (p - offset)."""
    x, y, z = d
    rho2 = x * x + y * y + z * z
    rho = math.sqrt(rho2)
    rxy2 = x * x + y * y
    rxy = math.sqrt(rxy2)
    j = np.array(
        [
            [-x * z / (rho2 * rxy), -y * z / (rho2 * rxy), rxy / rho2],
            [-y / rxy2, x / rxy2, 0.0],
            [x / rho, y / rho, z / rho],
        ]
    )
    return j @ rot


class RadarElevationBearingRange(CartesianToElevationBearingRange):
    """Stone Soup's ``CartesianToElevationBearingRange`` with an exact rotation.

    ``frame_rotation`` (3x3) takes vectors of the tracking frame into the radar's
    local ENU frame (x east, y north, z up), replacing the Euler-angle
    ``rotation_offset``; bearing is then Stone Soup's, counter-clockwise from east
    (bearing = 90° - azimuth). The Jacobian is analytic.
    """

    frame_rotation: np.ndarray = Property(default=None, doc="3x3 rotation, tracking frame -> radar ENU")

    @property
    def rotation_matrix(self) -> np.ndarray:
        return self.frame_rotation

    def jacobian(self, state, **kwargs):
        d = self.frame_rotation @ np.asarray(
            state.state_vector[self.mapping, :] - self.translation_offset, dtype=float
        ).ravel()
        jac = np.zeros((3, self.ndim_state))
        jac[:, self.mapping] = _elevation_bearing_range_jacobian(d, self.frame_rotation)
        return jac


class RadarBearingSlantRange(CartesianToBearingRange):
    """Bearing and *slant* range of a 2-D search radar, in 3-D.

    Like Stone Soup's ``CartesianToBearingRange`` (measurement ``[bearing, range]``,
    bearing counter-clockwise from east in the radar's ENU frame) but with a 3-D
    ``mapping`` and ``translation_offset`` and the range measured in 3-D, as a
    radar does. The altitude is not observed (only weakly, through the range).
    ``inverse_function`` places the target in the radar's horizontal plane.
    """

    frame_rotation: np.ndarray = Property(default=None, doc="3x3 rotation, tracking frame -> radar ENU")

    @property
    def rotation_matrix(self) -> np.ndarray:
        return self.frame_rotation

    def _function(self, state, noise=False, **kwargs):
        if isinstance(noise, bool) or noise is None:
            noise = self.rvs(num_samples=state.state_vector.shape[1], **kwargs) if noise else 0
        d = self.frame_rotation @ np.asarray(state.state_vector[self.mapping, :] - self.translation_offset, dtype=float)
        phi = np.arctan2(d[1, :], d[0, :])
        rho = np.sqrt(d[0, :] ** 2 + d[1, :] ** 2 + d[2, :] ** 2)
        return StateVectors([phi, rho]) + noise

    def inverse_function(self, detection, **kwargs):
        phi, rho = (float(v) for v in np.asarray(detection.state_vector, dtype=float).ravel())
        d = np.array([rho * math.cos(phi), rho * math.sin(phi), 0.0])
        res = np.zeros((self.ndim_state, 1)).view(StateVector)
        res[self.mapping, 0] = self.frame_rotation.T @ d + np.asarray(self.translation_offset, float).ravel()
        return res

    def jacobian(self, state, **kwargs):
        d = self.frame_rotation @ np.asarray(
            state.state_vector[self.mapping, :] - self.translation_offset, dtype=float
        ).ravel()
        x, y, z = d
        rxy2 = x * x + y * y
        rho = math.sqrt(rxy2 + z * z)
        j = np.array([[-y / rxy2, x / rxy2, 0.0], [x / rho, y / rho, z / rho]]) @ self.frame_rotation
        jac = np.zeros((2, self.ndim_state))
        jac[:, self.mapping] = j
        return jac


# --------------------------------------------------------------------------- motion model


class _MemoisedCombinedTransitionModel(CombinedLinearGaussianTransitionModel):
    """Stone Soup's combined linear-Gaussian transition model, with F and Q memoised
    per time interval (radar scans repeat the same few intervals; building them
    with ``block_diag`` at every prediction was half the run time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo: dict = {}

    def _memoised(self, kind: str, compute, time_interval):
        key = (kind, time_interval)
        value = self._memo.get(key)
        if value is None:
            if len(self._memo) > 512:
                self._memo.clear()
            value = compute()
            value.flags.writeable = False
            self._memo[key] = value
        return value

    def matrix(self, time_interval=None, **kwargs):
        return self._memoised("F", lambda: super(_MemoisedCombinedTransitionModel, self).matrix(
            time_interval=time_interval), time_interval)

    def covar(self, time_interval=None, **kwargs):
        return self._memoised("Q", lambda: super(_MemoisedCombinedTransitionModel, self).covar(
            time_interval=time_interval), time_interval)


# --------------------------------------------------------------------------- gating


class PreGatedDistanceHypothesiser(DistanceHypothesiser):
    """Stone Soup's ``DistanceHypothesiser``, after a cheap conservative pre-gate.

    ``prefilter(prediction, detections)`` returns the detections that may lie
    inside the gate; only those are scored (each full score costs a measurement
    prediction and a matrix inverse, which dominated the run time with many
    tentative tracks and false alarms). With ``prefilter`` None it is the plain
    hypothesiser.
    """

    prefilter: object = Property(default=None, doc="callable(prediction, detections) -> detections")

    def hypothesise(self, track, detections, timestamp, **kwargs):
        if self.prefilter is not None and detections:
            prediction = self.predictor.predict(track, timestamp=timestamp, **kwargs)
            detections = self.prefilter(prediction, detections)
        return super().hypothesise(track, detections, timestamp, **kwargs)


# --------------------------------------------------------------------------- the tracker


def _timestamp(t_s: float) -> datetime:
    return _EPOCH + timedelta(seconds=float(t_s))


@dataclass
class _RadarSite:
    offset: np.ndarray  # radar position in the side frame (3,)
    rotation: np.ndarray  # side frame -> radar ENU (3, 3)
    alt_msl_m: float
    models: dict = field(default_factory=dict)  # (sigmas) -> measurement model


@dataclass
class _Track:
    key: int
    ss: Track  # the Stone Soup track; only its latest state is kept
    radars: set
    hits: list
    labels: Counter
    first_t_s: float
    last_det_t_s: float
    confirmed_t_s: float | None = None
    track_id: str | None = None
    lost_t_s: float | None = None
    history: list = field(default_factory=list)  # (t_s, mean(6,), covar(6,6), confirmed, radar)


class SideTracker:
    """Fuses all of one side's radar detections into tracks (see the module docstring).

    >>> tracker = SideTracker("Japan", 42.0, 140.0, TrackerConfig(m=3, n=4))
    >>> result = tracker.run(measurements)            # doctest: +SKIP

    ``run`` may be called several times; each call starts from no tracks.
    """

    def __init__(self, side: str, ref_lat_deg: float, ref_lon_deg: float, config: TrackerConfig | None = None):
        if not isinstance(side, str) or not side:
            raise ParameterError(f"must be a non-empty name, got {side!r}", field="side")
        self.side = side
        self.frame = LocalFrame(ref_lat_deg, ref_lon_deg)
        self.config = (config or TrackerConfig()).validate()
        c = self.config
        self._gate = c.gate
        self._transition = _MemoisedCombinedTransitionModel(
            [
                ConstantVelocity(c.q_horizontal_m2_s3),
                ConstantVelocity(c.q_horizontal_m2_s3),
                ConstantVelocity(c.q_vertical_m2_s3),
            ]
        )
        self._predictor = KalmanPredictor(self._transition)
        updater_cls = ExtendedKalmanUpdater if c.filter == "ekf" else UnscentedKalmanUpdater
        self._updater = updater_cls(measurement_model=None)
        self._hypothesiser = PreGatedDistanceHypothesiser(
            self._predictor,
            self._updater,
            measure=Mahalanobis(),
            missed_distance=self._gate,
            prefilter=self._prefilter,
        )
        self._associator = GNNWith2DAssignment(self._hypothesiser)
        self._deleter = UpdateTimeDeleter(time_since_update=timedelta(seconds=float(c.max_coast_s)))

    # ---------------------------------------------------------------- public

    def run(
        self,
        measurements: Sequence[RadarMeasurement],
        scans: Iterable[tuple[float, str]] | None = None,
    ) -> TrackingResult:
        """Track ``measurements`` (any order; processed in time order) and return the result.

        ``scans``: optional ``(t_s, radar)`` pairs of every scan the side's radars
        made, including those with no detection; they make M-of-N miss counting
        and the time of a loss exact (see the module docstring).
        Raises ParameterError for a measurement of another side or with bad values.
        """
        meas = list(measurements)
        for i, m in enumerate(meas):
            self._check(m, i)
        groups: dict[tuple[float, str], list[int]] = {}
        for i, m in enumerate(meas):
            groups.setdefault((float(m.t_s), m.radar), []).append(i)
        if scans is not None:
            for t_s, radar in scans:
                if not math.isfinite(t_s):
                    raise ParameterError(f"scan time must be finite, got {t_s!r}", field="scans")
                groups.setdefault((float(t_s), str(radar)), [])

        self._reset()
        for i, m in enumerate(meas):
            self._site(m)  # radar geometry, also for radars only in `scans` once seen
        for (t_s, radar), idx in sorted(groups.items(), key=lambda kv: kv[0]):
            self._process_scan(t_s, radar, [meas[i] for i in idx])
        end_t_s = max((k[0] for k in groups), default=None)
        records = self._records()
        from foxbat.tracking.events import extract_events

        return TrackingResult(
            side=self.side,
            tracks=records,
            events=extract_events(records),
            end_t_s=end_t_s,
            n_scans=len(groups),
            n_measurements=len(meas),
            n_tentative_dropped=self._n_dropped,
        )

    # ---------------------------------------------------------------- internals

    def _check(self, m: RadarMeasurement, i: int) -> None:
        where = f"measurements[{i}]"
        if m.side != self.side:
            raise ParameterError(
                f"belongs to side {m.side!r}, this tracker is for {self.side!r}", where=where, field="side"
            )
        checks = [
            ("t_s", m.t_s, False),
            ("radar_lat_deg", m.radar_lat_deg, False),
            ("radar_lon_deg", m.radar_lon_deg, False),
            ("radar_alt_msl_m", m.radar_alt_msl_m, False),
            ("azimuth_deg", m.azimuth_deg, False),
            ("range_m", m.range_m, True),
            ("sigma_range_m", m.sigma_range_m, True),
            ("sigma_azimuth_deg", m.sigma_azimuth_deg, True),
        ]
        if m.elevation_deg is not None:
            checks += [("elevation_deg", m.elevation_deg, False), ("sigma_elevation_deg", m.sigma_elevation_deg, True)]
        for name, v, positive in checks:
            ok = isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v) and (not positive or v > 0)
            if not ok:
                raise ParameterError(
                    f"must be a finite number{' > 0' if positive else ''}, got {v!r}", where=where, field=name
                )
        if m.elevation_deg is not None and not -90.0 <= m.elevation_deg <= 90.0:
            raise ParameterError(
                f"must be in [-90, 90] degrees, got {m.elevation_deg!r}", where=where, field="elevation_deg"
            )
        if not isinstance(m.radar, str) or not m.radar:
            raise ParameterError(f"must be a non-empty radar name, got {m.radar!r}", where=where, field="radar")

    def _reset(self) -> None:
        self._sites: dict[str, _RadarSite] = {}
        self._confirmed: list[_Track] = []
        self._tentative: list[_Track] = []
        self._finished: list[_Track] = []
        self._next_key = 0
        self._next_id = 1
        self._n_dropped = 0
        self._pregate = None

    def _site(self, m: RadarMeasurement) -> _RadarSite:
        site = self._sites.get(m.radar)
        if site is None:
            e, n, u = self.frame.to_enu(m.radar_lat_deg, m.radar_lon_deg, m.radar_alt_msl_m)
            rotation = enu_rotation(m.radar_lat_deg, m.radar_lon_deg) @ self.frame.rotation.T
            site = _RadarSite(np.array([float(e), float(n), float(u)]), rotation, float(m.radar_alt_msl_m))
            self._sites[m.radar] = site
        return site

    def _model(self, site: _RadarSite, m: RadarMeasurement):
        three_d = m.elevation_deg is not None
        key = (three_d, m.sigma_range_m, m.sigma_azimuth_deg, m.sigma_elevation_deg if three_d else None)
        model = site.models.get(key)
        if model is None:
            offset = StateVector(site.offset.reshape(3, 1))
            if three_d:
                covar = np.diag(
                    [
                        math.radians(m.sigma_elevation_deg) ** 2,
                        math.radians(m.sigma_azimuth_deg) ** 2,
                        m.sigma_range_m**2,
                    ]
                )
                model = RadarElevationBearingRange(
                    ndim_state=6,
                    mapping=_POS,
                    noise_covar=CovarianceMatrix(covar),
                    translation_offset=offset,
                    frame_rotation=site.rotation,
                )
            else:
                covar = np.diag([math.radians(m.sigma_azimuth_deg) ** 2, m.sigma_range_m**2])
                model = RadarBearingSlantRange(
                    ndim_state=6,
                    mapping=_POS,
                    noise_covar=CovarianceMatrix(covar),
                    translation_offset=offset,
                    frame_rotation=site.rotation,
                )
            site.models[key] = model
        return model

    def _detection(self, m: RadarMeasurement, ts: datetime) -> Detection:
        site = self._site(m)
        bearing = Bearing(math.pi / 2 - math.radians(m.azimuth_deg))
        if m.elevation_deg is not None:
            sv = StateVector([Elevation(math.radians(m.elevation_deg)), bearing, float(m.range_m)])
        else:
            sv = StateVector([bearing, float(m.range_m)])
        return Detection(sv, timestamp=ts, measurement_model=self._model(site, m))

    def _initial_state(self, m: RadarMeasurement) -> tuple[np.ndarray, np.ndarray]:
        """Mean (6,) and covariance (6, 6) of a track started by one detection."""
        c = self.config
        site = self._site(m)
        phi = math.pi / 2 - math.radians(m.azimuth_deg)
        rho = float(m.range_m)
        cphi, sphi = math.cos(phi), math.sin(phi)
        s_phi = math.radians(m.sigma_azimuth_deg)
        if m.elevation_deg is not None:
            th = math.radians(m.elevation_deg)
            cth, sth = math.cos(th), math.sin(th)
            d = rho * np.array([cth * cphi, cth * sphi, sth])
            jac = np.array(
                [
                    [-rho * sth * cphi, -rho * cth * sphi, cth * cphi],
                    [-rho * sth * sphi, rho * cth * cphi, cth * sphi],
                    [rho * cth, 0.0, sth],
                ]
            )
            sig = np.diag([math.radians(m.sigma_elevation_deg) ** 2, s_phi**2, m.sigma_range_m**2])
        else:
            # Assume the prior altitude: height above the radar's tangent plane is
            # the altitude difference less the Earth's drop g^2/2R at ground range g.
            dz = 0.0
            g = rho
            for _ in range(3):
                dz = (c.prior_alt_msl_m - site.alt_msl_m) - g * g / (2 * _EARTH_RADIUS_M)
                dz = max(-0.95 * rho, min(0.95 * rho, dz))
                g = math.sqrt(rho * rho - dz * dz)
            d = np.array([g * cphi, g * sphi, dz])
            jac = np.array(
                [
                    [-g * sphi, rho / g * cphi, -dz / g * cphi],
                    [g * cphi, rho / g * sphi, -dz / g * sphi],
                    [0.0, 0.0, 1.0],
                ]
            )
            sig = np.diag([s_phi**2, m.sigma_range_m**2, c.prior_alt_sigma_m**2])
        rot = site.rotation
        pos = rot.T @ d + site.offset
        pcov = rot.T @ (jac @ sig @ jac.T) @ rot
        mean = np.zeros(6)
        cov = np.zeros((6, 6))
        mean[list(_POS)] = pos
        cov[np.ix_(_POS, _POS)] = pcov
        cov[1, 1] = cov[3, 3] = c.init_velocity_sigma_mps**2
        cov[5, 5] = c.init_vertical_velocity_sigma_mps**2
        return mean, cov

    def _bound_vertical(self, covar: np.ndarray) -> None:
        """Cap the altitude and vertical-velocity variances (congruence scaling keeps
        the matrix positive semi-definite)."""
        c = self.config
        for i, limit in ((4, c.prior_alt_sigma_m**2), (5, c.init_vertical_velocity_sigma_mps**2)):
            if covar[i, i] > limit:
                s = math.sqrt(limit / covar[i, i])
                covar[i, :] *= s
                covar[:, i] *= s

    def _record(self, tr: _Track, state, t_s: float, radar: str, m: RadarMeasurement) -> None:
        tr.ss.append(state)
        if len(tr.ss.states) > 1:  # the filter needs only the latest state
            del tr.ss.states[:-1]
            del tr.ss.metadatas[:-1]
        tr.last_det_t_s = t_s
        tr.radars.add(radar)
        tr.labels[None if m.false_alarm else m.target] += 1
        tr.history.append(
            (
                t_s,
                np.asarray(state.state_vector, dtype=float).ravel().copy(),
                np.asarray(state.covar, dtype=float).copy(),
                tr.confirmed_t_s is not None,
                radar,
            )
        )

    def _associate(self, tracks: list[_Track], dets: list[Detection], ts: datetime) -> dict:
        if not tracks or not dets:
            return {}
        return self._associator.associate([t.ss for t in tracks], dets, ts)

    def _update(self, tr: _Track, hyp, t_s: float, radar: str, m: RadarMeasurement) -> None:
        upd = self._updater.update(hyp)
        self._bound_vertical(upd.covar)
        self._record(tr, upd, t_s, radar, m)

    def _confirm(self, tr: _Track, t_s: float) -> None:
        tr.confirmed_t_s = t_s
        tr.track_id = f"{self.side}-{self._next_id:03d}"
        self._next_id += 1
        # the state that completed M-of-N is the first confirmed one
        t, mean, cov, _, radar = tr.history[-1]
        tr.history[-1] = (t, mean, cov, True, radar)
        self._confirmed.append(tr)

    def _set_pregate(self, radar: str, dets: list[Detection], group: list[RadarMeasurement]) -> None:
        """Per-scan arrays for :meth:`_prefilter` (a scan holds one radar's detections)."""
        if not dets:
            self._pregate = None
            return
        site = self._sites[radar]
        rng = np.array([m.range_m for m in group], float)
        phi = np.array([math.pi / 2 - math.radians(m.azimuth_deg) for m in group])
        el = np.array([math.nan if m.elevation_deg is None else math.radians(m.elevation_deg) for m in group])
        s_r = np.array([m.sigma_range_m for m in group], float)
        s_phi = np.radians([m.sigma_azimuth_deg for m in group])
        s_el = np.radians([0.0 if m.sigma_elevation_deg is None else m.sigma_elevation_deg for m in group])
        index = {id(d): i for i, d in enumerate(dets)}
        self._pregate = (site, index, rng, phi, el, s_r, s_phi, s_el)

    def _prefilter(self, prediction, detections):
        """Keep the detections that may be inside the Mahalanobis gate.

        The Mahalanobis distance is at least any one component of the innovation
        over its standard deviation, and that deviation is at most the measurement
        sigma plus sqrt(trace P_pos) (both in metres at the predicted range). A
        detection with a range, cross-range or vertical residual beyond 1.5 x gate x
        that bound cannot pass the gate (the factor covers the linearisation), so
        it is skipped.
        """
        if self._pregate is None:
            return detections
        site, index, rng, phi, el, s_r, s_phi, s_el = self._pregate
        idx = [index.get(id(d)) for d in detections]
        if any(i is None for i in idx):
            return detections
        mean = np.asarray(prediction.state_vector, dtype=float).ravel()
        cov = np.asarray(prediction.covar, dtype=float)
        sp = math.sqrt(max(float(cov[0, 0] + cov[2, 2] + cov[4, 4]), 0.0))
        d = site.rotation @ (mean[[0, 2, 4]] - site.offset)
        r_pred = math.sqrt(float(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]))
        if r_pred < 1.0:
            return detections
        phi_pred = math.atan2(d[1], d[0])
        el_pred = math.asin(max(-1.0, min(1.0, d[2] / r_pred)))
        k = 1.5 * self._gate
        ii = np.array(idx)
        far_r = np.abs(rng[ii] - r_pred) > k * (s_r[ii] + sp)
        dphi = np.abs((phi[ii] - phi_pred + math.pi) % (2 * math.pi) - math.pi)
        ground = r_pred * math.cos(el_pred)
        far_phi = dphi * ground > k * (s_phi[ii] * ground + sp)
        e = el[ii]
        with np.errstate(invalid="ignore"):
            far_el = np.abs(e - el_pred) * r_pred > k * (s_el[ii] * r_pred + sp)
        far_el &= ~np.isnan(e)
        far = far_r | far_phi | far_el
        return [det for det, f in zip(detections, far) if not f]

    def _process_scan(self, t_s: float, radar: str, group: list[RadarMeasurement]) -> None:
        c = self.config
        ts = _timestamp(t_s)
        dets = [self._detection(m, ts) for m in group]
        by_det = {id(d): m for d, m in zip(dets, group)}
        self._set_pregate(radar, dets, group)

        # 1. loss: more than max_coast_s since the last associated detection
        if self._confirmed:
            gone = self._deleter.delete_tracks({t.ss for t in self._confirmed}, timestamp=ts)
            if gone:
                for tr in self._confirmed:
                    if tr.ss in gone:
                        tr.lost_t_s = t_s
                        self._finished.append(tr)
                self._confirmed = [t for t in self._confirmed if t.ss not in gone]
        if self._tentative:
            gone = self._deleter.delete_tracks({t.ss for t in self._tentative}, timestamp=ts)
            if gone:
                self._n_dropped += sum(1 for t in self._tentative if t.ss in gone)
                self._tentative = [t for t in self._tentative if t.ss not in gone]

        # 2. confirmed tracks take their detections first
        used: set[int] = set()
        assoc = self._associate(self._confirmed, dets, ts)
        for tr in self._confirmed:
            hyp = assoc.get(tr.ss)
            if hyp:
                m = by_det[id(hyp.measurement)]
                self._update(tr, hyp, t_s, radar, m)
                used.add(id(hyp.measurement))
        remaining = [d for d in dets if id(d) not in used]

        # 3. tentative tracks: M-of-N bookkeeping
        assoc = self._associate(self._tentative, remaining, ts)
        keep: list[_Track] = []
        for tr in self._tentative:
            hyp = assoc.get(tr.ss)
            if hyp:
                m = by_det[id(hyp.measurement)]
                self._update(tr, hyp, t_s, radar, m)
                used.add(id(hyp.measurement))
                tr.hits.append(True)
            elif radar in tr.radars:
                tr.hits.append(False)
            if sum(tr.hits) >= c.m:
                self._confirm(tr, t_s)
            elif len(tr.hits) >= c.n:
                self._n_dropped += 1
            else:
                keep.append(tr)
        self._tentative = keep

        # 4. every detection left starts a tentative track
        for d in dets:
            if id(d) in used:
                continue
            m = by_det[id(d)]
            mean, cov = self._initial_state(m)
            state = GaussianStateUpdate(
                StateVector(mean.reshape(6, 1)),
                CovarianceMatrix(cov),
                hypothesis=SingleHypothesis(None, d),
                timestamp=ts,
            )
            tr = _Track(
                key=self._next_key,
                ss=Track([]),
                radars=set(),
                hits=[True],
                labels=Counter(),
                first_t_s=t_s,
                last_det_t_s=t_s,
            )
            self._next_key += 1
            self._record(tr, state, t_s, radar, m)
            if c.m <= 1:
                self._confirm(tr, t_s)
            else:
                self._tentative.append(tr)

    # ---------------------------------------------------------------- output

    def _records(self) -> list[TrackRecord]:
        tracks = sorted(self._finished + self._confirmed, key=lambda t: (t.confirmed_t_s, t.track_id))
        if not tracks:
            return []
        # convert every state of every track to geodetic in one go
        means = np.array([h[1] for t in tracks for h in t.history])
        covs = np.array([h[2] for t in tracks for h in t.history])
        pos = means[:, list(_POS)]
        vel = means[:, list(_VEL)]
        lat, lon, alt = self.frame.to_geodetic(pos[:, 0], pos[:, 1], pos[:, 2])
        lat, lon, alt = np.atleast_1d(lat), np.atleast_1d(lon), np.atleast_1d(alt)
        rot = self.frame.rotation_to_local(lat, lon)  # (k, 3, 3)
        if rot.ndim == 2:
            rot = rot[None]
        vloc = np.einsum("kij,kj->ki", rot, vel)
        pcov = covs[:, list(_POS)][:, :, list(_POS)]
        ploc = rot @ pcov @ np.transpose(rot, (0, 2, 1))
        horiz = ploc[:, :2, :2]
        tr_ = horiz[:, 0, 0] + horiz[:, 1, 1]
        det_ = horiz[:, 0, 0] * horiz[:, 1, 1] - horiz[:, 0, 1] ** 2
        lam_max = tr_ / 2 + np.sqrt(np.maximum(tr_ * tr_ / 4 - det_, 0.0))
        sig_h = np.sqrt(np.maximum(lam_max, 0.0))
        sig_a = np.sqrt(np.maximum(ploc[:, 2, 2], 0.0))

        out: list[TrackRecord] = []
        k = 0
        for t in tracks:
            states = []
            for t_s, _, _, confirmed, radar in t.history:
                states.append(
                    TrackState(
                        t_s=float(t_s),
                        lat_deg=float(lat[k]),
                        lon_deg=float(lon[k]),
                        alt_msl_m=float(alt[k]),
                        vel_east_mps=float(vloc[k, 0]),
                        vel_north_mps=float(vloc[k, 1]),
                        vel_up_mps=float(vloc[k, 2]),
                        sigma_horiz_m=float(sig_h[k]),
                        sigma_alt_m=float(sig_a[k]),
                        confirmed=bool(confirmed),
                        radar=radar,
                    )
                )
                k += 1
            counts = sorted(t.labels.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
            out.append(
                TrackRecord(
                    track_id=t.track_id,
                    side=self.side,
                    target=counts[0][0] if counts else None,
                    initiated_t_s=float(t.first_t_s),
                    confirmed_t_s=float(t.confirmed_t_s),
                    last_detection_t_s=float(t.last_det_t_s),
                    lost_t_s=None if t.lost_t_s is None else float(t.lost_t_s),
                    n_detections=len(t.history),
                    radars=tuple(sorted(t.radars)),
                    target_counts=tuple(counts),
                    states=tuple(states),
                )
            )
        return out


def track_all_sides(
    measurements: Sequence[RadarMeasurement],
    references: Mapping[str, tuple[float, float]],
    config: TrackerConfig | None = None,
    scans: Mapping[str, Iterable[tuple[float, str]]] | None = None,
) -> dict[str, TrackingResult]:
    """Run one :class:`SideTracker` per side.

    ``references`` maps each side to its frame's (ref_lat_deg, ref_lon_deg);
    ``scans`` optionally maps a side to its ``(t_s, radar)`` scan list.
    Returns {side: TrackingResult} in the order of ``references``.
    """
    by_side: dict[str, list[RadarMeasurement]] = {s: [] for s in references}
    for i, m in enumerate(measurements):
        if m.side not in by_side:
            raise ParameterError(
                f"side {m.side!r} has no reference point (known: {sorted(references)})",
                where=f"measurements[{i}]",
                field="side",
            )
        by_side[m.side].append(m)
    out = {}
    for side, (lat, lon) in references.items():
        tracker = SideTracker(side, lat, lon, config)
        out[side] = tracker.run(by_side[side], scans=None if scans is None else scans.get(side))
    return out


__all__ = [
    "RadarMeasurement",
    "TrackerConfig",
    "TrackState",
    "TrackRecord",
    "TrackEvent",
    "TrackingResult",
    "SideTracker",
    "RadarElevationBearingRange",
    "RadarBearingSlantRange",
    "PreGatedDistanceHypothesiser",
    "track_all_sides",
]
