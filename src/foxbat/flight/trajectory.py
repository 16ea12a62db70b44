"""Fly a scenario: route -> trajectory (a time series) and events.

>>> from foxbat.flight import fly_scenario
>>> traj = fly_scenario("builtin:belenko-1976")
>>> traj.events_named("stopped")[0]["overrun_m"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from foxbat.aircraft.performance import Aircraft, load_aircraft
from foxbat.flight import layout as L
from foxbat.flight.kernel import simulate
from foxbat.flight.route import CompiledRoute, compile_route
from foxbat.flight.terrain import GroundGrid, ground_grid
from foxbat.scenario.flight import FlightScenario

COLUMNS = {
    "t_s": L.C_T, "lat_deg": L.C_LAT, "lon_deg": L.C_LON, "alt_msl_m": L.C_ALT, "ground_msl_m": L.C_GROUND,
    "height_agl_m": L.C_AGL, "tas_mps": L.C_TAS, "gs_mps": L.C_GS, "heading_deg": L.C_HDG,
    "climb_mps": L.C_VZ, "load_factor": L.C_NLOAD, "fuel_kg": L.C_FUEL, "mass_kg": L.C_MASS, "mach": L.C_MACH,
    "fuel_flow_kg_s": L.C_FF, "leg": L.C_LEG, "phase": L.C_PHASE,
}


@dataclass
class Trajectory:
    """A flown route: ``data`` is (n_steps, N_COLS) in the order of COLUMNS; ``events`` a
    list of dicts (kind, t_s, lat_deg, lon_deg, alt_msl_m, leg, and kind-specific fields)."""

    data: np.ndarray
    events: list[dict[str, Any]]
    aircraft: Aircraft
    route: CompiledRoute
    scenario: FlightScenario
    grid: GroundGrid
    epoch_utc: datetime | None = None
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[:, COLUMNS[name]]

    def __len__(self) -> int:
        return self.data.shape[0]

    def events_named(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind]

    def utc(self, t_s: float) -> datetime | None:
        return None if self.epoch_utc is None else self.epoch_utc + timedelta(seconds=float(t_s))

    @property
    def outcome(self) -> str:
        """'landed', 'crashed', 'left_dem', 'max_duration' or 'route_end'."""
        kinds = {e["kind"] for e in self.events}
        for k, name in (("crash", "crashed"), ("stopped", "landed"), ("left_dem", "left_dem"),
                        ("max_duration", "max_duration")):
            if k in kinds:
                return name
        return "route_end"

    @property
    def fuel_used_kg(self) -> float:
        f = self["fuel_kg"]
        return float(f[0] - f[-1])


def _event_dict(row: np.ndarray, route: CompiledRoute) -> dict[str, Any]:
    code = int(row[L.E_CODE])
    kind = L.EVENT_NAMES.get(code, f"event_{code}")
    leg = int(row[L.E_LEG])
    e: dict[str, Any] = {"kind": kind, "t_s": float(row[L.E_T]), "lat_deg": float(row[L.E_LAT]),
                         "lon_deg": float(row[L.E_LON]), "alt_msl_m": float(row[L.E_ALT]),
                         "leg": route.numbers[leg] if 0 <= leg < len(route.numbers) else None,
                         "leg_label": route.labels[leg] if 0 <= leg < len(route.labels) else None}
    v1, v2 = float(row[L.E_V1]), float(row[L.E_V2])
    extra = {
        L.EV_LIFTOFF: {"ground_roll_m": v1, "runway_left_m": v2},
        L.EV_WAYPOINT: {"miss_distance_m": v1},
        L.EV_CLEARANCE: {"margin_m": v1, "set_height_agl_m": v2, "height_agl_m": v2 + v1},
        L.EV_FUEL_OUT: {"fuel_flow_kg_s": v1},
        L.EV_CRASH: {"vertical_speed_mps": v1, "short_of_runway": bool(v2 > 0)},
        L.EV_TOUCHDOWN: {"past_threshold_m": v1, "speed_mps": v2},
        L.EV_DEAD_STICK: {"past_threshold_m": v1, "speed_mps": v2},
        L.EV_STOPPED: {"roll_m": v1, "overrun_m": v2},
        L.EV_SPEED_LIMIT: {"commanded_tas_mps": v1, "limit_tas_mps": v2},
        L.EV_TO_OVERRUN: {"ground_roll_m": v1, "runway_length_m": v2},
        L.EV_RWY_DEM: {"dem_minus_runway_m": v1},
        L.EV_CEILING: {"asked_alt_msl_m": v1, "ceiling_m": v2},
    }.get(code, {})
    e.update(extra)
    return e


def fly(scenario: FlightScenario, dem=None, where: str = "scenario", grid: GroundGrid | None = None) -> Trajectory:
    """Fly a validated scenario over a DEM (a ``Dem``; None: the scenario's ``dem`` or the built-in)."""
    from foxbat.terrain import open_dem

    if grid is None:
        if dem is None:
            dem = open_dem(scenario.dem, where=where, field="dem")
        grid = ground_grid(dem)
    ac = load_aircraft(scenario.aircraft.type, where=where, catalogues=tuple(scenario.catalogues))
    fuel = scenario.aircraft.fuel_kg
    if fuel is not None and fuel > ac.internal_fuel_kg * 1.05:
        from foxbat.errors import ParameterError

        raise ParameterError(f"{fuel:,.0f} kg is more than the {ac.name}'s internal fuel "
                             f"({ac.internal_fuel_kg:,.0f} kg)", where=where, field="aircraft.fuel_kg")
    route = compile_route(scenario, ac, grid, where)
    return fly_compiled(route, ac, grid, scenario)


def fly_compiled(route: CompiledRoute, ac: Aircraft, grid: GroundGrid, scenario: FlightScenario) -> Trajectory:
    """Run the kernel on a compiled route (the timed part of a flight)."""
    out, ev, n, n_ev = simulate(
        route.legs, ac.scalars, ac.max_mach_alt_m, ac.max_mach, ac.aero, grid.z, grid.lat0, grid.dlat, grid.lon0,
        grid.dlon, route.state0, float(route.step_s), int(route.max_steps), float(route.look_ahead_s),
        int(route.n_look))
    data = out[:n].copy()
    events = [_event_dict(ev[i], route) for i in range(n_ev)]
    events.sort(key=lambda e: e["t_s"])
    return Trajectory(data=data, events=events, aircraft=ac, route=route, scenario=scenario, grid=grid,
                      epoch_utc=scenario.epoch_utc)


def fly_scenario(path_or_name: str, dem=None) -> Trajectory:
    """Load a scenario file (or ``builtin:NAME``) and fly it."""
    from foxbat.scenario.flight import load_flight_scenario

    sc, shown = load_flight_scenario(path_or_name)
    if dem is None and sc.dem is not None:
        from foxbat.terrain import open_dem

        dem = open_dem(sc.dem, where=shown, field="dem")
    return fly(sc, dem=dem, where=shown)
