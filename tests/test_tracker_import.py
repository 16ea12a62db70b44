"""foxbat.tracker_import: Stone Soup imported without scipy.stats, scipy.integrate and scipy.spatial, with the
same results."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _fresh(code: str, cwd: Path | None = None, extra_path: str | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (this checkout's foxbat first); the JSON it prints last."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, SRC, env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         cwd=cwd, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_tracker_is_imported_without_scipy_stats_and_its_names_still_work():
    got = _fresh("""
        import json, sys
        from foxbat.tracker_import import import_tracker
        import_tracker()
        import foxbat.tracking, stonesoup.types.state as st, stonesoup.models.base as mb
        before = any(m in sys.modules for m in ("scipy.stats", "scipy.integrate", "scipy.spatial"))
        import stonesoup.measures.state as ms
        u, v, vi = [1.0, 2.0], [0.0, 3.0], [[2.0, 0.5], [0.5, 1.0]]
        d = ms.distance.mahalanobis(u, v, vi)  # imports scipy.spatial now
        import scipy.spatial.distance
        real_d = scipy.spatial.distance.mahalanobis(u, v, vi) == d
        import stonesoup.models.transition.linear as lin
        area = lin.quad(lambda x: x * x, 0.0, 3.0)[0]  # imports scipy.integrate now
        import scipy.integrate
        real_quad = scipy.integrate.quad(lambda x: x * x, 0.0, 3.0)[0] == area
        args = ([1.0, 2.0], [0.5, -0.25], [[2.0, 0.3], [0.3, 1.0]])
        via_stand_in = st.multivariate_normal.pdf(*args)  # imports scipy.stats now
        import scipy, scipy.stats
        real = scipy.stats.multivariate_normal
        print(json.dumps({"before": before, "stand_in": via_stand_in, "real": real.pdf(*args),
                          "real_module": getattr(sys.modules["scipy.stats"], "__file__", None) is not None,
                          "attr_is_module": scipy.stats is sys.modules["scipy.stats"],
                          "models_forward": bool(mb.multivariate_normal.logpdf(*args) == real.logpdf(*args)),
                          "quad": area, "real_quad": real_quad, "mahalanobis": d, "real_d": bool(real_d),
                          "integrate_module": scipy.integrate is sys.modules["scipy.integrate"]
                                              and hasattr(scipy.integrate, "__file__")}))
    """)
    assert got["before"] is False  # Stone Soup imported, scipy.stats not
    assert got["stand_in"] == got["real"] and got["stand_in"] > 0  # the same function, the same bits
    assert got["real_module"] and got["attr_is_module"]  # the stand-in left nothing behind
    assert got["models_forward"]
    assert got["quad"] == pytest.approx(9.0, rel=1e-12) and got["real_quad"] and got["integrate_module"]
    assert got["mahalanobis"] == pytest.approx(math.sqrt(2.0), rel=1e-12) and got["real_d"]  # (1,-1) VI (1,-1) = 2


def test_a_module_the_stand_in_cannot_serve_is_imported_the_ordinary_way(tmp_path):
    (tmp_path / "subclasses_stats.py").write_text(
        "from scipy.stats import rv_continuous\n\n\nclass Half(rv_continuous):\n    pass\n", encoding="utf-8")
    got = _fresh("""
        import json, sys
        from foxbat.tracker_import import import_without
        m = import_without("subclasses_stats")
        import scipy.stats
        print(json.dumps({"subclass": issubclass(m.Half, scipy.stats.rv_continuous),
                          "real_module": getattr(sys.modules["scipy.stats"], "__file__", None) is not None}))
    """, extra_path=str(tmp_path))
    assert got == {"subclass": True, "real_module": True}


def test_a_module_that_is_missing_raises_its_real_error():
    from foxbat.tracker_import import import_without

    with pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        import_without("no_such_module_here")
    # no stand-in left behind: scipy.stats is absent or the real module (a file)
    assert "scipy.stats" not in sys.modules or hasattr(sys.modules["scipy.stats"], "__file__")


def test_the_gate_is_scipy_stats_chi2_ppf_to_the_bit():
    from scipy.stats import chi2

    from foxbat.tracking.config import _chi2_gate

    ps = np.concatenate([np.random.default_rng(0).random(2000), [0.9999, 0.999, 0.99, 0.95, 0.5, 1e-9, 1 - 1e-12]])
    for p in ps:
        assert _chi2_gate(float(p)) == math.sqrt(chi2.ppf(float(p), 3)), p
    assert _chi2_gate(0.9999) ** 2 == pytest.approx(21.108, abs=1e-3)  # chi-square, 3 dof, 0.9999: 21.108 (tables)


def test_foxbat_run_imports_none_of_scipy_stats_integrate_spatial(tmp_path):
    got = _fresh(f"""
        import json, sys
        import foxbat.cli
        rc = foxbat.cli.main(["run", "--no-reports", "--out", {str(tmp_path / "out")!r}])
        print(json.dumps({{"rc": rc, "stats": "scipy.stats" in sys.modules,
                          "integrate": "scipy.integrate" in sys.modules, "spatial": "scipy.spatial" in sys.modules}}))
    """)
    assert got == {"rc": 0, "stats": False, "integrate": False, "spatial": False}
