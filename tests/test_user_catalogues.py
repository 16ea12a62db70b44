"""Your own aircraft and radar types: type files, catalogue folders, paths relative to the
scenario file, `foxbat catalogue`, and a non-editable install that runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from foxbat.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples" / "types"
BUILTIN_DEM = ROOT / "src" / "foxbat" / "terrain" / "data" / "etopo5_japan_sea.tif"


def tutorial_scenario() -> str:
    text = (ROOT / "docs" / "tutorial.md").read_text()
    return re.search(r"```yaml\n(.*?)```", text, re.S).group(1)


def make_case(root: Path) -> Path:
    """root/case/strait.yaml: the tutorial's scenario with a user aircraft type (a path),
    a user radar type by name (from catalogues: [types]), another by path, and its own DEM
    file, every path relative to the scenario file."""
    case = root / "case"
    (case / "types").mkdir(parents=True)
    (case / "terrain").mkdir()
    for f in EXAMPLES.glob("*.yaml"):
        shutil.copy(f, case / "types" / f.name)
    shutil.copy(BUILTIN_DEM, case / "terrain" / "japan.tif")
    y = tutorial_scenario()
    y = y.replace("type: AN/FPS-20", "type: Example Gap Filler")
    y = y.replace("type: P-15", "type: types/gap-filler.yaml")
    y = y.replace("  type: F-86F", "  type: types/trainer-jet.yaml")
    y = y.replace("rate_mps: 40", "rate_mps: 20")  # the trainer climbs at 30 m/s at most
    y = y.replace("local_tz_name: JST", "local_tz_name: JST\ndem: terrain/japan.tif\ncatalogues: [types]")
    assert "Example Gap Filler" in y and "types/trainer-jet.yaml" in y and "types/gap-filler.yaml" in y
    (case / "strait.yaml").write_text(y)
    return case / "strait.yaml"


def test_example_type_files_validate_and_load(capsys):
    from foxbat.catalogues import read_type_file

    assert main(["catalogue", "validate", *map(str, sorted(EXAMPLES.glob("*.yaml")))]) == 0
    out = capsys.readouterr().out
    assert "valid radar type 'Example Gap Filler'" in out and "valid aircraft type 'Example Trainer'" in out
    radar = read_type_file(EXAMPLES / "gap-filler.yaml")[0].spec
    # described by its reference detection: 1 m2 at 60 km with Pd 0.5 (Swerling 1)
    assert radar.detection_range_m(1.0, pd=0.5) == pytest.approx(60_000.0, rel=1e-9)


def test_scenario_with_user_types_runs_from_another_folder(tmp_path, monkeypatch, capsys):
    scen = make_case(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rel = os.path.relpath(scen, elsewhere)
    assert main(["scenario", "validate", rel]) == 0
    assert main(["scenario", "show", rel]) == 0
    shown = capsys.readouterr().out
    assert "intruder Sabre 1 (Red): Example Trainer (trainer-jet.yaml), 1,200 kg fuel" in shown
    assert any(line.startswith("Red coast") and "Example Gap Filler (gap-filler.yaml)" in line
               for line in shown.splitlines())
    assert main(["run", rel, "--out", "out", "--no-reports"]) == 0
    out = capsys.readouterr().out
    # in a pipe every message is one line and no table cell is cut
    assert any(line.startswith("Sabre 1 (Example Trainer): ") and "intercepted: " in line
               for line in out.splitlines()), out
    assert "…" not in out
    radars = json.loads((elsewhere / "out" / "radars.json").read_text())
    types = {r["name"]: r["type"] for r in (radars["radars"] if isinstance(radars, dict) else radars)}
    assert types == {"Ominato": "Example Gap Filler", "Red coast": "Example Gap Filler"}
    run = json.loads((elsewhere / "out" / "run.json").read_text())
    assert run["dem"] == str((scen.parent / "terrain" / "japan.tif").resolve())
    events = [json.loads(x) for x in (elsewhere / "out" / "events.jsonl").read_text().splitlines()]
    assert any(e["kind"] == "detection" and e.get("radar") == "Ominato" for e in events)


def test_catalogue_list_and_show_include_user_folders(capsys):
    assert main(["catalogue", "list", "--kind", "radar", "--dir", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith("radar") and "Example Gap Filler" in line and str(EXAMPLES) in line for line in lines)
    assert lines[0] == "radar types" and not any(line.startswith("aircraft") for line in lines)
    assert any("P-14 Tall King" in line and "built-in" in line for line in lines)
    assert main(["catalogue", "show", "gap filler", "--dir", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "radar type Example Gap Filler" in out and "notional: sees down from a hill" in out
    assert "at 60 km in free space" in out
    assert main(["catalogue", "show", "Su-27"]) == 2
    assert "no type 'Su-27'" in capsys.readouterr().err


def _write_bad_aircraft(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load((EXAMPLES / "trainer-jet.yaml").read_text())
    edit(raw)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return p


def _line(p: Path, key: str) -> int:
    return next(i for i, line in enumerate(p.read_text().splitlines(), 1) if line.startswith(key + ":"))


def test_validate_names_file_line_field_and_the_accepted_form(tmp_path, capsys):
    p = _write_bad_aircraft(tmp_path, lambda r: r.update(ceiling_m=12000))  # a bare number, no provenance
    assert main(["catalogue", "validate", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"foxbat catalogue: error: {p}:{_line(p, 'ceiling_m')}: ceiling_m: expected a figure")
    assert "{value: 800, source:" in err and "got 12000" in err and "\n" not in err

    def no_source(r):
        del r["ceiling_m"]["notional"]
        del r["ceiling_m"]["reason"]

    p = _write_bad_aircraft(tmp_path, no_source)
    assert main(["catalogue", "validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"{p}:{_line(p, 'ceiling_m')}: ceiling_m: give 'source'" in err

    p = _write_bad_aircraft(tmp_path, lambda r: r.update(name="MiG-25P"))
    assert main(["catalogue", "validate", str(p)]) == 2
    assert "'MiG-25P' is already used by a built-in type" in capsys.readouterr().err


def test_unknown_and_missing_types_name_the_line(tmp_path, capsys):
    scen = make_case(tmp_path)
    text = scen.read_text()
    scen.write_text(text.replace("type: Example Gap Filler", "type: Example Gap Fillr"))
    assert main(["scenario", "validate", str(scen)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if "Gap Fillr" in s)
    assert f"{scen}:{line}: radars[0] (Ominato).type: unknown radar type 'Example Gap Fillr'" in err
    assert "Example Gap Filler" in err.split("known types:")[1]

    scen.write_text(text.replace("types/trainer-jet.yaml", "types/no-such.yaml"))
    assert main(["scenario", "validate", str(scen)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if "no-such" in s)
    assert f"{scen}:{line}: aircraft.type: no such file types/no-such.yaml" in err

    scen.write_text(text.replace("types/trainer-jet.yaml", "types/gap-filler.yaml"))
    assert main(["scenario", "validate", str(scen)]) == 2
    assert "holds no aircraft type (is it a radar file?)" in capsys.readouterr().err


def test_dem_is_relative_to_the_scenario_and_errors_name_the_field(tmp_path, capsys, monkeypatch):
    scen = make_case(tmp_path)
    monkeypatch.chdir(tmp_path)
    text = scen.read_text()
    scen.write_text(text.replace("dem: terrain/japan.tif", "dem: terrain/missing.tif"))
    assert main(["scenario", "validate", str(scen)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if s.startswith("dem:"))
    assert f"{scen}:{line}: dem: no such file terrain/missing.tif" in err and "--dem" not in err
    (scen.parent / "terrain" / "junk.tif").write_text("not a raster")
    scen.write_text(text.replace("dem: terrain/japan.tif", "dem: terrain/junk.tif"))
    assert main(["scenario", "validate", str(scen)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if s.startswith("dem:"))
    assert f"{scen}:{line}: dem: " in err and "not a raster file" in err and "--dem" not in err
    assert main(["run", str(scen), "--out", str(tmp_path / "o"), "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert f"{scen}:{line}: dem: " in err and "not a raster file" in err and "--dem" not in err
    scen.write_text(text.replace("catalogues: [types]", "catalogues: [typez]"))
    assert main(["scenario", "validate", str(scen)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if s.startswith("catalogues:"))
    assert f"{scen}:{line}: catalogues[0]: no such folder typez" in err


def test_plan_writes_a_route_that_runs_from_its_own_folder(tmp_path, monkeypatch):
    """The route file keeps the user's DEM and types (absolute paths) wherever it is written."""
    from foxbat.scenario.run import load_run_scenario
    from foxbat.planning.routes import scenario_with_route, write_scenario

    scen = make_case(tmp_path)
    sc = load_run_scenario(str(scen))
    doc = scenario_with_route(sc.raw, sc.raw["route"]["legs"] if isinstance(sc.raw["route"], dict)
                              else sc.raw["route"], name_suffix="copy")
    other = tmp_path / "routes" / "deep"
    other.mkdir(parents=True)
    write_scenario(doc, other / "route.yaml")
    monkeypatch.chdir(tmp_path / "routes")
    sc2 = load_run_scenario("deep/route.yaml")
    assert sc2.flight.dem == str((scen.parent / "terrain" / "japan.tif").resolve())
    assert sc2.flight.aircraft.type == str((scen.parent / "types" / "trainer-jet.yaml").resolve())
    assert sc2.flight.catalogues == [str((scen.parent / "types").resolve())]


def test_plan_from_another_folder_prints_a_hint_that_runs(tmp_path, monkeypatch, capsys):
    """foxbat plan on a scenario with user types and DEM, from a folder beside it: the route
    keeps every file it names, and its printed 'fly it' command works as printed."""
    scen = make_case(tmp_path)
    work = tmp_path / "work"
    (work / "routes").mkdir(parents=True)
    monkeypatch.chdir(work)
    assert main(["plan", os.path.relpath(scen, work), "--to", "41.6,141.6", "--out", "routes/r.yaml"]) == 0
    capsys.readouterr()
    text = (work / "routes" / "r.yaml").read_text()
    assert "the least visible route for Example Trainer" in text
    hint = re.search(r"^# fly it: foxbat (.*)$", text, re.M).group(1).split()
    assert hint == ["run", "routes/r.yaml"]
    assert main([*hint, "--out", "out", "--no-reports"]) == 0
    assert "Sabre 1 (Example Trainer)" in capsys.readouterr().out


def test_more_type_errors_are_one_line(tmp_path, capsys):
    """A type path naming a file of several types, a missing --dir, a file that is not a
    mapping, an airborne radar type at a coverage site."""
    two = {"radars": [yaml.safe_load((EXAMPLES / "gap-filler.yaml").read_text()) for _ in range(2)]}
    two["radars"][1]["name"] = "Second Filler"
    two["radars"][1]["aliases"] = []
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(two, sort_keys=False))
    scen = make_case(tmp_path / "c")
    scen.write_text(scen.read_text().replace("type: types/gap-filler.yaml", f"type: {tmp_path / 'two.yaml'}"))
    assert main(["scenario", "validate", str(scen)]) == 2
    err = capsys.readouterr().err
    assert "holds 2 radar types; a type: path names a file with exactly one" in err and "radars[1] (Red coast).type" in err

    assert main(["catalogue", "list", "--dir", str(tmp_path / "nope")]) == 2
    assert "--dir: no such folder" in capsys.readouterr().err

    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    assert main(["catalogue", "validate", str(tmp_path / "list.yaml")]) == 2
    assert "list.yaml: a type file is a YAML mapping" in capsys.readouterr().err

    scen.write_text(scen.read_text().replace(f"type: {tmp_path / 'two.yaml'}", "type: AN/APQ-120"))
    assert main(["coverage", "--sites", str(scen), "--out", str(tmp_path / "c.tif")]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if "AN/APQ-120" in s)
    assert f"{scen}:{line}: radars[1] (Red coast).type: AN/APQ-120 is an airborne radar" in err


def _base_python() -> str:
    return getattr(sys, "_base_executable", sys.executable)


@pytest.mark.slow
def test_non_editable_install_runs_user_types(tmp_path):
    """pip-install foxbat (not editable) into a fresh venv that borrows this one's
    dependencies, then run a scenario whose aircraft and radar types are user files, from
    a folder outside the source tree."""
    src = tmp_path / "src-copy"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                             ".pytest_cache", "tests", "benchmarks", "foxbat-out",
                                                             "*.so"))
    venv = tmp_path / "venv"
    subprocess.run([_base_python(), "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # this environment's packages (numpy, rasterio, pip, setuptools ...), without its foxbat:
    # a path line in a .pth does not process the .pth files (the editable foxbat) found there
    Path(site, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    env["PIP_NO_INDEX"] = "1"  # no network: everything needed is here
    p = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(src)],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    scen = make_case(tmp_path / "user")
    work = tmp_path / "work"
    work.mkdir()
    probe = subprocess.run([str(py), "-c", "import foxbat; print(foxbat.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert probe.startswith(site), probe  # the installed copy, not a source tree
    p = subprocess.run([str(venv / "bin" / "foxbat"), "run", os.path.relpath(scen, work), "--out", "out",
                        "--no-reports"], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "Sabre 1 (Example Trainer)" in p.stdout
    radars = (work / "out" / "radars.json").read_text()
    assert "Example Gap Filler" in radars
