"""Each radar's geometry in a side's frame, and its measurement models and detections.

A :class:`RadarSite` holds the radar's position in the side's local ENU frame and the
rotation from that frame into the radar's own ENU frame; it caches one Stone Soup
measurement model per set of measurement sigmas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection

from foxbat.tracking.frames import LocalFrame, enu_rotation
from foxbat.tracking.measurement import RadarMeasurement
from foxbat.tracking.models import RadarBearingSlantRange, RadarElevationBearingRange
from foxbat.tracking.state import POS


@dataclass
class RadarSite:
    offset: np.ndarray  # radar position in the side frame (3,)
    rotation: np.ndarray  # side frame -> radar ENU (3, 3)
    alt_msl_m: float
    models: dict = field(default_factory=dict)  # (sigmas) -> measurement model


def radar_site(frame: LocalFrame, m: RadarMeasurement) -> RadarSite:
    """The site of the radar that made ``m``, in ``frame``."""
    e, n, u = frame.to_enu(m.radar_lat_deg, m.radar_lon_deg, m.radar_alt_msl_m)
    rotation = enu_rotation(m.radar_lat_deg, m.radar_lon_deg) @ frame.rotation.T
    return RadarSite(np.array([float(e), float(n), float(u)]), rotation, float(m.radar_alt_msl_m))


def measurement_model(site: RadarSite, m: RadarMeasurement):
    """The (cached) measurement model of ``m``'s kind and sigmas at ``site``."""
    three_d = m.elevation_deg is not None
    key = (three_d, m.sigma_range_m, m.sigma_azimuth_deg, m.sigma_elevation_deg if three_d else None)
    model = site.models.get(key)
    if model is None:
        offset = StateVector(site.offset.reshape(3, 1))
        if three_d:
            covar = np.diag(
                [
                    math.radians(m.sigma_elevation_deg) ** 2,
                    math.radians(m.sigma_azimuth_deg) ** 2,
                    m.sigma_range_m**2,
                ]
            )
            model = RadarElevationBearingRange(
                ndim_state=6,
                mapping=POS,
                noise_covar=CovarianceMatrix(covar),
                translation_offset=offset,
                frame_rotation=site.rotation,
            )
        else:
            covar = np.diag([math.radians(m.sigma_azimuth_deg) ** 2, m.sigma_range_m**2])
            model = RadarBearingSlantRange(
                ndim_state=6,
                mapping=POS,
                noise_covar=CovarianceMatrix(covar),
                translation_offset=offset,
                frame_rotation=site.rotation,
            )
        site.models[key] = model
    return model


def detection(site: RadarSite, m: RadarMeasurement, ts: datetime) -> Detection:
    """``m`` as a Stone Soup detection (bearing counter-clockwise from east) at ``ts``."""
    bearing = Bearing(math.pi / 2 - math.radians(m.azimuth_deg))
    if m.elevation_deg is not None:
        sv = StateVector([Elevation(math.radians(m.elevation_deg)), bearing, float(m.range_m)])
    else:
        sv = StateVector([bearing, float(m.range_m)])
    return Detection(sv, timestamp=ts, measurement_model=measurement_model(site, m))


__all__ = ["RadarSite", "radar_site", "measurement_model", "detection"]
