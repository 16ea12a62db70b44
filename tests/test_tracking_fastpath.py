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
