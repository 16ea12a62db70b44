"""The aircraft catalogue: provenance on every figure, the sourced values, the fuel model."""

from __future__ import annotations

import math
import re

import pytest
import yaml

from foxbat.aircraft import aircraft_names, get_spec, load_aircraft, notional_figures
from foxbat.aircraft.atmosphere import density_kg_m3, pressure_pa, speed_of_sound_mps, temperature_k
from foxbat.aircraft.catalogue import AircraftSpec, Provenance, _data_dir, load_spec_file
from foxbat.errors import ScenarioError

REQUIRED = ["MiG-25P", "F-4EJ", "MiG-15bis", "F-86F"]


def test_catalogue_has_the_four_types():
    assert set(REQUIRED) <= set(aircraft_names())


@pytest.mark.parametrize("name", REQUIRED)
def test_every_figure_has_a_source_or_a_notional_reason(name):
    spec = get_spec(name)
    n = 0
    for fname in AircraftSpec.model_fields:
        v = getattr(spec, fname)
        if isinstance(v, Provenance):
            n += 1
            assert v.source or (v.notional and v.reason), fname
    assert n >= 30


def test_a_figure_without_provenance_does_not_load(tmp_path):
    raw = yaml.safe_load((_data_dir() / "mig-25p.yaml").read_text())
    del raw["empty_mass_kg"]["source"]
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError, match="empty_mass_kg.*source"):
        load_spec_file(p)


def test_aliases_and_case_resolve():
    assert get_spec("mig-25p").name == "MiG-25P"
    assert get_spec("MiG 25").name == "MiG-25P"
    assert get_spec("f-86").name == "F-86F"


def test_unknown_type_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="unknown aircraft type 'Su-27'.*MiG-25P"):
        load_aircraft("Su-27")


def test_mig25p_sourced_values():
    ac = load_aircraft("MiG-25P")
    s = ac.spec
    assert s.empty_mass_kg.value == 20000 and s.takeoff_mass_kg.value == 36720
    assert ac.internal_fuel_kg == 14000
    assert ac.max_load_factor == 4.5
    assert s.ceiling_m.value == 20700
    assert [t.published for t in s.calibration if t.kind == "climb_rate"] == [208]
    # sea-level limit 1,300 km/h TAS; Mach 2.83 up high (above the q limit's reach)
    assert ac.max_tas_mps(0.0) * 3.6 == pytest.approx(1300, abs=0.1)
    assert ac.max_tas_mps(20000.0) == pytest.approx(2.83 * speed_of_sound_mps(20000.0), rel=1e-9)
    assert ac.has_afterburner


def test_fuel_and_drag_are_notional_and_calibrated_on_published_ranges_not_the_flight():
    s = get_spec("MiG-25P")
    assert s.drag_polar.notional and s.drag_polar.calibrated_on == ["mig25p-range-supersonic"]
    assert s.tsfc_part_throttle.calibrated_on == ["mig25p-range-subsonic"]
    assert ("tsfc_part_throttle", s.tsfc_part_throttle.reason) in notional_figures(s)
    for name in REQUIRED:
        for t in get_spec(name).calibration:
            assert "1976" not in t.source and "belenko" not in t.source.lower(), t.id
            assert re.search(r"\[(S\d+|[A-Za-z][\w&.-]*)\]", t.source) and t.tolerance_reason  # a source tag


@pytest.mark.parametrize("name", REQUIRED)
def test_low_level_burns_far_more_than_high_cruise(name):
    ac = load_aircraft(name)
    low = ac.fuel_flow_level_kg_s(0.0, 0.8)
    high = ac.fuel_flow_level_kg_s(11000.0, 0.8)
    assert low > 1.8 * high


def test_mig25_low_level_and_cruise_flows_bracket_the_belenko_average():
    # facts: 14 t over 60-67 min = 12.5-14 t/h averaged over a mixed profile
    ac = load_aircraft("MiG-25P")
    low_kg_h = ac.fuel_flow_level_kg_s(0.0, 0.86) * 3600
    cruise_kg_h = ac.fuel_flow_level_kg_s(6000.0, 0.69) * 3600
    assert low_kg_h > 14000 > 12500 > cruise_kg_h


def test_turn_radius_formula():
    ac = load_aircraft("MiG-15bis")
    assert ac.turn_radius_m(200.0, 2.0) == pytest.approx(200 ** 2 / (9.80665 * math.sqrt(3)))


def test_isa_reference_values():
    # ICAO standard atmosphere tables
    assert temperature_k(0.0) == pytest.approx(288.15)
    assert speed_of_sound_mps(0.0) == pytest.approx(340.294, abs=1e-3)
    assert density_kg_m3(0.0) == pytest.approx(1.2250, abs=1e-4)
    assert pressure_pa(11000.0) == pytest.approx(22632.0, rel=1e-3)
    assert density_kg_m3(11000.0) == pytest.approx(0.36392, rel=1e-3)
    assert speed_of_sound_mps(11000.0) == pytest.approx(295.07, abs=0.01)
    assert density_kg_m3(20000.0) == pytest.approx(0.088035, rel=2e-3)
