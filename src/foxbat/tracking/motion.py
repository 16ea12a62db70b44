"""The tracker's motion model: nearly-constant velocity in 3-D, F and Q memoised."""

from __future__ import annotations

from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel,
    ConstantVelocity,
)


class _MemoisedCombinedTransitionModel(CombinedLinearGaussianTransitionModel):
    """Stone Soup's combined linear-Gaussian transition model, with F and Q memoised
    per time interval (radar scans repeat the same few intervals; building them
    with ``block_diag`` at every prediction was half the run time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo: dict = {}

    def _memoised(self, kind: str, compute, time_interval):
        key = (kind, time_interval)
        value = self._memo.get(key)
        if value is None:
            if len(self._memo) > 512:
                self._memo.clear()
            value = compute()
            value.flags.writeable = False
            self._memo[key] = value
        return value

    def matrix(self, time_interval=None, **kwargs):
        return self._memoised("F", lambda: super(_MemoisedCombinedTransitionModel, self).matrix(
            time_interval=time_interval), time_interval)

    def covar(self, time_interval=None, **kwargs):
        return self._memoised("Q", lambda: super(_MemoisedCombinedTransitionModel, self).covar(
            time_interval=time_interval), time_interval)


def constant_velocity_3d(q_horizontal_m2_s3: float, q_vertical_m2_s3: float) -> CombinedLinearGaussianTransitionModel:
    """Nearly-constant velocity in east, north (``q_horizontal_m2_s3``) and up
    (``q_vertical_m2_s3``), for the state ``[e, ve, n, vn, u, vu]``."""
    return _MemoisedCombinedTransitionModel(
        [
            ConstantVelocity(q_horizontal_m2_s3),
            ConstantVelocity(q_horizontal_m2_s3),
            ConstantVelocity(q_vertical_m2_s3),
        ]
    )


__all__ = ["constant_velocity_3d"]
