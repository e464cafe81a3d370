"""TabularDriftDetector.detect on Dask DataFrames: per-partition counts, summed."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from mlops_kit.drift import TabularDriftDetector
from mlops_kit.drift._builtin import BUILTINS
from mlops_kit.drift._dask import BINNED, is_dask_frame
from mlops_kit.exceptions import ValidationError


@pytest.fixture(autouse=True)
def _synchronous() -> object:
    with dask.config.set(scheduler="synchronous"):
        yield


def _frames(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 30.0, n),
            "country": rng.choice(["FR", "DE", "ES"], n),
            "flag": rng.random(n) > 0.5,
            "code": rng.integers(0, 2, n),
            "rating": rng.integers(1, 6, n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), "s"),
        }
    )
    current = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 33.0, n),
            "country": rng.choice(["FR", "DE", "ES", "IT"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "flag": rng.random(n) > 0.45,
            "code": rng.integers(0, 2, n).astype(float),
            "rating": rng.integers(1, 7, n),
            "when": pd.Timestamp("2024-02-01") + pd.to_timedelta(rng.integers(0, 10**7, n), "s"),
        }
    )
    current.loc[::17, "amount"] = np.nan
    current.loc[::29, "amount"] = np.inf
    current.loc[::31, "code"] = np.nan
    current.loc[::19, "country"] = None
    return reference, current


@pytest.mark.parametrize("method", ["psi", "jensenshannon", "hellinger", "kl", "tvd"])
@pytest.mark.parametrize("npartitions", [1, 4, 7])
def test_binned_distances_equal_the_pandas_result_exactly(method: str, npartitions: int) -> None:
    reference, current = _frames()
    detector = TabularDriftDetector(method=method, categorical=["rating"]).fit(reference)
    ddf = dd.from_pandas(current, npartitions=npartitions)
    report = detector.detect(ddf)
    expected = detector.detect(ddf.compute())
    assert report.to_dict() == expected.to_dict()
    assert report.n_current == len(current)
    assert report.columns["amount"].nan_current == int(current["amount"].isna().sum())
    assert report.columns["amount"].inf_current == int(np.isinf(current["amount"]).sum())
    assert {c.method for c in report.columns.values()} == {method}


def test_count_tests_with_a_correction_equal_the_pandas_result() -> None:
    reference, current = _frames(800)  # a reference of <= 1000 rows: auto picks tests
    method = {"amount": "psi", "when": "tvd", "country": "gtest", "rating": "chi2"}
    detector = TabularDriftDetector(method=method, categorical=["rating"], correction="holm")
    detector.fit(reference)  # flag and code are binary: auto gives fisher (counts)
    ddf = dd.from_pandas(current, npartitions=3)
    report = detector.detect(ddf)
    assert report.to_dict() == detector.detect(ddf.compute()).to_dict()
    assert report.columns["flag"].method == "fisher"
    assert report.columns["country"].method == "gtest"
    assert report.columns["rating"].adjusted_p_value is not None


def test_unseen_category_in_a_binary_column_switches_to_chi2_as_pandas_does() -> None:
    reference = pd.DataFrame({"c": ["a", "b"] * 50})
    current = pd.DataFrame({"c": ["a", "b", "z", "a"] * 25})
    detector = TabularDriftDetector().fit(reference)
    report = detector.detect(dd.from_pandas(current, npartitions=3))
    assert report.columns["c"].method == "chi2"
    assert "unseen" in report.columns["c"].note
    assert report.to_dict() == detector.detect(current).to_dict()


def test_an_all_missing_current_column_tests_the_missing_rate() -> None:
    reference = pd.DataFrame({"x": np.arange(50.0)})
    current = pd.DataFrame({"x": [np.nan] * 20})
    detector = TabularDriftDetector(method="psi").fit(reference)
    report = detector.detect(dd.from_pandas(current, npartitions=2))
    assert report.columns["x"].method == "missing_rate"
    assert report.to_dict() == detector.detect(current).to_dict()


@pytest.mark.parametrize("method", ["auto", "ks", "wasserstein"])
def test_methods_on_raw_values_are_refused_with_a_way_out(method: str) -> None:
    reference, current = _frames(300)
    detector = TabularDriftDetector(method=method).fit(reference[["amount"]])
    with pytest.raises(ValidationError) as info:
        detector.detect(dd.from_pandas(current, npartitions=2))
    message = str(info.value)
    assert "'amount'" in message
    assert "binned method" in message
    assert "psi" in message
    assert ("'ks'" if method == "auto" else repr(method)) in message


def test_missing_columns_kinds_and_empty_frames_are_refused() -> None:
    reference, current = _frames(200)
    detector = TabularDriftDetector(method="psi").fit(reference)
    with pytest.raises(ValidationError, match="'amount' of the reference is missing"):
        detector.detect(dd.from_pandas(current.drop(columns="amount"), npartitions=2))
    wrong = current.assign(amount=current["amount"].astype(str))
    with pytest.raises(ValidationError, match="Column 'amount' holds number values"):
        detector.detect(dd.from_pandas(wrong, npartitions=2))
    with pytest.raises(ValidationError, match="no rows"):
        detector.detect(dd.from_pandas(current.iloc[:0], npartitions=1))


def test_fit_on_a_dask_reference_is_refused_with_a_way_out() -> None:
    reference, _ = _frames(100)
    with pytest.raises(ValidationError, match=r"reference\.compute\(\)"):
        TabularDriftDetector().fit(dd.from_pandas(reference, npartitions=2))


def test_dask_frames_are_recognised_without_importing_dask_for_others() -> None:
    reference, _ = _frames(10)
    assert is_dask_frame(dd.from_pandas(reference, npartitions=1))
    assert not is_dask_frame(reference)
    assert not is_dask_frame(dd.from_pandas(reference, npartitions=1)["amount"])
    assert {"psi", "chi2", "gtest"} <= set(BINNED)
    assert set(BINNED) == {name for name, t in BUILTINS.items() if t.input == "counts"}
