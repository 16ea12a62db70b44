"""Fuzzing the built-in scenarios field by field (issue 16, item 7).

Hypothesis replaces one field of a built-in scenario (any depth: a radar's antenna, a leg's
altitude, a history time) with a hostile value: NaN, infinities, huge or negative numbers,
wrong types, empty or long texts, nulls, lists. ``foxbat scenario validate`` must then exit
0 with a scenario whose numbers are all finite, or exit 2 with one line that names the file
and the field, never a traceback. A slower part flies the accepted mutants with ``foxbat
fly`` (marked slow). Examples are bounded so the file runs in well under a minute.
"""

from __future__ import annotations

import copy
import math
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foxbat.cli import main
from foxbat.scenario.radars import builtin_scenario_names
from foxbat.scenario.run import load_run_scenario

RAW = {name: copy.deepcopy(load_run_scenario(name).raw) for name in builtin_scenario_names()}


def _leaves(node, path=()):
    """Every (path, value) of a nested mapping/list, leaves and inner nodes alike."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))


PATHS = sorted({(name, p) for name, raw in RAW.items() for p, _ in _leaves(raw) if p}, key=repr)

HOSTILE = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 0, -1, -1e6, 1e9, 1e-9,
                     2**63, -(2**63), True, None, "", "1:11 pm", "x" * 500, [], {}, [None], {"a": 1},
                     "1976-13-45T99:99:99Z", 211002000, "-1", "nan"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=40),
)


def _set(raw, path, value):
    node = raw
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, float):
        yield obj


def _mutant(tmp_path, name, path, value):
    raw = copy.deepcopy(RAW[name])
    _set(raw, path, value)
    f = tmp_path / f"mutant-{name}.yaml"
    f.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return f


def _check_outcome(rc, err, f, path):
    assert "Traceback" not in err, err
    assert rc in (0, 2), (rc, err)
    if rc == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, err
        assert f.name in lines[0], err  # names the file
        # and the field (or the line of it): something after the file
        assert re.search(re.escape(f.name) + r"(:\d+)?: \S", lines[0]), err


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(PATHS), value=HOSTILE)
def test_validate_mutant_is_valid_and_finite_or_one_line(tmp_path, capsys, target, value):
    name, path = target
    f = _mutant(tmp_path, name, path, value)
    rc = main(["scenario", "validate", str(f)])
    err = capsys.readouterr().err
    _check_outcome(rc, err, f, path)
    if rc == 0:  # valid: every number the run will use is finite
        sc = load_run_scenario(str(f))
        for model in (sc.defenders, sc.flight, *sc.radars):
            bad = [v for v in _numbers(model.model_dump()) if not math.isfinite(v)]
            assert not bad, (path, value, bad)


NUMERIC_PATHS = [t for t in PATHS if isinstance(dict(_leaves(RAW[t[0]]))[t[1]], (int, float))
                 and not isinstance(dict(_leaves(RAW[t[0]]))[t[1]], bool) and t[1][0] in ("route", "aircraft")]


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(NUMERIC_PATHS),
       factor=st.sampled_from([0.0, -1.0, 0.5, 2.0, 10.0, 1000.0]))
def test_fly_mutant_flies_sanely_or_refuses_in_one_line(tmp_path, capsys, target, factor):
    """The accepted ones fly: exit 0 with a trajectory whose altitudes stay between the sea
    floor and 30 km and whose fuel never goes negative, or exit 2 with one line."""
    import csv

    name, path = target
    value = dict(_leaves(RAW[name]))[path] * factor
    f = _mutant(tmp_path, name, path, value)
    out = tmp_path / "fly"
    rc = main(["fly", str(f), "--out", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert rc in (0, 2), (rc, err)
    if rc == 2:
        lines = [ln for ln in err.splitlines() if ln.strip() and "warning:" not in ln]
        assert len(lines) == 1 and f.name in lines[0], err
        return
    rows = list(csv.DictReader((out / "trajectory.csv").open()))
    alts = [float(r["alt_msl_m"]) for r in rows]
    fuel = [float(r["fuel_kg"]) for r in rows]
    assert min(alts) >= -500 and max(alts) <= 30_000, (path, value, min(alts), max(alts))
    assert min(fuel) >= 0, (path, value, min(fuel))
