"""Generic building blocks for self-contained HTML reports, from plain values.

Everything here takes plain Python values (strings, numbers, sequences, mappings) and returns
HTML strings. Pages carry their CSS inline and load nothing from the network; charts are inline
SVG. Text is escaped unless it is wrapped in :class:`Raw`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "Raw",
    "badge",
    "bar_chart_svg",
    "escape",
    "format_number",
    "grouped_bar_chart_svg",
    "page",
    "table",
]

#: Colours used for series in charts, in order (colour-blind-friendly blue and orange first).
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")

_STATUS_COLOURS = {
    "pass": ("#e6f4ea", "#1e7b34"),
    "ok": ("#e6f4ea", "#1e7b34"),
    "no drift": ("#e6f4ea", "#1e7b34"),
    "warn": ("#fff4e5", "#9a5b00"),
    "insufficient_data": ("#eef1f5", "#4a5568"),
    "fail": ("#fdecea", "#b3261e"),
    "drift": ("#fdecea", "#b3261e"),
    "error": ("#fdecea", "#b3261e"),
}

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0;padding:24px 32px;color:#1f2933;background:#ffffff;line-height:1.4}
h1{font-size:1.6em;margin:0 0 4px 0}h2{font-size:1.25em;margin:28px 0 8px 0}
h3{font-size:1.05em;margin:0 0 6px 0}.subtitle{color:#52606d;margin:0 0 18px 0}
table.mk{border-collapse:collapse;margin:8px 0 16px 0;font-size:0.92em}
table.mk th,table.mk td{border:1px solid #d9e2ec;padding:4px 10px;text-align:left;
vertical-align:top}table.mk th{background:#f0f4f8}td.num{text-align:right;
font-variant-numeric:tabular-nums}.badge{display:inline-block;padding:1px 8px;border-radius:10px;
font-size:0.85em;font-weight:600}.card{border:1px solid #d9e2ec;border-radius:6px;padding:12px 16px;
margin:12px 0;display:inline-block;vertical-align:top;min-width:420px}
.muted{color:#7b8794;font-size:0.88em}svg text{font-family:inherit}
"""


class Raw(str):
    """A string of HTML that :func:`escape` and :func:`table` insert as is.

    Examples
    --------
    >>> escape(Raw("<b>x</b>"))
    '<b>x</b>'
    """

    __slots__ = ()


def escape(value: Any) -> str:
    """Escape a value for HTML text or attributes; :class:`Raw` strings pass unchanged.

    Examples
    --------
    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    return html.escape(str(value), quote=True)


def format_number(value: float | int | None, digits: int = 4) -> str:
    """A compact human rendering of a number: ``None`` as an em dash, ``digits`` significant.

    Examples
    --------
    >>> format_number(0.000123456), format_number(12345678.0), format_number(None)
    ('0.0001235', '1.235e+07', '—')
    >>> format_number(3)
    '3'
    """
    if value is None:
        return "—"
    if isinstance(value, int):  # bool included
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.{digits}g}"


def badge(text: str, status: str | None = None) -> Raw:
    """A coloured pill: green for ``pass``/``no drift``, red for ``fail``/``drift``, ...

    Parameters
    ----------
    text
        The label.
    status
        The colour key; ``text`` itself by default.

    Examples
    --------
    >>> "fail" in badge("fail")
    True
    """
    bg, fg = _STATUS_COLOURS.get((status or text).lower(), ("#eef1f5", "#1f2933"))
    return Raw(f'<span class="badge" style="background:{bg};color:{fg}">{escape(text)}</span>')


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Sequence[bool] | None = None,
) -> Raw:
    """An HTML table; cells are escaped unless :class:`Raw`, numbers are formatted.

    Parameters
    ----------
    headers
        Column headings.
    rows
        One sequence of cells per row.
    numeric
        Per column, whether to right-align it; by default columns whose cells are all numbers.

    Examples
    --------
    >>> html = table(["name", "value"], [["a<b", 1.5]])
    >>> "<td>a&lt;b</td>" in html, '<td class="num">1.5</td>' in html
    (True, True)
    """
    rows = [list(r) for r in rows]
    if numeric is None:
        numeric = [
            bool(rows)
            and all(
                isinstance(r[i], int | float) and not isinstance(r[i], bool)
                for r in rows
                if i < len(r) and r[i] is not None
            )
            for i in range(len(headers))
        ]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            cls = ' class="num"' if i < len(numeric) and numeric[i] else ""
            text = format_number(cell) if cell is None else escape(cell)
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return Raw(
        f'<table class="mk"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def page(title: str, body: str, *, subtitle: str | None = None) -> str:
    """A complete self-contained HTML5 document with the inline stylesheet.

    Parameters
    ----------
    title
        The page's title and heading (escaped).
    body
        HTML for the body (inserted as is).
    subtitle
        A line under the heading (escaped).

    Examples
    --------
    >>> doc = page("Report <1>", "<p>hello</p>")
    >>> doc.startswith("<!DOCTYPE html>"), "Report &lt;1&gt;" in doc, "http" in doc
    (True, True, False)
    """
    sub = f'<p class="subtitle">{escape(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>{sub}{body}</body></html>\n"
    )


def _nice_max(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10.0**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _svg_open(width: float, height: float, title: str | None) -> list[str]:
    """The opening parts of a chart: the ``<svg>`` tag, its title and a white background."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
    return parts


def grouped_bar_chart_svg(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    width: int = 420,
    height: int = 180,
    max_labels: int = 12,
    title: str | None = None,
) -> Raw:
    """An inline SVG bar chart with one group of bars per label and one colour per series.

    Used for histograms of reference against current (give proportions to compare samples
    of different sizes). Non-finite values are drawn as zero.

    Parameters
    ----------
    labels
        One label per group (bin or category).
    series
        Series name -> one value per label; drawn in order, with a legend.
    width, height
        Size in pixels.
    max_labels
        At most this many x-axis labels are written (evenly spaced).
    title
        An accessible title for the chart.

    Examples
    --------
    >>> svg = grouped_bar_chart_svg(["a", "b"], {"reference": [0.5, 0.5], "current": [0.2, 0.8]})
    >>> svg.startswith("<svg"), svg.count("<rect") >= 4
    (True, True)
    """
    n = len(labels)
    names = list(series)
    values = {k: [float(v) if math.isfinite(float(v)) else 0.0 for v in series[k]] for k in names}
    for k, vals in values.items():
        if len(vals) != n:
            raise ValueError(f"series {k!r} has {len(vals)} values for {n} labels")
    top = _nice_max(max((max(v, default=0.0) for v in values.values()), default=0.0))
    left, right, upper, bottom = 44, 8, 22, 40
    plot_w, plot_h = width - left - right, height - upper - bottom
    parts = _svg_open(width, height, title)
    for frac in (0.0, 0.5, 1.0):
        y = upper + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            'stroke="#d9e2ec" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#52606d">{escape(format_number(top * frac, 3))}</text>'
        )
    if n:
        group_w = plot_w / n
        bar_w = max(group_w * 0.8 / max(len(names), 1), 0.5)
        for j, name in enumerate(names):
            colour = PALETTE[j % len(PALETTE)]
            for i, v in enumerate(values[name]):
                h = plot_h * max(v, 0.0) / top
                x = left + i * group_w + group_w * 0.1 + j * bar_w
                parts.append(
                    f'<rect x="{x:.2f}" y="{upper + plot_h - h:.2f}" width="{bar_w:.2f}" '
                    f'height="{h:.2f}" fill="{colour}"><title>{escape(name)} '
                    f"{escape(labels[i])}: {escape(format_number(v))}</title></rect>"
                )
        step = max(1, math.ceil(n / max_labels))
        for i in range(0, n, step):
            x = left + (i + 0.5) * group_w
            text = str(labels[i])
            text = text if len(text) <= 14 else text[:13] + "…"
            parts.append(
                f'<text x="{x:.1f}" y="{upper + plot_h + 12}" font-size="9" '
                f'text-anchor="end" fill="#52606d" '
                f'transform="rotate(-30 {x:.1f} {upper + plot_h + 12})">{escape(text)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{width - right}" y2="{upper + plot_h}" '
        'stroke="#7b8794" stroke-width="1"/>'
    )
    x = left
    for j, name in enumerate(names):
        colour = PALETTE[j % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 14}" y="15" font-size="11" fill="#1f2933">{escape(name)}</text>'
        )
        x += 24 + 7 * len(str(name))
    parts.append("</svg>")
    return Raw("".join(parts))


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 420,
    bar_height: int = 16,
    colours: Sequence[str] | None = None,
    reference_line: float | None = None,
    title: str | None = None,
) -> Raw:
    """An inline SVG chart of horizontal bars, one per label (e.g. a metric per check or group).

    Parameters
    ----------
    labels
        One label per bar.
    values
        One non-negative value per bar; non-finite values are drawn as zero.
    width, bar_height
        Size in pixels.
    colours
        One colour per bar; the first palette colour by default.
    reference_line
        A value to mark with a vertical dashed line (e.g. a threshold).
    title
        An accessible title for the chart.

    Examples
    --------
    >>> svg = bar_chart_svg(["a", "b"], [1.0, 3.0], reference_line=2.0)
    >>> svg.count("<rect") >= 2, "stroke-dasharray" in svg
    (True, True)
    """
    vals = [float(v) if math.isfinite(float(v)) else 0.0 for v in values]
    if len(vals) != len(labels):
        raise ValueError(f"{len(vals)} values for {len(labels)} labels")
    top = _nice_max(max([*vals, reference_line or 0.0], default=0.0))
    label_w = min(160, 12 + 7 * max((len(str(x)) for x in labels), default=1))
    plot_w = width - label_w - 60
    height = 8 + (bar_height + 6) * len(vals)
    parts = _svg_open(width, height, title)
    for i, (label, v) in enumerate(zip(labels, vals)):
        y = 4 + i * (bar_height + 6)
        w = plot_w * max(v, 0.0) / top
        colour = colours[i] if colours is not None else PALETTE[0]
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.75:.1f}" font-size="11" '
            f'text-anchor="end" fill="#1f2933">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.2f}" height="{bar_height}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.75:.1f}" font-size="10" '
            f'fill="#52606d">{escape(format_number(v))}</text>'
        )
    if reference_line is not None and math.isfinite(reference_line):
        x = label_w + plot_w * reference_line / top
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#b3261e" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return Raw("".join(parts))
