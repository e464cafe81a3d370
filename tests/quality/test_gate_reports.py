"""CI outputs: JUnit XML that CI systems read, JSON, and a self-contained HTML page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from mlops_kit.quality import CheckResult, Evidence, GateResult, QualityGate, checks


@pytest.fixture
def result() -> GateResult:
    class Boom:
        name, severity = "boom <&>", "fail"

        def evaluate(self, evidence: Evidence) -> CheckResult:
            raise KeyError("x")

    data = pd.DataFrame({"amount": [1.0, None, 300.0], "g": ["a", "b", "a"]})
    gate = QualityGate(
        [
            checks.RowCount(min=1),
            checks.InRange("amount", 0, 100),
            checks.MaxMissingRate("amount", 0.1, severity="warn", name="missing <script>"),
            Boom(),
            checks.MaxDemographicParityDifference("g", 0.1),
            checks.Unique("nope", severity="warn"),
        ],
        name="ci",
    )
    return gate.evaluate(Evidence(data=data, y_pred=[1, 0, 1]))


def test_junit_xml_one_testcase_per_check(result: GateResult, tmp_path: Path) -> None:
    path = tmp_path / "gate.xml"
    text = result.to_junit_xml(path)
    assert path.read_text(encoding="utf-8") == text
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.attrib["name"] == "ci"
    assert (
        suite.attrib["tests"],
        suite.attrib["failures"],
        suite.attrib["errors"],
        suite.attrib["skipped"],
    ) == ("6", "1", "1", "2")
    cases = {c.attrib["name"]: c for c in suite.findall("testcase")}
    assert list(cases) == [r.name for r in result.results]
    assert [child.tag for child in cases["RowCount"]] == []
    failure = cases["InRange(amount)"].find("failure")
    assert failure is not None
    assert failure.attrib["type"] == "fail"
    assert "failing_rows: [2]" in (failure.text or "")
    error = cases["boom <&>"].find("error")
    assert error is not None
    assert error.attrib["type"] == "KeyError"
    skipped = cases["MaxDemographicParityDifference(g)"].find("skipped")
    assert skipped is not None
    assert skipped.attrib["message"].startswith("insufficient_data:")
    assert cases["Unique(nope)"].find("skipped") is not None  # a warn-severity error
    assert cases["missing <script>"].find("system-out") is not None
    assert cases["InRange(amount)"].attrib["classname"] == "mlops_kit.quality.ci.InRange"
    assert float(cases["InRange(amount)"].attrib["time"]) >= 0
    for r in result.results:  # each testcase carries its check's own duration
        assert cases[r.name].attrib["time"] == f"{r.duration:.6f}"
    assert suite.attrib["time"] == f"{result.duration:.6f}"


def test_junit_counts_insufficient_data_as_failure_when_gating(result: GateResult) -> None:
    strict = GateResult.from_dict({**result.to_dict(), "fail_on": ["fail", "insufficient_data"]})
    suite = ET.fromstring(strict.to_junit_xml()).find("testsuite")
    assert suite is not None
    assert (suite.attrib["failures"], suite.attrib["errors"], suite.attrib["skipped"]) == (
        "2",
        "0",
        "2",
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_is_self_contained_and_escaped(result: GateResult, tmp_path: Path) -> None:
    path = tmp_path / "gate.html"
    page = result.to_html(path)
    assert path.read_text(encoding="utf-8") == page
    assert page.startswith("<!DOCTYPE html>")
    parser = _Collector()
    parser.feed(page)
    assert parser.urls == []
    assert "script" not in parser.tags  # the check named "missing <script>" is escaped
    text = " ".join(parser.text)
    assert "missing <script>" in text
    assert "FAILED" in text
    assert "boom <&>" in text
    assert "KeyError" in text


def test_repr_html(result: GateResult) -> None:
    assert "<table" in result._repr_html_()
    assert "RowCount" in result.results[0]._repr_html_()


def test_json_file(result: GateResult, tmp_path: Path) -> None:
    path = tmp_path / "gate.json"
    result.to_json(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["passed"] is False
    assert GateResult.from_dict(data) == result
