"""The documentation stays true: the scenario reference matches the schema, and the
tutorial's scenario validates and runs."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_reference_is_current():
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "scenario_reference.py"), "--check"])
    assert p.returncode == 0, "docs/scenario-reference.md is stale: run python tools/scenario_reference.py"


def test_type_formats_are_current():
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "type_formats.py"), "--check"])
    assert p.returncode == 0, "docs/aircraft-format.md or docs/radar-format.md is stale: run python tools/type_formats.py"


def test_type_format_examples_are_the_example_files():
    """Each format page shows its example file verbatim, and the file loads (its kind right)."""
    from foxbat.catalogues import read_type_file

    for doc, example, kind in (("aircraft-format.md", "trainer-jet.yaml", "aircraft"),
                               ("radar-format.md", "gap-filler.yaml", "radar")):
        text = (ROOT / "docs" / doc).read_text()
        block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
        path = ROOT / "docs" / "examples" / "types" / example
        assert block == path.read_text()
        assert [e.kind for e in read_type_file(path)] == [kind]


def test_tutorial_scenario_validates_and_runs(tmp_path, capsys):
    from foxbat.cli import main

    text = (ROOT / "docs" / "tutorial.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    f = tmp_path / "strait.yaml"
    f.write_text(block)
    assert main(["scenario", "validate", str(f)]) == 0
    out = tmp_path / "strait-out"
    assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 0
    stdout = capsys.readouterr().out
    assert "who saw whom" in stdout
    events = (out / "events.jsonl").read_text()
    assert '"kind":"detection"' in events and '"side":"Japan"' in events


def test_tutorial_history_rows_validate():
    """The tutorial's `history:` example is valid rows of the schema."""
    import yaml

    from foxbat.scenario.history import HistoryEvent, check_history

    text = (ROOT / "docs" / "tutorial.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("history:"))
    rows = [HistoryEvent.model_validate(r) for r in yaml.safe_load(block)["history"]]
    check_history(rows, ["Ominato"], "tutorial.md")
    assert [r.id for r in rows] == ["first_detection", "landing"]
    assert rows[1].duration_s.below == 300 and rows[1].duration_s.above == 120
