"""The search: A* over (layer, row, col, heading) with edge weight
``w_haz · hazard + w_fuel · fuel``, and the Lagrangian sweep that picks the weight on
fuel so that the route arrives with its reserve.

Moves (see :mod:`foxbat.planning.graph`): to any of the 16 neighbours, at any layer
the climb or descent allows over the move (vertical speed needed =
Δ(altitude MSL) / time on the move, at most the aircraft's dry climb limit up and its
maximum descent rate down; the same test covers terrain rising between cells at one
height above ground), and a turn from the arriving heading only when a turn of radius
``R = V² / (g·√(n² − 1))`` fits: ``R · tan(Δψ/2) <= min(L_in, L_out) / 2``. Each move
takes whichever of the speed options (economy, dash) weighs less.

Fuel as a resource constraint: a Lagrangian sweep. The search with weight
``hazard + λ · fuel`` is a plain shortest path; λ = 0 gives the least visible route,
λ → ∞ the least-fuel one. If the least visible route already keeps the reserve it is
the answer; if the least-fuel route does not, no route does (and the error says how far
the fuel reaches). Otherwise λ is found by the Handler–Zang hull search (bisection on λ
done by secant steps between a feasible and an infeasible route): the result is the
least visible route on the lower convex hull of (fuel, hazard) that keeps the reserve.
A route inside the hull could be a little better (the Lagrangian duality gap); the
report gives the bracketing routes' figures.

The A* heuristic (:func:`node_bound`) is the exact cost to the goal on a relaxed graph of
(cell, layer) nodes without headings, turn and climb limits, each move charged exactly as
the search charges it: every real move costs at least its relaxed move, so the bound is
consistent and A* stays exact. Where the turn and climb limits do not bind it is the
true cost, and the search settles little more than the nodes along the best route;
a bound from fuel alone (the least fuel per metre × distance) left the weighted searches
of the sweep settling half the states, wherever a small hazard (diffraction behind
terrain) or low flight made the real cost far above it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

V_REF_MPS = 250.0
"""Reference TAS of the climb term tsfc·m·g·Δh / V of a move, m/s."""


@njit(cache=True)
def _push(keys, vals, size, key, val):
    if size >= keys.shape[0]:
        nk = np.empty(keys.shape[0] * 2)
        nv = np.empty(keys.shape[0] * 2, np.int64)
        nk[:size] = keys[:size]
        nv[:size] = vals[:size]
        keys, vals = nk, nv
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= keys[i]:
            break
        keys[p], keys[i] = keys[i], keys[p]
        vals[p], vals[i] = vals[i], vals[p]
        i = p
    return keys, vals, size + 1


@njit(cache=True)
def _pop(keys, vals, size):
    k0 = keys[0]
    v0 = vals[0]
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        a = 2 * i + 1
        if a >= size:
            break
        b = a + 1
        m = a if (b >= size or keys[a] <= keys[b]) else b
        if keys[i] <= keys[m]:
            break
        keys[m], keys[i] = keys[i], keys[m]
        vals[m], vals[i] = vals[i], vals[m]
        i = m
    return k0, v0, size


@njit(inline="always")
def _cut_corner(ground, between, moves, h, r, c, z_mid_m, clear_between_m):
    """A diagonal or knight's move whose mid-altitude clears the higher of the two cells it
    passes between by less than ``clear_between_m`` (< 0: no such test)."""
    return clear_between_m >= 0.0 and abs(moves[h, 0]) + abs(moves[h, 1]) > 1 and z_mid_m < clear_between_m + max(
        ground[r + between[h, 0, 0], c + between[h, 0, 1]], ground[r + between[h, 1, 0], c + between[h, 1, 1]])


@njit(inline="always")
def _fuel_hazard(t, dz, ff0, ff1, k_climb, idle_kg_s, rho, r, c, l1, r2, c2, l2, ra, ca, rb, cb):
    """Fuel (kg, at least the idle flow) and hazard of one move of ``t`` seconds climbing
    ``dz`` metres: what astar charges and node_bound's relaxed moves charge alike."""
    f = t * 0.5 * (ff0 + ff1) + k_climb * dz / V_REF_MPS
    if f < idle_kg_s * t:
        f = idle_kg_s * t
    hz = t * 0.25 * (rho[r, c, l1] + rho[r2, c2, l2]
                     + 0.5 * (rho[ra, ca, l1] + rho[ra, ca, l2])
                     + 0.5 * (rho[rb, cb, l1] + rho[rb, cb, l2]))
    return f, hz


@njit(cache=True)
def node_bound(heights, ground, rho, tas, ff, climb, mlen, moves, mids, k_climb, idle_kg_s, max_desc_mps,
               w_haz, w_fuel, goal_r, goal_c, max_layer_step, between, clear_between_m, start_r, start_c,
               start_layers):
    """Cost to the goal of each node (row, col, layer) on the relaxed graph without
    headings (so without turn limits; the climb limits and the re-plans' clearance test
    are kept, as :func:`astar` applies them):
    Dijkstra from the goal cell's layers over the reversed moves, each move costing
    exactly what :func:`astar` charges for it (the lighter speed option). A real move
    costs at least its relaxed move, so this is a consistent A* bound; it is nearly
    exact where the turn and climb limits do not bind. inf where the goal cannot be
    reached.

    It stops once the start nodes (``start_layers`` at the start cell) are settled, at
    cost D; every node not settled by then costs at least D, and it gets D: min(cost, D)
    is still consistent, and A* settles no node whose bound is D before the goal."""
    nl = heights.shape[0]
    nr, nc = ground.shape
    ns = tas.shape[3]
    out = np.full((nr, nc, nl), np.inf)
    done = np.zeros((nr, nc, nl), np.bool_)
    keys = np.empty(1 << 14)
    vals = np.empty(1 << 14, np.int64)
    size = 0
    for l in range(nl):
        if tas[goal_r, goal_c, l, 0] > 0.0:
            out[goal_r, goal_c, l] = 0.0
            keys, vals, size = _push(keys, vals, size, 0.0, (goal_r * nc + goal_c) * nl + l)
    n_start = 0
    for sl in start_layers:
        if tas[start_r, start_c, sl, 0] > 0.0:
            n_start += 1
    reach = np.inf
    while size > 0:
        _k, v, size = _pop(keys, vals, size)
        l2 = v % nl
        cell = v // nl
        r2 = cell // nc
        c2 = cell % nc
        if done[r2, c2, l2]:
            continue
        done[r2, c2, l2] = True
        hv = out[r2, c2, l2]
        if r2 == start_r and c2 == start_c:
            for sl in start_layers:
                if sl == l2 and tas[start_r, start_c, sl, 0] > 0.0:
                    n_start -= 1
            if n_start <= 0:
                reach = hv
                break
        g2 = ground[r2, c2]
        for h in range(moves.shape[0]):
            r = r2 - moves[h, 0]
            c = c2 - moves[h, 1]
            if r < 0 or r >= nr or c < 0 or c >= nc:
                continue
            L = mlen[r, c, h]
            if not (L > 0.0) or not np.isfinite(ground[r, c]):
                continue
            ra = r + mids[h, 0, 0]
            ca = c + mids[h, 0, 1]
            rb = r + mids[h, 1, 0]
            cb = c + mids[h, 1, 1]
            if not (np.isfinite(ground[ra, ca]) and np.isfinite(ground[rb, cb])):
                continue
            for l1 in range(max(0, l2 - max_layer_step), min(nl, l2 + max_layer_step + 1)):
                if done[r, c, l1] or not (tas[r, c, l1, 0] > 0.0):
                    continue
                z0 = ground[r, c] + heights[l1]
                dz = g2 + heights[l2] - z0
                if _cut_corner(ground, between, moves, h, r, c, 0.5 * (z0 + g2 + heights[l2]), clear_between_m):
                    continue
                best = np.inf
                for s in range(ns):
                    v0 = tas[r, c, l1, s]
                    v1 = tas[r2, c2, l2, s]
                    if not (v0 > 0.0 and v1 > 0.0):
                        continue
                    v = 0.5 * (v0 + v1)
                    t = L / v
                    vz = dz / t
                    if vz > 0.5 * (climb[r, c, l1] + climb[r2, c2, l2]) or -vz > max_desc_mps:
                        continue
                    f, hz = _fuel_hazard(t, dz, ff[r, c, l1, s], ff[r2, c2, l2, s], k_climb, idle_kg_s, rho,
                                         r, c, l1, r2, c2, l2, ra, ca, rb, cb)
                    w = w_haz * hz + w_fuel * f
                    if w < best:
                        best = w
                if hv + best < out[r, c, l1]:
                    out[r, c, l1] = hv + best
                    keys, vals, size = _push(keys, vals, size, hv + best, (r * nc + c) * nl + l1)
    if np.isfinite(reach):
        for r in range(nr):
            for c in range(nc):
                for l in range(nl):
                    if not done[r, c, l]:
                        out[r, c, l] = reach
    return out


@njit(cache=True)
def astar(heights, ground, rho, tas, ff, climb, mlen, mbear_rad, moves, mids, h_node,
          k_climb, idle_kg_s, max_desc_mps, turn_g, max_turn_rad,
          w_haz, w_fuel, start_r, start_c, start_layers, goal_r, goal_c, max_ring, max_layer_step,
          between, clear_between_m):
    """One weighted search (``h_node``: :func:`node_bound` for the same weights, or zeros).
    Returns (goal state or -1, g, fuel, hazard, pred, speed) per
    state; state = ((layer·nr + row)·nc + col)·16 + heading.

    ``clear_between_m`` >= 0 (a re-plan after a crash): a move must also pass at least
    this high above the cells it crosses between its ends (``between``: a knight's
    move's middle cells, a diagonal's corners), its height there taken as the mean of
    its ends' altitudes; < 0: not checked (the ends' climb test only)."""
    nl = heights.shape[0]
    nr, nc = ground.shape
    ns = tas.shape[3]
    n = nl * nr * nc * 16
    g = np.full(n, np.inf)
    fuel = np.zeros(n)
    haz = np.zeros(n)
    pred = np.full(n, -1, np.int64)
    spd = np.zeros(n, np.int8)
    done = np.zeros(n, np.bool_)
    keys = np.empty(1 << 16)
    vals = np.empty(1 << 16, np.int64)
    size = 0
    climb_hi = 0.0
    for x in climb.ravel():
        if x > climb_hi:
            climb_hi = x
    for sl in start_layers:
        for h in range(16):
            s = ((start_r * nc + start_c) * nl + sl) * 16 + h
            g[s] = 0.0
            keys, vals, size = _push(keys, vals, size, 0.0, s)
    goal = -1
    while size > 0:
        _k, u, size = _pop(keys, vals, size)
        if done[u]:
            continue
        done[u] = True
        h = u % 16
        rest = u // 16
        layer = rest % nl
        rest //= nl
        c = rest % nc
        r = rest // nc
        if r == goal_r and c == goal_c:
            goal = u
            break
        z0 = ground[r, c] + heights[layer]
        lin = mlen[r, c, h]
        b_in = mbear_rad[r, c, h]
        gu = g[u]
        free = not np.isfinite(b_in)  # no arriving heading: any direction
        for k in range(16 if free else 2 * max_ring + 1):
            h2 = k if free else (h + k - max_ring) % 16
            L = mlen[r, c, h2]
            if not (L > 0.0):
                continue
            r2 = r + moves[h2, 0]
            c2 = c + moves[h2, 1]
            g2 = ground[r2, c2]
            if not np.isfinite(g2):
                continue
            ra = r + mids[h2, 0, 0]
            ca = c + mids[h2, 0, 1]
            rb = r + mids[h2, 1, 0]
            cb = c + mids[h2, 1, 1]
            if not (np.isfinite(ground[ra, ca]) and np.isfinite(ground[rb, cb])):
                continue
            if np.isfinite(b_in):
                d = mbear_rad[r, c, h2] - b_in
                while d > math.pi:
                    d -= 2.0 * math.pi
                while d < -math.pi:
                    d += 2.0 * math.pi
                d = abs(d)
                if d > max_turn_rad:
                    continue
                half_tan = math.tan(0.5 * d)
                lmin = min(L, lin) if lin > 0.0 else L
            else:
                half_tan = 0.0
                lmin = L
            # layers upward from the current one, then downward, until the climb fails
            for direction in range(2):
                l2 = layer if direction == 0 else layer - 1
                while 0 <= l2 < nl and abs(l2 - layer) <= max_layer_step:
                    v_id = ((r2 * nc + c2) * nl + l2) * 16 + h2
                    dz = g2 + heights[l2] - z0
                    if not (tas[r2, c2, l2, 0] > 0.0):
                        # a node closed to the search (above the ceiling, or below a re-plan's
                        # floor): look at the next layer without judging the climb by it
                        l2 = l2 + 1 if direction == 0 else l2 - 1
                        continue
                    if _cut_corner(ground, between, moves, h2, r, c, 0.5 * (z0 + g2 + heights[l2]), clear_between_m):
                        l2 = l2 + 1 if direction == 0 else l2 - 1
                        continue
                    if done[v_id]:
                        # settled already: only the climb test matters, to know when to stop
                        if (direction == 0 and dz > 0.0) or (direction == 1 and dz < 0.0):
                            t_max = L / min(tas[r, c, layer, 0], tas[r2, c2, l2, 0]) if tas[r2, c2, l2, 0] > 0 else 0.0
                            if t_max <= 0.0 or dz / t_max > climb_hi or -dz / t_max > max_desc_mps:
                                break
                        l2 = l2 + 1 if direction == 0 else l2 - 1
                        continue
                    best_w = np.inf
                    best_s = -1
                    best_f = 0.0
                    best_h = 0.0
                    climb_ok = False
                    for s in range(ns):
                        v0 = tas[r, c, layer, s]
                        v1 = tas[r2, c2, l2, s]
                        if not (v0 > 0.0 and v1 > 0.0):
                            continue
                        v = 0.5 * (v0 + v1)
                        t = L / v
                        vz = dz / t
                        if vz > 0.5 * (climb[r, c, layer] + climb[r2, c2, l2]) or -vz > max_desc_mps:
                            continue
                        climb_ok = True
                        if v * v / turn_g * half_tan > 0.5 * lmin:
                            continue
                        f, hz = _fuel_hazard(t, dz, ff[r, c, layer, s], ff[r2, c2, l2, s], k_climb, idle_kg_s, rho,
                                             r, c, layer, r2, c2, l2, ra, ca, rb, cb)
                        w = w_haz * hz + w_fuel * f
                        if w < best_w:
                            best_w = w
                            best_s = s
                            best_f = f
                            best_h = hz
                    if not climb_ok and ((direction == 0 and dz > 0.0) or (direction == 1 and dz < 0.0)):
                        break  # further layers that way need an even steeper climb or descent
                    if best_s >= 0:
                        ng = gu + best_w
                        if ng < g[v_id]:
                            g[v_id] = ng
                            fuel[v_id] = fuel[u] + best_f
                            haz[v_id] = haz[u] + best_h
                            pred[v_id] = u
                            spd[v_id] = best_s
                            hv = h_node[r2, c2, l2]
                            keys, vals, size = _push(keys, vals, size, ng + hv, v_id)
                    l2 = l2 + 1 if direction == 0 else l2 - 1
    return goal, g, fuel, haz, pred, spd, done


def decode(state: int, nl: int, nc: int) -> tuple[int, int, int, int]:
    """(layer, row, col, heading) of a state id."""
    h = state % 16
    rest = state // 16
    layer = rest % nl
    rest //= nl
    return layer, rest // nc, rest % nc, h


def path_states(goal: int, pred: np.ndarray) -> list[int]:
    out = []
    s = goal
    while s >= 0:
        out.append(int(s))
        s = int(pred[s])
    return out[::-1]
