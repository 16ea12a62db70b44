"""Gating: Stone Soup's distance hypothesiser after a cheap, conservative pre-gate.

:class:`ScanPreGate` holds one scan's detections as arrays and, given a track's
prediction, keeps only those that may lie inside the Mahalanobis gate;
:class:`PreGatedDistanceHypothesiser` applies it before scoring.
"""

from __future__ import annotations

import math

import numpy as np
from stonesoup.base import Property
from stonesoup.hypothesiser.distance import DistanceHypothesiser

from foxbat.tracking.measurement import RadarMeasurement
from foxbat.tracking.sites import RadarSite


class PreGatedDistanceHypothesiser(DistanceHypothesiser):
    """Stone Soup's ``DistanceHypothesiser``, after a cheap conservative pre-gate.

    ``prefilter(prediction, detections)`` returns the detections that may lie
    inside the gate; only those are scored (each full score costs a measurement
    prediction and a matrix inverse, which dominated the run time with many
    tentative tracks and false alarms). With ``prefilter`` None it is the plain
    hypothesiser.
    """

    prefilter: object = Property(default=None, doc="callable(prediction, detections) -> detections")

    def hypothesise(self, track, detections, timestamp, **kwargs):
        if self.prefilter is not None and detections:
            prediction = self.predictor.predict(track, timestamp=timestamp, **kwargs)
            detections = self.prefilter(prediction, detections)
        return super().hypothesise(track, detections, timestamp, **kwargs)


def pregate_terms(m: RadarMeasurement) -> tuple[float, float, float, float, float, float]:
    """What the pre-gate reads of a detection ``m``: range, bearing (counter-clockwise from
    east), elevation (NaN for a 2-D radar) and their sigmas, in metres and radians (the
    values :meth:`ScanPreGate.set_scan`'s arrays hold: ``np.radians`` and ``math.radians``
    are the same product)."""
    return (
        float(m.range_m),
        math.pi / 2 - math.radians(m.azimuth_deg),
        math.nan if m.elevation_deg is None else math.radians(m.elevation_deg),
        float(m.sigma_range_m),
        math.radians(m.sigma_azimuth_deg),
        math.radians(0.0 if m.sigma_elevation_deg is None else m.sigma_elevation_deg),
    )


def predicted_geometry(d0: float, d1: float, d2: float, covar) -> tuple | None:
    """Range, bearing, elevation and ground range of the predicted position, the radar-frame
    offset ``(d0, d1, d2)``, and sqrt(trace P_pos) of the predicted ``covar``; None within
    a metre of the radar (no pre-gate there)."""
    sp = math.sqrt(max(float(covar[0, 0] + covar[2, 2] + covar[4, 4]), 0.0))
    r_pred = math.sqrt(float(d0 * d0 + d1 * d1 + d2 * d2))
    if r_pred < 1.0:
        return None
    phi_pred = math.atan2(d1, d0)
    el_pred = math.asin(max(-1.0, min(1.0, d2 / r_pred)))
    return sp, r_pred, phi_pred, el_pred, r_pred * math.cos(el_pred)


def far_one(terms: tuple, geometry: tuple, k: float) -> bool:
    """Whether the one detection of ``terms`` (:func:`pregate_terms`) cannot be inside the
    gate of the prediction of ``geometry`` (:func:`predicted_geometry`); ``k`` is 1.5 x gate
    (see :meth:`ScanPreGate.__call__`)."""
    rng, phi, el, s_r, s_phi, s_el = terms
    sp, r_pred, phi_pred, el_pred, ground = geometry
    return (
        abs(rng - r_pred) > k * (s_r + sp)
        or abs((phi - phi_pred + math.pi) % (2 * math.pi) - math.pi) * ground > k * (s_phi * ground + sp)
        or (not math.isnan(el) and abs(el - el_pred) * r_pred > k * (s_el * r_pred + sp))
    )


class ScanPreGate:
    """The pre-gate of one scan (one radar's detections at one time) for a gate distance."""

    def __init__(self, gate: float):
        self._gate = gate
        self.k = 1.5 * gate  # a residual beyond k x its bound is outside the gate (see __call__)
        self._scan = None
        self._arrays = None
        self._index = None

    def set_scan(self, site: RadarSite | None, dets: list, group: list[RadarMeasurement]) -> None:
        """The scan that :meth:`__call__` gates (``dets[i]`` is the detection of ``group[i]``);
        its arrays are made when several detections are first gated together."""
        self._arrays = None
        self._index = None  # id(detection) -> i, made on the first call
        self._scan = (site, dets, group) if dets else None

    def _scan_index(self) -> dict:
        if self._index is None:
            self._index = {id(d): i for i, d in enumerate(self._scan[1])}
        return self._index

    def alias(self, dets: list, same: list) -> None:
        """Gate ``dets[i]`` (e.g. the Stone Soup detection of a ScanDetection) as ``same[i]``."""
        if self._scan is not None:
            index = self._scan_index()
            for d, s in zip(dets, same):
                index[id(d)] = index[id(s)]

    def _scan_arrays(self) -> tuple:
        if self._arrays is None:
            group = self._scan[2]
            rng = np.array([m.range_m for m in group], float)
            phi = np.array([math.pi / 2 - math.radians(m.azimuth_deg) for m in group])
            el = np.array([math.nan if m.elevation_deg is None else math.radians(m.elevation_deg) for m in group])
            s_r = np.array([m.sigma_range_m for m in group], float)
            s_phi = np.radians([m.sigma_azimuth_deg for m in group])
            s_el = np.radians([0.0 if m.sigma_elevation_deg is None else m.sigma_elevation_deg for m in group])
            self._arrays = (rng, phi, el, s_r, s_phi, s_el)
        return self._arrays

    def __call__(self, prediction, detections):
        """Keep the detections that may be inside the Mahalanobis gate.

        The Mahalanobis distance is at least any one component of the innovation
        over its standard deviation, and that deviation is at most the measurement
        sigma plus sqrt(trace P_pos) (both in metres at the predicted range). A
        detection with a range, cross-range or vertical residual beyond 1.5 x gate x
        that bound cannot pass the gate (the factor covers the linearisation), so
        it is skipped.
        """
        if self._scan is None:
            return detections
        site, _, group = self._scan
        index = self._scan_index()
        idx = [index.get(id(d)) for d in detections]
        if any(i is None for i in idx):
            return detections
        mean = np.asarray(prediction.state_vector, dtype=float).ravel()
        d = site.rotation @ (mean[[0, 2, 4]] - site.offset)
        geometry = predicted_geometry(*d.tolist(), np.asarray(prediction.covar, dtype=float))
        if geometry is None:
            return detections
        k = self.k
        if len(idx) == 1:
            # one detection (most scans): the same comparisons on floats, the same IEEE
            # operations as on arrays without their per-call cost
            return [] if far_one(pregate_terms(group[idx[0]]), geometry, k) else detections
        sp, r_pred, phi_pred, el_pred, ground = geometry
        rng, phi, el, s_r, s_phi, s_el = self._scan_arrays()
        ii = np.array(idx)
        far_r = np.abs(rng[ii] - r_pred) > k * (s_r[ii] + sp)
        dphi = np.abs((phi[ii] - phi_pred + math.pi) % (2 * math.pi) - math.pi)
        far_phi = dphi * ground > k * (s_phi[ii] * ground + sp)
        e = el[ii]
        with np.errstate(invalid="ignore"):
            far_el = np.abs(e - el_pred) * r_pred > k * (s_el[ii] * r_pred + sp)
        far_el &= ~np.isnan(e)
        far = far_r | far_phi | far_el
        return [det for det, f in zip(detections, far) if not f]


__all__ = ["PreGatedDistanceHypothesiser", "ScanPreGate", "far_one", "predicted_geometry", "pregate_terms"]
