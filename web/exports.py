"""The console's downloads: what is on screen as CSV (UTF-8 with BOM, for Excel) or XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from aiohttp import web

from storage.exports import Cell, csv_text, xlsx_bytes

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(
    fmt: str, filename: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]
) -> web.Response:
    """``rows`` as a file download named ``filename.csv`` or ``filename.xlsx``."""
    name = quote(f"{filename}.{fmt}")
    disposition = f"attachment; filename=export.{fmt}; filename*=UTF-8''{name}"
    if fmt == "xlsx":
        body = xlsx_bytes(header, rows, filename[:31])
        return web.Response(
            body=body, content_type=XLSX_TYPE, headers={"Content-Disposition": disposition}
        )
    text = "\ufeff" + csv_text(header, rows)
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": disposition},
    )
