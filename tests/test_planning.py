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
    f_min = ample.candidates[0].fuel_kg  # the least-fuel route
    f_low = ample.candidates[1].fuel_kg  # the least visible one
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
