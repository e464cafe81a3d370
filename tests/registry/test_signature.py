"""Signatures: inferred from an example, round-tripped through JSON, checked on request."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import ValidationError
from mlops_kit.registry import ColumnSpec, Signature


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [1.5, 20.0],
            "n_items": np.array([1, 3], dtype="int64"),
            "country": pd.Series(["FR", "DE"], dtype=object),
            "when": pd.to_datetime(["2026-01-01", "2026-01-02"]),
            "kind": pd.Categorical(["a", "b"]),
        }
    )


def test_infer_from_a_frame(frame: pd.DataFrame) -> None:
    sig = Signature.infer(frame)
    assert sig.kind == "dataframe"
    assert [c.name for c in sig.columns] == ["amount", "n_items", "country", "when", "kind"]
    assert sig.columns[0] == ColumnSpec(name="amount", dtype="float64")
    assert sig.columns[1].dtype == "int64"
    assert sig.columns[4].dtype == "category"
    assert sig.shape == (None, 5)
    assert sig.dtype is None
    sig.validate(frame)


def test_infer_from_arrays_lists_and_series() -> None:
    assert Signature.infer(np.zeros((4, 3), dtype=np.float32)) == Signature(
        kind="array", dtype="float32", shape=(None, 3)
    )
    assert Signature.infer([[1, 2], [3, 4]]).shape == (None, 2)
    assert Signature.infer(pd.Series([1.0, 2.0])).shape == (None,)
    assert Signature.infer(np.zeros((2, 3, 4))).shape == (None, 3, 4)


@pytest.mark.parametrize("example", [3.0, "text", None], ids=["scalar", "string", "none"])
def test_examples_without_rows_are_refused(example: object) -> None:
    with pytest.raises(ValidationError, match="at least one axis"):
        Signature.infer(example)


def test_ragged_examples_are_refused() -> None:
    with pytest.raises(ValidationError, match="Cannot infer a signature"):
        Signature.infer([[1, 2], [3]])


def test_bad_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="'kind' parameter of Signature"):
        Signature(kind="tensor")


def test_validate_names_every_mismatch(frame: pd.DataFrame) -> None:
    sig = Signature.infer(frame)
    bad = frame.drop(columns=["country"]).assign(amount=["x", "y"], extra=1)
    with pytest.raises(ValidationError) as error:
        sig.validate(bad)
    message = str(error.value)
    assert "missing column 'country'" in message
    assert "unexpected column 'extra'" in message
    assert "column 'amount' has dtype" in message
    assert "expected float64" in message


def test_extra_columns_can_be_allowed(frame: pd.DataFrame) -> None:
    Signature.infer(frame).validate(frame.assign(extra=1), allow_extra_columns=True)


def test_column_order_matters(frame: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="another order"):
        Signature.infer(frame).validate(frame[frame.columns[::-1]])


@pytest.mark.parametrize(
    "expected, got, ok",
    [
        ("float64", "int64", True),
        ("float64", "float32", True),
        ("float64", "bool", True),
        ("int64", "int32", True),
        ("int64", "uint8", True),
        ("int64", "float64", False),
        ("uint8", "int64", False),
        ("bool", "int64", False),
        ("object", "str", True),
        ("str", "object", True),
        ("string", "object", True),
        ("float64", "Float64", True),
        ("int64", "Int64", True),
        ("Int64", "int64", True),
        ("bool", "boolean", True),
        ("category", "object", False),
        ("datetime64[ns]", "datetime64[us]", True),
        ("datetime64[ns]", "int64", False),
        ("float64", "object", False),
    ],
    ids=lambda v: str(v),
)
def test_dtype_compatibility(expected: str, got: str, ok: bool) -> None:
    from mlops_kit.registry._signature import _compatible

    assert _compatible(expected, got) is ok


def test_frame_signature_refuses_arrays(frame: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="expected a pandas DataFrame"):
        Signature.infer(frame).validate(np.zeros((2, 5)))


def test_array_signature_checks_shape_and_dtype() -> None:
    sig = Signature.infer(np.zeros((4, 3)))
    sig.validate(np.ones((1, 3), dtype=np.int64))
    sig.validate(pd.DataFrame(np.ones((2, 3))))
    with pytest.raises(ValidationError, match=r"shape \(2, 4\), expected \(None, 3\)"):
        sig.validate(np.ones((2, 4)))
    with pytest.raises(ValidationError, match=r"shape \(3,\)"):
        sig.validate(np.ones(3))
    with pytest.raises(ValidationError, match="dtype <U1, expected float64"):
        sig.validate(np.array([["a", "b", "c"]]))
    with pytest.raises(ValidationError, match="expected an array"):
        sig.validate([[1, 2], [3]])


def test_round_trip_through_json(frame: pd.DataFrame) -> None:
    for sig in (Signature.infer(frame), Signature.infer(np.zeros((2, 3, 4)))):
        assert Signature.from_dict(json.loads(json.dumps(sig.to_dict()))) == sig


def test_str_and_html(frame: pd.DataFrame) -> None:
    assert str(Signature.infer(np.zeros((2, 3)))) == "Signature(array[n, 3] of float64)"
    assert str(Signature.infer(frame[["amount"]])) == "Signature(amount: float64)"
    assert "<table>" in Signature.infer(frame)._repr_html_()
    assert "float64" in Signature.infer(np.zeros((2, 3)))._repr_html_()


@settings(max_examples=40, deadline=None)
@given(
    columns=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=8),
            st.sampled_from(["float64", "int64", "bool", "object", "category"]),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda c: c[0],
    )
)
def test_any_signature_round_trips_and_accepts_its_own_shape(
    columns: list[tuple[str, str]],
) -> None:
    sig = Signature(
        kind="dataframe",
        columns=tuple(ColumnSpec(name=n, dtype=d) for n, d in columns),
        shape=(None, len(columns)),
    )
    assert Signature.from_dict(json.loads(json.dumps(sig.to_dict()))) == sig
    frame = pd.DataFrame({n: pd.Series([], dtype=d) for n, d in columns})
    sig.validate(frame)
