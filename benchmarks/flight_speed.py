"""Benchmark: a 60-minute flight at 1 s steps with terrain following, on the built-in DEM.

    python benchmarks/flight_speed.py

Route: an F-4EJ at 900 km/h following the terrain at 150 m above ground over the
Sikhote-Alin range, the Sea of Japan and Hokkaido, in legs zig-zagging for more than an
hour; the run stops at 3,600 s (max_duration_s). The fuel is set to 40 t so that the
tanks do not run dry first (a benchmark device, not a real load). Reported: the kernel
time (median of repeats, after the one-time JIT compile / cache load) and the time of the
whole ``fly()`` call (route checks and compilation included).
"""

from __future__ import annotations

import statistics
import time

LEGS = [
    {"start": {"lat": 45.8, "lon": 133.5, "height_agl_m": 150, "heading_deg": 120, "speed": {"tas_kmh": 900}}},
    {"follow_terrain": {"lat": 44.6, "lon": 136.0, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 46.0, "lon": 137.5, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 44.0, "lon": 138.8, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 43.6, "lon": 141.5, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 42.5, "lon": 143.0, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 43.8, "lon": 144.5, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 41.5, "lon": 140.5, "height_agl_m": 150}},
    {"follow_terrain": {"lat": 40.0, "lon": 140.8, "height_agl_m": 150}},
]


def main() -> None:
    from foxbat.flight.route import compile_route
    from foxbat.flight.terrain import ground_grid
    from foxbat.flight.trajectory import fly, fly_compiled
    from foxbat.aircraft import load_aircraft
    from foxbat.scenario.flight import parse_flight_scenario
    from foxbat.terrain import open_dem

    doc = {"aircraft": {"type": "F-4EJ"},
           "route": {"step_s": 1.0, "max_duration_s": 3600.0, "look_ahead_s": 60.0, "legs": LEGS}}
    sc = parse_flight_scenario(doc, "benchmark")
    dem = open_dem()
    grid = ground_grid(dem)
    ac = load_aircraft("F-4EJ")
    route = compile_route(sc, ac, grid, "benchmark")
    route.state0[6] = 40_000.0  # fuel: keep the engines running for the full hour

    t0 = time.perf_counter()
    traj = fly_compiled(route, ac, grid, sc)  # JIT compile or cache load
    first = time.perf_counter() - t0
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        traj = fly_compiled(route, ac, grid, sc)
        times.append(time.perf_counter() - t0)
    kernel = statistics.median(times)

    t0 = time.perf_counter()
    fly(sc, grid=grid)
    whole = time.perf_counter() - t0

    sim_s = traj["t_s"][-1] - traj["t_s"][0]
    print(f"simulated {sim_s / 60:.1f} min in {len(traj)} steps of 1 s, outcome {traj.outcome}, "
          f"terrain-following legs, min height {traj['height_agl_m'].min():.0f} m AGL, "
          f"max ground {traj['ground_msl_m'].max():.0f} m, "
          f"{len(traj.events_named('clearance_violation'))} clearance violations")
    print(f"first call (JIT compile or cache load): {first:.3f} s")
    print(f"kernel, median of 7: {kernel * 1000:.1f} ms")
    print(f"fly() with route checks and compilation: {whole * 1000:.1f} ms")
    assert sim_s >= 3599 and kernel < 1.0


if __name__ == "__main__":
    main()
