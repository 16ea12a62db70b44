"""Total-energy point-mass performance of a catalogue aircraft (BADA / OpenAP style).

:class:`Aircraft` holds SI scalars and the drag polar of its data file; the ``_nb``
functions evaluate the model inside numba code (the flight kernel, the planner's
tables), the methods from ordinary Python (interceptors, checks, tests).

The model (see ``docs/flight.md``)::

    thrust available   T(h, M) = T_SL · σ^n · (1 + r·M)          per setting (dry / afterburner)
    idle thrust        T_idle  = f_idle · T_SL,dry · σ^n
    fuel flow          ff = TSFC(h, M) · (1 + k·(1 − T/T_max)) · T,  ff ≥ idle flow
                       TSFC = TSFC_SL · √θ · (1 + c·M); k: the part-throttle rise (dry only)
    drag               D = q·S·(CD0(M) + K(M)·CL²),  CL = n·m·g / (q·S)
    thrust required    T_req = D + m·dV/dt + m·g·Vz/V, between T_idle and T(h, M)
    specific excess    Ps = (T − D)·V / (m·g)   (climb rate at constant speed)
    stall              V_s = √(2·m·g / (ρ·S·CLmax));  lift-off 1.1·V_s(CLmax,TO),
                       approach 1.3·V_s(CLmax,L), touchdown 1.15·V_s(CLmax,L)

σ = ρ/ρ0 and θ = T/T0 are the ISA density and temperature ratios, q the dynamic
pressure, n the load factor. With the afterburner lit the thrust needed burns at
the afterburner TSFC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from foxbat.aircraft.atmosphere import (G0_MPS2, RHO0_KG_M3, T0_K, density_kg_m3, speed_of_sound_mps,
                                        temperature_k)
from foxbat.aircraft.catalogue import AircraftSpec, get_spec
from foxbat.nbcache import key_on_sources

KGF_N = 9.80665
V_LOF_FACTOR = 1.1  # lift-off at 1.1 V_s (take-off flaps): the usual rule for jet fighters
V_APP_FACTOR = 1.3  # approach at 1.3 V_s (landing configuration)
V_TD_FACTOR = 1.15  # touchdown at 1.15 V_s, after the flare

# indices into Aircraft.scalars
EMPTY_KG = 0
TSFC_DRY = 1  # kg/(N·s), static sea level
TSFC_AB = 2
THRUST_DRY_N = 3  # all engines, static sea level
THRUST_AB_N = 4  # 0 without afterburner
IDLE_FF_KG_S = 5
MAX_EAS_MPS = 6
MIN_EAS_MPS = 7
CEILING_M = 8
MAX_DESC_MPS = 9
N_MAX = 10
WING_AREA_M2 = 11
LAPSE_EXP = 12
RAM_DRY = 13
RAM_AB = 14
TSFC_M_DRY = 15
TSFC_M_AB = 16
IDLE_FRAC = 17
CLMAX_TO = 18
CLMAX_LAND = 19
MU_ROLL = 20
MU_BRAKE = 21
CHUTE_CDS_M2 = 22  # 0 without a chute
BRAKE_DCD0 = 23
HAS_AB = 24
TSFC_PT = 25  # part-throttle TSFC rise, dry
N_SCALARS = 26


def _kmh(v: float) -> float:
    return v / 3.6


def _tsfc_si(kg_per_kgf_h: float) -> float:
    """kg/(kgf·h) to kg/(N·s)."""
    return kg_per_kgf_h / KGF_N / 3600.0


#: Lowest take-off climb-out height where a type gives none: 50 ft, the screen height at the
#: end of the take-off distance (the aircraft is airborne and climbing there).
DEFAULT_MIN_CLIMB_OUT_AGL_M = 15.24

@dataclass(frozen=True)
class Aircraft:
    """An aircraft type ready to fly: SI scalars, the speed envelope and the drag polar
    (``aero`` rows: Mach, CD0, K)."""

    name: str
    spec: AircraftSpec = field(repr=False)
    scalars: np.ndarray = field(repr=False)
    max_mach_alt_m: np.ndarray = field(repr=False)
    max_mach: np.ndarray = field(repr=False)
    aero: np.ndarray = field(repr=False)

    @property
    def empty_mass_kg(self) -> float:
        return float(self.scalars[EMPTY_KG])

    @property
    def internal_fuel_kg(self) -> float:
        return float(self.spec.internal_fuel_kg.value)

    @property
    def takeoff_mass_kg(self) -> float:
        return float(self.spec.takeoff_mass_kg.value)

    @property
    def max_load_factor(self) -> float:
        return float(self.scalars[N_MAX])

    @property
    def min_climb_out_agl_m(self) -> float:
        """Lowest climb-out height a take-off may ask for, m above ground: the type's
        ``min_climb_out_agl_m``, else 15 m (50 ft, the screen height that ends the take-off
        distance)."""
        fig = getattr(self.spec, "min_climb_out_agl_m", None)
        return float(fig.value) if fig is not None else DEFAULT_MIN_CLIMB_OUT_AGL_M

    @property
    def has_afterburner(self) -> bool:
        return bool(self.scalars[HAS_AB])

    @property
    def has_chute(self) -> bool:
        return bool(self.scalars[CHUTE_CDS_M2] > 0)

    def max_tas_mps(self, alt_msl_m: float) -> float:
        """Highest true airspeed the envelope allows (Mach and dynamic-pressure limits)."""
        return max_tas_nb(self.scalars, self.max_mach_alt_m, self.max_mach, float(alt_msl_m))

    def min_tas_mps(self, alt_msl_m: float) -> float:
        return min_tas_nb(self.scalars, float(alt_msl_m))

    def thrust_n(self, alt_msl_m: float, tas_mps: float, afterburner: bool = False) -> float:
        """Thrust available, all engines (N)."""
        return thrust_max_nb(self.scalars, float(alt_msl_m), float(tas_mps), bool(afterburner))

    def drag_n(self, alt_msl_m: float, tas_mps: float, mass_kg: float, load_factor: float = 1.0) -> float:
        return drag_nb(self.scalars, self.aero, float(alt_msl_m), float(tas_mps), float(mass_kg),
                       float(load_factor))

    def fuel_flow_kg_s(self, alt_msl_m: float, tas_mps: float, mass_kg: float, climb_mps: float = 0.0,
                       accel_mps2: float = 0.0, load_factor: float = 1.0, afterburner: bool = False) -> float:
        """Fuel flow (kg/s) for a flight condition: thrust required × TSFC, idle at least."""
        return fuel_flow_nb(self.scalars, self.aero, float(alt_msl_m), float(tas_mps), float(mass_kg),
                            float(climb_mps), float(accel_mps2), float(load_factor), bool(afterburner))

    def fuel_flow_level_kg_s(self, alt_msl_m: float, mach: float, mass_kg: float | None = None) -> float:
        """Level, unaccelerated, 1 g fuel flow (kg/s) at a Mach; default mass: empty + half the fuel."""
        m = self.reference_mass_kg() if mass_kg is None else mass_kg
        v = float(mach) * speed_of_sound_mps(float(alt_msl_m))
        return self.fuel_flow_kg_s(alt_msl_m, v, m)

    def reference_mass_kg(self) -> float:
        """Empty mass plus half the internal fuel: a mid-mission mass for tables."""
        return self.empty_mass_kg + 0.5 * self.internal_fuel_kg

    def excess_power_mps(self, alt_msl_m: float, tas_mps: float, mass_kg: float,
                         afterburner: bool = False, load_factor: float = 1.0) -> float:
        """Specific excess power Ps = (T − D)·V/(m·g), m/s: the climb rate at constant speed."""
        return excess_power_nb(self.scalars, self.aero, float(alt_msl_m), float(tas_mps), float(mass_kg),
                               bool(afterburner), float(load_factor))

    def climb_limit_mps(self, alt_msl_m: float, afterburner: bool = False, mass_kg: float | None = None,
                        tas_mps: float | None = None) -> float:
        """Steady climb rate (m/s) at a speed (default: the best-climb speed) and mass
        (default: empty + 10 % of the fuel, the most a mission can ask of it)."""
        m = self.empty_mass_kg + 0.1 * self.internal_fuel_kg if mass_kg is None else mass_kg
        if tas_mps is not None:
            return self.excess_power_mps(alt_msl_m, tas_mps, m, afterburner)
        return best_climb_nb(self.scalars, self.aero, self.max_mach_alt_m, self.max_mach, float(alt_msl_m),
                             float(m), bool(afterburner))[0]

    def accel_limits_mps2(self, alt_msl_m: float, tas_mps: float, mass_kg: float) -> tuple[float, float]:
        """(most acceleration at full dry thrust, most deceleration at idle with speed
        brakes), m/s², level at 1 g; at least 0.3 m/s² of deceleration."""
        # drag, dry thrust, density and idle thrust in one compiled call (one per 1 s step
        # of every interceptor); the sums stay here, as they were
        d, thrust, rho, idle = accel_terms_nb(self.scalars, self.aero, float(alt_msl_m), float(tas_mps),
                                              float(mass_kg))
        up = (thrust - d) / mass_kg
        q_s = 0.5 * rho * tas_mps ** 2 * self.scalars[WING_AREA_M2]
        down = (d + q_s * self.scalars[BRAKE_DCD0] - idle) / mass_kg
        return max(up, 0.0), max(down, 0.3)

    def schedule_tas_mps(self, schedule: str, alt_msl_m: float, mass_kg: float) -> float:
        """The TAS (m/s) of a speed schedule in level 1 g flight at an altitude and mass:
        ``best_range`` maximises V/ff, ``best_endurance`` minimises ff, ``max_dry`` is the
        fastest speed where full dry thrust still matches the drag; searched on 400 speeds
        between 1.2 V_s (clean, landing CLmax) or the minimum EAS and the envelope's maximum,
        among those dry thrust can hold level."""
        alt = float(alt_msl_m)
        lo = max(self.min_tas_mps(alt), 1.2 * self.stall_tas_mps(alt, mass_kg, True))
        hi = self.max_tas_mps(alt)
        v = np.linspace(lo, hi, 400)
        # thrust >= drag and the level fuel flow at every speed, by the same kernels as
        # thrust_n, drag_n and fuel_flow_kg_s, in one compiled call instead of ~1,000
        ok, ff_all = schedule_terms_nb(self.scalars, self.aero, alt, v, float(mass_kg))
        if not ok.any():
            return float(lo)
        if schedule == "max_dry":
            return float(v[np.nonzero(ok)[0].max()])
        v = v[ok]  # only speeds that full dry thrust can hold level
        ff = ff_all[ok]
        if schedule == "best_range":
            return float(v[int(np.argmax(v / ff))])
        if schedule == "best_endurance":
            return float(v[int(np.argmin(ff))])
        raise ValueError(f"unknown speed schedule {schedule!r}")

    def stall_tas_mps(self, alt_msl_m: float, mass_kg: float, landing: bool) -> float:
        return stall_tas_nb(self.scalars, float(alt_msl_m), float(mass_kg), bool(landing))

    def liftoff_tas_mps(self, alt_msl_m: float, mass_kg: float) -> float:
        return V_LOF_FACTOR * self.stall_tas_mps(alt_msl_m, mass_kg, False)

    def approach_tas_mps(self, alt_msl_m: float, mass_kg: float) -> float:
        return V_APP_FACTOR * self.stall_tas_mps(alt_msl_m, mass_kg, True)

    def touchdown_tas_mps(self, alt_msl_m: float, mass_kg: float) -> float:
        return V_TD_FACTOR * self.stall_tas_mps(alt_msl_m, mass_kg, True)

    def best_glide(self, alt_msl_m: float, mass_kg: float) -> tuple[float, float]:
        """(L/D max, its TAS m/s): engines out, the drag polar's best glide."""
        return best_glide_nb(self.scalars, self.aero, float(alt_msl_m), float(mass_kg))

    def turn_radius_m(self, tas_mps: float, load_factor: float) -> float:
        """Radius of a level coordinated turn, v² / (g·√(n² − 1))."""
        return tas_mps ** 2 / (G0_MPS2 * math.sqrt(load_factor ** 2 - 1.0))


def from_spec(spec: AircraftSpec) -> Aircraft:
    s = np.zeros(N_SCALARS)
    n_eng = spec.engine_count.value
    s[EMPTY_KG] = spec.empty_mass_kg.value
    s[TSFC_DRY] = _tsfc_si(spec.tsfc_dry_kg_per_kgf_h.value)
    s[THRUST_DRY_N] = n_eng * spec.thrust_dry_n.value
    if spec.has_afterburner:
        s[TSFC_AB] = _tsfc_si(spec.tsfc_ab_kg_per_kgf_h.value)
        s[THRUST_AB_N] = n_eng * spec.thrust_ab_n.value
        s[RAM_AB] = spec.thrust_ram_ab.value
        s[TSFC_M_AB] = spec.tsfc_mach_ab.value
        s[HAS_AB] = 1.0
    s[IDLE_FF_KG_S] = spec.idle_fuel_flow_kg_h.value / 3600.0
    s[MAX_EAS_MPS] = _kmh(spec.max_eas_kmh.value)
    s[MIN_EAS_MPS] = _kmh(spec.min_eas_kmh.value)
    s[CEILING_M] = spec.ceiling_m.value
    s[MAX_DESC_MPS] = spec.max_descent_rate_mps.value
    s[N_MAX] = spec.max_load_factor.value
    s[WING_AREA_M2] = spec.wing_area_m2.value
    s[LAPSE_EXP] = spec.thrust_lapse_exp.value
    s[RAM_DRY] = spec.thrust_ram_dry.value
    s[TSFC_M_DRY] = spec.tsfc_mach_dry.value
    s[IDLE_FRAC] = spec.idle_thrust_frac.value
    s[CLMAX_TO] = spec.clmax_takeoff.value
    s[CLMAX_LAND] = spec.clmax_landing.value
    s[MU_ROLL] = spec.rolling_friction.value
    s[MU_BRAKE] = spec.braking_friction.value
    s[CHUTE_CDS_M2] = spec.chute_drag_area_m2.value or 0.0
    s[BRAKE_DCD0] = spec.airbrake_delta_cd0.value
    s[TSFC_PT] = spec.tsfc_part_throttle.value
    p = spec.drag_polar
    aero = np.ascontiguousarray(np.vstack([np.asarray(p.mach, float), np.asarray(p.cd0, float),
                                           np.asarray(p.k, float)]))
    return Aircraft(name=spec.name, spec=spec, scalars=s,
                    max_mach_alt_m=np.asarray(spec.max_mach.altitude_m, float),
                    max_mach=np.asarray(spec.max_mach.values, float), aero=aero)


def load_aircraft(name: str, where: str | None = None, field: str | None = "aircraft.type",
                  catalogues: tuple = ()) -> Aircraft:
    """The aircraft a ``type:`` names (a catalogue name, built-in or from the folders
    ``catalogues``, or a type file's path); ScenarioError listing the known types if unknown."""
    return from_spec(get_spec(name, where=where, field=field, catalogues=tuple(catalogues)))


# ---- numba-side evaluation -------------------------------------------------------------

@njit(cache=True)
def interp1_nb(xs, ys, x):
    """Linear interpolation, held flat beyond the ends."""
    n = xs.shape[0]
    if x <= xs[0]:
        return ys[0]
    if x >= xs[n - 1]:
        return ys[n - 1]
    i = 0
    while xs[i + 1] < x:
        i += 1
    f = (x - xs[i]) / (xs[i + 1] - xs[i])
    return ys[i] * (1.0 - f) + ys[i + 1] * f


@njit(cache=True)
def max_tas_nb(sc, mm_alt, mm, alt):
    """Highest true airspeed (m/s): the lower of the Mach limit and the dynamic-pressure limit."""
    v_mach = interp1_nb(mm_alt, mm, alt) * speed_of_sound_mps(alt)
    v_q = sc[MAX_EAS_MPS] * math.sqrt(RHO0_KG_M3 / density_kg_m3(alt))
    return min(v_mach, v_q)


@njit(cache=True)
def min_tas_nb(sc, alt):
    """Slowest clean flying true airspeed (m/s)."""
    return sc[MIN_EAS_MPS] * math.sqrt(RHO0_KG_M3 / density_kg_m3(alt))


@njit(cache=True)
def thrust_max_nb(sc, alt, tas, ab):
    """Thrust available (N, all engines): T_SL · σ^n · (1 + r·M), dry or with afterburner."""
    sigma = density_kg_m3(alt) / RHO0_KG_M3
    mach = tas / speed_of_sound_mps(alt)
    if ab and sc[HAS_AB] > 0:
        return sc[THRUST_AB_N] * sigma ** sc[LAPSE_EXP] * (1.0 + sc[RAM_AB] * mach)
    return sc[THRUST_DRY_N] * sigma ** sc[LAPSE_EXP] * (1.0 + sc[RAM_DRY] * mach)


@njit(cache=True)
def idle_thrust_nb(sc, alt):
    """Idle thrust (N, all engines), no ram term."""
    sigma = density_kg_m3(alt) / RHO0_KG_M3
    return sc[IDLE_FRAC] * sc[THRUST_DRY_N] * sigma ** sc[LAPSE_EXP]


@njit(cache=True)
def tsfc_nb(sc, alt, tas, ab):
    """Thrust-specific fuel consumption, kg/(N·s): TSFC_SL · √θ · (1 + c·M)."""
    theta = temperature_k(alt) / T0_K
    mach = tas / speed_of_sound_mps(alt)
    if ab and sc[HAS_AB] > 0:
        return sc[TSFC_AB] * math.sqrt(theta) * (1.0 + sc[TSFC_M_AB] * mach)
    return sc[TSFC_DRY] * math.sqrt(theta) * (1.0 + sc[TSFC_M_DRY] * mach)


@njit(cache=True)
def drag_nb(sc, aero, alt, tas, mass, n_load):
    """Drag (N) from the polar CD0(M) + K(M)·CL² at a load factor."""
    v = max(tas, 1.0)
    q = 0.5 * density_kg_m3(alt) * v * v
    qs = q * sc[WING_AREA_M2]
    mach = v / speed_of_sound_mps(alt)
    cd0 = interp1_nb(aero[0], aero[1], mach)
    k = interp1_nb(aero[0], aero[2], mach)
    cl = n_load * mass * G0_MPS2 / qs
    return qs * (cd0 + k * cl * cl)


@njit(cache=True)
def accel_terms_nb(sc, aero, alt, tas, mass):
    """(drag at 1 g, full dry thrust, air density, idle thrust) for
    :meth:`Aircraft.accel_limits_mps2`: the four kernels it called one by one."""
    return drag_nb(sc, aero, alt, tas, mass, 1.0), thrust_max_nb(sc, alt, tas, False), density_kg_m3(alt), \
        idle_thrust_nb(sc, alt)


@njit(cache=True)
def schedule_terms_nb(sc, aero, alt, v, mass):
    """For :meth:`Aircraft.schedule_tas_mps`, at each speed of ``v``: whether full dry
    thrust holds level 1 g flight (thrust >= drag) and, where it does, the level fuel flow
    (kg/s; NaN elsewhere: the fuel flow divides by the full thrust, which may be 0 there)."""
    ok = np.empty(v.size, np.bool_)
    ff = np.full(v.size, np.nan)
    for i in range(v.size):
        ok[i] = thrust_max_nb(sc, alt, v[i], False) >= drag_nb(sc, aero, alt, v[i], mass, 1.0)
        if ok[i]:
            ff[i] = fuel_flow_nb(sc, aero, alt, v[i], mass, 0.0, 0.0, 1.0, False)
    return ok, ff


@njit(cache=True)
def excess_power_nb(sc, aero, alt, tas, mass, ab, n_load):
    """Specific excess power (m/s) at full dry or afterburner thrust."""
    v = max(tas, 1.0)
    return (thrust_max_nb(sc, alt, v, ab) - drag_nb(sc, aero, alt, v, mass, n_load)) * v / (mass * G0_MPS2)


@njit(cache=True)
def fuel_flow_nb(sc, aero, alt, tas, mass, vz, dvdt, n_load, ab):
    """Fuel flow (kg/s): the thrust the manoeuvre needs, between idle and full, times TSFC."""
    v = max(tas, 1.0)
    need = drag_nb(sc, aero, alt, v, mass, n_load) + mass * dvdt + mass * G0_MPS2 * vz / v
    if ab and sc[HAS_AB] > 0:
        thr = min(max(need, idle_thrust_nb(sc, alt)), thrust_max_nb(sc, alt, v, True))
        return max(tsfc_nb(sc, alt, v, True) * thr, sc[IDLE_FF_KG_S])
    t_max = thrust_max_nb(sc, alt, v, False)
    thr = min(max(need, idle_thrust_nb(sc, alt)), t_max)
    part = 1.0 + sc[TSFC_PT] * (1.0 - thr / t_max)
    return max(tsfc_nb(sc, alt, v, False) * part * thr, sc[IDLE_FF_KG_S])


@njit(cache=True)
def stall_tas_nb(sc, alt, mass, landing):
    """1 g stall speed (TAS, m/s) at CLmax (landing or take-off configuration)."""
    clmax = sc[CLMAX_LAND] if landing else sc[CLMAX_TO]
    return math.sqrt(2.0 * mass * G0_MPS2 / (density_kg_m3(alt) * sc[WING_AREA_M2] * clmax))


@njit(cache=True)
def best_climb_nb(sc, aero, mm_alt, mm, alt, mass, ab):
    """(best steady climb rate m/s, its TAS m/s) over the speed envelope at an altitude."""
    lo = min_tas_nb(sc, alt)
    hi = max_tas_nb(sc, mm_alt, mm, alt)
    best = -1e9
    best_v = lo
    for i in range(121):
        v = lo + (hi - lo) * i / 120.0
        ps = excess_power_nb(sc, aero, alt, v, mass, ab, 1.0)
        if ps > best:
            best = ps
            best_v = v
    return best, best_v


@njit(cache=True)
def best_glide_nb(sc, aero, alt, mass):
    """(L/D max, TAS m/s) of the drag polar at low Mach: CL* = √(CD0/K)."""
    cd0 = aero[1, 0]
    k = aero[2, 0]
    cl = math.sqrt(cd0 / k)
    v = math.sqrt(2.0 * mass * G0_MPS2 / (density_kg_m3(alt) * sc[WING_AREA_M2] * cl))
    return 0.5 / math.sqrt(cd0 * k), v


@njit(cache=True)
def ground_accel_nb(sc, aero, alt, tas, mass, ab, braking, chute, engines):
    """Acceleration (m/s²) on the runway: take-off roll (thrust − drag − rolling friction)
    or landing roll (idle thrust − drag − chute drag − braking friction); lift neglected."""
    v = max(tas, 0.0)
    rho = density_kg_m3(alt)
    q = 0.5 * rho * v * v
    mach = v / speed_of_sound_mps(alt)
    cd0 = interp1_nb(aero[0], aero[1], mach)
    d = q * sc[WING_AREA_M2] * cd0
    if braking:
        thr = idle_thrust_nb(sc, alt) if engines else 0.0
        if chute:
            d += q * sc[CHUTE_CDS_M2]
        return (thr - d) / mass - sc[MU_BRAKE] * G0_MPS2
    return (thrust_max_nb(sc, alt, v, ab) - d) / mass - sc[MU_ROLL] * G0_MPS2


# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.aircraft.atmosphere",
])
