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


def test_numpy_extras_load_on_first_use_only():
    """The command defers numpy.f2py and numpy.testing (scipy's import asks for both): after
    scipy is imported neither has run, and each works when used."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = """
import json, sys
import foxbat.cli
foxbat.cli._lazy_numpy_extras()
import scipy.linalg, numpy as np
loaded = {m: m in sys.modules for m in ("numpy.f2py.crackfortran", "unittest", "numpy.testing._private.utils")}
np.testing.assert_array_equal(np.arange(3), [0, 1, 2])
import numpy.testing as nt
print(json.dumps({"before": loaded, "after": "numpy.testing._private.utils" in sys.modules,
                  "same": nt is np.testing is sys.modules["numpy.testing"],
                  "f2py": callable(np.f2py.get_include)}))
"""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1] / "src"),
                                                    env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["before"] == {"numpy.f2py.crackfortran": False, "unittest": False,
                             "numpy.testing._private.utils": False}
    assert got["after"] and got["same"] and got["f2py"]
