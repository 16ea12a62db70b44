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
