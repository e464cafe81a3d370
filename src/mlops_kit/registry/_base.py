"""The shared state and lookups of a model registry; the public methods live in mixins."""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from mlops_kit.exceptions import (
    ConflictError,
    NotFoundError,
    ValidationError,
)
from mlops_kit.protocols import BlobStore, MetadataStore
from mlops_kit.registry._aliases import AliasBook
from mlops_kit.registry._common import (
    check_schema,
    format_time,
    header,
    utc_now,
)
from mlops_kit.registry._names import (
    ModelRef,
    check_alias,
    check_name,
    parse_ref,
    version_key,
)
from mlops_kit.registry._records import ModelVersion, RegisteredModel

__all__ = ["MODELS", "VERSIONS", "RegistryBase", "check_text", "listing"]

MODELS = "registry.models"
VERSIONS = "registry.versions"


def listing(names: Sequence[str], limit: int = 10) -> str:
    """Quoted names, comma-separated, at most ``limit`` of them."""
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_text(value: object, what: str) -> None:
    """Refuse a ``reason``/``actor``-like argument that is neither a string nor ``None``."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"The {what!r} parameter must be a string. Got {value!r} instead.")


class RegistryBase:
    """State and internal lookups shared by the registry's method groups."""

    def __init__(
        self,
        store: Any,
        *,
        allow_pickle: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(store, (str, os.PathLike)):
            from mlops_kit.storage import open_store

            store = open_store(store)
        blobs = getattr(store, "blobs", None)
        metadata = getattr(store, "metadata", None)
        if not isinstance(blobs, BlobStore) or not isinstance(metadata, MetadataStore):
            raise ValidationError(
                "The 'store' parameter of ModelRegistry must be a Store (with 'blobs' and "
                "'metadata'), a folder or a URL: build one with mlops_kit.open_store(...). "
                f"Got {type(store).__name__} instead."
            )
        if not isinstance(allow_pickle, bool):
            raise ValidationError(
                "The 'allow_pickle' parameter of ModelRegistry must be a bool. "
                f"Got {allow_pickle!r} instead."
            )
        if clock is not None and not callable(clock):
            raise ValidationError(
                f"The 'clock' parameter of ModelRegistry must be callable. Got {clock!r} instead."
            )
        self.store = store
        self.allow_pickle = allow_pickle
        self.clock = clock
        self._blobs: BlobStore = blobs
        self._metadata: MetadataStore = metadata
        self._aliases = AliasBook(metadata, self._now)

    def __repr__(self) -> str:
        return f"ModelRegistry({self.store!r})"

    def _now(self) -> datetime:
        moment = utc_now() if self.clock is None else self.clock()
        if moment.tzinfo is None:
            raise ValidationError("The registry's clock must return timezone-aware datetimes.")
        return moment

    def _ensure_model(self, name: str, now: datetime) -> None:
        if self._metadata.get(MODELS, name) is None:
            value = {
                **header(),
                "name": name,
                "created_at": format_time(now),
                "description": None,
                "tags": {},
            }
            with contextlib.suppress(ConflictError):  # created concurrently: the same empty record
                self._metadata.put(MODELS, name, value, expected_revision=0)

    def _version_exists(self, name: str, version: int) -> bool:
        return self._metadata.get(VERSIONS, version_key(name, version)) is not None

    def _last_version(self, name: str) -> int:
        """The highest version number ever allocated (versions are dense: 1..n)."""
        if not self._version_exists(name, 1):
            return 0
        low, high = 1, 2
        while self._version_exists(name, high):
            low, high = high, high * 2
        while high - low > 1:  # invariant: low exists, high does not
            middle = (low + high) // 2
            if self._version_exists(name, middle):
                low = middle
            else:
                high = middle
        return low

    def _model_doc(self, name: str) -> dict[str, Any]:
        doc = self._metadata.get(MODELS, name)
        if doc is None:
            raise self._unknown_model(name)
        check_schema(doc.value, f"The record of model {name!r}")
        return doc.value

    def _unknown_model(self, name: str) -> NotFoundError:
        known = [key for key, _ in self._metadata.scan(MODELS)]
        if not known:
            return NotFoundError(
                f"No model named {name!r}: the registry is empty. Register one with "
                "registry.register(name, model)."
            )
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return NotFoundError(f"No model named {name!r}.{hint} Known models: {listing(known)}.")

    def _version_doc(self, name: str, version: int) -> dict[str, Any] | None:
        doc = self._metadata.get(VERSIONS, version_key(name, version))
        if doc is None:
            return None
        check_schema(doc.value, f"The record of {name}/{version}")
        return doc.value

    def _live_doc(self, name: str, version: int) -> dict[str, Any] | None:
        """The record of a version that exists and is not deleted, else ``None``."""
        doc = self._version_doc(name, version)
        return doc if doc is not None and doc.get("deleted_at") is None else None

    def _latest_live(self, name: str) -> dict[str, Any] | None:
        """The record of the newest version that is not deleted, or ``None``."""
        for version in range(self._last_version(name), 0, -1):
            doc = self._live_doc(name, version)
            if doc is not None:
                return doc
        return None

    def _version_error(
        self, name: str, version: int, doc: Mapping[str, Any] | None
    ) -> NotFoundError:
        """Why ``name/version`` is unusable: it does not exist (``doc`` None) or was deleted."""
        if doc is not None:
            return NotFoundError(
                f"Version {version} of {name!r} was deleted at {doc['deleted_at']}; its number "
                "stays taken. See registry.versions(name, include_deleted=True)."
            )
        self._model_doc(name)
        last = self._last_version(name)
        return NotFoundError(
            f"Model {name!r} has no version {version}; its versions are 1 to {last}."
            if last
            else f"Model {name!r} has no version {version}: it has no versions yet."
        )

    def _resolve(self, ref: ModelRef) -> dict[str, Any]:
        name = ref.name
        if ref.alias is not None:
            version = self._aliases.target(name, ref.alias)
            if version is None:
                self._model_doc(name)
                aliases = self._aliases.current(name)
                known = (
                    "its aliases are " + ", ".join(f"{a!r} (-> {v})" for a, v in aliases.items())
                    if aliases
                    else f"it has none; set one with registry.set_alias({name!r}, ...)"
                )
                raise NotFoundError(f"Model {name!r} has no alias {ref.alias!r}; {known}.")
        elif ref.version is not None:
            version = ref.version
        else:
            latest = self._latest_live(name)
            if latest is None:
                self._model_doc(name)
                raise NotFoundError(f"Model {name!r} has no version left (all were deleted).")
            return latest
        doc = self._version_doc(name, version)
        if doc is None or doc.get("deleted_at") is not None:
            raise self._version_error(name, version, doc)
        return doc

    def _registered(self, doc: Mapping[str, Any], aliases: dict[str, int]) -> RegisteredModel:
        latest = self._latest_live(doc["name"])
        return RegisteredModel.from_dict(
            {
                **doc,
                "latest_version": None if latest is None else latest["version"],
                "aliases": aliases,
            }
        )

    def _check_alias_exists(self, name: str, alias: str) -> None:
        check_name(name)
        check_alias(alias)
        if self._aliases.state(name, alias) is None:
            self._model_doc(name)
            known = self._aliases.known(name)
            text = f"its aliases are {listing(known)}" if known else "it has none"
            raise NotFoundError(f"Model {name!r} has no alias {alias!r}; {text}.")

    def get(
        self,
        ref: str | ModelVersion,
        *,
        version: int | None = None,
        alias: str | None = None,
    ) -> ModelVersion:
        """The record of a version: ``"name@alias"``, ``"name/3"``, ``"name"`` (the latest).

        Parameters
        ----------
        ref
            A reference, a bare name with ``version=`` or ``alias=``, or a ModelVersion
            (read again, so a deletion shows).
        version, alias
            With a bare name only.

        Raises
        ------
        NotFoundError
            Naming the models, versions or aliases that do exist.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from mlops_kit.registry import ModelRegistry
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> registry.get("churn").ref, registry.get("churn", version=1).ref
        ('churn/1', 'churn/1')
        >>> registry.get("churn@champion")
        Traceback (most recent call last):
        ...
        mlops_kit.exceptions.NotFoundError: Model 'churn' has no alias 'champion'; it has none; ...
        """
        if isinstance(ref, ModelVersion):
            ref = ref.ref
        return ModelVersion.from_dict(self._resolve(parse_ref(ref, version=version, alias=alias)))
