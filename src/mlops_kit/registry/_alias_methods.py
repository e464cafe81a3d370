"""Alias methods of the registry: set, remove, roll back, history."""

from __future__ import annotations

from collections.abc import Callable

from mlops_kit.exceptions import NotFoundError
from mlops_kit.registry._aliases import (
    AlreadyMoved,
    decide_remove,
    decide_revert,
    decide_rollback,
    decide_set,
)
from mlops_kit.registry._base import RegistryBase, check_text
from mlops_kit.registry._names import (
    ModelRef,
    check_alias,
    check_name,
    check_version,
)
from mlops_kit.registry._records import AliasEvent

__all__ = ["AliasMethods"]


class AliasMethods(RegistryBase):
    """The alias methods of :class:`~mlops_kit.registry.ModelRegistry`."""

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int,
        *,
        reason: str | None = None,
        actor: str | None = None,
    ) -> AliasEvent:
        """Point ``alias`` at a version; the move is appended to the alias's history.

        A concurrent move is retried on top of the winner's, so the history stays a single
        line. The previous target is remembered for :meth:`rollback`.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> print(registry.set_alias("churn", "champion", 1, reason="first", actor="ci").action)
        set
        """
        check_name(name)
        check_alias(alias)
        check_version(version)
        check_text(reason, "reason")
        check_text(actor, "actor")
        self._resolve(ModelRef(name=name, version=version))
        event = self._aliases.move(
            name, alias, decide_set(version), reason=reason, actor=actor, retry=True
        )
        return self._settle(event)

    def remove_alias(
        self, name: str, alias: str, *, reason: str | None = None, actor: str | None = None
    ) -> AliasEvent:
        """Make ``alias`` point nowhere (recorded; :meth:`rollback` can restore it).

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> _ = registry.set_alias("churn", "staging", 1)
        >>> registry.remove_alias("churn", "staging").version is None
        True
        """
        self._check_alias_exists(name, alias)
        check_text(reason, "reason")
        check_text(actor, "actor")
        return self._aliases.move(
            name, alias, decide_remove(name, alias), reason=reason, actor=actor, retry=True
        )

    def rollback(
        self, name: str, alias: str, *, reason: str | None = None, actor: str | None = None
    ) -> AliasEvent:
        """Move ``alias`` back to its target before the current one; repeat to step further.

        Deleted versions are skipped. Raises :class:`~mlops_kit.exceptions.NotFoundError`
        with nothing to go back to, and :class:`~mlops_kit.exceptions.ConflictError` if the
        alias moved concurrently (rolling back twice by accident is worse than retrying).

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
        >>> for _ in range(2):
        ...     mv = registry.register("churn", model)
        ...     _ = registry.set_alias("churn", "champion", mv.version)
        >>> registry.rollback("churn", "champion", reason="bad release").version
        1
        """
        self._check_alias_exists(name, alias)
        check_text(reason, "reason")
        check_text(actor, "actor")
        decide = decide_rollback(name, alias, self._is_live(name))
        event = self._aliases.move(name, alias, decide, reason=reason, actor=actor, retry=False)
        return self._settle(event)

    def _is_live(self, name: str) -> Callable[[int], bool]:
        return lambda version: self._live_doc(name, version) is not None

    def _settle(self, event: AliasEvent) -> AliasEvent:
        """Check, after the move, that its target was not deleted meanwhile; undo it if it was.

        ``delete_version`` marks a version deleted and *then* looks for aliases on it, undoing
        the deletion if it finds one; a move does the mirror image. Whichever of the two writes
        comes second, its own check sees the first, so an alias never stays on a deleted
        version (at worst both give up, and both are told to retry).
        """
        version = event.version
        if version is None or self._live_doc(event.name, version) is not None:
            return event
        where = f"{event.name}@{event.alias}"
        try:
            undo = self._aliases.move(
                event.name,
                event.alias,
                decide_revert(event, self._is_live(event.name)),
                reason=f"version {version} was deleted while {where} moved to it",
                actor=event.actor,
                retry=True,
            )
        except AlreadyMoved:
            back = "another writer has moved it since"
        else:
            self._settle(undo)  # its target may have been deleted meanwhile too
            back = "it points nowhere" if undo.version is None else f"it is back on {undo.version}"
        raise NotFoundError(
            f"{event.name}/{version} was deleted while {where} was being moved to it, so the "
            f"move was undone: {back}. See registry.alias_history({event.name!r}, "
            f"{event.alias!r})."
        )

    def alias_history(self, name: str, alias: str) -> list[AliasEvent]:
        """Every move of an alias, oldest first: time, previous and new target, reason, actor.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> _ = registry.set_alias("churn", "champion", 1, reason="first")
        >>> [(e.previous, e.version, e.reason) for e in registry.alias_history("churn", "champion")]
        [(None, 1, 'first')]
        """
        self._check_alias_exists(name, alias)
        return self._aliases.history(name, alias)

    def aliases(self, name: str) -> dict[str, int]:
        """The current aliases of a model and their target versions.

        Examples
        --------
        >>> from mlops_kit.registry import ModelRegistry
        >>> ModelRegistry("memory://").aliases("churn")
        Traceback (most recent call last):
        ...
        mlops_kit.exceptions.NotFoundError: No model named 'churn': the registry is empty. ...
        """
        check_name(name)
        self._model_doc(name)
        return self._aliases.current(name)
