"""Both codecs round-trip every supported dtype exactly, deterministically, without pickle."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from datetime import timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from mlops_kit.data import DataRepository, DataVersion, _codecs, _layout, _reader, fingerprint
from mlops_kit.data import _fingerprint as fp_module
from mlops_kit.data._lookup import MANIFESTS
from mlops_kit.exceptions import IntegrityError, NotFoundError, ValidationError
from mlops_kit.storage import open_store

CODECS = ["parquet", "npz", "npz-without-pyarrow"]


@pytest.fixture(params=CODECS)
def repo(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> DataRepository:
    codec = request.param
    if codec == "npz-without-pyarrow":
        monkeypatch.setattr(fp_module, "_FORCE_PURE", [True])
        codec = "npz"
    # a small chunk size so that every frame below spans several chunks
    return DataRepository(open_store("memory://"), codec=codec, chunk_size=4096)


def every_dtype(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    words = np.array(["", "a", "é", "naïve", "東京", "x" * 50, "tab\there"], dtype=object)
    text = words[rng.integers(0, len(words), n)]
    some_missing = rng.random(n) < 0.2
    frame = pd.DataFrame(
        {
            "i8": rng.integers(-128, 127, n).astype("int8"),
            "i16": rng.integers(-(2**15), 2**15 - 1, n).astype("int16"),
            "i32": rng.integers(-(2**31), 2**31 - 1, n).astype("int32"),
            "i64": rng.integers(-(2**62), 2**62, n),
            "u8": rng.integers(0, 255, n).astype("uint8"),
            "u16": rng.integers(0, 2**16 - 1, n).astype("uint16"),
            "u32": rng.integers(0, 2**32 - 1, n).astype("uint32"),
            "u64": rng.integers(0, 2**63, n).astype("uint64") * np.uint64(2),
            "f16": rng.standard_normal(n).astype("float16"),
            "f32": rng.standard_normal(n).astype("float32"),
            "f64": np.where(some_missing, np.nan, rng.standard_normal(n)),
            "bool": rng.random(n) < 0.5,
            "dt_ns": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**9, n), "s"),
            "dt_s": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), "D")).astype(
                "datetime64[s]"
            ),
            "dt_ms_utc": pd.date_range("2024-01-01", periods=n, freq="min", tz=timezone.utc)
            .astype("datetime64[ms, UTC]")
            .to_numpy(),
            "dt_paris": pd.date_range("2024-03-30", periods=n, freq="37min", tz="Europe/Paris"),
            "td": pd.to_timedelta(rng.integers(0, 10**6, n), "ms"),
            "td_s": pd.to_timedelta(np.arange(n), "s").astype("timedelta64[s]"),
            "cat": pd.Categorical(
                rng.choice(["lo", "mid", "hi", None], n), categories=["lo", "mid", "hi", "unused"]
            ),
            "cat_ordered_int": pd.Categorical(rng.integers(0, 3, n), ordered=True),
            "str": pd.Series(text, dtype="str").mask(some_missing),
            "string": pd.Series(text, dtype="string").mask(some_missing),
            "string_python": pd.Series(text, dtype=pd.StringDtype("python")).mask(some_missing),
            "object_str": pd.Series(np.where(some_missing, None, text), dtype=object),
            "object_bytes": pd.Series([w.encode() for w in text], dtype=object),
            "object_empty": pd.Series([None] * n, dtype=object),
            "Int8": pd.array(np.where(some_missing, None, rng.integers(-5, 5, n)), dtype="Int8"),
            "Int64": pd.array(
                np.where(some_missing, None, rng.integers(-(2**62), 2**62, n)), dtype="Int64"
            ),
            "UInt32": pd.array(np.where(some_missing, None, np.arange(n)), dtype="UInt32"),
            "Float32": pd.array(np.where(some_missing, None, rng.random(n)), dtype="Float32"),
            "boolean": pd.array(np.where(some_missing, None, rng.random(n) < 0.5), "boolean"),
        }
    )
    mixed_missing = frame["object_str"].copy()
    mixed_missing.iloc[1] = np.nan
    mixed_missing.iloc[2] = pd.NA
    mixed_missing.iloc[3] = None
    return frame.assign(object_mixed_missing=mixed_missing)


@pytest.mark.parametrize("run_bytes", [1, 1 << 30], ids=["chunk-by-chunk", "one-run"])
def test_every_dtype_round_trips(
    repo: DataRepository, run_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chunks are read in runs: each on its own (many threads), or all joined in one run
    monkeypatch.setattr(_reader, "RUN_BYTES", run_bytes)
    frame = every_dtype()
    version = repo.commit("all", frame)
    assert len(repo.manifest(version)["chunks"]) > 3
    loaded = repo.load(version)
    assert_frame_equal(loaded, frame, check_exact=True)
    assert fingerprint(loaded) == version.id


@pytest.mark.parametrize(
    "index",
    [
        pd.Index(np.arange(300) * 3, name="id"),
        pd.RangeIndex(5, 305),
        pd.Index([f"k{i}" for i in range(300)]),
        pd.date_range("2024-01-01", periods=300, freq="h", tz="UTC", name="ts"),
        pd.MultiIndex.from_arrays([np.arange(300) % 7, [f"s{i}" for i in range(300)]]),
        pd.CategoricalIndex(np.array(["a", "b", "c"])[np.arange(300) % 3], name="c"),
    ],
    ids=["int-named", "range-not-default", "strings", "tz-datetimes", "multiindex", "category"],
)
def test_index_round_trips(repo: DataRepository, index: pd.Index) -> None:
    frame = pd.DataFrame({"x": np.arange(300.0), "s": [str(i) for i in range(300)]}, index=index)
    loaded = repo.load(repo.commit("indexed", frame))
    assert_frame_equal(loaded, frame, check_exact=True)


def test_column_labels_keep_their_dtype(repo: DataRepository) -> None:
    frame = pd.DataFrame({"a": [1]})
    frame.columns = pd.Index(["a"], dtype=object)
    assert_frame_equal(repo.load(repo.commit("labels", frame)), frame)


def test_zero_rows_round_trip(repo: DataRepository) -> None:
    frame = every_dtype().iloc[:0]
    version = repo.commit("empty", frame)
    assert version.n_rows == 0
    assert_frame_equal(repo.load(version), frame)


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)


@settings(max_examples=20, deadline=None)
@given(
    floats=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50),
    data=st.data(),
)
def test_random_frames_round_trip(floats: list[float], data: st.DataObject) -> None:
    n = len(floats)
    texts = data.draw(st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n))
    ints = data.draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {"f": floats, "s": pd.Series(texts, dtype=object), "i": np.array(ints, dtype=np.int64)}
    )
    for codec in ("parquet", "npz"):
        repo = DataRepository(open_store("memory://"), codec=codec, chunk_size=4096)
        assert_frame_equal(repo.load(repo.commit("r", frame)), frame, check_exact=True)


def _physical(frame: pd.DataFrame) -> _layout.Physical:
    return _layout.to_physical(frame, lambda categories: {})[1]


@pytest.mark.parametrize("codec", ["parquet", "npz"])
def test_encoded_bytes_are_deterministic(codec: str) -> None:
    frame = every_dtype().drop(columns=["cat", "cat_ordered_int"])
    first = _codecs.encode_chunks(codec, _physical(frame), [(0, 100), (100, 300)])
    again = _codecs.encode_chunks(codec, _physical(frame.copy()), [(0, 100), (100, 300)])
    assert first == again


def test_npz_chunks_never_hold_pickles() -> None:
    frame = pd.DataFrame({"s": ["a", None], "x": [1.0, 2.0]})
    blob = _codecs.encode_chunks("npz", _physical(frame), [(0, 2)])[0]
    assert b"\x80\x04" not in blob
    assert b"\x80\x05" not in blob
    assert b"'descr': '|O'" not in blob


class Opaque:
    pass


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([Opaque(), Opaque()], "mixed"),
        ([1, 2.5], "mixed-integer-float"),
        ([[1], [2]], "mixed"),
        ([{"a": 1}, None], "mixed"),
        ([pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")], "datetime"),
        ([timedelta(1), None], "timedelta"),
    ],
    ids=["arbitrary-objects", "numbers", "lists", "dicts", "timestamps", "timedeltas"],
)
def test_object_columns_of_other_objects_are_refused(
    repo: DataRepository, values: list[object], kind: str
) -> None:
    frame = pd.DataFrame({"ok": [1, 2], "bad": pd.Series(values, dtype=object)})
    with pytest.raises(ValidationError, match=f"Column 'bad' is an object column holding {kind}"):
        repo.commit("refused", frame)
    assert repo.datasets() == []


def test_unsupported_dtype_is_refused_by_storage() -> None:
    frame = pd.DataFrame({"p": pd.period_range("2024-01", periods=2, freq="M")})
    with pytest.raises(ValidationError, match="'p' has dtype period"):
        _layout.to_physical(frame, lambda categories: {})


def test_bad_index_name_is_refused(repo: DataRepository) -> None:
    frame = pd.DataFrame({"x": [1]}, index=pd.Index([5], name=("a", "b")))
    with pytest.raises(ValidationError, match="index name"):
        repo.commit("bad-index", frame)


@pytest.mark.parametrize("codec", ["parquet", "npz"])
def test_damaged_chunks_raise_integrity_error(codec: str) -> None:
    with pytest.raises(IntegrityError):
        _codecs.decode_chunks(codec, [b"definitely not a chunk"])


def test_damaged_npz_array_raises_integrity_error() -> None:
    frame = pd.DataFrame({"x": np.arange(10.0)})
    blob = _codecs.encode_chunks("npz", _physical(frame), [(0, 10)])[0]
    with pytest.raises(IntegrityError, match="damaged"):
        _codecs.decode_chunks("npz", [blob[:-30]])


def test_unknown_codec_is_refused() -> None:
    with pytest.raises(ValidationError, match="Unknown codec 'zip'"):
        _codecs.decode_chunks("zip", [])
    with pytest.raises(ValidationError, match="'codec' parameter of DataRepository"):
        DataRepository(open_store("memory://"), codec="zip")


@pytest.fixture
def no_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fp_module, "_FORCE_PURE", [True])


@pytest.mark.usefixtures("no_pyarrow")
def test_auto_codec_falls_back_to_npz_and_parquet_needs_pyarrow() -> None:
    assert _codecs.resolve_codec("auto") == "npz"
    with pytest.raises(ValidationError, match="needs pyarrow"):
        _codecs.resolve_codec("parquet")


def test_auto_codec_prefers_parquet() -> None:
    repo = DataRepository(open_store("memory://"))
    version = repo.commit("auto", pd.DataFrame({"a": [1]}))
    assert repo.manifest(version)["codec"] == "parquet"


Edit = Callable[[dict[str, Any]], None]


def _tampered(repo: DataRepository, version: DataVersion, edit: Edit) -> None:
    document = repo.store.metadata.get(MANIFESTS, version.id)
    assert document is not None
    manifest = copy.deepcopy(document.value)
    edit(manifest)
    repo.store.metadata.put(MANIFESTS, version.id, manifest)


@pytest.mark.parametrize("run_bytes", [1, 1 << 30], ids=["chunk-by-chunk", "one-run"])
@pytest.mark.parametrize(
    ("frame", "columns"),
    [
        (every_dtype(), None),
        (every_dtype()[["str", "object_str"]], None),  # text only: no fixed-width column
        (every_dtype(), []),  # no column decoded at all
    ],
    ids=["every-dtype", "text-only", "no-columns"],
)
@pytest.mark.parametrize("lie", ["grow", "move"])
def test_a_manifest_whose_row_counts_lie_is_refused(
    repo: DataRepository,
    run_bytes: int,
    frame: pd.DataFrame,
    columns: list[str] | None,
    lie: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_reader, "RUN_BYTES", run_bytes)
    version = repo.commit("lying", frame)

    def tamper(manifest: dict[str, Any]) -> None:
        manifest["chunks"][1]["rows"] += 1
        if lie == "grow":
            manifest["n_rows"] += 1
        else:  # rows moved between two chunks of one run: the total still adds up
            manifest["chunks"][2]["rows"] -= 1

    _tampered(repo, version, tamper)
    with pytest.raises(IntegrityError, match=r"Stored chunk 1 \(.*\) holds \d+ rows"):
        repo.load(version, columns=columns)


def test_a_manifest_whose_total_lies_is_refused(repo: DataRepository) -> None:
    version = repo.commit("total", every_dtype())
    _tampered(repo, version, lambda manifest: manifest.update(n_rows=manifest["n_rows"] + 1))
    with pytest.raises(IntegrityError, match="its chunks add up to 300"):
        repo.load(version)


@pytest.mark.parametrize("run_bytes", [1, 1 << 30], ids=["chunk-by-chunk", "one-run"])
def test_chunks_of_another_schema_are_refused(
    repo: DataRepository, run_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reader, "RUN_BYTES", run_bytes)
    first = repo.commit("a", pd.DataFrame({"x": np.arange(2000.0)}))
    other = repo.commit("b", pd.DataFrame({"y": np.arange(2000), "z": np.arange(2000.0)}))
    foreign = repo.manifest(other)["chunks"][0]

    def splice(manifest: dict[str, Any]) -> None:
        manifest["chunks"][1] = dict(foreign)
        manifest["n_rows"] = sum(chunk["rows"] for chunk in manifest["chunks"])

    _tampered(repo, first, splice)
    with pytest.raises(IntegrityError, match="the columns of the others"):
        repo.load(first)


def test_parquet_chunks_are_lean_to_decode() -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    frame = pd.DataFrame({"f": [1.5, np.nan], "i": [1, 2], "s": ["a", None]})
    blob = _codecs.encode_chunks("parquet", _physical(frame), [(0, 2)])[0]
    parquet = pq.ParquetFile(pa.BufferReader(blob))
    schema = parquet.schema_arrow
    # fixed-width columns never hold a null: required, so no definition levels to decode
    assert [schema.field(name).nullable for name in schema.names] == [False, False, True]
    columns = parquet.metadata.row_group(0)
    assert columns.column(0).compression == "UNCOMPRESSED"  # floats rarely compress
    assert {columns.column(k).compression for k in (1, 2)} == {"LZ4"}


def test_loaded_columns_are_writable_and_pickle(repo: DataRepository) -> None:
    # with pyarrow, fixed-width columns live in buffers of Arrow's memory pool
    frame = every_dtype(50)
    loaded = repo.load(repo.commit("writable", frame))
    for name in ("i8", "u64", "f64", "bool"):
        values = loaded[name]._values
        assert isinstance(values, np.ndarray)
        assert values.flags.writeable, name
    loaded.loc[0, "f64"] = 42.0
    assert loaded.loc[0, "f64"] == 42.0
    assert_frame_equal(pickle.loads(pickle.dumps(loaded)), loaded)


@pytest.mark.parametrize(
    "columns",
    [
        ["f64"],
        ["string", "i8", "cat"],  # out of order
        ["object_mixed_missing", "Int64", "dt_paris", "object_empty", "boolean"],
        [],
    ],
    ids=["one", "reordered", "flags-masks-tz", "none"],
)
def test_loading_some_columns_is_the_same_as_selecting_them(
    repo: DataRepository, columns: list[str]
) -> None:
    frame = every_dtype().set_index(["u8", "str"])  # the index comes along
    version = repo.commit("some", frame)
    assert_frame_equal(repo.load(version, columns=columns), frame[columns], check_exact=True)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_random_column_selections(data: st.DataObject) -> None:
    frame = every_dtype(120)
    names = list(frame.columns)
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    for codec in ("parquet", "npz"):
        repo = DataRepository(open_store("memory://"), codec=codec, chunk_size=4096)
        version = repo.commit("random", frame)
        assert_frame_equal(repo.load(version, columns=chosen), frame[chosen], check_exact=True)


def test_bad_column_selections_are_refused(repo: DataRepository) -> None:
    version = repo.commit("bad", pd.DataFrame({"amount": [1.0], "country": ["fr"]}))
    with pytest.raises(NotFoundError, match=r"No column 'amout'.*Did you mean 'amount'"):
        repo.load(version, columns=["amout"])
    with pytest.raises(ValidationError, match="names 'amount' twice"):
        repo.load(version, columns=["amount", "amount"])
    with pytest.raises(ValidationError, match="must be a list of column names"):
        repo.load(version, columns="amount")


def test_chunks_in_the_earlier_parquet_layout_still_load() -> None:
    # before: every field nullable and non-float columns in Snappy; the reader takes both
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    repo = DataRepository(open_store("memory://"), codec="parquet", chunk_size=4096)
    frame = every_dtype()
    version = repo.commit("old", frame)
    manifest = repo.manifest(version)
    blobs = repo.store.blobs

    def old_layout(chunk: dict[str, Any]) -> dict[str, Any]:
        table = pq.ParquetFile(pa.BufferReader(blobs.get(chunk["digest"]))).read()
        nullable = pa.schema([field.with_nullable(True) for field in table.schema])
        buffer = pa.BufferOutputStream()
        pq.write_table(table.cast(nullable), buffer, compression="snappy", use_dictionary=False)
        blob = buffer.getvalue().to_pybytes()
        return {**chunk, "digest": blobs.put(blob), "bytes": len(blob)}

    _tampered(repo, version, lambda m: m.update(chunks=[old_layout(c) for c in m["chunks"]]))
    rewritten = repo.manifest(version)["chunks"]
    assert {c["digest"] for c in rewritten}.isdisjoint(c["digest"] for c in manifest["chunks"])
    assert_frame_equal(repo.load(version), frame, check_exact=True)
    assert_frame_equal(repo.load(version, columns=["f64", "str"]), frame[["f64", "str"]])
