"""The radar catalogue: provenance, lookups, convenience methods and bad entries."""

import copy
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from foxbat.errors import FoxbatError, ScenarioError
from foxbat.radar import catalogue as cat
from foxbat.radar.detection import required_snr_db

DATA = Path(cat.__file__).parent / "data" / "radars.yaml"
REQUIRED = ["AN/FPS-20 class (JASDF 1976)", "P-14 Tall King", "P-35/P-37 Bar Lock",
            "P-15 Flat Face (P-19 proxy)", "AN/APQ-120", "RP-25 Smerch-A"]


def test_catalogue_loads_with_the_required_types():
    types = cat.load_catalogue()
    for name in REQUIRED:
        assert name in types
    assert cat.get_radar_type("apq120").name == "AN/APQ-120"
    assert cat.get_radar_type("Bar Lock").name == "P-35/P-37 Bar Lock"
    assert cat.get_radar_type("j/fps-20").platform == "ground"


def test_every_figure_has_provenance():
    tag = re.compile(r"\[S\d+\]|textbook", re.IGNORECASE)
    for rt in cat.load_catalogue().values():
        figs = rt.figures()
        assert figs
        for field, fig in figs.items():
            if fig.notional:
                assert fig.reason and "\n" not in fig.reason, (rt.name, field)
            else:
                assert fig.source and tag.search(fig.source), (rt.name, field, fig.source)


def test_figures_the_fact_sheets_give_are_sourced():
    fps = cat.get_radar_type("FPS-20")
    for f in ("frequency_hz", "peak_power_w", "beamwidth_az_deg", "pulse_width_s", "prf_hz",
              "scan_period_s", "instrumented_range_m"):
        assert not getattr(fps, f).notional and "[S1]" in getattr(fps, f).source, f
    apq = cat.get_radar_type("APQ-120")
    assert apq.doppler_processing.value == "none" and apq.improvement_factor_db.value == 0.0
    assert "[S18]" in apq.doppler_processing.source
    assert apq.beamwidth_az_deg.value == 3.7 and "[S18]" in apq.beamwidth_az_deg.source
    # data the fact sheets mark NOT FOUND is notional
    p14 = cat.get_radar_type("P-14")
    assert p14.frequency_hz.notional and p14.reference.rcs_m2.notional
    assert "(GAME)" in p14.reference.range_m.source


def test_unknown_type_lists_the_known_names():
    with pytest.raises(ScenarioError) as exc:
        cat.get_radar_type("AN/SPY-1")
    msg = str(exc.value)
    assert "'AN/SPY-1'" in msg and "AN/APQ-120" in msg and "P-14 Tall King" in msg and "\n" not in msg


def test_snr_and_pd_methods():
    fps = cat.get_radar_type("FPS-20")
    assert fps.is_physical and fps.n_pulses == 15                 # 350 Hz × 12 s × 1.3°/360°
    s = fps.snr_db(np.array([100e3, 200e3]), 10.0)
    assert s[0] - s[1] == pytest.approx(12.0412, abs=1e-4)
    p = fps.pd(np.array([100e3, 300e3, 500e3]), 10.0)
    assert p[0] > 0.99 and 0 < p[1] < 1 and p[2] == 0.0           # beyond the 428 km instrumented range
    # reference-described types give their reference Pd at their reference point
    for name in ("P-14", "P-37", "RP-25"):
        rt = cat.get_radar_type(name)
        ref = rt.reference
        assert not rt.is_physical
        assert rt.pd(ref.range_m.value, ref.rcs_m2.value, swerling=1) == pytest.approx(ref.pd.value, abs=1e-9)
        assert rt.detection_range_m(ref.rcs_m2.value, pd=ref.pd.value) == pytest.approx(ref.range_m.value)
    # the physical APQ-120 sees a 5 m² fighter at about 50 km (its notional losses are set for that)
    apq = cat.get_radar_type("APQ-120")
    assert apq.n_pulses == 11
    assert 45e3 < apq.detection_range_m(5.0) < 60e3


def test_apq120_looking_down_over_the_sea_loses_the_target():
    apq = cat.get_radar_type("APQ-120")
    kw = dict(radar_height_m=6000.0, target_height_m=30.0, surface="sea_state_3")
    free = apq.pd(20e3, 5.0)
    sinr = apq.effective_snr_db(20e3, 5.0, **kw)
    assert free > 0.95 and apq.pd_from_snr(sinr) < 0.05
    # the same radar with a pulse-Doppler improvement factor keeps it
    pdop = apq.model_copy(update={"improvement_factor_db": cat.Figure(value=50.0, notional=True, reason="test"),
                                  "doppler_processing": cat.DopplerChoice(value="pulse_doppler", notional=True,
                                                                          reason="test")})
    assert pdop.pd_from_snr(pdop.effective_snr_db(20e3, 5.0, **kw)) > 0.9


def test_search_volume():
    apq = cat.get_radar_type("APQ-120")
    assert apq.covers(math.radians(50), math.radians(-10))
    assert not apq.covers(math.radians(70), 0.0)
    assert apq.covers(math.radians(350), 0.0) and not apq.covers(math.radians(290), 0.0)   # wraps at ±180°
    fps = cat.get_radar_type("FPS-20")
    assert fps.covers(math.radians(170), math.radians(1)) and not fps.covers(0.0, math.radians(30))


def test_notional_figures_for_reports():
    rp = cat.get_radar_type("RP-25")
    notional = dict(rp.notional_figures())
    assert "frequency_hz" in notional and "reference.rcs_m2" in notional
    assert "instrumented_range_m" not in notional


# ------------------------------------------------------------------ bad entries

def _base_entry():
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return copy.deepcopy(next(e for e in raw["radars"] if e["name"] == "AN/APQ-120"))


def _load_one(tmp_path, entry):
    p = tmp_path / "radars.yaml"
    p.write_text(yaml.safe_dump({"radars": [entry]}, allow_unicode=True), encoding="utf-8")
    return cat.load_catalogue_file(p), p


def _error(tmp_path, entry):
    with pytest.raises(ScenarioError) as exc:
        _load_one(tmp_path, entry)
    msg = str(exc.value)
    assert "\n" not in msg and "radars.yaml" in msg and entry["name"] in msg
    return msg


def test_the_shipped_entry_loads_alone(tmp_path):
    types, _ = _load_one(tmp_path, _base_entry())
    assert types["anapq120"].name == "AN/APQ-120"


def test_negative_power_is_rejected(tmp_path):
    e = _base_entry()
    e["peak_power_w"]["value"] = -165e3
    msg = _error(tmp_path, e)
    assert "peak_power_w" in msg and "> 0" in msg


def test_elevation_limits_must_be_ordered(tmp_path):
    e = _base_entry()
    e["elevation_min_deg"]["value"] = e["elevation_max_deg"]["value"] + 10.0
    msg = _error(tmp_path, e)
    assert "elevation_min_deg" in msg and "below elevation_max_deg" in msg


def test_missing_provenance_is_rejected(tmp_path):
    e = _base_entry()
    del e["frequency_hz"]["source"]
    msg = _error(tmp_path, e)
    assert "frequency_hz" in msg and "source" in msg


def test_notional_needs_a_reason(tmp_path):
    e = _base_entry()
    del e["losses_db"]["reason"]
    msg = _error(tmp_path, e)
    assert "losses_db" in msg and "reason" in msg


def test_physical_and_reference_must_agree(tmp_path):
    e = _base_entry()
    prov = {"notional": True, "reason": "test"}
    ref = {"range_m": {"value": 200e3, **prov}, "rcs_m2": {"value": 5.0, **prov}, "pd": {"value": 0.5, **prov},
           "pfa": {"value": 1e-6, **prov}, "swerling": {"value": 1, **prov}}
    e["reference"] = ref
    msg = _error(tmp_path, e)
    assert "reference" in msg and "differ by more than 3 dB" in msg
    # a reference close to what the physics gives is accepted
    ref["range_m"]["value"] = 51e3
    types, _ = _load_one(tmp_path, e)
    rt = types["anapq120"]
    assert rt.snr_db(51e3, 5.0) == pytest.approx(required_snr_db(0.5, 1e-6, 1, rt.n_pulses), abs=0.2)


def test_neither_physics_nor_reference(tmp_path):
    e = _base_entry()
    del e["losses_db"]
    msg = _error(tmp_path, e)
    assert "physical description" in msg and "reference" in msg


def test_unknown_field_and_bad_doppler_choice(tmp_path):
    e = _base_entry()
    e["peak_power_kw"] = e["peak_power_w"]
    assert "peak_power_kw" in _error(tmp_path, e)
    e = _base_entry()
    e["doppler_processing"]["value"] = "stap"
    assert "doppler_processing" in _error(tmp_path, e)
    e = _base_entry()
    e["improvement_factor_db"]["value"] = 30.0            # contradicts doppler_processing: none
    assert "improvement_factor_db" in _error(tmp_path, e)


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(FoxbatError):
        cat.load_catalogue_file(tmp_path / "missing.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("radars: [", encoding="utf-8")
    with pytest.raises(FoxbatError):
        cat.load_catalogue_file(p)
    p.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="radars"):
        cat.load_catalogue_file(p)
