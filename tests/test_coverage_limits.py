"""One source of truth for a radar's limits: `foxbat coverage --sites scenario.yaml` gives
the lowest visible heights `foxbat run` computes for the same radars, with each type's
elevation limits and instrumented range."""

from __future__ import annotations

import numpy as np
import rasterio
import yaml

from foxbat.cli import main
from test_user_catalogues import make_case


def _limited_case(tmp_path):
    """The tutorial case with a gap-filler type whose limits bind: lowest beam +0.5 deg,
    instrumented range 120 km (the sites ask for 300 km and none)."""
    scen = make_case(tmp_path)
    p = scen.parent / "types" / "gap-filler.yaml"
    raw = yaml.safe_load(p.read_text())
    raw["elevation_min_deg"]["value"] = 0.5
    raw["instrumented_range_m"]["value"] = 120_000
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return scen


def _read(path) -> np.ndarray:
    with rasterio.open(path) as ds:
        z = ds.read(1).astype(np.float64)
        z[z == ds.nodata] = np.nan
    return z


def test_coverage_sites_applies_the_type_limits_as_the_run_does(tmp_path, capsys):
    from foxbat import sim
    from foxbat.coverage import compute_coverage
    from foxbat.scenario.radars import load_sites_file, sites_from_specs
    from foxbat.scenario.run import load_run_scenario
    from foxbat.terrain import open_dem

    scen = _limited_case(tmp_path)
    dem_path = scen.parent / "terrain" / "japan.tif"
    out = tmp_path / "cov.tif"
    assert main(["coverage", "--sites", str(scen), "--dem", str(dem_path), "--out", str(out)]) == 0
    capsys.readouterr()
    network = _read(out)

    prepared = sim.prepare(load_run_scenario(str(scen)))
    stack = np.stack([np.asarray(r.lowest_agl.heights_m, np.float64) for r in prepared.radars])
    with np.errstate(all="ignore"):
        from_run = np.fmin.reduce(stack, axis=0)
    assert [r.max_range_m for r in prepared.radars] == [120_000.0, 120_000.0]
    # the same cells seen, at the same heights (float32 rasters from the same engine)
    assert np.array_equal(np.isnan(network), np.isnan(from_run))
    np.testing.assert_allclose(network[~np.isnan(network)], from_run[~np.isnan(from_run)], rtol=0, atol=1e-3)
    # ... and the limits matter: the sites without their types see other cells at other heights
    bare = compute_coverage(open_dem(dem_path), sites_from_specs(load_sites_file(str(scen))),
                            fill=np.nan).lowest_agl_m.astype(np.float64)
    seen_only_bare = np.isfinite(bare) & np.isnan(network)
    assert seen_only_bare.sum() > 1000  # beyond 120 km (the sites say 300 km and none)
    both = np.isfinite(bare) & np.isfinite(network)
    assert (network[both] > bare[both] + 1.0).sum() > 100  # the +0.5 deg beam raises the floor
    assert (network[both] >= bare[both] - 1e-3).all()
    # the type's upper limit gives the cone of silence, written beside the coverage
    assert (tmp_path / "cov.ceiling.tif").exists()


def test_coverage_sites_names_an_unknown_type_with_its_line(tmp_path, capsys):
    scen = make_case(tmp_path)
    scen.write_text(scen.read_text().replace("type: Example Gap Filler", "type: Nonesuch"))
    assert main(["coverage", "--sites", str(scen), "--out", str(tmp_path / "c.tif")]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(scen.read_text().splitlines(), 1) if "Nonesuch" in s)
    assert f"{scen}:{line}: radars[0] (Ominato).type: unknown radar type 'Nonesuch'" in err
