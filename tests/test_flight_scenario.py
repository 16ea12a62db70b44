"""The scenario schema of the aircraft and route sections, and the built-in flight's provenance."""

from __future__ import annotations

import pytest

from foxbat.errors import InputFileError, ScenarioError
from foxbat.scenario.flight import load_flight_scenario, parse_flight_scenario

START = {"start": {"lat": 42.0, "lon": 136.0, "alt_msl_m": 5000, "heading_deg": 90, "speed": {"mach": 0.8}}}


def _doc(legs, **extra):
    return {"aircraft": {"type": "MiG-25P"}, "route": {"legs": legs}, **extra}


def test_builtin_flight_every_leg_has_provenance():
    sc, shown = load_flight_scenario("builtin:belenko-1976")
    assert shown == "builtin:belenko-1976"
    assert sc.epoch_utc.isoformat() == "1976-09-06T03:50:00+00:00"
    assert sc.aircraft.type == "MiG-25P" and sc.aircraft.fuel_kg == 14000
    for i, leg in enumerate(sc.route.legs, start=1):
        b = leg.body
        assert b.source or (b.notional and b.reason), f"leg {i} ({leg.kind})"
        rw = getattr(b, "runway", None)
        if rw is not None:
            assert rw.source or (rw.notional and rw.reason)
    kinds = [leg.kind for leg in sc.route.legs]
    assert kinds[0] == "takeoff" and kinds[-1] == "land"
    assert {"dive", "follow_terrain", "circle"} <= set(kinds)


def test_route_may_be_a_plain_list_and_other_sections_are_ignored():
    sc = parse_flight_scenario({"aircraft": {"type": "MiG-25P"}, "radars": [1, 2], "sides": {},
                                "route": [START, {"fly_to": {"lat": 42, "lon": 137}}]}, "x.yaml")
    assert len(sc.route.legs) == 2 and sc.route.step_s == 1.0


@pytest.mark.parametrize("legs,msg", [
    ([{"fly_to": {"lat": 42, "lon": 137, "speed": {"mach": 0.8}}}, START], "first leg must be 'start'"),
    ([START, {"land": {"runway": {"lat": 42, "lon": 137, "heading_deg": 90, "length_m": 2000,
                                  "elevation_m": 0}}}, {"fly_to": {"lat": 42, "lon": 137}}], "'land' must be the last"),
    ([START, {"fly_to": {"lat": 42, "lon": 137}, "dive": {"to_alt_msl_m": 100}}], "exactly one of the keys"),
    ([START, {"fly_to": {"lat": 42, "lon": 137, "speed": {"mach": 0.8, "tas_kmh": 900}}}], "exactly one of mach"),
    ([START, {"fly_to": {"lat": 42, "lon": 137, "alt_msl_m": 100, "height_agl_m": 100}}], "not both"),
    ([START, {"circle": {"radius_m": 5000}}], "exactly one of turns, duration_s"),
    ([START, {"fly_to": {"lat": 95, "lon": 137}}], "less than or equal to 90"),
])
def test_schema_errors_name_the_field(legs, msg):
    with pytest.raises(ScenarioError, match=msg) as ei:
        parse_flight_scenario(_doc(legs), "f.yaml")
    assert str(ei.value).startswith("f.yaml: ")


def test_missing_sections_and_builtin_names():
    with pytest.raises(ScenarioError, match="missing section 'route'"):
        parse_flight_scenario({"aircraft": {"type": "MiG-25P"}}, "f.yaml")
    with pytest.raises(InputFileError, match="belenko-1976"):
        load_flight_scenario("builtin:nope")
