#!/usr/bin/env python3
"""Rebuild foxbat's built-in DEM from ETOPO5.

Source: ETOPO5 (NOAA NGDC, 5 arc-minute global relief, public domain) as shipped by
Debian's ``ferret-datasets`` package (``/usr/share/ferret-vis/data/etopo5.cdf``,
variable ROSE, metres, node-registered every 1/12 degree).
Output: a cropped int16 GeoTIFF (EPSG:4326, DEFLATE), cell centres on whole multiples
of 5', bathymetry kept. The built-in DEMs:

    japan-sea  latitude 38-48 N, longitude 126-148 E   etopo5_japan_sea.tif (the default)
    korea      latitude 35-41 N, longitude 123-130 E   etopo5_korea.tif (No Kum-sok, 1953)

    apt-get install ferret-datasets
    python tools/build_builtin_dem.py [--name japan-sea|korea|all] [--src etopo5.cdf]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

STEP_DEG = 1.0 / 12.0
DEFAULT_SRC = "/usr/share/ferret-vis/data/etopo5.cdf"
DATA = Path(__file__).resolve().parents[1] / "src/foxbat/terrain/data"
# name: (lat_min, lat_max, lon_min, lon_max, file)
CROPS = {
    "japan-sea": (38.0, 48.0, 126.0, 148.0, "etopo5_japan_sea.tif"),
    "korea": (35.0, 41.0, 123.0, 130.0, "etopo5_korea.tif"),
}
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX, _ = CROPS["japan-sea"]
DEFAULT_OUT = DATA / CROPS["japan-sea"][4]


def crop_etopo5(src: str, bbox: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """The crop as int16 metres, row 0 at the north edge, column 0 at the west edge."""
    lat_min, lat_max, lon_min, lon_max = bbox or (LAT_MIN, LAT_MAX, LON_MIN, LON_MAX)
    from scipy.io import netcdf_file

    with netcdf_file(src, "r", mmap=False) as nc:
        lon = np.asarray(nc.variables["ETOPO05_X"][:], float)
        lat = np.asarray(nc.variables["ETOPO05_Y"][:], float)
        rose = np.asarray(nc.variables["ROSE"][:], float)
    # the file's axis values carry float noise (0.08333411...): snap to the 5' lattice
    ilon = np.rint(lon / STEP_DEG).astype(int)
    ilat = np.rint(lat / STEP_DEG).astype(int)
    cols = np.nonzero((ilon >= round(lon_min / STEP_DEG)) & (ilon <= round(lon_max / STEP_DEG)))[0]
    rows = np.nonzero((ilat >= round(lat_min / STEP_DEG)) & (ilat <= round(lat_max / STEP_DEG)))[0]
    crop = rose[np.ix_(rows, cols)]
    if ilat[rows[0]] < ilat[rows[-1]]:  # south-up in the file: flip to north-up
        crop = crop[::-1]
    expect = (round((lat_max - lat_min) / STEP_DEG) + 1, round((lon_max - lon_min) / STEP_DEG) + 1)
    if crop.shape != expect:
        raise SystemExit(f"{src}: unexpected crop shape {crop.shape}, wanted {expect}")
    return np.rint(crop).astype(np.int16)


def write_geotiff(z: np.ndarray, out: Path, bbox: tuple[float, float, float, float] | None = None) -> None:
    import rasterio
    from rasterio.transform import from_origin

    lat_min, lat_max, lon_min, lon_max = bbox or (LAT_MIN, LAT_MAX, LON_MIN, LON_MAX)
    transform = from_origin(lon_min - STEP_DEG / 2, lat_max + STEP_DEG / 2, STEP_DEG, STEP_DEG)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.tif")
    with rasterio.open(
        tmp, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype="int16",
        crs="EPSG:4326", transform=transform, compress="deflate", predictor=2,
    ) as ds:
        ds.write(z, 1)
        ds.update_tags(
            SOURCE="ETOPO5 5-minute gridded elevation, NOAA NGDC (public domain), "
                   "via Debian ferret-datasets etopo5.cdf",
            UNITS="metres above mean sea level (bathymetry negative)",
            BUILT_BY="tools/build_builtin_dem.py",
        )
        ds.set_band_description(1, "elevation_m")
    tmp.replace(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default=DEFAULT_SRC)
    ap.add_argument("--name", choices=[*CROPS, "all"], default="all")
    a = ap.parse_args()
    for name in (CROPS if a.name == "all" else [a.name]):
        *bbox, fname = CROPS[name]
        z = crop_etopo5(a.src, tuple(bbox))
        out = DATA / fname
        write_geotiff(z, out, tuple(bbox))
        print(f"wrote {out}: {z.shape[0]} x {z.shape[1]} cells, {z.min()}..{z.max()} m")


if __name__ == "__main__":
    main()
