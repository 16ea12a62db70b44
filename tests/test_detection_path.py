"""Detection with the path's propagation factor and the antenna pattern
(foxbat.sensing.path, ground_looks) and the scenario's environment section."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from affine import Affine

from foxbat.coverage import RadarSite, compute_coverage
from foxbat.errors import ScenarioError
from foxbat.propagation import deygout_loss_db, propagation_factor_db, terrain_profile
from foxbat.radar.catalogue import get_radar_type
from foxbat.scenario.radars import builtin_scenario_path
from foxbat.scenario.run import parse_run_scenario
from foxbat.sensing.ground import GroundRadar, ground_looks
from foxbat.sensing.path import PathEnvironment, path_factors_db
from foxbat.terrain import from_array
from foxbat.terrain.dem import Dem

CELL_DEG = 0.01


def _dem(z) -> Dem:
    nr, nc = z.shape
    return from_array(np.asarray(z, np.float32), Affine(CELL_DEG, 0, 0.0, 0, -CELL_DEG, nr * CELL_DEG / 2),
                      "EPSG:4326")


def _east(lat0, lon0, d_m):
    from foxbat.geo import wgs84_geod

    lon, lat, _ = wgs84_geod().fwd(np.full(np.shape(d_m), lon0), np.full(np.shape(d_m), lat0),
                                   np.full(np.shape(d_m), 90.0), d_m)
    return np.asarray(lat), np.asarray(lon)


def _reflected_gain(rt, ground, h1, h2):
    # the pattern toward the reflected ray relative to the direct ray (Blake's F·G)
    from foxbat.propagation import ray_elevations_rad

    el_d, el_r = ray_elevations_rad(ground, h1, h2, k=4 / 3)
    return rt.elevation_pattern_db(el_r) - rt.elevation_pattern_db(el_d)


def test_sea_path_uses_heights_above_msl_and_sea_constants():
    rt = get_radar_type("AN/FPS-20")
    dem = _dem(np.zeros((60, 200)))
    env = PathEnvironment(sea_state=2.0, land_type="dry", k=4 / 3)
    d = np.array([10e3, 30e3, 80e3, 150e3])
    lat, lon = _east(0.0, 0.2, d)
    alt = np.array([30.0, 300.0, 30.0, 3000.0])
    f, p, sea = path_factors_db(rt, 0.0, 0.2, 25.0, lat, lon, alt, dem=dem, env=env)
    assert sea.all()
    from foxbat.sensing.geometry import look_angles

    ground, _, _, elev = look_angles(0.0, 0.2, 25.0, lat, lon, alt, 4 / 3)
    want, _ = propagation_factor_db(ground, 25.0, alt, rt.frequency_hz.value, surface="sea", sea_state=2.0,
                                    polarization="h", k=4 / 3, reflected_gain_db=_reflected_gain(rt, ground, 25.0, alt))
    np.testing.assert_allclose(f, want, atol=1e-9)
    np.testing.assert_allclose(p, rt.elevation_pattern_db(np.radians(elev)), atol=1e-9)


def test_land_path_measures_heights_above_the_plateau():
    # a flat plateau at 400 m: the radar 20 m and the target 50 m above it, over dry ground
    rt = get_radar_type("P-37")
    dem = _dem(np.full((60, 200), 400.0))
    env = PathEnvironment(sea_state=3.0, land_type="dry", k=4 / 3)
    d = np.array([5e3, 20e3])
    lat, lon = _east(0.0, 0.2, d)
    f, _, sea = path_factors_db(rt, 0.0, 0.2, 420.0, lat, lon, np.full(2, 450.0), dem=dem, env=env)
    assert not sea.any()
    from foxbat.geo import geodesic_distance_m

    ground = np.array([geodesic_distance_m(0.0, 0.2, la, lo) for la, lo in zip(lat, lon)])
    want, _ = propagation_factor_db(ground, 20.0, 50.0, rt.frequency_hz.value, surface="dry", k=4 / 3,
                                    reflected_gain_db=_reflected_gain(rt, ground, 20.0, 50.0))
    np.testing.assert_allclose(f, want, atol=1e-6)


def test_blocked_path_takes_the_deygout_loss():
    # a 600 m ridge 20 km east of a radar on a 30 m mast over the sea; targets at 200 m behind it
    z = np.zeros((60, 200))
    ridge = int(round((0.2 + 20e3 / 111_320) / CELL_DEG))
    z[:, ridge] = 600.0
    dem = _dem(z)
    rt = get_radar_type("AN/FPS-20")
    env = PathEnvironment()
    d = np.array([40e3, 60e3])
    lat, lon = _east(0.0, 0.2, d)
    alt = np.full(2, 200.0)
    f, _, _ = path_factors_db(rt, 0.0, 0.2, 30.0, lat, lon, alt, dem=dem, env=env, obstructed=np.ones(2, bool))
    dist, zp = terrain_profile(dem, 0.0, 0.2, lat, lon, 64)
    loss = deygout_loss_db(dist, np.maximum(np.nan_to_num(zp), 0.0), np.full(2, 30.0), alt, rt.frequency_hz.value,
                           4 / 3)
    assert np.all(loss > 6.0)  # the ridge blocks the ray: more than J(0) = 6.0 dB
    # foxbat.sensing.path samples the geodesic exactly at 9 points and between them
    # linearly: the same loss as the exact profile to within 0.05 dB here
    np.testing.assert_allclose(f, -loss, atol=0.05)
    free, _, _ = path_factors_db(rt, 0.0, 0.2, 30.0, lat, lon, alt, dem=dem, env=env)
    assert np.all(free > f)


def _flat_sea_radar(agl_m=20.0):
    dem = _dem(np.zeros((40, 600)))
    rt = get_radar_type("AN/FPS-20")
    site = RadarSite(0.0, 0.2, antenna_agl_m=agl_m, max_range_m=300_000.0, name="R")
    cov = compute_coverage(dem, [site])
    return dem, GroundRadar("R", "Blue", 0.0, 0.2, agl_m, agl_m, 300_000.0, rt,
                            Dem(cov.lowest_agl_m, dem.transform, dem.crs, None), dem, PathEnvironment())


RCS = 3e-4


def test_looks_carry_twice_the_path_terms_and_pd_rises_with_height():
    """The same target at 20 km, climbing from 2 m to 300 m over a calm sea: every look's
    SNR is the free-space SNR with clutter plus 2·pattern + 2·f, and below the first lobe
    Pd rises with height (F ≈ 4π·h1·h2/(λ·d) grows)."""
    from foxbat.sensing.path import signal_snr_db

    dem, radar = _flat_sea_radar()
    rt = radar.rtype
    t = np.arange(0.0, 6001.0, 1.0)
    lat, lon = _east(0.0, 0.2, np.full(t.size, 20e3))
    agl = np.linspace(2.0, 300.0, t.size)
    lk = ground_looks(radar, "T", t, lat, lon, agl, agl, RCS, 1, np.random.default_rng(1), dem,
                      "sea_state_3", "wooded_hills", 4 / 3)
    assert lk.t_s.size > 100 and lk.visible.all()
    from foxbat.sensing.geometry import look_angles

    _, _, slant, _ = look_angles(0.0, 0.2, 20.0, lk.lat, lk.lon, lk.alt_msl_m, 4 / 3)
    base = rt.effective_snr_db(slant, RCS, radar_height_m=20.0, target_height_m=lk.alt_msl_m, surface="sea_state_3")
    np.testing.assert_allclose(lk.snr_db, base + 2 * lk.pattern_db + 2 * lk.f_db, atol=1e-9)
    np.testing.assert_allclose(lk.snr_db, signal_snr_db(rt, slant, RCS, lk.f_db, lk.pattern_db, radar_height_m=20.0,
                                                        target_height_m=lk.alt_msl_m, surface="sea_state_3"))
    lam = rt.wavelength_m
    first_lobe = lam * 20e3 / (4 * 20.0)
    low = lk.alt_msl_m < 0.5 * first_lobe
    assert low.sum() > 20
    assert np.all(np.diff(lk.snr_db[low]) > 0) and np.all(np.diff(lk.pd[low]) >= 0)
    assert lk.pd[0] < 0.05 and lk.pd[~low].max() > 0.9
    assert np.all(lk.f_db <= 20 * np.log10(2.0) + 1e-9)  # F <= 1 + |Γ| <= 2


# ----------------------------------------------------------------------------- environment

def _raw():
    return yaml.safe_load(builtin_scenario_path("belenko-1976").read_text())


def test_environment_defaults_and_legacy_keys():
    sc = parse_run_scenario(_raw(), "s.yaml")
    env = sc.defenders.environment
    assert (env.sea_state.value, env.land_type.value, sc.defenders.k) == (3.0, "medium", 4 / 3)
    assert sc.defenders.sea_surface == "sea_state_3" and sc.defenders.land_surface == "wooded_hills"
    old = _raw()
    old.update({"k": 1.2, "sea_surface": "sea_state_5", "land_surface": "farmland"})
    d = parse_run_scenario(old, "old.yaml").defenders
    assert (d.k, d.sea_surface, d.land_surface, d.environment.sea_state.value) == (1.2, "sea_state_5", "farmland", 5)
    assert d.environment.k.notional and "older scenario" in d.environment.k.reason
    new = _raw()
    new["environment"] = {"sea_state": {"value": 1, "source": "log"}, "land_type": {"value": "wet", "source": "x"}}
    d = parse_run_scenario(new, "new.yaml").defenders
    assert (d.sea_surface, d.environment.land_type.value) == ("sea_state_1", "wet")
    assert PathEnvironment.from_spec(d.environment) == PathEnvironment(1.0, "wet", 4 / 3, "sea_state_1",
                                                                       "wooded_hills")


@pytest.mark.parametrize("edit, field, words", [
    (lambda r: r.update(k=1.5, environment={"k": {"value": 1.4, "source": "x"}}), "k", "given twice"),
    (lambda r: r.update(sea_surface="flatland"), "sea_surface", "sea_state_0"),
    (lambda r: r.update(environment={"sea_state": {"value": 7, "source": "x"}}), "environment.sea_state", "0..6"),
    (lambda r: r.update(environment={"land_type": {"value": "swamp", "source": "x"}}), "environment.land_type",
     "wet"),
    (lambda r: r.update(environment={"land_clutter": {"value": "sea_state_2", "source": "x"}}),
     "environment.land_clutter", "farmland"),
    (lambda r: r.update(environment={"k": {"value": 1.3}}), "environment.k", "source"),
    (lambda r: r.update(environment={"k": {"value": 0, "source": "x"}}), "environment.k", "0 < k <= 100"),
])
def test_environment_errors_name_the_field(edit, field, words):
    raw = copy.deepcopy(_raw())
    edit(raw)
    with pytest.raises(ScenarioError) as ei:
        parse_run_scenario(raw, "bad.yaml")
    msg = str(ei.value)
    assert field in msg and words in msg and "bad.yaml" in msg, msg
