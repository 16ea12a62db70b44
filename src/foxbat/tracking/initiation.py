"""A new track's state from one detection.

Position from the detection, velocity zero with a large prior sigma. A 2-D radar
measures no elevation: the track's altitude is then the prior altitude
(``TrackerConfig.prior_alt_msl_m``) with its prior sigma, placed below the radar's
tangent plane by the Earth's curvature.
"""

from __future__ import annotations

import math

import numpy as np

from foxbat.tracking.config import TrackerConfig
from foxbat.tracking.measurement import RadarMeasurement
from foxbat.tracking.sites import RadarSite
from foxbat.tracking.state import POS

#: Mean Earth radius used to place a 2-D radar's first detection below its tangent plane.
EARTH_RADIUS_M = 6_371_000.0


def initial_state(
    m: RadarMeasurement, site: RadarSite, c: TrackerConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Mean (6,) and covariance (6, 6) of a track started by the one detection ``m``
    of the radar at ``site``, with the priors of ``c``."""
    phi = math.pi / 2 - math.radians(m.azimuth_deg)
    rho = float(m.range_m)
    cphi, sphi = math.cos(phi), math.sin(phi)
    s_phi = math.radians(m.sigma_azimuth_deg)
    if m.elevation_deg is not None:
        th = math.radians(m.elevation_deg)
        cth, sth = math.cos(th), math.sin(th)
        d = rho * np.array([cth * cphi, cth * sphi, sth])
        jac = np.array(
            [
                [-rho * sth * cphi, -rho * cth * sphi, cth * cphi],
                [-rho * sth * sphi, rho * cth * cphi, cth * sphi],
                [rho * cth, 0.0, sth],
            ]
        )
        sig = np.diag([math.radians(m.sigma_elevation_deg) ** 2, s_phi**2, m.sigma_range_m**2])
    else:
        # Assume the prior altitude: height above the radar's tangent plane is
        # the altitude difference less the Earth's drop g^2/2R at ground range g.
        dz = 0.0
        g = rho
        for _ in range(3):
            dz = (c.prior_alt_msl_m - site.alt_msl_m) - g * g / (2 * EARTH_RADIUS_M)
            dz = max(-0.95 * rho, min(0.95 * rho, dz))
            g = math.sqrt(rho * rho - dz * dz)
        d = np.array([g * cphi, g * sphi, dz])
        jac = np.array(
            [
                [-g * sphi, rho / g * cphi, -dz / g * cphi],
                [g * cphi, rho / g * sphi, -dz / g * sphi],
                [0.0, 0.0, 1.0],
            ]
        )
        sig = np.diag([s_phi**2, m.sigma_range_m**2, c.prior_alt_sigma_m**2])
    rot = site.rotation
    pos = rot.T @ d + site.offset
    pcov = rot.T @ (jac @ sig @ jac.T) @ rot
    mean = np.zeros(6)
    cov = np.zeros((6, 6))
    mean[list(POS)] = pos
    cov[np.ix_(POS, POS)] = pcov
    cov[1, 1] = cov[3, 3] = c.init_velocity_sigma_mps**2
    cov[5, 5] = c.init_vertical_velocity_sigma_mps**2
    return mean, cov



__all__ = ["initial_state"]
