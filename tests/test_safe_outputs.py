"""Outputs that cannot destroy inputs, and output folders that are the run's own (issue 16,
items 1 and 2): every command refuses, in one line and before any computation, an output
that is one of its inputs or another of its outputs, an empty path, a path under a file,
through a dangling link or in a place where nothing can be written; a rerun removes its own
previous files (named in the folder's manifest) and refuses a folder it did not write."""

from __future__ import annotations

import json
import os
import time

import pytest

from foxbat.atomic import MANIFEST_NAME, OutputFolder, atomic_output, check_outputs, write_text
from foxbat.cli import main
from foxbat.errors import ParameterError

UNWRITABLE = "/proc/foxbat-nowhere"  # nothing can be created in /proc, not even by root


def _one_line_exit_2(argv, capsys, *needles, within_s: float = 5.0) -> str:
    t0 = time.perf_counter()
    rc = main(argv)
    dt = time.perf_counter() - t0
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    assert dt < within_s, f"refused only after {dt:.1f} s: after the computation?"
    return err


# ---------------------------------------------------------------- data loss
def test_plan_out_onto_its_scenario_is_refused(tmp_path, capsys):
    scn = tmp_path / "mine.yaml"
    main(["scenario", "export", "belenko-1976"])
    scn.write_text(capsys.readouterr().out)
    before = scn.read_bytes()
    _one_line_exit_2(["plan", str(scn), "--out", str(scn)], capsys, "--out", "is the input scenario")
    assert scn.read_bytes() == before


def test_coverage_out_onto_its_dem_is_refused(tmp_path, capsys):
    import shutil

    from foxbat.terrain.builtin import builtin_dem_path

    dem = tmp_path / "dem.tif"
    shutil.copy(builtin_dem_path(), dem)
    before = dem.read_bytes()
    site = ["--site", "42.16,139.45", "--antenna-agl", "10"]
    _one_line_exit_2(["coverage", "--dem", str(dem), *site, "--out", str(dem)], capsys, "is the input --dem")
    link = tmp_path / "link.tif"
    link.symlink_to(dem)  # the same file by another name
    _one_line_exit_2(["coverage", "--dem", str(dem), *site, "--out", str(link)], capsys, "is the input --dem")
    _one_line_exit_2(["coverage", "--dem", str(dem), *site, "--out", str(tmp_path / "c.tif"), "--png", str(dem)],
                     capsys, "--png", "is the input --dem")
    assert dem.read_bytes() == before


def test_coverage_two_outputs_on_one_path_are_refused(tmp_path, capsys):
    out = str(tmp_path / "c.tif")
    site = ["--site", "42.16,139.45", "--antenna-agl", "10", "--max-elev-deg", "40"]
    _one_line_exit_2(["coverage", *site, "--out", out, "--ceiling-out", out], capsys, "also given as --ceiling-out")
    _one_line_exit_2(["coverage", *site, "--out", out, "--geojson", str(tmp_path / "c.ceiling.tif")], capsys,
                     "also given as --geojson")
    assert not os.listdir(tmp_path)


def test_run_out_empty_is_refused_and_the_current_folder_untouched(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.json").write_text("the user's own file")
    _one_line_exit_2(["run", "--out", ""], capsys, "--out: an empty path")
    _one_line_exit_2(["run", "--out", "."], capsys, "holds files foxbat did not write ('run.json')")
    assert os.listdir(tmp_path) == ["run.json"] and (tmp_path / "run.json").read_text() == "the user's own file"


@pytest.mark.parametrize("cmd", ["run", "fly"])
def test_unusable_out_folders_are_refused_before_the_computation(tmp_path, capsys, cmd):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    for out, text in [(UNWRITABLE, "cannot write in '/proc'"), (str(tmp_path / "file" / "sub"), "which is a file"),
                      (str(tmp_path / "dangling"), "which does not exist"), (str(tmp_path / "file"), "is a file")]:
        _one_line_exit_2([cmd, "--out", out], capsys, "--out", text)


@pytest.mark.parametrize("opt", ["--out", "--png", "--geojson", "--ceiling-out"])
def test_coverage_unwritable_outputs_refused_before_the_computation(tmp_path, capsys, opt):
    argv = ["coverage", "--site", "42.16,139.45", "--antenna-agl", "10", "--out", str(tmp_path / "c.tif")]
    bad = UNWRITABLE + ("/c.tif" if opt in ("--out", "--ceiling-out") else "/x")
    argv = [a if a != str(tmp_path / "c.tif") or opt != "--out" else bad for a in argv]
    if opt != "--out":
        argv += [opt, bad]
    _one_line_exit_2(argv, capsys, opt, "cannot write in")
    assert not os.listdir(tmp_path)


# ---------------------------------------------------------------- the shared check itself
def test_check_outputs_cases(tmp_path):
    a = tmp_path / "a.tif"
    a.write_text("x")
    check_outputs([("--out", tmp_path / "new.tif", "file")], [("--dem", a)])  # fine
    with pytest.raises(ParameterError, match="is the input --dem"):
        check_outputs([("--out", tmp_path / "." / "a.tif", "file")], [("--dem", a)])
    os.link(a, tmp_path / "hard.tif")  # a hard link: only samefile knows it is the same file
    with pytest.raises(ParameterError, match="is the input --dem"):
        check_outputs([("--out", tmp_path / "hard.tif", "file")], [("--dem", a)])
    with pytest.raises(ParameterError, match="is a folder"):
        check_outputs([("--out", tmp_path, "file")])
    with pytest.raises(ParameterError, match="is also given as --png"):
        check_outputs([("--out", tmp_path / "x.png", "file"), ("--png", tmp_path / "x.png", "file")])
    with pytest.raises(ParameterError, match="an empty path"):
        check_outputs([("--out", "  ", "file")])
    check_outputs([("--out", tmp_path / "deep" / "er" / "x.tif", "file")])  # folders to be created
    assert not (tmp_path / "deep").exists()  # the check writes nothing


# ---------------------------------------------------------------- stale results
def _ours(folder) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text())


def test_rerun_removes_its_own_previous_files_and_keeps_others(tmp_path):
    d = tmp_path / "out"
    with OutputFolder(d, "run").writing():
        write_text(d / "a.csv", "1")
        write_text(d / "replay.html", "old")
    assert _ours(d) == {"written_by": "foxbat", "complete": True, "files": {"a.csv": "run", "replay.html": "run"}}
    write_text(d / "coverage.tif", "another command's file in a foxbat folder")  # named in the manifest too
    with OutputFolder(d, "run").writing():
        write_text(d / "a.csv", "2")  # this rerun writes no replay.html
    assert sorted(os.listdir(d)) == [MANIFEST_NAME, "a.csv", "coverage.tif"]
    assert (d / "a.csv").read_text() == "2"
    assert _ours(d)["files"] == {"a.csv": "run", "coverage.tif": "foxbat"}


def test_old_folder_without_manifest_is_refused_with_the_reason(tmp_path):
    # what the README's `foxbat run` left in foxbat-out before output manifests existed
    d = tmp_path / "foxbat-out"
    d.mkdir()
    (d / "run.json").write_text('{"scenario": "belenko-1976"}')
    with pytest.raises(ParameterError, match=rf"older foxbat has no {MANIFEST_NAME}: remove it by hand"):
        OutputFolder(d, "run").check()
    (d / MANIFEST_NAME).write_text('{"files": {}, "complete": true}')
    with pytest.raises(ParameterError) as exc:  # a foxbat folder with a foreign file: no such hint
        OutputFolder(d, "run").check()
    assert "older foxbat" not in str(exc.value)
    assert (d / "run.json").read_text() == '{"scenario": "belenko-1976"}'


def test_folder_with_foreign_files_is_refused(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    (d / "notes.txt").write_text("mine")
    with pytest.raises(ParameterError, match=r"holds files foxbat did not write \('notes.txt'\)"):
        OutputFolder(d, "run").check()
    with pytest.raises(ParameterError, match="did not write"):
        with OutputFolder(d, "run").writing():
            pass
    assert os.listdir(d) == ["notes.txt"]


def test_interrupted_run_is_cleaned_by_the_next(tmp_path):
    d = tmp_path / "out"
    with OutputFolder(d, "run").writing():
        write_text(d / "old.csv", "old")
    with pytest.raises(KeyboardInterrupt):
        with OutputFolder(d, "run").writing():
            write_text(d / "new1.csv", "1")
            raise KeyboardInterrupt
    assert not (d / "old.csv").exists()  # never old and new side by side
    assert _ours(d)["complete"] is False and "new1.csv" in _ours(d)["files"]
    with OutputFolder(d, "run").writing():
        write_text(d / "new2.csv", "2")
    assert sorted(os.listdir(d)) == [MANIFEST_NAME, "new2.csv"]


def test_leftover_tmp_of_a_killed_run_is_removed(tmp_path):
    import subprocess

    p = subprocess.Popen(["true"])
    p.wait()
    dead = p.pid  # a process that is gone
    left = tmp_path / f".x.csv.{dead}.0123456789ab.tmp"
    left.write_text("half")
    alive = tmp_path / f".x.csv.{os.getpid()}.0123456789ab.tmp"  # this process: being written
    alive.write_text("busy")
    write_text(tmp_path / "x.csv", "done")
    assert not left.exists() and alive.exists()
    alive.unlink()


def test_fly_no_plot_removes_the_old_profile(tmp_path, capsys):
    out = tmp_path / "fly"
    assert main(["fly", "--out", str(out)]) == 0
    assert (out / "profile.png").exists()
    assert main(["fly", "--out", str(out), "--no-plot"]) == 0
    assert sorted(os.listdir(out)) == [MANIFEST_NAME, "events.json", "trajectory.csv", "trajectory.geojson"]


def test_coverage_without_ceiling_removes_the_old_ceiling(tmp_path, capsys):
    out = tmp_path / "c.tif"
    site = ["--site", "42.16,139.45", "--antenna-agl", "10"]
    assert main(["coverage", *site, "--max-elev-deg", "40", "--out", str(out)]) == 0
    assert (tmp_path / "c.ceiling.tif").exists()
    assert main(["coverage", *site, "--out", str(out)]) == 0
    assert not (tmp_path / "c.ceiling.tif").exists()
    assert "removed" in capsys.readouterr().out
    (tmp_path / "c.ceiling.tif").write_text("not a raster foxbat wrote")  # the user's: kept
    assert main(["coverage", *site, "--out", str(out)]) == 0
    assert (tmp_path / "c.ceiling.tif").read_text() == "not a raster foxbat wrote"


def test_atomic_output_in_an_active_folder_names_the_file_before_it_appears(tmp_path):
    d = tmp_path / "out"
    with OutputFolder(d, "run").writing():
        with atomic_output(d / "big.tif") as tmp:
            assert "big.tif" in _ours(d)["files"] and not (d / "big.tif").exists()
            tmp.write_text("x")


def test_coverage_into_a_new_folder_leaves_it_to_a_later_run(tmp_path, capsys):
    """foxbat coverage's default (foxbat-out/coverage.tif) then foxbat run's (foxbat-out/)."""
    d = tmp_path / "foxbat-out"
    assert main(["coverage", "--site", "42.16,139.45", "--antenna-agl", "10", "--out", str(d / "coverage.tif")]) == 0
    OutputFolder(d, "run").check()  # no foreign file: coverage.tif is named in the manifest
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    assert main(["coverage", "--site", "42.16,139.45", "--antenna-agl", "10", "--out", str(mine / "c.tif")]) == 0
    assert sorted(os.listdir(mine)) == ["c.tif", "notes.txt"]  # the user's own folder gets no manifest
