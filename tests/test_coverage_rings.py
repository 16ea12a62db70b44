"""`foxbat coverage --rings-json`: tar1090's upintheair.json, read back and checked against
the coverage raster and the smooth-sphere horizon."""

import json

import numpy as np
import pytest
import rasterio
from pyproj import Geod, Transformer
from rasterio.transform import from_origin

from foxbat.cli import main
from foxbat.geo import horizon_distance_m

UTM54 = "EPSG:32654"
CX, CY = 500000.0, 4760000.0  # about 43.0 N, 141.0 E
GEOD = Geod(ellps="WGS84")


def write_dem(path, z, cell):
    nr, nc = z.shape
    tr = from_origin(CX - nc / 2 * cell, CY + nr / 2 * cell, cell, cell)
    with rasterio.open(path, "w", driver="GTiff", width=nc, height=nr, count=1, dtype="float32",
                       crs=UTM54, transform=tr) as ds:
        ds.write(z.astype(np.float32), 1)
    return path


def centre():
    lon, lat = Transformer.from_crs(UTM54, "EPSG:4326", always_xy=True).transform(CX, CY)
    return lat, lon


def run_cli(args, capsys):
    rc = main([str(a) for a in args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def read_rings(path):
    """The file as tar1090's drawUpintheair reads it: data.rings[i].alt (m) and
    data.rings[i].points[j] = [lat, lon]."""
    data = json.loads(path.read_text())
    out = {}
    for ring in data["rings"]:
        pts = np.array(ring["points"], float)
        assert pts.ndim == 2 and pts.shape[1] == 2
        out[float(ring["alt"])] = pts
    return data, out


def polar(lat0, lon0, pts):
    az, _, d = GEOD.inv(np.full(len(pts), lon0), np.full(len(pts), lat0), pts[:, 1], pts[:, 0])
    return np.mod(az, 360.0), d


def test_flat_sea_ring_is_the_smooth_sphere_horizon(tmp_path, capsys):
    cell = 500.0
    dem = write_dem(tmp_path / "flat.tif", np.zeros((701, 701)), cell)
    lat, lon = centre()
    out = tmp_path / "upintheair.json"
    rc, _, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                          "--max-range-km", 170, "--out", tmp_path / "c.tif", "--rings-json", out,
                          "--alts", "100,1000"], capsys)
    assert rc == 0, err
    data, rings = read_rings(out)
    assert list(rings) == [100.0, 1000.0]
    assert data["refraction"] == pytest.approx(0.25) and data["rings"][0]["alt_ref"] == "msl"
    for alt, pts in rings.items():
        az, d = polar(lat, lon, pts)
        # sqrt(2kR h1) + sqrt(2kR h2): 54.25 km (10 m, 100 m), 143.38 km (10 m, 1000 m)
        want = horizon_distance_m(10.0, alt)
        assert np.abs(d - want).max() < 2 * cell, (alt, d.min(), d.max(), want)
        # points clockwise from north, [lat, lon]: the first is due north of the receiver
        assert np.all(np.diff(az[1:]) > 0) and (az[0] < 0.01 or az[0] > 359.99)
        assert pts[0, 0] > lat + 0.4 and abs(pts[0, 1] - lon) < 1e-3
        assert len(pts) >= 360 and not np.array_equal(pts[0], pts[-1])  # the reader closes it


def hills(n, cell, seed=5):
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:n, 0:n]
    z = np.zeros((n, n))
    for _ in range(25):
        r0, c0 = rng.uniform(0, n, 2)
        w = rng.uniform(3e3, 9e3) / cell
        z += rng.uniform(200, 1200) * np.exp(-((r - r0) ** 2 + (c - c0) ** 2) / (2 * w**2))
    z -= 150.0  # some sea (clamped to 0 for line of sight)
    z[n // 2 - 2:n // 2 + 3, n // 2 - 2:n // 2 + 3] = 50.0  # the receiver on low ground
    return z


def test_rings_follow_the_coverage_raster_on_hills(tmp_path, capsys):
    cell, n = 1000.0, 161
    z = hills(n, cell)
    dem = write_dem(tmp_path / "hills.tif", z, cell)
    lat, lon = centre()
    cov_tif, out = tmp_path / "c.tif", tmp_path / "upintheair.json"
    rc, _, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                          "--max-range-km", 75, "--out", cov_tif, "--rings-json", out,
                          "--alts", "600,1500,3000"], capsys)
    assert rc == 0, err
    with rasterio.open(cov_tif) as ds:
        lowest_agl = ds.read(1, masked=True).filled(np.nan)
        transform = ds.transform
    ground = np.maximum(z, 0.0)
    to_utm = Transformer.from_crs("EPSG:4326", UTM54, always_xy=True)
    rows, cols = np.mgrid[0:n, 0:n]
    cx, cy = transform @ (cols + 0.5, rows + 0.5)
    to_ll = Transformer.from_crs(UTM54, "EPSG:4326", always_xy=True)
    clon, clat = to_ll.transform(cx.ravel(), cy.ravel())
    cell_az, cell_d = polar(lat, lon, np.column_stack([clat, clon]))
    _, rings = read_rings(out)
    shadowed_somewhere = False
    for alt, pts in rings.items():
        covered = np.isfinite(lowest_agl) & (lowest_agl + ground <= alt)  # MSL rings
        az, d = polar(lat, lon, pts)
        # each ring point lies in a covered cell (just inside the visible area) ...
        x, y = to_utm.transform(pts[:, 1], pts[:, 0])
        col, row = ~transform @ (np.asarray(x), np.asarray(y))
        r, c = np.floor(row).astype(int), np.floor(col).astype(int)
        assert covered[r, c].all(), alt
        # ... and no covered cell lies beyond the ring at its bearing (just outside is not
        # visible): the ring radius there, the larger of the two neighbouring bearings',
        # plus a cell for the cell's own size
        step = 360.0 / len(pts)
        i0 = np.floor(cell_az / step).astype(int) % len(pts)
        ring_r = np.maximum(d[i0], d[(i0 + 1) % len(pts)])
        beyond = covered.ravel() & (cell_d > ring_r + 1.5 * cell)
        assert not beyond.any(), (alt, int(beyond.sum()))
        # and the ring is tight: most covered cells at each bearing's ring radius exist
        # (the farthest covered cell per bearing sector is within 1.5 cells of the ring)
        sector_max = np.zeros(len(pts))
        np.maximum.at(sector_max, i0[covered.ravel()], cell_d[covered.ravel()])
        assert np.median(np.abs(sector_max - d)) < 1.5 * cell
        # on hills the visible area has holes inside the ring: the ring is not its area
        inside = (cell_d < ring_r - 2 * cell) & np.isfinite(lowest_agl.ravel())
        shadowed_somewhere |= bool((inside & ~covered.ravel()).any())
    assert shadowed_somewhere
    # higher rings reach farther on every bearing
    alts = sorted(rings)
    for lo, hi in zip(alts, alts[1:]):
        assert (polar(lat, lon, rings[hi])[1] >= polar(lat, lon, rings[lo])[1] - 1.0).all()


def test_agl_rings_and_range_limit_note(tmp_path, capsys):
    cell = 1000.0
    dem = write_dem(tmp_path / "flat.tif", np.full((121, 121), 200.0), cell)
    lat, lon = centre()
    out = tmp_path / "r.json"
    rc, text, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                             "--max-range-km", 50, "--out", tmp_path / "c.tif", "--rings-json", out,
                             "--alts", "100,10000", "--alt-ref", "agl"], capsys)
    assert rc == 0, err
    data, rings = read_rings(out)
    assert data["rings"][0]["alt_ref"] == "agl"
    # 100 m above a flat plain: the smooth-sphere horizon, 54.25 km, is cut at 50 km
    _, d = polar(lat, lon, rings[100.0])
    assert np.abs(d - 50e3).max() < 2 * cell
    assert "10000 m AGL ring reaches the 50 km range limit" in text and "100 m AGL ring" in text


def test_rings_are_deterministic(tmp_path, capsys):
    dem = write_dem(tmp_path / "h.tif", hills(81, 1000.0), 1000.0)
    lat, lon = centre()
    texts = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        rc, _, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                              "--max-range-km", 35, "--out", tmp_path / f"c{i}.tif", "--rings-json", out,
                              "--alts", "1000"], capsys)
        assert rc == 0, err
        texts.append(out.read_bytes())
    assert texts[0] == texts[1]


@pytest.mark.parametrize("args, words", [
    ([], ["--alts", "--rings-json needs the ring altitudes"]),
    (["--alts", "1000,0"], ["--alts", "must be > 0", "got 0"]),
    (["--alts", "-300"], ["--alts", "must be > 0"]),
    (["--alts", "1000,x"], ["--alts", "comma-separated"]),
    (["--alts", "1000", "--site", "43.1,141.0,b"], ["--rings-json", "one receiver", "2 sites"]),
])
def test_ring_input_errors(tmp_path, capsys, args, words):
    dem = write_dem(tmp_path / "flat.tif", np.zeros((41, 41)), 1000.0)
    lat, lon = centre()
    out = tmp_path / "upintheair.json"
    rc, _, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon},a", "--antenna-agl", 10,
                          "--max-range-km", 15, "--out", tmp_path / "c.tif", "--rings-json", out, *args], capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1, err
    for w in words:
        assert w in err, err
    assert not out.exists() and not (tmp_path / "c.tif").exists()


def test_rings_output_path_checked_first(tmp_path, capsys):
    dem = write_dem(tmp_path / "flat.tif", np.zeros((41, 41)), 1000.0)
    lat, lon = centre()
    folder = tmp_path / "upintheair.json"
    folder.mkdir()
    rc, _, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                          "--out", tmp_path / "c.tif", "--rings-json", folder, "--alts", "1000"], capsys)
    assert rc == 2 and "--rings-json" in err and "is a folder" in err
    assert not (tmp_path / "c.tif").exists()
    rc, _, err = run_cli(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                          "--out", tmp_path / "c.tif", "--rings-json", dem, "--alts", "1000"], capsys)
    assert rc == 2 and "--rings-json" in err and "is the input --dem" in err

