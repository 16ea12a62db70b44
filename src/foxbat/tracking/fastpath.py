"""One track against one scan's detections, without Stone Soup's per-call object layers.

Most scans of a run offer their detections to a single track (the flagship: about 600
of 610 detection scans). For those, global-nearest-neighbour association reduces to "the
nearest detection inside the gate", and the filter step is Stone Soup's
``KalmanPredictor.predict``, ``ExtendedKalmanUpdater.predict_measurement``,
``Mahalanobis`` and ``ExtendedKalmanUpdater.update``. :class:`SingleTrackEkf` performs
those same operations, on the same arrays, in the same order (so with bit-identical
results), and only skips the objects Stone Soup builds around them (predictions,
measurement predictions, hypotheses, the assignment matrix), which cost about three
quarters of the tracker's time. It still calls Stone Soup's transition model (F, Q),
the radars' Stone Soup measurement models (h, Jacobian, R) and Stone Soup's
``Mahalanobis`` measure; only the few matrix lines of the predictor and updater are
restated here.

One shortcut is not a restatement: when a scan offers the track a single detection,
the gate is first decided from the update's own S⁻¹ (``np.linalg.inv``, as the update
computes it) instead of Stone Soup's ``pinv``: a detection with dᵀS⁻¹d at most
``SURE_INSIDE`` of the gate squared is inside by either inverse (on the flagship's
6,355 scorings, with false alarms, the two differ by at most 2e-9 of d², six orders
below that margin); any other detection is scored by Stone Soup's ``Mahalanobis``.
Only the decision is taken from it; the distance is no output. That lone detection's
z - h(x) is taken on floats (:func:`plain_innovation`: Stone Soup's angle arithmetic, its
``mod_angle`` functions on the same values) rather than on Stone Soup's object arrays of
angles, which are built only where a distance or the update asks for h(x).

A scan of one detection offered to a lone track (nearly all of them) goes through
:meth:`SingleTrackEkf.associate_one`, the same steps fused: the predicted position's
offset in the radar's frame is computed once and read by the pre-gate, the Jacobian and
h(x) (each computed the same product before), the model's arrays are taken once per model
(:class:`foxbat.tracking.sites.ModelParts`), the detection's values are read as floats
(:meth:`foxbat.tracking.sites.ScanDetection.measured`), and no Stone Soup detection,
state vector or prediction object is made unless Stone Soup's ``Mahalanobis`` is to
decide the gate.

The tracker keeps the plain Stone Soup path (``SideTracker(..., fast=False)``) for
comparison: ``tests/test_tracking_fastpath.py`` checks that both give identical results
on the flagship's measurements, with and without false alarms. Anything this class does
not restate exactly (the unscented filter, a Joseph-form or symmetrised covariance,
several tracks competing for detections) goes through Stone Soup.
"""

from __future__ import annotations

import numpy as np
from stonesoup.types.angle import Angle
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.track import Track
from stonesoup.types.update import GaussianStateUpdate

from foxbat.tracking.gating import ScanPreGate, far_one, predicted_geometry, pregate_terms
from foxbat.tracking.models import _place_jacobian


#: Fraction of the gate² under which dᵀS⁻¹d (by ``inv``) is inside by Stone Soup's ``pinv`` too.
SURE_INSIDE = 0.999


class LatestStateTrack(Track):
    """A Stone Soup track that keeps only its latest state: all that the predictor,
    hypothesiser and deleter read. The detections carry no metadata, so none is
    gathered (the track's metadata stays its empty initial one)."""

    def append(self, value):
        self.states[:] = [value]


class Predicted:
    """A predicted state, or a predicted measurement: what the pre-gate and Stone Soup's
    ``Mahalanobis`` read from one (``state_vector``/``mean``, ``covar``)."""

    __slots__ = ("state_vector", "covar", "mean", "cross_covar", "__weakref__")

    def __init__(self, state_vector, covar, cross_covar=None):
        self.state_vector = state_vector
        self.mean = state_vector
        self.covar = covar
        self.cross_covar = cross_covar


class MeasurementPrediction:
    """A predicted measurement (S, P Hᵀ) whose h(x), Stone Soup's typed vector of angles
    (``model.function``), is computed only when read: the gate of a scan's lone detection
    takes z - h(x) from :func:`plain_innovation` instead."""

    __slots__ = ("_pred", "_model", "_sv", "covar", "cross_covar", "__weakref__")

    def __init__(self, pred: Predicted, model, covar, cross_covar):
        self._pred = pred
        self._model = model
        self._sv = None
        self.covar = covar
        self.cross_covar = cross_covar

    @property
    def state_vector(self):
        if self._sv is None:
            self._sv = StateVector(self._model.function(self._pred))
        return self._sv

    mean = state_vector


_TYPED: dict = {}  # measurement model class -> its _typed_vector() elements


def plain_innovation(det, mp: MeasurementPrediction) -> np.ndarray | None:
    """z - h(x) (n, 1) with the bits of ``SingleTrackEkf.innovation(det, mp)``, restated on
    floats: Stone Soup's h(x) is its typed vector plus the model's values (an angle element
    t + v is ``type(t)(t._value + v)``, its ``mod_angle``), and an angle minus an angle is
    ``mod_angle`` of their values' difference; the same functions on the same floats.
    None for a model without plain values (``_values``) or with other element types."""
    model = mp._model
    values_fn = getattr(model, "_values", None)
    if values_fn is None:
        return None
    values = (values_fn(mp._pred) + 0).ravel().tolist()  # as numpy casts them into the object add
    typed = _TYPED.get(type(model))
    if typed is None:  # a constant of the model's class (e.g. [Bearing(0), 0.0])
        typed = _TYPED[type(model)] = model._typed_vector().ravel().tolist()
    measured = np.asarray(det.state_vector).ravel().tolist()
    if not (len(values) == len(typed) == len(measured)):
        return None
    out = []
    for t, v, d in zip(typed, values, measured):
        if isinstance(t, Angle):
            if type(d) is not type(t):
                return None
            out.append(float(t.mod_angle(d._value - t.mod_angle(t._value + v))))
        elif type(t) is float and type(d) is float:
            out.append(d - (t + v))
        else:
            return None
    return np.array(out, dtype=np.float64).reshape(len(out), 1)


def innovation_of(typed: tuple, values: list, measured: tuple) -> np.ndarray:
    """z - h(x) (n, 1) as :func:`plain_innovation` computes it, from h(x)'s typed elements
    (``ModelParts.typed``: (mod_angle, value) of an angle, (None, value) of a float), the
    model's plain ``values`` (after ``+ 0``) and the detection's ``measured`` floats (an
    angle's ``_value``)."""
    out = []
    for (mod, t), v, z in zip(typed, values, measured):
        out.append(float(mod(z - mod(t + v))) if mod is not None else z - (t + v))
    return np.array(out, dtype=np.float64).reshape(len(out), 1)


class _Innovated:
    """The measurement prediction of a hypothesis decided by SURE_INSIDE: S and P Hᵀ, all
    that :meth:`SingleTrackEkf.update_state` reads of it."""

    __slots__ = ("covar", "cross_covar")

    def __init__(self, covar, cross_covar):
        self.covar = covar
        self.cross_covar = cross_covar


class FastHypothesis:
    """The association of one detection to a track (always a hit)."""

    __slots__ = ("prediction", "measurement", "measurement_prediction", "distance", "innovation", "s_inv")

    def __init__(self, prediction: Predicted, measurement, measurement_prediction: Predicted, distance,
                 innovation=None, s_inv=None):
        self.prediction = prediction
        self.measurement = measurement
        self.measurement_prediction = measurement_prediction
        self.distance = distance  # None when the gate was decided by SURE_INSIDE
        self.innovation = innovation  # z - h(x) and S⁻¹ as the update computes them, if already known
        self.s_inv = s_inv

    def __bool__(self) -> bool:
        return True


class SingleTrackEkf:
    """Stone Soup's Kalman prediction, EKF measurement prediction, Mahalanobis gate and
    EKF update of one track, restated line for line (see the module docstring)."""

    def __init__(self, predictor, updater, measure, gate: float, prefilter=None):
        self.transition = predictor.transition_model
        ctrl = predictor.control_model
        # KalmanPredictor adds the control model's effect, B u and B N B^T: zeros with no
        # control, but added all the same (x + 0 turns -0.0 into 0.0)
        self._ctrl_x = np.asarray(ctrl.function(None), dtype=float)
        b = np.asarray(ctrl.matrix(), dtype=float)
        self._ctrl_p = b @ np.asarray(ctrl.covar(), dtype=float) @ b.T
        self._fq: dict = {}  # time interval -> (F, Fᵀ, Q) as float arrays
        self.measure = measure
        self.gate = gate
        self.prefilter = prefilter

    @staticmethod
    def applies(predictor, updater) -> bool:
        """Whether this class restates ``predictor`` and ``updater`` exactly."""
        from stonesoup.models.control.linear import LinearControlModel
        from stonesoup.models.base import LinearModel
        from stonesoup.predictor.kalman import KalmanPredictor
        from stonesoup.updater.kalman import ExtendedKalmanUpdater

        return (
            type(predictor) is KalmanPredictor
            and isinstance(predictor.transition_model, LinearModel)  # F and Q by the interval alone
            and type(predictor.control_model) is LinearControlModel
            and type(updater) is ExtendedKalmanUpdater
            and not updater.use_joseph_cov
            and not updater.force_symmetric_covariance
            and not updater.force_positive_definite_covariance
        )

    def predict(self, prior, timestamp) -> Predicted:
        """``KalmanPredictor.predict(prior, timestamp)``: x = F x + B u, P = F P Fᵀ + Q + B N Bᵀ."""
        return self.predict_state(prior.state_vector, prior.covar, timestamp - prior.timestamp)

    def predict_state(self, mean, covar, dt) -> Predicted:
        """:meth:`predict` of the state ``mean`` (6, 1), ``covar`` over the interval ``dt`` (a timedelta)."""
        x, p = self._predict_arrays(mean, covar, dt)
        return Predicted(x.view(StateVector), p.view(CovarianceMatrix))

    def _predict_arrays(self, mean, covar, dt) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_state`'s x (6, 1) and P (6, 6) as plain float arrays."""
        fq = self._fq.get(dt)
        if fq is None:  # F, Fᵀ and Q of a linear model depend on the interval alone
            f = np.asarray(self.transition.matrix(time_interval=dt), dtype=np.float64)
            fq = (f, f.T, np.asarray(self.transition.covar(time_interval=dt), dtype=np.float64))
            if len(self._fq) > 512:
                self._fq.clear()
            self._fq[dt] = fq
        fa, fa_t, q = fq
        x = fa @ np.asarray(mean, dtype=np.float64) + self._ctrl_x
        p = fa @ np.asarray(covar, dtype=np.float64) @ fa_t + q + self._ctrl_p
        return x, p

    @staticmethod
    def predict_measurement(pred: Predicted, model) -> Predicted:
        """``ExtendedKalmanUpdater.predict_measurement``: h(x), S = H P Hᵀ + R, P Hᵀ."""
        z = model.function(pred)
        h = np.asarray(model.jacobian(pred), dtype=np.float64)
        cross = np.asarray(pred.covar, dtype=np.float64) @ h.T
        s = h @ cross
        s += np.asarray(model.covar(), dtype=np.float64)
        return Predicted(StateVector(z), s.view(CovarianceMatrix), cross)

    @staticmethod
    def _predict_measurement(pred: Predicted, model) -> MeasurementPrediction:
        """:meth:`predict_measurement` with h(x) computed only when read."""
        h = np.asarray(model.jacobian(pred), dtype=np.float64)
        cross = np.asarray(pred.covar, dtype=np.float64) @ h.T
        s = h @ cross
        s += np.asarray(model.covar(), dtype=np.float64)
        return MeasurementPrediction(pred, model, s.view(CovarianceMatrix), cross)

    @staticmethod
    def innovation(det, mp: Predicted) -> np.ndarray:
        """z - h(x) (3, 1) or (2, 1), taken on Stone Soup's angle types (bearings wrap at ±pi)."""
        return np.asarray(det.state_vector - mp.state_vector, dtype=np.float64)

    def associate_state(self, mean, covar, prior_timestamp, detections: list, timestamp) -> FastHypothesis | None:
        """The detection a lone track with the prior state ``mean`` (6, 1), ``covar`` at
        ``prior_timestamp`` (plain arrays: no Stone Soup state needed) takes from
        ``detections`` (GNN with one track: the nearest inside the gate), or None. Raises
        LookupError on an exact tie between the nearest two, which the caller leaves to
        Stone Soup's assignment."""
        pred = self.predict_state(mean, covar, timestamp - prior_timestamp)
        if self.prefilter is not None and detections:
            detections = self.prefilter(pred, detections)
        best: FastHypothesis | None = None
        for det in detections:
            if det.timestamp != timestamp:
                raise LookupError("detection time differs from the scan time")
            mp = self._predict_measurement(pred, det.measurement_model)
            if len(detections) == 1:  # surely inside? (see the module docstring)
                innov = plain_innovation(det, mp)
                if innov is None:
                    innov = self.innovation(det, mp)
                try:
                    s_inv = np.linalg.inv(np.asarray(mp.covar, dtype=np.float64))
                except np.linalg.LinAlgError:
                    s_inv = None
                if s_inv is not None and (innov.T @ s_inv @ innov).item() <= SURE_INSIDE * self.gate**2:
                    return FastHypothesis(pred, det, mp, None, innov, s_inv)
            d = self.measure(mp, det)
            if d < self.gate:
                if best is not None and d == best.distance:
                    raise LookupError("tie")
                if best is None or d < best.distance:
                    best = FastHypothesis(pred, det, mp, d)
        return best

    def associate_one(self, mean, covar, prior_timestamp, det) -> FastHypothesis | None:
        """:meth:`associate_state` of a scan of the one detection ``det`` (a
        :class:`~foxbat.tracking.sites.ScanDetection`) for the prior state ``mean`` (6, 1),
        ``covar`` at ``prior_timestamp``: the same steps and bits, fused (see the module
        docstring); the pre-gate is :class:`~foxbat.tracking.gating.ScanPreGate`'s decision
        for a lone detection of its scan. None: not associated."""
        parts = det.parts
        if parts.typed is None or not (self.prefilter is None or type(self.prefilter) is ScanPreGate):
            return self.associate_state(mean, covar, prior_timestamp, [det], det.timestamp)
        x, p = self._predict_arrays(mean, covar, det.timestamp - prior_timestamp)
        # the predicted position in the radar's frame: models._relative_position and the
        # rotation, as the pre-gate, the Jacobian and h(x) each took it
        d = parts.rotation @ (x[parts.rows] - parts.offset)
        d3 = d.ravel().tolist()
        if self.prefilter is not None:
            geometry = predicted_geometry(*d3, p)
            if geometry is not None and far_one(pregate_terms(det.measurement), geometry, self.prefilter.k):
                return None
        # _predict_measurement: S = H P Hᵀ + R, P Hᵀ
        h = _place_jacobian(parts.jacobian_of_offset(d3, parts.rotation), parts.rows, parts.ndim_state)
        cross = p @ h.T
        s = h @ cross
        s += parts.covar
        # the gate of a lone detection: surely inside? (see the module docstring)
        values = parts.floats_of_offset(d, d3)  # (h(x) + 0) as floats
        measured = det.measured()
        if len(values) == len(parts.typed) == len(measured):
            innov = innovation_of(parts.typed, values, measured)
            try:
                s_inv = np.linalg.inv(s)
            except np.linalg.LinAlgError:
                s_inv = None
            if s_inv is not None and (innov.T @ s_inv @ innov).item() <= SURE_INSIDE * self.gate**2:
                return FastHypothesis(Predicted(x, p), det, _Innovated(s, cross), None, innov, s_inv)
        # Stone Soup's Mahalanobis decides, on Stone Soup's types (associate_state's objects)
        pred = Predicted(x.view(StateVector), p.view(CovarianceMatrix))
        mp = MeasurementPrediction(pred, parts.model, s.view(CovarianceMatrix), cross)
        dist = self.measure(mp, det)
        return FastHypothesis(pred, det, mp, dist) if dist < self.gate else None

    @staticmethod
    def update_state(hyp: FastHypothesis) -> tuple[np.ndarray, np.ndarray]:
        """``ExtendedKalmanUpdater.update``'s mean (6, 1) and covariance as plain arrays:
        K = P Hᵀ S⁻¹, P' = P - K S Kᵀ, x' = x + K (z - h(x))."""
        mp = hyp.measurement_prediction
        s = np.asarray(mp.covar, dtype=np.float64)
        k = mp.cross_covar @ (np.linalg.inv(s) if hyp.s_inv is None else hyp.s_inv)
        cov = np.asarray(hyp.prediction.covar, dtype=np.float64) - k @ s @ k.T
        innov = SingleTrackEkf.innovation(hyp.measurement, mp) if hyp.innovation is None else hyp.innovation
        mean = np.asarray(hyp.prediction.state_vector, dtype=np.float64) + k @ innov
        return mean, cov

    @staticmethod
    def update(hyp: FastHypothesis) -> GaussianStateUpdate:
        """``ExtendedKalmanUpdater.update`` (:meth:`update_state`) as a Stone Soup update at
        the detection's time (its hypothesis holds the detection, which is all that Stone
        Soup's ``UpdateTimeDeleter`` asks of it)."""
        mean, cov = SingleTrackEkf.update_state(hyp)
        return GaussianStateUpdate(
            StateVector(mean),
            CovarianceMatrix(cov),
            hypothesis=SingleHypothesis(None, hyp.measurement),
            timestamp=hyp.measurement.timestamp,
        )


__all__ = ["FastHypothesis", "LatestStateTrack", "MeasurementPrediction", "Predicted", "SingleTrackEkf",
           "innovation_of", "plain_innovation"]
