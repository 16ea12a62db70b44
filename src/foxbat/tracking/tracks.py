"""A side tracker's bookkeeping of one track, and its latest state as Stone Soup wants it.

The fast path (:mod:`foxbat.tracking.fastpath`) filters a lone track on plain arrays;
a Stone Soup state is built from them only when Stone Soup's associator or deleter is
handed the track (:func:`stone_soup_track`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.track import Track
from stonesoup.types.update import GaussianStateUpdate

from foxbat.tracking.sites import ScanDetection


@dataclass
class _Track:
    key: int
    ss: Track  # the Stone Soup track (a LatestStateTrack: only its latest state, see `stale`)
    radars: set
    hits: list
    labels: Counter
    first_t_s: float
    last_det_t_s: float
    confirmed_t_s: float | None = None
    track_id: str | None = None
    lost_t_s: float | None = None
    height_seen: bool = False  # a detection with a measured elevation (3-D radar, height finder) joined it
    history: list = field(default_factory=list)  # (t_s, mean(6,), covar(6,6), confirmed, radar, height_known)
    last_ts: datetime | None = None  # timestamp of the latest state (always an update with a detection)
    # the latest state as plain arrays: mean (6, 1), covariance (6, 6), and the detection of its
    # update (a ScanDetection); `stale` when `ss` does not hold it yet
    mean: np.ndarray | None = None
    covar: np.ndarray | None = None
    last_det: ScanDetection | Detection | None = None
    stale: bool = False


def bound_vertical(covar: np.ndarray, limits: tuple) -> None:
    """Cap the variances ``covar[i, i]`` at ``limit`` for each ``(i, limit)`` of ``limits`` (the
    altitude's and vertical velocity's: congruence scaling keeps the matrix positive
    semi-definite)."""
    for i, limit in limits:
        if covar[i, i] > limit:
            s = math.sqrt(limit / covar[i, i])
            covar[i, :] *= s
            covar[:, i] *= s


def record(tr: _Track, mean: np.ndarray, covar: np.ndarray, state, det: ScanDetection, t_s: float,
           ts: datetime, radar: str) -> None:
    """The new latest state of ``tr`` (``state``: as a Stone Soup state, or None to build
    one from ``mean``, ``covar`` and ``det`` only if Stone Soup asks for it), at ``t_s``
    (``ts`` as a Stone Soup timestamp) from ``radar``'s detection ``det``."""
    m = det.measurement
    if state is not None:
        tr.ss.append(state)  # a LatestStateTrack: the filter needs only the latest state
    tr.stale = state is None
    tr.mean = mean
    tr.covar = covar
    tr.last_det = det
    tr.last_ts = ts
    tr.last_det_t_s = t_s
    tr.radars.add(radar)
    tr.labels[None if m.false_alarm else m.target] += 1
    tr.height_seen = tr.height_seen or m.elevation_deg is not None
    tr.history.append(
        (
            t_s,
            np.asarray(mean, dtype=float).ravel().copy(),
            np.asarray(covar, dtype=float).copy(),
            tr.confirmed_t_s is not None,
            radar,
            tr.height_seen,
        )
    )


def stone_soup_track(tr: _Track) -> Track:
    """``tr``'s Stone Soup track holding its latest state: the update that the fast path's
    :meth:`~foxbat.tracking.fastpath.SingleTrackEkf.update` would have built (the same
    arrays, its hypothesis holding the detection)."""
    if tr.stale:
        det = tr.last_det
        tr.ss.append(GaussianStateUpdate(
            StateVector(tr.mean),
            CovarianceMatrix(tr.covar),
            hypothesis=SingleHypothesis(None, det.detection() if isinstance(det, ScanDetection) else det),
            timestamp=tr.last_ts,
        ))
        tr.stale = False
    return tr.ss


__all__ = ["bound_vertical", "record", "stone_soup_track"]
