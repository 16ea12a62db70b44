"""`foxbat montecarlo summary RESULTS.parquet` and docs/montecarlo.md's reading examples, on a
synthetic results table whose outcome follows from its drawn values."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from foxbat.cli import main
from foxbat.montecarlo import params as P
from foxbat.montecarlo import runner as R
from foxbat.montecarlo.summary import wilson
from foxbat.scenario.run import load_run_scenario

ROOT = Path(__file__).resolve().parents[1]
UNCERTAIN = [
    {"param": "low_level_height_m", "dist": "uniform", "low": 30, "high": 250, "source": "test"},
    {"param": "intruder.rcs_m2.value", "dist": "lognormal", "median": 10, "sigma": 0.7, "low": 1, "high": 100,
     "notional": True, "reason": "test"},
]
N = 80


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """80 runs: escaped exactly when the low-level height is below 120 m; run 5 an error;
    Japan's first detection at 600 s + the height in seconds."""
    raw = copy.deepcopy(load_run_scenario("belenko-1976").raw)
    st = R.Study(raw, "belenko-1976", P.parse_uncertain(UNCERTAIN, raw, "x"), 7, ["USSR", "Japan"])
    rows = []
    for i in range(N):
        v = st.values(i)
        low = v["low_level_height_m"] < 120
        row = {"run": i, "seed": R.run_seed(7, i), **v, **R._empty_outcome(st.sides)}
        row.update({c: "calibrated" for c in st.history_columns})
        row.update({"detected.Japan": True, "first_detection_t_s.Japan": 600.0 + v["low_level_height_m"],
                    "flight_outcome": "landed", "outcome": "escaped" if low else "intercepted", "escaped": low})
        if i == 5:
            row.update(outcome="error", escaped=False, error="test")
        rows.append(row)
    out = tmp_path_factory.mktemp("mcs") / "results.parquet"
    R.write_rows(out, st, rows)
    k = sum(1 for i, r in enumerate(rows) if r["escaped"] and i != 5)
    return out, k


def test_summary_of_an_existing_table_prints_and_plots(table, capsys):
    out, k = table
    assert main(["montecarlo", "summary", str(out)]) == 0
    text = capsys.readouterr().out
    p, lo, hi = wilson(k, N - 1)
    assert f"{out}: {N} runs of belenko-1976 (seed 7), 1 with an error" in text
    assert f"P(escape) = {p:.3f}, 95% CI [{lo:.3f}, {hi:.3f}] (Wilson), {k} of {N - 1} runs" in text
    assert f"Japan: detected the intruder in {N - 1} of {N - 1} runs" in text
    s = json.loads((out.parent / "results.summary.json").read_text())
    assert s["escape"]["escaped"] == k and s["outcomes"]["error"] == 1
    prcc = {q["column"]: q["prcc"] for q in s["sensitivity"]}
    assert prcc["low_level_height_m"] < -0.7 and abs(prcc["intruder.rcs_m2.value"]) < 0.3
    for name in ("results.sensitivity.png", "results.first_detection.png", "results.history.png"):
        assert (out.parent / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("make,text", [
    (lambda d: d / "none.parquet", "none.parquet: no such file"),
    (lambda d: (d / "t.parquet").write_text("run,escaped\n1,true\n") and d / "t.parquet", "not a Parquet file"),
    (lambda d: pq.write_table(pa.table({"run": [0]}), d / "p.parquet") or d / "p.parquet",
     "without the 'foxbat.montecarlo' metadata: not a foxbat montecarlo results table"),
])
def test_summary_of_a_wrong_file_is_one_line(tmp_path, capsys, make, text):
    path = make(tmp_path)
    assert main(["montecarlo", "summary", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and text in err and str(path) in err, err


def test_summary_takes_no_run_options(table, capsys):
    out, _ = table
    assert main(["montecarlo", "summary", str(out), "--runs", "5"]) == 2
    assert "--runs: summary reads an existing table" in capsys.readouterr().err
    assert main(["montecarlo", "belenko-1976", "--runs", "5"]) == 2
    assert "--out: give the results table to write" in capsys.readouterr().err


def test_the_docs_reading_examples_run(table, monkeypatch, capsys):
    """docs/montecarlo.md's pyarrow and pandas blocks, run as written next to a table."""
    out, k = table
    monkeypatch.chdir(out.parent)
    text = (ROOT / "docs" / "montecarlo.md").read_text()
    section = text.split("## Reading the results yourself", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    for b in blocks:
        exec(compile(b, "docs/montecarlo.md", "exec"), {})
    printed = capsys.readouterr().out
    assert f"{k} of {N - 1} runs escaped" in printed  # pyarrow
    assert "belenko-1976 7 ['low_level_height_m', 'intruder.rcs_m2.value']" in printed
    assert re.search(r"escaped\s+%d" % k, printed)  # pandas value_counts
    assert "(0, 60]" in printed and "(120, 250]" in printed
    assert os.path.exists("results.parquet")
