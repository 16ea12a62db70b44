"""Where a figure comes from: the provenance every catalogue and scenario figure carries,
and the mark of a figure fitted to a recorded event (``calibrated_to``)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

QUANTITIES = ("time", "range_km", "bearing_deg", "alt_m", "duration_s", "fuel_kg")
"""What a history row may compare: the time, and where the record gives them the range,
bearing, altitude, duration and fuel (foxbat.history_compare)."""

_REF = re.compile(r"^(?:(?P<scenario>[A-Za-z0-9][A-Za-z0-9_.-]*)/)?(?P<row>[a-z0-9_]+)"
                  r"(?:\.(?P<quantity>[a-z_]+))?$")
REF_HELP = ("'ROW', 'ROW.QUANTITY' or 'SCENARIO/ROW[.QUANTITY]': ROW a history row id, "
            f"QUANTITY one of {', '.join(QUANTITIES)}")


def parse_ref(text: str) -> tuple[str | None, str, str | None]:
    """'belenko-1976/jasdf_detection.range_km' -> ('belenko-1976', 'jasdf_detection', 'range_km').
    ValueError naming the allowed forms when the text is not a row reference."""
    m = _REF.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"calibrated_to {text!r} is not a history row reference; give {REF_HELP}")
    q = m.group("quantity")
    if q is not None and q not in QUANTITIES:
        raise ValueError(f"calibrated_to {text!r}: unknown quantity {q!r}; allowed: {', '.join(QUANTITIES)}")
    return m.group("scenario"), m.group("row"), q


def _check_refs(v):
    if v is None:
        return v
    refs = [v] if isinstance(v, str) else v
    if not refs:
        raise ValueError("calibrated_to: give at least one history row")
    for r in refs:
        parse_ref(r)
    return v


CalibratedTo = Annotated[str | list[str] | None, AfterValidator(_check_refs)]
"""A figure fitted to recorded events: the history row(s) it was chosen to reproduce. The
scenario loader checks that each named row exists (foxbat.calibration); the comparison then
reports those rows as ``calibrated``, not as predictions."""

CALIBRATED_TO_HELP = ("history row(s) this figure was fitted to: " + REF_HELP
                      + "; a fitted figure's row is not counted as a prediction")


class Provenance(BaseModel):
    """A citation (``source``), or ``notional: true`` with a one-line ``reason``; and
    ``calibrated_to`` when the figure was fitted to a recorded event."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where the figure is not sourced")
    reason: str | None = Field(default=None, description="why a notional figure was chosen")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _check_provenance(self):
        if self.notional and not self.reason:
            raise ValueError("a notional figure needs a one-line 'reason'")
        if not self.notional and not self.source:
            raise ValueError("give 'source' (a citation) or 'notional: true' with a 'reason'")
        return self


class Figure(Provenance):
    """One number with its provenance."""

    value: float = Field(description="the figure, in the unit of the field that holds it")
