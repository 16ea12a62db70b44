"""The tracker's settings (M-of-N, gate, coasting, process noise, priors, filter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from foxbat.errors import ParameterError


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (SI units; names carry units).

    m, n: M-of-N confirmation (M hits among the first N opportunities).
    gate_probability: chi-square gate for 3 degrees of freedom, turned into a
        Mahalanobis distance ``sqrt(chi2.ppf(p, 3))`` (4.57 for 0.9999), unless
        ``gate_mahalanobis`` is given. The same distance is used for 2-D radars.
    max_coast_s: a track with no detection for more than this is lost.
    q_horizontal_m2_s3, q_vertical_m2_s3: nearly-constant-velocity process noise
        spectral densities (east/north, up).
    init_velocity_sigma_mps, init_vertical_velocity_sigma_mps: prior velocity
        sigmas of a new track (its prior velocity is zero).
    prior_alt_msl_m, prior_alt_sigma_m: altitude assumed for a track started by a
        2-D radar; ``prior_alt_sigma_m`` also caps the altitude sigma of every
        track, so a track seen only by 2-D radars keeps a bounded altitude
        uncertainty instead of growing without limit.
    filter: "ekf" (ExtendedKalmanUpdater) or "ukf" (UnscentedKalmanUpdater).
    """

    m: int = 3
    n: int = 4
    gate_probability: float = 0.9999
    gate_mahalanobis: float | None = None
    max_coast_s: float = 60.0
    q_horizontal_m2_s3: float = 5.0
    q_vertical_m2_s3: float = 1.0
    init_velocity_sigma_mps: float = 400.0
    init_vertical_velocity_sigma_mps: float = 100.0
    prior_alt_msl_m: float = 5000.0
    prior_alt_sigma_m: float = 5000.0
    filter: str = "ekf"

    def validate(self) -> TrackerConfig:
        def bad(fld: str, why: str):
            raise ParameterError(f"{why}, got {getattr(self, fld)!r}", where="TrackerConfig", field=fld)

        if not isinstance(self.m, int) or self.m < 1:
            bad("m", "must be an integer >= 1")
        if not isinstance(self.n, int) or self.n < self.m:
            bad("n", f"must be an integer >= m ({self.m})")
        if not (0.0 < self.gate_probability < 1.0):
            bad("gate_probability", "must be a probability strictly between 0 and 1")
        g = self.gate_mahalanobis
        if g is not None and not (isinstance(g, (int, float)) and math.isfinite(g) and g > 0):
            bad("gate_mahalanobis", "must be a finite distance > 0 (or None)")
        for fld in (
            "max_coast_s",
            "q_horizontal_m2_s3",
            "q_vertical_m2_s3",
            "init_velocity_sigma_mps",
            "init_vertical_velocity_sigma_mps",
            "prior_alt_sigma_m",
        ):
            v = getattr(self, fld)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                bad(fld, "must be a finite number > 0")
        if not (isinstance(self.prior_alt_msl_m, (int, float)) and math.isfinite(self.prior_alt_msl_m)):
            bad("prior_alt_msl_m", "must be a finite altitude in metres")
        if self.filter not in ("ekf", "ukf"):
            bad("filter", "must be 'ekf' or 'ukf'")
        return self

    @property
    def gate(self) -> float:
        """The Mahalanobis distance beyond which a detection is not associated."""
        if self.gate_mahalanobis is not None:
            return float(self.gate_mahalanobis)
        return _chi2_gate(float(self.gate_probability))


@lru_cache(maxsize=32)
def _chi2_gate(probability: float) -> float:
    """sqrt(chi2.ppf(probability, 3)): computed once per probability (scipy's ppf costs ~0.3 ms).

    As scipy.stats.chi2.ppf computes it (2 gammaincinv(df/2, p), the same bits), from
    scipy.special: a run then needs no scipy.stats (0.25 s to import; foxbat.tracker_import)."""
    from scipy.special import gammaincinv

    return float(math.sqrt(2.0 * gammaincinv(1.5, probability)))


__all__ = ["TrackerConfig"]
