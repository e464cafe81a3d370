"""HTML for quality gates, from ``GateResult.to_dict()`` / ``CheckResult.to_dict()`` values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mlops_kit.report._html import Raw, badge, escape, format_number, page, table

__all__ = ["check_result_html", "gate_html", "gate_html_fragment"]

_EXTRA_CSS = (
    "<style>details{margin:2px 0}summary{cursor:pointer}pre.mk{background:#f5f7fa;"
    "padding:8px;font-size:0.85em;max-height:320px;overflow:auto;white-space:pre-wrap}</style>"
)


def _interval(ci: Any) -> str:
    if not ci:
        return "—"
    return f"[{format_number(ci[0])}, {format_number(ci[1])}]"


def _evidence(result: Mapping[str, Any]) -> Raw:
    parts = {k: result.get(k) for k in ("counts", "failing_rows", "details", "exception")}
    parts = {k: v for k, v in parts.items() if v not in (None, [], {})}
    if not parts:
        return Raw("")
    body = escape(json.dumps(parts, indent=2, default=str))
    return Raw(f'<details><summary>evidence</summary><pre class="mk">{body}</pre></details>')


def _rows(gate: Mapping[str, Any]) -> list[list[Any]]:
    rows = []
    for r in gate.get("results", []):
        rows.append(
            [
                badge(str(r.get("status"))),
                r.get("name"),
                r.get("severity"),
                r.get("value"),
                r.get("threshold"),
                _interval(r.get("confidence_interval")),
                Raw(escape(r.get("message", "")) + _evidence(r)),
            ]
        )
    return rows


_HEADERS = ["status", "check", "severity", "value", "threshold", "interval", "message"]
_NUMERIC = [False, False, False, True, True, False, False]


def gate_html_fragment(gate: Mapping[str, Any]) -> str:
    """The gate's verdict and its table of checks, as an HTML fragment (for notebooks).

    Examples
    --------
    >>> html = gate_html_fragment({"name": "g", "passed": True, "results": []})
    >>> "PASSED" in html
    True
    """
    passed = bool(gate.get("passed"))
    results = list(gate.get("results", []))
    tally: dict[str, int] = {}
    for r in results:
        tally[str(r.get("status"))] = tally.get(str(r.get("status")), 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(tally.items())) or "no checks"
    verdict = badge("PASSED" if passed else "FAILED", "pass" if passed else "fail")
    fail_on = escape(", ".join(gate.get("fail_on", [])))
    checks = table(_HEADERS, _rows(gate), numeric=_NUMERIC)
    return (
        f"{_EXTRA_CSS}<div><h3>Quality gate {escape(gate.get('name', ''))} {verdict}</h3>"
        f'<p class="muted">{escape(summary)}; failing on {fail_on}</p>{checks}</div>'
    )


def gate_html(gate: Mapping[str, Any]) -> str:
    """A complete self-contained HTML page for a gate (no network access needed).

    Examples
    --------
    >>> doc = gate_html({"name": "promotion", "passed": False, "results": [
    ...     {"name": "auc", "status": "fail", "severity": "fail", "message": "too low"}]})
    >>> doc.startswith("<!DOCTYPE html>"), "too low" in doc
    (True, True)
    """
    subtitle = (
        f"evaluated {gate.get('created_at', '')} in {format_number(gate.get('duration'))} s"
        f" · mlops_kit {gate.get('mlops_kit_version', '')}"
    )
    return page(
        f"Quality gate: {gate.get('name', '')}", gate_html_fragment(gate), subtitle=subtitle
    )


def check_result_html(result: Mapping[str, Any]) -> str:
    """One check's result as an HTML fragment.

    Examples
    --------
    >>> "rows" in check_result_html({"name": "rows", "status": "pass", "message": "ok"})
    True
    """
    return str(table(_HEADERS, _rows({"results": [result]}), numeric=_NUMERIC))
