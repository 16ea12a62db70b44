"""The layout of a track's state vector and the tracker's clock.

State: position and velocity ``[e, ve, n, vn, u, vu]`` in metres and m/s in a local
East-North-Up frame about the side's reference point. Stone Soup wants datetimes;
``t_s`` (seconds of the run) counts from an arbitrary epoch.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: Stone Soup wants datetimes; t_s counts from this arbitrary instant.
EPOCH = datetime(2000, 1, 1)
#: Position and velocity indices in the state vector [e, ve, n, vn, u, vu].
POS = (0, 2, 4)
VEL = (1, 3, 5)


def timestamp(t_s: float) -> datetime:
    """The Stone Soup timestamp of run time ``t_s`` (seconds)."""
    return EPOCH + timedelta(seconds=float(t_s))


__all__ = ["EPOCH", "POS", "VEL", "timestamp"]
