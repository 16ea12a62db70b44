"""Tests of foxbat.tracking: Stone Soup multi-radar tracking of one side's detections.

Synthetic truth: targets fly straight lines at constant velocity in the side's ENU
frame; each radar measures range, true azimuth and elevation in its own local ENU
frame (computed through ECEF, independently of the tracker's code path), with
Gaussian noise from a seeded Generator.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from foxbat.errors import ParameterError
from foxbat.tracking import (
    LocalFrame,
    RadarMeasurement,
    SideTracker,
    TrackerConfig,
    track_all_sides,
    track_spans,
)
from foxbat.tracking.frames import enu_rotation, geodetic_to_ecef

SIDE = "Japan"
REF = (42.0, 140.0)
FRAME = LocalFrame(*REF)
# name: (lat, lon, alt_msl_m, first scan t_s)
RADARS = {
    "Okushiri": (42.15, 139.45, 500.0, 0.0),
    "Matsumae": (41.45, 140.10, 300.0, 5.0),
}
SCAN_S = 10.0
SIG_R, SIG_AZ, SIG_EL = 150.0, 0.3, 0.3


def truth_enu(p0, v, t):
    return np.asarray(p0, float) + np.asarray(v, float) * t


def polar(radar: str, p_enu):
    """True (range_m, azimuth_deg, elevation_deg) of a side-frame point seen from a radar."""
    lat, lon, alt, _ = RADARS[radar]
    lat_t, lon_t, h_t = FRAME.to_geodetic(*p_enu)
    tgt = np.array([float(c) for c in geodetic_to_ecef(lat_t, lon_t, h_t)])
    rad = np.array([float(c) for c in geodetic_to_ecef(lat, lon, alt)])
    e, n, u = enu_rotation(lat, lon) @ (tgt - rad)
    rng = math.sqrt(e * e + n * n + u * u)
    return rng, math.degrees(math.atan2(e, n)) % 360.0, math.degrees(math.asin(u / rng))


def measurement(radar, t_s, rng_m, az_deg, el_deg, *, target=None, false_alarm=False, three_d=True):
    lat, lon, alt, _ = RADARS[radar]
    return RadarMeasurement(
        t_s=t_s,
        radar=radar,
        side=SIDE,
        radar_lat_deg=lat,
        radar_lon_deg=lon,
        radar_alt_msl_m=alt,
        range_m=rng_m,
        azimuth_deg=az_deg,
        elevation_deg=el_deg if three_d else None,
        sigma_range_m=SIG_R,
        sigma_azimuth_deg=SIG_AZ,
        sigma_elevation_deg=SIG_EL if three_d else None,
        target=target,
        false_alarm=false_alarm,
    )


def scan_times(radar, t0_s, t1_s, first=None):
    first = RADARS[radar][3] if first is None else first
    k0 = math.ceil((t0_s - first) / SCAN_S)
    return [first + k * SCAN_S for k in range(k0, int((t1_s - first) // SCAN_S) + 1)]


def simulate(targets, t_end_s, rng, *, radars=tuple(RADARS), gaps=(), three_d=True, first_scan_s=None):
    """Noisy detections of straight-line targets {name: (p0, v)} by every radar, every scan.

    ``gaps``: (t0, t1) intervals with no detection of any target.
    Returns (measurements, truth) with truth[(radar, t_s, name)] = true ENU position.
    """
    out, truth = [], {}
    for radar in radars:
        for t in scan_times(radar, 0.0, t_end_s, first_scan_s):
            if any(a <= t < b for a, b in gaps):
                continue
            for name, (p0, v) in targets.items():
                p = truth_enu(p0, v, t)
                r, az, el = polar(radar, p)
                out.append(
                    measurement(
                        radar,
                        t,
                        r + rng.normal(0, SIG_R),
                        (az + rng.normal(0, SIG_AZ)) % 360.0,
                        el + rng.normal(0, SIG_EL),
                        target=name,
                        three_d=three_d,
                    )
                )
                truth[(radar, t, name)] = p
    out.sort(key=lambda m: (m.t_s, m.radar))
    return out, truth


def meas_to_enu(m: RadarMeasurement):
    """A 3-D measurement converted to a side-frame position (the 'raw' position fix)."""
    lat, lon, alt, _ = RADARS[m.radar]
    az, el = math.radians(m.azimuth_deg), math.radians(m.elevation_deg)
    d_local = m.range_m * np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])
    rad = np.array([float(c) for c in geodetic_to_ecef(lat, lon, alt)])
    ecef = rad + enu_rotation(lat, lon).T @ d_local
    d = FRAME.rotation @ (ecef - FRAME.origin_ecef)
    return d


def track_enu(states, alt_msl_m=None):
    """The states' positions in FRAME; ``alt_msl_m`` replaces an unknown (2-D) altitude."""
    lat = np.array([s.lat_deg for s in states])
    lon = np.array([s.lon_deg for s in states])
    alt = np.array([s.alt_msl_m if alt_msl_m is None else alt_msl_m for s in states], float)
    return np.stack(FRAME.to_enu(lat, lon, alt), axis=1)


# one target, north-east at 250 m/s, 8 km up, starting about 90 km south-west of the reference
P0 = (-70_000.0, -50_000.0, 8_000.0)
V = (250.0 * math.sin(math.radians(50)), 250.0 * math.cos(math.radians(50)), 0.0)


def _tracker(**kw):
    return SideTracker(SIDE, *REF, TrackerConfig(**kw))


# ------------------------------------------------------------------------- frames


def test_frame_round_trip_and_known_geometry():
    f = LocalFrame(43.0, 140.0)
    e, n, u = f.to_enu(43.0, 140.0, 1000.0)
    assert abs(e) < 1e-6 and abs(n) < 1e-6 and u == pytest.approx(1000.0, abs=1e-6)
    # 1 degree of latitude north is ~111.1 km north and drops below the tangent plane by ~d^2/2R
    e, n, u = f.to_enu(44.0, 140.0, 0.0)
    assert abs(e) < 1e-6
    assert 111_000 < n < 111_200
    assert u == pytest.approx(-(n**2) / (2 * 6_371_000), rel=0.01)
    lat = np.array([42.1, 43.7, 44.9])
    lon = np.array([139.0, 140.5, 142.2])
    h = np.array([0.0, 12_000.0, 250.0])
    back = f.to_geodetic(*f.to_enu(lat, lon, h))
    np.testing.assert_allclose(back[0], lat, atol=1e-9)
    np.testing.assert_allclose(back[1], lon, atol=1e-9)
    np.testing.assert_allclose(back[2], h, atol=1e-4)


def test_frame_matches_pymap3d():
    pm = pytest.importorskip("pymap3d")
    f = LocalFrame(42.0, 140.0)
    e, n, u = f.to_enu(43.2, 141.7, 9000.0)
    e2, n2, u2 = pm.geodetic2enu(43.2, 141.7, 9000.0, 42.0, 140.0, 0.0)
    assert (e, n, u) == pytest.approx((e2, n2, u2), abs=1e-3)


def test_bad_reference_and_config_raise_parameter_error():
    with pytest.raises(ParameterError, match="ref_lat_deg"):
        SideTracker(SIDE, 95.0, 140.0)
    with pytest.raises(ParameterError, match="n"):
        TrackerConfig(m=4, n=3).validate()
    with pytest.raises(ParameterError, match="max_coast_s"):
        SideTracker(SIDE, *REF, TrackerConfig(max_coast_s=-1))
    m = measurement("Okushiri", 0.0, -5.0, 10.0, 1.0)
    with pytest.raises(ParameterError, match=r"measurements\[0\].*range_m"):
        _tracker().run([m])
    other = RadarMeasurement(0.0, "X", "USSR", 43, 132, 100, 1e5, 90, 1.0, 100, 0.3, 0.3)
    with pytest.raises(ParameterError, match="side"):
        _tracker().run([other])


# ------------------------------------------------------------------------- one target


def test_straight_line_one_track_filter_beats_raw_measurements():
    rng = np.random.default_rng(1976)
    meas, truth = simulate({"MiG-25": (P0, V)}, 600.0, rng)
    cfg = dict(m=3, n=4)
    res = _tracker(**cfg).run(meas)
    assert len(res.tracks) == 1
    tr = res.tracks[0]
    assert tr.target == "MiG-25"
    assert tr.track_id == "Japan-001"
    assert tr.radars == ("Matsumae", "Okushiri")
    assert tr.lost_t_s is None
    # confirmed at the M-th detection: scans at 0 (Okushiri), 5 (Matsumae), 10 (Okushiri)
    assert tr.initiated_t_s == 0.0
    assert tr.confirmed_t_s == 10.0
    assert [e.kind for e in res.events] == ["track_started"]
    assert res.events[0].t_s == 10.0 and res.events[0].target == "MiG-25"
    assert tr.n_detections == len(meas)

    # position error over the confirmed period versus the raw position fixes
    states = [s for s in tr.states if s.confirmed and s.t_s >= 60.0]  # after a minute of settling
    est = track_enu(states)
    true = np.array([truth_enu(P0, V, s.t_s) for s in states])
    err = np.linalg.norm(est - true, axis=1)
    rms_track = float(np.sqrt(np.mean(err**2)))
    raw = np.array([meas_to_enu(m) for m in meas if m.t_s >= 60.0])
    raw_true = np.array([truth[(m.radar, m.t_s, m.target)] for m in meas if m.t_s >= 60.0])
    rms_raw = float(np.sqrt(np.mean(np.sum((raw - raw_true) ** 2, axis=1))))
    print(f"\nposition RMS: track {rms_track:.0f} m, raw measurements {rms_raw:.0f} m")
    assert rms_track < 0.7 * rms_raw

    # velocity in the local ENU frame at the track: 250 m/s, level, within a few m/s
    late = [s for s in tr.states if s.t_s >= 300.0]
    speed = np.array([math.hypot(s.vel_east_mps, s.vel_north_mps) for s in late])
    heading = np.array([math.degrees(math.atan2(s.vel_east_mps, s.vel_north_mps)) for s in late])
    print(f"speed {speed.mean():.1f} ± {speed.std():.1f} m/s, heading {heading.mean():.2f} deg")
    assert abs(speed.mean() - 250.0) < 5.0
    assert np.max(np.abs(speed - 250.0)) < 15.0
    # the frame's north is the reference's; the local heading differs by the meridian convergence
    assert abs(heading.mean() - 50.0) < 2.0
    assert abs(np.mean([s.vel_up_mps for s in late])) < 5.0
    # reported sigmas are consistent with the errors (same order of magnitude)
    sig = np.array([s.sigma_horiz_m for s in states])
    assert 0.3 < rms_track / float(np.sqrt(np.mean(sig**2) + np.mean([s.sigma_alt_m**2 for s in states]))) < 3.0


def test_gap_longer_than_max_coast_loses_then_reacquires():
    rng = np.random.default_rng(7)
    gap = (200.0, 400.0)  # no detections for 200 s
    meas, _ = simulate({"MiG-25": (P0, V)}, 700.0, rng, gaps=[gap])
    scans = [(t, r) for r in RADARS for t in scan_times(r, 0.0, 700.0)]
    max_coast = 60.0
    res = _tracker(m=3, n=4, max_coast_s=max_coast).run(meas, scans=scans)
    kinds = [(e.kind, e.track_id) for e in res.events]
    assert kinds == [
        ("track_started", "Japan-001"),
        ("track_lost", "Japan-001"),
        ("track_reacquired", "Japan-002"),
    ]
    started, lost, reacq = res.events
    # last detection at 195 s (Matsumae); the loss is declared at the first scan more than
    # max_coast_s later: 255 s is exactly 60 s (not more), 260 s is 65 s.
    assert lost.t_s == 260.0
    assert lost.since_last_detection_s == pytest.approx(65.0)
    assert lost.target == "MiG-25" and reacq.target == "MiG-25"
    # detections resume at 400 (Okushiri), 405, 410: confirmed on the third
    assert reacq.t_s == 410.0
    # the lost event is placed at the last estimate, near the truth at 195 s
    p = np.array(FRAME.to_enu(lost.lat_deg, lost.lon_deg, lost.alt_msl_m))
    assert np.linalg.norm(p - truth_enu(P0, V, 195.0)) < 1000.0
    assert track_spans(res) == [(SIDE, "MiG-25", 10.0, 260.0), (SIDE, "MiG-25", 410.0, 700.0)]

    # without the empty scans, the loss is only noticed when detections resume
    res2 = _tracker(m=3, n=4, max_coast_s=max_coast).run(meas)
    lost2 = [e for e in res2.events if e.kind == "track_lost"]
    assert len(lost2) == 1 and lost2[0].t_s == 400.0
    assert lost2[0].since_last_detection_s == pytest.approx(205.0)
    assert [e.kind for e in res2.events] == ["track_started", "track_lost", "track_reacquired"]


def test_loss_at_the_first_scan_a_microsecond_past_max_coast():
    """Scans with no detection and no tentative track are skipped until the oldest update is
    nearly max_coast_s old (SideTracker.run's horizon): a scan 1 us past it (timestamps are
    whole microseconds) still declares the loss, one exactly at it does not."""
    rng = np.random.default_rng(3)
    meas, _ = simulate({"MiG-25": (P0, V)}, 100.0, rng)  # last detection: 100 s (Okushiri)
    scans = [(t, r) for r in RADARS for t in scan_times(r, 0.0, 300.0)]
    for extra, lost_t_s in ((160.000001, 160.000001), (160.0000004, 165.0)):  # 160.0000004 s: 160 s
        res = _tracker(m=3, n=4, max_coast_s=60.0).run(meas, scans=scans + [(extra, "Okushiri")])
        lost = [e for e in res.events if e.kind == "track_lost"]
        assert len(lost) == 1 and lost[0].t_s == lost_t_s, (extra, lost)


def test_short_gap_is_coasted_through():
    rng = np.random.default_rng(8)
    meas, _ = simulate({"MiG-25": (P0, V)}, 600.0, rng, gaps=[(200.0, 240.0)])
    res = _tracker(max_coast_s=60.0).run(meas)
    assert len(res.tracks) == 1
    assert [e.kind for e in res.events] == ["track_started"]


# ------------------------------------------------------------------------- several targets


@pytest.mark.parametrize(
    "geometry",
    ["crossing", "parallel"],
)
def test_two_targets_two_tracks_no_swaps(geometry):
    rng = np.random.default_rng(11)
    if geometry == "crossing":
        # both pass through the same point 300 s in, 8 km and 10 km up (2 km apart vertically,
        # > 6 sigma of the elevation noise at these ranges)
        meet = np.array([0.0, 10_000.0])
        va = np.array([250.0, 0.0])
        vb = np.array([0.0, 250.0])
        a = ((*(meet - 300 * va), 8_000.0), (*va, 0.0))
        b = ((*(meet - 300 * vb), 10_000.0), (*vb, 0.0))
    else:
        # side by side 5 km apart, same heading and speed
        a = ((-60_000.0, -20_000.0, 9_000.0), (200.0, 150.0, 0.0))
        b = ((-57_000.0, -24_000.0, 9_000.0), (200.0, 150.0, 0.0))
    meas, _ = simulate({"A": a, "B": b}, 600.0, rng)
    res = _tracker().run(meas)
    assert len(res.tracks) == 2
    assert sorted(t.target for t in res.tracks) == ["A", "B"]
    for t in res.tracks:
        # every detection in each track is of its own target: no swap, no mix
        assert t.target_counts == ((t.target, t.n_detections),)
        assert t.lost_t_s is None
    assert [e.kind for e in res.events] == ["track_started", "track_started"]


def test_simultaneous_scans_of_two_radars_make_one_track():
    rng = np.random.default_rng(12)
    meas, _ = simulate({"MiG-25": (P0, V)}, 300.0, rng, first_scan_s=0.0)
    assert len({m.t_s for m in meas}) == len(meas) // 2  # both radars at every scan time
    res = _tracker().run(meas)
    assert len(res.tracks) == 1
    assert res.tracks[0].n_detections == len(meas)
    # scans at 0 (Matsumae, Okushiri), 10 (Matsumae): the third detection confirms
    assert res.tracks[0].confirmed_t_s == 10.0


def test_unscented_filter_option():
    rng = np.random.default_rng(13)
    meas, _ = simulate({"MiG-25": (P0, V)}, 300.0, rng)
    ekf = _tracker(filter="ekf").run(meas).tracks
    ukf = _tracker(filter="ukf").run(meas).tracks
    assert len(ekf) == len(ukf) == 1
    a, b = ekf[0].states[-1], ukf[0].states[-1]
    pa = np.array(FRAME.to_enu(a.lat_deg, a.lon_deg, a.alt_msl_m))
    pb = np.array(FRAME.to_enu(b.lat_deg, b.lon_deg, b.alt_msl_m))
    assert np.linalg.norm(pa - pb) < 50.0


def _false_alarms(rng, t_end_s, per_scan):
    """Uniform false alarms: Poisson count per scan, uniform over a 250 km x 250 km box, 0-15 km up."""
    out = []
    for radar in RADARS:
        for t in scan_times(radar, 0.0, t_end_s):
            for _ in range(rng.poisson(per_scan)):
                p = np.array([rng.uniform(-125e3, 125e3), rng.uniform(-125e3, 125e3), rng.uniform(0, 15e3)])
                r, az, el = polar(radar, p)
                out.append(measurement(radar, t, r, az, el, false_alarm=True))
    return out


def test_sparse_false_alarms_make_no_confirmed_tracks_with_3_of_4():
    rng = np.random.default_rng(2024)
    t_end = 1800.0
    fa = _false_alarms(rng, t_end, per_scan=2.0)
    tgt, _ = simulate({"MiG-25": (P0, V)}, t_end, rng)
    meas = sorted(fa + tgt, key=lambda m: (m.t_s, m.radar))
    res = _tracker(m=3, n=4).run(meas)
    false_tracks = [t for t in res.tracks if t.target is None]
    print(f"\n{len(fa)} false alarms -> {len(false_tracks)} false tracks, {res.n_tentative_dropped} tentative dropped")
    assert len(fa) > 600
    assert false_tracks == []
    real = [t for t in res.tracks if t.target == "MiG-25"]
    assert len(real) == 1
    assert real[0].target_counts[0] == ("MiG-25", len(tgt))
    # the same data with 2-of-3: dozens of (short-lived) false tracks. M-of-N does the work.
    res2 = _tracker(m=2, n=3).run(meas)
    false2 = [t for t in res2.tracks if t.target is None]
    print(f"2-of-3: {len(false2)} false tracks")
    assert len(false2) > 20


# ------------------------------------------------------------------------- 2-D radars


def test_bearing_range_radars_track_horizontally():
    rng = np.random.default_rng(3)
    meas, _ = simulate({"MiG-25": (P0, V)}, 600.0, rng, three_d=False)
    assert all(m.elevation_deg is None for m in meas)
    res = _tracker(prior_alt_msl_m=5000.0, prior_alt_sigma_m=5000.0).run(meas)
    assert len(res.tracks) == 1
    tr = res.tracks[0]
    assert tr.target == "MiG-25" and tr.lost_t_s is None
    states = [s for s in tr.states if s.t_s >= 60.0]
    # horizontal position compared at the true altitude: the track reports none
    est = track_enu(states, alt_msl_m=8_000.0)
    true = np.array([truth_enu(P0, V, s.t_s) for s in states])
    horiz = np.linalg.norm((est - true)[:, :2], axis=1)
    rms_h = float(np.sqrt(np.mean(horiz**2)))
    print(f"\n2-D radars: horizontal RMS {rms_h:.0f} m")
    assert rms_h < 600.0
    speed = np.mean([math.hypot(s.vel_east_mps, s.vel_north_mps) for s in tr.states if s.t_s >= 300.0])
    assert abs(speed - 250.0) < 10.0
    # 2-D radars measure no height: the track built only from them has no altitude, no
    # vertical speed and no altitude sigma (never the 5,000 m prior or a drifted figure)
    assert all(s.alt_msl_m is None and s.vel_up_mps is None and s.sigma_alt_m is None for s in tr.states)
    assert all(e.alt_msl_m is None for e in res.events)


def test_single_bearing_range_radar_tracks_horizontally():
    rng = np.random.default_rng(31)
    meas, _ = simulate({"MiG-25": (P0, V)}, 600.0, rng, radars=("Okushiri",), three_d=False)
    res = _tracker().run(meas)
    assert len(res.tracks) == 1
    states = [s for s in res.tracks[0].states if s.t_s >= 60.0]
    est = track_enu(states, alt_msl_m=8_000.0)
    true = np.array([truth_enu(P0, V, s.t_s) for s in states])
    rms_h = float(np.sqrt(np.mean(np.sum((est - true)[:, :2] ** 2, axis=1))))
    print(f"\none 2-D radar: horizontal RMS {rms_h:.0f} m")
    assert rms_h < 1000.0
    # one radar cannot see altitude: the track reports none
    assert all(s.alt_msl_m is None for s in res.tracks[0].states)


def test_mixed_2d_and_3d_radars():
    rng = np.random.default_rng(4)
    m3, _ = simulate({"MiG-25": (P0, V)}, 400.0, rng, radars=("Okushiri",))
    m2, _ = simulate({"MiG-25": (P0, V)}, 400.0, rng, radars=("Matsumae",), three_d=False)
    res = _tracker().run(sorted(m3 + m2, key=lambda m: m.t_s))
    assert len(res.tracks) == 1
    s = res.tracks[0].states[-1]
    p = np.array(FRAME.to_enu(s.lat_deg, s.lon_deg, s.alt_msl_m))
    assert np.linalg.norm(p - truth_enu(P0, V, s.t_s)) < 1000.0
    # a height-measuring radar supplies the height: every state of the fused track has one
    assert res.tracks[0].states[0].alt_msl_m is not None
    assert all(s.alt_msl_m is not None and s.sigma_alt_m is not None for s in res.tracks[0].states)


def test_2d_track_gains_its_height_from_the_first_3d_detection():
    """A track started by a 2-D radar has no altitude until a 3-D detection joins it, then has one."""
    rng = np.random.default_rng(41)
    m2, _ = simulate({"MiG-25": (P0, V)}, 400.0, rng, radars=("Matsumae",), three_d=False)
    m3, _ = simulate({"MiG-25": (P0, V)}, 400.0, rng, radars=("Okushiri",))
    m3 = [m for m in m3 if m.t_s >= 200.0]  # the 3-D radar comes in half way
    res = _tracker().run(sorted(m2 + m3, key=lambda m: m.t_s))
    assert len(res.tracks) == 1
    states = res.tracks[0].states
    first_3d = min(m.t_s for m in m3)
    assert all(s.alt_msl_m is None for s in states if s.t_s < first_3d)
    after = [s for s in states if s.t_s >= first_3d]
    assert after and all(s.alt_msl_m is not None for s in after)
    assert abs(after[-1].alt_msl_m - 8_000.0) < 500.0


@pytest.mark.parametrize("true_alt_m, ground_m, expect_m", [(8_000.0, 9_000.0, 9_000.0), (35_000.0, 0.0, 30_000.0)])
def test_track_altitude_never_below_terrain_or_above_30_km(true_alt_m, ground_m, expect_m):
    """3-D tracks report their altitude clamped to [terrain, 30 km]: a target whose estimate lies
    below a (synthetic) 9 km plateau is reported on it; one at 35 km is reported at 30 km."""
    rng = np.random.default_rng(7)
    p0 = (P0[0], P0[1], true_alt_m)
    meas, _ = simulate({"MiG-25": (p0, V)}, 300.0, rng)
    plateau = lambda lat, lon: np.full(np.shape(lat), ground_m)  # noqa: E731
    res = SideTracker(SIDE, *REF, TrackerConfig(), ground_msl_m=plateau).run(meas)
    alts = np.array([s.alt_msl_m for tr in res.tracks for s in tr.states], float)
    assert alts.size > 20
    assert alts.min() >= ground_m and alts.max() <= 30_000.0
    # most estimates of a target below the plateau / above 30 km sit exactly on the bound
    assert np.mean(alts == expect_m) > 0.5
    # without the terrain, the 8 km target is reported near 8 km (the clamp is what moved it)
    if ground_m > 0:
        free = _tracker().run(meas)
        free_alts = np.array([s.alt_msl_m for tr in free.tracks for s in tr.states], float)
        assert abs(np.median(free_alts) - true_alt_m) < 300.0


# ------------------------------------------------------------------------- determinism, sides, speed


def test_deterministic():
    def once():
        rng = np.random.default_rng(99)
        fa = _false_alarms(rng, 900.0, per_scan=1.0)
        tgt, _ = simulate({"A": (P0, V), "B": ((-40e3, 30e3, 3e3), (220.0, -90.0, 0.0))}, 900.0, rng)
        meas = sorted(fa + tgt, key=lambda m: (m.t_s, m.radar))
        return _tracker(m=2, n=3).run(meas)

    r1, r2 = once(), once()
    assert r1 == r2
    assert len(r1.tracks) >= 2
    # also independent of the input order within the same time
    rng = np.random.default_rng(5)
    meas, _ = simulate({"A": (P0, V)}, 300.0, rng)
    assert _tracker().run(meas) == _tracker().run(list(reversed(meas)))


def test_track_all_sides_splits_by_side():
    rng = np.random.default_rng(6)
    meas, _ = simulate({"MiG-25": (P0, V)}, 300.0, rng)
    ussr = [
        RadarMeasurement(t_s=m.t_s, radar="Vladivostok", side="USSR", radar_lat_deg=43.1, radar_lon_deg=131.9,
                         radar_alt_msl_m=200.0, range_m=m.range_m, azimuth_deg=m.azimuth_deg,
                         elevation_deg=m.elevation_deg, sigma_range_m=SIG_R, sigma_azimuth_deg=SIG_AZ,
                         sigma_elevation_deg=SIG_EL, target="X")
        for m in meas[:5]
    ]
    out = track_all_sides(meas + ussr, {"Japan": REF, "USSR": (43.0, 132.0)}, TrackerConfig())
    assert list(out) == ["Japan", "USSR"]
    assert len(out["Japan"].tracks) == 1 and out["Japan"].n_measurements == len(meas)
    assert out["USSR"].n_measurements == 5
    with pytest.raises(ParameterError, match="side"):
        track_all_sides(meas, {"USSR": (43.0, 132.0)})


def test_speed_one_hour_two_radars():
    rng = np.random.default_rng(60)
    # a long straight run across the region, 250 m/s for an hour (900 km)
    p0 = (-450_000.0, -20_000.0, 9_000.0)
    v = (250.0, 0.0, 0.0)
    meas, _ = simulate({"MiG-25": (p0, v)}, 3600.0, rng)
    tracker = _tracker()
    t0 = time.perf_counter()
    res = tracker.run(meas)
    dt = time.perf_counter() - t0
    print(f"\n60-minute run: {len(meas)} measurements, {len(res.tracks)} track(s), {dt * 1000:.0f} ms")
    assert 700 <= len(meas) <= 730
    assert len(res.tracks) >= 1


# ------------------------------------------------------------------------- measurement models


@pytest.mark.parametrize("three_d", [True, False])
def test_radar_models_match_geometry_and_numeric_jacobian(three_d):
    """The per-radar Stone Soup models reproduce the true polar coordinates computed through
    ECEF, and their analytic Jacobians match Stone Soup's numeric one."""
    from stonesoup.functions import jacobian as compute_jac
    from stonesoup.types.state import State, StateVector

    from foxbat.tracking.initiation import initial_state
    from foxbat.tracking.sites import detection
    from foxbat.tracking.state import timestamp

    tracker = _tracker()
    tracker._reset()
    p = np.array([35_000.0, 60_000.0, 9_000.0])
    radar = "Okushiri"
    r, az, el = polar(radar, p)
    m = measurement(radar, 0.0, r, az, el, three_d=three_d)
    det = detection(tracker._site(m), m, timestamp(0.0))
    model = det.measurement_model
    state = State(StateVector([p[0], 200.0, p[1], -100.0, p[2], 5.0]))
    z = np.asarray(model.function(state), dtype=float).ravel()
    zm = np.asarray(det.state_vector, dtype=float).ravel()
    np.testing.assert_allclose(z, zm, atol=1e-6)  # rad, rad, m: exact geometry
    jac = model.jacobian(state)
    num = compute_jac(lambda s, **kw: np.asarray(model.function(s), dtype=float).view(StateVector), state)
    np.testing.assert_allclose(jac, num, rtol=1e-4, atol=1e-9)
    # the single-detection initial position is the true point (3-D) / the right bearing and range (2-D)
    mean, cov = initial_state(m, tracker._site(m), tracker.config)
    if three_d:
        np.testing.assert_allclose(mean[[0, 2, 4]], p, atol=1e-3)
    else:
        z0 = np.asarray(model.function(State(StateVector(mean))), dtype=float).ravel()
        np.testing.assert_allclose(z0, zm, atol=1e-6)
        assert math.sqrt(cov[4, 4]) > 4000.0


def test_pregate_changes_nothing():
    """The cheap pre-gate only skips detections that the Mahalanobis gate would reject."""
    rng = np.random.default_rng(21)
    fa = _false_alarms(rng, 600.0, per_scan=3.0)
    tgt, _ = simulate({"A": (P0, V), "B": ((-40e3, 30e3, 3e3), (220.0, -90.0, 0.0))}, 600.0, rng)
    meas = sorted(fa + tgt, key=lambda m: (m.t_s, m.radar))
    fast = _tracker(m=2, n=3)
    plain = _tracker(m=2, n=3)
    plain._hypothesiser.prefilter = None
    a, b = fast.run(meas), plain.run(meas)
    assert len(a.tracks) > 2  # 2-of-3 lets false tracks through: plenty to compare
    assert a == b


# ------------------------------------------------------------------------- events


def _record(track_id, target, confirmed, lost, last_det=None):
    from foxbat.tracking import TrackRecord, TrackState

    st = TrackState(confirmed, 42.0, 140.0, 5000.0, 0.0, 0.0, 0.0, 100.0, 100.0, True, "r")
    return TrackRecord(
        track_id=track_id, side=SIDE, target=target, initiated_t_s=confirmed - 10, confirmed_t_s=confirmed,
        last_detection_t_s=last_det if last_det is not None else (lost - 65 if lost else confirmed),
        lost_t_s=lost, n_detections=3, radars=("r",), target_counts=((target, 3),), states=(st,),
    )


def test_event_rules_reacquired_duplicate_and_false_tracks():
    from foxbat.tracking import TrackingResult, extract_events

    tracks = [
        _record("Japan-001", "X", 10.0, 100.0),  # held, lost at 100
        _record("Japan-002", "X", 150.0, None),  # X again after a loss: reacquired
        _record("Japan-003", "X", 160.0, 300.0),  # X while 002 is held: a duplicate, started
        _record("Japan-004", None, 170.0, 200.0),  # a false track: started, lost
        _record("Japan-005", "Y", 170.0, None),  # first track on Y: started
    ]
    ev = extract_events(tracks)
    got = [(e.t_s, e.kind, e.track_id) for e in ev]
    assert got == [
        (10.0, "track_started", "Japan-001"),
        (100.0, "track_lost", "Japan-001"),
        (150.0, "track_reacquired", "Japan-002"),
        (160.0, "track_started", "Japan-003"),
        (170.0, "track_started", "Japan-004"),
        (170.0, "track_started", "Japan-005"),
        (200.0, "track_lost", "Japan-004"),
        (300.0, "track_lost", "Japan-003"),
    ]
    assert ev[1].since_last_detection_s == 65.0
    res = TrackingResult(SIDE, tracks, ev, 400.0, 0, 0, 0)
    assert track_spans(res) == [
        (SIDE, "X", 10.0, 100.0),
        (SIDE, "X", 150.0, 400.0),
        (SIDE, "X", 160.0, 300.0),
        (SIDE, "Y", 170.0, 400.0),
        (SIDE, None, 170.0, 200.0),
    ]


def test_tracking_modules_import_without_a_cycle():
    """The tracking package's modules form an import DAG (the old adapter <-> events loop is gone):
    a depth-first search over their `foxbat.tracking.*` imports finds no back edge."""
    import ast
    from pathlib import Path

    import foxbat.tracking

    pkg = Path(foxbat.tracking.__file__).parent
    graph = {}
    for f in pkg.glob("*.py"):
        if f.stem == "__init__":
            continue
        deps = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("foxbat.tracking."):
                deps.add(node.module.rsplit(".", 1)[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.rsplit(".", 1)[1] for a in node.names if a.name.startswith("foxbat.tracking.")}
        graph[f.stem] = deps
    assert {"tracker", "events", "results", "sides"} <= set(graph)
    state = {}

    def visit(mod, path):
        state[mod] = "open"
        for dep in sorted(graph.get(mod, ())):
            assert state.get(dep) != "open", f"import cycle: {' -> '.join(path + [dep])}"
            if dep not in state:
                visit(dep, path + [dep])
        state[mod] = "done"

    for mod in sorted(graph):
        if mod not in state:
            visit(mod, [mod])
    # every module is small: one job each
    assert max(len(f.read_text().splitlines()) for f in pkg.glob("*.py")) < 400


def test_skipping_coasting_scans_changes_nothing():
    """run() skips the scans with no detection and no tentative track until a confirmed track
    could have coasted past max_coast_s; with the skip off (skip_coasting = False: every
    such scan goes through _process_scan and Stone Soup's deleter) the results are the same:
    several tracks confirmed at once, losses at different times, false alarms, the scan
    times given or not, a coast shorter than a scan and longer ones."""
    rng = np.random.default_rng(5)
    a, _ = simulate({"A": ((-60_000.0, -30_000.0, 9_000.0), (220.0, 80.0, 0.0))}, 500.0, rng,
                    gaps=((150.0, 260.0),))
    b, _ = simulate({"B": ((-60_000.0, 30_000.0, 6_000.0), (220.0, -80.0, 0.0))}, 700.0, rng,
                    gaps=((300.0, 420.0),))
    meas = sorted(a + b + _false_alarms(rng, 700.0, 0.2), key=lambda m: (m.t_s, m.radar))
    all_scans = [(t, r) for r in RADARS for t in scan_times(r, 0.0, 800.0)]
    losses = 0
    for kw in (dict(m=1, n=1, max_coast_s=0.5), dict(m=1, n=2, max_coast_s=30.0), dict(max_coast_s=60.0)):
        for scans in (None, all_scans):
            on = _tracker(**kw).run(meas, scans=scans)
            plain = _tracker(**kw)
            plain.skip_coasting = False
            off = plain.run(meas, scans=scans)
            assert repr(on) == repr(off), (kw, scans is None)
            losses += sum(e.kind == "track_lost" for e in on.events)
    assert losses >= 12  # the skipped stretches end in losses, the case the skip must get right


class _LoopOracle(SideTracker):
    """run() with the scan loop it had before foxbat.tracking.scans: every (t_s, radar) key
    of a dict, sorted, each tested in turn (the oracle of the jump from scan to scan)."""

    def run(self, measurements, scans=None):
        from foxbat.errors import ParameterError
        from foxbat.tracking.events import extract_events
        from foxbat.tracking.measurement import check_measurement
        from foxbat.tracking.records import track_records
        from foxbat.tracking.results import TrackingResult

        meas = list(measurements)
        for i, m in enumerate(meas):
            check_measurement(m, self.side, f"measurements[{i}]")
        groups = {}
        for i, m in enumerate(meas):
            groups.setdefault((float(m.t_s), m.radar), []).append(i)
        if scans is not None:
            for t_s, radar in scans:
                if not math.isfinite(t_s):
                    raise ParameterError(f"scan time must be finite, got {t_s!r}", field="scans")
                groups.setdefault((float(t_s), str(radar)), [])
        self._reset()
        for m in meas:
            self._site(m)
        coast_s = float(self.config.max_coast_s) - 1e-3 if self.skip_coasting else -math.inf
        horizon = math.inf if self.skip_coasting else -math.inf
        for key in sorted(groups):
            idx = groups[key]
            if idx or self._tentative or (self._confirmed and key[0] >= horizon):
                self._process_scan(key[0], key[1], [meas[i] for i in idx])
                horizon = min((t.last_det_t_s for t in self._confirmed), default=math.inf) + coast_s
        records = track_records(self.side, self.frame, self._finished + self._confirmed, self.ground_msl_m)
        return TrackingResult(side=self.side, tracks=records, events=extract_events(records),
                              end_t_s=max((k[0] for k in groups), default=None), n_scans=len(groups),
                              n_measurements=len(meas), n_tentative_dropped=self._n_dropped)


def test_scan_loop_jumps_as_the_plain_loop_steps():
    """run() jumps from scan to scan (foxbat.tracking.scans' order, the next detection or the
    coasting horizon by bisection): the same results as the loop it replaces, which tested
    every sorted scan key, with the skip on and off, tracks lost and started, false alarms,
    scans given (also as a generator, with numpy times, and with radars no detection names)
    or not."""
    rng = np.random.default_rng(8)
    a, _ = simulate({"A": ((-60_000.0, -30_000.0, 9_000.0), (220.0, 80.0, 0.0))}, 500.0, rng,
                    gaps=((150.0, 260.0),))
    b, _ = simulate({"B": ((-60_000.0, 30_000.0, 6_000.0), (220.0, -80.0, 0.0))}, 700.0, rng,
                    gaps=((300.0, 420.0),))
    meas = sorted(a + b + _false_alarms(rng, 700.0, 0.2), key=lambda m: (m.t_s, m.radar))
    all_scans = [(t, r) for r in RADARS for t in scan_times(r, 0.0, 800.0)] + [(5.0, "Nowhere"), (900.0, "Zed")]
    kinds = {"none": lambda: None, "list": lambda: all_scans, "generator": lambda: iter(all_scans),
             "numpy times": lambda: [(np.float64(t), r) for t, r in all_scans]}
    losses = 0
    for kw in (dict(m=1, n=1, max_coast_s=0.5), dict(m=1, n=2, max_coast_s=30.0), dict(max_coast_s=60.0)):
        for name, scans in kinds.items():
            for skip in (True, False):
                new = _tracker(**kw)
                old = _LoopOracle(SIDE, *REF, new.config)
                new.skip_coasting = old.skip_coasting = skip
                got, want = new.run(meas, scans=scans()), old.run(meas, scans=scans())
                assert repr(got) == repr(want), (kw, name, skip)
                losses += sum(e.kind == "track_lost" for e in got.events)
    assert losses >= 20


def test_scan_order_is_the_sorted_dict_of_scans():
    """scans.scan_order (numpy) gives the scans, their order and measurement indices of the
    dict-and-sorted version it replaces, over shuffled scans with repeats, equal times of
    several radars, measurement-only and scan-only scans; the inputs it leaves to that
    version (-0.0, numpy times, NaN with its error) give the same too."""
    from foxbat.errors import ParameterError
    from foxbat.tracking.scans import scan_order, scan_order_dict

    rng = np.random.default_rng(9)
    names = ["Okushiri", "Matsumae", "Zed", "A", "a"]
    for trial in range(60):
        n_scan = int(rng.integers(0, 300))
        times = np.round(rng.uniform(0.0, 200.0, n_scan), int(rng.integers(0, 3))).tolist()
        scans = [(t, names[int(rng.integers(len(names)))]) for t in times]
        scans += scans[: int(rng.integers(0, 20))]  # repeats
        meas = [measurement(names[int(rng.integers(2))], float(rng.choice(times)) if times and rng.random() < 0.7
                            else float(np.round(rng.uniform(0.0, 200.0), 1)), 1e5, 30.0, 2.0)
                for _ in range(int(rng.integers(0, 40)))]
        rng.shuffle(scans)
        if trial % 10 == 1:
            scans.append((-0.0, "Zed"))
        if trial % 10 == 2:
            scans = [(np.float64(t), r) for t, r in scans]
        for given in (scans, None, []):
            got, want = scan_order(meas, given), scan_order_dict(meas, given)
            assert [(k[0].hex(), k[1]) for k in got.keys()] == [(k[0].hex(), k[1]) for k in want.keys()], trial
            assert got.det_pos == want.det_pos and got.dets == want.dets, trial
            assert all(type(r) is str for _, r in got.keys())
    # a dict keeps the first of 0.0 and -0.0 (the measurements' before the scans')
    m0 = [measurement("Okushiri", 0.0, 1e5, 30.0, 2.0)]
    for meas, scans in ((m0, [(-0.0, "Okushiri")]), ([], [(0.0, "Zed"), (-0.0, "Zed")]),
                        ([], [(-0.0, "Zed"), (0.0, "Zed"), (1.0, "A")])):
        got, want = scan_order(meas, scans), scan_order_dict(meas, scans)
        assert [(k[0].hex(), k[1]) for k in got.keys()] == [(k[0].hex(), k[1]) for k in want.keys()]
    for bad in (math.nan, math.inf):
        with pytest.raises(ParameterError) as e1:
            scan_order([], [(1.0, "A"), (bad, "B")])
        with pytest.raises(ParameterError) as e2:
            scan_order_dict([], [(1.0, "A"), (bad, "B")])
        assert str(e1.value) == str(e2.value)


def test_measurement_check_one_test_is_the_field_by_field_check():
    """check_measurement's one test of the common case (floats, a finite sum) passes exactly
    the measurements the field-by-field check it shortcuts passes, and raises its errors."""
    import dataclasses

    from foxbat.tracking.measurement import _check_each, check_measurement

    good = [measurement("Okushiri", 12.5, 1e5, 30.0, 2.0),
            measurement("Matsumae", 0.0, 3e5, 359.9, None, three_d=False),
            measurement("Okushiri", 1.0, 1.0, -10.0, -90.0), measurement("Okushiri", 1.0, 1.0, 0.0, 90.0)]
    bad_values = [math.nan, math.inf, -math.inf, 0.0, -1.0, 1e308, -1e308, 91.0, -90.5, 5, np.float64(3.0), True,
                  None, "1.0", 2.0]
    fields = ["t_s", "radar_lat_deg", "radar_lon_deg", "radar_alt_msl_m", "range_m", "azimuth_deg", "elevation_deg",
              "sigma_range_m", "sigma_azimuth_deg", "sigma_elevation_deg"]
    cases = list(good)
    for m in good:
        for f in fields:
            cases += [dataclasses.replace(m, **{f: v}) for v in bad_values]
        cases += [dataclasses.replace(m, radar=r) for r in ("", None, 7)] + [dataclasses.replace(m, side="USSR")]
        cases += [dataclasses.replace(m, t_s=1e308, radar_lat_deg=1e308)]  # finite, their sum is not
    n_ok = 0
    for m in cases:
        outcome = []
        for check in (check_measurement, _check_each):
            try:
                check(m, SIDE, "measurements[3]")
                outcome.append(None)
            except ParameterError as e:
                outcome.append(str(e))
        assert outcome[0] == outcome[1], m
        n_ok += outcome[0] is None
    assert n_ok > 100 and len(cases) - n_ok > 200, (n_ok, len(cases))  # both outcomes, many times
