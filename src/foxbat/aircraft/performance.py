"""Point-mass performance of a catalogue aircraft, as plain arrays for the flight kernel.

:class:`Aircraft` holds SI scalars and the tables of its data file; the ``_nb``
functions evaluate them inside numba code, the methods from ordinary Python.

Fuel model (see ``docs/flight.md``)::

    engines at military power or below:
        ff = ff_level(h, M) · (1 + induced_share · (n² − 1))
             + tsfc_dry · m · (g·vz + V·dV/dt) / V          (specific excess power)
        ff >= idle fuel flow
    afterburner lit:
        ff = tsfc_ab · T_ab,SL · σ(h)^0.7                   (full reheat, thrust lapse σ^0.7)

``ff_level`` is the catalogue's level-flight table (kg/h on altitude × Mach).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from foxbat.aircraft.atmosphere import G0_MPS2, RHO0_KG_M3, density_kg_m3, speed_of_sound_mps
from foxbat.aircraft.catalogue import AircraftSpec, get_spec

KGF_N = 9.80665
THRUST_LAPSE_EXP = 0.7  # T(h) = T_SL · σ^0.7, a common turbojet rule of thumb (notional)

# indices into Aircraft.scalars
EMPTY_KG = 0
TSFC_DRY = 1  # kg/(N·s)
TSFC_AB = 2
THRUST_DRY_N = 3  # all engines, static sea level
THRUST_AB_N = 4  # 0 without afterburner
IDLE_FF_KG_S = 5
MAX_EAS_MPS = 6
MIN_EAS_MPS = 7
CEILING_M = 8
MAX_DESC_MPS = 9
N_MAX = 10
ACC_DRY = 11
ACC_MAX = 12
DEC_AIR = 13
TO_ACC = 14
LIFTOFF_MPS = 15
APPROACH_MPS = 16
TOUCHDOWN_MPS = 17
ROLL_DEC = 18
ROLL_DEC_CHUTE = 19  # 0 without a chute
INDUCED_SHARE = 20
GLIDE_RATIO = 21
GLIDE_EAS_MPS = 22
HAS_AB = 23
N_SCALARS = 24


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
    """An aircraft type ready to fly: SI scalars and tables (see the index constants)."""

    name: str
    spec: AircraftSpec = field(repr=False)
    scalars: np.ndarray = field(repr=False)
    max_mach_alt_m: np.ndarray = field(repr=False)
    max_mach: np.ndarray = field(repr=False)
    climb_alt_m: np.ndarray = field(repr=False)
    climb_dry_mps: np.ndarray = field(repr=False)
    climb_max_mps: np.ndarray = field(repr=False)
    ff_alt_m: np.ndarray = field(repr=False)
    ff_mach: np.ndarray = field(repr=False)
    ff_kg_s: np.ndarray = field(repr=False)

    @property
    def empty_mass_kg(self) -> float:
        return float(self.scalars[EMPTY_KG])

    @property
    def internal_fuel_kg(self) -> float:
        return float(self.spec.internal_fuel_kg.value)

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

    def max_tas_mps(self, alt_msl_m: float) -> float:
        return max_tas_nb(self.scalars, self.max_mach_alt_m, self.max_mach, float(alt_msl_m))

    def min_tas_mps(self, alt_msl_m: float) -> float:
        return min_tas_nb(self.scalars, float(alt_msl_m))

    def climb_limit_mps(self, alt_msl_m: float, afterburner: bool = False) -> float:
        tbl = self.climb_max_mps if afterburner else self.climb_dry_mps
        return float(np.interp(alt_msl_m, self.climb_alt_m, tbl))

    def fuel_flow_level_kg_s(self, alt_msl_m: float, mach: float) -> float:
        """Level-flight fuel flow (kg/s) from the catalogue table."""
        return ff_level_nb(self.ff_alt_m, self.ff_mach, self.ff_kg_s, float(alt_msl_m), float(mach))

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
        s[HAS_AB] = 1.0
    s[IDLE_FF_KG_S] = spec.idle_fuel_flow_kg_h.value / 3600.0
    s[MAX_EAS_MPS] = _kmh(spec.max_eas_kmh.value)
    s[MIN_EAS_MPS] = _kmh(spec.min_eas_kmh.value)
    s[CEILING_M] = spec.ceiling_m.value
    s[MAX_DESC_MPS] = spec.max_descent_rate_mps.value
    s[N_MAX] = spec.max_load_factor.value
    s[ACC_DRY] = spec.accel_dry_mps2.value
    s[ACC_MAX] = spec.accel_max_mps2.value
    s[DEC_AIR] = spec.decel_air_mps2.value
    s[TO_ACC] = spec.takeoff_accel_mps2.value
    s[LIFTOFF_MPS] = _kmh(spec.liftoff_kmh.value)
    s[APPROACH_MPS] = _kmh(spec.approach_kmh.value)
    s[TOUCHDOWN_MPS] = _kmh(spec.touchdown_kmh.value)
    s[ROLL_DEC] = spec.roll_decel_mps2.value
    s[ROLL_DEC_CHUTE] = spec.roll_decel_chute_mps2.value or 0.0
    s[INDUCED_SHARE] = spec.induced_share.value
    s[GLIDE_RATIO] = spec.glide_ratio.value
    s[GLIDE_EAS_MPS] = _kmh(spec.glide_eas_kmh.value)
    cd, cm = spec.climb_rate_dry_mps, spec.climb_rate_max_mps
    climb_alt = np.union1d(cd.altitude_m, cm.altitude_m)
    ff = spec.fuel_flow_level
    return Aircraft(
        name=spec.name, spec=spec, scalars=s,
        max_mach_alt_m=np.asarray(spec.max_mach.altitude_m, float),
        max_mach=np.asarray(spec.max_mach.values, float),
        climb_alt_m=climb_alt,
        climb_dry_mps=np.interp(climb_alt, cd.altitude_m, cd.values),
        climb_max_mps=np.interp(climb_alt, cm.altitude_m, cm.values),
        ff_alt_m=np.asarray(ff.altitude_m, float),
        ff_mach=np.asarray(ff.mach, float),
        ff_kg_s=np.asarray(ff.kg_per_h, float) / 3600.0,
    )


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
def ff_level_nb(alts, machs, grid, alt, mach):
    """Bilinear level-flight fuel flow (kg/s); held flat beyond the table's edges."""
    na = alts.shape[0]
    nm = machs.shape[0]
    a = min(max(alt, alts[0]), alts[na - 1])
    m = min(max(mach, machs[0]), machs[nm - 1])
    i = 0
    while i < na - 2 and alts[i + 1] < a:
        i += 1
    j = 0
    while j < nm - 2 and machs[j + 1] < m:
        j += 1
    fa = (a - alts[i]) / (alts[i + 1] - alts[i])
    fm = (m - machs[j]) / (machs[j + 1] - machs[j])
    return (grid[i, j] * (1 - fa) * (1 - fm) + grid[i, j + 1] * (1 - fa) * fm
            + grid[i + 1, j] * fa * (1 - fm) + grid[i + 1, j + 1] * fa * fm)


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
def ab_fuel_flow_nb(sc, alt):
    """Fuel flow (kg/s) with full afterburner at an altitude."""
    sigma = density_kg_m3(alt) / RHO0_KG_M3
    return sc[TSFC_AB] * sc[THRUST_AB_N] * sigma ** THRUST_LAPSE_EXP


@njit(cache=True)
def fuel_flow_nb(sc, ff_alt, ff_mach, ff_grid, alt, tas, mass, vz, dvdt, n_load, afterburner):
    """Fuel flow (kg/s) in flight; see the module docstring for the model."""
    if afterburner and sc[HAS_AB] > 0:
        return ab_fuel_flow_nb(sc, alt)
    mach = tas / speed_of_sound_mps(alt)
    ff = ff_level_nb(ff_alt, ff_mach, ff_grid, alt, mach)
    ff *= 1.0 + sc[INDUCED_SHARE] * (n_load * n_load - 1.0)
    v = max(tas, 1.0)
    ff += sc[TSFC_DRY] * mass * (G0_MPS2 * vz + v * dvdt) / v
    return max(ff, sc[IDLE_FF_KG_S])
