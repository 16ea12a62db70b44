"""The quiet stretches of an interceptor's flight, compiled.

Most of an interceptor's 1 s steps are quiet: it flies the controller's vector toward a
lead point (or home to its runway, or orbits without a vector), its radar's frames miss
the target and the target is far beyond its eyes and guns. The Python loop of
:func:`foxbat.command.intercept.fly_interceptor` spends about 20 µs on each such step in
interpreter overhead, and a frame that looks costs another ~35 µs. :func:`fly_quiet_nb`
flies those steps in one compiled loop and hands the flight back to Python at the first
step that needs more: a frame that hit (contact and lock-on are Python's), a frame the
compiled look cannot make, the target within reach of eyes and guns, bingo, the target's
flight over, a fresh controller's vector, touchdown or go-around, fuel exhausted, the
run's end. In a flagship run it flies ~4,600 of ~5,030 steps and hands back ~75 times.

The flight is the Python loop's bit for bit (``tests/test_quiet_nb.py`` compares whole
flights, and the golden runs stay byte-identical): the same operations in the same order
on the same inputs; the geodesics are PROJ's own C functions (:mod:`foxbat.geodesic_nb`),
``math.hypot`` is CPython's algorithm, ``x ** 2`` is taken with a run-time exponent (LLVM
would fold a constant 2 into ``x * x``, which differs from libm's ``pow`` in the last
bit), ``max``/``min`` keep Python's rule for ties and NaN, and the frames' draws are the
generator's own (:mod:`foxbat.ccall_nb`).

The frames are not bit for bit: a frame that may hold the target in a bar is made here
with libm's geometry and the compiled look (:mod:`foxbat.sensing.look_nb`), where Python
has numpy's arctan2/hypot; its SNR and Pd agree to ~1e-13, so a miss here is a miss
there (Pd would have to straddle the draw within that), and a hit goes back to Python,
which makes the frame again with its own geometry (the lock-on's measurement starts from
it). The screens that rule out a frame (target outside every bar or beyond the
instrumented range by half its travel in a frame) or the eyes and guns (beyond their
range by a metre) cannot change an outcome. Without the compiled look (``looker`` None)
every frame that may hold the target goes to Python and the flight is bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from foxbat.aircraft.atmosphere import G0_MPS2, speed_of_sound_mps
from foxbat.aircraft.performance import (BRAKE_DCD0, WING_AREA_M2, accel_terms_nb, excess_power_nb, fuel_flow_nb,
                                         max_tas_nb)
from foxbat.geo import EARTH_RADIUS_M
from foxbat.ccall_nb import call_next_double_nb, uniform_source
from foxbat.geodesic_nb import destination_nb, hypot_py_nb, inverse_nb
from foxbat.sensing.look_nb import look_kernel
from foxbat.terrain.bilinear import bilinear_height
from foxbat.nbcache import key_on_sources

# hand-back codes
DONE = 0  # t passed the run's end before a step
NEED_STEP = 1  # this step needs Python from its start (nothing of it done)
NEED_LOOK = 2  # the step flown and the frame's draw made: Python makes the look
NEED_EYES = 3  # the step and its frame done: Python checks eyes and guns
FUEL_OUT = 4  # the step flown and appended: fuel ran out

# state array (read and written)
S_T, S_LAT, S_LON, S_ALT, S_SPEED, S_HDG, S_FUEL, S_GROUND, S_NEXT_FRAME = 0, 1, 2, 3, 4, 5, 6, 7, 8
S_U, S_T0, S_T_STEP, S_RESET_WEAPONS, S_N_ROWS, S_N_LOOKS, S_SEEN_VISUAL, S_INTERCEPTED = 9, 10, 11, 12, 13, 14, 15, 16
S_RTB, S_ON_FINAL, S_GCI = 17, 18, 19  # mode "rtb"; on final; the last estimate's source is the GCI (else none)
# the approach of an aircraft going home (command.recovery.Approach and its LocalFrame)
S_A_LAT0, S_A_LON0, S_A_KX, S_A_KY, S_A_HDG, S_A_ELEV = 20, 21, 22, 23, 24, 25
N_STATE = 26

# constants array
C_T_END, C_DT, C_CRUISE_MACH, C_SEARCH_ALT, C_EMPTY, C_PAYLOAD, C_N_TURN, C_BINGO = 0, 1, 2, 3, 4, 5, 6, 7
C_T_INTRUDER_END, C_REACH, C_FRAME, C_K, C_MAX_SPEED, C_HALF_WIDTH, C_HALF_BAR, C_TILT_MIN = \
    8, 9, 10, 11, 12, 13, 14, 15
C_TILT_MAX, C_FRAME_S, C_RANGE, C_PIC_MAX_AGE, C_PIC_LATENCY, C_PIC_UPDATE, C_TWO, C_HAS_RADAR = \
    16, 17, 18, 19, 20, 21, 22, 23
C_TERRAIN_MARGIN, C_DESCENT_LIMIT, C_M_PER_DEG, C_VISUAL, C_WEAPONS, C_NEED_VISUAL = 24, 25, 26, 27, 28, 29
C_V_APPROACH, C_V_TOUCHDOWN, C_FAF, C_CAPTURE, C_LOOKAHEAD, C_FLARE, C_GLIDE = 30, 31, 32, 33, 34, 35, 36
C_LOOKS, C_RCS, C_G_SEA, C_G_LAND, C_ENV_K = 37, 38, 39, 40, 41  # the compiled look (C_LOOKS 1) and its target terms
# the sky between the crews' eyes and the target: 0 unknown (clear_air is the caller's own
# function: Python decides), 1 always clear, 2 a cloud layer from C_CLOUD_BASE to C_CLOUD_TOP
C_SKY, C_CLOUD_BASE, C_CLOUD_TOP = 42, 43, 44
N_CONST = 48

# DEM sampler parameters (a geographic DEM: the inverse affine transform and nodata)
D_NODATA, D_HAS_NODATA = 6, 7  # after the inverse affine's six terms (a..f)


@njit(cache=True)
def _max(a, b):
    """Python's max(a, b): the second only when it is larger."""
    return b if b > a else a


@njit(cache=True)
def _min(a, b):
    """Python's min(a, b): the second only when it is smaller."""
    return b if b < a else a


@njit(cache=True)
def _ground(z, dem, lat, lon):
    """The interceptor's ``heights``: the point sampler's value, the sea and off the map 0 m."""
    g = bilinear_height(lon, lat, z, dem[:6], dem[D_NODATA], dem[D_HAS_NODATA] != 0.0)
    return g if g > 0.0 else 0.0  # NaN (off the map) and the sea: 0 m


@njit(cache=True)
def _bearing(g, scratch, lat1, lon1, lat2, lon2):
    az, d = inverse_nb(g, scratch, lat1, lon1, lat2, lon2)
    return az % 360.0, d


@njit(cache=True)
def _picture_estimate(g, scratch, c, pic_t, pic, t):
    """:meth:`TrackPicture.estimate`; ok False where it gives None."""
    upd = c[C_PIC_UPDATE]
    t_call = math.floor(t / upd) * upd if upd > 0 else t
    t_known = t_call - c[C_PIC_LATENCY]
    i = np.searchsorted(pic_t, t_known, side="right") - 1
    if i < 0 or t_known - pic_t[i] > c[C_PIC_MAX_AGE]:
        return False, 0.0, 0.0, 0.0, 0.0, 0.0
    dt = t - pic_t[i]
    lat, lon, alt, ve, vn = pic[0, i], pic[1, i], pic[2, i], pic[3, i], pic[4, i]
    speed = hypot_py_nb(ve, vn)
    if speed * dt > 1.0:
        lat, lon = destination_nb(g, scratch, lat, lon, math.degrees(math.atan2(ve, vn)), speed * dt)
    return True, lat, lon, alt, ve, vn


@njit(cache=True)
def _lead_point(g, scratch, lat, lon, speed_mps, tlat, tlon, ve, vn):
    """:func:`foxbat.command.intercept.lead_point`."""
    brg, dist = _bearing(g, scratch, lat, lon, tlat, tlon)
    rx, ry = dist * math.sin(math.radians(brg)), dist * math.cos(math.radians(brg))
    a = ve * ve + vn * vn - speed_mps * speed_mps
    b = 2 * (rx * ve + ry * vn)
    cc = rx * rx + ry * ry
    has_tau = False
    tau = 0.0
    if abs(a) < 1e-9:
        if b < 0:
            has_tau, tau = True, -cc / b
    else:
        disc = b * b - 4 * a * cc
        if disc >= 0:
            r0 = (-b - math.sqrt(disc)) / (2 * a)
            r1 = (-b + math.sqrt(disc)) / (2 * a)
            if r0 > 0 and r1 > 0:
                has_tau, tau = True, _min(r0, r1)
            elif r0 > 0:
                has_tau, tau = True, r0
            elif r1 > 0:
                has_tau, tau = True, r1
    if not has_tau:
        return tlat, tlon
    px, py = rx + ve * tau, ry + vn * tau
    return destination_nb(g, scratch, lat, lon, math.degrees(math.atan2(px, py)), hypot_py_nb(px, py))


@njit(cache=True)
def _approach_point(lat0, lon0, kx, ky, ue, un, along_m):
    """``Approach.point(along_m)``: on the centreline ``along_m`` before touchdown (its
    LocalFrame's to_latlon of the same sums, the zero cross-track terms included)."""
    return lat0 + (-along_m * un - 0.0 * ue) / ky, lon0 + (-along_m * ue + 0.0 * un) / kx


@njit(cache=True)
def _intruder_at(itr_t, itr, t):
    """:meth:`Intruder.at` (lat, lon, alt MSL); ok False outside the flight."""
    n = itr_t.size
    if t < itr_t[0] or t > itr_t[n - 1]:
        return False, 0.0, 0.0, 0.0
    j = min(np.searchsorted(itr_t, t, side="right") - 1, n - 2)
    if j < 0:
        return True, itr[0, 0], itr[1, 0], itr[2, 0]
    w = (t - itr_t[j]) / (itr_t[j + 1] - itr_t[j])
    j1 = j + 1
    return (True, itr[0, j] + w * (itr[0, j1] - itr[0, j]), itr[1, j] + w * (itr[1, j1] - itr[1, j]),
            itr[2, j] + w * (itr[2, j1] - itr[2, j]))


@njit(cache=True)
def _look_angles(g, scratch, k, lat0, lon0, alt0, lat, lon, alt):
    """look_angles_point with libm's trigonometry (a screen's geometry, not a look's)."""
    az, ground = inverse_nb(g, scratch, lat0, lon0, lat, lon)
    kr = k * EARTH_RADIUS_M
    phi = ground / kr
    ra, rt = kr + alt0, kr + alt
    dz = rt * math.cos(phi) - ra
    dh = rt * math.sin(phi)
    return ground, az % 360.0, math.sqrt(dz * dz + dh * dh), math.degrees(math.atan2(dz, dh))


@njit(cache=True)
def _frame_needs_look(g, scratch, c, bar_offsets, itr_t, itr, t0, lat, lon, alt, heading, est_ok, est_lat,
                      est_lon, est_alt):
    """(True, _) when the frame from t0 may hold the target in a bar (Python makes the
    look); else (False, the frame's look time) for a frame without a look: the
    target's flight not under way at t0, or outside every bar or beyond the
    instrumented range at every dwell (``_outside_every_bar``'s bound)."""
    ok, tlat, tlon, talt = _intruder_at(itr_t, itr, t0)
    if not ok:
        return False, t0
    k = c[C_K]
    ground0, brg0, slant0, el0 = _look_angles(g, scratch, k, lat, lon, alt, tlat, tlon, talt)
    az0 = math.radians((brg0 - heading + 180.0) % 360.0 - 180.0)
    hw = c[C_HALF_WIDTH]
    frac = (_min(_max(az0, -hw), hw) + hw) / (2.0 * hw)
    tb0 = t0 + frac * (c[C_FRAME_S] / bar_offsets.size)
    reach = 2.0 * c[C_MAX_SPEED] * c[C_FRAME_S] + 100.0
    if ground0 < 3.0 * reach or slant0 < 3.0 * reach:
        return True, tb0
    if slant0 - reach > c[C_RANGE]:
        return False, tb0
    if abs(az0) > hw + math.atan(reach / (ground0 - reach)):
        return False, tb0
    # the antenna's tilt toward the controller's estimate (scan.tilt_rad)
    el_exp = 0.0
    if est_ok and math.isfinite(est_alt):
        el_exp = math.radians(_look_angles(g, scratch, k, lat, lon, alt, est_lat, est_lon, est_alt)[3])
    lo = c[C_TILT_MIN] - bar_offsets[0]
    hi = c[C_TILT_MAX] - bar_offsets[bar_offsets.size - 1]
    tilt = _min(_max(el_exp, lo), hi)
    m_el = c[C_HALF_BAR] + math.atan(reach / (slant0 - reach))
    el = math.radians(el0)
    for off in bar_offsets:
        if not abs(el - (tilt + off)) > m_el:
            return True, tb0
    return False, tb0


@njit(cache=True)
def _interp_at(itr_t, row, x):
    """``Intruder.at_many``'s value for one time: np.interp's arithmetic (``_interp_step``)."""
    n = itr_t.size
    j = np.searchsorted(itr_t, x, side="right") - 1
    if x != x:
        return math.nan
    if j < 0:
        return row[0]
    if j >= n - 1 or itr_t[j] == x:
        return row[j]
    x0, x1 = itr_t[j], itr_t[j + 1]
    y0, y1 = row[j], row[j + 1]
    slope = (y1 - y0) / (x1 - x0)
    r = slope * (x - x0) + y0
    if r != r:
        r = slope * (x - x1) + y1
        if r != r and y0 == y1:
            r = y0
    return r


@njit(cache=True)
def _search_frame(g, scratch, c, bar_offsets, itr_t, itr, t0, lat, lon, alt, heading, est_ok, est_lat, est_lon,
                  est_alt, lz, lcst):
    """``_search_look`` and its look, compiled (libm's geometry, the compiled look):
    (status, look time, visible, SNR dB, Pd, F dB, pattern dB, slant m, bearing deg,
    elevation deg); status 1 where the compiled look cannot follow (Python makes it)."""
    nan = math.nan
    ok, tlat, tlon, talt = _intruder_at(itr_t, itr, t0)
    if not ok:
        return 0, t0, False, -math.inf, 0.0, nan, nan, nan, nan, nan
    k = c[C_K]
    _, brg0, _, _ = _look_angles(g, scratch, k, lat, lon, alt, tlat, tlon, talt)
    az0 = math.radians((brg0 - heading + 180.0) % 360.0 - 180.0)
    hw = c[C_HALF_WIDTH]
    frac = (_min(_max(az0, -hw), hw) + hw) / (2.0 * hw)
    nb = bar_offsets.size
    bar_s = c[C_FRAME_S] / nb
    tb0 = t0 + frac * bar_s
    el_exp = 0.0
    if est_ok and math.isfinite(est_alt):
        el_exp = math.radians(_look_angles(g, scratch, k, lat, lon, alt, est_lat, est_lon, est_alt)[3])
    tilt = _min(_max(el_exp, c[C_TILT_MIN] - bar_offsets[0]), c[C_TILT_MAX] - bar_offsets[nb - 1])
    for b in range(nb):  # BarScan.bar_containing on the target's direction at each bar's dwell
        tb = t0 + (b + (frac if b % 2 == 0 else 1.0 - frac)) * bar_s
        la, lo, al = _interp_at(itr_t, itr[0], tb), _interp_at(itr_t, itr[1], tb), _interp_at(itr_t, itr[2], tb)
        ground, brg, slant, el = _look_angles(g, scratch, k, lat, lon, alt, la, lo, al)
        az = math.radians((brg - heading + 180.0) % 360.0 - 180.0)
        if abs(az) <= hw and abs(math.radians(el) - (tilt + bar_offsets[b])) <= c[C_HALF_BAR]:
            if slant > c[C_RANGE] or tb > itr_t[itr_t.size - 1]:
                break
            status, visible, snr, pd, f_db, pattern_db = look_kernel(
                lz, lcst, lat, lon, alt, ground, slant, brg, el, la, lo, al, c[C_RCS], c[C_G_SEA], c[C_G_LAND], k,
                c[C_ENV_K])
            return status, tb, visible, snr, pd, f_db, pattern_db, slant, brg, el
    return 0, tb0, False, -math.inf, 0.0, nan, nan, nan, nan, nan


@njit(cache=True)
def fly_quiet_nb(g, scratch, st, c, sc, aero, mm_alt, mm, pic_t, pic, itr_t, itr, z, dem, bar_offsets, uniform, lz,
                 lcst, rows, looks):
    """Fly quiet steps from the state ``st`` until one needs Python; returns a hand-back
    code. ``rows`` (12 × n) receives the trajectory rows (``st[S_N_ROWS]`` of them),
    ``looks`` (6 × n) the frames that missed (``st[S_N_LOOKS]``: time, visible, SNR, Pd,
    F, pattern), each a miss for the M-of-N window. ``lz``, ``lcst``: the compiled look's
    heights and constants (:class:`foxbat.sensing.look_nb.LookKernel`), used where
    ``c[C_LOOKS]`` is 1; else every frame that may hold the target goes to Python."""
    t, lat, lon, alt = st[S_T], st[S_LAT], st[S_LON], st[S_ALT]
    speed, heading, fuel, ground, next_frame = st[S_SPEED], st[S_HDG], st[S_FUEL], st[S_GROUND], st[S_NEXT_FRAME]
    dt = c[C_DT]
    empty, payload, two = c[C_EMPTY], c[C_PAYLOAD], c[C_TWO]
    n_rows = 0
    n_looks = 0
    reset_weapons = 0.0
    code = DONE
    rtb = st[S_RTB] != 0.0
    on_final = st[S_ON_FINAL] != 0.0
    gci = st[S_GCI] != 0.0
    if rtb:  # Approach._unit, along_cross, point and glide_alt_msl_m on its frame
        a_lat0, a_lon0, a_kx, a_ky, a_elev = st[S_A_LAT0], st[S_A_LON0], st[S_A_KX], st[S_A_KY], st[S_A_ELEV]
        h = math.radians(st[S_A_HDG])
        ue, un = math.sin(h), math.cos(h)
    else:
        a_lat0 = a_lon0 = a_kx = a_ky = a_elev = ue = un = 0.0
    while t <= c[C_T_END]:
        if n_rows >= rows.shape[1] or (not rtb and (fuel <= c[C_BINGO] or t > c[C_T_INTRUDER_END])):
            code = NEED_STEP  # bingo or the target gone: Python turns for home
            break
        est_ok, e_lat, e_lon, e_alt, e_ve, e_vn = _picture_estimate(g, scratch, c, pic_t, pic, t)
        if est_ok and not gci:
            code = NEED_STEP  # a first or fresh vector: Python notes it among the estimates
            break
        # --- the step, as fly_interceptor's
        want_speed = _min(c[C_CRUISE_MACH] * speed_of_sound_mps(alt), max_tas_nb(sc, mm_alt, mm, alt))
        want_alt = c[C_SEARCH_ALT]
        vz_ff = 0.0
        follow_terrain = True
        final = on_final
        has_aim = True
        aim_lat = aim_lon = 0.0
        if rtb:
            e = (lon - a_lon0) * a_kx
            n = (lat - a_lat0) * a_ky
            along = -(e * ue + n * un)  # Approach.along_cross (cross track: Python, at touchdown)
            if not final:
                f_along = c[C_FAF]
                aim_lat, aim_lon = _approach_point(a_lat0, a_lon0, a_kx, a_ky, ue, un, f_along)
                d_faf = inverse_nb(g, scratch, lat, lon, aim_lat, aim_lon)[1]
                faf_alt = a_elev + _max(c[C_FAF], 0.0) * math.tan(c[C_GLIDE])
                want_alt = _min(_max(c[C_SEARCH_ALT], faf_alt), faf_alt + 0.05 * d_faf)
                want_speed = _max(c[C_V_APPROACH], _min(want_speed, c[C_V_APPROACH] + 0.01 * d_faf))
                if d_faf < c[C_CAPTURE]:
                    final = True
            if final:
                la = c[C_LOOKAHEAD]
                p_along = _max(along - la, 0.0) if along > la else -la
                aim_lat, aim_lon = _approach_point(a_lat0, a_lon0, a_kx, a_ky, ue, un, p_along)
                want_alt = a_elev + _max(along, 0.0) * math.tan(c[C_GLIDE])
                vz_ff = -speed * math.tan(c[C_GLIDE])
                want_speed = c[C_V_APPROACH] if along > c[C_FLARE] else c[C_V_TOUCHDOWN]
                follow_terrain = False
                if not along > speed * dt:
                    code = NEED_STEP  # at the runway: Python lands or goes around
                    break
        elif est_ok:
            aim_lat, aim_lon = _lead_point(g, scratch, lat, lon, speed, e_lat, e_lon, e_ve, e_vn)
            if math.isfinite(e_alt):
                want_alt = e_alt
        else:
            has_aim = False
        st[S_T_STEP] = t
        on_final = final
        gci = est_ok
        mass = empty + fuel + payload
        d, thrust, rho, idle = accel_terms_nb(sc, aero, alt, speed, mass)
        up = (thrust - d) / mass
        q_s = 0.5 * rho * speed ** two * sc[WING_AREA_M2]
        down = (d + q_s * sc[BRAKE_DCD0] - idle) / mass
        acc, dec = _max(up, 0.0), _max(down, 0.3)
        speed_before = speed
        speed += _max(-dec * dt, _min(acc * dt, want_speed - speed))
        if has_aim:
            want_hdg, _ = _bearing(g, scratch, lat, lon, aim_lat, aim_lon)
            turn_rate = math.degrees(G0_MPS2 * math.sqrt(c[C_N_TURN] * c[C_N_TURN] - 1.0) / _max(speed, 50.0))
            delta = (want_hdg - heading + 180.0) % 360.0 - 180.0
            step = _max(-turn_rate * dt, _min(turn_rate * dt, delta))
            load = math.sqrt(1.0 + (math.radians(abs(step) / dt) * speed / G0_MPS2) ** two)
            heading = (heading + step) % 360.0
        else:  # no picture: a standard-rate orbit
            heading = (heading + 3.0 * dt) % 360.0
            load = math.sqrt(1.0 + (math.radians(3.0) * speed / G0_MPS2) ** two)
        if follow_terrain:
            want_alt = _max(want_alt, ground + c[C_TERRAIN_MARGIN])
        climb_lim = _max(excess_power_nb(sc, aero, alt, speed, empty + fuel + payload, False, 1.0), 0.0)
        vz = _max(-c[C_DESCENT_LIMIT], _min(climb_lim, vz_ff + (want_alt - alt) / (5.0 if final else 10.0)))
        alt += vz * dt
        horiz = math.sqrt(_max(speed * speed - vz * vz, 1.0))
        lat, lon = destination_nb(g, scratch, lat, lon, heading, horiz * dt)
        fuel -= fuel_flow_nb(sc, aero, alt, speed, empty + fuel + payload, vz, (speed - speed_before) / dt, load,
                             False) * dt
        t += dt
        ground = _ground(z, dem, lat, lon)
        out_of_fuel = fuel <= 0
        if out_of_fuel:
            fuel = 0.0
        rows[0, n_rows] = t
        rows[1, n_rows] = lat
        rows[2, n_rows] = lon
        rows[3, n_rows] = alt
        rows[4, n_rows] = alt - ground
        rows[5, n_rows] = speed
        rows[6, n_rows] = math.sqrt(_max(speed * speed - vz * vz, 0.0))
        rows[7, n_rows] = heading
        rows[8, n_rows] = vz
        rows[9, n_rows] = load
        rows[10, n_rows] = fuel
        rows[11, n_rows] = empty + payload if out_of_fuel else empty + fuel + payload
        n_rows += 1
        if out_of_fuel:
            code = FUEL_OUT
            break
        # --- the radar's frame: one draw per frame, looked or not
        if c[C_HAS_RADAR] != 0.0 and t >= next_frame:
            t0 = next_frame
            next_frame += c[C_FRAME]
            u = call_next_double_nb(uniform[0], uniform[1])  # rng.random()
            need, t_look = _frame_needs_look(g, scratch, c, bar_offsets, itr_t, itr, t0, lat, lon, alt, heading,
                                             est_ok, e_lat, e_lon, e_alt)  # est: the step's, as Python's
            visible, snr, pd, f_db, pattern_db = False, -math.inf, 0.0, math.nan, math.nan
            if need:
                status = 1
                if c[C_LOOKS] != 0.0:
                    status, t_look, visible, snr, pd, f_db, pattern_db, _, _, _ = _search_frame(
                        g, scratch, c, bar_offsets, itr_t, itr, t0, lat, lon, alt, heading, est_ok, e_lat, e_lon,
                        e_alt, lz, lcst)
                # Python makes the frame again where the compiled one cannot follow, and where it
                # hit: contact and lock-on are Python's, and the lock-on's measurement starts
                # from the look's geometry, which must be numpy's to the last bit (libm's
                # differs there and the own track, and the pursuit, would drift by ulps)
                if status != 0 or u < pd:
                    st[S_U] = u
                    st[S_T0] = t0
                    code = NEED_LOOK
                    break
            looks[0, n_looks] = t_look
            looks[1, n_looks] = 1.0 if visible else 0.0
            looks[2, n_looks] = snr
            looks[3, n_looks] = pd
            looks[4, n_looks] = f_db
            looks[5, n_looks] = pattern_db
            n_looks += 1
        # --- eyes and guns: only the screen of Intruder.at and the reach box here
        ok, tlat, tlon, talt = _intruder_at(itr_t, itr, t)
        if not ok:
            continue
        reach = c[C_REACH]
        if abs(tlat - lat) * c[C_M_PER_DEG] > reach or \
                abs(tlon - lon) * c[C_M_PER_DEG] * math.cos(math.radians(lat)) > reach:
            reset_weapons = 1.0
            continue
        # Python's eyes and guns have nothing to do when the target is seen already or more
        # than a metre beyond the visual range, and the guns are done, not cleared to fire
        # or more than a metre beyond their range (its slant is numpy's hypot, within an
        # ulp of this one): then only its weapons' clock stops
        slant = _look_angles(g, scratch, c[C_K], lat, lon, alt, tlat, tlon, talt)[2]
        seen = st[S_SEEN_VISUAL] != 0.0
        if not seen and slant <= c[C_VISUAL] + 1.0:
            if c[C_SKY] == 0.0:
                code = NEED_EYES
                break
            # WeatherSpec.clear_between: the eyes see nothing through the layer
            lo, hi = _min(alt, talt), _max(alt, talt)
            if c[C_SKY] == 1.0 or hi <= c[C_CLOUD_BASE] or lo >= c[C_CLOUD_TOP]:
                code = NEED_EYES
                break
        if st[S_INTERCEPTED] == 0.0 and (seen or c[C_NEED_VISUAL] == 0.0) and slant <= c[C_WEAPONS] + 1.0:
            code = NEED_EYES
            break
        reset_weapons = 1.0
    st[S_T], st[S_LAT], st[S_LON], st[S_ALT] = t, lat, lon, alt
    st[S_SPEED], st[S_HDG], st[S_FUEL], st[S_GROUND], st[S_NEXT_FRAME] = speed, heading, fuel, ground, next_frame
    st[S_RESET_WEAPONS] = reset_weapons
    st[S_ON_FINAL] = 1.0 if on_final else 0.0
    st[S_GCI] = 1.0 if gci else 0.0
    st[S_N_ROWS] = n_rows
    st[S_N_LOOKS] = n_looks
    return code


class QuietFlight:
    """One interceptor's arrays for :func:`fly_quiet_nb`, built once per flight, and the
    call that flies quiet steps from Python's state and hands the results back in the
    Python loop's own types (lists of floats, look tuples)."""

    def __init__(self, *, ac, radar, scan, picture, intruder, dem, k: float, t_airborne_s: float, t_end_s: float,
                 dt_s: float, cruise_mach: float, search_alt_msl_m: float, payload_kg: float, n_turn: float,
                 bingo_fuel_kg: float, reach_m: float, visual_range_m: float, weapons_range_m: float,
                 weapons_need_visual: bool, terrain_margin_m: float, descent_limit_mps: float, m_per_deg: float,
                 v_approach_mps: float, v_touchdown_mps: float, looker=None, gamma_db=(0.0, 0.0), sky=None):
        """``looker``: the flight's compiled look (a LookKernel) for frames that may hold the
        target (Swerling 1 only; else, or without one, those frames go to Python);
        ``gamma_db``: the clutter's (γ sea, γ land) for it; ``sky``: None where the eyes'
        clear air is the caller's own function (Python decides each time the target is
        within visual range), else (cloud base m or None, cloud top m or None, clear)."""
        from foxbat.command.recovery import FAF_DISTANCE_M, FINAL_CAPTURE_M, FLARE_M, GLIDE_SLOPE_RAD, LOOKAHEAD_M

        from foxbat.geodesic_nb import wgs84_struct
        from foxbat.terrain.point import sampler_arrays

        self.g, self.scratch = wgs84_struct(), np.zeros(3)
        self.sc, self.aero, self.mm_alt, self.mm = ac.scalars, ac.aero, ac.max_mach_alt_m, ac.max_mach
        c = np.zeros(N_CONST)
        c[C_T_END], c[C_DT], c[C_CRUISE_MACH], c[C_SEARCH_ALT] = t_end_s, dt_s, cruise_mach, search_alt_msl_m
        c[C_EMPTY], c[C_PAYLOAD], c[C_N_TURN], c[C_BINGO] = ac.empty_mass_kg, payload_kg, n_turn, bingo_fuel_kg
        c[C_T_INTRUDER_END], c[C_REACH], c[C_K] = float(intruder.t_s[-1]), reach_m, k
        c[C_MAX_SPEED], c[C_TWO] = intruder.max_speed_mps, 2.0
        c[C_VISUAL], c[C_WEAPONS], c[C_NEED_VISUAL] = visual_range_m, weapons_range_m, float(weapons_need_visual)
        c[C_V_APPROACH], c[C_V_TOUCHDOWN], c[C_FAF], c[C_CAPTURE] = (v_approach_mps, v_touchdown_mps, FAF_DISTANCE_M,
                                                                     FINAL_CAPTURE_M)
        c[C_LOOKAHEAD], c[C_FLARE], c[C_GLIDE] = LOOKAHEAD_M, FLARE_M, GLIDE_SLOPE_RAD
        if sky is not None:
            base, top, clear = sky
            c[C_SKY] = 1.0 if clear or base is None else 2.0
            c[C_CLOUD_BASE] = 0.0 if base is None else base
            c[C_CLOUD_TOP] = math.inf if top is None else top
        c[C_TERRAIN_MARGIN], c[C_DESCENT_LIMIT], c[C_M_PER_DEG] = terrain_margin_m, descent_limit_mps, m_per_deg
        if radar is not None:
            c[C_HAS_RADAR], c[C_FRAME], c[C_RANGE] = 1.0, radar.frame_time_s.value, radar.instrumented_range_m.value
            c[C_HALF_WIDTH], c[C_HALF_BAR], c[C_FRAME_S] = scan.half_width_rad, scan.half_bar_rad, scan.frame_s
            c[C_TILT_MIN], c[C_TILT_MAX] = scan.tilt_min_rad, scan.tilt_max_rad
            self.bar_offsets = np.asarray(scan.bar_offsets_rad, float)
        else:
            self.bar_offsets = np.zeros(1)
        c[C_PIC_MAX_AGE], c[C_PIC_LATENCY], c[C_PIC_UPDATE] = picture.max_age_s, picture.latency_s, picture.update_s
        self.c = c
        self.pic_t = np.asarray(picture.t_s, float)
        self.pic = np.vstack([np.asarray(x, float) for x in (picture.lat, picture.lon, picture.alt_msl_m,
                                                             picture.vel_e_mps, picture.vel_n_mps)])
        self.itr_t = np.asarray(intruder.t_s, float)
        self.itr = np.vstack([np.asarray(x, float) for x in (intruder.lat, intruder.lon, intruder.alt_msl_m)])
        self.z, inv, nodata, use_nodata = sampler_arrays(dem)
        self.dem = np.array([*inv, nodata, float(use_nodata)])
        n = int(math.ceil((t_end_s - t_airborne_s) / dt_s)) + 3 if dt_s > 0 else 3
        self.rows = np.zeros((12, max(n, 3)))
        self.looks = np.zeros((6, max(n, 3)))
        self.lz, self.lcst = self.z, np.zeros(1)  # placeholders of the look's arrays where it is not compiled
        if looker is not None and looker.compiled and looker.swerling == 1 and radar is not None:
            c[C_LOOKS], c[C_RCS], c[C_ENV_K] = 1.0, intruder.rcs_m2, looker.env_k
            c[C_G_SEA], c[C_G_LAND] = gamma_db
            self.lz, self.lcst = looker.z, looker.cst
        self.st = np.zeros(N_STATE)
        self._rng, self.uniform = None, None

    @staticmethod
    def usable(dem, picture, dt_s: float) -> bool:
        """A geographic DEM (the sampler the kernel repeats), a controller's picture to fly
        on, and a positive step."""
        return picture is not None and dt_s > 0 and dem.crs is not None and dem.crs.to_epsg() == 4326

    def fly(self, state: tuple, seen_visual: bool, intercepted: bool, gci: bool, approach, on_final: bool, rng,
            columns: list, looks: list) -> tuple[int, list]:
        """Fly from ``state`` (t, lat, lon, alt, speed, heading, fuel, ground, next frame)
        with the eyes' and guns' state (the target seen, intercepted), the last estimate's
        source (the GCI or none) and, going home, the approach and whether on final;
        extends ``columns`` (the trajectory's lists, in ``_COLUMNS`` order) and ``looks``;
        returns the hand-back code and the state array as floats."""
        st = self.st
        st[:9] = state
        st[S_SEEN_VISUAL], st[S_INTERCEPTED] = float(seen_visual), float(intercepted)
        st[S_GCI], st[S_ON_FINAL] = float(gci), float(on_final)
        if approach is None:
            st[S_RTB] = 0.0
        else:
            f = approach.frame
            st[S_RTB] = 1.0
            st[S_A_LAT0], st[S_A_LON0], st[S_A_KX], st[S_A_KY] = f.lat0, f.lon0, f.kx, f.ky
            st[S_A_HDG], st[S_A_ELEV] = approach.heading_deg, approach.elevation_m
        if self._rng is not rng:
            self._rng, self.uniform = rng, uniform_source(rng)
        code = fly_quiet_nb(self.g, self.scratch, st, self.c, self.sc, self.aero, self.mm_alt, self.mm, self.pic_t,
                            self.pic, self.itr_t, self.itr, self.z, self.dem, self.bar_offsets, self.uniform, self.lz,
                            self.lcst, self.rows, self.looks)
        out = st.tolist()
        n = int(out[S_N_ROWS])
        if n:
            for col, vals in zip(columns, self.rows[:, :n].tolist()):
                col.extend(vals)
        m = int(out[S_N_LOOKS])
        if m:
            looks.extend([(t, v != 0.0, snr, pd, False, f, p)
                          for t, v, snr, pd, f, p in zip(*self.looks[:, :m].tolist())])
        return code, out


# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.aircraft.atmosphere",
    "foxbat.aircraft.performance",
    "foxbat.ccall_nb",
    "foxbat.geo",
    "foxbat.geodesic_nb",
    "foxbat.sensing.look_nb",
    "foxbat.terrain.bilinear",
])
