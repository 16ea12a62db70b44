"""`foxbat coverage --sites scenario.yaml` takes the DEM from the scenario's `dem:` (relative
to the scenario file, as `foxbat run` does) unless --dem is given."""

from __future__ import annotations

import rasterio
from rasterio.windows import Window

from foxbat.cli import main
from test_user_catalogues import make_case


def _crop_scenario_dem(scen):
    """Replace the case's DEM (a copy of the built-in one) by a crop of it, so the output's
    shape tells which DEM was used."""
    p = scen.parent / "terrain" / "japan.tif"
    with rasterio.open(p) as ds:
        win = Window(144, 48, 72, 60)  # lon 138-144E, lat 39-44N: around the sites
        z = ds.read(1, window=win)
        prof = ds.profile | {"width": 72, "height": 60, "transform": ds.window_transform(win)}
        full = (ds.height, ds.width)
    p.unlink()
    with rasterio.open(p, "w", **prof) as out:
        out.write(z, 1)
    return full


def _shape(path):
    with rasterio.open(path) as ds:
        return ds.height, ds.width


def test_coverage_sites_uses_the_scenario_dem(tmp_path, capsys, monkeypatch):
    scen = make_case(tmp_path)
    full = _crop_scenario_dem(scen)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # dem: terrain/japan.tif is relative to the scenario, not here
    assert main(["coverage", "--sites", str(scen), "--out", "cov.tif"]) == 0
    assert _shape(elsewhere / "cov.tif") == (60, 72)
    # an explicit --dem still wins
    builtin = scen.parent.parent / "builtin.tif"
    assert main(["coverage", "--sites", str(scen), "--dem", str(_builtin_copy(builtin)), "--out", "cov2.tif"]) == 0
    assert _shape(elsewhere / "cov2.tif") == full
    capsys.readouterr()


def _builtin_copy(dst):
    import shutil

    from test_user_catalogues import BUILTIN_DEM

    shutil.copy(BUILTIN_DEM, dst)
    return dst


def test_coverage_sites_missing_scenario_dem_names_the_field(tmp_path, capsys):
    scen = make_case(tmp_path)
    (scen.parent / "terrain" / "japan.tif").unlink()
    out = tmp_path / "cov.tif"
    assert main(["coverage", "--sites", str(scen), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    line = next(i for i, t in enumerate(scen.read_text().splitlines(), 1) if t.startswith("dem:"))
    assert len(err.splitlines()) == 1
    assert f"strait.yaml:{line}: dem: no such file terrain/japan.tif" in err, err
    assert "--dem" not in err
    assert not out.exists()
