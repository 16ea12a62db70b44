"""Run a piece of a command in a forked child process, so two pieces use two cores.

``foxbat run`` computes the low-level alternative beside the run itself and draws half
of its reports in a second process. A fork shares everything already computed (the
scenario, the DEM, the coverage rasters) without copying or pickling it; only the
child's (small) return value comes back, pickled through a pipe.

The child never decides anything: when it fails for any reason (an exception, a signal,
an unpicklable result) :meth:`Job.result` runs the same function again in this process,
so a real error surfaces exactly as it would without the fork (its message, its type,
its exit status). A child runs OpenMP code (the coverage kernel) on one thread: GNU
OpenMP's thread team does not survive a fork, and a parallel region in a child of a process
that already ran one waits forever for threads that exist only in the parent (one core is
the child's share anyway). Where fork is unavailable or unsafe (Windows, macOS), with one usable
core, or with ``FOXBAT_PROCESSES=1`` in the environment, the function runs in this
process when its result is asked for.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import re
import signal
import sys
import warnings
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def forking_allowed() -> bool:
    """True where a child process may be forked for a second core (see the module doc)."""
    if os.environ.get("FOXBAT_PROCESSES", "").strip() == "1":
        return False
    return hasattr(os, "fork") and sys.platform.startswith("linux") and usable_cores() >= 2


_OPENMP_RUNTIME = re.compile(r"/lib(gomp|omp|iomp5)[^/]*\.so[^/]*$")


def serial_openmp() -> list[str]:
    """Set every OpenMP runtime loaded in this process to one thread (see the module doc);
    returns their paths."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            paths = {line.split(None, 5)[5].strip() for line in fh if len(line.split(None, 5)) == 6}
    except OSError:
        return []
    done = []
    for path in sorted(p for p in paths if _OPENMP_RUNTIME.search(p)):
        try:
            ctypes.CDLL(path).omp_set_num_threads(1)
        except (OSError, AttributeError):
            continue
        done.append(path)
    return done


_IN_CHILD = False  # True in a process a Job forked


def in_child() -> bool:
    """Whether this process is a child a :class:`Job` forked."""
    return _IN_CHILD


class Job(Generic[T]):
    """``fn()`` started in a forked child (or deferred, where forking is not allowed)."""

    def __init__(self, fn: Callable[[], T], fork: bool | None = None):
        self._fn = fn
        self._pid: int | None = None
        self._fd: int | None = None
        self.forked = False  # whether fn runs in a child process
        if fork is None:
            fork = forking_allowed()
        if fork:
            self._start()

    def _start(self) -> None:
        r, w = os.pipe()
        with warnings.catch_warnings():  # 3.12+ warns on fork beside a thread (rich's spinner)
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: compute, send the pickled result, leave without clean-up
            global _IN_CHILD
            _IN_CHILD = True
            os.close(r)
            code = 1
            try:
                # the parent's streams may be locked by a thread that does not exist here
                sys.stdout = sys.stderr = open(os.devnull, "w")
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it at once
                serial_openmp()
                data = pickle.dumps(self._fn(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(w, "wb") as fh:
                    fh.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        self._pid, self._fd = pid, r
        self.forked = True

    def result(self) -> T:
        """The child's result; if it failed, ``fn()`` run here (raising its real error)."""
        if self._pid is None:
            return self._fn()
        chunks = []
        try:
            while True:
                b = os.read(self._fd, 1 << 20)
                if not b:
                    break
                chunks.append(b)
        except BaseException:  # interrupted while waiting: stop the child, then say why
            self.cancel()
            raise
        os.close(self._fd)
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                return pickle.loads(b"".join(chunks))
            except Exception:  # noqa: BLE001 - any failure: compute it here instead
                pass
        return self._fn()

    def cancel(self) -> None:
        """Stop the child (if still running) and reap it."""
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._fd)
        os.waitpid(self._pid, 0)
        self._pid = None

    def __enter__(self) -> "Job[T]":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()  # a result not collected (an error in between): no child left behind
