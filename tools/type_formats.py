#!/usr/bin/env python3
"""Write docs/aircraft-format.md and docs/radar-format.md from the type schemas (pydantic
models) and the example files in docs/examples/types, so the formats can never drift
from what the loader accepts. tests/test_docs.py checks they are current: run this after
changing AircraftSpec, RadarType or an example.

    python tools/type_formats.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenario_reference import _models, _type_name  # noqa: E402  (the scenario reference's helpers)

from pydantic import BaseModel  # noqa: E402
from pydantic_core import PydanticUndefined  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples" / "types"

COMMON_INTRO = """Generated from the schema by `tools/type_formats.py`; do not edit by hand.

A type file is YAML in the same format as foxbat's built-in types. Use one in a scenario
in either of two ways:

- `type: my-types/{example}` (an aircraft's or radar site's `type:`, an interceptor's
  `type:` or `radar:`): the path of a file holding one type, relative to the scenario file;
- `catalogues: [my-types]` at the top of the scenario: every `.yaml` file in the folder adds
  its types, which the scenario then names like built-in ones (`type: {name}`). A user type
  may not reuse the name or alias of another type of its kind.

`foxbat catalogue validate FILE` checks a file (each problem as `file:line: field: what is
wrong`), `foxbat catalogue list --dir my-types` lists it beside the built-in types and
`foxbat catalogue show NAME --dir my-types` prints every figure with its provenance.

**Provenance.** Every figure is a mapping with its `value` and either `source:` (a
citation) or `notional: true` with a one-line `reason:`; a file with a figure that has
neither does not load. Reports list the notional figures of every type a run used.
Units are in the field names (`_m` metres, `_kg` kilograms, `_n` newtons, `_mps` metres
per second, `_kmh` km/h, `_deg` degrees, `_db` decibels, `_hz` hertz, `_s` seconds).
"""

AIRCRAFT_INTRO = """# Aircraft type format

""" + COMMON_INTRO + """
One aircraft type per file: a mapping with the fields below. `foxbat` flies it as a
total-energy point mass (docs/flight.md): thrust available by altitude, Mach and setting,
a drag polar, fuel flow = thrust × TSFC, climb and acceleration from the specific excess
power, runway speeds from mass and CLmax; the speed envelope and load factor bound what a
route may ask. Figures fitted to published performance name the entries of `calibration`
(each a published figure and the mission that reproduces it) in `calibrated_on:`.
"""

RADAR_INTRO = """# Radar type format

""" + COMMON_INTRO + """
A file holds one radar type as a mapping, or several as a `radars:` list (the built-in
catalogue's form; a `type:` path must name a file with exactly one). A type is described
**physically** (`peak_power_w`, `antenna_gain_dbi` or `antenna_efficiency`,
`noise_figure_db`, `losses_db`: the radar equation gives its SNR) or by a **reference
detection** (`reference`: it detects `rcs_m2` at `range_m` with probability `pd` at `pfa`;
the R⁴ law gives its SNR elsewhere), or both, which must then agree within 3 dB.
A ground radar needs `scan_period_s`; an airborne one `frame_time_s` and
`azimuth_half_width_deg`. The elevation limits apply in `foxbat run` and in
`foxbat coverage --sites` alike (the lowest beam elevation raises the lowest visible height;
above the highest lies the cone of silence).
"""


# meanings of fields whose model gives no description (a model's own description wins)
MEANINGS = {
    "name": "the type's name, as a scenario's `type:` names it", "aliases": "other names for it",
    "description": "one line for people", "source": "citation", "notional": "true where the figure is not sourced",
    "reason": "why a notional figure was chosen", "value": "the figure, in the unit its field names",
    # aircraft
    "empty_mass_kg": "empty mass, kg", "takeoff_mass_kg": "normal take-off mass, kg",
    "internal_fuel_kg": "internal fuel, kg (a scenario's default fuel)", "engine_count": "number of engines",
    "tsfc_dry_kg_per_kgf_h": "thrust-specific fuel consumption, dry, kg/(kgf h)",
    "tsfc_ab_kg_per_kgf_h": "thrust-specific fuel consumption with afterburner; null if none",
    "max_mach": "Mach limit by altitude", "ceiling_m": "service ceiling, m MSL",
    "max_descent_rate_mps": "steepest descent rate, m/s", "max_load_factor": "structural load-factor limit, g",
    "rcs_m2": "radar cross section, m2", "wing_area_m2": "reference wing area, m2",
    "idle_fuel_flow_kg_h": "fuel flow at flight idle, all engines, kg/h",
    "airbrake_delta_cd0": "CD0 added by the speed brakes", "clmax_takeoff": "CLmax, take-off configuration",
    "clmax_landing": "CLmax, landing configuration", "rolling_friction": "tyre rolling friction coefficient",
    "braking_friction": "effective braking friction coefficient", "cd0": "zero-lift drag coefficient per Mach",
    "k": "induced-drag factor K per Mach", "calibration": "published figures the type is fitted on or checked against",
    "calibrated_on": "ids of `calibration` entries this figure was fitted to",
    "id": "the entry's id", "what": "what the figure is", "kind": "range, ceiling, climb_time or climb_rate",
    "published": "the published figure (km, m, s or m/s by kind)", "tolerance_rel": "relative tolerance",
    "tolerance_reason": "why that tolerance", "alt_msl_m": "cruise or evaluation altitude, m MSL",
    "to_alt_m": "climb_time: the altitude to reach, m MSL",
    "afterburner": "with afterburner", "mass_kg": "mass, kg (default: take-off mass)",
    "fuel_kg": "fuel, kg (default: internal fuel)",
    "altitude_m": "altitudes of the table's rows, m MSL, increasing", "values": "one value per altitude",
    "mach": "Mach numbers of the table's columns, increasing", "derivation": "how the table was made",
    # radar
    "platform": "ground (a site) or airborne (an interceptor's radar)",
    "role": "search, height_finder or intercept", "frequency_hz": "carrier frequency, Hz",
    "peak_power_w": "peak transmitted power, W (physical description)",
    "antenna_gain_dbi": "antenna gain, dBi (or give antenna_efficiency)",
    "antenna_efficiency": "aperture efficiency, 0-1: gain from the beamwidths as 4 pi eta / (az el)",
    "beamwidth_az_deg": "3 dB azimuth beamwidth, deg", "beamwidth_el_deg": "3 dB elevation beamwidth, deg",
    "pulse_width_s": "pulse length, s (sets the noise bandwidth and the clutter cell)",
    "prf_hz": "pulse repetition frequency, Hz (pulses per look = PRF x time on target)",
    "noise_figure_db": "receiver noise figure, dB", "losses_db": "total system losses, dB",
    "pulses_per_dwell": "pulses integrated per look, if not from PRF and scan",
    "pfa": "false-alarm probability per cell", "reference": "a reference detection (instead of or beside the physics)",
    "scan_period_s": "antenna revolution period of a ground radar, s",
    "frame_time_s": "time for an airborne radar to sweep its volume, s", "bars": "elevation bars of an airborne scan",
    "azimuth_half_width_deg": "airborne: half width of the scan from the nose, deg",
    "bar_spacing_deg": "airborne: elevation between bar centres, deg (needed for more than one bar)",
    "lock_on_range_m": "airborne: no lock-on (track mode) beyond this range, m",
    "contact_m": "airborne: hits needed in the last contact_n frames for a contact",
    "contact_n": "airborne: frames the contact rule counts over",
    "elevation_min_deg": "lowest beam elevation, deg above the horizontal (ground radar)",
    "elevation_max_deg": "highest beam elevation, deg: above it lies the cone of silence",
    "instrumented_range_m": "instrumented range, m: no detection beyond",
    "elevation_pattern": "elevation pattern shape: sinc, gaussian or csc2 (docs/propagation.md)",
    "elevation_tilt_deg": "elevation of the main beam's peak, deg (needed with a pattern)",
    "csc2_max_elevation_deg": "top of the cosecant-squared fill, deg (needed for csc2)",
    "elevation_sidelobe_db": "floor of the elevation pattern, dB below the peak (default -30)",
    "hard_elevation_limits": "whether elevation_min/max_deg still cut detection off (default: only without a pattern)",
    "polarization": "h or v: the polarisation the surface reflection sees (default h)",
    "doppler_processing": "clutter rejection: none, mti or pulse_doppler",
    "improvement_factor_db": "clutter improvement factor of the Doppler processing, dB (0 for none)",
    "sigma_range_m": "range measurement noise (1 sigma), m", "sigma_bearing_deg": "bearing noise (1 sigma), deg",
    "sigma_elevation_deg": "elevation noise (1 sigma), deg: a ground radar that gives it (height finder, 3-D) "
                           "measures elevation, one without it (2-D) reports no height",
    "range_m": "reference range, m", "pd": "detection probability at the reference",
    "swerling": "Swerling case of the reference target: 0, 1 or 3",
}


def _table(model: type[BaseModel]) -> list[str]:
    lines = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for fname, f in model.model_fields.items():
        if f.is_required():
            default = "**required**"
        elif f.default is PydanticUndefined or f.default_factory is not None:
            default = "(empty)"
        else:
            default = f"`{f.default!r}`"
        desc = (f.description or MEANINGS.get(fname, "")).replace("|", "\\|")
        lines.append(f"| `{fname}` | {_type_name(f.annotation)} | {default} | {desc} |")
    return lines


def render(root: type[BaseModel], intro: str, example: Path) -> str:
    seen: dict = {}
    _models(root, seen)
    lines = [intro.rstrip(), "", "## A complete example", "",
             f"`docs/examples/types/{example.name}` (every figure notional):", "", "```yaml",
             example.read_text(encoding="utf-8").rstrip(), "```", ""]
    for name, model in seen.items():
        lines += [f"## {name}", ""]
        doc = (model.__doc__ or "").strip()
        if doc:
            lines += [" ".join(doc.split()), ""]
        lines += _table(model) + [""]
    return "\n".join(lines).rstrip() + "\n"


def outputs() -> dict[Path, str]:
    import yaml

    from foxbat.aircraft.catalogue import AircraftSpec
    from foxbat.radar.catalogue import RadarType

    out = {}
    for model, intro, ex, doc in ((AircraftSpec, AIRCRAFT_INTRO, "trainer-jet.yaml", "aircraft-format.md"),
                                  (RadarType, RADAR_INTRO, "gap-filler.yaml", "radar-format.md")):
        path = EXAMPLES / ex
        name = yaml.safe_load(path.read_text(encoding="utf-8"))["name"]
        out[ROOT / "docs" / doc] = render(model, intro.replace("{example}", ex).replace("{name}", name), path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    a = ap.parse_args()
    for path, text in outputs().items():
        if a.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale: run python tools/type_formats.py", file=sys.stderr)
                sys.exit(1)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
