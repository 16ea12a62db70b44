"""Radar physics: the radar equation, detection probability, surface clutter, and the
radar catalogue.

Submodules, each usable alone (SI units inside; names carry their units):

- :mod:`foxbat.radar.equation`: monostatic radar equation, gain from beamwidths, R⁴ scaling
- :mod:`foxbat.radar.detection`: Pd for Swerling 0/1/3, Albersheim, North, required SNR,
  cumulative detection
- :mod:`foxbat.radar.clutter`: constant-gamma surface clutter, grazing angles on the
  effective Earth, resolution cells, SINR after MTI / pulse-Doppler
- :mod:`foxbat.radar.catalogue`: radar types with provenance (``load_catalogue``,
  ``get_radar_type``)
"""

from foxbat.radar.catalogue import RadarType, get_radar_type, load_catalogue, radar_names
from foxbat.radar.detection import cumulative_pd, pd, required_snr_db
from foxbat.radar.equation import radar_snr_db, scaled_snr_db

__all__ = [
    "RadarType", "get_radar_type", "load_catalogue", "radar_names",
    "pd", "required_snr_db", "cumulative_pd", "radar_snr_db", "scaled_snr_db",
]
