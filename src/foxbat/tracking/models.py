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


def _relative_position(model, state) -> np.ndarray:
    """``state.state_vector[mapping, :] - translation_offset`` (3, N) as plain float arrays:
    the same values as through Stone Soup's array types, without their per-call cost."""
    sv = np.asarray(state.state_vector, dtype=float)
    return sv[model.mapping, :] - np.asarray(model.translation_offset, dtype=float)


def _typed(model, values: np.ndarray, noise) -> StateVector:
    """Stone Soup's ``function``: its typed vector (angles wrap) plus ``values`` + ``noise``,
    element by element as numpy adds an object array to a float one."""
    return np.add(model._typed_vector(), values + noise).view(StateVector)


def _elevation_bearing_range_jacobian(d, rot: np.ndarray) -> np.ndarray:
    """d(elevation, bearing, range)/d(position) for d = rot @ (p - offset) (three numbers)."""
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


def _bearing_slant_range_jacobian(d, rot: np.ndarray) -> np.ndarray:
    """d(bearing, slant range)/d(position) for d = rot @ (p - offset) (three numbers)."""
    x, y, z = d
    rxy2 = x * x + y * y
    rho = math.sqrt(rxy2 + z * z)
    return np.array([[-y / rxy2, x / rxy2, 0.0], [x / rho, y / rho, z / rho]]) @ rot


def _elevation_bearing_range_values(xyz_rot: np.ndarray) -> np.ndarray:
    """[elevation, bearing, range] (3, N) of the radar-frame offsets ``xyz_rot`` (3, N):
    Stone Soup's CartesianToElevationBearingRange._function without noise (and its
    cart2sphere), the same operations on plain arrays."""
    x, y, z = xyz_rot[0, :], xyz_rot[1, :], xyz_rot[2, :]
    rho = np.sqrt(x**2 + y**2 + z**2)
    phi = np.arctan2(y, x)
    theta = np.arcsin(z / rho)
    return np.array([theta, phi, rho])


def _bearing_slant_range_values(d: np.ndarray) -> np.ndarray:
    """[bearing, slant range] (2, N) of the radar-frame offsets ``d`` (3, N)."""
    phi = np.arctan2(d[1, :], d[0, :])
    rho = np.sqrt(d[0, :] ** 2 + d[1, :] ** 2 + d[2, :] ** 2)
    return np.array([phi, rho])


def _elevation_bearing_range_floats(d: np.ndarray, d3) -> list[float]:
    """``(_elevation_bearing_range_values(d) + 0).ravel().tolist()`` for one offset ``d`` (3, 1)
    whose three numbers are ``d3``: the same ufuncs on the same one-element rows for the
    angles, and the range's square root (correctly rounded, numpy's and math's alike) of the
    same sum of squares on floats."""
    x, y, z = d3
    rho = math.sqrt(x * x + y * y + z * z)
    return [np.arcsin(d[2] / rho).item() + 0, np.arctan2(d[1], d[0]).item() + 0, rho + 0]


def _bearing_slant_range_floats(d: np.ndarray, d3) -> list[float]:
    """``(_bearing_slant_range_values(d) + 0).ravel().tolist()`` for one offset ``d`` (3, 1)
    whose three numbers are ``d3`` (as :func:`_elevation_bearing_range_floats`)."""
    x, y, z = d3
    return [np.arctan2(d[1], d[0]).item() + 0, math.sqrt(x * x + y * y + z * z) + 0]


def _place_jacobian(j: np.ndarray, mapping, ndim_state: int) -> np.ndarray:
    """The (n, ndim_state) Jacobian with the position block ``j`` in the ``mapping`` columns."""
    jac = np.zeros((j.shape[0], ndim_state))
    jac[:, mapping] = j
    return jac


def _noiseless_function(base):
    """A radar model's ``function``: without noise, its ``_values`` typed as Stone Soup types
    them (the same bits); with noise, Stone Soup's own ``function`` of ``base``."""

    def function(self, state, noise=False, **kwargs):
        if not (isinstance(noise, bool) or noise is None) or noise:
            return base.function(self, state, noise, **kwargs)
        return _typed(self, self._values(state), 0)

    return function


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

    #: [elevation, bearing, range] of radar-frame offsets (as an array, as floats of one offset), and
    #: their Jacobian (fastpath calls these)
    values_of_offset = staticmethod(_elevation_bearing_range_values)
    floats_of_offset = staticmethod(_elevation_bearing_range_floats)
    jacobian_of_offset = staticmethod(_elevation_bearing_range_jacobian)

    def _values(self, state) -> np.ndarray:
        """Stone Soup's CartesianToElevationBearingRange._function without noise (and its
        cart2sphere), the same operations on plain arrays: [elevation, bearing, range] (3, N)."""
        return _elevation_bearing_range_values(self.frame_rotation @ _relative_position(self, state))

    function = _noiseless_function(CartesianToElevationBearingRange)

    def jacobian(self, state, **kwargs):
        d = self.frame_rotation @ _relative_position(self, state).ravel()
        return _place_jacobian(_elevation_bearing_range_jacobian(d, self.frame_rotation), self.mapping,
                               self.ndim_state)


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

    values_of_offset = staticmethod(_bearing_slant_range_values)
    floats_of_offset = staticmethod(_bearing_slant_range_floats)
    jacobian_of_offset = staticmethod(_bearing_slant_range_jacobian)

    def _values(self, state) -> np.ndarray:
        """[bearing, slant range] (2, N) without noise."""
        return _bearing_slant_range_values(self.frame_rotation @ _relative_position(self, state))

    def _function(self, state, noise=False, **kwargs):
        if isinstance(noise, bool) or noise is None:
            noise = self.rvs(num_samples=state.state_vector.shape[1], **kwargs) if noise else 0
        return StateVectors(self._values(state)) + noise

    function = _noiseless_function(CartesianToBearingRange)

    def inverse_function(self, detection, **kwargs):
        phi, rho = (float(v) for v in np.asarray(detection.state_vector, dtype=float).ravel())
        d = np.array([rho * math.cos(phi), rho * math.sin(phi), 0.0])
        res = np.zeros((self.ndim_state, 1)).view(StateVector)
        res[self.mapping, 0] = self.frame_rotation.T @ d + np.asarray(self.translation_offset, float).ravel()
        return res

    def jacobian(self, state, **kwargs):
        d = self.frame_rotation @ _relative_position(self, state).ravel()
        return _place_jacobian(_bearing_slant_range_jacobian(d, self.frame_rotation), self.mapping,
                               self.ndim_state)


__all__ = ["RadarElevationBearingRange", "RadarBearingSlantRange"]
