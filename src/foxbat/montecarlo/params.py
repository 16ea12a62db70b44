"""The ``uncertain:`` section of a scenario: parameters drawn from distributions.

Each entry names one figure of the scenario by a dotted path into the scenario file and
gives its distribution::

    uncertain:
      - param: low_level_height_m          # a top-level field
        dist: uniform
        low: 30
        high: 250
        source: "250 m SARP recorder [S30]; 30 m popular accounts [S23]"
      - param: radars[Okushiri].antenna_msl_m   # [Name] picks the list item with that name
        dist: choice
        values: [590, 600, 615, 630]
        notional: true
        reason: "mast height above the 584 m summit not found"
      - param: epoch_utc                   # a time: the draw is a shift in seconds
        dist: uniform
        low: -300
        high: 60
        source: "..."

Paths: ``key.key``, ``key[3]`` (list index) and ``key[Name]`` (the list item whose
``name`` is Name: sides, radars, bases, interceptors). Distributions and their arguments:

- ``uniform``: ``low``, ``high``
- ``normal``: ``mean``, ``sd``; optional ``low``/``high`` truncate (redraw outside)
- ``lognormal``: ``median`` (> 0), ``sigma`` (sd of the natural log); optional ``low``/``high``
- ``triangular``: ``low``, ``mode``, ``high``
- ``choice``: ``values`` (a list), optional ``weights``

Special paths:

- ``low_level_height_m`` moves every leg flown at the scenario's low-level height (as
  ``foxbat run --low-level-m``), not just the field.
- A time (``epoch_utc``, ``interceptors[0].scramble.at_utc``): the draw is a shift in
  seconds added to the scenario's time; its column is ``<path>_shift_s``.
- ``...scramble.delay_s`` fixes a reactive scramble's delay (replacing its ``delay``
  distribution) or turns a scripted scramble (``at_utc``) into a reactive one: the flight
  is launched that many seconds after a track of its side meets the scramble rule.

Parameters that change the shared coverage (:func:`foxbat.sim.prepare`): anything under
``radars``, ``k``, ``dem``, ``bases`` and ``sides[...].airspace``. Runs with the same values
of these share one coverage computation; each distinct set of values costs one more.

Every entry carries ``source:`` or ``notional: true`` with a ``reason`` (DESIGN.md).
Draws: each run index ``i`` and parameter get their own stream,
``SeedSequence(seed, spawn_key=(i, 1, crc32(param)))``, so a run's values do not depend
on which other runs were made, nor on the other parameters.
"""

from __future__ import annotations

import copy
import math
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from foxbat.errors import ScenarioError

# top-level keys whose change invalidates the shared coverage (sim.prepare)
COVERAGE_ROOTS = {"radars", "k", "dem", "bases"}
DIST_NAMES = ("uniform", "normal", "lognormal", "triangular", "choice")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    param: str = Field(description="dotted path into the scenario")
    name: str | None = Field(default=None, description="column name (default: derived from the path)")
    source: str | None = None
    notional: bool = False
    reason: str | None = None

    @model_validator(mode="after")
    def _prov(self):
        if not self.source and not (self.notional and self.reason):
            raise ValueError("give 'source', or 'notional: true' with a 'reason'")
        return self

    def _bounds(self):
        lo, hi = getattr(self, "low", None), getattr(self, "high", None)
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"low ({lo:g}) must be < high ({hi:g})")


class Uniform(_Entry):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _chk(self):
        self._bounds()
        return self

    def draw(self, rng: np.random.Generator):
        return float(rng.uniform(self.low, self.high))

    def probes(self):
        return [self.low, self.high]


class _Truncated(_Entry):
    low: float | None = None
    high: float | None = None

    def _raw(self, rng):  # pragma: no cover - overridden
        raise NotImplementedError

    def draw(self, rng: np.random.Generator):
        for _ in range(10_000):
            v = self._raw(rng)
            if (self.low is None or v >= self.low) and (self.high is None or v <= self.high):
                return v
        raise ScenarioError("the truncation bounds leave almost no probability; widen low/high",
                            field=f"uncertain ({self.param})")


class Normal(_Truncated):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    @model_validator(mode="after")
    def _chk(self):
        self._bounds()
        return self

    def _raw(self, rng):
        return float(rng.normal(self.mean, self.sd))

    def probes(self):
        return [v for v in (self.low, self.mean, self.high) if v is not None]


class LogNormal(_Truncated):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0, description="standard deviation of ln(value)")

    @model_validator(mode="after")
    def _chk(self):
        self._bounds()
        return self

    def _raw(self, rng):
        return float(rng.lognormal(math.log(self.median), self.sigma))

    def probes(self):
        return [v for v in (self.low, self.median, self.high) if v is not None]


class Triangular(_Entry):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _chk(self):
        self._bounds()
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode:g}) must lie between low ({self.low:g}) and high ({self.high:g})")
        return self

    def draw(self, rng: np.random.Generator):
        return float(rng.triangular(self.low, self.mode, self.high))

    def probes(self):
        return [self.low, self.high]


class Choice(_Entry):
    dist: Literal["choice"]
    values: list[float | str] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _chk(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"weights has {len(self.weights)} items, values {len(self.values)}")
            if any(w < 0 or not math.isfinite(w) for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 and not all 0")
        kinds = {isinstance(v, str) for v in self.values}
        if len(kinds) > 1:
            raise ValueError("values must be all numbers or all text")
        return self

    def draw(self, rng: np.random.Generator):
        p = None if self.weights is None else np.asarray(self.weights, float) / sum(self.weights)
        v = self.values[int(rng.choice(len(self.values), p=p))]
        return v if isinstance(v, str) else float(v)

    @property
    def is_text(self) -> bool:
        return isinstance(self.values[0], str)

    def probes(self):
        return list(self.values)


Dist = Annotated[Union[Uniform, Normal, LogNormal, Triangular, Choice], Field(discriminator="dist")]
_ADAPTER = TypeAdapter(Dist)


# ---------------------------------------------------------------- paths
_SEG = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]+\])*)$")
_SEL = re.compile(r"\[([^\[\]]+)\]")


def parse_path(path: str) -> list[str | int | tuple[str]]:
    """``a.b[2].c[Name]`` -> ['a', 'b', 2, 'c', ('Name',)]: str keys, int indices,
    1-tuples for name selectors."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError("empty path")
    steps: list = []
    for seg in path.strip().split("."):
        m = _SEG.match(seg)
        if not m:
            raise ValueError(f"bad path segment {seg!r}; write key, key[3] or key[Name], joined by dots")
        steps.append(m.group(1))
        for sel in _SEL.findall(m.group(2)):
            sel = sel.strip()
            steps.append(int(sel) if re.fullmatch(r"-?\d+", sel) else (sel,))
    return steps


def _walk(data: Any, steps: list, path: str, allow_missing_last: bool = True):
    """The container and final key of a path in ``data``; raises ValueError naming the problem."""
    cur = data
    done = ""
    for n, st in enumerate(steps):
        last = n == len(steps) - 1
        if isinstance(st, str):
            if not isinstance(cur, dict):
                raise ValueError(f"{done or 'the scenario'} is not a mapping, cannot take .{st}")
            if st not in cur:
                if last and allow_missing_last:
                    return cur, st
                keys = ", ".join(sorted(map(str, cur))) or "none"
                raise ValueError(f"no {st!r} in {done or 'the scenario'}; there: {keys}")
            key = st
        elif isinstance(st, int):
            if not isinstance(cur, list):
                raise ValueError(f"{done} is not a list, cannot take [{st}]")
            if not -len(cur) <= st < len(cur):
                raise ValueError(f"{done} has {len(cur)} items, no [{st}]")
            key = st
        else:
            name = st[0]
            if not isinstance(cur, list):
                raise ValueError(f"{done} is not a list, cannot take [{name}]")
            hits = [i for i, item in enumerate(cur) if isinstance(item, dict) and str(item.get("name")) == name]
            if not hits:
                names = ", ".join(str(item.get("name")) for item in cur if isinstance(item, dict)) or "none"
                raise ValueError(f"no item named {name!r} in {done}; names: {names}")
            key = hits[0]
        if last:
            return cur, key
        done += (f".{st}" if done else st) if isinstance(st, str) else f"[{st if isinstance(st, int) else st[0]}]"
        cur = cur[key]
    raise ValueError("empty path")  # pragma: no cover


def _as_datetime(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)
    if isinstance(v, str):
        try:
            d = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    return None


@dataclass
class Param:
    """One validated uncertain parameter."""

    index: int
    spec: Any  # one of the distribution models
    steps: list
    is_time: bool  # the draw is a shift in seconds of a time
    column: str
    affects_coverage: bool

    @property
    def path(self) -> str:
        return self.spec.param

    @property
    def is_text(self) -> bool:
        return isinstance(self.spec, Choice) and self.spec.is_text

    def draw(self, seed: int, run_index: int):
        ss = np.random.SeedSequence(seed, spawn_key=(int(run_index), 1, zlib.crc32(self.path.encode())))
        return self.spec.draw(np.random.default_rng(ss))


@dataclass
class Uncertain:
    """The scenario's uncertain parameters, in file order."""

    params: list[Param]
    where: str

    def __bool__(self) -> bool:
        return bool(self.params)

    @property
    def columns(self) -> list[str]:
        return [p.column for p in self.params]

    def sample(self, seed: int, run_index: int) -> dict[str, Any]:
        """Column -> value for run ``run_index`` (the same on every call)."""
        return {p.column: p.draw(seed, run_index) for p in self.params}

    def coverage_params(self) -> list[Param]:
        return [p for p in self.params if p.affects_coverage]

    def describe(self) -> list[dict]:
        out = []
        for p in self.params:
            d = p.spec.model_dump(exclude_none=True)
            d["column"] = p.column
            d["affects_coverage"] = p.affects_coverage
            d["time_shift_s"] = p.is_time
            out.append(d)
        return out


def _affects_coverage(steps: list) -> bool:
    root = steps[0]
    if root in COVERAGE_ROOTS:
        return True
    return root == "sides" and "airspace" in steps[1:]


def apply_params(raw: dict, uncertain: Uncertain, values: dict[str, Any]) -> tuple[dict, float | None]:
    """A deep copy of the scenario dict with the values put in; returns it and the
    low-level height to fly (None when ``low_level_height_m`` is not sampled)."""
    out = copy.deepcopy(raw)
    low = None
    for p in uncertain.params:
        v = values[p.column]
        if p.steps == ["low_level_height_m"]:
            low = float(v)
            continue
        cont, key = _walk(out, p.steps, p.path)
        if p.is_time:
            base = _as_datetime(cont[key])
            cont[key] = (base + timedelta(seconds=float(v))).isoformat()
        else:
            cont[key] = v
            if key == "delay_s" and isinstance(cont, dict) and len(p.steps) >= 2 and p.steps[-2] == "scramble":
                cont.pop("at_utc", None)
                cont.pop("delay", None)
    return out, low


def parse_uncertain(data: Any, raw: dict, where: str) -> Uncertain:
    """Validate the ``uncertain`` section against the scenario dict ``raw``.

    Errors are ScenarioError naming ``where`` and ``uncertain[i] (path).field``.
    """
    if data is None:
        return Uncertain([], where)
    if not isinstance(data, list):
        raise ScenarioError("expected a list of {param, dist, ...} entries", where=where, field="uncertain")
    params: list[Param] = []
    for i, item in enumerate(data):
        label = f"uncertain[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError("each entry is a mapping with param, dist and the distribution's arguments",
                                where=where, field=label)
        if isinstance(item.get("param"), str):
            label = f"uncertain[{i}] ({item['param']})"
        if item.get("dist") not in DIST_NAMES:
            raise ScenarioError(f"unknown or missing distribution {item.get('dist')!r}; allowed: "
                                f"{', '.join(DIST_NAMES)}", where=where, field=f"{label}.dist")
        try:
            spec = _ADAPTER.validate_python(item)
        except ValidationError as exc:
            errs = exc.errors()
            err = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])  # a typo first
            loc = [str(x) for x in err["loc"] if str(x) not in DIST_NAMES]
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                allowed = {"uniform": "low, high", "normal": "mean, sd, low, high",
                           "lognormal": "median, sigma, low, high", "triangular": "low, mode, high",
                           "choice": "values, weights"}[item["dist"]]
                msg = (f"unknown field for {item['dist']}; its arguments: {allowed} "
                       "(and param, name, source, notional, reason)")
            elif err["type"] == "missing":
                msg = "required field is missing"
            fld = ".".join(loc)
            raise ScenarioError(msg, where=where, field=f"{label}.{fld}" if fld else label) from None
        try:
            steps = parse_path(spec.param)
            cont, key = _walk(raw, steps, spec.param)
        except ValueError as exc:
            raise ScenarioError(f"unknown parameter path: {exc}", where=where, field=f"{label}.param") from None
        current = cont.get(key) if isinstance(cont, dict) else cont[key]
        is_time = _as_datetime(current) is not None and not isinstance(current, (int, float))
        if is_time and isinstance(spec, Choice) and spec.is_text:
            raise ScenarioError("a time is shifted by seconds: give numbers", where=where, field=f"{label}.values")
        if isinstance(current, bool) or (current is not None and not is_time
                                         and not isinstance(current, (int, float, str))):
            raise ScenarioError(f"{spec.param} is not a number or a time (it is {type(current).__name__})",
                                where=where, field=f"{label}.param")
        if steps == ["low_level_height_m"] and raw.get("low_level_height_m") is None:
            raise ScenarioError("the scenario has no low_level_height_m to vary", where=where, field=f"{label}.param")
        column = spec.name or (f"{spec.param}_shift_s" if is_time else spec.param)
        params.append(Param(i, spec, steps, is_time, column, _affects_coverage(steps)))
    seen: dict[str, int] = {}
    for p in params:
        if p.path in {q.path for q in params[: params.index(p)]}:
            raise ScenarioError("the same parameter is given twice", where=where,
                                field=f"uncertain[{p.index}] ({p.path}).param")
        if p.column in seen or p.column in RESERVED_COLUMNS:
            raise ScenarioError(f"column name {p.column!r} is already used; give another 'name'", where=where,
                                field=f"uncertain[{p.index}] ({p.path}).name")
        seen[p.column] = p.index
    unc = Uncertain(params, where)
    _probe(unc, raw, where)
    return unc


RESERVED_COLUMNS = {"run", "seed", "outcome", "escaped", "intercepted", "intercept_t_s", "flight_outcome",
                    "fuel_end_kg", "fuel_at_landing_kg", "landing_t_s", "error"}


def _probe(unc: Uncertain, raw: dict, where: str) -> None:
    """Put each parameter's extreme values into the scenario and validate it, so a value
    the scenario cannot take is reported now, naming the entry, not in run 731."""
    from foxbat.scenario.run import parse_run_scenario

    for p in unc.params:
        for v in p.spec.probes():
            one = Uncertain([p], where)
            val = v if isinstance(v, str) else float(v)
            data, low = apply_params(raw, one, {p.column: val})
            if low is not None and not (math.isfinite(low) and low >= 0):
                raise ScenarioError(f"a low-level height must be >= 0 m; the distribution reaches {low:g}",
                                    where=where, field=f"uncertain[{p.index}] ({p.path})")
            try:
                parse_run_scenario(data, where)
            except ScenarioError as exc:
                shown = v if isinstance(v, str) else f"{float(v):g}"
                raise ScenarioError(f"the value {shown} is not allowed there: {exc.field + ': ' if exc.field else ''}"
                                    f"{exc.detail}", where=where, field=f"uncertain[{p.index}] ({p.path})") from None
