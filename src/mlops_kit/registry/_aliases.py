"""Aliases: a pointer per (model, alias) with a rollback stack, and an append-only history.

Storage: ``registry.aliases`` holds one document per ``name/alias`` (current target, the stack
of earlier targets that ``rollback`` pops, the sequence number and the last event); every move
is a compare-and-swap of that document. ``registry.alias_history`` holds one document per event,
keyed ``name/alias/000000007`` and written by conditional create, so history is append-only.
The writer that wins the swap writes the event; if it dies in between, the next writer (or a
reader) restores the event from the alias document, so the history never has a gap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mlops_kit.exceptions import ConflictError, NotFoundError
from mlops_kit.protocols import MetadataStore
from mlops_kit.registry._common import check_schema, header
from mlops_kit.registry._records import AliasEvent

__all__ = ["ALIASES", "HISTORY", "AliasBook", "AlreadyMoved", "decide_revert"]

ALIASES = "registry.aliases"
HISTORY = "registry.alias_history"
_RETRIES = 100

# (state) -> (new target, new stack, action)
Decision = Callable[[dict[str, Any]], tuple[int | None, list[int], str]]


def _history_key(name: str, alias: str, seq: int) -> str:
    return f"{name}/{alias}/{seq:09d}"


class AliasBook:
    """The alias operations of a registry, on its metadata store."""

    def __init__(self, metadata: MetadataStore, clock: Callable[[], datetime]) -> None:
        self.metadata = metadata
        self.clock = clock

    def state(self, name: str, alias: str) -> dict[str, Any] | None:
        """The alias document, or ``None`` when the alias was never set."""
        doc = self.metadata.get(ALIASES, f"{name}/{alias}")
        if doc is None:
            return None
        check_schema(doc.value, f"The alias {name}@{alias}")
        return doc.value

    def target(self, name: str, alias: str) -> int | None:
        """The version the alias points at, or ``None``."""
        state = self.state(name, alias)
        return None if state is None else state.get("version")

    def current(self, name: str) -> dict[str, int]:
        """Every alias of a model that points somewhere, with its target."""
        result = {}
        for _, doc in self.metadata.scan(ALIASES, f"{name}/"):
            if doc.value.get("version") is not None:
                result[doc.value["alias"]] = doc.value["version"]
        return result

    def all_current(self) -> dict[str, dict[str, int]]:
        """``{name: {alias: version}}`` for every model, in one scan."""
        result: dict[str, dict[str, int]] = {}
        for _, doc in self.metadata.scan(ALIASES):
            if doc.value.get("version") is not None:
                result.setdefault(doc.value["name"], {})[doc.value["alias"]] = doc.value["version"]
        return result

    def known(self, name: str) -> list[str]:
        """The aliases ever set on a model, current or removed."""
        return [doc.value["alias"] for _, doc in self.metadata.scan(ALIASES, f"{name}/")]

    def move(
        self,
        name: str,
        alias: str,
        decide: Decision,
        *,
        reason: str | None,
        actor: str | None,
        retry: bool,
    ) -> AliasEvent:
        """Compare-and-swap the alias document with ``decide``'s outcome, then log the event."""
        key = f"{name}/{alias}"
        for _ in range(_RETRIES):
            doc = self.metadata.get(ALIASES, key)
            if doc is None:
                state: dict[str, Any] = {"version": None, "seq": 0, "stack": []}
            else:
                state = doc.value
                check_schema(state, f"The alias {name}@{alias}")
                self._restore_last_event(state)
            version, stack, action = decide(state)
            event = AliasEvent(
                name=name,
                alias=alias,
                seq=state["seq"] + 1,
                action=action,
                previous=state["version"],
                version=version,
                time=self.clock(),
                reason=reason,
                actor=actor,
            )
            value = {
                **header(),
                "name": name,
                "alias": alias,
                "version": version,
                "seq": event.seq,
                "stack": stack,
                "last_event": event.to_dict(),
            }
            try:
                self.metadata.put(
                    ALIASES, key, value, expected_revision=0 if doc is None else doc.revision
                )
            except ConflictError:
                if retry:
                    continue
                raise ConflictError(
                    f"{name}@{alias} was moved by someone else meanwhile; read "
                    f"registry.alias_history({name!r}, {alias!r}) and decide again."
                ) from None
            self._log(event.to_dict())
            return event
        raise ConflictError(  # pragma: no cover - needs 100 lost races in a row
            f"Could not move {name}@{alias}: {_RETRIES} concurrent moves won in a row; retry."
        )

    def _log(self, event: dict[str, Any]) -> None:
        key = _history_key(event["name"], event["alias"], event["seq"])
        # a conflict means another writer already restored this very event
        with contextlib.suppress(ConflictError):
            self.metadata.put(HISTORY, key, {**header(), **event}, expected_revision=0)

    def _restore_last_event(self, state: dict[str, Any]) -> None:
        last = state.get("last_event")
        if last is None:
            return
        key = _history_key(last["name"], last["alias"], last["seq"])
        if self.metadata.get(HISTORY, key) is None:
            self._log(last)

    def history(self, name: str, alias: str) -> list[AliasEvent]:
        """Every event of the alias, oldest first (restoring a last event not yet logged)."""
        events = []
        for _, doc in self.metadata.scan(HISTORY, f"{name}/{alias}/"):
            check_schema(doc.value, f"The history of {name}@{alias}")
            events.append(AliasEvent.from_dict(doc.value))
        state = self.state(name, alias)
        last = None if state is None else state.get("last_event")
        if last is not None and (not events or events[-1].seq < last["seq"]):
            events.append(AliasEvent.from_dict(last))
        return events


def decide_set(version: int) -> Decision:
    """Point the alias at ``version``; the previous target goes onto the rollback stack."""

    def decide(state: dict[str, Any]) -> tuple[int | None, list[int], str]:
        stack = list(state["stack"])
        previous = state["version"]
        if previous is not None and previous != version:
            stack.append(previous)
        return version, stack, "set"

    return decide


def decide_remove(name: str, alias: str) -> Decision:
    """Point the alias nowhere; ``rollback`` can restore the removed target."""

    def decide(state: dict[str, Any]) -> tuple[int | None, list[int], str]:
        previous = state["version"]
        if previous is None:
            raise NotFoundError(
                f"The alias {name}@{alias} points at no version: nothing to remove."
            )
        return None, [*state["stack"], previous], "remove"

    return decide


def decide_rollback(name: str, alias: str, is_live: Callable[[int], bool]) -> Decision:
    """Pop the rollback stack down to the most recent earlier target that still exists."""

    def decide(state: dict[str, Any]) -> tuple[int | None, list[int], str]:
        stack = list(state["stack"])
        while stack:
            candidate = stack.pop()
            if candidate != state["version"] and is_live(candidate):
                return candidate, stack, "rollback"
        raise NotFoundError(
            f"{name}@{alias} has no earlier target to roll back to (currently "
            f"{'nothing' if state['version'] is None else state['version']}); see "
            f"registry.alias_history({name!r}, {alias!r})."
        )

    return decide


class AlreadyMoved(Exception):
    """Raised by :func:`decide_revert` when the alias no longer points at the version to undo."""


def decide_revert(event: AliasEvent, is_live: Callable[[int], bool]) -> Decision:
    """Undo ``event``, a move onto a version deleted meanwhile: back to the previous target.

    The previous target comes off the rollback stack again; if it was deleted too, the alias
    points nowhere (never at a deleted version). Raises :class:`AlreadyMoved` when another
    writer has moved the alias away already, leaving nothing to undo.
    """

    def decide(state: dict[str, Any]) -> tuple[int | None, list[int], str]:
        if state["version"] != event.version:
            raise AlreadyMoved
        stack = list(state["stack"])
        previous = event.previous
        if previous is not None and stack and stack[-1] == previous:
            stack.pop()
        target = previous if previous is not None and is_live(previous) else None
        return target, stack, "revert"

    return decide
