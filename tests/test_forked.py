"""foxbat.forked: a piece of a command in a second process, its failures recomputed here."""

from __future__ import annotations

import os
import signal
import time

import pytest

from foxbat.forked import Job, forking_allowed

pytestmark = pytest.mark.skipif(not forking_allowed(), reason="needs fork and two usable cores")


def test_result_comes_from_a_child_process():
    parent = os.getpid()
    big = list(range(200_000))  # more than a pipe holds: the parent must read while the child writes
    with Job(lambda: (os.getpid(), big)) as job:
        assert job.forked
        pid, data = job.result()
    assert pid != parent and data == big


def test_a_child_failure_is_recomputed_here():
    parent = os.getpid()

    def only_here():
        if os.getpid() != parent:
            raise RuntimeError("fails in the child only")
        return "computed here"

    assert Job(only_here).result() == "computed here"


def test_a_real_error_surfaces_as_itself():
    calls = []

    def broken():
        calls.append(os.getpid())
        raise ValueError("bad input at line 3")

    job = Job(broken)
    with pytest.raises(ValueError, match="bad input at line 3"):
        job.result()
    assert calls == [os.getpid()]  # the child's own attempt left no trace here


def test_an_unpicklable_result_is_recomputed_here():
    marker = object()
    assert Job(lambda: (lambda: marker)).result()() is marker


def test_a_child_killed_by_a_signal_is_recomputed_here():
    parent = os.getpid()

    def die_in_child():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return 42

    assert Job(die_in_child).result() == 42


def test_cancel_stops_and_reaps_the_child():
    job = Job(lambda: time.sleep(60))
    pid = job._pid
    t0 = time.perf_counter()
    with job:
        pass  # leaving the block without collecting: the child is killed
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left


def test_one_process_when_asked(monkeypatch):
    monkeypatch.setenv("FOXBAT_PROCESSES", "1")
    assert not forking_allowed()
    calls = []
    job = Job(lambda: calls.append(os.getpid()) or "x")
    assert not job.forked and calls == []  # deferred until asked
    assert job.result() == "x" and calls == [os.getpid()]


def test_a_child_runs_openmp_code_after_the_parent_did():
    """GNU OpenMP's thread team does not survive fork: without serial_openmp() the child's
    first parallel region (the coverage kernel) waits forever for the parent's threads."""
    import numpy as np

    from foxbat.coverage import RadarSite, compute_coverage
    from foxbat.terrain import open_dem

    dem = open_dem()  # the built-in DEM
    site = RadarSite(42.16, 139.4456, antenna_agl_m=30.0, max_range_m=300_000.0)
    here = compute_coverage(dem, [site]).lowest_agl_m  # the parent's OpenMP team now exists

    def alarm(*_):
        raise TimeoutError("the child hung in its OpenMP region")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    try:
        with Job(lambda: compute_coverage(dem, [site]).lowest_agl_m) as job:
            assert job.forked
            there = job.result()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    np.testing.assert_array_equal(there, here)


def test_a_failing_run_leaves_no_second_process(tmp_path, monkeypatch, capsys):
    """`foxbat run` forks its report process before the computation and the other height's
    run beside its own: an error in between ends both, the folder is not written."""
    from foxbat import sim
    from foxbat.cli import main
    from foxbat.errors import ParameterError

    def broken(*a, **k):
        raise ParameterError("broken on purpose", where="test")

    monkeypatch.setattr(sim, "run", broken)
    assert main(["run", "--out", str(tmp_path / "out")]) == 2
    assert "broken on purpose" in capsys.readouterr().err
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of this process left, running or zombie
    assert not (tmp_path / "out").exists()
