"""Charts drawn on the server as SVG (pygal): no script, no CDN; embedded as data: images,
which the pages' CSP allows (``img-src 'self' data:``)."""

from __future__ import annotations

import pygal
from pygal.style import Style

from storage.services.console.counsel import MonthHours

_STYLE = Style(
    background="white",
    plot_background="white",
    colors=("#b71c1c", "#1565c0"),
    font_family="WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif",
    label_font_size=14,
    legend_font_size=14,
    major_label_font_size=14,
)


def hours_chart(hours: list[MonthHours]) -> str:
    """On-site and off-site hours per month, stacked bars, as a ``data:`` URI."""
    chart = pygal.StackedBar(
        style=_STYLE,
        width=720,
        height=320,
        js=(),  # no script inside the image
        legend_at_bottom=True,
        y_title="小时",
        print_values=False,
        disable_xml_declaration=False,
    )
    chart.x_labels = [str(h.month) for h in hours]
    chart.add("现场", [round(h.onsite / 60, 1) for h in hours])
    chart.add("非现场", [round(h.offsite / 60, 1) for h in hours])
    return str(chart.render_data_uri())
