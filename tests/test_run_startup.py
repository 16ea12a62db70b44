"""foxbat run's start-up: the garbage collector paused, then the heap frozen at each fork
point, and left as it was when the command ends (also when it fails)."""

from __future__ import annotations

import gc

import pytest

from foxbat.cli import main
from foxbat.run_cli import _StartupCollector


@pytest.fixture
def collector_state():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    (gc.enable if was else gc.disable)()


def test_the_collector_pauses_freezes_at_a_fork_point_and_is_restored(collector_state):
    objs = len(gc.get_objects())
    c = _StartupCollector()
    assert not gc.isenabled()
    c.resume()
    assert gc.isenabled() and gc.get_freeze_count() >= objs // 2  # the heap so far is frozen
    c.pause()
    assert not gc.isenabled()
    c.close()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled(collector_state):
    gc.disable()
    c = _StartupCollector()
    c.resume()
    assert not gc.isenabled() and gc.get_freeze_count() > 0  # frozen, but not switched on
    c.close()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_a_failing_run_leaves_the_collector_as_it_was(collector_state, tmp_path, capsys):
    assert main(["run", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    assert "--seed" in capsys.readouterr().err
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert main(["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert gc.isenabled() and gc.get_freeze_count() == 0
