"""``foxbat catalogue``: list, show and validate aircraft and radar types (built-in and your own)."""

from __future__ import annotations

import argparse
import math

from foxbat.tables import print_table, text_console


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))
    dir_help = "also a folder (or file) of your own type files, as a scenario's catalogues: lists; repeatable"
    ls = sub.add_parser("list", help="the aircraft and radar types")
    ls.add_argument("--kind", choices=("aircraft", "radar"), default=None, help="only this kind")
    ls.add_argument("--dir", action="append", default=[], metavar="DIR", help=dir_help)
    sh = sub.add_parser("show", help="every figure of a type with its provenance")
    sh.add_argument("name", help="a type name or alias, or the path of a type file (.yaml)")
    sh.add_argument("--kind", choices=("aircraft", "radar"), default=None, help="where a name is both")
    sh.add_argument("--dir", action="append", default=[], metavar="DIR", help=dir_help)
    va = sub.add_parser("validate", help="check type files: one line per problem (file:line: field), exit 2 if any")
    va.add_argument("files", nargs="+", metavar="FILE", help="aircraft or radar type files (.yaml)")


def run(a: argparse.Namespace) -> int:
    return {"list": _list, "show": _show, "validate": _validate}[a.action](a)


def _origin(e) -> str:
    return e.origin


def _list(a) -> int:
    from rich.table import Table

    from foxbat.catalogues import catalogue_for

    cat = catalogue_for(a.dir, where="--dir")
    t = Table(title=f"{a.kind} types" if a.kind else "aircraft and radar types")
    for col in ("kind", "name", "aliases", "what", "notional figures", "from"):
        t.add_column(col)
    for e in sorted(cat.entries, key=lambda e: (e.kind, e.name.lower())):
        if a.kind and e.kind != a.kind:
            continue
        if e.kind == "radar":
            what = f"{e.spec.platform} {e.spec.role.replace('_', ' ')}"
            n_notional = len(e.spec.notional_figures())
        else:
            from foxbat.aircraft.catalogue import notional_figures

            what = "aircraft"
            n_notional = len(notional_figures(e.spec))
        t.add_row(e.kind, e.name, ", ".join(e.aliases), what, str(n_notional), _origin(e))
    print_table(t)
    return 0


def _figures(spec) -> list[tuple[str, object]]:
    """(field, Provenance) of every figure of a type, nested ones as ``a.b``."""
    from pydantic import BaseModel

    from foxbat.provenance import Provenance

    out = []
    for name in type(spec).model_fields:
        v = getattr(spec, name)
        if isinstance(v, Provenance):
            out.append((name, v))
        elif isinstance(v, BaseModel):
            out += [(f"{name}.{k}", x) for k, x in _figures(v)]
    return out


def _value_text(fig) -> str:
    if hasattr(fig, "kg_per_h"):
        return f"{len(fig.altitude_m)} altitudes x {len(fig.mach)} Mach, {min(min(r) for r in fig.kg_per_h):,.0f}" \
               f"-{max(max(r) for r in fig.kg_per_h):,.0f} kg/h"
    if hasattr(fig, "altitude_m") and hasattr(fig, "values"):
        return ", ".join(f"{v:g} at {h:,.0f} m" for h, v in zip(fig.altitude_m, fig.values))
    v = getattr(fig, "value", None)
    if v is None:
        return "none"
    if isinstance(v, float) and math.isfinite(v):
        return f"{v:g}"
    return str(v)


def _show(a) -> int:
    from rich.table import Table

    from foxbat.catalogues import catalogue_for, is_type_path, read_type_file
    from foxbat.errors import ParameterError

    if is_type_path(a.name):
        entries = read_type_file(a.name)
        if a.kind:
            entries = [e for e in entries if e.kind == a.kind]
    else:
        entries = catalogue_for(a.dir, where="--dir").find(a.name, a.kind)
    if not entries:
        from foxbat.catalogues import catalogue_for as _c

        cat = _c(a.dir, where="--dir")
        kinds = (a.kind,) if a.kind else ("aircraft", "radar")
        known = "; ".join(f"{k}: {', '.join(cat.names(k))}" for k in kinds)
        raise ParameterError(f"no type {a.name!r}; known types: {known}", where="foxbat catalogue show")
    console = text_console()
    for e in entries:
        spec = e.spec
        console.print(f"{e.kind} type {spec.name} ({e.origin})" + (f"; aliases: {', '.join(e.aliases)}" if e.aliases else ""))
        if spec.description:
            console.print(" ".join(spec.description.split()), soft_wrap=True)
        t = Table(title=f"{spec.name}: figures")
        for col in ("field", "value", "provenance"):
            t.add_column(col)
        for name, fig in _figures(spec):
            prov = f"notional: {fig.reason}" if fig.notional else f"source: {fig.source}"
            t.add_row(name, _value_text(fig), prov)
        print_table(t, console)
        if e.kind == "radar":
            line = f"derived: gain {spec.gain_dbi:.1f} dBi, {spec.n_pulses} pulses per look"
            try:
                line += f", detects 1 m2 with Pd 0.5 (Swerling 1) at {spec.detection_range_m(1.0) / 1000:,.0f} km " \
                        "in free space"
            except (ValueError, ZeroDivisionError):
                pass
            console.print(line)
    return 0


def _validate(a) -> int:
    from foxbat.catalogues import catalogue_for, read_type_file

    for f in a.files:
        entries = read_type_file(f)
        catalogue_for([f], where=f)  # its names must not clash with the built-in types
        for e in entries:
            n = len(_figures(e.spec))
            k = sum(1 for _, fig in _figures(e.spec) if fig.notional)
            print(f"{f}: valid {e.kind} type {e.name!r} ({n} figures, {k} notional)")
    return 0
