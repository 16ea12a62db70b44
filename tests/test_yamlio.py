"""Hostile YAML refused fast (issue 16, item 4): alias bombs, deep nesting, huge files and
scalars, duplicate keys, FIFOs and devices. Every refusal is one line, exit 2, in well under
a second."""

from __future__ import annotations

import os
import time

import pytest

from foxbat.cli import main
from foxbat.errors import InputFileError, ScenarioError
from foxbat.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_SCALAR_CHARS, read_yaml


def _billion_laughs(path, levels: int = 9) -> None:
    """The classic: each level a list of nine aliases of the one before: 9**levels strings."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for n in "bcdefghijklmnop"[: levels - 1]:
        text += f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = n
    path.write_text(text)


def _refused_fast(tmp_path, capsys, path, *needles) -> str:
    t0 = time.perf_counter()
    rc = main(["scenario", "validate", str(path)])
    dt = time.perf_counter() - t0
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert dt < 1.0, f"took {dt:.2f} s"
    assert "\n" not in err and "Traceback" not in err
    assert str(path) in err
    for n in needles:
        assert n in err, err
    return err


def test_billion_laughs_refused_in_milliseconds(tmp_path, capsys):
    p = tmp_path / "lol.yaml"
    _billion_laughs(p)
    assert p.stat().st_size < 2000  # a small file that would expand to 9**9 = 387 million strings
    _refused_fast(tmp_path, capsys, p, f"more than {MAX_NODES:,} values", "line 6")


def test_alias_limit_counts_exactly(tmp_path):
    """Expansion below the limit is accepted (aliases are legal YAML), above it refused."""
    p = tmp_path / "lol.yaml"
    _billion_laughs(p, levels=5)  # 9 + 81 + 729 + 6561 + 59049 strings plus lists: < 200,000
    data, _ = read_yaml(p)
    assert len(data["e"]) == 9 and data["e"][0][0][0][0] == ["lol"] * 9
    _billion_laughs(p, levels=6)  # 531,441 strings in the last list alone
    with pytest.raises(ScenarioError, match="once its aliases"):
        read_yaml(p)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_refused(tmp_path, capsys, depth):
    p = tmp_path / "deep.yaml"
    p.write_text("name: " + "[" * depth + "]" * depth + "\n")
    _refused_fast(tmp_path, capsys, p, "line 1", "nest")


def test_nesting_at_the_limit_is_read(tmp_path):
    p = tmp_path / "deep.yaml"
    p.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    node, depth = read_yaml(p)[0], 1
    while node:
        node, depth = node[0], depth + 1
    assert node == [] and depth == MAX_DEPTH


def test_duplicate_keys_are_an_error_naming_both_lines(tmp_path, capsys):
    p = tmp_path / "dup.yaml"
    p.write_text("name: one\ntitle: t\nk: 1.3\nname: two\n")
    _refused_fast(tmp_path, capsys, p, "line 4", "'name' given twice (first at line 1)")
    p.write_text("radars:\n  - {name: a, lat: 1, lat: 2}\n")
    with pytest.raises(ScenarioError, match="line 2: key 'lat' given twice"):
        read_yaml(p)


def test_same_key_in_different_mappings_and_merge_keys_are_fine(tmp_path):
    p = tmp_path / "ok.yaml"
    p.write_text("base: &b {x: 1, y: 2}\nd: {<<: *b, x: 3}\ne: {x: 1}\nl: [1, 1, {x: 1}]\n")
    data, _ = read_yaml(p)
    assert data["d"] == {"x": 3, "y": 2} and data["l"] == [1, 1, {"x": 1}]


def test_long_text_refused(tmp_path, capsys):
    p = tmp_path / "long.yaml"
    p.write_text("title: " + "x" * (MAX_SCALAR_CHARS + 1) + "\n")
    _refused_fast(tmp_path, capsys, p, f"a text of {MAX_SCALAR_CHARS + 1:,} characters")


def test_huge_file_refused_before_reading(tmp_path, capsys):
    p = tmp_path / "huge.yaml"
    with open(p, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing to read, refused by its size
    _refused_fast(tmp_path, capsys, p, f"at most {MAX_FILE_BYTES:,}")


def test_many_history_entries_refused_by_size(tmp_path, capsys):
    p = tmp_path / "many.yaml"
    row = "  - {what: x, kind: detection, time_local: '12:00', source: s}\n"
    p.write_text("history:\n" + row * 100_000)
    assert p.stat().st_size < MAX_FILE_BYTES * 4
    with pytest.raises((ScenarioError, InputFileError)):
        read_yaml(p)


def test_fifo_refused_without_blocking(tmp_path, capsys):
    p = tmp_path / "fifo.yaml"
    os.mkfifo(p)  # opening it for reading would block forever
    _refused_fast(tmp_path, capsys, p, "not a regular file")


def test_device_refused(capsys, tmp_path):
    t0 = time.perf_counter()
    assert main(["scenario", "validate", "/dev/zero"]) == 2  # reading it would never end
    assert time.perf_counter() - t0 < 1.0
    assert "not a regular file" in capsys.readouterr().err


def test_binary_file_refused(tmp_path, capsys):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"name: \xff\xfe\x00")
    _refused_fast(tmp_path, capsys, p, "not a text file")


def test_binary_sites_csv_refused(tmp_path, capsys):
    p = tmp_path / "sites.csv"
    p.write_bytes(b"lat,lon\n\xff\xfe\x00\x01,2\n")
    rc = main(["coverage", "--sites", str(p), "--antenna-agl", "10", "--out", str(tmp_path / "c.tif")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "not a text file" in err and "\n" not in err
    assert not (tmp_path / "c.tif").exists()
