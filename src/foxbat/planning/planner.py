"""Plan the least visible route: grid, costs, search and the Lagrangian sweep on fuel.

>>> from foxbat.planning import plan_route
>>> plan = plan_route(dem, radars, load_aircraft("MiG-25P"), (44.09, 133.87), (41.70, 140.71),
...                   fuel_kg=14000, reserve_kg=700, rcs_m2=10, swerling=1)   # doctest: +SKIP
>>> plan.cumulative_pd, plan.fuel_left_kg   # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from foxbat.aircraft.performance import Aircraft
from foxbat.errors import FoxbatError, ParameterError
from foxbat.geo import wgs84_geod
from foxbat.planning import costs
from foxbat.planning.graph import BETWEEN, DEFAULT_LAYERS_M, MIDS, MOVES, build_grid, window
from foxbat.planning.search import astar, decode, node_bound, path_states


class InfeasibleRouteError(FoxbatError):
    """No route reaches the goal with the fuel and reserve given."""


@dataclass
class Waypoint:
    lat: float
    lon: float
    height_agl_m: float
    ground_m: float
    mach: float
    speed: str  # "economy" or "dash" (or "set" for --mach)
    row: int
    col: int
    layer: int
    heading: int
    t_s: float  # model time since the start node
    fuel_used_kg: float  # model fuel since the start node


@dataclass(frozen=True)
class Floor:
    """A re-plan's constraint: within ``radius_m`` of (lat, lon) the route flies no lower
    than ``min_height_agl_m`` above ground (``math.inf``: keeps out of the circle)."""

    lat: float
    lon: float
    radius_m: float
    min_height_agl_m: float


@dataclass(frozen=True)
class RoughFloor:
    """A re-plan's constraint learnt from a crash in rough terrain: wherever the terrain
    is at least as rough as at the grid cell nearest (lat, lon) (relief, the highest
    minus the lowest DEM cell within a grid step), the route flies no lower than
    ``min_height_agl_m`` above ground. The flight model could not hold the height flown
    there, so it is not asked to anywhere rougher."""

    lat: float
    lon: float
    min_height_agl_m: float


@dataclass
class Candidate:
    lam: float
    fuel_kg: float
    hazard: float
    feasible: bool


@dataclass
class Plan:
    """A planned route and how it was found. Model figures (the planner's grid model):
    ``hazard`` = ∫ρ dt over the counted radars, ``cumulative_pd`` per side."""

    waypoints: list[Waypoint]
    start: tuple[float, float]
    goal: tuple[float, float]
    fuel_kg: float
    reserve_kg: float
    allowance_kg: float
    fuel_used_kg: float
    hazard: float
    cumulative_pd: dict[str, float]
    distance_m: float
    duration_s: float
    lam: float
    candidates: list[Candidate]
    grid_shape: tuple[int, int]
    layers_m: tuple[float, ...]
    n_states: int
    seconds: dict[str, float] = field(default_factory=dict)
    sides: tuple[str, ...] = ()
    stride: int = 1  # every N-th DEM cell

    @property
    def fuel_left_kg(self) -> float:
        """Model fuel left at the goal after the take-off/landing allowance."""
        return self.fuel_kg - self.allowance_kg - self.fuel_used_kg


def _parse_layers(layers_m) -> np.ndarray:
    h = np.array(sorted(float(x) for x in layers_m))
    if h.size < 1 or not np.all(np.isfinite(h)) or h[0] < 0 or np.any(np.diff(h) <= 0):
        raise ParameterError("height layers must be distinct finite heights >= 0 m", where="--layers")
    return h


def plan_route(dem, radars, aircraft: Aircraft, start: tuple[float, float], goal: tuple[float, float], *,
               fuel_kg: float, reserve_kg: float = 0.0, allowance_kg: float = 0.0, payload_kg: float = 0.0,
               rcs_m2: float = 10.0, swerling: int = 1, layers_m=DEFAULT_LAYERS_M, sides=None,
               mach: float | None = None, load_factor: float | None = None, margin_km: float | None = 200.0,
               stride: int | None = None, sea: str = "sea_state_3", land: str = "wooded_hills", k: float = 4.0 / 3.0,
               airborne_start: bool = False, max_iterations: int = 8, max_turn_deg: float = 90.0,
               max_layer_step: int = 2, floors: tuple[Floor, ...] = (), rough_floors: tuple[RoughFloor, ...] = (),
               clear_between_m: float = -1.0,
               cache: dict | None = None, where: str = "plan") -> Plan:
    """The least visible route from ``start`` to ``goal`` (lat, lon) that keeps
    ``reserve_kg`` of ``fuel_kg``.

    radars: :class:`foxbat.sensing.ground.GroundRadar` objects whose coverage rasters
    lie on ``dem``'s grid (as :func:`foxbat.sim.prepare` builds them); ``sides`` the
    sides whose radars count (default all). ``stride``: every N-th DEM cell (None: the
    least that keeps the grid within :data:`foxbat.planning.graph.MAX_AUTO_CELLS`
    cells). ``allowance_kg``: fuel set aside for what
    the grid does not model (take-off, approach and landing). ``mach``: one Mach for
    every layer; default each move chooses the economy Mach (least fuel per distance
    at the layer) or a dash at Mach 0.9. ``floors``: :class:`Floor` constraints (a
    re-plan after a failed check flight); ``rough_floors``: :class:`RoughFloor`
    constraints; the start and goal cells are exempt from both.
    ``clear_between_m`` >= 0: each move also clears the cells it crosses between its
    ends by this much (see :func:`foxbat.planning.search.astar`). ``cache``: a dict
    kept between calls on the same DEM and radars (re-plans) that holds the grid and
    the hazard rasters, which do not change with the constraints or the fuel. Raises :class:`InfeasibleRouteError` when even
    the least-fuel route runs short, saying how far the fuel reaches.
    """
    t0 = time.perf_counter()
    secs: dict[str, float] = {}
    heights = _parse_layers(layers_m)
    if not (math.isfinite(fuel_kg) and fuel_kg > 0):
        raise ParameterError(f"fuel must be > 0 kg, got {fuel_kg:g}", where="--fuel-kg")
    if not (math.isfinite(reserve_kg) and reserve_kg >= 0):
        raise ParameterError(f"reserve must be >= 0 kg, got {reserve_kg:g}", where="--reserve-kg")
    sides_all = sorted({r.side for r in radars})
    counted = tuple(sides_all if sides is None else sides)
    unknown = [s for s in counted if s not in sides_all]
    if unknown:
        raise ParameterError(f"no radars of side {unknown[0]!r}; sides with radars: {', '.join(sides_all)}",
                             where="--avoid")

    cache = {} if cache is None else cache
    rows, cols, stride = window(dem, [start, goal], margin_km, stride)
    gkey = ("grid", id(dem), rows[0], rows[-1], cols[0], cols[-1], stride)
    if gkey not in cache:
        cache.clear()  # another grid: the hazard rasters go with it
        cache[gkey] = build_grid(dem, rows, cols, stride)
    grid = cache[gkey]
    nr, nc = grid.shape
    sr, sc_ = grid.nearest(*start)
    gr, gc = grid.nearest(*goal)
    if (sr, sc_) == (gr, gc):
        raise ParameterError("start and goal fall in the same grid cell; nothing to plan", where=where)
    secs["grid"] = time.perf_counter() - t0

    # speeds: Mach per layer and option
    if mach is not None:
        machs = np.array([[mach] for _ in heights])
        speed_names = ("set",)
    else:
        machs = np.array([[costs.economy_mach(aircraft, h), costs.dash_mach(aircraft, h)] for h in heights])
        speed_names = ("economy", "dash")
    ac = aircraft
    mass = ac.empty_mass_kg + payload_kg + 0.5 * fuel_kg
    tas, ff, climb = costs.node_tables(grid.ground_m, heights, machs, ac.scalars, ac.max_mach_alt_m, ac.max_mach,
                                       ac.aero, float(mass))
    if floors:
        _apply_floors(tas, grid, heights, floors, ((sr, sc_), (gr, gc)))
    if rough_floors:
        rkey = ("relief",) + gkey
        if rkey not in cache:
            cache[rkey] = cell_relief_m(dem, rows, cols, stride)
        _apply_rough_floors(tas, grid, cache[rkey], heights, rough_floors, ((sr, sc_), (gr, gc)))
    k_climb, idle, max_desc = costs.fuel_constants(ac, mass)
    n_load = min(2.5, ac.max_load_factor) if load_factor is None else float(load_factor)
    if n_load <= 1.0:
        raise ParameterError(f"load factor must be > 1, got {n_load:g}", where="--load-factor")
    turn_g = 9.80665 * math.sqrt(n_load ** 2 - 1.0)

    # hazard rate per side on the grid
    t1 = time.perf_counter()
    # kept per layer height, so a re-plan that drops the lowest layer reuses the others
    hkey = ("hazard", tuple(id(r) for r in radars), rcs_m2, swerling, sea, land, k)
    by_height = cache.setdefault(hkey, {})
    missing = tuple(float(h) for h in heights if float(h) not in by_height)
    if missing:
        lowest = [grid.sample(r.lowest_agl.heights_m) for r in radars]
        new = {}
        for s in sides_all:
            idx = [i for i, r in enumerate(radars) if r.side == s]
            new[s] = costs.hazard_rate_grid([radars[i] for i in idx], grid.lat, grid.lon, grid.ground_m,
                                            [lowest[i] for i in idx], np.array(missing), rcs_m2, swerling, sea,
                                            land, k)
        for li, h in enumerate(missing):
            by_height[h] = {s: new[s][li] for s in sides_all}
    rho_side = {s: np.stack([by_height[float(h)][s] for h in heights]) for s in sides_all}
    rho = np.zeros((heights.size, nr, nc))
    for s in counted:
        rho += rho_side[s]
    secs["hazard"] = time.perf_counter() - t1

    g = wgs84_geod()
    _, _, dgoal = g.inv(grid.lon.ravel(), grid.lat.ravel(), np.full(grid.lat.size, grid.lon[gr, gc]),
                        np.full(grid.lat.size, grid.lat[gr, gc]))
    dist_goal = np.asarray(dgoal, float).reshape(grid.shape)
    bear_rad = np.radians(grid.move_bearing_deg)
    start_layers = np.arange(heights.size) if airborne_start else np.array([0])
    budget = fuel_kg - reserve_kg - allowance_kg
    if not 0 < max_turn_deg < 180:
        raise ParameterError(f"must be within (0, 180) degrees, got {max_turn_deg:g}", where="--max-turn-deg")
    max_ring = int(min(7, math.ceil(max_turn_deg / 22.5)))  # ring steps of the 16 moves (about 22.5 deg each)
    tas_t = np.ascontiguousarray(np.moveaxis(tas, 0, 2))
    ff_t = np.ascontiguousarray(np.moveaxis(ff, 0, 2))
    climb_t = np.ascontiguousarray(np.moveaxis(climb, 0, 2))
    rho_t = np.ascontiguousarray(np.moveaxis(rho, 0, 2))

    def raw_search(w_haz: float, w_fuel: float, to_goal: bool = True):
        h_node = node_bound(heights, grid.ground_m, rho_t, tas_t, ff_t, climb_t, grid.move_len_m, MOVES, MIDS, k_climb,
                            idle, max_desc, w_haz, w_fuel, gr, gc, max_layer_step, BETWEEN, float(clear_between_m),
                            sr, sc_, start_layers) if to_goal else np.zeros(tas_t.shape[:3])
        return astar(heights, grid.ground_m, rho_t, tas_t, ff_t, climb_t, grid.move_len_m, bear_rad, MOVES, MIDS,
                     h_node, k_climb, idle, max_desc, turn_g, math.radians(max_turn_deg), w_haz, w_fuel,
                     sr, sc_, start_layers, gr if to_goal else -1, gc, max_ring, max_layer_step, BETWEEN,
                     float(clear_between_m))

    def search(w_haz: float, w_fuel: float):
        """One search, kept small: (goal, fuel, hazard, path states, speed and fuel along
        the path). The per-state arrays (tens of bytes per state, a GB on a large grid)
        are dropped here, so only one search's arrays live at a time."""
        goal_, _g, fuel_, haz_, pred_, spd_, _done = raw_search(w_haz, w_fuel)
        del _g, _done
        if goal_ < 0:
            return goal_, math.inf, math.inf, [], [], []
        st = path_states(int(goal_), pred_)
        return (goal_, float(fuel_[goal_]), float(haz_[goal_]), st, [int(spd_[x]) for x in st],
                [float(fuel_[x]) for x in st])

    t2 = time.perf_counter()
    cands: list[Candidate] = []
    # 1. the least visible route (fuel breaks ties only): if it keeps the reserve, it is the
    # answer, and the least-fuel search is not needed
    eps = 1e-7
    goal_0, f_0, h_0, st_0, spd_0, fp_0 = search(1.0, eps)
    if goal_0 < 0:
        raise InfeasibleRouteError("no route reaches the goal on the planning grid (cut off by missing terrain "
                                   "data, the ceiling or the climb limits); widen --margin-km or lower --stride",
                                   where=where)
    lam = 0.0
    cands.append(Candidate(0.0, f_0, h_0, f_0 <= budget))
    if f_0 <= budget:
        best = (goal_0, f_0, h_0, st_0, spd_0, 0.0, fp_0)
    else:
        # 2. the least-fuel route: if it runs short, nothing reaches the goal
        goal_f, f_f, h_f, st_f, spd_f, fp_f = search(1e-9, 1.0)
        best = (goal_f, f_f, h_f, st_f, spd_f, math.inf, fp_f)
        cands.append(Candidate(math.inf, f_f, h_f, f_f <= budget))
        if f_f > budget:
            _reach_error(raw_search, f_f, budget, fuel_kg, reserve_kg, allowance_kg, dist_goal, sr, sc_, grid,
                         heights, where)
        # 3. Handler-Zang: λ from the two bracketing routes until the hull stops moving
        lo = (f_0, h_0)
        hi = (f_f, h_f)
        for _ in range(max_iterations):
            if lo[0] - hi[0] <= 1e-9:
                break
            lam = max((hi[1] - lo[1]) / (lo[0] - hi[0]), 1e-12)
            goal_l, f_l, h_l, st_l, spd_l, fp_l = search(1.0, lam + eps)
            cands.append(Candidate(lam, f_l, h_l, f_l <= budget))
            # no new point below the line through lo and hi: the hull is complete
            line = lo[1] + lam * lo[0]
            if h_l + lam * f_l >= line - 1e-9 * max(1.0, abs(line)):
                break
            if f_l <= budget:
                hi = (f_l, h_l)
                if h_l < best[2]:
                    best = (goal_l, f_l, h_l, st_l, spd_l, lam, fp_l)
            else:
                lo = (f_l, h_l)
    secs["search"] = time.perf_counter() - t2
    goal_s, fuel_used, hazard, states, spd, lam, fuel_path = best

    # the route's nodes
    wps: list[Waypoint] = []
    t_acc = 0.0
    dist = 0.0
    fuel_acc = 0.0
    prev = None
    for i_st, st in enumerate(states):
        layer, r, c, h = decode(st, heights.size, nc)
        if prev is not None:
            pl, pr, pc, _ = prev
            s = int(spd[i_st])
            L = float(grid.move_len_m[pr, pc, h])
            v = 0.5 * (tas[pl, pr, pc, s] + tas[layer, r, c, s])
            t_acc += L / v
            dist += L
            mach_v = float(machs[layer, s])
            name = speed_names[s]
        else:
            mach_v, name = float(machs[layer, 0]), speed_names[0]
        wps.append(Waypoint(float(grid.lat[r, c]), float(grid.lon[r, c]), float(heights[layer]),
                            float(grid.ground_m[r, c]), mach_v, name, r, c, layer, h, t_acc, fuel_acc))
        prev = (layer, r, c, h)
    # per-side cumulative Pd along the nodes (the search's own edge rule)
    cum = {}
    for s in sides_all:
        tot = 0.0
        for a, b in zip(wps[:-1], wps[1:]):
            dt = b.t_s - a.t_s
            ra, ca = MIDS[b.heading, 0] + (a.row, a.col)
            rb, cb = MIDS[b.heading, 1] + (a.row, a.col)
            q = rho_side[s]
            tot += dt * 0.25 * (q[a.layer, a.row, a.col] + q[b.layer, b.row, b.col]
                                + 0.5 * (q[a.layer, ra, ca] + q[b.layer, ra, ca])
                                + 0.5 * (q[a.layer, rb, cb] + q[b.layer, rb, cb]))
        cum[s] = 1.0 - math.exp(-tot)
    for i, f in enumerate(fuel_path):
        wps[i].fuel_used_kg = float(f)
    secs["total"] = time.perf_counter() - t0
    return Plan(wps, start, goal, fuel_kg, reserve_kg, allowance_kg, float(fuel_used), float(hazard), cum, dist,
                t_acc, float(lam), cands, grid.shape, tuple(heights), heights.size * nr * nc * 16, secs, counted,
                stride)


def _close_below(tas: np.ndarray, heights: np.ndarray, areas, exempt) -> None:
    """Close to the search the nodes of each ``(mask over the grid, min height AGL)`` in
    ``areas`` below that height (TAS NaN: no move reaches them), except the ``exempt``
    cells (the start and the goal)."""
    keep = {(int(r), int(c)) for r, c in exempt}
    saved = {rc: tas[:, rc[0], rc[1], :].copy() for rc in keep}
    for mask, min_height_agl_m in areas:
        for li in np.nonzero(heights < min_height_agl_m)[0]:
            tas[li, mask, :] = np.nan
    for (r, c), v in saved.items():
        tas[:, r, c, :] = v


def _apply_floors(tas: np.ndarray, grid, heights: np.ndarray, floors, exempt) -> None:
    """Close the nodes below each floor, within its radius, to the search."""
    g = wgs84_geod()
    n = grid.lat.size
    areas = []
    for f in floors:
        _, _, d = g.inv(np.full(n, f.lon), np.full(n, f.lat), grid.lon.ravel(), grid.lat.ravel())
        areas.append(((np.asarray(d, float) <= f.radius_m).reshape(grid.shape), f.min_height_agl_m))
    _close_below(tas, heights, areas, exempt)


def cell_relief_m(dem, rows: np.ndarray, cols: np.ndarray, stride: int) -> np.ndarray:
    """Relief at each grid cell: the highest minus the lowest DEM cell (sea and missing
    data at 0) within ``stride`` DEM cells of it (the ground between it and its
    neighbours), m."""
    from scipy.ndimage import maximum_filter, minimum_filter

    nr, nc = dem.shape
    r0, r1 = max(int(rows[0]) - stride, 0), min(int(rows[-1]) + stride + 1, nr)
    c0, c1 = max(int(cols[0]) - stride, 0), min(int(cols[-1]) + stride + 1, nc)
    z = dem.heights_m[r0:r1, c0:c1].astype(np.float64)
    if dem.nodata is not None and np.isfinite(dem.nodata):
        z[z == dem.nodata] = 0.0
    z = np.maximum(np.nan_to_num(z, nan=0.0), 0.0)
    size = 2 * stride + 1
    relief = maximum_filter(z, size, mode="nearest") - minimum_filter(z, size, mode="nearest")
    return relief[np.ix_(rows - r0, cols - c0)]


def _apply_rough_floors(tas: np.ndarray, grid, relief: np.ndarray, heights: np.ndarray, rough_floors, exempt) -> None:
    """Close the nodes below each rough floor to the search wherever the relief is at least
    the relief at the floor's grid cell."""
    areas = []
    for f in rough_floors:
        r, c = grid.nearest(f.lat, f.lon)
        areas.append((relief >= relief[r, c], f.min_height_agl_m))
    _close_below(tas, heights, areas, exempt)


def _reach_error(search, fuel_min, budget, fuel_kg, reserve_kg, allowance_kg, dist_goal, sr, sc_, grid, heights,
                 where):
    """Raise the infeasibility error, saying how far the fuel reaches on the least-fuel tree."""
    _goal, _g, fuel, _haz, _pred, _spd, done = search(1e-9, 1.0, to_goal=False)
    nr, nc = grid.shape
    ok = done & (fuel <= max(budget, 0.0))
    d0 = float(dist_goal[sr, sc_])
    if ok.any():
        cells = np.nonzero(ok)[0] // (16 * heights.size)
        closest = float(np.min(dist_goal.ravel()[cells]))
    else:
        closest = d0
    frac = max(0.0, 1.0 - closest / d0) if d0 > 0 else 0.0
    raise InfeasibleRouteError(
        f"too little fuel: the least-fuel route needs {fuel_min + reserve_kg + allowance_kg:,.0f} kg "
        f"(with the {reserve_kg:,.0f} kg reserve and {allowance_kg:,.0f} kg for take-off and landing) "
        f"but {fuel_kg:,.0f} kg are aboard; it gets {d0 / 1000 - closest / 1000:,.0f} km of the "
        f"{d0 / 1000:,.0f} km to the goal ({100 * frac:.0f}%), ending {closest / 1000:,.0f} km short", where=where)
