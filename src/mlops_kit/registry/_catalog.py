"""Reading many versions, model records, search, deletion, gc and lineage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mlops_kit.exceptions import (
    ConflictError,
    ValidationError,
)
from mlops_kit.registry import _lineage
from mlops_kit.registry._base import MODELS, VERSIONS, RegistryBase, check_text, listing
from mlops_kit.registry._common import (
    check_schema,
    check_tags,
    format_time,
    header,
)
from mlops_kit.registry._names import (
    check_name,
    check_version,
    parse_ref,
    version_key,
)
from mlops_kit.registry._records import GCReport, ModelVersion, RegisteredModel
from mlops_kit.registry._search import build_filter, order_versions

__all__ = ["CatalogMethods"]


# a version record marked deleted whose deletion may still be undone (see delete_version)
_PENDING = "deletion_pending"


class CatalogMethods(RegistryBase):
    """The catalogue methods of :class:`~mlops_kit.registry.ModelRegistry`."""

    def versions(self, name: str, *, include_deleted: bool = False) -> list[ModelVersion]:
        """Every version of a model, oldest first.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
        >>> _ = registry.register("churn", model); _ = registry.register("churn", model)
        >>> [mv.version for mv in registry.versions("churn")]
        [1, 2]
        """
        check_name(name)
        self._model_doc(name)
        result = []
        for _, doc in self._metadata.scan(VERSIONS, f"{name}/"):
            check_schema(doc.value, f"A version of {name!r}")
            if include_deleted or doc.value.get("deleted_at") is None:
                result.append(ModelVersion.from_dict(doc.value))
        return result

    def model(self, name: str) -> RegisteredModel:
        """The model-level record: description, tags, latest version, current aliases.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> registry.model("churn").latest_version
        1
        """
        check_name(name)
        return self._registered(self._model_doc(name), self._aliases.current(name))

    def models(self) -> list[RegisteredModel]:
        """Every model of the registry, by name.

        Examples
        --------
        >>> from mlops_kit.registry import ModelRegistry
        >>> ModelRegistry("memory://").models()
        []
        """
        aliases = self._aliases.all_current()
        return [
            self._registered(doc.value, aliases.get(key, {}))
            for key, doc in self._metadata.scan(MODELS)
        ]

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str | None] | None = None,
    ) -> RegisteredModel:
        """Set a model's description and merge its tags (a ``None`` value removes a tag).

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> registry.update_model("churn", description="who leaves", tags={"team": "growth"}).tags
        {'team': 'growth'}
        """
        check_name(name)
        if description is not None and not isinstance(description, str):
            raise ValidationError(
                f"The 'description' parameter must be a string. Got {description!r} instead."
            )
        removals = [key for key, value in (tags or {}).items() if value is None]
        updates = check_tags(
            {k: v for k, v in (tags or {}).items() if v is not None}
            if isinstance(tags, Mapping)
            else tags
        )
        while True:
            doc = self._metadata.get(MODELS, name)
            if doc is None:
                raise self._unknown_model(name)
            value = dict(doc.value)
            merged = {**value.get("tags", {}), **updates}
            for key in removals:
                merged.pop(key, None)
            value.update(header(), tags=merged)
            if description is not None:
                value["description"] = description
            try:
                self._metadata.put(MODELS, name, value, expected_revision=doc.revision)
            except ConflictError:
                continue
            return self.model(name)

    def search(
        self,
        name: str | None = None,
        *,
        tags: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        include_deleted: bool = False,
    ) -> list[ModelVersion]:
        """Versions matching every filter, ordered.

        Parameters
        ----------
        name
            One model, or ``None`` for all.
        tags
            ``{tag: value}`` equality, or ``{tag: function}``.
        metrics
            ``{metric: condition}``: a number (equality), ``">= 0.9"`` (operators ``>=``,
            ``<=``, ``>``, ``<``, ``==``, ``!=``), an ``(operator, number)`` tuple or a function
            of the value. A version without the metric does not match.
        params
            ``{param: value}`` equality (compared as recorded), or ``{param: function}``.
        order_by
            A key or a list of keys: ``name``, ``version``, ``created_at``, ``size``,
            ``metrics.<m>``, ``params.<p>``, ``tags.<t>``; a leading ``-`` sorts descending.
            Versions without the key come last. Default: by name, then version.
        limit
            Keep the first ``limit`` versions.
        include_deleted
            Include deleted versions.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
        >>> for auc in (0.81, 0.93, 0.88):
        ...     _ = registry.register("fraud", model, metrics={"roc_auc": auc})
        >>> [mv.version for mv in registry.search("fraud", metrics={"roc_auc": ">= 0.85"},
        ...                                      order_by="-metrics.roc_auc")]
        [2, 3]
        """
        keep = build_filter(tags=tags, metrics=metrics, params=params)
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValidationError(
                f"The 'limit' parameter of search must be a positive int. Got {limit!r} instead."
            )
        if name is None:
            found = [ModelVersion.from_dict(doc.value) for _, doc in self._metadata.scan(VERSIONS)]
            if not include_deleted:
                found = [mv for mv in found if mv.deleted_at is None]
        else:
            found = self.versions(name, include_deleted=include_deleted)
        ordered = order_versions((mv for mv in found if keep(mv)), order_by)
        return ordered if limit is None else ordered[:limit]

    def delete_version(self, name: str, version: int, *, reason: str | None = None) -> ModelVersion:
        """Delete a version; refused while an alias points at it. Its number is never reused.

        The record stays, marked deleted, and its artifact becomes collectable by :meth:`gc`.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
        >>> _ = registry.register("churn", model)
        >>> registry.delete_version("churn", 1).deleted_at is not None
        True
        >>> registry.register("churn", model).version
        2
        """
        check_name(name)
        check_version(version)
        check_text(reason, "reason")
        key = version_key(name, version)
        doc = self._metadata.get(VERSIONS, key)  # read once: its revision guards the update
        pending = doc is not None and doc.value.get(_PENDING) is True
        if doc is None or (doc.value.get("deleted_at") is not None and not pending):
            raise self._version_error(name, version, None if doc is None else doc.value)
        check_schema(doc.value, f"The record of {name}/{version}")
        # Two phases: marked deleted but pending (gc keeps the artifact), look for aliases
        # again, then final. An alias that moved onto the version between the first look and
        # the mark is seen by the second look (set_alias does the mirror image) and the mark is
        # undone; a deletion interrupted before it is final is finished by calling this again.
        live = {k: v for k, v in doc.value.items() if k != _PENDING}
        if pending:
            marked, revision = doc.value, doc.revision
            live.update(deleted_at=None, delete_reason=None)
        else:
            self._refuse_if_aliased(name, version)
            stamp = format_time(self._now())
            marked = {**live, "deleted_at": stamp, "delete_reason": reason, _PENDING: True}
            revision = self._put_during_delete(name, version, marked, doc.revision)
        try:
            self._refuse_if_aliased(name, version)
        except ValidationError:
            self._put_during_delete(name, version, live, revision)
            raise
        final = {k: v for k, v in marked.items() if k != _PENDING}
        self._put_during_delete(name, version, final, revision)
        return ModelVersion.from_dict(final)

    def _put_during_delete(
        self, name: str, version: int, value: dict[str, Any], revision: int
    ) -> int:
        try:
            return self._metadata.put(
                VERSIONS, version_key(name, version), value, expected_revision=revision
            )
        except ConflictError:
            raise ConflictError(
                f"{name}/{version} changed while it was being deleted (deleted concurrently?); "
                "see registry.versions(name, include_deleted=True) and retry."
            ) from None

    def _refuse_if_aliased(self, name: str, version: int) -> None:
        pointing = sorted(a for a, v in self._aliases.current(name).items() if v == version)
        if pointing:
            raise ValidationError(
                f"Cannot delete {name}/{version}: the alias(es) {listing(pointing)} point at it. "
                "Move them with set_alias or remove them with remove_alias first."
            )

    def gc(self, *, dry_run: bool = True) -> GCReport:
        """Find the artifact blobs of deleted versions that no live version shares.

        Only blobs the registry wrote for versions since deleted are considered; blobs of
        other primitives sharing the store are never touched. Nothing is deleted unless
        ``dry_run=False``.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> mv = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> _ = registry.delete_version("churn", 1)
        >>> registry.gc().bytes == mv.size
        True
        """
        if not isinstance(dry_run, bool):
            raise ValidationError(f"The 'dry_run' parameter must be a bool. Got {dry_run!r}.")
        live: set[str] = set()
        dead: dict[str, int] = {}
        deleted: list[tuple[str, int, str]] = []
        for _, doc in self._metadata.scan(VERSIONS):
            if doc.value.get("deleted_at") is None or doc.value.get(_PENDING) is True:
                live.add(doc.value["digest"])  # a pending deletion may still be undone
            else:
                dead[doc.value["digest"]] = doc.value["size"]
                deleted.append((doc.value["name"], doc.value["version"], doc.value["digest"]))
        # Read after the records: a deletion that a concurrent set_alias is about to make
        # delete_version undo still has its alias then, and its artifact is kept.
        aliased = {
            (name, version)
            for name, targets in self._aliases.all_current().items()
            for version in targets.values()
        }
        live.update(digest for name, version, digest in deleted if (name, version) in aliased)
        garbage = sorted(d for d in dead if d not in live and self._blobs.exists(d))
        if not dry_run:
            for digest in garbage:
                self._blobs.delete(digest)
        return GCReport(
            digests=tuple(garbage), bytes=sum(dead[d] for d in garbage), dry_run=dry_run
        )

    def lineage(self, ref: str | ModelVersion, *, depth: int | None = None) -> _lineage.Lineage:
        """Where a version comes from: its parent models, its data version and their parents.

        Parameters
        ----------
        ref
            As for :meth:`get`.
        depth
            How many generations to follow (``None``: all).

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
        >>> _ = registry.register("churn", model, data_version="1f" * 32)
        >>> _ = registry.register("churn", model, parent="churn/1")
        >>> [mv.ref for mv in registry.lineage("churn/2").parents]
        ['churn/1']
        """
        mv = self.get(ref)
        if depth is not None and (
            isinstance(depth, bool) or not isinstance(depth, int) or depth < 0
        ):
            raise ValidationError(f"The 'depth' parameter must be an int >= 0. Got {depth!r}.")
        parents: list[ModelVersion] = []
        current = mv
        while current.parent is not None and (depth is None or len(parents) < depth):
            parent_ref = parse_ref(current.parent)
            assert parent_ref.version is not None
            doc = self._version_doc(parent_ref.name, parent_ref.version)
            if doc is None:
                break
            current = ModelVersion.from_dict(doc)
            parents.append(current)
        return _lineage.build(self.store, mv, tuple(parents), depth)
