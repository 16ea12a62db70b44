"""The ``foxbat`` command.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; they are imported only when chosen, so the command starts fast.
A FoxbatError becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "coverage": ("foxbat.coverage.cli", "lowest visible height maps for a radar or a network"),
    "fly": ("foxbat.flight.cli", "fly a route with an aircraft's performance and fuel"),
    "run": ("foxbat.run_cli", "run a whole scenario: flight, radars, tracking, interceptors, reports"),
    "scenario": ("foxbat.scenario.cli", "validate, list, show and export scenarios"),
    "plan": ("foxbat.planning.cli", "plan the least visible route within fuel, climb and turn limits"),
    "montecarlo": ("foxbat.montecarlo.cli", "thousands of randomised runs on Dask"),
    "catalogue": ("foxbat.catalogues_cli", "list, show and validate aircraft and radar types (built-in and your own)"),
    "propagation": ("foxbat.propagation.cli", "the propagation factor F (multipath, diffraction) against range"),
    "vcd": ("foxbat.propagation.vcd_cli", "vertical coverage diagram (Blake chart) of a radar type"),
}


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (its first non-option word), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = OneLineParser(prog="foxbat", description=__doc__.splitlines()[0])
    from foxbat import __version__

    parser.add_argument("--version", action="version", version=f"foxbat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    chosen = _chosen_command(argv)
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:  # only the chosen subcommand's module is imported
            importlib.import_module(module).add_arguments(p)
    return parser


def _small_pages() -> None:
    """Ask numpy not to madvise huge pages for big arrays. On kernels whose huge pages are
    defragmented on demand (``defrag = madvise``) the first touch of a 400 MB array then
    stalls in memory compaction (0.9 s measured here against 0.15 s with small pages),
    which would dominate a coverage command on a 10001 x 10001 grid."""
    import numpy as np

    setter = getattr(getattr(np, "_core", None), "multiarray", None)
    setter = getattr(setter, "_set_madvise_hugepage", None) or getattr(
        getattr(getattr(np, "core", None), "multiarray", None), "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def _no_cloud_sessions() -> None:
    """Keep rasterio from importing boto3 for AWS sessions (0.13 s of every command
    where boto3 is installed): foxbat reads only local files. Only the command does
    this; the Python API leaves the caller's imports alone."""
    sys.modules.setdefault("boto3", None)  # type: ignore[arg-type]  # import boto3 -> ImportError


def _lazy_numpy_extras() -> None:
    """Load numpy.f2py and numpy.testing on first use. scipy copies numpy's namespace when
    it is first imported (``from numpy import *`` in its array-API layer), which imports
    numpy's Fortran wrapper generator and its test helpers (with unittest): about 0.07 s of
    every command that uses scipy, for modules no command uses. importlib's LazyLoader makes
    each a module that loads itself when one of its names is first used. Only the command
    does this; the Python API leaves the caller's imports alone."""
    import importlib.util

    import numpy as np

    for name in ("f2py", "testing"):
        full = f"numpy.{name}"
        if full in sys.modules or name in vars(np):
            continue
        spec = importlib.util.find_spec(full)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
        setattr(np, name, module)  # as an import does (numpy's __getattr__ would import it again)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """True when a KeyboardInterrupt lies in the cause/context chain of ``exc``."""
    seen = 0
    while exc is not None and seen < 100:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def main(argv: list[str] | None = None) -> int:
    from foxbat.errors import FoxbatError

    _no_cloud_sessions()
    _small_pages()
    _lazy_numpy_extras()

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (one line, status 2) and --help/--version
        return int(exc.code or 0)
    if not args.command:
        parser.print_help()
        return 2
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except FoxbatError as exc:
        print(f"foxbat {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"foxbat {args.command}: interrupted", file=sys.stderr)
        return 130
    except SystemError as exc:
        # Ctrl-C inside a compiled kernel (numba: the planner's search) surfaces as a chain of
        # "returned a result with an exception set", a KeyboardInterrupt at its root
        if _caused_by_interrupt(exc):
            print(f"foxbat {args.command}: interrupted", file=sys.stderr)
            return 130
        raise


# commands whose process may skip the interpreter's clean-up once they are done: they
# leave no temporary files, child processes (run reaps the ones it forks) or open datasets
# behind, and their exit handlers only free memory. Tearing down a process holding several
# hundred MB of arrays costs `foxbat coverage` about 35 ms; `foxbat run`, with numba,
# scipy, Stone Soup and matplotlib loaded, 0.2-0.3 s of CPU (benchmarks/run_speed.py: exit)
FAST_EXIT_COMMANDS = frozenset({"coverage", "run"})


def entry() -> None:
    """The ``foxbat`` console script: main(), then exit (fast where the command allows)."""
    rc = main()
    if _chosen_command(sys.argv[1:]) in FAST_EXIT_COMMANDS:
        import os

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more to say
                pass
        os._exit(rc)
    sys.exit(rc)


if __name__ == "__main__":
    entry()
