"""The interceptor's radar: bars, range, M-of-N contact, lock-on range; clutter over terrain."""

import math

import numpy as np
import pytest
from affine import Affine

from foxbat.command.intercept import Intruder, _search_look, fly_interceptor
from foxbat.geo import EARTH_RADIUS_M
from foxbat.radar import clutter
from foxbat.radar.catalogue import get_radar_type
from foxbat.radar.terrain_clutter import cells_at_range, clutter_rcs_m2, view_profile
from foxbat.sensing.airborne import BarScan, MofN
from foxbat.sensing.geometry import destination
from foxbat.sensing.path import PathEnvironment
from foxbat.terrain import from_array
from foxbat.terrain.point import point_sampler

APQ = get_radar_type("APQ-120")
K = 4.0 / 3.0


def sea_dem(lat0=41.0, lon0=138.0, n=400, cell_deg=0.02, z=None):
    """A geographic DEM (sea at 0 m unless ``z`` is given) from (lat0, lon0) north-east."""
    z = np.zeros((n, n), np.float32) if z is None else z
    return from_array(z, Affine(cell_deg, 0, lon0, 0, -cell_deg, lat0 + n * cell_deg), "EPSG:4326")


def straight_intruder(lat, lon, alt_msl_m, heading_deg=0.0, speed_mps=250.0, duration_s=2000, rcs_m2=5.0):
    t = np.arange(0.0, duration_s + 1.0)
    pts = [destination(lat, lon, heading_deg, speed_mps * s) for s in t]
    la = np.array([p[0] for p in pts])
    lo = np.array([p[1] for p in pts])
    alt = np.full(t.size, float(alt_msl_m))
    return Intruder("X", t, la, lo, alt, alt.copy(), rcs_m2, 1)


def truth_picture(target, shift_east_m=0.0, latency_s=0.0, update_s=0.0):
    """A controller's picture made of the target's states, shifted east by ``shift_east_m``."""
    from foxbat.command.intercept import TrackPicture

    t = target.t_s
    pts = [destination(a, b, 90.0, shift_east_m) if shift_east_m else (a, b) for a, b in zip(target.lat, target.lon)]
    la = np.array([p[0] for p in pts])
    lo = np.array([p[1] for p in pts])
    dn = np.gradient(la, t) * math.radians(1.0) * EARTH_RADIUS_M
    de = np.gradient(lo, t) * math.radians(1.0) * EARTH_RADIUS_M * np.cos(np.radians(la))
    return TrackPicture(t, la, lo, target.alt_msl_m.copy(), de, dn, 60.0, latency_s, update_s)


def test_apq120_scan_figures_from_the_catalogue():
    scan = BarScan.of(APQ)
    assert scan.bars == 2 and scan.frame_s == 2.0
    assert np.allclose(np.degrees(scan.bar_offsets_rad), [-1.875, 1.875])  # bars 3.75° apart [S18]
    assert math.degrees(scan.half_width_rad) == pytest.approx(60.0)
    assert APQ.lock_on_range_m.value == pytest.approx(50 * 1852.0)  # 50 NM [S18]
    assert (APQ.contact_m.value, APQ.contact_n.value) == (2, 3)


def test_bars_cover_about_seven_and_a_half_degrees_not_sixty():
    """Two bars 3.75° apart with a 3.7° beam: the elevation covered about the tilt is
    [-3.75°, +3.75°], not the old ±30°."""
    scan = BarScan.of(APQ)
    el = np.radians(np.linspace(-10, 10, 20001))
    covered = np.array([scan.bar_containing(np.zeros(2), np.full(2, e), 0.0) >= 0 for e in el])
    span = covered.mean() * 20.0
    assert span == pytest.approx(7.5, abs=0.01)
    assert scan.bar_containing(np.zeros(2), np.radians([3.0, 3.0]), 0.0) == 1
    assert scan.bar_containing(np.zeros(2), np.radians([-3.0, -3.0]), 0.0) == 0
    assert scan.bar_containing(np.zeros(2), np.radians([4.0, 4.0]), 0.0) == -1
    # the bars move with the tilt
    assert scan.bar_containing(np.zeros(2), np.radians([4.0, 4.0]), math.radians(3.0)) >= 0
    # azimuth: the 120° sector
    assert scan.bar_containing(np.radians([59.0, 59.0]), np.zeros(2) + 0.01, 0.0) >= 0
    assert scan.bar_containing(np.radians([61.0, 61.0]), np.zeros(2) + 0.01, 0.0) == -1


def test_dwell_times_raster():
    scan = BarScan.of(APQ)
    left = scan.dwell_offsets_list(math.radians(-60.0))
    right = scan.dwell_offsets_list(math.radians(60.0))
    assert np.allclose(left, [0.0, 2.0]) and np.allclose(right, [1.0, 1.0])


@pytest.mark.parametrize("alt_msl_m, dist_m, seen", [
    (6000.0, 40_000.0, True),     # level, ahead, well inside range
    (6000.0 + 40_000.0 * math.tan(math.radians(6.0)), 40_000.0, False),  # 6° above: outside the bars
    (6000.0, 380_000.0, False),   # beyond the 200 NM instrumented range
])
def test_no_look_outside_the_bars_or_beyond_range(alt_msl_m, dist_m, seen):
    dem = sea_dem(lat0=38.0, lon0=138.0, n=500)
    lat0, lon0 = 39.0, 140.0
    tlat, tlon = destination(lat0, lon0, 0.0, dist_m)
    target = straight_intruder(tlat, tlon, alt_msl_m, heading_deg=180.0, speed_mps=1.0, rcs_m2=1e6)
    gam = (float(clutter.surface_gamma_db("sea_state_3", APQ.frequency_hz.value)),
           float(clutter.surface_gamma_db("wooded_hills", APQ.frequency_hz.value)))
    t_look, visible, snr, pd, geom, *_ = _search_look(APQ, BarScan.of(APQ), target, 10.0, lat0, lon0, 6000.0, 0.0, 0.0,
                                                      dem, K, (1e6, 1, gam, PathEnvironment(k=K)))
    assert visible is seen
    assert (pd > 0.99) is seen and (pd == 0.0) is (not seen)
    assert 10.0 <= t_look <= 12.0


def test_contact_needs_m_of_n():
    r = MofN(2, 3)
    assert [r.push(h) for h in (True, False, True, False, False, True, True)] == \
        [False, False, True, False, False, False, True]
    r.clear()
    assert r.push(True) is False


@pytest.fixture(scope="module")
def flagship():
    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario

    return sim.run(load_run_scenario())


def test_flagship_contacts_follow_m_of_n_and_lock_on_range(flagship):
    for f in flagship.interceptors:
        rt = APQ
        m, n = int(rt.contact_m.value), int(rt.contact_n.value)
        looks = f.looks
        t_looks = np.array([lk[0] for lk in looks])
        hits = np.array([lk[4] for lk in looks])
        contacts = [e for e in f.events if e["kind"] == "airborne_contact"]
        assert contacts, f.id
        for e in contacts:
            i = int(np.flatnonzero(np.isclose(t_looks, e["t_s"]))[0])
            assert hits[max(0, i - n + 1):i + 1].sum() >= m and hits[i]
        kinds = [e["kind"] for e in f.events if e["kind"] in ("airborne_contact", "contact_lost")]
        assert kinds == ["airborne_contact", "contact_lost"] * (len(kinds) // 2)
        for e in (e for e in f.events if e["kind"] == "lock_on"):
            assert e["range_m"] <= rt.lock_on_range_m.value


def test_no_lock_on_beyond_the_lock_on_range():
    """A huge target met head-on at altitude: contact far out, lock-on only inside 50 NM."""
    dem = sea_dem(lat0=38.0, lon0=138.0, n=600)
    lat0, lon0 = 39.0, 140.0
    tlat, tlon = destination(lat0, lon0, 0.0, 300_000.0)
    target = straight_intruder(tlat, tlon, 9000.0, heading_deg=180.0, speed_mps=250.0, duration_s=900, rcs_m2=1e4)
    from foxbat.aircraft.performance import load_aircraft

    ac = load_aircraft("F-4EJ")
    f = fly_interceptor("I 1", "Blue", ac, APQ, lat0, lon0, 0.0, 0.0, 600.0, 5000.0, truth_picture(target), target, dem, K,
                        np.random.default_rng(1), cruise_mach=0.9, search_alt_msl_m=9000.0, visual_range_m=5000.0,
                        weapons_range_m=1500.0, intercept_hold_s=10.0, bingo_fuel_kg=100.0, sea="sea_state_3",
                        land="wooded_hills")
    kinds = [(e["kind"], e.get("range_m")) for e in f.events]
    contact = next(r for k, r in kinds if k == "airborne_contact")
    lock = next(r for k, r in kinds if k == "lock_on")
    assert contact > 150_000.0  # seen far beyond 50 NM
    assert 80_000.0 < lock <= APQ.lock_on_range_m.value  # locked on as soon as the rule allows


def test_point_sampler_equals_the_vectorised_sampler():
    rng = np.random.default_rng(3)
    z = rng.normal(200, 300, (50, 60)).astype(np.float32)
    dem = from_array(z, Affine(0.05, 0, 139.0, 0, -0.05, 44.0), "EPSG:4326")
    f = point_sampler(dem)
    la = rng.uniform(41.4, 44.1, 500)
    lo = rng.uniform(138.9, 142.1, 500)
    ref = dem.elevation_m(la, lo)
    got = np.array([f(a, b) for a, b in zip(la, lo)])
    assert np.array_equal(np.isnan(ref), np.isnan(got)) and np.isnan(ref).any()
    assert np.array_equal(got[~np.isnan(ref)], ref[~np.isnan(ref)])  # bit for bit: the looks use both


# ---------------------------------------------------------------- clutter over real ground
def test_flat_sea_grazing_angle_is_the_smooth_sphere_one():
    """Over a flat sea the profile's grazing angle is the smooth-sphere formula of
    foxbat.radar.clutter (sin ψ = (h(2a + h) − r²)/(2a·r))."""
    x = np.linspace(500.0, 150_000.0, 600)
    view = view_profile(x, np.zeros_like(x), 3000.0, K)
    ref = clutter.grazing_angle_rad(3000.0, view.slant_m, K)
    lit = view.lit
    assert lit.all()  # the horizon of a radar at 3 km is 226 km away
    assert np.allclose(view.grazing_rad[lit], ref[lit], atol=2e-5)


def test_a_shadowed_clutter_cell_adds_nothing():
    """A ridge at 20 km hides the ground at 30 km from a radar at 1,500 m: the clutter at
    that range is zero; without the ridge the same cell returns clutter."""
    x = np.arange(250.0, 60_000.0, 250.0)
    flat = np.full_like(x, 100.0)
    ridge = flat + 1900.0 * np.exp(-((x - 20_000.0) / 1500.0) ** 2)
    r = float(np.hypot(30_000.0, 1400.0))
    kw = dict(gamma_db=-10.0, target_elevation_rad=math.radians(-2.0), beamwidth_az_rad=APQ.beamwidth_az_rad,
              beamwidth_el_rad=APQ.beamwidth_el_rad, pulse_width_s=APQ.pulse_width_s.value)
    open_cells = cells_at_range(view_profile(x, flat, 1500.0, K), r)
    hidden_cells = cells_at_range(view_profile(x, ridge, 1500.0, K), r)
    assert open_cells.x_m.size == 1 and open_cells.lit.all()
    assert hidden_cells.x_m.size == 1 and not hidden_cells.lit.any()
    assert hidden_cells.x_m[0] == pytest.approx(open_cells.x_m[0], abs=50.0)  # the same cell
    assert clutter_rcs_m2(open_cells, r, **kw) > 1.0
    assert clutter_rcs_m2(hidden_cells, r, **kw) == 0.0


def test_a_slope_facing_the_radar_raises_the_grazing_angle():
    x = np.arange(250.0, 40_000.0, 250.0)
    up = 0.1 * x  # rising away from the radar: faces it
    flat = view_profile(x, np.zeros_like(x), 3000.0, K)
    facing = view_profile(x, up, 3000.0 + 0.0, K)
    i = np.searchsorted(x, 10_000.0)
    # ψ = −ε − φ + atan(slope): the slope adds atan(0.1) to the angle the ray makes
    eps = facing.elevation_rad[i]
    assert facing.grazing_rad[i] == pytest.approx(-eps - x[i] / (K * EARTH_RADIUS_M) + math.atan(0.1), abs=1e-9)
    assert facing.grazing_rad[i] > flat.grazing_rad[i]


@pytest.mark.parametrize("edit, words", [
    (lambda e: e["contact_m"].update(value=4), ("contact_m", "contact_n")),
    (lambda e: e["lock_on_range_m"].update(value=400_000), ("lock_on_range_m", "instrumented_range_m")),
    (lambda e: e.pop("bar_spacing_deg"), ("bar_spacing_deg",)),
    (lambda e: e.pop("lock_on_range_m"), ("lock_on_range_m", "airborne")),
    (lambda e: e["bars"].update(value=1.5), ("bars", "whole number")),
])
def test_catalogue_rejects_bad_airborne_figures(tmp_path, edit, words):
    import copy

    import yaml

    from foxbat.errors import ScenarioError
    from foxbat.radar import catalogue as cat

    raw = yaml.safe_load(cat._data_file().read_text(encoding="utf-8"))
    e = copy.deepcopy(next(x for x in raw["radars"] if x["name"] == "AN/APQ-120"))
    edit(e)
    p = tmp_path / "radars.yaml"
    p.write_text(yaml.safe_dump({"radars": [e]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        cat.load_catalogue_file(p)
    msg = str(exc.value)
    assert "radars.yaml" in msg and all(w in msg for w in words), msg


def _look(rt, dem, target_alt_msl_m, gamma_sea_db=-40.0, gamma_land_db=-10.0, dist_m=20_000.0, radar_alt_m=3000.0):
    """The SINR of a 5 m² target dist_m north of a radar at 3,000 m, and its clear-sky SNR."""
    from foxbat.sensing.airborne import look_through_terrain
    from foxbat.sensing.geometry import look_angles

    lat0, lon0 = 39.5, 139.0
    tlat, tlon = destination(lat0, lon0, 0.0, dist_m)
    ground, brg, slant, el = (float(v) for v in look_angles(lat0, lon0, radar_alt_m, tlat, tlon, target_alt_msl_m, K))
    visible, sinr = look_through_terrain(rt, dem, lat0, lon0, radar_alt_m, brg, ground, slant, el, target_alt_msl_m,
                                         5.0, gamma_sea_db, gamma_land_db, K)
    assert visible
    return sinr, float(rt.snr_db(slant, 5.0))


def test_look_down_main_beam_clutter_and_the_doppler_improvement():
    """Looking down at a low target the clutter at its range sits in the main beam: a pulse
    radar (APQ-120, no Doppler processing) loses most of the SNR; at its own altitude the
    clutter at that range is far below the beam and changes little. An MTI with a 30 dB
    improvement factor gets the look-down target back, never above the clear SNR."""
    dem = sea_dem(lat0=38.5, lon0=138.0, n=200, cell_deg=0.02)
    low, free_low = _look(APQ, dem, 250.0)
    level, free_level = _look(APQ, dem, 3000.0)
    assert free_low - low > 20.0
    assert free_level - level < 0.5
    mti = APQ.model_copy(update={"improvement_factor_db": APQ.improvement_factor_db.model_copy(update={"value": 30.0})})
    low_mti, _ = _look(mti, dem, 250.0)
    assert low < low_mti <= free_low
    assert low_mti - low == pytest.approx(min(30.0, free_low - low), abs=3.0)


def test_sea_or_land_from_the_dem():
    """Over the sea only the sea's clutter class counts, over land only the land's."""
    sea = sea_dem(lat0=38.5, lon0=138.0, n=200, cell_deg=0.02)
    land = sea_dem(lat0=38.5, lon0=138.0, n=200, cell_deg=0.02, z=np.full((200, 200), 50.0, np.float32))
    s_calm, _ = _look(APQ, sea, 250.0, gamma_sea_db=-55.0)
    s_rough, _ = _look(APQ, sea, 250.0, gamma_sea_db=-25.0)
    assert s_rough < s_calm - 10.0
    assert _look(APQ, sea, 250.0, gamma_sea_db=-55.0, gamma_land_db=0.0)[0] == s_calm  # land class: no effect
    l_wood, _ = _look(APQ, land, 300.0, gamma_land_db=-15.0)
    l_rock, _ = _look(APQ, land, 300.0, gamma_land_db=0.0)
    assert l_rock < l_wood - 5.0
    assert _look(APQ, land, 300.0, gamma_sea_db=-25.0, gamma_land_db=-15.0)[0] == l_wood  # sea class: no effect


def test_the_bar_screen_changes_no_search_look():
    """_search_look rules out, from the target's direction at the frame's start, frames in
    which no bar can hold it; the looks are those of the full computation (screen=False),
    also for targets just outside the sector or the bars that move in during the frame."""
    from foxbat.command.intercept import _outside_every_bar
    from foxbat.sensing.geometry import look_angles_point

    rng = np.random.default_rng(11)
    dem = sea_dem(lat0=38.0, lon0=136.0, n=500)
    gam = (float(clutter.surface_gamma_db("sea_state_3", APQ.frequency_hz.value)),
           float(clutter.surface_gamma_db("wooded_hills", APQ.frequency_hz.value)))
    tgt = (5.0, 1, gam, PathEnvironment(k=K))
    scan = BarScan.of(APQ)
    screened = looked = 0
    for i in range(300):
        # a fast, climbing target; the fighter 2-60 km away, aimed near the sector's edge
        # and tilted near the target's elevation, so that it moves in and out of the bars
        t = np.arange(0.0, 61.0)
        pts = [destination(40.0, 139.0, 30.0, 700.0 * s) for s in t]
        alt = 3000.0 + 150.0 * t
        target = Intruder("X", t, np.array([p[0] for p in pts]), np.array([p[1] for p in pts]), alt, alt.copy(),
                          5.0, 1)
        t0 = float(rng.uniform(0.0, 55.0))
        tr = target.at(t0)
        lat, lon = destination(tr[0], tr[1], rng.uniform(0, 360), rng.uniform(2_000.0, 60_000.0))
        own_alt = float(rng.uniform(500.0, 15_000.0))
        ground0, brg0, slant0, el0 = look_angles_point(lat, lon, own_alt, tr[0], tr[1], tr[2], K)
        heading = brg0 + rng.choice([-1, 1]) * (60.0 + rng.normal(0.0, 3.0)) if i % 2 else rng.uniform(0, 360)
        tilt = math.radians(el0) + rng.normal(0.0, 0.06)
        args = (APQ, scan, target, t0, lat, lon, own_alt, heading, tilt, dem, K, tgt)
        fast, slow = _search_look(*args), _search_look(*args, screen=False)
        assert repr(fast) == repr(slow)
        screened += _outside_every_bar(scan, target.max_speed_mps, math.radians((brg0 - heading + 180) % 360 - 180),
                                       ground0, slant0, el0, tilt)
        looked += slow[4] is not None
    assert screened > 60 and looked > 60  # both branches met many times


def test_look_angles_point_gives_look_angles_bits():
    from foxbat.sensing.geometry import look_angles, look_angles_point

    rng = np.random.default_rng(5)
    for _ in range(500):
        a = (float(rng.uniform(30, 50)), float(rng.uniform(125, 150)), float(rng.uniform(0, 20_000)),
             float(rng.uniform(30, 50)), float(rng.uniform(125, 150)), float(rng.uniform(-50, 25_000)))
        k = float(rng.choice([1.0, 4.0 / 3.0]))
        assert look_angles_point(*a, k) == tuple(float(v) for v in look_angles(*a, k))


def test_interval_cached_transition_model_gives_stone_soups_bits():
    """The radar track's Kalman filter builds F and Q once per time interval; its states
    and covariances equal those of Stone Soup's plain model, bit for bit."""
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.predictor.kalman import KalmanPredictor

    from foxbat.sensing.airborne import TrackFilter

    fast, plain = TrackFilter(APQ), TrackFilter(APQ)
    plain.predictor = KalmanPredictor(CombinedLinearGaussianTransitionModel([ConstantVelocity(25.0)] * 3))
    tracks = []
    for kf in (fast, plain):
        rng = np.random.default_rng(4)
        tr = kf.start(0.0, 40.0, 139.0, 8000.0, kf.measure(rng, 60_000.0, 30.0, 1.0))
        states = []
        for i in range(1, 40):
            t = 2.0 * i + (1.0 if i % 7 == 0 else 0.0)  # mostly one interval, sometimes another
            meas = kf.measure(rng, 60_000.0 - 500.0 * i, 30.0 + 0.1 * i, 1.0)
            kf.update(tr, t, 40.0 + 0.002 * i, 139.0, 8000.0, meas)
            states.append((np.asarray(tr.state.state_vector, float).copy(), np.asarray(tr.state.covar, float).copy()))
        tracks.append(states)
    for (x1, p1), (x2, p2) in zip(*tracks):
        assert np.array_equal(x1, x2) and np.array_equal(p1, p2)
    cache = fast.predictor.transition_model._memo
    assert 2 <= len(cache) <= 8  # F and Q for the few intervals met, not one per update


@pytest.mark.parametrize("radar", ["APQ-120", "P-37"])
def test_one_look_path_factors_equal_the_array_path_bit_for_bit(radar):
    """An interceptor's look takes F and the elevation pattern from
    path_factors_point_db: the same bits as path_factors_db on a one-element array, over
    the built-in DEM's sea and mountains (reflection on either), for a type without an
    elevation pattern and one with."""
    from foxbat.sensing.path import path_factors_db, path_factors_point_db
    from foxbat.terrain import builtin_dem_path, open_dem

    rt = get_radar_type(radar)
    dem = open_dem(builtin_dem_path())
    f = point_sampler(dem)
    rng = np.random.default_rng(11)
    ground = lambda la, lo: f(la, lo) if f(la, lo) > 0.0 else 0.0  # noqa: E731  (NaN off the map)
    env = PathEnvironment(k=K, sea_state=4.0, land_type="medium")
    seas, n = set(), 0
    for _ in range(300):
        lat0, lon0 = rng.uniform(36.0, 44.0), rng.uniform(134.0, 142.0)
        ant = ground(lat0, lon0) + rng.uniform(20.0, 12_000.0)
        tlat, tlon = destination(lat0, lon0, rng.uniform(0, 360), rng.uniform(2_000.0, 250_000.0))
        talt = ground(tlat, tlon) + rng.uniform(5.0, 15_000.0)
        fa, pa, sea = path_factors_db(rt, lat0, lon0, ant, np.array([tlat]), np.array([tlon]), np.array([talt]),
                                      dem=dem, env=env)
        got = path_factors_point_db(rt, lat0, lon0, ant, tlat, tlon, talt, dem=dem, env=env, height_at=f)
        assert got == (float(fa[0]), float(pa[0]))
        seas.add(bool(sea[0]))
        n += float(pa[0]) != 0.0
    assert seas == {True, False}  # both surfaces were exercised
    assert (n > 0) is (rt.elevation_pattern is not None)


def test_profile_helpers_equal_numpy_bit_for_bit():
    """The look's terrain profile: gradient_1d is np.gradient (uniform linspace steps, which
    are not always equal in floating point, and uneven ones) and ground_or_sea_m is
    np.maximum(np.nan_to_num(z, nan=0), 0) (NaN, ±inf, -0, sizes about SIMD widths)."""
    from foxbat.radar.terrain_clutter import gradient_1d
    from foxbat.sensing.airborne import ground_or_sea_m

    rng = np.random.default_rng(5)
    for n in (2, 3, 4, 7, 8, 9, 63, 64, 65, 200, 2000):
        f = rng.normal(300.0, 500.0, n)
        for x in (np.linspace(0.0, rng.uniform(1e3, 4e5), n + 1)[1:], np.cumsum(rng.uniform(1.0, 2e3, n)),
                  np.arange(1.0, n + 1.0) * 500.0):
            assert np.array_equal(gradient_1d(f, x), np.gradient(f, x))
        z = f.copy()
        z[rng.random(n) < 0.2] = np.nan
        z[rng.random(n) < 0.1] = -0.0
        z[rng.random(n) < 0.05] = np.inf
        z[rng.random(n) < 0.05] = -np.inf
        want = np.maximum(np.nan_to_num(z, nan=0.0), 0.0)
        got = ground_or_sea_m(z)
        assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))


def test_own_radar_track_fast_path_equals_stone_soup_bit_for_bit():
    """TrackFilter's update through foxbat.tracking.fastpath's restated predict and
    update gives Stone Soup's KalmanPredictor + KalmanUpdater states bit for bit, over a
    track of noisy measurements at uneven intervals (a radar's frames, missed looks)."""
    from foxbat.sensing.airborne import TrackFilter

    fast, slow = TrackFilter(APQ, K), TrackFilter(APQ, K, fast=False)
    rng = np.random.default_rng(9)
    own = [39.0, 140.0, 6000.0]
    meas = fast.measure(rng, 60_000.0, 20.0, -1.0)
    tracks = [f.start(0.0, *own, meas) for f in (fast, slow)]
    t = 0.0
    for _ in range(60):
        t += float(rng.choice([2.0, 4.0, 6.0, 3.5]))
        own = [own[0] + 0.002, own[1] + 0.001, own[2] + rng.normal(0, 20)]
        meas = fast.measure(rng, 60_000.0 - 300.0 * t, 20.0 + 0.05 * t, -1.0)
        for f, tr in zip((fast, slow), tracks):
            f.update(tr, t, *own, meas)
        a, b = tracks
        assert np.array_equal(np.asarray(a.state.state_vector), np.asarray(b.state.state_vector))
        assert np.array_equal(np.asarray(a.state.covar), np.asarray(b.state.covar))
        assert a.state.timestamp == b.state.timestamp and a.estimate(t + 1.5) == b.estimate(t + 1.5)


def test_look_angles_point_keeps_its_bits():
    """look_angles_point does its sums on Python floats and keeps numpy's trigonometry:
    the same bits as the all-numpy-scalar formula it replaced (the interceptors' flights
    depend on every last bit), on 20,000 random geometries, and np.degrees is
    math.degrees there."""
    from foxbat.geo import wgs84_geod
    from foxbat.sensing.geometry import look_angles_point

    def oracle(lat0, lon0, alt0, lat, lon, alt, k):
        az, _, ground = wgs84_geod().inv(lon0, lat0, lon, lat)
        kr = k * EARTH_RADIUS_M
        phi = ground / kr
        ra, rt = kr + alt0, kr + alt
        dz = rt * np.cos(phi) - ra
        dh = rt * np.sin(phi)
        return float(ground), float(np.mod(az, 360.0)), float(np.hypot(dz, dh)), float(np.degrees(np.arctan2(dz, dh)))

    rng = np.random.default_rng(4)
    for _ in range(20_000):
        lat0, lon0 = rng.uniform(-80, 80), rng.uniform(-180, 180)
        d = 10.0 ** rng.uniform(0, 6.3)
        lat, lon = destination(lat0, lon0, rng.uniform(-360, 360), d)
        args = (lat0, lon0, rng.uniform(-50, 20_000), lat, lon, rng.uniform(-50, 20_000), rng.choice([1.0, K, 4.0]))
        assert look_angles_point(*args) == oracle(*args)
    same = (40.0, 140.0, 100.0, 40.0, 140.0, 100.0, K)
    assert look_angles_point(*same) == oracle(*same)


def test_bar_test_on_floats_is_the_numpy_test():
    """bar_containing and dwell_offsets_list work on Python floats: the same bar and
    dwell times as the numpy formulas, on random directions and tilts (many on a bar's edge)."""
    scan = BarScan.of(APQ)
    rng = np.random.default_rng(12)
    offs = scan.bar_offsets_rad
    for _ in range(5_000):
        tilt = float(rng.uniform(scan.tilt_min_rad, scan.tilt_max_rad))
        az = rng.uniform(-1.2, 1.2, scan.bars) * scan.half_width_rad
        el = tilt + offs + rng.choice([-1.0, 1.0], scan.bars) * scan.half_bar_rad * rng.choice([1.0, 0.999, 1.001, 0.5])
        inside = (np.abs(az) <= scan.half_width_rad) & (np.abs(el - (tilt + offs)) <= scan.half_bar_rad)
        want = int(np.flatnonzero(inside)[0]) if inside.any() else -1
        assert scan.bar_containing(az.tolist(), el.tolist(), tilt) == want
        a0 = float(rng.uniform(-1.5, 1.5))
        hw, b = scan.half_width_rad, np.arange(scan.bars)
        frac = (np.clip(a0, -hw, hw) + hw) / (2.0 * hw)
        want_t = (b + np.where(b % 2 == 0, frac, 1.0 - frac)) * (scan.frame_s / scan.bars)
        assert scan.dwell_offsets_list(a0) == want_t.tolist()


def test_profile_cells_is_path_clear_view_profile_cells_at_range_bit_for_bit():
    """profile_cells (the compiled look) and clutter_rcs_cells_m2 against the numpy
    functions they replace (clutter RCS for two radar types, random γ), on random
    hilly, flat-sea and ridged profiles with linspace and uneven spacing, targets hidden and
    in view, ranges crossing the profile several times or not at all."""
    from foxbat.radar.terrain_clutter import clutter_rcs_cells_m2, path_clear, profile_cells

    rng = np.random.default_rng(21)
    seen = {"blocked": 0, "cells": 0, "many": 0}
    for trial in range(600):
        n = int(rng.choice([2, 3, 9, 64, 65, 150, 700]))
        span = rng.uniform(2e3, 3.7e5)
        x = np.linspace(0.0, span * 1.01, n + 1)[1:] if trial % 3 else np.cumsum(rng.uniform(10.0, 3e3, n))
        kind = trial % 4
        g = np.zeros(n) if kind == 0 else np.maximum(rng.normal(1500.0, 1500.0, n), 0.0)
        if kind == 2:  # a steep ridge: the slant range falls behind it, the range crosses it again
            x = x * (20e3 / x[-1])
            g += 2500.0 * np.exp(-((x - x[n // 2]) / 300.0) ** 2)
        if kind == 3:
            g = np.cumsum(rng.normal(0.0, 80.0, n)).clip(0.0)
        alt = float(rng.uniform(50.0, 15_000.0)) if kind != 2 else 100.0
        k = float(rng.choice([K, 1.0, 4.0]))
        tx = float(rng.uniform(0.5, x[-1]))
        talt = float(rng.uniform(0.0, 15_000.0)) if kind != 2 else 20_000.0
        view = view_profile(x, g, alt, k)
        r = float(rng.uniform(0.3, 1.05) * math.hypot(x[-1], alt)) if kind != 2 else \
            float(view.slant_m[int(rng.integers(n))]) + rng.uniform(-50.0, 50.0)
        clear, cells = profile_cells(x, g, alt, k, tx, talt, r)
        assert clear is path_clear(view, tx, talt, alt, k)
        if not clear:
            seen["blocked"] += 1
            continue
        want = cells_at_range(view, r)
        for f in ("x_m", "ground_msl_m", "elevation_rad", "grazing_rad", "lit"):
            assert np.array_equal(getattr(cells, f), getattr(want, f)), f
        seen["cells"] += cells.x_m.size > 0
        seen["many"] += cells.x_m.size > 1
        gs, gl, el_t = float(rng.uniform(-60, -20)), float(rng.uniform(-30, 0)), float(rng.uniform(-0.3, 0.3))
        for rt in (APQ, get_radar_type("P-37")):
            kw = dict(target_elevation_rad=el_t, beamwidth_az_rad=rt.beamwidth_az_rad,
                      beamwidth_el_rad=rt.beamwidth_el_rad, pulse_width_s=rt.pulse_width_s.value)
            assert clutter_rcs_cells_m2(cells, r, gamma_sea_db=gs, gamma_land_db=gl, **kw) == \
                clutter_rcs_m2(want, r, gamma_db=np.where(want.ground_msl_m > 0, gl, gs), **kw)
    assert min(seen.values()) >= 5, seen  # every branch exercised: blocked, one cell, several cells


def test_look_angles_of_a_few_targets_pointwise_equal_the_array_call():
    """look_angles asks pyproj one target at a time for up to 8 targets: the same
    geodesics (and so the same angles) as its array call, on random pairs near and far,
    across the antimeridian and near the poles."""
    from foxbat.geo import wgs84_geod
    from foxbat.sensing import geometry

    rng = np.random.default_rng(13)
    g = wgs84_geod()
    for _ in range(3000):
        lat0, lon0 = float(rng.uniform(-89.9, 89.9)), float(rng.uniform(-180, 180))
        n = int(rng.integers(1, 9))
        lat = np.clip(lat0 + rng.normal(0, rng.choice([0.01, 1.0, 30.0]), n), -90, 90)
        lon = (lon0 + rng.normal(0, rng.choice([0.01, 1.0, 60.0]), n) + 180.0) % 360.0 - 180.0
        alt = rng.uniform(0, 20_000, n)
        az, _, d = g.inv(np.full(n, lon0), np.full(n, lat0), lon, lat)
        got = geometry.look_angles(lat0, lon0, 5000.0, lat, lon, alt, K)
        assert np.array_equal(got[0], np.asarray(d)) and np.array_equal(got[1], np.mod(np.asarray(az), 360.0))
        old = geometry._POINTWISE_MAX
        try:
            geometry._POINTWISE_MAX = 0  # the array call
            want = geometry.look_angles(lat0, lon0, 5000.0, lat, lon, alt, K)
        finally:
            geometry._POINTWISE_MAX = old
        for a, b in zip(got, want):
            assert np.array_equal(a, b)
