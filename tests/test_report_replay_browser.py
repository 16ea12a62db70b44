"""The HTML replay in a real browser (Chromium via Playwright): no errors, no network, the slider moves."""

import os
import shutil

import pytest

from foxbat.report.replay import write_replay_html
from foxbat.report.run_folder import read_run
from run_fixture import make_run_folder

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must install it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def replay_file(tmp_path_factory):
    d = make_run_folder(tmp_path_factory.mktemp("run"))
    return write_replay_html(read_run(d), d / "replay.html")


def test_replay_in_chromium(replay_file, tmp_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright is not installed (pip install playwright)")
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(exe):
        _need("chromium is not installed (apt-get install chromium)")
    url = replay_file.resolve().as_uri()
    requests, errors, console = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: console.append((m.type, m.text)))
            page.goto(url)
            page.wait_for_function("window.foxbatReplay && window.foxbatReplay.state().bg_loaded",
                                   timeout=15000)
            api = "window.foxbatReplay"
            s0 = page.evaluate(f"{api}.state()")
            assert s0["t_s"] == 0 and not s0["playing"]
            a0 = {a["id"]: a for a in s0["aircraft"]}
            assert a0["068"]["visible"] and not a0["F-4EJ 1"]["visible"]  # the interceptor is not up yet

            # the slider, as a user moves it
            page.evaluate("""() => { const s = document.querySelector('#slider'); s.value = 2400;
                                     s.dispatchEvent(new Event('input', {bubbles: true})); }""")
            s1 = page.evaluate(f"{api}.state()")
            assert s1["t_s"] == 2400
            a1 = {a["id"]: a for a in s1["aircraft"]}
            assert a1["068"]["x"] - a0["068"]["x"] > 100  # flew east across the map
            assert a1["F-4EJ 1"]["visible"]
            assert "04:30:00 UTC" in page.inner_text("#clock") and "13:30:00 JST" in page.inner_text("#clock")
            past = page.eval_on_selector_all("#events li.past", "els => els.length")
            total = page.eval_on_selector_all("#events li", "els => els.length")
            assert 0 < past < total

            # seek through the API and by clicking an event
            page.evaluate(f"{api}.seek(600)")
            assert page.evaluate(f"{api}.state()")["aircraft"][0]["x"] < a1["068"]["x"]
            page.click("#events li:nth-child(5)")
            t_clicked = float(page.get_attribute("#events li:nth-child(5)", "data-t"))
            assert page.evaluate(f"{api}.state()")["t_s"] == pytest.approx(t_clicked)

            # play advances time
            page.select_option("#speed", "300")
            t_before = page.evaluate(f"{api}.state()")["t_s"]
            page.click("#play")
            page.wait_for_timeout(700)
            s2 = page.evaluate(f"{api}.state()")
            assert s2["playing"] and s2["t_s"] > t_before + 30
            page.click("#play")
            assert not page.evaluate(f"{api}.state()")["playing"]

            shot = tmp_path / "replay.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert errors == []
    assert [c for c in console if c[0] == "error"] == []
    assert [u for u in requests if u != url and not u.startswith("data:")] == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
