"""The flight kernel: a fixed-step total-energy point-mass integration of a compiled route (numba).

Plain arrays in and out (see ``foxbat.flight.layout``). Each step: guidance (heading,
altitude and speed commands for the current leg), limits (turn rate from the load
factor; acceleration and climb from the specific excess power of thrust available
minus drag, :mod:`foxbat.aircraft.performance`; the speed envelope), fuel flow from
the thrust the step needs, then the state advances with the midpoint heading on the
WGS84 ellipsoid (meridian and normal radii of curvature), so distances flown agree
with geodesics. Runway rolls integrate thrust, drag, friction and chute drag in
sub-steps.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from foxbat.aircraft.atmosphere import G0_MPS2, speed_of_sound_mps
from foxbat.aircraft.atmosphere import density_kg_m3
from foxbat.aircraft.performance import (
    BRAKE_DCD0, CEILING_M, HAS_AB, MAX_DESC_MPS, V_LOF_FACTOR, V_TD_FACTOR, WING_AREA_M2, best_glide_nb, drag_nb,
    fuel_flow_nb, ground_accel_nb, idle_thrust_nb, max_tas_nb, min_tas_nb, stall_tas_nb, thrust_max_nb, tsfc_nb,
)
from foxbat.flight.layout import (
    AB, AB_UNTIL, ALT_TGT, C_AGL, C_ALT, C_FF, C_FUEL, C_GROUND, C_GS, C_HDG, C_LAT, C_LEG, C_LON, C_MACH,
    C_MASS, C_NLOAD, C_PHASE, C_T, C_TAS, C_VZ, CHUTE, CLEAR_TOL, DIR, DIVE_ANGLE, DURATION, E_ALT, E_CODE,
    E_LAT, E_LEG, E_LON, E_T, E_V1, E_V2, END_ON_ALT, EV_CEILING, EV_CLEARANCE, EV_CRASH, EV_DEAD_STICK,
    EV_FUEL_OUT, EV_LEG_END, EV_LIFTOFF, EV_MAX_TIME, EV_OFF_MAP, EV_RWY_DEM, EV_SPEED_LIMIT, EV_STOPPED,
    EV_TO_OVERRUN, EV_TOUCHDOWN, EV_WAYPOINT, FAF_LAT, FAF_LON, GLIDE_SLOPE, HDG, LAT1, LAT_MODE, LM_CIRCLE,
    LM_HEADING, LM_LAND, LM_POINT, LM_TAKEOFF, LON1, MAX_EVENTS, N_COLS, N_EV_COLS, NLOAD, PH_AIR, PH_END,
    PH_GLIDE, PH_GROUND, PH_ROLL, RADIUS, RATE, RWY_ELEV, RWY_LEN, SM_GS, SM_MACH, SPEED, SPEED_MODE,
    TD_DIST, TURNS, VERT_MODE, VM_AGL, VM_ALT, VM_TF,
)
from foxbat.nbcache import key_on_sources

WGS84_A = 6378137.0
WGS84_E2 = 6.69437999014e-3
ONE_MINUS_F = 1.0 - 1.0 / 298.257223563
DEG = math.pi / 180.0
TWO_PI = 2.0 * math.pi
CLIMB_OUT_AGL_M = 150.0  # take-off leg: straight ahead until this high above ground and runway
# (a take-off's climb_out_agl_m, in the leg's ALT_TGT, replaces it: captured and held, the
# leg ends within 5 m of it)
TAU_ALT_S = 3.0  # altitude capture time constant
N_ROLL_SUB = 20  # runway sub-steps per time step (midpoint rule)
TF_CLIMB_SHARE = 0.6  # terrain following plans on this share of the present steady climb (it falls with height)
ACCEL_SHARE = 0.5  # share of the excess power spent on speed while both climbing and accelerating
FINAL_LOOKAHEAD_M = 2500.0  # centreline tracking on final


@njit(cache=True)
def radii_m(lat_deg):
    """Meridian (M) and normal (N) radii of curvature of WGS84 at a latitude, metres."""
    s = math.sin(lat_deg * DEG)
    w = 1.0 - WGS84_E2 * s * s
    n = WGS84_A / math.sqrt(w)
    m = WGS84_A * (1.0 - WGS84_E2) / (w * math.sqrt(w))
    return m, n


@njit(cache=True)
def wrap_pi(a):
    while a > math.pi:
        a -= TWO_PI
    while a < -math.pi:
        a += TWO_PI
    return a


@njit(cache=True)
def dist_bearing(lat1, lon1, lat2, lon2):
    """Great-circle distance (m, local mean radius) and initial bearing (rad) between points."""
    m, n = radii_m(0.5 * (lat1 + lat2))
    r = math.sqrt(m * n)
    p1 = lat1 * DEG
    p2 = lat2 * DEG
    dl = (lon2 - lon1) * DEG
    sdp = math.sin(0.5 * (p2 - p1))
    sdl = math.sin(0.5 * dl)
    h = sdp * sdp + math.cos(p1) * math.cos(p2) * sdl * sdl
    d = 2.0 * r * math.asin(min(1.0, math.sqrt(h)))
    # bearing on Bessel's auxiliary sphere (reduced latitudes), where the great circle
    # through both points has nearly the WGS84 geodesic's azimuth
    b1 = math.atan(ONE_MINUS_F * math.tan(p1))
    b2 = math.atan(ONE_MINUS_F * math.tan(p2))
    y = math.sin(dl) * math.cos(b2)
    x = math.cos(b1) * math.sin(b2) - math.sin(b1) * math.cos(b2) * math.cos(dl)
    return d, math.atan2(y, x)


@njit(cache=True)
def offset(lat, lon, dist_m, bearing_rad):
    """A point dist_m away along a bearing (local ellipsoidal step; for short distances)."""
    m, n = radii_m(lat)
    la = lat + dist_m * math.cos(bearing_rad) / m / DEG
    mm, nn = radii_m(0.5 * (lat + la))
    la = lat + dist_m * math.cos(bearing_rad) / mm / DEG
    lo = lon + dist_m * math.sin(bearing_rad) / (nn * math.cos(0.5 * (lat + la) * DEG)) / DEG
    return la, lo


@njit(cache=True)
def terrain_m(z, lat0, dlat, lon0, dlon, lat, lon):
    """Bilinear ground height (m MSL, sea clamped to 0) on a lat/lon grid; NaN off the grid."""
    nr = z.shape[0]
    nc = z.shape[1]
    row = (lat - lat0) / dlat
    col = (lon - lon0) / dlon
    if row < -0.5 or row > nr - 0.5 or col < -0.5 or col > nc - 0.5:
        return np.nan
    r = min(max(row, 0.0), nr - 1.0)
    c = min(max(col, 0.0), nc - 1.0)
    r0 = min(int(r), max(nr - 2, 0))
    c0 = min(int(c), max(nc - 2, 0))
    r1 = min(r0 + 1, nr - 1)
    c1 = min(c0 + 1, nc - 1)
    fr = r - r0
    fc = c - c0
    return (z[r0, c0] * (1 - fr) * (1 - fc) + z[r0, c1] * (1 - fr) * fc
            + z[r1, c0] * fr * (1 - fc) + z[r1, c1] * fr * fc)


@njit(cache=True)
def tf_required_alt(z, lat0, dlat, lon0, dlon, lat, lon, psi, vh, h_set, climb_mps, look_s, n_look):
    """Lowest altitude now from which climbing at climb_mps keeps h_set above the ground
    along the next look_s seconds of flight on heading psi."""
    g0 = terrain_m(z, lat0, dlat, lon0, dlon, lat, lon)
    req = g0 + h_set
    v = max(vh, 30.0)
    for j in range(1, n_look + 1):
        d = v * look_s * j / n_look
        la, lo = offset(lat, lon, d, psi)
        g = terrain_m(z, lat0, dlat, lon0, dlon, la, lo)
        if g == g:
            r = g + h_set - climb_mps * (d / v)
            if r > req:
                req = r
    return req


@njit(cache=True)
def _capture_rate(err, rate_up, rate_dn, a_v):
    """Vertical speed command toward an altitude error: rate-limited, braked so that it
    stops at the target with vertical acceleration a_v, linear near zero."""
    lim = rate_up if err > 0 else rate_dn
    mag = min(lim, math.sqrt(2.0 * a_v * abs(err)), abs(err) / TAU_ALT_S)
    return mag if err > 0 else -mag


@njit(cache=True)
def _event(ev, n_ev, code, t, lat, lon, alt, v1, v2, leg):
    if n_ev < ev.shape[0]:
        ev[n_ev, E_CODE] = code
        ev[n_ev, E_T] = t
        ev[n_ev, E_LAT] = lat
        ev[n_ev, E_LON] = lon
        ev[n_ev, E_ALT] = alt
        ev[n_ev, E_V1] = v1
        ev[n_ev, E_V2] = v2
        ev[n_ev, E_LEG] = leg
        return n_ev + 1
    return n_ev


@njit(cache=True)
def simulate(legs, sc, mm_alt, mm, aero, z, lat0, dlat, lon0, dlon, state0, dt, max_steps, look_s, n_look):
    """Fly the legs from state0 = (t, lat, lon, alt, tas, heading_rad, fuel_kg, base_mass_kg,
    on_ground). Returns (trajectory rows, events, number of rows, number of events)."""
    out = np.full((max_steps + 1, N_COLS), np.nan)
    ev = np.full((MAX_EVENTS, N_EV_COLS), np.nan)
    n_ev = 0
    n_legs = legs.shape[0]

    t = state0[0]
    lat = state0[1]
    lon = state0[2]
    alt = state0[3]
    v = state0[4]
    psi = state0[5]
    fuel = state0[6]
    base_mass = state0[7]
    phase = PH_GROUND if state0[8] > 0 else PH_AIR
    vz = 0.0
    t0 = t
    n_prev = 1.0  # load factor of the previous step, for the drag of this one

    k = 0
    leg_start = True
    leg_t0 = t
    leg_alt0 = alt
    leg_psi0 = psi
    circ_lat = 0.0
    circ_lon = 0.0
    swept = 0.0
    prev_beta = 0.0
    have_beta = False
    land_sub = 0
    speed_flag = False
    ceil_flag = False
    roll_s = 0.0  # ground roll so far, m
    to_over = False
    along = 0.0
    tgt_prev = np.nan
    td_along = 0.0
    # clearance-violation episode
    in_viol = False
    worst = 0.0
    w_t = 0.0
    w_lat = 0.0
    w_lon = 0.0
    w_alt = 0.0
    w_set = 0.0

    n = 0
    while True:
        if k >= n_legs and phase != PH_ROLL:
            break
        kk = min(k, n_legs - 1)
        leg = legs[kk]
        lm = int(leg[LAT_MODE])
        nl = leg[NLOAD]
        if leg_start:
            leg_start = False
            leg_t0 = t
            leg_alt0 = alt
            leg_psi0 = psi
            swept = 0.0
            have_beta = False
            land_sub = 0
            speed_flag = False
            ceil_flag = False
            tgt_prev = np.nan
            if lm == LM_CIRCLE:
                circ_lat = leg[LAT1]
                circ_lon = leg[LON1]
                if circ_lat != circ_lat:  # centre abeam, radius away on the turn side
                    circ_lat, circ_lon = offset(lat, lon, leg[RADIUS], psi + leg[DIR] * 0.5 * math.pi)
            if lm == LM_TAKEOFF:
                g0 = terrain_m(z, lat0, dlat, lon0, dlon, lat, lon)
                if g0 == g0 and abs(g0 - leg[RWY_ELEV]) > 50.0:
                    n_ev = _event(ev, n_ev, EV_RWY_DEM, t, lat, lon, alt, g0 - leg[RWY_ELEV], 0.0, kk)
            if lm == LM_LAND:
                g0 = terrain_m(z, lat0, dlat, lon0, dlon, leg[LAT1], leg[LON1])
                if g0 == g0 and abs(g0 - leg[RWY_ELEV]) > 50.0:
                    n_ev = _event(ev, n_ev, EV_RWY_DEM, t, leg[LAT1], leg[LON1], leg[RWY_ELEV],
                                  g0 - leg[RWY_ELEV], 0.0, kk)

        ground = terrain_m(z, lat0, dlat, lon0, dlon, lat, lon)
        if ground != ground:
            n_ev = _event(ev, n_ev, EV_OFF_MAP, t, lat, lon, alt, 0.0, 0.0, kk)
            _record(out, n, t, lat, lon, alt, ground, v, vz, psi, 1.0, fuel, base_mass, 0.0, kk, phase)
            n += 1
            break
        engines = fuel > 0.0
        if phase == PH_AIR and not engines:
            phase = PH_GLIDE
        # a take-off leg without engines is a glider: it meets the terrain like any other
        on_rwy = (lm == LM_TAKEOFF and engines) or (lm == LM_LAND and land_sub == 1) or phase == PH_ROLL
        ab_on = False
        if engines and sc[HAS_AB] > 0:
            if leg[AB] > 0 or (lm == LM_TAKEOFF and t - t0 < leg[AB_UNTIL]):
                ab_on = True

        # ---------------- ground phases ----------------
        if phase == PH_GROUND and not engines:
            # no fuel before lift-off: the aircraft stays on the runway (it used to accelerate
            # without thrust, lift off and sink through the ground for the rest of the run)
            n_ev = _event(ev, n_ev, EV_FUEL_OUT, t, lat, lon, alt, 0.0, 0.0, kk)
            _record(out, n, t, lat, lon, alt, leg[RWY_ELEV], v, 0.0, psi, 1.0, fuel, base_mass + fuel, 0.0, kk,
                    PH_END)
            n += 1
            break
        if phase == PH_GROUND or phase == PH_ROLL:
            rwy_elev = leg[RWY_ELEV] if phase == PH_GROUND else legs[n_legs - 1][RWY_ELEV]
            braking = phase == PH_ROLL
            chute = braking and legs[n_legs - 1][CHUTE] > 0
            mass = base_mass + fuel
            if braking:
                ff = tsfc_nb(sc, rwy_elev, v, False) * idle_thrust_nb(sc, rwy_elev) if engines else 0.0
            else:
                ff = tsfc_nb(sc, rwy_elev, v, ab_on) * thrust_max_nb(sc, rwy_elev, v, ab_on)
            _record(out, n, t, lat, lon, alt, rwy_elev, v, 0.0, psi, 1.0, fuel, mass, ff, kk, phase)
            n += 1
            if n > max_steps:
                break
            v_lof = V_LOF_FACTOR * stall_tas_nb(sc, rwy_elev, mass, False)
            # sub-steps with the midpoint rule; stop inside a sub-step where the speed reaches
            # zero (landing roll) or the lift-off speed (take-off roll)
            h = dt / N_ROLL_SUB
            step = 0.0
            t_used = 0.0
            done = False
            for _j in range(N_ROLL_SUB):
                a1 = ground_accel_nb(sc, aero, rwy_elev, v, mass, ab_on, braking, chute, engines)
                a2 = ground_accel_nb(sc, aero, rwy_elev, max(v + 0.5 * h * a1, 0.0), mass, ab_on, braking, chute,
                                     engines)
                f = 1.0
                if braking and v + h * a2 <= 0.0:
                    f = v / (-h * a2)
                    done = True
                elif not braking and v + h * a2 >= v_lof:
                    f = (v_lof - v) / (h * a2)
                    done = True
                v_new = v + h * a2 * f
                step += 0.5 * (v + v_new) * h * f
                t_used += h * f
                v = v_new
                if done:
                    break
            if braking and done:
                v = 0.0
            lat, lon = offset(lat, lon, step, psi)
            roll_s += step
            fuel = max(fuel - ff * t_used, 0.0)
            t += t_used
            if phase == PH_GROUND:
                if roll_s > leg[RWY_LEN] and not to_over:
                    to_over = True
                    n_ev = _event(ev, n_ev, EV_TO_OVERRUN, t, lat, lon, alt, roll_s, leg[RWY_LEN], kk)
                if done:
                    phase = PH_AIR
                    n_ev = _event(ev, n_ev, EV_LIFTOFF, t, lat, lon, alt, roll_s, leg[RWY_LEN] - roll_s, kk)
            elif done:
                lr = legs[n_legs - 1]
                m_, n_ = radii_m(lr[LAT1])
                dn = (lat - lr[LAT1]) * DEG * m_
                de = (lon - lr[LON1]) * DEG * n_ * math.cos(lr[LAT1] * DEG)
                along = dn * math.cos(lr[HDG]) + de * math.sin(lr[HDG])
                n_ev = _event(ev, n_ev, EV_STOPPED, t, lat, lon, alt, along - td_along, along - lr[RWY_LEN],
                              n_legs - 1)
                phase = PH_END
                _record(out, n, t, lat, lon, alt, lr[RWY_ELEV], 0.0, 0.0, psi, 1.0, fuel, base_mass + fuel,
                        0.0, n_legs - 1, phase)
                n += 1
                break
            continue

        # ---------------- airborne: guidance ----------------
        m_r, n_r = radii_m(lat)
        vh = math.sqrt(max(v * v - vz * vz, 1.0))
        psi_d = psi
        leg_done = False
        ev_code = 0
        ev_v1 = 0.0
        ev_t = t
        ev_lat = lat
        ev_lon = lon
        if lm == LM_POINT:
            d, brg = dist_bearing(lat, lon, leg[LAT1], leg[LON1])
            psi_d = brg
            r_turn = v * v / (G0_MPS2 * math.sqrt(nl * nl - 1.0))
            if d <= vh * dt:
                leg_done = True
                ev_code = EV_WAYPOINT
                ev_t = t + d / vh
                ev_lat = leg[LAT1]
                ev_lon = leg[LON1]
            elif d < 2.0 * r_turn and abs(wrap_pi(brg - psi)) > 0.5 * math.pi:
                leg_done = True
                ev_code = EV_WAYPOINT
                ev_v1 = d
        elif lm == LM_HEADING or lm == LM_TAKEOFF:
            psi_d = leg[HDG] if leg[HDG] == leg[HDG] else leg_psi0
            if lm == LM_HEADING and leg[LAT1] == leg[LAT1]:
                d, brg = dist_bearing(lat, lon, leg[LAT1], leg[LON1])
                if d > 2.0 * vh * dt:
                    psi_d = brg
        elif lm == LM_CIRCLE:
            d, brg = dist_bearing(lat, lon, circ_lat, circ_lon)
            r = leg[RADIUS]
            dr = leg[DIR]
            if d > r:
                th = math.asin(r / d)
            else:
                th = 0.5 * math.pi + min(0.5 * math.pi, 2.0 * (r - d) / r * 0.5 * math.pi)
            psi_d = brg - dr * th
            if abs(d - r) < 0.25 * r + 200.0:
                beta = brg + math.pi
                if have_beta:
                    swept += dr * wrap_pi(beta - prev_beta)
                prev_beta = beta
                have_beta = True
            if leg[TURNS] == leg[TURNS] and swept >= leg[TURNS]:
                leg_done = True
                ev_code = EV_LEG_END
        elif lm == LM_LAND:
            if land_sub == 0:
                d, brg = dist_bearing(lat, lon, leg[FAF_LAT], leg[FAF_LON])
                psi_d = brg
                r_turn = v * v / (G0_MPS2 * math.sqrt(nl * nl - 1.0))
                if d <= vh * dt or (d < 2.0 * r_turn and abs(wrap_pi(brg - psi)) > 0.5 * math.pi):
                    land_sub = 1
                    n_ev = _event(ev, n_ev, EV_WAYPOINT, t + min(d / vh, dt), leg[FAF_LAT], leg[FAF_LON], alt,
                                  d if d > vh * dt else 0.0, 0.0, kk)
            if land_sub == 1:
                m_t, n_t = radii_m(leg[LAT1])
                dn = (lat - leg[LAT1]) * DEG * m_t
                de = (lon - leg[LON1]) * DEG * n_t * math.cos(leg[LAT1] * DEG)
                along = dn * math.cos(leg[HDG]) + de * math.sin(leg[HDG])
                cross = -dn * math.sin(leg[HDG]) + de * math.cos(leg[HDG])
                corr = math.atan2(cross, FINAL_LOOKAHEAD_M)
                psi_d = leg[HDG] - max(-1.0, min(1.0, corr))
        if leg[DURATION] == leg[DURATION] and t - leg_t0 >= leg[DURATION] and not leg_done:
            leg_done = True
            ev_code = EV_LEG_END

        # ---------------- speed ----------------
        mass = base_mass + fuel
        v_lo = min_tas_nb(sc, alt)
        v_hi = max_tas_nb(sc, mm_alt, mm, alt)
        glide_ld = 0.0
        v_td = 0.0
        v_app = 0.0
        if lm == LM_LAND:
            v_td = V_TD_FACTOR * stall_tas_nb(sc, leg[RWY_ELEV], mass, True)
            v_app = leg[SPEED] if leg[SPEED] == leg[SPEED] else 1.3 / V_TD_FACTOR * v_td
        if not engines:
            glide_ld, v_cmd = best_glide_nb(sc, aero, alt, mass)
            if lm == LM_LAND and land_sub == 1:
                v_cmd = max(v_cmd, v_td)
        elif lm == LM_LAND and land_sub == 1:
            frac_a = min(max((leg[TD_DIST] - along) / 4000.0, 0.0), 1.0)
            v_cmd = v_td + (v_app - v_td) * frac_a
            v_lo = v_td
        else:
            sm = int(leg[SPEED_MODE])
            if sm == SM_MACH:
                v_cmd = leg[SPEED] * speed_of_sound_mps(alt)
            elif sm == SM_GS:
                v_cmd = leg[SPEED] * v / vh
            else:
                v_cmd = leg[SPEED]
            if lm == LM_LAND:
                v_cmd = v_app if leg[SPEED] != leg[SPEED] else v_cmd
                v_lo = min(v_lo, v_app)
            elif lm == LM_TAKEOFF:
                v_lo = min(v_lo, V_LOF_FACTOR * stall_tas_nb(sc, leg[RWY_ELEV], mass, False))
            if v_cmd > v_hi + 0.5 or v_cmd < v_lo - 0.5:
                lim = v_hi if v_cmd > v_hi else v_lo
                if not speed_flag:
                    speed_flag = True
                    n_ev = _event(ev, n_ev, EV_SPEED_LIMIT, t, lat, lon, alt, v_cmd, lim, kk)
                v_cmd = lim
        # specific excess power: thrust available less the drag at last step's load factor
        drag = drag_nb(sc, aero, alt, v, mass, n_prev)
        thr_max = thrust_max_nb(sc, alt, v, ab_on) if engines else 0.0
        thr_min = idle_thrust_nb(sc, alt) if engines else 0.0
        q_s = 0.5 * density_kg_m3(alt) * v * v * sc[WING_AREA_M2]
        a_lev = (thr_max - drag) / mass
        acc_dn = (thr_min - drag - q_s * sc[BRAKE_DCD0]) / mass
        vm = int(leg[VERT_MODE])
        want_climb = lm == LM_TAKEOFF or (lm != LM_LAND and vm == VM_ALT and leg[ALT_TGT] == leg[ALT_TGT]
                                          and leg[ALT_TGT] > alt + 50.0)
        if vm != VM_ALT and lm != LM_LAND and tgt_prev == tgt_prev and tgt_prev > alt + 5.0:
            want_climb = True  # terrain ahead: climbing shares the excess power
        if not engines:
            acc_up = 0.5
        elif want_climb and a_lev > 0.0:
            acc_up = ACCEL_SHARE * a_lev  # the rest of the excess power climbs
        else:
            acc_up = a_lev - G0_MPS2 * max(vz, 0.0) / max(v, 1.0)
        dv = min(max(v_cmd - v, min(acc_dn, -0.3) * dt), acc_up * dt)
        if engines and v + dv < v_lo and lm != LM_LAND and lm != LM_TAKEOFF:
            dv = v_lo - v  # at the slowest speed: the energy deficit comes out of altitude
        v_new = v + dv

        # ---------------- turn ----------------
        omega = G0_MPS2 * math.sqrt(nl * nl - 1.0) / max(v, 30.0)
        dpsi = wrap_pi(psi_d - psi)
        dpsi = min(max(dpsi, -omega * dt), omega * dt)
        psi_mid = psi + 0.5 * dpsi

        # ---------------- vertical ----------------
        # steady climb the excess power leaves after this step's acceleration
        climb_lim = (thr_max - drag - mass * dv / dt) * max(v, 1.0) / (mass * G0_MPS2)
        if lm == LM_TAKEOFF:
            climb_lim = min(climb_lim, 0.5 * v)
        desc_lim = sc[MAX_DESC_MPS]
        if leg[RATE] == leg[RATE]:
            climb_lim = min(climb_lim, leg[RATE])
            desc_lim = min(desc_lim, leg[RATE])
        if leg[DIVE_ANGLE] == leg[DIVE_ANGLE]:
            desc_lim = min(desc_lim, v * math.sin(leg[DIVE_ANGLE]))
        a_v = G0_MPS2 * min(nl - 1.0, 1.0)
        tgt = alt
        if lm == LM_TAKEOFF and leg[ALT_TGT] == leg[ALT_TGT]:
            # a set climb-out height (take-off climb_out_agl_m): capture it and level there, so
            # the next leg starts low instead of after a full-rate climb's overshoot
            tgt = max(ground, leg[RWY_ELEV]) + leg[ALT_TGT]
            vz_cmd = min(max(_capture_rate(tgt - alt, climb_lim, desc_lim, 0.7 * a_v), -desc_lim), climb_lim)
        elif lm == LM_TAKEOFF:
            tgt = max(ground, leg[RWY_ELEV]) + CLIMB_OUT_AGL_M + 1000.0
            vz_cmd = climb_lim
        elif lm == LM_LAND and land_sub == 1:
            gs_alt = leg[RWY_ELEV] + math.tan(leg[GLIDE_SLOPE]) * (leg[TD_DIST] - along)
            vz_cmd = -vh * math.tan(leg[GLIDE_SLOPE]) + (gs_alt - alt) / 5.0
            vz_cmd = min(max(vz_cmd, -desc_lim), climb_lim)
        else:
            if vm == VM_TF:
                tgt = tf_required_alt(z, lat0, dlat, lon0, dlon, lat, lon, psi_d, vh, leg[ALT_TGT],
                                      TF_CLIMB_SHARE * max(climb_lim, 1.0), look_s, n_look)
            elif vm == VM_AGL:
                tgt = ground + leg[ALT_TGT]
            else:
                tgt = leg[ALT_TGT] if leg[ALT_TGT] == leg[ALT_TGT] else leg_alt0
            if tgt > sc[CEILING_M]:
                if not ceil_flag:
                    ceil_flag = True
                    n_ev = _event(ev, n_ev, EV_CEILING, t, lat, lon, alt, tgt, sc[CEILING_M], kk)
                tgt = sc[CEILING_M]
            # feed-forward of a moving target (terrain following, heights above ground)
            ff_rate = 0.0
            if vm != 0 and tgt_prev == tgt_prev:
                ff_rate = min(max((tgt - tgt_prev) / dt, -desc_lim), climb_lim)
            tgt_prev = tgt
            vz_cmd = ff_rate + _capture_rate(tgt - alt, max(climb_lim, 0.0), desc_lim, 0.7 * a_v)
            vz_cmd = min(max(vz_cmd, -desc_lim), climb_lim)
            if leg[END_ON_ALT] > 0 and abs(tgt - alt) < 2.0 and abs(vz) < 2.0 and not leg_done:
                leg_done = True
                ev_code = EV_LEG_END
        if not engines:
            vz_cmd = -v / glide_ld
        vz_cmd = min(max(vz_cmd, -0.9 * v), 0.9 * v)
        dvz = min(max(vz_cmd - vz, -a_v * dt), G0_MPS2 * (nl - 1.0) * dt)
        vz_new = vz + dvz

        # ---------------- load factor and fuel ----------------
        turn_rate = abs(dpsi) / dt
        n_load = math.sqrt((1.0 + dvz / dt / G0_MPS2) ** 2 + (v * turn_rate / G0_MPS2) ** 2)
        n_prev = n_load
        if engines:
            ff = fuel_flow_nb(sc, aero, alt, 0.5 * (v + v_new), mass, 0.5 * (vz + vz_new), dv / dt, n_load, ab_on)
        else:
            ff = 0.0
        _record(out, n, t, lat, lon, alt, ground, v, vz, psi, n_load, fuel, mass, ff, kk, phase)
        n += 1
        if n > max_steps:
            break

        # ---------------- integrate ----------------
        vm_ = 0.5 * (v + v_new)
        vzm = 0.5 * (vz + vz_new)
        vhm = math.sqrt(max(vm_ * vm_ - vzm * vzm, 0.0))
        step = vhm * dt
        lat_mid = lat + 0.5 * step * math.cos(psi_mid) / m_r / DEG
        m_m, n_m = radii_m(lat_mid)
        dlat_deg = step * math.cos(psi_mid) / m_m / DEG
        dlon_deg = step * math.sin(psi_mid) / (n_m * math.cos(lat_mid * DEG)) / DEG
        fuel_before = fuel
        if engines and ff * dt >= fuel:
            f = fuel / (ff * dt)
            n_ev = _event(ev, n_ev, EV_FUEL_OUT, t + f * dt, lat + f * dlat_deg, lon + f * dlon_deg,
                          alt + f * vzm * dt, ff, 0.0, kk)
            fuel = 0.0
        elif engines:
            fuel -= ff * dt
        lat_new = lat + dlat_deg
        lon_new = lon + dlon_deg
        alt_new = alt + vzm * dt
        t_new = t + dt

        # ---------------- leg bookkeeping ----------------
        if leg_done:
            n_ev = _event(ev, n_ev, ev_code, ev_t, ev_lat, ev_lon, alt, ev_v1, 0.0, kk)
            k += 1
            leg_start = True
        climb_out = leg[ALT_TGT] - 5.0 if leg[ALT_TGT] == leg[ALT_TGT] else CLIMB_OUT_AGL_M
        if lm == LM_TAKEOFF and alt_new >= max(ground, leg[RWY_ELEV]) + climb_out and not leg_done:
            n_ev = _event(ev, n_ev, EV_LEG_END, t_new, lat_new, lon_new, alt_new, 0.0, 0.0, kk)
            k += 1
            leg_start = True

        # ---------------- ground contact ----------------
        g_new = terrain_m(z, lat0, dlat, lon0, dlon, lat_new, lon_new)
        if lm == LM_LAND and land_sub == 1 and alt_new <= leg[RWY_ELEV]:
            m_t, n_t = radii_m(leg[LAT1])
            dn = (lat_new - leg[LAT1]) * DEG * m_t
            de = (lon_new - leg[LON1]) * DEG * n_t * math.cos(leg[LAT1] * DEG)
            along_new = dn * math.cos(leg[HDG]) + de * math.sin(leg[HDG])
            # interpolate the touchdown inside the step
            f = (alt - leg[RWY_ELEV]) / max(alt - alt_new, 1e-9)
            lat_new = lat + f * dlat_deg
            lon_new = lon + f * dlon_deg
            along_td = along + f * (along_new - along)
            t_new = t + f * dt
            alt_new = leg[RWY_ELEV]
            if along_td < 0.0:
                n_ev = _event(ev, n_ev, EV_CRASH, t_new, lat_new, lon_new, alt_new, vzm, 1.0, kk)
                lat, lon, alt, t, v, vz, psi = lat_new, lon_new, alt_new, t_new, v_new, vz_new, psi + dpsi
                _record(out, n, t, lat, lon, alt, g_new, v, vz, psi, 1.0, fuel, base_mass + fuel, 0.0, kk,
                        PH_END)
                n += 1
                break
            n_ev = _event(ev, n_ev, EV_TOUCHDOWN, t_new, lat_new, lon_new, alt_new, along_td, v_new, kk)
            if not engines:
                n_ev = _event(ev, n_ev, EV_DEAD_STICK, t_new, lat_new, lon_new, alt_new, along_td, v_new, kk)
            td_along = along_td
            phase = PH_ROLL
            vz_new = 0.0
            psi = leg[HDG]
            lat, lon, alt, t, v, vz = lat_new, lon_new, alt_new, t_new, v_new, vz_new
            k = n_legs
            continue
        if not on_rwy and g_new == g_new and alt_new < g_new:
            f = (alt - ground) / max((alt - ground) - (alt_new - g_new), 1e-9)
            f = min(max(f, 0.0), 1.0)
            n_ev = _event(ev, n_ev, EV_CRASH, t + f * dt, lat + f * dlat_deg, lon + f * dlon_deg,
                          alt + f * vzm * dt, vzm, 0.0, kk)
            lat, lon, alt, t = lat + f * dlat_deg, lon + f * dlon_deg, alt + f * vzm * dt, t + f * dt
            g_new = terrain_m(z, lat0, dlat, lon0, dlon, lat, lon)
            alt = max(alt, g_new)
            _record(out, n, t, lat, lon, alt, g_new, v_new, vz_new, psi + dpsi, 1.0, fuel, base_mass + fuel, 0.0,
                    kk, PH_END)
            n += 1
            break

        # ---------------- terrain-following clearance ----------------
        if vm == VM_TF and lm != LM_LAND and g_new == g_new:
            h_set = leg[ALT_TGT]
            margin = (alt_new - g_new) - h_set
            if margin < -leg[CLEAR_TOL]:
                if not in_viol or margin < worst:
                    worst = margin
                    w_t = t_new
                    w_lat = lat_new
                    w_lon = lon_new
                    w_alt = alt_new
                    w_set = h_set
                in_viol = True
            elif in_viol:
                n_ev = _event(ev, n_ev, EV_CLEARANCE, w_t, w_lat, w_lon, w_alt, worst, w_set, kk)
                in_viol = False
        elif in_viol:
            n_ev = _event(ev, n_ev, EV_CLEARANCE, w_t, w_lat, w_lon, w_alt, worst, w_set, kk)
            in_viol = False

        lat, lon, alt, t, v, vz = lat_new, lon_new, alt_new, t_new, v_new, vz_new
        psi = wrap_pi(psi + dpsi)
        if fuel_before > 0.0 and fuel <= 0.0:
            phase = PH_GLIDE

    if in_viol:
        n_ev = _event(ev, n_ev, EV_CLEARANCE, w_t, w_lat, w_lon, w_alt, worst, w_set, min(k, n_legs - 1))
    if n > max_steps:
        n = max_steps + 1
        n_ev = _event(ev, n_ev, EV_MAX_TIME, t, lat, lon, alt, 0.0, 0.0, min(k, n_legs - 1))
    return out, ev, n, n_ev


@njit(cache=True)
def _record(out, i, t, lat, lon, alt, ground, v, vz, psi, n_load, fuel, mass, ff, leg, phase):
    if i >= out.shape[0]:
        return
    out[i, C_T] = t
    out[i, C_LAT] = lat
    out[i, C_LON] = lon
    out[i, C_ALT] = alt
    out[i, C_GROUND] = ground
    out[i, C_AGL] = alt - ground
    out[i, C_TAS] = v
    out[i, C_GS] = math.sqrt(max(v * v - vz * vz, 0.0))
    h = psi / DEG
    while h < 0.0:
        h += 360.0
    while h >= 360.0:
        h -= 360.0
    out[i, C_HDG] = h
    out[i, C_VZ] = vz
    out[i, C_NLOAD] = n_load
    out[i, C_FUEL] = fuel
    out[i, C_MASS] = mass
    out[i, C_MACH] = v / speed_of_sound_mps(alt)
    out[i, C_FF] = ff
    out[i, C_LEG] = leg
    out[i, C_PHASE] = phase


# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.aircraft.atmosphere",
    "foxbat.aircraft.performance",
    "foxbat.flight.layout",
])
