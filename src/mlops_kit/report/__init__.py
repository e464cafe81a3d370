"""Self-contained HTML reports (inline SVG charts) and JUnit XML, built from plain values.

This package imports no primitive: every primitive hands it plain values.
"""

from mlops_kit.report._gate import gate_html
from mlops_kit.report._junit import gate_junit_xml

__all__ = ["gate_html", "gate_junit_xml"]
