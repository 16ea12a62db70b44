"""Departure options: a take-off may set its climb-out height (down to the type's lowest)
and the route then starts low, instead of a full-rate climb to 150 m that overshoots."""

from __future__ import annotations

import numpy as np
import pytest

from foxbat.cli import main

SCENARIO = """\
name: low-departure
epoch_utc: "1976-09-06T03:50:00Z"
aircraft: {type: F-86F}
route:
  legs:
    - takeoff:
        runway: {lat: 41.7700, lon: 140.8220, heading_deg: 120, length_m: 2000, elevation_m: 34,
                 notional: true, reason: "Hakodate, approximately"}
        climb_out_agl_m: 30
    - follow_terrain: {lat: 41.45, lon: 141.45, height_agl_m: 30, speed: {tas_kmh: 700}}
    - fly_to: {lat: 41.30, lon: 141.60}
"""


def _fly(tmp_path, text):
    from foxbat.flight.trajectory import fly_scenario

    p = tmp_path / "dep.yaml"
    p.write_text(text)
    return fly_scenario(str(p))


def _after_liftoff(tr, seconds):
    lo = next(e for e in tr.events if e["kind"] == "liftoff")["t_s"]
    sel = (tr["t_s"] > lo) & (tr["t_s"] < lo + seconds)
    return lo, tr["height_agl_m"][sel]


def test_a_set_climb_out_levels_there_and_the_route_starts_low(tmp_path):
    tr = _fly(tmp_path, SCENARIO)
    assert tr.outcome == "route_end"
    _, agl = _after_liftoff(tr, 120)
    # levelled at the set 30 m (within the terrain follower's 20 % tolerance), no overshoot
    assert agl.max() < 36.0, agl.max()
    end = next(e for e in tr.events if e["kind"] == "leg_end" and e["leg"] == 1)
    agl_end = float(np.interp(end["t_s"], tr["t_s"], tr["height_agl_m"]))  # the ground rises past the runway
    assert 25.0 - 1.0 <= agl_end <= 30.0 + 1.0  # within 5 m below the set height
    # the default climb-out: a full-rate climb to 150 m that carries on beyond it before the
    # next leg levels off (175 m for the F-86F with the thrust/drag model; 227 m before it)
    tr0 = _fly(tmp_path, SCENARIO.replace("        climb_out_agl_m: 30\n", ""))
    _, agl0 = _after_liftoff(tr0, 120)
    assert agl0.max() > 150.0


def test_climb_out_below_the_types_lowest_is_refused_with_its_line(tmp_path, capsys):
    p = tmp_path / "dep.yaml"
    p.write_text(SCENARIO.replace("climb_out_agl_m: 30", "climb_out_agl_m: 10"))
    assert main(["fly", str(p), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    line = next(i for i, s in enumerate(p.read_text().splitlines(), 1) if "climb_out_agl_m" in s)
    assert f"{p}:{line}: route.legs[1].takeoff.climb_out_agl_m: 10 m is below the F-86F's lowest climb-out " \
           "height (15.24 m)" in err, err


@pytest.mark.parametrize("value,text", [("0", "greater than 0"), ("low", "expected a number")])
def test_climb_out_must_be_a_positive_height(tmp_path, capsys, value, text):
    p = tmp_path / "dep.yaml"
    p.write_text(SCENARIO.replace("climb_out_agl_m: 30", f"climb_out_agl_m: {value}"))
    assert main(["fly", str(p), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "route.legs[1].takeoff.climb_out_agl_m" in err and text in err, err
