"""Distances, times and turns of flown trajectories against pyproj geodesics and the
analytic coordinated-turn radius v² / (g·√(n² − 1))."""

from __future__ import annotations

import math

import numpy as np
import pytest

from foxbat.flight import fly
from foxbat.geo import wgs84_geod
from foxbat.scenario.flight import parse_flight_scenario

G0 = 9.80665


def _fly(legs, aircraft="MiG-25P", fuel_kg=None, **route):
    doc = {"aircraft": {"type": aircraft, **({"fuel_kg": fuel_kg} if fuel_kg is not None else {})},
           "route": {"legs": legs, **route}}
    return fly(parse_flight_scenario(doc, "test"))


def _wp_times(traj):
    return [(e["t_s"], e["lat_deg"], e["lon_deg"]) for e in traj.events_named("waypoint")]


def test_times_between_waypoints_match_geodesic_distances():
    """Level flight at constant TAS along aligned waypoints: time x speed = WGS84 geodesic."""
    v = 250.0
    pts = [(45.0, 130.0), (44.5, 133.0), (44.0, 136.0), (43.5, 139.0)]  # nearly one great circle
    geod = wgs84_geod()
    az0, _, _ = geod.inv(pts[0][1], pts[0][0], pts[1][1], pts[1][0])
    start = {"start": {"lat": pts[0][0], "lon": pts[0][1], "alt_msl_m": 9000, "heading_deg": az0 % 360,
                       "speed": {"tas_mps": v}}}
    legs = [start] + [{"fly_to": {"lat": a, "lon": b}} for a, b in pts[1:]]
    traj = _fly(legs)
    wps = _wp_times(traj)
    assert len(wps) == 3
    t_prev, la_prev, lo_prev = 0.0, pts[0][0], pts[0][1]
    for (t, la, lo), (pa, po) in zip(wps, pts[1:]):
        assert (la, lo) == (pa, po)
        d = geod.inv(lo_prev, la_prev, lo, la)[2]
        # the first leg starts exactly on course; later legs add the turn at the waypoint
        assert (t - t_prev) * v == pytest.approx(d, rel=2e-3), (la, lo)
        t_prev, la_prev, lo_prev = t, la, lo
    total = sum(geod.inv(pts[i][1], pts[i][0], pts[i + 1][1], pts[i + 1][0])[2] for i in range(3))
    assert wps[-1][0] * v == pytest.approx(total, rel=1e-3)


@pytest.mark.parametrize("lat,lon,az", [(40.0, 130.0, 0.0), (46.0, 128.0, 90.0), (42.0, 140.0, 135.0)])
def test_straight_leg_length_agrees_with_pyproj(lat, lon, az):
    """One straight leg on course from the start: time x TAS equals the geodesic to 0.02 %."""
    geod = wgs84_geod()
    lo2, la2, _ = geod.fwd(lon, lat, az, 300_000.0)
    v = 220.0
    traj = _fly([{"start": {"lat": lat, "lon": lon, "alt_msl_m": 6000, "heading_deg": az,
                            "speed": {"tas_mps": v}}},
                 {"fly_to": {"lat": float(la2), "lon": float(lo2)}}])
    (t, _, _), = _wp_times(traj)
    assert t * v == pytest.approx(300_000.0, rel=2e-4)
    # and every recorded step moved v·dt along the ground
    la, lo = traj["lat_deg"], traj["lon_deg"]
    steps = geod.inv(lo[:-1], la[:-1], lo[1:], la[1:])[2]
    assert np.allclose(steps, v, rtol=1e-4)


@pytest.mark.parametrize("v,n", [(200.0, 2.0), (250.0, 2.5), (200.0, 4.0)])
def test_reversal_turn_diameter_is_analytic(v, n):
    """A waypoint straight behind: the aircraft turns at its load factor; the widest
    sideways excursion is the turn diameter 2·v²/(g·√(n²−1)). MiG-15bis: its thrust
    sustains these turns at 5,000 m, so the speed holds (the MiG-25P's does not)."""
    geod = wgs84_geod()
    lat0, lon0 = 43.0, 135.0
    lo_b, la_b, _ = geod.fwd(lon0, lat0, 180.0, 150_000.0)
    traj = _fly([{"start": {"lat": lat0, "lon": lon0, "alt_msl_m": 5000, "heading_deg": 0,
                            "speed": {"tas_mps": v}}},
                 {"fly_to": {"lat": float(la_b), "lon": float(lo_b)}}],
                aircraft="MiG-15bis", load_factor=n)
    la, lo = traj["lat_deg"], traj["lon_deg"]
    # sideways distance from the start meridian (a geodesic) at each step
    side = np.array([geod.inv(lon0, a, b, a)[2] for a, b in zip(la, lo)])
    r = v * v / (G0 * math.sqrt(n * n - 1))
    assert side.max() == pytest.approx(2 * r, rel=0.01)
    # never a corner: heading changes at most the turn rate per step
    dh = np.abs((np.diff(traj["heading_deg"]) + 180) % 360 - 180)
    assert dh.max() <= math.degrees(G0 * math.sqrt(n * n - 1) / v) + 1e-6
    assert np.nanmax(traj["load_factor"]) == pytest.approx(n, rel=0.01)


def test_circle_has_the_asked_radius_and_turn_count():
    geod = wgs84_geod()
    c = (42.0, 137.0)
    v, r = 200.0, 5000.0
    lo_s, la_s, _ = geod.fwd(c[1], c[0], 270.0, r)
    traj = _fly([{"start": {"lat": float(la_s), "lon": float(lo_s), "alt_msl_m": 3000, "heading_deg": 0,
                            "speed": {"tas_mps": v}}},
                 {"circle": {"lat": c[0], "lon": c[1], "radius_m": r, "turns": 3, "direction": "right"}}])
    d = geod.inv(np.full(len(traj), c[1]), np.full(len(traj), c[0]), traj["lon_deg"], traj["lat_deg"])[2]
    assert np.median(d) == pytest.approx(r, rel=0.01)
    assert np.abs(d - r).max() < 0.03 * r
    t_end = traj.events_named("leg_end")[0]["t_s"]
    assert t_end == pytest.approx(3 * 2 * math.pi * r / v, rel=0.02)


def test_circle_tighter_than_the_load_factor_allows_is_refused():
    from foxbat.errors import ParameterError

    with pytest.raises(ParameterError, match="radius_m.*needs load factor"):
        _fly([{"start": {"lat": 42.0, "lon": 137.0, "alt_msl_m": 3000, "heading_deg": 0,
                         "speed": {"tas_kmh": 900}}},
              {"circle": {"radius_m": 500, "turns": 1}}])
