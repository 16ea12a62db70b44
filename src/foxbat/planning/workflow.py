"""Plan a scenario's route end to end: endpoints, aircraft, fuel allowance, the plan,
its legs, and a check flight with the flight model.

The grid model leaves out the take-off, the approach and landing, turns and speed
changes; a fuel allowance for them is set aside before planning. The planned route is
then flown with :func:`foxbat.flight.fly` (the flight model of ``foxbat run``) and
re-planned with what went wrong as a constraint, at most ``max_checks`` flights in all:

- it crashes into terrain (or short of the runway): a :class:`Floor` near the crash,
  the lowest layer allowed within a few cells of it one layer above the one flown
  there; a second failure near the same floor raises it another layer and widens it;
- it leaves the DEM: the cells near the exit point are closed to the search;
- it runs out of fuel, or lands with less than the reserve: the fuel allowance grows by
  the shortfall (for fuel exhaustion, the planned fuel of the part not flown).

If the last flight still fails, :class:`RouteNotFlyableError` says why and where
(lat/lon, time); nothing is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.aircraft.performance import Aircraft, load_aircraft
from foxbat.errors import ParameterError
from foxbat.geo import wgs84_geod
from foxbat.planning.planner import Floor, InfeasibleRouteError, Plan, RoughFloor, plan_route
from foxbat.planning.routes import Endpoint, plan_legs, resolve_endpoint, scenario_with_route


class RouteNotFlyableError(InfeasibleRouteError):
    """The planned route still fails in the flight model after the re-plans."""


@dataclass
class Failure:
    """What went wrong on a check flight, and where."""

    kind: str  # "terrain", "short_of_runway", "fuel", "left_dem", "reserve", "max_duration", "not_arrived"
    lat: float
    lon: float
    t_s: float
    text: str  # e.g. "crashes into terrain at 43.1234N 134.5678E, t = 312 s, on leg 5 (...)"


def flight_failure(traj, reserve_kg: float, goal_point: tuple[float, float] | None = None) -> Failure | None:
    """None when the check flight arrives (landed, or reached the goal point) with the
    reserve; else what failed first."""
    def at(e, what):
        leg = f", on leg {e['leg']} ({e['leg_label']})" if e.get("leg") is not None else ""
        return f"{what} at {e['lat_deg']:.4f}N {e['lon_deg']:.4f}E, t = {e['t_s']:.0f} s{leg}"

    name = traj.aircraft.name
    fuel_out = traj.events_named("fuel_exhausted")
    crash = traj.events_named("crash")
    if fuel_out and (not crash or fuel_out[0]["t_s"] <= crash[0]["t_s"]):
        e = fuel_out[0]
        return Failure("fuel", e["lat_deg"], e["lon_deg"], e["t_s"], at(e, f"the {name} runs out of fuel"))
    if crash:
        e = crash[0]
        kind = "short_of_runway" if e.get("short_of_runway") else "terrain"
        what = "short of the runway" if kind == "short_of_runway" else "into terrain"
        return Failure(kind, e["lat_deg"], e["lon_deg"], e["t_s"], at(e, f"the {name} crashes {what}"))
    for ev, kind, what in (("left_dem", "left_dem", "leaves the DEM"),
                           ("max_duration", "max_duration", "is still flying at the time limit")):
        got = traj.events_named(ev)
        if got:
            e = got[0]
            return Failure(kind, e["lat_deg"], e["lon_deg"], e["t_s"], at(e, f"the {name} {what}"))
    lat, lon, t = (float(traj[k][-1]) for k in ("lat_deg", "lon_deg", "t_s"))
    end = {"kind": "", "lat_deg": lat, "lon_deg": lon, "t_s": t}
    if traj.outcome != "landed" and goal_point is not None:
        _, _, d = wgs84_geod().inv(lon, lat, goal_point[1], goal_point[0])
        if d > 20_000.0:
            return Failure("not_arrived", lat, lon, t, at(end, f"the {name}'s route ends {d / 1000:.0f} km "
                                                             "from the goal"))
    elif traj.outcome != "landed":
        return Failure("not_arrived", lat, lon, t, at(end, f"the {name} does not land ({traj.outcome})"))
    left = float(traj["fuel_kg"][-1])
    if left < reserve_kg:
        return Failure("reserve", lat, lon, t, at(end, f"the {name} arrives with {left:,.0f} kg, less than the "
                                                       f"{reserve_kg:,.0f} kg reserve,"))
    return None


def _cell_m(dem) -> float:
    """The DEM's larger cell side, m."""
    w, h = dem.cell_size_m()
    return float(max(abs(w), abs(h)))


def next_floor(fail: Failure, plan: Plan, floors: list[Floor], cell_m: float) -> Floor | None:
    """The constraint that answers a crash or an exit from the DEM at ``fail``; None when
    nothing higher is left to ask for."""
    g = wgs84_geod()
    heights = plan.layers_m
    if fail.kind == "left_dem":
        return Floor(fail.lat, fail.lon, max(3.0 * cell_m, 5_000.0), math.inf)
    # a floor already around the failure: raise it a layer and widen it
    for f in floors:
        _, _, d = g.inv(f.lon, f.lat, fail.lon, fail.lat)
        if d <= f.radius_m and math.isfinite(f.min_height_agl_m):
            higher = [h for h in heights if h > f.min_height_agl_m]
            if not higher:
                return None
            return Floor(fail.lat, fail.lon, 1.5 * f.radius_m, higher[0])
    # else one layer above the highest layer the plan flies near the failure
    wl = np.array([w.lat for w in plan.waypoints])
    wo = np.array([w.lon for w in plan.waypoints])
    _, _, d = g.inv(np.full(wl.size, fail.lon), np.full(wl.size, fail.lat), wo, wl)
    radius = max(4.0 * cell_m, 10_000.0)
    near = np.asarray(d) <= radius
    if not near.any():
        near = np.asarray(d) == np.min(d)
    flown = max(w.height_agl_m for w, n in zip(plan.waypoints, near) if n)
    higher = [h for h in heights if h > flown]
    if not higher:
        return None
    return Floor(fail.lat, fail.lon, radius, higher[0])


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
    floors: tuple = ()  # the re-plans' constraints (Floor)
    clear_between_m: float = -1.0  # >= 0 once a crash made moves clear the cells between their ends
    failures: list = None  # kinds of the failed check flights before the one that flew
    rough_floors: tuple = ()  # the re-plans' constraints learnt from crashes (RoughFloor)


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
                  fuel_kg: float | None = None, reserve_kg: float | None = None, max_checks: int = 6,
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
    floors: list[Floor] = list(plan_kw.pop("floors", ()))
    rough: list[RoughFloor] = list(plan_kw.pop("rough_floors", ()))
    clear_m = float(plan_kw.pop("clear_between_m", -1.0))
    cell_m = _cell_m(prepared.dem)
    history: list[str] = []
    from foxbat.planning.graph import DEFAULT_LAYERS_M

    all_layers = sorted(float(x) for x in plan_kw.pop("layers_m", DEFAULT_LAYERS_M))
    lowest = 0  # index of the lowest layer allowed (raised by repeated crashes)
    fail = None
    cache: dict = {}  # the grid and hazard rasters, the same for every re-plan
    for check in range(1, max_checks + 1):
        try:
            plan = plan_route(prepared.dem, prepared.radars, ac, (start.lat, start.lon), (goal.lat, goal.lon),
                              fuel_kg=fuel_kg, reserve_kg=reserve_kg, allowance_kg=allowance, payload_kg=payload,
                              rcs_m2=d.intruder.rcs_m2.value, swerling=d.intruder.swerling, sea=d.sea_surface,
                              land=d.land_surface, k=d.k, airborne_start=start.leg is None, floors=tuple(floors),
                              rough_floors=tuple(rough),
                              clear_between_m=clear_m, cache=cache, layers_m=all_layers[lowest:], **plan_kw)
        except InfeasibleRouteError as exc:
            if fail is None:
                raise
            # the constraints leave no route: say what failed and where
            raise RouteNotFlyableError(_why(fail, check - 1, floors) + f" (re-planning with them: {exc.detail})",
                                       where=where_of(sc)) from None
        legs = plan_legs(plan, start, goal, prepared.dem)
        doc = scenario_with_route(sc.raw, legs, name_suffix="planned", aircraft_type=ac_type, fuel_kg=fuel_kg,
                                  title=f"{d.title or sc.name}: least visible route (foxbat plan)")
        flight = parse_run_scenario(doc, f"{sc.where} (planned)").flight
        traj = fly(flight, prepared.dem, where=f"{sc.where} (planned)")
        fail = flight_failure(traj, reserve_kg, goal.point if goal.leg is None else None)
        if fail is None:
            break
        history.append(fail.kind)
        if check == max_checks:
            raise RouteNotFlyableError(_why(fail, check, floors), where=where_of(sc))
        if fail.kind in ("terrain", "short_of_runway", "left_dem"):
            if fail.kind == "terrain" and clear_m < 0:
                # the grid let a move cut a corner or jump a ridge between its cells: from
                # now on every move clears the cells it crosses by the lowest layer
                clear_m = float(plan.layers_m[0])
            if fail.kind == "terrain" and history.count("terrain") >= 2 and lowest + 1 < len(all_layers):
                # crashes in more than one place: the grid is too coarse for the lowest
                # layer here; a larger clearance everywhere (the lowest layer dropped)
                lowest += 1
            fl = next_floor(fail, plan, floors, cell_m * plan.stride)
            if fl is None:
                raise RouteNotFlyableError(_why(fail, check, floors), where=where_of(sc))
            floors.append(fl)
            if fail.kind == "terrain":
                # what the flight model could not hold here it cannot hold where the terrain is
                # rougher either: one crash constrains all such places, not a re-plan each
                rough.append(RoughFloor(fail.lat, fail.lon, fl.min_height_agl_m))
        elif fail.kind == "fuel":
            # the planned fuel of the part not flown, plus the reserve
            t_plan = max(plan.duration_s, 1.0)
            part = min(max(1.0 - fail.t_s / t_plan, 0.05), 1.0)
            allowance += part * plan.fuel_used_kg + reserve_kg + 100.0
        elif fail.kind == "reserve":
            allowance += (reserve_kg - float(traj["fuel_kg"][-1])) + 100.0
        else:
            raise RouteNotFlyableError(_why(fail, check, floors), where=where_of(sc))
    return ScenarioPlan(plan, doc, start, goal, ac, ac_type, traj, fuel_kg, reserve_kg, check, tuple(floors),
                        clear_m, history, tuple(rough))


def where_of(sc) -> str:
    return str(sc.where)


def _why(fail: Failure, flights: int, floors: list[Floor]) -> str:
    """The one line of a route that cannot be made to fly."""
    tried = ""
    if floors:
        top = max((f.min_height_agl_m for f in floors if math.isfinite(f.min_height_agl_m)), default=None)
        tried = (f"; {len(floors)} re-plan constraint(s) tried" +
                 (f" (up to {top:g} m above ground near the failures)" if top is not None else ""))
    return (f"no flyable route: the planned route still fails in the flight model after {flights} check "
            f"flight(s): {fail.text}{tried}; nothing written")
