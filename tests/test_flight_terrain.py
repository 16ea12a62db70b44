"""Terrain following with look-ahead on synthetic ridges and on the built-in DEM."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from foxbat.flight import fly
from foxbat.scenario.flight import parse_flight_scenario
from foxbat.terrain import from_array

RIDGE_LON = 136.0


def ridge_dem(height_m: float, sigma_km: float) -> object:
    """A north-south Gaussian ridge at 136°E on a 0.01° geographic grid, 42-43°N, 135-137°E."""
    lats = 43.0 - (np.arange(100) + 0.5) * 0.01
    lons = 135.0 + (np.arange(200) + 0.5) * 0.01
    x_km = (lons - RIDGE_LON) * 111.32 * np.cos(np.radians(42.5))
    z = np.tile(height_m * np.exp(-0.5 * (x_km / sigma_km) ** 2), (lats.size, 1)).astype(np.float32)
    return from_array(z, Affine(0.01, 0, 135.0, 0, -0.01, 43.0), "EPSG:4326")


def tf_flight(dem, aircraft="MiG-25P", start_lon=135.6, h=200.0, look_ahead_s=60.0):
    doc = {"aircraft": {"type": aircraft},
           "route": {"look_ahead_s": look_ahead_s, "legs": [
               {"start": {"lat": 42.5, "lon": start_lon, "height_agl_m": h, "heading_deg": 90,
                          "speed": {"tas_mps": 240}}},
               {"follow_terrain": {"lat": 42.5, "lon": 136.6, "height_agl_m": h}}]}}
    return fly(parse_flight_scenario(doc, "test"), dem=dem)


def test_gentle_ridge_is_followed_within_tolerance():
    dem = ridge_dem(1000.0, 10.0)
    traj = tf_flight(dem)
    assert traj.outcome == "route_end"
    assert not traj.events_named("clearance_violation")
    agl = traj["height_agl_m"]
    assert agl.min() > 0.9 * 200
    # it really follows: over the crest the aircraft is ~1,200 m MSL, far from the ridge ~200 m
    crest = np.argmin(np.abs(traj["lon_deg"] - RIDGE_LON))
    assert traj["alt_msl_m"][crest] == pytest.approx(1200.0, abs=40.0)
    far = np.argmin(np.abs(traj["lon_deg"] - 136.5))
    assert traj["height_agl_m"][far] == pytest.approx(200.0, abs=20.0)


def test_look_ahead_starts_the_climb_before_the_slope():
    """With look-ahead the aircraft is already climbing where the ground is still flat
    (ground < 5 m 14 km before the crest) in front of a ridge it could not take at the last moment."""
    dem = ridge_dem(3000.0, 2.0)
    # 120 s: the MiG-15bis's steady climb falls from about 45 m/s at sea level with height
    traj = tf_flight(dem, aircraft="MiG-15bis", look_ahead_s=120.0)
    assert traj.outcome == "route_end"
    lon = traj["lon_deg"]
    i = np.argmin(np.abs(lon - (RIDGE_LON - 0.17)))  # 13.9 km before the crest
    assert traj["ground_msl_m"][i] < 5.0
    assert traj["climb_mps"][i] > 20.0
    assert traj["height_agl_m"].min() > 0.8 * 200


def test_ridge_steeper_than_the_climb_crashes_at_the_ridge():
    """MiG-15bis (about 45 m/s steady climb at 240 m/s near sea level) 6 km before a 3,000 m ridge: unflyable."""
    dem = ridge_dem(3000.0, 2.0)
    traj = tf_flight(dem, aircraft="MiG-15bis", start_lon=135.93)
    assert traj.outcome == "crashed"
    crash = traj.events_named("crash")[0]
    assert RIDGE_LON - 0.1 < crash["lon_deg"] < RIDGE_LON
    ground = dem.elevation_m(crash["lat_deg"], crash["lon_deg"])
    assert crash["alt_msl_m"] == pytest.approx(ground, abs=5.0)
    # the violation before the impact is logged with its position and margin
    v = traj.events_named("clearance_violation")
    assert v and v[0]["margin_m"] < -40 and v[0]["lon_deg"] < crash["lon_deg"] + 1e-9


def test_clearance_violation_logged_where_flying_on_is_meaningful():
    """Over a sharp 1,500 m ridge the MiG-15bis sinks below its set height on the far side
    (push-over limited) but clears the ground: a logged violation, and the flight goes on."""
    dem = ridge_dem(1500.0, 2.0)
    traj = tf_flight(dem, aircraft="MiG-15bis", start_lon=135.85)
    assert traj.outcome == "route_end"
    viol = traj.events_named("clearance_violation")
    assert len(viol) >= 1
    w = min(viol, key=lambda e: e["margin_m"])
    assert -200 < w["margin_m"] < -0.2 * 200
    assert w["set_height_agl_m"] == 200
    assert abs(w["lon_deg"] - RIDGE_LON) < 0.15
    # the margin is what the trajectory shows at that place
    k = np.argmin(np.abs(traj["t_s"] - w["t_s"]))
    assert traj["height_agl_m"][k] - 200 == pytest.approx(w["margin_m"], abs=1.0)
    assert traj["height_agl_m"].min() > 0


def test_terrain_following_over_the_builtin_dem_clears_the_ground():
    """Across the Sikhote-Alin range on ETOPO5 at 150 m above ground."""
    doc = {"aircraft": {"type": "F-4EJ"},
           "route": {"legs": [
               {"start": {"lat": 45.5, "lon": 134.0, "height_agl_m": 150, "heading_deg": 120,
                          "speed": {"tas_kmh": 900}}},
               {"follow_terrain": {"lat": 44.5, "lon": 136.5, "height_agl_m": 150}}]}}
    traj = fly(parse_flight_scenario(doc, "test"))
    assert traj.outcome == "route_end"
    assert traj["ground_msl_m"].max() > 500  # real mountains under the track
    assert traj["height_agl_m"].min() > 0.8 * 150
    assert np.median(traj["height_agl_m"]) == pytest.approx(150, abs=30)
