"""numba's disk cache, keyed on the sources a kernel compiles in, not only its own file.

numba stamps a cached kernel with its own file's contents; a kernel that compiles in
functions or constants of other modules (the quiet loop calls the performance model, the
geodesics, the compiled look...) would keep running their old code after those files
change: a developer's edit runs stale physics with no warning. :func:`key_on_sources`
adds a digest of the other modules' sources to the stamp numba compares, so an edit to
any of them recompiles the kernel (an installed package never changes, so users only ever
load the cache).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

from numba.core.registry import CPUDispatcher


def sources_digest(module_names: list[str]) -> str:
    """sha256 of the named modules' source files, in order."""
    h = hashlib.sha256()
    for name in module_names:
        h.update(name.encode())
        h.update(Path(importlib.import_module(name).__file__).read_bytes())
    return h.hexdigest()


def key_on_sources(module_name: str, dependencies: list[str]) -> None:
    """Key every cached kernel of ``module_name`` also on the sources of ``dependencies``
    (module names; theirs in turn, where they declare ``NUMBA_SOURCES``), and record the
    module's own full list as its ``NUMBA_SOURCES`` for the modules that call it."""
    mod = sys.modules[module_name]
    names = [module_name]
    for dep in dependencies:
        # imported here: a dependency the module itself imports only inside a function may
        # not be loaded yet when the module is
        for n in getattr(importlib.import_module(dep), "NUMBA_SOURCES", [dep]):
            if n not in names:
                names.append(n)
    mod.NUMBA_SOURCES = names
    digest = sources_digest(names[1:])
    for obj in list(vars(mod).values()):
        if isinstance(obj, CPUDispatcher) and obj.__module__ == module_name:
            cache_file = getattr(getattr(obj, "_cache", None), "_cache_file", None)
            if cache_file is not None and hasattr(cache_file, "_source_stamp"):
                cache_file._source_stamp = (cache_file._source_stamp, digest)


__all__ = ["key_on_sources", "sources_digest"]
