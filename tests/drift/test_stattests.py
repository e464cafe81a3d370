"""Every measure of the statistical conventions table against its reference (rtol 1e-9)."""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.stats as st
from scipy.spatial.distance import jensenshannon as scipy_js

from mlops_kit.drift import StatResult, StatTest, register_test, stattests, unregister_test
from mlops_kit.drift._binning import numeric_edges, shared_counts
from mlops_kit.drift._registry import _REGISTRY
from mlops_kit.exceptions import NotFoundError, ValidationError

RTOL = 1e-9

SIZES = [(3, 4), (5, 5), (8, 13), (25, 40), (200, 150), (3_000, 2_000), (12_000, 15_000)]
SIZE_IDS = [f"{a}x{b}" for a, b in SIZES]


def _samples(n1: int, n2: int, *, ties: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + n1 * 7 + n2)
    a = rng.normal(0.0, 1.0, n1)
    b = rng.normal(0.3, 1.2, n2)
    if ties:
        a, b = np.round(a * 2) / 2, np.round(b * 2) / 2
    return a, b


def _close(ours: float | None, ref: float) -> None:
    assert ours is not None
    assert ours == pytest.approx(float(ref), rel=RTOL, abs=1e-300)


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize(("n1", "n2"), SIZES, ids=SIZE_IDS)
def test_ks_equals_scipy(n1: int, n2: int, ties: bool) -> None:
    a, b = _samples(n1, n2, ties=ties)
    ours, ref = stattests.ks(a, b), st.ks_2samp(a, b, method="auto")
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


def test_ks_large_samples_use_the_asymptotic_distribution() -> None:
    a, b = _samples(40_000, 25_000, ties=False)
    ours, ref = stattests.ks(a, b), st.ks_2samp(a, b)
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)
    a, b = _samples(30_000, 30_000, ties=True)
    ours, ref = stattests.ks(b, a), st.ks_2samp(b, a)
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize(("n1", "n2"), SIZES[:-1], ids=SIZE_IDS[:-1])
def test_cramervonmises_equals_scipy(n1: int, n2: int, ties: bool) -> None:
    a, b = _samples(n1, n2, ties=ties)
    ours, ref = stattests.cramervonmises(a, b), st.cramervonmises_2samp(a, b)
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


@pytest.mark.parametrize(("n1", "n2"), SIZES[:-1], ids=SIZE_IDS[:-1])
def test_anderson_equals_scipy_with_its_clipped_p_value(n1: int, n2: int) -> None:
    a, b = _samples(n1, n2, ties=False)
    with pytest.warns(UserWarning, match="p-value|variant"):  # scipy warns about its clipping
        ref = st.anderson_ksamp([a, b])
    ours = stattests.anderson(a, b)  # and ours does not warn
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)
    assert 0.001 <= ours.p_value <= 0.25


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize(("n1", "n2"), SIZES, ids=SIZE_IDS)
def test_mannwhitney_is_two_sided_scipy(n1: int, n2: int, ties: bool) -> None:
    a, b = _samples(n1, n2, ties=ties)
    ours, ref = stattests.mannwhitney(a, b), st.mannwhitneyu(a, b, alternative="two-sided")
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


@pytest.mark.parametrize(("n1", "n2"), SIZES, ids=SIZE_IDS)
def test_ttest_is_welch(n1: int, n2: int) -> None:
    a, b = _samples(n1, n2, ties=False)
    ours, ref = stattests.ttest(a, b), st.ttest_ind(a, b, equal_var=False)
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)
    student = st.ttest_ind(a, b, equal_var=True)
    if n1 != n2:
        assert ours.statistic != pytest.approx(student.statistic, rel=1e-6)


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize(("n1", "n2"), [*SIZES, (20_000, 20_000)], ids=[*SIZE_IDS, "20000x20000"])
def test_wasserstein_is_scipy_over_the_reference_std(n1: int, n2: int, ties: bool) -> None:
    a, b = _samples(n1, n2, ties=ties)
    ours = stattests.wasserstein(a, b)
    _close(ours.statistic, st.wasserstein_distance(a, b) / np.std(a))
    assert ours.p_value is None


def test_wasserstein_on_a_constant_reference() -> None:
    assert stattests.wasserstein([2.0, 2.0], [2.0, 2.0]).statistic == 0.0
    assert stattests.wasserstein([2.0, 2.0], [2.0, 3.0]).statistic == math.inf


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize(("n1", "n2"), SIZES, ids=SIZE_IDS)
def test_energy_equals_scipy(n1: int, n2: int, ties: bool) -> None:
    a, b = _samples(n1, n2, ties=ties)
    _close(stattests.energy(a, b).statistic, st.energy_distance(a, b))


# ---------------------------------------------------------------- binned and categorical


COUNTS = {
    "two": ([30, 70], [45, 55]),
    "three": ([10, 20, 30], [12, 25, 20]),
    "empty-bin": ([10, 0, 30, 5], [12, 0, 20, 9]),
    "unseen": ([40, 60, 0], [30, 50, 20]),
    "large": ([100_000, 250_000, 650_000], [98_000, 260_000, 642_000]),
}


def _table(ref: list[int], cur: list[int]) -> np.ndarray:
    table = np.array([ref, cur], dtype=float)
    return table[:, table.sum(axis=0) > 0]


@pytest.mark.parametrize("counts", COUNTS.values(), ids=COUNTS.keys())
def test_chi2_is_the_homogeneity_test(counts: tuple[list[int], list[int]]) -> None:
    ours = stattests.chi2.from_counts(*counts)
    ref = st.chi2_contingency(_table(*counts), correction=False)
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


@pytest.mark.parametrize("counts", COUNTS.values(), ids=COUNTS.keys())
def test_gtest_is_the_log_likelihood_ratio(counts: tuple[list[int], list[int]]) -> None:
    ours = stattests.gtest.from_counts(*counts)
    ref = st.chi2_contingency(_table(*counts), correction=False, lambda_="log-likelihood")
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


def test_chi2_with_a_single_category_on_both_sides() -> None:
    assert stattests.chi2.from_counts([5, 0], [7, 0]) == StatResult(statistic=0.0, p_value=1.0)
    ref = st.chi2_contingency(np.array([[5], [7]]), correction=False)
    assert (ref.statistic, ref.pvalue) == (0.0, 1.0)


@pytest.mark.parametrize(
    "counts",
    [([3, 7], [8, 2]), ([0, 5], [5, 0]), ([10, 12], [11, 13]), ([300, 200], [250, 260])],
    ids=["small", "zeros", "balanced", "large"],
)
def test_fisher_equals_scipy(counts: tuple[list[int], list[int]]) -> None:
    ours = stattests.fisher.from_counts(*counts)
    ref = st.fisher_exact(np.array(counts))
    assert ours.statistic == pytest.approx(ref.statistic, rel=RTOL)
    _close(ours.p_value, ref.pvalue)


def test_ztest_worked_example() -> None:
    # 45 of 100 in the reference, 60 of 120 in current carry the second category.
    ours = stattests.ztest.from_counts([55, 45], [60, 60])
    pooled = 105 / 220
    z = (60 / 120 - 45 / 100) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 120))
    _close(ours.statistic, z)
    _close(ours.p_value, math.erfc(abs(z) / math.sqrt(2)))
    assert ours.statistic == pytest.approx(0.7393, abs=1e-4)
    assert ours.p_value == pytest.approx(0.4597, abs=1e-4)
    assert stattests.ztest.from_counts([10, 0], [5, 0]) == StatResult(statistic=0.0, p_value=1.0)


def _props(counts: tuple[list[int], list[int]]) -> tuple[np.ndarray, np.ndarray]:
    p, q = np.asarray(counts[0], float), np.asarray(counts[1], float)
    return p / p.sum(), q / q.sum()


@pytest.mark.parametrize("counts", COUNTS.values(), ids=COUNTS.keys())
def test_distances_on_counts(counts: tuple[list[int], list[int]]) -> None:
    p, q = _props(counts)
    _close(stattests.jensenshannon.from_counts(*counts).statistic, scipy_js(p, q, base=2))
    hellinger = np.sqrt(((np.sqrt(p) - np.sqrt(q)) ** 2).sum() / 2)  # the same, another form
    assert stattests.hellinger.from_counts(*counts).statistic == pytest.approx(
        hellinger, rel=1e-7, abs=1e-12
    )
    pf, qf = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
    _close(stattests.psi.from_counts(*counts).statistic, ((qf - pf) * np.log(qf / pf)).sum())
    _close(stattests.kl.from_counts(*counts).statistic, st.entropy(qf, pf))
    _close(stattests.tvd.from_counts(*counts).statistic, 0.5 * np.abs(p - q).sum())


def test_psi_worked_example() -> None:
    # deciles of the reference, current moved: a textbook PSI computation
    p = np.full(4, 0.25)
    q = np.array([0.1, 0.2, 0.3, 0.4])
    expected = sum((qi - pi) * math.log(qi / pi) for pi, qi in zip(p, q))
    assert expected == pytest.approx(0.2282, abs=1e-4)
    _close(stattests.psi.from_counts(p * 1000, q * 1000).statistic, expected)


def test_floor_keeps_psi_and_kl_finite() -> None:
    assert math.isfinite(stattests.psi.from_counts([10, 0], [0, 10]).statistic)
    assert math.isfinite(stattests.kl.from_counts([10, 0], [0, 10]).statistic)


@pytest.mark.parametrize("bins", [2, 5, 10, 20])
@pytest.mark.parametrize("n", [1, 7, 100, 5_000])
def test_numeric_edges_are_reference_quantiles(n: int, bins: int) -> None:
    values = np.sort(np.random.default_rng(n).normal(size=n))
    expected = np.unique(np.quantile(values, np.arange(bins) / bins, method="higher"))
    edges = numeric_edges(values, bins)
    np.testing.assert_array_equal(edges[:-1], expected)
    assert edges[-1] == np.nextafter(values[-1], np.inf)


def test_shared_counts_for_numbers_have_overflow_bins() -> None:
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(size=1_000), rng.normal(0.5, 2.0, size=800)
    ref_counts, cur_counts = shared_counts(ref, cur, bins=10)
    edges = numeric_edges(np.sort(ref), 10)
    full = np.concatenate([[-np.inf], edges, [np.inf]])
    np.testing.assert_array_equal(ref_counts, np.histogram(ref, full)[0])
    np.testing.assert_array_equal(cur_counts, np.histogram(cur, full)[0])
    assert ref_counts[0] == 0  # the reference never overflows
    assert ref_counts[-1] == 0
    assert cur_counts[0] > 0
    assert cur_counts[-1] > 0


def test_discrete_values_get_one_bin_each() -> None:
    ref = np.repeat([0.0, 1.0, 2.0], 10)
    ref_counts, cur_counts = shared_counts(ref, np.array([0.0, 2.0, 2.0, 3.0]))
    assert ref_counts.tolist() == [0, 10, 10, 10, 0]
    assert cur_counts.tolist() == [0, 1, 0, 2, 1]


def test_categories_get_an_unseen_bin() -> None:
    ref = np.array(["a", "b", "b", "c"], dtype=object)
    cur = np.array(["b", "d", "d", None], dtype=object)
    ref_counts, cur_counts = shared_counts(ref, cur)
    assert ref_counts.tolist() == [1, 2, 1, 0]
    assert cur_counts.tolist() == [0, 1, 0, 2]
    result = stattests.chi2(ref, cur)
    table = np.array([[1, 2, 1, 0], [0, 1, 0, 2]], float)
    _close(result.p_value, st.chi2_contingency(table, correction=False).pvalue)


def test_jensenshannon_on_numbers_uses_reference_bins() -> None:
    rng = np.random.default_rng(5)
    ref, cur = rng.normal(size=2_000), rng.normal(0.3, 1.0, size=1_500)
    ref_counts, cur_counts = shared_counts(ref, cur, bins=10)
    p, q = _props((list(ref_counts), list(cur_counts)))
    _close(stattests.jensenshannon(ref, cur).statistic, scipy_js(p, q, base=2))


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("reference", "current", "match"),
    [
        ([1.0, np.nan], [1.0, 2.0], "NaN or inf"),
        ([1.0, 2.0], [1.0, np.inf], "NaN or inf"),
        ([], [1.0, 2.0], "empty"),
        (["a", "b"], [1.0, 2.0], "must be numbers"),
    ],
    ids=["nan", "inf", "empty", "strings"],
)
def test_numerical_tests_refuse_bad_values(reference: list, current: list, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        stattests.ks(reference, current)


def test_from_counts_validates() -> None:
    with pytest.raises(ValidationError, match="same length"):
        stattests.psi.from_counts([1, 2], [1, 2, 3])
    with pytest.raises(ValidationError, match="positive total"):
        stattests.psi.from_counts([0, 0], [1, 2])
    with pytest.raises(ValidationError, match="does not work on counts"):
        stattests.ks.from_counts([1, 2], [1, 2])


def test_categorical_all_missing_is_refused() -> None:
    with pytest.raises(ValidationError, match="all missing"):
        stattests.chi2(np.array(["a"], dtype=object), np.array([None], dtype=object))


# --------------------------------------------------------------------------- registry


def test_every_table_entry_is_registered() -> None:
    names = {
        "ks", "cramervonmises", "anderson", "mannwhitney", "ttest", "chi2", "gtest", "fisher",
        "ztest", "wasserstein", "energy", "jensenshannon", "hellinger", "psi", "kl", "tvd",
    }  # fmt: skip
    assert names <= set(stattests.available())
    assert stattests.available(kind="distance", data="categorical") == [
        "hellinger", "jensenshannon", "kl", "psi", "tvd",
    ]  # fmt: skip
    assert stattests.get("psi") is stattests.psi


@pytest.fixture
def cleanup() -> object:
    before = dict(_REGISTRY)
    yield
    _REGISTRY.clear()
    _REGISTRY.update(before)


@pytest.mark.usefixtures("cleanup")
def test_register_a_distance_and_refuse_a_duplicate() -> None:
    @register_test("mean_gap", kind="distance", default_threshold=0.3)
    def mean_gap(reference: np.ndarray, current: np.ndarray) -> float:
        """Absolute gap between the means."""
        return float(abs(current.mean() - reference.mean()))

    test = stattests.get("mean_gap")
    assert isinstance(test, StatTest)
    assert test.description == "Absolute gap between the means."
    assert test([0.0, 2.0], [3.0, 5.0]) == StatResult(statistic=3.0)
    assert mean_gap(np.array([1.0]), np.array([2.0])) == 1.0  # the function is unchanged
    with pytest.raises(ValidationError, match="already registered"):
        register_test("mean_gap", kind="distance", default_threshold=0.3)(lambda r, c: 0.0)
    register_test("mean_gap", kind="distance", default_threshold=0.5, replace=True)(
        lambda r, c: 1.0
    )
    assert stattests.get("mean_gap").default_threshold == 0.5
    unregister_test("mean_gap")
    with pytest.raises(NotFoundError, match="No drift test named 'mean_gap'"):
        stattests.get("mean_gap")


_KS_RESULT = st.ks_2samp([1, 2, 3], [4, 5, 6])


@pytest.mark.usefixtures("cleanup")
@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ((1.0, 0.5), StatResult(statistic=1.0, p_value=0.5)),
        (StatResult(statistic=2.0, p_value=0.1), StatResult(statistic=2.0, p_value=0.1)),
        (_KS_RESULT, StatResult(statistic=_KS_RESULT.statistic, p_value=_KS_RESULT.pvalue)),
    ],
    ids=["pair", "statresult", "scipy-result"],
)
def test_p_value_tests_may_return_several_forms(output: object, expected: object) -> None:
    register_test("custom_p", kind="p_value", data="both")(lambda r, c: output)
    result = stattests.get("custom_p")([1.0], [2.0])
    assert result.p_value is not None
    if expected is not None:
        assert result == expected


@pytest.mark.usefixtures("cleanup")
def test_bad_outputs_are_reported() -> None:
    register_test("bad_out", kind="p_value")(lambda r, c: "nonsense")
    with pytest.raises(ValidationError, match="must return"):
        stattests.get("bad_out")([1.0], [2.0])
    register_test("no_p", kind="p_value")(lambda r, c: StatResult(statistic=1.0))
    with pytest.raises(ValidationError, match="returned no p-value"):
        stattests.get("no_p")([1.0], [2.0])
    register_test("dist_pair", kind="distance", default_threshold=1.0)(lambda r, c: (1.0, 0.5))
    assert stattests.get("dist_pair")([1.0], [2.0]) == StatResult(statistic=1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "9bad", "kind": "distance", "default_threshold": 0.1}, "'name' parameter"),
        ({"name": "x", "kind": "score", "default_threshold": 0.1}, "'kind' parameter"),
        ({"name": "x", "kind": "p_value", "default_threshold": 1.5}, r"\(0, 1\)"),
        ({"name": "x", "kind": "distance", "default_threshold": -1.0}, r"\(0, inf\)"),
        ({"name": "x", "kind": "distance"}, "needs a default_threshold"),
        ({"name": "x", "kind": "p_value", "data": "text"}, "'data' parameter"),
    ],
    ids=["name", "kind", "p-threshold", "distance-threshold", "no-threshold", "data"],
)
def test_register_checks_its_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        register_test(**kwargs)(lambda r, c: 0.0)


def test_register_checks_the_signature() -> None:
    with pytest.raises(ValidationError, match="two positional arguments"):
        register_test("one_arg", kind="distance", default_threshold=0.1)(lambda r: 0.0)
    with pytest.raises(ValidationError, match="needs a callable"):
        StatTest(name="x", kind="distance", data="both", default_threshold=0.1, func=3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'input' parameter"):
        StatTest(name="x", kind="distance", data="both", default_threshold=0.1,
                 func=lambda r, c: 0.0, input="raw")  # fmt: skip


@pytest.mark.usefixtures("cleanup")
def test_entry_points_register_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mk_plugin_demo.py").write_text(
        textwrap.dedent(
            """
            from mlops_kit.drift import StatTest, register_test

            @register_test("plugin_gap", kind="distance", default_threshold=0.2)
            def gap(reference, current):
                return abs(current.mean() - reference.mean())

            def plain_gap(reference, current):
                return 0.0

            constant = StatTest(name="ignored_name", kind="distance", data="both",
                                default_threshold=0.5, func=lambda r, c: 0.25)
            """
        )
    )
    dist = tmp_path / "mk_plugin_demo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mk-plugin-demo\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[mlops_kit.drift_tests]\nplugin_gap = mk_plugin_demo:gap\n"
        "plugin_constant = mk_plugin_demo:constant\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    stattests.reload_entry_points()
    assert stattests.get("plugin_gap")([0.0], [1.0]).statistic == 1.0
    assert stattests.get("plugin_constant")([0.0], [1.0]).statistic == 0.25
    assert "plugin_constant" in stattests.available(kind="distance")

    (dist / "entry_points.txt").write_text(
        "[mlops_kit.drift_tests]\nplugin_plain = mk_plugin_demo:plain_gap\n"
    )
    with pytest.raises(ValidationError, match="must name a StatTest"):
        stattests.reload_entry_points()
    monkeypatch.delitem(sys.modules, "mk_plugin_demo", raising=False)


# ------------------------------------------------------------------------ corrections


def test_corrections_worked_example() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    assert stattests.adjust_p_values(p, None) == p
    assert stattests.adjust_p_values(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 0.02])
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> cummax
    assert stattests.adjust_p_values(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: p * 4 / rank -> 0.02, 0.04, 0.04, 0.02 (rank 2, 4, 3, 1), then running minimum
    assert stattests.adjust_p_values(p, "fdr_bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    with pytest.raises(ValidationError, match="'correction' parameter"):
        stattests.adjust_p_values(p, "sidak")


@pytest.mark.parametrize("seed", range(5))
def test_bh_equals_scipy_and_holm_a_direct_loop(seed: int) -> None:
    p = np.random.default_rng(seed).uniform(0, 0.2, size=17)
    np.testing.assert_allclose(
        stattests.adjust_p_values(p, "fdr_bh"), st.false_discovery_control(p), rtol=RTOL
    )
    m = len(p)
    order = np.argsort(p)
    holm = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        holm[i] = running
    np.testing.assert_allclose(stattests.adjust_p_values(p, "holm"), holm, rtol=RTOL)
