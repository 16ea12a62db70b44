"""Aircraft: the catalogue of types (data files with provenance) and point-mass performance."""

from foxbat.aircraft.catalogue import AircraftSpec, aircraft_names, get_spec, notional_figures
from foxbat.aircraft.performance import Aircraft, load_aircraft

__all__ = ["Aircraft", "AircraftSpec", "aircraft_names", "get_spec", "load_aircraft", "notional_figures"]
