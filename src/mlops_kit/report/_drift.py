"""HTML rendering of drift reports, from the plain dictionary of ``DriftReport.to_dict()``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from mlops_kit.report._html import (
    Raw,
    badge,
    bar_chart_svg,
    escape,
    format_number,
    grouped_bar_chart_svg,
    page,
    table,
)

__all__ = ["render_column_fragment", "render_drift_fragment", "render_drift_page"]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)  # also parses "NaN", "Infinity"


def _severity(col: Mapping[str, Any]) -> float:
    threshold = _num(col.get("threshold")) or 0.0
    if col.get("kind") == "distance":
        stat = _num(col.get("statistic")) or 0.0
        if math.isnan(stat):
            return 0.0
        if threshold <= 0:
            return math.inf if stat > 0 else 0.0
        return stat / threshold
    p = _num(col.get("adjusted_p_value"))
    if p is None or math.isnan(p) or not 0.0 < threshold < 1.0:
        return 0.0
    return math.inf if p <= 0 else math.log(p) / math.log(threshold)


def _ordered(columns: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Most severe first: drifted columns, then by decreasing severity."""
    return sorted(columns, key=lambda c: (not c.get("drifted"), -_severity(c)))


def _proportions(counts: Sequence[int]) -> list[float]:
    total = float(sum(counts))
    return [c / total if total else 0.0 for c in counts]


def _labels(dist: Mapping[str, Any]) -> list[str]:
    if dist.get("categories"):
        return [str(c) for c in dist["categories"]]
    edges = [format_number(float(e), 3) for e in dist.get("edges", [])]
    if not edges:
        return [str(i) for i in range(len(dist["reference_counts"]))]
    inner = [f"[{a}, {b})" for a, b in itertools.pairwise(edges)]
    return [f"< {edges[0]}", *inner, f">= {edges[-1]}"]


#: Categorical charts show at most this many bars; the rest are summed in one.
MAX_BARS = 40


def _chart(col: Mapping[str, Any]) -> str:
    dist = col.get("distribution")
    if not dist:
        return '<p class="muted">No distribution recorded.</p>'
    labels = _labels(dist)
    ref = _proportions(dist["reference_counts"])
    cur = _proportions(dist["current_counts"])
    if len(labels) > MAX_BARS:  # keep the bins that weigh most on either side
        order = sorted(range(len(labels)), key=lambda i: -max(ref[i], cur[i]))
        keep = sorted(order[: MAX_BARS - 1])
        rest = order[MAX_BARS - 1 :]
        labels = [*(labels[i] for i in keep), f"({len(rest)} more)"]
        ref = [*(ref[i] for i in keep), sum(ref[i] for i in rest)]
        cur = [*(cur[i] for i in keep), sum(cur[i] for i in rest)]
    return grouped_bar_chart_svg(
        labels,
        {"reference": ref, "current": cur},
        title=f"{col['column']}: reference against current",
    )


def _verdict_line(col: Mapping[str, Any]) -> str:
    stat = format_number(_num(col.get("statistic")))
    thr = format_number(_num(col.get("threshold")))
    if col.get("kind") == "p_value":
        p = format_number(_num(col.get("adjusted_p_value")))
        return f"{col['method']}: statistic {stat}, p-value {p} (threshold {thr})"
    return f"{col['method']}: distance {stat} (threshold {thr})"


def _missing_line(col: Mapping[str, Any]) -> str:
    nan_r, nan_c = col.get("nan_reference", 0), col.get("nan_current", 0)
    inf_r, inf_c = col.get("inf_reference", 0), col.get("inf_current", 0)
    if not (nan_r or nan_c or inf_r or inf_c):
        return ""
    text = f"NaN: {nan_r} reference, {nan_c} current; inf: {inf_r} reference, {inf_c} current"
    mp = _num(col.get("missing_p_value"))
    if mp is not None:
        text += f"; missing-rate change p-value {format_number(mp)}"
    return f'<p class="muted">{escape(text)}</p>'


def render_column_fragment(col: Mapping[str, Any]) -> str:
    """A card for one column: verdict, counts and the chart of both distributions.

    Examples
    --------
    >>> html = render_column_fragment({"column": "x", "method": "psi", "kind": "distance",
    ...     "statistic": 0.3, "threshold": 0.2, "drifted": True, "n_reference": 10,
    ...     "n_current": 10, "distribution": {"categories": ["a", "b"],
    ...     "reference_counts": [5, 5], "current_counts": [1, 9]}})
    >>> "<svg" in html and "drift" in html
    True
    """
    verdict = badge("drift" if col.get("drifted") else "no drift")
    note = f'<p class="muted">{escape(col["note"])}</p>' if col.get("note") else ""
    kind = f" ({escape(col['column_type'])})" if col.get("column_type") else ""
    return (
        f'<div class="card"><h3>{escape(col["column"])}{kind} {verdict}</h3>'
        f"<p>{escape(_verdict_line(col))}</p>"
        f'<p class="muted">n = {col.get("n_reference", 0)} reference, '
        f"{col.get('n_current', 0)} current</p>{_missing_line(col)}{note}{_chart(col)}</div>"
    )


def _summary_table(columns: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for c in columns:
        rows.append(
            [
                c["column"],
                c.get("column_type", ""),
                c["method"],
                _num(c.get("statistic")),
                _num(c.get("p_value")),
                _num(c.get("adjusted_p_value")),
                _num(c.get("threshold")),
                badge("drift" if c.get("drifted") else "no drift"),
                int(c.get("nan_reference", 0)) + int(c.get("inf_reference", 0)),
                int(c.get("nan_current", 0)) + int(c.get("inf_current", 0)),
            ]
        )
    return table(
        [
            "column",
            "type",
            "method",
            "statistic",
            "p-value",
            "adjusted p-value",
            "threshold",
            "verdict",
            "NaN/inf ref",
            "NaN/inf cur",
        ],
        rows,
        numeric=[False, False, False, True, True, True, True, False, True, True],
    )


def _headline(data: Mapping[str, Any]) -> str:
    columns = data.get("columns", [])
    verdict = badge("drift" if data.get("drifted") else "no drift")
    parts = [f"<p>Dataset verdict: {verdict}"]
    if columns:
        n_drifted = sum(1 for c in columns if c.get("drifted"))
        parts.append(
            escape(
                f" — {n_drifted} of {len(columns)} columns drifted (share "
                f"{format_number(float(data.get('drift_share', 0.0)), 3)}, threshold "
                f"{format_number(float(data.get('drift_share_threshold', 0.5)), 3)})"
            )
        )
    parts.append("</p>")
    stat = _num(data.get("statistic"))
    if stat is not None:
        extra = f"{data.get('method', '')}: statistic {format_number(stat)}"
        p = _num(data.get("p_value"))
        if p is not None:
            extra += f", p-value {format_number(p)}"
        thr = _num(data.get("threshold"))
        if thr is not None:
            extra += f", threshold {format_number(thr)}"
        parts.append(f"<p>{escape(extra)}</p>")
    n_ref, n_cur = data.get("n_reference", 0), data.get("n_current", 0)
    det = data.get("detector") or "detector"
    parts.append(
        f'<p class="muted">{escape(det)}: {n_ref} reference rows, {n_cur} current rows; '
        f"mlops_kit {escape(data.get('mlops_kit_version', ''))}</p>"
    )
    return "".join(parts)


def _details(data: Mapping[str, Any]) -> str:
    details = data.get("details") or {}
    if not details:
        return ""
    numeric = {
        str(k): float(v)
        for k, v in details.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    out = ["<h2>Details</h2>"]
    out.append(table(["name", "value"], [[k, v] for k, v in details.items()]))
    if len(numeric) > 1:
        top = sorted(numeric.items(), key=lambda kv: -abs(kv[1]))[:20]
        out.append(bar_chart_svg([k for k, _ in top], [abs(v) for _, v in top]))
    return "".join(out)


def render_drift_fragment(data: Mapping[str, Any]) -> str:
    """The headline and the summary table, for notebooks.

    Examples
    --------
    >>> "Dataset verdict" in render_drift_fragment({"drifted": False, "drift_share": 0.0})
    True
    """
    columns = _ordered(data.get("columns", []))
    body = _headline(data)
    if columns:
        body += _summary_table(columns)
    return f"<div>{body}</div>"


def render_drift_page(data: Mapping[str, Any], *, title: str = "Drift report") -> str:
    """A self-contained page: headline, summary table, then a card per column, most severe first.

    Parameters
    ----------
    data
        The output of ``DriftReport.to_dict()``.
    title
        The page title.

    Examples
    --------
    >>> html = render_drift_page({"drifted": True, "drift_share": 1.0, "columns": []})
    >>> html.startswith("<!DOCTYPE html>")
    True
    """
    columns = _ordered(data.get("columns", []))
    body = [_headline(data)]
    if columns:
        body.append("<h2>Columns</h2>")
        body.append(_summary_table(columns))
        body.append("<h2>Distributions</h2>")
        body.append(
            '<p class="muted">Share of values per bin (overflow bins at both ends) or per '
            "category (unseen categories in their own bin), reference against current.</p>"
        )
        body.extend(render_column_fragment(c) for c in columns)
    body.append(_details(data))
    return page(title, Raw("".join(body)))
