"""Serializers: how a model becomes bytes and back. Built-ins and the named registry of formats.

The registry of formats is looked up by the name recorded with every artifact. Built-ins:

==========  =================================================================================
``skops``   scikit-learn objects, without pickle: loading refuses types not trusted (extra)
``joblib``  any picklable object, efficient for large numpy arrays (pickle underneath)
``pickle``  any picklable object, protocol 5
==========  =================================================================================

Third-party formats register an object with :func:`register_serializer` or through the
``mlops_kit.serializers`` entry-point group.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from mlops_kit.exceptions import NotFoundError, UntrustedArtifactError, ValidationError
from mlops_kit.protocols import Serializer

__all__ = [
    "JoblibSerializer",
    "PickleSerializer",
    "SkopsSerializer",
    "get_serializer",
    "register_serializer",
    "serializer_names",
]

ENTRY_POINT_GROUP = "mlops_kit.serializers"


def _names_tuple(names: Iterable[str]) -> tuple[str, ...]:
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValidationError(
            f"The 'trusted' parameter must be a list of type names. Got {names!r} instead."
        )
    return tuple(names)


def _is_sklearn_object(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return module == "sklearn" or module.startswith("sklearn.")


@attrs.define(kw_only=True)
class SkopsSerializer:
    """The skops format: no pickle; loading refuses any type that is not trusted.

    skops trusts scikit-learn, numpy and scipy types it knows to be safe; other types must be
    listed in ``trusted`` (fully qualified names, as :meth:`untrusted_types` returns them), or
    loading raises :class:`~mlops_kit.exceptions.UntrustedArtifactError`.

    Parameters
    ----------
    trusted
        Extra fully qualified type names to trust when loading.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> skops = SkopsSerializer()
    >>> data = skops.dumps(LogisticRegression(C=0.5))
    >>> skops.loads(data).C
    0.5
    """

    trusted: tuple[str, ...] = attrs.field(default=(), converter=_names_tuple)

    @property
    def name(self) -> str:
        """``"skops"``."""
        return "skops"

    def supports(self, obj: Any, /) -> bool:
        """Whether skops is installed and ``obj`` is a scikit-learn object."""
        return _is_sklearn_object(obj) and importlib.util.find_spec("skops") is not None

    def dumps(self, obj: Any, /) -> bytes:
        """Serialize with ``skops.io.dumps``."""
        import skops.io

        data: bytes = skops.io.dumps(obj)
        return data

    def untrusted_types(self, data: bytes) -> list[str]:
        """The types in ``data`` that loading would refuse (neither default nor ``trusted``).

        Examples
        --------
        >>> from sklearn.linear_model import LogisticRegression
        >>> SkopsSerializer().untrusted_types(SkopsSerializer().dumps(LogisticRegression()))
        []
        """
        import skops.io

        found: list[str] = skops.io.get_untrusted_types(data=data)
        return [name for name in found if name not in self.trusted]

    def loads(self, data: bytes, /) -> Any:
        """Deserialize, refusing untrusted types with UntrustedArtifactError."""
        import skops.io
        from skops.io.exceptions import UntrustedTypesFoundException

        try:
            return skops.io.loads(data, trusted=list(self.trusted) or None)
        except UntrustedTypesFoundException:
            untrusted = self.untrusted_types(data)
            raise UntrustedArtifactError(
                f"The skops artifact contains types that are not trusted: {untrusted}. Review "
                "them; if you trust them, load with trusted=[...] naming them."
            ) from None


@attrs.define(kw_only=True)
class JoblibSerializer:
    """The joblib format (pickle underneath, efficient for large arrays).

    Loading runs pickle: the registry only hands it bytes whose digest matches its record.

    Parameters
    ----------
    compress
        joblib's compression level, 0 (none) to 9.

    Examples
    --------
    >>> joblib = JoblibSerializer()
    >>> joblib.loads(joblib.dumps({"w": [1, 2]}))
    {'w': [1, 2]}
    """

    compress: int = attrs.field(default=0)

    @compress.validator
    def _check_compress(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
            raise ValidationError(
                "The 'compress' parameter of JoblibSerializer must be an int in [0, 9]. "
                f"Got {value!r} instead."
            )

    @property
    def name(self) -> str:
        """``"joblib"``."""
        return "joblib"

    def supports(self, obj: Any, /) -> bool:
        """Whether joblib is installed (whether ``obj`` pickles is known when dumping)."""
        return importlib.util.find_spec("joblib") is not None

    def dumps(self, obj: Any, /) -> bytes:
        """Serialize with ``joblib.dump``."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump(obj, buffer, compress=self.compress)
        return buffer.getvalue()

    def loads(self, data: bytes, /) -> Any:
        """Deserialize with ``joblib.load`` (runs pickle: only verified bytes)."""
        import joblib

        return joblib.load(io.BytesIO(data))


@attrs.define(kw_only=True)
class PickleSerializer:
    """The standard library's pickle, protocol 5.

    Examples
    --------
    >>> pickler = PickleSerializer()
    >>> pickler.loads(pickler.dumps([1, 2.5]))
    [1, 2.5]
    """

    @property
    def name(self) -> str:
        """``"pickle"``."""
        return "pickle"

    def supports(self, obj: Any, /) -> bool:
        """Always true: whether ``obj`` pickles is known when dumping."""
        return True

    def dumps(self, obj: Any, /) -> bytes:
        """Serialize with ``pickle.dumps``."""
        return pickle.dumps(obj, protocol=5)

    def loads(self, data: bytes, /) -> Any:
        """Deserialize with ``pickle.loads`` (only verified bytes)."""
        return pickle.loads(data)


_SERIALIZERS: dict[str, Serializer] = {
    "skops": SkopsSerializer(),
    "joblib": JoblibSerializer(),
    "pickle": PickleSerializer(),
}
_entry_points_loaded = False


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in _SERIALIZERS:
            continue
        loaded = entry.load()
        serializer = loaded() if isinstance(loaded, type) else loaded
        register_serializer(serializer)


def register_serializer(serializer: Serializer, *, replace: bool = False) -> Serializer:
    """Make a serialization format available to every registry under ``serializer.name``.

    The object is checked against the :class:`~mlops_kit.protocols.Serializer` protocol. A
    name already taken is refused unless ``replace=True``.

    Parameters
    ----------
    serializer
        Any object with ``name``, ``supports``, ``dumps`` and ``loads``.
    replace
        Whether to replace a serializer registered under the same name.

    Returns
    -------
    Serializer
        The serializer, so this works as a class decorator's companion.

    Examples
    --------
    >>> import json
    >>> class JSONSerializer:
    ...     name = "json-doctest"
    ...     def supports(self, obj): return isinstance(obj, dict)
    ...     def dumps(self, obj): return json.dumps(obj).encode()
    ...     def loads(self, data): return json.loads(data)
    >>> register_serializer(JSONSerializer(), replace=True).name
    'json-doctest'
    >>> "json-doctest" in serializer_names()
    True
    """
    from mlops_kit.registry._names import check_name

    if isinstance(serializer, type) or not isinstance(serializer, Serializer):
        raise ValidationError(
            f"Cannot register {serializer!r} as a serializer: it needs a 'name' attribute and "
            "'supports', 'dumps' and 'loads' methods (see mlops_kit.protocols.Serializer); "
            "pass an instance, not a class."
        )
    name = check_name(serializer.name, what="serializer name")
    if name in _SERIALIZERS and not replace:
        raise ValidationError(
            f"A serializer named {name!r} is already registered; pass replace=True to replace it."
        )
    _SERIALIZERS[name] = serializer
    return serializer


def get_serializer(name: str, *, trusted: Iterable[str] | None = None) -> Serializer:
    """The serializer registered under ``name`` (entry points included).

    ``trusted`` extends the types a ``skops`` serializer accepts, for this call only.

    Examples
    --------
    >>> get_serializer("pickle").name
    'pickle'
    >>> get_serializer("onnx-missing")
    Traceback (most recent call last):
    ...
    mlops_kit.exceptions.NotFoundError: No serializer named 'onnx-missing' is registered. Known: ...
    """
    if name not in _SERIALIZERS:
        _load_entry_points()
    serializer = _SERIALIZERS.get(name)
    if serializer is None:
        raise NotFoundError(
            f"No serializer named {name!r} is registered. Known: {', '.join(serializer_names())}. "
            "Register it with mlops_kit.registry.register_serializer(...) before loading."
        )
    if trusted is not None and isinstance(serializer, SkopsSerializer):
        serializer = SkopsSerializer(trusted=[*serializer.trusted, *trusted])
    return serializer


def serializer_names() -> list[str]:
    """The names of the registered serializers, sorted.

    Examples
    --------
    >>> {"joblib", "pickle", "skops"} <= set(serializer_names())
    True
    """
    return sorted(_SERIALIZERS)


def choose_serializer(obj: Any, requested: str | Serializer | None) -> tuple[Serializer, bytes]:
    """Pick a serializer for ``obj`` and serialize it; return both.

    With no request: skops for scikit-learn objects that load under skops' default trust,
    otherwise joblib when installed, otherwise pickle.
    """
    if requested is None:
        skops = _SERIALIZERS.get("skops")
        if isinstance(skops, SkopsSerializer) and skops.supports(obj):
            try:
                data = _dump(skops, obj)
            except ValidationError:
                pass  # not every scikit-learn object is skops-compatible: fall back
            else:
                if not skops.untrusted_types(data):
                    return skops, data
        candidates: Sequence[str] = ("joblib", "pickle")
        for name in candidates:
            fallback = _SERIALIZERS[name]
            if fallback.supports(obj):
                return fallback, _dump(fallback, obj)
    found = get_serializer(requested) if isinstance(requested, str) else requested
    if found is None or not isinstance(found, Serializer):
        raise ValidationError(
            "The 'serializer' parameter must be a registered serializer name "
            f"({', '.join(serializer_names())}) or a Serializer object. Got {requested!r} instead."
        )
    serializer: Serializer = found
    if not serializer.supports(obj):
        raise ValidationError(
            f"The serializer {serializer.name!r} does not support {type(obj).__qualname__} "
            f"objects. Choose another serializer: {', '.join(serializer_names())}."
        )
    return serializer, _dump(serializer, obj)


def _dump(serializer: Serializer, obj: Any) -> bytes:
    try:
        data = serializer.dumps(obj)
    except Exception as error:
        raise ValidationError(
            f"The serializer {serializer.name!r} cannot serialize this "
            f"{type(obj).__qualname__}: {type(error).__name__}: {error}. Choose another "
            f"serializer ({', '.join(serializer_names())}) or register one that handles it."
        ) from error
    if not isinstance(data, bytes):
        raise ValidationError(
            f"The serializer {serializer.name!r} returned {type(data).__name__} from dumps(); "
            "a serializer must return bytes."
        )
    return data
