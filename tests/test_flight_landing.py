"""Take-off and landing rolls against constant-acceleration kinematics."""

from __future__ import annotations

import pytest

from foxbat.aircraft import load_aircraft
from foxbat.flight import fly
from foxbat.geo import geodesic_distance_m, wgs84_geod
from foxbat.scenario.flight import parse_flight_scenario

THR = (42.0, 136.0)  # on the sea surface of the built-in DEM: ground 0 m


def _landing(aircraft, chute, touchdown_m=300.0, length_m=2000.0):
    geod = wgs84_geod()
    lo_s, la_s, _ = geod.fwd(THR[1], THR[0], 270.0, 25_000.0)
    doc = {"aircraft": {"type": aircraft},
           "route": {"legs": [
               {"start": {"lat": float(la_s), "lon": float(lo_s), "alt_msl_m": 900, "heading_deg": 90,
                          "speed": {"tas_kmh": 450}}},
               {"land": {"runway": {"lat": THR[0], "lon": THR[1], "heading_deg": 90, "length_m": length_m,
                                    "elevation_m": 0}, "drag_chute": chute,
                         "touchdown_from_threshold_m": touchdown_m}}]}}
    return fly(parse_flight_scenario(doc, "test"))


@pytest.mark.parametrize("aircraft,chute", [("MiG-25P", True), ("MiG-25P", False), ("F-86F", False)])
def test_landing_roll_is_v2_over_2a(aircraft, chute):
    ac = load_aircraft(aircraft)
    s = ac.spec
    traj = _landing(aircraft, chute)
    td = traj.events_named("touchdown")[0]
    stop = traj.events_named("stopped")[0]
    v = float(s.touchdown_kmh.value) / 3.6
    a = float(s.roll_decel_chute_mps2.value if chute else s.roll_decel_mps2.value)
    assert td["speed_mps"] == pytest.approx(v, rel=0.01)
    assert td["past_threshold_m"] == pytest.approx(300, abs=30)
    assert stop["roll_m"] == pytest.approx(td["speed_mps"] ** 2 / (2 * a), rel=1e-3)
    assert stop["overrun_m"] == pytest.approx(td["past_threshold_m"] + stop["roll_m"] - 2000, abs=0.5)
    d = geodesic_distance_m(THR[0], THR[1], stop["lat_deg"], stop["lon_deg"])
    assert d == pytest.approx(td["past_threshold_m"] + stop["roll_m"], abs=2.0)
    assert traj.outcome == "landed"
    assert traj["tas_mps"][-1] == 0


def test_drag_chute_shortens_the_roll():
    with_chute = _landing("MiG-25P", True).events_named("stopped")[0]["roll_m"]
    without = _landing("MiG-25P", False).events_named("stopped")[0]["roll_m"]
    assert with_chute < 0.7 * without


def test_aircraft_without_a_chute_refuses_one():
    from foxbat.errors import ParameterError

    with pytest.raises(ParameterError, match="drag_chute"):
        _landing("F-86F", True)


def test_takeoff_roll_and_liftoff():
    ac = load_aircraft("F-86F")
    doc = {"aircraft": {"type": "F-86F"},
           "route": {"legs": [
               {"takeoff": {"runway": {"lat": THR[0], "lon": THR[1], "heading_deg": 90, "length_m": 2500,
                                       "elevation_m": 0}}},
               {"fly_to": {"lat": 42.0, "lon": 136.5, "alt_msl_m": 3000, "speed": {"tas_kmh": 700}}}]}}
    traj = fly(parse_flight_scenario(doc, "test"))
    lo = traj.events_named("liftoff")[0]
    v = float(ac.spec.liftoff_kmh.value) / 3.6
    a = float(ac.spec.takeoff_accel_mps2.value)
    analytic = v * v / (2 * a)
    # lift-off is detected at the end of the 1 s step in which the speed is reached
    assert analytic <= lo["ground_roll_m"] <= analytic + v * 1.0 + 0.5 * a
    assert lo["runway_left_m"] == pytest.approx(2500 - lo["ground_roll_m"])
    assert traj.events_named("waypoint")[0]["alt_msl_m"] == pytest.approx(3000, abs=5)
