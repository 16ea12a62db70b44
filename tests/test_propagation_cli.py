"""``foxbat propagation``: the CSV, the plot, and one-line errors for bad values."""

import numpy as np
import pytest

from foxbat.cli import main
from foxbat.propagation import propagation_factor_db

BASE = ["propagation", "--freq-mhz", "3000", "--radar-height-m", "10", "--target-height-m", "50",
        "--range-km", "1:80:400"]


def test_csv_and_png(tmp_path, capsys):
    out, png = tmp_path / "f.csv", tmp_path / "f.png"
    assert main(BASE + ["--out", str(out), "--png", str(png)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "range_km,f_db,region"
    rows = [ln.split(",") for ln in lines[1:]]
    assert len(rows) == 400
    r_km = np.array([float(r[0]) for r in rows])
    f_db = np.array([float(r[1]) for r in rows])
    np.testing.assert_allclose(r_km, np.linspace(1, 80, 400), atol=1e-6)
    ref, region = propagation_factor_db(r_km * 1e3, 10.0, 50.0, 3e9)
    np.testing.assert_allclose(f_db, ref, atol=1e-3)
    assert [r[2] for r in rows] == [("interference", "intermediate", "diffraction")[g] for g in region]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "400 ranges" in capsys.readouterr().out


def test_options_reach_the_model(tmp_path):
    out = tmp_path / "f.csv"
    assert main(["propagation", "--freq-mhz", "1300", "--radar-height-m", "600", "--target-height-m", "250",
                 "--range-km", "50:200:4", "--surface", "medium", "--sea-state", "3", "--polarization", "v",
                 "--k", "1.2", "--out", str(out)]) == 0
    f_db = [float(ln.split(",")[1]) for ln in out.read_text().splitlines()[1:]]
    ref, _ = propagation_factor_db(np.linspace(50e3, 200e3, 4), 600.0, 250.0, 1.3e9, surface="medium",
                                   sea_state=3, polarization="v", k=1.2)
    np.testing.assert_allclose(f_db, ref, atol=1e-3)


@pytest.mark.parametrize("change,where", [
    (["--radar-height-m", "-5"], "--radar-height-m"),
    (["--target-height-m", "-1"], "--target-height-m"),
    (["--freq-mhz", "0"], "--freq-mhz"),
    (["--freq-mhz", "-100"], "--freq-mhz"),
    (["--range-km", "50:10:100"], "--range-km"),
    (["--range-km", "10:10:100"], "--range-km"),
    (["--range-km", "1:80:1"], "--range-km"),
    (["--range-km", "1:80"], "--range-km"),
    (["--range-km", "1:80:2.5"], "--range-km"),
    (["--surface", "ice"], "--surface"),
    (["--polarization", "c"], "--polarization"),
    (["--sea-state", "9"], "--sea-state"),
    (["--k", "0"], "--k"),
])
def test_bad_values_one_line_exit_2(tmp_path, capsys, change, where):
    out = tmp_path / "f.csv"
    argv = list(BASE)
    opt = change[0]
    if opt in argv:
        i = argv.index(opt)
        argv[i + 1] = change[1]
    else:
        argv += change
    assert main(argv + ["--out", str(out), "--png", str(tmp_path / "f.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("foxbat propagation: error: ") and where in err
    assert not out.exists() and not (tmp_path / "f.png").exists()
