"""Each side on its own clock: the CLI table, the scenario's default, run.json and the replay."""

import copy
from datetime import datetime, timezone



def test_who_saw_whom_table_shows_each_side_on_its_own_clock():
    """The CLI table: the same run times read 14:51:03 on the Soviet side's VLAT (UTC+10) and
    13:51:03 on Japan's JST (UTC+9); the clock is named in each row."""
    from foxbat.run_cli import who_saw_whom_rows

    epoch = datetime(1976, 9, 6, 3, 50, tzinfo=timezone.utc)
    sides = {s: {"first_detection_t_s": 3663.0, "n_tracks": 1, "time_tracked_s": 600.0,
                 "track_spans_s": [(3663.0, 4263.0)]} for s in ("USSR", "Japan")}
    rows = who_saw_whom_rows(sides, epoch, {"USSR": (10.0, "VLAT"), "Japan": (9.0, "JST")})
    assert rows[0] == ("USSR", "VLAT (UTC+10)", "14:51:03", "1", "10.0 min", "14:51:03-15:01:03")
    assert rows[1] == ("Japan", "JST (UTC+9)", "13:51:03", "1", "10.0 min", "13:51:03-14:01:03")


def test_side_clock_defaults_to_the_scenarios():
    from foxbat.scenario.run import load_run_scenario

    d = load_run_scenario("belenko-1976").defenders
    assert d.side_clock("USSR") == (10.0, "VLAT") and d.side_clock("Japan") == (9.0, "JST")
    assert d.side_clock(None) == (9.0, "JST")
    raw = copy.deepcopy(load_run_scenario("belenko-1976").raw)
    raw["sides"][0]["local_tz_hours"] = 3          # no name: named by its offset
    raw["sides"][0].pop("local_tz_name")
    from foxbat.scenario.run import parse_run_scenario

    assert parse_run_scenario(raw, "x").defenders.side_clock("USSR") == (3.0, "UTC+3")


def test_replay_and_run_folder_read_each_sides_clock(tmp_path):
    """run.json carries each side's clock; the replay's event list shows a side's events on
    its own clock (named when it is not the run's) and its clock card every side's clock."""
    from foxbat.report.replay import replay_data
    from foxbat.report.run_folder import read_run
    from run_fixture import make_run_folder

    run = read_run(make_run_folder(tmp_path / "run", with_coverage=False), coverage=False)
    assert run.side_tz("USSR") == (10.0, "VLAT") and run.side_tz("Japan") == (9.0, "JST")
    data = replay_data(run)
    assert data["clocks"] == [{"hours": 9.0, "name": "JST"}, {"hours": 10.0, "name": "VLAT"}]
    for ev, raw in zip(data["events"], run.events):
        local = run.side_local(raw.get("side"), raw["t_s"]).strftime("%H:%M:%S")
        want = local + (" VLAT" if raw.get("side") == "USSR" else "")
        assert ev["local"] == want, (ev, raw)
    assert any(e["local"].endswith(" VLAT") for e in data["events"])
