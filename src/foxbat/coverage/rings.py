"""ADS-B receiver range rings: the ``upintheair.json`` file that tar1090 and dump1090-fa draw.

tar1090 (``drawUpintheair`` in ``html/script.js`` of github.com/wiedehopf/tar1090) reads
``{"rings": [{"alt": ..., "points": [[lat, lon], ...]}, ...]}``: one ring per altitude,
``alt`` in metres (its comment: "NB: altitudes are in _meters_"; it colours a ring as
``3.28084 * alt`` feet), each point ``[lat, lon]`` in decimal degrees, the ring closed by
the reader (the first point is not repeated). Other keys are ignored by it; this file adds
``alt_ref``, ``lat``/``lon`` of the receiver, ``k`` and ``refraction`` (the refraction
coefficient 1 - 1/k: 0.25 for k = 4/3, the value tar1090's ``getupintheair.sh`` passes to
HeyWhatsThat).

A ring is the outermost visible point per bearing: along each of ``n`` geodesics from the
receiver, the farthest sample whose coverage cell sees a target at that altitude
(:meth:`foxbat.coverage.Coverage.covered`, the same mask as the GeoJSON polygons). It is
the terrain-limited counterpart of tar1090's own measured outline (the farthest position
received per bearing): visible patches beyond a shadow count, a shadow inside the ring is
not drawn. A bearing with nothing visible gets the receiver's own position.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from foxbat.atomic import write_text
from foxbat.coverage.polygons import _check_alts, _check_ref, _nominal_cell_m
from foxbat.errors import ParameterError

#: fewest and most bearings of a ring; between, one per cell of arc at the range limit
MIN_BEARINGS = 360
MAX_BEARINGS = 3600
#: decimal places of the written degrees (1e-6 deg is about 0.1 m)
COORD_DECIMALS = 6
#: bearings traced together (bounds the memory of the sample arrays)
_BEARING_CHUNK = 64


def check_ring_alts(alts_m: Sequence[float]) -> list[float]:
    """The ring altitudes (m) as floats; ParameterError naming --alts for one <= 0."""
    alts = _check_alts(alts_m)
    for a in alts:
        if a <= 0:
            raise ParameterError(f"ring altitudes must be > 0 m, got {a:g}", where="--alts")
    return alts


def ring_bearings(max_range_m: float, cell_m: float) -> int:
    """How many bearings a ring has: one per cell of arc at the range limit, within
    MIN_BEARINGS..MAX_BEARINGS."""
    n = math.ceil(2 * math.pi * max_range_m / max(cell_m, 1.0))
    return int(min(MAX_BEARINGS, max(MIN_BEARINGS, n)))


def ring_ranges_m(cov, alts_m: Sequence[float], ref: str = "msl", n_bearings: int | None = None,
                  step_m: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outermost visible distance per bearing, per altitude, for the single site of ``cov``.

    Returns (bearing_deg, range_m, at_limit): n bearings clockwise from true north starting
    at 0; range_m (len(alts_m), n), the geodesic distance (m) of the farthest sample along
    each bearing whose cell is covered at that altitude (0 where none is); at_limit, True
    where that sample is within one step of the site's instrumented range (the ring is cut
    by --max-range-km there, not by the horizon). Samples every ``step_m`` (default half a
    DEM cell) out to the site's ``max_range_m``; the sample positions are computed once for
    all altitudes.
    """
    from foxbat.geo import wgs84_geod

    if len(cov.sites) != 1:
        raise ParameterError(f"range rings are drawn around one receiver; got {len(cov.sites)} sites",
                             where="--rings-json")
    site = cov.sites[0]
    dem = cov.dem
    ref = _check_ref(ref)
    masks = [np.asarray(cov.covered(float(a), ref), dtype=bool) for a in alts_m]
    cell_m = _nominal_cell_m(dem)
    step = float(step_m) if step_m is not None else cell_m / 2
    n = int(n_bearings) if n_bearings is not None else ring_bearings(site.max_range_m, cell_m)
    dist = np.arange(1, int(site.max_range_m // step) + 1) * step
    bearings = np.arange(n) * (360.0 / n)
    rng = np.zeros((len(masks), n))
    geod = wgs84_geod()
    nr, nc = dem.shape
    for b0 in range(0, n, _BEARING_CHUNK):
        az = bearings[b0:b0 + _BEARING_CHUNK]
        az2, d2 = np.meshgrid(az, dist, indexing="ij")
        lon, lat, _ = geod.fwd(np.full(az2.shape, site.lon_deg), np.full(az2.shape, site.lat_deg), az2, d2)
        row, col = dem.rowcol_float(lat, lon)
        r = np.rint(row).astype(np.int64)
        c = np.rint(col).astype(np.int64)
        inside = (r >= 0) & (r < nr) & (c >= 0) & (c < nc)
        r_in, c_in = r[inside], c[inside]
        for i, mask in enumerate(masks):
            seen = np.zeros(az2.shape, bool)
            seen[inside] = mask[r_in, c_in]
            last = seen.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)  # farthest True
            rng[i, b0:b0 + len(az)] = np.where(seen.any(axis=1), dist[last], 0.0)
    at_limit = rng > site.max_range_m - step
    return bearings, rng, at_limit


def upintheair(cov, alts_m: Sequence[float], ref: str = "msl", n_bearings: int | None = None) -> dict:
    """The ``upintheair.json`` object (see the module docstring) for each altitude, in the
    order given. Also returns, under the private key ``_at_limit``, the number of bearings
    per ring cut by the range limit (removed before writing)."""
    ref = _check_ref(ref)
    alts = check_ring_alts(alts_m)
    if len(cov.sites) != 1:
        raise ParameterError(f"range rings are drawn around one receiver; got {len(cov.sites)} sites",
                             where="--rings-json")
    from foxbat.geo import wgs84_geod

    geod = wgs84_geod()
    site = cov.sites[0]
    az, ranges, at_limit = ring_ranges_m(cov, alts, ref, n_bearings)
    rings, cut = [], []
    for alt, rng, lim in zip(alts, ranges, at_limit):
        lon, lat, _ = geod.fwd(np.full(az.shape, site.lon_deg), np.full(az.shape, site.lat_deg), az, rng)
        pts = np.round(np.column_stack([lat, lon]), COORD_DECIMALS)
        rings.append({"alt": float(alt), "alt_ref": ref, "points": pts.tolist()})
        cut.append(int(lim.sum()))
    k = float(cov.k)
    return {"lat": round(site.lat_deg, COORD_DECIMALS), "lon": round(site.lon_deg, COORD_DECIMALS),
            "k": k, "refraction": round(1.0 - 1.0 / k, 6), "rings": rings, "_at_limit": cut}


def write_upintheair(obj: dict, path: str | os.PathLike) -> Path:
    """Write the rings object to ``path`` atomically (without its private keys)."""
    path = Path(path)
    data = {k: v for k, v in obj.items() if not k.startswith("_")}
    write_text(path, json.dumps(data, separators=(",", ":"), allow_nan=False) + "\n")
    return path
