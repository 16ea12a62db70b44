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
  the radar's local ENU frame (:mod:`foxbat.tracking.models`, placed by
  :mod:`foxbat.tracking.sites`);
* filter: ``ExtendedKalmanUpdater`` (or ``UnscentedKalmanUpdater``) with a
  ``KalmanPredictor``;
* gating and association: ``DistanceHypothesiser`` with the ``Mahalanobis``
  measure and a gate (preceded by a conservative cheap pre-gate,
  :mod:`foxbat.tracking.gating`, that only skips detections the gate would
  reject), ``GNNWith2DAssignment`` (global nearest neighbour);
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
altitude is ``prior_alt_msl_m`` ± ``prior_alt_sigma_m``: :mod:`foxbat.tracking.initiation`). Each later scan by a radar
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

Speed. Scans with neither a detection nor a track are skipped, and so are scans with no
detection and no tentative track until a confirmed track could have coasted past
``max_coast_s`` (``skip_coasting = False`` sends them all through); only tracks already
past ``max_coast_s`` are handed to the deleter; and a lone track's association and
filter step go through :mod:`foxbat.tracking.fastpath` (Stone Soup's arithmetic without
its per-call objects; ``fast=False`` for the plain Stone Soup path: identical output);
a track's latest state becomes a Stone Soup state only when Stone Soup's associator or
deleter is handed the track (:mod:`foxbat.tracking.tracks`), and a detection becomes a
Stone Soup ``Detection`` only when Stone Soup's associator, measure or deleter is handed
it (:class:`foxbat.tracking.sites.ScanDetection`).

Determinism. No random numbers are drawn; tracks and detections are always handed
to Stone Soup in a fixed order, and track ids are numbered in order of
confirmation (``"<side>-001"``...), not Stone Soup's random UUIDs. The same input
gives identical output.

Heights. A 2-D radar measures no elevation: its detections place a new track at the
prior altitude and constrain the altitude only weakly (through the slant range), so
a track no 3-D detection has joined reports no altitude (None), and every reported
altitude stays between the terrain and 30 km (:mod:`foxbat.tracking.records`).

The truth labels of measurements (``target``, ``false_alarm``) are never used for
tracking; they are only counted per track, for reporting.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from datetime import datetime, timedelta

from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.deleter.time import UpdateTimeDeleter
from stonesoup.measures import Mahalanobis
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.updater.kalman import ExtendedKalmanUpdater, UnscentedKalmanUpdater

from foxbat.errors import ParameterError
from foxbat.tracking.config import TrackerConfig
from foxbat.tracking.events import extract_events
from foxbat.tracking.fastpath import FastHypothesis, LatestStateTrack, SingleTrackEkf
from foxbat.tracking.frames import LocalFrame
from foxbat.tracking.gating import PreGatedDistanceHypothesiser, ScanPreGate
from foxbat.tracking.initiation import initial_state
from foxbat.tracking.measurement import RadarMeasurement, check_measurement
from foxbat.tracking.motion import constant_velocity_3d
from foxbat.tracking.records import track_records
from foxbat.tracking.results import TrackingResult
from foxbat.tracking.scans import scan_order
from foxbat.tracking.sites import RadarSite, ScanDetection, radar_site
from foxbat.tracking.state import timestamp
from foxbat.tracking.tracks import _Track, bound_vertical, record, stone_soup_track


@lru_cache(maxsize=8)
def _filter_parts(q_horizontal_m2_s3: float, q_vertical_m2_s3: float, filter_name: str) -> tuple:
    """The motion model, predictor, updater and measure: stateless but for their caches
    (F and Q per interval, inverses), so built once and shared by every run."""
    transition = constant_velocity_3d(q_horizontal_m2_s3, q_vertical_m2_s3)
    updater_cls = ExtendedKalmanUpdater if filter_name == "ekf" else UnscentedKalmanUpdater
    return transition, KalmanPredictor(transition), updater_cls(measurement_model=None), Mahalanobis()


class SideTracker:
    """Fuses all of one side's radar detections into tracks (see the module docstring).

    >>> tracker = SideTracker("Japan", 42.0, 140.0, TrackerConfig(m=3, n=4))
    >>> result = tracker.run(measurements)            # doctest: +SKIP

    ``run`` may be called several times; each call starts from no tracks.
    ``fast`` (default) takes a lone track's scans through :mod:`foxbat.tracking.fastpath`
    (the same arithmetic as Stone Soup's, without its per-call objects: identical
    results); ``fast=False`` sends every association through Stone Soup's hypothesiser,
    GNN associator and updater.
    """

    def __init__(self, side: str, ref_lat_deg: float, ref_lon_deg: float, config: TrackerConfig | None = None,
                 ground_msl_m: Callable | None = None, fast: bool = True):
        if not isinstance(side, str) or not side:
            raise ParameterError(f"must be a non-empty name, got {side!r}", field="side")
        self.side = side
        # skip the scans that can change nothing (run's horizon); False: every scan with a
        # track goes through _process_scan, the oracle of tests/test_tracking.py
        self.skip_coasting = True
        # a scan's lone detection taken by a lone confirmed track skips the rest of the scan's
        # bookkeeping (False: the general case, the oracle of tests/test_tracking.py)
        self.lone_shortcut = True
        self.ground_msl_m = ground_msl_m  # terrain (lat, lon) -> m MSL: no reported altitude below it
        self.frame = LocalFrame(ref_lat_deg, ref_lon_deg)
        self.config = (config or TrackerConfig()).validate()
        c = self.config
        # the altitude and vertical-velocity variances are capped at their priors' (tracks.bound_vertical)
        self._vertical_limits = ((4, c.prior_alt_sigma_m**2), (5, c.init_vertical_velocity_sigma_mps**2))
        self._gate = c.gate
        self._pregate = ScanPreGate(self._gate)
        self._transition, self._predictor, self._updater, measure = _filter_parts(
            c.q_horizontal_m2_s3, c.q_vertical_m2_s3, c.filter)
        self._hypothesiser = PreGatedDistanceHypothesiser(
            self._predictor,
            self._updater,
            measure=measure,
            missed_distance=self._gate,
            prefilter=self._pregate,
        )
        self._associator = GNNWith2DAssignment(self._hypothesiser)
        self._fast = None
        if fast and SingleTrackEkf.applies(self._predictor, self._updater):
            self._fast = SingleTrackEkf(self._predictor, self._updater, self._hypothesiser.measure, self._gate,
                                        prefilter=self._pregate)
        self._max_coast = timedelta(seconds=float(c.max_coast_s))
        self._deleter = UpdateTimeDeleter(time_since_update=self._max_coast)

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
            check_measurement(m, self.side, f"measurements[{i}]")
        order = scan_order(meas, scans)  # (t_s, radar) of every scan, sorted
        t_s, det_pos, n = order.t_s, order.det_pos, len(order.t_s)

        self._reset()
        for i, m in enumerate(meas):
            self._site(m)  # radar geometry, also for radars only in `scans` once seen
        # A scan with no detection and no tentative track can only delete a confirmed track that
        # has coasted past max_coast_s: none can before `horizon` (the oldest update plus
        # max_coast_s, less a millisecond for the microsecond-rounded timestamps the deleter
        # compares), so those scans (most) are skipped to the next with a detection or past it.
        process = self._process_scan
        coast_s = float(self.config.max_coast_s) - 1e-3 if self.skip_coasting else -math.inf
        horizon = math.inf if self.skip_coasting else -math.inf
        k = j = 0  # the scan, and the first of det_pos at or after it
        while k < n:
            if not self._tentative:
                k = min(det_pos[j] if j < len(det_pos) else n, bisect_left(t_s, horizon, k) if self._confirmed else n)
                if k >= n:
                    break
            process(t_s[k], order.radar(k), [meas[i] for i in order.dets.get(k, ())])
            horizon = min((t.last_det_t_s for t in self._confirmed), default=math.inf) + coast_s
            if j < len(det_pos) and det_pos[j] == k:
                j += 1
            k += 1
        records = track_records(self.side, self.frame, self._finished + self._confirmed, self.ground_msl_m)
        return TrackingResult(
            side=self.side,
            tracks=records,
            events=extract_events(records),
            end_t_s=t_s[-1] if n else None,
            n_scans=n,
            n_measurements=len(meas),
            n_tentative_dropped=self._n_dropped,
        )

    # ---------------------------------------------------------------- internals

    def _reset(self) -> None:
        self._sites: dict[str, RadarSite] = {}
        self._confirmed: list[_Track] = []
        self._tentative: list[_Track] = []
        self._finished: list[_Track] = []
        self._next_key = 0
        self._next_id = 1
        self._n_dropped = 0
        self._pregate.set_scan(None, [], [])
        self._scan_dets: dict = {}

    def _site(self, m: RadarMeasurement) -> RadarSite:
        site = self._sites.get(m.radar)
        if site is None:
            site = radar_site(self.frame, m)
            self._sites[m.radar] = site
        return site

    def _associate(self, tracks: list[_Track], dets: list[ScanDetection], ts: datetime) -> dict:
        """{Stone Soup track: hypothesis} of ``tracks`` against the scan's ``dets``; a
        hypothesis's ``measurement`` is one of ``dets`` or its Stone Soup detection."""
        if not tracks or not dets:
            return {}
        if self._fast is not None and len(tracks) == 1:  # GNN, one track: the nearest inside the gate
            tr = tracks[0]
            try:
                if len(dets) == 1:
                    hyp = self._fast.associate_one(tr.mean, tr.covar, tr.last_ts, dets[0])
                else:
                    hyp = self._fast.associate_state(tr.mean, tr.covar, tr.last_ts, dets, ts)
                return {tr.ss: hyp} if hyp is not None else {}
            except LookupError:  # an exact tie: Stone Soup's assignment decides
                pass
        # Stone Soup's associator is handed Stone Soup detections: the pre-gate and the scan
        # know each as its ScanDetection
        real = [d.detection() for d in dets]
        self._pregate.alias(real, dets)
        self._scan_dets.update((id(r), d) for r, d in zip(real, dets))
        return self._associator.associate([stone_soup_track(t) for t in tracks], real, ts)

    def _update(self, tr: _Track, hyp, t_s: float, ts: datetime, radar: str, det: ScanDetection) -> None:
        if isinstance(hyp, FastHypothesis):
            mean, covar = SingleTrackEkf.update_state(hyp)
            bound_vertical(covar, self._vertical_limits)
            record(tr, mean, covar, None, det, t_s, ts, radar)
        else:
            upd = self._updater.update(hyp)
            bound_vertical(upd.covar, self._vertical_limits)
            record(tr, upd.state_vector, upd.covar, upd, det, t_s, ts, radar)

    def _confirm(self, tr: _Track, t_s: float) -> None:
        tr.confirmed_t_s = t_s
        tr.track_id = f"{self.side}-{self._next_id:03d}"
        self._next_id += 1
        # the state that completed M-of-N is the first confirmed one
        t, mean, cov, _, radar, height_known = tr.history[-1]
        tr.history[-1] = (t, mean, cov, True, radar, height_known)
        self._confirmed.append(tr)

    def _process_scan(self, t_s: float, radar: str, group: list[RadarMeasurement]) -> None:
        if not group and not self._confirmed and not self._tentative:
            return  # no detection and no track: nothing can change
        c = self.config
        ts = timestamp(t_s)

        # 1. loss: more than max_coast_s since the last associated detection. A track
        # keeps one state, an update with a detection, so Stone Soup's UpdateTimeDeleter
        # deletes exactly the tracks whose state is older than ts - max_coast: only
        # those (rare) are handed to it, instead of every track at every scan.
        cut = ts - self._max_coast
        if self._confirmed:
            old = {stone_soup_track(t) for t in self._confirmed if t.last_ts < cut}
            gone = self._deleter.delete_tracks(old, timestamp=ts) if old else None
            if gone:
                for tr in self._confirmed:
                    if tr.ss in gone:
                        tr.lost_t_s = t_s
                        self._finished.append(tr)
                self._confirmed = [t for t in self._confirmed if t.ss not in gone]
        if self._tentative:
            old = {stone_soup_track(t) for t in self._tentative if t.last_ts < cut}
            gone = self._deleter.delete_tracks(old, timestamp=ts) if old else None
            if gone:
                self._n_dropped += sum(1 for t in self._tentative if t.ss in gone)
                self._tentative = [t for t in self._tentative if t.ss not in gone]

        if not group and not self._tentative:
            return  # confirmed tracks coasting: no detection to offer, no M-of-N to count
        dets = [ScanDetection(self._site(m), m, ts) for m in group]
        self._scan_dets = {id(d): d for d in dets}  # (and their Stone Soup detections, once made)
        self._pregate.set_scan(self._sites[radar] if dets else None, dets, group)

        # 2. confirmed tracks take their detections first
        assoc = self._associate(self._confirmed, dets, ts)
        if self.lone_shortcut and len(dets) == 1 and len(self._confirmed) == 1 and not self._tentative:
            hyp = assoc.get(self._confirmed[0].ss)
            if hyp:  # a lone track takes a lone detection (most scans): steps 3 and 4 have nothing to do
                return self._update(self._confirmed[0], hyp, t_s, ts, radar, self._scan_dets[id(hyp.measurement)])
        used: set[int] = set()  # ids of the dets taken
        for tr in self._confirmed:
            hyp = assoc.get(tr.ss)
            if hyp:
                d = self._scan_dets[id(hyp.measurement)]
                self._update(tr, hyp, t_s, ts, radar, d)
                used.add(id(d))
        remaining = [d for d in dets if id(d) not in used]

        # 3. tentative tracks: M-of-N bookkeeping
        assoc = self._associate(self._tentative, remaining, ts)
        keep: list[_Track] = []
        for tr in self._tentative:
            hyp = assoc.get(tr.ss)
            if hyp:
                d = self._scan_dets[id(hyp.measurement)]
                self._update(tr, hyp, t_s, ts, radar, d)
                used.add(id(d))
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
            m = d.measurement
            mean, cov = initial_state(m, d.site, c)
            tr = _Track(
                key=self._next_key,
                ss=LatestStateTrack(),
                radars=set(),
                hits=[True],
                labels=Counter(),
                first_t_s=t_s,
                last_det_t_s=t_s,
            )
            self._next_key += 1
            record(tr, mean.reshape(6, 1), cov, None, d, t_s, ts, radar)
            if c.m <= 1:
                self._confirm(tr, t_s)
            else:
                self._tentative.append(tr)


__all__ = ["SideTracker"]
