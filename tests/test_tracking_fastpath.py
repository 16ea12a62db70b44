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


def _radar_measurement(rng, three_d: bool, az_deg=None, el_deg=None, range_m=None, t_s=10.0):
    from foxbat.tracking import RadarMeasurement

    return RadarMeasurement(
        t_s=t_s, radar="R", side="S", radar_lat_deg=42.1, radar_lon_deg=140.2, radar_alt_msl_m=300.0,
        range_m=float(rng.uniform(5e3, 3e5) if range_m is None else range_m),
        azimuth_deg=float(rng.uniform(0.0, 360.0) if az_deg is None else az_deg),
        elevation_deg=(float(rng.uniform(-1.0, 30.0) if el_deg is None else el_deg)) if three_d else None,
        sigma_range_m=150.0, sigma_azimuth_deg=0.3, sigma_elevation_deg=0.4 if three_d else None)


@pytest.mark.parametrize("three_d", [True, False])
def test_associate_one_gives_the_bits_of_associate_state(three_d):
    """SingleTrackEkf.associate_one (a scan's lone detection, fused: one radar-frame offset
    for the pre-gate, Jacobian and h(x), the model's arrays taken once, the detection's
    floats, no Stone Soup detection) against the code it replaces, associate_state on the
    Stone Soup detection: the same decision, distance and EKF update to the last bit, over
    predictions rejected by the pre-gate, surely inside, and decided by Mahalanobis either
    way (the last two built a hair inside and outside the gate)."""
    import numpy as np

    from foxbat.tracking import TrackerConfig
    from foxbat.tracking.fastpath import SingleTrackEkf
    from foxbat.tracking.frames import LocalFrame
    from foxbat.tracking.gating import far_one, predicted_geometry, pregate_terms
    from foxbat.tracking.sites import ScanDetection, detection, radar_site
    from foxbat.tracking.state import timestamp

    rng = np.random.default_rng(17 + three_d)
    tracker = SideTracker("S", 42.0, 140.0, TrackerConfig())
    fast, pregate, gate = tracker._fast, tracker._pregate, tracker._gate
    frame = LocalFrame(42.0, 140.0)
    ts = timestamp(100.0)
    seen = {"pregate": 0, "sure": 0, "mahalanobis in": 0, "mahalanobis out": 0}
    for i in range(1200):
        m = _radar_measurement(rng, three_d, t_s=100.0)
        site = radar_site(frame, m)
        model = detection(site, m, ts).measurement_model
        # a prior state near the detection's position, 0.5 .. 20 s before, sigma 30 m .. 30 km
        b, r = np.pi / 2 - np.radians(m.azimuth_deg), m.range_m
        e = np.radians(m.elevation_deg) if three_d else 0.0
        local = np.array([r * np.cos(e) * np.cos(b), r * np.cos(e) * np.sin(b), r * np.sin(e)])
        mean = np.zeros((6, 1))
        mean[[0, 2, 4], 0] = site.rotation.T @ local + site.offset + rng.normal(0, 1, 3) * rng.choice([30.0, 3e3, 1e5])
        mean[[1, 3, 5], 0] = rng.normal(0, 1, 3) * [250.0, 250.0, 10.0]
        a = rng.normal(0, 1, (6, 6)) * rng.choice([10.0, 300.0, 1e4])
        covar = a @ a.T + np.eye(6)
        prior_ts = ts - timestamp(100.0 - float(rng.choice([0.5, 4.0, 10.000001, 20.0]))) + timestamp(0.0)
        if i % 3 == 0:
            # put the detection a hair inside or outside the gate (Mahalanobis decides those)
            pred = fast.predict_state(mean, covar, ts - prior_ts)
            mp = SingleTrackEkf.predict_measurement(pred, model)
            hx = np.asarray(mp.state_vector, dtype=float).ravel()
            u = rng.normal(0, 1, hx.size)
            u *= gate * rng.choice([0.9996, 1.0004]) / np.linalg.norm(u)
            z = hx + np.linalg.cholesky(np.asarray(mp.covar, dtype=float)) @ u
            bz, rz = (z[1], z[2]) if three_d else (z[0], z[1])
            m = _radar_measurement(rng, three_d, az_deg=90.0 - np.degrees(bz), el_deg=np.degrees(z[0]),
                                   range_m=rz, t_s=100.0)
        real = detection(site, m, ts)
        pregate.set_scan(site, [real], [m])
        old = fast.associate_state(mean, covar, prior_ts, [real], ts)
        lone = ScanDetection(site, m, ts)
        pregate.set_scan(site, [lone], [m])
        new = fast.associate_one(mean, covar, prior_ts, lone)
        assert (old is None) == (new is None), i
        pred = fast.predict_state(mean, covar, ts - prior_ts)
        d = site.rotation @ (np.asarray(pred.state_vector, dtype=float).ravel()[[0, 2, 4]] - site.offset)
        geometry = predicted_geometry(*d.tolist(), np.asarray(pred.covar, dtype=float))
        far = geometry is not None and far_one(pregate_terms(m), geometry, 1.5 * gate)
        assert far == (pregate(pred, [lone]) == [])
        if new is None:
            seen["pregate" if far else "mahalanobis out"] += 1
            continue
        assert new.measurement is lone and old.measurement is real
        assert old.distance == new.distance, i
        seen["sure" if new.distance is None else "mahalanobis in"] += 1
        for got, want in zip(SingleTrackEkf.update_state(new), SingleTrackEkf.update_state(old)):
            assert got.dtype == want.dtype and got.shape == want.shape
            assert got.tobytes() == want.tobytes(), i
    assert min(seen.values()) >= 20, seen


@pytest.mark.parametrize("three_d", [True, False])
def test_scan_detection_is_its_stone_soup_detection(three_d):
    """A ScanDetection's floats (measured) are the values of the Stone Soup detection it
    stands for, with bearings across ±pi and elevations near ±pi/2; its z - h(x) by
    fastpath.innovation_of is bit for bit Stone Soup's on its angle types; its model parts
    are that detection's model's (and the Jacobian the code before models.py's shared
    functions computed)."""
    import math

    import numpy as np
    from stonesoup.types.array import CovarianceMatrix, StateVector

    from foxbat.tracking.fastpath import Predicted, SingleTrackEkf, innovation_of
    from foxbat.tracking.frames import LocalFrame
    from foxbat.tracking.sites import ScanDetection, detection, radar_site
    from foxbat.tracking.state import timestamp

    rng = np.random.default_rng(23)
    frame = LocalFrame(42.0, 140.0)
    ts = timestamp(0.0)
    for i in range(600):
        az = rng.choice([180.0, 180.0 + rng.normal(0, 0.5), rng.uniform(0.0, 360.0)])
        el = rng.choice([89.9 + rng.normal(0, 0.05), -89.9, rng.uniform(-5.0, 60.0)])
        m = _radar_measurement(rng, three_d, az_deg=az, el_deg=el, t_s=0.0)
        site = radar_site(frame, m)
        real = detection(site, m, ts)
        lone = ScanDetection(site, m, ts)
        assert lone.detection() is lone.detection() and lone.state_vector is lone.detection().state_vector
        sv = real.state_vector.ravel().tolist()
        assert [type(v) for v in lone.detection().state_vector.ravel().tolist()] == [type(v) for v in sv]
        assert [float(v).hex() for v in lone.measured()] == [float(v).hex() for v in sv]
        model = real.measurement_model
        parts = lone.parts
        assert parts.model is model is lone.measurement_model
        assert parts.covar.tobytes() == np.asarray(model.covar(), dtype=float).tobytes()
        assert parts.offset.tobytes() == np.asarray(model.translation_offset, dtype=float).tobytes()
        x = np.zeros((6, 1))
        pos = site.offset + rng.normal(0, 1.0, 3) * rng.choice([10.0, 1e3, 1e5])
        if i % 2:  # near the detection: bearings either side of the wrap
            b, e, r = float(sv[-2]), float(sv[0]) if three_d else 0.0, float(sv[-1])
            pos = site.rotation.T @ np.array([r * math.cos(e) * math.cos(b), r * math.cos(e) * math.sin(b),
                                              r * math.sin(e)]) + site.offset + rng.normal(0, 1.0, 3) * 10.0
        x[[0, 2, 4], 0] = pos
        pred = Predicted(x.view(StateVector), CovarianceMatrix(np.eye(6) * 1e4))
        mp = SingleTrackEkf._predict_measurement(pred, model)
        d = parts.rotation @ (x[parts.mapping, :] - parts.offset)
        assert (parts.rotation @ (x[parts.rows] - parts.offset)).tobytes() == d.tobytes()
        values = (parts.values_of_offset(d) + 0).ravel().tolist()
        floats = parts.floats_of_offset(d, d.ravel().tolist())
        assert [v.hex() for v in floats] == [v.hex() for v in values]
        got = innovation_of(parts.typed, values, lone.measured())
        want = SingleTrackEkf.innovation(real, mp)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert got.tobytes() == want.tobytes(), (i, got.ravel(), want.ravel())
        # the Jacobian as models.py computed it before its shared functions
        dd = model.frame_rotation @ (x[[0, 2, 4], :] - np.asarray(model.translation_offset, float)).ravel()
        xx, yy, zz = dd
        if three_d:
            rho2 = xx * xx + yy * yy + zz * zz
            rho, rxy2 = math.sqrt(rho2), xx * xx + yy * yy
            rxy = math.sqrt(rxy2)
            j = np.array([[-xx * zz / (rho2 * rxy), -yy * zz / (rho2 * rxy), rxy / rho2],
                          [-yy / rxy2, xx / rxy2, 0.0], [xx / rho, yy / rho, zz / rho]]) @ model.frame_rotation
        else:
            rxy2 = xx * xx + yy * yy
            rho = math.sqrt(rxy2 + zz * zz)
            j = np.array([[-yy / rxy2, xx / rxy2, 0.0], [xx / rho, yy / rho, zz / rho]]) @ model.frame_rotation
        old_jac = np.zeros((3 if three_d else 2, 6))
        old_jac[:, [0, 2, 4]] = j
        assert model.jacobian(pred).tobytes() == old_jac.tobytes()
        assert parts.jacobian_of_offset(d.ravel().tolist(), parts.rotation).tobytes() == j.tobytes()


@pytest.mark.parametrize("three_d", [True, False])
def test_model_floats_of_one_offset_are_its_values(three_d):
    """models' floats_of_offset (one radar-frame offset, the range's square root on floats)
    gives the bits of (values_of_offset(d) + 0) as a list, signed zeros and the axes included;
    index_of's slice takes the rows of the mapping."""
    import numpy as np

    from foxbat.tracking.models import RadarBearingSlantRange, RadarElevationBearingRange
    from foxbat.tracking.sites import index_of

    cls = RadarElevationBearingRange if three_d else RadarBearingSlantRange
    rng = np.random.default_rng(29)
    special = [(1.0, -0.0, 0.0), (-1.0, -0.0, -0.0), (0.0, 1.0, -0.0), (-0.0, -1.0, 2.0), (3.0, 4.0, 0.0),
               (1e-300, 1e-300, 1e-300), (1e5, -1e-12, 7e3)]
    for i in range(3000):
        d = np.array(special[i] if i < len(special) else rng.normal(0, 1, 3) * rng.choice([1.0, 1e3, 3e5]),
                     dtype=float).reshape(3, 1)
        with np.errstate(all="ignore"):  # (1e-300)² underflows: range 0, elevation NaN in both
            want = (cls.values_of_offset(d) + 0).ravel().tolist()
            got = cls.floats_of_offset(d, d.ravel().tolist())
        assert [v.hex() for v in got] == [v.hex() for v in want], (i, d.ravel())
    x = rng.normal(0, 1, (6, 1))
    for mapping in ((0, 2, 4), (1, 3, 5), (0, 1, 2), (0, 4, 2), (5,)):
        assert x[index_of(mapping)].tobytes() == x[mapping, :].tobytes()


def test_lone_shortcut_changes_nothing(flagship_inputs):
    """A scan whose lone detection a lone confirmed track takes returns after the update
    (SideTracker.lone_shortcut); with it off every such scan goes through the M-of-N and
    initiation steps too: identical results on the flagship, with and without false alarms,
    and on two crossing targets with false alarms (2-D and 3-D radars)."""
    import numpy as np
    from test_tracking import REF, SIDE, _false_alarms, simulate

    from foxbat.tracking import TrackerConfig

    inputs = list(flagship_inputs)
    rng = np.random.default_rng(13)
    targets = {"A": ((-60_000.0, -30_000.0, 9_000.0), (220.0, 80.0, 0.0)),
               "B": ((-60_000.0, 30_000.0, 6_000.0), (220.0, -80.0, 0.0))}
    for three_d in (True, False):
        meas, _ = simulate(targets, 900.0, rng, three_d=three_d, gaps=((300.0, 420.0),))
        meas = sorted(meas + _false_alarms(rng, 900.0, 0.3), key=lambda m: (m.t_s, m.radar))
        inputs.append((SIDE, *REF, TrackerConfig(), None, meas, None))
    calls = {True: 0, False: 0}

    class Counting(SideTracker):
        def _associate(self, tracks, dets, ts):
            calls[self.lone_shortcut] += 1
            return super()._associate(tracks, dets, ts)

    for side, lat, lon, cfg, ground, meas, scans in inputs:
        on = Counting(side, lat, lon, cfg, ground)
        off = Counting(side, lat, lon, cfg, ground)
        off.lone_shortcut = False
        got, want = on.run(meas, scans=scans), off.run(meas, scans=scans)
        assert repr(got) == repr(want), side
    # the shortcut was taken: each time one association (the tentative tracks') fewer
    assert calls[False] - calls[True] > 400, calls
