"""Import the tracker (Stone Soup) without scipy.stats, scipy.integrate and scipy.spatial, for ``foxbat run``.

Stone Soup's core modules bind a few objects of these when they are imported
(``multivariate_normal`` in stonesoup.types.state and stonesoup.models, ``ortho_group``;
``quad`` in stonesoup.models.transition.linear; ``distance`` in stonesoup.measures) for
methods a foxbat run never calls (the pdf and random draws of its states and models, the
covariance of a model it does not use, scipy's distances: foxbat's tracker computes its own).
scipy.stats takes about 0.25 s to import (it parses hundreds of docstrings), scipy.integrate
about 0.04 s and scipy.spatial 0.02 s, all of it on ``foxbat run``'s serial path before its
first simulation. While :func:`import_tracker` imports foxbat.tracking, each name a module asks
of them is bound to a stand-in that imports the real module when it is first used and
forwards to the real object, so a program that does use one gets the same function and
the same numbers.

Where a stand-in cannot serve (a module that subclasses a class of them, or imports a
submodule, while it is imported), that import fails and foxbat.tracking is then imported
the ordinary way. Only the command-line path uses this (as foxbat.coverage.startup does for
numba's BLAS probe); the Python API imports Stone Soup as it is.
"""

from __future__ import annotations

import importlib
import sys
import types

#: the modules whose names Stone Soup's modules take at import and a run never uses
DEFERRED = ("scipy.stats", "scipy.integrate", "scipy.spatial")


class _OnFirstUse:
    """An object of a deferred module, looked up in the real module when first used."""

    __slots__ = ("_module", "_name")

    def __init__(self, module: str, name: str):
        self._module = module
        self._name = name

    def _real(self):
        return getattr(importlib.import_module(self._module), self._name)

    def __getattr__(self, attr: str):
        return getattr(self._real(), attr)

    def __call__(self, *args, **kwargs):
        return self._real()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self._module}.{self._name}, imported on first use>"


def _stand_in(module: str) -> types.ModuleType:
    """A module whose public names are :class:`_OnFirstUse` stand-ins (not a package: a
    submodule import through it fails)."""
    mod = types.ModuleType(module, f"stand-in for {module} while the tracker is imported (foxbat.tracker_import)")

    def public(name: str):
        if name.startswith("_"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return _OnFirstUse(module, name)

    mod.__getattr__ = public  # type: ignore[attr-defined]
    return mod


def import_without(module: str, deferred: tuple[str, ...] = DEFERRED) -> types.ModuleType:
    """Import ``module`` with the names it takes from the ``deferred`` modules bound to
    stand-ins (see the module doc); where that fails, import it the ordinary way (raising
    its real error, if any). A deferred module already imported is used as it is."""
    if module in sys.modules:
        return sys.modules[module]
    fakes = {name: _stand_in(name) for name in deferred if name not in sys.modules}
    sys.modules.update(fakes)
    try:
        return importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a stand-in could not serve: the ordinary import below
        pass
    finally:
        for name, fake in fakes.items():
            if sys.modules.get(name) is fake:
                del sys.modules[name]
            parent, _, attr = name.rpartition(".")
            if parent in sys.modules and vars(sys.modules[parent]).get(attr) is fake:
                delattr(sys.modules[parent], attr)
    return importlib.import_module(module)


def import_tracker() -> None:
    """Import foxbat.tracking (Stone Soup) without the modules of DEFERRED."""
    import_without("foxbat.tracking")
