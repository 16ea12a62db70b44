"""The HTML replay: one self-contained file that plays a run back on a map, offline.

>>> from foxbat.report.run_folder import read_run
>>> from foxbat.report.replay import write_replay_html
>>> write_replay_html(read_run("runs/belenko"), "runs/belenko/replay.html")  # doctest: +SKIP

The file makes no network request of any kind: the background (terrain, coastline and
each side's coverage at the run's low-level height, drawn by matplotlib) is a base64 PNG
data URI, the run's data is JSON in a ``<script type="application/json">`` tag, and a
small script draws everything on a ``<canvas>``. The background is a regular lon/lat
grid, so a point projects linearly from its bounds.

Stable hooks for tests and embedding: ``#slider``, ``#play``, ``#speed``, ``#clock``,
``#events``, ``#map`` (the canvas) and ``window.foxbatReplay`` with ``seek(t_s)``,
``play()``, ``pause()`` and ``state()`` (current ``t_s``, ``playing`` and each aircraft's
drawn canvas ``x``, ``y``).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from pathlib import Path

import numpy as np

from foxbat.report.coverage_map import _COAST_COLOUR
from foxbat.report.run_folder import RunData
from foxbat.report.run_map import basemap, composite, side_clock
from foxbat.report.timeline import _short

#: Most samples per aircraft kept in the replay (longer trajectories are thinned evenly).
MAX_SAMPLES = 5000


def _thin(n: int, most: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    idx = np.unique(np.round(np.linspace(0, n - 1, most)).astype(int))
    return idx


def _r(a, nd):
    return [None if not math.isfinite(v) else round(float(v), nd) for v in np.asarray(a, float)]


def _background_png(run: RunData, bounds, width_px: int) -> tuple[bytes, dict]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from foxbat.atomic import figure_png

    bm = basemap(run, bounds, width_px=width_px)
    img = composite(bm, [(s.name, s.color) for s in run.sides])
    ny, nx = img.shape[:2]
    dpi = 100
    fig = Figure(figsize=(nx / dpi, ny / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    w, e, s, n = bm.extent
    ax.imshow(img, extent=bm.extent, origin="upper", interpolation="bilinear", aspect="auto")
    xs, ys = bm.lon_lat_axes()
    if bm.coast_level is not None:
        ax.contour(xs, ys, np.nan_to_num(bm.height_m, nan=0.0), levels=[bm.coast_level], colors=_COAST_COLOUR,
                   linewidths=0.8)
    for side in run.sides:
        frac = bm.coverage.get(side.name)
        if frac is not None and frac.max() >= 0.5 and frac.min() < 0.5:
            ax.contour(xs, ys, frac, levels=[0.5], colors=[side.color], linewidths=1.0, alpha=0.8)
    # graticule every whole degree
    for lon in range(math.ceil(w), math.floor(e) + 1):
        ax.axvline(lon, color="#555555", linewidth=0.4, alpha=0.35)
    for lat in range(math.ceil(s), math.floor(n) + 1):
        ax.axhline(lat, color="#555555", linewidth=0.4, alpha=0.35)
    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    png = figure_png(fig)
    fig.clear()
    grat = {"lons": list(range(math.ceil(w), math.floor(e) + 1)),
            "lats": list(range(math.ceil(s), math.floor(n) + 1))}
    return png, {"west": w, "east": e, "south": s, "north": n, "width": nx, "height": ny,
                            "graticule": grat}


def replay_data(run: RunData) -> dict:
    """The JSON the replay page plays (without the background image)."""
    t0, t1 = run.t_range()
    aircraft = []
    for aid, tr in run.aircraft.items():
        idx = _thin(len(tr), MAX_SAMPLES)
        det = {s.name: [[round(a, 1), round(b, 1)] for a, b in run.detection_spans(s.name, aid)]
               for s in run.sides}
        aircraft.append({"id": aid, "side": tr.side, "type": tr.type, "role": tr.role,
                         "color": run.side_color(tr.side), "t": _r(tr.t_s[idx], 2), "lat": _r(tr.lat[idx], 5),
                         "lon": _r(tr.lon[idx], 5), "alt": _r(tr.alt_msl_m[idx], 0),
                         "agl": _r(tr.height_agl_m[idx], 0), "fuel": _r(tr.fuel_kg[idx], 0),
                         "gs": _r(tr.ground_speed_mps[idx], 1), "det": det})
    tracks = []
    for (side, tid), tk in run.tracks.items():
        idx = _thin(len(tk.t_s), MAX_SAMPLES)
        tracks.append({"side": side, "id": tid, "target": tk.target, "color": run.side_color(side),
                       "t": _r(tk.t_s[idx], 2), "lat": _r(tk.lat[idx], 5), "lon": _r(tk.lon[idx], 5)})
    radars = [{"name": r.name, "side": r.side, "type": r.type, "lat": r.lat, "lon": r.lon,
               "color": run.side_color(r.side)} for r in run.radars if not r.airborne and r.lat is not None]
    events = []
    for ev in run.events:
        events.append({"t": float(ev["t_s"]), "kind": ev["kind"], "side": ev.get("side"),
                       "color": run.side_color(ev["side"]) if ev.get("side") else "#222222",
                       "text": _short(ev, run.aircraft), "local": side_clock(run, ev.get("side"), ev["t_s"], seconds=True),
                       "lat": ev.get("lat"), "lon": ev.get("lon")})
    return {"title": run.title, "scenario": run.scenario, "epoch_ms": int(run.epoch.timestamp() * 1000),
            "tz_hours": run.local_tz_hours, "tz_name": run.local_tz_name, "t0": t0, "t1": t1,
            "clocks": [{"hours": h, "name": n} for h, n in dict.fromkeys(
                [(run.local_tz_hours, run.local_tz_name)] + [run.side_tz(s.name) for s in run.sides])],
            "low_level_height_m": run.low_level_height_m,
            "sides": [{"name": s.name, "color": s.color, "coverage": s.name in run.coverage} for s in run.sides],
            "aircraft": aircraft, "tracks": tracks, "radars": radars, "events": events}


def write_replay_html(run: RunData, path: str | os.PathLike, *, width_px: int = 1200) -> Path:
    """Write the self-contained replay page to ``path`` (atomically); return the path."""
    path = Path(path)
    png, geo = _background_png(run, run.bounds(), width_px)
    data = replay_data(run)
    data["map"] = geo
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    page = (_TEMPLATE.replace("%TITLE%", html.escape(run.title))
            .replace("%DATA%", payload).replace("%BG%", uri))
    from foxbat.atomic import write_text

    write_text(path, page)
    return path


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>%TITLE% - foxbat replay</title>
<style>
  :root { --fg:#1d2733; --muted:#5d6b7a; --line:#d5dbe2; --bg:#f4f6f8; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
         color:var(--fg); background:var(--bg); }
  header { padding:10px 16px 6px; }
  header h1 { font-size:18px; margin:0; }
  header .sub { color:var(--muted); font-size:12.5px; }
  main { display:flex; gap:12px; padding:0 16px 16px; align-items:flex-start; }
  #mapbox { flex:1 1 auto; min-width:0; background:white; border:1px solid var(--line); border-radius:6px; padding:8px; }
  #map { width:100%; height:auto; display:block; border-radius:3px; }
  #controls { display:flex; align-items:center; gap:10px; margin-top:8px; }
  #play { width:84px; padding:5px 0; font-size:14px; border:1px solid #9aa7b4; border-radius:4px; background:#fff; cursor:pointer; }
  #play:hover { background:#eef2f6; }
  #slider { flex:1; }
  #speed { padding:4px; }
  aside { flex:0 0 330px; display:flex; flex-direction:column; gap:10px; }
  .card { background:white; border:1px solid var(--line); border-radius:6px; padding:8px 10px; }
  #clock .utc { font-size:22px; font-variant-numeric:tabular-nums; font-weight:600; }
  #clock .loc { font-size:15px; color:var(--muted); font-variant-numeric:tabular-nums; }
  #clock .el { font-size:12px; color:var(--muted); }
  .ac { display:flex; gap:8px; align-items:baseline; padding:2px 0; font-variant-numeric:tabular-nums; font-size:12.5px; }
  .ac .sw { width:10px; height:10px; border-radius:50%; display:inline-block; flex:0 0 auto; }
  .ac .who { font-weight:600; min-width:70px; }
  .tag { font-size:11px; padding:0 5px; border-radius:3px; color:white; margin-left:2px; }
  .legend { font-size:12px; color:var(--muted); }
  .legend span.box { display:inline-block; width:12px; height:10px; margin:0 4px 0 8px; vertical-align:-1px; opacity:.55; }
  #events { list-style:none; margin:0; padding:0; max-height:430px; overflow-y:auto; font-size:12.5px; }
  #events li { padding:3px 6px; border-left:4px solid transparent; cursor:pointer; color:#9aa3ad; border-radius:2px; }
  #events li:hover { background:#eef2f6; }
  #events li.past { color:var(--fg); }
  #events li.current { background:#fff4d6; }
  #events li .t { font-variant-numeric:tabular-nums; margin-right:6px; }
  h2 { font-size:13px; margin:0 0 4px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
  @media (max-width: 900px) { main { flex-direction:column; } aside { flex-basis:auto; width:100%; } }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="sub" id="subtitle"></div>
</header>
<main>
  <div id="mapbox">
    <canvas id="map"></canvas>
    <div id="controls">
      <button id="play" type="button">&#9654; Play</button>
      <input id="slider" type="range" step="1" aria-label="time">
      <select id="speed" aria-label="speed">
        <option value="1">1&times;</option><option value="10">10&times;</option>
        <option value="30">30&times;</option><option value="60" selected>60&times;</option>
        <option value="120">120&times;</option><option value="300">300&times;</option>
      </select>
    </div>
    <div class="legend" id="legend"></div>
  </div>
  <aside>
    <div class="card" id="clock"><div class="utc"></div><div class="loc"></div><div class="el"></div></div>
    <div class="card"><h2>Aircraft</h2><div id="aclist"></div></div>
    <div class="card"><h2>Events</h2><ul id="events"></ul></div>
  </aside>
</main>
<script type="application/json" id="run-data">%DATA%</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("run-data").textContent);
  var M = D.map;
  var canvas = document.getElementById("map");
  var ctx = canvas.getContext("2d");
  var slider = document.getElementById("slider");
  var playBtn = document.getElementById("play");
  var speedSel = document.getElementById("speed");
  var evList = document.getElementById("events");
  var bg = new Image();
  var bgReady = false;
  var TRAIL_S = 300;
  var t = D.t0, playing = false, lastFrame = null, drawn = [];

  canvas.width = M.width; canvas.height = M.height;
  document.getElementById("title").textContent = D.title;
  slider.min = D.t0; slider.max = D.t1; slider.value = D.t0;

  function px(lon) { return (lon - M.west) / (M.east - M.west) * M.width; }
  function py(lat) { return (M.north - lat) / (M.north - M.south) * M.height; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hms(d) { return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()); }
  function dateAt(ts, hours) { return new Date(D.epoch_ms + ts * 1000 + hours * 3600000); }
  function ymd(d) { return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()); }

  // index of the last sample with times[i] <= ts (-1 before the first)
  function bisect(times, ts) {
    var lo = 0, hi = times.length - 1;
    if (!times.length || ts < times[0]) return -1;
    if (ts >= times[hi]) return hi;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (times[mid] <= ts) lo = mid; else hi = mid; }
    return lo;
  }
  function interp(obj, key, i, ts) {
    var a = obj[key][i];
    if (i + 1 >= obj.t.length) return a;
    var f = (ts - obj.t[i]) / (obj.t[i + 1] - obj.t[i]);
    return a + (obj[key][i + 1] - a) * f;
  }
  function inSpans(spans, ts) {
    for (var k = 0; k < spans.length; k++) if (ts >= spans[k][0] && ts <= spans[k][1]) return true;
    return false;
  }
  function detectedBy(ac, ts) {
    var out = [];
    D.sides.forEach(function (s) { if (ac.det[s.name] && inSpans(ac.det[s.name], ts)) out.push(s); });
    return out;
  }

  // legend
  var lg = document.getElementById("legend");
  var parts = [];
  D.sides.forEach(function (s) {
    if (s.coverage) parts.push('<span class="box" style="background:' + s.color + '"></span>' +
      s.name + " radars see " + D.low_level_height_m + " m AGL");
  });
  parts.push("&nbsp;&nbsp;ring colour: side(s) detecting the aircraft; dashed: tracks; &#9650; radar");
  lg.innerHTML = parts.join("");
  var first = dateAt(D.t0, 0);
  document.getElementById("subtitle").textContent = D.scenario + " \u00b7 " + ymd(first) + " \u00b7 " +
    D.aircraft.length + " aircraft \u00b7 " + D.events.length + " events";

  // event list
  D.events.forEach(function (ev, i) {
    var li = document.createElement("li");
    li.dataset.t = ev.t;
    li.dataset.i = i;
    li.style.borderLeftColor = ev.color;
    var ts = document.createElement("span"); ts.className = "t"; ts.textContent = ev.local;
    li.appendChild(ts);
    li.appendChild(document.createTextNode(ev.text));
    li.title = ev.kind + " at t = " + ev.t + " s";
    li.addEventListener("click", function () { seek(ev.t); });
    evList.appendChild(li);
  });
  var evItems = Array.prototype.slice.call(evList.children);

  // aircraft list
  var acList = document.getElementById("aclist");
  var acRows = D.aircraft.map(function (ac) {
    var row = document.createElement("div"); row.className = "ac";
    row.innerHTML = '<span class="sw" style="background:' + ac.color + '"></span><span class="who"></span><span class="val"></span>';
    row.querySelector(".who").textContent = ac.id;
    acList.appendChild(row);
    return row;
  });

  function drawTriangle(x, y, r, fill, stroke) {
    ctx.beginPath(); ctx.moveTo(x, y - r); ctx.lineTo(x + r * 0.9, y + r * 0.6); ctx.lineTo(x - r * 0.9, y + r * 0.6);
    ctx.closePath(); ctx.fillStyle = fill; ctx.fill(); ctx.lineWidth = 2; ctx.strokeStyle = stroke; ctx.stroke();
  }
  function haloText(text, x, y, colour, font) {
    ctx.font = font || "bold 13px system-ui, sans-serif";
    ctx.lineWidth = 3.5; ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.strokeText(text, x, y);
    ctx.fillStyle = colour; ctx.fillText(text, x, y);
  }
  function polyline(lats, lons, i0, i1, extra) {
    ctx.beginPath();
    var started = false;
    for (var i = i0; i <= i1; i++) {
      if (lats[i] === null) continue;
      var x = px(lons[i]), y = py(lats[i]);
      if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
    }
    if (extra) { if (!started) ctx.moveTo(extra[0], extra[1]); else ctx.lineTo(extra[0], extra[1]); }
    ctx.stroke();
  }

  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (bgReady) ctx.drawImage(bg, 0, 0, canvas.width, canvas.height);
    else { ctx.fillStyle = "#e8edf2"; ctx.fillRect(0, 0, canvas.width, canvas.height); }
    ctx.lineJoin = "round"; ctx.lineCap = "round";
    // radars
    D.radars.forEach(function (r) {
      var x = px(r.lon), y = py(r.lat);
      drawTriangle(x, y, 8, "white", r.color);
      haloText(r.name, x + 10, y + 4, "#222", "bold 12px system-ui, sans-serif");
    });
    // events so far (positions)
    D.events.forEach(function (ev) {
      if (ev.t > t || ev.lat === null || ev.lon === null) return;
      var x = px(ev.lon), y = py(ev.lat);
      ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = "white"; ctx.fill(); ctx.lineWidth = 1.6; ctx.strokeStyle = ev.color; ctx.stroke();
    });
    // tracks up to now, dashed in the side's colour
    D.tracks.forEach(function (tk) {
      var i = bisect(tk.t, t);
      if (i < 0) return;
      ctx.setLineDash([]); ctx.lineWidth = 4; ctx.strokeStyle = "rgba(255,255,255,0.7)";
      polyline(tk.lat, tk.lon, 0, i);
      ctx.setLineDash([7, 5]); ctx.lineWidth = 2; ctx.strokeStyle = tk.color;
      polyline(tk.lat, tk.lon, 0, i);
      ctx.setLineDash([]);
      var x = px(tk.lon[i]), y = py(tk.lat[i]);
      var stale = t - tk.t[i] > 60;
      ctx.beginPath(); ctx.rect(x - 5, y - 5, 10, 10);
      ctx.lineWidth = 2; ctx.strokeStyle = tk.color; ctx.globalAlpha = stale ? 0.4 : 1; ctx.stroke(); ctx.globalAlpha = 1;
      haloText(tk.id, x + 7, y + 14, tk.color, "11px system-ui, sans-serif");
    });
    // aircraft: whole path flown so far (faint), the last minutes (bold), the aircraft itself
    drawn = [];
    D.aircraft.forEach(function (ac, k) {
      var i = bisect(ac.t, t);
      var row = acRows[k].querySelector(".val");
      if (i < 0) { drawn.push({ id: ac.id, x: null, y: null, visible: false }); row.textContent = "not yet airborne"; return; }
      var lat = interp(ac, "lat", i, t), lon = interp(ac, "lon", i, t);
      var x = px(lon), y = py(lat);
      var iTrail = Math.max(0, bisect(ac.t, t - TRAIL_S));
      ctx.lineWidth = 2; ctx.strokeStyle = ac.color; ctx.globalAlpha = 0.35;
      polyline(ac.lat, ac.lon, 0, i, [x, y]);
      ctx.globalAlpha = 1; ctx.lineWidth = 6; ctx.strokeStyle = "white";
      polyline(ac.lat, ac.lon, iTrail, i, [x, y]);
      ctx.lineWidth = 3; ctx.strokeStyle = ac.color;
      polyline(ac.lat, ac.lon, iTrail, i, [x, y]);
      var det = detectedBy(ac, t);
      // detection rings, one per detecting side
      det.forEach(function (s, j) {
        ctx.beginPath(); ctx.arc(x, y, 11 + 4 * j, 0, 2 * Math.PI); ctx.lineWidth = 3; ctx.strokeStyle = s.color; ctx.stroke();
      });
      ctx.beginPath(); ctx.arc(x, y, 6.5, 0, 2 * Math.PI);
      ctx.fillStyle = ac.color; ctx.fill(); ctx.lineWidth = 2; ctx.strokeStyle = "white"; ctx.stroke();
      var alt = interp(ac, "alt", i, t);
      haloText(ac.id + "  " + Math.round(alt) + " m", x + 14, y - 10, ac.color);
      drawn.push({ id: ac.id, x: x, y: y, visible: true });
      var done = t > ac.t[ac.t.length - 1];
      var fuel = interp(ac, "fuel", i, t), gs = interp(ac, "gs", i, t), agl = interp(ac, "agl", i, t);
      var tags = det.map(function (s) { return '<span class="tag" style="background:' + s.color + '">' + s.name + "</span>"; }).join("");
      row.innerHTML = Math.round(alt) + " m MSL \u00b7 " + Math.round(agl) + " m AGL \u00b7 " + Math.round(gs * 3.6) +
        " km/h \u00b7 " + Math.round(fuel) + " kg" + (done ? " \u00b7 ended" : "") + " " + (tags || '<span class="tag" style="background:#777">unseen</span>');
    });
  }

  function updateClock() {
    var u = dateAt(t, 0), l = dateAt(t, D.tz_hours);
    var c = document.getElementById("clock");
    c.querySelector(".utc").textContent = hms(u) + " UTC";
    // every side's own clock (the run's first)
    c.querySelector(".loc").textContent = D.clocks.map(function (k) {
      return hms(dateAt(t, k.hours)) + " " + k.name; }).join(" \u00b7 ") + " \u00b7 " + ymd(l);
    var el = Math.round(t - D.t0);
    c.querySelector(".el").textContent = "t = " + Math.round(t) + " s (+" + Math.floor(el / 60) + " min " + pad(el % 60) + " s)";
  }
  var lastCurrent = -1;
  function updateEvents(scroll) {
    var cur = -1;
    evItems.forEach(function (li, i) {
      var past = D.events[i].t <= t + 1e-6;
      li.classList.toggle("past", past);
      if (past) cur = i;
    });
    evItems.forEach(function (li, i) { li.classList.toggle("current", i === cur); });
    if (scroll && cur >= 0 && cur !== lastCurrent) {
      var li = evItems[cur];
      evList.scrollTop = Math.max(0, li.offsetTop - evList.offsetTop - evList.clientHeight / 2);
    }
    lastCurrent = cur;
  }
  function render(scroll) { draw(); updateClock(); updateEvents(scroll); slider.value = t; }

  function seek(ts) {
    t = Math.min(D.t1, Math.max(D.t0, Number(ts)));
    render(false);
  }
  function setPlaying(p) {
    playing = p;
    playBtn.innerHTML = p ? "&#10073;&#10073; Pause" : "&#9654; Play";
    lastFrame = null;
    if (p) requestAnimationFrame(tick);
  }
  function tick(now) {
    if (!playing) return;
    if (lastFrame !== null) {
      t += (now - lastFrame) / 1000 * Number(speedSel.value);
      if (t >= D.t1) { t = D.t1; render(true); setPlaying(false); return; }
      render(true);
    }
    lastFrame = now;
    requestAnimationFrame(tick);
  }
  playBtn.addEventListener("click", function () {
    if (!playing && t >= D.t1) t = D.t0;
    setPlaying(!playing);
  });
  slider.addEventListener("input", function () { seek(slider.value); });
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.tagName === "SELECT") return;
    if (e.key === " ") { e.preventDefault(); playBtn.click(); }
    else if (e.key === "ArrowRight") seek(t + 10);
    else if (e.key === "ArrowLeft") seek(t - 10);
  });

  bg.onload = function () { bgReady = true; draw(); };
  bg.src = "%BG%";
  render(false);

  window.foxbatReplay = {
    seek: seek,
    play: function () { setPlaying(true); },
    pause: function () { setPlaying(false); },
    state: function () {
      return { t_s: t, playing: playing, bg_loaded: bgReady,
               aircraft: drawn.map(function (a) { return { id: a.id, x: a.x, y: a.y, visible: a.visible }; }) };
    }
  };
})();
</script>
</body>
</html>
"""
