"""Column widths of a Word table from its content, so that no word is broken inside a cell.

Word and LibreOffice break a word across lines when it is wider than its cell
("Outcom/e", "Engage/ment"). :func:`column_widths` measures each cell's words in the
table's typeface (Times New Roman, or the metric-compatible Liberation Serif that
LibreOffice uses in its place) and gives every column at least the width of its
longest word, and more, up to the width of its longest line, as the page allows.
Without either font file a width per letter is assumed that is wider than any
Times letter but "W" and "M" (so words still fit, with room to spare).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CELL_PADDING_PT", "ColumnWidths", "column_widths", "text_width"]

#: Word's default left and right cell margins (0.08 in each), plus a little slack for
#: rounding and for LibreOffice's wider borders.
CELL_PADDING_PT = 2 * 5.76 + 3.0
#: When no font file is found: an em share per letter no wider Times letter exceeds
#: (bar "W", "M", "m" and a few symbols, which are counted wider below).
_FALLBACK_EM = 0.62
_WIDE = {"W": 0.95, "M": 0.9, "m": 0.8, "w": 0.75, "%": 0.85, "@": 0.95}
#: The font files searched, regular and bold: Times New Roman (Windows, macOS, Linux with
#: the msttcorefonts) first, then Liberation Serif (same widths; Debian's fonts-liberation).
_FONT_FILES = {
    False: ("Times New Roman.ttf", "times.ttf", "Times_New_Roman.ttf",
            "LiberationSerif-Regular.ttf"),
    True: ("Times New Roman Bold.ttf", "timesbd.ttf", "Times_New_Roman_Bold.ttf",
           "LiberationSerif-Bold.ttf"),
}
_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts",
                 "~/.local/share/fonts", "/Library/Fonts", "/System/Library/Fonts",
                 "C:/Windows/Fonts")


@dataclass(frozen=True)
class ColumnWidths:
    """The widths of a table's columns (points) and the font size they were measured at."""

    widths: tuple[float, ...]
    size: float
    #: True when even the longest words at the smallest size are wider than the page: the
    #: table runs into the margin rather than breaking a word.
    overflows: bool = False


def column_widths(rows: Sequence[Sequence[str]], *, available: float,
                  sizes: Sequence[float] = (12, 11, 10, 9, 8),
                  header_rows: int = 1) -> ColumnWidths:
    """Column widths (points) so that every word of every cell fits on one line.

    Parameters
    ----------
    rows : sequence of sequence of str
        The cells' text, header row(s) first.
    available : float
        The width of the page between its margins, in points.
    sizes : sequence of float
        Font sizes to try, largest first: the first at which the longest words fit.
    header_rows : int
        How many rows are column heads (measured in bold).

    Returns
    -------
    ColumnWidths
        Each column at least as wide as its longest word plus the cell's padding; the
        room left is shared out in proportion to what each column's longest line still
        needs, and no column is wider than its longest line.
    """
    n = max((len(r) for r in rows), default=0)
    if n == 0:
        return ColumnWidths((), sizes[0])
    for size in sizes:
        least, most = _needs(rows, n, size, header_rows)
        if sum(least) <= available:
            break
    else:
        return ColumnWidths(tuple(least), size, overflows=True)
    if sum(most) <= available:
        return ColumnWidths(tuple(most), size)
    spare = available - sum(least)
    wants = [m - w for w, m in zip(least, most, strict=True)]
    share = spare / sum(wants) if sum(wants) else 0.0
    return ColumnWidths(tuple(w + want * share for w, want in zip(least, wants, strict=True)),
                        size)


def _needs(rows: Sequence[Sequence[str]], n: int, size: float,
           header_rows: int) -> tuple[list[float], list[float]]:
    least = [0.0] * n
    most = [0.0] * n
    for r, row in enumerate(rows):
        bold = r < header_rows
        for c, text in enumerate(row[:n]):
            words = str(text).split()
            if not words:
                continue
            longest = max(text_width(w, size, bold=bold) for w in words)
            line = text_width(" ".join(words), size, bold=bold)
            least[c] = max(least[c], longest + CELL_PADDING_PT)
            most[c] = max(most[c], line + CELL_PADDING_PT)
    return least, most


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` on one line in Times New Roman at ``size`` points."""
    metrics = _metrics(bold)
    if metrics is None:
        return sum(_WIDE.get(ch, _FALLBACK_EM) for ch in text) * size
    advances, default = metrics
    return sum(advances.get(ord(ch), default) for ch in text) * size


@functools.cache
def _metrics(bold: bool) -> tuple[dict[int, float], float] | None:
    """Advance widths (em) by code point, and the widest as the default; None without a file."""
    path = _font_file(bold)
    if path is None:
        return None
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        units = font["head"].unitsPerEm
        hmtx = font["hmtx"]
        advances = {code: hmtx[glyph][0] / units
                    for code, glyph in font.getBestCmap().items()}
    return advances, max(advances.values(), default=1.0)


def _font_file(bold: bool) -> Path | None:
    for name in _FONT_FILES[bold]:
        for folder in _FONT_FOLDERS:
            root = Path(folder).expanduser()
            if not root.is_dir():
                continue
            direct = root / name
            if direct.is_file():
                return direct
            found = next(iter(sorted(root.rglob(name))), None)
            if found is not None:
                return found
    return None
