"""ModelRegistry: versions, aliases with history and rollback, lineage, verified loading."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from mlops_kit.exceptions import (
    ConflictError,
    IntegrityError,
    NotFoundError,
    UntrustedArtifactError,
    ValidationError,
)
from mlops_kit.protocols import Serializer
from mlops_kit.registry import _lineage
from mlops_kit.registry._alias_methods import AliasMethods
from mlops_kit.registry._base import VERSIONS
from mlops_kit.registry._catalog import CatalogMethods
from mlops_kit.registry._common import (
    check_metrics,
    check_params,
    check_tags,
    format_time,
    header,
)
from mlops_kit.registry._environment import capture_environment, compare_environment
from mlops_kit.registry._names import (
    check_name,
    version_key,
)
from mlops_kit.registry._records import ModelVersion
from mlops_kit.registry._serializers import choose_serializer, get_serializer
from mlops_kit.registry._signature import Signature

__all__ = ["ModelRegistry"]

_PICKLE_FORMATS = frozenset({"pickle", "joblib"})
_SERIALIZER_MODULES = {"skops": "skops", "joblib": "joblib"}


class ModelRegistry(AliasMethods, CatalogMethods):
    """Model versions, aliases with history and rollback, lineage and verified loading.

    Everything lives in a :class:`~mlops_kit.storage.Store`: artifacts as content-addressed
    blobs, records as documents in the ``registry.*`` collections. Version numbers are
    allocated by conditional create, so concurrent writers, threads or processes, never share
    one; every alias move is appended to the alias's history. An artifact is deserialized only
    after its bytes match the digest recorded at registration.

    Parameters
    ----------
    store
        A :class:`~mlops_kit.storage.Store` (or any object with ``blobs`` and ``metadata``),
        or a URL / folder given to :func:`~mlops_kit.storage.open_store`.
    allow_pickle
        Whether pickle-based artifacts (``pickle``, ``joblib``) may be loaded. Their digest is
        verified either way; set ``False`` when other people can register models.
    clock
        Returns the current UTC-aware time; inject one in tests.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlops_kit.storage import open_store
    >>> registry = ModelRegistry(open_store("memory://"))
    >>> model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> mv = registry.register("fraud", model, metrics={"roc_auc": 0.93})
    >>> mv.ref, mv.serializer
    ('fraud/1', 'skops')
    >>> registry.set_alias("fraud", "champion", 1, reason="first model").version
    1
    >>> registry.load("fraud@champion").predict([[1.0]])
    array([1])
    """

    def register(
        self,
        name: str,
        model: Any,
        *,
        data_version: Any = None,
        metrics: Mapping[str, float] | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        parent: str | ModelVersion | None = None,
        input_example: Any = None,
        signature: Signature | None = None,
        description: str | None = None,
        serializer: str | Serializer | None = None,
    ) -> ModelVersion:
        """Store a model as the next version of ``name`` and return its record.

        Every argument is checked before anything is written. The version number is allocated
        by creating its record conditionally, retried on conflict: concurrent registrations
        get distinct, consecutive numbers.

        Parameters
        ----------
        name
            The model's name: 1 to 200 letters, digits, ``.``, ``_`` or ``-``.
        model
            The fitted model.
        data_version
            The :class:`~mlops_kit.DataVersion` it was trained on, or its id. When the store
            holds data versions, the id must be one of them.
        metrics
            Finite numbers, such as ``{"roc_auc": 0.93}``.
        params
            Hyper-parameters, such as ``model.get_params()``; values that are not JSON are
            recorded as their ``repr``.
        tags
            String labels, searchable.
        parent
            The model version this one derives from (a reference or a ModelVersion).
        input_example
            A few input rows; only the :class:`Signature` inferred from them is stored.
        signature
            An explicit signature instead of ``input_example``.
        description
            Free text about this version.
        serializer
            A registered format name or a Serializer; by default ``skops`` for scikit-learn
            objects that skops loads without extra trust, otherwise ``joblib``.

        Returns
        -------
        ModelVersion

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> registry = ModelRegistry("memory://")
        >>> mv = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]),
        ...                        params={"strategy": "prior"}, tags={"team": "growth"})
        >>> mv.version, mv.tags
        (1, {'team': 'growth'})
        """
        check_name(name)
        checked_metrics = check_metrics(metrics)
        checked_params = check_params(params)
        checked_tags = check_tags(tags)
        if description is not None and not isinstance(description, str):
            raise ValidationError(
                f"The 'description' parameter must be a string. Got {description!r} instead."
            )
        if signature is not None and input_example is not None:
            raise ValidationError("Pass 'signature' or 'input_example', not both.")
        if signature is None and input_example is not None:
            signature = Signature.infer(input_example)
        elif signature is not None and not isinstance(signature, Signature):
            raise ValidationError(
                f"The 'signature' parameter must be a Signature. Got {signature!r} instead."
            )
        parent_ref = None if parent is None else self.get(parent).ref
        data_id, data_name = _lineage.resolve_data_version(self.store, data_version)
        chosen, payload = choose_serializer(model, serializer)
        environment = capture_environment(model, _SERIALIZER_MODULES.get(chosen.name))
        digest = self._blobs.put(payload)
        now = self._now()
        self._ensure_model(name, now)
        model_class = type(model)
        body = {
            **header(),
            "name": name,
            "digest": digest,
            "size": len(payload),
            "serializer": chosen.name,
            "model_type": f"{model_class.__module__}.{model_class.__qualname__}",
            "created_at": format_time(now),
            "data_version": data_id,
            "data_name": data_name,
            "parent": parent_ref,
            "metrics": checked_metrics,
            "params": checked_params,
            "tags": checked_tags,
            "signature": None if signature is None else signature.to_dict(),
            "environment": environment,
            "description": description,
            "deleted_at": None,
        }
        version = self._last_version(name) + 1
        while True:
            body["version"] = version
            try:
                self._metadata.put(VERSIONS, version_key(name, version), body, expected_revision=0)
                break
            except ConflictError:
                version += 1
        if not self._blobs.exists(digest):  # a concurrent gc removed identical bytes
            self._blobs.put(payload)
        return ModelVersion.from_dict(body)

    def load(
        self,
        ref: str | ModelVersion,
        *,
        version: int | None = None,
        alias: str | None = None,
        trusted: Sequence[str] | None = None,
        serializer: Serializer | None = None,
    ) -> Any:
        """Load a model after verifying its bytes against the recorded digest.

        Parameters
        ----------
        ref, version, alias
            As for :meth:`get`.
        trusted
            Extra type names a ``skops`` artifact may contain (see
            :meth:`SkopsSerializer.untrusted_types`).
        serializer
            A Serializer to use instead of the one registered under the recorded name.

        Raises
        ------
        IntegrityError
            The stored bytes do not match the digest: nothing was deserialized.
        UntrustedArtifactError
            The format is refused (pickle with ``allow_pickle=False``, untrusted skops types).

        Warns
        -----
        VersionMismatchWarning
            The model was registered under other package versions.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> registry = ModelRegistry("memory://")
        >>> _ = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> registry.load("churn/1").predict([[0]])
        array([0])
        """
        mv = self.get(ref, version=version, alias=alias)
        return self.load_version(mv, trusted=trusted, serializer=serializer)

    def load_version(
        self,
        mv: ModelVersion,
        *,
        trusted: Sequence[str] | None = None,
        serializer: Serializer | None = None,
    ) -> Any:
        """Load the artifact of a record already read (no new metadata lookup).

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> registry = ModelRegistry("memory://")
        >>> mv = registry.register("churn", DummyClassifier().fit([[0], [1]], [0, 1]))
        >>> type(registry.load_version(mv)).__name__
        'DummyClassifier'
        """
        if not self.allow_pickle and mv.serializer in _PICKLE_FORMATS:
            raise UntrustedArtifactError(
                f"{mv.ref} is a {mv.serializer} artifact and this registry was opened with "
                "allow_pickle=False. Open it with allow_pickle=True if you trust everyone who "
                "can write to the metadata store."
            )
        if serializer is None:
            serializer = get_serializer(mv.serializer, trusted=trusted)
        elif serializer.name != mv.serializer:
            raise ValidationError(
                f"{mv.ref} was written with the {mv.serializer!r} format; the serializer passed "
                f"is {serializer.name!r}."
            )
        try:
            data = self._blobs.get(mv.digest)
        except NotFoundError:
            raise NotFoundError(
                f"The artifact of {mv.ref} (blob {mv.digest}) is missing from the blob store."
            ) from None
        except IntegrityError as error:
            raise IntegrityError(
                f"The artifact of {mv.ref} is corrupted or was tampered with: {error} "
                "Nothing was deserialized."
            ) from error
        actual = hashlib.sha256(data).hexdigest()
        if actual != mv.digest or len(data) != mv.size:
            raise IntegrityError(
                f"The artifact of {mv.ref} does not match its record (sha256 {actual}, "
                f"{len(data)} bytes; recorded {mv.digest}, {mv.size} bytes). Nothing was "
                "deserialized: restore the blob from a backup or delete the version."
            )
        compare_environment(mv.ref, mv.environment)
        return serializer.loads(data)
