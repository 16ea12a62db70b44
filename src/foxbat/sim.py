"""The engine: fly the intruder, scan it with every radar, track it per side, scramble
and fly the interceptors, and collect every event.

Stages run one after the other because the intruder's route is scripted: it does not
react to the defenders. Every random draw comes from one generator seeded per run,
split into independent streams per radar and per interceptor, so adding a radar does
not change another radar's draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

import numpy as np

from foxbat.command.airspace import Airspace, airspace_from_dem
from foxbat.command.intercept import InterceptorFlight, Intruder, TrackPicture, fly_interceptor
from foxbat.command.scramble import nearest_alert_base
from foxbat.coverage import compute_coverage
from foxbat.errors import FoxbatError, OffMapError, ParameterError
from foxbat.flight import Trajectory, fly
from foxbat.scenario.radars import coverage_site
from foxbat.scenario.run import NEAREST_BASE, RunScenario
from foxbat.sensing.ground import GroundRadar, Looks, false_alarms, ground_looks, to_measurements
from foxbat.sensing.path import PathEnvironment
from foxbat.terrain.dem import Dem


@dataclass
class RunResult:
    scenario: RunScenario
    seed: int
    dem: Dem
    intruder: Trajectory
    radars: list[GroundRadar]
    looks: list[Looks]
    tracking: dict  # side -> TrackingResult
    interceptors: list[InterceptorFlight]
    events: list[dict]
    side_coverage: dict[str, np.ndarray]  # side -> lowest visible AGL (NaN beyond range)
    airspaces: dict[str, Airspace]
    low_level_height_m: float | None
    warnings: list[str] = field(default_factory=list)
    false_alarms: list[tuple] = field(default_factory=list)  # (t_s, side, radar, lat, lon)

    @property
    def epoch(self) -> datetime:
        return self.scenario.defenders.epoch_utc


def _override_low_level(raw: dict, old_m: float | None, new_m: float) -> dict:
    """The scenario with every leg flown at the low-level height moved to ``new_m``."""
    import copy

    if old_m is None:
        raise ParameterError("the scenario has no low_level_height_m to override", where="--low-level-m")
    if not (math.isfinite(new_m) and new_m >= 0):
        raise ParameterError(f"must be a height >= 0 m, got {new_m:g}", where="--low-level-m")
    raw = copy.deepcopy(raw)
    route = raw["route"]
    legs = route["legs"] if isinstance(route, dict) else route
    for leg in legs:
        for body in leg.values():
            if isinstance(body, dict):
                for key in ("height_agl_m", "to_height_agl_m"):
                    if body.get(key) == old_m:
                        body[key] = new_m
    raw["low_level_height_m"] = new_m
    return raw


def build_ground_radars(sc: RunScenario, dem: Dem) -> list[GroundRadar]:
    """Each ground radar with its coverage raster from the coverage engine (kept in a disk
    cache between runs: foxbat.coverage_cache)."""
    from foxbat import coverage_cache
    from foxbat.coverage.engine import antenna_msl_m, site_ground_m
    from foxbat.radar.catalogue import get_radar_type

    k = sc.defenders.k
    env = PathEnvironment.from_spec(sc.defenders.environment)
    out = []
    dem_key = None
    for i, spec in enumerate(sc.radars):
        rt = get_radar_type(spec.type, where=sc.where, field=f"radars ({spec.name}).type",
                            catalogues=tuple(sc.flight.catalogues))
        if rt.platform != "ground":
            raise ParameterError(f"{rt.name} is an airborne radar; a site needs a ground radar type",
                                 where=sc.where, field=f"radars ({spec.name}).type")
        # the limits foxbat coverage --sites applies too; the upper elevation limit is
        # applied look by look (RadarType.covers where the type keeps hard limits, else
        # its elevation pattern: foxbat.sensing.path), so the raster needs no ceiling
        site = replace(coverage_site(spec, rt), max_elev_deg=None)
        max_range = site.max_range_m
        try:
            h0 = antenna_msl_m(dem, site)
        except OffMapError as exc:  # name the scenario's field and line, not the bare site
            raise sc.with_line(OffMapError(exc.detail, where=sc.where, field=f"radars[{i}] ({spec.name}).lat")) \
                from None
        if dem_key is None:
            dem_key = coverage_cache.dem_digest(dem) if coverage_cache.cache_dir() is not None else ""
        lowest = coverage_cache.lowest_agl_m(dem, site, k, dem_key)  # = compute_coverage(dem, [site], k)
        out.append(GroundRadar(spec.name, spec.side, spec.lat, spec.lon, h0, max(h0 - site_ground_m(dem, site), 1.0),
                               max_range, rt, Dem(lowest, dem.transform, dem.crs, None), dem, env))
    return out


def _iso(epoch: datetime, t_s: float) -> str:
    return (epoch + timedelta(seconds=float(t_s))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


FLIGHT_EVENT_KINDS = {"liftoff": "takeoff", "touchdown": "landing", "stopped": "overrun",
                      "fuel_exhausted": "fuel_exhausted", "crash": "crash", "dead_stick_landing": "landing"}


@dataclass
class Prepared:
    """What every run of one scenario shares: the DEM, each ground radar with its coverage
    raster, the airspaces. Compute once with :func:`prepare`, pass it to every :func:`run`
    (radar positions and antennas must then be the same in those runs)."""

    dem: Dem
    radars: list[GroundRadar]
    airspaces: dict[str, Airspace]


def check_bases_on_dem(sc: RunScenario, dem: Dem) -> None:
    """OffMapError for the first base outside the DEM."""
    from foxbat.errors import OffMapError

    for i, b in enumerate(sc.defenders.bases):
        if not bool(dem.contains(b.lat, b.lon)):
            raise sc.with_line(OffMapError(
                f"base {b.name} at {b.lat:.4f},{b.lon:.4f} lies outside the DEM ({dem.name})",
                where=sc.where, field=f"bases[{i}] ({b.name}).lat"))


def check_scenario(sc: RunScenario, dem: Dem | None = None) -> Dem:
    """Every check a run makes before it computes anything, and returns the DEM: the bases,
    radar sites and antennas on the DEM, each site's radar type a ground radar, the aircraft
    in the catalogue, the route (and the route at each low-level alternative) flyable on the
    DEM. ``foxbat scenario validate`` runs exactly this, so "valid" means the run starts.
    An error names the scenario file, the line of the field and the field."""
    from foxbat.errors import FoxbatError

    try:
        return _check_scenario(sc, dem)
    except FoxbatError as exc:
        raise sc.with_line(exc) from None


def _check_scenario(sc: RunScenario, dem: Dem | None) -> Dem:
    from foxbat.aircraft.performance import load_aircraft
    from foxbat.coverage.engine import antenna_msl_m
    from foxbat.errors import FoxbatError
    from foxbat.flight.route import compile_route
    from foxbat.flight.terrain import ground_grid
    from foxbat.radar.catalogue import get_radar_type
    from foxbat.scenario.flight import parse_flight_scenario
    from foxbat.terrain import open_dem

    d = sc.defenders
    catalogues = tuple(sc.flight.catalogues)
    if dem is None:
        dem = open_dem(sc.flight.dem, where=sc.where, field="dem")
    check_bases_on_dem(sc, dem)
    for i, spec in enumerate(sc.radars):
        label = f"radars[{i}] ({spec.name})"
        rt = get_radar_type(spec.type, where=sc.where, field=f"{label}.type", catalogues=catalogues)
        if rt.platform != "ground":
            raise ParameterError(f"{rt.name} is an airborne radar; a site needs a ground radar type",
                                 where=sc.where, field=f"{label}.type")
        try:
            antenna_msl_m(dem, spec.to_site())
        except FoxbatError as exc:  # name the scenario file and the radar's field, not the engine's
            raise type(exc)(exc.detail, where=sc.where,
                            field=f"{label}.{exc.field if exc.field != 'position' else 'lat'}") from None
    ac = load_aircraft(sc.flight.aircraft.type, where=sc.where, catalogues=catalogues)
    grid = ground_grid(dem)
    compile_route(sc.flight, ac, grid, sc.where)
    for h in d.low_level_alternatives_m:
        if d.low_level_height_m is None:
            raise ParameterError("low_level_alternatives_m needs low_level_height_m (the height they replace)",
                                 where=sc.where, field="low_level_alternatives_m")
        alt = parse_flight_scenario(_override_low_level(sc.raw, d.low_level_height_m, h), sc.where)
        compile_route(alt, ac, grid, sc.where)
    return dem


def prepare(sc: RunScenario) -> Prepared:
    """Check the scenario (:func:`check_scenario`), load the DEM and compute every ground
    radar's coverage and the airspaces."""
    d = sc.defenders
    dem = check_scenario(sc)
    radars = build_ground_radars(sc, dem)
    airspaces = {s.name: airspace_from_dem(s.name, dem, s.airspace.lat_min, s.airspace.lat_max, s.airspace.lon_min,
                                           s.airspace.lon_max, s.airspace.buffer_km)
                 for s in d.sides if s.airspace is not None}
    return Prepared(dem, radars, airspaces)


def run(sc: RunScenario, seed: int | None = None, low_level_m: float | None = None,
        progress: Callable[[str], None] | None = None, prepared: Prepared | None = None) -> RunResult:
    """Run a scenario. ``seed`` defaults to the scenario's; ``low_level_m`` moves the
    low-level leg (legs at the scenario's ``low_level_height_m``) to another height;
    ``prepared`` (from :func:`prepare`) skips recomputing the coverage rasters."""
    from foxbat.aircraft.performance import load_aircraft
    from foxbat.scenario.flight import parse_flight_scenario
    from foxbat.tracking import SideTracker, TrackerConfig

    say = progress or (lambda _msg: None)
    d = sc.defenders
    seed = d.seed if seed is None else int(seed)
    low = d.low_level_height_m
    flight = sc.flight
    if low_level_m is not None:
        raw = _override_low_level(sc.raw, d.low_level_height_m, low_level_m)
        flight = parse_flight_scenario(raw, sc.where)
        low = low_level_m
    root = np.random.SeedSequence(seed)
    streams = root.spawn(len(sc.radars) + len(d.interceptors) * 8 + 1)

    say("terrain and radar coverage")
    if prepared is None:
        prepared = prepare(sc)
    dem, radars, airspaces = prepared.dem, prepared.radars, prepared.airspaces
    say("intruder flight")
    try:
        traj = fly(flight, dem, where=sc.where)
    except FoxbatError as exc:
        raise sc.with_line(exc) from None
    t = traj["t_s"]
    lat, lon, alt, agl = traj["lat_deg"], traj["lon_deg"], traj["alt_msl_m"], traj["height_agl_m"]

    warnings = []
    rcs = d.intruder.rcs_m2.value
    looks: list[Looks] = []
    measurements = []
    false_alarm_points: list[tuple] = []
    scans: dict[str, list] = {s.name: [] for s in d.sides}
    say("radar scans")
    operating = {spec.name: spec.operating for spec in sc.radars}
    for i, r in enumerate(radars):
        if not operating[r.name]:
            warnings.append(f"radar {r.name} ({r.side}) is off: it makes no scans")
            continue
        rng = np.random.default_rng(streams[i])
        lk = ground_looks(r, d.intruder.id, t, lat, lon, alt, agl, rcs, d.intruder.swerling, rng, dem,
                          d.sea_surface, d.land_surface, d.k, env=PathEnvironment.from_spec(d.environment))
        if not lk.visible.any():
            warnings.append(f"radar {r.name} ({r.side}) can see nothing of the route")
        looks.append(lk)
        measurements.extend(to_measurements(lk, r))
        scans[r.side].extend((float(x), r.name) for x in lk.t_s)
        if d.false_alarms_per_scan > 0:
            # their own stream: switching false alarms on leaves the target's draws alone
            fa_rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(10_000 + i,)))
            fa, where = false_alarms(r, lk.t_s, d.false_alarms_per_scan, fa_rng)
            measurements.extend(fa)
            false_alarm_points.extend((t_fa, r.side, r.name, la_fa, lo_fa) for t_fa, la_fa, lo_fa in where)

    say("tracking")
    tracking = {}
    for s in d.sides:
        own = [r for r in radars if r.side == s.name]
        ref = (float(np.mean([r.lat_deg for r in own])), float(np.mean([r.lon_deg for r in own])))
        cfg = TrackerConfig(m=s.tracker.m, n=s.tracker.n, max_coast_s=s.tracker.max_coast_s,
                            gate_probability=s.tracker.gate_probability,
                            q_horizontal_m2_s3=s.tracker.q_horizontal_m2_s3,
                            q_vertical_m2_s3=s.tracker.q_vertical_m2_s3)
        tracking[s.name] = SideTracker(s.name, ref[0], ref[1], cfg, dem.elevation_m).run(
            [m for m in measurements if m.side == s.name], scans=scans[s.name])

    events: list[dict] = []
    ev = lambda **kw: events.append(kw)  # noqa: E731
    # the intruder's own events
    for e in traj.events:
        kind = FLIGHT_EVENT_KINDS.get(e["kind"])
        if kind is None or (kind == "overrun" and not e.get("overrun_m", 0) > 0):
            continue  # a roll that stops on the runway is no overrun
        extra = {k: e[k] for k in ("roll_m", "overrun_m") if k in e}
        ev(t_s=e["t_s"], side=d.intruder.side, kind=kind, actor=d.intruder.id, target=None, lat=e["lat_deg"],
           lon=e["lon_deg"], alt_msl_m=e["alt_msl_m"], fuel_kg=float(np.interp(e["t_s"], t, traj["fuel_kg"])), **extra)
    for side, a in airspaces.items():
        if side == d.intruder.side:
            continue
        inside = a.contains(lat, lon)
        if inside.any():
            i = int(np.argmax(inside))
            ev(t_s=float(t[i]), side=side, kind="airspace_entry", actor=d.intruder.id, target=side,
               lat=float(lat[i]), lon=float(lon[i]), alt_msl_m=float(alt[i]))
    # first detection by each radar, and again after a gap of 3 scans or more
    radar_of = {r.name: r for r in radars}
    for lk in looks:
        r = radar_of[lk.radar]
        last = -math.inf
        for j in np.nonzero(lk.detected)[0]:
            if lk.t_s[j] - last > 3 * r.rtype.revisit_s:
                ev(t_s=float(lk.t_s[j]), side=r.side, kind="detection", actor=r.name, target=lk.target,
                   lat=float(lk.lat[j]), lon=float(lk.lon[j]), alt_msl_m=float(lk.alt_msl_m[j]), radar=r.name,
                   snr_db=round(float(lk.snr_db[j]), 2), pd=round(float(lk.pd[j]), 4))
            last = lk.t_s[j]
    for side, res in tracking.items():
        for te in res.events:
            extra = {"since_last_detection_s": te.since_last_detection_s} if te.since_last_detection_s is not None else {}
            ev(t_s=te.t_s, side=side, kind=te.kind, actor=f"{side} track {te.track_id}", target=te.target,
               lat=te.lat_deg, lon=te.lon_deg, alt_msl_m=te.alt_msl_m, track_id=te.track_id, **extra)

    # a side's gaps: from the end of every track it held on the intruder to the next
    t_last = float(t[-1])
    for side, res in tracking.items():
        spans = sorted((rec.confirmed_t_s, rec.lost_t_s if rec.lost_t_s is not None else t_last)
                       for rec in res.tracks if rec.target == d.intruder.id)
        covered_to = None
        for a, b in spans:
            if covered_to is not None and a > covered_to:
                _gap_event(ev, side, d.intruder.id, covered_to, a, t, lat, lon, alt)
            covered_to = b if covered_to is None else max(covered_to, b)
        if covered_to is not None and covered_to < t_last:
            _gap_event(ev, side, d.intruder.id, covered_to, None, t, lat, lon, alt)

    say("interceptors")
    flights: list[InterceptorFlight] = []
    bases = {b.name: b for b in d.bases}
    intruder = Intruder(d.intruder.id, t, lat, lon, alt, agl, rcs, d.intruder.swerling)
    t_end = float(t[-1]) + 1800.0
    on_alert = {b.name: b.alert_aircraft for b in d.bases}
    for fi, spec in enumerate(d.interceptors):
        res = tracking[spec.side]
        # the delay's own stream: adding a flight or a radar leaves the other draws alone
        delay_rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(20_000 + fi,)))
        scr = scramble_decision(spec, res, airspaces.get(spec.side), d, delay_rng)
        if scr is None:
            continue
        t_scr = scr.pop("t_s")
        base_name = spec.base
        if spec.base == NEAREST_BASE:
            base_name = nearest_alert_base(d.bases, spec.side, scr["trigger_lat"], scr["trigger_lon"], spec.count,
                                           on_alert)
            if base_name is None:
                warnings.append(f"{spec.name}: no base of {spec.side} has {spec.count} aircraft left on alert")
                continue
            on_alert[base_name] -= spec.count
        base = bases[base_name]
        ev(t_s=t_scr, side=spec.side, kind="scramble", actor=spec.name, target=d.intruder.id, lat=base.lat,
           lon=base.lon, alt_msl_m=base.elevation_m, count=spec.count, base=base.name, **scr)
        picture = _picture(res, spec.side, d)
        cats = tuple(sc.flight.catalogues)
        ac = load_aircraft(spec.type, where=sc.where, field=f"interceptors[{fi}] ({spec.name}).type",
                           catalogues=cats)
        from foxbat.radar.catalogue import get_radar_type

        radar = get_radar_type(spec.radar, where=sc.where, field=f"interceptors[{fi}] ({spec.name}).radar",
                               catalogues=cats) if spec.radar else None
        for n in range(spec.count):
            # keyed by flight and aircraft, not by the number of radars: adding a radar leaves
            # the interceptors' draws alone
            rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(30_000 + fi * 8 + n,)))
            f = fly_interceptor(
                f"{spec.name} {n + 1}", spec.side, ac, radar, base.lat, base.lon, base.elevation_m,
                t_scr + spec.takeoff_s + 20.0 * n, t_end, spec.fuel_kg or ac.internal_fuel_kg, picture, intruder,
                dem, d.k, rng, cruise_mach=spec.cruise_mach, search_alt_msl_m=spec.search_alt_msl_m,
                visual_range_m=spec.visual_range_m, weapons_range_m=spec.weapons_range_m,
                intercept_hold_s=spec.intercept_hold_s, bingo_fuel_kg=spec.bingo_fuel_kg,
                sea=d.sea_surface, land=d.land_surface, weapons_need_visual=spec.weapons_need_visual,
                clear_air=d.weather.clear_between,
                runway_heading_deg=base.runway.heading_deg if base.runway else None,
                runway_length_m=base.runway.length_m if base.runway else None,
                env=PathEnvironment.from_spec(d.environment))
            flights.append(f)
            events.extend(f.events)

    order = {"takeoff": 0, "detection": 1, "track_started": 2, "scramble": 3}
    events.sort(key=lambda e: (round(e["t_s"], 6), order.get(e["kind"], 9), e["kind"], str(e["actor"])))
    for e in events:
        e["t_utc"] = _iso(d.epoch_utc, e["t_s"])
    side_cov = {}
    for s in d.sides:
        own = [r.lowest_agl.heights_m for r in radars if r.side == s.name]
        side_cov[s.name] = np.fmin.reduce(own) if len(own) > 1 else own[0]
    measurements.sort(key=lambda m: (m.t_s, m.radar))
    return RunResult(sc, seed, dem, traj, radars, looks, tracking, flights, events, side_cov, airspaces, low,
                     warnings, false_alarm_points)


def _gap_event(ev, side, target, start_s, end_s, t, lat, lon, alt) -> None:
    """The side holds no track of the target from start_s (to end_s, or the end of the flight)."""
    i = min(int(np.searchsorted(t, start_s)), t.size - 1)
    extra = {"gap_s": round(end_s - start_s, 1)} if end_s is not None else {"gap_s": None}
    ev(t_s=float(start_s), side=side, kind="track_gap", actor=f"{side} network", target=target,
       lat=float(lat[i]), lon=float(lon[i]), alt_msl_m=float(alt[i]), **extra)


def scramble_decision(spec, res, airspace, d, rng: np.random.Generator) -> dict | None:
    """When flight ``spec`` is scrambled, and why: ``{"t_s", "basis": "input"}`` for a scripted
    time; for a reactive one ``{"t_s", "basis": "rule", "trigger_t_s", "track_id", "delay_s",
    "trigger_lat", "trigger_lon"}`` once a track of ``res`` meets the rule, the delay drawn
    from ``rng``; None when no track ever meets it."""
    from foxbat.command.scramble import find_trigger

    scr = spec.scramble
    if scr.scripted:
        return {"t_s": (scr.at_utc - d.epoch_utc).total_seconds(), "basis": "input"}
    side = next(s for s in d.sides if s.name == spec.side)
    rule = scr.rule
    trig = find_trigger(res.tracks, airspace, zone_km=side.zone_km if rule.zone_km is None else rule.zone_km,
                        inbound=rule.inbound, min_closing_mps=rule.min_closing_mps, dwell_s=rule.dwell_s)
    if trig is None:
        return None
    delay = scr.delay_s if scr.delay_s is not None else scr.delay.draw_s(rng)
    return {"t_s": trig.t_s + delay, "basis": "rule", "trigger_t_s": trig.t_s, "track_id": trig.track_id,
            "delay_s": round(delay, 3), "trigger_lat": trig.lat_deg, "trigger_lon": trig.lon_deg}


def _picture(res, side: str, d) -> TrackPicture | None:
    """The side's confirmed track states as its controllers pass them (latency, vector interval)."""
    states = [s for tr in res.tracks for s in tr.states if s.confirmed]
    if not states:
        return None
    states.sort(key=lambda s: s.t_s)
    spec = next(s for s in d.sides if s.name == side)
    max_age = spec.tracker.max_coast_s
    # an unknown altitude (2-D radars only) is NaN: the controller has no height to pass
    arr = lambda name: np.array([np.nan if getattr(s, name) is None else getattr(s, name) for s in states],  # noqa: E731
                                float)
    return TrackPicture(arr("t_s"), arr("lat_deg"), arr("lon_deg"), arr("alt_msl_m"), arr("vel_east_mps"),
                        arr("vel_north_mps"), max_age, latency_s=spec.gci.latency_s,
                        update_s=spec.gci.update_interval_s)
