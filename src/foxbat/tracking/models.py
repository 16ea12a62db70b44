"""Stone Soup measurement models of a ground radar, placed exactly in a side's frame.

3-D radars use :class:`RadarElevationBearingRange` (Stone Soup's
``CartesianToElevationBearingRange`` with an exact frame rotation); 2-D search radars
(no elevation) use :class:`RadarBearingSlantRange`, bearing and *slant* range: a 2-D
radar measures slant range, and treating it as ground range would bias a high
target's position by h²/2r, 500 m for a target at 10 km altitude and 100 km range.
Both have analytic Jacobians.
"""

from __future__ import annotations

import math

import numpy as np
from stonesoup.base import Property
from stonesoup.models.measurement.nonlinear import (
    CartesianToBearingRange,
    CartesianToElevationBearingRange,
)
from stonesoup.types.array import StateVector, StateVectors


def _elevation_bearing_range_jacobian(d: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """d(elevation, bearing, range)/d(position) for d = rot @ (p - offset)."""
    x, y, z = d
    rho2 = x * x + y * y + z * z
    rho = math.sqrt(rho2)
    rxy2 = x * x + y * y
    rxy = math.sqrt(rxy2)
    j = np.array(
        [
            [-x * z / (rho2 * rxy), -y * z / (rho2 * rxy), rxy / rho2],
            [-y / rxy2, x / rxy2, 0.0],
            [x / rho, y / rho, z / rho],
        ]
    )
    return j @ rot


class RadarElevationBearingRange(CartesianToElevationBearingRange):
    """Stone Soup's ``CartesianToElevationBearingRange`` with an exact rotation.

    ``frame_rotation`` (3x3) takes vectors of the tracking frame into the radar's
    local ENU frame (x east, y north, z up), replacing the Euler-angle
    ``rotation_offset``; bearing is then Stone Soup's, counter-clockwise from east
    (bearing = 90° - azimuth). The Jacobian is analytic.
    """

    frame_rotation: np.ndarray = Property(default=None, doc="3x3 rotation, tracking frame -> radar ENU")

    @property
    def rotation_matrix(self) -> np.ndarray:
        return self.frame_rotation

    def jacobian(self, state, **kwargs):
        d = self.frame_rotation @ np.asarray(
            state.state_vector[self.mapping, :] - self.translation_offset, dtype=float
        ).ravel()
        jac = np.zeros((3, self.ndim_state))
        jac[:, self.mapping] = _elevation_bearing_range_jacobian(d, self.frame_rotation)
        return jac


class RadarBearingSlantRange(CartesianToBearingRange):
    """Bearing and *slant* range of a 2-D search radar, in 3-D.

    Like Stone Soup's ``CartesianToBearingRange`` (measurement ``[bearing, range]``,
    bearing counter-clockwise from east in the radar's ENU frame) but with a 3-D
    ``mapping`` and ``translation_offset`` and the range measured in 3-D, as a
    radar does. The altitude is not observed (only weakly, through the range).
    ``inverse_function`` places the target in the radar's horizontal plane.
    """

    frame_rotation: np.ndarray = Property(default=None, doc="3x3 rotation, tracking frame -> radar ENU")

    @property
    def rotation_matrix(self) -> np.ndarray:
        return self.frame_rotation

    def _function(self, state, noise=False, **kwargs):
        if isinstance(noise, bool) or noise is None:
            noise = self.rvs(num_samples=state.state_vector.shape[1], **kwargs) if noise else 0
        d = self.frame_rotation @ np.asarray(state.state_vector[self.mapping, :] - self.translation_offset, dtype=float)
        phi = np.arctan2(d[1, :], d[0, :])
        rho = np.sqrt(d[0, :] ** 2 + d[1, :] ** 2 + d[2, :] ** 2)
        return StateVectors([phi, rho]) + noise

    def inverse_function(self, detection, **kwargs):
        phi, rho = (float(v) for v in np.asarray(detection.state_vector, dtype=float).ravel())
        d = np.array([rho * math.cos(phi), rho * math.sin(phi), 0.0])
        res = np.zeros((self.ndim_state, 1)).view(StateVector)
        res[self.mapping, 0] = self.frame_rotation.T @ d + np.asarray(self.translation_offset, float).ravel()
        return res

    def jacobian(self, state, **kwargs):
        d = self.frame_rotation @ np.asarray(
            state.state_vector[self.mapping, :] - self.translation_offset, dtype=float
        ).ravel()
        x, y, z = d
        rxy2 = x * x + y * y
        rho = math.sqrt(rxy2 + z * z)
        j = np.array([[-y / rxy2, x / rxy2, 0.0], [x / rho, y / rho, z / rho]]) @ self.frame_rotation
        jac = np.zeros((2, self.ndim_state))
        jac[:, self.mapping] = j
        return jac


__all__ = ["RadarElevationBearingRange", "RadarBearingSlantRange"]
