"""Safe outputs: a file appears complete or not at all (temporary file, then rename); an
output path is checked against the command's inputs and other outputs before any
computation; an output folder is the run's own (a manifest names what foxbat wrote there).

The manifest (``.foxbat-manifest.json`` in an output folder) maps each file foxbat wrote
there to the command that wrote it. A rerun of that command removes its own previous
files before writing the new ones, so old and new results never sit side by side; a
folder holding anything foxbat did not write is refused rather than mixed into.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from foxbat.errors import ParameterError

MANIFEST_NAME = ".foxbat-manifest.json"
# .NAME.PID.RANDOM.tmp: the temporary name of atomic_output
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.tmp$")
# output folders being written by this process: real path -> OutputFolder
_ACTIVE: dict[str, "OutputFolder"] = {}


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale_tmp(folder: str | os.PathLike, name: str | None = None) -> list[str]:
    """Remove temporary files of atomic_output left in ``folder`` by a killed foxbat (their
    process is gone); only those of ``name`` where given. Returns the names removed."""
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for e in entries:
        m = _TMP_RE.match(e)
        if m and (name is None or m["name"] == name) and not _pid_alive(int(m["pid"])):
            try:
                os.unlink(os.path.join(folder, e))
                removed.append(e)
            except OSError:
                pass
    return removed


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``,
    on any error removed. Leftovers of a killed earlier write of ``path`` are removed
    first; inside an output folder being written, the name goes into its manifest
    before the file appears.

    The temporary name is unique (process id and random bits) but the file is not
    created in advance: the writer creates it with the usual permissions, and GDAL
    does not first probe an existing file with every driver (45 ms for a GeoTIFF).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(path.parent, path.name)
    folder = _ACTIVE.get(os.path.realpath(path.parent))
    if folder is not None:
        folder.record(path.name)
    else:
        _note_in_manifest(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text (``\\n`` line ends) atomically."""
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write bytes atomically."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


#: zlib level of figure_png: an RGB image at level 4 is smaller than matplotlib's RGBA at its
#: level 6 (each report figure of the two built-in scenarios: 3 to 14 % smaller) and takes
#: about 30 % less time to encode (level 3: 10 ms less again, but some files 6 % larger)
PNG_COMPRESS_LEVEL = 4


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes (white background, at the figure's dpi).

    The pixels are those ``fig.savefig`` draws, in one pass: savefig first draws the
    whole figure once more without output just to run its layout engine, while here the
    layout (if the figure still has an engine) runs at the start of the one draw. An
    opaque image is written as RGB (no alpha channel: smaller and quicker to encode),
    with matplotlib's metadata (Software, dpi)."""
    import io

    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, PngImagePlugin

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    face = fig.get_facecolor()
    fig.set_facecolor("white")
    try:
        canvas.draw()
    finally:
        fig.set_facecolor(face)
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(rgba[..., :3] if bool(np.all(rgba[..., 3] == 255)) else rgba)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    buf = io.BytesIO()
    image.save(buf, format="png", pnginfo=info, dpi=(fig.dpi, fig.dpi), compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Save a matplotlib figure as PNG atomically (:func:`figure_png`)."""
    return write_bytes(path, figure_png(fig))


# ---------------------------------------------------------------- checking output paths

def _same_path(a: str, b: str) -> bool:
    """The same file: os.path.samefile where both exist, else the same resolved path."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(os.path.abspath(a)) == os.path.realpath(os.path.abspath(b))


def _probe_writable(folder: str) -> str | None:
    """None when a file can be created in ``folder``, else the reason (tried, then removed)."""
    probe = os.path.join(folder, f".foxbat-probe.{os.getpid()}.{os.urandom(4).hex()}")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(probe)
    return None


def check_output_path(where: str, path: str | os.PathLike | None, kind: str = "file") -> None:
    """Refuse (ParameterError naming ``where``) an output path that is empty, a dangling
    link, under a file, of the wrong kind (a folder for a file or the reverse), or in a
    place where nothing can be written. ``kind`` is ``"file"`` or ``"folder"``."""
    if path is None:
        return
    text = os.fspath(path)
    noun = "file name" if kind == "file" else "folder"
    if not text.strip():
        raise ParameterError(f"an empty path; give a {noun}", where=where)
    p = os.path.abspath(text)
    if os.path.islink(text) and not os.path.exists(text):
        raise ParameterError(f"{text!r} is a link to {os.readlink(text)!r}, which does not exist; give a {noun}",
                             where=where)
    if kind == "file" and os.path.isdir(p):
        raise ParameterError(f"{text!r} is a folder; give a file name", where=where)
    if kind == "folder" and os.path.exists(p) and not os.path.isdir(p):
        raise ParameterError(f"{text!r} is a file; give a folder", where=where)
    if kind == "file" and os.path.exists(p) and not os.path.isfile(p):
        raise ParameterError(f"{text!r} is not a regular file; give a file name", where=where)
    # the nearest folder that exists: where the output (or its folders) will be created
    start = p if (kind == "folder" and os.path.isdir(p)) else os.path.dirname(p)
    anc = start
    while not os.path.exists(anc):
        if os.path.islink(anc):  # a dangling link on the way
            raise ParameterError(f"{anc!r} is a link to {os.readlink(anc)!r}, which does not exist", where=where)
        anc = os.path.dirname(anc)
    if not os.path.isdir(anc):
        raise ParameterError(f"{text!r} is under {anc!r}, which is a file, not a folder", where=where)
    why = _probe_writable(anc)
    if why is not None:
        raise ParameterError(f"cannot write in {anc!r} ({why}); give a writable place", where=where)


def check_outputs(outputs: Iterable[tuple[str, str | os.PathLike | None, str]],
                  inputs: Iterable[tuple[str, str | os.PathLike | None]] = ()) -> None:
    """Check every output path (see :func:`check_output_path`), and refuse one that is one of
    the command's ``inputs`` or another of its outputs. ``outputs``: (option, path, "file" or
    "folder"); ``inputs``: (option or file naming it, path). Call before any computation."""
    outs = [(w, os.fspath(p), k) for w, p, k in outputs if p is not None]
    ins = [(w, os.fspath(p)) for w, p in inputs if p is not None and os.fspath(p).strip()]
    for w, p, k in outs:
        check_output_path(w, p, k)
    for i, (w, p, k) in enumerate(outs):
        for wi, pi in ins:
            if _same_path(p, pi):
                raise ParameterError(f"{p!r} is the input {wi}; foxbat would replace it; give another path",
                                     where=w)
            if k == "folder" and os.path.isfile(pi) and Path(os.path.realpath(pi)).parent == Path(os.path.realpath(p)):
                folder_names = _manifest_files(Path(p))
                if os.path.basename(pi) in folder_names:
                    raise ParameterError(f"the input {wi} is a file foxbat wrote in {p!r} and would remove; "
                                         "copy it elsewhere or give another folder", where=w)
        for w2, p2, _ in outs[i + 1:]:
            if _same_path(p, p2):
                raise ParameterError(f"{p!r} is also given as {w2}; give each output its own path", where=w)


# ---------------------------------------------------------------- output folders

def _read_manifest(folder: Path) -> dict[str, str]:
    """name -> command of the files foxbat wrote in ``folder`` ({} without a manifest)."""
    try:
        doc = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = doc.get("files", {})
        return {str(k): str(v) for k, v in files.items() if "/" not in str(k) and str(k) not in ("", ".", "..")}
    except (OSError, ValueError, AttributeError):
        return {}


def _manifest_files(folder: Path) -> set[str]:
    return set(_read_manifest(folder))


def _write_manifest(folder: Path, files: dict[str, str], complete: bool) -> None:
    text = json.dumps({"written_by": "foxbat", "complete": complete, "files": dict(sorted(files.items()))},
                      indent=1) + "\n"
    tmp = folder / f".{MANIFEST_NAME}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / MANIFEST_NAME)


def _note_in_manifest(path: Path) -> None:
    """A file written outside an active output folder (``foxbat coverage --out DIR/x.tif``) into
    a folder foxbat owns: name it in that folder's manifest so the folder stays foxbat's
    (``foxbat run`` may write there later)."""
    folder = path.parent
    if (folder / MANIFEST_NAME).is_file():
        files = _read_manifest(folder)
        if path.name not in files:
            files[path.name] = "foxbat"
            _write_manifest(folder, files, True)


def claim_new_folder(folder: str | os.PathLike) -> None:
    """Give a folder that does not exist yet, or is empty, a manifest, so the files a command
    then writes there are named in it (``foxbat coverage`` into ``foxbat-out/``, where ``foxbat
    run`` writes later). A folder already holding files is left as it is."""
    folder = Path(folder)
    try:
        if folder.exists() and any(not _TMP_RE.match(e) for e in os.listdir(folder)):
            return
    except OSError:
        return
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / MANIFEST_NAME).exists():
        _write_manifest(folder, {}, True)


class OutputFolder:
    """A folder a command writes its results into and owns.

    ``check()`` (before any computation) refuses a folder that holds anything foxbat did
    not write. ``writing()`` removes the command's previous files named in the manifest
    and temporary files of killed runs, then records every file written into the folder
    (the manifest names it before it appears, so an interrupted run is cleaned up by the
    next), and marks the manifest complete at the end.
    """

    def __init__(self, path: str | os.PathLike, command: str, where: str = "--out", own: Iterable[str] = ()):
        self.path = Path(path)
        self.command = command
        self.where = where
        self.own = set(own)  # names the same command writes there by other means (plan --out)
        self._files: dict[str, str] = {}

    def foreign_entries(self) -> list[str]:
        """Names in the folder that foxbat did not write (sorted)."""
        try:
            entries = sorted(os.listdir(self.path))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ParameterError(f"cannot list {str(self.path)!r} ({exc.strerror})", where=self.where) from None
        ours = _manifest_files(self.path)
        out = []
        for e in entries:
            if e == MANIFEST_NAME or e in ours or e in self.own or _TMP_RE.match(e):
                continue
            if (self.path / e).is_dir() and (self.path / e / MANIFEST_NAME).is_file():
                continue  # another command's output folder inside this one (foxbat-out/flight)
            out.append(e)
        return out

    def check(self) -> None:
        """Refuse (ParameterError) a folder holding anything foxbat did not write."""
        check_output_path(self.where, self.path, "folder")
        foreign = self.foreign_entries()
        if foreign:
            shown = ", ".join(repr(e) for e in foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            # a folder from a foxbat without manifests looks foreign too: say so rather than guess and delete
            older = "" if (self.path / MANIFEST_NAME).exists() else (
                f" (a folder written by an older foxbat has no {MANIFEST_NAME}: remove it by hand)")
            raise ParameterError(f"{str(self.path)!r} holds files foxbat did not write ({shown}); give a new or "
                                 f"empty folder, or one foxbat wrote{older}", where=self.where)

    def record(self, name: str) -> None:
        if name not in self._files or self._files[name] != self.command:
            self._files[name] = self.command
            _write_manifest(self.path, self._files, False)

    @contextmanager
    def writing(self) -> Iterator["OutputFolder"]:
        self.check()  # again: the folder may have changed during the computation
        self.path.mkdir(parents=True, exist_ok=True)
        previous = _read_manifest(self.path)
        clean_stale_tmp(self.path)
        # the previous files of this command stay named until they are gone
        self._files = dict(previous)
        _write_manifest(self.path, self._files, False)
        for name, cmd in previous.items():
            if cmd == self.command and (self.path / name).is_file():
                os.unlink(self.path / name)
            if cmd == self.command:
                del self._files[name]
        _write_manifest(self.path, self._files, False)
        key = os.path.realpath(self.path)
        _ACTIVE[key] = self
        try:
            yield self
        finally:
            _ACTIVE.pop(key, None)
        _write_manifest(self.path, self._files, True)

    def written(self) -> list[str]:
        """Names written by this command in this run (sorted)."""
        return sorted(n for n, c in self._files.items() if c == self.command)
