"""One validator (issue 16, item 3): every number has finite, physical bounds; times, dates and
kinds are checked; names are unique; ``foxbat scenario validate`` makes the same checks as
``foxbat run`` (valid means the run starts), and an error names the file, the line of the
field itself and the field, never a CLI option the user did not give."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from foxbat.cli import main
from foxbat.scenario.run import load_run_scenario


@pytest.fixture(scope="module")
def flagship_raw():
    return copy.deepcopy(load_run_scenario("belenko-1976").raw)


def _write(raw, path):
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _refused(argv, capsys) -> str:
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def _set(raw, path, value):
    """Set raw[path] where path is like 'route.legs[2].fly_to.alt_msl_m' (legs counted from 1)."""
    node = raw
    parts = re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)
    keys = []
    for name, idx in parts:
        if idx:
            keys.append(int(idx) - 1 if keys and keys[-1] == "legs" else int(idx))
        else:
            keys.append(name)
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value


CASES = [
    ("aircraft.payload_kg", 1e9, "less than or equal to 50000"),
    ("aircraft.fuel_kg", float("nan"), "finite number"),
    ("route.legs[2].fly_to.alt_msl_m", float("inf"), "finite number"),
    ("route.legs[2].fly_to.alt_msl_m", -84000, "greater than or equal to -500"),
    ("route.step_s", 1e-6, "greater than or equal to 0.05"),
    ("interceptors[0].search_alt_msl_m", -5, "greater than or equal to 100"),
    ("interceptors[0].cruise_mach", 0.0001, "greater than or equal to 0.2"),
    ("false_alarms_per_scan", 1e9, "less than or equal to 100"),
    ("sides[0].tracker.max_coast_s", 1e12, "less than or equal to 3600"),
    ("local_tz_hours", float("nan"), "finite number"),
    ("seed", -1, "greater than or equal to 0"),
    ("epoch_utc", 211002000, "not the number 211002000"),
    ("epoch_utc", "9999-12-31T23:00:00Z", "years 1900 to 2100"),
    ("history[0].time_local", "1:11 pm", "HH:MM or HH:MM:SS"),
    ("history[0].time_local", "25:61", "HH:MM or HH:MM:SS"),
    ("history[0].kind", "teleport", "unknown event kind 'teleport'"),
    ("history[0].side", "Mars", "side 'Mars' is not one of the sides"),
    ("low_level_alternatives_m", [-84000.0], "greater than or equal to 0"),
    ("radars[0].max_range_km", 1e9, "less than or equal to 3000"),
    ("intruder.rcs_m2.value", 1e12, "RCS within 0.0001 to 10000"),
]


# how the message names a field where it differs from the path set
SHOWN = {"intruder.rcs_m2.value": "intruder.rcs_m2", "low_level_alternatives_m": "low_level_alternatives_m[0]",
         "radars[0].max_range_km": "radars[0] (Okushiri).max_range_km"}


@pytest.mark.parametrize("field,value,text", CASES, ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_out_of_bounds_field_is_one_line_naming_file_line_and_field(flagship_raw, tmp_path, capsys, field, value,
                                                                    text):
    raw = copy.deepcopy(flagship_raw)
    _set(raw, field, value)
    f = _write(raw, tmp_path / "bad.yaml")
    err = _refused(["scenario", "validate", str(f)], capsys)
    assert text in err, err
    m = re.search(r"bad\.yaml:(\d+): ", err)
    assert m, f"no file:line in {err}"
    shown = SHOWN.get(field, field)
    assert f"bad.yaml:{m.group(1)}: {shown}: " in err, err  # file:line: field: what is allowed
    assert " --" not in err  # no CLI option the user did not give
    # the line is the line of the field itself (or of the list item holding it)
    line = f.read_text().splitlines()[int(m.group(1)) - 1]
    leaf = [p for p in re.split(r"[.\[\]]", shown.replace(" (Okushiri)", "")) if p and not p.isdigit()][-1]
    assert line.lstrip().startswith((leaf, "- ")), (line, err)


def test_legs_counted_the_same_in_field_and_line(flagship_raw, tmp_path, capsys):
    """route.legs[N] counts from 1 (leg 1 = the first, as in events), and the line is that leg's."""
    raw = copy.deepcopy(flagship_raw)
    raw["route"]["legs"][2]["dive"]["angle_deg"] = 95  # the third leg
    f = _write(raw, tmp_path / "legs.yaml")
    err = _refused(["scenario", "validate", str(f)], capsys)
    assert "route.legs[3].dive.angle_deg" in err, err
    line = int(re.search(r"legs\.yaml:(\d+): ", err).group(1))
    assert f.read_text().splitlines()[line - 1].strip() == "angle_deg: 95"
    err_fly = _refused(["fly", str(f), "--out", str(tmp_path / "fly")], capsys)
    assert err_fly.split("error: ", 1)[1] == err.split("error: ", 1)[1]  # fly says the same


def test_swapped_airspace_bounds_refused(flagship_raw, tmp_path, capsys):
    raw = copy.deepcopy(flagship_raw)
    side = next(s for s in raw["sides"] if s.get("airspace"))
    a = side["airspace"]
    a["lat_min"], a["lat_max"] = a["lat_max"], a["lat_min"]
    err = _refused(["scenario", "validate", str(_write(raw, tmp_path / "box.yaml"))], capsys)
    assert "airspace" in err and "lat_min" in err and "must be below lat_max" in err


def test_duplicate_names_refused(flagship_raw, tmp_path, capsys):
    raw = copy.deepcopy(flagship_raw)
    raw["bases"].append(copy.deepcopy(raw["bases"][0]))
    err = _refused(["scenario", "validate", str(_write(raw, tmp_path / "b.yaml"))], capsys)
    assert "base names must be unique; repeated: " + raw["bases"][0]["name"] in err
    raw = copy.deepcopy(flagship_raw)
    raw["interceptors"].append(copy.deepcopy(raw["interceptors"][0]))
    err = _refused(["scenario", "validate", str(_write(raw, tmp_path / "i.yaml"))], capsys)
    assert "interceptor flight names must be unique" in err
    raw = copy.deepcopy(flagship_raw)
    raw["intruder"]["id"] = raw["interceptors"][0]["name"] + " 1"  # the id of an interceptor
    err = _refused(["scenario", "validate", str(_write(raw, tmp_path / "a.yaml"))], capsys)
    assert "aircraft ids" in err and "must be unique" in err


def test_antenna_below_ground_refused_by_validate_and_run_alike(flagship_raw, tmp_path, capsys):
    raw = copy.deepcopy(flagship_raw)
    i = next(i for i, r in enumerate(raw["radars"]) if r["name"] == "Chuguyevka")
    raw["radars"][i]["antenna_msl_m"] = -300  # the DEM's ground there is 676 m MSL
    f = _write(raw, tmp_path / "deep.yaml")
    err = _refused(["scenario", "validate", str(f)], capsys)
    assert f"radars[{i}] (Chuguyevka).antenna_msl_m" in err and "976 m below the ground" in err
    assert re.search(r"deep\.yaml:\d+: ", err)
    err_run = _refused(["run", str(f), "--out", str(tmp_path / "out"), "--no-reports"], capsys)
    assert err_run.split("error: ", 1)[1] == err.split("error: ", 1)[1]  # the same check, the same words
    assert not (tmp_path / "out").exists()


def test_builtin_scenarios_stay_valid(capsys):
    from foxbat.scenario.radars import builtin_scenario_names

    for name in builtin_scenario_names():
        assert main(["scenario", "validate", name]) == 0, capsys.readouterr().err
        assert "valid (" in capsys.readouterr().out


def test_no_fuel_stays_on_the_runway_instead_of_sinking_84_km(flagship_raw, tmp_path, capsys):
    """fuel_kg 0 took off without thrust and glided to -84 km MSL with exit 0."""
    import csv

    raw = copy.deepcopy(flagship_raw)
    raw["aircraft"]["fuel_kg"] = 0
    f = _write(raw, tmp_path / "dry.yaml")
    err = _refused(["fly", str(f), "--out", str(tmp_path / "fly")], capsys)
    assert "aircraft.fuel_kg" in err and "runs out of fuel before lift-off" in err
    rows = list(csv.DictReader((tmp_path / "fly" / "trajectory.csv").open()))
    runway = raw["route"]["legs"][0]["takeoff"]["runway"]["elevation_m"]
    assert {float(r["alt_msl_m"]) for r in rows} == {float(runway)}


def test_effective_earth_factor_and_cli_step_bounded(flagship_raw, tmp_path, capsys):
    raw = copy.deepcopy(flagship_raw)
    raw["environment"] = {"k": {"value": 1e9, "notional": True, "reason": "test"}}
    err = _refused(["scenario", "validate", str(_write(raw, tmp_path / "k.yaml"))], capsys)
    assert "environment.k" in err and "0 < k <= 100" in err
    # a time step of 1e-6 s exhausted the memory; --step has the schema's bounds
    err = _refused(["fly", "--step", "1e-6", "--out", str(tmp_path / "f")], capsys)
    assert "--step" in err and "0.05 <= S <= 10" in err
    assert not (tmp_path / "f").exists()
