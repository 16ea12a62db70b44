"""Every source tag cited by a built-in scenario or catalogue resolves in docs/sources.md,
and nothing in the repository cites a file that a clone does not have."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
SCENARIOS = sorted((ROOT / "src" / "foxbat" / "scenario" / "builtin").glob("*.yaml"))
CATALOGUES = sorted((ROOT / "src" / "foxbat" / "aircraft" / "data").glob("*.yaml")) + [
    ROOT / "src" / "foxbat" / "radar" / "data" / "radars.yaml"]


def _section(title: str) -> str:
    start = SOURCES.index(f"## {title}")
    end = SOURCES.find("\n## ", start + 3)
    return SOURCES[start:end if end > 0 else None]


def _table_tags(title: str) -> set[str]:
    return set(re.findall(r"^\| ([^|]+?) \|", _section(title), flags=re.M)) - {"tag"}


BELENKO = _table_tags("Belenko list")
RADARS_ENGINES = _table_tags("Radars-and-engines list")
NAMED = _table_tags("Named sources")
SECTIONS = _section("Sections of the fact sheets")


def _s_tags(text: str) -> set[str]:
    """S-numbers cited inside brackets: [S18], [S2] [S3], [S51 D], [S35-S37], [B-§4 S20], S37b."""
    out = set()
    for inside in re.findall(r"\[([^\[\]]*)\]", text):
        out |= set(re.findall(r"\bS\d+[a-z]?\b", inside))
    return out


def _named_tags(text: str) -> set[str]:
    """[AWM], [Air&Space] ...: one bracketed word not following a name (radars[Okushiri] is a path)."""
    return {t for t in re.findall(r"(?<![\w\]])\[([A-Za-z][\w&.-]*)\]", text) if not re.match(r"S(\d|xx\b)", t)}


def test_the_lists_are_complete():
    assert {f"S{i}" for i in range(1, 60)} <= BELENKO
    assert {"S1", "S18", "S20", "S23", "S27", "S44"} <= RADARS_ENGINES
    assert {"AWM", "Air&Space", "avstop", "weasyl", "theasialive", "FG-F4E"} <= NAMED


def test_every_tag_of_the_builtin_scenarios_resolves():
    for p in SCENARIOS:
        text = p.read_text(encoding="utf-8")
        missing = _s_tags(text) - BELENKO
        assert not missing, (p.name, sorted(missing))
        missing = _named_tags(text) - NAMED
        assert not missing, (p.name, sorted(missing))


def test_every_tag_of_the_catalogues_resolves():
    for p in CATALOGUES:
        text = p.read_text(encoding="utf-8")
        missing = _s_tags(text) - (BELENKO | RADARS_ENGINES)
        assert not missing, (p.name, sorted(missing))
        calibration_ids = set(re.findall(r"^\s*- id: (\S+)", text, flags=re.M))  # calibrated_on: [id]
        missing = _named_tags(text) - NAMED - calibration_ids
        assert not missing, (p.name, sorted(missing))
        r_only = {m for m in re.findall(r"R-[A-E]\d?\s*\[(S\d+[a-z]?)\]", text)} - RADARS_ENGINES
        assert not r_only, (p.name, sorted(r_only))
        for sec in set(re.findall(r"\bR-([A-E]\d?)\b", text)):
            letter = sec[0]
            assert f"R-{sec}" in SECTIONS or f"R-{letter}1" in SECTIONS or f"R-{letter} " in SECTIONS, (p.name, sec)
        for sec in set(re.findall(r"\bB-§?(\d+)\b", text)) - {"300"}:   # R-15B-300 is an engine
            assert f"B-§{sec}" in SECTIONS, (p.name, sec)


def test_nothing_cites_a_file_a_clone_does_not_have():
    offenders = []
    for p in list((ROOT / "src").rglob("*")) + list((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]:
        if p.is_file() and p.suffix in (".py", ".yaml", ".md", ".c", ".h"):
            text = p.read_text(encoding="utf-8", errors="replace")
            if re.search(r"shared/facts|facts/[\w-]+\.md|radars-engines\.md|belenko-1976\.md", text):
                offenders.append(str(p.relative_to(ROOT)))
    assert not offenders, offenders
