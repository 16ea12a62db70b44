"""Every side's tracker over one run's measurements."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from foxbat.errors import ParameterError
from foxbat.tracking.config import TrackerConfig
from foxbat.tracking.measurement import RadarMeasurement
from foxbat.tracking.results import TrackingResult
from foxbat.tracking.tracker import SideTracker


def track_all_sides(
    measurements: Sequence[RadarMeasurement],
    references: Mapping[str, tuple[float, float]],
    config: TrackerConfig | None = None,
    scans: Mapping[str, Iterable[tuple[float, str]]] | None = None,
    ground_msl_m: Callable | None = None,
) -> dict[str, TrackingResult]:
    """Run one :class:`SideTracker` per side.

    ``references`` maps each side to its frame's (ref_lat_deg, ref_lon_deg);
    ``scans`` optionally maps a side to its ``(t_s, radar)`` scan list;
    ``ground_msl_m`` is the terrain no reported altitude goes below.
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
        tracker = SideTracker(side, lat, lon, config, ground_msl_m)
        out[side] = tracker.run(by_side[side], scans=None if scans is None else scans.get(side))
    return out


__all__ = ["track_all_sides"]
