"""Self-contained HTML reports (inline SVG charts) and JUnit XML, built from plain values.

This package imports no primitive: every primitive hands it plain values (``to_dict()``).

Examples
--------
>>> from mlops_kit.quality import QualityGate, Evidence, checks
>>> import pandas as pd
>>> result = QualityGate([checks.RowCount(min=1)]).evaluate(Evidence(data=pd.DataFrame({"a": [1]})))
>>> gate_junit_xml(result.to_dict()).startswith("<?xml")
True
"""

from mlops_kit.report._gate import gate_html
from mlops_kit.report._junit import gate_junit_xml

__all__ = ["gate_html", "gate_junit_xml"]
