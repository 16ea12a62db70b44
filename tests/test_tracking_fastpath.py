"""The tracker's fast path (foxbat.tracking.fastpath) against the plain Stone Soup path.

The fast path restates Stone Soup's Kalman prediction, EKF measurement prediction,
Mahalanobis gate and EKF update for a lone track, so both paths must give *identical*
results (every float, every event), not merely close ones. Checked on the flagship's
own radar measurements (seed 0), and with 0.5 false alarms per scan, where tentative
tracks compete and Stone Soup's GNN assignment still decides those scans.
"""

from __future__ import annotations

import pytest

from foxbat.tracking import tracker as tracker_mod
from foxbat.tracking.fastpath import FastHypothesis
from foxbat.tracking.tracker import SideTracker


@pytest.fixture(scope="module")
def flagship_inputs():
    """Each side's tracker inputs of the flagship, without and with false alarms."""
    from foxbat import sim
    from foxbat.scenario.run import load_run_scenario, parse_run_scenario

    sc = load_run_scenario()
    base = parse_run_scenario(dict(sc.raw, interceptors=[]), "base.yaml")
    fa = parse_run_scenario(dict(sc.raw, interceptors=[], false_alarms_per_scan=0.5), "fa.yaml")
    prepared = sim.prepare(base)
    captured = []
    orig = SideTracker.run

    def capture(self, measurements, scans=None):
        scans = None if scans is None else list(scans)
        captured.append((self.side, self.frame.ref_lat_deg, self.frame.ref_lon_deg, self.config,
                         self.ground_msl_m, list(measurements), scans))
        return orig(self, measurements, scans)

    mp = pytest.MonkeyPatch()
    mp.setattr(SideTracker, "run", capture)
    try:
        sim.run(base, prepared=prepared)
        sim.run(fa, prepared=prepared)
    finally:
        mp.undo()
    return captured


def test_fast_path_is_identical_to_stone_soup_on_the_flagship(flagship_inputs, monkeypatch):
    n_fast = 0
    real_update = SideTracker._update

    def counting_update(self, tr, hyp, *args):
        nonlocal n_fast
        n_fast += isinstance(hyp, FastHypothesis)
        return real_update(self, tr, hyp, *args)

    monkeypatch.setattr(tracker_mod.SideTracker, "_update", counting_update)
    n_tracks = n_meas = n_false = 0
    for side, lat, lon, cfg, ground, meas, scans in flagship_inputs:
        fast = SideTracker(side, lat, lon, cfg, ground, fast=True).run(meas, scans=scans)
        slow = SideTracker(side, lat, lon, cfg, ground, fast=False).run(meas, scans=scans)
        # repr: every float to its last bit, every event and state
        assert repr(fast) == repr(slow), side
        n_tracks += len(fast.tracks)
        n_meas += len(meas)
        n_false += sum(m.false_alarm for m in meas)
    assert len(flagship_inputs) == 4  # two sides, without and with false alarms
    assert n_tracks >= 4 and n_false > 1000  # tracks to compare, tentative tracks to compete
    # the fast path really ran: most detections updated a lone track through it
    assert n_fast > 0.5 * (n_meas - n_false), (n_fast, n_meas, n_false)


def test_fast_path_off_for_the_unscented_filter():
    from foxbat.tracking import TrackerConfig

    assert SideTracker("Japan", 42.0, 140.0, TrackerConfig(filter="ukf"))._fast is None
    assert SideTracker("Japan", 42.0, 140.0, TrackerConfig())._fast is not None
    assert SideTracker("Japan", 42.0, 140.0, TrackerConfig(), fast=False)._fast is None


def test_pregate_one_detection_scalar_path_matches_the_array_path():
    """ScanPreGate takes a lone detection through scalar code: the same decision as the
    array code gives it among others, over predictions near and far (2-D and 3-D)."""
    import numpy as np

    from foxbat.tracking import RadarMeasurement
    from foxbat.tracking.frames import LocalFrame
    from foxbat.tracking.gating import ScanPreGate
    from foxbat.tracking.fastpath import Predicted
    from foxbat.tracking.sites import detection, radar_site
    from foxbat.tracking.state import timestamp

    rng = np.random.default_rng(3)
    frame = LocalFrame(42.0, 140.0)
    ts = timestamp(10.0)
    group = []
    for i in range(40):
        three_d = i % 2 == 0
        group.append(RadarMeasurement(
            t_s=10.0, radar="R", side="S", radar_lat_deg=42.1, radar_lon_deg=140.2, radar_alt_msl_m=300.0,
            range_m=float(rng.uniform(20e3, 200e3)), azimuth_deg=float(rng.uniform(0, 360)),
            elevation_deg=float(rng.uniform(0, 10)) if three_d else None, sigma_range_m=150.0,
            sigma_azimuth_deg=0.3, sigma_elevation_deg=0.5 if three_d else None))
    site = radar_site(frame, group[0])
    dets = [detection(site, m, ts) for m in group]
    gate = ScanPreGate(4.57)
    gate.set_scan(site, dets, group)
    n_in = n_out = 0
    for _ in range(300):
        m = group[rng.integers(len(group))]
        # a prediction near one detection (sometimes inside, sometimes not), sigma 50 m .. 20 km
        phi = np.pi / 2 - np.radians(m.azimuth_deg + rng.normal(0, 1.0))
        r = m.range_m + rng.normal(0, 2000.0)
        el = np.radians(m.elevation_deg or 3.0) + rng.normal(0, 0.01)
        local = np.array([r * np.cos(el) * np.cos(phi), r * np.cos(el) * np.sin(phi), r * np.sin(el)])
        pos = site.rotation.T @ local + site.offset
        x = np.zeros((6, 1))
        x[[0, 2, 4], 0] = pos
        cov = np.eye(6) * rng.uniform(50.0, 20e3) ** 2
        pred = Predicted(x, cov)
        kept = {id(d) for d in gate(pred, dets)}
        for d in dets:
            alone = gate(pred, [d])
            assert (alone == [d]) == (id(d) in kept)
            n_in += id(d) in kept
            n_out += id(d) not in kept
    assert n_in > 100 and n_out > 100  # both decisions exercised


def test_fast_path_is_identical_on_3d_radars_with_two_targets_and_false_alarms():
    """The built-in scenarios have no height finder: 3-D radars, two crossing targets and
    false alarms (synthetic, from tests/test_tracking.py) give identical results too."""
    import numpy as np
    from test_tracking import REF, SIDE, _false_alarms, simulate

    from foxbat.tracking import TrackerConfig

    rng = np.random.default_rng(11)
    targets = {"A": ((-60_000.0, -30_000.0, 9_000.0), (220.0, 80.0, 0.0)),
               "B": ((-60_000.0, 30_000.0, 6_000.0), (220.0, -80.0, 0.0))}
    for three_d in (True, False):
        meas, _ = simulate(targets, 900.0, rng, three_d=three_d, gaps=((300.0, 420.0),))
        meas = sorted(meas + _false_alarms(rng, 900.0, 0.3), key=lambda m: (m.t_s, m.radar))
        fast = SideTracker(SIDE, *REF, TrackerConfig(), fast=True).run(meas)
        slow = SideTracker(SIDE, *REF, TrackerConfig(), fast=False).run(meas)
        assert repr(fast) == repr(slow), three_d
        assert len(fast.tracks) >= 2 and any(s.alt_msl_m is not None for t in fast.tracks for s in t.states) == three_d


@pytest.mark.parametrize("three_d", [True, False])
def test_model_functions_give_the_bits_of_stone_soups_types(three_d):
    """models.py computes h(x) and the Jacobian's offset position on plain arrays: the same
    values and angle types, bit for bit, as through Stone Soup's array types (the 3-D
    radar: Stone Soup's own CartesianToElevationBearingRange.function)."""
    import numpy as np
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.types.array import StateVector, StateVectors
    from stonesoup.types.state import GaussianState

    from foxbat.tracking import RadarMeasurement
    from foxbat.tracking.frames import LocalFrame
    from foxbat.tracking.sites import measurement_model, radar_site

    m = RadarMeasurement(t_s=0.0, radar="R", side="S", radar_lat_deg=42.1, radar_lon_deg=140.2,
                         radar_alt_msl_m=300.0, range_m=1e5, azimuth_deg=10.0,
                         elevation_deg=2.0 if three_d else None, sigma_range_m=150.0, sigma_azimuth_deg=0.3,
                         sigma_elevation_deg=0.3 if three_d else None)
    site = radar_site(LocalFrame(42.0, 140.0), m)
    model = measurement_model(site, m)
    rng = np.random.default_rng(5)

    def oracle(state):
        if three_d:
            return CartesianToElevationBearingRange._typed_vector() + CartesianToElevationBearingRange._function(
                model, state)
        d = model.frame_rotation @ np.asarray(state.state_vector[model.mapping, :] - model.translation_offset,
                                              dtype=float)
        phi = np.arctan2(d[1, :], d[0, :])
        rho = np.sqrt(d[0, :] ** 2 + d[1, :] ** 2 + d[2, :] ** 2)
        return model._typed_vector() + (StateVectors([phi, rho]) + 0)

    for _ in range(500):
        x = np.zeros(6)
        x[[0, 2, 4]] = site.offset + rng.normal(0, 1.0, 3) * rng.choice([1.0, 1e3, 1e5])
        x[1::2] = rng.normal(0, 300.0, 3)
        state = GaussianState(StateVector(x), np.eye(6))
        got, want = model.function(state), oracle(state)
        assert isinstance(got, StateVector) and got.shape == want.shape
        assert [type(v).__name__ for v in got.ravel()] == [type(v).__name__ for v in want.ravel()]
        assert [float(v).hex() for v in got.ravel()] == [float(v).hex() for v in want.ravel()]
        sv = state.state_vector
        old_d = np.asarray(sv[model.mapping, :] - model.translation_offset, dtype=float)
        from foxbat.tracking.models import _relative_position

        assert _relative_position(model, state).tobytes() == old_d.tobytes()


@pytest.mark.parametrize("three_d", [True, False])
def test_plain_innovation_gives_the_bits_of_stone_soups_angle_types(three_d):
    """fastpath.plain_innovation restates z - h(x) on floats: bit for bit what Stone Soup's
    object arrays of Elevation and Bearing give (SingleTrackEkf.innovation), also for
    bearings across ±pi and elevations near ±pi/2 where the angles wrap."""
    import numpy as np
    from stonesoup.types.array import CovarianceMatrix, StateVector

    from foxbat.tracking import RadarMeasurement
    from foxbat.tracking.fastpath import Predicted, SingleTrackEkf, plain_innovation
    from foxbat.tracking.frames import LocalFrame
    from foxbat.tracking.sites import detection, radar_site
    from foxbat.tracking.state import timestamp

    rng = np.random.default_rng(11)
    frame = LocalFrame(42.0, 140.0)
    n_wrapped = 0
    for i in range(600):
        az = rng.choice([180.0, 180.0 + rng.normal(0, 0.5), rng.uniform(0.0, 360.0)])  # bearing -pi/pi at 180°
        el = rng.choice([89.9 + rng.normal(0, 0.05), -89.9, rng.uniform(-5.0, 60.0)])
        m = RadarMeasurement(t_s=0.0, radar="R", side="S", radar_lat_deg=42.1, radar_lon_deg=140.2,
                             radar_alt_msl_m=300.0, range_m=float(rng.uniform(1e3, 4e5)), azimuth_deg=float(az),
                             elevation_deg=float(el) if three_d else None, sigma_range_m=150.0,
                             sigma_azimuth_deg=0.3, sigma_elevation_deg=0.3 if three_d else None)
        site = radar_site(frame, m)
        det = detection(site, m, timestamp(0.0))
        x = np.zeros((6, 1))
        # the predicted position: near the detection's (angles either side of the wrap) or anywhere
        model = det.measurement_model
        pos = np.asarray(model.inverse_function(det), dtype=float).ravel()[[0, 2, 4]] if not three_d else None
        if pos is None:
            b, e, r = (float(v) for v in np.asarray(det.state_vector, dtype=float).ravel()[[1, 0, 2]])
            d = np.array([r * np.cos(e) * np.cos(b), r * np.cos(e) * np.sin(b), r * np.sin(e)])
            pos = site.rotation.T @ d + site.offset
        x[[0, 2, 4], 0] = pos + rng.normal(0, 1.0, 3) * rng.choice([10.0, 1e3, 1e5])
        pred = Predicted(x.view(StateVector), CovarianceMatrix(np.eye(6) * 1e4))
        mp = SingleTrackEkf._predict_measurement(pred, model)
        got = plain_innovation(det, mp)
        want = SingleTrackEkf.innovation(det, mp)
        assert got is not None and got.shape == want.shape and got.dtype == want.dtype
        assert got.tobytes() == want.tobytes(), (i, got.ravel(), want.ravel())
        n_wrapped += abs(float(np.asarray(mp.state_vector, dtype=float)[1 if three_d else 0, 0])
                         - float(np.asarray(det.state_vector, dtype=float)[1 if three_d else 0, 0])) > np.pi
    assert n_wrapped >= 5  # some bearings did cross ±pi
