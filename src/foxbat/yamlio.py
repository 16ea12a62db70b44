"""Reading a YAML file with errors that name the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foxbat.errors import InputFileError, ScenarioError


def read_yaml(path: str | Path, shown: str | None = None) -> tuple[Any, str]:
    """The parsed document and its text. InputFileError when the file cannot be read or
    is not text, ScenarioError (naming the line) when it is not valid YAML."""
    import yaml

    where = shown or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror}", where=where) from None
    except UnicodeDecodeError:
        raise InputFileError("not a text file; give a YAML file", where=where) from None
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ScenarioError(f"{line}not valid YAML ({getattr(exc, 'problem', None) or exc})", where=where) from None
