"""Fly the published missions an aircraft data file is calibrated on (its ``calibration`` list).

``range`` missions go through the flight kernel itself (take-off from a sea-level runway
on a flat sea, climb, cruise at the given altitude and Mach until the fuel runs out);
``ceiling``, ``climb_rate`` and ``climb_time`` use the same model functions on the
best-climb schedule. ``foxbat fly --calibration`` is not a thing: the test suite
(``tests/test_flight_performance.py``) and ``docs/flight.md``'s table use :func:`fly_target`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.aircraft.catalogue import CalibrationTarget
from foxbat.aircraft.performance import Aircraft, best_climb_nb, fuel_flow_nb, thrust_max_nb, tsfc_nb
from foxbat.flight.terrain import GroundGrid

CEILING_CLIMB_MPS = 0.5  # service ceiling: where the best steady climb is 100 ft/min
SEA_GRID = GroundGrid(z=np.zeros((9, 401)), lat0=-2.0, dlat=0.5, lon0=-1.0, dlon=0.1, name="flat sea")


@dataclass(frozen=True)
class Result:
    target: CalibrationTarget
    simulated: float

    @property
    def error_rel(self) -> float:
        return self.simulated / self.target.published - 1.0

    @property
    def within(self) -> bool:
        return abs(self.error_rel) <= self.target.tolerance_rel


def _masses(ac: Aircraft, tg: CalibrationTarget) -> tuple[float, float]:
    fuel = ac.internal_fuel_kg if tg.fuel_kg is None else tg.fuel_kg
    mass = ac.takeoff_mass_kg if tg.mass_kg is None else tg.mass_kg
    return mass, fuel


def fly_range_km(ac: Aircraft, tg: CalibrationTarget) -> float:
    """Distance (km) from brake release to fuel exhaustion: take-off, climb to the cruise
    altitude and cruise at the Mach of the target (supersonic: after a subsonic climb to
    14 km), over a flat sea, in the flight kernel."""
    from foxbat.flight.route import compile_route
    from foxbat.flight.trajectory import fly_compiled
    from foxbat.geo import geodesic_distance_m
    from foxbat.scenario.flight import parse_flight_scenario

    mass, fuel = _masses(ac, tg)
    doc = {"aircraft": {"type": ac.name, "fuel_kg": fuel, "payload_kg": max(mass - ac.empty_mass_kg - fuel, 0.0)},
           "route": {"max_duration_s": 8 * 3600, "legs": [
               {"takeoff": {"runway": {"lat": 0.0, "lon": 0.0, "heading_deg": 90, "length_m": 3000,
                                       "elevation_m": 0}}},
               {"fly_to": {"lat": 0.0, "lon": 38.0, "alt_msl_m": tg.alt_msl_m, "speed": {"mach": tg.mach},
                           "afterburner": bool(tg.afterburner)}}]}}
    if tg.mach > 1.0:  # climb out subsonic to 14 km first (the envelope forbids supersonic low down)
        doc["route"]["legs"].insert(1, {"fly_to": {"lat": 0.0, "lon": 1.0, "alt_msl_m": 14000.0,
                                                   "speed": {"mach": 0.9}, "afterburner": bool(tg.afterburner)}})
    sc = parse_flight_scenario(doc, f"calibration {tg.id}")
    traj = fly_compiled(compile_route(sc, ac, SEA_GRID, tg.id), ac, SEA_GRID, sc)
    out = traj.events_named("fuel_exhausted")
    if not out:
        raise RuntimeError(f"{tg.id}: the fuel did not run out ({traj.outcome})")
    return geodesic_distance_m(0.0, 0.0, out[0]["lat_deg"], out[0]["lon_deg"]) / 1000.0


def best_climb_mps(ac: Aircraft, alt_msl_m: float, mass_kg: float, afterburner: bool) -> float:
    return float(best_climb_nb(ac.scalars, ac.aero, ac.max_mach_alt_m, ac.max_mach, float(alt_msl_m),
                               float(mass_kg), bool(afterburner))[0])


def ceiling_m(ac: Aircraft, mass_kg: float, afterburner: bool) -> float:
    """Altitude (m) where the best steady climb falls to :data:`CEILING_CLIMB_MPS` (bisection)."""
    lo, hi = 0.0, 30_000.0
    if best_climb_mps(ac, lo, mass_kg, afterburner) < CEILING_CLIMB_MPS:
        return 0.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if best_climb_mps(ac, mid, mass_kg, afterburner) >= CEILING_CLIMB_MPS:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def climb_time_s(ac: Aircraft, to_alt_m: float, mass_kg: float, afterburner: bool, dh_m: float = 50.0) -> float:
    """Time (s) from sea level (at the best-climb speed there) to an altitude on the
    best-climb schedule, by energy height: each step gains Δh + Δ(V²)/2g of energy at the
    excess power Ps of the best-climb speed, burning fuel at full thrust; infinite where the
    climb stalls below the altitude."""
    g = 9.80665
    h, m, t = 0.0, float(mass_kg), 0.0
    rate, v = best_climb_nb(ac.scalars, ac.aero, ac.max_mach_alt_m, ac.max_mach, h, m, bool(afterburner))
    while h < to_alt_m:
        step = min(dh_m, to_alt_m - h)
        rate2, v2 = best_climb_nb(ac.scalars, ac.aero, ac.max_mach_alt_m, ac.max_mach, h + step, m, bool(afterburner))
        ps = 0.5 * (rate + rate2)
        if min(rate, rate2) < CEILING_CLIMB_MPS:
            return math.inf
        d_t = max(step + (v2 * v2 - v * v) / (2 * g), step) / ps
        m -= tsfc_nb(ac.scalars, h, v, afterburner) * thrust_max_nb(ac.scalars, h, v, afterburner) * d_t
        h, v, rate, t = h + step, v2, rate2, t + d_t
    return t


def fly_target(ac: Aircraft, tg: CalibrationTarget) -> Result:
    """Fly one calibration mission and return the simulated figure beside the published one."""
    mass, _fuel = _masses(ac, tg)
    if tg.kind == "range":
        val = fly_range_km(ac, tg)
    elif tg.kind == "ceiling":
        val = ceiling_m(ac, mass, tg.afterburner)
    elif tg.kind == "climb_rate":
        val = best_climb_mps(ac, tg.alt_msl_m, mass, tg.afterburner)
    elif tg.kind == "climb_time":
        val = climb_time_s(ac, float(tg.to_alt_m), mass, tg.afterburner)
    else:  # pragma: no cover - the model's Literal forbids it
        raise ValueError(tg.kind)
    return Result(tg, float(val))


def level_fuel_flow_kg_s(ac: Aircraft, alt_msl_m: float, mach: float, mass_kg: float) -> float:
    """Level 1 g fuel flow, for tables."""
    from foxbat.aircraft.atmosphere import speed_of_sound_mps

    v = mach * speed_of_sound_mps(alt_msl_m)
    return float(fuel_flow_nb(ac.scalars, ac.aero, alt_msl_m, v, mass_kg, 0.0, 0.0, 1.0, False))
