"""Concurrent writers: processes on the local store, threads in memory."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

from mlops_kit.exceptions import ConflictError, NotFoundError, ValidationError
from mlops_kit.registry import AliasEvent, ModelRegistry
from mlops_kit.registry._aliases import decide_set
from mlops_kit.registry._base import VERSIONS
from mlops_kit.storage import open_store

N_WORKERS = 8
MOVES_EACH = 5


def _register_worker(path: str, worker: int, barrier: Any, results: Any) -> None:
    with open_store(path) as store:
        registry = ModelRegistry(store)
        barrier.wait()
        mv = registry.register("fraud", {"worker": worker}, serializer="pickle")
        results.put((worker, mv.version))


def _alias_worker(path: str, worker: int, barrier: Any, results: Any) -> None:
    with open_store(path) as store:
        registry = ModelRegistry(store)
        barrier.wait()
        for i in range(MOVES_EACH):
            version = 1 + (worker + i) % 3
            event = registry.set_alias("fraud", "champion", version, actor=f"w{worker}")
            results.put((worker, event.seq))


def _run_processes(target: Any, path: Path) -> list[tuple[int, int]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(N_WORKERS)
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(str(path), w, barrier, results))
        for w in range(N_WORKERS)
    ]
    for process in processes:
        process.start()
    collected = []
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    while not results.empty():
        collected.append(results.get())
    return collected


def _check_history(history: list[AliasEvent], current: int | None) -> None:
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    for before, after in itertools.pairwise(history):
        assert after.previous == before.version  # one line: every move starts where the last ended
    assert history[-1].version == current


@pytest.mark.slow
def test_processes_registering_one_name_get_consecutive_versions(tmp_path: Path) -> None:
    results = _run_processes(_register_worker, tmp_path)
    versions = sorted(version for _, version in results)
    assert versions == list(range(1, N_WORKERS + 1))
    with open_store(tmp_path) as store:
        registry = ModelRegistry(store)
        loaded = {registry.load("fraud", version=v)["worker"] for v in versions}
        assert loaded == set(range(N_WORKERS))


@pytest.mark.slow
def test_processes_moving_one_alias_keep_one_history(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        registry = ModelRegistry(store)
        for _ in range(3):
            registry.register("fraud", {"w": 1}, serializer="pickle")
    results = _run_processes(_alias_worker, tmp_path)
    assert sorted(seq for _, seq in results) == list(range(1, N_WORKERS * MOVES_EACH + 1))
    with open_store(tmp_path) as store:
        registry = ModelRegistry(store)
        history = registry.alias_history("fraud", "champion")
        assert len(history) == N_WORKERS * MOVES_EACH
        _check_history(history, registry.get("fraud@champion").version)


def _threads(target: Any, n: int) -> None:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            barrier.wait()
            target(worker)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_threads_registering_in_memory() -> None:
    registry = ModelRegistry("memory://")
    got: list[int] = []
    _threads(lambda w: got.append(registry.register("m", {"w": w}).version), N_WORKERS)
    assert sorted(got) == list(range(1, N_WORKERS + 1))


def test_threads_moving_an_alias_in_memory() -> None:
    registry = ModelRegistry("memory://")
    for _ in range(3):
        registry.register("m", {"w": 1}, serializer="pickle")

    def move(worker: int) -> None:
        for i in range(MOVES_EACH):
            registry.set_alias("m", "champion", 1 + (worker + i) % 3)

    _threads(move, N_WORKERS)
    history = registry.alias_history("m", "champion")
    assert len(history) == N_WORKERS * MOVES_EACH
    _check_history(history, registry.get("m@champion").version)


def test_allocation_skips_versions_taken_meanwhile(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = ModelRegistry("memory://")
    registry.register("m", {"w": 0}, serializer="pickle")
    other = ModelRegistry(registry.store)
    real = registry._last_version

    def stale(name: str) -> int:
        found = real(name)
        if found == 1:  # another writer takes 2 and 3 after we looked
            other.register("m", {"w": 2}, serializer="pickle")
            other.register("m", {"w": 3}, serializer="pickle")
        return found

    monkeypatch.setattr(registry, "_last_version", stale)
    assert registry.register("m", {"w": 4}, serializer="pickle").version == 4
    assert registry.load("m/4") == {"w": 4}


def test_concurrent_deletes_of_one_version_do_not_overwrite_each_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = ModelRegistry("memory://")
    registry.register("m", {"w": 1}, serializer="pickle")
    other = ModelRegistry(registry.store)
    real_current = registry._aliases.current

    def delete_meanwhile(name: str) -> dict[str, int]:  # after our read of the record
        other.delete_version("m", 1, reason="theirs")
        return real_current(name)

    monkeypatch.setattr(registry._aliases, "current", delete_meanwhile)
    with pytest.raises(ConflictError, match="changed while it was being deleted"):
        registry.delete_version("m", 1, reason="mine")
    deleted = other.versions("m", include_deleted=True)[0]
    assert deleted.delete_reason == "theirs"


def _two_versions() -> tuple[ModelRegistry, ModelRegistry]:
    registry = ModelRegistry("memory://")
    registry.register("m", {"w": 1}, serializer="pickle")
    registry.register("m", {"w": 2}, serializer="pickle")
    return registry, ModelRegistry(registry.store)


def test_set_alias_racing_delete_version_never_targets_a_deleted_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry, other = _two_versions()
    registry.set_alias("m", "champion", 2)
    real_resolve = registry._resolve

    def delete_after_the_check(ref: Any) -> dict[str, Any]:
        doc = real_resolve(ref)
        other.delete_version("m", 1)  # no alias points at 1 yet: the deletion is allowed
        return doc

    monkeypatch.setattr(registry, "_resolve", delete_after_the_check)
    with pytest.raises(NotFoundError, match="deleted while m@champion was being moved"):
        registry.set_alias("m", "champion", 1, actor="ci")
    monkeypatch.undo()
    assert registry.aliases("m") == {"champion": 2}  # back where it was
    events = registry.alias_history("m", "champion")
    assert [(e.action, e.previous, e.version) for e in events] == [
        ("set", None, 2),
        ("set", 2, 1),
        ("revert", 1, 2),
    ]
    assert events[-1].actor == "ci"
    # the rollback stack is as before the undone move: nothing earlier than 2
    with pytest.raises(NotFoundError, match="no earlier target"):
        registry.rollback("m", "champion")


def test_delete_version_racing_set_alias_undoes_the_deletion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry, other = _two_versions()
    real_current = registry._aliases.current
    calls = []

    def alias_set_after_the_check(name: str) -> dict[str, int]:
        calls.append(name)
        result = real_current(name)
        if len(calls) == 1:  # between delete_version's first look and its write
            other.set_alias("m", "champion", 1)
        return result

    monkeypatch.setattr(registry._aliases, "current", alias_set_after_the_check)
    with pytest.raises(ValidationError, match="champion"):
        registry.delete_version("m", 1)
    monkeypatch.undo()
    assert registry.aliases("m") == {"champion": 1}
    assert registry.get("m/1").deleted_at is None  # the deletion was undone
    assert registry.load("m@champion") == {"w": 1}


def test_when_both_sides_see_each_other_both_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # set_alias writes, delete_version writes, then each looks: both undo, nothing is lost
    registry, other = _two_versions()
    real_current = other._aliases.current
    first_look = []

    def stale_first_look(name: str) -> dict[str, int]:
        if not first_look:  # delete_version's first look ran before the alias moved
            first_look.append(name)
            return {}
        return real_current(name)

    monkeypatch.setattr(other._aliases, "current", stale_first_look)
    real_live = registry._live_doc
    looks = []

    def delete_before_the_second_look(name: str, version: int) -> dict[str, Any] | None:
        looks.append(version)
        if len(looks) == 1:  # set_alias has moved the alias and now looks at version 1
            with pytest.raises(ValidationError, match="champion"):
                other.delete_version("m", 1)  # marks it, sees the alias, undoes the mark
            return None  # ... but set_alias looked while the mark was there
        return real_live(name, version)

    monkeypatch.setattr(registry, "_live_doc", delete_before_the_second_look)
    with pytest.raises(NotFoundError, match="deleted while"):
        registry.set_alias("m", "champion", 1)
    monkeypatch.undo()
    assert first_look == ["m"]
    assert registry.aliases("m") == {}
    assert registry.get("m/1").deleted_at is None


def test_an_undone_move_never_lands_on_a_deleted_previous_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry, other = _two_versions()
    registry.register("m", {"w": 3}, serializer="pickle")
    registry.set_alias("m", "champion", 2)
    real_resolve = registry._resolve

    def delete_both(ref: Any) -> dict[str, Any]:
        doc = real_resolve(ref)
        other.delete_version("m", 3)
        return doc

    monkeypatch.setattr(registry, "_resolve", delete_both)
    real_move = registry._aliases.move

    def delete_previous_before_the_undo(*args: Any, **kwargs: Any) -> AliasEvent:
        event = real_move(*args, **kwargs)
        if event.action == "set":  # the alias left 2: 2 can be deleted now
            other.delete_version("m", 2)
        return event

    monkeypatch.setattr(registry._aliases, "move", delete_previous_before_the_undo)
    with pytest.raises(NotFoundError, match="it points nowhere"):
        registry.set_alias("m", "champion", 3)
    monkeypatch.undo()
    assert registry.aliases("m") == {}


def test_an_undo_gives_way_to_a_later_move(monkeypatch: pytest.MonkeyPatch) -> None:
    registry, other = _two_versions()
    real_resolve = registry._resolve

    def delete_then_move_on(ref: Any) -> dict[str, Any]:
        doc = real_resolve(ref)
        other.delete_version("m", 1)
        return doc

    real_live = registry._live_doc

    def someone_moves_first(name: str, version: int) -> dict[str, Any] | None:
        result = real_live(name, version)
        if result is None and registry._aliases.target("m", "champion") == 1:
            other._aliases.move(  # a raw move, as another process would make it
                "m", "champion", decide_set(2), reason=None, actor=None, retry=True
            )
        return result

    monkeypatch.setattr(registry, "_resolve", delete_then_move_on)
    monkeypatch.setattr(registry, "_live_doc", someone_moves_first)
    with pytest.raises(NotFoundError, match="another writer has moved it since"):
        registry.set_alias("m", "champion", 1)
    monkeypatch.undo()
    assert registry.aliases("m") == {"champion": 2}


def test_rollback_onto_a_version_deleted_meanwhile_is_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry, other = _two_versions()
    registry.set_alias("m", "champion", 1)
    registry.set_alias("m", "champion", 2)
    real_move = registry._aliases.move

    def delete_during_the_move(*args: Any, **kwargs: Any) -> AliasEvent:
        if not getattr(delete_during_the_move, "done", False):
            delete_during_the_move.done = True  # type: ignore[attr-defined]
            other.delete_version("m", 1)  # after rollback saw 1 alive, before it moved
            # (rollback's own liveness check already ran: replay it as it saw the world)
            return real_move(*args[:2], decide_set(1), **kwargs)
        return real_move(*args, **kwargs)

    monkeypatch.setattr(registry._aliases, "move", delete_during_the_move)
    with pytest.raises(NotFoundError, match="deleted while"):
        registry.rollback("m", "champion")
    monkeypatch.undo()
    assert registry.aliases("m") == {"champion": 2}


def test_gc_keeps_the_artifact_of_a_deletion_that_an_alias_will_undo() -> None:
    registry, _ = _two_versions()
    registry.set_alias("m", "champion", 1)
    # the moment in the race when version 1 is marked deleted and the alias is still on it
    key, doc = next(
        (k, d) for k, d in registry.store.metadata.scan(VERSIONS, "m/") if d.value["version"] == 1
    )
    marked = {**doc.value, "deleted_at": doc.value["created_at"]}
    registry.store.metadata.put(VERSIONS, key, marked, expected_revision=doc.revision)
    assert registry.gc().digests == ()
    registry.remove_alias("m", "champion")
    assert registry.gc().digests == (doc.value["digest"],)


def test_gc_keeps_the_artifact_while_a_deletion_may_still_be_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # set_alias checked 2 alive; delete_version marks 2; gc runs; the alias lands on 2;
    # delete_version's second look sees it and undoes the mark: the artifact must still be there
    registry, other = _two_versions()
    digest = registry.get("m/2").digest
    real_current = other._aliases.current
    looks: list[str] = []

    def gc_then_alias_before_the_second_look(name: str) -> dict[str, int]:
        looks.append(name)
        if len(looks) == 2:  # the mark is written, the second look is next
            assert registry.gc(dry_run=False).digests == ()  # pending: nothing collected
            registry._aliases.move(
                "m", "champion", decide_set(2), reason=None, actor=None, retry=True
            )
        return real_current(name)

    monkeypatch.setattr(other._aliases, "current", gc_then_alias_before_the_second_look)
    with pytest.raises(ValidationError, match="champion"):
        other.delete_version("m", 2)
    monkeypatch.undo()
    assert registry.aliases("m") == {"champion": 2}
    assert registry.get("m/2").deleted_at is None
    assert registry.store.blobs.exists(digest)
    assert registry.load("m@champion") == {"w": 2}


def _interrupted_deletion(registry: ModelRegistry, version: int) -> None:
    """Leave the record as a process killed between the mark and the final write does."""
    key, doc = next(
        (k, d)
        for k, d in registry.store.metadata.scan(VERSIONS, "m/")
        if d.value["version"] == version
    )
    marked = {
        **doc.value,
        "deleted_at": doc.value["created_at"],
        "delete_reason": "killed",
        "deletion_pending": True,
    }
    registry.store.metadata.put(VERSIONS, key, marked, expected_revision=doc.revision)


def test_an_interrupted_deletion_is_finished_by_deleting_again() -> None:
    registry, _ = _two_versions()
    digest = registry.get("m/1").digest
    _interrupted_deletion(registry, 1)
    assert [mv.version for mv in registry.versions("m")] == [2]  # it reads as deleted
    assert registry.gc().digests == ()  # but its artifact is kept while pending
    deleted = registry.delete_version("m", 1)
    assert deleted.delete_reason == "killed"
    assert registry.gc().digests == (digest,)
    with pytest.raises(NotFoundError, match="was deleted"):
        registry.delete_version("m", 1)


def test_an_interrupted_deletion_under_an_alias_is_undone_by_deleting_again() -> None:
    registry, _ = _two_versions()
    registry.set_alias("m", "champion", 1)
    _interrupted_deletion(registry, 1)
    with pytest.raises(ValidationError, match="champion"):
        registry.delete_version("m", 1)
    assert registry.get("m/1").deleted_at is None
    assert registry.load("m@champion") == {"w": 1}
