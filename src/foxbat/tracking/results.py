"""What a side's tracker produces: track states, confirmed tracks, events, the run's result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrackState:
    """A track's estimate just after one associated detection.

    Velocities and sigmas are in the local ENU frame at the track's position.
    ``sigma_horiz_m`` is the semi-major axis of the 1-sigma horizontal error
    ellipse, ``sigma_alt_m`` the 1-sigma altitude error. ``confirmed`` is False for
    the states before M-of-N confirmation; ``radar`` is the radar whose detection
    made this update. ``alt_msl_m``, ``vel_up_mps`` and ``sigma_alt_m`` are None
    (unknown) while no detection with a measured elevation has joined the track: 2-D
    search radars measure no height (:mod:`foxbat.tracking.records`).
    """

    t_s: float
    lat_deg: float
    lon_deg: float
    alt_msl_m: float | None
    vel_east_mps: float
    vel_north_mps: float
    vel_up_mps: float | None
    sigma_horiz_m: float
    sigma_alt_m: float | None
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
    ``alt_msl_m`` is None where the track's altitude is unknown (2-D radars only).
    """

    kind: str
    t_s: float
    side: str
    track_id: str
    target: str | None
    lat_deg: float
    lon_deg: float
    alt_msl_m: float | None
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


__all__ = ["TrackState", "TrackRecord", "TrackEvent", "TrackingResult"]
