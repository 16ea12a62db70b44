"""The route planner (foxbat.planning): synthetic ridge and smooth-sphere cases, an
impossible request, and the flagship planned, written, flown and compared."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from foxbat.aircraft.performance import load_aircraft
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.planning import InfeasibleRouteError, plan_route
from foxbat.radar.catalogue import get_radar_type
from foxbat.sensing.ground import GroundRadar
from foxbat.terrain import from_array
from foxbat.terrain.dem import Dem

CELL_DEG = 0.05
MIG = load_aircraft("MiG-25P")


def _dem(z: np.ndarray, lat_top: float, lon_left: float) -> Dem:
    return from_array(z.astype(np.float32), Affine(CELL_DEG, 0, lon_left, 0, -CELL_DEG, lat_top), "EPSG:4326")


def _radar(dem: Dem, lat: float, lon: float, agl_m: float, range_m: float, name="R") -> GroundRadar:
    rt = get_radar_type("AN/FPS-20")
    site = RadarSite(lat, lon, antenna_agl_m=agl_m, max_range_m=range_m, name=name)
    cov = compute_coverage(dem, [site], 4.0 / 3.0)
    ground = float(max(dem.elevation_m(lat, lon), 0.0))
    return GroundRadar(name, "Blue", lat, lon, ground + agl_m, agl_m, range_m, rt,
                       Dem(cov.lowest_agl_m, dem.transform, dem.crs, None), dem)


def _path_lowest(plan, radar) -> np.ndarray:
    """The radar's lowest visible height (cell value) at each waypoint's cell."""
    z = radar.lowest_agl
    out = []
    for w in plan.waypoints:
        r, c = z.rowcol_float(w.lat, w.lon)
        out.append(z.heights_m[int(round(float(r))), int(round(float(c)))])
    return np.array(out, float)


def test_ridge_shadow():
    # flat land at 10 m; a 1,500 m ridge 44 km east of a radar on a 300 m mast
    nr, nc = 40, 50
    z = np.full((nr, nc), 10.0)
    lat_top, lon_left = 1.0, 0.0
    ridge_col = int(round((0.7 - lon_left) / CELL_DEG))
    rows = slice(int((lat_top - 0.6) / CELL_DEG), int((lat_top + 0.6) / CELL_DEG))
    z[rows, ridge_col] = 1500.0
    dem = _dem(z, lat_top, lon_left)
    radar = _radar(dem, 0.0, 0.3, 300.0, 250_000.0)
    flat = _radar(_dem(np.full((nr, nc), 10.0), lat_top, lon_left), 0.0, 0.3, 300.0, 250_000.0)
    start, goal = (-0.35, 0.9), (0.35, 0.9)
    plan = plan_route(dem, [radar], MIG, start, goal, fuel_kg=14000, reserve_kg=500, rcs_m2=10, swerling=1,
                      margin_km=None, airborne_start=True)
    low = _path_lowest(plan, radar)
    flown = np.array([w.height_agl_m for w in plan.waypoints])
    # every cell of the path is hidden at the height flown there (NaN: beyond range)
    assert np.all(np.nan_to_num(low, nan=np.inf) > flown), (low, flown)
    # ... and at least one of them only thanks to the ridge
    low_flat = _path_lowest(plan, flat)
    assert np.any(np.nan_to_num(low_flat, nan=np.inf) <= flown)
    # behind the ridge only its diffraction loss (Deygout, more than J(0) = 6 dB one way)
    # lets a little signal through: the route is all but invisible
    assert plan.hazard < 1e-4
    assert plan.cumulative_pd["Blue"] < 1e-4


def _sea_case():
    nr, nc = 36, 84
    dem = _dem(np.zeros((nr, nc)), 0.9, 0.0)
    radar = _radar(dem, 0.0, 2.1, 20.0, 400_000.0)
    return dem, radar, (-0.8, 0.3), (-0.8, 3.9)


def test_sea_below_horizon_until_fuel_forces_it_up():
    dem, radar, start, goal = _sea_case()
    kw = dict(rcs_m2=10, swerling=1, margin_km=None, airborne_start=True, reserve_kg=500)
    ample = plan_route(dem, [radar], MIG, start, goal, fuel_kg=20000, **kw)
    low = _path_lowest(ample, radar)
    flown = np.array([w.height_agl_m for w in ample.waypoints])
    # below the radar horizon everywhere (lowest visible height above the flown one)
    assert np.all(np.nan_to_num(low, nan=np.inf) > flown)
    # below the horizon only smooth-sphere diffraction (ITU-R P.526) reaches it: a little hazard
    assert ample.hazard < 1e-3
    assert flown.min() <= 100.0  # down on the sea where the radar is near
    f_low = ample.candidates[0].fuel_kg  # the least visible route (it keeps the reserve: the only search)
    # with a reserve that the least visible route breaks, the least-fuel route is searched too
    short = plan_route(dem, [radar], MIG, start, goal, fuel_kg=20000, **{**kw, "reserve_kg": 20000 - 0.99 * f_low})
    assert len(ample.candidates) == 1 and short.candidates[0].fuel_kg == f_low
    f_min = short.candidates[1].fuel_kg  # the least-fuel route
    assert f_min < 0.9 * f_low
    tight = 500.0 + 0.5 * (f_min + f_low)
    plan = plan_route(dem, [radar], MIG, start, goal, fuel_kg=tight, **kw)
    heights = np.array([w.height_agl_m for w in plan.waypoints])
    assert plan.fuel_used_kg <= tight - 500.0 + 1e-6
    # fuel forces it up: part of the way it flies above the radar horizon, in view ...
    low = np.nan_to_num(_path_lowest(plan, radar), nan=np.inf)
    assert np.any(heights >= low)
    assert heights.max() > flown.max()
    assert plan.hazard > ample.hazard


def test_hazard_rasters_keep_terrain_profiles_exact():
    """The hazard rasters compute each cell's terrain profile once for all layers: the
    same Pd, bit for bit, as one call per point set without the kept profiles (a ridge
    hides part of the grid, so diffraction profiles are needed)."""
    from foxbat.planning import costs

    nr, nc = 30, 40
    z = np.full((nr, nc), 10.0)
    z[:, 12] = 1500.0
    dem = _dem(z, 1.0, 0.0)
    radar = _radar(dem, 0.0, 0.3, 300.0, 250_000.0)
    rows, cols = np.arange(nr), np.arange(nc)
    lon, lat = np.meshgrid(0.025 + CELL_DEG * cols, 0.975 - CELL_DEG * rows)
    ground = z.copy()
    lowest = radar.lowest_agl.heights_m.astype(float)
    heights = np.array([30.0, 250.0, 2000.0])
    rho = costs.hazard_rate_grid([radar], lat, lon, ground, [lowest], heights, 10.0, 1, "sea_state_3",
                                 "wooded_hills", 4.0 / 3.0)
    blocked = 0
    for li, h in enumerate(heights):
        pd = costs.pd_per_scan(radar, lat, lon, h, ground, 10.0, 1, lowest_agl_m=lowest)
        assert np.array_equal(rho[li], costs.hazard_per_scan(pd) / radar.rtype.revisit_s)
        blocked += int(np.sum((h < lowest) & (pd > 0)))
    assert blocked > 50  # diffraction behind the ridge: the profiles were used


def test_astar_bound_keeps_the_search_exact(monkeypatch):
    """The A* bound (the cost to the goal on the relaxed graph without headings, turn and
    climb limits) is consistent: every search of the sweep returns the same route, fuel
    and hazard as plain Dijkstra (no bound), on the sea case, where diffraction leaves a
    small hazard everywhere and the fuel binds (the whole Lagrangian sweep runs)."""
    import foxbat.planning.planner as planner

    dem, radar, start, goal = _sea_case()
    kw = dict(rcs_m2=10, swerling=1, margin_km=None, airborne_start=True, reserve_kg=500)
    ample = plan_route(dem, [radar], MIG, start, goal, fuel_kg=20000, **kw)
    # a reserve that the least visible route breaks: the sweep runs
    kw["reserve_kg"] = 20000 - 0.97 * ample.fuel_used_kg
    with_bound = plan_route(dem, [radar], MIG, start, goal, fuel_kg=20000, **kw)
    assert len(with_bound.candidates) >= 3

    def no_bound(heights, ground, rho, tas, *a):
        return np.zeros(tas.shape[:3])

    monkeypatch.setattr(planner, "node_bound", no_bound)
    plain = plan_route(dem, [radar], MIG, start, goal, fuel_kg=20000, **kw)
    got = [x for c in with_bound.candidates for x in (c.lam, c.fuel_kg, c.hazard)]
    assert got == pytest.approx([x for c in plain.candidates for x in (c.lam, c.fuel_kg, c.hazard)], rel=1e-9)
    key = [(w.row, w.col, w.layer, w.heading, w.speed) for w in with_bound.waypoints]
    assert key == [(w.row, w.col, w.layer, w.heading, w.speed) for w in plain.waypoints]


def test_rough_floor_applies_wherever_the_terrain_is_as_rough():
    """A constraint learnt from a crash (RoughFloor) holds wherever the relief is at least
    the crash cell's: two one-cell ridges 300 m high cross a low route; a floor learnt
    on the first keeps the route up over the second too, 200 km away. The relief is the
    highest minus the lowest DEM cell within a grid step (exact oracle on a random DEM)."""
    from foxbat.planning.planner import RoughFloor, cell_relief_m

    rng = np.random.default_rng(1)
    zr = rng.uniform(0, 1000, (13, 17))
    d = _dem(zr, 1.0, 0.0)
    rows, cols = np.arange(0, 13, 2), np.arange(1, 17, 2)
    got = cell_relief_m(d, rows, cols, 2)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            w = zr[max(r - 2, 0):r + 3, max(c - 2, 0):c + 3]
            assert got[i, j] == pytest.approx(w.max() - w.min())

    nr, nc = 36, 84
    z = np.zeros((nr, nc))
    ridges = (20, 60)  # DEM columns: lon 1.0 and 3.0
    for c in ridges:
        z[:, c] = 300.0
    dem = _dem(z, 0.9, 0.0)
    radar = _radar(dem, 0.0, 2.1, 20.0, 400_000.0)
    start, goal = (-0.8, 0.3), (-0.8, 3.9)
    kw = dict(rcs_m2=10, swerling=1, margin_km=None, airborne_start=True, reserve_kg=500, fuel_kg=20000)

    def over_ridges(plan):
        return [w.height_agl_m for w in plan.waypoints if w.col in ridges or w.col - 1 in ridges
                or w.col + 1 in ridges]

    free = plan_route(dem, [radar], MIG, start, goal, **kw)
    assert min(over_ridges(free)) < 1000.0  # low over the ridges when nothing forbids it
    fl = RoughFloor(0.5, 1.025, 1000.0)  # on the first ridge, far north of the route
    held = plan_route(dem, [radar], MIG, start, goal, rough_floors=(fl,), **kw)
    over = over_ridges(held)
    assert len(over) >= 2 and min(over) >= 1000.0
    assert any(w.col == ridges[1] for w in held.waypoints if w.height_agl_m >= 1000.0)
    assert held.hazard >= free.hazard


def test_impossible_request_says_how_far():
    dem, radar, start, goal = _sea_case()
    with pytest.raises(InfeasibleRouteError) as exc:
        plan_route(dem, [radar], MIG, start, goal, fuel_kg=2500, reserve_kg=500, rcs_m2=10, swerling=1,
                   margin_km=None, airborne_start=True)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "too little fuel" in msg and " km " in msg and "%" in msg


def test_cli_impossible_exit_2(capsys):
    from foxbat.cli import main

    rc = main(["plan", "belenko-1976", "--aircraft", "MiG-25P", "--fuel-kg", "2500", "--out", "/tmp/never.yaml"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1
    assert "too little fuel" in err and "km" in err


def test_flagship_plan_flies_and_compares(tmp_path):
    """The flagship: plan, write route.yaml, fly it with foxbat.sim.run, and compare."""
    import csv

    from foxbat import sim
    from foxbat.cli import main
    from foxbat.run_output import summary
    from foxbat.scenario.run import load_run_scenario

    out = tmp_path / "route.yaml"
    cmp_dir = tmp_path / "cmp"
    rc = main(["plan", "belenko-1976", "--aircraft", "068", "--out", str(out), "--compare", str(cmp_dir)])
    assert rc == 0
    sc = load_run_scenario(str(out))
    kinds = [leg.kind for leg in sc.flight.route.legs]
    assert kinds[0] == "takeoff" and kinds[-1] == "land"
    assert set(kinds[1:-1]) <= {"fly_to", "follow_terrain"}
    res = sim.run(sc)
    s = summary(res)
    assert s["intruder"]["outcome"] == "landed"
    assert s["intruder"]["fuel_end_kg"] >= 0.05 * 14000 - 1.0
    rows = list(csv.DictReader((cmp_dir / "compare.csv").open()))
    assert [r["route"].split()[0] for r in rows] == ["direct", "historical", "planned"]
    by = {r["route"].split()[0]: r for r in rows}
    # the planned route is seen less than the historical one by both sides' models
    for side in ("USSR", "Japan"):
        assert float(by["planned"][f"{side}_log_miss_model"]) < float(by["historical"][f"{side}_log_miss_model"])
    assert float(by["planned"]["USSR_time_tracked_min"]) < float(by["historical"]["USSR_time_tracked_min"])
    assert (cmp_dir / "compare.png").stat().st_size > 10_000
    assert math.isfinite(float(by["planned"]["fuel_left_kg"]))


# --------------------------------------------------------------------- the check flight and re-plans

WALL_SCENARIO = """name: wall-crossing
title: "a one-cell wall across the way"
epoch_utc: "1980-06-01T01:00:00Z"
sides:
  - {name: Red, color: "#c0392b"}
  - {name: Blue, color: "#2c6fbb"}
intruder:
  id: "X"
  side: Red
  rcs_m2: {value: 5.0, notional: true, reason: "test target"}
radars:
  - {name: North, side: Blue, type: AN/FPS-20, lat: 43.35, lon: 140.3, antenna_agl_m: 20, max_range_km: 300,
     notional: true, reason: "test: low flight south of it is below its horizon"}
  - {name: Home, side: Red, type: AN/FPS-20, lat: 42.65, lon: 139.55, antenna_agl_m: 20, max_range_km: 10,
     notional: true, reason: "test: every side needs a radar"}
aircraft:
  type: MiG-25P
  fuel_kg: 14000
dem: terrain.tif
route:
  legs:
    - start: {lat: 42.8, lon: 139.7, height_agl_m: 30, heading_deg: 90, speed: {mach: 0.8}}
    - follow_terrain: {lat: 42.8, lon: 140.9, height_agl_m: 30}
"""
WALL_COL, WALL_LON = 80, 140.305  # the wall's column and the longitude of its centre


def _wall_case(root, wall_m: float = 500.0):
    """Flat land at 50 m MSL (0.01 deg cells, 80 x 160) with a wall one cell wide and
    ``wall_m`` high from north to south edge, across the way of a low route west to east.
    The grid's knight's moves jump a one-cell wall (only their ends' climb is tested),
    so the unconstrained search crosses it at 100 m AGL, which the flight model cannot."""
    import rasterio

    z = np.full((80, 160), 50.0, np.float32)
    z[:, WALL_COL] = wall_m
    with rasterio.open(root / "terrain.tif", "w", driver="GTiff", height=80, width=160, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.01, 0, 139.5, 0, -0.01, 43.4)) as f:
        f.write(z, 1)
    (root / "wall.yaml").write_text(WALL_SCENARIO)
    return root / "wall.yaml"


def test_replan_after_a_crash_flies_clear_of_the_wall(tmp_path, capsys):
    from foxbat import sim
    from foxbat.cli import main
    from foxbat.flight import fly
    from foxbat.planning.workflow import plan_scenario
    from foxbat.scenario.run import load_run_scenario

    scen = _wall_case(tmp_path)
    sc = load_run_scenario(str(scen))
    prepared = sim.prepare(sc)
    # the unconstrained plan, flown with the flight model, hits the wall
    first = plan_scenario(sc, prepared, max_checks=6)
    assert first.failures and first.failures[0] == "terrain"
    # the route handed back flies to the goal over the wall, clear of the ground all the way
    out = tmp_path / "route.yaml"
    assert main(["plan", str(scen), "--out", str(out), "--compare", str(tmp_path / "cmp")]) == 0
    text = capsys.readouterr().out
    assert "re-planned" in text and "check flight: route_end" in text
    # the comparison: the scenario's own route (30 m AGL into the wall) is marked failed, no fuel shown
    import csv

    rows = {r["route"].split()[0]: r for r in csv.DictReader((tmp_path / "cmp" / "compare.csv").open())}
    hist = rows["historical"]
    assert hist["failed"] == "yes" and hist["fuel_left_kg"] == "" and hist["failure"].startswith("crashed at ")
    assert abs(float(hist["failure"].split()[3].rstrip("E,")) - WALL_LON) < 0.02
    assert rows["planned"]["failed"] == "no" and float(rows["planned"]["fuel_left_kg"]) > 700.0
    assert "historical (scenario): FAILED (crashed at" in text
    planned = load_run_scenario(str(out))
    tr = fly(planned.flight, prepared.dem)
    assert tr.outcome == "route_end" and not tr.events_named("crash")
    lon = tr["lon_deg"]
    assert lon[-1] > 140.85  # reached the goal side
    over = np.abs(lon - WALL_LON) < 0.005
    assert over.any()
    assert np.min(tr["alt_msl_m"][over]) > 500.0  # above the wall's top where it crosses


def test_unflyable_route_exits_2_with_one_line(tmp_path, capsys):
    """With layers up to 100 m only, nothing crosses a 500 m wall: exit 2, one line saying
    why and where (the crash on the wall: lat/lon, time), and no route written."""
    import re

    from foxbat.cli import main

    scen = _wall_case(tmp_path)
    out = tmp_path / "route.yaml"
    rc = main(["plan", str(scen), "--layers", "30,100", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1, err
    m = re.search(r"crashes into terrain at (\d+\.\d+)N (\d+\.\d+)E, t = (\d+) s", err)
    assert m, err
    lat, lon, t = float(m.group(1)), float(m.group(2)), float(m.group(3))
    assert 42.6 <= lat <= 43.4 and abs(lon - WALL_LON) < 0.02  # on the wall
    assert 60 < t < 1200
    assert not out.exists()
