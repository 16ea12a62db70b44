"""A radar site as the coverage engine sees it: a position, an antenna, limits."""

from __future__ import annotations

import math
from dataclasses import dataclass

from foxbat.errors import ParameterError

DEFAULT_MAX_RANGE_M = 400_000.0


@dataclass(frozen=True)
class RadarSite:
    """One radar antenna.

    Give the antenna height either above ground (``antenna_agl_m``, added to the DEM
    at the site) or as an absolute altitude (``antenna_msl_m``, which wins when both
    are given: a site on a summit that a coarse DEM flattens keeps its real height).
    ``max_range_m`` is the instrumented range; ``min_elev_deg`` the lowest beam
    elevation (raises the lowest visible height); ``max_elev_deg`` the highest (above
    it lies the cone of silence).
    """

    lat_deg: float
    lon_deg: float
    antenna_agl_m: float | None = None
    antenna_msl_m: float | None = None
    max_range_m: float = DEFAULT_MAX_RANGE_M
    min_elev_deg: float | None = None
    max_elev_deg: float | None = None
    name: str = "radar"

    def __post_init__(self) -> None:
        where = f"site {self.name}"
        for fld in ("lat_deg", "lon_deg", "max_range_m"):
            v = getattr(self, fld)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ParameterError(f"must be a finite number, got {v!r}", where=where, field=fld)
        if not -90 <= self.lat_deg <= 90:
            raise ParameterError(f"latitude must be within -90..90 degrees, got {self.lat_deg}",
                                 where=where, field="lat")
        if not -180 <= self.lon_deg <= 360:
            raise ParameterError(f"longitude must be within -180..360 degrees, got {self.lon_deg}",
                                 where=where, field="lon")
        if self.max_range_m <= 0:
            raise ParameterError(f"maximum range must be > 0 m, got {self.max_range_m:g} m",
                                 where=where, field="max_range")
        if self.antenna_agl_m is None and self.antenna_msl_m is None:
            raise ParameterError("give the antenna height: antenna_agl_m (above ground) or antenna_msl_m",
                                 where=where, field="antenna")
        if self.antenna_agl_m is not None and not (math.isfinite(self.antenna_agl_m) and self.antenna_agl_m >= 0):
            raise ParameterError(f"antenna height above ground must be >= 0 m, got {self.antenna_agl_m}",
                                 where=where, field="antenna_agl_m")
        if self.antenna_msl_m is not None and not math.isfinite(self.antenna_msl_m):
            raise ParameterError(f"antenna altitude must be finite, got {self.antenna_msl_m}",
                                 where=where, field="antenna_msl_m")
        for fld in ("min_elev_deg", "max_elev_deg"):
            v = getattr(self, fld)
            if v is not None and not (math.isfinite(v) and -90 < v < 90):
                raise ParameterError(f"elevation angle must be within (-90, 90) degrees, got {v}",
                                     where=where, field=fld)
        if (self.min_elev_deg is not None and self.max_elev_deg is not None
                and self.max_elev_deg <= self.min_elev_deg):
            raise ParameterError(
                f"max_elev_deg ({self.max_elev_deg}) must exceed min_elev_deg ({self.min_elev_deg})",
                where=where, field="max_elev_deg")
