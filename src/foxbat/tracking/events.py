"""Events and held periods derived from a side's confirmed tracks.

Event kinds, one side at a time:

``track_started``
    A track is confirmed (M-of-N reached), at the confirmation time and position.
``track_reacquired``
    Replaces ``track_started`` for a new track whose target (majority truth label
    of its detections) this side had tracked before and lost: some earlier track
    of the side with the same label was lost at or before the new track's
    confirmation, and no other track on that label is held at that moment. A
    second, simultaneous track on a target still held (a duplicate) is
    ``track_started``. Tracks made mostly of false alarms (label None) are never
    reacquisitions. The labels are truth, used only for reporting: the tracker
    itself does not know that the new track is the old target.
``track_lost``
    A track is deleted after more than ``max_coast_s`` without a detection; the
    event time is the scan at which that was found, its position the last
    updated estimate, and ``since_last_detection_s`` the time since that
    track's last detection. A track still held at the end of the run has no
    ``track_lost`` event.

Each track produces exactly one started-or-reacquired event and at most one lost
event. Events are sorted by time; at equal times losses come first, then by
track id.
"""

from __future__ import annotations

from collections.abc import Sequence

from foxbat.tracking.results import TrackEvent, TrackingResult, TrackRecord

_KIND_ORDER = {"track_lost": 0, "track_started": 1, "track_reacquired": 1}


def _held_at(track: TrackRecord, t_s: float) -> bool:
    return track.confirmed_t_s <= t_s and (track.lost_t_s is None or track.lost_t_s > t_s)


def extract_events(tracks: Sequence[TrackRecord]) -> list[TrackEvent]:
    """The started / reacquired / lost events of one side's tracks (see the module doc)."""
    ordered = sorted(tracks, key=lambda t: (t.confirmed_t_s, t.track_id))
    events: list[TrackEvent] = []
    for i, t in enumerate(ordered):
        first = next((s for s in t.states if s.confirmed), t.states[-1])
        kind = "track_started"
        if t.target is not None:
            earlier = [u for u in ordered[:i] if u.target == t.target and u.side == t.side]
            lost_before = any(u.lost_t_s is not None and u.lost_t_s <= t.confirmed_t_s for u in earlier)
            still_held = any(_held_at(u, t.confirmed_t_s) for u in earlier)
            if lost_before and not still_held:
                kind = "track_reacquired"
        events.append(
            TrackEvent(
                kind=kind,
                t_s=t.confirmed_t_s,
                side=t.side,
                track_id=t.track_id,
                target=t.target,
                lat_deg=first.lat_deg,
                lon_deg=first.lon_deg,
                alt_msl_m=first.alt_msl_m,
            )
        )
        if t.lost_t_s is not None:
            last = t.states[-1]
            events.append(
                TrackEvent(
                    kind="track_lost",
                    t_s=t.lost_t_s,
                    side=t.side,
                    track_id=t.track_id,
                    target=t.target,
                    lat_deg=last.lat_deg,
                    lon_deg=last.lon_deg,
                    alt_msl_m=last.alt_msl_m,
                    since_last_detection_s=t.lost_t_s - t.last_detection_t_s,
                )
            )
    events.sort(key=lambda e: (e.t_s, _KIND_ORDER[e.kind], e.track_id))
    return events


def track_spans(result: TrackingResult) -> list[tuple[str, str | None, float, float]]:
    """Held periods ``(side, target, start_t_s, end_t_s)``, one per confirmed track.

    Start is the confirmation time; end is the time the track was declared lost,
    or the run's last scan (``result.end_t_s``) for a track still held then.
    ``target`` is the track's majority truth label (None for a false track).
    Sorted by start time, then target.
    """
    spans = []
    for t in result.tracks:
        end = t.lost_t_s if t.lost_t_s is not None else result.end_t_s
        spans.append((t.side, t.target, t.confirmed_t_s, end))
    spans.sort(key=lambda s: (s[2], s[1] is None, s[1] or "", s[3]))
    return spans


__all__ = ["extract_events", "track_spans"]
