"""Ctrl-C always ends a command with one line and status 130 (issue 16: SIGINT during the
planner's search gave a traceback): a KeyboardInterrupt raised inside a numba kernel reaches
Python as a chain of SystemErrors "returned a result with an exception set"."""

from __future__ import annotations

import pytest

from foxbat.cli import main


def _kernel_interrupted(*_a, **_k):
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ki:
            raise SystemError("<function _numba_unpickle> returned a result with an exception set") from ki
    except SystemError as inner:
        raise SystemError("CPUDispatcher(<function astar>) returned a result with an exception set") from inner


def test_interrupt_inside_a_kernel_is_one_line_exit_130(monkeypatch, capsys):
    monkeypatch.setattr("foxbat.scenario.cli.run", _kernel_interrupted)
    assert main(["scenario", "list"]) == 130
    err = capsys.readouterr().err.strip()
    assert err == "foxbat scenario: interrupted"


def test_other_system_errors_still_raise(monkeypatch):
    def broken(*_a, **_k):
        raise SystemError("a real bug")

    monkeypatch.setattr("foxbat.scenario.cli.run", broken)
    with pytest.raises(SystemError, match="a real bug"):
        main(["scenario", "list"])
