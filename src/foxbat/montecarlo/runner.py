"""Randomised runs of one scenario on Dask: submit, stream, write, resume.

The driver (this process) samples nothing it has to send: a run is ``(study id, run
index)``. Everything else travels once per worker in a :class:`StudyPlugin` (a Dask
worker plugin, so a worker that joins or is restarted after a crash gets it too): the
scenario, its uncertain parameters, the base seed, and the coverage computed by
:func:`foxbat.sim.prepare` for every distinct set of coverage-affecting values (up to
``MAX_PRECOMPUTED``; beyond that a worker computes a missing one once and keeps it in a
small cache). Those coverage sets are computed once each, as Dask tasks spread over the
workers (so they too go W times faster on W workers), gathered, and shipped in the plugin:
no run computes coverage, and a worker that restarts gets them again without recomputing.
Runs are futures consumed with ``as_completed``; the rows are
rewritten into the Parquet file atomically every ``batch`` results (or every
``flush_s`` seconds), so a crash or Ctrl-C loses at most one batch, and re-running the
same command skips the run indices already in the file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from distributed.diagnostics.plugin import WorkerPlugin

from foxbat.dask_clients import LOCAL_ENV, local_client, remote_client  # noqa: F401  (re-exported)
from foxbat.errors import FoxbatError, InputFileError, ScenarioError
from foxbat.montecarlo.params import Uncertain, apply_params, parse_uncertain

META_KEY = b"foxbat.montecarlo"
FORMAT_VERSION = 2  # 2: history.<row>.<figure> verdict columns
MAX_PRECOMPUTED = 16  # distinct coverage sets computed on the driver and shipped to workers
WORKER_CACHE = 4  # further coverage sets a worker keeps (least recently used dropped)

# per process: how many times this process ran sim.prepare, and how many of those a run had
# to make itself because its coverage was not shipped (tests read them on workers)
PREPARE_CALLS = 0
RUN_PREPARE_CALLS = 0
_STUDIES: dict[str, "Study"] = {}
_PINNED: dict[str, dict[str, Any]] = {}  # study id -> coverage key -> Prepared, shipped by the driver
_LRU: "OrderedDict[str, Any]" = OrderedDict()  # coverage key -> Prepared, computed here


def _sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def run_seed(seed: int, run_index: int) -> int:
    """The simulation seed of run ``run_index``: from ``SeedSequence(seed, spawn_key=(i, 0))``
    (63 bits, so it fits a Parquet int64)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(run_index), 0))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def coverage_subset(raw: dict, where: str) -> dict:
    """The parts of a scenario that :func:`foxbat.sim.prepare` reads."""
    return {"where": where, "dem": raw.get("dem"), "k": raw.get("k"), "radars": raw.get("radars"),
            "bases": raw.get("bases"),
            "sides": [{"name": s.get("name"), "airspace": s.get("airspace")} for s in raw.get("sides") or []
                      if isinstance(s, dict)]}


@dataclass
class Study:
    """One scenario with its uncertain parameters and base seed: what every run needs."""

    raw: dict
    where: str
    uncertain: Uncertain
    seed: int
    sides: list[str]
    sha: str = ""
    _cov_params: Uncertain | None = field(default=None, repr=False)
    _key_memo: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.sha = _sha({"scenario": self.raw, "where": self.where})
        self._cov_params = Uncertain(self.uncertain.coverage_params(), self.where)

    @property
    def id(self) -> str:
        return f"{self.sha[:16]}-{self.seed}"

    def values(self, run_index: int) -> dict[str, Any]:
        return self.uncertain.sample(self.seed, run_index)

    def coverage_values(self, run_index: int) -> dict[str, Any]:
        """The values of the coverage parameters alone of run ``run_index`` (as in :meth:`values`)."""
        return self._cov_params.sample(self.seed, run_index)

    def coverage_key(self, values: dict[str, Any]) -> str:
        """A hash of what :func:`foxbat.sim.prepare` reads with these values put in (memoised by
        the values of the coverage parameters: hashing the radars costs more than the rest
        of a run's bookkeeping)."""
        memo_key = tuple(values[p.column] for p in self._cov_params.params)
        key = self._key_memo.get(memo_key)
        if key is None:
            sub = coverage_subset(self.raw, self.where)
            if self._cov_params:
                sub, _ = apply_params(sub, self._cov_params, values)
            key = _sha(sub)
            if len(self._key_memo) >= 4096:  # continuous coverage parameters: every run its own key
                self._key_memo.clear()
            self._key_memo[memo_key] = key
        return key

    def scenario(self, values: dict[str, Any]):
        """The RunScenario of a run with these values, and its low-level height (or None)."""
        from foxbat.scenario.run import parse_run_scenario

        raw, low = apply_params(self.raw, self.uncertain, values)
        return parse_run_scenario(raw, self.where), low

    @property
    def history_columns(self) -> list[str]:
        """One column per recorded figure of the scenario's history: ``history.<row>.<figure>``."""
        return [history_column(r, q) for r, q in history_figures(self.raw)]

    def meta(self) -> dict:
        return {"format": FORMAT_VERSION, "scenario": self.where, "scenario_sha256": self.sha, "seed": self.seed,
                "sides": self.sides, "uncertain": self.uncertain.describe(), "history": self.history_columns}


def history_figures(raw: dict) -> list[tuple[str, str]]:
    """(row id, figure) of every recorded figure of a scenario's history: 'time' (or 'none'
    for a recorded non-event) and each where figure it records."""
    from foxbat.provenance import QUANTITIES

    out = []
    for h in raw.get("history") or []:
        if not isinstance(h, dict) or not h.get("id"):
            continue
        if h.get("expect_none"):
            out.append((h["id"], "none"))
        elif h.get("time_local"):
            out.append((h["id"], "time"))
        out += [(h["id"], q) for q in QUANTITIES if q != "time" and h.get(q) is not None]
    return out


def history_column(row_id: str, figure: str) -> str:
    return f"history.{row_id}.{figure}"


def history_outcomes(res) -> dict[str, str]:
    """Column -> verdict of each recorded figure in one run: 'agrees', 'disagrees', 'not simulated'
    for predictions, else its basis ('input', 'calibrated')."""
    from foxbat.history import compare
    from foxbat.history_compare import WHERE_COLUMNS

    out = {}
    for r in compare(res):
        fig = "none" if r["recorded_local"] == "none" else "time"
        if r["recorded_local"]:
            out[history_column(r["id"], fig)] = r["agreement"] or r["basis"]
        for q, (stem, _) in WHERE_COLUMNS.items():
            if r[f"recorded_{q}"]:
                out[history_column(r["id"], q)] = r[f"{stem}_agreement"] or r[f"{stem}_basis"]
    return out


def load_study(name_or_path: str | None, seed: int | None = None) -> Study:
    """Read a scenario (file or built-in name) and its ``uncertain`` section."""
    from foxbat.scenario.run import load_run_scenario

    sc = load_run_scenario(name_or_path)
    return study_from_scenario(sc, seed)


def study_from_scenario(sc, seed: int | None = None) -> Study:
    unc = parse_uncertain(sc.raw.get("uncertain"), sc.raw, sc.where)
    return Study(sc.raw, sc.where, unc, sc.defenders.seed if seed is None else int(seed),
                 [s.name for s in sc.defenders.sides])


# ---------------------------------------------------------------- worker side
def prepare_counted(sc):
    """:func:`foxbat.sim.prepare`, counted in ``PREPARE_CALLS``."""
    from foxbat import sim

    global PREPARE_CALLS
    PREPARE_CALLS += 1
    return sim.prepare(sc)


def get_prepared(key: str, sc, study_id: str = ""):
    """The shared coverage for ``key``: shipped by the driver, cached here, or computed once."""
    pinned = _PINNED.get(study_id, {})
    if key in pinned:
        return pinned[key]
    if key in _LRU:
        _LRU.move_to_end(key)
        return _LRU[key]
    global RUN_PREPARE_CALLS
    RUN_PREPARE_CALLS += 1
    p = prepare_counted(sc)
    _LRU[key] = p
    while len(_LRU) > WORKER_CACHE:
        _LRU.popitem(last=False)
    return p


def prepare_calls() -> int:
    return PREPARE_CALLS


def run_prepare_calls() -> int:
    return RUN_PREPARE_CALLS


def prepare_run(study: Study, run_index: int):
    """The coverage (:func:`foxbat.sim.prepare`) of run ``run_index``'s values: a Dask task."""
    sc, _ = study.scenario(study.values(run_index))
    return prepare_counted(sc)


class StudyPlugin(WorkerPlugin):
    """Installs a study and its precomputed coverage on every worker, present and future
    (the scheduler keeps the plugin and sets it up on workers that join later)."""

    idempotent = False

    def __init__(self, study: Study, prepared: dict[str, Any]):
        self.study = study
        self.prepared = prepared
        self.name = f"foxbat-montecarlo-{study.id}"

    def setup(self, worker=None):
        _STUDIES[self.study.id] = self.study
        _PINNED[self.study.id] = dict(self.prepared)
        import gc

        self._frozen_before = gc.get_freeze_count()
        freeze_heap()

    def teardown(self, worker=None):
        _STUDIES.pop(self.study.id, None)
        _PINNED.pop(self.study.id, None)
        import gc

        if getattr(self, "_frozen_before", 0) == 0:  # as before setup: what the study kept is collectable again
            gc.unfreeze()


def freeze_heap() -> None:
    """Keep what a worker holds for its runs (the imports, the study, its coverage: about a
    million objects) out of Python's cyclic collections: ``gc.freeze`` after one collection.
    The full collections a run's garbage sets off then scan only the runs' own objects: on the
    flagship about 9-10 ms of collection per run before, 4 ms after (gc callbacks over 36
    runs). Reference counting still frees what a run drops."""
    import gc

    gc.collect()
    gc.freeze()


def run_one(study_id: str, run_index: int) -> dict:
    """One run on a worker: the row of the results table."""
    study = _STUDIES.get(study_id)
    if study is None:
        raise RuntimeError(f"study {study_id} is not installed on this worker (plugin missing)")
    return run_row(study, run_index)


def run_many(study_id: str, run_indices: list[int]) -> list[dict]:
    """Several runs on a worker, one after the other: their rows (one Dask task for several
    short runs, so the scheduler's and the driver's cost per task is shared by them)."""
    return [run_one(study_id, i) for i in run_indices]


def run_row(study: Study, run_index: int) -> dict:
    """Sample run ``run_index``, run it, and summarise it as one row (also usable in-process)."""
    from foxbat import sim

    values = study.values(run_index)
    rseed = run_seed(study.seed, run_index)
    row = {"run": int(run_index), "seed": rseed, **values}
    try:
        sc, low = study.scenario(values)
        prepared = get_prepared(study.coverage_key(values), sc, study.id)
        res = sim.run(sc, seed=rseed, low_level_m=low, prepared=prepared)
    except FoxbatError as exc:  # a sampled value the scenario cannot fly: a row that says so
        row.update(_empty_outcome(study.sides))
        row.update({c: "" for c in study.history_columns})
        row.update(outcome="error", error=str(exc))
        return row
    row.update(outcome_columns(res, study.sides))
    verdicts = history_outcomes(res)
    row.update({c: verdicts.get(c, "") for c in study.history_columns})
    return row


def _empty_outcome(sides: list[str]) -> dict:
    out: dict[str, Any] = {}
    for s in sides:
        out[f"detected.{s}"] = False
        out[f"first_detection_t_s.{s}"] = math.nan
        out[f"time_tracked_s.{s}"] = math.nan
    out.update(intercepted=False, intercept_t_s=math.nan, flight_outcome="", outcome="", escaped=False,
               fuel_end_kg=math.nan, fuel_at_landing_kg=math.nan, landing_t_s=math.nan, error="")
    return out


def outcome_columns(res, sides: list[str]) -> dict:
    """Per side first detection and time tracked, interception, the flight's end.

    ``outcome``: 'intercepted' when any interceptor made an intercept (held the target
    within weapons range, and in sight where its weapons need it); else 'escaped' when the
    intruder landed (roll-out finished, overrun included); else the flight's own end
    ('crashed', 'left_dem', 'max_duration', 'route_end')."""
    from foxbat.run_output import summary

    s = summary(res)
    out = _empty_outcome(sides)
    for side in sides:
        info = s["sides"].get(side, {})
        first = info.get("first_detection_t_s")
        out[f"detected.{side}"] = first is not None
        out[f"first_detection_t_s.{side}"] = math.nan if first is None else float(first)
        out[f"time_tracked_s.{side}"] = float(info.get("time_tracked_s") or 0.0)
    ix = [e["t_s"] for e in res.events if e["kind"] == "intercept"]
    intercepted = bool(s["intruder"]["intercepted"]) or bool(ix)
    flight = res.intruder.outcome
    landing = [e for e in res.events if e["kind"] == "landing" and e.get("actor") == res.scenario.defenders.intruder.id]
    out["intercepted"] = intercepted
    out["intercept_t_s"] = float(min(ix)) if ix else math.nan
    out["flight_outcome"] = flight
    out["outcome"] = "intercepted" if intercepted else ("escaped" if flight == "landed" else flight)
    out["escaped"] = out["outcome"] == "escaped"
    out["fuel_end_kg"] = float(s["intruder"]["fuel_end_kg"])
    if flight == "landed" and landing:
        out["landing_t_s"] = float(landing[0]["t_s"])
        out["fuel_at_landing_kg"] = float(landing[0].get("fuel_kg", s["intruder"]["fuel_end_kg"]))
    return out


# ---------------------------------------------------------------- table
def schema(study: Study):
    import pyarrow as pa

    fields = [pa.field("run", pa.int64()), pa.field("seed", pa.int64())]
    for p in study.uncertain.params:
        fields.append(pa.field(p.column, pa.string() if p.is_text else pa.float64()))
    for s in study.sides:
        fields += [pa.field(f"detected.{s}", pa.bool_()), pa.field(f"first_detection_t_s.{s}", pa.float64()),
                   pa.field(f"time_tracked_s.{s}", pa.float64())]
    fields += [pa.field("intercepted", pa.bool_()), pa.field("intercept_t_s", pa.float64()),
               pa.field("flight_outcome", pa.string()), pa.field("outcome", pa.string()),
               pa.field("escaped", pa.bool_()), pa.field("fuel_end_kg", pa.float64()),
               pa.field("fuel_at_landing_kg", pa.float64()), pa.field("landing_t_s", pa.float64()),
               pa.field("error", pa.string())]
    fields += [pa.field(c, pa.string()) for c in study.history_columns]
    return pa.schema(fields, metadata={META_KEY: json.dumps(study.meta(), default=str).encode()})


def write_rows(path: Path, study: Study, rows: list[dict]) -> None:
    """All rows, sorted by run index, as one Parquet file: temp file, then os.replace."""
    RowTable(study, rows).write(path)


class RowTable:
    """A study's rows, kept as an Arrow table: a flush converts only the rows added since the
    last one (turning every row of a 10,000-row table into columns again at each batch cost
    0.3 s of the driver's CPU per flush, taken from the workers on a small machine)."""

    def __init__(self, study: Study, rows: list[dict] = ()):
        self.schema = schema(study)
        self.table = self.schema.empty_table()
        self.pending: list[dict] = list(rows)

    def __len__(self) -> int:
        return self.table.num_rows + len(self.pending)

    def append(self, row: dict) -> None:
        self.pending.append(row)

    def sorted_table(self):
        """Every row, sorted by run index, in one chunk."""
        import pyarrow as pa

        if self.pending:
            new = pa.table({f.name: [r.get(f.name) for r in self.pending] for f in self.schema}, schema=self.schema)
            self.table = pa.concat_tables([self.table, new]).sort_by("run").combine_chunks()
            self.pending = []
        return self.table

    def write(self, path: Path) -> None:
        import pyarrow.parquet as pq

        from foxbat.atomic import atomic_output

        table = self.sorted_table()
        with atomic_output(path) as tmp:
            pq.write_table(table, tmp)


def read_existing(path: Path, study: Study, n_runs: int | None = None) -> list[dict]:
    """Rows already in ``path`` (for resuming); checks they come from the same study (the
    scenario's hash and seed), that every run index is in ``0 .. n_runs-1`` and given once, and
    that each row's seed and sampled values are those its index derives from the seed."""
    import pyarrow.parquet as pq

    if not path.exists():
        return []
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - any pyarrow failure means "not our file"
        raise InputFileError(f"exists but is not a readable Parquet file ({type(exc).__name__}); "
                             "give another --out or delete it", where=str(path)) from None
    meta = (table.schema.metadata or {}).get(META_KEY)
    if meta is None:
        raise InputFileError("exists but was not written by foxbat montecarlo; give another --out or delete it",
                             where=str(path))
    m = json.loads(meta)
    if m.get("scenario_sha256") != study.sha or int(m.get("seed", -1)) != study.seed:
        raise InputFileError(
            f"holds runs of another scenario or seed (seed {m.get('seed')}, scenario {m.get('scenario')}); "
            "resuming needs the same scenario file and --seed: give another --out or delete it", where=str(path))
    if table.schema.remove_metadata() != schema(study).remove_metadata():
        raise InputFileError("its columns differ from this study's; give another --out or delete it",
                             where=str(path))
    rows = table.to_pylist()
    _check_rows(rows, study, n_runs, str(path))
    return rows


def _check_rows(rows: list[dict], study: Study, n_runs: int | None, where: str) -> None:
    """Refuse a table whose rows are not those this study would write: an index out of range or
    given twice, a seed or a sampled value other than the index derives (an altered table)."""
    seen: set[int] = set()
    fix = "give another --out or delete it"
    for row in rows:
        i = row.get("run")
        if i is None or i < 0 or (n_runs is not None and i >= n_runs):
            rng = f"0..{n_runs - 1}" if n_runs is not None else ">= 0"
            raise InputFileError(f"holds run index {i}, outside {rng} (--runs {n_runs}); give --runs above it, "
                                 f"or {fix}", where=where)
        if i in seen:
            raise InputFileError(f"holds run {i} twice; the table was altered: {fix}", where=where)
        seen.add(i)
        if row.get("seed") != run_seed(study.seed, i):
            raise InputFileError(f"run {i} has seed {row.get('seed')}, not {run_seed(study.seed, i)} derived from "
                                 f"seed {study.seed}; the table was altered: {fix}", where=where)
        for col, v in study.values(i).items():
            got = row.get(col)
            same = got == v or (isinstance(v, float) and isinstance(got, float) and math.isnan(v) and math.isnan(got))
            if not same:
                raise InputFileError(f"run {i} has {col} = {got!r}, not the {v!r} its seed draws; the table was "
                                     f"altered: {fix}", where=where)


# ---------------------------------------------------------------- driver
@dataclass
class Outcome:
    """What :func:`run_study` did."""

    out: Path
    total_rows: int
    new_rows: int
    skipped: int
    failed: dict[int, str]
    wall_s: float
    coverage_sets: int  # coverage sets computed (once each, on the workers) and shipped to every worker


def _precompute(study: Study, todo: list[int], say: Callable[[str], None], client=None,
                retries: int = 2) -> dict[str, Any]:
    """Coverage for each distinct set of coverage-affecting values among the runs to do:
    computed as Dask tasks on ``client``'s workers (each set once, spread over them), or in
    this process without a client."""
    first = _distinct_coverage(study, todo, say)
    if client is None:
        return {key: prepare_run(study, i) for key, i in first.items()}
    futs = [client.submit(prepare_run, study, i, key=f"foxbat-mc-prepare-{study.id}-{i}", pure=False,
                          retries=retries) for i in first.values()]
    try:
        return dict(zip(first, client.gather(futs)))
    finally:
        for f in futs:
            f.release()


def _distinct_coverage(study: Study, todo: list[int], say: Callable[[str], None]) -> dict[str, int]:
    """Coverage key -> the first run index that has it, for up to MAX_PRECOMPUTED keys."""
    first: dict[str, int] = {}
    if study.uncertain.coverage_params():
        for i in todo:
            key = study.coverage_key(study.coverage_values(i))  # 10,000 runs: 1 s here, not 5
            if key not in first:
                first[key] = i
                if len(first) >= MAX_PRECOMPUTED:
                    say(f"more than {MAX_PRECOMPUTED} distinct coverage sets: workers compute the rest as needed")
                    break
    elif todo:
        first[study.coverage_key(study.values(todo[0]))] = todo[0]
    return first


def run_study(study: Study, client, n_runs: int, out: str | os.PathLike, *, batch: int = 64, flush_s: float = 15.0,
              retries: int = 2, window: int | None = None, runs_per_task: int | None = None, progress: bool = True,
              on_result: Callable[[dict, int], None] | None = None,
              say: Callable[[str], None] = lambda _m: None, no_workers_s: float = 30.0) -> Outcome:
    """Run indices ``0 .. n_runs-1`` of ``study`` on a Dask ``client``, skipping those already in
    ``out``; stream results into ``out`` (Parquet). ``on_result(row, n_done)`` is called after
    each result (tests use it to kill a worker mid-study). When the cluster has had no worker
    for ``no_workers_s`` the study stops with a ClusterError (the finished runs are saved).
    A Dask task makes ``runs_per_task`` consecutive runs (default: as many as leave at least
    32 tasks per worker, at most 8, so the last tasks leave workers idle for a short time)."""
    from distributed import as_completed

    t0 = time.perf_counter()
    path = Path(out)
    if path.is_dir():
        raise InputFileError("is a folder; give a .parquet file name", where="--out")
    if not path.parent.exists():
        raise InputFileError("its folder does not exist", where=f"--out {path}")
    existing = read_existing(path, study, n_runs)
    done = {int(r["run"]) for r in existing}
    rows = RowTable(study, existing)
    todo = [i for i in range(n_runs) if i not in done]
    skipped = n_runs - len(todo)
    if not todo:
        return Outcome(path, len(rows), 0, skipped, {}, time.perf_counter() - t0, 0)
    say("coverage (shared by the runs)")
    t_cov = time.perf_counter()
    prepared = _precompute(study, todo, say, client, retries)
    say(f"{len(prepared)} coverage set{'s' if len(prepared) != 1 else ''} computed on the workers in "
        f"{time.perf_counter() - t_cov:.1f} s, sent to each worker once")
    plugin = StudyPlugin(study, prepared)
    client.register_plugin(plugin, name=plugin.name)
    n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    window = window or max(32, 8 * n_workers)  # tasks in flight
    per_task = runs_per_task or max(1, min(8, len(todo) // (32 * n_workers)))
    failed: dict[int, str] = {}
    new = 0
    pending = iter([todo[k:k + per_task] for k in range(0, len(todo), per_task)])
    futures: dict = {}  # future -> its run indices
    ac = as_completed()

    def submit_more():
        """Fill the window in one graph (one message to the scheduler for many tasks: per task
        submitted alone, the scheduler and this process spend ~20 % more CPU, which a small
        machine takes from its workers)."""
        groups = list(itertools.islice(pending, window - len(futures)))
        if groups:
            fs = client.map(run_many, [study.id] * len(groups), groups, pure=False, retries=retries,
                            key=[f"foxbat-mc-{study.id}-{g[0]}-{len(g)}" for g in groups])
            futures.update(zip(fs, groups))
            ac.update(fs)

    submit_more()
    last_flush = time.monotonic()
    unflushed = 0
    bar = _Progress(progress, total=n_runs, completed=skipped, desc=f"{study.where}")
    bug: BaseException | None = None
    try:
        with bar:
            for fut in _completed(ac, client, no_workers_s, path):
                group = futures.pop(fut)
                if fut.status == "finished":
                    for row in fut.result():
                        if int(row["run"]) not in done:  # each index once, whatever happens
                            done.add(int(row["run"]))
                            rows.append(row)
                            new += 1
                            unflushed += 1
                        bar.advance()
                        if on_result is not None:
                            on_result(row, new)
                else:
                    exc = fut.exception()
                    failed.update({i: f"{type(exc).__name__}: {exc}" for i in group})
                    if type(exc).__name__ != "KilledWorker":  # a bug: stop, keep what is done
                        bug = exc
                        break
                fut.release()
                if len(futures) <= window // 2:
                    submit_more()
                if unflushed and (unflushed >= batch or time.monotonic() - last_flush >= flush_s):
                    rows.write(path)
                    unflushed, last_flush = 0, time.monotonic()
    finally:
        for f in futures:
            f.cancel()
        if unflushed or not path.exists():
            rows.write(path)
        try:
            client.unregister_worker_plugin(plugin.name)
        except Exception:  # noqa: BLE001 - a closing cluster; nothing to free
            pass
    if bug is not None:
        tb = "".join(traceback.format_exception(bug)) if bug.__traceback__ else str(bug)
        raise RuntimeError(f"a run failed with an unexpected error (a bug in foxbat):\n{tb}") from bug
    return Outcome(path, len(rows), new, skipped, failed, time.perf_counter() - t0, len(prepared))


def _completed(ac, client, no_workers_s: float, out: Path):
    """The futures of ``ac`` as they finish (futures added meanwhile included). Polls instead of
    blocking, so Ctrl-C always ends the wait, and raises ClusterError when the cluster has had
    no worker for ``no_workers_s`` (workers that keep dying, a scheduler left alone)."""
    from foxbat.errors import ClusterError

    alone_since: float | None = None
    next_check = 0.0
    while not ac.is_empty():
        batch = ac.next_batch(block=False) if ac.has_ready() else []
        if batch:
            alone_since = None
            yield from batch
            continue
        now = time.monotonic()
        if now < next_check:  # asking the scheduler costs it and this process CPU the workers need
            _wait_for_a_result(ac, next_check - now)
            continue
        next_check = now + 0.5
        try:
            n = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        except Exception:  # noqa: BLE001 - a scheduler that is gone has no workers
            n = 0
        if n:
            alone_since = None
        elif alone_since is None:
            alone_since = now
        elif now - alone_since >= no_workers_s:
            raise ClusterError(f"the Dask cluster has had no worker for {no_workers_s:g} s (they keep dying or "
                               f"were stopped); the finished runs are saved in {out}: run the same command again "
                               "to resume", where="montecarlo")
        _wait_for_a_result(ac, 0.5)


def _wait_for_a_result(ac, timeout_s: float) -> None:
    """Sleep until ``ac`` has a result (as_completed notifies its condition then) or ``timeout_s``
    passes: no busy polling (at 50 wake-ups a second, 5-10 ms of this process's CPU per
    flagship run). Ctrl-C interrupts the wait. Without that condition, a short sleep."""
    cond = getattr(ac, "thread_condition", None)
    if cond is None:
        time.sleep(min(timeout_s, 0.02))
        return
    with cond:
        if not ac.has_ready():
            cond.wait(timeout=timeout_s)


class _Progress:
    """A rich progress bar with runs/s and ETA, or nothing."""

    def __init__(self, enabled: bool, total: int, completed: int, desc: str):
        self.p = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.p = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                              TimeRemainingColumn(), console=Console(stderr=True))
            self.task = self.p.add_task(desc, total=total, completed=completed, rate="")
            self.t0 = time.perf_counter()
            self.n = 0

    def __enter__(self):
        if self.p:
            self.p.__enter__()
        return self

    def __exit__(self, *exc):
        if self.p:
            self.p.__exit__(*exc)

    def advance(self):
        if self.p:
            self.n += 1
            dt = time.perf_counter() - self.t0
            self.p.update(self.task, advance=1, rate=f"{self.n / dt:.2f} runs/s" if dt > 0 else "")


# ---------------------------------------------------------------- clients
__all__ = ["Study", "load_study", "study_from_scenario", "run_study", "run_row", "run_seed", "local_client",
           "remote_client", "ScenarioError"]
