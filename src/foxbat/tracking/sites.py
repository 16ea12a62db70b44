"""Each radar's geometry in a side's frame, and its measurement models and detections.

A :class:`RadarSite` holds the radar's position in the side's local ENU frame and the
rotation from that frame into the radar's own ENU frame; it caches one Stone Soup
measurement model per set of measurement sigmas, with that model's plain parts
(:class:`ModelParts`: the arrays its function and Jacobian read) for the fast path.

A scan's detections are :class:`ScanDetection` objects: the measurement, its model and
time, and its Stone Soup ``Detection`` built only when Stone Soup is handed it (the fast
path of a lone track reads the measurement's floats instead; :mod:`foxbat.tracking.fastpath`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from stonesoup.types.angle import Angle, Bearing, Elevation
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
    parts: dict = field(default_factory=dict)  # (sigmas) -> that model's ModelParts


def index_of(mapping) -> slice | np.ndarray:
    """The rows ``mapping`` (e.g. (0, 2, 4)) as a slice if they are evenly spaced upwards (a
    view where numpy's fancy index copies; the same elements), else as an index array."""
    m = [int(i) for i in mapping]
    if len(m) >= 2 and m[1] > m[0] and all(b - a == m[1] - m[0] for a, b in zip(m, m[1:])):
        return slice(m[0], m[-1] + 1, m[1] - m[0])
    return np.array(m, dtype=np.intp)


class ModelParts:
    """What the fast path reads of a radar measurement model, taken once per model: the
    arrays its ``_values`` and ``jacobian`` take from its Stone Soup properties (the same
    objects and values: ``np.asarray`` of the float arrays)."""

    __slots__ = ("model", "rotation", "offset", "mapping", "rows", "covar", "ndim_state", "values_of_offset",
                 "floats_of_offset", "jacobian_of_offset", "typed")

    def __init__(self, model):
        self.model = model
        self.rotation = model.frame_rotation  # side frame -> radar ENU (3, 3)
        self.offset = np.asarray(model.translation_offset, dtype=float)  # (3, 1), as _relative_position
        self.mapping = model.mapping
        self.rows = index_of(model.mapping)  # x[rows] is x[mapping, :], a slice when it can be
        self.covar = np.asarray(model.covar(), dtype=np.float64)  # R
        self.ndim_state = model.ndim_state
        self.values_of_offset = model.values_of_offset  # radar-frame offsets (3, N) -> h(x) (n, N)
        self.floats_of_offset = model.floats_of_offset  # one offset (3, 1) and its numbers -> h(x) floats
        self.jacobian_of_offset = model.jacobian_of_offset  # offset (3 numbers), rotation -> dh/dpos
        # h(x)'s typed elements (e.g. [Bearing(0), 0.0]): (mod_angle, value) of an angle, (None, value)
        # of a float, as fastpath.plain_innovation reads them; None if another type is among them
        typed = model._typed_vector().ravel().tolist()
        self.typed = None
        if all(isinstance(t, Angle) or type(t) is float for t in typed):
            self.typed = tuple((type(t).mod_angle, t._value) if isinstance(t, Angle) else (None, t) for t in typed)


def radar_site(frame: LocalFrame, m: RadarMeasurement) -> RadarSite:
    """The site of the radar that made ``m``, in ``frame``."""
    e, n, u = frame.to_enu(m.radar_lat_deg, m.radar_lon_deg, m.radar_alt_msl_m)
    rotation = enu_rotation(m.radar_lat_deg, m.radar_lon_deg) @ frame.rotation.T
    return RadarSite(np.array([float(e), float(n), float(u)]), rotation, float(m.radar_alt_msl_m))


def measurement_model(site: RadarSite, m: RadarMeasurement):
    """The (cached) measurement model of ``m``'s kind and sigmas at ``site``."""
    return model_parts(site, m).model


def model_parts(site: RadarSite, m: RadarMeasurement) -> ModelParts:
    """The (cached) measurement model of ``m``'s kind and sigmas at ``site``, with its parts."""
    three_d = m.elevation_deg is not None
    key = (three_d, m.sigma_range_m, m.sigma_azimuth_deg, m.sigma_elevation_deg if three_d else None)
    parts = site.parts.get(key)
    if parts is None:
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
        parts = site.parts[key] = ModelParts(model)
    return parts


def detection(site: RadarSite, m: RadarMeasurement, ts: datetime) -> Detection:
    """``m`` as a Stone Soup detection (bearing counter-clockwise from east) at ``ts``."""
    bearing = Bearing(math.pi / 2 - math.radians(m.azimuth_deg))
    if m.elevation_deg is not None:
        sv = StateVector([Elevation(math.radians(m.elevation_deg)), bearing, float(m.range_m)])
    else:
        sv = StateVector([bearing, float(m.range_m)])
    return Detection(sv, timestamp=ts, measurement_model=measurement_model(site, m))


class ScanDetection:
    """One detection of a scan: ``measurement`` (a RadarMeasurement) at ``timestamp`` with
    its ``measurement_model`` (and that model's ``parts``); :meth:`detection` builds its Stone
    Soup ``Detection`` (:func:`detection`), once, when Stone Soup is to be handed it, and
    ``state_vector`` is that detection's (what Stone Soup's measures read of a detection)."""

    __slots__ = ("measurement", "site", "timestamp", "parts", "measurement_model", "_detection")

    def __init__(self, site: RadarSite, m: RadarMeasurement, ts: datetime):
        self.measurement = m
        self.site = site
        self.timestamp = ts
        self.parts = model_parts(site, m)
        self.measurement_model = self.parts.model
        self._detection = None

    def detection(self) -> Detection:
        """The Stone Soup detection (built on the first call, then the same object)."""
        if self._detection is None:
            self._detection = detection(self.site, self.measurement, self.timestamp)
        return self._detection

    @property
    def state_vector(self) -> StateVector:
        return self.detection().state_vector

    def measured(self) -> tuple:
        """The values of :meth:`detection`'s state vector as floats, built as it builds them:
        (elevation,) bearing and range, an angle as its ``mod_angle`` of the same number."""
        m = self.measurement
        bearing = Bearing.mod_angle(math.pi / 2 - math.radians(m.azimuth_deg))
        if m.elevation_deg is not None:
            return (Elevation.mod_angle(math.radians(m.elevation_deg)), bearing, float(m.range_m))
        return (bearing, float(m.range_m))


__all__ = ["ModelParts", "RadarSite", "ScanDetection", "detection", "index_of", "measurement_model", "model_parts",
           "radar_site"]
