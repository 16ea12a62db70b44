"""`foxbat scenario validate | list | show | export`."""

import yaml

from foxbat.cli import main


def test_list_show_export_roundtrip(tmp_path, capsys):
    assert main(["scenario", "list"]) == 0
    listed = capsys.readouterr().out
    assert "belenko-1976" in listed and "no-kum-sok-1953" in listed
    assert main(["scenario", "show", "belenko-1976"]) == 0
    shown = capsys.readouterr().out
    assert "Okushiri" in shown and "F-4EJ" in shown
    assert main(["scenario", "export", "belenko-1976"]) == 0
    text = capsys.readouterr().out
    mine = tmp_path / "mine.yaml"
    mine.write_text(text)
    assert yaml.safe_load(text)["intruder"]["id"] == "068"
    assert main(["scenario", "validate", str(mine)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_names_file_line_and_field(tmp_path, capsys):
    assert main(["scenario", "export", "belenko-1976"]) == 0
    src = capsys.readouterr().out
    bad = src.replace("    lat: 42.16\n", "    lat: 142.16\n", 1)
    assert bad != src
    f = tmp_path / "bad.yaml"
    f.write_text(bad)
    assert main(["scenario", "validate", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    line_no = next(i for i, line in enumerate(bad.splitlines(), 1) if "lat: 142.16" in line)
    assert f"bad.yaml:{line_no}: radars[0] (Okushiri).lat" in err[0], err[0]
    assert "90" in err[0]  # what is allowed


def test_validate_finds_a_route_off_the_dem(tmp_path, capsys):
    assert main(["scenario", "export", "belenko-1976"]) == 0
    src = capsys.readouterr().out
    data = yaml.safe_load(src)
    legs = data["route"]["legs"]
    fly = next(leg for leg in legs if "fly_to" in leg)
    fly["fly_to"]["lat"] = 55.0  # north of the built-in DEM
    f = tmp_path / "off.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["scenario", "validate", str(f)]) == 2
    err = capsys.readouterr().err.strip()
    assert "off.yaml" in err and "route" in err and len(err.splitlines()) == 1
