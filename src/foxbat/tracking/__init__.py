"""Tracking: each side fuses all its radars' detections in a Stone Soup multi-target tracker.

>>> from foxbat.tracking import SideTracker, TrackerConfig, RadarMeasurement, track_spans
>>> result = SideTracker("Japan", 42.0, 140.0, TrackerConfig(m=3, n=4)).run(measurements)  # doctest: +SKIP
>>> result.events, track_spans(result)  # doctest: +SKIP

See :mod:`foxbat.tracking.adapter` for the filter, association, initiation and
deletion, :mod:`foxbat.tracking.events` for the events, and
:mod:`foxbat.tracking.frames` for the geodetic <-> local ENU conversions.
"""

from foxbat.tracking.adapter import (
    RadarBearingSlantRange,
    RadarElevationBearingRange,
    RadarMeasurement,
    SideTracker,
    TrackerConfig,
    TrackEvent,
    TrackingResult,
    TrackRecord,
    TrackState,
    track_all_sides,
)
from foxbat.tracking.events import extract_events, track_spans
from foxbat.tracking.frames import LocalFrame

__all__ = [
    "LocalFrame",
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
