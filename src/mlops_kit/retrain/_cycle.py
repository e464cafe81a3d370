"""The retrain cycle: decide, train a challenger, gate it against the champion, promote or keep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs
import numpy as np

from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.retrain._observation import Observation
from mlops_kit.retrain._outcome import RetrainOutcome, _metadata_of, record_outcome
from mlops_kit.retrain._policy import RetrainPolicy

__all__ = ["retrain_cycle", "rollback"]


def _bad(name: str, rule: str, value: Any) -> ValidationError:
    return ValidationError(
        f"The '{name}' parameter of retrain_cycle must be {rule}. Got {value!r} instead."
    )


def _seed(random_state: int | np.random.Generator | None) -> int | None:
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise _bad("random_state", "an int, a numpy.random.Generator or None", random_state)


def _frame(data: Any, registry: Any) -> tuple[Any, str | None, Any]:
    """The training frame, the data version's id and the version object (or None)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data, None, None
    if hasattr(data, "id") and hasattr(data, "name") and hasattr(data, "n_rows"):
        from mlops_kit.data import DataRepository

        store = getattr(registry, "store", None)
        if store is None:
            raise _bad("registry", "a ModelRegistry with a .store to load the data from", registry)
        return DataRepository(store).load(data), str(data.id), data
    raise _bad("data", "a DataVersion (from DataRepository.commit) or a DataFrame", data)


def _split(frame: Any, target: str, holdout: Any, seed: int | None) -> tuple[Any, Any, Any, Any]:
    import pandas as pd

    if target not in frame.columns:
        raise ValidationError(
            f"The 'target' column {target!r} is not in the data; its columns are "
            f"{list(frame.columns)[:20]}."
        )
    if isinstance(holdout, pd.DataFrame):
        if target not in holdout.columns:
            raise _bad(
                "holdout", f"a DataFrame with the target column {target!r}", "a frame without it"
            )
        train, test = frame, holdout
    else:
        if (
            isinstance(holdout, bool)
            or not isinstance(holdout, (int, float))
            or not 0.0 < float(holdout) < 1.0
        ):
            raise _bad("holdout", "a fraction in (0, 1) or a DataFrame", holdout)
        from sklearn.model_selection import train_test_split

        y = frame[target]
        counts = y.value_counts()
        n_test = int(np.ceil(len(frame) * float(holdout)))
        stratify = (
            y
            if y.nunique() <= 20
            and counts.min() >= 2
            and n_test >= y.nunique()
            and len(frame) - n_test >= y.nunique()
            else None
        )
        train, test = train_test_split(
            frame, test_size=float(holdout), random_state=seed, stratify=stratify
        )
    if len(train) == 0 or len(test) == 0:
        raise _bad("holdout", "a split leaving rows on both sides", holdout)
    return (
        train.drop(columns=[target]),
        train[target],
        test.drop(columns=[target]),
        test[target],
    )


def _score(model: Any, X: Any) -> tuple[Any, Any]:
    """Predicted labels and, for a binary classifier with predict_proba, positive scores."""
    y_pred = np.asarray(model.predict(X))
    y_score = None
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X))
        if proba.ndim == 2 and proba.shape[1] == 2:
            y_score = proba[:, 1]
    return y_pred, y_score


def _metrics(y_true: Any, y_pred: Any, y_score: Any) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    metrics = {"accuracy": float(accuracy_score(y_true, y_pred))}
    if y_score is not None and len(np.unique(y_true)) == 2:
        metrics["roc_auc"] = float(roc_auc_score(y_true, y_score))
    return metrics


def _record(metadata: Any, outcome: RetrainOutcome) -> RetrainOutcome:
    """The outcome, recorded (and numbered) when there is a metadata store to record it in."""
    return outcome if metadata is None else record_outcome(metadata, outcome)


def _champion(registry: Any, name: str, alias: str) -> Any:
    try:
        return registry.get(f"{name}@{alias}")
    except NotFoundError:
        return None


def _challenge(
    *,
    name: str,
    alias: str,
    decision: Any,
    policy_name: str,
    registry: Any,
    data: Any,
    train: Callable[[Any, Any], Any],
    target: str,
    holdout: Any,
    gate: Any,
    seed: int | None,
    champion_ref: str | None,
) -> RetrainOutcome:
    """Train, gate, register, and promote if the gate passes; the outcome, unrecorded."""
    frame, data_id, data_version = _frame(data, registry)
    X_train, y_train, X_test, y_test = _split(frame, target, holdout, seed)
    model = train(X_train, y_train)
    if not hasattr(model, "predict"):
        raise ValidationError(
            f"retrain_cycle: train(X, y) returned {type(model).__name__}, which has no "
            "predict(X); return the fitted model."
        )
    y_pred, y_score = _score(model, X_test)
    challenger_metrics = _metrics(y_test, y_pred, y_score)

    from mlops_kit.quality import Evidence, QualityGate, checks

    baseline = None
    champion_metrics: dict[str, float] = {}
    if champion_ref is not None:
        champion_model = registry.load(champion_ref)
        c_pred, c_score = _score(champion_model, X_test)
        champion_metrics = _metrics(y_test, c_pred, c_score)
        baseline = Evidence(data=X_test, y_true=y_test, y_pred=c_pred, y_score=c_score)
    if gate is None:
        metric = "roc_auc" if "roc_auc" in challenger_metrics else "accuracy"
        gate = QualityGate([checks.NoRegression(metric, max_drop=0.01)], name="retrain")
    evidence = Evidence(
        data=X_test, y_true=y_test, y_pred=y_pred, y_score=y_score, baseline=baseline
    )
    gate_result = gate.evaluate(evidence)
    passed = bool(gate_result.passed)

    params = model.get_params() if hasattr(model, "get_params") else None
    mv = registry.register(
        name,
        model,
        data_version=data_version,
        metrics=challenger_metrics,
        params=params,
        tags={
            "retrain_policy": policy_name,
            "retrain_decision": str(decision.sequence),
            "gate": "passed" if passed else "failed",
        },
        parent=champion_ref,
        input_example=X_train.head(5),
    )
    challenger_ref = f"{mv.name}/{mv.version}"
    gate_name = getattr(gate_result, "name", "gate")
    if passed:
        reason = f"gate '{gate_name}' passed; {decision.summary}"
        registry.set_alias(name, alias, mv.version, reason=f"retrain_cycle: {reason}")
    else:
        failed = [r.name for r in getattr(gate_result, "failures", ())]
        reason = (
            f"gate '{gate_name}' failed ({', '.join(failed) or 'see gate result'}); "
            f"{champion_ref} stays; {decision.summary}"
        )
    return RetrainOutcome(
        name=name,
        alias=alias,
        action="promoted" if passed else "rejected",
        at=decision.at,
        decision=decision,
        gate=gate_result,
        champion_before=champion_ref,
        champion_after=challenger_ref if passed else champion_ref,
        challenger=challenger_ref,
        challenger_metrics=challenger_metrics,
        champion_metrics=champion_metrics,
        data_version=data_id,
        n_train=len(X_train),
        n_holdout=len(X_test),
        reason=reason,
    )


def retrain_cycle(
    *,
    name: str,
    policy: RetrainPolicy,
    observation: Observation,
    registry: Any,
    data: Any,
    train: Callable[[Any, Any], Any],
    target: str,
    holdout: float | Any = 0.2,
    gate: Any = None,
    alias: str = "champion",
    random_state: int | np.random.Generator | None = None,
) -> RetrainOutcome:
    """Decide, and if the policy says so, train a challenger and promote it only if it is better.

    The steps: fill the observation's ``reference_metrics`` and ``last_trained`` from the
    champion when absent; ``policy.decide``; if it retrains: load ``data`` (a
    :class:`~mlops_kit.DataVersion` read through the registry's store, or a DataFrame), split off
    the holdout (seeded, stratified on the target when it is a class label), call
    ``train(X, y)``, score challenger and champion on the same holdout (``predict_proba`` for
    binary classifiers), evaluate ``gate`` (by default a
    :class:`~mlops_kit.quality.checks.NoRegression` on ROC AUC, or accuracy without scores,
    with ``max_drop=0.01``) with the champion as baseline, register the challenger with its
    lineage (the data version, the champion as parent), and move ``alias`` to it only if the
    gate passed. Every outcome, a kept model included, is recorded under
    ``retrain.outcomes/<name>/`` (see :func:`retrain_history`). Without a champion the gate has
    no baseline and the first model is promoted if the gate's other checks pass. If a step
    after the decision raises, a ``failed`` outcome is recorded and the error re-raised.

    Parameters
    ----------
    name
        The model's name in the registry.
    policy
        The :class:`RetrainPolicy` deciding.
    observation
        What the policy looks at.
    registry
        A :class:`~mlops_kit.ModelRegistry`.
    data
        The training data: a DataVersion or a DataFrame with the ``target`` column.
    train
        ``train(X, y)`` returns a fitted model.
    target
        The label column.
    holdout
        The fraction of ``data`` held out for the comparison, or a DataFrame to compare on
        (then the model trains on all of ``data``).
    gate
        A :class:`~mlops_kit.QualityGate` evaluated on the challenger's evidence, whose
        ``baseline`` is the champion's.
    alias
        The alias to move on success.
    random_state
        Seed of the split (an int or a numpy Generator).

    Returns
    -------
    RetrainOutcome

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datetime import datetime, timezone
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlops_kit.registry import ModelRegistry
    >>> from mlops_kit.retrain import Observation, RetrainPolicy, triggers
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=400)})
    >>> df["y"] = (df["x"] + rng.normal(size=400) > 0).astype(int)
    >>> registry = ModelRegistry("memory://")
    >>> policy = RetrainPolicy.any_of(triggers.Manual(), store=registry.store)
    >>> outcome = retrain_cycle(
    ...     name="demo", policy=policy, registry=registry, data=df, target="y",
    ...     train=lambda X, y: LogisticRegression().fit(X, y), random_state=0,
    ...     observation=Observation(now=datetime(2026, 11, 2, tzinfo=timezone.utc),
    ...                             manual="first model"))
    >>> outcome.action, outcome.challenger, registry.get("demo@champion").version
    ('promoted', 'demo/1', 1)
    """
    if not isinstance(name, str) or not name:
        raise _bad("name", "a model name", name)
    if not isinstance(alias, str) or not alias:
        raise _bad("alias", "an alias name such as 'champion'", alias)
    if not hasattr(policy, "decide"):
        raise _bad("policy", "a RetrainPolicy", policy)
    if not isinstance(observation, Observation):
        raise _bad("observation", "an Observation", observation)
    for method in ("get", "load", "register", "set_alias"):
        if not hasattr(registry, method):
            raise _bad("registry", "a ModelRegistry", registry)
    if not callable(train):
        raise _bad("train", "a callable train(X, y) returning a fitted model", train)
    if not isinstance(target, str):
        raise _bad("target", "the name of the label column", target)
    seed = _seed(random_state)
    metadata = _metadata_of(registry)

    champion = _champion(registry, name, alias)
    if champion is not None:
        updates: dict[str, Any] = {}
        if not observation.reference_metrics and champion.metrics:
            updates["reference_metrics"] = dict(champion.metrics)
        if observation.last_trained is None:
            updates["last_trained"] = champion.created_at
        if updates:
            observation = attrs.evolve(observation, **updates)
    champion_ref = None if champion is None else f"{champion.name}/{champion.version}"

    decision = policy.decide(observation)

    def unchanged(action: str, reason: str) -> RetrainOutcome:
        """An outcome that leaves the alias where it was (kept, or a failed retrain)."""
        return RetrainOutcome(
            name=name,
            alias=alias,
            action=action,
            at=decision.at,
            decision=decision,
            champion_before=champion_ref,
            champion_after=champion_ref,
            reason=reason,
        )

    if not decision.retrain:
        return _record(metadata, unchanged("kept", decision.summary))
    try:
        outcome = _challenge(
            name=name,
            alias=alias,
            decision=decision,
            policy_name=policy.name,
            registry=registry,
            data=data,
            train=train,
            target=target,
            holdout=holdout,
            gate=gate,
            seed=seed,
            champion_ref=champion_ref,
        )
    except Exception as error:
        _record(metadata, unchanged("failed", f"{type(error).__name__}: {error}"))
        raise
    return _record(metadata, outcome)


def rollback(
    registry: Any,
    name: str,
    *,
    alias: str = "champion",
    reason: str | None = None,
    actor: str | None = None,
) -> RetrainOutcome:
    """Undo the last promotion: move the alias back, and record it with the retrain outcomes.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from mlops_kit.registry import ModelRegistry
    >>> registry = ModelRegistry("memory://")
    >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
    >>> for _ in range(2):
    ...     mv = registry.register("churn", model)
    ...     _ = registry.set_alias("churn", "champion", mv.version)
    >>> rollback(registry, "churn", reason="complaints").champion_after
    'churn/1'
    """
    before = _champion(registry, name, alias)
    event = registry.rollback(name, alias, reason=reason, actor=actor)
    at = getattr(event, "time", None) or datetime.now(timezone.utc)
    outcome = RetrainOutcome(
        name=name,
        alias=alias,
        action="rolled_back",
        at=at,
        champion_before=None if before is None else f"{before.name}/{before.version}",
        champion_after=None if event.version is None else f"{name}/{event.version}",
        reason=reason or "rollback",
    )
    return _record(_metadata_of(registry), outcome)
