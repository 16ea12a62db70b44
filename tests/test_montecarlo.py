"""foxbat montecarlo: uncertain parameters, seeds, Dask runs (streamed, resumed, surviving a
killed worker), shared coverage, the summary, and the one-line errors.

The Dask tests share one LocalCluster of two worker processes and a light version of the
flagship (two radars) so the file runs in about a minute on two cores.
"""

from __future__ import annotations

import copy
import json
import math
import os
import signal

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from foxbat.cli import main
from foxbat.errors import ScenarioError
from foxbat.montecarlo import params as P
from foxbat.montecarlo import runner as R
from foxbat.montecarlo.summary import prcc, summarise, wilson, write_summary
from foxbat.scenario.run import load_run_scenario, parse_run_scenario


@pytest.fixture(scope="module")
def flagship_raw():
    return copy.deepcopy(load_run_scenario("belenko-1976").raw)


LIGHT_UNCERTAIN = [
    {"param": "low_level_height_m", "dist": "uniform", "low": 30, "high": 250, "source": "test"},
    {"param": "intruder.rcs_m2.value", "dist": "lognormal", "median": 10, "sigma": 0.7, "low": 1, "high": 100,
     "notional": True, "reason": "test"},
    {"param": "radars[Okushiri].antenna_msl_m", "dist": "choice", "values": [600, 620], "source": "test"},
    {"param": "epoch_utc", "dist": "uniform", "low": -300, "high": 60, "source": "test"},
]


def _light(raw, tmp_path, name, interceptors=False, uncertain=LIGHT_UNCERTAIN):
    raw = copy.deepcopy(raw)
    raw["radars"] = [r for r in raw["radars"] if r["name"] in ("Okushiri", "Vladivostok")]
    if not interceptors:
        raw["interceptors"] = []
    raw["uncertain"] = copy.deepcopy(uncertain)
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def light_files(flagship_raw, tmp_path_factory):
    d = tmp_path_factory.mktemp("mc")
    return {"plain": _light(flagship_raw, d, "light"),
            "fighters": _light(flagship_raw, d, "fighters", interceptors=True,
                               uncertain=LIGHT_UNCERTAIN[:2] + [
                                   {"param": "interceptors[0].scramble.delay_s", "dist": "uniform", "low": 300,
                                    "high": 900, "source": "test"}])}


@pytest.fixture(scope="module")
def client():
    c = R.local_client(2)
    c.wait_for_workers(2, timeout=60)
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


def _nan_free(row):
    return {k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))}


def _worker_prepare_calls(client):
    return client.run(R.prepare_calls)


# ---------------------------------------------------------------- parameters
def test_flagship_uncertain_section():
    st = R.load_study("belenko-1976")
    paths = [p.path for p in st.uncertain.params]
    # issue 13: weather (clear, or a layer of uncertain base and top), k, sea state, the
    # low-level leg's speed, the reaction delay, RCS, low-level height, the clock (the scramble
    # is reactive: its delay is drawn from each run's own seed, not a parameter here)
    assert paths == ["weather.clear", "weather.cloud_base_m", "weather.cloud_top_m", "k", "sea_surface",
                     "route.legs[3].follow_terrain.speed.tas_kmh", "interceptors[0].takeoff_s",
                     "low_level_height_m", "intruder.rcs_m2.value", "radars[Okushiri].antenna_msl_m",
                     "epoch_utc"]
    assert [p.path for p in st.uncertain.coverage_params()] == ["k", "radars[Okushiri].antenna_msl_m"]
    for p in st.uncertain.params:
        assert p.spec.source or (p.spec.notional and p.spec.reason)
    draws = [st.values(i) for i in range(400)]
    lows = [v["low_level_height_m"] for v in draws]
    assert 30 <= min(lows) and max(lows) <= 250
    # clear air in 1 run in 10: 40 of 400 expected, binomial sd 6
    assert 22 <= sum(v["weather.clear"] for v in draws) <= 58
    assert all(v["weather.cloud_base_m"] < v["weather.cloud_top_m"] for v in draws)
    # four antenna values x three k -> at most twelve coverage computations, whatever the number of runs
    assert len({st.coverage_key(v) for v in draws}) == 12
    # the history figures each run reports
    assert "history.airspace_entry.time" in st.history_columns and "history.no_visual.none" in st.history_columns


def test_clear_weather_draw_removes_the_cloud():
    st = R.load_study("belenko-1976")
    values = dict(st.values(0), **{"weather.clear": 1.0})
    sc, _ = st.scenario(values)
    assert sc.defenders.weather.clear and sc.defenders.weather.clear_between(100.0, 9000.0)
    sc, _ = st.scenario(dict(values, **{"weather.clear": 0.0}))
    w = sc.defenders.weather
    assert not w.clear and not w.clear_between(100.0, 9000.0) and w.clear_between(100.0, w.cloud_base_m)


def test_history_agreement_summary_on_a_synthetic_table(flagship_raw, tmp_path):
    """P(agrees) per predicted figure with its Wilson interval and its drivers, from a table
    whose verdicts are made up: airspace entry agrees exactly when the low-level height is
    above 140 m; the take-off is an input; the 13:26 loss is never simulated."""
    import math as _m

    unc = P.parse_uncertain(LIGHT_UNCERTAIN, flagship_raw, "x")
    st = R.Study(flagship_raw, "x", unc, 0, ["USSR", "Japan"])
    rows = []
    for i in range(60):
        v = st.values(i)
        row = {"run": i, "seed": R.run_seed(0, i), **v, **R._empty_outcome(st.sides), "outcome": "escaped",
               "flight_outcome": "landed", "escaped": True}
        row.update({c: "calibrated" for c in st.history_columns})
        row["history.takeoff.time"] = "input"
        row["history.jasdf_loss.time"] = "not simulated"
        row["history.airspace_entry.time"] = "agrees" if v["low_level_height_m"] > 140 else "disagrees"
        rows.append(row)
    out = tmp_path / "h.parquet"
    R.write_rows(out, st, rows)
    hist = {h["column"]: h for h in summarise(out)["history"]}
    k = sum(1 for v in (st.values(i) for i in range(60)) if v["low_level_height_m"] > 140)
    entry = hist["history.airspace_entry.time"]
    p, lo, hi = wilson(k, 60)
    assert (entry["n_predicted"], entry["agrees"]) == (60, k)
    assert entry["p"] == pytest.approx(p) and entry["ci95"] == pytest.approx([lo, hi])
    assert entry["drivers"][0]["column"] == "low_level_height_m" and entry["drivers"][0]["prcc"] > 0.6
    assert all(abs(d["prcc"]) < 0.4 for d in entry["drivers"][1:])
    assert (hist["history.takeoff.time"]["n_predicted"], hist["history.takeoff.time"]["not_judged_as"]) == (0, ["input"])
    loss = hist["history.jasdf_loss.time"]
    assert (loss["n_predicted"], loss["agrees"], loss["not_simulated"], loss["p"]) == (60, 0, 60, 0.0)
    assert _m.isclose(loss["ci95"][1], wilson(0, 60)[2])


def test_draws_are_seeded_by_index_and_param():
    st = R.load_study("belenko-1976")
    again = R.load_study("belenko-1976")
    assert st.values(7) == again.values(7) == st.values(7)
    assert st.values(7) != st.values(8)
    assert R.run_seed(0, 7) == R.run_seed(0, 7) != R.run_seed(0, 8)
    assert R.run_seed(0, 7) != R.run_seed(1, 7)
    assert 0 <= R.run_seed(123, 10**6) < 2**63
    # a parameter's draws do not depend on the other parameters
    raw = st.raw
    entry = next(u for u in raw["uncertain"] if u["param"] == "radars[Okushiri].antenna_msl_m")
    one = P.parse_uncertain([entry], raw, "x")
    assert one.sample(0, 7)["radars[Okushiri].antenna_msl_m"] == st.values(7)["radars[Okushiri].antenna_msl_m"]


def test_coverage_keys_of_the_flagship():
    """Twelve coverage sets (3 k x 4 Okushiri antennas, the scenario's own count); the memoised
    key and the one from the coverage parameters' draws alone are those of the full draw."""
    st = R.load_study("belenko-1976", seed=0)
    keys = [st.coverage_key(st.values(i)) for i in range(300)]
    assert len(set(keys)) == 12
    fresh = R.load_study("belenko-1976", seed=0)
    cov = [p.column for p in st.uncertain.coverage_params()]
    assert sorted(cov) == ["k", "radars[Okushiri].antenna_msl_m"]
    for i in range(0, 300, 7):
        assert fresh.coverage_values(i) == {c: st.values(i)[c] for c in cov}
        assert fresh.coverage_key(fresh.coverage_values(i)) == keys[i]
        full, _ = P.apply_params(st.raw, st.uncertain, st.values(i))
        assert R._sha(R.coverage_subset(full, st.where)) == keys[i]  # unmemoised, every parameter applied


def test_apply_params(flagship_raw):
    unc = P.parse_uncertain([
        {"param": "epoch_utc", "dist": "uniform", "low": -300, "high": 60, "source": "t"},
        {"param": "interceptors[F-4EJ].scramble.delay_s", "dist": "uniform", "low": 60, "high": 120, "source": "t"},
        {"param": "radars[Okushiri].antenna_msl_m", "dist": "choice", "values": [610], "source": "t"},
        {"param": "sides[Japan].tracker.max_coast_s", "dist": "normal", "mean": 60, "sd": 5, "low": 30,
         "source": "t"},
        {"param": "low_level_height_m", "dist": "triangular", "low": 30, "mode": 50, "high": 250, "source": "t"},
    ], flagship_raw, "x")
    assert [p.affects_coverage for p in unc.params] == [False, False, True, False, False]
    assert unc.columns[0] == "epoch_utc_shift_s"
    vals = {"epoch_utc_shift_s": -120.0, "interceptors[F-4EJ].scramble.delay_s": 90.0,
            "radars[Okushiri].antenna_msl_m": 610.0, "sides[Japan].tracker.max_coast_s": 45.0,
            "low_level_height_m": 40.0}
    raw, low = P.apply_params(flagship_raw, unc, vals)
    assert low == 40.0 and flagship_raw["radars"][0]["antenna_msl_m"] == 600  # the original is untouched
    sc = parse_run_scenario(raw, "x")
    base = load_run_scenario("belenko-1976")
    assert (base.defenders.epoch_utc - sc.defenders.epoch_utc).total_seconds() == 120.0
    f = sc.defenders.interceptors[0].scramble
    assert f.delay_s == 90.0 and f.at_utc is None and f.delay is None  # the drawn delay became a fixed one
    assert next(r for r in sc.radars if r.name == "Okushiri").antenna_msl_m == 610
    assert next(s for s in sc.defenders.sides if s.name == "Japan").tracker.max_coast_s == 45.0


BAD = [
    ({"param": "nonsense.value", "dist": "uniform", "low": 0, "high": 1, "source": "t"}, "unknown parameter path"),
    ({"param": "radars[Nowhere].antenna_msl_m", "dist": "uniform", "low": 0, "high": 1, "source": "t"},
     "no item named 'Nowhere'"),
    ({"param": "interceptors[5].takeoff_s", "dist": "uniform", "low": 0, "high": 1, "source": "t"}, "no [5]"),
    ({"param": "low_level_height_m", "dist": "uniform", "low": 250, "high": 30, "source": "t"}, "must be < high"),
    ({"param": "low_level_height_m", "dist": "normal", "mean": 100, "sd": 0, "source": "t"}, "greater than 0"),
    ({"param": "low_level_height_m", "dist": "gamma", "k": 1, "source": "t"}, "unknown or missing distribution"),
    ({"param": "low_level_height_m", "dist": "uniform", "low": 30, "high": 250}, "give 'source'"),
    ({"param": "low_level_height_m", "dist": "uniform", "low": 30, "hi": 250, "source": "t"}, "unknown field"),
    ({"param": "low_level_height_m", "dist": "triangular", "low": 30, "mode": 300, "high": 250, "source": "t"},
     "mode"),
    ({"param": "low_level_height_m", "dist": "choice", "values": [], "source": "t"}, "values"),
    ({"param": "intruder.swerling", "dist": "choice", "values": [2], "source": "t"}, "must be 0, 1 or 3"),
    ({"param": "radars[Tobetsu].antenna_agl_m", "dist": "uniform", "low": -10, "high": 5, "source": "t"},
     "not allowed"),
    ({"param": "intruder.rcs_m2.bogus", "dist": "uniform", "low": 1, "high": 5, "source": "t"}, "not allowed"),
]


@pytest.mark.parametrize("entry,text", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_uncertain_entries(flagship_raw, entry, text):
    with pytest.raises(ScenarioError) as ei:
        P.parse_uncertain([entry], flagship_raw, "scn.yaml")
    msg = str(ei.value)
    assert msg.startswith("scn.yaml: uncertain[0]") and text in msg and "\n" not in msg


def test_bad_uncertain_in_a_file_is_one_line_exit_2(flagship_raw, tmp_path, capsys):
    raw = copy.deepcopy(flagship_raw)
    raw["uncertain"] = [{"param": "radars[Okushiri].mast_m", "dist": "uniform", "low": 1, "high": 2,
                         "source": "t"}]
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["montecarlo", str(f), "--runs", "2", "--out", str(tmp_path / "r.parquet")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.yaml" in err and "uncertain[0] (radars[Okushiri].mast_m)" in err
    assert not (tmp_path / "r.parquet").exists()


@pytest.mark.parametrize("argv,text", [
    (["--runs", "0"], "--runs: must be a number of runs >= 1"),
    (["--runs", "-3"], "--runs"),
    (["--runs", "2", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with"),
    (["--runs", "2", "--workers", "0"], "--workers: must be >= 1"),
    (["--runs", "2", "--scheduler", "tcp://127.0.0.1:1", "--timeout", "1"], "cannot reach a Dask scheduler"),
])
def test_cli_errors_one_line_exit_2(tmp_path, capsys, argv, text):
    rc = main(["montecarlo", "belenko-1976", "--out", str(tmp_path / "r.parquet"), *argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and text in err and err.count("\n") == 0, err


def test_wilson_and_prcc():
    p, lo, hi = wilson(5, 10)
    assert p == 0.5 and lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    p, lo, hi = wilson(0, 20)
    assert p == 0 and lo == 0 and hi == pytest.approx(0.1611, abs=1e-4)
    assert all(math.isnan(v) for v in wilson(0, 0))
    # exact ends: 0 of 12 and 12 of 12 (rounding used to leave 2.8e-17 below p = 0, which broke the plot)
    assert wilson(0, 12)[1] == 0.0 and wilson(12, 12)[2] == 1.0
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(400, 3))
    y = (X[:, 0] + 0.1 * rng.normal(size=400) > 0.5).astype(float)
    r = prcc(X, y)
    assert r[0] > 0.6 and abs(r[1]) < 0.15 and abs(r[2]) < 0.15


# ---------------------------------------------------------------- on Dask
def test_stream_resume_and_shared_coverage(client, light_files, tmp_path):
    st = R.load_study(str(light_files["plain"]), seed=11)
    out = tmp_path / "r.parquet"
    before, on_workers = R.PREPARE_CALLS, sum(_worker_prepare_calls(client).values())
    res = R.run_study(st, client, 6, out, batch=2, progress=False, runs_per_task=4)  # tasks of runs 0-3 and 4-5
    assert res.new_rows == 6 and not res.failed
    keys = {st.coverage_key(st.values(i)) for i in range(6)}
    assert R.PREPARE_CALLS == before  # computed on the workers, not here
    assert sum(_worker_prepare_calls(client).values()) - on_workers == len(keys) == res.coverage_sets <= 2
    assert set(client.run(R.run_prepare_calls).values()) == {0}  # shipped to every worker: no run computed one
    first = pq.read_table(out).to_pylist()
    assert [r["run"] for r in first] == list(range(6))
    for r in first:
        assert r["seed"] == R.run_seed(11, r["run"])
        for k, v in st.values(r["run"]).items():
            assert r[k] == v
        assert r["outcome"] in ("escaped", "crashed") and r["error"] == ""
        assert r["detected.Japan"] and r["first_detection_t_s.Japan"] > 0

    # the same command again with more runs: only the missing indices run
    res2 = R.run_study(R.load_study(str(light_files["plain"]), seed=11), client, 8, out, progress=False)
    assert (res2.new_rows, res2.skipped, res2.total_rows) == (2, 6, 8)
    rows = pq.read_table(out).to_pylist()
    assert [r["run"] for r in rows] == list(range(8))
    assert [_nan_free(r) for r in rows[:6]] == [_nan_free(r) for r in first]  # resumed rows untouched
    # and with nothing left to do
    assert R.run_study(st, client, 8, out, progress=False).new_rows == 0
    # another seed refuses to mix into this file
    with pytest.raises(Exception, match="another scenario or seed"):
        R.run_study(R.load_study(str(light_files["plain"]), seed=12), client, 8, out, progress=False)


def test_killed_worker_loses_no_run(client, light_files, tmp_path):
    st = R.load_study(str(light_files["fighters"]), seed=5)
    out = tmp_path / "k.parquet"
    killed = []

    def kill_one_busy_worker(row, n_done):
        if killed:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        assert busy, "no run in flight to kill"
        pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    res = R.run_study(st, client, 8, out, batch=3, progress=False, on_result=kill_one_busy_worker)
    assert killed and not res.failed and res.new_rows == 8
    runs = pq.read_table(out).column("run").to_pylist()
    assert sorted(runs) == list(range(8)) and len(set(runs)) == 8
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it, and the plugin re-installed the coverage
    assert set(client.run(R.run_prepare_calls).values()) == {0}
    # a row computed on a worker (maybe retried) equals the same run in this process
    row = next(r for r in pq.read_table(out).to_pylist() if r["run"] == 3)
    here = R.run_row(st, 3)
    assert _nan_free(here) == _nan_free(row)


def test_cli_scheduler_and_summary(client, light_files, tmp_path, capsys):
    out = tmp_path / "c.parquet"
    argv = ["montecarlo", str(light_files["plain"]), "--runs", "4", "--scheduler", client.scheduler.address,
            "--out", str(out), "--seed", "3", "--quiet"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "4 new runs" in text and "P(escape)" in text
    for name in ("c.summary.json", "c.sensitivity.png", "c.first_detection.png", "c.history.png"):
        assert (tmp_path / name).stat().st_size > 0
    s = json.loads((tmp_path / "c.summary.json").read_text())
    e = s["escape"]
    assert e["n"] == 4 and 0 <= e["ci95"][0] <= e["p"] <= e["ci95"][1] <= 1
    assert {q["column"] for q in s["sensitivity"]} == {"low_level_height_m", "intruder.rcs_m2.value",
                                                       "radars[Okushiri].antenna_msl_m", "epoch_utc_shift_s"}
    assert s["sides"]["Japan"]["detected"] == 4
    assert main(argv) == 0 and "0 new runs (4 already done)" in capsys.readouterr().out
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left


def test_cli_local_cluster_two_workers(light_files, tmp_path, capsys):
    out = tmp_path / "w.parquet"
    assert main(["montecarlo", str(light_files["plain"]), "--runs", "3", "--workers", "2", "--out", str(out),
                 "--quiet", "--no-summary"]) == 0
    assert pq.read_table(out).column("run").to_pylist() == [0, 1, 2]
    assert not (tmp_path / "w.summary.json").exists()
    s = summarise(out)
    assert s["runs"] == 3
    data, paths = write_summary(out)
    assert paths["json"].exists()


# ---------------------------------------------------------------- issue 16: safe outputs, checked resumes, no hangs
def _fake_rows(st, n):
    """Rows as run_study writes them (outcomes left empty): cheap tables for the resume checks."""
    return [{"run": i, "seed": R.run_seed(st.seed, i), **st.values(i), **R._empty_outcome(st.sides)}
            for i in range(n)]


def test_resume_refuses_altered_tables(light_files, tmp_path, capsys):
    st = R.load_study(str(light_files["plain"]), seed=11)
    out = tmp_path / "r.parquet"
    good = _fake_rows(st, 4)
    R.write_rows(out, st, good)
    assert [r["run"] for r in R.read_existing(out, st, 4)] == [0, 1, 2, 3]
    col = LIGHT_UNCERTAIN[1]["param"]
    cases = {
        "holds run 1 twice": good + [dict(good[1])],
        "holds run index 7, outside 0..3": good[:3] + [{**good[3], "run": 7, "seed": R.run_seed(11, 7),
                                                         **st.values(7)}],
        "holds run index -1": good[:3] + [{**good[3], "run": -1}],
        f"run 2 has seed {good[2]['seed'] + 1}, not": good[:2] + [{**good[2], "seed": good[2]["seed"] + 1}] + good[3:],
        f"run 0 has {col} = 99.0": [{**good[0], col: 99.0}] + good[1:],
    }
    for text, rows in cases.items():
        R.write_rows(out, st, rows)
        with pytest.raises(Exception, match=text.replace("(", r"\(").replace(".", r"\.")):
            R.read_existing(out, st, 4)
        # the command refuses it in one line before any run (no cluster is started)
        rc = main(["montecarlo", str(light_files["plain"]), "--runs", "4", "--seed", "11", "--out", str(out)])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and text in err and err.count("\n") == 0 and str(out) in err, err
    # a table of more runs than --runs asks for is not summarised as this study
    R.write_rows(out, st, _fake_rows(st, 6))
    with pytest.raises(Exception, match="outside 0..3"):
        R.read_existing(out, st, 4)


def test_row_table_flushes_write_the_one_shot_table(light_files, tmp_path):
    """The study's table, converted batch by batch as results come (in any order), is written
    byte for byte as all its rows turned into one sorted table at once."""
    import random

    import pyarrow as pa

    st = R.load_study(str(light_files["plain"]), seed=11)
    rng = random.Random(3)
    rows = _fake_rows(st, 300)
    for r in rows:
        r.update(fuel_end_kg=rng.random() * 9e3, outcome=rng.choice(["escaped", "crashed", "error"]),
                 landing_t_s=rng.choice([math.nan, rng.random() * 3e3]), error=rng.choice(["", "bad value"]))
        r.update({c: rng.choice(["agrees", "disagrees", ""]) for c in st.history_columns})
    rng.shuffle(rows)
    sch = R.schema(st)
    ordered = sorted(rows, key=lambda r: r["run"])
    pq.write_table(pa.table({f.name: [r.get(f.name) for r in ordered] for f in sch}, schema=sch),
                   tmp_path / "oracle.parquet")
    table = R.RowTable(st, rows[:40])
    for k in range(40, 300, 37):
        for r in rows[k:k + 37]:
            table.append(r)
        table.write(tmp_path / "r.parquet")
    assert len(table) == 300
    assert (tmp_path / "r.parquet").read_bytes() == (tmp_path / "oracle.parquet").read_bytes()
    R.write_rows(tmp_path / "w.parquet", st, rows)
    assert (tmp_path / "w.parquet").read_bytes() == (tmp_path / "oracle.parquet").read_bytes()


@pytest.mark.parametrize("where,text", [
    ("/proc/nowhere/r.parquet", "cannot write in"),
    ("", "an empty path"),
    ("SCENARIO", "is the input scenario"),
    ("FILE/r.parquet", "which is a file"),
])
def test_unusable_out_refused_before_any_run(light_files, tmp_path, capsys, where, text):
    (tmp_path / "file").write_text("x")
    out = where.replace("SCENARIO", str(light_files["plain"])).replace("FILE", str(tmp_path / "file"))
    before = light_files["plain"].read_bytes()
    rc = main(["montecarlo", str(light_files["plain"]), "--runs", "2", "--out", out])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and text in err and err.count("\n") == 0, err
    assert light_files["plain"].read_bytes() == before


class _NeverReady:
    def is_empty(self):
        return False

    def has_ready(self):
        return False


class _Cluster:
    def __init__(self, n):
        self.n = n

    def scheduler_info(self, n_workers=-1):
        return {"workers": {f"w{i}": {} for i in range(self.n)}}


def test_no_worker_left_fails_in_one_line_instead_of_waiting(tmp_path):
    from foxbat.errors import ClusterError

    import time

    t0 = time.monotonic()
    with pytest.raises(ClusterError, match="no worker for 0.3 s") as ei:
        list(R._completed(_NeverReady(), _Cluster(0), 0.3, tmp_path / "r.parquet"))
    assert 0.3 <= time.monotonic() - t0 < 2.0 and "\n" not in str(ei.value)


class _NeverReadyWaiting(_NeverReady):
    """As distributed's as_completed: a condition notified when a result comes (never here)."""

    def __init__(self):
        import threading

        self.thread_condition = threading.Condition()


@pytest.mark.parametrize("ac", [_NeverReady, _NeverReadyWaiting])
def test_sigint_ends_the_wait_for_results(tmp_path, ac):
    """With workers present but no result coming, Ctrl-C still ends the wait at once (also while
    the loop sleeps on as_completed's condition)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        import time

        t0 = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            list(R._completed(ac(), _Cluster(2), 30.0, tmp_path / "r.parquet"))
        assert time.monotonic() - t0 < 2.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------- issue 14: a cluster started with the dask CLIs
def test_cli_cluster_survives_a_killed_worker(light_files, tmp_path):
    """`dask scheduler` + two `dask worker ADDR --nworkers 1 --nthreads 1` processes, the study
    through --scheduler ADDR; one worker (with its nanny) is SIGKILLed while it runs: every
    index is in the table exactly once and each row is what an undisturbed run in this process
    gives. The coverage is computed once per distinct set, on the workers, never by a run."""
    from distributed import Client

    from foxbat.montecarlo.cluster import CliCluster

    st = R.load_study(str(light_files["plain"]), seed=7)
    n = 12
    out = tmp_path / "k.parquet"
    killed = []
    with CliCluster(2, tmp_path / "cluster", timeout_s=60) as cl:
        client = R.remote_client(cl.address, 30)
        try:
            cl.wait_for_workers(client, 2)
            pids = client.run(os.getpid)

            def kill_a_busy_worker(row, n_done):
                if killed:
                    return
                busy = [w for w, keys in client.processing().items() if keys and w in pids]
                if busy:  # a worker with a run in flight: the run must move to the other one
                    cl.kill_worker_of_pid(pids[busy[0]])
                    killed.append(busy[0])

            on_driver = R.PREPARE_CALLS
            # three runs a task: the killed worker's task is redone whole on the other; its runs that
            # had finished before the kill are neither lost nor written twice
            res = R.run_study(st, client, n, out, batch=4, progress=False, on_result=kill_a_busy_worker,
                              runs_per_task=3)
            assert R.PREPARE_CALLS == on_driver  # the coverage was computed on the workers
            left = client.run(R.prepare_calls), client.run(R.run_prepare_calls)
        finally:
            client.close()
        # the command on the same cluster (one worker left) resumes the table with two more runs
        argv = ["montecarlo", str(light_files["plain"]), "--runs", str(n + 2), "--scheduler", cl.address,
                "--out", str(out), "--seed", "7", "--quiet", "--no-summary"]
        assert main(argv) == 0
    assert killed and killed[0] not in left[0] and len(left[0]) == 1  # one worker left, the other gone for good
    assert not res.failed and res.new_rows == n
    rows = pq.read_table(out).to_pylist()
    assert [r["run"] for r in rows] == list(range(n + 2))  # every index once
    keys = {st.coverage_key(st.values(i)) for i in range(n)}
    assert res.coverage_sets == len(keys) == 2  # the two Okushiri antennas
    assert set(left[1].values()) == {0}  # no run on the surviving worker computed coverage
    before = R.PREPARE_CALLS
    here = [R.run_row(st, i) for i in range(n + 2)]  # undisturbed, in this process
    assert R.PREPARE_CALLS - before == len(keys | {st.coverage_key(st.values(i)) for i in (n, n + 1)})
    assert [_nan_free(r) for r in rows] == [_nan_free(r) for r in here]


def test_plugin_freezes_the_workers_heap_and_teardown_releases_it():
    """A worker's imports, study and coverage stay out of the runs' cyclic collections
    (gc.freeze at setup); teardown makes them collectable again."""
    import gc

    gc.unfreeze()
    study = R.load_study("belenko-1976")
    cov = {"key": {"held": [1.0, 2.0]}}
    plugin = R.StudyPlugin(study, cov)
    plugin.setup()
    try:
        assert gc.get_freeze_count() > 1000  # at least the pytest process's own heap
        assert R.get_prepared("key", None, study.id) is cov["key"]
    finally:
        plugin.teardown()
    assert gc.get_freeze_count() == 0
    assert study.id not in R._PINNED


def test_a_target_at_the_antenna_is_measured_at_the_first_range_gate():
    """Run 3867 of the flagship study (of a 10,000-run study, with 6153, 7683 and 7928):
    the MiG near a Soviet antenna, the range noise drawn longer than the slant range, a
    negative measured range, and the run ended in an error. A radar reports no range
    shorter than its first gate (c·τ/2)."""
    from foxbat import sim
    from foxbat.montecarlo.runner import get_prepared, load_study, run_row, run_seed
    from foxbat.radar.equation import SPEED_OF_LIGHT_MPS

    study = load_study("belenko-1976")
    v = study.values(3867)
    sc, low = study.scenario(v)
    res = sim.run(sc, seed=run_seed(study.seed, 3867), low_level_m=low,
                  prepared=get_prepared(study.coverage_key(v), sc, study.id))
    gate = {r.name: SPEED_OF_LIGHT_MPS * r.rtype.pulse_width_s.value / 2.0 for r in res.radars}
    clamped = 0
    for lk in res.looks:
        r = lk.range_m[lk.detected]
        assert (r >= gate[lk.radar]).all()
        clamped += int(np.sum(r == gate[lk.radar]))
    assert clamped >= 1  # the detection that had a negative range
    assert run_row(study, 3867)["outcome"] != "error"
