"""``foxbat vcd``: the detection envelope against the lobe formula, its own margin, the
files and one-line errors."""

import math

import numpy as np
import pytest

from foxbat.cli import main
from foxbat.propagation import propagation_factor_db, ray_elevations_rad
from foxbat.propagation.vcd import ray_point, vertical_coverage
from foxbat.radar import get_radar_type


def test_first_lobe_range_over_a_flat_sea():
    # Over a flat sea the first lobe (elevation λ/(4·h1)) has F = 1 + |Γ|·(reflected /
    # direct pattern voltage), and the detection range there is R_fs·F·√g with g the
    # one-way pattern gain: 40·log10(R_fs/R) + 2·G + 2·20·log10 F = 0.
    rt = get_radar_type("P-14")
    h1, lam = 25.0, 299_792_458.0 / rt.frequency_hz.value
    el_lobe = math.degrees(lam / (4 * h1))
    vc = vertical_coverage(rt, h1, 0.5, k=1e6, elevations_deg=np.array([el_lobe]), n_ranges=20000)
    i = 0
    f_peak = 10 ** (vc.f_db[i] / 20)
    # the reflected ray leaves at −θ, where the beam (tilted up 5.2°) is weaker:
    # F = 1 + |Γ|·g(−θ)/g(θ) in voltage, |Γ_h| of the sea at 1° and 170 MHz 0.99+
    el = math.radians(vc.elevation_deg[i])
    ratio = 10 ** ((rt.elevation_pattern_db(-el) - rt.elevation_pattern_db(el)) / 20)
    assert 0.5 < ratio < 0.9
    assert f_peak == pytest.approx(1 + 0.995 * ratio, abs=0.01)
    expected = vc.free_space_range_km * f_peak * 10 ** (vc.pattern_db[i] / 20)
    assert vc.range_km[i] == pytest.approx(expected, rel=0.002)  # range step 0.01 % of the top


def test_envelope_is_the_last_range_with_margin():
    rt = get_radar_type("P-37")
    vc = vertical_coverage(rt, 10.0, 5.0, elevations_deg=np.array([0.2, 0.5, 1.0, 3.0, 10.0]), n_ranges=4000)
    a = 4 / 3 * 6_371_000.0
    step_km = min(rt.instrumented_range_m.value, 2 * vc.free_space_range_km * 1e3) / 4000 / 1e3
    for e, r_km, p in zip(vc.elevation_deg, vc.range_km, vc.pattern_db):
        assert np.isfinite(r_km)
        beyond = np.arange(r_km + step_km, 2 * vc.free_space_range_km, step_km)
        d, h = ray_point(beyond * 1e3, math.radians(e), 10.0, a)
        h = np.maximum(h, 0)
        g_refl = rt.elevation_pattern_db(ray_elevations_rad(d, 10.0, h)[1]) - p
        f_db, _ = propagation_factor_db(d, 10.0, h, rt.frequency_hz.value, reflected_gain_db=g_refl)
        margin = 40 * np.log10(vc.free_space_range_km / beyond) + 2 * p + 2 * f_db
        assert np.all((margin < 0) | (beyond > rt.instrumented_range_m.value / 1e3)), e
        d0, h0 = ray_point(r_km * 1e3, math.radians(e), 10.0, a)
        g0 = rt.elevation_pattern_db(ray_elevations_rad(d0, 10.0, h0)[1]) - p
        f0, _ = propagation_factor_db(d0, 10.0, h0, rt.frequency_hz.value, reflected_gain_db=g0)
        assert 40 * math.log10(vc.free_space_range_km / r_km) + 2 * p + 2 * float(f0) >= -1e-9


def test_files(tmp_path, capsys):
    out = tmp_path / "vcd.png"
    assert main(["vcd", "--type", "P-14", "--antenna-m", "25", "--rcs", "10", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = (tmp_path / "vcd.csv").read_text().splitlines()
    assert lines[0] == "elevation_deg,range_km,ground_range_km,height_m,pattern_db,f_db"
    assert len(lines) > 1000
    assert "free-space detection range 400 km" in capsys.readouterr().out  # P-14's reference range


@pytest.mark.parametrize("change,where", [
    (["--type", "AN/SPY-1"], "--type"),
    (["--antenna-m", "-3"], "--antenna-m"),
    (["--rcs", "0"], "--rcs"),
    (["--pd", "1.5"], "--pd"),
    (["--swerling", "2"], "--swerling"),
    (["--surface", "ice"], "--surface"),
    (["--max-height-km", "0"], "--max-height-km"),
])
def test_bad_values(tmp_path, capsys, change, where):
    argv = ["vcd", "--type", "P-14", "--antenna-m", "25", "--rcs", "10", "--out", str(tmp_path / "v.png")]
    if change[0] in argv:
        argv[argv.index(change[0]) + 1] = change[1]
    else:
        argv += change
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and where in err
    assert not list(tmp_path.iterdir())
