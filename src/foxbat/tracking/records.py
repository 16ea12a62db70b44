"""A side's confirmed tracks, from the tracker's filter history to :class:`TrackRecord` objects.

Honest heights. A 2-D search radar measures no elevation: a track that no detection with
a measured elevation (a 3-D radar or a height finder) has yet joined reports its altitude,
vertical speed and altitude sigma as unknown (None), never the filter's prior. A known
altitude is reported between the surface under the track (the terrain, or the sea
surface where the terrain lies below it) and :data:`MAX_TRACK_ALT_MSL_M`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from foxbat.tracking.frames import LocalFrame
from foxbat.tracking.results import TrackRecord, TrackState
from foxbat.tracking.state import POS, VEL

#: No track reports an altitude above this (m MSL): above any air-breathing aircraft's ceiling.
MAX_TRACK_ALT_MSL_M = 30_000.0


def surface_floor_m(ground_msl_m: Callable | None, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """The lowest altitude a track may report (m MSL): the terrain from ``ground_msl_m(lat, lon)``
    (NaN where unknown), or the sea surface (0 m) where that is lower or unknown."""
    if ground_msl_m is None:
        return np.zeros(np.shape(lat_deg))
    z = np.asarray(ground_msl_m(lat_deg, lon_deg), dtype=float)
    return np.maximum(np.nan_to_num(z, nan=0.0), 0.0)


def track_records(
    side: str, frame: LocalFrame, tracks: list, ground_msl_m: Callable | None = None
) -> list[TrackRecord]:
    """The confirmed ``tracks`` (the tracker's internal ones, finished and held) as
    :class:`TrackRecord` objects, sorted by confirmation time, every state in geodetic
    coordinates and local ENU velocities and sigmas. ``ground_msl_m(lat_deg, lon_deg)``
    gives the terrain (m MSL, arrays in and out) that a known altitude is kept above; the
    altitude of a track seen only by 2-D radars is None (see the module docstring)."""
    tracks = sorted(tracks, key=lambda t: (t.confirmed_t_s, t.track_id))
    if not tracks:
        return []
    # convert every state of every track to geodetic in one go
    means = np.array([h[1] for t in tracks for h in t.history])
    covs = np.array([h[2] for t in tracks for h in t.history])
    pos = means[:, list(POS)]
    vel = means[:, list(VEL)]
    lat, lon, alt = frame.to_geodetic(pos[:, 0], pos[:, 1], pos[:, 2])
    lat, lon, alt = np.atleast_1d(lat), np.atleast_1d(lon), np.atleast_1d(alt)
    rot = frame.rotation_to_local(lat, lon)  # (k, 3, 3)
    if rot.ndim == 2:
        rot = rot[None]
    vloc = np.einsum("kij,kj->ki", rot, vel)
    pcov = covs[:, list(POS)][:, :, list(POS)]
    ploc = rot @ pcov @ np.transpose(rot, (0, 2, 1))
    horiz = ploc[:, :2, :2]
    tr_ = horiz[:, 0, 0] + horiz[:, 1, 1]
    det_ = horiz[:, 0, 0] * horiz[:, 1, 1] - horiz[:, 0, 1] ** 2
    lam_max = tr_ / 2 + np.sqrt(np.maximum(tr_ * tr_ / 4 - det_, 0.0))
    sig_h = np.sqrt(np.maximum(lam_max, 0.0))
    sig_a = np.sqrt(np.maximum(ploc[:, 2, 2], 0.0))
    alt = np.clip(alt, surface_floor_m(ground_msl_m, lat, lon), MAX_TRACK_ALT_MSL_M)

    out: list[TrackRecord] = []
    k = 0
    for t in tracks:
        states = []
        for t_s, _, _, confirmed, radar, height_known in t.history:
            states.append(
                TrackState(
                    t_s=float(t_s),
                    lat_deg=float(lat[k]),
                    lon_deg=float(lon[k]),
                    alt_msl_m=float(alt[k]) if height_known else None,
                    vel_east_mps=float(vloc[k, 0]),
                    vel_north_mps=float(vloc[k, 1]),
                    vel_up_mps=float(vloc[k, 2]) if height_known else None,
                    sigma_horiz_m=float(sig_h[k]),
                    sigma_alt_m=float(sig_a[k]) if height_known else None,
                    confirmed=bool(confirmed),
                    radar=radar,
                )
            )
            k += 1
        counts = sorted(t.labels.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
        out.append(
            TrackRecord(
                track_id=t.track_id,
                side=side,
                target=counts[0][0] if counts else None,
                initiated_t_s=float(t.first_t_s),
                confirmed_t_s=float(t.confirmed_t_s),
                last_detection_t_s=float(t.last_det_t_s),
                lost_t_s=None if t.lost_t_s is None else float(t.lost_t_s),
                n_detections=len(t.history),
                radars=tuple(sorted(t.radars)),
                target_counts=tuple(counts),
                states=tuple(states),
            )
        )
    return out


__all__ = ["MAX_TRACK_ALT_MSL_M", "surface_floor_m", "track_records"]
