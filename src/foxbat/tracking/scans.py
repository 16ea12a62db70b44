"""The order in which a side tracker takes its scans.

A scan is one radar at one time, ``(t_s, radar)``: every measurement's, and every pair
of the ``scans`` list the sensing stage passes (most with no detection). They are taken
in the order of ``sorted`` on those pairs, each once, with the indices of its measurements.

:func:`scan_order` sorts with numpy (the flagship passes about 2,300 scans per side and
run, most only to be skipped); :func:`scan_order_dict` is the plain dict-and-``sorted``
version, which also serves the cases the numpy one leaves to it (scan times or names
that are not exactly ``float`` and ``str``, a time of -0.0, which a dict merges with
0.0 under whichever came first, and bad times, for its error), and the tests' oracle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from foxbat.errors import ParameterError


class ScanOrder:
    """Scans in processing order: ``t_s[k]`` and ``radar(k)`` of the k-th, ``det_pos`` the
    (ascending) positions of those with measurements and ``dets[k]`` their indices."""

    __slots__ = ("t_s", "_codes", "_names", "det_pos", "dets")

    def __init__(self, t_s: list, codes: list, names: list, det_pos: list, dets: dict):
        self.t_s = t_s
        self._codes = codes  # radar of scan k: names[codes[k]] (codes None: names[k])
        self._names = names
        self.det_pos = det_pos
        self.dets = dets

    def radar(self, k: int) -> str:
        return self._names[k if self._codes is None else self._codes[k]]

    def keys(self) -> list[tuple[float, str]]:
        """Every scan's ``(t_s, radar)``, in order."""
        return [(t, self.radar(k)) for k, t in enumerate(self.t_s)]


def _measurement_groups(meas: Sequence) -> dict:
    groups: dict[tuple[float, str], list[int]] = {}
    for i, m in enumerate(meas):
        groups.setdefault((float(m.t_s), m.radar), []).append(i)
    return groups


def scan_order_dict(meas: Sequence, scans: Iterable | None, groups: dict | None = None) -> ScanOrder:
    """:func:`scan_order` by a dict of ``(float(t_s), radar)`` keys and ``sorted``. Raises
    ParameterError for a scan time that is not finite."""
    groups = _measurement_groups(meas) if groups is None else groups
    if scans is not None:
        for t_s, radar in scans:
            if not math.isfinite(t_s):
                raise ParameterError(f"scan time must be finite, got {t_s!r}", field="scans")
            groups.setdefault((float(t_s), str(radar)), [])
    keys = sorted(groups)
    det_pos = [k for k, key in enumerate(keys) if groups[key]]
    return ScanOrder([k[0] for k in keys], None, [k[1] for k in keys], det_pos,
                     {k: groups[keys[k]] for k in det_pos})


def scan_order(meas: Sequence, scans: Iterable | None) -> ScanOrder:
    """The scans of ``meas`` (RadarMeasurements, already checked) and ``scans`` (``(t_s,
    radar)`` pairs, or None) in processing order, as :func:`scan_order_dict` gives them.
    Raises ParameterError for a scan time that is not finite."""
    groups = _measurement_groups(meas)
    scans = None if scans is None else list(scans)
    if not scans:
        return scan_order_dict(meas, scans, groups)
    try:
        times, radars = zip(*scans)
    except (TypeError, ValueError):
        return scan_order_dict(meas, scans, groups)
    keys = list(groups)
    if (set(map(type, times)) != {float} or set(map(type, radars)) != {str}
            or any(type(k[1]) is not str for k in keys)):
        return scan_order_dict(meas, scans, groups)
    t = np.array(list(times) + [k[0] for k in keys], dtype=np.float64)
    zero = t == 0.0
    if not np.isfinite(t).all() or np.signbit(t[zero]).any():
        return scan_order_dict(meas, scans, groups)  # its error, or its -0.0
    names = sorted(set(radars).union(k[1] for k in keys))
    code = {name: i for i, name in enumerate(names)}
    c = np.array([code[r] for r in radars] + [code[k[1]] for k in keys], dtype=np.intp)
    has = np.zeros(t.size, dtype=np.int8)
    has[len(radars):] = 1  # the measurements' own scans
    order = np.lexsort((c, t))  # by time, then radar name: sorted() on the pairs
    t, c, has = t[order], c[order], has[order]
    first = np.ones(t.size, dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (c[1:] != c[:-1])
    starts = np.flatnonzero(first)
    has = np.maximum.reduceat(has, starts)
    t_s, codes = t[starts].tolist(), c[starts].tolist()
    det_pos = np.flatnonzero(has).tolist()
    return ScanOrder(t_s, codes, names, det_pos, {k: groups[(t_s[k], names[codes[k]])] for k in det_pos})


__all__ = ["ScanOrder", "scan_order", "scan_order_dict"]
