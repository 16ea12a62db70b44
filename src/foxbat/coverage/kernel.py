"""Line-of-sight kernels (numba): plain arrays in, plain arrays out.

The algorithm is R2 (Franklin & Ray 1994) refined in two ways. In each octant around
the observer, rays go from the observer's cell centre to every cell centre on the
octant's outer line (L steps out). Along a ray the terrain is sampled where the ray
crosses each grid line of the major axis (linear between the two cells there, as in
R2) and also where it crosses a grid line of the minor axis (linear along that line:
without these samples a ray slipping diagonally past a peak misses it, which made plain
R2 see too much). The running maximum of the elevation slope, with the Earth-curvature
drop d²/2kR, is the ray's horizon.

A cell (i, j) of an octant (i steps along the major axis, j along the minor) lies
between rays floor(u) and ceil(u), u = j·L/i, and takes their horizons interpolated by
angle (plain R2 takes the nearest ray's). The cell belongs to the chunk of rays holding
ray ceil(u), a pure function of the cell, so every cell is written exactly once, chunks
of rays run in parallel without locks, and no per-cell distance array is needed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from foxbat.coverage.prefetch import prefetch
from foxbat.nbcache import key_on_sources

# rays processed together by one thread
_CHUNK = 128
# how many grid lines ahead each ray's terrain is prefetched
_PREFETCH_STEPS = 8


@njit(cache=True, inline="always")
def _is_nodata(v, nodata, has_nodata):
    return has_nodata and (v == nodata or v != v)


@njit(cache=True, parallel=True)
def lowest_visible_agl(
    z,
    nodata,
    has_nodata,
    r0,
    c0,
    h0_msl_m,
    cell_w_m,
    cell_h_m,
    inv_2kr,
    max_range_m,
    tan_min_elev,
    floor_m,
    out,
    idx,
    radar_id,
):
    """Lowest visible target height above ground (m) for every cell within range.

    z: 2-D terrain heights MSL (float or signed integer: unsigned differences would
    wrap; foxbat.coverage.los widens them); nodata cells neither block nor
    receive a value. (r0, c0): observer cell; h0_msl_m: antenna height MSL.
    cell_w_m / cell_h_m: ground size of a column / row step. inv_2kr = 1/(2kR).
    tan_min_elev: tangent of the lowest beam elevation (-inf for none).
    floor_m: terrain below this is raised to it (0: the sea surface is 0 m MSL for
    line of sight; -inf keeps depressions below sea level).
    out (float32, same shape as z): each cell's value is lowered to this radar's
    value where that is smaller (initialise it to +inf); where it is, idx (int16,
    same shape, or shape (1, 1) to skip) is set to radar_id.
    """
    nrows, ncols = z.shape
    zf = z.reshape(nrows * ncols)
    outf = out.reshape(nrows * ncols)
    write_idx = idx.shape[0] == nrows and idx.shape[1] == ncols
    z_obs = float(zf[r0 * ncols + c0])
    if _is_nodata(zf[r0 * ncols + c0], nodata, has_nodata):
        z_obs = np.nan
    # the observer's own cell
    if not _is_nodata(zf[r0 * ncols + c0], nodata, has_nodata):
        if out[r0, c0] > 0.0:
            out[r0, c0] = 0.0
            if write_idx:
                idx[r0, c0] = radar_id
    for octant in range(8):
        swap = octant >= 4
        s_major = 1 if (octant & 1) == 0 else -1
        s_minor = 1 if (octant & 2) == 0 else -1
        if swap:  # major axis along rows
            cm = cell_h_m
            cn = cell_w_m
            l_edge = (nrows - 1 - r0) if s_major > 0 else r0
            j_max = (ncols - 1 - c0) if s_minor > 0 else c0
        else:  # major axis along columns
            cm = cell_w_m
            cn = cell_h_m
            l_edge = (ncols - 1 - c0) if s_major > 0 else c0
            j_max = (nrows - 1 - r0) if s_minor > 0 else r0
        l_range = int(max_range_m / cm * (1.0 + 1e-9))
        n_steps = min(l_edge, l_range)
        if n_steps <= 0:
            continue
        # rays aim at (L, m), m = 0..L, on the octant's outer line at L = n_steps
        n_rays = n_steps + 1
        step_minor = s_minor if swap else s_minor * ncols
        ahead = _PREFETCH_STEPS * (s_major * ncols if swap else s_major)
        inv_l = 1.0 / n_steps
        stop_m = max_range_m + cm
        max_range2 = max_range_m * max_range_m * (1.0 + 1e-9)  # cells exactly at the range count
        n_chunks = (n_rays + _CHUNK - 1) // _CHUNK
        for chunk in prange(n_chunks):
            m_first = chunk * _CHUNK
            m_last = min(m_first + _CHUNK, n_rays) - 1
            # one guard ray below the chunk: cells between it and m_first are ours
            m_base = max(m_first - 1, 0)
            nb = m_last - m_base + 1
            smax = np.empty(nb)
            dsv = np.empty(nb)
            inv_ds = np.empty(nb)
            y_step = np.empty(nb)
            inv_y_step = np.empty(nb)
            j_prev = np.zeros(nb, np.int64)
            z_prev = np.empty(nb)
            i_end = np.empty(nb, np.int64)
            for b in range(nb):
                m = m_base + b
                y_step[b] = m * inv_l
                inv_y_step[b] = n_steps / m if m > 0 else 0.0
                z_prev[b] = z_obs
                dsv[b] = math.sqrt(cm * cm + (cn * y_step[b]) * (cn * y_step[b]))
                inv_ds[b] = 1.0 / dsv[b]
                smax[b] = tan_min_elev
                ie = min(n_steps, int(stop_m / dsv[b]))
                if m > 0:
                    ie = min(ie, int((j_max + 1.0) * n_steps / m))
                i_end[b] = ie
            # i_end never grows with m (longer steps, earlier exit through the side),
            # so the rays still going at step i are a prefix of the chunk
            nb_act = nb
            # the rays of a chunk advance together, one grid line at a time, so each
            # step touches a few neighbouring cache lines whichever axis is major
            i = 0
            while True:
                i += 1
                while nb_act > 0 and i_end[nb_act - 1] < i:
                    nb_act -= 1
                if nb_act == 0:
                    break
                dm = i * cm
                l_over_i = n_steps / i
                # 1. cells of this grid line between two rays of this chunk take the
                #    horizon so far (their own terrain does not hide them) interpolated
                #    between those rays by angle; a cell belongs to the chunk of the
                #    upper ray, ceil(jc*L/i), a pure function of the cell
                m_act = m_base + nb_act - 1
                j_lo = max(0, int((m_first - 1) * i * inv_l))
                j_hi = min(j_max, int(m_act * i * inv_l) + 1, i)
                for jc in range(j_lo, j_hi + 1):
                    u = jc * l_over_i
                    m_lo = int(u)
                    w = u - m_lo
                    # rounding: a cell on a ray (the axis, the diagonal) takes that ray
                    if w < 1e-9:
                        w = 0.0
                    elif w > 1.0 - 1e-9:
                        m_lo += 1
                        w = 0.0
                    key = m_lo if w == 0.0 else m_lo + 1
                    if key < m_first or key > m_act:
                        continue
                    b = m_lo - m_base
                    if w == 0.0:
                        s_cell = smax[b]
                    else:
                        s_lo = smax[b]
                        s_hi = smax[b + 1]
                        if s_lo == -np.inf:
                            s_cell = s_hi
                        elif s_hi == -np.inf:
                            s_cell = s_lo
                        else:
                            s_cell = s_lo + w * (s_hi - s_lo)
                    dn = jc * cn
                    dc2 = dm * dm + dn * dn
                    if dc2 > max_range2:
                        continue
                    if swap:
                        rr = r0 + s_major * i
                        cc = c0 + s_minor * jc
                    else:
                        rr = r0 + s_minor * jc
                        cc = c0 + s_major * i
                    k_c = rr * ncols + cc
                    prefetch(zf, k_c + ahead)
                    prefetch(outf, k_c + ahead)
                    zc = zf[k_c]
                    if _is_nodata(zc, nodata, has_nodata):
                        continue
                    dc = math.sqrt(dc2)
                    v = h0_msl_m + s_cell * dc + dc2 * inv_2kr - max(zc, floor_m)
                    if v < 0.0:
                        v = 0.0
                    if v < out[rr, cc]:
                        out[rr, cc] = v
                        if write_idx:
                            idx[rr, cc] = radar_id
                # 2. terrain where each ray crosses this grid line hides what lies beyond;
                #    branch-free so the loop vectorises: slope = (z - h0)/d - d/(2kR)
                base = (r0 + s_major * i) * ncols + c0 if swap else r0 * ncols + c0 + s_major * i
                inv_i = 1.0 / i
                for b in range(nb_act):
                    y = i * y_step[b]
                    j0 = int(y)
                    frac = y - j0
                    ja = min(j0, j_max)
                    jb = min(j0 + 1, j_max)
                    k_a = base + ja * step_minor
                    prefetch(zf, k_a + ahead)
                    # flat unsigned index: no wrap-around test on the hot path
                    za = zf[np.uint64(k_a)]
                    zb = zf[np.uint64(base + jb * step_minor)]
                    if has_nodata:
                        a_nd = za == nodata or za != za
                        b_nd = zb == nodata or zb != zb
                        za2 = zb if a_nd else za
                        zb2 = za if b_nd else zb
                        zs = za2 + frac * (zb2 - za2)
                        zs = -np.inf if (a_nd and b_nd) else zs
                        za_raw = np.nan if a_nd else float(za)
                        zb_raw = np.nan if b_nd else float(zb)
                    else:
                        zs = za + frac * (zb - za)
                        za_raw = float(za)
                        zb_raw = float(zb)
                    zs = max(zs, floor_m)
                    d = i * dsv[b]
                    s = (zs - h0_msl_m) * (inv_i * inv_ds[b]) - d * inv_2kr
                    # where the ray crossed a minor-axis grid line since the last step,
                    # terrain is linear along that line between the two major lines:
                    # z(j0, i-1) (kept from the last step) to z(j0, i)
                    if j0 > j_prev[b] and j0 <= j_max:
                        x = j0 * inv_y_step[b]
                        zr = z_prev[b] + (x - (i - 1)) * (za_raw - z_prev[b])
                        dr = x * dsv[b]
                        sr = (max(zr, floor_m) - h0_msl_m) / dr - dr * inv_2kr
                        s = max(s, sr)
                    j_prev[b] = j0
                    z_prev[b] = zb_raw
                    smax[b] = max(smax[b], s)
    return out


@njit(cache=True, parallel=True)
def replace_inf(a, fill):
    """Set every infinite cell of a 2-D float array to fill, in place (no mask array)."""
    nr, nc = a.shape
    for r in prange(nr):
        for c in range(nc):
            if math.isinf(a[r, c]):
                a[r, c] = fill
    return a


def warm_up_small() -> None:
    """Load the cheapest cached kernel, which makes numba load its registries."""
    replace_inf(np.zeros((1, 1), np.float32), 0.0)


# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.coverage.prefetch",
])
