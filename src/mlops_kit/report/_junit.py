"""JUnit XML from a quality gate's plain ``to_dict()`` values (one testcase per check).

==================================  ================================================
result                              JUnit element
==================================  ================================================
fails the gate, status ``fail``     ``<failure type="fail">``
fails the gate, status ``error``    ``<error type="...">`` (the exception's type)
fails the gate, ``insufficient``    ``<failure type="insufficient_data">``
non-gating ``error`` or             ``<skipped>`` with the message
``insufficient_data``
``warn``                            passes, message in ``<system-out>``
``pass``                            passes
==================================  ================================================

So CI marks exactly the checks that failed the gate; the JSON and HTML keep every detail.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

__all__ = ["gate_junit_xml"]


def _fails_gate(result: Mapping[str, Any], fail_on: list[str]) -> bool:
    return result.get("severity") == "fail" and result.get("status") in fail_on


def _text(result: Mapping[str, Any]) -> str:
    lines = [str(result.get("message", ""))]
    for key in ("value", "threshold", "confidence_interval", "counts", "failing_rows"):
        value = result.get(key)
        if value not in (None, [], {}):
            lines.append(f"{key}: {json.dumps(value)}")
    if result.get("exception"):
        lines.append(f"exception: {result['exception']}")
    return "\n".join(lines)


def gate_junit_xml(gate: Mapping[str, Any]) -> str:
    """JUnit XML text for a gate given as ``GateResult.to_dict()`` output.

    Examples
    --------
    >>> gate = {"name": "promotion", "fail_on": ["fail", "error"], "duration": 0.1,
    ...         "created_at": "2026-01-01T00:00:00+00:00", "results": [
    ...     {"name": "auc", "status": "fail", "severity": "fail", "check": "MetricAtLeast",
    ...      "message": "roc_auc 0.7 is below 0.8", "duration": 0.01}]}
    >>> xml = gate_junit_xml(gate)
    >>> '<testsuite name="promotion" tests="1" failures="1"' in xml
    True
    """
    fail_on = list(gate.get("fail_on", ["fail", "error"]))
    results = list(gate.get("results", []))
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    cases = []
    for r in results:
        case = ET.Element(
            "testcase",
            name=str(r["name"]),
            classname=f"mlops_kit.quality.{gate['name']}.{r.get('check') or 'Check'}",
            time=f"{float(r.get('duration', 0.0)):.6f}",
        )
        status, message = r.get("status"), str(r.get("message", ""))
        fails = _fails_gate(r, fail_on)
        if fails and status == "error":
            exc = str(r.get("exception") or "error")
            el = ET.SubElement(case, "error", message=message, type=exc.split(":")[0])
            el.text = _text(r)
            counts["errors"] += 1
        elif fails:
            el = ET.SubElement(case, "failure", message=message, type=str(status))
            el.text = _text(r)
            counts["failures"] += 1
        elif status in ("error", "insufficient_data"):
            ET.SubElement(case, "skipped", message=f"{status}: {message}")
            counts["skipped"] += 1
        elif status == "warn":
            ET.SubElement(case, "system-out").text = f"WARNING: {_text(r)}"
        cases.append(case)
    suite = ET.Element(
        "testsuite",
        name=str(gate["name"]),
        tests=str(len(results)),
        failures=str(counts["failures"]),
        errors=str(counts["errors"]),
        skipped=str(counts["skipped"]),
        time=f"{float(gate.get('duration', 0.0)):.6f}",
        timestamp=str(gate.get("created_at", ""))[:19],  # JUnit's schema: no zone (UTC here)
    )
    suite.extend(cases)
    root = ET.Element(
        "testsuites",
        name="mlops_kit quality gates",
        tests=str(len(results)),
        failures=str(counts["failures"]),
        errors=str(counts["errors"]),
        skipped=str(counts["skipped"]),
        time=f"{float(gate.get('duration', 0.0)):.6f}",
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
