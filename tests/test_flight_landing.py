"""Take-off and landing rolls against the same forces integrated by scipy's adaptive ODE solver."""

from __future__ import annotations

import pytest
from scipy.integrate import solve_ivp

from foxbat.aircraft import load_aircraft
from foxbat.aircraft.performance import ground_accel_nb
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


def _roll_oracle(ac, v0_mps, v_end_mps, mass_kg, braking, chute, ab=False):
    """(distance m, time s) from v0 to v_end under the runway forces of the model."""
    def rhs(_t, y):
        return [y[1], ground_accel_nb(ac.scalars, ac.aero, 0.0, max(y[1], 0.0), mass_kg, ab, braking, chute, True)]

    def hit(_t, y):
        return y[1] - v_end_mps
    hit.terminal = True
    sol = solve_ivp(rhs, (0, 600), [0.0, v0_mps], events=hit, rtol=1e-10, atol=1e-9)
    return float(sol.y_events[0][0][0]), float(sol.t_events[0][0])


@pytest.mark.parametrize("aircraft,chute", [("MiG-25P", True), ("MiG-25P", False), ("F-86F", False)])
def test_landing_roll_is_the_ode_solution(aircraft, chute):
    ac = load_aircraft(aircraft)
    traj = _landing(aircraft, chute)
    td = traj.events_named("touchdown")[0]
    stop = traj.events_named("stopped")[0]
    i = traj["phase"].tolist().index(3)  # PH_ROLL: the first rolling row holds the mass
    mass = float(traj["mass_kg"][i])
    assert td["speed_mps"] == pytest.approx(ac.touchdown_tas_mps(0.0, mass), rel=0.01)
    assert td["past_threshold_m"] == pytest.approx(300, abs=30)
    roll, _ = _roll_oracle(ac, td["speed_mps"], 0.0, mass, True, chute)
    # the idle burn during the roll lightens it by a few kg: 1e-3
    assert stop["roll_m"] == pytest.approx(roll, rel=1e-3)
    assert stop["overrun_m"] == pytest.approx(td["past_threshold_m"] + stop["roll_m"] - 2000, abs=0.5)
    d = geodesic_distance_m(THR[0], THR[1], stop["lat_deg"], stop["lon_deg"])
    assert d == pytest.approx(td["past_threshold_m"] + stop["roll_m"], abs=2.0)
    assert traj.outcome == "landed"
    assert traj["tas_mps"][-1] == 0


def test_drag_chute_shortens_the_roll():
    with_chute = _landing("MiG-25P", True).events_named("stopped")[0]["roll_m"]
    without = _landing("MiG-25P", False).events_named("stopped")[0]["roll_m"]
    assert with_chute < 0.8 * without


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
    m0 = float(traj["mass_kg"][0])
    v_lof = ac.liftoff_tas_mps(0.0, m0)
    dist, t_s = _roll_oracle(ac, 0.0, v_lof, m0, False, False)
    # fuel burnt on the roll (about 0.3 % of the mass) makes the simulated roll a little shorter
    assert lo["ground_roll_m"] == pytest.approx(dist, rel=5e-3)
    assert lo["t_s"] == pytest.approx(t_s, rel=5e-3)
    assert lo["runway_left_m"] == pytest.approx(2500 - lo["ground_roll_m"])
    assert traj.events_named("waypoint")[0]["alt_msl_m"] == pytest.approx(3000, abs=5)
