"""The run folder's CSV text: the fast paths (whole columns, isoformat, the look rows) give
exactly the text of the per-cell formatting they replace (the slow oracles below)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import numpy as np

from foxbat.run_output import _look_rows, _num, _texts, _utc_texts
from foxbat.sim import _iso


def test_utc_texts_are_iso_to_the_character():
    rng = np.random.default_rng(3)
    ts = np.concatenate([rng.uniform(-1e5, 1e6, 5000), np.round(rng.uniform(0, 1e5, 2000), 3),
                         [0.0005, 0.0015, 0.9995, 1e-7, -1e-7, 0.0004999999]])
    epochs = [datetime(1976, 9, 6, 3, 0), datetime(1976, 9, 6, 3, 0, tzinfo=timezone.utc),
              datetime(1953, 9, 21, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=9))),
              datetime(1000, 1, 1, 0, 0, 30)]  # the last reaches year 999 (strftime's text there)
    for ep in epochs:
        assert _utc_texts(ep, ts) == [_iso(ep, t) for t in ts]
        assert _utc_texts(ep, ts.tolist()[:50]) == [_iso(ep, t) for t in ts[:50]]


def test_column_texts_are_the_cells_texts():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(3000) * 10.0 ** rng.uniform(-30, 30, 3000)
    x[::97] = np.nan
    x[1::101] = np.inf
    x[2::103] = -np.inf
    x[3::107] = -0.0
    for col in (x, x.astype(np.float32), x.tolist(), [np.float64(v) for v in x[:200]] + x[:200].tolist(),
                [1, True, None, "a,b", np.int64(7), np.bool_(False), 2.5, np.float32(0.1)],
                np.arange(5), np.array([True, False])):
        assert _texts(col) == [_num(v) for v in col]


def _oracle(res):
    """looks.csv's and detections.csv's rows as write_run_folder built them before (per cell)."""
    d = res.scenario.defenders
    det_rows, look_rows = [], []
    for lk in res.looks:
        f_db = lk.f_db if lk.f_db is not None else np.full(lk.t_s.shape, np.nan)
        pat = lk.pattern_db if lk.pattern_db is not None else np.full(lk.t_s.shape, np.nan)
        for i in range(lk.t_s.size):
            look_rows.append([lk.t_s[i], lk.side, lk.radar, lk.target, bool(lk.visible[i]),
                              lk.snr_db[i] if np.isfinite(lk.snr_db[i]) else None, lk.pd[i], bool(lk.detected[i]),
                              f_db[i], pat[i]])
            if lk.detected[i]:
                det_rows.append([lk.t_s[i], _iso(res.epoch, lk.t_s[i]), lk.side, lk.radar, lk.target, lk.range_m[i],
                                 lk.azimuth_deg[i], lk.elevation_deg[i], lk.snr_db[i], lk.pd[i], lk.lat[i], lk.lon[i],
                                 lk.alt_msl_m[i], False, f_db[i], pat[i]])
    for (t, side, radar_name, fa_lat, fa_lon) in res.false_alarms:
        det_rows.append([t, _iso(res.epoch, t), side, radar_name, None, None, None, None, None, None, fa_lat, fa_lon,
                         None, True, None, None])
    for f in res.interceptors:
        radar = f"{f.id} radar"
        for (t, vis, snr, pd, hit, *path) in f.looks:
            f_db, pat = path if path else (None, None)
            look_rows.append([t, f.side, radar, d.intruder.id, vis, snr if math.isfinite(snr) else None, pd, hit,
                              f_db, pat])
    look_rows.sort(key=lambda r: (r[0], r[2]))
    det_rows.sort(key=lambda r: (r[0], r[3]))
    text = lambda rows: [[_num(v) for v in r] for r in rows]  # noqa: E731
    return text(look_rows), text(det_rows)


def _series(rng, radar, side, n, with_path):
    t = np.round(np.sort(rng.uniform(0, 600, n)), 1)
    t[1::7] = t[::7][: t[1::7].size]  # equal times: the radar name then the order given decide
    snr = rng.normal(5, 10, n)
    snr[::11] = -np.inf
    snr[1::13] = np.nan
    f = rng.normal(0, 3, n) if with_path else None
    return SimpleNamespace(t_s=t, side=side, radar=radar, target="MiG-25P", visible=rng.random(n) < 0.8,
                           snr_db=snr, pd=rng.random(n), detected=rng.random(n) < 0.4, f_db=f,
                           pattern_db=f - 1.0 if with_path else None, range_m=rng.uniform(1e4, 3e5, n),
                           azimuth_deg=rng.uniform(0, 360, n), elevation_deg=rng.uniform(-1, 5, n),
                           lat=rng.uniform(40, 45, n), lon=rng.uniform(130, 145, n), alt_msl_m=rng.uniform(0, 2e4, n))


def test_look_rows_are_the_per_cell_rows_in_the_same_order():
    rng = np.random.default_rng(5)
    looks = [_series(rng, "Okushiri", "Japan", 300, True), _series(rng, "Abashiri", "Japan", 200, False),
             _series(rng, "Nakhodka", "USSR", 250, True)]
    looks[2].t_s[:50] = looks[0].t_s[:50]  # the same times at two radars
    interceptor = SimpleNamespace(id="F-4EJ 1", side="Japan", looks=[
        (float(t), bool(rng.random() < 0.5), float(rng.normal(3, 9)) if i % 5 else -math.inf, float(rng.random()),
         bool(rng.random() < 0.3), *((float(rng.normal()), float(rng.normal())) if i % 2 else ()))
        for i, t in enumerate(looks[0].t_s[:80])])
    res = SimpleNamespace(looks=looks, interceptors=[interceptor],
                          false_alarms=[(float(looks[1].t_s[3]), "Japan", "Abashiri", 42.1, 143.2),
                                        (12.5, "USSR", "Nakhodka", 43.0, 133.0)],
                          epoch=datetime(1976, 9, 6, 3, 0, tzinfo=timezone.utc),
                          scenario=SimpleNamespace(defenders=SimpleNamespace(intruder=SimpleNamespace(id="MiG-25P"))))
    looks_txt, dets_txt = _look_rows(res)
    want_looks, want_dets = _oracle(res)
    assert [list(r) for r in looks_txt] == want_looks and len(want_looks) == 830
    assert [list(r) for r in dets_txt] == want_dets and len(want_dets) > 250
