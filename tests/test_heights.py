"""Heights come from radars that measure elevation: a ground radar whose catalogue entry gives
its elevation noise (height finder, 3-D) supplies the track's altitude; a 2-D one does not."""

import numpy as np

from foxbat.provenance import Figure
from foxbat.sensing.ground import measures_elevation, ground_looks, to_measurements
from foxbat.tracking import SideTracker, TrackerConfig
from test_detection_path import _east, _flat_sea_radar


def _track(radar, alt_m):
    t = np.arange(0.0, 1801.0, 1.0)
    lat, lon = _east(0.0, 0.2, 60e3 + 200.0 * t)          # outbound at 200 m/s, 60-420 km
    alt = np.full(t.size, alt_m)
    lk = ground_looks(radar, "T", t, lat, lon, alt, alt, 5.0, 1, np.random.default_rng(2), radar.lowest_agl,
                      "sea_state_3", "wooded_hills", 4 / 3)
    meas = to_measurements(lk, radar)
    res = SideTracker("Blue", 0.0, 0.2, TrackerConfig(), ground_msl_m=lambda la, lo: np.zeros(np.shape(la))).run(
        meas, scans=[(float(x), radar.name) for x in lk.t_s])
    return meas, res


def test_2d_radar_gives_no_height_and_a_3d_one_does():
    dem, radar2d = _flat_sea_radar()
    assert not measures_elevation(radar2d.rtype)
    meas, res = _track(radar2d, 6000.0)
    assert len(meas) > 50 and all(m.elevation_deg is None for m in meas)
    assert res.tracks and all(s.alt_msl_m is None for tr in res.tracks for s in tr.states)

    # the same radar, its catalogue entry now giving an elevation noise: a 3-D radar
    rt3d = radar2d.rtype.model_copy(update={"sigma_elevation_deg": Figure(value=0.2, notional=True, reason="test")})
    assert measures_elevation(rt3d)
    radar3d = type(radar2d)(**{**radar2d.__dict__, "rtype": rt3d})
    meas, res = _track(radar3d, 6000.0)
    assert len(meas) > 50 and all(m.elevation_deg is not None and m.sigma_elevation_deg == 0.2 for m in meas)
    alts = np.array([s.alt_msl_m for tr in res.tracks for s in tr.states if s.confirmed], float)
    assert alts.size > 20 and np.all(np.isfinite(alts))
    # 0.2 deg of elevation noise at 60-400 km is 200-1,400 m of height: the filtered median is near 6 km
    assert abs(np.median(alts) - 6000.0) < 500.0
