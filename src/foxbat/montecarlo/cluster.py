"""A Dask cluster started the ordinary way, for tests and benchmarks: one ``dask scheduler``
and W ``dask worker ADDR --nworkers 1 --nthreads 1`` processes (each with its nanny), as a
user would start them on a few machines and then pass ``--scheduler ADDR`` to
``foxbat montecarlo``.

The scheduler listens on a free port (``--port 0``) and writes its address to a scheduler
file; each CLI process starts in its own session, so :meth:`CliCluster.kill_worker` can kill
a worker with its nanny (SIGKILL, no goodbye to the scheduler) and :meth:`CliCluster.close`
ends every process it started, even after a failure. Workers run with NUMBA and the BLAS
libraries on one thread (``foxbat.montecarlo.runner.LOCAL_ENV``), as docs/montecarlo.md
tells users to start theirs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from foxbat.errors import ClusterError


def dask_cli() -> str:
    """The ``dask`` command of this Python environment (beside its interpreter), else PATH's."""
    here = Path(sys.executable).parent / "dask"
    return str(here) if here.exists() else "dask"


class CliCluster:
    """A scheduler and workers started through the ``dask`` CLI; use as a context manager."""

    def __init__(self, n_workers: int, workdir: str | os.PathLike, timeout_s: float = 60.0,
                 idle_timeout_s: float = 900.0):
        from foxbat.montecarlo.runner import LOCAL_ENV

        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.timeout_s = timeout_s
        self.env = {**os.environ, **LOCAL_ENV}
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.address = ""
        try:
            self._start_scheduler(idle_timeout_s)
            for _ in range(n_workers):
                self.add_worker()
        except BaseException:
            self.close()
            raise

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        with open(self.workdir / log, "ab") as out:  # a file, not a pipe: a full pipe would block the process
            p = subprocess.Popen([dask_cli(), *args], stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                 cwd=self.workdir, start_new_session=True)
        self.procs.append(p)
        return p

    def _start_scheduler(self, idle_timeout_s: float) -> None:
        sfile = self.workdir / "scheduler.json"
        sfile.unlink(missing_ok=True)
        p = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(sfile), "--idle-timeout", f"{idle_timeout_s:g}s"], "scheduler.log")
        t_end = time.monotonic() + self.timeout_s
        while time.monotonic() < t_end:
            if p.poll() is not None:
                raise ClusterError(f"dask scheduler exited with status {p.returncode}: {self._tail('scheduler.log')}",
                                   where="dask scheduler")
            try:
                self.address = json.loads(sfile.read_text())["address"]
                return
            except (OSError, ValueError, KeyError):  # not written yet, or half written
                time.sleep(0.1)
        raise ClusterError(f"dask scheduler gave no address within {self.timeout_s:g} s", where="dask scheduler")

    def add_worker(self) -> subprocess.Popen:
        """Start one more ``dask worker ADDR --nworkers 1 --nthreads 1`` (it dies on its own when
        the scheduler has been gone for 30 s)."""
        i = len(self.workers)
        p = self._spawn(["worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                         "--name", f"w{i}", "--death-timeout", "30", "--local-directory", str(self.workdir / f"w{i}")],
                        f"worker{i}.log")
        self.workers.append(p)
        return p

    def wait_for_workers(self, client, n: int) -> None:
        try:
            client.wait_for_workers(n, timeout=self.timeout_s)
        except TimeoutError:
            logs = "; ".join(self._tail(f"worker{i}.log") for i in range(len(self.workers)))
            raise ClusterError(f"fewer than {n} workers joined within {self.timeout_s:g} s: {logs}",
                               where="dask worker") from None

    def kill_worker_of_pid(self, pid: int) -> None:
        """SIGKILL the ``dask worker`` CLI whose worker process is ``pid``, nanny included (the
        whole process group: the worker does not come back)."""
        pgid = os.getpgid(pid)
        if pgid not in {p.pid for p in self.workers}:
            raise ValueError(f"process {pid} is not a worker of this cluster")
        os.killpg(pgid, signal.SIGKILL)

    def _tail(self, log: str, n: int = 400) -> str:
        try:
            return (self.workdir / log).read_text(errors="replace")[-n:].replace("\n", " | ")
        except OSError:
            return ""

    def close(self) -> None:
        """End every process started: SIGTERM to each group, then SIGKILL to whatever is left in
        it after 5 s (a worker whose nanny died first included). A group leader is reaped only
        after that, so its id cannot have been reused by then."""
        for p in reversed(self.procs):
            _signal_group(p, signal.SIGTERM)
        t_end = time.monotonic() + 5.0
        while time.monotonic() < t_end and any(_running(p) for p in self.procs):
            time.sleep(0.05)
        for p in reversed(self.procs):
            _signal_group(p, signal.SIGKILL)
            p.wait()
        self.procs.clear()

    def __enter__(self) -> "CliCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _running(p: subprocess.Popen) -> bool:
    """Whether ``p`` has not exited yet, without reaping it."""
    if p.returncode is not None:
        return False
    info = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return info is None


def _signal_group(p: subprocess.Popen, sig: int) -> None:
    """Signal ``p``'s process group (its session: the CLI and its children), unless ``p`` was reaped."""
    if p.returncode is not None:
        return
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
