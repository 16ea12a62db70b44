"""Sites files and the built-in network's provenance."""

import pytest

from foxbat.errors import ScenarioError
from foxbat.scenario.radars import load_sites_file
from foxbat.coverage.cli import parse_site_arg


def test_builtin_network_every_site_sourced_or_notional():
    specs = load_sites_file("builtin:belenko-1976")
    assert {s.side for s in specs} == {"Japan", "USSR"}
    for s in specs:
        assert s.source or (s.notional and s.reason), s.name
    oku = next(s for s in specs if s.name == "Okushiri")
    # 42°09′36″N 139°26′44″E [S39]; antenna above the 584 m summit [S40]
    assert oku.lat == pytest.approx(42 + 9 / 60 + 36 / 3600, abs=1e-4)
    assert oku.lon == pytest.approx(139 + 26 / 60 + 44 / 3600, abs=1e-4)
    assert oku.antenna_msl_m >= 584


def test_yaml_list_and_defaults(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("- {name: a, lat: 43, lon: 141}\n- {name: b, lat: 44, lon: 142, antenna_msl_m: 500}\n")
    specs = load_sites_file(str(f), defaults={"antenna_agl_m": 12.0, "max_range_km": 150})
    assert specs[0].antenna_agl_m == 12 and specs[1].antenna_msl_m == 500
    assert [s.to_site().max_range_m for s in specs] == [150e3, 150e3]


def test_duplicate_names_and_notional_without_reason(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("- {name: a, lat: 43, lon: 141, antenna_agl_m: 1}\n- {name: a, lat: 44, lon: 142, antenna_agl_m: 1}\n")
    with pytest.raises(ScenarioError, match="unique"):
        load_sites_file(str(f))
    f.write_text("- {name: a, lat: 43, lon: 141, antenna_agl_m: 1, notional: true}\n")
    with pytest.raises(ScenarioError, match="reason"):
        load_sites_file(str(f))


def test_site_arg():
    assert parse_site_arg("42.16, 139.45 ,Okushiri", 0) == (42.16, 139.45, "Okushiri")
    assert parse_site_arg("42.16,139.45", 4)[2] == "site5"
