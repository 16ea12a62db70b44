"""timeline.png: a row's pale "visible, not detected" bars read as one shade wherever they
overlap, and the event labels neither overlap each other nor leave the figure."""

import itertools
import json

import numpy as np
import pytest

from foxbat.report.run_folder import read_run
from foxbat.report.timeline import (EVENT_LABEL_GID, VISIBLE_ALPHA, merge_intervals, pack_labels,
                                    render_timeline, timeline_figure)
from run_fixture import make_run_folder


# ---------------------------------------------------------------- merging a row's bars

@pytest.mark.parametrize("starts, ends, want", [
    ([0, 1], [2, 3], ([0], [3])),                         # overlapping
    ([0, 2], [2, 4], ([0], [4])),                         # touching
    ([0, 1, 2], [10, 3, 4], ([0], [10])),                 # nested (two inside the first)
    ([0, 1, 7], [10, 3, 8], ([0], [10])),                 # nested, the last too
    ([0, 5, 9], [1, 6, 12], ([0, 5, 9], [1, 6, 12])),     # disjoint
    ([9, 0, 5, 0.5], [12, 1, 6, 2], ([0, 5, 9], [2, 6, 12])),  # unsorted, one overlap
    ([3, 3], [3, 5], ([3], [5])),                         # a point at the start of another
    ([1.0], [2.0], ([1.0], [2.0])),
    ([], [], ([], [])),
])
def test_merge_intervals_exact(starts, ends, want):
    a, b = merge_intervals(starts, ends)
    assert a.tolist() == [float(x) for x in want[0]] and b.tolist() == [float(x) for x in want[1]]


def test_merge_intervals_join_gap():
    # scans 12 s apart drawn 12 s wide, their times written to 1e-7 s: one bar with a small join gap
    t = np.array([0.0, 12.0000002, 23.9999999, 60.0])
    assert merge_intervals(t, t + 12.0)[0].tolist() == [0.0, 12.0000002, 60.0]
    a, b = merge_intervals(t, t + 12.0, join_gap_s=1e-3)
    assert a.tolist() == [0.0, 60.0] and b.tolist() == [23.9999999 + 12.0, 72.0]
    # a gap wider than the join gap stays
    a, b = merge_intervals([0.0, 2.5], [2.0, 3.0], join_gap_s=0.4)
    assert a.tolist() == [0.0, 2.5] and b.tolist() == [2.0, 3.0]


def test_merge_intervals_against_a_pixel_oracle():
    """On integer intervals: the union as a set of unit cells, cell by cell."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        s = rng.integers(0, 40, n)
        e = s + rng.integers(1, 9, n)
        cells = np.zeros(60, bool)
        for a, b in zip(s, e):
            cells[a:b] = True
        a, b = merge_intervals(s, e)
        got = np.zeros(60, bool)
        for x, y in zip(a.astype(int), b.astype(int)):
            got[x:y] = True
        assert (got == cells).all()
        assert (np.diff(a) > 0).all() and (a[1:] > b[:-1]).all()  # sorted, disjoint, not touching


# ---------------------------------------------------------------- the pale bars on the image

def _pale_on_white(colour: str) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return (np.array(to_rgb(colour)) * VISIBLE_ALPHA + (1.0 - VISIBLE_ALPHA)) * 255.0


def test_overlapping_pale_bars_are_one_shade(tmp_path):
    """A radar looking every 2 s is drawn with bars one scan period (10 s) wide: before its
    bars were merged, each drew its 28 % alpha over the others, so the overlap came out
    nearly the "detected" colour. Inside the overlap the pixel is now that of one pale bar."""
    from PIL import Image

    d = make_run_folder(tmp_path, with_coverage=False)
    # visible, not detected, every 2 s from 600 to 660 s (overlapping 5-fold), and once alone at 940 s
    rows = [f"{t:.1f},Japan,Testbed,068,true,3.0,0.2,false,0,0\n" for t in [*range(600, 661, 2), 940]]
    with open(d / "looks.csv", "a") as f:
        f.writelines(rows)
    run = read_run(d, coverage=False)
    assert run.scan_period_s() == 10.0  # the bars' width: the fixture's radars' period
    fig = timeline_figure(run)
    ax_det = fig.axes[1]
    row = [t.get_text() for t in ax_det.get_yticklabels()].index("Testbed \u2192 068")
    events = np.array([e["t_s"] for e in run.events])
    png = tmp_path / "timeline.png"
    render_timeline(run, png)
    img = np.asarray(Image.open(png).convert("RGB")).astype(float)
    h = img.shape[0]

    def pixel(t_s):
        assert np.abs(events - t_s).min() > 20 and t_s % 300 > 10  # no event line, no grid line here
        # 0.17 row below the row's middle: inside the pale bar (+-0.25), off the look line (+-0.06)
        x, y = ax_det.transData.transform((t_s, row + 0.17))
        return img[h - int(round(y)), int(round(x))]

    want = _pale_on_white(run.side_color("Japan"))
    single = pixel(945.0)
    assert np.abs(single - want).max() <= 1.0, (single, want)
    for t in (611.0, 633.0, 655.0):  # inside the 5-fold overlap
        assert np.abs(pixel(t) - single).max() <= 1.0, (t, pixel(t), single)


# ---------------------------------------------------------------- the event labels

def _label_boxes(fig):
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    notes = [t for t in ax.texts if t.get_gid() == EVENT_LABEL_GID]
    return ax, notes, [t.get_window_extent(renderer) for t in notes]


def _assert_labels_placed(fig, n_events_min: int):
    ax, notes, boxes = _label_boxes(fig)
    assert len(notes) >= n_events_min
    fb = fig.bbox
    axb = ax.get_window_extent(fig.canvas.get_renderer())
    for t, b in zip(notes, boxes):
        inside_fig = fb.x0 <= b.x0 and b.x1 <= fb.x1 and fb.y0 <= b.y0 and b.y1 <= fb.y1
        assert inside_fig, (t.get_text(), b, fb)
        # inside the altitude panel itself, clear of the legends right of it
        assert axb.x0 <= b.x0 and b.x1 <= axb.x1 and axb.y0 <= b.y0 and b.y1 <= axb.y1, (t.get_text(), b, axb)
    for (ta, a), (tb, b) in itertools.combinations(zip(notes, boxes), 2):
        assert not a.overlaps(b), (ta.get_text(), a, tb.get_text(), b)
    return notes, boxes


@pytest.fixture(scope="module")
def flagship_run(tmp_path_factory):
    from foxbat.cli import main

    out = tmp_path_factory.mktemp("flagship") / "run"
    assert main(["run", "--out", str(out), "--no-reports"]) == 0
    return read_run(out)


def test_flagship_event_labels_inside_and_apart(flagship_run):
    """The flagship's last minutes (Japan's track lost, three landings within 2 min) crowded
    their labels past the altitude panel's right edge, over the legend and each other."""
    fig = timeline_figure(flagship_run)
    notes, boxes = _assert_labels_placed(fig, n_events_min=20)
    texts = "\n".join(t.get_text() for t in notes)
    # every labelled landing is there, the interceptors' without "at 068" (the intruder is no airfield)
    landings = [e for e in flagship_run.events if e["kind"] == "landing"]
    assert len(landings) == 3
    for e in landings:
        assert f"{e['actor']} landing" in texts
    assert "landing at 068" not in texts
    # labels keep their time order left to right
    x0 = [b.x0 for b in boxes]
    assert x0 == sorted(x0)


def _with_events(d, t_s, kind="bingo"):
    lines = (d / "events.jsonl").read_text().splitlines()
    extra = [{"t_utc": "", "t_s": float(t), "side": "Japan", "kind": kind, "actor": f"F-4EJ {i}",
              "target": None, "lat": None, "lon": None, "alt_msl_m": None} for i, t in enumerate(t_s)]
    evs = sorted([json.loads(x) for x in lines] + extra, key=lambda e: e["t_s"])
    (d / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in evs))
    return read_run(d, coverage=False)


def test_crowded_event_labels_are_staggered(tmp_path):
    """75 events 23 s apart (each its own label: a label groups the events of 22 s) in the
    last half hour, about 580 px of the panel, need some 1,200 px side by side: they are
    staggered, inside the panel, no label over another, none grouped coarser."""
    run = _with_events(make_run_folder(tmp_path, with_coverage=False), 1850.0 + 23.0 * np.arange(75))
    fig = timeline_figure(run)
    notes, boxes = _assert_labels_placed(fig, n_events_min=75)
    assert not any("more" in t.get_text() for t in notes if "bingo" in t.get_text())
    tops = sorted({round(b.y1) for b in boxes})
    assert len(tops) >= 2, tops


def test_labels_that_fit_nowhere_are_grouped_coarser(tmp_path):
    """300 events 12 s apart over the whole hour: even on tiers they would run out of the
    panel, so they are grouped into fewer labels ("+n more"), still inside and apart."""
    run = _with_events(make_run_folder(tmp_path, with_coverage=False), 5.0 + 12.0 * np.arange(300))
    fig = timeline_figure(run)
    notes, boxes = _assert_labels_placed(fig, n_events_min=5)
    # a label per 22 s would be about 150 labels, 1 or 2 events each
    assert len(notes) < 100 and any("more" in t.get_text() for t in notes)


def _overlap(l0, w0, d0, n0, l1, w1, d1, n1):
    return l0 < l1 + w1 and l1 < l0 + w0 and d0 < d1 + n1 and d1 < d0 + n0


def test_pack_labels_in_one_row():
    # three labels crowding the right end: pulled back left, in order, 2 px apart
    left, drop = pack_labels([10, 95, 97, 99], [5, 5, 5, 5], [30] * 4, 0, 100, gap_px=2)
    assert left.tolist() == [10, 81, 88, 95] and drop.tolist() == [0, 0, 0, 0]
    # room for all: where they want to be, pushed right of the one before
    left, drop = pack_labels([0, 1, 50], [10, 10, 10], [30] * 3, 0, 100, gap_px=2)
    assert left.tolist() == [0, 12, 50] and drop.tolist() == [0, 0, 0]


def test_pack_labels_staggered():
    # 10 labels of 20 px in 100 px: not in one row (218 px), nor two (108 px each): three
    # rows (labels 0,3,6,9 / 1,4,7 / 2,5,8), each packed, the last of the first pulled in
    want = np.linspace(0, 90, 10)
    length = np.array([50, 10, 10, 10, 50, 10, 10, 10, 10, 10], float)
    left, drop = pack_labels(want, np.full(10, 20.0), length, 0, 100, gap_px=2)
    assert left.tolist() == [0, 10, 20, 30, 40, 50, 58, 70, 80, 80]
    # the first row at the top; each later label in the first gap (2 px clear) below those it
    # would overlap: 1 under 0 (0..50) and 3 (0..10); 4 under 3 and 6; 2 under 0, 1 (52..62), 3; ...
    assert drop.tolist() == [0, 52, 64, 0, 12, 64, 0, 12, 24, 0]
    for i in range(10):
        for j in range(i):
            assert not _overlap(left[i], 20, drop[i], length[i], left[j], 20, drop[j], length[j]), (i, j)


