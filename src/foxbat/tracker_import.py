"""Import the tracker (Stone Soup) without importing scipy.stats, for ``foxbat run``.

Stone Soup's core modules bind a few scipy.stats objects when they are imported
(``multivariate_normal`` in stonesoup.types.state and stonesoup.models, ``ortho_group``)
for methods a foxbat run never calls (the pdf and random draws of its states and models).
scipy.stats takes about 0.25 s to import (it parses hundreds of docstrings), all of it on
``foxbat run``'s serial path before its first simulation. While :func:`import_tracker`
imports foxbat.tracking, each scipy.stats name a module asks for is bound to a stand-in
that imports scipy.stats when it is first used and forwards to the real object, so a
program that does use one gets the same function and the same numbers.

Where the stand-in cannot serve (a module that subclasses a scipy.stats class, or imports
a submodule of it, while it is imported), that import fails and foxbat.tracking is then
imported the ordinary way. Only the command-line path uses this (as foxbat.coverage.startup
does for numba's BLAS probe); the Python API imports Stone Soup as it is.
"""

from __future__ import annotations

import importlib
import sys
import types

_STATS = "scipy.stats"


class _OnFirstUse:
    """A scipy.stats object, looked up in the real scipy.stats when first used."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def _real(self):
        return getattr(importlib.import_module(_STATS), self._name)

    def __getattr__(self, attr: str):
        return getattr(self._real(), attr)

    def __call__(self, *args, **kwargs):
        return self._real()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{_STATS}.{self._name}, imported on first use>"


def _stand_in() -> types.ModuleType:
    """A module whose public names are :class:`_OnFirstUse` stand-ins (not a package: a
    submodule import through it fails)."""
    mod = types.ModuleType(_STATS, "stand-in for scipy.stats while the tracker is imported (foxbat.tracker_import)")

    def public(name: str):
        if name.startswith("_"):
            raise AttributeError(f"module {_STATS!r} has no attribute {name!r}")
        return _OnFirstUse(name)

    mod.__getattr__ = public  # type: ignore[attr-defined]
    return mod


def import_without_stats(module: str) -> types.ModuleType:
    """Import ``module`` with scipy.stats names bound to stand-ins (see the module doc);
    where that fails, import it the ordinary way (raising its real error, if any)."""
    if module in sys.modules or _STATS in sys.modules:
        return importlib.import_module(module)
    fake = _stand_in()
    sys.modules[_STATS] = fake
    try:
        return importlib.import_module(module)
    except Exception:  # noqa: BLE001 - the stand-in could not serve: the ordinary import below
        pass
    finally:
        if sys.modules.get(_STATS) is fake:
            del sys.modules[_STATS]
        scipy = sys.modules.get("scipy")
        if scipy is not None and vars(scipy).get("stats") is fake:
            delattr(scipy, "stats")
    return importlib.import_module(module)


def import_tracker() -> None:
    """Import foxbat.tracking (Stone Soup) without scipy.stats."""
    import_without_stats("foxbat.tracking")
