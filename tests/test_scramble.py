"""Reactive scrambles and GCI: the rule (zone, inbound, dwell), the delay, the nearest alert base,
a scripted scramble reported as an input, and the controller's late, stepped picture."""

import copy
import math
from datetime import datetime, timezone

import numpy as np
import pytest

from foxbat.command.intercept import GCI_UPDATE_S, TRACK_LATENCY_S, TrackPicture
from foxbat.command.scramble import draw_delay_s, find_trigger, nearest_alert_base
from foxbat.history_compare import INPUT, PREDICTED, Context, basis
from foxbat.scenario.run import BaseSpec, DelaySpec, ScrambleSpec
from foxbat.sensing.geometry import destination
from foxbat.tracking import TrackRecord, TrackState

LAT0, LON_BOUNDARY = 42.0, 140.0
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(LAT0))


class MeridianAirspace:
    """Synthetic airspace: everything east of the meridian LON_BOUNDARY (no DEM needed)."""

    buffer_km = 0.0

    def distance_to_boundary_km(self, lat, lon):
        return np.maximum((LON_BOUNDARY - np.asarray(lon, float)) * KM_PER_DEG_LON, 0.0)

    def distance_to_land_km(self, lat, lon):
        return (LON_BOUNDARY - np.asarray(lon, float)) * KM_PER_DEG_LON


def track(legs, *, t0=0.0, dt=10.0, start_km=500.0, tid="Japan-001"):
    """A confirmed track starting ``start_km`` west of the boundary; ``legs`` = [(duration_s, ve, vn)]."""
    lat, lon = LAT0, LON_BOUNDARY - start_km / KM_PER_DEG_LON
    states, t = [], t0
    for dur, ve, vn in legs:
        for _ in range(int(round(dur / dt))):
            states.append(TrackState(t, lat, lon, None, ve, vn, None, 500.0, None, True, "Okushiri"))
            lat, lon = destination(lat, lon, math.degrees(math.atan2(ve, vn)), math.hypot(ve, vn) * dt)
            t += dt
    return TrackRecord(tid, "Japan", "068", t0, t0, t, None, len(states), ("Okushiri",), (("068", len(states)),),
                       tuple(states))


AIR = MeridianAirspace()


def test_trigger_at_zone_entry_plus_dwell():
    """Due east at 250 m/s from 500 km out: inside the 400 km zone after 400 s; held 60 s -> 460 s."""
    tr = track([(2000.0, 250.0, 0.0)])
    trig = find_trigger([tr], AIR, zone_km=400.0, inbound=True, min_closing_mps=50.0, dwell_s=60.0)
    first_in = next(s.t_s for s in tr.states if AIR.distance_to_boundary_km(s.lat_deg, s.lon_deg) <= 400.0)
    assert first_in == pytest.approx(400.0, abs=10.0)
    assert trig.t_s == first_in + 60.0 and trig.track_id == "Japan-001"
    # no dwell: the first state in the zone
    assert find_trigger([tr], AIR, zone_km=400.0, dwell_s=0.0).t_s == first_in
    # a smaller zone: later, by the distance over the speed
    assert find_trigger([tr], AIR, zone_km=200.0, dwell_s=60.0).t_s == pytest.approx(first_in + 800.0 + 60.0,
                                                                                     abs=10.0)


def test_outbound_or_parallel_tracks_do_not_trigger_unless_inbound_is_off():
    west = track([(1000.0, -250.0, 0.0)], start_km=300.0)   # in the zone, flying away
    north = track([(1000.0, 0.0, 250.0)], start_km=300.0)   # in the zone, not closing
    for tr in (west, north):
        assert find_trigger([tr], AIR, zone_km=400.0, inbound=True, min_closing_mps=50.0, dwell_s=60.0) is None
        assert find_trigger([tr], AIR, zone_km=400.0, inbound=False, dwell_s=60.0).t_s == 60.0
    # a slow closer: 30 m/s is inbound at min_closing 0 but not at 50
    slow = track([(1000.0, 30.0, 0.0)], start_km=300.0)
    assert find_trigger([slow], AIR, zone_km=400.0, min_closing_mps=50.0, dwell_s=60.0) is None
    assert find_trigger([slow], AIR, zone_km=400.0, min_closing_mps=0.0, dwell_s=60.0).t_s == 60.0


def test_dwell_restarts_when_the_rule_breaks():
    """Inbound 40 s, outbound 40 s, repeated: never 60 s in a row; a 30 s dwell is met."""
    zigzag = track([(40.0, 250.0, 0.0), (40.0, -250.0, 0.0)] * 10, start_km=300.0)
    assert find_trigger([zigzag], AIR, zone_km=400.0, dwell_s=60.0) is None
    assert find_trigger([zigzag], AIR, zone_km=400.0, dwell_s=30.0).t_s == 30.0


def test_earliest_track_wins_and_tentative_states_do_not_count():
    late = track([(1000.0, 250.0, 0.0)], t0=100.0, tid="Japan-002")
    early = track([(1000.0, 250.0, 0.0)], tid="Japan-001")
    trig = find_trigger([late, early], AIR, zone_km=400.0, dwell_s=60.0)
    assert trig.track_id == "Japan-001"
    tentative = TrackRecord("Japan-003", "Japan", None, 0.0, 0.0, 0.0, None, 1, ("X",), ((None, 1),),
                            (TrackState(0.0, LAT0, LON_BOUNDARY - 0.1, None, 250.0, 0.0, None, 1.0, None, False, "X"),))
    assert find_trigger([tentative], AIR, zone_km=400.0, dwell_s=0.0) is None


def test_delay_draws_follow_their_distribution_and_the_generator():
    rng = np.random.default_rng(1)
    x = np.array([draw_delay_s("triangular", rng, low=120.0, mode=300.0, high=600.0) for _ in range(20000)])
    assert x.min() >= 120.0 and x.max() <= 600.0
    assert x.mean() == pytest.approx((120 + 300 + 600) / 3, rel=0.01)          # analytic mean
    assert np.median(x) == pytest.approx(600 - math.sqrt(0.5 * 480 * 300), rel=0.02)  # analytic median
    a = draw_delay_s("uniform", np.random.default_rng(5), low=0.0, high=10.0)
    assert a == draw_delay_s("uniform", np.random.default_rng(5), low=0.0, high=10.0)
    assert draw_delay_s("fixed", rng, value=42.0) == 42.0
    ln = np.array([draw_delay_s("lognormal", rng, median=300.0, sigma=0.5) for _ in range(20000)])
    assert np.median(ln) == pytest.approx(300.0, rel=0.03)


def test_scramble_decision_rule_plus_delay_and_scripted_is_input():
    from foxbat.sim import scramble_decision

    epoch = datetime(1976, 9, 6, 3, 50, tzinfo=timezone.utc)

    class D:  # the fields scramble_decision reads
        epoch_utc = epoch
        sides = [type("S", (), {"name": "Japan", "zone_km": 400.0})()]

    class Res:
        tracks = [track([(1000.0, 250.0, 0.0)])]

    first_in = next(s.t_s for s in Res.tracks[0].states if AIR.distance_to_boundary_km(s.lat_deg, s.lon_deg) <= 400)

    delay = DelaySpec(dist="triangular", low=120, mode=300, high=600, notional=True, reason="test")
    spec = type("F", (), {"side": "Japan", "scramble": ScrambleSpec(delay=delay, rule={"dwell_s": 60,
                                                                                        "min_closing_mps": 50})})()
    got = scramble_decision(spec, Res, AIR, D, np.random.default_rng(3))
    want_delay = draw_delay_s("triangular", np.random.default_rng(3), low=120, mode=300, high=600)
    assert got["basis"] == "rule" and got["trigger_t_s"] == first_in + 60.0
    assert got["t_s"] == pytest.approx(first_in + 60.0 + want_delay) and got["delay_s"] == pytest.approx(want_delay, abs=1e-3)
    fixed = type("F", (), {"side": "Japan", "scramble": ScrambleSpec(delay_s=90.0, rule={"dwell_s": 60})})()
    assert scramble_decision(fixed, Res, AIR, D, np.random.default_rng(3))["t_s"] == first_in + 60.0 + 90.0
    # scripted: the time is the input, whatever the tracks
    scripted = type("F", (), {"side": "Japan", "scramble": ScrambleSpec(at_utc="1976-09-06T04:20:00Z")})()
    got = scramble_decision(scripted, Res, AIR, D, np.random.default_rng(3))
    assert got == {"t_s": 1800.0, "basis": "input"}


def test_scripted_scramble_is_reported_as_input_and_a_reactive_one_as_predicted():
    """The history comparison's basis for the scramble row follows the scenario: a scripted time
    is an input; the built-in flagship's reactive scramble is a prediction."""
    import foxbat.history as H
    from foxbat.scenario.run import load_run_scenario, parse_run_scenario

    sc = load_run_scenario("belenko-1976")
    row = next(h for h in sc.defenders.history if h.kind == "scramble")

    def ctx_of(scn):
        res = type("R", (), {"scenario": scn, "epoch": scn.defenders.epoch_utc})()
        return H.context(res)

    assert sc.defenders.interceptors[0].scramble.at_utc is None
    assert basis(row, "time", ctx_of(sc), None) == PREDICTED
    raw = copy.deepcopy(sc.raw)
    f = raw["interceptors"][0]
    f["scramble"] = {"at_utc": "1976-09-06T04:20:00Z", "source": "test"}
    f["base"] = "Chitose"
    scripted = parse_run_scenario(raw, "test.yaml")
    assert basis(row, "time", ctx_of(scripted), None) == INPUT


def test_nearest_alert_base():
    mk = lambda name, lat, lon, alert, side="Japan": BaseSpec(name=name, side=side, lat=lat, lon=lon,  # noqa: E731
                                                              alert_aircraft=alert)
    bases = [mk("Far", 40.0, 141.0, 4), mk("Near", 42.8, 141.6, 2), mk("Civil", 42.0, 140.5, 0),
             mk("Other side", 42.0, 140.0, 8, side="USSR")]
    alert = {b.name: b.alert_aircraft for b in bases}
    assert nearest_alert_base(bases, "Japan", 42.0, 139.5, 2, alert) == "Near"
    assert nearest_alert_base(bases, "Japan", 42.0, 139.5, 3, alert) == "Far"   # Near has only 2
    alert["Near"] = 0                                                           # scrambled already
    assert nearest_alert_base(bases, "Japan", 42.0, 139.5, 2, alert) == "Far"
    assert nearest_alert_base(bases, "Japan", 42.0, 139.5, 5, alert) is None


def _picture(latency_s, interval_s):
    """A target due east at 200 m/s for 60 s, then due north; one state a second."""
    t = np.arange(0.0, 121.0)
    lat, lon, ve, vn = [], [], [], []
    la, lo = LAT0, 139.0
    for ti in t:
        e, n = (200.0, 0.0) if ti < 60 else (0.0, 200.0)
        lat.append(la), lon.append(lo), ve.append(e), vn.append(n)
        la, lo = destination(la, lo, math.degrees(math.atan2(e, n)), 200.0)
    arr = lambda x: np.array(x, float)  # noqa: E731
    return TrackPicture(t, arr(lat), arr(lon), np.full(t.size, np.nan), arr(ve), arr(vn), 30.0,
                        latency_s=latency_s, update_s=interval_s), arr(lat), arr(lon)


def test_gci_defaults_are_the_interceptors_and_the_scenario_sets_them():
    """SideSpec.gci defaults to the interceptor module's notional figures, and sim passes the
    scenario's figures into the picture the interceptors fly on."""
    from foxbat.scenario.run import GciSpec
    from foxbat.sim import _picture

    assert (GciSpec().latency_s, GciSpec().update_interval_s) == (TRACK_LATENCY_S, GCI_UPDATE_S)
    side = type("S", (), {"name": "Japan", "tracker": type("T", (), {"max_coast_s": 60.0})(),
                          "gci": GciSpec(latency_s=7.0, update_interval_s=3.0)})()
    pic = _picture(type("R", (), {"tracks": [track([(100.0, 250.0, 0.0)])]})(), "Japan",
                   type("D", (), {"sides": [side]})())
    assert (pic.latency_s, pic.update_s) == (7.0, 3.0) and np.isnan(pic.alt_msl_m).all()


def test_gci_picture_is_late_and_stepped():
    plain, lat, lon = _picture(0.0, 0.0)
    est = plain.estimate(70.0)
    assert est[0] == pytest.approx(lat[70], abs=1e-9) and est[4] == 200.0       # the newest state, north
    gci, _, _ = _picture(15.0, 20.0)
    # at t=70 the last vector was at 60 and used the state of 45 (still flying east)
    est = gci.estimate(70.0)
    assert (est[3], est[4]) == (200.0, 0.0)
    want = destination(lat[45], lon[45], 90.0, 200.0 * 25.0)
    assert est[0] == pytest.approx(want[0], abs=1e-9) and est[1] == pytest.approx(want[1], abs=1e-9)
    assert math.isnan(est[2])                                                    # no height from 2-D radars
    # the turn reaches the pilot with the vector at 80 (state of 65)
    assert gci.estimate(79.0)[4] == 0.0 and gci.estimate(80.0)[4] == 200.0
    # too old: beyond max_age at the vector's information time
    assert gci.estimate(179.0) is not None and gci.estimate(180.0) is None  # info time 165: 45 s old
    assert plain.estimate(150.0) is not None and plain.estimate(151.0) is None

