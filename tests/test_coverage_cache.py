"""foxbat.coverage_cache: a radar's coverage raster kept on disk between runs, keyed by
everything it depends on; a hit is the very raster compute_coverage gives."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from foxbat import coverage_cache
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.terrain import open_dem

OKUSHIRI = RadarSite(42.16, 139.4456, antenna_msl_m=600.0, max_range_m=300_000.0, name="Okushiri")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FOXBAT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "coverage"


def _no_compute(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("computed although cached")

    monkeypatch.setattr("foxbat.coverage.compute_coverage", fail)


def test_a_hit_is_the_computed_raster(cache, monkeypatch):
    dem = open_dem()
    want = compute_coverage(dem, [OKUSHIRI], 4 / 3).lowest_agl_m
    first = coverage_cache.lowest_agl_m(dem, OKUSHIRI, 4 / 3)
    assert len(list(cache.glob("*.npy"))) == 1
    _no_compute(monkeypatch)
    again = coverage_cache.lowest_agl_m(dem, OKUSHIRI, 4 / 3)
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(again, want)
    assert again.dtype == want.dtype and np.isnan(again).sum() == np.isnan(want).sum() > 0


@pytest.mark.parametrize("change", ["k", "antenna", "range", "heights", "nodata"])
def test_any_changed_input_is_another_entry(cache, change):
    dem, site, k = open_dem(), OKUSHIRI, 4 / 3
    coverage_cache.lowest_agl_m(dem, site, k)
    if change == "k":
        k = 1.0
    elif change == "antenna":
        site = dataclasses.replace(site, antenna_msl_m=300.0)
    elif change == "range":
        site = dataclasses.replace(site, max_range_m=150_000.0)
    elif change == "heights":
        z = dem.heights_m.copy()
        z[60, 130] += 500  # one cell of terrain in the radar's view
        dem = dataclasses.replace(dem, heights_m=z)
    else:
        dem = dataclasses.replace(dem, nodata=-32768.0)
    got = coverage_cache.lowest_agl_m(dem, site, k)
    assert len(list(cache.glob("*.npy"))) == 2
    np.testing.assert_array_equal(got, compute_coverage(dem, [site], k).lowest_agl_m)


def test_a_damaged_file_is_computed_again(cache):
    dem = open_dem()
    want = coverage_cache.lowest_agl_m(dem, OKUSHIRI, 4 / 3)
    (f,) = cache.glob("*.npy")
    f.write_bytes(b"not a numpy file")
    np.testing.assert_array_equal(coverage_cache.lowest_agl_m(dem, OKUSHIRI, 4 / 3), want)
    np.testing.assert_array_equal(np.load(f), want)  # and replaced


def test_off_and_unwritable(tmp_path, monkeypatch):
    dem = open_dem()
    want = compute_coverage(dem, [OKUSHIRI], 4 / 3).lowest_agl_m
    monkeypatch.setenv("FOXBAT_CACHE_DIR", "off")
    assert coverage_cache.cache_dir() is None
    np.testing.assert_array_equal(coverage_cache.lowest_agl_m(dem, OKUSHIRI, 4 / 3), want)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("FOXBAT_CACHE_DIR", str(blocker))  # a file: no folder can be made there
    np.testing.assert_array_equal(coverage_cache.lowest_agl_m(dem, OKUSHIRI, 4 / 3), want)


def test_prepare_from_the_cache_equals_prepare_without(cache, monkeypatch):
    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario

    sc = load_run_scenario()
    monkeypatch.setenv("FOXBAT_CACHE_DIR", "off")
    plain = sim.prepare(sc)
    monkeypatch.setenv("FOXBAT_CACHE_DIR", str(cache.parent))
    sim.prepare(sc)  # fills the cache
    assert len(list(cache.glob("*.npy"))) == len(sc.radars)
    _no_compute(monkeypatch)
    cached = sim.prepare(sc)
    assert [r.name for r in cached.radars] == [r.name for r in plain.radars]
    for a, b in zip(plain.radars, cached.radars):
        assert np.isfinite(a.lowest_agl.heights_m).any()
        np.testing.assert_array_equal(a.lowest_agl.heights_m, b.lowest_agl.heights_m)
