"""Conformance checks for quality-gate checks (built-in or your own)."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np

from mlops_kit.protocols import Check

__all__ = ["check_check", "default_evidence"]


def default_evidence(random_state: int = 0) -> Any:
    """An :class:`~mlops_kit.quality.Evidence` with every part filled, for conformance runs.

    Data (``amount``, ``quantity``, ``country``, ``sex``, ``at``), a reference drawn the same
    way, binary labels, predictions and scores, sensitive features, timestamps, metrics,
    sample weights, a small model, and a champion's ``baseline`` on the same rows.

    Examples
    --------
    >>> e = default_evidence()
    >>> e.n_rows, e.baseline.y_score.shape
    (400, (400,))
    """
    import pandas as pd

    from mlops_kit.quality import Evidence

    rng = np.random.default_rng(random_state)
    n = 400

    def frame() -> pd.DataFrame:
        return pd.DataFrame(
            {
                "amount": rng.gamma(2.0, 50.0, n),
                "quantity": rng.integers(1, 10, n),
                "country": rng.choice(["DE", "FR", "IT"], n),
                "sex": rng.choice(["f", "m"], n),
                "at": pd.date_range("2026-01-01", periods=n, freq="h"),
            }
        )

    class _Model:
        def predict(self, X: Any) -> Any:
            return np.zeros(len(X), dtype=int)

    data = frame()
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)
    champion = np.clip(0.25 * y + 0.75 * rng.random(n), 0, 1)
    return Evidence(
        data=data,
        reference=frame(),
        y_true=y,
        y_pred=(score > 0.5).astype(int),
        y_score=score,
        sensitive=data[["sex"]],
        timestamps=data["at"],
        metrics={"roc_auc": 0.8},
        sample_weight=rng.uniform(0.5, 2.0, n),
        model=_Model(),
        baseline=Evidence(y_true=y, y_pred=(champion > 0.5).astype(int), y_score=champion),
    )


def _fail(what: str, check: Any, why: str) -> AssertionError:
    name = getattr(check, "name", type(check).__name__)
    return AssertionError(f"check_check: {type(check).__name__} {name!r} fails {what!r}: {why}")


def check_check(check: Any, *, evidence: Any = None, deterministic: bool = True) -> None:
    """Run the conformance checks on a quality-gate check; raise ``AssertionError`` naming the
    first that fails.

    The checks: it is a :class:`~mlops_kit.protocols.Check` with a non-empty ``name`` and a
    ``severity`` of ``"fail"`` or ``"warn"``; ``evaluate`` returns a
    :class:`~mlops_kit.quality.CheckResult` with a known status, the check's name and
    severity (a warn-severity check never reports ``fail``); the result round-trips through
    strict JSON; evaluating twice gives the same status (and value, when ``deterministic``);
    the evidence is not mutated; on an empty ``Evidence()`` it returns ``error`` or
    ``insufficient_data`` (or raises, which a gate reports as ``error``), never ``pass`` by
    accident; and a gate running it reports the same status.

    Parameters
    ----------
    check
        The check to test.
    evidence
        Evidence it can be evaluated on; :func:`default_evidence` by default.
    deterministic
        Whether two runs must give the same value too (not only the same status); set it to
        ``False`` for checks that measure time.

    Examples
    --------
    >>> from mlops_kit.quality import checks
    >>> check_check(checks.InRange("amount", 0, 10_000))
    """
    from mlops_kit.quality import CheckResult, Evidence, GateResult, QualityGate

    if not isinstance(check, Check):
        raise _fail("protocol", check, "it needs name, severity and evaluate(evidence)")
    if not isinstance(check.name, str) or not check.name:
        raise _fail("name", check, f"the name must be a non-empty str, got {check.name!r}")
    if check.severity not in ("fail", "warn"):
        raise _fail("severity", check, f"severity must be 'fail' or 'warn', not {check.severity!r}")
    evidence = default_evidence() if evidence is None else evidence
    before = copy.deepcopy(evidence.data)
    result = check.evaluate(evidence)
    if not isinstance(result, CheckResult):
        raise _fail("result type", check, f"evaluate returned {type(result).__name__}")
    if result.name != check.name or result.severity != check.severity:
        raise _fail(
            "result identity",
            check,
            f"the result says name={result.name!r}, severity={result.severity!r}",
        )
    if check.severity == "warn" and result.status == "fail":
        raise _fail("warn severity", check, "a warn-severity check must report 'warn', not 'fail'")
    text = json.dumps(result.to_dict(), allow_nan=False)
    if CheckResult.from_dict(json.loads(text)) != result:
        raise _fail("JSON round trip", check, "from_dict(to_dict()) differs")
    if before is not None and not before.equals(evidence.data):
        raise _fail("no mutation", check, "evaluate changed Evidence.data")
    again = check.evaluate(evidence)
    if again.status != result.status or (deterministic and again.value != result.value):
        raise _fail(
            "determinism",
            check,
            f"two runs gave {result.status}/{result.value} and {again.status}/{again.value}",
        )
    try:
        empty = check.evaluate(Evidence())
    except Exception:  # a gate reports a raising check as an error: acceptable
        empty = None
    if empty is not None and empty.status not in ("error", "insufficient_data"):
        raise _fail("empty evidence", check, f"on Evidence() it reported {empty.status!r}")
    gated = QualityGate([check]).evaluate(evidence)
    if not isinstance(gated, GateResult) or gated.results[0].status != result.status:
        raise _fail("in a gate", check, "a gate reported another status")
