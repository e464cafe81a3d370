"""DataDiff: schema changes, rows added/removed by content, rows changed by key."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_kit.data import ColumnChange, DataDiff, DataRepository, SchemaChange
from mlops_kit.exceptions import ValidationError
from mlops_kit.storage import open_store


@pytest.fixture
def repo() -> DataRepository:
    return DataRepository(open_store("memory://"), chunk_size=4096)


def test_identical_versions(repo: DataRepository) -> None:
    v = repo.commit("d", pd.DataFrame({"x": [1, 2]}))
    d = repo.diff(v, v)
    assert (d.rows_added, d.rows_removed, d.rows_changed, d.changed) == (0, 0, None, False)


def test_rows_are_compared_as_multisets_by_content(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"x": [1, 1, 2, 3], "s": ["a", "a", "b", "c"]}))
    b = repo.commit("d", pd.DataFrame({"x": [3, 1, 4, 2], "s": ["c", "a", "d", "b"]}))
    d = repo.diff(a, b)
    assert (d.rows_added, d.rows_removed) == (1, 1)
    assert d.added_sample == ({"x": 4, "s": "d"},)
    assert d.removed_sample == ({"x": 1, "s": "a"},)
    assert (d.n_rows_a, d.n_rows_b) == (4, 4)


def test_key_turns_matching_rows_into_changes(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"k": [1, 2, 3], "v": [10.0, 20.0, 30.0]}))
    b = repo.commit("d", pd.DataFrame({"k": [1, 2, 4], "v": [10.0, 25.0, 40.0]}))
    d = repo.diff(a, b, key="k")
    assert (d.rows_added, d.rows_removed, d.rows_changed) == (1, 1, 1)
    assert d.changed_sample == (
        {"key": {"k": 2}, "before": {"k": 2, "v": 20.0}, "after": {"k": 2, "v": 25.0}},
    )
    assert d.key == ("k",)
    by_name = repo.diff(a.id, b.id, key=["k"])
    assert by_name == d


def test_schema_changes(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"k": [1, 2], "old": ["x", "y"], "n": [1, 2]}))
    b = repo.commit("d", pd.DataFrame({"k": [1, 2], "new": [1.0, 2.0], "n": [1.0, 2.0]}))
    d = repo.diff(a, b)
    assert set(d.schema_changes) == {
        SchemaChange(column="old", kind="removed", before="str"),
        SchemaChange(column="new", kind="added", after="float64"),
        SchemaChange(column="n", kind="dtype", before="int64", after="float64"),
    }
    assert d.changed
    assert "schema: dtype 'n' (int64 -> float64)" in str(d)


def test_no_shared_columns_means_every_row_differs(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"x": [1, 2]}))
    b = repo.commit("d", pd.DataFrame({"y": [1, 2, 3]}))
    d = repo.diff(a, b)
    assert (d.rows_added, d.rows_removed) == (3, 2)


def test_column_changes_come_from_profiles(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"x": [1.0, 2.0, 3.0], "s": ["a", "a", "b"]}))
    b = repo.commit("d", pd.DataFrame({"x": [1.0, 2.0, 6.0], "s": ["a", "a", "b"]}))
    d = repo.diff(a, b)
    changes = {(c.column, c.statistic): (c.before, c.after) for c in d.column_changes}
    assert changes[("x", "mean")] == (2.0, 3.0)
    assert changes[("x", "max")] == (3.0, 6.0)
    assert not any(column == "s" for column, _ in changes)


def test_only_unshared_chunks_are_read(
    repo: DataRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(1)
    base = pd.DataFrame({"k": np.arange(5000), "x": rng.standard_normal(5000)})
    edited = base.copy()
    edited.loc[2500, "x"] = 99.0
    a, b = repo.commit("d", base), repo.commit("d", edited)
    read: list[int] = []
    original = repo.read_chunks

    def spy(manifest: dict[str, object], indices: object) -> pd.DataFrame:
        chosen = list(indices)  # type: ignore[call-overload]
        read.extend(chosen)
        return original(manifest, chosen)

    monkeypatch.setattr(repo, "read_chunks", spy)
    d = repo.diff(a, b, key="k")
    assert (d.rows_added, d.rows_removed, d.rows_changed) == (0, 0, 1)
    assert 0 < len(read) <= 6 < len(repo.manifest(a)["chunks"])


def test_diff_round_trips_through_json(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"k": [1, 2], "t": pd.to_datetime(["2024-01-01", None])}))
    b = repo.commit("d", pd.DataFrame({"k": [1, 3], "t": pd.to_datetime(["2024-01-02", None])}))
    d = repo.diff(a, b, key="k")
    again = DataDiff.from_dict(json.loads(json.dumps(d.to_dict())))
    assert again == d
    assert d._repr_html_().startswith("<ul>")
    assert ColumnChange(column="c", statistic="mean").to_dict()["statistic"] == "mean"


def test_bad_keys_and_sample_sizes(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"k": [1], "x": [1]}))
    b = repo.commit("d", pd.DataFrame({"j": [1], "x": [2]}))
    with pytest.raises(ValidationError, match="must be in both versions"):
        repo.diff(a, b, key="k")
    with pytest.raises(ValidationError, match="'sample_size' parameter"):
        repo.diff(a, b, sample_size=-1)


def test_sample_is_bounded(repo: DataRepository) -> None:
    a = repo.commit("d", pd.DataFrame({"x": np.arange(100)}))
    b = repo.commit("d", pd.DataFrame({"x": np.arange(100, 250)}))
    d = repo.diff(a, b, sample_size=3)
    assert (d.rows_added, d.rows_removed) == (150, 100)
    assert len(d.added_sample) == len(d.removed_sample) == 3
