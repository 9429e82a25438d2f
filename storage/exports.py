"""Writing tables out: CSV text and XLSX bytes, with formula-looking text made inert."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

Cell = str | int | float | bool | None
# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection):
# =HYPERLINK(...) in a summary must stay text. CSV gets a leading apostrophe (the
# importer takes it off again), XLSX a cell typed as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> Cell:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` made inert, as it was (for importing an export back)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A CSV document with ``header`` then ``rows`` (``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else neutralise(v) for v in row] for row in rows)
    return out.getvalue()


def _xml_safe(value: Cell) -> Cell:
    """Text without the control characters XML (so XLSX) cannot hold: one stray BEL in a
    summary must not make the whole export fail."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Cell]], sheet: str) -> bytes:
    """An XLSX workbook with one sheet: ``header`` in bold, then ``rows``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_xml_safe(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
