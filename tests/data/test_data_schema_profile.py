"""Schema values and per-column profiles, checked against numpy/pandas references."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.data import ColumnProfile, ColumnSchema, Profile, Schema, _profile, profile_frame
from mlops_kit.exceptions import ValidationError


def test_schema_infer_and_to_dict_format() -> None:
    df = pd.DataFrame(
        {
            "id": [1, 2],
            "amount": [1.0, None],
            "city": ["a", "b"],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC"),
            "c": pd.Categorical(["x", "y"]),
        }
    )
    schema = Schema.infer(df)
    assert schema.to_dict()["columns"] == [
        {"name": "id", "dtype": "int64", "nullable": False},
        {"name": "amount", "dtype": "float64", "nullable": True},
        {"name": "city", "dtype": "str", "nullable": False},
        {"name": "when", "dtype": "datetime64[us, UTC]", "nullable": False},
        {"name": "c", "dtype": "category", "nullable": False},
    ]
    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema
    assert Schema.from_frame is Schema.infer or Schema.from_frame(df) == schema
    assert Schema.from_frame(df) == schema
    assert schema.names == ["id", "amount", "city", "when", "c"]
    assert "amount" in schema
    assert schema["id"].dtype == "int64"
    assert len(schema) == 5
    assert [c.name for c in schema] == schema.names
    with pytest.raises(KeyError):
        schema["nope"]


def test_validate_names_every_problem() -> None:
    schema = Schema.infer(pd.DataFrame({"a": [1], "b": [1.0], "c": ["x"]}))
    bad = pd.DataFrame({"a": [1.5], "c": [None], "d": [1]})
    with pytest.raises(ValidationError) as info:
        schema.validate(bad)
    message = str(info.value)
    assert "missing column 'b'" in message
    assert "extra column 'd'" in message
    assert "column 'a' has dtype float64, expected int64" in message
    assert "column 'c' is not nullable but has 1 missing" in message or "'c' has dtype" in message
    assert "column 'c' has dtype object, expected str" in message  # all None: not a str column
    schema.validate(pd.DataFrame({"a": [3], "b": [2.0], "c": ["y"]}))
    with_missing = pd.DataFrame({"a": [3, 4], "b": [2.0, 1.0], "c": ["y", None]})
    assert schema.problems(with_missing) == ["column 'c' is not nullable but has 1 missing"]


def test_validate_refuses_non_frames_and_bad_dicts() -> None:
    schema = Schema(columns=[ColumnSchema(name="a", dtype="int64", nullable=False)])
    with pytest.raises(ValidationError, match="takes a pandas DataFrame"):
        schema.validate([1])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="takes a pandas DataFrame"):
        Schema.infer({"a": [1]})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="needs 'columns'"):
        Schema.from_dict({"cols": []})
    assert "a: int64 (not null)" in str(schema)
    assert "<table>" in schema._repr_html_()


@settings(max_examples=30, deadline=None)
@given(
    columns=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=5),
            st.sampled_from(["int64", "float64", "str", "category"]),
            st.booleans(),
        ),
        max_size=6,
    )
)
def test_schema_round_trips_through_json(columns: list[tuple[str, str, bool]]) -> None:
    schema = Schema(columns=[ColumnSchema(name=n, dtype=d, nullable=b) for n, d, b in columns])
    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema


def test_numeric_profile_matches_numpy() -> None:
    rng = np.random.default_rng(5)
    values = rng.standard_normal(1000)
    values[::10] = np.nan
    values[5] = np.inf
    p = profile_frame(pd.DataFrame({"x": values}))["x"]
    finite = values[np.isfinite(values)]
    assert p.count == 900
    assert p.nulls == 100
    assert p.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert p.std == pytest.approx(finite.std(ddof=1), rel=1e-12)
    assert p.min == finite.min()
    assert p.max == finite.max()
    expected = np.quantile(finite, _profile.QUANTILES)
    assert [v for _, v in p.quantiles] == pytest.approx(list(expected), rel=1e-12)


def test_hand_computed_profile() -> None:
    p = profile_frame(pd.DataFrame({"x": [1, 2, 3, 4]}))["x"]
    # mean 2.5; sample variance ((1.5² + 0.5²) * 2) / 3 = 5/3
    assert (p.mean, p.std) == (2.5, pytest.approx((5 / 3) ** 0.5))
    assert dict(p.quantiles)[0.5] == 2.5
    assert dict(p.quantiles)[0.25] == 1.75


def test_large_columns_use_a_sample_for_quantiles_and_top(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_profile, "SAMPLE", 100)
    monkeypatch.setattr(_profile, "QUANTILE_SAMPLE", 100)
    n = 1000
    df = pd.DataFrame({"x": np.arange(n, dtype=float), "s": np.repeat(["a", "b"], n // 2)})
    profile = profile_frame(df)
    assert profile["x"].mean == 499.5  # exact
    assert dict(profile["x"].quantiles)[0.5] == pytest.approx(499.5, abs=10)
    assert profile["s"].n_unique is None
    assert dict(profile["s"].top) == {"a": 500, "b": 500}


def test_other_kinds_of_columns() -> None:
    df = pd.DataFrame(
        {
            "t": pd.to_datetime(["2024-01-02", None, "2024-01-01"]),
            "empty_t": pd.to_datetime([None, None, None]),
            "d": pd.to_timedelta([1, 2, None], unit="s"),
            "c": pd.Categorical(["x", "y", "x"]),
            "b": [True, False, True],
            "Int": pd.array([1, None, 3], dtype="Int64"),
            "nan": [np.nan] * 3,
            "one": [1.0, np.nan, np.nan],
        }
    )
    profile = profile_frame(df)
    assert (profile["t"].min, profile["t"].max) == ("2024-01-01T00:00:00", "2024-01-02T00:00:00")
    assert profile["empty_t"].count == 0
    assert profile["empty_t"].min is None
    assert profile["d"].mean == 1.5
    assert profile["d"].dtype == str(df["d"].dtype)
    assert profile["c"].top == (("x", 2), ("y", 1))
    assert profile["c"].n_unique == 2
    assert profile["b"].top == (("True", 2), ("False", 1))
    assert (profile["Int"].nulls, profile["Int"].mean) == (1, 2.0)
    assert profile["nan"].mean is None
    assert profile["nan"].quantiles == ()
    assert profile["one"].std is None
    assert profile["one"].mean == 1.0
    assert Profile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile
    assert f"t ({df['t'].dtype})" in str(profile)
    assert "<table>" in profile._repr_html_()
    with pytest.raises(KeyError):
        profile["nope"]


def test_std_survives_huge_values() -> None:
    p = profile_frame(pd.DataFrame({"x": [0.0, 1.8e154, 1e300]}))["x"]
    assert p.std == pytest.approx(np.std(np.array([0.0, 1.8e154, 1e300]) / 1e300, ddof=1) * 1e300)


def test_column_profile_round_trip() -> None:
    p = ColumnProfile(name="a", dtype="float64", count=2, nulls=0, quantiles=[(0.5, 1.0)])
    assert ColumnProfile.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_html_tables_escape_every_cell() -> None:
    df = pd.DataFrame({"<x>": [1.0, None], "s": ["a", "b"]})
    assert Schema.infer(df)._repr_html_() == (
        "<table><thead><tr><th>column</th><th>dtype</th><th>nullable</th></tr></thead><tbody>"
        "<tr><td>&lt;x&gt;</td><td>float64</td><td>yes</td></tr>"
        "<tr><td>s</td><td>str</td><td>no</td></tr></tbody></table>"
    )
    html = profile_frame(df)._repr_html_()
    assert "<tr><td>&lt;x&gt;</td><td>float64</td><td>1</td><td>1</td><td>1.0</td></tr>" in html
    assert "<tr><td>s</td><td>str</td><td>2</td><td>0</td><td></td></tr>" in html
