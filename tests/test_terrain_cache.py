"""foxbat.report.terrain_cache: the maps' resampled, hillshaded terrain kept on disk between
runs, keyed by the DEM, the bounds and the width; a hit is the very terrain computed, and
the map and replay drawn from it are the same bytes."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from foxbat.report import run_map
from foxbat.report.run_folder import read_run
from run_fixture import make_run_folder

BOUNDS = (138.5, 40.5, 142.5, 43.5)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return read_run(make_run_folder(tmp_path_factory.mktemp("run")))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FOXBAT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "terrain"


def _entries(cache):
    return sorted(cache.glob("*.npz"))


def _no_compute(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("computed although cached")

    monkeypatch.setattr(run_map, "_terrain", fail)


def _same(a: run_map.Basemap, b: run_map.Basemap):
    for f in ("rgb", "height_m", "sea_share"):
        x, y = getattr(a, f), getattr(b, f)
        assert (x is None) == (y is None), f
        if x is not None:
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f
    assert a.coast_level == b.coast_level and a.extent == b.extent
    assert a.coverage.keys() == b.coverage.keys()
    for k in a.coverage:
        assert np.array_equal(a.coverage[k], b.coverage[k])


def test_a_hit_is_the_computed_terrain(run, cache, monkeypatch):
    monkeypatch.setenv("FOXBAT_CACHE_DIR", "off")
    want = run_map.basemap(run, BOUNDS, width_px=300)
    assert want.coast_level == 0.0 and want.height_m is not None  # the built-in DEM has bathymetry
    monkeypatch.setenv("FOXBAT_CACHE_DIR", str(cache.parent))
    first = run_map.basemap(run, BOUNDS, width_px=300)
    assert len(_entries(cache)) == 1
    _no_compute(monkeypatch)
    again = run_map.basemap(run, BOUNDS, width_px=300)
    _same(first, want)
    _same(again, want)


def test_the_map_and_replay_from_a_hit_are_the_same_bytes(run, cache, tmp_path, monkeypatch):
    from foxbat.report.replay import write_replay_html

    monkeypatch.setenv("FOXBAT_CACHE_DIR", "off")
    run_map.render_run_map(run, tmp_path / "off.png")
    write_replay_html(run, tmp_path / "off.html")
    assert not cache.exists()  # switched off: nothing written
    monkeypatch.setenv("FOXBAT_CACHE_DIR", str(cache.parent))
    run_map.render_run_map(run, tmp_path / "miss.png")
    write_replay_html(run, tmp_path / "miss.html")
    assert len(_entries(cache)) == 2  # the map's 1,400 pixels and the replay's 1,200
    _no_compute(monkeypatch)
    run_map.render_run_map(run, tmp_path / "hit.png")
    write_replay_html(run, tmp_path / "hit.html")
    for a, b in (("off.png", "miss.png"), ("off.png", "hit.png"), ("off.html", "hit.html")):
        assert (tmp_path / a).read_bytes() == (tmp_path / b).read_bytes(), (a, b)


def _on_dem(run, path, z, dem):
    import rasterio

    with rasterio.open(path, "w", driver="GTiff", height=z.shape[0], width=z.shape[1], count=1,
                       dtype="float32", crs=dem.crs, transform=dem.transform) as ds:
        ds.write(z, 1)
    return dataclasses.replace(run, meta=dict(run.meta, dem=str(path)))


@pytest.mark.parametrize("change", ["bounds", "width", "heights"])
def test_any_changed_input_is_another_entry(run, cache, tmp_path, change):
    from foxbat.terrain import open_dem

    dem = open_dem()
    z = np.array(dem.heights_m, np.float32)
    run = _on_dem(run, tmp_path / "dem.tif", z, dem)
    first = run_map.basemap(run, BOUNDS, width_px=300)
    bounds, width = BOUNDS, 300
    if change == "bounds":
        bounds = (138.5, 40.5, 142.5, 43.6)
    elif change == "width":
        width = 301
    else:  # another DEM file, one cell 5,000 m higher
        z[75, 175] += 5000  # at 42.0 N 140.0 E, inside BOUNDS
        run = _on_dem(run, tmp_path / "dem2.tif", z, dem)
    got = run_map.basemap(run, bounds, width_px=width)
    assert len(_entries(cache)) == 2
    assert got.rgb.shape[1] == width
    if change == "heights":
        assert np.nanmax(got.height_m) > np.nanmax(first.height_m)


def test_an_unreadable_entry_is_computed_again_and_replaced(run, cache):
    want = run_map.basemap(run, BOUNDS, width_px=300)
    (path,) = _entries(cache)
    path.write_bytes(b"not a zip file")
    got = run_map.basemap(run, BOUNDS, width_px=300)
    _same(got, want)
    assert path.stat().st_size > 1000 and len(_entries(cache)) == 1
