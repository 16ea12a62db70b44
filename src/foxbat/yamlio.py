"""Reading a YAML file with errors that name the file and the line, and with limits that
refuse hostile input fast.

Every YAML file foxbat reads (scenarios, sites files, both catalogues) goes through
:func:`read_yaml`. Before anything is built, one pass over the parser's events (a state
machine, no recursion) checks the nesting depth, the size of the document once every
alias is expanded, the length of each text and that no mapping gives a key twice: a
"billion laughs" file of a few kilobytes, or ten thousand nested brackets, is refused in
milliseconds instead of taking minutes, gigabytes or a RecursionError. Only regular files
are read (a FIFO or a device would block or never end), at most :data:`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from foxbat.errors import InputFileError, ScenarioError

#: largest YAML file read, bytes (the built-in Belenko scenario is 17 kB)
MAX_FILE_BYTES = 2_000_000
#: deepest nesting of mappings and sequences (a scenario needs about 8)
MAX_DEPTH = 64
#: most nodes (scalars, mappings, sequences) in the document once aliases are expanded
MAX_NODES = 200_000
#: longest text of one scalar, characters (titles, citations and paths are far shorter)
MAX_SCALAR_CHARS = 10_000


def _safe_loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_events(text: str, where: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, documents larger than MAX_NODES once aliases are
    expanded, scalars longer than MAX_SCALAR_CHARS and duplicate keys; one pass over the
    parser's events."""
    import yaml

    anchors: dict[str, int] = {}
    # each open collection: [anchor, nodes so far, keys seen (mappings) or None, next is a key]
    stack: list[list] = []
    total = 0

    def fail(msg: str, event) -> ScenarioError:
        return ScenarioError(f"line {event.start_mark.line + 1}: {msg}", where=where)

    for ev in yaml.parse(text, Loader=_safe_loader()):
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            _key_or_value(stack, None, ev, where)
            stack.append([ev.anchor, 1, {} if isinstance(ev, yaml.MappingStartEvent) else None, True])
            if len(stack) > MAX_DEPTH:
                raise fail(f"nested deeper than {MAX_DEPTH} levels; a scenario needs fewer than 10", ev)
            continue
        if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, size, _, _ = stack.pop()
            if anchor is not None:
                anchors[anchor] = size
        elif isinstance(ev, yaml.ScalarEvent):
            if len(ev.value) > MAX_SCALAR_CHARS:
                raise fail(f"a text of {len(ev.value):,} characters; at most {MAX_SCALAR_CHARS:,}", ev)
            _key_or_value(stack, ev, ev, where)
            if ev.anchor is not None:
                anchors[ev.anchor] = 1
            size = 1
        elif isinstance(ev, yaml.AliasEvent):
            _key_or_value(stack, None, ev, where)
            size = anchors.get(ev.anchor, 1)
        else:
            continue
        if stack:
            stack[-1][1] += size
        else:
            total += size
        if (stack[0][1] if stack else 0) + total > MAX_NODES:
            raise fail(f"more than {MAX_NODES:,} values once its aliases (*name) are expanded; "
                       "a scenario has a few thousand at most", ev)


def _key_or_value(stack: list[list], scalar, ev, where: str) -> None:
    """Inside a mapping, alternate keys and values; a plain scalar key given twice is an error
    naming both lines (the merge key ``<<`` may repeat)."""
    if not stack or stack[-1][2] is None:
        return
    top = stack[-1]
    if top[3] and scalar is not None and scalar.value != "<<":
        key = (scalar.value, scalar.implicit[0])
        line = ev.start_mark.line + 1
        if key in top[2]:
            raise ScenarioError(f"line {line}: key {scalar.value!r} given twice (first at line {top[2][key]}); "
                                "give each key once", where=where)
        top[2][key] = line
    top[3] = not top[3]


def read_text_file(path: str | Path, where: str, what: str = "a YAML file",
                   max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; InputFileError naming
    ``where`` otherwise (missing, a folder, a FIFO or device, too large, not text)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror}", where=where) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(f"is a folder; give {what}", where=where)
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"is not a regular file (a pipe, socket or device); give {what}", where=where)
    if st.st_size > max_bytes:
        raise InputFileError(f"is {st.st_size:,} bytes; at most {max_bytes:,} are read", where=where)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror}", where=where) from None
    if len(data) > max_bytes:
        raise InputFileError(f"is over {max_bytes:,} bytes; at most {max_bytes:,} are read", where=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"not a text file; give {what}", where=where) from None
    if "\x00" in text:
        raise InputFileError(f"not a text file (it holds NUL bytes); give {what}", where=where)
    return text


def parse_yaml(text: str, where: str) -> Any:
    """The document in ``text`` (already read), within the limits, with no duplicate keys."""
    import yaml

    try:
        _check_events(text, where)
        return yaml.load(text, Loader=_safe_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ScenarioError(f"{line}not valid YAML ({getattr(exc, 'problem', None) or exc})", where=where) from None
    except RecursionError:  # belt and braces: _check_events bounds the depth
        raise ScenarioError(f"nested too deeply (at most {MAX_DEPTH} levels)", where=where) from None


def read_yaml(path: str | Path, shown: str | None = None) -> tuple[Any, str]:
    """The parsed document and its text. InputFileError when the file cannot be read, is
    not a regular text file or is too large; ScenarioError (naming the line) when it is not
    valid YAML, nests too deeply, expands beyond the limits or gives a key twice."""
    where = shown or str(path)
    text = read_text_file(path, where)
    return parse_yaml(text, where), text
