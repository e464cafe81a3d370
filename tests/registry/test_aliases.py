"""Aliases: moves, append-only history, rollback that keeps stepping back, removal."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import ConflictError, NotFoundError, StorageError, ValidationError
from mlops_kit.registry import AliasEvent, ModelRegistry
from mlops_kit.storage import Store


@pytest.fixture
def five(registry: ModelRegistry) -> ModelRegistry:
    for i in range(5):
        registry.register("fraud", {"i": i + 1}, serializer="pickle")
    return registry


def moves(registry: ModelRegistry, alias: str = "champion") -> list[tuple[Any, ...]]:
    return [
        (e.seq, e.action, e.previous, e.version) for e in registry.alias_history("fraud", alias)
    ]


def test_set_alias_records_every_move(five: ModelRegistry) -> None:
    first = five.set_alias("fraud", "champion", 1, reason="first model", actor="alice")
    assert (first.previous, first.version, first.action, first.seq) == (None, 1, "set", 1)
    five.set_alias("fraud", "champion", 3, reason="better AUC")
    assert five.get("fraud@champion").version == 3
    assert five.load("fraud@champion") == {"i": 3}
    history = five.alias_history("fraud", "champion")
    assert [(e.previous, e.version, e.reason, e.actor) for e in history] == [
        (None, 1, "first model", "alice"),
        (1, 3, "better AUC", None),
    ]
    assert history[0].time < history[1].time
    assert all(isinstance(e, AliasEvent) for e in history)


def test_rollback_keeps_stepping_back(five: ModelRegistry) -> None:
    for version in (1, 2, 3):
        five.set_alias("fraud", "champion", version)
    assert five.rollback("fraud", "champion", reason="bad release").version == 2
    assert five.rollback("fraud", "champion").version == 1
    with pytest.raises(NotFoundError, match="no earlier target to roll back to"):
        five.rollback("fraud", "champion")
    assert five.get("fraud@champion").version == 1
    assert moves(five) == [
        (1, "set", None, 1),
        (2, "set", 1, 2),
        (3, "set", 2, 3),
        (4, "rollback", 3, 2),
        (5, "rollback", 2, 1),
    ]


def test_rollback_after_a_new_promotion(five: ModelRegistry) -> None:
    five.set_alias("fraud", "champion", 1)
    five.set_alias("fraud", "champion", 2)
    five.rollback("fraud", "champion")
    five.set_alias("fraud", "champion", 4)
    assert five.rollback("fraud", "champion").version == 1
    with pytest.raises(NotFoundError):
        five.rollback("fraud", "champion")


def test_setting_the_current_target_is_recorded_without_a_rollback_step(
    five: ModelRegistry,
) -> None:
    five.set_alias("fraud", "champion", 1)
    five.set_alias("fraud", "champion", 2)
    again = five.set_alias("fraud", "champion", 2, reason="re-confirmed by the gate")
    assert (again.previous, again.version) == (2, 2)
    assert five.rollback("fraud", "champion").version == 1


def test_rollback_skips_deleted_versions(five: ModelRegistry) -> None:
    for version in (1, 2, 3):
        five.set_alias("fraud", "champion", version)
    five.delete_version("fraud", 2)
    assert five.rollback("fraud", "champion").version == 1


def test_remove_alias_and_restore_it(five: ModelRegistry) -> None:
    five.set_alias("fraud", "staging", 2)
    removed = five.remove_alias("fraud", "staging", reason="retired", actor="bob")
    assert (removed.action, removed.previous, removed.version) == ("remove", 2, None)
    assert five.aliases("fraud") == {}
    five.set_alias("fraud", "challenger", 1)
    with pytest.raises(NotFoundError, match="no alias 'staging'; its aliases are 'challenger'"):
        five.get("fraud@staging")
    with pytest.raises(NotFoundError, match="nothing to remove"):
        five.remove_alias("fraud", "staging")
    assert five.rollback("fraud", "staging").version == 2
    assert five.get("fraud@staging").version == 2
    assert moves(five, "staging") == [
        (1, "set", None, 2),
        (2, "remove", 2, None),
        (3, "rollback", None, 2),
    ]


def test_aliases_are_per_model(five: ModelRegistry) -> None:
    five.register("churn", {"c": 1}, serializer="pickle")
    five.set_alias("fraud", "champion", 5)
    five.set_alias("churn", "champion", 1)
    assert five.aliases("fraud") == {"champion": 5}
    assert five.aliases("churn") == {"champion": 1}
    assert five.load("churn@champion") == {"c": 1}


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda r: r.set_alias("fraud", "champion", 9), NotFoundError, "no version 9"),
        (lambda r: r.set_alias("nope", "champion", 1), NotFoundError, "No model named 'nope'"),
        (lambda r: r.set_alias("fraud", "latest", 1), ValidationError, "reserved"),
        (lambda r: r.set_alias("fraud", "a/b", 1), ValidationError, "Invalid alias"),
        (lambda r: r.set_alias("fraud", "x", "1"), ValidationError, "'version' parameter"),
        (lambda r: r.set_alias("fraud", "x", 1, reason=3), ValidationError, "'reason'"),
        (lambda r: r.set_alias("fraud", "x", 1, actor=3), ValidationError, "'actor'"),
        (lambda r: r.rollback("fraud", "champion"), NotFoundError, "no alias 'champion'; it has"),
        (lambda r: r.remove_alias("fraud", "champion"), NotFoundError, "no alias 'champion'"),
        (lambda r: r.alias_history("fraud", "champion"), NotFoundError, "no alias"),
        (lambda r: r.alias_history("nope", "champion"), NotFoundError, "No model named"),
        (lambda r: r.rollback("fraud", "x", reason=1), NotFoundError, "no alias"),
    ],
    ids=[
        "unknown-version",
        "unknown-model",
        "reserved-alias",
        "bad-alias",
        "version-as-text",
        "reason-not-text",
        "actor-not-text",
        "rollback-unknown",
        "remove-unknown",
        "history-unknown",
        "history-unknown-model",
        "rollback-checks-alias-first",
    ],
)
def test_bad_alias_calls(five: ModelRegistry, call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call(five)


def test_bad_text_arguments_on_existing_alias(five: ModelRegistry) -> None:
    five.set_alias("fraud", "x", 1)
    for call in (five.rollback, five.remove_alias):
        with pytest.raises(ValidationError, match="'reason'"):
            call("fraud", "x", reason=1)  # type: ignore[operator]
        with pytest.raises(ValidationError, match="'actor'"):
            call("fraud", "x", actor=1)  # type: ignore[operator]
    with pytest.raises(ValidationError, match="'reason'"):
        five.delete_version("fraud", 2, reason=1)  # type: ignore[arg-type]


def test_history_documents_are_append_only(store: Store) -> None:
    registry = ModelRegistry(store)
    registry.register("fraud", {"i": 1}, serializer="pickle")
    registry.set_alias("fraud", "champion", 1)
    registry.set_alias("fraud", "champion", 1)
    docs = list(store.metadata.scan("registry.alias_history", "fraud/champion/"))
    assert [key for key, _ in docs] == ["fraud/champion/000000001", "fraud/champion/000000002"]
    assert all(doc.revision == 1 for _, doc in docs)  # written once, never replaced


def test_a_lost_history_write_is_restored(store: Store, monkeypatch: Any) -> None:
    registry = ModelRegistry(store)
    for _ in range(3):
        registry.register("fraud", {"i": 1}, serializer="pickle")
    registry.set_alias("fraud", "champion", 1)
    real_put = store.metadata.put

    def crash_on_history(collection: str, key: str, value: Any, **kw: Any) -> int:
        if collection == "registry.alias_history":
            raise StorageError("disk full")
        return real_put(collection, key, value, **kw)

    monkeypatch.setattr(store.metadata, "put", crash_on_history)
    with pytest.raises(StorageError):
        registry.set_alias("fraud", "champion", 2, reason="lost?")
    monkeypatch.setattr(store.metadata, "put", real_put)
    # a reader sees the event already, from the alias document
    assert [e.reason for e in registry.alias_history("fraud", "champion")] == [None, "lost?"]
    # the next writer restores it in the append-only history
    registry.set_alias("fraud", "champion", 3)
    keys = [k for k, _ in store.metadata.scan("registry.alias_history", "fraud/champion/")]
    assert keys == [f"fraud/champion/00000000{i}" for i in (1, 2, 3)]
    assert moves(registry) == [(1, "set", None, 1), (2, "set", 1, 2), (3, "set", 2, 3)]


def test_set_alias_retries_a_lost_race(store: Store, monkeypatch: Any) -> None:
    registry = ModelRegistry(store)
    for _ in range(3):
        registry.register("fraud", {"i": 1}, serializer="pickle")
    registry.set_alias("fraud", "champion", 1)
    other = ModelRegistry(store)
    real_get = store.metadata.get
    raced = []

    def racing_get(collection: str, key: str) -> Any:
        doc = real_get(collection, key)
        if collection == "registry.aliases" and not raced:
            raced.append(True)
            other.set_alias("fraud", "champion", 2, reason="the other writer")
        return doc

    monkeypatch.setattr(store.metadata, "get", racing_get)
    registry.set_alias("fraud", "champion", 3, reason="mine")
    monkeypatch.setattr(store.metadata, "get", real_get)
    assert moves(registry) == [(1, "set", None, 1), (2, "set", 1, 2), (3, "set", 2, 3)]


def test_rollback_refuses_a_lost_race(store: Store, monkeypatch: Any) -> None:
    registry = ModelRegistry(store)
    for _ in range(3):
        registry.register("fraud", {"i": 1}, serializer="pickle")
    registry.set_alias("fraud", "champion", 1)
    registry.set_alias("fraud", "champion", 2)
    other = ModelRegistry(store)
    real_get = store.metadata.get
    raced = []

    def racing_get(collection: str, key: str) -> Any:
        doc = real_get(collection, key)
        if collection == "registry.aliases" and len(raced) == 1:
            other.set_alias("fraud", "champion", 3)
        raced.append(True)
        return doc

    monkeypatch.setattr(store.metadata, "get", racing_get)
    with pytest.raises(ConflictError, match="moved by someone else"):
        registry.rollback("fraud", "champion")
    monkeypatch.setattr(store.metadata, "get", real_get)
    assert registry.get("fraud@champion").version == 3
    assert [m[1] for m in moves(registry)] == ["set", "set", "set"]


def test_alias_event_round_trip_and_display(five: ModelRegistry) -> None:
    event = five.set_alias("fraud", "champion", 2, reason="why", actor="ci")
    assert AliasEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event
    assert str(event).endswith("fraud@champion set - -> 2 by ci: why")
    assert "<table>" in event._repr_html_()


OPS = st.lists(
    st.one_of(st.tuples(st.just("set"), st.integers(1, 4)), st.tuples(st.just("rollback"))),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(ops=OPS)
def test_alias_moves_match_a_stack_model(ops: list[tuple[Any, ...]]) -> None:
    registry = ModelRegistry("memory://")
    for _ in range(4):
        registry.register("m", {"w": 1}, serializer="pickle")
    current: int | None = None
    stack: list[int] = []
    for op in ops:
        if op[0] == "set":
            if current is not None and current != op[1]:
                stack.append(current)
            current = op[1]
            registry.set_alias("m", "a", op[1])
            continue
        while stack and stack[-1] == current:
            stack.pop()
        if current is None:
            continue  # the alias was never set: nothing to roll back (checked elsewhere)
        if not stack:
            with pytest.raises(NotFoundError):
                registry.rollback("m", "a")
            continue
        current = stack.pop()
        assert registry.rollback("m", "a").version == current
    if current is not None:
        assert registry.get("m@a").version == current
        history = registry.alias_history("m", "a")
        assert [e.seq for e in history] == list(range(1, len(history) + 1))
        for before, after in itertools.pairwise(history):
            assert after.previous == before.version
