"""Readable output: tables printed in full in pipes, schema errors that name the file, the
line, the field and the accepted form, errors about positions off the DEM with their line."""

from __future__ import annotations

import numpy as np
import pytest

from foxbat.cli import main
from test_user_catalogues import ROOT, make_case


def _line_of(path, needle: str) -> int:
    return next(i for i, s in enumerate(path.read_text().splitlines(), 1) if needle in s)


def _bad(tmp_path, old: str, new: str):
    scen = make_case(tmp_path)
    text = scen.read_text()
    assert old in text
    scen.write_text(text.replace(old, new, 1))
    return scen


def _one_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("old,new,field,needle,expect", [
    ("speed: {tas_kmh: 850}", "speed: 850", "route.legs[3].follow_terrain.speed", "speed: 850",
     "expected a mapping with exactly one of mach, tas_kmh, tas_mps, tas_kt, gs_kmh, gs_mps, e.g. {tas_kmh: 800}"
     " or {mach: 0.9}; got 850"),
    ('rcs_m2: {value: 2.0, notional: true, reason: "fighter-sized target, game-data figure"}', "rcs_m2: 2.0",
     "intruder.rcs_m2", "rcs_m2: 2.0",
     'expected a figure with its provenance, e.g. {value: 800, source: "a citation"} or {value: 800, notional: '
     'true, reason: "why this value"}; got 2.0'),
    ("max_range_km: 300", "max_range_km: far", "radars[0] (Ominato).max_range_km", "far",
     "expected a number, e.g. 1200 or 1.2e3; got 'far'"),
    ("fuel_kg: 1200", "fuel_kg: lots", "aircraft.fuel_kg", "lots", "expected a number, e.g. 1200 or 1.2e3; got 'lots'"),
    ("local_tz_name: JST", "local_tz_nam: JST", "local_tz_nam", "local_tz_nam:",
     "unknown section; allowed: aircraft, bases, catalogues, dem"),
    ("    base: Chitose\n", "    base: Chitose\n    bse: x\n", "interceptors[0].bse", "bse: x",
     "unknown field; allowed: name, type, side, base, count"),
])
def test_schema_errors_name_line_field_and_accepted_form(tmp_path, capsys, old, new, field, needle, expect):
    scen = _bad(tmp_path, old, new)
    err = _one_error(capsys, ["scenario", "validate", str(scen)])
    assert err.startswith(f"foxbat scenario: error: {scen}:{_line_of(scen, needle)}: {field}: {expect}"), err


@pytest.mark.parametrize("old,new,field,needle,expect", [
    ("    lat: 40.9\n", "    lat: 49.5\n", "radars[1] (Red coast).lat", "lat: 49.5",
     "site 49.50000,139.95000 lies outside the DEM"),
    ("lat: 42.794444", "lat: 49.794444", "bases[0] (Chitose).lat", "lat: 49.794444",
     "base Chitose at 49.7944,141.6664 lies outside the DEM"),
    ("lat: 41.60, lon: 141.6", "lat: 49.60, lon: 141.6", "route.legs[4].follow_terrain", "lat: 49.60",
     "point 49.6000N 141.6000E is off the DEM"),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_positions_off_the_dem_name_the_line(tmp_path, capsys, old, new, field, needle, expect, command):
    scen = _bad(tmp_path, old, new)
    argv = (["scenario", "validate", str(scen)] if command == "validate"
            else ["run", str(scen), "--out", str(tmp_path / "out"), "--no-reports"])
    err = _one_error(capsys, argv)
    assert f"error: {scen}:{_line_of(scen, needle)}: {field}: {expect}" in err, err


def test_tables_in_a_pipe_are_printed_in_full(capsys):
    """capsys is not a terminal: no cell may be cut with an ellipsis, and the rows are
    plain columns."""
    assert main(["scenario", "show", "belenko-1976"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    header = next(line for line in out.splitlines() if line.startswith("name "))
    assert header.split() == ["name", "side", "type", "lat", "lon", "antenna", "range", "km", "provenance"]
    okushiri = next(line for line in out.splitlines() if line.startswith("Okushiri"))
    assert okushiri.split()[:5] == ["Okushiri", "Japan", "AN/FPS-20", "42.1600", "139.4456"]


def test_plain_table_columns_keep_every_character():
    from rich.table import Table

    from foxbat.tables import plain_lines

    t = Table(title="t")
    t.add_column("when")
    t.add_column("what")
    t.add_row("04:41:07", "landing at Hakodate after a very long and detailed description " * 3)
    t.add_row("[bold]05:00[/]", "x\ny")
    lines = plain_lines(t)
    assert lines[0] == "t"
    assert lines[1].split() == ["when", "what"]
    assert lines[2].startswith("04:41:07  landing at Hakodate") and lines[2].endswith("description")
    assert lines[3:] == ["05:00     x", "          y"]


def test_show_says_full_internal_fuel(tmp_path, capsys):
    scen = _bad(tmp_path, "  fuel_kg: 1200\n", "")
    assert main(["scenario", "show", str(scen)]) == 0
    out = capsys.readouterr().out
    assert "full internal fuel" in out and "full kg" not in out
    scen = _bad(tmp_path / "b", "fuel_kg: 1200", "fuel_kg: 1100")
    assert main(["scenario", "show", str(scen)]) == 0
    assert "1,100 kg fuel" in capsys.readouterr().out


def _on_white(rgba) -> np.ndarray:
    r = np.asarray(rgba, float)
    return r[:3] * r[3] + (1.0 - r[3])


def test_timeline_legend_swatches_are_distinct():
    """'visible, not detected' and 'looked, not visible' were the same grey (#555 at 28 %
    on white is #cfcfcf = the look bars' #d0d0d0)."""
    from matplotlib.colors import to_rgba

    from foxbat.report.timeline import legend_handles

    h = {x.get_label(): x for x in legend_handles()}
    visible = _on_white(h["visible, not detected"].get_facecolor())
    looked = _on_white(to_rgba(h["looked, not visible"].get_color()))
    detected = _on_white(h["detected (scan)"].get_facecolor())
    # at least 0.15 apart in every pair's grey level (0..1): three steps a reader tells apart
    levels = sorted(float(c.mean()) for c in (visible, looked, detected))
    assert min(b - a for a, b in zip(levels, levels[1:])) > 0.15, levels


def test_run_map_tints_the_sea_of_a_dem_without_bathymetry(tmp_path):
    """A DEM whose sea is clamped to 0 m (GLOBE, SRTM): the run map tints the same sea as
    with the bathymetric original, and no land."""
    import json

    import rasterio

    from foxbat.report.run_folder import read_run
    from foxbat.report.run_map import basemap
    from run_fixture import make_run_folder

    src = ROOT / "src" / "foxbat" / "terrain" / "data" / "etopo5_japan_sea.tif"
    with rasterio.open(src) as ds:
        profile, z = ds.profile, ds.read(1)
    clamped = tmp_path / "clamped.tif"
    with rasterio.open(clamped, "w", **profile) as out:
        out.write(np.maximum(z, 0), 1)
    bounds = (138.5, 40.5, 142.5, 43.5)

    def sea_mask(dem_path):
        d = make_run_folder(tmp_path / dem_path.stem, with_coverage=False)
        meta = json.loads((d / "run.json").read_text())
        meta["dem"] = str(dem_path)
        (d / "run.json").write_text(json.dumps(meta))
        bm = basemap(read_run(d), bounds, width_px=300)
        rgb = bm.rgb
        return rgb[..., 2] > rgb[..., 0] + 0.03  # the sea tint is blue, the land a warm grey

    with_bathy, without = sea_mask(src), sea_mask(clamped)
    assert 0.3 < with_bathy.mean() < 0.8
    # the same sea up to the coast's pixels: 3.2 % differ (cubic heights below 0 m against
    # half a pixel of 0 m cells put the coast a pixel apart); before the fix 62 % differed
    assert np.mean(with_bathy != without) < 0.05, np.mean(with_bathy != without)
