"""The domain-classifier drift detector: can a model tell the current rows from the reference?"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from mlops_kit.drift._multivariate import (
    FloatMatrix,
    as_generator,
    check_count,
    check_random_state,
    check_unit,
    dataset_report,
    subsample,
    to_matrix,
)
from mlops_kit.drift._report import DriftReport
from mlops_kit.drift._stream._base import bad_parameter
from mlops_kit.exceptions import NotFittedError, ValidationError

__all__ = ["ClassifierDriftDetector"]

_OWNER = "ClassifierDriftDetector"


def _check_estimator(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and not (hasattr(value, "fit") and hasattr(value, "get_params")):
        raise bad_parameter(_OWNER, "estimator", "a scikit-learn classifier or None", value)


def _importances(model: Any, columns: list[str]) -> dict[str, float] | None:
    """Normalized feature importances of a fitted model (impurity-based or |coefficients|)."""
    values = getattr(model, "feature_importances_", None)
    if values is None and getattr(model, "coef_", None) is not None:
        values = np.abs(np.asarray(model.coef_, dtype=np.float64)).reshape(-1, len(columns))
        values = values.sum(axis=0)
    if values is None:
        return None
    values = np.asarray(values, dtype=np.float64)
    total = values.sum()
    if total > 0:
        values = values / total
    return {name: float(v) for name, v in zip(columns, values)}


@attrs.define(kw_only=True, slots=False)  # learned attributes appear with fit
class ClassifierDriftDetector:
    """Domain-classifier test: train a model to separate current rows from reference rows.

    The rows are labelled 0 (reference) and 1 (current); a scikit-learn classifier predicts
    every row out of fold (stratified ``n_splits``-fold cross-validation), and the statistic is
    the ROC AUC of those predictions: 0.5 when the two samples cannot be told apart. The
    p-value is that of the one-sided Mann-Whitney U test that current rows score higher (the
    AUC is U / (n m)), so a change of correlation that no single column shows is found as
    soon as the classifier can use it. The report's ``details`` hold the AUC of each fold and
    the feature importances of the classifier refitted on all rows.

    Parameters
    ----------
    estimator
        A scikit-learn classifier with ``predict_proba``; by default a random forest of 100
        trees with leaves of at least 5 rows.
    n_splits
        Folds of the cross-validation (5).
    threshold
        Drift when the p-value is below it (0.05).
    max_samples
        At most this many rows of each side are used (drawn at random; ``None``: all).
    random_state
        Seeds sub-sampling, the folds and the default forest.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], 400)
    >>> current = rng.multivariate_normal([0, 0], [[1, -0.9], [-0.9, 1]], 400)
    >>> report = ClassifierDriftDetector(random_state=0).fit(reference).detect(current)
    >>> report.drifted, report.statistic > 0.8
    (True, True)
    """

    estimator: Any = attrs.field(default=None, validator=_check_estimator)
    n_splits: int = attrs.field(default=5, validator=check_count(_OWNER, "n_splits", 2))
    threshold: float = attrs.field(default=0.05, validator=check_unit(_OWNER, "threshold"))
    max_samples: int | None = attrs.field(
        default=10_000, validator=check_count(_OWNER, "max_samples", 2, optional=True)
    )
    random_state: int | np.random.Generator | None = attrs.field(
        default=None, validator=check_random_state(_OWNER)
    )
    reference_: FloatMatrix = attrs.field(init=False, repr=False)
    columns_: list[str] = attrs.field(init=False, repr=False)

    def fit(self, reference: Any, /) -> ClassifierDriftDetector:
        """Learn the reference (a DataFrame or a 2-D array of numbers); return ``self``."""
        self.reference_, self.columns_ = to_matrix(reference, _OWNER, "reference")
        return self

    def _model(self, seed: int) -> Any:
        from sklearn.base import clone
        from sklearn.ensemble import RandomForestClassifier

        if self.estimator is None:
            return RandomForestClassifier(n_estimators=100, min_samples_leaf=5, random_state=seed)
        model = clone(self.estimator)
        if "random_state" in model.get_params():
            model.set_params(random_state=seed)
        return model

    def detect(self, current: Any, /) -> DriftReport:
        """Test ``current`` against the reference; return a dataset-level report."""
        from scipy.stats import mannwhitneyu
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold

        if not hasattr(self, "reference_"):
            raise NotFittedError(f"This {_OWNER} is not fitted yet. Call fit first.")
        matrix, _ = to_matrix(current, _OWNER, "current", self.columns_)
        rng = as_generator(self.random_state)
        x = subsample(self.reference_, self.max_samples, rng)
        y = subsample(matrix, self.max_samples, rng)
        if min(x.shape[0], y.shape[0]) < self.n_splits:
            raise ValidationError(
                f"{_OWNER} needs at least n_splits={self.n_splits} rows on each side; got "
                f"{x.shape[0]} reference and {y.shape[0]} current rows."
            )
        seed = int(rng.integers(2**31 - 1))
        features = np.concatenate([x, y])
        labels = np.r_[np.zeros(x.shape[0], dtype=int), np.ones(y.shape[0], dtype=int)]
        scores = np.empty(labels.size)
        folds = StratifiedKFold(n_splits=self.n_splits, shuffle=True, random_state=seed)
        fold_auc = []
        for train, test in folds.split(features, labels):
            model = self._model(seed).fit(features[train], labels[train])
            scores[test] = model.predict_proba(features[test])[:, 1]
            fold_auc.append(float(roc_auc_score(labels[test], scores[test])))
        auc = float(roc_auc_score(labels, scores))
        p_value = float(mannwhitneyu(scores[labels == 1], scores[labels == 0],
                                     alternative="greater").pvalue)  # fmt: skip
        importances = _importances(self._model(seed).fit(features, labels), self.columns_)
        return dataset_report(
            drifted=p_value < self.threshold,
            method="domain_classifier",
            statistic=auc,
            p_value=p_value,
            threshold=self.threshold,
            n_reference=self.reference_.shape[0],
            n_current=matrix.shape[0],
            detector=_OWNER,
            details={
                "roc_auc": auc,
                "fold_roc_auc": fold_auc,
                "feature_importances": importances,
                "n_reference_used": int(x.shape[0]),
                "n_current_used": int(y.shape[0]),
                "features": list(self.columns_),
            },
        )
