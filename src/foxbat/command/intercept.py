"""Ground-controlled interception: an interceptor flown on its performance model toward
a lead-intercept point on what it knows of the target, searching with its own radar,
then home to its base's runway.

What the interceptor knows: before its radar holds the target, the side's ground track
as the controller passes it (:class:`TrackPicture`: states older than the network's
latency, a new vector only every GCI update interval); once its radar has locked on,
its own radar track (:mod:`foxbat.sensing.airborne`: a Kalman filter on its noisy
measurements). The target's true state drives only what physics decides: whether the
radar's beam, the crew's eyes or the guns reach it.

The intruder's route is scripted (it does not react to the interceptors), so the
side's track picture over the whole run is known before the interceptors fly; the
controller only ever uses track states older than the current time (causal).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from foxbat.aircraft.atmosphere import G0_MPS2, speed_of_sound_mps
from foxbat.aircraft.performance import Aircraft, excess_power_nb, fuel_flow_nb, max_tas_nb
from foxbat.command.quiet_nb import (DONE, FUEL_OUT, NEED_EYES, NEED_LOOK, S_GCI, S_N_LOOKS, S_ON_FINAL,
                                     S_RESET_WEAPONS, S_T0, S_T_STEP, S_U, QuietFlight)
from foxbat.command.recovery import (FAF_DISTANCE_M, FINAL_CAPTURE_M, FLARE_M, GLIDE_SLOPE_RAD, LOOKAHEAD_M,
                                     plan_approach, touchdown)
from foxbat.geo import wgs84_geod
from foxbat.radar.catalogue import RadarType
from foxbat.radar.detection import pd_swerling1_point
from foxbat.sensing.airborne import BarScan, MofN, TrackFilter, look_through_terrain
from foxbat.sensing.geometry import (bearing_to, destination, line_of_sight_clear, look_angles, look_angles_point,
                                     wrap180)
from foxbat.sensing.path import PathEnvironment, path_factors_point_db
from foxbat.terrain.dem import Dem
from foxbat.terrain.point import point_sampler

_M_PER_DEG = 111_000.0  # a little under a degree of latitude: a safe screen for "far apart"
TERRAIN_MARGIN_M = 150.0
DESCENT_LIMIT_MPS = 60.0
GCI_UPDATE_S = 20.0
"""Notional: a controller on voice radio passes a new vector about every 20 s (no figure
for the 1976 JASDF or PVO in the fact sheets)."""
TRACK_LATENCY_S = 15.0
"""Notional: from a radar plot to the controller's scope and his call (plot extraction,
track display, reading and speaking); not in the fact sheets."""


@dataclass
class TrackPicture:
    """What a controller knows: confirmed track states (time-sorted) of one side, passed
    on with the network's latency and at the GCI update interval."""

    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt_msl_m: np.ndarray
    vel_e_mps: np.ndarray
    vel_n_mps: np.ndarray
    max_age_s: float
    latency_s: float = TRACK_LATENCY_S
    update_s: float = GCI_UPDATE_S

    def __post_init__(self):
        # plain lists: one look-up per 1 s step, without numpy's per-call overhead
        self._t = np.asarray(self.t_s, float).tolist()
        self._cols = [np.asarray(c, float).tolist() for c in (self.lat, self.lon, self.alt_msl_m, self.vel_e_mps,
                                                                self.vel_n_mps)]

    def state_at(self, t_s: float):
        """Latest state not after t_s, extrapolated to t_s; None if none or too old."""
        return self._extrapolated(t_s, t_s)

    def estimate(self, t_s: float):
        """What the pilot flies on at t_s: the vector of the last GCI update (every
        ``update_s``), made from the newest state at least ``latency_s`` old then,
        extrapolated to t_s; None when the controller had nothing fresh."""
        t_call = math.floor(t_s / self.update_s) * self.update_s if self.update_s > 0 else t_s
        return self._extrapolated(t_call - self.latency_s, t_s)

    def _extrapolated(self, t_known_s: float, t_s: float):
        i = bisect_right(self._t, t_known_s) - 1
        if i < 0 or t_known_s - self._t[i] > self.max_age_s:
            return None
        dt = t_s - self._t[i]
        c_lat, c_lon, c_alt, c_ve, c_vn = self._cols
        lat, lon, alt, ve, vn = c_lat[i], c_lon[i], c_alt[i], c_ve[i], c_vn[i]
        speed = math.hypot(ve, vn)
        if speed * dt > 1.0:
            lat, lon = destination(lat, lon, math.degrees(math.atan2(ve, vn)), speed * dt)
        return lat, lon, alt, ve, vn


@dataclass
class Intruder:
    """The intruder's true flight, for the interceptor's own radar and eyes."""

    id: str
    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt_msl_m: np.ndarray
    agl_m: np.ndarray
    rcs_m2: float
    swerling: int

    def __post_init__(self):
        # plain lists: one interpolation per 1 s step, without numpy's per-call overhead
        self._t = self.t_s.tolist()
        self._cols = [c.tolist() for c in (self.lat, self.lon, self.alt_msl_m, self.agl_m)]
        self.max_speed_mps = _max_speed_mps(self.t_s, self.lat, self.lon, self.alt_msl_m)

    def at(self, t_s: float):
        """(lat, lon, alt MSL, height AGL) at t_s, linear between samples; None outside the flight."""
        tl = self._t
        if t_s < tl[0] or t_s > tl[-1]:
            return None
        j = min(bisect_right(tl, t_s) - 1, len(tl) - 2)
        if j < 0:  # a flight of one sample
            return tuple(c[0] for c in self._cols)
        w = (t_s - tl[j]) / (tl[j + 1] - tl[j])
        la, lo, al, ag = self._cols
        j1 = j + 1
        return (la[j] + w * (la[j1] - la[j]), lo[j] + w * (lo[j1] - lo[j]), al[j] + w * (al[j1] - al[j]),
                ag[j] + w * (ag[j1] - ag[j]))

    def at_many(self, t_s):
        """(lat, lon, alt MSL) lists at times within the flight (held at its ends): the
        values of ``np.interp`` on the samples, by its own arithmetic on plain floats (a
        frame's few dwell times: numpy's per-call overhead cost more than the sums)."""
        tl = self._t
        la, lo, al = self._cols[0], self._cols[1], self._cols[2]
        n = len(tl)
        out_la, out_lo, out_al = [], [], []
        for x in (t_s.tolist() if isinstance(t_s, np.ndarray) else t_s):
            j = bisect_right(tl, x) - 1
            if x != x:  # NaN time: NaN, as np.interp gives
                vals = (math.nan, math.nan, math.nan)
            elif j < 0:
                vals = (la[0], lo[0], al[0])
            elif j >= n - 1 or tl[j] == x:  # at or past the last sample, or on a sample: its value
                vals = (la[j], lo[j], al[j])
            else:
                x0, x1 = tl[j], tl[j + 1]
                dx = x1 - x0
                vals = (_interp_step(la[j], la[j + 1], x0, x1, dx, x), _interp_step(lo[j], lo[j + 1], x0, x1, dx, x),
                        _interp_step(al[j], al[j + 1], x0, x1, dx, x))
            out_la.append(vals[0])
            out_lo.append(vals[1])
            out_al.append(vals[2])
        return out_la, out_lo, out_al


def _interp_step(y0: float, y1: float, x0: float, x1: float, dx: float, x: float) -> float:
    """One value of ``np.interp`` strictly inside [x0, x1): numpy's C loop, operation for
    operation (slope·(x − x0) + y0, and its NaN fall-backs)."""
    slope = (y1 - y0) / dx
    r = slope * (x - x0) + y0
    if r != r:
        r = slope * (x - x1) + y1
        if r != r and y0 == y1:
            r = y0
    return r


def _max_speed_mps(t_s, lat, lon, alt_msl_m) -> float:
    """The largest 3-D speed between samples of a flight, m/s (0 for one sample): a bound
    on how far it can move in a given time."""
    if t_s.size < 2:
        return 0.0
    _, _, d = wgs84_geod().inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    dt = np.maximum(np.diff(t_s), 1e-9)
    return float(np.max(np.hypot(np.asarray(d, float), np.diff(alt_msl_m)) / dt))


_COLUMNS = ("t_s", "lat", "lon", "alt_msl_m", "height_agl_m", "tas_mps", "ground_speed_mps", "heading_deg",
            "climb_rate_mps", "load_factor", "fuel_kg", "mass_kg")


@dataclass
class InterceptorFlight:
    """One interceptor's trajectory (arrays per 1 s step), events and radar looks."""

    id: str
    side: str
    type: str
    columns: dict[str, list] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    looks: list[tuple] = field(default_factory=list)  # (t_s, visible, snr_db, pd, detected)
    estimates: list[tuple] = field(default_factory=list)  # (t_s, source, lat, lon, alt MSL) flown on


def lead_point(lat, lon, speed_mps, tlat, tlon, ve, vn):
    """Where to head to meet a target moving at (ve, vn) m/s: the constant-velocity
    intercept solution, or the target itself when no intercept exists."""
    brg, dist = bearing_to(lat, lon, tlat, tlon)
    rx, ry = dist * math.sin(math.radians(brg)), dist * math.cos(math.radians(brg))
    a = ve * ve + vn * vn - speed_mps * speed_mps
    b = 2 * (rx * ve + ry * vn)
    c = rx * rx + ry * ry
    tau = None
    if abs(a) < 1e-9:
        tau = -c / b if b < 0 else None
    else:
        disc = b * b - 4 * a * c
        if disc >= 0:
            roots = [(-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)]
            pos = [r for r in roots if r > 0]
            tau = min(pos) if pos else None
    if tau is None:
        return tlat, tlon
    px, py = rx + ve * tau, ry + vn * tau
    return destination(lat, lon, math.degrees(math.atan2(px, py)), math.hypot(px, py))


def always_clear(alt1_msl_m: float, alt2_msl_m: float) -> bool:
    """The default sky between the crews' eyes and the target: no cloud."""
    return True


def _sky(clear_air) -> tuple | None:
    """The sky the compiled loop can judge itself: (cloud base, cloud top, clear) of a
    WeatherSpec's ``clear_between`` or the default clear sky; None for any other function
    (Python then asks it)."""
    from foxbat.scenario.run import WeatherSpec

    if clear_air is always_clear:
        return (None, None, True)
    w = getattr(clear_air, "__self__", None)
    if isinstance(w, WeatherSpec) and getattr(clear_air, "__func__", None) is WeatherSpec.clear_between:
        return (w.cloud_base_m, w.cloud_top_m, w.clear)
    return None


def fly_interceptor(
    ident: str, side: str, ac: Aircraft, radar: RadarType | None, base_lat: float, base_lon: float,
    base_elev_m: float, t_airborne_s: float, t_end_s: float, fuel_kg: float, picture: TrackPicture | None,
    intruder: Intruder, dem: Dem, k: float, rng: np.random.Generator, *, cruise_mach: float,
    search_alt_msl_m: float, visual_range_m: float, weapons_range_m: float, intercept_hold_s: float,
    bingo_fuel_kg: float, sea: str, land: str, dt_s: float = 1.0, weapons_need_visual: bool = False,
    clear_air: Callable[[float, float], bool] = always_clear,
    runway_heading_deg: float | None = None, runway_length_m: float | None = None,
    env: PathEnvironment | None = None, fast: bool = True,
) -> InterceptorFlight:
    """Fly one interceptor from just after lift-off until it lands back at its base's
    runway, runs dry or the run ends.

    Guidance flies on estimates only (the GCI picture, then its own radar track); the
    intruder's truth decides what its radar, eyes and guns get. Its radar's SNR carries
    the propagation factor over the surface between it and the target (a look-down
    radar sees a low target's multipath lobes too) and the type's elevation pattern
    (:mod:`foxbat.sensing.path`; ``env`` defaults to ``k`` and the clutter classes
    ``sea``/``land`` with the default sea state and land type).

    ``fast``: fly the quiet stretches (on the controller's vector, home, or orbiting; the
    radar's frames that miss; the target beyond eyes and guns) in one compiled loop
    (:mod:`foxbat.command.quiet_nb`), and make every look with the compiled look
    (:mod:`foxbat.sensing.look_nb`). The trajectory, events, estimates and draws are the
    same as with ``fast=False`` (the tests' oracle) on the flagship's seeds; the looks'
    SNR and Pd differ in their last bits (libm's trigonometry where numpy's was), and in
    a rare look at a bar's edge or a profile length's step the outcome could too."""
    env = env or PathEnvironment(k=k, sea_clutter=sea, land_clutter=land)
    out = InterceptorFlight(ident, side, ac.name)
    out.columns = {c: [] for c in _COLUMNS}
    cols = [out.columns[c].append for c in _COLUMNS]  # what _append adds to, in that order
    payload = 0.0
    empty = ac.empty_mass_kg
    # the performance model's speeds: approach 1.3 V_s, touchdown 1.15 V_s at a landing mass
    # with a tenth of the fuel; lift-off 1.1 V_s at the scramble mass
    v_approach = ac.approach_tas_mps(base_elev_m, empty + payload + 0.1 * ac.internal_fuel_kg)
    v_touchdown = ac.touchdown_tas_mps(base_elev_m, empty + payload + 0.1 * ac.internal_fuel_kg)
    ground_at = point_sampler(dem)
    # the performance kernels' arrays: the step loop calls the kernels behind Aircraft's methods directly
    sc, aero, mm_alt, mm = ac.scalars, ac.aero, ac.max_mach_alt_m, ac.max_mach

    def heights(la, lo):
        g = ground_at(la, lo)
        return g if g > 0.0 else 0.0  # NaN (off the map) and the sea: 0 m

    lat, lon = base_lat, base_lon
    alt = base_elev_m + 50.0
    ground = heights(lat, lon)
    t = float(t_airborne_s)  # a float either way (the compiled loop's times are)
    heading = 0.0
    speed = ac.liftoff_tas_mps(base_elev_m, empty + payload + fuel_kg)
    fuel = fuel_kg
    mode = "vector"
    approach = None
    on_final = False
    n_turn = min(ac.max_load_factor, 4.0)
    # own radar
    scan = BarScan.of(radar) if radar is not None else None
    frame = radar.frame_time_s.value if radar is not None else None
    next_frame = t + (rng.uniform(0, frame) if frame else math.inf)
    mofn = MofN(radar.contact_m.value, radar.contact_n.value) if radar is not None else None
    kf = TrackFilter(radar, k) if radar is not None else None
    gamma = None
    if radar is not None:
        from foxbat.radar.clutter import surface_gamma_db

        gamma = (float(surface_gamma_db(sea, radar.frequency_hz.value)),
                 float(surface_gamma_db(land, radar.frequency_hz.value)))
    in_contact = False
    contact_start = -math.inf
    own_track = None  # the radar track once locked on
    seen_visual = False
    in_weapons_since = None
    intercepted = False
    last_source = None

    def event(kind, **extra):
        e = {"t_s": t, "side": side, "kind": kind, "actor": ident, "target": intruder.id,
             "lat": lat, "lon": lon, "alt_msl_m": alt}
        e.update(extra)
        out.events.append(e)

    def drop_contact(t_lost):
        nonlocal in_contact, own_track
        in_contact = False
        own_track = None
        mofn.clear()
        event("contact_lost", radar=radar.name, duration_s=round(t_lost - contact_start, 1))
        out.events[-1]["t_s"] = t_lost

    event("takeoff", fuel_kg=fuel)
    t_intruder_end = float(intruder.t_s[-1])
    reach_m = max(visual_range_m, weapons_range_m) * 1.1 + 1000.0  # eyes and guns: skip the geometry beyond
    looker = None  # the compiled look (foxbat.sensing.look_nb), same model, libm's last bits
    if fast and radar is not None:
        from foxbat.sensing.look_nb import look_kernel_for

        looker = look_kernel_for(radar, dem, env, intruder.swerling)
    quiet = None
    if fast and QuietFlight.usable(dem, picture, dt_s):
        quiet = QuietFlight(ac=ac, radar=radar, scan=scan, picture=picture, intruder=intruder, dem=dem, k=k,
                            t_airborne_s=t_airborne_s, t_end_s=t_end_s, dt_s=dt_s, cruise_mach=cruise_mach,
                            search_alt_msl_m=search_alt_msl_m, payload_kg=payload, n_turn=n_turn,
                            bingo_fuel_kg=bingo_fuel_kg, reach_m=reach_m, visual_range_m=visual_range_m,
                            weapons_range_m=weapons_range_m, weapons_need_visual=weapons_need_visual,
                            terrain_margin_m=TERRAIN_MARGIN_M,
                            descent_limit_mps=DESCENT_LIMIT_MPS, m_per_deg=_M_PER_DEG, v_approach_mps=v_approach,
                            v_touchdown_mps=v_touchdown, looker=looker, gamma_db=gamma or (0.0, 0.0),
                            sky=_sky(clear_air))
        cols_lists = [out.columns[c] for c in _COLUMNS]
    while t <= t_end_s:
        resume = 0  # 1: the step was flown compiled, its frame's look is Python's; 2: so were the frame and look
        if quiet is not None and own_track is None and not in_contact and last_source != "own_radar":
            code, q = quiet.fly((t, lat, lon, alt, speed, heading, fuel, ground, next_frame), seen_visual, intercepted,
                                last_source == "gci", approach, on_final, rng, cols_lists, out.looks)
            t, lat, lon, alt, speed, heading, fuel, ground, next_frame = q[:9]
            on_final = bool(q[S_ON_FINAL])
            last_source = "gci" if q[S_GCI] else None
            if q[S_RESET_WEAPONS]:
                in_weapons_since = None
            if q[S_N_LOOKS]:
                mofn.window.extend((False,) * int(q[S_N_LOOKS]))
            if code == DONE:
                break
            if code == FUEL_OUT:
                event("fuel_exhausted", fuel_kg=0.0)
                break
            if code == NEED_LOOK:
                resume = 1
                u, t0 = q[S_U], q[S_T0]
                est = picture.estimate(q[S_T_STEP])
            elif code == NEED_EYES:
                resume = 2
        if resume == 0:
            # --- what the pilot knows of the target
            est, source = None, None
            if own_track is not None:
                est, source = own_track.estimate(t), "own_radar"
            elif picture is not None:
                est = picture.estimate(t)
                source = "gci" if est is not None else None
            if source != last_source:
                last_source = source
                if est is not None:
                    out.estimates.append((t, source, est[0], est[1], est[2]))
            # --- mode
            if mode == "vector":
                if fuel <= bingo_fuel_kg:
                    event("bingo", fuel_kg=fuel)
                    mode = "rtb"
                elif t > t_intruder_end:
                    event("return_to_base", reason="target landed or left")
                    mode = "rtb"
                if mode == "rtb":
                    approach = plan_approach(base_lat, base_lon, base_elev_m, runway_heading_deg, runway_length_m,
                                             lat, lon)
            # min(cruise Mach, ac.max_tas_mps(alt)), the method's kernel called directly
            want_speed = min(cruise_mach * speed_of_sound_mps(alt), max_tas_nb(sc, mm_alt, mm, float(alt)))
            want_alt = search_alt_msl_m
            vz_ff = 0.0  # feed-forward climb rate (the glide path)
            follow_terrain = True
            if mode == "rtb":
                along, cross = approach.along_cross(lat, lon)
                if not on_final:
                    aim = approach.faf
                    _, d_faf = bearing_to(lat, lon, aim[0], aim[1])
                    faf_alt = approach.glide_alt_msl_m(FAF_DISTANCE_M)
                    want_alt = min(max(search_alt_msl_m, faf_alt), faf_alt + 0.05 * d_faf)
                    want_speed = max(v_approach, min(want_speed, v_approach + 0.01 * d_faf))
                    if d_faf < FINAL_CAPTURE_M:
                        on_final = True
                if on_final:
                    aim = approach.point(max(along - LOOKAHEAD_M, 0.0) if along > LOOKAHEAD_M else -LOOKAHEAD_M)
                    want_alt = approach.glide_alt_msl_m(along)
                    vz_ff = -speed * math.tan(GLIDE_SLOPE_RAD)
                    want_speed = v_approach if along > FLARE_M else v_touchdown
                    follow_terrain = False  # the approach is cleared of obstacles
                    outcome = touchdown(along, cross, alt - base_elev_m, speed, v_approach, speed * dt_s)
                    if outcome == "land":
                        # the wheels touch where the glide path meets the runway, this step
                        dt_td = max(along, 0.0) / max(speed, 1.0)
                        lat, lon = approach.point(0.0, cross)
                        alt = max(base_elev_m, alt + vz_ff * dt_td)
                        t += dt_td
                        event("landing", fuel_kg=fuel, tas_mps=round(speed, 2), runway_heading_deg=approach.heading_deg,
                              centreline_offset_m=round(cross, 1), height_above_field_m=round(alt - base_elev_m, 1))
                        _append(cols, t, lat, lon, alt, alt - heights(lat, lon), speed, heading, vz_ff, 1.0, fuel,
                                empty + fuel + payload)
                        break
                    if outcome == "go_around":
                        event("go_around", height_above_field_m=round(alt - base_elev_m, 1),
                              centreline_offset_m=round(cross, 1), tas_mps=round(speed, 2))
                        on_final = False
                        aim = approach.faf
            elif est is not None:
                aim = lead_point(lat, lon, speed, est[0], est[1], est[3], est[4])
                if math.isfinite(est[2]):
                    want_alt = est[2]
            else:
                aim = None
            # --- speed within the aircraft's acceleration and deceleration
            mass = empty + fuel + payload
            acc, dec = ac.accel_limits_mps2(alt, speed, mass)
            speed_before = speed
            speed += max(-dec * dt_s, min(acc * dt_s, want_speed - speed))
            # --- turn toward the aim, limited by the load factor
            if aim is not None:
                want_hdg, _ = bearing_to(lat, lon, aim[0], aim[1])
                turn_rate = math.degrees(G0_MPS2 * math.sqrt(n_turn * n_turn - 1.0) / max(speed, 50.0))
                delta = wrap180(want_hdg - heading)
                step = max(-turn_rate * dt_s, min(turn_rate * dt_s, delta))
                load = math.sqrt(1.0 + (math.radians(abs(step) / dt_s) * speed / G0_MPS2) ** 2)
                heading = (heading + step) % 360.0
            else:  # no picture: hold in a standard-rate orbit
                heading = (heading + 3.0 * dt_s) % 360.0
                load = math.sqrt(1.0 + (math.radians(3.0) * speed / G0_MPS2) ** 2)
            # --- climb or descend within the aircraft's limits, clear of the terrain
            if follow_terrain:
                want_alt = max(want_alt, ground + TERRAIN_MARGIN_M)
            # ac.climb_limit_mps(alt, afterburner=False, mass_kg=..., tas_mps=speed): its kernel, called directly
            climb_lim = max(excess_power_nb(sc, aero, float(alt), float(speed), float(empty + fuel + payload), False, 1.0),
                            0.0)
            vz = max(-DESCENT_LIMIT_MPS, min(climb_lim, vz_ff + (want_alt - alt) / (5.0 if on_final else 10.0)))
            alt += vz * dt_s
            horiz = math.sqrt(max(speed * speed - vz * vz, 1.0))
            lat, lon = destination(lat, lon, heading, horiz * dt_s)
            # ac.fuel_flow_kg_s(alt, speed, mass, climb_mps=vz, accel_mps2=..., load_factor=load): its kernel
            fuel -= fuel_flow_nb(sc, aero, float(alt), float(speed), float(empty + fuel + payload), float(vz),
                                 float((speed - speed_before) / dt_s), float(load), False) * dt_s
            t += dt_s
            ground = heights(lat, lon)
            if fuel <= 0:
                fuel = 0.0
                event("fuel_exhausted", fuel_kg=0.0)
                _append(cols, t, lat, lon, alt, alt - ground, speed, heading, vz, load, fuel, empty + payload)
                break
            _append(cols, t, lat, lon, alt, alt - ground, speed, heading, vz, load, fuel, empty + fuel + payload)
        # --- own radar, one look per frame
        if resume == 1 or (resume == 0 and radar is not None and t >= next_frame):
            if resume == 0:
                t0 = next_frame
                next_frame += frame
                u = rng.random()  # one draw per frame, looked or not: streams stay aligned
            tgt = (intruder.rcs_m2, intruder.swerling, gamma, env, ground_at, looker)
            if own_track is not None:  # track mode: the beam stays on the target
                look = _track_look(radar, scan, intruder, t, lat, lon, alt, heading, dem, k, tgt)
            else:
                tilt = scan.tilt_rad(_expected_elevation(est, lat, lon, alt, k))
                look = _search_look(radar, scan, intruder, t0, lat, lon, alt, heading, tilt, dem, k, tgt)
            t_look, visible, snr, pd, geom, f_db, pattern_db = look
            hit = bool(u < pd)
            out.looks.append((t_look, visible, snr, pd, hit, f_db, pattern_db))
            held = mofn.push(hit)
            if own_track is not None:
                if geom is None or not held:  # out of the gimbals or range, or M of N failed
                    drop_contact(t_look)
                elif hit:
                    kf.update(own_track, t_look, lat, lon, alt, kf.measure(rng, *geom))
            else:
                if held and not in_contact:
                    in_contact = True
                    contact_start = t_look
                    event("airborne_contact", radar=radar.name, snr_db=round(snr, 2), pd=round(pd, 4),
                          range_m=round(geom[0], 1), m_of_n=f"{mofn.m}/{mofn.window.maxlen}")
                    out.events[-1]["t_s"] = t_look
                elif not held and in_contact:
                    drop_contact(t_look)
                if in_contact and hit and geom[0] <= radar.lock_on_range_m.value:
                    own_track = kf.start(t_look, lat, lon, alt, kf.measure(rng, *geom))
                    event("lock_on", radar=radar.name, range_m=round(geom[0], 1))
                    out.events[-1]["t_s"] = t_look
        truth = intruder.at(t)
        if truth is None:
            continue
        tlat, tlon, talt, tagl = truth
        if abs(tlat - lat) * _M_PER_DEG > reach_m or \
                abs(tlon - lon) * _M_PER_DEG * math.cos(math.radians(lat)) > reach_m:
            in_weapons_since = None
            continue
        slant = look_angles_point(lat, lon, alt, tlat, tlon, talt, k)[2]
        # --- eyes and guns
        if slant <= visual_range_m and clear_air(alt, talt):
            if not seen_visual and line_of_sight_clear(dem.elevation_m, lat, lon, alt, tlat, tlon, talt, k):
                seen_visual = True
                event("visual", range_m=round(slant, 1))
        if slant <= weapons_range_m and not intercepted and (seen_visual or not weapons_need_visual):
            in_weapons_since = t if in_weapons_since is None else in_weapons_since
            if t - in_weapons_since >= intercept_hold_s:
                intercepted = True
                event("intercept", range_m=round(slant, 1), held_s=intercept_hold_s)
        else:
            in_weapons_since = None
    if in_contact:
        event("contact_lost", radar=radar.name, duration_s=round(t - contact_start, 1))
    return out


def _expected_elevation(est, lat, lon, alt, k) -> float | None:
    """Elevation (rad) of the estimated target from the interceptor; None without one
    or without an estimated height (the antenna then looks level)."""
    if est is None or not math.isfinite(est[2]):
        return None
    return math.radians(look_angles_point(lat, lon, alt, est[0], est[1], est[2], k)[3])


_NO_LOOK = (False, -math.inf, 0.0, None, math.nan, math.nan)


def _search_look(radar, scan, intruder, t0, lat, lon, alt, heading, tilt, dem, k, tgt, screen: bool = True):
    """One search frame from t0: the bar whose beam holds the target at its dwell (the
    target's position at that bar's dwell time), and the look there.

    ``screen``: first rule out, from the target's direction at t0 alone, a target that
    no bar can hold (:func:`_outside_every_bar`); the result is the same either way
    (``screen=False`` is the oracle of the tests), most frames just end sooner."""
    tr = intruder.at(t0)
    if tr is None:
        return (t0, *_NO_LOOK)
    ground0, brg0, slant0, el0 = look_angles_point(lat, lon, alt, tr[0], tr[1], tr[2], k)
    az0 = math.radians(wrap180(brg0 - heading))
    tb = [t0 + x for x in scan.dwell_offsets_list(az0)]
    if screen and _outside_every_bar(scan, intruder.max_speed_mps, az0, ground0, slant0, el0, tilt):
        return (float(tb[0]), *_NO_LOOK)
    la, lo, al = intruder.at_many(tb)
    ground, brg, slant, el = look_angles(lat, lon, alt, la, lo, al, k)
    # the bars' few directions on Python floats: np.remainder is Python's %, np.radians
    # is math.radians (the same x·(π/180))
    az = [math.radians((x - heading + 180.0) % 360.0 - 180.0) for x in brg.tolist()]
    b = scan.bar_containing(az, [math.radians(x) for x in el.tolist()], tilt)
    if b < 0 or slant[b] > radar.instrumented_range_m.value or tb[b] > intruder.t_s[-1]:
        return (float(tb[0]), *_NO_LOOK)
    geom = (float(slant[b]), float(brg[b]), float(el[b]))
    target = (float(la[b]), float(lo[b]), float(al[b]))
    return (float(tb[b]), *_look(radar, dem, lat, lon, alt, float(ground[b]), geom, target, k, tgt))


def _outside_every_bar(scan, max_speed_mps, az0_rad, ground0_m, slant0_m, el0_deg, tilt_rad) -> bool:
    """True when a target seen at (az0, el0) at the frame's start cannot be inside any bar at
    its dwell in that frame: over the frame it moves at most ``max_speed_mps`` · frame
    (counted twice over, and 100 m more, for the geodesic and effective-Earth mappings), so
    its direction turns by less than atan(d/(D − d)) at distance D. False (no verdict)
    when it is too near for that bound to be tight."""
    reach = 2.0 * max_speed_mps * scan.frame_s + 100.0
    if ground0_m < 3.0 * reach or slant0_m < 3.0 * reach:
        return False
    if abs(az0_rad) > scan.half_width_rad + math.atan(reach / (ground0_m - reach)):
        return True
    m_el = scan.half_bar_rad + math.atan(reach / (slant0_m - reach))
    el = math.radians(el0_deg)
    return all(abs(el - (tilt_rad + off)) > m_el for off in scan.bar_offsets_rad.tolist())


def _track_look(radar, scan, intruder, t, lat, lon, alt, heading, dem, k, tgt):
    """One look in track mode: the antenna on the target while it stays inside the
    antenna's limits and the instrumented range."""
    tr = intruder.at(t)
    if tr is None:
        return (t, *_NO_LOOK)
    ground, brg, slant, el = look_angles_point(lat, lon, alt, tr[0], tr[1], tr[2], k)
    if abs(math.radians(wrap180(brg - heading))) > scan.half_width_rad or slant > radar.instrumented_range_m.value \
            or not scan.tilt_min_rad <= math.radians(el) <= scan.tilt_max_rad:
        return (t, *_NO_LOOK)
    return (t, *_look(radar, dem, lat, lon, alt, ground, (slant, brg, el), tr[:3], k, tgt))


def _look(radar, dem, lat, lon, alt, ground, geom, target, k, tgt):
    """``tgt``: (RCS, Swerling case, (γ sea, γ land), path environment[, terrain point
    sampler of ``dem``[, the compiled look: a :class:`foxbat.sensing.look_nb.LookKernel`
    for these, which then makes the look]])."""
    rcs, swerling, (g_sea, g_land), env, *rest = tgt
    if len(rest) > 1 and rest[1] is not None:  # the compiled look
        return rest[1].look(lat, lon, alt, ground, geom, target, k, rcs, g_sea, g_land, tgt[:5])
    sampler = rest[:1]
    slant, brg, el = geom
    tlat, tlon, talt = target
    visible, snr = look_through_terrain(radar, dem, lat, lon, alt, brg, ground, slant, el, talt, rcs, g_sea, g_land, k)
    if not visible:
        return visible, snr, 0.0, geom, math.nan, math.nan
    f_db, pattern_db = path_factors_point_db(radar, lat, lon, alt, tlat, tlon, talt, dem=dem, env=env,
                                             height_at=sampler[0] if sampler else None)
    snr = snr + 2.0 * pattern_db + 2.0 * f_db
    if swerling == 1:  # radar.pd_from_snr's value, without its per-call checks and arrays
        pd = pd_swerling1_point(snr, radar.pfa.value, radar.n_pulses)
    else:
        pd = float(radar.pd_from_snr(snr, swerling))
    return visible, snr, pd, geom, f_db, pattern_db


def _append(cols, t, lat, lon, alt, agl, tas, hdg, vz, n, fuel, mass):
    """One row of the trajectory: ``cols`` the columns' ``append`` methods, in
    :data:`_COLUMNS` order."""
    a = cols
    a[0](t)
    a[1](lat)
    a[2](lon)
    a[3](alt)
    a[4](agl)
    a[5](tas)
    a[6](math.sqrt(max(tas * tas - vz * vz, 0.0)))
    a[7](hdg)
    a[8](vz)
    a[9](n)
    a[10](fuel)
    a[11](mass)
