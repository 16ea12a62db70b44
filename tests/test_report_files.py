"""Run-folder reports: every file is written and parses (PNG, KML, CZML, GeoJSON, HTML)."""

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from foxbat.errors import FoxbatError, InputFileError
from foxbat.report.all_reports import REPORTS, write_reports
from foxbat.report.run_folder import read_run
from run_fixture import DURATION_S, make_run_folder

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = make_run_folder(tmp_path_factory.mktemp("run"))
    write_reports(d)
    return d


def test_read_run(run_dir):
    run = read_run(run_dir)
    assert list(run.aircraft) == ["068", "F-4EJ 1"]
    assert len(run.aircraft["068"]) == DURATION_S + 1
    assert run.aircraft["068"].role == "intruder"
    assert set(run.coverage) == {"USSR", "Japan"}
    assert run.local_tz_name == "JST" and run.low_level_height_m == 250
    assert ("Japan", "J001") in run.tracks
    assert len(run.looks) > 0 and run.looks.detected.dtype == bool
    kinds = {e["kind"] for e in run.events}
    assert {"detection", "track_lost", "airspace_entry", "landing"} <= kinds
    # detected_by follows looks.csv
    det_t = run.looks.t_s[(run.looks.side == "Japan") & (run.looks.target == "068") & run.looks.detected]
    assert run.detected_by("Japan", "068", det_t).all()
    assert not run.detected_by("Japan", "068", [0.0, 100.0]).any()


def test_all_files_exist(run_dir):
    for name in REPORTS:
        p = run_dir / name
        assert p.is_file() and p.stat().st_size > 0, name
    assert not list(run_dir.glob(".*tmp*"))  # no temporary files left behind


@pytest.mark.parametrize("name", ["map.png", "timeline.png"])
def test_png(run_dir, name):
    import matplotlib.image as mpimg

    data = (run_dir / name).read_bytes()
    assert data[:8] == PNG_MAGIC
    img = mpimg.imread(run_dir / name)
    assert img.shape[0] > 400 and img.shape[1] > 800
    assert float(np.std(img[..., :3])) > 0.05  # not a blank image


def test_kml(run_dir):
    run = read_run(run_dir)
    root = ET.parse(run_dir / "flight.kml").getroot()
    assert root.tag == KML + "kml"
    tracks = root.findall(f".//{KML}Folder[{KML}name='Aircraft']//{GX}Track")
    assert len(tracks) == len(run.aircraft)
    for trk, tr in zip(tracks, run.aircraft.values()):
        whens = trk.findall(KML + "when")
        coords = trk.findall(GX + "coord")
        assert len(whens) == len(coords) == len(tr)
        assert trk.find(KML + "altitudeMode").text == "absolute"
        assert whens[0].text == run.utc(tr.t_s[0]).strftime("%Y-%m-%dT%H:%M:%SZ")
        lon, lat, alt = map(float, coords[-1].text.split())
        assert lon == pytest.approx(tr.lon[-1], abs=1e-5) and alt == pytest.approx(tr.alt_msl_m[-1], abs=0.1)
    events = root.findall(f".//{KML}Folder[{KML}name='Events']/{KML}Placemark")
    assert len(events) == sum(e["lat"] is not None for e in run.events)
    assert all(p.find(f"{KML}TimeStamp/{KML}when") is not None for p in events)
    radars = root.findall(f".//{KML}Folder[{KML}name='Radars']/{KML}Placemark")
    assert len(radars) == 2
    assert len(root.findall(f".//{KML}Style")) == 2


def test_czml(run_dir):
    run = read_run(run_dir)
    doc = json.loads((run_dir / "flight.czml").read_text())
    assert isinstance(doc, list)
    assert doc[0]["id"] == "document" and doc[0]["version"] == "1.0"
    clock = doc[0]["clock"]
    assert clock["interval"] == "1976-09-06T03:50:00Z/1976-09-06T04:50:00Z"
    assert clock["currentTime"] == "1976-09-06T03:50:00Z" and clock["multiplier"] > 0
    by_id = {p["id"]: p for p in doc}
    for aid, tr in run.aircraft.items():
        p = by_id[f"aircraft/{aid}"]
        samples = p["position"]["cartographicDegrees"]
        assert len(samples) == 4 * len(tr)
        assert samples[0] == 0 and samples[-4] == pytest.approx(tr.t_s[-1] - tr.t_s[0])
        assert p["position"]["epoch"] == run.utc(tr.t_s[0]).strftime("%Y-%m-%dT%H:%M:%SZ")
        start, end = p["availability"].split("/")
        assert start == p["position"]["epoch"]
        assert {"path", "label", "point"} <= set(p)
    assert "radar/Okushiri" in by_id and "radar/F-4EJ 1 APQ-120" not in by_id


def test_geojson(run_dir):
    run = read_run(run_dir)
    fc = json.loads((run_dir / "paths.geojson").read_text())
    assert fc["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("aircraft") == 2 and kinds.count("track") == len(run.tracks)
    assert kinds.count("event") == sum(e["lat"] is not None for e in run.events)
    for f in fc["features"]:
        g = f["geometry"]
        coords = g["coordinates"] if g["type"] == "LineString" else [g["coordinates"]]
        for c in coords:
            assert 126 <= c[0] <= 148 and 38 <= c[1] <= 48
    ac = [f for f in fc["features"] if f["properties"]["kind"] == "aircraft"]
    assert len(ac[0]["geometry"]["coordinates"]) == len(run.aircraft["068"])
    assert len(ac[0]["geometry"]["coordinates"][0]) == 3


def test_track_without_altitude_is_drawn_on_the_ground_with_a_note(run_dir):
    """The fixture's USSR tracks have no altitude (2-D radars; empty in tracks.csv): KML clamps
    them to the ground, CZML puts them at height 0 clamped to the terrain, GeoJSON gives
    [lon, lat] only; each says the altitude is unknown. Japan's tracks keep their heights."""
    run = read_run(run_dir)
    ussr = [k for k in run.tracks if k[0] == "USSR"]
    japan = [k for k in run.tracks if k[0] == "Japan"]
    assert ussr and japan and all(np.isnan(run.tracks[k].alt_msl_m).all() for k in ussr)
    root = ET.parse(run_dir / "flight.kml").getroot()
    marks = {p.find(KML + "name").text: p for p in root.findall(f".//{KML}Folder[{KML}name='Tracks']/{KML}Placemark")}
    for side, tid in ussr:
        p = marks[f"{side} track {tid}"]
        assert p.find(f"{GX}Track/{KML}altitudeMode").text == "clampToGround"
        assert "altitude unknown" in p.find(KML + "description").text
        assert {float(c.text.split()[2]) for c in p.findall(f"{GX}Track/{GX}coord")} == {0.0}
    for side, tid in japan:
        p = marks[f"{side} track {tid}"]
        assert p.find(f"{GX}Track/{KML}altitudeMode").text == "absolute"
        alts = [float(c.text.split()[2]) for c in p.findall(f"{GX}Track/{GX}coord")]
        assert alts == pytest.approx(list(run.tracks[(side, tid)].alt_msl_m), abs=0.06)
    by_id = {p["id"]: p for p in json.loads((run_dir / "flight.czml").read_text())}
    for side, tid in ussr:
        p = by_id[f"track/{side}/{tid}"]
        assert p["point"]["heightReference"] == "CLAMP_TO_GROUND" and "altitude unknown" in p["description"]
        assert set(p["position"]["cartographicDegrees"][3::4]) == {0.0}
    for side, tid in japan:
        assert "heightReference" not in by_id[f"track/{side}/{tid}"]["point"]
    feats = json.loads((run_dir / "paths.geojson").read_text())["features"]
    tracks = {(f["properties"]["side"], f["properties"]["track_id"]): f for f in feats
              if f["properties"]["kind"] == "track"}
    for k in ussr:
        assert tracks[k]["properties"]["altitude"] == "unknown"
        assert {len(c) for c in tracks[k]["geometry"]["coordinates"]} == {2}
    for k in japan:
        assert {len(c) for c in tracks[k]["geometry"]["coordinates"]} == {3}


def test_replay_has_no_network_references(run_dir):
    text = (run_dir / "replay.html").read_text()
    assert 'id="slider"' in text and 'id="play"' in text and 'id="clock"' in text and 'id="events"' in text
    assert '<script type="application/json"' in text
    assert "data:image/png;base64," in text
    fetching = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//"""
                          r"""|url\(\s*["']?\s*(?:https?:)?//|@import|\bfetch\s*\(|XMLHttpRequest|"""
                          r"""\bimport\s*\(|<link[^>]+stylesheet|WebSocket|EventSource|sendBeacon""", re.I)
    assert not fetching.search(text), fetching.search(text).group(0)
    assert not re.search(r"https?://", text)


def test_reports_without_coverage(tmp_path):
    d = make_run_folder(tmp_path, with_coverage=False)
    paths = write_reports(d)
    assert all(p.is_file() for p in paths)
    assert read_run(d).coverage == {}


@pytest.mark.parametrize("victim", ["run.json", "trajectories.csv", "looks.csv", "radars.json"])
def test_missing_file_is_named(tmp_path, victim):
    d = make_run_folder(tmp_path, with_coverage=False)
    (d / victim).unlink()
    with pytest.raises(InputFileError, match=re.escape(victim)):
        read_run(d)


def test_malformed_files_are_named(tmp_path):
    d = make_run_folder(tmp_path, with_coverage=False)
    lines = (d / "trajectories.csv").read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[5], "north", 1)
    (d / "trajectories.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"trajectories\.csv line 6.*lat.*north"):
        read_run(d)
    make_run_folder(tmp_path, with_coverage=False)
    (d / "events.jsonl").write_text('{"t_s": 1}\n')
    with pytest.raises(InputFileError, match=r"events\.jsonl line 1.*lacks"):
        read_run(d)
    make_run_folder(tmp_path, with_coverage=False)
    (d / "run.json").write_text("{not json")
    with pytest.raises(FoxbatError, match=r"run\.json.*not valid JSON"):
        read_run(d)
    make_run_folder(tmp_path, with_coverage=False)
    (d / "looks.csv").write_text("t_s,side\n1,USSR\n")
    with pytest.raises(InputFileError, match=r"looks\.csv.*lacks column"):
        read_run(d)
    make_run_folder(tmp_path, with_coverage=False)
    (d / "coverage_Japan.tif").write_text("not a tif")
    with pytest.raises(InputFileError, match=r"coverage_Japan\.tif"):
        read_run(d)


def test_no_run_folder(tmp_path):
    with pytest.raises(InputFileError, match="no such run folder"):
        read_run(tmp_path / "nope")
