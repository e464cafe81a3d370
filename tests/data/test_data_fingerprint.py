"""fingerprint: golden vectors, the spec's reference encoding, invariances and sensitivity."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
from datetime import timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlops_kit.data import FINGERPRINT_VERSION, fingerprint
from mlops_kit.data import _fingerprint as fp_module
from mlops_kit.exceptions import ValidationError


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend pyarrow is not installed."""
    monkeypatch.setattr(fp_module, "_FORCE_PURE", [True])


# ----------------------------------------------------------------- a reference from the spec


def _str(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _reference_int_float_str_frame(columns: dict[str, list[object]]) -> str:
    """Encode a frame of int64 / float64 / str (no missing) columns exactly as the spec says."""
    n = len(next(iter(columns.values())))
    out = b"mlops_kit.fingerprint\x00" + struct.pack("<I", 1) + b"F"
    out += struct.pack("<QQ", len(columns), n) + b"R"
    for name, values in columns.items():
        out += b"s" + _str(name)
        if isinstance(values[0], int):
            out += _str("int64") + struct.pack(f"<{n}q", *values)
        elif isinstance(values[0], float):
            canonical = [0.0 if v == 0 else float("nan") if v != v else v for v in values]
            packed = b"".join(
                b"\x00\x00\x00\x00\x00\x00\xf8\x7f" if v != v else struct.pack("<d", v)
                for v in canonical
            )
            out += _str("float64") + packed
        else:
            encoded = [str(v).encode() for v in values]
            out += _str("str") + _str("str") + bytes(n)
            out += struct.pack(f"<{n}q", *map(len, encoded)) + b"".join(encoded)
    return hashlib.sha256(out).hexdigest()


@pytest.mark.parametrize(
    "columns",
    [
        {"a": [1, 2]},
        {"x": [1.5, -0.0, float("nan")], "n": [3, -4, 5]},
        {"city": ["Paris", "Zürich", ""], "v": [0.25, 1e300, -2.0]},
    ],
    ids=["one-int-column", "floats-with-negative-zero-and-nan", "utf8-strings"],
)
def test_matches_the_reference_encoding_of_the_spec(columns: dict[str, list[object]]) -> None:
    frame = pd.DataFrame(columns)
    assert fingerprint(frame) == _reference_int_float_str_frame(columns)


def test_spec_worked_example() -> None:
    assert (
        fingerprint(pd.DataFrame({"a": [1, 2]}))
        == "2a0e650341154743a28380cb90d1bf59d6029914f76e073fe6b10b8e09b9d1ce"
    )
    assert FINGERPRINT_VERSION == 1


# ---------------------------------------------------------------------------- golden vectors


def _golden_frames() -> dict[str, pd.DataFrame | pd.Series | np.ndarray]:
    n = 6
    return {
        "ints": pd.DataFrame({"i8": np.arange(n, dtype="int8"), "u64": np.arange(n, dtype="u8")}),
        "floats": pd.DataFrame(
            {"f16": np.arange(n, dtype="f2"), "f32": np.linspace(-1, 1, n).astype("f4")}
        ),
        "bool": pd.DataFrame({"b": np.arange(n) % 2 == 0}),
        "datetimes": pd.DataFrame(
            {
                "ns": pd.date_range("2024-01-01", periods=n, freq="D"),
                "s": pd.date_range("2024-01-01", periods=n, freq="D").astype("datetime64[s]"),
                "tz": pd.date_range("2024-03-30", periods=n, freq="12h", tz="Europe/Paris"),
                "td": pd.to_timedelta(np.arange(n), unit="s"),
            }
        ),
        "category": pd.DataFrame(
            {"c": pd.Categorical([*list("xyxzy"), None], categories=list("zyxw"), ordered=True)}
        ),
        "strings": pd.DataFrame(
            {
                "str": pd.Series(["a", None, "é", "", "xyz", "ok"], dtype="str"),
                "string": pd.Series(["a", None, "é", "", "xyz", "ok"], dtype="string"),
                "object": pd.Series(["a", None, "é", np.nan, "xyz", "ok"], dtype=object),
                "bytes": pd.Series([b"a", None, b"\x00", b"", b"xyz", b"ok"], dtype=object),
            }
        ),
        "nullable": pd.DataFrame(
            {
                "Int16": pd.array([1, None, 3, 4, 5, 6], dtype="Int16"),
                "Float64": pd.array([1.5, None, -0.0, 4, 5, 6], dtype="Float64"),
                "boolean": pd.array([True, None, False, True, True, False], dtype="boolean"),
            }
        ),
        "index": pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="key")),
        "multiindex": pd.DataFrame(
            {"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)])
        ),
        "series": pd.Series([1.0, 2.0, 3.0], name="price"),
        "array2d": np.arange(6, dtype="<i4").reshape(2, 3),
    }


def test_golden_vectors() -> None:
    actual = {name: fingerprint(obj) for name, obj in _golden_frames().items()}
    assert actual == GOLDEN_VECTORS


# computed once with format version 1 and pinned; a change here is a format change
GOLDEN_VECTORS: dict[str, str] = {
    "ints": "b425d5794b2805132d42bbee27f13c954117cd0a1e7430d7dd3b8f31894f29f0",
    "floats": "8f7a28dff40c08516dd9e95da2c2d45d09682d10cd1ed7fa2b23b84c7f8c581d",
    "bool": "8abe37ebefec71662332661fbdc545bbfd256984cf0026908518e6ac84ff97ad",
    "datetimes": "9f1bcd244aeef3d884431fcdefc0c8b9c3dfe43abe0e9a6e9974f123c8904155",
    "category": "e5be2fc4846713c214e68f5a482e1fec5b31902d941a7d466290d4891b663d52",
    "strings": "edf10eb50056c9d93960cf061a43f62ac114a4db99a99baebf18a30ea6e6131d",
    "nullable": "9048e79a11d49cb1f5efc5f2845c65f0a7c98c391ccee6a43ec45a62ff2fd35c",
    "index": "66ebb5c647b2b1fceb0453097c17573317d725faa000f7082d86ab0d5f9f262f",
    "multiindex": "9e2bdae244c187a8eeced4742504ef11ffe7a37d8d292818af169272dcf5bab8",
    "series": "1499db551197db4d342b02763b4e1775410406eb000b55edcbdd1d4dbdfae84e",
    "array2d": "cce8780ab599198a202233d30cb49f0357d032996677b05016fd31008cf9369a",
}


@pytest.mark.usefixtures("pure")
def test_golden_vectors_without_pyarrow() -> None:
    actual = {name: fingerprint(obj) for name, obj in _golden_frames().items()}
    assert actual == GOLDEN_VECTORS


def test_same_digest_in_another_process() -> None:
    code = (
        "import pandas as pd, numpy as np\n"
        "from mlops_kit.data import fingerprint\n"
        "df = pd.DataFrame({'x': np.linspace(0, 1, 50), 's': [str(i) for i in range(50)]})\n"
        "print(fingerprint(df))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    df = pd.DataFrame({"x": np.linspace(0, 1, 50), "s": [str(i) for i in range(50)]})
    assert result.stdout.strip() == fingerprint(df)


# ------------------------------------------------------------------------------ invariances


def test_memory_layout_and_copies_do_not_matter() -> None:
    values = np.arange(60, dtype=float).reshape(20, 3)
    c_order = pd.DataFrame(np.ascontiguousarray(values), columns=list("abc"))
    f_order = pd.DataFrame(np.asfortranarray(values), columns=list("abc"))
    split = pd.DataFrame({name: values[:, i].copy() for i, name in enumerate("abc")})
    big_endian = pd.DataFrame({n: values[:, i].astype(">f8") for i, n in enumerate("abc")})
    expected = fingerprint(c_order)
    assert fingerprint(f_order) == expected
    assert fingerprint(split) == expected
    assert fingerprint(c_order.copy()) == expected
    assert fingerprint(big_endian) == expected
    assert fingerprint(values) == fingerprint(np.asfortranarray(values))
    assert fingerprint(values[::2]) == fingerprint(np.ascontiguousarray(values[::2]))


def test_negative_zero_and_nan_payloads_hash_alike() -> None:
    payload_nan = np.array([0x7FF0000000000001], dtype="u8").view("f8")[0]
    a = pd.DataFrame({"x": [0.0, np.nan, 1.0]})
    b = pd.DataFrame({"x": [-0.0, payload_nan, 1.0]})
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(np.array([-0.0], dtype="f4")) == fingerprint(np.array([0.0], dtype="f4"))


def test_string_storage_and_code_width_do_not_matter() -> None:
    python = pd.Series(["a", None], dtype=pd.StringDtype("python"))
    arrow = pd.Series(["a", None], dtype=pd.StringDtype("pyarrow"))
    assert fingerprint(python) == fingerprint(arrow)
    few = pd.Series(pd.Categorical(["a", "b"]))
    assert fingerprint(few) == fingerprint(pd.Series(pd.Categorical(["a", "b"], list("ab"))))


def test_pure_python_text_path_matches_pyarrow(pure: None) -> None:
    frame = pd.DataFrame({"s": pd.Series(["é", None, "x"], dtype=object), "b": [b"1", b"", None]})
    with_pure = fingerprint(frame)
    fp_module._FORCE_PURE[0] = False
    assert fingerprint(frame) == with_pure


# ----------------------------------------------------------------------------- sensitivity


@pytest.mark.parametrize(
    "change",
    [
        lambda df: df.rename(columns={"a": "A"}),
        lambda df: df[["b", "a"]],
        lambda df: df.astype({"a": "int32"}),
        lambda df: df.assign(a=df["a"].replace(1, 7)),
        lambda df: df.assign(b=["x", "y", "zz"]),
        lambda df: df.iloc[::-1].reset_index(drop=True),
        lambda df: df.set_axis([10, 11, 12]),
        lambda df: df.rename_axis("row"),
        lambda df: df.iloc[:2],
        lambda df: df.assign(b=df["b"].astype(object)),
        lambda df: df.assign(a=df["a"].astype("Int64")),
    ],
    ids=[
        "renamed-column",
        "column-order",
        "dtype",
        "one-value",
        "one-string",
        "row-order",
        "index-values",
        "index-name",
        "row-count",
        "str-vs-object",
        "nullable-dtype",
    ],
)
def test_any_single_change_changes_the_digest(change: object) -> None:
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert callable(change)
    assert fingerprint(change(df)) != fingerprint(df)


def test_time_zone_and_unit_are_part_of_the_digest() -> None:
    utc = pd.Series(pd.date_range("2024-01-01", periods=3, freq="h", tz=timezone.utc))
    assert fingerprint(utc) != fingerprint(utc.dt.tz_convert("Europe/Paris"))
    assert fingerprint(utc) != fingerprint(utc.dt.tz_localize(None))
    assert fingerprint(utc) != fingerprint(utc.astype("datetime64[s, UTC]"))


def test_missing_kinds_in_object_columns_differ() -> None:
    none = pd.DataFrame({"s": pd.Series(["a", None], dtype=object)})
    nan = pd.DataFrame({"s": pd.Series(["a", np.nan], dtype=object)})
    assert fingerprint(none) != fingerprint(nan)


@settings(max_examples=40, deadline=None)
@given(
    values=hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(allow_nan=True)),
    position=st.integers(0, 39),
)
def test_float_column_sensitive_to_one_value(values: np.ndarray, position: int) -> None:
    position %= len(values)
    changed = values.copy()
    changed[position] = 1.0 if values[position] != 1.0 else 2.0
    a = pd.DataFrame({"x": values})
    b = pd.DataFrame({"x": changed})
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint(a.copy())


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=20), data=st.data())
def test_text_column_sensitive_to_one_value(values: list[str | None], data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(values) - 1))
    replacement = data.draw(st.one_of(st.none(), TEXT).filter(lambda v: v != values[position]))
    changed = list(values)
    changed[position] = replacement
    a = pd.DataFrame({"s": pd.Series(values, dtype=object)})
    b = pd.DataFrame({"s": pd.Series(changed, dtype=object)})
    assert fingerprint(a) != fingerprint(b)


@settings(max_examples=25, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=20))
def test_text_boundaries_matter(values: list[str]) -> None:
    joined = "".join(values)
    one = pd.Series([joined], dtype=object)
    many = pd.Series(values, dtype=object)
    if len(values) > 1:
        assert fingerprint(one) != fingerprint(many)


# ---------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        (pd.DataFrame({"o": [1, "a"]}, dtype=object), "'o' is an object column holding mixed"),
        (pd.DataFrame({"o": [b"a", "a"]}), "'o' is an object column"),
        (pd.DataFrame({"c": np.array([1j, 2j])}), "'c' has dtype complex128"),
        (pd.DataFrame({"p": pd.period_range("2024", periods=2, freq="D")}), "'p' has dtype"),
        ([1, 2], "Got list instead"),
        (pd.DataFrame({object(): [1]}), "column name"),
        (pd.DataFrame({"s": ["\ud800"]}, dtype=object), "cannot be encoded as UTF-8"),
    ],
    ids=[
        "mixed-object",
        "str-and-bytes",
        "complex",
        "period",
        "a-list",
        "object-column-name",
        "lone-surrogate",
    ],
)
def test_unsupported_input_is_refused(obj: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        fingerprint(obj)  # type: ignore[arg-type]


def test_lone_surrogate_is_refused_without_pyarrow(pure: None) -> None:
    with pytest.raises(ValidationError, match="UTF-8"):
        fingerprint(pd.DataFrame({"s": ["\ud800"]}, dtype=object))


def test_names_of_every_supported_type() -> None:
    frame = pd.DataFrame([[1, 2, 3, 4, 5, 6]], columns=["s", 1, 2.5, True, None, ("a", 1)])
    assert len(fingerprint(frame)) == 64
    nan_name = pd.DataFrame({float("nan"): [1]})
    assert fingerprint(nan_name) != fingerprint(pd.DataFrame({0.0: [1]}))


@settings(max_examples=30, deadline=None)
@given(
    values=hnp.arrays(
        st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_]),
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
    )
)
def test_layout_invariance_property(values: np.ndarray) -> None:
    columns = [f"c{i}" for i in range(values.shape[1])]
    c_order = pd.DataFrame(np.ascontiguousarray(values), columns=columns)
    f_order = pd.DataFrame(np.asfortranarray(values), columns=columns)
    by_column = pd.DataFrame({c: values[:, i].copy() for i, c in enumerate(columns)})
    assert fingerprint(c_order) == fingerprint(f_order) == fingerprint(by_column)
    assert fingerprint(values) == fingerprint(np.asfortranarray(values))
