"""Writing tables out: CSV text (UTF-8, Excel-friendly BOM optional) and XLSX bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

Cell = str | int | float | bool | None


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A CSV document with ``header`` then ``rows`` (``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


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
        ws.append(list(row))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
