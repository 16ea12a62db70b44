"""Direct vs historical vs planned: the same scenario flown three ways.

For each route: the planner's model along the flown trajectory (cumulative Pd per
side, 1 − exp(−∫ρ dt), and the seconds visible to the side's radars), and the full
simulation (:func:`foxbat.sim.run`: first detection and time tracked per side, fuel
left, outcome). Written as ``compare.csv`` and a map ``compare.png``.

The direct route: take-off, the great circle to the goal at one altitude
(:data:`DIRECT_ALT_MSL_M`, the altitude the historical flight was seen at) and Mach
(:data:`DIRECT_MACH`), landing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from foxbat.atomic import write_bytes
from foxbat.planning import costs
from foxbat.planning.routes import direct_legs, scenario_with_route, total_distance_m

DIRECT_ALT_MSL_M = 6000.0
DIRECT_MACH = 0.85


def evaluate(sc_doc_or_sc, prepared, label: str, seed: int | None = None) -> dict:
    """Run one scenario (a RunScenario or a YAML dict) and measure it both ways."""
    from foxbat import sim
    from foxbat.run_output import summary
    from foxbat.scenario.run import RunScenario, parse_run_scenario

    sc = sc_doc_or_sc if isinstance(sc_doc_or_sc, RunScenario) else parse_run_scenario(sc_doc_or_sc, label)
    res = sim.run(sc, seed=seed, prepared=prepared)
    d = sc.defenders
    tr = res.intruder
    t, lat, lon = tr["t_s"], tr["lat_deg"], tr["lon_deg"]
    agl, alt = tr["height_agl_m"], tr["alt_msl_m"]
    ground = alt - agl
    fail = route_failure(tr)
    # a route that does not arrive has no fuel left at the goal: never show its fuel as if it had
    row: dict = {"route": label, "outcome": tr.outcome, "failed": fail is not None,
                 "failure": "" if fail is None else fail,
                 "duration_min": float(t[-1] - t[0]) / 60.0, "distance_km": total_distance_m(lat, lon) / 1000.0,
                 "fuel_left_kg": None if fail is not None else float(tr["fuel_kg"][-1])}
    summ = summary(res)
    for side in [s.name for s in d.sides]:
        radars = [r for r in prepared.radars if r.side == side]
        lm = costs.log_miss_along(radars, t, lat, lon, agl, ground, d.intruder.rcs_m2.value,
                                  d.intruder.swerling, d.sea_surface, d.land_surface, d.k).get(side, 0.0)
        vis = np.zeros(t.size, bool)
        for r in radars:
            vis |= costs.pd_per_scan(r, lat, lon, np.maximum(agl, 0), ground, d.intruder.rcs_m2.value,
                                     d.intruder.swerling, d.sea_surface, d.land_surface, d.k) > 0.01
        dt = np.diff(t, append=t[-1])
        s = summ["sides"].get(side, {})
        first = s.get("first_detection_t_s")
        row[f"{side}_cum_pd_model"] = float(-np.expm1(-lm))
        row[f"{side}_log_miss_model"] = lm
        row[f"{side}_visible_min_model"] = float(np.sum(dt[vis])) / 60.0
        row[f"{side}_first_detection_min"] = None if first is None else first / 60.0
        row[f"{side}_time_tracked_min"] = s.get("time_tracked_s", 0.0) / 60.0
    return {"row": row, "result": res}


def route_failure(traj) -> str | None:
    """None when a flown route arrives (landed, or flew its route to the end); else what
    happened and where, in a few words."""
    for kind, what in (("fuel_exhausted", "out of fuel"), ("crash", "crashed"), ("left_dem", "left the DEM"),
                       ("max_duration", "time limit")):
        got = traj.events_named(kind)
        if got:
            e = got[0]
            return f"{what} at {e['lat_deg']:.4f}N {e['lon_deg']:.4f}E, t = {e['t_s']:.0f} s"
    return None


def compare(sc, prepared, planned_doc: dict, start, goal, seed: int | None = None) -> list[dict]:
    """The three routes of a scenario: direct, historical (the scenario's own) and planned."""
    direct = scenario_with_route(sc.raw, direct_legs(start, goal, DIRECT_ALT_MSL_M, DIRECT_MACH),
                                 name_suffix="direct", aircraft_type=planned_doc["aircraft"]["type"],
                                 fuel_kg=planned_doc["aircraft"].get("fuel_kg"))
    out = [evaluate(direct, prepared, f"direct ({DIRECT_ALT_MSL_M:g} m, Mach {DIRECT_MACH:g})", seed),
           evaluate(sc, prepared, "historical (scenario)", seed),
           evaluate(planned_doc, prepared, "planned", seed)]
    return out


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def write_csv(rows: list[dict], path: Path) -> Path:
    keys: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys)
    for r in rows:
        w.writerow([_fmt(r.get(k)) for k in keys])
    write_bytes(path, buf.getvalue().encode())
    return path


COLOURS = {"direct": "#7f7f7f", "historical": "#d62728", "planned": "#2ca02c"}


def render_map(evals: list[dict], prepared, path: Path, title: str = "") -> Path:
    """Hillshaded DEM, the radar sites by side, and the three flown paths."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from foxbat.report.coverage_map import terrain_rgb
    from matplotlib.figure import Figure

    dem = prepared.dem
    lats = np.concatenate([e["result"].intruder["lat_deg"] for e in evals])
    lons = np.concatenate([e["result"].intruder["lon_deg"] for e in evals])
    s, n = float(lats.min()) - 1.5, float(lats.max()) + 1.5
    w, e_ = float(lons.min()) - 2.0, float(lons.max()) + 2.0
    r0, c0 = dem.rowcol_float(n, w)
    r1, c1 = dem.rowcol_float(s, e_)
    nr, nc = dem.shape
    r0, r1 = int(max(0, np.floor(r0))), int(min(nr - 1, np.ceil(r1)))
    c0, c1 = int(max(0, np.floor(c0))), int(min(nc - 1, np.ceil(c1)))
    z = dem.heights_m[r0:r1 + 1, c0:c1 + 1].astype(float)
    a = dem.transform
    ext = (a.c + a.a * c0, a.c + a.a * (c1 + 1), a.f + a.e * (r1 + 1), a.f + a.e * r0)
    cell_w_m, cell_h_m = dem.cell_size_m()
    valid = np.isfinite(z)
    rgb = terrain_rgb(np.where(valid, z, 0.0), valid, valid & (z <= 0), cell_w_m, cell_h_m, vert_exag=4.0)
    fig = Figure(figsize=(11, 7.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(rgb, extent=ext, origin="upper", interpolation="bilinear")
    ax.contour(np.linspace(ext[0], ext[1], z.shape[1]), np.linspace(ext[3], ext[2], z.shape[0]), z, levels=[0.5],
               colors="#1d3f66", linewidths=0.6)
    sides = {s_.name: s_.color for s_ in evals[0]["result"].scenario.defenders.sides}
    for r in prepared.radars:
        ax.plot(r.lon_deg, r.lat_deg, marker="^", color=sides.get(r.side, "k"), markersize=8, mec="k", mew=0.5)
        ax.annotate(r.name, (r.lon_deg, r.lat_deg), xytext=(4, 4), textcoords="offset points", fontsize=7)
    for ev in evals:
        tr = ev["result"].intruder
        key = next((k for k in COLOURS if ev["row"]["route"].startswith(k)), "planned")
        row = ev["row"]
        if row["failed"]:
            ax.plot(tr["lon_deg"], tr["lat_deg"], color=COLOURS[key], lw=2.0, ls="--",
                    label=f"{row['route']}: FAILED, {row['failure']}")
            ax.plot(tr["lon_deg"][-1], tr["lat_deg"][-1], marker="X", color=COLOURS[key], markersize=11, mec="k")
        else:
            ax.plot(tr["lon_deg"], tr["lat_deg"], color=COLOURS[key], lw=2.0,
                    label=f"{row['route']}: fuel left {row['fuel_left_kg']:,.0f} kg")
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (s + n))))
    ax.set_xlabel("longitude, deg E")
    ax.set_ylabel("latitude, deg N")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title or "direct, historical and planned routes", fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    write_bytes(path, buf.getvalue())
    return path
