"""The `foxbat coverage` command: its contract and every kind of bad input."""

import os
import subprocess
import sys

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from foxbat.cli import main
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.terrain import open_dem

UTM54 = "EPSG:32654"
# a 1 km UTM grid centred on 500000 E, 4760000 N (about 43.0 N, 141.0 E)
CX, CY = 500000.0, 4760000.0


def write_dem(path, z, nodata=None, count=1, crs=UTM54, cell=1000.0):
    z = np.asarray(z)
    nr, nc = z.shape[-2:]
    tr = from_origin(CX - nc / 2 * cell, CY + nr / 2 * cell, cell, cell)
    with rasterio.open(path, "w", driver="GTiff", width=nc, height=nr, count=count, dtype=z.dtype,
                       crs=crs, transform=tr, nodata=nodata) as ds:
        for b in range(1, count + 1):
            ds.write(z if z.ndim == 2 else z[b - 1], b)
    return path


def centre_latlon():
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(UTM54, "EPSG:4326", always_xy=True).transform(CX, CY)
    return lat, lon


@pytest.fixture
def dem_tif(tmp_path):
    rng = np.random.default_rng(3)
    z = (rng.random((121, 141)) * 300).astype(np.float32)
    return write_dem(tmp_path / "dem.tif", z)


def run_cli(args, capsys):
    rc = main([str(a) for a in args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_single_radar_writes_float32_on_dem_grid(dem_tif, tmp_path, capsys):
    lat, lon = centre_latlon()
    out = tmp_path / "cov.tif"
    rc, _, err = run_cli(["coverage", "--dem", dem_tif, "--site", f"{lat},{lon}", "--antenna-agl", 20,
                          "--max-range-km", 50, "--out", out], capsys)
    assert rc == 0, err
    with rasterio.open(out) as ds, rasterio.open(dem_tif) as src:
        assert ds.count == 1 and ds.dtypes[0] == "float32"
        assert ds.transform == src.transform and ds.crs == src.crs and ds.shape == src.shape
        assert ds.nodata == -9999
        band = ds.read(1)
    api = compute_coverage(open_dem(dem_tif), RadarSite(lat, lon, antenna_agl_m=20, max_range_m=50e3)).lowest_agl_m
    np.testing.assert_array_equal(np.where(np.isnan(api), -9999, api), band)
    assert (band == -9999).any() and (band[60, 70] == 0)  # beyond range / the radar's own cell


def test_network_from_repeated_sites_and_csv_agree(dem_tif, tmp_path, capsys):
    lat, lon = centre_latlon()
    a, b = f"{lat},{lon - 0.3},west", f"{lat + 0.2},{lon + 0.3},east"
    out1, out2 = tmp_path / "n1.tif", tmp_path / "n2.tif"
    rc, _, err = run_cli(["coverage", "--dem", dem_tif, "--site", a, "--site", b, "--antenna-agl", 15,
                          "--max-range-km", 40, "--out", out1], capsys)
    assert rc == 0, err
    csv = tmp_path / "sites.csv"
    csv.write_text(f"name,lat,lon,antenna_agl_m\nwest,{lat},{lon - 0.3},15\neast,{lat + 0.2},{lon + 0.3},15\n")
    rc, _, err = run_cli(["coverage", "--dem", dem_tif, "--sites", csv, "--max-range-km", 40, "--out", out2], capsys)
    assert rc == 0, err
    with rasterio.open(out1) as d1, rasterio.open(out2) as d2:
        assert d1.count == 2 and d1.descriptions[1] == "radar_index"
        np.testing.assert_array_equal(d1.read(), d2.read())
        assert d1.tags()["RADARS"] == "west;east"
        idx = d1.read(2)
        assert set(np.unique(idx)) == {-9999.0, 0.0, 1.0}


def test_default_network_on_builtin_dem(tmp_path, capsys):
    out = tmp_path / "net.tif"
    rc, stdout, err = run_cli(["coverage", "--out", out], capsys)
    assert rc == 0, err
    with rasterio.open(out) as ds:
        names = ds.tags()["RADARS"].split(";")
        assert "Okushiri" in names and "Vladivostok" in names
        lo = ds.read(1)
    # Okushiri's antenna at 600 m MSL over the sea 100 km out: horizon ~101 km, so
    # 100 km west of it (42.16 N, 138.23 E) a target is seen from sea level up
    dem = open_dem()
    r, c = (int(round(v)) for v in dem.rowcol_float(42.16, 138.23))
    assert lo[r, c] == pytest.approx(0.0, abs=1.0)


# --- bad input: one line, exit status 2, nothing written -------------------------------

def _bad(args, capsys, tmp_path, expect):
    out = tmp_path / "out.tif"
    out.write_bytes(b"previous result")  # an earlier result must survive a failed run
    rc, _, err = run_cli(list(args) + ["--out", out], capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in expect:
        assert word in lines[0], lines[0]
    assert out.read_bytes() == b"previous result"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tif")]
    return lines[0]


SITE = ["--site", "43.0,141.0", "--antenna-agl", "10"]


def test_missing_dem(tmp_path, capsys):
    _bad(["coverage", "--dem", tmp_path / "nope.tif", *SITE], capsys, tmp_path, ["--dem", "nope.tif", "no such file"])


def test_dem_not_a_raster(tmp_path, capsys):
    txt = tmp_path / "notes.tif"
    txt.write_text("this is not a raster\n")
    _bad(["coverage", "--dem", txt, *SITE], capsys, tmp_path, ["notes.tif", "not a raster"])


def test_dem_unreadable_truncated(tmp_path, capsys, dem_tif):
    cut = tmp_path / "cut.tif"
    cut.write_bytes(dem_tif.read_bytes()[:200])
    _bad(["coverage", "--dem", cut, *SITE], capsys, tmp_path, ["--dem", "cut.tif"])


def test_dem_is_a_folder(tmp_path, capsys):
    _bad(["coverage", "--dem", tmp_path, *SITE], capsys, tmp_path, ["--dem", "folder"])


def test_multiband_without_band(tmp_path, capsys):
    z = np.zeros((2, 11, 11), np.float32)
    dem = write_dem(tmp_path / "two.tif", z, count=2)
    lat, lon = centre_latlon()
    _bad(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10], capsys, tmp_path,
         ["2 bands", "--band"])


def test_multiband_with_band_works(tmp_path, capsys):
    z = np.stack([np.zeros((11, 11), np.float32), np.full((11, 11), 50, np.float32)])
    dem = write_dem(tmp_path / "two.tif", z, count=2)
    lat, lon = centre_latlon()
    rc, _, err = run_cli(["coverage", "--dem", dem, "--band", 2, "--site", f"{lat},{lon}", "--antenna-agl", 10,
                          "--out", tmp_path / "b2.tif"], capsys)
    assert rc == 0, err


def test_band_out_of_range(tmp_path, capsys, dem_tif):
    lat, lon = centre_latlon()
    _bad(["coverage", "--dem", dem_tif, "--band", 3, "--site", f"{lat},{lon}", "--antenna-agl", 10],
         capsys, tmp_path, ["--band", "1..1"])


def test_site_off_the_dem(tmp_path, capsys, dem_tif):
    _bad(["coverage", "--dem", dem_tif, "--site", "10.0,10.0", "--antenna-agl", 10], capsys, tmp_path,
         ["outside the DEM", "lat"])


def test_site_over_nodata(tmp_path, capsys):
    z = np.full((21, 21), 100, np.int16)
    z[8:13, 8:13] = -32768
    dem = write_dem(tmp_path / "hole.tif", z, nodata=-32768)
    lat, lon = centre_latlon()
    _bad(["coverage", "--dem", dem, "--site", f"{lat},{lon}", "--antenna-agl", 10], capsys, tmp_path,
         ["nodata"])


@pytest.mark.parametrize("k", ["0", "-1.3", "nan", "inf"])
def test_bad_k(tmp_path, capsys, k):
    _bad(["coverage", *SITE, f"--k={k}"], capsys, tmp_path, ["--k", "> 0"])


@pytest.mark.parametrize("rng", ["-5", "0"])
def test_bad_range(tmp_path, capsys, rng):
    _bad(["coverage", *SITE, f"--max-range-km={rng}"], capsys, tmp_path, ["--max-range-km", "> 0"])


@pytest.mark.parametrize("site", ["43.0", "43.0;141.0", "north,east", "95,141", "43,141,x,y", ""])
def test_malformed_site(tmp_path, capsys, site):
    _bad(["coverage", "--site", site, "--antenna-agl", 10], capsys, tmp_path, ["--site"])


def test_site_without_antenna_height(tmp_path, capsys):
    _bad(["coverage", "--site", "43,141"], capsys, tmp_path, ["--antenna-agl"])


def test_negative_antenna_height(tmp_path, capsys):
    _bad(["coverage", "--site", "43,141", "--antenna-agl", "-5"], capsys, tmp_path, ["--antenna-agl", ">= 0"])


def test_not_a_number(tmp_path, capsys):
    _bad(["coverage", *SITE, "--k", "abc"], capsys, tmp_path, ["--k", "invalid float"])


def test_bad_sites_file_names_file_and_field(tmp_path, capsys):
    f = tmp_path / "radars.yaml"
    f.write_text("radars:\n  - name: a\n    lat: 43\n    lon: 141\n    antena_agl_m: 10\n")
    line = _bad(["coverage", "--sites", f], capsys, tmp_path, ["radars.yaml", "radars[0]", "antena_agl_m"])
    assert "allowed" in line


def test_sites_file_bad_yaml_names_line(tmp_path, capsys):
    f = tmp_path / "radars.yaml"
    f.write_text("radars:\n  - name: a\n    lat: [43\n")
    _bad(["coverage", "--sites", f], capsys, tmp_path, ["radars.yaml", "line", "YAML"])


def test_sites_csv_bad_number(tmp_path, capsys):
    f = tmp_path / "s.csv"
    f.write_text("name,lat,lon,antenna_agl_m\na,43,east,10\n")
    _bad(["coverage", "--sites", f], capsys, tmp_path, ["s.csv", "lon", "not a number"])


def test_command_line_entry_point_one_line(tmp_path):
    out = tmp_path / "x.tif"
    p = subprocess.run([sys.executable, "-m", "foxbat.cli", "coverage", "--site", "1,2", "--antenna-agl", "3",
                        "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "outside the DEM" in p.stderr
    assert not out.exists()


def test_command_line_entry_point_fast_exit_keeps_outputs_and_messages(dem_tif, tmp_path):
    """The console script ends `foxbat coverage` with os._exit: the outputs, the summary
    line in a pipe and the exit status must all still be there."""
    lat, lon = centre_latlon()
    out, geo = tmp_path / "cov.tif", tmp_path / "cov.geojson"
    p = subprocess.run([sys.executable, "-m", "foxbat.cli", "coverage", "--dem", str(dem_tif),
                        "--site", f"{lat},{lon}", "--site", f"{lat + 0.1},{lon}", "--antenna-agl", "20",
                        "--max-range-km", "50", "--out", str(out), "--geojson", str(geo)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("foxbat coverage: 2 radar(s)") and str(geo) in p.stdout
    with rasterio.open(out) as ds:
        assert ds.count == 2 and ds.descriptions[1] == "radar_index"
        assert np.isfinite(ds.read(1, masked=True).compressed()).all()
    assert geo.read_text().startswith("{")
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("env, block_port, words", [
    ("cuda", False, ["FOXBAT_LOS_KERNEL", "'cuda' is not a kernel", "auto, c or numba"]),
    ("c", True, ["FOXBAT_LOS_KERNEL", "C port was not built", "C compiler"]),
])
def test_kernel_choice_errors(dem_tif, tmp_path, env, block_port, words):
    """FOXBAT_LOS_KERNEL: an unknown kernel, or c where the port was not built, is one
    line and exit status 2 with nothing written."""
    lat, lon = centre_latlon()
    out = tmp_path / "cov.tif"
    script = ("import sys\n"
              + ("sys.modules['foxbat.coverage._los'] = None  # as if it was never built\n" if block_port else "")
              + "from foxbat.cli import entry\nentry()\n")
    p = subprocess.run([sys.executable, "-c", script, "coverage", "--dem", str(dem_tif), "--site", f"{lat},{lon}",
                        "--antenna-agl", "20", "--out", str(out)],
                       capture_output=True, text=True, env={**os.environ, "FOXBAT_LOS_KERNEL": env})
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    for w in words:
        assert w in p.stderr
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--alts", "30,x"], ["--alts", "comma-separated"]),
    (["--min-elev-deg", "95"], ["--min-elev-deg", "(-90, 90)"]),
    (["--antenna-msl", "nan"], ["--antenna-msl", "finite"]),
    (["--sites", "builtin:belenko-1976"], ["give --site (repeatable) or --sites FILE"]),
    (["--dem", "builtin:mars"], ["no built-in DEM 'mars'", "japan-sea"]),
])
def test_more_option_errors(tmp_path, capsys, args, words):
    extra = ["--geojson", str(tmp_path / "c.geojson")] if args[0] == "--alts" else []
    _bad(["coverage", *SITE, *args, *extra], capsys, tmp_path, words)


def test_out_must_be_a_tif_file(tmp_path, capsys):
    rc, _, err = run_cli(["coverage", *SITE, "--out", tmp_path / "cov.png"], capsys)
    assert rc == 2 and "must end in .tif" in err and len(err.strip().splitlines()) == 1
    folder = tmp_path / "x.tif"
    folder.mkdir()
    rc, _, err = run_cli(["coverage", *SITE, "--out", folder], capsys)
    assert rc == 2 and "is a folder" in err


def test_the_command_with_the_c_port_never_imports_numba(dem_tif, tmp_path):
    """With the C port built, `foxbat coverage` does not load numba at all: its import and
    cached kernels cost the short command about 0.3 s of start-up (README, coverage speed).
    numba is made unimportable in the child; the command must still write the same raster."""
    pytest.importorskip("foxbat.coverage._los")
    lat, lon = centre_latlon()
    outs = []
    for block in (True, False):
        out = tmp_path / f"cov_{block}.tif"
        script = ("import sys\n" + ("sys.modules['numba'] = None  # any import of numba fails\n" if block else "")
                  + "from foxbat.cli import entry\nentry()\n")
        p = subprocess.run([sys.executable, "-c", script, "coverage", "--dem", str(dem_tif), "--site", f"{lat},{lon}",
                            "--antenna-agl", "20", "--out", str(out)], capture_output=True, text=True,
                           env={**os.environ, "FOXBAT_LOS_KERNEL": "auto"})
        assert p.returncode == 0, p.stderr
        with rasterio.open(out) as ds:
            outs.append(ds.read())
    assert np.array_equal(outs[0], outs[1], equal_nan=True)
