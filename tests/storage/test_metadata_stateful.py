"""A stateful hypothesis test of the MetadataStore semantics against a plain dict model."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mlops_kit.exceptions import ConflictError
from mlops_kit.protocols import MetadataStore
from mlops_kit.storage import InMemoryMetadataStore, SQLiteMetadataStore

KEYS = st.sampled_from(["a", "a/b", "a/c", "b", "ab", "b/a/c"])
COLLECTIONS = st.sampled_from(["one", "two"])
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
VALUES = st.dictionaries(st.text(max_size=4), JSON, max_size=3)
REVISIONS = st.none() | st.integers(0, 4)


class MetadataModel(RuleBasedStateMachine):
    """The model: live documents, and the last revision of every key ever written."""

    def __init__(self) -> None:
        super().__init__()
        self.store: MetadataStore = self.make_store()
        self.live: dict[tuple[str, str], Any] = {}
        self.revisions: dict[tuple[str, str], int] = {}

    def make_store(self) -> MetadataStore:
        return InMemoryMetadataStore()

    def _live_revision(self, name: tuple[str, str]) -> int:
        return self.revisions.get(name, 0) if name in self.live else 0

    @rule(collection=COLLECTIONS, key=KEYS, value=VALUES, expected=REVISIONS)
    def put(self, collection: str, key: str, value: dict[str, Any], expected: int | None) -> None:
        name = (collection, key)
        live = self._live_revision(name)
        if expected is not None and expected != live:
            with pytest.raises(ConflictError):
                self.store.put(collection, key, value, expected_revision=expected)
            return
        revision = self.store.put(collection, key, value, expected_revision=expected)
        self.revisions[name] = self.revisions.get(name, 0) + 1
        assert revision == self.revisions[name]
        self.live[name] = value

    @rule(collection=COLLECTIONS, key=KEYS, expected=REVISIONS)
    def delete(self, collection: str, key: str, expected: int | None) -> None:
        name = (collection, key)
        live = self._live_revision(name)
        if expected is not None and expected != live:
            with pytest.raises(ConflictError):
                self.store.delete(collection, key, expected_revision=expected)
            return
        self.store.delete(collection, key, expected_revision=expected)
        self.live.pop(name, None)

    @rule(collection=COLLECTIONS, key=KEYS)
    def get(self, collection: str, key: str) -> None:
        doc = self.store.get(collection, key)
        name = (collection, key)
        if name not in self.live:
            assert doc is None
        else:
            assert doc is not None
            assert doc.value == self.live[name]
            assert doc.revision == self.revisions[name]

    @rule(collection=COLLECTIONS, prefix=st.sampled_from(["", "a", "a/", "b", "c"]))
    def scan(self, collection: str, prefix: str) -> None:
        expected = sorted(
            (key, self.live[(c, key)])
            for (c, key) in self.live
            if c == collection and key.startswith(prefix)
        )
        got = [(key, doc.value) for key, doc in self.store.scan(collection, prefix)]
        assert got == expected

    @invariant()
    def collections_are_separate(self) -> None:
        for collection in ("one", "two"):
            keys = [key for key, _ in self.store.scan(collection)]
            assert keys == sorted(k for (c, k) in self.live if c == collection)


class SQLiteMetadataModel(MetadataModel):
    def make_store(self) -> MetadataStore:
        folder = tempfile.mkdtemp(prefix="mlops-kit-stateful-")
        return SQLiteMetadataStore(Path(folder) / "meta.sqlite", synchronous="NORMAL")

    def teardown(self) -> None:
        assert isinstance(self.store, SQLiteMetadataStore)
        self.store.close()


TestInMemoryMetadataModel = MetadataModel.TestCase
TestInMemoryMetadataModel.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
TestSQLiteMetadataModel = SQLiteMetadataModel.TestCase
TestSQLiteMetadataModel.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
