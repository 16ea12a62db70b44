"""Route compiler: scenario legs to the kernel's leg table, with every check that can be
made before flying (points on the DEM, speeds inside the envelope, rates and turns the
aircraft can fly). A failed check raises a FoxbatError naming the file, the leg and
what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.aircraft.atmosphere import G0_MPS2, speed_of_sound_mps
from foxbat.aircraft import performance as P
from foxbat.aircraft.performance import Aircraft
from foxbat.errors import OffMapError, ParameterError, ScenarioError
from foxbat.flight import layout as L
from foxbat.flight.terrain import GroundGrid
from foxbat.scenario.flight import FlightScenario, Runway, Speed

DEFAULT_LOAD_FACTOR = 2.5
N_LOOK = 48
LAND_DESCENT_MPS = 20.0  # descent toward the final approach fix


@dataclass
class CompiledRoute:
    legs: np.ndarray  # (n_legs, N_LEG_COLS)
    state0: np.ndarray  # t, lat, lon, alt, tas, heading_rad, fuel, base_mass, on_ground
    labels: list[str]  # one per leg of ``legs``
    kinds: list[str]
    numbers: list[int]  # the scenario's 1-based leg number of each row
    step_s: float
    max_steps: int
    look_ahead_s: float
    n_look: int


def _fwd(lat: float, lon: float, az_deg: float, dist_m: float) -> tuple[float, float]:
    from foxbat.geo import wgs84_geod

    lo, la, _ = wgs84_geod().fwd(lon, lat, az_deg, dist_m)
    return float(la), float(lo)


class _Compiler:
    def __init__(self, sc: FlightScenario, ac: Aircraft, grid: GroundGrid, where: str):
        self.sc = sc
        self.ac = ac
        self.grid = grid
        self.where = where
        r = sc.route
        n_max = ac.max_load_factor
        if r.load_factor is not None and r.load_factor > n_max:
            raise ParameterError(f"{r.load_factor:g} exceeds the {ac.name}'s maximum load factor {n_max:g}",
                                 where=where, field="route.load_factor")
        self.nload = r.load_factor if r.load_factor is not None else min(DEFAULT_LOAD_FACTOR, n_max)

    # ---- helpers ------------------------------------------------------------------
    def field(self, i: int, kind: str, name: str | None = None) -> str:
        return f"route.legs[{i + 1}].{kind}" + (f".{name}" if name else "")

    def on_dem(self, i: int, kind: str, lat: float, lon: float, what: str = "point") -> float:
        g = self.grid.ground_m(float(lat), float(lon))
        if not np.isfinite(g):
            raise OffMapError(f"{what} {lat:.4f}N {lon:.4f}E is off the DEM ({self.grid.name}: "
                              f"{self.grid.describe_bounds()}) or on a nodata cell",
                              where=self.where, field=self.field(i, kind))
        return float(g)

    def resolve(self, speed: Speed | None, alt_m: float) -> Speed | None:
        """A schedule speed as the TAS the flight model gives at this altitude and the mass
        with half the scenario's fuel burnt; other speeds unchanged."""
        if speed is None or speed.schedule is None:
            return speed
        ac, a = self.ac, self.sc.aircraft
        fuel = ac.internal_fuel_kg if a.fuel_kg is None else a.fuel_kg
        mass = ac.empty_mass_kg + a.payload_kg + 0.5 * fuel
        return Speed(tas_mps=ac.schedule_tas_mps(speed.schedule, max(float(alt_m), 0.0), mass))

    def tas(self, speed: Speed, alt_m: float) -> float:
        mode, val = self.resolve(speed, alt_m).mode_value()
        return val * speed_of_sound_mps(alt_m) if mode == "mach" else val

    def check_speed(self, i: int, kind: str, speed: Speed, alts_m: list[float]) -> None:
        for a in alts_m:
            v = self.tas(speed, a)
            lo, hi = self.ac.min_tas_mps(a), self.ac.max_tas_mps(a)
            if not lo - 0.5 <= v <= hi + 0.5:
                raise ParameterError(
                    f"{speed.describe()} is {v * 3.6:,.0f} km/h TAS at {a:,.0f} m MSL, outside the {self.ac.name} "
                    f"envelope there ({lo * 3.6:,.0f} to {hi * 3.6:,.0f} km/h TAS)",
                    where=self.where, field=self.field(i, kind, "speed"))

    def check_nload(self, i: int, kind: str, n: float | None) -> float:
        if n is None:
            return self.nload
        if n > self.ac.max_load_factor:
            raise ParameterError(f"{n:g} exceeds the {self.ac.name}'s maximum load factor "
                                 f"{self.ac.max_load_factor:g}", where=self.where,
                                 field=self.field(i, kind, "load_factor"))
        return n

    def check_alt(self, i: int, kind: str, name: str, alt_m: float) -> None:
        ceil = float(self.ac.spec.ceiling_m.value)
        if alt_m > ceil:
            raise ParameterError(f"{alt_m:,.0f} m MSL is above the {self.ac.name}'s ceiling of {ceil:,.0f} m",
                                 where=self.where, field=self.field(i, kind, name))

    def check_rate(self, i: int, kind: str, name: str, rate, alt_m: float, ab: bool) -> float:
        if rate is None or rate == "max":
            return math.nan
        lim = self.ac.climb_limit_mps(alt_m, afterburner=ab)
        lim = max(lim, float(self.ac.spec.max_descent_rate_mps.value)) if kind in ("descend", "dive") else lim
        if rate > lim + 1e-9:
            raise ParameterError(f"{rate:g} m/s exceeds what the {self.ac.name} can do at {alt_m:,.0f} m "
                                 f"({lim:.0f} m/s); use a lower rate or 'max'", where=self.where,
                                 field=self.field(i, kind, name))
        return float(rate)

    def runway(self, i: int, kind: str, rw: Runway) -> tuple[float, float]:
        self.on_dem(i, kind, rw.lat, rw.lon, "runway threshold")
        end = _fwd(rw.lat, rw.lon, rw.heading_deg, rw.length_m)
        self.on_dem(i, kind, end[0], end[1], "runway end")
        return end

    # ---- the legs -----------------------------------------------------------------
    def compile(self) -> CompiledRoute:
        sc, ac = self.sc, self.ac
        legs_in = sc.route.legs
        rows: list[np.ndarray] = []
        labels: list[str] = []
        kinds: list[str] = []
        numbers: list[int] = []
        fuel = ac.internal_fuel_kg if sc.aircraft.fuel_kg is None else float(sc.aircraft.fuel_kg)
        base_mass = ac.empty_mass_kg + sc.aircraft.payload_kg
        first = legs_in[0]
        speed: Speed | None = None
        if first.kind == "start":
            s = first.start
            g = self.on_dem(0, "start", s.lat, s.lon, "start point")
            alt = s.alt_msl_m if s.alt_msl_m is not None else g + s.height_agl_m
            self.check_alt(0, "start", "alt_msl_m", alt)
            self.check_speed(0, "start", s.speed, [alt])
            state0 = np.array([0.0, s.lat, s.lon, alt, self.tas(s.speed, alt), math.radians(s.heading_deg),
                               fuel, base_mass, 0.0])
            speed = s.speed
        else:
            tk = first.takeoff
            rw = tk.runway
            self.runway(0, "takeoff", rw)
            alt = rw.elevation_m
            state0 = np.array([0.0, rw.lat, rw.lon, alt, 0.0, math.radians(rw.heading_deg), fuel, base_mass, 1.0])
        prev_alt = alt

        # speeds carry forward; the take-off climb-out uses the next speed given
        speeds: list[Speed | None] = []
        for leg in legs_in:
            b = leg.body
            sp = getattr(b, "speed", None)
            speeds.append(sp)
        for i, leg in enumerate(legs_in):
            kind = leg.kind
            b = leg.body
            if kind == "start":
                continue
            row = np.full(L.N_LEG_COLS, np.nan)
            row[L.AB] = 1.0 if getattr(b, "afterburner", False) else 0.0
            if row[L.AB] and not ac.has_afterburner:
                raise ParameterError(f"the {ac.name} has no afterburner", where=self.where,
                                     field=self.field(i, kind, "afterburner"))
            row[L.NLOAD] = self.check_nload(i, kind, getattr(b, "load_factor", None))
            row[L.END_ON_ALT] = 0.0
            row[L.VERT_MODE] = L.VM_ALT
            row[L.CLEAR_TOL] = 0.0
            if speeds[i] is not None:
                speed = speeds[i]
            if kind == "takeoff":
                rw = b.runway
                nxt = b.speed or next((s for s in speeds[i + 1:] if s is not None), None)
                row[L.LAT_MODE] = L.LM_TAKEOFF
                row[L.HDG] = math.radians(rw.heading_deg)
                row[L.RWY_ELEV] = rw.elevation_m
                row[L.RWY_LEN] = rw.length_m
                if not ac.has_afterburner:
                    row[L.AB_UNTIL] = 0.0
                elif b.afterburner_s is not None:
                    row[L.AB_UNTIL] = b.afterburner_s
                else:  # the ground roll at the static acceleration, plus a second
                    m_to = ac.takeoff_mass_kg
                    v_lof = ac.liftoff_tas_mps(rw.elevation_m, m_to)
                    a0 = ac.thrust_n(rw.elevation_m, 0.0, True) / m_to - ac.scalars[P.MU_ROLL] * 9.80665
                    row[L.AB_UNTIL] = v_lof / a0 + 1.0
                v_lof_to = ac.liftoff_tas_mps(rw.elevation_m, ac.takeoff_mass_kg)
                sp_t = nxt if nxt is not None else Speed(tas_mps=1.3 * v_lof_to)
                self._set_speed(row, self.resolve(sp_t, rw.elevation_m + 150.0))
                speed = sp_t
                prev_alt = rw.elevation_m + 150.0
                if b.climb_out_agl_m is not None:
                    lowest = ac.min_climb_out_agl_m
                    if b.climb_out_agl_m < lowest:
                        raise ParameterError(
                            f"{b.climb_out_agl_m:g} m is below the {ac.name}'s lowest climb-out height "
                            f"({lowest:g} m)", where=self.where, field=self.field(i, kind, "climb_out_agl_m"))
                    row[L.ALT_TGT] = b.climb_out_agl_m
                    prev_alt = rw.elevation_m + b.climb_out_agl_m
            elif kind in ("fly_to", "follow_terrain"):
                g = self.on_dem(i, kind, b.lat, b.lon)
                row[L.LAT_MODE] = L.LM_POINT
                row[L.LAT1], row[L.LON1] = b.lat, b.lon
                if b.height_agl_m is not None:
                    row[L.VERT_MODE] = L.VM_TF
                    row[L.ALT_TGT] = b.height_agl_m
                    row[L.CLEAR_TOL] = sc.route.clearance_tolerance * b.height_agl_m
                    new_alt = g + b.height_agl_m
                else:
                    row[L.ALT_TGT] = b.alt_msl_m if b.alt_msl_m is not None else np.nan
                    new_alt = b.alt_msl_m if b.alt_msl_m is not None else prev_alt
                    if b.alt_msl_m is not None and b.alt_msl_m < g:
                        raise ParameterError(f"{b.alt_msl_m:,.0f} m MSL is below the ground there "
                                             f"({g:,.0f} m); raise it or give height_agl_m",
                                             where=self.where, field=self.field(i, kind, "alt_msl_m"))
                self.check_alt(i, kind, "alt_msl_m", new_alt)
                row[L.RATE] = self.check_rate(i, kind, "climb_rate_mps", getattr(b, "climb_rate_mps", None),
                                              min(prev_alt, new_alt), bool(row[L.AB]))
                self._need_speed(i, kind, speed)
                self.check_speed(i, kind, self.resolve(speed, new_alt), [prev_alt, new_alt])
                self._set_speed(row, self.resolve(speed, new_alt))
                prev_alt = new_alt
            elif kind in ("climb", "descend", "dive"):
                row[L.LAT_MODE] = L.LM_HEADING
                row[L.END_ON_ALT] = 1.0
                if b.toward is not None:
                    self.on_dem(i, kind, b.toward.lat, b.toward.lon, "'toward' point")
                    row[L.LAT1], row[L.LON1] = b.toward.lat, b.toward.lon
                if b.heading_deg is not None:
                    row[L.HDG] = math.radians(b.heading_deg)
                if b.to_alt_msl_m is not None:
                    row[L.ALT_TGT] = b.to_alt_msl_m
                    new_alt = b.to_alt_msl_m
                else:
                    row[L.VERT_MODE] = L.VM_AGL
                    row[L.ALT_TGT] = b.to_height_agl_m
                    new_alt = b.to_height_agl_m  # above ground: at least this high MSL
                self.check_alt(i, kind, "to_alt_msl_m", new_alt)
                if kind == "climb" and b.to_alt_msl_m is not None and b.to_alt_msl_m < prev_alt - 1:
                    raise ParameterError(f"climb to {b.to_alt_msl_m:,.0f} m from about {prev_alt:,.0f} m: "
                                         "use 'descend' or 'dive' to go down", where=self.where,
                                         field=self.field(i, kind, "to_alt_msl_m"))
                row[L.RATE] = self.check_rate(i, kind, "rate_mps", b.rate_mps, min(prev_alt, new_alt),
                                              bool(row[L.AB]))
                if kind == "dive":
                    row[L.DIVE_ANGLE] = math.radians(b.angle_deg)
                self._need_speed(i, kind, speed)
                self.check_speed(i, kind, self.resolve(speed, new_alt), [prev_alt, new_alt])
                self._set_speed(row, self.resolve(speed, new_alt))
                prev_alt = new_alt
            elif kind in ("circle", "hold"):
                row[L.LAT_MODE] = L.LM_CIRCLE
                if b.lat is not None:
                    self.on_dem(i, kind, b.lat, b.lon, "circle centre")
                    row[L.LAT1], row[L.LON1] = b.lat, b.lon
                row[L.DIR] = 1.0 if b.direction == "right" else -1.0
                row[L.TURNS] = b.turns * 2 * math.pi if b.turns is not None else np.nan
                row[L.DURATION] = b.duration_s if b.duration_s is not None else np.nan
                if b.height_agl_m is not None:
                    row[L.VERT_MODE] = L.VM_TF
                    row[L.ALT_TGT] = b.height_agl_m
                    row[L.CLEAR_TOL] = sc.route.clearance_tolerance * b.height_agl_m
                    new_alt = prev_alt
                else:
                    row[L.ALT_TGT] = b.alt_msl_m if b.alt_msl_m is not None else np.nan
                    new_alt = b.alt_msl_m if b.alt_msl_m is not None else prev_alt
                self.check_alt(i, kind, "alt_msl_m", new_alt)
                self._need_speed(i, kind, speed)
                self.check_speed(i, kind, self.resolve(speed, new_alt), [prev_alt, new_alt])
                self._set_speed(row, self.resolve(speed, new_alt))
                v = max(self.tas(speed, a) for a in (prev_alt, new_alt))
                n = row[L.NLOAD]
                r_min = v * v / (G0_MPS2 * math.sqrt(n * n - 1))
                if b.radius_m is None:
                    row[L.RADIUS] = r_min * 1.02
                elif b.radius_m < r_min:
                    n_need = math.sqrt(1 + (v * v / (G0_MPS2 * b.radius_m)) ** 2)
                    raise ParameterError(
                        f"radius {b.radius_m:,.0f} m at {v * 3.6:,.0f} km/h needs load factor {n_need:.2f}; "
                        f"at {n:g} g the tightest circle is {r_min:,.0f} m (the {ac.name} allows up to "
                        f"{ac.max_load_factor:g} g: set load_factor or slow down)",
                        where=self.where, field=self.field(i, kind, "radius_m"))
                else:
                    row[L.RADIUS] = b.radius_m
                prev_alt = new_alt
            elif kind == "land":
                rw = b.runway
                self.runway(i, kind, rw)
                row[L.LAT_MODE] = L.LM_LAND
                row[L.LAT1], row[L.LON1] = rw.lat, rw.lon
                row[L.HDG] = math.radians(rw.heading_deg)
                row[L.RWY_ELEV] = rw.elevation_m
                row[L.RWY_LEN] = rw.length_m
                if b.touchdown_from_threshold_m >= rw.length_m:
                    raise ParameterError(f"{b.touchdown_from_threshold_m:,.0f} m is beyond the "
                                         f"{rw.length_m:,.0f} m runway", where=self.where,
                                         field=self.field(i, kind, "touchdown_from_threshold_m"))
                row[L.TD_DIST] = b.touchdown_from_threshold_m
                row[L.GLIDE_SLOPE] = math.radians(b.glide_slope_deg)
                faf_d = b.final_approach_km * 1000.0
                row[L.FAF_DIST] = faf_d
                faf = _fwd(rw.lat, rw.lon, (rw.heading_deg + 180.0) % 360.0, faf_d)
                self.on_dem(i, kind, faf[0], faf[1], "final approach fix")
                row[L.FAF_LAT], row[L.FAF_LON] = faf
                faf_alt = rw.elevation_m + math.tan(row[L.GLIDE_SLOPE]) * (faf_d + b.touchdown_from_threshold_m)
                row[L.ALT_TGT] = faf_alt
                row[L.RATE] = LAND_DESCENT_MPS
                has_chute = ac.has_chute
                if b.drag_chute and not has_chute:
                    raise ParameterError(f"the {ac.name} has no drag chute in the catalogue", where=self.where,
                                         field=self.field(i, kind, "drag_chute"))
                row[L.CHUTE] = 1.0 if (b.drag_chute if b.drag_chute is not None else has_chute) else 0.0
                row[L.SPEED_MODE] = L.SM_TAS
                row[L.SPEED] = np.nan  # the kernel: 1.3 V_s at the mass on arrival
                if b.speed is not None:
                    v_app = self.tas(b.speed, faf_alt)
                    v_td = ac.touchdown_tas_mps(rw.elevation_m, ac.empty_mass_kg)
                    if not v_td - 0.5 <= v_app <= ac.max_tas_mps(faf_alt):
                        raise ParameterError(f"approach at {v_app * 3.6:,.0f} km/h is outside {v_td * 3.6:,.0f}"
                                             f" to {ac.max_tas_mps(faf_alt) * 3.6:,.0f} km/h", where=self.where,
                                             field=self.field(i, kind, "speed"))
                    row[L.SPEED] = v_app
            rows.append(row)
            kinds.append(kind)
            numbers.append(i + 1)
            labels.append(getattr(b, "label", None) or f"{i + 1}:{kind}")
        legs = np.ascontiguousarray(np.vstack(rows))
        step = sc.route.step_s
        return CompiledRoute(legs=legs, state0=state0, labels=labels, kinds=kinds, numbers=numbers, step_s=step,
                             max_steps=int(math.ceil(sc.route.max_duration_s / step)),
                             look_ahead_s=sc.route.look_ahead_s, n_look=N_LOOK)

    def _need_speed(self, i: int, kind: str, speed: Speed | None) -> None:
        if speed is None:
            raise ScenarioError("no speed yet: give 'speed' (mach, tas_kmh, tas_mps, tas_kt, gs_kmh or gs_mps)",
                                where=self.where, field=self.field(i, kind, "speed"))

    @staticmethod
    def _set_speed(row: np.ndarray, speed: Speed) -> None:
        mode, val = speed.mode_value()
        row[L.SPEED_MODE] = {"tas": L.SM_TAS, "mach": L.SM_MACH, "gs": L.SM_GS}[mode]
        row[L.SPEED] = val


def compile_route(sc: FlightScenario, ac: Aircraft, grid: GroundGrid, where: str = "scenario") -> CompiledRoute:
    """Check a scenario's route against the aircraft and the DEM and build the leg table."""
    return _Compiler(sc, ac, grid, where).compile()
