"""Where a figure comes from: the provenance every catalogue and scenario figure carries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Provenance(BaseModel):
    """A citation (``source``), or ``notional: true`` with a one-line ``reason``."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where the figure is not sourced")
    reason: str | None = Field(default=None, description="why a notional figure was chosen")

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
