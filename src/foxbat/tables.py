"""Tables for people: rich boxes on a terminal, plain aligned columns in a pipe or file.

rich fits a table to the console width and cuts cells (``04:4…``) when the output is
not a terminal; :func:`print_table` prints every cell in full there instead, one row a
line, columns separated by two spaces (easy to read, ``grep`` and ``cut``).
"""

from __future__ import annotations

import sys


def _plain(cell) -> str:
    from rich.text import Text

    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    return str(cell)


def plain_lines(table) -> list[str]:
    """A rich Table as plain text lines: the title, the header, one line per row, no cut."""
    cols = table.columns
    header = [_plain(c.header) for c in cols]
    rows = [[_plain(c) for c in col._cells] for col in cols]
    n = max((len(r) for r in rows), default=0)
    body = []
    for i in range(n):  # a cell of several lines makes a row of several lines
        cells = [(rows[j][i] if i < len(rows[j]) else "").split("\n") for j in range(len(cols))]
        height = max(len(c) for c in cells)
        body += [[c[k] if k < len(c) else "" for c in cells] for k in range(height)]
    widths = [max([len(header[j])] + [len(r[j]) for r in body]) for j in range(len(cols))]
    out = []
    if table.title:
        out.append(_plain(table.title))

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out.append(line(header))
    out += [line(r) for r in body]
    return out


def text_console(stderr: bool = False):
    """A rich Console for lines of text: on a terminal as usual; in a pipe or file no line
    is wrapped at 80 columns (``soft_wrap``), so each message stays one line."""
    from rich.console import Console

    c = Console(stderr=stderr)
    return c if c.is_terminal else Console(stderr=stderr, soft_wrap=True)


def print_table(table, console=None) -> None:
    """Print a rich Table: boxed on a terminal, plain full-width columns otherwise."""
    from rich.console import Console

    console = console or Console()
    if console.is_terminal:
        console.print(table)
        return
    file = console.file or sys.stdout
    file.write("\n".join(plain_lines(table)) + "\n")
    file.flush()
