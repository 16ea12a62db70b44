"""Tracking: each side fuses all its radars' detections in a Stone Soup multi-target tracker.

>>> from foxbat.tracking import SideTracker, TrackerConfig, RadarMeasurement, track_spans
>>> result = SideTracker("Japan", 42.0, 140.0, TrackerConfig(m=3, n=4)).run(measurements)  # doctest: +SKIP
>>> result.events, track_spans(result)  # doctest: +SKIP

Modules, one job each (each imports only modules listed above it, so no cycle):

- :mod:`~foxbat.tracking.frames`: geodetic <-> local ENU conversions;
- :mod:`~foxbat.tracking.state`: the state vector's layout and the tracker's clock;
- :mod:`~foxbat.tracking.measurement`: the input, one :class:`RadarMeasurement`;
- :mod:`~foxbat.tracking.config`: :class:`TrackerConfig`;
- :mod:`~foxbat.tracking.results`: :class:`TrackState`, :class:`TrackRecord`,
  :class:`TrackEvent`, :class:`TrackingResult`;
- :mod:`~foxbat.tracking.models`: the radars' Stone Soup measurement models;
- :mod:`~foxbat.tracking.motion`: the nearly-constant-velocity motion model;
- :mod:`~foxbat.tracking.sites`: each radar's geometry, models and detections;
- :mod:`~foxbat.tracking.gating`: the pre-gate and the hypothesiser;
- :mod:`~foxbat.tracking.fastpath`: a lone track's association and EKF step, as Stone Soup
  computes them, without its per-call objects;
- :mod:`~foxbat.tracking.initiation`: a new track's state from one detection;
- :mod:`~foxbat.tracking.tracks`: a track's bookkeeping, its Stone Soup state built on demand;
- :mod:`~foxbat.tracking.records`: confirmed tracks as :class:`TrackRecord` objects;
- :mod:`~foxbat.tracking.events`: started / reacquired / lost events, held spans;
- :mod:`~foxbat.tracking.tracker`: :class:`SideTracker` (association, M-of-N, deletion);
- :mod:`~foxbat.tracking.sides`: :func:`track_all_sides`.
"""

from foxbat.tracking.config import TrackerConfig
from foxbat.tracking.events import extract_events, track_spans
from foxbat.tracking.frames import LocalFrame
from foxbat.tracking.gating import PreGatedDistanceHypothesiser
from foxbat.tracking.measurement import RadarMeasurement
from foxbat.tracking.models import RadarBearingSlantRange, RadarElevationBearingRange
from foxbat.tracking.results import TrackEvent, TrackingResult, TrackRecord, TrackState
from foxbat.tracking.sides import track_all_sides
from foxbat.tracking.tracker import SideTracker

__all__ = [
    "LocalFrame",
    "PreGatedDistanceHypothesiser",
    "RadarBearingSlantRange",
    "RadarElevationBearingRange",
    "RadarMeasurement",
    "SideTracker",
    "TrackEvent",
    "TrackRecord",
    "TrackState",
    "TrackerConfig",
    "TrackingResult",
    "extract_events",
    "track_all_sides",
    "track_spans",
]
