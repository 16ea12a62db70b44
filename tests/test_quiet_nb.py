"""The compiled quiet stretches of an interceptor's flight (foxbat.command.quiet_nb) and
the C calls under them give the Python loop's values bit for bit: geodesics against
pyproj, CPython's hypot, the bit generator's draws, the terrain sampler, and whole
flights flown with ``fast=True`` against ``fast=False``."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from affine import Affine

import foxbat.sim as sim_module
from foxbat.aircraft.performance import load_aircraft
from foxbat.ccall_nb import call_next_double_nb, uniform_source
from foxbat.command import intercept
from foxbat.command.intercept import Intruder, TrackPicture, fly_interceptor
from foxbat.command.quiet_nb import QuietFlight
from foxbat.geo import wgs84_geod
from foxbat.geodesic_nb import destination_nb, hypot_py_nb, inverse_nb, wgs84_struct
from foxbat.sensing.geometry import destination
from foxbat.terrain import from_array

K = 4.0 / 3.0


def _plain(x):
    """The value, not its container or numpy scalar type (the Python loop leaves some
    numbers numpy scalars, the compiled one floats)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x.item() if isinstance(x, np.generic) else x


def _same(a, b) -> bool:
    """The same values to the bit: repr of the plain values (-0.0 is not 0.0, 1 is not
    1.0, NaN is NaN)."""
    return repr(_plain(a)) == repr(_plain(b))


def test_geodesics_are_pyprojs_bit_for_bit():
    g, scratch = wgs84_struct(), np.zeros(3)
    geod = wgs84_geod()
    rng = np.random.default_rng(1)
    cases = [(0.0, 0.0, 0.0, 0.0), (89.9, 10.0, -89.9, -170.0), (0.0, 0.0, 0.5, 179.7), (45.0, 140.0, 45.0, 140.0)]
    cases += [tuple(x) for x in np.column_stack([rng.uniform(-89, 89, 5000), rng.uniform(-180, 180, 5000),
                                                 rng.uniform(-89, 89, 5000), rng.uniform(-180, 180, 5000)])]
    for la1, lo1, la2, lo2 in cases:
        az, _, d = geod.inv(lo1, la1, lo2, la2)
        assert inverse_nb(g, scratch, la1, lo1, la2, lo2) == (az, d)
    for la, lo, az, s in np.column_stack([rng.uniform(-89, 89, 5000), rng.uniform(-180, 180, 5000),
                                          rng.uniform(-360, 360, 5000), rng.uniform(0, 3e6, 5000)]):
        lon2, lat2, _ = geod.fwd(lo, la, az, s)
        assert destination_nb(g, scratch, la, lo, az, s) == (lat2, lon2)


def test_hypot_is_cpythons_bit_for_bit():
    rng = np.random.default_rng(3)
    special = [(0.0, 0.0), (-3.0, 4.0), (math.inf, math.nan), (math.nan, 1.0), (-math.inf, 2.0), (5e-324, 5e-324),
               (1e308, 1e308), (1e-310, 3e-311)]
    for x, y in special:
        a, b = math.hypot(x, y), hypot_py_nb(x, y)
        assert a == b or (math.isnan(a) and math.isnan(b))
    for scale in (1e-300, 1e-3, 1.0, 300.0, 1e6, 1e300, 1e-310):
        x = rng.normal(size=20000) * scale
        y = x * rng.choice([1e-9, 1e-3, 0.7, 1.0, 1e3], x.size) + rng.normal(size=x.size) * scale
        assert all(math.hypot(a, b) == hypot_py_nb(a, b) for a, b in zip(x.tolist(), y.tolist()))


def test_kernel_draws_are_the_generators_own():
    from numba import njit

    @njit
    def draw(u, n):
        out = np.empty(n)
        for i in range(n):
            out[i] = call_next_double_nb(u[0], u[1])
        return out

    r1, r2 = np.random.default_rng(7), np.random.default_rng(7)
    assert draw(uniform_source(r1), 300).tolist() == [r2.random() for _ in range(300)]
    assert r1.normal() == r2.normal()  # and the stream goes on where the kernel left it


def _flown_both_ways(monkeypatch, scenario_runs):
    """Every interceptor of the runs flown fast and slow from the same generator state."""
    pairs = []
    real = intercept.fly_interceptor

    def both(*args, **kw):
        rng = args[14]
        slow_args = list(args)
        slow_args[14] = copy.deepcopy(rng)
        slow = real(*slow_args, **kw, fast=False)
        fast = real(*args, **kw, fast=True)
        assert rng.bit_generator.state == slow_args[14].bit_generator.state  # the same draws, as many
        pairs.append((copy.deepcopy(fast), slow))  # before the run adds its UTC times to the events
        return fast

    monkeypatch.setattr(sim_module, "fly_interceptor", both)
    for run in scenario_runs:
        run()
    return pairs


def _assert_same_flights(pairs, looks_to_the_bit: bool = True):
    """Every column, event and estimate the same; the looks too, or with the compiled
    look (libm's last bits, not numpy's) the same looks with SNR, Pd, F and pattern
    within 1e-9."""
    assert pairs
    for fast, slow in pairs:
        for col in fast.columns:
            assert _same(fast.columns[col], slow.columns[col]), col
        assert _same(fast.events, slow.events)
        assert _same(fast.estimates, slow.estimates)
        if looks_to_the_bit:
            assert _same(fast.looks, slow.looks)
            continue
        assert len(fast.looks) == len(slow.looks)
        for a, b in zip(fast.looks, slow.looks):
            assert (a[0], a[1], a[4]) == (b[0], b[1], b[4])  # time, visible, hit
            for x, y in zip(a[2:4] + a[5:], b[2:4] + b[5:]):
                assert x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9


def _flagship_pairs(monkeypatch):
    from foxbat.montecarlo.runner import get_prepared, load_study, run_seed

    study = load_study("belenko-1976")
    runs = []
    for i in (10_001, 10_002, 10_005):
        v = study.values(i)
        sc, low = study.scenario(v)
        prep = get_prepared(study.coverage_key(v), sc, study.id)
        runs.append(lambda sc=sc, low=low, prep=prep, i=i: sim_module.run(sc, seed=run_seed(study.seed, i),
                                                                           low_level_m=low, prepared=prep))
    pairs = _flown_both_ways(monkeypatch, runs)
    assert len(pairs) >= 4
    return pairs


def test_flagship_interceptors_are_the_python_loops_bit_for_bit(monkeypatch):
    """The compiled quiet stretches with the Python look: the flagship's interceptors
    (search, contact, lock-on, visual, bingo, landing) on three seeds, every column,
    event, look and estimate the same, the same draws."""
    import foxbat.sensing.look_nb as look_nb

    monkeypatch.setattr(look_nb, "look_kernel_for", lambda *a: None)
    _assert_same_flights(_flagship_pairs(monkeypatch))


def test_flagship_interceptors_fast_have_the_same_events(monkeypatch):
    """With the compiled look too (the default): the same events, trajectory and draws;
    the looks' SNR within 1e-9 dB of the Python look's."""
    counted = []
    import foxbat.sensing.look_nb as look_nb

    real = look_nb.LookKernel.look

    def look(self, *a, **kw):
        counted.append(self.compiled)
        return real(self, *a, **kw)

    monkeypatch.setattr(look_nb.LookKernel, "look", look)
    pairs = _flagship_pairs(monkeypatch)
    _assert_same_flights(pairs, looks_to_the_bit=False)
    # the frames Python still makes (hits, track mode) used the compiled look too; the
    # quiet loop made the rest of the >1,000 real looks itself
    assert len(counted) > 100 and all(counted)
    assert sum(look[1] for f, _ in pairs for look in f.looks) > 1000


def _sea(lat0=39.0, lon0=138.5, n=300, cell=0.02):
    return from_array(np.zeros((n, n), np.float32), Affine(cell, 0, lon0, 0, -cell, lat0 + n * cell), "EPSG:4326")


def _north_bound(lat, lon, alt, speed=250.0, duration=1500):
    t = np.arange(0.0, duration + 1.0)
    pts = [destination(lat, lon, 0.0, speed * s) for s in t]
    la, lo = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    return t, la, lo, np.full(t.size, float(alt))


def _fly_both(*, fuel_kg=5000.0, radar="APQ-120", need_visual=False, picture_s=1500, intruder_s=1500,
              off_km=8.0, t_end_s=900.0, bingo_kg=100.0, dt_s=1.0, swerling=1, dem=None, clear_air=None,
              runway_heading_deg=None):
    """One interceptor flown fast and slow from the same generator state, against a
    target flying north at 200 m/s that the controller's picture places ``off_km`` east."""
    from foxbat.radar.catalogue import get_radar_type

    t, la, lo, alt = _north_bound(40.6, 140.2, 6000.0, speed=200.0, duration=intruder_s)
    truth = Intruder("X", t, la, lo, alt, alt.copy(), 10.0, swerling)
    east = [destination(a, b, 90.0, off_km * 1000.0) for a, b in zip(la, lo)]
    n = min(picture_s, intruder_s) + 1
    pic = TrackPicture(t[:n], np.array([p[0] for p in east])[:n], np.array([p[1] for p in east])[:n], alt[:n].copy(),
                       np.zeros(n), np.full(n, 200.0), 60.0, latency_s=0.0, update_s=0.0)
    ac = load_aircraft("F-4EJ")
    rt = get_radar_type(radar) if radar else None
    extra = {} if clear_air is None else {"clear_air": clear_air}
    out = []
    for fast in (True, False):
        out.append(fly_interceptor("I 1", "Blue", ac, rt, 40.0, 140.2, 0.0, 0.0, t_end_s, fuel_kg, pic, truth,
                                   dem if dem is not None else _sea(), K, np.random.default_rng(2), cruise_mach=0.9,
                                   search_alt_msl_m=6000.0, visual_range_m=5000.0, weapons_range_m=1500.0,
                                   intercept_hold_s=10.0, bingo_fuel_kg=bingo_kg, sea="sea_state_3",
                                   land="wooded_hills", weapons_need_visual=need_visual, dt_s=dt_s,
                                   runway_heading_deg=runway_heading_deg, runway_length_m=2500.0, fast=fast,
                                   **extra))
    _assert_same_flights([tuple(out)], looks_to_the_bit=False)
    return out[0]


def _kinds(f):
    return [e["kind"] for e in f.events]


@pytest.mark.parametrize("case", [
    dict(), dict(fuel_kg=700.0, radar=None), dict(need_visual=True), dict(radar=None, need_visual=True),
    dict(radar=None, picture_s=300), dict(picture_s=200), dict(off_km=0.0, t_end_s=1500.0),
    dict(off_km=0.0, need_visual=True, t_end_s=1500.0), dict(radar=None, off_km=0.0, t_end_s=1500.0),
    dict(swerling=3), dict(dt_s=0.5), dict(dt_s=2.0),
    dict(dt_s=0.7, radar=None)])
def test_flights_end_the_same_way_fast_or_slow(case):
    """Cases the flagship does not reach: fuel running out in the compiled loop, no
    radar, guns that need the eyes first, a picture that stops (the standard-rate orbit
    without a vector), a picture on the truth (guns within range), a Swerling 3 target
    (Python's Pd), steps other than 1 s; the same flight either way."""
    f = _fly_both(**case)
    if case.get("fuel_kg", 5000.0) < 1000.0:
        assert _kinds(f)[-1] == "fuel_exhausted"
    if case.get("picture_s", 1500) < 1000:  # it flew on without a vector: the orbit's 3°/s turns
        hdg = np.array(f.columns["heading_deg"])
        assert np.any(np.isclose(np.diff(hdg) % 360.0, 3.0 * case.get("dt_s", 1.0)))
    if case.get("off_km") == 0.0 and not case.get("need_visual"):
        assert "intercept" in _kinds(f)


@pytest.mark.parametrize("heading", [None, 0.0, 90.0, 180.0, 270.0])
def test_the_way_home_is_the_same_fast_or_slow(heading):
    """Bingo at once, the target's flight over early: home to the runway, go-arounds and
    the landing, on each runway direction; the same flight either way."""
    f = _fly_both(radar=None, bingo_kg=4800.0, t_end_s=2500.0, runway_heading_deg=heading)
    assert "landing" in _kinds(f) or "go_around" in _kinds(f)
    g = _fly_both(radar=None, intruder_s=300, t_end_s=1500.0, runway_heading_deg=heading)
    assert "return_to_base" in _kinds(g)


@pytest.mark.parametrize("dtype", [">f4", np.float16, np.int16])
def test_any_dem_dtype_flies_the_same(dtype):
    """DEM bands numba cannot read as they are (big-endian, float16) go to the kernels as
    the float64 copy the compiled sampler takes; land in the way."""
    z = (np.random.default_rng(1).random((300, 300)) * 900).astype(dtype)
    dem = from_array(z, Affine(0.02, 0, 138.5, 0, -0.02, 45.0), "EPSG:4326")
    _fly_both(dem=dem)


@pytest.mark.parametrize("base, top, clear, seen", [
    (2000.0, 8000.0, False, False), (3000.0, None, False, False), (7000.0, None, False, True),
    (1000.0, 3000.0, False, True),
    (2000.0, 8000.0, True, True), (None, None, False, True)])
def test_clouds_between_the_eyes_and_the_target(base, top, clear, seen):
    """The scenario's cloud layer (WeatherSpec.clear_between) judged in the compiled loop:
    the target within visual range but the layer in between; the same flight either way,
    and with a caller's own sky function (Python asks it) too."""
    from foxbat.scenario.run import WeatherSpec

    w = WeatherSpec(cloud_base_m=base, cloud_top_m=top, clear=clear)
    # no radar: no lock-on hands the chase to Python, the compiled loop meets the target
    f = _fly_both(radar=None, off_km=0.0, need_visual=True, t_end_s=1500.0, clear_air=w.clear_between)
    g = _fly_both(radar=None, off_km=0.0, need_visual=True, t_end_s=1500.0,
                  clear_air=lambda a, b: w.clear_between(a, b))
    assert _same(f.events, g.events)
    # the target flies at 6,000 m and the interceptor near it: a layer from 2 or 3 km up
    # is in the way, one from 7 km is above both
    assert ("visual" in _kinds(f)) == seen


def test_the_compiled_loop_flies_most_of_the_flagship(monkeypatch):
    """The compiled loop, not Python, flies most steps and frames of a flagship run."""
    from foxbat.command import quiet_nb
    from foxbat.montecarlo.runner import get_prepared, load_study, run_seed

    counts = [0, 0, 0]
    real = quiet_nb.QuietFlight.fly

    def fly(self, *a, **kw):
        code, q = real(self, *a, **kw)
        counts[0] += int(q[quiet_nb.S_N_ROWS])
        counts[1] += int(q[quiet_nb.S_N_LOOKS])
        counts[2] += 1
        return code, q

    monkeypatch.setattr(quiet_nb.QuietFlight, "fly", fly)
    study = load_study("belenko-1976")
    v = study.values(10_001)
    sc, low = study.scenario(v)
    r = sim_module.run(sc, seed=run_seed(study.seed, 10_001), low_level_m=low,
                       prepared=get_prepared(study.coverage_key(v), sc, study.id))
    steps = sum(len(f.columns["t_s"]) for f in r.interceptors)
    looks = sum(len(f.looks) for f in r.interceptors)
    assert counts[0] > 0.85 * steps and counts[1] > 0.85 * looks
    assert counts[2] < 0.1 * steps  # hand-backs


def test_quiet_loop_needs_a_geographic_dem_and_a_picture():
    dem = _sea()
    projected = from_array(np.zeros((10, 10), np.float32), Affine(1000.0, 0, 500_000.0, 0, -1000.0, 4_500_000.0),
                           "EPSG:32654")
    pic = TrackPicture(np.arange(3.0), np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), 60.0)
    assert QuietFlight.usable(dem, pic, 1.0)
    assert not QuietFlight.usable(dem, None, 1.0)
    assert not QuietFlight.usable(projected, pic, 1.0)



def test_compiled_look_finds_pyprojs_proj_after_rasterio(tmp_path):
    """rasterio's wheel brings another libproj (symbols not exported) that the process may
    have loaded first: the kernels still bind pyproj's, and the look is compiled."""
    import subprocess
    import sys

    code = (
        "import rasterio, numpy as np\n"
        "from foxbat.terrain.dem import open_dem\n"
        "from foxbat.radar.catalogue import get_radar_type\n"
        "from foxbat.sensing.path import PathEnvironment\n"
        "dem = open_dem()\n"
        "from foxbat.sensing.look_nb import LookKernel\n"
        "lk = LookKernel(get_radar_type('APQ-120'), dem, PathEnvironment(k=4/3))\n"
        "assert lk.compiled\n"
        "print(lk.look(41.0, 140.0, 6000.0, 50000.0, (50100.0, 10.0, -1.0), (41.44, 140.12, 5000.0), 4/3, 5.0,"
        " -40.0, -20.0)[0])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() in ("True", "False")


@pytest.mark.parametrize("module", ["foxbat.aircraft.performance", "foxbat.propagation.factor",
                                    "foxbat.radar.terrain_clutter", "foxbat.flight.kernel", "foxbat.planning.costs",
                                    "foxbat.coverage.kernel", "foxbat.sensing.look_nb", "foxbat.command.quiet_nb"])
def test_modules_keyed_on_their_sources_import_alone(module):
    """Each module whose kernels are keyed on other modules' sources imports in a fresh
    process by itself (a dependency it imports lazily is imported for the digest), and
    its kernels' cache stamp carries the digest."""
    import subprocess
    import sys

    code = (f"import {module} as m\n"
            "from numba.core.registry import CPUDispatcher\n"
            "ks = [v for v in vars(m).values() if isinstance(v, CPUDispatcher) and v.__module__ == m.__name__]\n"
            "assert ks and all(isinstance(k._cache._cache_file._source_stamp, tuple) for k in ks), ks\n"
            "print(len(m.NUMBA_SOURCES))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-1500:]
    assert int(out.stdout.strip()) >= 2
