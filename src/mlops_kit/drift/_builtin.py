"""The built-in tests and distances of DESIGN's "Statistical conventions" table.

Numerical tests take sorted finite float arrays; binned measures take counts over shared bins
(reference first, current second). Each matches its scipy reference (see the table in
``docs/drift.md``).
"""

from __future__ import annotations

import inspect
import math
import warnings
from functools import cache
from typing import Any

import numpy as np

from mlops_kit.drift._binning import FloatArray, merge_sorted
from mlops_kit.drift._registry import StatResult, StatTest, _register_builtin

__all__ = ["FLOOR"]

#: Proportions are floored at this value for ``psi`` and ``kl`` (so an empty bin is finite).
FLOOR = 1e-4

#: ``ks`` is exact up to this sample size, like scipy's ``method="auto"``.
_KS_MAX_EXACT_N = 10_000


def _cdf_gaps(ref: FloatArray, cur: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Both empirical CDFs at every merged value, and the merged (sorted) values."""
    merged, from_ref = merge_sorted(ref, cur)
    cdf_ref = np.cumsum(from_ref) / ref.size
    cdf_cur = np.cumsum(~from_ref) / cur.size
    return cdf_ref, cdf_cur, merged


def _ks(ref: FloatArray, cur: FloatArray) -> StatResult:
    n1, n2 = ref.size, cur.size
    if max(n1, n2) <= _KS_MAX_EXACT_N:
        from scipy.stats import ks_2samp

        res = ks_2samp(ref, cur, method="auto")
        return StatResult(statistic=res.statistic, p_value=res.pvalue)
    # F - G is largest just before a current value, G - F at a current value (ties included)
    right = np.searchsorted(ref, cur, side="right")
    below = ref[np.maximum(right - 1, 0)]
    tied = np.flatnonzero((below == cur) & (right > 0))
    step = np.arange(n2, dtype=np.float64)
    step /= n2
    gap = right.astype(np.float64)
    gap /= n1
    gap -= step  # F - G just before each current value, when no reference value ties it
    d_minus = 1.0 / n2 - float(gap.min())  # G - F at each current value
    if tied.size:  # a current value equal to a reference value: F just before it is lower
        gap[tied] = np.searchsorted(ref, cur[tied], side="left") / n1 - step[tied]
    d_plus = float(gap.max())
    d = max(d_plus, d_minus, 0.0)
    from scipy.stats import kstwo

    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    p = float(np.clip(kstwo.sf(d, np.round(en)), 0.0, 1.0))
    return StatResult(statistic=d, p_value=p)


def _cramervonmises(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.stats import cramervonmises_2samp

    res = cramervonmises_2samp(ref, cur)
    return StatResult(statistic=res.statistic, p_value=res.pvalue)


@cache
def _anderson_has_variant() -> bool:
    from scipy.stats import anderson_ksamp

    return "variant" in inspect.signature(anderson_ksamp).parameters


def _anderson(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.stats import anderson_ksamp

    kwargs: dict[str, Any] = {"variant": "midrank"} if _anderson_has_variant() else {}
    with warnings.catch_warnings():
        # scipy clips the interpolated p-value to [0.001, 0.25] and says so; that is documented
        warnings.filterwarnings("ignore", message="p-value (capped|floored)")
        res = anderson_ksamp([ref, cur], **kwargs)
    return StatResult(statistic=res.statistic, p_value=res.pvalue)


def _mannwhitney(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.stats import mannwhitneyu

    res = mannwhitneyu(ref, cur, alternative="two-sided")
    return StatResult(statistic=res.statistic, p_value=res.pvalue)


def _ttest(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.stats import ttest_ind

    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant samples: NaN, as scipy says
        res = ttest_ind(ref, cur, equal_var=False)
    return StatResult(statistic=res.statistic, p_value=res.pvalue)


def _wasserstein_raw(ref: FloatArray, cur: FloatArray) -> float:
    """W1 as the integral of the gap between the quantile functions of the sorted samples."""
    n, m = ref.size, cur.size
    if n == m:
        return float(np.mean(np.abs(ref - cur)))
    # breakpoints of both quantile functions on the grid of 1/(n m): i m and j n
    points = np.unique(
        np.concatenate([np.arange(1, n + 1, dtype=np.int64) * m, np.arange(1, m + 1) * n])
    )
    widths = np.diff(points, prepend=0) / (float(n) * float(m))
    gap = np.abs(ref[(points - 1) // m] - cur[(points - 1) // n])
    return float(np.dot(gap, widths))


def _wasserstein(ref: FloatArray, cur: FloatArray) -> StatResult:
    w = _wasserstein_raw(ref, cur)
    std = float(np.std(ref))
    if std == 0.0:
        return StatResult(statistic=0.0 if w == 0.0 else math.inf)
    return StatResult(statistic=w / std)


def _energy(ref: FloatArray, cur: FloatArray) -> StatResult:
    cdf_ref, cdf_cur, merged = _cdf_gaps(ref, cur)
    gap = cdf_ref[:-1] - cdf_cur[:-1]
    return StatResult(
        statistic=math.sqrt(2.0) * math.sqrt(float(np.dot(gap * gap, np.diff(merged))))
    )


def _drop_empty(ref: FloatArray, cur: FloatArray) -> tuple[FloatArray, FloatArray]:
    keep = (ref + cur) > 0
    return ref[keep], cur[keep]


def _contingency(ref: FloatArray, cur: FloatArray, lambda_: str) -> StatResult:
    ref, cur = _drop_empty(np.asarray(ref, float), np.asarray(cur, float))
    if ref.size < 2:
        return StatResult(statistic=0.0, p_value=1.0)
    from scipy.stats import chi2 as chi2_dist

    observed = np.vstack([ref, cur])
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0) / observed.sum()
    if lambda_ == "pearson":
        stat = float(((observed - expected) ** 2 / expected).sum())
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
        stat = float(2.0 * terms.sum())
    return StatResult(statistic=stat, p_value=float(chi2_dist.sf(stat, ref.size - 1)))


def _chi2(ref: FloatArray, cur: FloatArray) -> StatResult:
    return _contingency(ref, cur, "pearson")


def _gtest(ref: FloatArray, cur: FloatArray) -> StatResult:
    return _contingency(ref, cur, "log-likelihood")


def _two_by_two(ref: FloatArray, cur: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Reduce counts to (first category, every other) on each side."""
    ref = np.asarray(ref, float)
    cur = np.asarray(cur, float)
    return (
        np.array([ref[0], ref[1:].sum()]),
        np.array([cur[0], cur[1:].sum()]),
    )


def _fisher(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.stats import fisher_exact

    r, c = _two_by_two(ref, cur)
    res = fisher_exact(np.vstack([r, c]).astype(np.int64))
    return StatResult(statistic=res.statistic, p_value=res.pvalue)


def _ztest(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.special import ndtr

    r, c = _two_by_two(ref, cur)
    n1, n2 = r.sum(), c.sum()
    p1, p2 = r[1] / n1, c[1] / n2
    pooled = (r[1] + c[1]) / (n1 + n2)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    if se == 0.0:
        return StatResult(statistic=0.0, p_value=1.0)
    z = (p2 - p1) / se
    return StatResult(statistic=z, p_value=float(2.0 * ndtr(-abs(z))))


def _proportions(ref: FloatArray, cur: FloatArray) -> tuple[FloatArray, FloatArray]:
    ref = np.asarray(ref, float)
    cur = np.asarray(cur, float)
    return ref / ref.sum(), cur / cur.sum()


def _jensenshannon(ref: FloatArray, cur: FloatArray) -> StatResult:
    from scipy.special import rel_entr

    p, q = _proportions(ref, cur)
    m = (p + q) / 2.0
    js = (float(rel_entr(p, m).sum()) + float(rel_entr(q, m).sum())) / math.log(2.0)
    return StatResult(statistic=math.sqrt(max(js, 0.0) / 2.0))


def _hellinger(ref: FloatArray, cur: FloatArray) -> StatResult:
    p, q = _proportions(ref, cur)
    return StatResult(statistic=math.sqrt(max(1.0 - float(np.sqrt(p * q).sum()), 0.0)))


def _psi(ref: FloatArray, cur: FloatArray) -> StatResult:
    p, q = _proportions(ref, cur)
    p, q = np.maximum(p, FLOOR), np.maximum(q, FLOOR)
    return StatResult(statistic=float(((q - p) * np.log(q / p)).sum()))


def _kl(ref: FloatArray, cur: FloatArray) -> StatResult:
    p, q = _proportions(ref, cur)
    p, q = np.maximum(p, FLOOR), np.maximum(q, FLOOR)
    p, q = p / p.sum(), q / q.sum()
    from scipy.special import rel_entr

    return StatResult(statistic=float(rel_entr(q, p).sum()))


def _tvd(ref: FloatArray, cur: FloatArray) -> StatResult:
    p, q = _proportions(ref, cur)
    return StatResult(statistic=0.5 * float(np.abs(p - q).sum()))


_NUM = "numerical"
_BOTH = ("numerical", "categorical", "binary")
_CAT = ("categorical", "binary")

BUILTINS: dict[str, StatTest] = {
    t.name: _register_builtin(t)
    for t in [
        StatTest(
            name="ks",
            kind="p_value",
            data=_NUM,
            default_threshold=0.05,
            func=_ks,
            input="sorted",
            description="two-sample Kolmogorov-Smirnov (scipy ks_2samp)",
        ),
        StatTest(
            name="cramervonmises",
            kind="p_value",
            data=_NUM,
            default_threshold=0.05,
            func=_cramervonmises,
            input="sorted",
            description="two-sample Cramér-von Mises (scipy cramervonmises_2samp)",
        ),
        StatTest(
            name="anderson",
            kind="p_value",
            data=_NUM,
            default_threshold=0.05,
            func=_anderson,
            input="sorted",
            description="k-sample Anderson-Darling, p-value clipped to [0.001, 0.25]",
        ),
        StatTest(
            name="mannwhitney",
            kind="p_value",
            data=_NUM,
            default_threshold=0.05,
            func=_mannwhitney,
            input="sorted",
            description="two-sided Mann-Whitney U (scipy mannwhitneyu)",
        ),
        StatTest(
            name="ttest",
            kind="p_value",
            data=_NUM,
            default_threshold=0.05,
            func=_ttest,
            input="sorted",
            description="Welch's t-test (scipy ttest_ind, equal_var=False)",
        ),
        StatTest(
            name="chi2",
            kind="p_value",
            data=_CAT,
            default_threshold=0.05,
            func=_chi2,
            input="counts",
            description="chi-squared test of homogeneity on the 2 x k table",
        ),
        StatTest(
            name="gtest",
            kind="p_value",
            data=_CAT,
            default_threshold=0.05,
            func=_gtest,
            input="counts",
            description="G-test (log-likelihood ratio) on the 2 x k table",
        ),
        StatTest(
            name="fisher",
            kind="p_value",
            data="binary",
            default_threshold=0.05,
            func=_fisher,
            input="counts",
            description="Fisher's exact test on the 2 x 2 table",
        ),
        StatTest(
            name="ztest",
            kind="p_value",
            data="binary",
            default_threshold=0.05,
            func=_ztest,
            input="counts",
            description="pooled two-proportion z-test, two-sided",
        ),
        StatTest(
            name="wasserstein",
            kind="distance",
            data=_NUM,
            default_threshold=0.1,
            func=_wasserstein,
            input="sorted",
            description="Wasserstein-1 distance over the reference's standard deviation",
        ),
        StatTest(
            name="energy",
            kind="distance",
            data=_NUM,
            default_threshold=0.1,
            func=_energy,
            input="sorted",
            description="energy distance (scipy)",
        ),
        StatTest(
            name="jensenshannon",
            kind="distance",
            data=_BOTH,
            default_threshold=0.1,
            func=_jensenshannon,
            input="counts",
            description="Jensen-Shannon distance, base 2, on shared bins",
        ),
        StatTest(
            name="hellinger",
            kind="distance",
            data=_BOTH,
            default_threshold=0.1,
            func=_hellinger,
            input="counts",
            description="Hellinger distance on shared bins",
        ),
        StatTest(
            name="psi",
            kind="distance",
            data=_BOTH,
            default_threshold=0.2,
            func=_psi,
            input="counts",
            description="population stability index, floored at 1e-4",
        ),
        StatTest(
            name="kl",
            kind="distance",
            data=_BOTH,
            default_threshold=0.1,
            func=_kl,
            input="counts",
            description="Kullback-Leibler divergence current || reference",
        ),
        StatTest(
            name="tvd",
            kind="distance",
            data=_BOTH,
            default_threshold=0.1,
            func=_tvd,
            input="counts",
            description="total variation distance on shared bins",
        ),
    ]
}
