"""The HTML gate report renders in a real browser (headless Chromium): not blank, verdicts shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from browser_support import needs_chromium, screenshot
from mlops_kit.quality import Evidence, QualityGate, checks

pytestmark = needs_chromium


def test_gate_report_renders_its_verdicts(tmp_path: Path) -> None:
    data = pd.DataFrame({"amount": [1.0, 2.0, np.nan, 400.0], "country": ["fr", "de", "fr", "xx"]})
    gate = QualityGate(
        [
            checks.MaxMissingRate("amount", 0.5),
            checks.InRange("amount", 0, 100),
            checks.AllowedValues("country", ["fr", "de"]),
        ],
        name="promotion",
    )
    page = tmp_path / "gate.html"
    gate.evaluate(Evidence(data=data)).to_html(page)
    image = screenshot(page, tmp_path)
    assert float(image.std()) > 10.0, "the screenshot is blank"
    # the pass badge (#1e7b34 on #e6f4ea) and the fail badges (#b3261e on #fdecea) are drawn
    for colour in ((230, 244, 234), (253, 236, 234)):
        near = (np.abs(image.astype(int) - colour) <= 6).all(axis=2).sum()
        assert near > 100, f"no badge of colour {colour} in the screenshot"
