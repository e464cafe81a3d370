"""DriftReport and ColumnDrift values: JSON round trip, text, HTML."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from mlops_kit.drift import ColumnDistribution, ColumnDrift, DriftReport, TabularDriftDetector
from mlops_kit.exceptions import ValidationError

finite = hs.floats(allow_nan=False, allow_infinity=False, width=64)
any_float = hs.floats(allow_nan=True, allow_infinity=True, width=64)
prob = hs.floats(min_value=0.0, max_value=1.0)
count = hs.integers(min_value=0, max_value=10**9)


@hs.composite
def distributions(draw: hs.DrawFn) -> ColumnDistribution:
    n = draw(hs.integers(min_value=1, max_value=6))
    ref = draw(hs.lists(count, min_size=n, max_size=n))
    cur = draw(hs.lists(count, min_size=n, max_size=n))
    if draw(hs.booleans()):
        edges = sorted(draw(hs.lists(finite, min_size=n - 1, max_size=n - 1))) if n > 1 else []
        if not edges:
            return ColumnDistribution(reference_counts=ref, current_counts=cur)
        return ColumnDistribution(edges=edges, reference_counts=ref, current_counts=cur)
    cats = draw(hs.lists(hs.text(max_size=5), min_size=n, max_size=n))
    return ColumnDistribution(categories=cats, reference_counts=ref, current_counts=cur)


@hs.composite
def column_drifts(draw: hs.DrawFn, name: str | None = None) -> ColumnDrift:
    p_value = draw(hs.none() | prob)
    return ColumnDrift(
        column=name if name is not None else draw(hs.text(min_size=1, max_size=8)),
        method=draw(hs.sampled_from(["ks", "psi", "chi2", "my-test"])),
        statistic=draw(any_float),
        p_value=p_value,
        adjusted_p_value=None if p_value is None else draw(prob),
        threshold=draw(hs.floats(min_value=1e-6, max_value=10.0)),
        drifted=draw(hs.booleans()),
        column_type=draw(hs.sampled_from(["numerical", "categorical", "binary", ""])),
        n_reference=draw(count),
        n_current=draw(count),
        nan_reference=draw(count),
        nan_current=draw(count),
        inf_reference=draw(count),
        inf_current=draw(count),
        missing_p_value=draw(hs.none() | prob),
        distribution=draw(hs.none() | distributions()),
        note=draw(hs.text(max_size=20)),
    )


@hs.composite
def reports(draw: hs.DrawFn) -> DriftReport:
    names = draw(hs.lists(hs.text(min_size=1, max_size=6), unique=True, max_size=4))
    cols = [draw(column_drifts(name)) for name in names]
    return DriftReport(
        columns=cols,
        drifted=draw(hs.booleans()),
        drift_share=draw(prob),
        drift_share_threshold=draw(prob),
        method=draw(hs.sampled_from(["columnwise", "mmd"])),
        statistic=draw(hs.none() | any_float),
        p_value=draw(hs.none() | prob),
        threshold=draw(hs.none() | finite),
        n_reference=draw(count),
        n_current=draw(count),
        detector=draw(hs.text(max_size=10)),
        details=draw(hs.dictionaries(hs.text(max_size=5), any_float | hs.text(max_size=5),
                                     max_size=3)),
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(reports())
def test_report_round_trips_through_strict_json(report: DriftReport) -> None:
    text = json.dumps(report.to_dict(), allow_nan=False)
    assert DriftReport.from_dict(json.loads(text)) == report
    assert isinstance(str(report), str)
    text = str(report)
    assert text.startswith(f"DriftReport: {'drift' if report.drifted else 'no drift'}")
    assert all(str(c) in text for c in report.columns.values())


@settings(max_examples=60, deadline=None)
@given(column_drifts())
def test_column_round_trips_and_has_a_severity(column: ColumnDrift) -> None:
    text = json.dumps(column.to_dict(), allow_nan=False)
    assert ColumnDrift.from_dict(json.loads(text)) == column
    assert not math.isnan(column.severity) or math.isnan(column.statistic)
    assert "<" in column._repr_html_()


def test_column_defaults_and_text() -> None:
    c = ColumnDrift(column="amount", method="ks", statistic=0.31, p_value=0.002, threshold=0.05,
                    drifted=True)  # fmt: skip
    assert (c.kind, c.adjusted_p_value) == ("p_value", 0.002)
    assert str(c) == "amount: drift (ks statistic=0.31, p=0.002 < 0.05)"
    corrected = ColumnDrift(column="a", method="ks", statistic=0.1, p_value=0.02,
                            adjusted_p_value=0.06, threshold=0.05, drifted=False)  # fmt: skip
    assert str(corrected) == "a: no drift (ks statistic=0.1, raw p=0.02, adjusted p=0.06 >= 0.05)"
    d = ColumnDrift(column="b", method="psi", statistic=0.1, threshold=0.2, drifted=False)
    assert (d.kind, d.p_value, str(d)) == ("distance", None, "b: no drift (psi 0.1 < 0.2)")
    assert d.severity == pytest.approx(0.5)
    assert c.severity == pytest.approx(math.log(0.002) / math.log(0.05))
    nan = ColumnDrift(column="n", method="ttest", statistic=math.nan, p_value=math.nan,
                      threshold=0.05, drifted=False)  # fmt: skip
    assert nan == ColumnDrift.from_dict(json.loads(json.dumps(nan.to_dict())))
    assert nan.severity == 0.0


def test_missing_rates() -> None:
    c = ColumnDrift(column="x", method="ks", statistic=0.1, p_value=0.5, threshold=0.05,
                    drifted=False, n_reference=90, nan_reference=10, n_current=0)  # fmt: skip
    assert c.missing_rate_reference == pytest.approx(0.1)
    assert c.missing_rate_current == 0.0


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="'kind' parameter of ColumnDrift"):
        ColumnDrift(column="x", method="m", statistic=1.0, threshold=1.0, drifted=True,
                    kind="score")  # fmt: skip
    with pytest.raises(ValidationError, match="'drift_share' parameter of DriftReport"):
        DriftReport(drifted=True, drift_share=1.5)
    with pytest.raises(ValidationError, match="as many current counts"):
        ColumnDistribution(reference_counts=[1, 2], current_counts=[1])
    with pytest.raises(ValidationError, match="needs 3 counts"):
        ColumnDistribution(edges=[0.0, 1.0], reference_counts=[1, 2], current_counts=[1, 2])
    with pytest.raises(ValidationError, match="newer"):
        DriftReport.from_dict({"schema_version": 99, "drifted": True, "drift_share": 1.0})


def test_distribution_labels() -> None:
    d = ColumnDistribution(edges=[0.0, 1.0], reference_counts=[0, 10, 0], current_counts=[2, 7, 1])
    assert d.labels == ("< 0", "[0, 1)", ">= 1")
    assert ColumnDistribution(reference_counts=[1], current_counts=[2]).labels == ("0",)


def _report() -> DriftReport:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"calm": rng.normal(size=500), "moved": rng.normal(size=500),
                        "<b>country</b>": rng.choice(["fr", "de", "<i>it</i>"], 500)})  # fmt: skip
    cur = pd.DataFrame({"calm": rng.normal(size=500), "moved": rng.normal(1.0, 1.0, 500),
                        "<b>country</b>": rng.choice(["fr", "de"], 500)})  # fmt: skip
    cur.loc[:9, "calm"] = np.nan
    return TabularDriftDetector(correction="holm").fit(ref).detect(cur)


def test_multivariate_style_report() -> None:
    report = DriftReport(drifted=True, drift_share=1.0, method="mmd", statistic=0.12,
                         p_value=0.001, threshold=0.05, details={"x": 0.7, "y": 0.3})  # fmt: skip
    assert report.columns == {}
    assert report.drifted_columns == ()
    assert str(report).splitlines() == ["DriftReport: drift", "  mmd: statistic=0.12, p=0.001, "
                                        "threshold=0.05"]  # fmt: skip
    html = report.to_html()
    assert "mmd: statistic 0.12" in html
    assert html.count("<svg") == 1  # the details chart


def test_text_lists_most_severe_first() -> None:
    report = _report()
    lines = str(report).splitlines()
    assert lines[0] == "DriftReport: drift: 2 of 3 columns drifted (share 0.667, threshold 0.5)"
    assert [c.column for c in report.by_severity()][-1] == "calm"
    assert lines[-1].startswith("  calm: no drift")
    frame = report.to_frame()
    assert list(frame["column"])[-1] == "calm"
    assert frame["p_value"].dtype.kind == "f"


def test_html_is_self_contained_escaped_and_ordered(tmp_path: object) -> None:
    report = _report()
    path = tmp_path / "drift.html"  # type: ignore[operator]
    page = report.to_html(path, title="Fraud <inputs>")
    assert path.read_text(encoding="utf-8") == page
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Fraud &lt;inputs&gt;</title>" in page
    assert "<b>country</b>" not in page
    assert "&lt;b&gt;country&lt;/b&gt;" in page
    assert "<i>it</i>" not in page
    # nothing is fetched: no scripts, stylesheets, images or fonts from elsewhere
    assert not re.search(r"(src|href)\s*=", page)
    assert "@import" not in page
    assert "url(" not in page
    assert page.count("<svg") == 3  # one chart per column
    cards = [m.start() for m in re.finditer('<div class="card">', page)]
    positions = [page.index(name, cards[0]) for name in ("moved", "calm")]
    assert positions == sorted(positions)  # the drifted column's card comes first
    assert "NaN: 0 reference, 10 current" in page
    assert "Dataset verdict" in report._repr_html_()


def test_charts_of_many_categories_are_capped() -> None:
    from mlops_kit.report._drift import MAX_BARS, render_column_fragment

    n = 300
    column = {
        "column": "id", "method": "jensenshannon", "kind": "distance", "statistic": 0.5,
        "threshold": 0.1, "drifted": True,
        "distribution": {"categories": [f"c{i}" for i in range(n)],
                         "reference_counts": list(range(n)), "current_counts": [1] * n},
    }  # fmt: skip
    html = render_column_fragment(column)
    assert html.count("<title>reference ") == MAX_BARS
    assert f"({n - MAX_BARS + 1} more)" in html
    assert "c299" in html  # the heaviest reference bin is kept
