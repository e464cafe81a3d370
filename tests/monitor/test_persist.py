"""Saving and loading monitors and estimators: exact state, revisions, faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit._version import __version__
from mlops_kit.exceptions import ConflictError, IntegrityError, NotFoundError, ValidationError
from mlops_kit.monitor import PerformanceEstimator, PerformanceMonitor
from mlops_kit.monitor._persist import ESTIMATORS, MONITORS
from mlops_kit.storage import InMemoryBlobStore, InMemoryMetadataStore, Store, open_store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _clock() -> datetime:
    return T0 + timedelta(days=40)


def _reload(monitor: PerformanceMonitor, store: Any, name: str = "m") -> PerformanceMonitor:
    monitor.save(store, name, overwrite=True)
    return PerformanceMonitor.load(store, name, clock=_clock)


def _assert_same(a: PerformanceMonitor, b: PerformanceMonitor) -> None:
    assert [w.to_dict() for w in a.realized()] == [w.to_dict() for w in b.realized()]
    assert [w.to_dict() for w in a.alerts()] == [w.to_dict() for w in b.alerts()]
    pd.testing.assert_frame_equal(a.features(), b.features())
    assert (a.n_predictions, a.n_labelled, a.n_unknown_labels) == (
        b.n_predictions,
        b.n_labelled,
        b.n_unknown_labels,
    )
    params = ("metric", "window", "threshold", "alert_threshold", "n_std", "confidence")
    assert [getattr(a, p) for p in params] == [getattr(b, p) for p in params]
    assert [type(getattr(a, p)) for p in params] == [type(getattr(b, p)) for p in params]
    assert a.estimator == b.estimator
    assert a.effective_threshold == b.effective_threshold
    assert getattr(a, "reference_values_", None) == getattr(b, "reference_values_", None)


def _fitted_estimator(metric: str) -> PerformanceEstimator:
    rng = np.random.default_rng(3)
    scores = rng.uniform(size=2_000)
    labels = (rng.uniform(size=2_000) < scores**2).astype(int)
    return PerformanceEstimator(metric=metric, n_resamples=50).fit(scores, labels)


# ------------------------------------------------------------------ the same calls, same answers

IDS: dict[str, Callable[[np.ndarray], Any]] = {
    "int-ids": lambda n: np.asarray(n, dtype=np.int64),
    "str-ids": lambda n: [f"tx-{i}" for i in n],
}
WINDOWS = {
    "count": 40,
    "period-str": "3D",
    "period-timedelta": timedelta(days=2, hours=12),
    "period-pandas": pd.Timedelta(hours=36),
}


@pytest.mark.parametrize("ids", list(IDS), ids=list(IDS))
@pytest.mark.parametrize("window", list(WINDOWS.values()), ids=list(WINDOWS))
def test_a_monitor_round_tripped_at_every_step_answers_like_the_original(
    ids: str, window: object
) -> None:
    make_ids = IDS[ids]
    rng = np.random.default_rng(0)
    store = open_store("memory://")
    ref_scores = rng.uniform(size=400)
    ref_labels = (rng.uniform(size=400) < ref_scores).astype(int)
    ref_times = [T0 - timedelta(days=30) + timedelta(hours=int(h)) for h in range(400)]
    original = PerformanceMonitor(
        metric="accuracy", window=window, n_std=2, estimator=_fitted_estimator("accuracy"),
        clock=_clock,
    ).fit(ref_labels, ref_scores, timestamps=ref_times)  # fmt: skip
    restored = _reload(original, store)
    _assert_same(original, restored)

    def both(call: Callable[[PerformanceMonitor], Any]) -> None:
        nonlocal restored
        assert call(original) == call(restored)
        restored = _reload(restored, store)
        _assert_same(original, restored)

    for batch in range(4):
        n = np.arange(batch * 30, batch * 30 + 30)
        scores = rng.uniform(size=30)
        times = [T0 + timedelta(days=int(d)) for d in rng.integers(0, 9, size=30)]
        features = pd.DataFrame({"amount": rng.normal(size=30), "country": ["fr", "de"] * 15})
        kwargs: dict[str, Any] = {"timestamps": times}
        if batch != 2:  # one batch without features, one without timestamps (the clock's)
            kwargs["features"] = features
        if batch == 3:
            kwargs.pop("timestamps")
            kwargs["y_pred"] = (scores > 0.7).astype(int)
        both(lambda m, n=n, scores=scores, kw=kwargs: m.log_predictions(make_ids(n), scores, **kw))
        labelled = rng.choice(n, size=15, replace=False)
        labels = rng.integers(0, 2, size=15)
        both(lambda m, ids=labelled, y=labels: m.log_labels(make_ids(ids), y))
    # relabelling, unknown ids, and ids already logged
    both(lambda m: m.log_labels(make_ids(np.array([0, 1, 9_999])), [0, 0, 1]))
    for monitor in (original, restored):
        with pytest.raises(ValidationError, match="already logged"):
            monitor.log_predictions(make_ids(np.array([5])), [0.5])
    assert restored.n_unknown_labels == 1
    assert any(w.estimate is not None for w in restored.realized())
    assert restored.features(window=1).equals(original.features(window=1))


def test_an_empty_and_an_unfitted_monitor_round_trip() -> None:
    store = open_store("memory://")
    monitor = PerformanceMonitor(metric="brier", window=3, alert_threshold=1, n_std=2)
    restored = _reload(monitor, store)
    _assert_same(monitor, restored)
    assert restored.realized() == []
    assert restored.features().empty
    assert restored.alert_threshold == 1
    assert isinstance(restored.alert_threshold, int)
    assert not hasattr(restored, "alert_threshold_")
    for m in (monitor, restored):
        m.log_predictions([1, 2, 3, 4], [0.1, 0.9, 0.4, 0.6], timestamps=T0)
        m.log_labels([2, 4, 5], [1, 0, 1])
    _assert_same(monitor, restored)


@st.composite
def _sequences(draw: st.DrawFn) -> tuple[str, object, list[tuple[Any, ...]]]:
    kind = draw(st.sampled_from(["int", "str"]))
    window = draw(st.sampled_from([1, 3, "1D", timedelta(hours=7)]))
    steps: list[tuple[Any, ...]] = []
    next_id = 0
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["predict", "label", "save"]))
        if op == "predict":
            size = draw(st.integers(1, 6))
            scores = draw(st.lists(st.floats(0, 1), min_size=size, max_size=size))
            hours = draw(st.lists(st.integers(0, 72), min_size=size, max_size=size))
            steps.append(("predict", list(range(next_id, next_id + size)), scores, hours))
            next_id += size
        elif op == "label":
            ids = draw(st.lists(st.integers(0, next_id + 2), max_size=6))
            labels = draw(st.lists(st.integers(0, 1), min_size=len(ids), max_size=len(ids)))
            steps.append(("label", ids, labels))
        else:
            steps.append(("save",))
    return kind, window, steps


@settings(max_examples=40, deadline=None)
@given(_sequences())
def test_random_logging_sequences_survive_save_and_load(
    case: tuple[str, object, list[tuple[Any, ...]]],
) -> None:
    kind, window, steps = case
    store = open_store("memory://")

    def ids(values: list[int]) -> list[Any]:
        return [f"p{v}" for v in values] if kind == "str" else values

    original = PerformanceMonitor(metric="accuracy", window=window, alert_threshold=0.5)
    restored = PerformanceMonitor(metric="accuracy", window=window, alert_threshold=0.5)
    for step in steps:
        if step[0] == "predict":
            _, values, scores, hours = step
            times = [T0 + timedelta(hours=h) for h in hours]
            for m in (original, restored):
                m.log_predictions(ids(values), scores, timestamps=times)
        elif step[0] == "label":
            _, values, labels = step
            assert original.log_labels(ids(values), labels) == restored.log_labels(
                ids(values), labels
            )
        else:
            restored = _reload(restored, store)
        _assert_same(original, restored)
    _assert_same(original, _reload(restored, store))


@pytest.mark.parametrize(
    "batches",
    [
        [np.arange(4, dtype=np.int32), np.arange(4, 6, dtype=np.int64), np.arange(6, 7)],
        [pd.Index(["a", "b", "c"]), pd.Index(["d"], dtype=object)],
        [np.array([1, 2]), np.array([2.5])],
    ],
    ids=["int32-then-int64", "str-then-object", "int-then-float"],
)
def test_ids_keep_the_dtype_of_each_call(batches: list[Any]) -> None:
    store = open_store("memory://")
    original = PerformanceMonitor(metric="accuracy", window=2)
    for batch in batches:
        original.log_predictions(batch, np.full(len(batch), 0.6))
    restored = _reload(original, store)
    levels = original._ids.levels()
    assert [level.dtype for level in restored._ids.levels()] == [level.dtype for level in levels]
    assert all(a.equals(b) for a, b in zip(levels, restored._ids.levels()))
    first = batches[0][:1]
    assert original.log_labels(first, [1]) == restored.log_labels(first, [1])
    _assert_same(original, restored)


BIG = 2**53 + 1  # the first int a float64 cannot hold
BIG_IDS = {
    "int64-past-2**53-then-floats": [np.array([BIG, 2**62 + 3]), np.array([0.5])],
    "int64-past-2**53-then-floats-one-a-call": [
        np.array([BIG]), np.array([0.5]), np.array([2**62 + 3]), np.array([2.5]),
    ],
    "uint64-past-2**63-then-int64": [
        np.array([2**63 + 5], dtype=np.uint64), np.array([-7]), np.array([BIG]),
    ],
    "uint64-only": [np.array([2**64 - 1, 2**63 + 1], dtype=np.uint64), np.array([BIG], np.uint64)],
}  # fmt: skip


@pytest.mark.parametrize("batches", list(BIG_IDS.values()), ids=list(BIG_IDS))
def test_big_int_ids_survive_logging_and_save_exactly(batches: list[np.ndarray]) -> None:
    store = open_store("memory://")
    original = PerformanceMonitor(metric="accuracy", window=2)
    for batch in batches:
        original.log_predictions(batch, np.full(len(batch), 0.6))
    restored = _reload(original, store)
    for monitor in (original, restored):
        logged = [value for level in monitor._ids.levels() for value in level.tolist()]
        assert logged == [value for batch in batches for value in batch.tolist()]
        assert all(isinstance(v, int) for v in logged if not isinstance(v, float))
    levels = original._ids.levels()
    assert [level.dtype for level in restored._ids.levels()] == [level.dtype for level in levels]
    for monitor in (original, restored):
        for batch in batches:
            summary = monitor.log_labels(batch, np.ones(len(batch), dtype=int))
            assert summary.n_unknown == 0, summary
        with pytest.raises(ValidationError, match="already logged"):
            monitor.log_predictions(batches[0][:1], [0.5])
        # a neighbour of a big id is another id
        assert monitor.log_labels(np.array([BIG - 1]), [1]).n_unknown == 1
    _assert_same(original, restored)


# -------------------------------------------------------------------------------- what is stored


def test_the_arrays_go_into_one_pickle_free_blob_and_the_record_says_what_it_holds() -> None:
    store = open_store("memory://")
    monitor = PerformanceMonitor(
        metric="accuracy", window="7D", estimator=_fitted_estimator("accuracy")
    )
    monitor.log_predictions(["a", "b", "c"], [0.2, 0.8, 0.6], timestamps=T0,
                            features=pd.DataFrame({"x": [1, 2, 3]}))  # fmt: skip
    monitor.log_labels(["a", "zz"], [0, 1])
    assert monitor.save(store, "fraud") == 1
    assert len(list(store.blobs.digests())) == 1
    record = store.metadata.get(MONITORS, "fraud").value
    assert json.loads(json.dumps(record)) == record
    assert record["type"] == "PerformanceMonitor"
    assert record["schema_version"] == 1
    assert record["mlops_kit_version"] == __version__
    assert record["params"]["window"] == {"kind": "str", "value": "7D"}
    assert (record["n_predictions"], record["n_labelled"], record["n_unknown_labels"]) == (3, 1, 1)
    assert record["estimator"]["type"] == "PerformanceEstimator"
    blob = store.blobs.get(record["digest"])
    assert blob.startswith(b"MKNPZ1\n")
    assert b"pickle" not in blob


def test_the_clock_is_not_saved_load_takes_one() -> None:
    store = open_store("memory://")
    monitor = PerformanceMonitor(window="1D", clock=lambda: T0)
    monitor.log_predictions([1], [0.5])
    monitor.save(store, "m")
    assert PerformanceMonitor.load(store, "m").clock is None
    restored = PerformanceMonitor.load(store, "m", clock=_clock)
    restored.log_predictions([2], [0.5])
    assert restored.realized()[-1].start == _clock().replace(hour=9)


def test_category_features_and_mixed_id_types_are_refused_by_name() -> None:
    store = open_store("memory://")
    monitor = PerformanceMonitor(window=2)
    monitor.log_predictions(
        [1], [0.5], features=pd.DataFrame({"country": ["fr"]}, dtype="category")
    )
    with pytest.raises(ValidationError, match="feature 'country' is categorical"):
        monitor.save(store, "m")
    monitor = PerformanceMonitor(window=2)
    monitor.log_predictions([1], [0.5])
    monitor.log_predictions(["a"], [0.5])
    with pytest.raises(ValidationError, match=r"ids cannot be saved .*one type"):
        monitor.save(store, "m")
    monitor = PerformanceMonitor(window=2)  # in levels not merged yet, refused all the same
    monitor.log_predictions([1, 2], [0.5, 0.5])
    monitor.log_predictions(["a"], [0.5])
    assert len(monitor._ids.levels()) == 2
    with pytest.raises(ValidationError, match=r"ids cannot be saved \(int64, str\): .*one type"):
        monitor.save(store, "m")
    assert store.metadata.get(MONITORS, "m") is None


# ------------------------------------------------------------------------------------- revisions


def test_a_save_over_a_snapshot_saved_meanwhile_is_a_conflict() -> None:
    store = open_store("memory://")
    first = PerformanceMonitor(metric="accuracy", window=2)
    first.log_predictions([1, 2], [0.9, 0.1])
    assert first.save(store, "m") == 1
    a = PerformanceMonitor.load(store, "m")
    b = PerformanceMonitor.load(store, "m")
    a.log_labels([1], [1])
    assert a.save(store, "m") == 2
    assert a.save(store, "m") == 3  # its own last save is what it expects
    b.log_labels([2], [0])
    with pytest.raises(ConflictError, match=r"changed since .*revision 1; it is now at revision 3"):
        b.save(store, "m")
    with pytest.raises(ConflictError, match=r"load\(store, 'm'\).* or pass overwrite=True"):
        first.save(store, "m")
    assert PerformanceMonitor.load(store, "m").n_labelled == 1  # nothing was lost
    assert b.save(store, "m", overwrite=True) == 4
    assert b.save(store, "m") == 5
    assert PerformanceMonitor.load(store, "m").realized()[0].n_labelled == 1


def test_a_new_monitor_does_not_replace_a_saved_one_unless_told() -> None:
    store = open_store("memory://")
    PerformanceMonitor().save(store, "m")
    fresh = PerformanceMonitor()
    with pytest.raises(ConflictError, match=r"already saved under 'm' .*neither loaded"):
        fresh.save(store, "m")
    assert fresh.save(store, "other") == 1  # another name is a creation
    loaded = PerformanceMonitor.load(store, "m")
    assert loaded.save(store, "m") == 2
    store.metadata.delete(MONITORS, "m")
    with pytest.raises(ConflictError, match=r"deleted\): another process deleted it"):
        loaded.save(store, "m")
    with pytest.raises(ValidationError, match="'overwrite' argument"):
        fresh.save(store, "m", overwrite="yes")  # type: ignore[arg-type]


def _blobs(store: Any) -> set[str]:
    return set(store.blobs.digests())


def test_a_save_to_another_store_holding_the_name_at_the_same_revision_is_a_conflict() -> None:
    prod, backup = open_store("memory://"), open_store("memory://")
    theirs = PerformanceMonitor(window=10)
    theirs.log_predictions(["x1", "x2"], [0.2, 0.8], timestamps=T0)
    assert theirs.save(backup, "fraud") == 1
    stored = backup.metadata.get(MONITORS, "fraud")
    mine = PerformanceMonitor(window=10)
    assert mine.save(prod, "fraud") == 1
    with pytest.raises(ConflictError, match=r"in this store, at revision 1 too, is another snap"):
        mine.save(backup, "fraud")
    assert backup.metadata.get(MONITORS, "fraud") == stored
    assert _blobs(backup) == {stored.value["digest"]}
    assert PerformanceMonitor.load(backup, "fraud").n_predictions == 2
    # the one it was loaded from, in either store, it replaces
    assert PerformanceMonitor.load(backup, "fraud").save(backup, "fraud") == 2
    assert mine.save(prod, "fraud") == 2
    assert mine.save(backup, "fraud", overwrite=True) == 3
    assert mine.save(backup, "fraud") == 4
    with pytest.raises(ConflictError, match=r"at revision 4; it is now at revision 2"):
        mine.save(prod, "fraud")  # it now knows the backup's snapshot under this name


def test_an_estimator_saved_to_another_store_holding_the_name_is_a_conflict() -> None:
    prod, backup = open_store("memory://"), open_store("memory://")
    theirs = PerformanceEstimator(metric="recall")
    assert theirs.save(backup, "e") == 1
    mine = PerformanceEstimator(metric="brier")
    assert mine.save(prod, "e") == 1
    with pytest.raises(ConflictError, match="PerformanceEstimator saved under 'e' in this store"):
        mine.save(backup, "e")
    assert PerformanceEstimator.load(backup, "e").metric == "recall"
    assert mine.save(prod, "e") == 2
    assert mine.save(backup, "e", overwrite=True) == 2
    assert PerformanceEstimator.load(backup, "e").metric == "brier"
    record = backup.metadata.get(ESTIMATORS, "e").value
    assert record["snapshot"] != prod.metadata.get(ESTIMATORS, "e").value["snapshot"]
    assert "snapshot" not in mine.to_dict()


def test_each_save_replaces_the_blob_of_the_snapshot_it_replaces() -> None:
    store = open_store("memory://")
    other = PerformanceMonitor(window=3)
    other.save(store, "other")
    (other_blob,) = _blobs(store)
    monitor = PerformanceMonitor(window=3)
    digests = set()
    for i in range(6):
        if i % 2:  # every other save has nothing new: its blob is still a new one
            monitor.log_predictions([f"p{i}"], [0.5], timestamps=T0)
        monitor.save(store, "m", overwrite=i == 3)
        digest = store.metadata.get(MONITORS, "m").value["digest"]
        digests.add(digest)
        assert _blobs(store) == {other_blob, digest}
    assert len(digests) == 6
    loaded = PerformanceMonitor.load(store, "m")
    loaded.save(store, "m")
    assert _blobs(store) == {other_blob, store.metadata.get(MONITORS, "m").value["digest"]}
    assert PerformanceMonitor.load(store, "m").n_predictions == 3
    assert PerformanceMonitor.load(store, "other").n_predictions == 0


def test_a_conflicting_save_leaves_the_stored_snapshot_and_its_blob_alone() -> None:
    store = open_store("memory://")
    first = PerformanceMonitor(window=2)
    first.log_predictions([1, 2], [0.9, 0.1])
    first.save(store, "m")
    late = PerformanceMonitor.load(store, "m")
    first.log_labels([1], [1])
    first.save(store, "m")
    stored, blobs = store.metadata.get(MONITORS, "m"), _blobs(store)
    late.log_labels([2], [0])
    with pytest.raises(ConflictError, match="changed since"):
        late.save(store, "m")
    with pytest.raises(ConflictError, match="already saved"):
        PerformanceMonitor(window=2).save(store, "m")
    assert store.metadata.get(MONITORS, "m") == stored
    assert _blobs(store) == blobs


class _RacedMetadata(InMemoryMetadataStore):
    """Runs ``before_put`` (once) just before a write: another process saving meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.before_put: Callable[[], None] | None = None
        self.puts = 0

    def put(self, collection: str, key: str, value: Any, **kwargs: Any) -> int:
        self.puts += 1
        hook, self.before_put = self.before_put, None
        if hook is not None:
            hook()
        return super().put(collection, key, value, **kwargs)


def test_a_save_that_loses_a_race_after_writing_its_blob_deletes_it() -> None:
    metadata = _RacedMetadata()
    store = Store(blobs=InMemoryBlobStore(), metadata=metadata)
    PerformanceMonitor(window=2).save(store, "m")
    a, b = PerformanceMonitor.load(store, "m"), PerformanceMonitor.load(store, "m")
    a.log_predictions([1], [0.5])
    b.log_predictions([2], [0.5])
    metadata.before_put = lambda: a.save(store, "m")
    with pytest.raises(ConflictError, match="at revision 1; it is now at revision 2"):
        b.save(store, "m")
    assert _blobs(store) == {store.metadata.get(MONITORS, "m").value["digest"]}
    assert PerformanceMonitor.load(store, "m").log_labels([1], [1]).n_unknown == 0
    # with overwrite=True, the write is retried over the new record, whose blob it deletes
    metadata.before_put = lambda: a.save(store, "m")
    assert b.save(store, "m", overwrite=True) == 4
    assert _blobs(store) == {store.metadata.get(MONITORS, "m").value["digest"]}
    assert PerformanceMonitor.load(store, "m").log_labels([2], [1]).n_unknown == 0
    # a creation over a record deleted again before the write is retried too
    c = PerformanceMonitor(window=2)
    c.save(store, "n")
    metadata.before_put = lambda: store.metadata.delete(MONITORS, "n")
    assert PerformanceMonitor(window=5).save(store, "n", overwrite=True) == 2
    assert PerformanceMonitor.load(store, "n").window == 5


class _BusyMetadata(InMemoryMetadataStore):
    """Another process saves every key just before each of our writes."""

    def put(self, collection: str, key: str, value: Any, **kwargs: Any) -> int:
        current = self.get(collection, key)
        super().put(collection, key, {} if current is None else current.value)
        return super().put(collection, key, value, **kwargs)


def test_a_save_gives_up_on_a_record_that_keeps_changing() -> None:
    store = Store(blobs=InMemoryBlobStore(), metadata=_BusyMetadata())
    with pytest.raises(ConflictError, match="changed at each of 10 attempts"):
        PerformanceMonitor().save(store, "m", overwrite=True)
    assert _blobs(store) == set()


class _RacedBlobs(InMemoryBlobStore):
    """Runs ``before_get`` before the next ``races`` reads: another process saving meanwhile."""

    before_get: Callable[[], None] = staticmethod(lambda: None)
    races = 0

    def get(self, digest: str) -> bytes:
        if self.races > 0:
            self.races -= 1
            self.before_get()
        return super().get(digest)


def test_a_load_racing_a_save_that_deletes_its_blob_loads_the_newer_snapshot() -> None:
    blobs = _RacedBlobs()
    store = Store(blobs=blobs, metadata=InMemoryMetadataStore())
    monitor = PerformanceMonitor(window=2)
    monitor.save(store, "m")
    monitor.log_predictions([1], [0.5])
    blobs.before_get, blobs.races = lambda: monitor.save(store, "m"), 1
    loaded = PerformanceMonitor.load(store, "m")
    assert loaded.n_predictions == 1
    assert loaded.save(store, "m") == 3
    blobs.before_get, blobs.races = lambda: loaded.save(store, "m"), 100
    with pytest.raises(ConflictError, match="changed at each of 10 attempts to load"):
        PerformanceMonitor.load(store, "m")


def test_a_record_pointing_at_the_blob_of_another_is_an_integrity_error() -> None:
    store = open_store("memory://")
    for name in ("a", "b"):
        PerformanceMonitor(window=2).save(store, name)
    a, b = (store.metadata.get(MONITORS, name).value for name in ("a", "b"))
    store.metadata.put(MONITORS, "copy", a)
    with pytest.raises(IntegrityError, match=r"'name': 'copy'.* belongs to another one"):
        PerformanceMonitor.load(store, "copy")
    store.metadata.put(MONITORS, "b", {**b, "digest": a["digest"], "layout": a["layout"]})
    with pytest.raises(IntegrityError, match="belongs to another one"):
        PerformanceMonitor.load(store, "b")
    store.metadata.put(MONITORS, "a", {**a, "snapshot": "0" * 32})
    with pytest.raises(IntegrityError, match="belongs to another one"):
        PerformanceMonitor.load(store, "a")
    layout = {**a["layout"], "frames": a["layout"]["frames"][:-1]}
    store.metadata.put(MONITORS, "a", {**a, "layout": layout})
    with pytest.raises(IntegrityError, match="its record says 1 frames"):
        PerformanceMonitor.load(store, "a")


# ---------------------------------------------------------------------------------------- faults


def test_unknown_and_invalid_names() -> None:
    store = open_store("memory://")
    with pytest.raises(NotFoundError, match="No PerformanceMonitor saved under 'nope'"):
        PerformanceMonitor.load(store, "nope")
    with pytest.raises(NotFoundError, match="No PerformanceEstimator saved under 'nope'"):
        PerformanceEstimator.load(store, "nope")
    with pytest.raises(ValidationError, match="Invalid PerformanceMonitor name"):
        PerformanceMonitor().save(store, "../x")
    with pytest.raises(ValidationError, match="Invalid PerformanceMonitor name"):
        PerformanceMonitor.load(store, "a/b")


def test_records_of_another_type_or_a_newer_schema_are_refused() -> None:
    store = open_store("memory://")
    PerformanceMonitor().save(store, "m")
    record = store.metadata.get(MONITORS, "m").value
    store.metadata.put(MONITORS, "drift", {**record, "type": "TabularDriftDetector"})
    with pytest.raises(ValidationError, match="not a saved PerformanceMonitor"):
        PerformanceMonitor.load(store, "drift")
    store.metadata.put(MONITORS, "future", {**record, "schema_version": 2})
    with pytest.raises(ValidationError, match=r"schema version 2.*Upgrade mlops_kit"):
        PerformanceMonitor.load(store, "future")
    store.metadata.put(ESTIMATORS, "m", record)
    with pytest.raises(ValidationError, match="not a saved PerformanceEstimator"):
        PerformanceEstimator.load(store, "m")


def test_a_corrupted_blob_is_an_integrity_error_and_a_missing_one_not_found(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "s")
    monitor = PerformanceMonitor(window=2)
    monitor.log_predictions(np.arange(50), np.linspace(0, 1, 50))
    monitor.save(store, "m")
    digest = store.metadata.get(MONITORS, "m").value["digest"]
    (path,) = (tmp_path / "s").rglob(digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        PerformanceMonitor.load(store, "m")
    path.unlink()
    with pytest.raises(NotFoundError, match=f"'m' .*blob {digest}, which is missing"):
        PerformanceMonitor.load(store, "m")
    store.close()


# ------------------------------------------------------------------------------------- estimator


@pytest.mark.parametrize("metric", ["accuracy", "precision", "recall", "roc_auc", "brier"])
def test_a_loaded_estimator_estimates_exactly_like_the_original(metric: str) -> None:
    estimator = PerformanceEstimator(metric=metric, n_resamples=100, random_state=7).fit(
        [0.05, 0.1, 0.2, 0.3, 0.35, 0.5, 0.55, 0.7, 0.8, 0.9, 0.95, 0.97],
        [0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1],
    )
    data = estimator.to_dict()
    assert json.loads(json.dumps(data)) == data
    copy = PerformanceEstimator.from_dict(json.loads(json.dumps(data)))
    assert copy == estimator
    assert copy.n_reference_ == 12
    scores = np.r_[np.linspace(0, 1, 101), [0.2, 0.35, 0.97]]
    np.testing.assert_array_equal(copy.calibrate(scores), estimator.calibrate(scores))
    assert copy.estimate(scores) == estimator.estimate(scores)
    decisions = (scores > 0.4).astype(int)
    assert copy.estimate(scores, decisions) == estimator.estimate(scores, decisions)
    store = open_store("memory://")
    assert estimator.save(store, "e") == 1
    loaded = PerformanceEstimator.load(store, "e")
    assert loaded.estimate(scores) == estimator.estimate(scores)
    assert loaded.save(store, "e") == 2
    with pytest.raises(ConflictError, match="PerformanceEstimator saved under 'e' changed"):
        estimator.save(store, "e")


def test_the_fitted_state_is_small() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=100_000)
    labels = (rng.uniform(size=100_000) < scores).astype(int)
    data = PerformanceEstimator().fit(scores, labels).to_dict()
    assert len(data["fitted"]["x"]) < 1_000
    assert len(json.dumps(data)) < 50_000


def test_an_unfitted_estimator_round_trips_and_a_generator_seed_is_refused() -> None:
    estimator = PerformanceEstimator(metric="recall", threshold=0.3, random_state=None)
    copy = PerformanceEstimator.from_dict(estimator.to_dict())
    assert copy == estimator
    assert not hasattr(copy, "calibrator_")
    with pytest.raises(ValidationError, match="numpy Generator cannot be saved"):
        PerformanceEstimator(random_state=np.random.default_rng(0)).to_dict()
