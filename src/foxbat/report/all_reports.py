"""All the run reports at once: map.png, timeline.png, replay.html, flight.kml, flight.czml, paths.geojson.

>>> from foxbat.report.all_reports import write_reports
>>> write_reports("runs/belenko")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from foxbat.report.czml import write_czml
from foxbat.report.kml import write_kml
from foxbat.report.paths_geojson import write_paths_geojson
from foxbat.report.replay import write_replay_html
from foxbat.report.run_folder import read_run
from foxbat.report.run_map import render_run_map
from foxbat.report.timeline import render_timeline

#: Report file name -> writer(run, path).
REPORTS = {
    "map.png": render_run_map,
    "timeline.png": render_timeline,
    "replay.html": write_replay_html,
    "flight.kml": write_kml,
    "flight.czml": write_czml,
    "paths.geojson": write_paths_geojson,
}


def write_reports(run_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Read the run folder and write every report into it (or ``out_dir``); return the paths."""
    run = read_run(run_dir)
    out = Path(out_dir) if out_dir is not None else Path(run_dir)
    return [writer(run, out / name) for name, writer in REPORTS.items()]
