"""Interceptors fly on estimates (the GCI picture with its latency, then their own radar
track), never on the truth, and come home to their base's runway."""

import math

import numpy as np
import pytest
import yaml
from affine import Affine

from foxbat.aircraft.performance import load_aircraft
from foxbat.command.intercept import Intruder, TrackPicture, fly_interceptor
from foxbat.geo import wgs84_geod
from foxbat.scenario.radars import builtin_scenario_path
from foxbat.sensing.geometry import destination
from foxbat.terrain import from_array

K = 4.0 / 3.0


def _sea(lat0=39.0, lon0=138.5, n=300, cell=0.02):
    return from_array(np.zeros((n, n), np.float32), Affine(cell, 0, lon0, 0, -cell, lat0 + n * cell), "EPSG:4326")


def _north_bound(lat, lon, alt, speed=250.0, duration=1500):
    t = np.arange(0.0, duration + 1.0)
    pts = [destination(lat, lon, 0.0, speed * s) for s in t]
    la, lo = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    return t, la, lo, np.full(t.size, float(alt))


def test_gci_picture_has_latency_and_update_interval():
    """The pilot flies on the vector of the last GCI call (every 20 s), made from the
    newest state at least 15 s old then: at t = 45 s that is the state of t = 25 s."""
    t = np.arange(0.0, 100.0)
    lat = 40.0 + t * 1e-3  # states that move while claiming zero velocity: no extrapolation
    pic = TrackPicture(t, lat, np.full(t.size, 140.0), np.full(t.size, 5000.0), np.zeros(t.size),
                       np.zeros(t.size), 60.0, latency_s=15.0, update_s=20.0)
    assert pic.estimate(45.0)[0] == pytest.approx(40.025)
    assert pic.estimate(59.9)[0] == pytest.approx(40.025)
    assert pic.estimate(60.0)[0] == pytest.approx(40.045)
    assert pic.estimate(10.0) is None  # nothing 15 s old at the call of t = 0
    assert pic.state_at(45.0)[0] == pytest.approx(40.045)


def test_pursuit_follows_the_estimate_not_the_truth():
    """The ground track is 30 km east of where the target truly is: the interceptor
    (no radar of its own) flies to the estimate and never near the truth."""
    t, la, lo, alt = _north_bound(40.0, 140.0, 6000.0)
    truth = Intruder("X", t, la, lo, alt, alt.copy(), 5.0, 1)
    east = [destination(a, b, 90.0, 30_000.0) for a, b in zip(la, lo)]
    ela, elo = np.array([p[0] for p in east]), np.array([p[1] for p in east])
    vn = np.full(t.size, 250.0)
    pic = TrackPicture(t, ela, elo, alt.copy(), np.zeros(t.size), vn, 60.0, latency_s=0.0, update_s=0.0)
    ac = load_aircraft("F-4EJ")
    f = fly_interceptor("I 1", "Blue", ac, None, 40.6, 140.2, 0.0, 0.0, 1200.0, 5000.0, pic, truth, _sea(), K,
                        np.random.default_rng(0), cruise_mach=0.9, search_alt_msl_m=6000.0, visual_range_m=5000.0,
                        weapons_range_m=1500.0, intercept_hold_s=10.0, bingo_fuel_kg=100.0, sea="sea_state_3",
                        land="wooded_hills")
    c = f.columns
    ts = np.array(c["t_s"])
    g = wgs84_geod()
    est_lat, est_lon = np.interp(ts, t, ela), np.interp(ts, t, elo)
    tru_lat, tru_lon = np.interp(ts, t, la), np.interp(ts, t, lo)
    _, _, d_est = g.inv(c["lon"], c["lat"], est_lon, est_lat)
    _, _, d_true = g.inv(c["lon"], c["lat"], tru_lon, tru_lat)
    assert d_est.min() < 3000.0  # it reaches the estimate
    assert d_true.min() > 25_000.0  # and never comes near the truth
    assert {s for _, s, *_ in f.estimates} == {"gci"}
    assert not any(e["kind"] in ("visual", "intercept") for e in f.events)


def test_own_radar_track_takes_over_after_lock_on():
    """With its radar the interceptor locks on and then steers on its own track: the
    estimate it flies is the radar's (within a few hundred metres of the truth)."""
    from foxbat.radar.catalogue import get_radar_type

    t, la, lo, alt = _north_bound(40.6, 140.2, 6000.0, speed=200.0)
    truth = Intruder("X", t, la, lo, alt, alt.copy(), 10.0, 1)
    # the GCI picture is 8 km east: the radar's track must pull the pursuit onto the truth
    east = [destination(a, b, 90.0, 8_000.0) for a, b in zip(la, lo)]
    pic = TrackPicture(t, np.array([p[0] for p in east]), np.array([p[1] for p in east]), alt.copy(),
                       np.zeros(t.size), np.full(t.size, 200.0), 60.0, latency_s=0.0, update_s=0.0)
    ac = load_aircraft("F-4EJ")
    f = fly_interceptor("I 1", "Blue", ac, get_radar_type("APQ-120"), 40.0, 140.2, 0.0, 0.0, 900.0, 5000.0, pic,
                        truth, _sea(), K, np.random.default_rng(2), cruise_mach=0.9, search_alt_msl_m=6000.0,
                        visual_range_m=5000.0, weapons_range_m=1500.0, intercept_hold_s=10.0, bingo_fuel_kg=100.0,
                        sea="sea_state_3", land="wooded_hills")
    kinds = [e["kind"] for e in f.events]
    assert "lock_on" in kinds
    sources = [s for _, s, *_ in f.estimates]
    assert sources[0] == "gci" and "own_radar" in sources
    own = [(tt, a, b) for tt, s, a, b, _ in f.estimates if s == "own_radar"]
    assert "intercept" in kinds  # the 8 km error of the picture would have missed it


# ---------------------------------------------------------------- landing at the runway
def _landings_at_runway(res):
    bases = {b.name: b for b in res.scenario.defenders.bases}
    specs = {s.name: s for s in res.scenario.defenders.interceptors}
    g = wgs84_geod()
    assert res.interceptors
    for f in res.interceptors:
        spec = specs[f.id.rsplit(" ", 1)[0]]
        # the base it took off from: its own, or the one the scramble chose ('base: nearest')
        scramble = next(e for e in res.events if e["kind"] == "scramble" and e["actor"] == spec.name)
        base = bases[scramble["base"]]
        assert spec.base in ("nearest", base.name)
        ac = load_aircraft(spec.type)
        landings = [e for e in f.events if e["kind"] == "landing"]
        assert len(landings) == 1 and f.events[-1] is landings[0], (f.id, [e["kind"] for e in f.events][-5:])
        e = landings[0]
        az, _, d = g.inv(base.lon, base.lat, e["lon"], e["lat"])
        # a base without a runway: straight in to its point, along the way home
        heading = base.runway.heading_deg if base.runway else e["runway_heading_deg"]
        half_m = base.runway.length_m / 2.0 if base.runway else 1.0
        off = math.radians(az - heading)
        along, cross = d * math.cos(off), d * math.sin(off)
        assert abs(along) <= half_m, (f.id, along)
        assert abs(cross) <= 30.0, (f.id, cross)
        assert base.elevation_m - 1.0 <= e["alt_msl_m"] <= base.elevation_m + 30.0
        assert e["tas_mps"] < ac.approach_tas_mps(base.elevation_m, ac.empty_mass_kg + 0.1 * ac.internal_fuel_kg)
        assert f.columns["alt_msl_m"][-1] == e["alt_msl_m"] and f.columns["tas_mps"][-1] == pytest.approx(e["tas_mps"], abs=0.01)
        # the fuel burned on the way home
        bingo = next(x for x in f.events if x["kind"] in ("bingo", "return_to_base"))
        assert 0 < e["fuel_kg"] < bingo.get("fuel_kg", 1e9)


def test_flagship_interceptors_land_at_their_runway():
    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario

    _landings_at_runway(sim.run(load_run_scenario()))


def test_no_kum_sok_interceptors_land_at_their_runway(tmp_path):
    """No F-86 was scrambled in 1953; a flight is added here (no radar of its own, Kimpo's
    radar off: no picture) to fly the recovery over the Korea DEM."""
    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario

    data = yaml.safe_load(builtin_scenario_path("no-kum-sok-1953").read_text())
    data["interceptors"] = [{
        "name": "Sabre", "type": "F-86F", "side": "UN", "base": "Kimpo", "count": 2, "fuel_kg": 900,
        "bingo_fuel_kg": 600, "search_alt_msl_m": 4000, "cruise_mach": 0.8,
        "scramble": {"at_utc": "1953-09-21T00:40:00Z", "notional": True, "reason": "test"},
        "notional": True, "reason": "test"}]
    p = tmp_path / "nks.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    _landings_at_runway(sim.run(load_run_scenario(str(p))))


@pytest.mark.parametrize("along, cross, height, tas, want", [
    (50.0, 5.0, 4.0, 70.0, "land"),
    (50.0, 45.0, 4.0, 70.0, "go_around"),    # off the centreline
    (50.0, 5.0, 120.0, 70.0, "go_around"),   # high: more than 30 m above the field
    (50.0, 5.0, 4.0, 80.0, "go_around"),     # not below the approach speed (77.8 m/s for 280 km/h)
    (500.0, 5.0, 30.0, 70.0, None),          # not there yet
])
def test_touchdown_rule(along, cross, height, tas, want):
    from foxbat.command.recovery import touchdown

    assert touchdown(along, cross, height, tas, 280 / 3.6, step_m=70.0) == want


def test_approach_geometry():
    """Chitose's runway 18/36, 3,000 m: an aircraft coming home from the south-west lands
    northbound (the fix 15 km south is nearer), aiming 300 m past the southern threshold."""
    from foxbat.command.recovery import FAF_DISTANCE_M, plan_approach

    g = wgs84_geod()
    app = plan_approach(42.794444, 141.666389, 27.0, 180.0, 3000.0, 42.0, 140.5)
    assert app.heading_deg == 0.0
    az, _, d = g.inv(141.666389, 42.794444, app.threshold_lon, app.threshold_lat)
    assert d == pytest.approx(1500.0, abs=2.0) and abs((az % 360.0) - 180.0) < 0.01
    along, cross = app.along_cross(42.794444, 141.666389)
    assert along == pytest.approx(-1200.0, abs=2.0) and cross == pytest.approx(0.0, abs=1.0)
    faf = app.faf
    _, _, d_faf = g.inv(app.threshold_lon, app.threshold_lat, faf[1], faf[0])
    assert d_faf == pytest.approx(FAF_DISTANCE_M - 300.0, abs=20.0)  # the fix is 15 km before the aiming point
    assert app.glide_alt_msl_m(FAF_DISTANCE_M) == pytest.approx(27.0 + FAF_DISTANCE_M * math.tan(math.radians(3)))
    # from the north it lands southbound
    assert plan_approach(42.794444, 141.666389, 27.0, 180.0, 3000.0, 43.5, 141.7).heading_deg == 180.0


def test_tutorial_interceptors_land_at_their_runway(tmp_path):
    """The tutorial's scenario (docs/tutorial.md), where a landing used to be logged at
    4,300 m and 290 m/s."""
    import re
    from pathlib import Path

    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario

    text = (Path(__file__).parents[1] / "docs" / "tutorial.md").read_text()
    p = tmp_path / "strait.yaml"
    p.write_text(re.search(r"```yaml\n(.*?)```", text, re.S).group(1))
    _landings_at_runway(sim.run(load_run_scenario(str(p))))


def test_intruder_positions_are_np_interp_bit_for_bit():
    """Intruder.at_many does np.interp's arithmetic on plain floats: the same bits at
    random times, on the samples, and held beyond both ends (the search looks' geometry
    must not move by a last bit)."""
    rng = np.random.default_rng(7)
    t = np.cumsum(rng.uniform(0.5, 30.0, 400))
    la = 40.0 + np.cumsum(rng.normal(0, 1e-3, t.size))
    lo = 135.0 + np.cumsum(rng.normal(0, 1e-3, t.size))
    alt = 9000.0 + np.cumsum(rng.normal(0, 30.0, t.size))
    lo[50:60] = lo[49]  # a flat stretch
    x = np.concatenate([rng.uniform(t[0] - 50, t[-1] + 50, 20_000), t, [t[0] - 1.0, t[-1] + 1.0, np.nan]])
    truth = Intruder("X", t, la, lo, alt, alt.copy(), 5.0, 1)
    got = truth.at_many(x)
    for col, want in zip(got, (la, lo, alt)):
        assert np.array_equal(np.asarray(col), np.interp(x, t, want), equal_nan=True)
    one = Intruder("Y", t[:1], la[:1], lo[:1], alt[:1], alt[:1].copy(), 5.0, 1)
    assert np.array_equal(np.asarray(one.at_many(x[:50])[0]), np.interp(x[:50], t[:1], la[:1]))
