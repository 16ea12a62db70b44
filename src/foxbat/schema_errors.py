"""One-line messages for schema (pydantic) errors: the field, what is wrong, and the
accepted forms with an example where the value has the wrong shape.

``speed: 800`` says "give a mapping with exactly one of mach, tas_kmh, ... e.g.
{tas_kmh: 800}" instead of pydantic's "Input should be a valid dictionary or
instance of Speed".
"""

from __future__ import annotations

from typing import Any

# accepted forms of the schema's small mappings, by model class name
FORMS = {
    "Speed": "a mapping with exactly one of mach, tas_kmh, tas_mps, tas_kt, gs_kmh, gs_mps, "
             "e.g. {tas_kmh: 800} or {mach: 0.9}",
    "Figure": "a figure with its provenance, e.g. {value: 800, source: \"a citation\"} "
              "or {value: 800, notional: true, reason: \"why this value\"}",
    "CalibratedFigure": "a figure with its provenance, e.g. {value: 800, source: \"a citation\"} "
                        "or {value: 800, notional: true, reason: \"why this value\"}",
    "OptionalFigure": "a figure with its provenance, e.g. {value: 800, source: \"a citation\"}; "
                      "{value: null, notional: true, reason: ...} where there is none",
    "AltitudeTable": "a table with its provenance, e.g. {altitude_m: [0, 10000], values: [1.2, 2.0], "
                     "source: \"a citation\"}",
    "DragPolar": "a drag polar with its provenance, e.g. {mach: [0, 0.8, 1.2], cd0: [0.02, 0.02, 0.04], "
                 "k: [0.12, 0.12, 0.18], notional: true, reason: \"why\"}",
    "DopplerChoice": "a choice with its provenance, e.g. {value: mti, source: \"a citation\"} "
                     "(none, mti or pulse_doppler)",
    "Point": "a point, e.g. {lat: 42.1, lon: 139.5}",
    "Runway": "a runway, e.g. {lat: 41.78, lon: 140.82, heading_deg: 120, length_m: 2000, elevation_m: 34}",
}

_SHAPE_ERRORS = ("model_type", "model_attributes_type", "dict_type", "is_instance_of")
_NUMBER_ERRORS = ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float", "finite_number")


def loc_text(loc: tuple, legs_one_based: bool = False) -> str:
    """('radars', 0, 'type') -> 'radars[0].type' (legs counted from 1 where asked)."""
    out = ""
    for i, p in enumerate(loc):
        if isinstance(p, int):
            prev = loc[i - 1] if i else None
            out += f"[{p + 1 if legs_one_based and prev == 'legs' else p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _model_fields(root, loc: tuple):
    """The model class at ``loc`` under ``root`` (best effort), for listing its fields."""
    import typing

    from pydantic import BaseModel

    cls = root
    for p in loc:
        if isinstance(p, int) or cls is None:
            continue
        f = getattr(cls, "model_fields", {}).get(p)
        if f is None:
            return None
        nxt = None
        stack = [f.annotation]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                nxt = t
                break
            stack.extend(typing.get_args(t))
        cls = nxt
    return cls


def explain(err: dict, root: Any = None, legs_one_based: bool = False) -> tuple[str, str]:
    """(field, message) of one pydantic error dict; ``root`` is the validated model class,
    used to list the allowed fields of an unknown one."""
    msg = str(err.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    loc = tuple(err.get("loc", ()))
    fld = loc_text(loc, legs_one_based)
    typ = err.get("type", "")
    got = err.get("input")
    if not fld and ": " in msg and " " not in msg.split(": ", 1)[0]:
        fld, msg = msg.split(": ", 1)  # a model-level check that names its field first
    elif typ == "missing":
        msg = "required field is missing"
    elif typ == "extra_forbidden":
        parent = _model_fields(root, loc[:-1]) if root is not None else None
        allowed = f"; allowed: {', '.join(parent.model_fields)}" if parent is not None else ""
        msg = f"unknown field{allowed}"
    elif typ in _SHAPE_ERRORS:
        cls = (err.get("ctx") or {}).get("class_name") or ""
        form = FORMS.get(cls)
        if form is None:
            model = _model_fields(root, loc) if root is not None else None
            fields = ", ".join(model.model_fields) if model is not None else ""
            form = f"a mapping of fields ({fields})" if fields else "a mapping of fields"
        msg = f"expected {form}; got {got!r}"
    elif typ == "finite_number":  # allow_inf_nan=False: every number has finite bounds
        msg = f"must be a finite number (.nan and .inf are not allowed; see the scenario reference); got {got!r}"
    elif typ in _NUMBER_ERRORS:
        msg = f"expected a number, e.g. 1200 or 1.2e3; got {got!r}"
    elif typ in ("bool_type", "bool_parsing"):
        msg = f"expected true or false; got {got!r}"
    elif typ in ("string_type",):
        msg = f"expected text; got {got!r}"
    elif typ in ("list_type",):
        msg = f"expected a list, e.g. [a, b]; got {got!r}"
    elif typ.startswith(("greater_than", "less_than")) or typ == "literal_error":
        msg = f"{msg}; got {got!r}"
    return fld, msg.splitlines()[0] if msg else msg
