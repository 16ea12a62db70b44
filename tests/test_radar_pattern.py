"""Antenna elevation patterns: analytic values of each shape, the catalogue fields."""

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from foxbat.errors import ParameterError, ScenarioError
from foxbat.radar import catalogue as cat
from foxbat.radar.pattern import elevation_pattern_db

R = np.radians
HALF_POWER_DB = -10 * math.log10(2)  # −3.0103 dB


@pytest.mark.parametrize("shape", ["sinc", "gaussian", "csc2"])
def test_half_power_at_half_the_beamwidth_off_the_tilt(shape):
    bw, tilt = R(4.0), R(3.0)
    g = elevation_pattern_db(np.array([tilt - bw / 2, tilt, tilt + bw / 2]), beamwidth_el_rad=bw, tilt_rad=tilt,
                             shape=shape, csc2_max_rad=R(30.0))
    np.testing.assert_allclose(g, [HALF_POWER_DB, 0.0, HALF_POWER_DB], atol=1e-6)


def test_sinc_first_null_and_sidelobe():
    # uniform aperture: amplitude sin x / x, x = 1.39156·Δ/(θ/2); first sidelobe −13.26 dB at
    # x = 4.4934 (tan x = x), first null at x = π (floored at the sidelobe level)
    bw = R(2.0)
    to_delta = lambda x: x * (bw / 2) / 1.391557378251  # noqa: E731
    assert elevation_pattern_db(to_delta(4.493409), beamwidth_el_rad=bw, shape="sinc") == pytest.approx(-13.2614,
                                                                                                      abs=1e-3)
    assert elevation_pattern_db(to_delta(math.pi), beamwidth_el_rad=bw, shape="sinc", sidelobe_db=-40) == -40


def test_gaussian_at_one_beamwidth():
    # G = −10·log10(2)·(2Δ/θ)²: −12.04 dB one full beamwidth off the peak
    assert elevation_pattern_db(R(2.0), beamwidth_el_rad=R(2.0), shape="gaussian") == pytest.approx(
        4 * HALF_POWER_DB, abs=1e-9)


def test_cosecant_squared_fill():
    # power gain ∝ csc²θ from the upper half-power edge θe to θmax: G(θ) − G(θe) = 20·log10(sin θe/sin θ)
    bw, tilt, top = R(2.5), R(1.5), R(25.0)
    edge = tilt + bw / 2
    el = R(np.array([3.0, 5.0, 10.0, 20.0, 25.0]))
    g = elevation_pattern_db(el, beamwidth_el_rad=bw, tilt_rad=tilt, shape="csc2", csc2_max_rad=top,
                             sidelobe_db=-60)
    np.testing.assert_allclose(g, HALF_POWER_DB + 20 * np.log10(math.sin(edge) / np.sin(el)), atol=1e-9)
    # above the top the fill rolls off (Gaussian, same beamwidth) down to the floor
    above = elevation_pattern_db(R(np.array([25.0, 26.25, 40.0])), beamwidth_el_rad=bw, tilt_rad=tilt,
                                 shape="csc2", csc2_max_rad=top, sidelobe_db=-40)
    assert above[1] == pytest.approx(above[0] + HALF_POWER_DB, abs=1e-9) and above[2] == -40


def test_floor():
    g = elevation_pattern_db(R(np.array([-30.0, 60.0])), beamwidth_el_rad=R(3.0), tilt_rad=R(2.0),
                             shape="gaussian", sidelobe_db=-27.0)
    np.testing.assert_allclose(g, [-27.0, -27.0])


def test_bad_pattern_values():
    with pytest.raises(ParameterError, match="unknown elevation pattern 'cosec'"):
        elevation_pattern_db(0.0, beamwidth_el_rad=0.1, shape="cosec")
    with pytest.raises(ParameterError, match="csc2_max_elevation_deg"):
        elevation_pattern_db(0.0, beamwidth_el_rad=0.1, shape="csc2")
    with pytest.raises(ParameterError, match="beamwidth_el_rad"):
        elevation_pattern_db(0.0, beamwidth_el_rad=0.0)


def test_catalogue_patterns():
    p37 = cat.get_radar_type("P-37")
    assert p37.elevation_pattern.value == "csc2" and "[S4]" in p37.elevation_pattern.source
    el = R(np.linspace(-5, 40, 91))
    np.testing.assert_allclose(
        p37.elevation_pattern_db(el),
        elevation_pattern_db(el, beamwidth_el_rad=R(2.5), tilt_rad=R(1.5), shape="csc2", csc2_max_rad=R(25.0),
                             sidelobe_db=-30.0))
    assert not p37.elevation_limits_hard
    fps = cat.get_radar_type("FPS-20")
    assert fps.elevation_pattern.notional and fps.elevation_tilt_deg.notional  # R-B1: not found
    # airborne radars keep their hard scan volume and no pattern
    apq = cat.get_radar_type("APQ-120")
    assert apq.elevation_limits_hard and np.all(apq.elevation_pattern_db(el) == 0.0)
    for rt in cat.load_catalogue().values():
        if rt.platform == "ground":
            assert rt.elevation_pattern is not None and not rt.elevation_limits_hard, rt.name
            assert rt.polarization.value == "h" and rt.polarization.notional, rt.name  # not found: notional


DATA = Path(cat.__file__).parent / "data" / "radars.yaml"


def _entry(name):
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return copy.deepcopy(next(e for e in raw["radars"] if e["name"] == name))


@pytest.mark.parametrize("edit,field", [
    (lambda e: e.pop("csc2_max_elevation_deg"), "csc2_max_elevation_deg"),
    (lambda e: e.pop("elevation_tilt_deg"), "elevation_tilt_deg"),
    (lambda e: e["elevation_sidelobe_db"].update(value=3.0), "elevation_sidelobe_db"),
    (lambda e: e["elevation_pattern"].update(value="cosec"), "elevation_pattern"),
    (lambda e: e["elevation_pattern"].pop("source"), "elevation_pattern"),
    (lambda e: e.pop("elevation_pattern"), "elevation_tilt_deg"),
    (lambda e: e["polarization"].update(value="c"), "polarization"),
])
def test_bad_catalogue_pattern_fields(tmp_path, edit, field):
    e = _entry("P-35/P-37 Bar Lock")
    edit(e)
    p = tmp_path / "radars.yaml"
    p.write_text(yaml.safe_dump({"radars": [e]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        cat.load_catalogue_file(p)
    msg = str(exc.value)
    assert "\n" not in msg and field in msg and "radars.yaml" in msg
