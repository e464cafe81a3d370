"""DataRepository: commit, load, references, tags, log, lineage, errors and concurrency."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from mlops_kit.data import (
    DataRepository,
    DataVersion,
    LogEntry,
    Schema,
    fingerprint,
    profile_frame,
)
from mlops_kit.data._lookup import MANIFESTS
from mlops_kit.exceptions import IntegrityError, NotFoundError, ValidationError
from mlops_kit.storage import open_store


@pytest.fixture
def repo() -> DataRepository:
    return DataRepository(open_store("memory://"))


def frame(n: int = 5, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": np.arange(start, start + n), "amount": np.arange(n) * 1.5, "s": list("abcde")[:n]}
    )


def test_commit_returns_a_version_whose_id_is_the_fingerprint(repo: DataRepository) -> None:
    df = frame()
    v = repo.commit("tx", df, message="first", metadata={"source": "dwh"})
    assert v.id == fingerprint(df)
    assert (v.name, v.n_rows, v.parents, v.message) == ("tx", 5, (), "first")
    assert v.metadata == {"source": "dwh"}
    assert v.created_at.tzinfo is not None
    assert v.created_at.utcoffset() == timezone.utc.utcoffset(None)
    assert v.schema == Schema.infer(df)
    assert v.profile is not None
    assert v.profile["amount"].mean == pytest.approx(3.0)
    assert_frame_equal(repo.load(v), df)
    assert DataVersion.from_dict(json.loads(json.dumps(v.to_dict()))) == v


def test_known_content_is_neither_profiled_nor_recorded_again(
    repo: DataRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    v = repo.commit("tx", frame())
    revision = repo.store.metadata.get("data.versions", f"tx/{v.id}")

    def fail(df: pd.DataFrame) -> None:
        raise AssertionError("profiled again")

    monkeypatch.setattr("mlops_kit.data._repository.profile_frame", fail)
    assert repo.commit("tx", frame(), message="ignored") == v
    assert repo.store.metadata.get("data.versions", f"tx/{v.id}") == revision


def test_commit_does_not_mutate_its_input(repo: DataRepository) -> None:
    df = frame()
    before = df.copy()
    repo.commit("tx", df)
    assert_frame_equal(df, before)


def test_same_content_twice_is_idempotent(repo: DataRepository) -> None:
    v1 = repo.commit("tx", frame())
    stored = set(repo.store.blobs.digests())
    again = repo.commit("tx", frame(), message="ignored")
    assert again == v1
    assert set(repo.store.blobs.digests()) == stored
    assert len(repo.history("tx")) == 1


def test_parents_default_to_latest_and_log_is_newest_first(repo: DataRepository) -> None:
    v1 = repo.commit("tx", frame(3))
    v2 = repo.commit("tx", frame(4))
    v3 = repo.commit("tx", frame(5), parents=[v1, v2.id])
    assert v2.parents == (v1.id,)
    assert v3.parents == (v1.id, v2.id)
    assert [v.id for v in repo.log("tx")] == [v3.id, v2.id, v1.id]
    assert repo.get("tx") == v3


def test_recommitting_an_older_content_moves_latest_back(repo: DataRepository) -> None:
    v1 = repo.commit("tx", frame(3))
    v2 = repo.commit("tx", frame(4))
    back = repo.commit("tx", frame(3))
    assert back == v1
    assert repo.get("tx") == v1
    assert [e.action for e in repo.history("tx")] == ["revert", "commit", "commit"]
    assert [v.id for v in repo.log("tx")] == [v1.id, v2.id, v1.id]
    entry = repo.history("tx")[0]
    assert LogEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry
    assert str(entry).endswith(f"revert {v1.id[:12]}")


def test_same_content_in_two_datasets(repo: DataRepository) -> None:
    a = repo.commit("a", frame())
    b = repo.commit("b", frame(), message="copy")
    assert a.id == b.id
    assert b.name == "b"
    assert b.message == "copy"
    assert repo.datasets() == ["a", "b"]
    assert repo.version(a.id).name == "a"


def test_references(repo: DataRepository) -> None:
    v1 = repo.commit("tx", frame(3))
    v2 = repo.commit("tx", frame(4))
    repo.tag(v1, "train-2026-11")
    assert repo.get("tx", "latest") == v2
    assert repo.get("tx", "train-2026-11") == v1
    assert repo.get("tx", v1.id) == v1
    assert repo.get("tx", v1.id[:8]) == v1
    assert_frame_equal(repo.load("tx", "train-2026-11"), frame(3))
    assert_frame_equal(repo.load("tx"), frame(4))
    assert repo.version(v2.id) == v2


def test_unknown_references_list_close_matches(repo: DataRepository) -> None:
    v = repo.commit("transactions", frame())
    repo.tag(v, "train-2026-11")
    with pytest.raises(NotFoundError, match="Did you mean 'transactions'"):
        repo.get("transaction")
    with pytest.raises(NotFoundError, match="Close matches: 'train-2026-11'"):
        repo.get("transactions", "train-2026-12")
    with pytest.raises(NotFoundError, match="has no version"):
        repo.get("transactions", "f" * 64 if not v.id.startswith("f") else "0" * 64)
    with pytest.raises(NotFoundError, match="No data version with id"):
        repo.version("0" * 64)
    with pytest.raises(NotFoundError, match="64 lowercase"):
        repo.version("abc")
    with pytest.raises(KeyError):
        repo.get("transactions", "abc")  # a prefix needs 4 characters
    with pytest.raises(NotFoundError, match="prefix of at least 4 characters"):
        repo.get("transactions", "abc")


def test_ambiguous_prefix(repo: DataRepository) -> None:
    ids = {}
    for i in range(40):
        v = repo.commit("many", pd.DataFrame({"i": [i]}))
        ids.setdefault(v.id[:1], []).append(v.id)
    prefix, matches = next((p, m) for p, m in ids.items() if len(m) > 1)
    common = matches[0][:4] if matches[0][:4] == matches[1][:4] else None
    with pytest.raises(NotFoundError):
        repo.get("many", prefix * 1)
    if common:
        with pytest.raises(NotFoundError, match="ambiguous"):
            repo.get("many", common)
    # a prefix of 4 that matches two ids, forced with a crafted store entry
    twin = matches[0][:4] + "0" * 60
    repo.store.metadata.put("data.versions", f"many/{twin}", repo.get("many").to_dict())
    with pytest.raises(NotFoundError, match=r"ambiguous.*Use more characters"):
        repo.get("many", matches[0][:4])


def test_tags(repo: DataRepository) -> None:
    v1 = repo.commit("tx", frame(3))
    v2 = repo.commit("tx", frame(4))
    repo.tag(v1, "gold")
    repo.tag(v1, "gold")  # same target: a no-op
    with pytest.raises(ValidationError, match="pass move=True"):
        repo.tag(v2, "gold")
    repo.tag(v2, "gold", move=True)
    assert repo.tags("tx") == {"gold": v2.id}
    repo.untag("tx", "gold")
    assert repo.tags("tx") == {}
    with pytest.raises(NotFoundError, match="has no tag 'gold'"):
        repo.untag(v2, "gold")


@pytest.mark.parametrize(
    "tag", ["latest", "abcd", "bad/tag", "", "-x"], ids=["latest", "hex", "slash", "empty", "dash"]
)
def test_bad_tags_are_refused(repo: DataRepository, tag: str) -> None:
    v = repo.commit("tx", frame())
    with pytest.raises(ValidationError):
        repo.tag(v, tag)


def test_tag_needs_a_version(repo: DataRepository) -> None:
    with pytest.raises(ValidationError, match="takes a DataVersion"):
        repo.tag("tx", "gold")  # type: ignore[arg-type]


def test_numpy_arrays(repo: DataRepository) -> None:
    v = repo.commit("arr", np.arange(6.0).reshape(3, 2))
    assert list(repo.load(v).columns) == ["0", "1"]
    assert_frame_equal(
        repo.load(repo.commit("vec", np.arange(3))), pd.DataFrame({"value": [0, 1, 2]})
    )
    with pytest.raises(ValidationError, match="3 dimensions"):
        repo.commit("cube", np.zeros((2, 2, 2)))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (pd.DataFrame({"a": [1], "b": [2]}).rename(columns={"b": "a"}), "duplicated: \\['a'\\]"),
        (pd.DataFrame({0: [1], "b": [2]}), "must be strings"),
        (
            pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
            "MultiIndex columns",
        ),
        (pd.DataFrame(index=range(3)), "no columns"),
        (pd.Series([1, 2]), "to_frame"),
        ([1, 2], "Got list instead"),
    ],
    ids=[
        "duplicated-names",
        "non-string-names",
        "multiindex-columns",
        "no-columns",
        "series",
        "list",
    ],
)
def test_bad_frames_are_refused(repo: DataRepository, data: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        repo.commit("bad", data)  # type: ignore[arg-type]


def test_empty_frame_with_columns_is_a_version(repo: DataRepository) -> None:
    empty = frame().iloc[:0]
    v = repo.commit("empty", empty)
    assert v.n_rows == 0
    assert_frame_equal(repo.load(v), empty)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"metadata": {"x": float("nan")}}, ValidationError, "must be JSON-compatible"),
        ({"metadata": {"x": object()}}, ValidationError, "must be JSON-compatible"),
        ({"message": 3}, ValidationError, "'message' must be a str. Got int"),
        ({"parents": ["0" * 64]}, NotFoundError, "No data version with id '0000"),
    ],
    ids=["nan-metadata", "object-metadata", "int-message", "unknown-parent"],
)
def test_bad_commit_arguments(
    repo: DataRepository, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises((ValidationError, NotFoundError)):
        repo.commit("tx", frame(), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(error, match=match):
        repo.commit("tx", frame(), **kwargs)  # type: ignore[arg-type]
    assert repo.datasets() == []


@pytest.mark.parametrize("name", ["", "a/b", "@x", "x" * 201, 3], ids=str)
def test_bad_dataset_names(repo: DataRepository, name: object) -> None:
    with pytest.raises(ValidationError, match="Invalid dataset name"):
        repo.commit(name, frame())  # type: ignore[arg-type]


def test_bad_repository_arguments() -> None:
    with pytest.raises(ValidationError, match=r"must be a mlops_kit\.storage\.Store"):
        DataRepository("./store")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'chunk_size' parameter"):
        DataRepository(open_store("memory://"), chunk_size=10)


def test_load_takes_a_version_or_a_name(repo: DataRepository) -> None:
    with pytest.raises(ValidationError, match="Pass a DataVersion or a dataset name"):
        repo.load(3)  # type: ignore[arg-type]
    repo.commit("tx", frame())
    with pytest.raises(ValidationError, match="non-empty str"):
        repo.get("tx", "")


@pytest.mark.parametrize("codec", ["parquet", "npz"])
@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),  # one bit flipped
        lambda blob: blob[:-1],  # truncated
        lambda blob: blob + b"\0",  # grown
    ],
    ids=["flipped", "truncated", "grown"],
)
def test_corrupted_chunk_is_detected(
    tmp_path: Path, codec: str, damage: Callable[[bytes], bytes]
) -> None:
    store = open_store(tmp_path / "store")
    repo = DataRepository(store, codec=codec)
    v = repo.commit("tx", frame())
    digest = repo.manifest(v)["chunks"][0]["digest"]
    path = next((tmp_path / "store").rglob(digest))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(IntegrityError, match=digest):
        repo.load(v)


def test_a_manifest_with_the_wrong_blob_size_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    repo = DataRepository(store)
    v = repo.commit("tx", frame())
    document = store.metadata.get(MANIFESTS, v.id)
    assert document is not None
    for wrong, word in [(-1, "longer"), (+1, "shorter")]:
        manifest = json.loads(json.dumps(document.value))
        manifest["chunks"][0]["bytes"] += wrong
        store.metadata.put(MANIFESTS, v.id, manifest)
        with pytest.raises(IntegrityError, match=f"is {word} than the"):
            repo.load(v)


class ReadOnlyStream:
    """A plug-in's blob reader with read() only (no readinto, no raw), over verified bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    def __enter__(self) -> ReadOnlyStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self._data.close()


def test_a_blob_store_whose_reader_only_reads_works(monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store("memory://")
    repo = DataRepository(store, chunk_size=4096)
    data = pd.DataFrame({"x": np.arange(3000.0), "s": [f"v{i}" for i in range(3000)]})
    v = repo.commit("plain", data)
    assert len(repo.manifest(v)["chunks"]) > 2
    monkeypatch.setattr(store.blobs, "open", lambda digest: ReadOnlyStream(store.blobs.get(digest)))
    assert_frame_equal(repo.load(v), data)


def test_appending_rows_stores_little() -> None:
    repo = DataRepository(open_store("memory://"), chunk_size=16 * 1024)
    rng = np.random.default_rng(0)
    n = 20_000
    base = pd.DataFrame({"x": rng.standard_normal(n), "y": rng.standard_normal(n)})
    v1 = repo.commit("big", base)
    first = {c["digest"]: c["bytes"] for c in repo.manifest(v1)["chunks"]}
    appended = pd.concat([base, base.iloc[:200] * 2], ignore_index=True)
    v2 = repo.commit("big", appended)
    new = {c["digest"]: c["bytes"] for c in repo.manifest(v2)["chunks"] if c["digest"] not in first}
    assert len(first) > 5
    assert sum(new.values()) <= 0.35 * sum(first.values())
    assert_frame_equal(repo.load(v2), appended)


def test_repr_and_str(repo: DataRepository) -> None:
    v = repo.commit("tx", frame(), message="hello")
    assert "memory" in repr(repo) or "Store" in repr(repo)
    assert repr(repo) == f"DataRepository({repo.store!r}, codec='auto', chunk_size=2097152)"
    assert str(v).startswith(f"DataVersion tx@{v.id[:12]}: 5 rows × 3 columns")
    assert "hello" in str(v)
    assert "<code>" in v._repr_html_()


WORKER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from mlops_kit.data import DataRepository
    from mlops_kit.storage import open_store
    root, worker = sys.argv[1], int(sys.argv[2])
    repo = DataRepository(open_store(root))
    for i in range(5):
        repo.commit("shared", pd.DataFrame({"worker": [worker], "i": [i]}))
    """
)


def test_concurrent_commits_from_processes_lose_no_log_entry(tmp_path: Path) -> None:
    root = str(tmp_path / "store")
    open_store(root).close()
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, root, str(w)]) for w in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in processes)
    repo = DataRepository(open_store(root))
    entries = repo.history("shared")
    assert len(entries) == 20
    loaded = pd.concat([repo.load(v) for v in repo.log("shared")])
    assert sorted(map(tuple, loaded.to_numpy().tolist())) == [
        (w, i) for w in range(4) for i in range(5)
    ]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=30, deadline=None)
@given(
    message=st.none() | st.text(max_size=20),
    metadata=st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4),
    parents=st.lists(st.text("0123456789abcdef", min_size=64, max_size=64), max_size=3),
    seconds=st.integers(0, 2**31),
)
def test_data_version_round_trips_through_json(
    message: str | None, metadata: dict[str, object], parents: list[str], seconds: int
) -> None:
    version = DataVersion(
        id="a" * 64,
        name="d",
        n_rows=3,
        schema=Schema.infer(frame(3)),
        created_at=datetime.fromtimestamp(seconds, tz=timezone.utc),
        parents=parents,
        message=message,
        metadata=metadata,
        profile=profile_frame(frame(3)),
    )
    assert DataVersion.from_dict(json.loads(json.dumps(version.to_dict()))) == version


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        DataVersion(
            id="a" * 64,
            name="d",
            n_rows=0,
            schema=Schema(columns=()),
            created_at=datetime(2026, 1, 1),
        )


class CheckingReader(io.BufferedReader):
    """A plug-in's reader that verifies in its own readinto (its raw stream does not)."""

    def __init__(self, data: bytes, digest: str) -> None:
        super().__init__(io.BytesIO(data))
        self._hash = hashlib.sha256()
        self._digest = digest

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer)
        if n:
            self._hash.update(memoryview(buffer)[:n])
        elif self._hash.hexdigest() != self._digest:
            raise IntegrityError(f"blob {self._digest} is corrupted")
        return n


def test_a_plug_in_reader_that_verifies_itself_is_not_bypassed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store("memory://")
    repo = DataRepository(store)
    v = repo.commit("checked", pd.DataFrame({"x": np.arange(1000.0)}))
    (chunk,) = repo.manifest(v)["chunks"]
    damaged = bytearray(store.blobs.get(chunk["digest"]))
    at = damaged.find(np.float64(500.0).tobytes())
    damaged[at : at + 8] = np.float64(-1e9).tobytes()
    monkeypatch.setattr(store.blobs, "open", lambda digest: CheckingReader(bytes(damaged), digest))
    with pytest.raises(IntegrityError, match="is corrupted"):
        repo.load(v)
