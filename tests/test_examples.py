"""Every script in examples/ runs to completion in a fresh folder, within a time limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
TIMEOUT = 180  # seconds; the lifecycle demo takes about 10 s on an idle 2-core machine

_RESULTS: dict[str, tuple[subprocess.CompletedProcess[str], Path]] = {}


def run_example(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run a script once per test session, in its own empty folder, warnings as errors."""
    if name not in _RESULTS:
        cwd = tmp_path_factory.mktemp(name.removesuffix(".py"))
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / name)],
            cwd=cwd,
            env={**os.environ, "PYTHONWARNINGS": "error"},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        _RESULTS[name] = (result, cwd)
    return _RESULTS[name]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_runs(script: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    result, _ = run_example(script.name, tmp_path_factory)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{script.name} printed nothing"


@pytest.mark.slow
def test_lifecycle_tells_the_story(tmp_path_factory: pytest.TempPathFactory) -> None:
    result, cwd = run_example("lifecycle.py", tmp_path_factory)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    timeline = out[out.index("week  starts") :].split("\n\n")[0]
    rows = timeline.splitlines()[2:]
    assert len(rows) == 12
    # the drift is seen in the week the new pattern starts, not before
    assert all(" 0.00 " in row for row in rows[:5])
    assert "drift_share: drift share" in rows[5]
    # the policy retrains after the shift, and a challenger is promoted over fraud/1
    promoted = [row for row in rows if "PROMOTED" in row]
    assert promoted
    assert int(promoted[0].split()[0]) > 6
    assert "over fraud/1" in out
    assert "rolled back" in out
    reports = cwd / "lifecycle-demo" / "reports"
    assert (reports / "drift-week-06.html").is_file()
    assert list(reports.glob("gate-week-*.html"))
    assert (cwd / "lifecycle-demo" / "store").is_dir()


def test_there_is_a_demo() -> None:
    assert (EXAMPLES / "lifecycle.py").is_file()
