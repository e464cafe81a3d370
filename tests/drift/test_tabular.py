"""TabularDriftDetector: auto selection, corrections, NaN/inf, persistence and bad input."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from mlops_kit.drift import DriftReport, TabularDriftDetector, stattests
from mlops_kit.drift._tabular import AUTO_SIZE_LIMIT
from mlops_kit.exceptions import NotFittedError, NotFoundError, ValidationError
from mlops_kit.storage import open_store
from mlops_kit.testing import check_drift_detector


def _frame(n: int, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "amount": rng.normal(shift, 1.0, n),
            "country": rng.choice(["fr", "de", "it", "es"], n),
            "is_new": rng.random(n) < 0.3,
        }
    )


# ---------------------------------------------------------------------- the auto table


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (AUTO_SIZE_LIMIT, {"amount": "ks", "country": "chi2", "is_new": "fisher"}),
        (AUTO_SIZE_LIMIT + 1, {"amount": "wasserstein", "country": "jensenshannon",
                               "is_new": "jensenshannon"}),
    ],
    ids=["small-reference", "large-reference"],
)  # fmt: skip
def test_auto_picks_by_type_and_reference_size(n: int, expected: dict) -> None:
    report = TabularDriftDetector().fit(_frame(n)).detect(_frame(300, seed=1))
    assert {c: report.columns[c].method for c in expected} == expected
    types = {c: report.columns[c].column_type for c in expected}
    assert types == {"amount": "numerical", "country": "categorical", "is_new": "binary"}


def test_a_tiny_shift_on_a_million_rows_is_not_drift_but_half_a_sigma_is() -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(size=1_000_000)})
    detector = TabularDriftDetector().fit(reference)
    tiny = detector.detect(pd.DataFrame({"x": rng.normal(0.02, 1.0, 1_000_000)}))
    assert not tiny.drifted
    assert tiny.columns["x"].method == "wasserstein"
    assert tiny.columns["x"].statistic == pytest.approx(0.02, abs=0.005)
    # while a p-value test calls the same tiny shift significant
    ks = stattests.ks(reference["x"].to_numpy(), rng.normal(0.02, 1.0, 1_000_000))
    assert ks.p_value < 1e-6
    half = detector.detect(pd.DataFrame({"x": rng.normal(0.5, 1.0, 1_000_000)}))
    assert half.drifted
    assert half.columns["x"].statistic == pytest.approx(0.5, abs=0.01)


def test_column_results_equal_the_stattests_on_the_same_values() -> None:
    ref, cur = _frame(500), _frame(400, seed=1, shift=0.3)
    report = TabularDriftDetector().fit(ref).detect(cur)
    amount = report.columns["amount"]
    expected = st.ks_2samp(ref["amount"], cur["amount"])
    assert amount.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert amount.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    country = report.columns["country"]
    table = pd.crosstab(
        np.r_[np.zeros(500), np.ones(400)], np.r_[ref["country"], cur["country"]]
    ).to_numpy()
    assert country.p_value == pytest.approx(
        st.chi2_contingency(table, correction=False).pvalue, rel=1e-9
    )
    is_new = report.columns["is_new"]
    side = np.r_[np.zeros(500), np.ones(400)]
    fisher = st.fisher_exact(pd.crosstab(side, np.r_[ref["is_new"], cur["is_new"]]).to_numpy())
    assert is_new.p_value == pytest.approx(fisher.pvalue, rel=1e-9)
    assert is_new.n_reference == 500
    assert is_new.n_current == 400


# ---------------------------------------------------------------- methods & thresholds


def test_one_method_name_applies_where_it_fits() -> None:
    report = TabularDriftDetector(method="psi").fit(_frame(300)).detect(_frame(300, seed=1))
    assert {c.method for c in report.columns.values()} == {"psi"}
    report = TabularDriftDetector(method="ttest").fit(_frame(300)).detect(_frame(300, seed=1))
    methods = {name: c.method for name, c in report.columns.items()}
    assert methods == {"amount": "ttest", "country": "chi2", "is_new": "fisher"}


def test_method_and_threshold_per_column() -> None:
    detector = TabularDriftDetector(
        method={"amount": "mannwhitney", "country": "tvd"},
        threshold={"country": 0.5, "amount": 0.01},
    )
    report = detector.fit(_frame(300)).detect(_frame(300, seed=1))
    assert report.columns["amount"].method == "mannwhitney"
    assert report.columns["amount"].threshold == 0.01
    assert report.columns["country"].method == "tvd"
    assert report.columns["country"].threshold == 0.5
    assert report.columns["is_new"].threshold == 0.05  # fisher's default


def test_a_per_column_method_must_fit_the_column_type() -> None:
    with pytest.raises(ValidationError, match="'chi2' chosen for column 'amount'"):
        TabularDriftDetector(method={"amount": "chi2"}).fit(_frame(50))


def test_drift_is_distance_at_or_above_the_threshold() -> None:
    ref = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50})
    cur = pd.DataFrame({"c": ["a"] * 25 + ["b"] * 75})
    report = TabularDriftDetector(method="tvd", threshold=0.25).fit(ref).detect(cur)
    assert report.columns["c"].statistic == 0.25
    assert report.columns["c"].drifted
    report = TabularDriftDetector(method="tvd", threshold=0.26).fit(ref).detect(cur)
    assert not report.columns["c"].drifted


@pytest.mark.parametrize("correction", ["bonferroni", "holm", "fdr_bh"])
def test_corrections_adjust_p_values_across_columns(correction: str) -> None:
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({f"x{i}": rng.normal(size=300) for i in range(6)})
    cur = pd.DataFrame({f"x{i}": rng.normal(0.1 * i, 1.0, 300) for i in range(6)})
    plain = TabularDriftDetector().fit(ref).detect(cur)
    corrected = TabularDriftDetector(correction=correction).fit(ref).detect(cur)
    raw = [c.p_value for c in plain.columns.values()]
    expected = stattests.adjust_p_values(raw, correction)
    for column, adj in zip(corrected.columns.values(), expected):
        assert column.p_value == plain.columns[column.column].p_value
        assert column.adjusted_p_value == pytest.approx(adj)
        assert column.drifted == (adj < 0.05)
    assert corrected.n_drifted <= plain.n_drifted
    assert all(c.adjusted_p_value == c.p_value for c in plain.columns.values())


def test_distances_are_not_corrected() -> None:
    ref, cur = _frame(300), _frame(300, seed=1)
    report = TabularDriftDetector(method="psi", correction="bonferroni").fit(ref).detect(cur)
    assert all(c.adjusted_p_value is None for c in report.columns.values())


def test_dataset_verdict_by_drift_share() -> None:
    ref = _frame(400)
    cur = _frame(400, seed=1)
    cur["amount"] += 2.0  # one column of three drifts
    report = TabularDriftDetector(drift_share=0.5).fit(ref).detect(cur)
    assert report.drifted_columns == ("amount",)
    assert report.drift_share == pytest.approx(1 / 3)
    assert not report.drifted
    assert report.drift_share_threshold == 0.5
    assert TabularDriftDetector(drift_share=0.3).fit(ref).detect(cur).drifted


# ------------------------------------------------------------------------- NaN and inf


def test_nan_and_inf_are_counted_and_the_missing_rate_tested() -> None:
    rng = np.random.default_rng(2)
    infs = [np.inf] * 3 + [-np.inf] * 2
    ref = pd.DataFrame({"x": np.r_[rng.normal(size=990), [np.nan] * 5, infs]})
    cur_values = np.r_[rng.normal(size=800), [np.nan] * 200]
    report = TabularDriftDetector().fit(ref).detect(pd.DataFrame({"x": cur_values}))
    x = report.columns["x"]
    assert (x.nan_reference, x.inf_reference, x.n_reference) == (5, 5, 990)
    assert (x.nan_current, x.inf_current, x.n_current) == (200, 0, 800)
    assert x.missing_rate_reference == pytest.approx(0.005)
    assert x.missing_rate_current == pytest.approx(0.2)
    assert x.missing_p_value is not None
    assert x.missing_p_value < 1e-10
    same = TabularDriftDetector().fit(ref).detect(ref)
    assert same.columns["x"].missing_p_value == pytest.approx(1.0)
    clean = TabularDriftDetector().fit(ref.dropna()).detect(ref.dropna())
    assert clean.columns["x"].missing_p_value is None


def test_missing_categories_are_counted() -> None:
    ref = pd.DataFrame({"c": ["a", "b", None, "a"] * 50})
    cur = pd.DataFrame({"c": ["a", None, None, "b"] * 50})
    c = TabularDriftDetector().fit(ref).detect(cur).columns["c"]
    assert (c.nan_reference, c.nan_current) == (50, 100)
    assert (c.n_reference, c.n_current) == (150, 100)


def test_an_all_nan_current_column_tests_the_missing_rate() -> None:
    ref = _frame(200)
    cur = _frame(100, seed=1)
    cur["amount"] = np.nan
    c = TabularDriftDetector().fit(ref).detect(cur).columns["amount"]
    assert c.method == "missing_rate"
    assert c.drifted
    assert c.n_current == 0
    assert "no finite current value" in c.note


def test_an_all_nan_reference_column_is_refused() -> None:
    ref = _frame(50)
    ref["amount"] = np.nan
    with pytest.raises(ValidationError, match="Column 'amount' has no finite value"):
        TabularDriftDetector().fit(ref)
    ref = pd.DataFrame({"c": pd.Series([None, None], dtype=object)})
    with pytest.raises(ValidationError, match="Column 'c' has no value"):
        TabularDriftDetector().fit(ref)


# ------------------------------------------------------------------- special columns


def test_constant_column() -> None:
    ref = pd.DataFrame({"k": np.full(2_000, 3.0)})
    det = TabularDriftDetector().fit(ref)
    assert det.reference_.columns["k"].column_type == "numerical"
    assert not det.detect(ref).drifted
    moved = det.detect(pd.DataFrame({"k": np.full(100, 4.0)}))
    assert moved.drifted
    assert moved.columns["k"].statistic == np.inf
    json.dumps(moved.to_dict(), allow_nan=False)  # inf is encoded for strict JSON
    small = TabularDriftDetector().fit(ref.iloc[:100])
    assert small.detect(pd.DataFrame({"k": np.full(100, 4.0)})).drifted


def test_single_category_and_unseen_categories() -> None:
    ref = pd.DataFrame({"c": ["a"] * 100})
    det = TabularDriftDetector().fit(ref)
    assert det.reference_.columns["c"].column_type == "categorical"
    same = det.detect(ref)
    assert not same.drifted
    assert same.columns["c"].p_value == 1.0
    cur = pd.DataFrame({"c": ["a"] * 60 + ["z"] * 40})
    report = det.detect(cur)
    assert report.drifted
    assert report.columns["c"].distribution.current_counts == (60, 40)


def test_binary_with_unseen_categories_switches_to_chi2() -> None:
    ref = pd.DataFrame({"c": ["yes", "no"] * 100})
    cur = pd.DataFrame({"c": ["yes", "no", "maybe"] * 50})
    c = TabularDriftDetector().fit(ref).detect(cur).columns["c"]
    assert c.method == "chi2"
    assert c.drifted
    assert "unseen" in c.note


def test_more_categories_than_max_categories_are_lumped() -> None:
    rng = np.random.default_rng(0)
    values = np.r_[np.repeat(["top1", "top2"], 500), [f"id{i}" for i in range(1_500)]]
    ref = pd.DataFrame({"id": rng.permutation(values)})
    det = TabularDriftDetector().fit(ref)
    profile = det.reference_.columns["id"]
    assert len(profile.categories) == 1_000
    assert {"top1", "top2"} <= set(profile.categories)
    assert profile.counts[-1] == 2_500 - int(profile.counts[:-1].sum())
    report = det.detect(ref)
    assert not report.drifted
    assert report.columns["id"].method == "jensenshannon"
    few = TabularDriftDetector(max_categories=10).fit(ref).reference_.columns["id"]
    assert len(few.categories) == 10


def test_bool_columns_are_binary() -> None:
    ref = pd.DataFrame({"b": [True] * 80 + [False] * 20})
    det = TabularDriftDetector().fit(ref)
    profile = det.reference_.columns["b"]
    assert profile.column_type == "binary"
    assert profile.categories == [False, True]
    report = det.detect(pd.DataFrame({"b": [True] * 20 + [False] * 80}))
    assert report.columns["b"].method == "fisher"
    assert report.drifted
    only_true = TabularDriftDetector().fit(pd.DataFrame({"b": [True] * 10}))
    assert not only_true.detect(pd.DataFrame({"b": [True] * 5})).drifted


def test_numeric_columns_with_two_values_are_binary() -> None:
    ref = pd.DataFrame({"flag": [0, 1] * 100, "rating": [1, 2, 3, 4] * 50})
    det = TabularDriftDetector(categorical=["rating"]).fit(ref)
    assert det.reference_.columns["flag"].column_type == "binary"
    assert det.reference_.columns["rating"].column_type == "categorical"
    cur = pd.DataFrame({"flag": [0, 1, 1, 1] * 50, "rating": [1.0, 2.0, 3.0, np.nan] * 50})
    report = det.detect(cur)
    assert report.columns["flag"].drifted
    assert report.columns["rating"].nan_current == 50
    assert report.columns["rating"].distribution.current_counts == (50, 50, 50, 0, 0)


def test_datetime_columns_are_numerical_in_seconds() -> None:
    start = pd.Timestamp("2026-01-01", tz="Europe/Paris")
    ref = pd.DataFrame({"t": pd.date_range(start, periods=500, freq="h")})
    cur = pd.DataFrame({"t": pd.date_range(start + pd.Timedelta(days=30), periods=500, freq="h")})
    cur.loc[0, "t"] = pd.NaT
    det = TabularDriftDetector().fit(ref)
    profile = det.reference_.columns["t"]
    assert profile.column_type == "numerical"
    assert profile.values[0] == start.timestamp()
    report = det.detect(cur)
    assert report.drifted
    assert report.columns["t"].nan_current == 1
    gaps = pd.DataFrame({"d": pd.to_timedelta(np.arange(100), unit="s")})
    assert TabularDriftDetector().fit(gaps).reference_.columns["d"].values[-1] == 99.0


# ------------------------------------------------------------------------- bad input


def test_a_column_missing_from_current_is_named() -> None:
    det = TabularDriftDetector().fit(_frame(50))
    with pytest.raises(ValidationError, match="Column 'country' of the reference is missing"):
        det.detect(_frame(50).drop(columns="country"))


def test_different_kinds_between_reference_and_current() -> None:
    det = TabularDriftDetector().fit(_frame(50))
    cur = _frame(50)
    cur["amount"] = cur["amount"].astype(str)
    with pytest.raises(ValidationError, match="Column 'amount' holds number values"):
        det.detect(cur)
    cur = _frame(50)
    cur["amount"] = cur["amount"].round().astype(int)  # int against float is fine
    det.detect(cur)
    cur = _frame(50)
    cur["country"] = cur["country"].astype("category")  # strings against categories too
    det.detect(cur)


def test_empty_current_is_refused() -> None:
    det = TabularDriftDetector().fit(_frame(50))
    with pytest.raises(ValidationError, match="no rows"):
        det.detect(_frame(50).iloc[:0])
    with pytest.raises(ValidationError, match="no rows"):
        TabularDriftDetector().fit(_frame(50).iloc[:0])


def test_unsupported_dtype_and_input_type() -> None:
    with pytest.raises(ValidationError, match="not supported"):
        TabularDriftDetector().fit(pd.DataFrame({"z": np.array([1 + 2j, 3j])}))
    with pytest.raises(ValidationError, match="must be a pandas DataFrame"):
        TabularDriftDetector().fit([1, 2, 3])


def test_columns_parameter() -> None:
    det = TabularDriftDetector(columns=["amount"]).fit(_frame(50))
    assert list(det.detect(_frame(50)[["amount"]]).columns) == ["amount"]
    with pytest.raises(ValidationError, match="Column 'nope' given in columns="):
        TabularDriftDetector(columns=["nope"]).fit(_frame(50))
    with pytest.raises(ValidationError, match="Column 'nope' named in the parameters"):
        TabularDriftDetector(categorical=["nope"]).fit(_frame(50))


def test_series_and_arrays_are_accepted() -> None:
    rng = np.random.default_rng(0)
    predictions = pd.Series(rng.random(300), name="score")
    report = TabularDriftDetector().fit(predictions).detect(predictions + 0.3)
    assert report.drifted_columns == ("score",)
    arr = rng.normal(size=(200, 2))
    assert list(TabularDriftDetector().fit(arr).detect(arr).columns) == ["0", "1"]
    assert not TabularDriftDetector().fit({"a": [1.0, 2.0, 3.0]}).detect({"a": [1.0, 2.0]}).drifted


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 1.5}, "The 'threshold' parameter of TabularDriftDetector must be a float "
                             "in (0, 1). Got 1.5 instead."),
        ({"threshold": -0.1}, "'threshold' parameter"),
        ({"threshold": {"a": "x"}}, "'threshold' parameter"),
        ({"correction": "sidak"}, "'correction' parameter of TabularDriftDetector"),
        ({"drift_share": 0.0}, "'drift_share' parameter"),
        ({"drift_share": 1.5}, "'drift_share' parameter"),
        ({"method": "nope"}, "unknown test"),
        ({"method": 3}, "'method' parameter"),
        ({"categorical": "amount"}, "'categorical' parameter"),
        ({"columns": [1, 2]}, "'columns' parameter"),
        ({"max_reference_rows": 0}, "'max_reference_rows' parameter"),
        ({"bins": 1}, "'bins' parameter"),
        ({"max_categories": True}, "'max_categories' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
        ({"random_state": -1}, "'random_state' parameter"),
        ({"n_jobs": 0}, "'n_jobs' parameter"),
        ({"n_jobs": 1.5}, "'n_jobs' parameter"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "message",
)  # fmt: skip
def test_parameters_are_validated_at_construction(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        TabularDriftDetector(**kwargs)
    assert message in str(info.value)


def test_distance_thresholds_may_exceed_one_and_p_value_columns_check_theirs() -> None:
    assert TabularDriftDetector(method="energy", threshold=2.0).threshold == 2.0
    with pytest.raises(ValidationError, match="threshold of column 'amount' must be in"):
        TabularDriftDetector(threshold={"amount": 2.0}).fit(_frame(50))


def test_constructor_arguments_are_attributes() -> None:
    det = TabularDriftDetector(correction="fdr_bh", drift_share=0.3, bins=7)
    assert (det.correction, det.drift_share, det.bins, det.method) == ("fdr_bh", 0.3, 7, "auto")
    assert not hasattr(det, "reference_")


def test_detect_before_fit() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        TabularDriftDetector().detect(_frame(10))
    with pytest.raises(NotFittedError):
        TabularDriftDetector().to_dict()


def test_inputs_are_not_mutated() -> None:
    ref, cur = _frame(300), _frame(300, seed=1)
    ref.loc[3, "amount"] = np.nan
    ref_copy, cur_copy = ref.copy(deep=True), cur.copy(deep=True)
    TabularDriftDetector(max_reference_rows=100, random_state=0).fit(ref).detect(cur)
    pd.testing.assert_frame_equal(ref, ref_copy)
    pd.testing.assert_frame_equal(cur, cur_copy)


# --------------------------------------------------------------------- persistence


def test_max_reference_rows_samples_with_a_seed() -> None:
    ref = _frame(5_000)
    a = TabularDriftDetector(max_reference_rows=1_000, random_state=3).fit(ref)
    b = TabularDriftDetector(max_reference_rows=1_000, random_state=3).fit(ref)
    c = TabularDriftDetector(max_reference_rows=1_000, random_state=4).fit(ref)
    assert a.reference_.n_rows == 1_000
    assert a.reference_.n_rows_seen == 5_000
    np.testing.assert_array_equal(
        a.reference_.columns["amount"].values, b.reference_.columns["amount"].values
    )
    assert not np.array_equal(
        a.reference_.columns["amount"].values, c.reference_.columns["amount"].values
    )
    assert a.reference_.columns["amount"].method == "ks"  # chosen on the sample's size
    gen = TabularDriftDetector(max_reference_rows=10, random_state=np.random.default_rng(1))
    assert gen.fit(ref).reference_.n_rows == 10


def test_to_dict_round_trip_detects_identically() -> None:
    ref, cur = _frame(1_500), _frame(800, seed=1, shift=0.2)
    ref.loc[0, "amount"] = np.inf
    det = TabularDriftDetector(correction="holm", categorical=None, random_state=5).fit(ref)
    data = json.loads(json.dumps(det.to_dict(), allow_nan=False))
    again = TabularDriftDetector.from_dict(data)
    assert again.detect(cur) == det.detect(cur)
    assert again.correction == "holm"
    with pytest.raises(ValidationError, match="not a saved TabularDriftDetector"):
        TabularDriftDetector.from_dict({"type": "Other"})
    with pytest.raises(ValidationError, match="newer"):
        TabularDriftDetector.from_dict({**data, "schema_version": 99})


def test_to_dict_round_trip_keeps_the_inf_count_of_a_binary_numeric_column() -> None:
    ref = pd.DataFrame({"flag": [0.0, 1.0, np.inf, 0.0, 1.0, np.nan, 1.0]})
    det = TabularDriftDetector().fit(ref)
    again = TabularDriftDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    assert again.reference_.columns["flag"].n_inf == 1
    report = again.detect(ref)
    assert report.columns["flag"].inf_reference == 1
    assert report == det.detect(ref)


@pytest.mark.parametrize("where", ["memory", "folder"])
def test_save_and_load_through_a_store(where: str, tmp_path: object) -> None:
    store = open_store("memory://" if where == "memory" else str(tmp_path))
    ref, cur = _frame(400), _frame(400, seed=1, shift=0.5)
    det = TabularDriftDetector(method={"amount": "psi"}).fit(ref)
    digest = det.save(store, "fraud/inputs")
    assert store.blobs.exists(digest)
    record = store.metadata.get("drift.detectors", "fraud/inputs")
    assert record is not None
    assert record.value["columns"] == ["amount", "country", "is_new"]
    loaded = TabularDriftDetector.load(store, "fraud/inputs")
    assert loaded.detect(cur) == det.detect(cur)
    with pytest.raises(NotFoundError, match="No drift detector saved under 'nope'"):
        TabularDriftDetector.load(store, "nope")


def test_pickle_and_copy() -> None:
    det = TabularDriftDetector().fit(_frame(200))
    cur = _frame(200, seed=1)
    assert pickle.loads(pickle.dumps(det)).detect(cur) == det.detect(cur)
    assert copy.deepcopy(det).detect(cur) == det.detect(cur)


def test_report_of_the_detector_round_trips() -> None:
    report = TabularDriftDetector(correction="fdr_bh").fit(_frame(200)).detect(_frame(200, 1))
    assert isinstance(report, DriftReport)
    assert report.detector == "TabularDriftDetector"
    assert report.details == {"correction": "fdr_bh"}
    assert DriftReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


@pytest.mark.parametrize(
    "detector",
    [
        TabularDriftDetector(),
        TabularDriftDetector(method="psi"),
        TabularDriftDetector(method="mannwhitney", correction="holm"),
        TabularDriftDetector(max_reference_rows=200, random_state=0),
    ],
    ids=["auto", "psi", "mannwhitney-holm", "sampled"],
)
def test_conformance(detector: TabularDriftDetector) -> None:
    check_drift_detector(detector)


def test_conformance_with_categorical_data() -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"c": rng.choice(list("abc"), 500), "x": rng.normal(size=500)})
    shifted = pd.DataFrame({"c": rng.choice(list("abd"), 500), "x": rng.normal(2, 1, 500)})
    check_drift_detector(TabularDriftDetector(), reference=ref, shifted=shifted)


@pytest.mark.parametrize("n_jobs", [1, 2, -1, None])
def test_threads_do_not_change_results(n_jobs: int | None) -> None:
    rng = np.random.default_rng(8)
    ref = pd.DataFrame({f"x{i}": rng.normal(size=3_000) for i in range(5)})
    cur = pd.DataFrame({f"x{i}": rng.normal(0.05 * i, 1.0, 2_000) for i in range(5)})
    ref["c"] = rng.choice(list("abc"), 3_000)
    cur["c"] = rng.choice(list("abcd"), 2_000)
    expected = TabularDriftDetector(n_jobs=1).fit(ref).detect(cur)
    assert TabularDriftDetector(n_jobs=n_jobs).fit(ref).detect(cur) == expected
