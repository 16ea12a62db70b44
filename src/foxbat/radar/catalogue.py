"""The radar catalogue: ``foxbat/radar/data/radars.yaml``, validated by pydantic.

A radar type is described either **physically** (peak power, antenna gain or
beamwidths, frequency, pulse width, noise figure, losses: the radar equation gives
its SNR) or by a **reference detection** (it detects σ_ref at R_ref with Pd_ref at
Pfa_ref, Swerling case s: the R⁴ law gives its SNR elsewhere), or both, in which case
the two must agree within :data:`MAX_DISAGREEMENT_DB`.

Every figure is a mapping with its ``value`` and either ``source`` (a citation: the
``[Sxx]`` tags of the project's sources, ``R-`` for the radars-and-engines list, ``B-``
for the Belenko list, both resolved in ``docs/sources.md``) or ``notional: true`` with a one-line
``reason``; a file without provenance for a figure does not load.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from foxbat.errors import ScenarioError
from foxbat.provenance import Figure, Provenance
from foxbat.radar import clutter as _clutter
from foxbat.radar import detection as _det
from foxbat.radar import equation as _eq

MAX_DISAGREEMENT_DB = 3.0
"""Largest allowed difference between a type's physical SNR and its reference detection, dB."""


class DopplerChoice(Provenance):
    """Clutter rejection by Doppler: none (plain pulse radar), MTI, or pulse-Doppler."""

    value: Literal["none", "mti", "pulse_doppler"]


class ElevationPatternChoice(Provenance):
    """The shape of the elevation pattern (:data:`foxbat.radar.pattern.SHAPES`)."""

    value: Literal["sinc", "gaussian", "csc2"]


class PolarizationChoice(Provenance):
    """Polarisation of the radar's wave: h (horizontal) or v (vertical)."""

    value: Literal["h", "v"]


class ReferenceDetection(BaseModel):
    """"Detects ``rcs_m2`` at ``range_m`` with probability ``pd`` at ``pfa`` (Swerling case)."""

    model_config = ConfigDict(extra="forbid")

    range_m: Figure
    rcs_m2: Figure
    pd: Figure
    pfa: Figure
    swerling: Figure


_POSITIVE = ("frequency_hz", "peak_power_w", "beamwidth_az_deg", "beamwidth_el_deg", "pulse_width_s",
             "prf_hz", "pulses_per_dwell", "scan_period_s", "frame_time_s", "instrumented_range_m",
             "azimuth_half_width_deg", "bars", "sigma_range_m", "sigma_bearing_deg", "sigma_elevation_deg",
             "bar_spacing_deg", "lock_on_range_m", "contact_m", "contact_n")
_NON_NEGATIVE = ("noise_figure_db", "losses_db", "improvement_factor_db")


class RadarType(BaseModel):
    """One radar type as written in the catalogue. Units are in the field names.

    Angles are in degrees in the file (``_deg``) and radians through the properties
    (``_rad``). Elevation limits are above the local horizontal for a ground radar
    and relative to the aircraft's horizon-stabilised boresight frame for an
    airborne one; ``azimuth_half_width_deg`` is measured from the nose.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    platform: Literal["ground", "airborne"]
    role: Literal["search", "height_finder", "intercept"] = "search"
    description: str = ""
    # the radar equation
    frequency_hz: Figure
    peak_power_w: Figure | None = None
    antenna_gain_dbi: Figure | None = None
    antenna_efficiency: Figure | None = None
    beamwidth_az_deg: Figure
    beamwidth_el_deg: Figure
    pulse_width_s: Figure
    prf_hz: Figure | None = None
    noise_figure_db: Figure | None = None
    losses_db: Figure | None = None
    pulses_per_dwell: Figure | None = None
    pfa: Figure
    reference: ReferenceDetection | None = None
    # coverage and timing
    scan_period_s: Figure | None = None
    frame_time_s: Figure | None = None
    bars: Figure | None = None
    azimuth_half_width_deg: Figure | None = None
    # airborne search and track (see foxbat.sensing.airborne)
    bar_spacing_deg: Figure | None = None
    lock_on_range_m: Figure | None = None
    contact_m: Figure | None = None
    contact_n: Figure | None = None
    elevation_min_deg: Figure
    elevation_max_deg: Figure
    instrumented_range_m: Figure
    # elevation pattern (foxbat.radar.pattern): shape, peak elevation, cosecant-squared top,
    # sidelobe floor; hard_elevation_limits: whether elevation_min/max still cut detection
    # off (default: only where no pattern is given)
    elevation_pattern: ElevationPatternChoice | None = None
    elevation_tilt_deg: Figure | None = None
    csc2_max_elevation_deg: Figure | None = None
    elevation_sidelobe_db: Figure | None = None
    hard_elevation_limits: bool | None = None
    # polarisation of the surface reflection (foxbat.propagation); horizontal when not given
    polarization: PolarizationChoice | None = None
    # clutter rejection
    doppler_processing: DopplerChoice
    improvement_factor_db: Figure
    # measurement noise (1 sigma)
    sigma_range_m: Figure
    sigma_bearing_deg: Figure
    sigma_elevation_deg: Figure | None = None

    @model_validator(mode="after")
    def _check(self):
        for f in _POSITIVE:
            fig = getattr(self, f)
            if fig is not None and not (math.isfinite(fig.value) and fig.value > 0):
                raise ValueError(f"{f}: must be > 0, got {fig.value!r}")
        for f in _NON_NEGATIVE:
            fig = getattr(self, f)
            if fig is not None and not (math.isfinite(fig.value) and fig.value >= 0):
                raise ValueError(f"{f}: must be >= 0 dB, got {fig.value!r}")
        if not 0 < self.pfa.value < 1:
            raise ValueError(f"pfa: must be between 0 and 1, got {self.pfa.value!r}")
        if self.elevation_min_deg.value >= self.elevation_max_deg.value:
            raise ValueError(f"elevation_min_deg: must be below elevation_max_deg "
                             f"({self.elevation_min_deg.value!r} >= {self.elevation_max_deg.value!r})")
        if not -90 <= self.elevation_min_deg.value < 90 or not -90 < self.elevation_max_deg.value <= 90:
            raise ValueError("elevation_min_deg/elevation_max_deg: must lie in [-90, 90] degrees")
        if self.antenna_efficiency is not None and not 0 < self.antenna_efficiency.value <= 1:
            raise ValueError(f"antenna_efficiency: must be in (0, 1], got {self.antenna_efficiency.value!r}")
        if self.platform == "ground" and self.scan_period_s is None:
            raise ValueError("scan_period_s: a ground radar needs its scan (revolution) period")
        if self.platform == "airborne":
            for f in ("frame_time_s", "azimuth_half_width_deg", "bars", "lock_on_range_m", "contact_m", "contact_n"):
                if getattr(self, f) is None:
                    raise ValueError(f"{f}: an airborne radar needs it")
            if self.azimuth_half_width_deg.value > 180:
                raise ValueError("azimuth_half_width_deg: must be <= 180")
            for f in ("bars", "contact_m", "contact_n"):
                if getattr(self, f).value != int(getattr(self, f).value):
                    raise ValueError(f"{f}: must be a whole number, got {getattr(self, f).value!r}")
            if self.bars.value > 1 and self.bar_spacing_deg is None:
                raise ValueError("bar_spacing_deg: an airborne radar scanning more than one bar needs it")
            if self.contact_m.value > self.contact_n.value:
                raise ValueError(f"contact_m: must be <= contact_n ({self.contact_m.value:g} > {self.contact_n.value:g})")
            if self.lock_on_range_m.value > self.instrumented_range_m.value:
                raise ValueError("lock_on_range_m: must be <= instrumented_range_m")
        if self.elevation_pattern is not None:
            if self.elevation_tilt_deg is None:
                raise ValueError("elevation_tilt_deg: an elevation pattern needs the beam's peak elevation")
            if not -90 < self.elevation_tilt_deg.value < 90:
                raise ValueError("elevation_tilt_deg: must lie in (-90, 90) degrees")
            if self.elevation_sidelobe_db is not None and not self.elevation_sidelobe_db.value < 0:
                raise ValueError(f"elevation_sidelobe_db: must be < 0 dB, got {self.elevation_sidelobe_db.value!r}")
            if self.elevation_pattern.value == "csc2":
                edge = self.elevation_tilt_deg.value + self.beamwidth_el_deg.value / 2
                top = self.csc2_max_elevation_deg
                if top is None or not (90 >= top.value > edge > 0):
                    raise ValueError(f"csc2_max_elevation_deg: a 'csc2' pattern needs it above the main beam's "
                                     f"upper half-power edge ({edge:g}°, which must be above 0°) and at most 90°")
        else:
            for f in ("elevation_tilt_deg", "csc2_max_elevation_deg", "elevation_sidelobe_db"):
                if getattr(self, f) is not None:
                    raise ValueError(f"{f}: give elevation_pattern too")
            if self.hard_elevation_limits is False:
                raise ValueError("hard_elevation_limits: false needs an elevation_pattern")
        if self.role == "height_finder" and self.sigma_elevation_deg is None:
            raise ValueError("sigma_elevation_deg: a height finder needs its elevation noise")
        if self.doppler_processing.value == "none" and self.improvement_factor_db.value > 0:
            raise ValueError("improvement_factor_db: must be 0 for doppler_processing 'none', got "
                             f"{self.improvement_factor_db.value!r}")
        ref = self.reference
        if ref is not None:
            if not 0 < ref.pfa.value < ref.pd.value < 1:
                raise ValueError("reference: need 0 < pfa < pd < 1")
            if ref.swerling.value not in (0, 1, 3):
                raise ValueError(f"reference.swerling: must be 0, 1 or 3, got {ref.swerling.value!r}")
            if ref.range_m.value <= 0 or ref.rcs_m2.value <= 0:
                raise ValueError("reference: range_m and rcs_m2 must be > 0")
        if not self.is_physical and ref is None:
            raise ValueError("give a physical description (peak_power_w, antenna gain, noise_figure_db, "
                             "losses_db) or a 'reference' detection")
        if self.is_physical and ref is not None:
            phys = float(self._physical_snr_db(ref.range_m.value, ref.rcs_m2.value))
            need = float(self._reference_snr_db(ref.range_m.value, ref.rcs_m2.value))
            if abs(phys - need) > MAX_DISAGREEMENT_DB:
                raise ValueError(
                    f"reference: the physical description gives {phys:.1f} dB at the reference range, "
                    f"the reference detection needs {need:.1f} dB; they differ by more than "
                    f"{MAX_DISAGREEMENT_DB:g} dB")
        return self

    # ------------------------------------------------------------------ derived quantities
    @property
    def is_physical(self) -> bool:
        """True when the radar equation can be evaluated from the type's own figures."""
        return (self.peak_power_w is not None and self.noise_figure_db is not None
                and self.losses_db is not None
                and (self.antenna_gain_dbi is not None or self.antenna_efficiency is not None))

    @property
    def wavelength_m(self) -> float:
        return float(_eq.wavelength_m(self.frequency_hz.value))

    @property
    def beamwidth_az_rad(self) -> float:
        return math.radians(self.beamwidth_az_deg.value)

    @property
    def beamwidth_el_rad(self) -> float:
        return math.radians(self.beamwidth_el_deg.value)

    @property
    def gain_dbi(self) -> float:
        """Antenna gain, dBi: as given, else 4π·η/(θ_az·θ_el) from the beamwidths."""
        if self.antenna_gain_dbi is not None:
            return self.antenna_gain_dbi.value
        eta = self.antenna_efficiency.value if self.antenna_efficiency is not None else 1.0
        return float(_eq.gain_from_beamwidths_dbi(self.beamwidth_az_rad, self.beamwidth_el_rad, eta))

    @property
    def n_pulses(self) -> int:
        """Pulses non-coherently integrated per look: as given, else PRF × time on target
        (ground: θ_az/360° of the scan period; airborne: θ_az over the azimuth sweep rate)."""
        if self.pulses_per_dwell is not None:
            return max(1, int(round(self.pulses_per_dwell.value)))
        if self.prf_hz is None:
            return 1
        if self.platform == "ground":
            dwell_s = self.scan_period_s.value * self.beamwidth_az_deg.value / 360.0
        else:
            bars = self.bars.value if self.bars is not None else 1.0
            sweep_deg_per_s = 2.0 * self.azimuth_half_width_deg.value * bars / self.frame_time_s.value
            dwell_s = self.beamwidth_az_deg.value / sweep_deg_per_s
        return max(1, int(math.floor(self.prf_hz.value * dwell_s)))

    @property
    def revisit_s(self) -> float:
        """Time between looks at one point: the scan period (ground) or frame time (airborne)."""
        return self.scan_period_s.value if self.platform == "ground" else self.frame_time_s.value

    # ------------------------------------------------------------------ SNR and Pd
    def _physical_snr_db(self, range_m, rcs_m2):
        return _eq.radar_snr_db(range_m, rcs_m2, peak_power_w=self.peak_power_w.value,
                                wavelength_m=self.wavelength_m, gain_tx_dbi=self.gain_dbi,
                                pulse_width_s=self.pulse_width_s.value,
                                noise_figure_db=self.noise_figure_db.value, losses_db=self.losses_db.value)

    def _reference_snr_db(self, range_m, rcs_m2):
        # R⁴ scaling from the SNR the reference detection needs (snr_from_reference_db),
        # that SNR solved once per type: its bisection would otherwise run on every call
        ref = self.reference
        need = _required_snr_db(ref.pd.value, ref.pfa.value, int(ref.swerling.value), self.n_pulses)
        return _eq.scaled_snr_db(range_m, rcs_m2, reference_range_m=ref.range_m.value,
                                 reference_rcs_m2=ref.rcs_m2.value, reference_snr_db=need)

    def snr_db(self, range_m, rcs_m2):
        """Mean SNR per pulse, dB, of a target of ``rcs_m2`` at slant range ``range_m``
        (no clutter, no propagation factor): the radar equation for a physical type,
        R⁴ scaling from the reference detection otherwise."""
        if self.is_physical:
            return self._physical_snr_db(range_m, rcs_m2)
        return self._reference_snr_db(range_m, rcs_m2)

    def pd_from_snr(self, snr_db, swerling=1, pfa=None):
        """Pd of one look for a per-pulse SNR, with this type's pulses per dwell and Pfa."""
        return _det.pd(snr_db, self.pfa.value if pfa is None else pfa, swerling, self.n_pulses)

    def pd(self, range_m, rcs_m2, swerling=1, pfa=None):
        """Probability of detection on one look (scan or frame), free space, no clutter.

        0 beyond the instrumented range. ``pfa`` defaults to the type's.
        """
        r = np.asarray(range_m, dtype=float)
        p = self.pd_from_snr(self.snr_db(r, rcs_m2), swerling, pfa)
        return np.where(r <= self.instrumented_range_m.value, p, 0.0)[()]

    def effective_snr_db(self, range_m, rcs_m2, *, radar_height_m, target_height_m, surface,
                         beam_on_target=True):
        """SNR with the surface clutter in the target's range cell counted, after this
        type's Doppler processing (see :func:`foxbat.radar.clutter.effective_snr_db`)."""
        return _clutter.effective_snr_db(
            self.snr_db(range_m, rcs_m2), range_m, rcs_m2, radar_height_m=radar_height_m,
            target_height_m=target_height_m, surface=surface, frequency_hz=self.frequency_hz.value,
            beamwidth_az_rad=self.beamwidth_az_rad, beamwidth_el_rad=self.beamwidth_el_rad,
            pulse_width_s=self.pulse_width_s.value, improvement_factor_db=self.improvement_factor_db.value,
            beam_on_target=beam_on_target)

    def detection_range_m(self, rcs_m2, pd=0.5, swerling=1, pfa=None):
        """Free-space range at which one look detects ``rcs_m2`` with probability ``pd``, m
        (not capped by the instrumented range)."""
        need = _det.required_snr_db(pd, self.pfa.value if pfa is None else pfa, swerling, self.n_pulses)
        at_1km = self.snr_db(1000.0, rcs_m2)
        return 1000.0 * 10.0 ** ((at_1km - need) / 40.0)

    def covers(self, azimuth_rad, elevation_rad):
        """Whether directions lie in the search volume (azimuth from the nose for an
        airborne radar, ignored for a ground radar; elevation between the limits)."""
        el = np.asarray(elevation_rad, dtype=float)
        ok = (el >= math.radians(self.elevation_min_deg.value)) & (el <= math.radians(self.elevation_max_deg.value))
        if self.azimuth_half_width_deg is not None:
            az = np.asarray(azimuth_rad, dtype=float)
            az = (az + math.pi) % (2 * math.pi) - math.pi
            ok = ok & (np.abs(az) <= math.radians(self.azimuth_half_width_deg.value))
        return ok

    @property
    def elevation_limits_hard(self) -> bool:
        """Whether elevation_min/max_deg cut detection off: as the entry says, else only
        where it gives no elevation pattern."""
        if self.hard_elevation_limits is not None:
            return self.hard_elevation_limits
        return self.elevation_pattern is None

    def elevation_pattern_db(self, elevation_rad):
        """One-way antenna gain relative to the beam peak (dB, ≤ 0) at elevations
        ``elevation_rad`` (above the local horizontal for a ground radar): 0 dB where the
        type gives no elevation pattern. The radar SNR takes twice this (two-way)."""
        if self.elevation_pattern is None:
            return np.zeros_like(np.asarray(elevation_rad, dtype=float))[()]
        from foxbat.radar.pattern import DEFAULT_SIDELOBE_DB, elevation_pattern_db

        top = self.csc2_max_elevation_deg
        floor = self.elevation_sidelobe_db
        return elevation_pattern_db(
            elevation_rad, beamwidth_el_rad=self.beamwidth_el_rad,
            tilt_rad=math.radians(self.elevation_tilt_deg.value), shape=self.elevation_pattern.value,
            csc2_max_rad=None if top is None else math.radians(top.value),
            sidelobe_db=DEFAULT_SIDELOBE_DB if floor is None else floor.value)

    # ------------------------------------------------------------------ provenance
    def figures(self) -> dict[str, Provenance]:
        """Every figure of the type by field name (reference fields as ``reference.x``)."""
        out: dict[str, Provenance] = {}
        for name in type(self).model_fields:
            v = getattr(self, name)
            if isinstance(v, Provenance):
                out[name] = v
            elif isinstance(v, ReferenceDetection):
                for sub in ReferenceDetection.model_fields:
                    out[f"{name}.{sub}"] = getattr(v, sub)
        return out

    def notional_figures(self) -> list[tuple[str, str]]:
        """(field, reason) of every notional figure, for reports."""
        return [(k, v.reason) for k, v in self.figures().items() if v.notional]


@lru_cache(maxsize=256)
def _required_snr_db(pd: float, pfa: float, swerling: int, n_pulses: int) -> float:
    return float(_det.required_snr_db(pd, pfa, swerling, n_pulses))


def _data_file() -> Path:
    """The built-in radar catalogue file."""
    from importlib.resources import files

    return Path(str(files("foxbat.radar") / "data" / "radars.yaml"))


def _key(name: str) -> str:
    from foxbat.catalogues import key

    return key(name)


def load_catalogue_file(path: str | Path) -> dict[str, RadarType]:
    """Read and validate a radar catalogue file; types by name (aliases included, keys
    normalised: case, spaces and punctuation ignored). Errors name the file, line and field."""
    from foxbat.catalogues import read_type_file

    entries = [e for e in read_type_file(path) if e.kind == "radar"]
    if not entries:
        raise ScenarioError("must be a mapping with a list 'radars' of radar types", where=str(path))
    return {_key(n): e.spec for e in entries for n in [e.name, *e.aliases]}


def _catalogue() -> dict[str, RadarType]:
    from foxbat.catalogues import builtin_catalogue

    return {_key(n): e.spec for e in builtin_catalogue().entries if e.kind == "radar" for n in [e.name, *e.aliases]}


def load_catalogue() -> dict[str, RadarType]:
    """The built-in radar types by their catalogue name."""
    return {rt.name: rt for rt in _catalogue().values()}


def radar_names() -> list[str]:
    """The type names in the built-in catalogue, sorted."""
    return sorted(load_catalogue())


def get_radar_type(name: str, where: str | None = None, field: str | None = "radar.type",
                   catalogues: tuple = ()) -> RadarType:
    """The type a ``type:`` value names: a catalogue name or alias (case, spaces and
    punctuation ignored; built-in or from the folders ``catalogues``) or the path of a
    radar type file.

    Raises :class:`foxbat.errors.ScenarioError` listing the known names when unknown.
    """
    from foxbat.catalogues import resolve

    return resolve("radar", name, catalogues=catalogues, where=where, field=field)
