"""foxbat.history_compare on synthetic runs: basis (input / calibrated / predicted), the
tolerance edges, the where columns (range, bearing, altitude, duration, fuel), the count."""

from datetime import datetime, timezone

import pytest
from pyproj import Geod

from foxbat.calibration import ALL
from foxbat.history_compare import Context, compare_rows, judge, local_to_t_s, summary_line
from foxbat.scenario.history import HistoryEvent

EPOCH = datetime(1976, 9, 6, 3, 50, tzinfo=timezone.utc)   # 12:50 JST
SRC = {"reason": "test", "source": "[T1]"}
PLACE = (42.0, 140.0)
GEOD = Geod(ellps="WGS84")


def row(**kw) -> HistoryEvent:
    kw.setdefault("what", kw["id"])
    kw.setdefault("source", "[T1]")
    return HistoryEvent.model_validate(kw)


def ctx(**kw) -> Context:
    kw.setdefault("local_tz_hours", 9.0)
    return Context(epoch=EPOCH, intruder_id="068", **kw)


def ev(kind, t_s, **kw) -> dict:
    e = {"kind": kind, "t_s": float(t_s), "side": kw.pop("side", "Japan"), "actor": kw.pop("actor", "x"),
         "lat": PLACE[0], "lon": PLACE[1], "alt_msl_m": 0.0}
    e.update(kw)
    return e


def at(hhmm_ss: str) -> float:
    """Seconds after the 12:50 JST epoch."""
    h, m, s = (int(x) for x in hhmm_ss.split(":"))
    return (h - 12) * 3600 + (m - 50) * 60 + s


def point(bearing_deg: float, range_km: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(PLACE[1], PLACE[0], bearing_deg, range_km * 1000.0)
    return lat, lon


def timed(id="r", kind="detection", hhmm="13:11", tol=1.0, **kw) -> HistoryEvent:
    return row(id=id, kind=kind, time_local=hhmm, tolerance_min={"tolerance": tol, **SRC}, **kw)


def test_local_time_is_seconds_after_the_epoch():
    assert local_to_t_s(ctx(), "13:11") == 21 * 60
    assert local_to_t_s(ctx(), "12:50:30") == 30
    assert local_to_t_s(ctx(local_tz_hours=0.0), "04:11") == 21 * 60


def test_tolerance_edges_agree_and_just_beyond_disagree():
    assert judge(1.0, 1.0, 1.0) == "agrees" and judge(-1.0, 1.0, 1.0) == "agrees"
    assert judge(1.0 + 1e-6, 1.0, 1.0) == "disagrees" and judge(-1.0 - 1e-6, 1.0, 1.0) == "disagrees"
    assert judge(-2.0, 2.0, 7.0) == "agrees" and judge(7.0, 2.0, 7.0) == "agrees"
    assert judge(-2.1, 2.0, 7.0) == "disagrees" and judge(7.1, 2.0, 7.0) == "disagrees"
    h = timed(hhmm="13:11", tol=1.0)
    on_edge = compare_rows([h], [ev("detection", at("13:12:00"))], ctx())[0]
    beyond = compare_rows([h], [ev("detection", at("13:12:01"))], ctx())[0]
    assert (on_edge["agreement"], on_edge["difference_min"]) == ("agrees", "+1.0")
    assert beyond["agreement"] == "disagrees"
    assert (on_edge["basis"], on_edge["tolerance_min"], on_edge["simulated_local"]) == ("predicted", "±1", "13:12:00")


def test_asymmetric_time_tolerance():
    h = row(id="landing", kind="landing", time_local="13:50", tolerance_min={"minus": 2, "plus": 7, **SRC})
    got = {t: compare_rows([h], [ev("landing", at(t))], ctx())[0]["agreement"]
           for t in ("13:47:59", "13:48:00", "13:57:00", "13:57:01")}
    assert got == {"13:47:59": "disagrees", "13:48:00": "agrees", "13:57:00": "agrees", "13:57:01": "disagrees"}
    assert compare_rows([h], [ev("landing", at("13:50:00"))], ctx())[0]["tolerance_min"] == "-2/+7"


def test_input_rows_are_not_judged():
    take = timed(id="takeoff", kind="takeoff", hhmm="12:50", tol=1, actor="068")
    scr = timed(id="scramble", kind="scramble", hhmm="13:20", tol=1, side="Japan")
    events = [ev("takeoff", 100, actor="068", side="USSR"), ev("scramble", at("13:30:00"), actor="F-4EJ")]
    c = ctx(starts_with_takeoff=True, scripted_scramble={"F-4EJ": True}, flight_sides={"F-4EJ": "Japan"})
    rows = {r["id"]: r for r in compare_rows([take, scr], events, c)}
    # 10 min late and 1.7 min late: no verdict, because the scenario sets both
    assert [(r["basis"], r["agreement"]) for r in rows.values()] == [("input", ""), ("input", "")]
    assert rows["scramble"]["difference_min"] == "+10.0"
    # the same rows predicted (an air start, a scramble on a track): judged
    c2 = ctx(starts_with_takeoff=False, scripted_scramble={"F-4EJ": False}, flight_sides={"F-4EJ": "Japan"})
    rows2 = {r["id"]: r for r in compare_rows([take, scr], events, c2)}
    assert [(r["basis"], r["agreement"]) for r in rows2.values()] == [("predicted", "disagrees"),
                                                                      ("predicted", "disagrees")]


def test_expect_none_silent_side_is_input_else_predicted():
    h = row(id="none", kind="detection", side="UN", expect_none=True)
    seen = [ev("detection", 60, side="UN", actor="Kimpo")]
    assert compare_rows([h], [], ctx(silent_sides={"UN"}))[0]["basis"] == "input"
    assert compare_rows([h], [], ctx(silent_sides={"UN"}))[0]["agreement"] == ""
    assert compare_rows([h], [], ctx())[0]["agreement"] == "agrees"
    r = compare_rows([h], seen, ctx())[0]
    assert (r["basis"], r["agreement"], r["simulated"]) == ("predicted", "disagrees", "Kimpo")


def test_calibrated_row_and_calibrated_quantity():
    lat, lon = point(300.0, 209.0)
    h = timed(id="det", hhmm="13:11", tol=1, alt_m={"value": 6000, "minus": 500, "plus": 700, **SRC},
              range_km={"value": 180, "tolerance": 20, "from": {"lat": PLACE[0], "lon": PLACE[1]}, **SRC})
    events = [ev("detection", at("13:08:23"), lat=lat, lon=lon, alt_msl_m=1917.0)]
    whole = compare_rows([h], events, ctx(calibrated={"det": {ALL}}))[0]
    assert (whole["basis"], whole["agreement"], whole["range_basis"], whole["range_agreement"],
            whole["alt_basis"], whole["alt_agreement"]) == ("calibrated", "", "calibrated", "", "calibrated", "")
    assert whole["difference_min"] == "-2.6" and whole["simulated_range_km"] == "209"
    part = compare_rows([h], events, ctx(calibrated={"det": {"time", "range_km"}}))[0]
    assert (part["basis"], part["agreement"], part["range_basis"], part["range_agreement"]) == (
        "calibrated", "", "calibrated", "")
    assert (part["alt_basis"], part["alt_agreement"], part["simulated_alt_m"]) == ("predicted", "disagrees", "1917")
    free = compare_rows([h], events, ctx())[0]
    assert (free["agreement"], free["range_agreement"], free["alt_agreement"]) == ("disagrees",) * 3
    assert summary_line([part]) == "predicted: 0 of 1 within tolerance (0 input and 2 calibrated figures are not judged)"
    assert summary_line([free]) == "predicted: 0 of 3 within tolerance (0 input and 0 calibrated figures are not judged)"


@pytest.mark.parametrize("range_km,expected", [(160.0, "agrees"), (200.0, "agrees"), (200.2, "disagrees"),
                                              (159.8, "disagrees")])
def test_range_edges(range_km, expected):
    lat, lon = point(45.0, range_km)
    h = row(id="r", kind="detection",
            range_km={"value": 180, "tolerance": 20, "from": {"radar": "Okushiri"}, **SRC})
    r = compare_rows([h], [ev("detection", 0, lat=lat, lon=lon)], ctx(places={"Okushiri": PLACE}))[0]
    assert r["range_agreement"] == expected
    assert float(r["simulated_range_km"]) == pytest.approx(range_km, abs=0.5)
    assert r["recorded_range_km"] == "180" and r["range_tolerance_km"] == "±20"


def test_bearing_wraps_through_north():
    lat, lon = point(5.0, 100.0)
    h = row(id="b", kind="detection",
            bearing_deg={"value": 350, "tolerance": 15, "from": {"lat": PLACE[0], "lon": PLACE[1]}, **SRC})
    r = compare_rows([h], [ev("detection", 0, lat=lat, lon=lon)], ctx())[0]
    assert (r["simulated_bearing_deg"], r["bearing_agreement"]) == ("5", "agrees")   # +15 deg, on the edge
    lat2, lon2 = point(6.0, 100.0)
    r2 = compare_rows([h], [ev("detection", 0, lat=lat2, lon=lon2)], ctx())[0]
    assert r2["bearing_agreement"] == "disagrees"


def test_durations_since_the_epoch_since_a_row_and_of_an_event():
    contact = row(id="contact", kind="airborne_contact",
                  duration_s={"value": 30, "tolerance": 15, "event": "contact_lost", **SRC})
    land = row(id="land", kind="landing", actor="068",
               duration_s={"value": 1020, "tolerance": 120, "since": "epoch", **SRC})
    stop = row(id="stop", kind="overrun", actor="068",
               duration_s={"value": 30, "tolerance": 5, "since": "land", **SRC})
    events = [ev("airborne_contact", 500, actor="F-4EJ 1"), ev("contact_lost", 530, actor="F-4EJ 2", duration_s=99.0),
              ev("contact_lost", 560, actor="F-4EJ 1", duration_s=46.0),
              ev("landing", 1140, actor="068"), ev("overrun", 1176, actor="068")]
    rows = {r["id"]: r for r in compare_rows([contact, land, stop], events, ctx())}
    assert (rows["contact"]["simulated_duration_s"], rows["contact"]["duration_agreement"]) == ("46", "disagrees")
    assert (rows["land"]["simulated_duration_s"], rows["land"]["duration_agreement"]) == ("1140", "agrees")
    assert (rows["stop"]["simulated_duration_s"], rows["stop"]["duration_agreement"]) == ("36", "disagrees")


def test_fuel_and_not_simulated_count_as_predictions():
    land = row(id="land", kind="landing", actor="068",
               fuel_kg={"value": 150, "minus": 150, "plus": 250, **SRC})
    gap = timed(id="gap", kind="track_gap", hhmm="13:26", tol=2, side="Japan", if_differs="the descent is notional")
    rows = compare_rows([land, gap], [ev("landing", 3578, actor="068", fuel_kg=453.2)], ctx())
    assert (rows[0]["simulated_fuel_kg"], rows[0]["fuel_agreement"]) == ("453", "disagrees")
    assert (rows[1]["agreement"], rows[1]["simulated_local"], rows[1]["why"]) == (
        "not simulated", "", "the descent is notional")
    assert summary_line(rows).startswith("predicted: 0 of 2 within tolerance")
    rows = compare_rows([land], [ev("landing", 3578, actor="068", fuel_kg=400.0)], ctx())
    assert rows[0]["fuel_agreement"] == "agrees" and summary_line(rows).startswith("predicted: 1 of 1 ")


def test_after_local_skips_earlier_events():
    h = timed(id="re", hhmm="13:35", tol=2, side="Japan", after_local="13:27")
    events = [ev("detection", at("13:11:00")), ev("detection", at("13:36:00"))]
    r = compare_rows([h], events, ctx())[0]
    assert (r["simulated_local"], r["difference_min"], r["agreement"]) == ("13:36:00", "+1.0", "agrees")


def test_schema_refuses_rows_without_tolerance_or_with_two_bands():
    with pytest.raises(ValueError, match="needs tolerance_min"):
        row(id="a", kind="landing", time_local="13:50")
    with pytest.raises(ValueError, match="'tolerance' \\(either way\\), or 'minus' and 'plus'"):
        row(id="a", kind="landing", time_local="13:50", tolerance_min={"tolerance": 1, "minus": 1, "plus": 1, **SRC})
    with pytest.raises(ValueError, match="reason"):
        row(id="a", kind="landing", time_local="13:50", tolerance_min={"tolerance": 1, "source": "[T1]"})
    with pytest.raises(ValueError, match="a-z, 0-9 and _"):
        row(id="Bad Id", kind="landing")
