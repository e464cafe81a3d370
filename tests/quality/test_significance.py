"""McNemar, DeLong and the paired bootstrap against published numbers, scipy and hand work."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality.significance import delong, mcnemar, paired_bootstrap


def _pairs(n11: int, n10: int, n01: int, n00: int) -> tuple[np.ndarray, ...]:
    """Labels and two prediction vectors whose correctness table is the one given
    (n10: only a right, n01: only b right)."""
    y = np.ones(n11 + n10 + n01 + n00, dtype=int)
    right_a = np.r_[np.ones(n11), np.ones(n10), np.zeros(n01), np.zeros(n00)].astype(bool)
    right_b = np.r_[np.ones(n11), np.zeros(n10), np.ones(n01), np.zeros(n00)].astype(bool)
    return y, np.where(right_a, y, 0), np.where(right_b, y, 0)


class TestMcNemar:
    def test_agresti_presidential_approval(self) -> None:
        # Agresti, An Introduction to Categorical Data Analysis (2007), section 8.1:
        # 794 / 150 / 86 / 570; z^2 = 17.36; difference 0.59 - 0.55 = 0.04, 95% CI (0.02, 0.06).
        y, a, b = _pairs(794, 150, 86, 570)
        r = mcnemar(y, a, b, correction=False)
        assert (r.b, r.c, r.n, r.exact) == (150, 86, 1600, False)
        assert r.statistic == pytest.approx(4096 / 236)
        assert round(r.statistic, 2) == 17.36
        assert r.p_value == pytest.approx(stats.chi2.sf(4096 / 236, 1))
        assert r.p_value < 0.001
        assert r.difference == pytest.approx(0.04)
        assert r.ci_low == pytest.approx(0.04 - 1.959964 * math.sqrt(236 - 64**2 / 1600) / 1600)
        assert (round(r.ci_low, 2), round(r.ci_high, 2)) == (0.02, 0.06)

    def test_continuity_correction(self) -> None:
        y, a, b = _pairs(794, 150, 86, 570)
        r = mcnemar(y, a, b)
        assert r.statistic == pytest.approx(63**2 / 236)
        assert r.p_value == pytest.approx(stats.chi2.sf(63**2 / 236, 1))

    def test_exact_by_hand(self) -> None:
        # b = 1, c = 6: p = 2 * (C(7,0) + C(7,1)) / 2^7 = 16 / 128.
        y, a, b = _pairs(10, 1, 6, 3)
        r = mcnemar(y, a, b)
        assert r.exact
        assert r.p_value == pytest.approx(0.125)
        assert r.statistic == 1.0

    @pytest.mark.parametrize("b,c", [(0, 0), (3, 9), (12, 12), (30, 10)], ids=str)
    def test_exact_is_scipy_binomtest(self, b: int, c: int) -> None:
        y, pa, pb = _pairs(5, b, c, 5)
        r = mcnemar(y, pa, pb, exact=True)
        expected = 1.0 if b + c == 0 else stats.binomtest(b, b + c, 0.5).pvalue
        assert r.p_value == pytest.approx(expected)

    def test_default_exactness_follows_discordant_count(self) -> None:
        assert mcnemar(*_pairs(5, 12, 12, 5)).exact is True
        assert mcnemar(*_pairs(5, 13, 12, 5)).exact is False

    def test_bad_shapes(self) -> None:
        with pytest.raises(ValidationError, match="same length"):
            mcnemar([1, 0], [1], [0, 1])
        with pytest.raises(ValidationError, match="at least one row"):
            mcnemar([], [], [])
        with pytest.raises(ValidationError, match="confidence"):
            mcnemar([1], [1], [1], confidence=1.5)


def _delong_direct(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """DeLong et al. (1988) written out with its O(m n) structural components."""
    pos, neg = y == 1, y == 0
    comps = []
    for s in (a, b):
        x, z = s[pos][:, None], s[neg][None, :]
        psi = (x > z) + 0.5 * (x == z)
        comps.append((psi.mean(axis=1), psi.mean(axis=0)))
    v10 = np.vstack([comps[0][0], comps[1][0]])
    v01 = np.vstack([comps[0][1], comps[1][1]])
    s = np.cov(v10) / pos.sum() + np.cov(v01) / neg.sum()
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    aucs = v10.mean(axis=1)
    return float(aucs[0]), float(aucs[1]), float(var)


class TestDeLong:
    @pytest.mark.parametrize("seed", [0, 1, 2])
    @pytest.mark.parametrize("ties", [False, True], ids=["continuous", "tied"])
    def test_matches_direct_structural_components(self, seed: int, ties: bool) -> None:
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 2, 300)
        a = y * 0.8 + rng.normal(size=300)
        b = y * 0.5 + rng.normal(size=300)
        if ties:
            a, b = np.round(a, 1), np.round(b, 1)
        r = delong(y, a, b)
        auc_a, auc_b, var = _delong_direct(y, a, b)
        assert r.auc_a == pytest.approx(auc_a)
        assert r.auc_a == pytest.approx(roc_auc_score(y, a))
        assert r.auc_b == pytest.approx(auc_b)
        assert r.auc_b == pytest.approx(roc_auc_score(y, b))
        assert r.variance == pytest.approx(var)
        assert r.z == pytest.approx((auc_a - auc_b) / math.sqrt(var))
        assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(r.z)))
        half = stats.norm.ppf(0.975) * math.sqrt(var)
        assert (r.ci_low, r.ci_high) == pytest.approx((r.difference - half, r.difference + half))

    def test_hand_example(self) -> None:
        # Positives score (0.35, 0.8, 0.9) / negatives (0.1, 0.4, 0.2) with model a: of the 9
        # pairs, only 0.35 < 0.4 is misordered, AUC = 8/9. Model b: (0.3, 0.8, 0.2) vs
        # (0.5, 0.4, 0.6): 0.8 beats all three, 3/9.
        r = delong(
            [0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9], [0.5, 0.4, 0.3, 0.8, 0.6, 0.2]
        )
        assert r.auc_a == pytest.approx(8 / 9)
        assert r.auc_b == pytest.approx(3 / 9)

    def test_hanley_mcneil_ratings(self) -> None:
        # Hanley and McNeil (1982), Radiology 143:29-36, Table 1: 109 CT images rated 1-5 by a
        # radiologist; 58 normal (33/6/6/11/2), 51 abnormal (3/2/2/11/33). Published AUC 0.893.
        neg = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
        pos = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
        y = np.r_[np.zeros(58), np.ones(51)].astype(int)
        ratings = np.r_[neg, pos]
        flipped = np.r_[6 - neg, pos]  # a reader who reverses the scale on normals
        r = delong(y, ratings, flipped)
        assert round(r.auc_a, 3) == 0.893
        _, auc_b, var = _delong_direct(y, ratings, flipped)
        assert (r.auc_b, r.variance) == pytest.approx((auc_b, var))

    def test_identical_scores(self) -> None:
        y = np.array([0, 1, 0, 1, 1])
        s = np.array([0.1, 0.9, 0.3, 0.6, 0.2])
        r = delong(y, s, s)
        assert r.difference == 0
        assert r.p_value == 1.0
        assert r.ci_low == r.ci_high == 0

    def test_needs_both_classes(self) -> None:
        with pytest.raises(ValidationError, match="both classes"):
            delong([1, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1])


class TestPairedBootstrap:
    @pytest.fixture
    def data(self) -> tuple[np.ndarray, ...]:
        rng = np.random.default_rng(7)
        y = rng.integers(0, 2, 400)
        a = np.where(rng.random(400) < 0.85, y, 1 - y)
        b = np.where(rng.random(400) < 0.75, y, 1 - y)
        sa = y * 0.6 + rng.random(400)
        sb = y * 0.3 + rng.random(400)
        return y, a, b, sa, sb

    def test_fast_path_equals_generic_path(self, data: tuple[np.ndarray, ...]) -> None:
        y, a, b, sa, sb = data
        fast = paired_bootstrap("accuracy", y, a, b, n_resamples=300, random_state=3)

        def accuracy(t: np.ndarray, p: np.ndarray) -> float:
            return float(np.mean(t == p))

        slow = paired_bootstrap(accuracy, y, a, b, n_resamples=300, random_state=3)
        assert (fast.ci_low, fast.ci_high, fast.p_value) == pytest.approx(
            (slow.ci_low, slow.ci_high, slow.p_value)
        )
        fast_auc = paired_bootstrap("roc_auc", y, sa, sb, n_resamples=200, random_state=3)
        slow_auc = paired_bootstrap(roc_auc_score, y, sa, sb, n_resamples=200, random_state=3)
        assert (fast_auc.ci_low, fast_auc.ci_high) == pytest.approx(
            (slow_auc.ci_low, slow_auc.ci_high)
        )
        assert fast_auc.value_a == pytest.approx(roc_auc_score(y, sa))

    def test_close_to_scipy_bootstrap(self, data: tuple[np.ndarray, ...]) -> None:
        y, a, b, _, _ = data
        ours = paired_bootstrap("accuracy", y, a, b, n_resamples=4000, random_state=0)
        ref = stats.bootstrap(
            ((a == y).astype(float), (b == y).astype(float)),
            lambda u, v, axis: u.mean(axis=axis) - v.mean(axis=axis),
            paired=True,
            vectorized=True,
            n_resamples=4000,
            method="percentile",
            rng=np.random.default_rng(1),
        )
        assert ours.difference == pytest.approx(np.mean(a == y) - np.mean(b == y))
        assert ours.ci_low == pytest.approx(ref.confidence_interval.low, abs=0.012)
        assert ours.ci_high == pytest.approx(ref.confidence_interval.high, abs=0.012)

    def test_seeded(self, data: tuple[np.ndarray, ...]) -> None:
        y, a, b, _, _ = data
        r1 = paired_bootstrap("f1", y, a, b, n_resamples=200, random_state=5)
        r2 = paired_bootstrap("f1", y, a, b, n_resamples=200, random_state=5)
        assert r1 == r2
        assert r1.n_valid == 200
        assert r1.metric == "f1"

    def test_identical_models(self) -> None:
        y = np.array([0, 1, 1, 0, 1])
        r = paired_bootstrap("accuracy", y, y, y, n_resamples=100, random_state=0)
        assert r.difference == 0
        assert r.ci_low == r.ci_high == 0
        assert r.p_value == 1.0

    def test_undefined_everywhere(self) -> None:
        with pytest.raises(ValidationError, match="undefined"):
            paired_bootstrap("roc_auc", [1, 1], [0.1, 0.2], [0.2, 0.1], n_resamples=10)

    def test_undefined_on_some_resamples(self) -> None:
        r = paired_bootstrap(
            "roc_auc", [0, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1], n_resamples=200, random_state=0
        )
        assert 0 < r.n_valid < 200

    def test_generic_undefined_rows(self) -> None:
        def auc(t: np.ndarray, s: np.ndarray) -> float:
            return float(roc_auc_score(t, s))

        r = paired_bootstrap(
            auc, [0, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1], n_resamples=100, random_state=0
        )
        assert 0 < r.n_valid < 100

    @pytest.mark.parametrize("bad", [0, 1.5, "many"], ids=str)
    def test_bad_resamples(self, bad: object) -> None:
        with pytest.raises(ValidationError, match="n_resamples"):
            paired_bootstrap("accuracy", [1], [1], [1], n_resamples=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("metric", ["precision", "recall", "f1", "balanced_accuracy"])
def test_confusion_fast_path_equals_sklearn(metric: str) -> None:
    import sklearn.metrics

    from mlops_kit.quality._metrics import confusion_rows, resolve_metric

    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, (40, 30))
    x = rng.integers(0, 2, (40, 30))
    y[0], x[1] = 0, 0  # rows where a denominator is zero: sklearn's zero_division=0 value
    func = getattr(
        sklearn.metrics,
        "balanced_accuracy_score" if metric == "balanced_accuracy" else f"{metric}_score",
    )
    kwargs = {} if metric == "balanced_accuracy" else {"zero_division": 0}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [func(yy, xx, **kwargs) for yy, xx in zip(y, x)]
    got = confusion_rows(resolve_metric(metric), y, x)
    assert got is not None
    np.testing.assert_allclose(got, expected)
    assert confusion_rows(resolve_metric(metric), y * 2, x) is None
