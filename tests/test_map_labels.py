"""The run map's labels: placed round their points without overlapping one another or the
markers, inside the axes, in the layout the saved figure keeps (run_map._place_labels)."""

from __future__ import annotations

import itertools
import json

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from foxbat.report.run_map import _place_labels


def _figure():
    fig = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect(1.3)  # as the map: aspect-locked, so the layout leaves the axes off their grid cell
    ax.set_title("a title\non two lines")
    fig.supxlabel("a note under the map")
    return fig, ax


def _labels(ax):
    return [t for t in ax.texts if t.get_zorder() == 12]


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def test_crowded_labels_do_not_overlap_and_stay_inside():
    fig, ax = _figure()
    # six two-line labels on one point: the ten offsets next to it hold four of them at
    # most, the rest go one or two label heights further up or down
    items = [(f"label {i}\nsecond line {i}", 50.0, 50.0, dict(fontsize=9)) for i in range(6)]
    items.append(("far", 10.0, 90.0, dict(fontsize=9)))
    _place_labels(fig, ax, items, avoid=[(52.0, 52.0)])
    assert fig.get_layout_engine().__class__.__name__ == "PlaceHolderLayoutEngine"  # kept for the save
    fig.canvas.draw()  # the boxes where the saved figure has them
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in _labels(ax)]
    assert len(boxes) == 7
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)
    axbox = ax.get_window_extent(r)
    for b in boxes:
        assert axbox.x0 <= b.x0 and b.x1 <= axbox.x1 and axbox.y0 <= b.y0 and b.y1 <= axbox.y1
    px, py = ax.transData.transform((52.0, 52.0))  # the marker's 12 px square stays clear
    marker = type(boxes[0]).from_extents(px - 6, py - 6, px + 6, py + 6)
    assert not any(_overlap(b, marker) for b in boxes)


def test_the_map_is_saved_in_the_layout_its_labels_were_placed_in(tmp_path, monkeypatch):
    """The labels are placed in the layout the map is saved with (before, they were placed
    in a layout without the title and the note, and the save laid the map out again)."""
    from foxbat.report import run_map
    from foxbat.report.run_folder import read_run
    from run_fixture import make_run_folder

    seen = {}
    place, save = run_map._place_labels, run_map.save_figure

    def boxes(ax):
        return [ax.get_window_extent().bounds] + [t.get_window_extent().bounds for t in _labels(ax)]

    def spy_place(fig, ax, items, avoid=()):
        place(fig, ax, items, avoid)
        seen["placed"] = boxes(ax)

    def spy_save(fig, path):
        out = save(fig, path)
        seen["saved"] = boxes(fig.axes[0])
        return out

    monkeypatch.setattr(run_map, "_place_labels", spy_place)
    monkeypatch.setattr(run_map, "save_figure", spy_save)
    run_map.render_run_map(read_run(make_run_folder(tmp_path / "run")), tmp_path / "map.png")
    assert len(seen["placed"]) > 3  # the axes and some labels
    assert np.allclose(seen["placed"], seen["saved"])


def test_points_off_the_map_get_no_label():
    fig, ax = _figure()
    _place_labels(fig, ax, [("off", 150.0, 50.0, {}), ("on", 50.0, 50.0, {})])
    assert [t.get_text() for t in _labels(ax)] == ["on"]


def test_the_maps_note_fits_in_the_figure(tmp_path, monkeypatch):
    """The note under the map goes on as many lines as it takes: on one line it ran past
    the figure's right edge (the flagship's 271 characters; the run fixture's too)."""
    from foxbat.report import run_map
    from foxbat.report.run_folder import read_run
    from run_fixture import make_run_folder

    seen = {}
    save = run_map.save_figure

    def spy_save(fig, path):
        out = save(fig, path)
        (note,) = [t for t in fig.texts if t.get_text().startswith("Coverage:")]
        seen["note"], seen["fig"] = note.get_window_extent(), fig.bbox
        seen["lines"] = note.get_text().count("\n") + 1
        return out

    monkeypatch.setattr(run_map, "save_figure", spy_save)
    d = make_run_folder(tmp_path / "run")
    meta = json.loads((d / "run.json").read_text())  # as many notional figures as the flagship names
    meta["notional"] = [{"what": f"radars[{n}]"} for n in ("Okushiri", "Tobetsu", "Ominato", "Kamo", "Erimo")]
    (d / "run.json").write_text(json.dumps(meta))
    run_map.render_run_map(read_run(d), tmp_path / "map.png")
    assert seen["lines"] >= 2
    assert seen["fig"].x0 <= seen["note"].x0 and seen["note"].x1 <= seen["fig"].x1
    assert seen["fig"].y0 <= seen["note"].y0
