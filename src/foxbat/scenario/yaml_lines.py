"""Line numbers of fields in a YAML file, for error messages that name the line."""

from __future__ import annotations

import re

import yaml


def _parse_field(field: str, legs_from_one: bool = False) -> list:
    """'radars[0] (Okushiri).type' or 'route.legs[2].fly_to.lat' -> ['radars', 0, 'type'] ..."""
    field = re.sub(r"\s*\([^)]*\)", "", field)
    out: list = []
    for part in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", field):
        if part.group(2) is not None:
            # the flight stage counts route legs from 1 in its messages ("legs[1]" is the first)
            out.append(int(part.group(2)) - (1 if legs_from_one and out and out[-1] == "legs" else 0))
        else:
            out.append(part.group(1))
    return out


def line_of(text: str, field: str | None, legs_from_one: bool = False) -> int | None:
    """1-based line of the deepest node of ``field`` found in the YAML ``text`` (with
    ``legs_from_one``, ``legs[1]`` is the first leg, as the flight stage names legs)."""
    if not text or not field:
        return None
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in _parse_field(field, legs_from_one):
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if nxt is None:
                break
            line = next(k for k, v in node.value if v is nxt).start_mark.line + 1
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line
