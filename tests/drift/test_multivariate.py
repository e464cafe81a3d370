"""Multivariate batch detectors: MMD, domain classifier and PCA reconstruction."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import mannwhitneyu, norm
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier

from mlops_kit.drift import DriftReport
from mlops_kit.drift._multivariate import MMDDriftDetector, mmd_permutation_test
from mlops_kit.drift._multivariate_classifier import ClassifierDriftDetector
from mlops_kit.drift._multivariate_reconstruction import ReconstructionDriftDetector
from mlops_kit.exceptions import NotFittedError, ValidationError
from mlops_kit.testing import check_drift_detector

FAST_FOREST = RandomForestClassifier(n_estimators=25, min_samples_leaf=5)


def correlated(rng, n, rho):
    """Five columns: (a, b) correlated by rho, (c, d) by 0.8, e independent; unit marginals."""
    ab = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    cd = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], n)
    return pd.DataFrame(
        {"a": ab[:, 0], "b": ab[:, 1], "c": cd[:, 0], "d": cd[:, 1], "e": rng.normal(size=n)}
    )


DETECTORS = {
    "mmd": lambda: MMDDriftDetector(random_state=0, n_permutations=200),
    "classifier": lambda: ClassifierDriftDetector(random_state=0, estimator=FAST_FOREST),
    "reconstruction": lambda: ReconstructionDriftDetector(random_state=0),
}


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_passes_the_drift_detector_conformance_check(name: str) -> None:
    check_drift_detector(DETECTORS[name]())


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_finds_a_change_of_correlation_that_leaves_every_marginal_alone(name: str) -> None:
    rng = np.random.default_rng(11)
    reference = correlated(rng, 600, 0.85)
    current = correlated(rng, 600, -0.85)
    # every marginal is still N(0, 1): a KS test per column sees nothing
    from scipy.stats import ks_2samp

    assert min(ks_2samp(reference[c], current[c]).pvalue for c in reference) > 0.01
    detector = DETECTORS[name]().fit(reference)
    report = detector.detect(current)
    assert report.drifted
    assert report.p_value < 0.01
    assert report.drift_share == 1.0


@pytest.mark.parametrize("name", sorted(DETECTORS))
@pytest.mark.parametrize("seed", [1, 2])
def test_stays_quiet_on_two_samples_of_one_distribution(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    detector = DETECTORS[name]().fit(correlated(rng, 600, 0.85))
    report = detector.detect(correlated(rng, 600, 0.85))
    assert not report.drifted
    assert report.drift_share == 0.0
    again = DriftReport.from_dict(json.loads(json.dumps(report.to_dict(), allow_nan=False)))
    assert again == report


# -- MMD against direct formulas ----------------------------------------------------------------
def _naive_mmd2(x, y, sigma):
    def k(a, b):
        d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        return np.exp(-d / (2 * sigma**2))

    n, m = len(x), len(y)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return (
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )


@pytest.mark.parametrize(("n", "m"), [(40, 40), (30, 55), (70, 20)])
def test_mmd_statistic_and_p_value_match_a_direct_computation(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3)) + 0.3
    statistic, p_value, sigma = mmd_permutation_test(x, y, 99, np.random.default_rng(5))
    pooled = np.concatenate([x, y])
    assert sigma == pytest.approx(np.median(pdist(pooled)))
    assert statistic == pytest.approx(_naive_mmd2(x, y, sigma), rel=1e-10, abs=1e-12)
    # the same permutations, drawn as the implementation draws them, computed naively
    replay = np.random.default_rng(5)
    order = replay.permuted(np.tile(np.arange(n + m), (99, 1)), axis=1)
    null = []
    for row in order:
        inside = np.zeros(n + m, dtype=bool)
        inside[row[:n]] = True
        null.append(_naive_mmd2(pooled[inside], pooled[~inside], sigma))
    expected = (1 + sum(v >= statistic for v in null)) / 100
    assert p_value == pytest.approx(expected)


def test_mmd_subsamples_large_inputs_and_reports_it() -> None:
    rng = np.random.default_rng(0)
    detector = MMDDriftDetector(max_samples=150, n_permutations=50, random_state=1)
    report = detector.fit(rng.normal(size=(400, 2))).detect(rng.normal(size=(300, 2)))
    assert report.details["n_reference_used"] == 150
    assert report.details["n_current_used"] == 150
    assert (report.n_reference, report.n_current) == (400, 300)
    assert report.method == "mmd"
    assert report.threshold == 0.05
    assert report.details["features"] == ["x0", "x1"]


def test_mmd_p_value_is_uniformish_under_the_null() -> None:
    rng = np.random.default_rng(3)
    p_values = [
        MMDDriftDetector(n_permutations=99, random_state=i)
        .fit(rng.normal(size=(60, 2)))
        .detect(rng.normal(size=(60, 2)))
        .p_value
        for i in range(40)
    ]
    assert 0.25 < float(np.mean(p_values)) < 0.75
    assert sum(p < 0.05 for p in p_values) <= 6


# -- the domain classifier ---------------------------------------------------------------
def test_classifier_auc_p_value_and_importances() -> None:
    rng = np.random.default_rng(4)
    reference, current = correlated(rng, 400, 0.85), correlated(rng, 400, -0.85)
    report = (
        ClassifierDriftDetector(random_state=0, estimator=FAST_FOREST)
        .fit(reference)
        .detect(current)
    )
    details = report.details
    assert report.method == "domain_classifier"
    assert report.statistic == details["roc_auc"] > 0.75
    assert len(details["fold_roc_auc"]) == 5
    importances = details["feature_importances"]
    assert sum(importances.values()) == pytest.approx(1.0)
    top_two = sorted(importances, key=importances.get, reverse=True)[:2]
    assert set(top_two) == {"a", "b"}


def test_classifier_statistic_is_the_out_of_fold_auc(monkeypatch) -> None:
    captured = {}
    import sklearn.metrics

    original = sklearn.metrics.roc_auc_score

    def spy(labels, scores):
        captured["labels"], captured["scores"] = np.asarray(labels), np.asarray(scores)
        return original(labels, scores)

    monkeypatch.setattr(sklearn.metrics, "roc_auc_score", spy)
    rng = np.random.default_rng(8)
    report = (
        ClassifierDriftDetector(random_state=0, estimator=LogisticRegression(), n_splits=3)
        .fit(rng.normal(size=(120, 2)))
        .detect(rng.normal(size=(100, 2)) + np.array([0.5, 0.0]))
    )
    labels, scores = captured["labels"], captured["scores"]
    assert labels.size == 220
    assert report.statistic == pytest.approx(roc_auc_score(labels, scores))
    u = mannwhitneyu(scores[labels == 1], scores[labels == 0], alternative="greater")
    assert report.p_value == pytest.approx(u.pvalue)
    assert report.statistic == pytest.approx(u.statistic / (120 * 100))
    importances = report.details["feature_importances"]
    assert importances["x0"] > importances["x1"]  # from |coefficients|


def test_classifier_without_importances_reports_none() -> None:
    rng = np.random.default_rng(9)
    report = (
        ClassifierDriftDetector(estimator=KNeighborsClassifier(), random_state=1)
        .fit(rng.normal(size=(80, 2)))
        .detect(rng.normal(size=(80, 2)))
    )
    assert report.details["feature_importances"] is None


def test_classifier_needs_rows_for_every_fold() -> None:
    detector = ClassifierDriftDetector(n_splits=5).fit(np.zeros((20, 2)))
    with pytest.raises(ValidationError, match="at least n_splits=5 rows on each side"):
        detector.detect(np.ones((3, 2)))


# -- reconstruction ---------------------------------------------------------------
def test_reconstruction_threshold_follows_the_chunk_errors() -> None:
    rng = np.random.default_rng(5)
    detector = ReconstructionDriftDetector(n_components=2, n_chunks=8, random_state=0)
    detector.fit(correlated(rng, 800, 0.9))
    current = correlated(rng, 200, 0.9)
    report = detector.detect(current)
    chunks = np.asarray(report.details["chunk_errors"])
    assert chunks.size == 8
    spread = chunks.std(ddof=1) * math.sqrt(100 / 200)
    assert report.threshold == pytest.approx(chunks.mean() + 3.0 * spread)
    assert report.p_value == pytest.approx(norm.sf((report.statistic - chunks.mean()) / spread))
    assert report.details["n_components"] == 2
    assert set(report.details["feature_errors"]) == {"a", "b", "c", "d", "e"}
    # the error is that of the PCA refitted on all the reference
    data = (current - detector.mean_) / detector.scale_
    rebuilt = detector.pca_.inverse_transform(detector.pca_.transform(data.to_numpy()))
    assert report.statistic == pytest.approx(float(((data.to_numpy() - rebuilt) ** 2).mean()))


def test_reconstruction_of_a_perfectly_rebuilt_reference() -> None:
    rng = np.random.default_rng(6)
    base = rng.normal(size=(100, 1))
    detector = ReconstructionDriftDetector(n_components=1, random_state=0)
    detector.fit(np.hstack([base, 2 * base]))
    same = detector.detect(np.hstack([base[:50], 2 * base[:50]]))
    assert not same.drifted
    broken = detector.detect(np.hstack([base[:50], -2 * base[:50]]))
    assert broken.drifted
    assert broken.p_value < 1e-12
    detector.chunk_errors_ = np.full(10, 0.5)  # errors without spread: the verdict is exact
    assert detector.detect(np.hstack([base[:50], -2 * base[:50]])).p_value == 0.0
    assert detector.detect(np.hstack([base[:50], 2 * base[:50]])).p_value == 1.0


def test_reconstruction_refuses_impossible_settings() -> None:
    with pytest.raises(ValidationError, match="at least 2 \\* n_chunks = 20 reference rows"):
        ReconstructionDriftDetector().fit(np.zeros((10, 2)))
    with pytest.raises(ValidationError, match="n_components=5 exceeds"):
        ReconstructionDriftDetector(n_components=5).fit(
            np.random.default_rng(0).normal(size=(50, 3))
        )


# -- inputs and parameters ---------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_inputs_are_checked(name: str) -> None:
    detector = DETECTORS[name]()
    frame = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) ** 0.5})
    with pytest.raises(NotFittedError, match="not fitted yet"):
        detector.detect(frame)
    with pytest.raises(ValidationError, match=r"numerical columns only; \['s'\]"):
        detector.fit(frame.assign(s="x"))
    with pytest.raises(ValidationError, match=r"NaN or infinite values in \['b'\]"):
        detector.fit(frame.assign(b=np.r_[np.nan, np.arange(39.0)]))
    with pytest.raises(ValidationError, match=r"shape \(40,\)"):
        detector.fit(np.arange(40.0))
    with pytest.raises(ValidationError, match="2-D numerical array"):
        detector.fit([["a", "b"]])
    with pytest.raises(ValidationError, match="at least 2 rows"):
        detector.fit(np.zeros((1, 2)))
    detector.fit(frame)
    with pytest.raises(ValidationError, match=r"lacks the column\(s\) \['b'\]"):
        detector.detect(frame[["a"]])
    with pytest.raises(ValidationError, match="has 3 columns, the reference had 2"):
        detector.detect(np.zeros((40, 3)))
    # columns are matched by name, whatever their order
    report = detector.detect(frame[["b", "a"]])
    assert report == detector.detect(frame)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: MMDDriftDetector(threshold=1.5), "'threshold' parameter of MMDDriftDetector"),
        (lambda: MMDDriftDetector(n_permutations=0), "'n_permutations' parameter"),
        (lambda: MMDDriftDetector(max_samples=1), "'max_samples' parameter"),
        (lambda: MMDDriftDetector(random_state="x"), "'random_state' parameter"),
        (lambda: ClassifierDriftDetector(estimator="rf"), "'estimator' parameter"),
        (lambda: ClassifierDriftDetector(n_splits=1), "'n_splits' parameter"),
        (lambda: ReconstructionDriftDetector(n_components=0), "'n_components' parameter"),
        (lambda: ReconstructionDriftDetector(n_components=1.5), "'n_components' parameter"),
        (lambda: ReconstructionDriftDetector(threshold=-1), "'threshold' parameter"),
        (lambda: ReconstructionDriftDetector(n_chunks=1), "'n_chunks' parameter"),
    ],
)
def test_bad_parameters_are_refused(factory, message) -> None:
    with pytest.raises(ValidationError, match=message):
        factory()


def test_generators_are_accepted_as_random_state() -> None:
    rng = np.random.default_rng(0)
    reference, current = rng.normal(size=(80, 2)), rng.normal(size=(80, 2))
    one = MMDDriftDetector(random_state=np.random.default_rng(3), n_permutations=20)
    two = MMDDriftDetector(random_state=np.random.default_rng(3), n_permutations=20)
    assert one.fit(reference).detect(current) == two.fit(reference).detect(current)
    # the generator is used as given: its first draws are those of the int seed 3
    seeded = MMDDriftDetector(random_state=3, n_permutations=20).fit(reference)
    fresh = MMDDriftDetector(random_state=np.random.default_rng(3), n_permutations=20)
    assert fresh.fit(reference).detect(current) == seeded.detect(current)
