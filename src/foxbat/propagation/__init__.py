"""Radio propagation between a radar and a target: the pattern propagation factor F.

Physics between terrain and radar, used by sensing, coverage and planning alike. One job
per module:

- :mod:`.surface`: ITU-R P.527 permittivity and conductivity of sea, fresh water and
  wet / medium / dry ground; the complex Fresnel reflection coefficient (h and v)
- :mod:`.roughness`: Ament and Miller-Brown roughness factors, rms wave height per sea state
- :mod:`.sphere`: spherical-earth reflection geometry (reflection point, grazing angle,
  path difference, divergence factor)
- :mod:`.diffraction`: ITU-R P.526 smooth-sphere diffraction, knife edge J(ν), Deygout
- :mod:`.factor`: F in the interference, intermediate and diffraction regions
- :mod:`.profile`: terrain profiles sampled from a DEM between two points

Conventions: F is a field ratio, ``f_db = 20·log10 F``; a monostatic radar's SNR changes
by ``2·f_db`` (power ∝ F⁴). Heights are above the reflecting surface (over the sea, MSL).
"""

from foxbat.propagation.diffraction import deygout_loss_db, knife_edge_loss_db
from foxbat.propagation.factor import REGION_NAMES, propagation_factor_db, ray_elevations_rad
from foxbat.propagation.roughness import ament_factor, miller_brown_factor, sea_state_rms_height_m
from foxbat.propagation.surface import reflection_coefficient, surface_constants, surface_names

__all__ = [
    "propagation_factor_db", "REGION_NAMES", "ray_elevations_rad", "surface_names", "surface_constants",
    "reflection_coefficient", "knife_edge_loss_db", "deygout_loss_db", "sea_state_rms_height_m",
    "ament_factor", "miller_brown_factor", "terrain_profile",
]


def __getattr__(name):
    if name == "terrain_profile":  # pyproj is imported only when a profile is wanted
        from foxbat.propagation.profile import terrain_profile

        return terrain_profile
    raise AttributeError(name)
