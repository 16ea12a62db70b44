"""``foxbat coverage``: lowest visible height maps for a radar or a network."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from foxbat.errors import ParameterError

DEFAULT_NETWORK = "builtin:belenko-1976"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dem", help="elevation GeoTIFF (default: the dem: of a --sites scenario, relative to its file; "
                   "else the built-in ETOPO5 DEM of 38-48N, 126-148E)")
    p.add_argument("--band", type=int, help="band of a multi-band DEM (1-based)")
    p.add_argument("--site", action="append", default=[], metavar="LAT,LON[,NAME]",
                   help="a radar position in decimal degrees; repeat for a network")
    p.add_argument("--sites", metavar="FILE",
                   help="radars from a CSV or YAML file (or builtin:NAME); default without --site: "
                        f"{DEFAULT_NETWORK}")
    p.add_argument("--antenna-agl", type=float, metavar="M", help="antenna height above ground (m)")
    p.add_argument("--antenna-msl", type=float, metavar="M", help="antenna altitude above sea level (m); wins over --antenna-agl")
    p.add_argument("--k", type=float, default=4.0 / 3.0, help="effective Earth radius factor (default 4/3)")
    p.add_argument("--max-range-km", type=float, metavar="R", help="instrumented range (km; default 400)")
    p.add_argument("--min-elev-deg", type=float, metavar="A", help="lowest beam elevation (deg)")
    p.add_argument("--max-elev-deg", type=float, metavar="A", help="highest beam elevation (deg): cone of silence")
    p.add_argument("--out", required=False, default="foxbat-out/coverage.tif",
                   help="output GeoTIFF: band 1 lowest visible height above ground (m), float32, "
                        "nodata -9999 beyond range (default foxbat-out/coverage.tif)")
    p.add_argument("--ceiling-out", metavar="PATH", help="cone-of-silence ceiling raster (m AGL); "
                   "default OUT with .ceiling.tif when a maximum elevation is set")
    p.add_argument("--png", metavar="MAP.png", help="write a map for people to look at")
    p.add_argument("--geojson", metavar="OUT.geojson", help="covered areas at --alts as GeoJSON polygons")
    p.add_argument("--rings-json", metavar="upintheair.json", help="ADS-B receiver range rings for tar1090 / "
                   "dump1090-fa: for one --site, the outermost visible point per bearing at each of --alts")
    p.add_argument("--alts", help="altitudes for --geojson and --rings-json, m (--geojson default 30,100,1000; "
                   "--rings-json needs them)")
    p.add_argument("--alt-ref", choices=("agl", "msl"), help="altitudes above ground or sea level "
                   "(default: agl for --geojson, msl for --rings-json, as aircraft report theirs)")
    g = p.add_argument_group("detectable height (an extra band detectable_agl_m)")
    g.add_argument("--rcs", type=float, metavar="M2", help="target RCS (m2): also compute the lowest height above "
                   "ground at which the target is detected, with the radar equation, pattern and propagation")
    g.add_argument("--type", metavar="TYPE", help="radar catalogue type for --rcs (a --sites file's own "
                   "types win where a site gives one)")
    g.add_argument("--pd", type=float, default=0.5, help="probability of detection on one look (default 0.5)")
    g.add_argument("--swerling", type=int, default=1, help="target fluctuation: 0, 1 or 3 (default 1)")
    g.add_argument("--sea-state", type=float, metavar="S", help="Douglas sea state 0-6 (default: the --sites "
                   "scenario's environment, else 3)")
    g.add_argument("--land-type", metavar="NAME", help="ground class for reflections: wet, medium, dry, fresh "
                   "(default: the --sites scenario's environment, else medium)")
    g.add_argument("--ceiling-m", type=float, default=20000.0, metavar="M",
                   help="highest height above ground searched (m, default 20000)")
    from foxbat.coverage import tiled_cli

    tiled_cli.add_arguments(p)


def _parse_alts(text: str) -> list[float]:
    try:
        alts = [float(a) for a in text.split(",") if a.strip()]
    except ValueError:
        raise ParameterError(f"{text!r} is not a comma-separated list of metres, e.g. 30,100,1000",
                             where="--alts") from None
    if not alts or any(not math.isfinite(a) for a in alts):
        raise ParameterError(f"{text!r} is not a comma-separated list of metres, e.g. 30,100,1000",
                             where="--alts")
    return alts


def _check_args(a: argparse.Namespace) -> None:
    from foxbat.geo import check_k

    check_k(a.k)
    if a.rings_json is not None and a.alts is None:
        raise ParameterError("--rings-json needs the ring altitudes: --alts M,M,... (m, e.g. 1000,3000,10000)",
                             where="--alts")
    if a.max_range_km is not None and not (math.isfinite(a.max_range_km) and a.max_range_km > 0):
        raise ParameterError(f"must be a range in km > 0, got {a.max_range_km:g}", where="--max-range-km")
    if a.antenna_agl is not None and not (math.isfinite(a.antenna_agl) and a.antenna_agl >= 0):
        raise ParameterError(f"must be a height in m >= 0, got {a.antenna_agl:g}", where="--antenna-agl")
    if a.antenna_msl is not None and not math.isfinite(a.antenna_msl):
        raise ParameterError("must be a finite altitude in m", where="--antenna-msl")
    for name in ("min_elev_deg", "max_elev_deg"):
        v = getattr(a, name)
        if v is not None and not (math.isfinite(v) and -90 < v < 90):
            raise ParameterError(f"must be within (-90, 90) degrees, got {v:g}", where="--" + name.replace("_", "-"))
    if a.site and a.sites:
        raise ParameterError("give --site (repeatable) or --sites FILE, not both", where="--sites")
    if a.site and a.antenna_agl is None and a.antenna_msl is None:
        raise ParameterError("--site needs the antenna height: --antenna-agl M or --antenna-msl M",
                             where="--antenna-agl")
    _check_detect_args(a)
    from foxbat.coverage import tiled_cli

    tiled_cli.check_args(a)
    out = Path(a.out)
    if a.out.strip() and out.suffix.lower() not in (".tif", ".tiff"):
        raise ParameterError(f"{a.out!r} must end in .tif", where="--out")
    from foxbat.atomic import check_outputs

    sites_file = a.sites if a.sites and not a.sites.startswith("builtin:") and Path(a.sites).exists() else None
    if a.dem is None and a.sites:
        a.dem = _scenario_dem(a.sites)
    check_outputs([("--out", a.out, "file"), ("--ceiling-out" if a.ceiling_out else "--out (its ceiling)",
                                                _ceiling_path(a), "file"),
                   ("--png", a.png, "file"), ("--geojson", a.geojson, "file"),
                   ("--rings-json", a.rings_json, "file")],
                  [("--dem", a.dem), ("--sites", sites_file)])


def _ceiling_path(a: argparse.Namespace) -> Path | None:
    """Where the cone-of-silence ceiling goes: --ceiling-out, or OUT with .ceiling.tif."""
    if a.ceiling_out is not None:
        return Path(a.ceiling_out) if a.ceiling_out.strip() else a.ceiling_out
    return Path(a.out).with_suffix(".ceiling.tif") if a.out.strip() else None


def _remove_stale_ceiling(path: Path) -> bool:
    """Remove a ceiling raster an earlier foxbat coverage wrote at ``path`` (this coverage has
    none): an old ceiling beside a new coverage would be read as this one's."""
    if not path.is_file():
        return False
    import rasterio

    try:
        with rasterio.open(path) as ds:
            ours = (ds.tags().get("SOFTWARE") == "foxbat coverage ceiling"
                    or (ds.count == 1 and ds.descriptions[0] == "ceiling_agl_m"))
    except rasterio.errors.RasterioError:
        return False
    if ours:
        path.unlink()
    return ours


def _check_detect_args(a: argparse.Namespace) -> None:
    detect = {"--type": a.type, "--sea-state": a.sea_state, "--land-type": a.land_type}
    if a.rcs is None:
        given = [k for k, v in detect.items() if v is not None]
        if given:
            raise ParameterError("only with --rcs (the detectable height)", where=given[0])
        return
    if not (math.isfinite(a.rcs) and a.rcs > 0):
        raise ParameterError(f"must be an RCS in m2 > 0, got {a.rcs:g}", where="--rcs")
    if not (math.isfinite(a.pd) and 0 < a.pd < 1):
        raise ParameterError(f"must be a probability strictly between 0 and 1, got {a.pd:g}", where="--pd")
    if a.swerling not in (0, 1, 3):
        raise ParameterError(f"must be 0, 1 or 3, got {a.swerling}", where="--swerling")
    if a.sea_state is not None and not (math.isfinite(a.sea_state) and 0 <= a.sea_state <= 6):
        raise ParameterError(f"must be a sea state within 0..6, got {a.sea_state:g}", where="--sea-state")
    if a.land_type is not None:
        from foxbat.scenario.run import land_types

        if a.land_type not in land_types():
            raise ParameterError(f"unknown land type {a.land_type!r}; allowed: {', '.join(land_types())}",
                                 where="--land-type")
    if not (math.isfinite(a.ceiling_m) and a.ceiling_m > 0):
        raise ParameterError(f"must be a height in m > 0, got {a.ceiling_m:g}", where="--ceiling-m")
    if a.type is not None:
        from foxbat.radar.catalogue import get_radar_type

        rt = get_radar_type(a.type, where="--type", field=None)
        if rt.platform != "ground":
            raise ParameterError(f"{rt.name} is an airborne radar; coverage needs a ground radar type",
                                 where="--type")


def parse_site_arg(text: str, index: int) -> tuple[float, float, str]:
    """``LAT,LON`` or ``LAT,LON,NAME`` from the command line (decimal degrees)."""
    parts = [p.strip() for p in text.split(",")]
    usage = f"{text!r} is not LAT,LON or LAT,LON,NAME (decimal degrees, e.g. 42.16,139.45)"
    if len(parts) not in (2, 3):
        raise ParameterError(usage, where="--site")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise ParameterError(usage, where="--site") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon) and -180 <= lon <= 360):
        raise ParameterError(f"{text!r}: latitude must be within -90..90 and longitude -180..360",
                             where="--site")
    name = parts[2] if len(parts) == 3 and parts[2] else f"site{index + 1}"
    return lat, lon, name


def _sites(a: argparse.Namespace):
    """The sites, and each one's radar type (None where it gives none)."""
    from foxbat.coverage.site import DEFAULT_MAX_RANGE_M, RadarSite

    rng_m = a.max_range_km * 1000.0 if a.max_range_km is not None else None
    if a.site:
        sites = []
        for i, text in enumerate(a.site):
            lat, lon, name = parse_site_arg(text, i)
            sites.append(RadarSite(lat, lon, antenna_agl_m=a.antenna_agl, antenna_msl_m=a.antenna_msl,
                                   max_range_m=rng_m or DEFAULT_MAX_RANGE_M, min_elev_deg=a.min_elev_deg,
                                   max_elev_deg=a.max_elev_deg, name=name))
        return sites, [None] * len(sites)
    from foxbat.scenario.radars import sites_and_types

    defaults = {"antenna_agl_m": a.antenna_agl, "antenna_msl_m": a.antenna_msl,
                "min_elev_deg": a.min_elev_deg, "max_elev_deg": a.max_elev_deg,
                "max_range_km": a.max_range_km}
    # a row with a radar type gets the type's limits, as foxbat run applies them
    return sites_and_types(a.sites or DEFAULT_NETWORK, defaults)


def _detect_setup(a: argparse.Namespace, sites, site_types):
    """Each site's radar type and the path environment for --rcs."""
    from foxbat.radar.catalogue import get_radar_type
    from foxbat.sensing.path import PathEnvironment

    default = get_radar_type(a.type, where="--type", field=None) if a.type is not None else None
    types = []
    for site, rt in zip(sites, site_types):
        rt = rt or default
        if rt is None:
            raise ParameterError(f"site {site.name} has no radar type; give --type TYPE", where="--type")
        types.append(rt)
    env = _scenario_environment(a.sites or (None if a.site else DEFAULT_NETWORK))
    env = PathEnvironment(
        sea_state=env.sea_state if a.sea_state is None else a.sea_state,
        land_type=env.land_type if a.land_type is None else a.land_type, k=a.k,
        sea_clutter=f"sea_state_{int(round(env.sea_state if a.sea_state is None else a.sea_state))}",
        land_clutter=env.land_clutter)
    return types, env


def _scenario_path(sites_file: str) -> Path:
    """The YAML file of a --sites argument: a path, or a built-in scenario's name."""
    from foxbat.scenario.radars import BUILTIN_PREFIX, builtin_scenario_names, builtin_scenario_path

    name = sites_file.removeprefix(BUILTIN_PREFIX)
    path = Path(sites_file)
    if sites_file.startswith(BUILTIN_PREFIX) or (not path.exists() and name in builtin_scenario_names()):
        path = builtin_scenario_path(name)
    return path


def _scenario_dem(sites_file: str) -> str | None:
    """The ``dem:`` of a --sites file that is a scenario, as ``foxbat run`` takes it
    (relative to the scenario file; a missing file names the file, line and field); None
    for a CSV file or a scenario without one."""
    if sites_file.lower().endswith(".csv"):
        return None
    from foxbat.scenario.paths import resolve_scenario_files
    from foxbat.yamlio import read_yaml

    path = _scenario_path(sites_file)
    if not path.is_file():
        return None  # reading the sites says what is wrong
    data, text = read_yaml(path, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("dem"), str):
        return None
    return resolve_scenario_files({"dem": data["dem"]}, path.parent, str(path), text)["dem"]


def _scenario_environment(sites_file: str | None):
    """The ``environment`` of a YAML sites file that is a scenario (defaults otherwise)."""
    from foxbat.scenario.run import EnvironmentSpec
    from foxbat.sensing.path import PathEnvironment

    spec = EnvironmentSpec()
    if sites_file is not None and not sites_file.lower().endswith(".csv"):
        from pydantic import ValidationError

        from foxbat.yamlio import read_yaml

        path = _scenario_path(sites_file)
        data, _ = read_yaml(path, str(path))
        if isinstance(data, dict) and data.get("environment") is not None:
            try:
                spec = EnvironmentSpec.model_validate(data["environment"])
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(x) for x in err["loc"])
                raise ParameterError(err["msg"].removeprefix("Value error, "), where=str(path),
                                     field=f"environment.{loc}") from None
    return PathEnvironment.from_spec(spec)


# a network whose radars reach more cells than this shows a progress bar
_PROGRESS_CELLS = 100_000_000


def _cells_in_range(dem, sites) -> float:
    w, h = dem.cell_size_m() if dem.is_geographic else (abs(dem.transform.a), abs(dem.transform.e))
    per_site = [min(math.pi * s.max_range_m**2 / (w * h), dem.shape[0] * dem.shape[1]) for s in sites]
    return float(sum(per_site))


def _read_dem_in_background(path, band):
    """Start reading the DEM in a thread (GDAL releases the GIL while it reads) and
    return a function that waits for it: the read overlaps numba's start-up."""
    import threading

    box: dict = {}

    def work():
        try:
            from foxbat.terrain import open_dem

            box["dem"] = open_dem(path, band)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    th = threading.Thread(target=work, name="foxbat-read-dem", daemon=True)
    th.start()

    def result():
        th.join()
        if "error" in box:
            raise box["error"]
        return box["dem"]

    return result


def _detectable(a, dem, cov, types, env):
    """The network's detectable height (minimum over radars) and the raster's tags."""
    import numpy as np

    from foxbat.coverage.detectable import detectable_agl_m

    best = np.full(dem.shape, np.nan, np.float32)
    for site, rt, own in zip(cov.sites, types, cov.site_lowest_agl_m):
        det = detectable_agl_m(dem, site, rt, own, rcs_m2=a.rcs, pd=a.pd, swerling=a.swerling, env=env,
                               ceiling_agl_m=a.ceiling_m)
        np.fmin(best, det, out=best)
    tags = {"DETECTABLE": f"rcs_m2={a.rcs:g};pd={a.pd:g};swerling={a.swerling};sea_state={env.sea_state:g};"
                          f"land_type={env.land_type};ceiling_agl_m={a.ceiling_m:g}",
            "DETECTABLE_TYPES": ";".join(rt.name for rt in types)}
    return best, tags


def run(a: argparse.Namespace) -> int:
    from foxbat.coverage import los

    _check_args(a)
    alts = _parse_alts(a.alts if a.alts is not None else "30,100,1000") if a.geojson or a.rings_json else []
    if a.rings_json is not None:
        from foxbat.coverage.rings import check_ring_alts

        check_ring_alts(alts)
    sites, site_types = _sites(a)
    if a.rings_json is not None and len(sites) != 1:
        raise ParameterError(f"range rings are drawn around one receiver: give one --site, got {len(sites)} sites",
                             where="--rings-json")
    from foxbat.coverage import tiled_cli

    if tiled_cli.wanted(a):
        return _run_tiled(a, sites)
    detect = _detect_setup(a, sites, site_types) if a.rcs is not None else None
    dem_result = _read_dem_in_background(a.dem, a.band)
    # while the DEM is read (GDAL lets go of the GIL): pyproj for the sites' positions,
    # and the numba kernel where the C port was not built
    import pyproj  # noqa: F401

    if not los.compiled():
        from foxbat.coverage.startup import load_kernels_without_blas_probe

        load_kernels_without_blas_probe()
    from foxbat.coverage.engine import compute_coverage
    from foxbat.coverage.raster_io import NODATA, write_ceiling_tif, write_coverage_tif

    dem = dem_result()
    out = Path(a.out)
    from foxbat.atomic import claim_new_folder

    claim_new_folder(out.parent)  # a new folder is foxbat's: a later foxbat run may write there

    if len(sites) > 1 and _cells_in_range(dem, sites) > _PROGRESS_CELLS:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"coverage of {len(sites)} radars", total=len(sites))
            cov = compute_coverage(dem, sites, a.k, fill=NODATA, keep_sites=detect is not None,
                                   on_site_done=lambda i, s: bar.advance(task))
    else:
        cov = compute_coverage(dem, sites, a.k, fill=NODATA, keep_sites=detect is not None)
    detectable, tags = None, None
    if detect is not None:
        detectable, tags = _detectable(a, dem, cov, *detect)
    # a failure below leaves earlier outputs complete; each file is atomic
    write_coverage_tif(out, cov, detectable, tags)
    written = [str(out)]
    if cov.ceiling_agl_m is not None:
        ceil_path = _ceiling_path(a)
        write_ceiling_tif(ceil_path, cov)
        written.append(str(ceil_path))
    elif _remove_stale_ceiling(_ceiling_path(a)):
        print(f"foxbat coverage: removed {_ceiling_path(a)} of an earlier coverage (this one has no ceiling)")
    if a.geojson:
        from foxbat.coverage.polygons import coverage_geojson, write_geojson

        write_geojson(coverage_geojson(cov, alts, a.alt_ref or "agl"), a.geojson)
        written.append(a.geojson)
    if a.rings_json:
        _write_rings(a, cov, alts)
        written.append(a.rings_json)
    if a.png:
        from foxbat.report.coverage_map import render_coverage_png

        render_coverage_png(cov, a.png)
        written.append(a.png)
    print(f"foxbat coverage: {len(sites)} radar(s) on {dem.name} ({dem.shape[1]} x {dem.shape[0]}); "
          f"wrote {', '.join(written)}")
    return 0


def _run_tiled(a: argparse.Namespace, sites) -> int:
    """The network on Dask, written as a COG (foxbat.coverage.tiled)."""
    from foxbat.atomic import claim_new_folder
    from foxbat.coverage import tiled_cli

    claim_new_folder(Path(a.out).parent)
    want_ceiling = any(s.max_elev_deg is not None for s in sites)
    rc = tiled_cli.run(a, sites, _ceiling_path(a) if want_ceiling else None)
    if not want_ceiling and _remove_stale_ceiling(_ceiling_path(a)):
        print(f"foxbat coverage: removed {_ceiling_path(a)} of an earlier coverage (this one has no ceiling)")
    return rc


def _write_rings(a: argparse.Namespace, cov, alts: list[float]) -> None:
    """Write --rings-json; say which rings the instrumented range cuts (not the horizon)."""
    from foxbat.coverage.rings import upintheair, write_upintheair

    ref = a.alt_ref or "msl"
    obj = upintheair(cov, alts, ref)
    for alt, n_cut in zip(alts, obj["_at_limit"]):
        if n_cut:
            limit_km = cov.sites[0].max_range_m / 1000
            print(f"foxbat coverage: the {alt:g} m {ref.upper()} ring reaches the {limit_km:g} km "
                  f"range limit on {n_cut} of {len(obj['rings'][0]['points'])} bearings; raise --max-range-km")
    write_upintheair(obj, a.rings_json)
