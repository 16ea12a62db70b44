"""``foxbat fly``: outputs of the flagship flight, and one clear line with exit status 2
for each kind of bad input."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import yaml

from foxbat.cli import main


def _scenario(tmp_path, legs, aircraft="MiG-25P", extra=None, name="s.yaml"):
    doc = {"name": "t", "epoch_utc": "1976-09-06T03:50:00Z",
           "radars": [{"name": "someone-else's", "lat": 42.0, "lon": 139.0, "antenna_agl_m": 10}],
           "sides": {"Japan": {}}, "aircraft": {"type": aircraft}, "route": {"legs": legs}}
    doc.update(extra or {})
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


START = {"start": {"lat": 42.0, "lon": 136.0, "alt_msl_m": 5000, "heading_deg": 90, "speed": {"tas_kmh": 800}}}


def _fails(capsys, argv):
    rc = main(argv)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("foxbat fly: error: ")
    return lines[0]


def test_fly_builtin_belenko_writes_all_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["fly", "builtin:belenko-1976", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "MiG-25P landed" in said
    names = sorted(p.name for p in out.iterdir())
    # no temp files left; the manifest names what foxbat wrote (foxbat.atomic.OutputFolder)
    assert names == [".foxbat-manifest.json", "events.json", "profile.png", "trajectory.csv", "trajectory.geojson"]
    rows = list(csv.DictReader((out / "trajectory.csv").open()))
    assert {"t_s", "utc", "lat_deg", "lon_deg", "alt_msl_m", "height_agl_m", "tas_mps", "gs_mps", "heading_deg",
            "climb_mps", "load_factor", "fuel_kg", "mass_kg"} <= set(rows[0])
    assert rows[0]["utc"].startswith("1976-09-06T03:50:00")
    assert 4300 < len(rows) < 4600  # 74 min at 1 s steps (the route at the model's speed schedules)
    t = np.array([float(r["t_s"]) for r in rows])
    dt = np.diff(t)
    # fixed 1 s steps; lift-off, touchdown and stop fall inside a step
    assert np.allclose(dt[20:3000], 1.0) and np.allclose(dt[:15], 1.0)
    assert np.all((dt > 0) & (dt <= 1.0 + 1e-9))
    fuel = np.array([float(r["fuel_kg"]) for r in rows])
    mass = np.array([float(r["mass_kg"]) for r in rows])
    assert np.allclose(mass - fuel, 20000 + 500, atol=0.1)
    gj = json.loads((out / "trajectory.geojson").read_text())
    line = gj["features"][0]["geometry"]
    assert line["type"] == "LineString" and len(line["coordinates"]) == len(rows)
    assert any(f["properties"].get("kind") == "touchdown" for f in gj["features"][1:])
    ev = json.loads((out / "events.json").read_text())
    assert ev["aircraft"] == "MiG-25P"
    assert ev["summary"]["fuel_end_kg"] == pytest.approx(1610, abs=150)  # predicted (test_flight_fuel)
    assert ev["summary"]["stopped"]["overrun_m"] < 0  # predicted: stops on the runway
    assert any(n["field"] == "tsfc_part_throttle" for n in ev["notional"]["aircraft"])
    assert ev["notional"]["route_legs"]
    assert (out / "profile.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_top_level_sections_are_ignored(tmp_path, capsys):
    p = _scenario(tmp_path, [START, {"fly_to": {"lat": 42.0, "lon": 137.0}}])
    assert main(["fly", str(p), "--out", str(tmp_path / "o"), "--no-plot"]) == 0


def test_unknown_aircraft_type(tmp_path, capsys):
    p = _scenario(tmp_path, [START, {"fly_to": {"lat": 42.0, "lon": 137.0}}], aircraft="Su-27")
    line = _fails(capsys, ["fly", str(p), "--out", str(tmp_path / "o")])
    assert str(p) in line and "aircraft.type" in line and "unknown aircraft type 'Su-27'" in line
    assert "MiG-25P" in line
    assert not (tmp_path / "o").exists()


def test_waypoint_off_the_dem(tmp_path, capsys):
    p = _scenario(tmp_path, [START, {"fly_to": {"lat": 42.0, "lon": 137.0}},
                             {"fly_to": {"lat": 50.5, "lon": 137.0}}])
    line = _fails(capsys, ["fly", str(p), "--out", str(tmp_path / "o")])
    assert "route.legs[3].fly_to" in line and "50.5000N 137.0000E is off the DEM" in line


def test_negative_agl_height(tmp_path, capsys):
    p = _scenario(tmp_path, [START, {"follow_terrain": {"lat": 42.0, "lon": 137.0, "height_agl_m": -50}}])
    line = _fails(capsys, ["fly", str(p), "--out", str(tmp_path / "o")])
    assert "route.legs[2].follow_terrain.height_agl_m" in line
    assert "greater than or equal to 0" in line and "-50" in line


@pytest.mark.parametrize("speed,what", [({"tas_kmh": 1500}, "1,500 km/h TAS"), ({"mach": 0.1}, "Mach 0.1")])
def test_speed_outside_the_envelope(tmp_path, capsys, speed, what):
    p = _scenario(tmp_path, [START, {"fly_to": {"lat": 42.0, "lon": 137.0, "alt_msl_m": 300, "speed": speed}}],
                  aircraft="MiG-15bis")
    line = _fails(capsys, ["fly", str(p), "--out", str(tmp_path / "o")])
    assert "route.legs[2].fly_to.speed" in line and what in line
    assert "outside the MiG-15bis envelope" in line


def test_route_over_a_ridge_steeper_than_the_climb(tmp_path, capsys):
    import rasterio
    from affine import Affine

    lats = 43.0 - (np.arange(100) + 0.5) * 0.01
    lons = 135.0 + (np.arange(200) + 0.5) * 0.01
    x_km = (lons - 136.0) * 111.32 * np.cos(np.radians(42.5))
    z = np.tile(3000.0 * np.exp(-0.5 * (x_km / 2.0) ** 2), (lats.size, 1)).astype(np.float32)
    tif = tmp_path / "ridge.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=200, height=100, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.01, 0, 135.0, 0, -0.01, 43.0)) as ds:
        ds.write(z, 1)
    legs = [{"start": {"lat": 42.5, "lon": 135.93, "height_agl_m": 200, "heading_deg": 90,
                       "speed": {"tas_mps": 240}}},
            {"follow_terrain": {"lat": 42.5, "lon": 136.6, "height_agl_m": 200}}]
    p = _scenario(tmp_path, legs, aircraft="MiG-15bis")
    out = tmp_path / "o"
    line = _fails(capsys, ["fly", str(p), "--dem", str(tif), "--out", str(out)])
    assert "cannot be flown" in line and "crashes into terrain" in line and "leg 2" in line
    ev = json.loads((out / "events.json").read_text())  # kept for inspection
    kinds = [e["kind"] for e in ev["events"]]
    assert "crash" in kinds and "clearance_violation" in kinds


def test_clearance_violation_is_a_warning_not_an_error(tmp_path, capsys):
    legs = [{"start": {"lat": 45.5, "lon": 134.0, "height_agl_m": 30, "heading_deg": 120,
                       "speed": {"tas_kmh": 1000}}},
            {"follow_terrain": {"lat": 44.5, "lon": 136.5, "height_agl_m": 30}}]
    p = _scenario(tmp_path, legs, aircraft="MiG-25P", extra={})
    p2 = tmp_path / "s2.yaml"
    doc = yaml.safe_load(p.read_text())
    doc["route"]["look_ahead_s"] = 2
    p2.write_text(yaml.safe_dump(doc))
    rc = main(["fly", str(p2), "--out", str(tmp_path / "o"), "--no-plot"])
    err = capsys.readouterr().err
    ev = json.loads((tmp_path / "o" / "events.json").read_text())
    viol = [e for e in ev["events"] if e["kind"] == "clearance_violation"]
    if viol:
        assert rc == 0 and "terrain-clearance violation" in err and "below the set height" in err
        assert all(e["margin_m"] < -6 for e in viol)
    else:  # followed well enough even with a 2 s look-ahead
        assert rc == 0 and err == ""


def test_missing_file_and_bad_out(tmp_path, capsys):
    line = _fails(capsys, ["fly", str(tmp_path / "nope.yaml")])
    assert "no such file" in line
    f = tmp_path / "afile"
    f.write_text("x")
    line = _fails(capsys, ["fly", "--out", str(f)])
    assert "--out" in line and "is a file" in line


def test_bad_leg_kind_and_rate(tmp_path, capsys):
    p = _scenario(tmp_path, [START, {"loop": {"lat": 42.0, "lon": 137.0}}])
    line = _fails(capsys, ["fly", str(p)])
    assert "unknown leg kind 'loop'" in line
    p = _scenario(tmp_path, [START, {"climb": {"to_alt_msl_m": 9000, "rate_mps": 500}}], name="r.yaml")
    line = _fails(capsys, ["fly", str(p)])
    assert "route.legs[2].climb.rate_mps" in line and "500 m/s exceeds" in line
