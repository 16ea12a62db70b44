"""Ground-controlled interception: an interceptor flown on its performance model toward
a lead-intercept point updated from its side's track, searching with its own radar.

The intruder's route is scripted (it does not react to the interceptors), so the
side's track picture over the whole run is known before the interceptors fly; the
controller only ever uses track states older than the current time (causal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from foxbat.aircraft.atmosphere import G0_MPS2, speed_of_sound_mps
from foxbat.aircraft.performance import Aircraft
from foxbat.radar.catalogue import RadarType
from foxbat.sensing.geometry import bearing_to, destination, line_of_sight_clear, look_angles, wrap180
from foxbat.terrain.dem import Dem

# a contact is lost after this many radar frames without a detection (10 s at the
# APQ-120's 2 s frame: a fluctuating target misses single frames while still held)
CONTACT_LOST_FRAMES = 5
TERRAIN_MARGIN_M = 150.0
DESCENT_LIMIT_MPS = 60.0
LANDED_WITHIN_M = 5000.0


@dataclass
class TrackPicture:
    """What a controller knows: confirmed track states (time-sorted) of one side."""

    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt_msl_m: np.ndarray
    vel_e_mps: np.ndarray
    vel_n_mps: np.ndarray
    max_age_s: float

    def estimate(self, t_s: float):
        """Latest state not after t_s, extrapolated to t_s; None if none or too old."""
        i = int(np.searchsorted(self.t_s, t_s, side="right")) - 1
        if i < 0 or t_s - self.t_s[i] > self.max_age_s:
            return None
        dt = t_s - self.t_s[i]
        ve, vn = float(self.vel_e_mps[i]), float(self.vel_n_mps[i])
        speed = math.hypot(ve, vn)
        lat, lon = float(self.lat[i]), float(self.lon[i])
        if speed * dt > 1.0:
            lat, lon = destination(lat, lon, math.degrees(math.atan2(ve, vn)), speed * dt)
        return lat, lon, float(self.alt_msl_m[i]), ve, vn


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

    def at(self, t_s: float):
        if t_s < self.t_s[0] or t_s > self.t_s[-1]:
            return None
        return tuple(float(np.interp(t_s, self.t_s, c)) for c in (self.lat, self.lon, self.alt_msl_m, self.agl_m))


@dataclass
class InterceptorFlight:
    """One interceptor's trajectory (arrays per 1 s step), events and radar looks."""

    id: str
    side: str
    type: str
    columns: dict[str, list] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    looks: list[tuple] = field(default_factory=list)  # (t_s, visible, snr_db, pd, detected)


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


def fly_interceptor(
    ident: str, side: str, ac: Aircraft, radar: RadarType | None, base_lat: float, base_lon: float,
    base_elev_m: float, t_airborne_s: float, t_end_s: float, fuel_kg: float, picture: TrackPicture | None,
    intruder: Intruder, dem: Dem, k: float, rng: np.random.Generator, *, cruise_mach: float,
    search_alt_msl_m: float, visual_range_m: float, weapons_range_m: float, intercept_hold_s: float,
    bingo_fuel_kg: float, sea: str, land: str, dt_s: float = 1.0, weapons_need_visual: bool = False,
    clear_air: Callable[[float, float], bool] = lambda a, b: True,
) -> InterceptorFlight:
    """Fly one interceptor from just after lift-off until it lands back, runs dry or the run ends."""
    out = InterceptorFlight(ident, side, ac.name)
    cols = {c: [] for c in ("t_s", "lat", "lon", "alt_msl_m", "height_agl_m", "tas_mps", "ground_speed_mps",
                            "heading_deg", "climb_rate_mps", "load_factor", "fuel_kg", "mass_kg")}
    out.columns = cols
    payload = 0.0
    empty = ac.empty_mass_kg
    lat, lon = base_lat, base_lon
    alt = base_elev_m + 50.0
    t = t_airborne_s
    heading = 0.0
    fuel = fuel_kg
    mode = "vector"
    n_turn = min(ac.max_load_factor, 4.0)
    frame = radar.revisit_s if radar is not None else None
    next_frame = t + (rng.uniform(0, frame) if frame else math.inf)
    in_contact = False
    contact_start = last_hit = -math.inf
    misses = 0
    seen_visual = False
    in_weapons_since = None
    intercepted = False
    pursue = None  # the target's measured position while in radar contact

    def event(kind, **extra):
        e = {"t_s": t, "side": side, "kind": kind, "actor": ident, "target": intruder.id,
             "lat": lat, "lon": lon, "alt_msl_m": alt}
        e.update(extra)
        out.events.append(e)

    def heights(la, lo):
        g = float(np.nan_to_num(dem.elevation_m(la, lo), nan=0.0))
        return max(g, 0.0)

    event("takeoff", fuel_kg=fuel)
    while t <= t_end_s:
        ground = heights(lat, lon)
        truth = intruder.at(t)
        # --- guidance
        if mode == "vector":
            if fuel <= bingo_fuel_kg:
                event("bingo", fuel_kg=fuel)
                mode = "rtb"
            elif truth is None and t > intruder.t_s[-1]:
                event("return_to_base", reason="target landed or left")
                mode = "rtb"
        speed = cruise_mach * speed_of_sound_mps(alt)
        speed = min(speed, ac.max_tas_mps(alt))
        want_alt = search_alt_msl_m
        if mode == "rtb":
            aim = (base_lat, base_lon)
            _, dist_base = bearing_to(lat, lon, base_lat, base_lon)
            want_alt = min(search_alt_msl_m, base_elev_m + 300.0 + dist_base * 0.05)
            if dist_base < LANDED_WITHIN_M:
                event("landing", fuel_kg=fuel)
                _append(cols, t, lat, lon, alt, alt - ground, speed, heading, 0.0, 1.0, fuel, empty + fuel + payload)
                break
        elif pursue is not None and in_contact:
            aim = lead_point(lat, lon, speed, pursue[0], pursue[1], pursue[3], pursue[4])
            want_alt = pursue[2]
        else:
            est = picture.estimate(t) if picture is not None else None
            aim = lead_point(lat, lon, speed, est[0], est[1], est[3], est[4]) if est else None
            if est is None:
                aim = None
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
        want_alt = max(want_alt, ground + TERRAIN_MARGIN_M)
        climb_lim = ac.climb_limit_mps(alt, afterburner=False)
        vz = max(-DESCENT_LIMIT_MPS, min(climb_lim, (want_alt - alt) / 10.0))
        alt += vz * dt_s
        horiz = math.sqrt(max(speed * speed - vz * vz, 1.0))
        lat, lon = destination(lat, lon, heading, horiz * dt_s)
        mach = speed / speed_of_sound_mps(alt)
        fuel -= ac.fuel_flow_level_kg_s(alt, mach) * dt_s
        t += dt_s
        if fuel <= 0:
            fuel = 0.0
            event("fuel_exhausted", fuel_kg=0.0)
            _append(cols, t, lat, lon, alt, alt - ground, speed, heading, vz, load, fuel, empty + payload)
            break
        _append(cols, t, lat, lon, alt, alt - heights(lat, lon), speed, heading, vz, load, fuel,
                empty + fuel + payload)
        if truth is None:
            continue
        tlat, tlon, talt, tagl = truth
        ground_m, brg, slant, elev = (float(v) for v in look_angles(lat, lon, alt, tlat, tlon, talt, k))
        los = None
        # --- own radar, one look per frame
        if t >= next_frame:
            next_frame += frame
            visible = False
            snr = -math.inf
            pd = 0.0
            if slant <= radar.instrumented_range_m.value and bool(radar.covers(math.radians(wrap180(brg - heading)),
                                                                             math.radians(elev))):
                los = line_of_sight_clear(dem.elevation_m, lat, lon, alt, tlat, tlon, talt, k)
                visible = los
            if visible:
                surf = land if heights(tlat, tlon) > 0 else sea
                snr = float(radar.effective_snr_db(slant, intruder.rcs_m2, radar_height_m=max(alt - ground, 1.0),
                                                   target_height_m=max(tagl, 1.0), surface=surf))
                pd = float(radar.pd_from_snr(snr, intruder.swerling))
            hit = bool(rng.random() < pd)
            out.looks.append((t, visible, snr, pd, hit))
            if hit:
                misses = 0
                last_hit = t
                # a lock gives position and rate; the rate from the truth over one frame
                nxt = intruder.at(t + 1.0) or truth
                brg2, d2 = bearing_to(tlat, tlon, nxt[0], nxt[1])
                pursue = (tlat, tlon, talt, d2 * math.sin(math.radians(brg2)), d2 * math.cos(math.radians(brg2)))
                if not in_contact:
                    in_contact = True
                    contact_start = t
                    event("airborne_contact", radar=radar.name, snr_db=round(snr, 2), pd=round(pd, 4),
                          range_m=round(slant, 1))
            elif in_contact:
                misses += 1
                if misses >= CONTACT_LOST_FRAMES:
                    in_contact = False
                    pursue = None
                    event("contact_lost", radar=radar.name, duration_s=round(last_hit - contact_start + frame, 1))
                    out.events[-1]["t_s"] = last_hit + frame
        # --- eyes and guns
        if slant <= visual_range_m and clear_air(alt, talt):
            if los is None:
                los = line_of_sight_clear(dem.elevation_m, lat, lon, alt, tlat, tlon, talt, k)
            if los and not seen_visual:
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
        event("contact_lost", radar=radar.name if radar else None, duration_s=round(last_hit - contact_start, 1))
    return out


def _append(cols, t, lat, lon, alt, agl, tas, hdg, vz, n, fuel, mass):
    for key, v in (("t_s", t), ("lat", lat), ("lon", lon), ("alt_msl_m", alt), ("height_agl_m", agl),
                   ("tas_mps", tas), ("ground_speed_mps", math.sqrt(max(tas * tas - vz * vz, 0.0))),
                   ("heading_deg", hdg), ("climb_rate_mps", vz), ("load_factor", n), ("fuel_kg", fuel),
                   ("mass_kg", mass)):
        cols[key].append(v)
