"""Flight: route -> trajectory with the aircraft's performance and fuel, terrain following, landing."""

from foxbat.flight.trajectory import COLUMNS, Trajectory, fly, fly_scenario

__all__ = ["COLUMNS", "Trajectory", "fly", "fly_scenario"]
