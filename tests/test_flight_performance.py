"""The total-energy model against published performance (not the 1976 flight), and against
its own physics: thrust, drag, fuel flow, stall speeds and runway rolls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from foxbat.aircraft import load_aircraft
from foxbat.aircraft.atmosphere import G0_MPS2, density_kg_m3, speed_of_sound_mps
from foxbat.aircraft.catalogue import aircraft_names, get_spec, load_spec_file
from foxbat.errors import ScenarioError
from foxbat.flight.calibration import ceiling_m, fly_target

TARGETS = [(name, tg.id) for name in aircraft_names() for tg in get_spec(name).calibration]


@pytest.mark.parametrize("name,tid", TARGETS)
def test_published_performance_is_reproduced_within_its_tolerance(name, tid):
    """Each published figure of each data file's ``calibration`` list, flown as its mission,
    within the tolerance the file states (and says why)."""
    ac = load_aircraft(name)
    tg = next(t for t in ac.spec.calibration if t.id == tid)
    r = fly_target(ac, tg)
    assert abs(r.error_rel) <= tg.tolerance_rel, (tid, tg.published, r.simulated)


def test_every_type_with_published_figures_is_calibrated_on_a_range():
    for name in ("MiG-25P", "MiG-15bis", "F-86F", "F-4EJ"):
        kinds = {t.kind for t in get_spec(name).calibration if t.role == "calibrated"}
        assert "range" in kinds, name


def test_the_supersonic_range_is_shorter_than_the_subsonic():
    ac = load_aircraft("MiG-25P")
    sub, sup = (fly_target(ac, t).simulated for t in ac.spec.calibration if t.kind == "range")
    assert sup < 0.8 * sub


def test_calibrated_figures_name_a_calibration_target(tmp_path):
    from foxbat.aircraft.catalogue import _data_dir

    text = (_data_dir() / "mig-25p.yaml").read_text()
    bad = text.replace("calibrated_on: [mig25p-range-subsonic]", "calibrated_on: [no-such-figure]")
    assert bad != text
    p = tmp_path / "x.yaml"
    p.write_text(bad)
    with pytest.raises(ScenarioError, match="no-such-figure"):
        load_spec_file(p)


# ---- the model's physics ----------------------------------------------------------------

def test_level_fuel_flow_is_drag_times_tsfc():
    ac = load_aircraft("MiG-15bis")
    alt, mach, m = 8000.0, 0.7, 5000.0
    v = mach * speed_of_sound_mps(alt)
    rho = density_kg_m3(alt)
    q = 0.5 * rho * v * v
    s = float(ac.spec.wing_area_m2.value)
    p = ac.spec.drag_polar
    cd0 = np.interp(mach, p.mach, p.cd0)
    k = np.interp(mach, p.mach, p.k)
    cl = m * G0_MPS2 / (q * s)
    drag = q * s * (cd0 + k * cl * cl)
    theta = (288.15 - 6.5e-3 * alt) / 288.15
    tsfc = float(ac.spec.tsfc_dry_kg_per_kgf_h.value) / 9.80665 / 3600 * math.sqrt(theta) * (
        1 + float(ac.spec.tsfc_mach_dry.value) * mach)
    t_max = float(ac.spec.thrust_dry_n.value) * (rho / 1.225) ** float(ac.spec.thrust_lapse_exp.value) * (
        1 + float(ac.spec.thrust_ram_dry.value) * mach)
    part = 1 + float(ac.spec.tsfc_part_throttle.value) * (1 - drag / t_max)
    assert ac.drag_n(alt, v, m) == pytest.approx(drag, rel=1e-9)
    assert ac.thrust_n(alt, v) == pytest.approx(t_max, rel=1e-9)
    assert ac.fuel_flow_kg_s(alt, v, m) == pytest.approx(tsfc * part * drag, rel=1e-9)


def test_climb_costs_m_g_vz_over_v_more_thrust():
    ac = load_aircraft("F-86F")
    alt, v, m = 3000.0, 200.0, 6500.0
    level = ac.drag_n(alt, v, m)
    climb_thrust = level + m * G0_MPS2 * 10.0 / v
    assert climb_thrust < ac.thrust_n(alt, v)
    # the fuel difference is that extra thrust times the (part-throttle) TSFC: above level flight
    assert ac.fuel_flow_kg_s(alt, v, m, climb_mps=10.0) > ac.fuel_flow_kg_s(alt, v, m)
    assert ac.excess_power_mps(alt, v, m) == pytest.approx((ac.thrust_n(alt, v) - level) * v / (m * G0_MPS2))


def test_ceiling_is_where_the_best_climb_is_half_a_metre_per_second():
    ac = load_aircraft("F-86F")
    m = 6250.0
    h = ceiling_m(ac, m, False)
    assert ac.climb_limit_mps(h - 50, mass_kg=m) > 0.5 > ac.climb_limit_mps(h + 50, mass_kg=m)


def test_stall_and_reference_speeds_follow_mass_and_clmax():
    ac = load_aircraft("MiG-25P")
    m = 30000.0
    vs = math.sqrt(2 * m * G0_MPS2 / (1.225 * 61.4 * 1.2))
    assert ac.stall_tas_mps(0, m, True) == pytest.approx(vs)
    assert ac.approach_tas_mps(0, m) == pytest.approx(1.3 * vs)
    assert ac.touchdown_tas_mps(0, m) == pytest.approx(1.15 * vs)
    assert ac.liftoff_tas_mps(0, 4 * m) == pytest.approx(2 * 1.1 * vs)  # V ∝ √m


# ---- speed schedules ------------------------------------------------------------------

@pytest.mark.parametrize("name,alt", [("MiG-25P", 250.0), ("MiG-25P", 11000.0), ("MiG-15bis", 5000.0)])
def test_speed_schedules_are_the_optima_they_claim(name, alt):
    ac = load_aircraft(name)
    m = ac.empty_mass_kg + 0.5 * ac.internal_fuel_kg
    v_r = ac.schedule_tas_mps("best_range", alt, m)
    v_e = ac.schedule_tas_mps("best_endurance", alt, m)
    v_x = ac.schedule_tas_mps("max_dry", alt, m)
    assert v_e < v_r < v_x

    def per_m(v):
        return ac.fuel_flow_kg_s(alt, v, m) / v
    for dv in (-0.05, 0.05):  # 5 % either side costs more fuel per metre / per second
        if ac.thrust_n(alt, v_r * (1 + dv)) >= ac.drag_n(alt, v_r * (1 + dv), m):
            assert per_m(v_r * (1 + dv)) > per_m(v_r)
        assert ac.fuel_flow_kg_s(alt, v_e * (1 + dv), m) >= ac.fuel_flow_kg_s(alt, v_e, m) or v_e * (1 + dv) < (
            ac.min_tas_mps(alt))
    # max_dry: dry thrust holds it, 1 % faster it does not (or the envelope stops it)
    assert ac.thrust_n(alt, v_x) >= ac.drag_n(alt, v_x, m)
    assert (ac.thrust_n(alt, 1.01 * v_x) < ac.drag_n(alt, 1.01 * v_x, m)
            or v_x > 0.99 * ac.max_tas_mps(alt))


def test_a_leg_flies_its_schedule_speed():
    from foxbat.flight import fly
    from foxbat.scenario.flight import parse_flight_scenario

    doc = {"aircraft": {"type": "MiG-25P", "fuel_kg": 8000},
           "route": {"legs": [
               {"start": {"lat": 42.0, "lon": 136.0, "alt_msl_m": 6000, "heading_deg": 90,
                          "speed": {"schedule": "best_range"}}},
               {"fly_to": {"lat": 42.0, "lon": 137.5, "alt_msl_m": 6000}}]}}
    traj = fly(parse_flight_scenario(doc, "test"))
    ac = load_aircraft("MiG-25P")
    want = ac.schedule_tas_mps("best_range", 6000.0, ac.empty_mass_kg + 4000.0)
    assert np.median(traj["tas_mps"]) == pytest.approx(want, rel=1e-6)


def test_an_unknown_schedule_is_a_scenario_error():
    from foxbat.scenario.flight import parse_flight_scenario

    doc = {"aircraft": {"type": "MiG-25P"},
           "route": {"legs": [{"start": {"lat": 42.0, "lon": 136.0, "alt_msl_m": 6000, "heading_deg": 90,
                                         "speed": {"schedule": "fastest"}}}]}}
    with pytest.raises(ScenarioError, match="schedule"):
        parse_flight_scenario(doc, "test")


def test_the_flagship_low_level_speed_is_the_best_range_schedule():
    """belenko-1976 writes the low-level leg's speed out (so the Monte Carlo can vary it):
    it must stay the flight model's best-range speed at 250 m for the scenario's mass."""
    from foxbat.scenario.flight import load_flight_scenario

    sc, _ = load_flight_scenario("builtin:belenko-1976")
    leg = next(leg for leg in sc.route.legs if leg.kind == "follow_terrain")
    ac = load_aircraft(sc.aircraft.type)
    m = ac.empty_mass_kg + sc.aircraft.payload_kg + 0.5 * sc.aircraft.fuel_kg
    assert leg.body.speed.tas_kmh == pytest.approx(ac.schedule_tas_mps("best_range", 250.0, m) * 3.6, rel=0.01)


@pytest.mark.parametrize("name", ["F-4EJ", "MiG-25P", "F-86F"])
def test_accel_limits_are_the_four_kernels_sums_bit_for_bit(name):
    """accel_limits_mps2 takes drag, thrust, density and idle thrust from one compiled
    call: the same bits as the drag, thrust and density functions called one by one."""
    from foxbat.aircraft.performance import BRAKE_DCD0, WING_AREA_M2, idle_thrust_nb

    ac = load_aircraft(name)
    rng = np.random.default_rng(2)
    for alt, tas, mass in zip(rng.uniform(-100.0, 20_000.0, 400), rng.uniform(0.5, 900.0, 400),
                              rng.uniform(ac.empty_mass_kg, ac.takeoff_mass_kg, 400)):
        alt, tas, mass = float(alt), float(tas), float(mass)
        d = ac.drag_n(alt, tas, mass)
        up = (ac.thrust_n(alt, tas) - d) / mass
        q_s = 0.5 * density_kg_m3(alt) * tas ** 2 * ac.scalars[WING_AREA_M2]
        down = (d + q_s * ac.scalars[BRAKE_DCD0] - idle_thrust_nb(ac.scalars, alt)) / mass
        assert ac.accel_limits_mps2(alt, tas, mass) == (max(up, 0.0), max(down, 0.3))


@pytest.mark.parametrize("name", ["F-4EJ", "MiG-25P", "MiG-15bis"])
def test_speed_schedules_are_the_per_speed_search_bit_for_bit(name):
    """schedule_tas_mps evaluates thrust, drag and fuel flow at its 400 speeds in one
    kernel: the same speed as the search over thrust_n, drag_n and fuel_flow_kg_s one
    speed at a time."""
    ac = load_aircraft(name)

    def oracle(schedule, alt, mass):
        lo = max(ac.min_tas_mps(alt), 1.2 * ac.stall_tas_mps(alt, mass, True))
        v = np.linspace(lo, ac.max_tas_mps(alt), 400)
        ok = np.array([ac.thrust_n(alt, x) >= ac.drag_n(alt, x, mass) for x in v])
        if not ok.any():
            return float(lo)
        if schedule == "max_dry":
            return float(v[np.nonzero(ok)[0].max()])
        v = v[ok]
        ff = np.array([ac.fuel_flow_kg_s(alt, x, mass) for x in v])
        return float(v[int(np.argmax(v / ff))]) if schedule == "best_range" else float(v[int(np.argmin(ff))])

    from foxbat.aircraft.performance import schedule_terms_nb

    rng = np.random.default_rng(8)
    for alt, mass in zip(rng.uniform(0.0, 21_000.0, 25), rng.uniform(ac.empty_mass_kg, ac.takeoff_mass_kg, 25)):
        v = np.linspace(50.0, 900.0, 97)
        ok, ff = schedule_terms_nb(ac.scalars, ac.aero, float(alt), v, float(mass))
        assert np.array_equal(ok, [ac.thrust_n(alt, x) >= ac.drag_n(alt, x, mass) for x in v])
        # the level fuel flow where full dry thrust holds it; NaN elsewhere (never read)
        assert np.array_equal(ff, [ac.fuel_flow_kg_s(alt, x, mass) if k else np.nan for x, k in zip(v, ok)],
                              equal_nan=True)
        for schedule in ("best_range", "best_endurance", "max_dry"):
            assert ac.schedule_tas_mps(schedule, float(alt), float(mass)) == oracle(schedule, float(alt), float(mass))
