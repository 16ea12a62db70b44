"""Plan a scenario's route end to end: endpoints, aircraft, fuel allowance, the plan,
its legs, and a check flight with the flight model.

The grid model leaves out the take-off, the approach and landing, turns and speed
changes; a fuel allowance for them is set aside before planning. The planned route is
then flown with :func:`foxbat.flight.fly`; if it lands with less than the reserve the
allowance grows by the shortfall and the route is planned again (at most
``max_checks`` times), so the route written keeps the reserve in the flight model too.
"""

from __future__ import annotations

from dataclasses import dataclass

from foxbat.aircraft.performance import Aircraft, load_aircraft
from foxbat.errors import ParameterError
from foxbat.planning.planner import Plan, plan_route
from foxbat.planning.routes import Endpoint, plan_legs, resolve_endpoint, scenario_with_route


@dataclass
class ScenarioPlan:
    plan: Plan
    doc: dict  # the scenario with the planned route (a YAML-ready dict)
    start: Endpoint
    goal: Endpoint
    aircraft: Aircraft
    aircraft_type: str
    trajectory: object  # the check flight (foxbat.flight.Trajectory)
    fuel_kg: float
    reserve_kg: float
    checks: int


def resolve_aircraft(sc, text: str | None) -> str:
    """``--aircraft``: a catalogue type, or the scenario intruder's id / call sign
    (meaning the scenario's own aircraft)."""
    own = sc.flight.aircraft.type
    if text is None:
        return own
    if text in (sc.defenders.intruder.id, sc.flight.aircraft.callsign):
        return own
    from pathlib import Path

    from foxbat.aircraft.catalogue import get_spec
    from foxbat.catalogues import is_type_path

    if is_type_path(text):  # a type file named on the command line: relative to the current folder
        text = str(Path(text).expanduser().resolve())
        get_spec(text, where="--aircraft", field=None)
        return text
    return get_spec(text, where="--aircraft", field=None, catalogues=tuple(sc.flight.catalogues)).name


def fuel_allowance_kg(ac: Aircraft, start: Endpoint, goal: Endpoint) -> float:
    """Fuel for what the grid does not model: the take-off run and climb-out with
    afterburner, the final approach and landing, and the turns onto them."""
    kg = 0.0
    if start.leg is not None:
        ab_s = start.leg.get("afterburner_s") or 20.0
        elev = float(start.leg["runway"].get("elevation_m", 0.0))
        thr = ac.thrust_n(elev, 0.0, ac.has_afterburner)  # full thrust on the roll and climb-out
        kg += ac.fuel_flow_kg_s(elev, 100.0, ac.takeoff_mass_kg, accel_mps2=thr / ac.takeoff_mass_kg,
                                afterburner=ac.has_afterburner) * ab_s
        kg += 150.0
    if goal.leg is not None:
        fa_m = 1000.0 * float(goal.leg.get("final_approach_km", 10.0))
        m_land = ac.empty_mass_kg + 0.1 * ac.internal_fuel_kg
        v = ac.approach_tas_mps(300.0, m_land)
        kg += ac.fuel_flow_kg_s(300.0, v, m_land) * fa_m / v + 150.0
    return kg


def plan_scenario(sc, prepared, *, aircraft: str | None = None, from_: str | None = None, to: str | None = None,
                  fuel_kg: float | None = None, reserve_kg: float | None = None, max_checks: int = 3,
                  **plan_kw) -> ScenarioPlan:
    """Plan the least visible route of scenario ``sc`` (``prepared`` from
    :func:`foxbat.sim.prepare`); ``plan_kw`` go to :func:`plan_route`."""
    from foxbat.flight import fly
    from foxbat.scenario.run import parse_run_scenario

    ac_type = resolve_aircraft(sc, aircraft)
    ac = load_aircraft(ac_type, where="--aircraft" if aircraft else sc.where, field=None if aircraft else "aircraft.type",
                       catalogues=tuple(sc.flight.catalogues))
    if fuel_kg is None:
        fuel_kg = sc.flight.aircraft.fuel_kg if ac_type == sc.flight.aircraft.type and sc.flight.aircraft.fuel_kg \
            else ac.internal_fuel_kg
    if reserve_kg is None:
        reserve_kg = 0.05 * fuel_kg
    if reserve_kg >= fuel_kg:
        raise ParameterError(f"the reserve ({reserve_kg:,.0f} kg) must be less than the fuel ({fuel_kg:,.0f} kg)",
                             where="--reserve-kg")
    start = resolve_endpoint(sc, from_, "from")
    goal = resolve_endpoint(sc, to, "to")
    d = sc.defenders
    allowance = fuel_allowance_kg(ac, start, goal)
    payload = sc.flight.aircraft.payload_kg
    for check in range(1, max_checks + 1):
        plan = plan_route(prepared.dem, prepared.radars, ac, (start.lat, start.lon), (goal.lat, goal.lon),
                          fuel_kg=fuel_kg, reserve_kg=reserve_kg, allowance_kg=allowance, payload_kg=payload,
                          rcs_m2=d.intruder.rcs_m2.value, swerling=d.intruder.swerling, sea=d.sea_surface,
                          land=d.land_surface, k=d.k, airborne_start=start.leg is None, **plan_kw)
        legs = plan_legs(plan, start, goal, prepared.dem)
        doc = scenario_with_route(sc.raw, legs, name_suffix="planned", aircraft_type=ac_type, fuel_kg=fuel_kg,
                                  title=f"{d.title or sc.name}: least visible route (foxbat plan)")
        flight = parse_run_scenario(doc, f"{sc.where} (planned)").flight
        traj = fly(flight, prepared.dem, where=f"{sc.where} (planned)")
        left = float(traj["fuel_kg"][-1])
        if left >= reserve_kg or check == max_checks:
            break
        allowance += (reserve_kg - left) + 100.0
    return ScenarioPlan(plan, doc, start, goal, ac, ac_type, traj, fuel_kg, reserve_kg, check)
