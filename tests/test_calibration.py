"""`calibrated_to`: figures fitted to a history row name it, and the loader checks the row exists."""

from pathlib import Path

import pytest

from foxbat.calibration import all_catalogue_calibrations, builtin_history, calibrated_quantities
from foxbat.errors import ScenarioError
from foxbat.provenance import Figure, parse_ref
from foxbat.scenario.radars import builtin_scenario_names, builtin_scenario_path
from foxbat.scenario.run import load_run_scenario

BELENKO = builtin_scenario_path("belenko-1976")


def _variant(tmp_path, old: str, new: str) -> Path:
    text = BELENKO.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    p = tmp_path / "variant.yaml"
    p.write_text(text.replace(old, new), encoding="utf-8")
    return p


def _line_of(p: Path, needle: str) -> int:
    return next(i for i, line in enumerate(p.read_text().splitlines(), 1) if needle in line)


def test_a_calibrated_figure_naming_a_missing_row_is_an_error_at_its_line(tmp_path):
    p = _variant(tmp_path, "calibrated_to: soviet_loss.time", "calibrated_to: soviet_lost.time")
    with pytest.raises(ScenarioError) as exc:
        load_run_scenario(str(p))
    msg = str(exc.value)
    assert f"variant.yaml:{_line_of(p, 'soviet_lost.time')}:" in msg, msg
    assert "calibrated_to" in msg and "no history row 'soviet_lost'" in msg and "soviet_loss" in msg


def test_a_calibrated_quantity_the_row_does_not_record_is_an_error(tmp_path):
    p = _variant(tmp_path, "calibrated_to: soviet_loss.time", "calibrated_to: soviet_loss.alt_m")
    with pytest.raises(ScenarioError, match="records no alt_m"):
        load_run_scenario(str(p))


def test_a_malformed_reference_is_an_error(tmp_path):
    p = _variant(tmp_path, "calibrated_to: soviet_loss.time", "calibrated_to: soviet_loss.speed")
    with pytest.raises(ScenarioError, match="unknown quantity 'speed'"):
        load_run_scenario(str(p))


def test_a_history_row_needs_its_tolerance(tmp_path):
    p = _variant(tmp_path, """    tolerance_min:
      tolerance: 1
      reason: "every account gives the same minute, 13:11"
      source: "[S2] [S3] [S4] [S5] [S6] [S14] [S18]"
""", "")
    with pytest.raises(ScenarioError, match="time_local needs tolerance_min"):
        load_run_scenario(str(p))


def test_a_tolerance_needs_its_reason(tmp_path):
    p = _variant(tmp_path, '      reason: "every account gives the same minute, 13:11"\n', "")
    with pytest.raises(ScenarioError, match="required field is missing"):
        load_run_scenario(str(p))


def test_row_ids_are_unique(tmp_path):
    p = _variant(tmp_path, "  - id: jasdf_loss\n", "  - id: jasdf_detection\n")
    with pytest.raises(ScenarioError, match="'jasdf_detection' is used twice"):
        load_run_scenario(str(p))


def test_the_flagship_marks_what_was_fitted():
    sc = load_run_scenario("belenko-1976")
    fitted = calibrated_quantities(sc.raw, sc.where, sc.name)
    assert fitted == {
        "soviet_loss": {"time"},                                   # where the dive begins
        "jasdf_detection": {"alt_m"},                              # the climb's recorded altitude
    }
    # the low-level leg's end point (the recorder's 130 km over the sea) and speed (the model's
    # best-range schedule) are not fitted to the detection any more;
    # lift-off time, overrun and fuel at landing are predictions of the thrust-drag model,
    # whose catalogue figures are fitted to published performance (calibrated_on), not to rows


def test_every_catalogue_calibration_names_a_builtin_row():
    cals = all_catalogue_calibrations()
    # none today: the aircraft are calibrated on published performance (calibrated_on)
    assert not [c for c in cals if c.where.startswith("foxbat/aircraft")]
    for c in cals:
        rows = builtin_history(c.scenario)
        assert rows is not None and c.row in rows, c
        assert c.quantity is None or c.quantity in rows[c.row], c


def test_every_builtin_scenario_loads_with_its_calibrations():
    for name in builtin_scenario_names():
        load_run_scenario(name)


def test_parse_ref_forms():
    assert parse_ref("jasdf_detection") == (None, "jasdf_detection", None)
    assert parse_ref("belenko-1976/hakodate_landing.fuel_kg") == ("belenko-1976", "hakodate_landing", "fuel_kg")
    with pytest.raises(ValueError):
        parse_ref("Jasdf Detection")
    with pytest.raises(ValueError):
        Figure(value=1.0, source="x", calibrated_to="a.speed")


def test_scenario_show_lists_the_fitted_figures(capsys):
    from foxbat.cli import main

    assert main(["scenario", "show", "belenko-1976"]) == 0
    out = capsys.readouterr().out
    for words in ("route.legs[1].fly_to", "soviet_loss.time", "jasdf_detection.alt_m"):
        assert words in out, words
    assert "route.legs[3].follow_terrain" not in out
    # the MiG-25P's catalogue figures are fitted to published performance, not to this flight
    assert "foxbat/aircraft/data/mig-25p.yaml:" not in out and "hakodate_landing.fuel_kg" not in out
    assert main(["scenario", "show", "no-kum-sok-1953"]) == 0
    assert "no figure is fitted to the record" in capsys.readouterr().out


def test_a_history_row_naming_a_missing_radar_or_row_is_an_error(tmp_path):
    p = _variant(tmp_path, "      from: {radar: Okushiri}\n", "      from: {radar: Okushir}\n")
    with pytest.raises(ScenarioError) as exc:
        load_run_scenario(str(p))
    assert f"variant.yaml:{_line_of(p, 'Okushir}')}:" in str(exc.value) and "no radar site 'Okushir'" in str(exc.value)
    p = _variant(tmp_path, "      since: epoch\n      reason: \"'airborne within 15 s'",
                 "      since: takeof\n      reason: \"'airborne within 15 s'")
    with pytest.raises(ScenarioError, match="since 'takeof': give 'epoch' or another history row's id"):
        load_run_scenario(str(p))


def test_run_json_lists_the_fitted_figures():
    from foxbat import sim
    from foxbat.run_output import run_meta

    sc = load_run_scenario("no-kum-sok-1953")
    assert run_meta(sim.run(sc))["calibrated"] == []
    from foxbat.run_output import _calibrated

    class _Res:  # run_meta's calibrated list reads only the scenario
        scenario = load_run_scenario("belenko-1976")
    fitted = {(c["figure"], c["fitted_to"]) for c in _calibrated(_Res())}
    # the route's fitted legs only: the MiG-25P's figures are fitted to published performance
    assert fitted == {("route.legs[1].fly_to", "soviet_loss.time"),
                      ("route.legs[4].fly_to", "jasdf_detection.alt_m")}
