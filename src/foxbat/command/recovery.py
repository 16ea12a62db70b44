"""An interceptor's way home: the runway it lands on, the final approach, and the
guidance that flies it there (return to the final approach fix, then down the glide
path on the extended centreline to touchdown).

Figures (all notional where not a convention, each with its reason):

- glide path 3°: the standard ILS / visual approach slope (ICAO Annex 10, Vol. I,
  3.1.5.1.2.2 recommends 3°);
- final approach fix 15 km out (about 8 NM): notional, a straight-in final long enough
  for a jet to settle on the centreline and the speed;
- aiming point 300 m beyond the threshold: notional, the aiming-point marking of a long
  runway (ICAO Annex 14, 5.2.5) is 300-400 m in;
- a landing counts at the runway when the wheels are down within 30 m of the field's
  elevation, within 30 m of the centreline and below the type's approach speed
  (the issue's criterion); otherwise the aircraft goes around.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from foxbat.sensing.airborne import LocalFrame

GLIDE_SLOPE_RAD = math.radians(3.0)
FAF_DISTANCE_M = 15_000.0
AIM_BEYOND_THRESHOLD_M = 300.0
LANDED_WITHIN_ALT_M = 30.0
LANDED_WITHIN_CROSS_M = 30.0
FINAL_CAPTURE_M = 3_000.0  # within this of the fix the aircraft turns onto final
LOOKAHEAD_M = 3_000.0  # the centreline point it steers to on final, ahead of itself
FLARE_M = 600.0  # the last stretch where it slows from approach to touchdown speed


@dataclass(frozen=True)
class Approach:
    """A straight-in approach to one runway direction, in a local frame at touchdown."""

    frame: LocalFrame
    heading_deg: float  # landing direction, true
    elevation_m: float  # field elevation, MSL
    threshold_lat: float
    threshold_lon: float

    def _unit(self):
        h = math.radians(self.heading_deg)
        return math.sin(h), math.cos(h)

    def along_cross(self, lat: float, lon: float) -> tuple[float, float]:
        """Distance to touchdown along the landing direction (positive before it) and
        the offset from the centreline (positive right of it), m."""
        e, n = self.frame.to_en(lat, lon)
        ue, un = self._unit()
        return -(e * ue + n * un), e * un - n * ue

    def point(self, along_m: float, cross_m: float = 0.0) -> tuple[float, float]:
        """The point ``along_m`` before touchdown and ``cross_m`` right of the centreline."""
        ue, un = self._unit()
        return self.frame.to_latlon(-along_m * ue + cross_m * un, -along_m * un - cross_m * ue)

    @property
    def faf(self) -> tuple[float, float]:
        return self.point(FAF_DISTANCE_M)

    def glide_alt_msl_m(self, along_m: float) -> float:
        return self.elevation_m + max(along_m, 0.0) * math.tan(GLIDE_SLOPE_RAD)


def touchdown(along_m: float, cross_m: float, height_above_field_m: float, tas_mps: float,
              approach_tas_mps: float, step_m: float) -> str | None:
    """What happens at the runway this step: ``"land"`` (the aiming point is reached on
    the centreline, low and slow enough), ``"go_around"`` (reached, but not so), or None
    (not there yet)."""
    if along_m > step_m:
        return None
    ok = (abs(cross_m) <= LANDED_WITHIN_CROSS_M and height_above_field_m <= LANDED_WITHIN_ALT_M
          and tas_mps < approach_tas_mps)
    return "land" if ok else "go_around"


def plan_approach(base_lat: float, base_lon: float, elevation_m: float, runway_heading_deg: float | None,
                  runway_length_m: float | None, from_lat: float, from_lon: float) -> Approach:
    """The approach to the base's runway from where the aircraft turns home: of the two
    runway directions, the one whose final approach fix is nearer (no wind in the model).
    A base without a runway gets one through its point, aligned with the way home."""
    centre = LocalFrame(base_lat, base_lon)
    fe, fn = centre.to_en(from_lat, from_lon)
    if runway_heading_deg is None:
        heading = math.degrees(math.atan2(-fe, -fn)) % 360.0
        half = 0.0
    else:
        half = (runway_length_m or 0.0) / 2.0
        best = None
        for h in (runway_heading_deg % 360.0, (runway_heading_deg + 180.0) % 360.0):
            ue, un = math.sin(math.radians(h)), math.cos(math.radians(h))
            d = FAF_DISTANCE_M + half
            dist = math.hypot(fe + d * ue, fn + d * un)
            if best is None or dist < best[0]:
                best = (dist, h)
        heading = best[1]
    ue, un = math.sin(math.radians(heading)), math.cos(math.radians(heading))
    thr = centre.to_latlon(-half * ue, -half * un)
    td = centre.to_latlon((-half + AIM_BEYOND_THRESHOLD_M * (half > 0)) * ue,
                          (-half + AIM_BEYOND_THRESHOLD_M * (half > 0)) * un)
    return Approach(LocalFrame(td[0], td[1]), heading, elevation_m, thr[0], thr[1])


__all__ = ["Approach", "plan_approach", "touchdown", "GLIDE_SLOPE_RAD", "FAF_DISTANCE_M", "LANDED_WITHIN_ALT_M",
           "LANDED_WITHIN_CROSS_M"]
