"""Validation shared by every storage backend: names, digests and strict-JSON documents."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mlops_kit.exceptions import ValidationError

__all__ = [
    "MAX_NAME_LENGTH",
    "NAME_PATTERN",
    "check_expected_revision",
    "conflict_message",
    "decode_document",
    "encode_document",
    "validate_collection",
    "validate_digest",
    "validate_key",
    "validate_name",
]

MAX_NAME_LENGTH = 255
_DIGEST = re.compile(r"[0-9a-f]{64}")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
"""Names of models, datasets and policies: '@' and '/' stay free for references."""


def _check_name(kind: str, name: object) -> str:
    if not isinstance(name, str):
        raise ValidationError(f"A {kind} must be a str. Got {type(name).__name__} instead.")
    if not name:
        raise ValidationError(f"A {kind} must not be empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"A {kind} must be at most {MAX_NAME_LENGTH} characters. "
            f"Got {len(name)} characters ({name[:40]!r}...)."
        )
    if not name.isprintable():
        raise ValidationError(f"A {kind} must not contain NUL or control characters. Got {name!r}.")
    return name


def validate_collection(collection: object) -> str:
    """Return ``collection`` if it is a valid collection name, else raise ``ValidationError``.

    A collection is a non-empty printable string of at most 255 characters without ``/``.

    Examples
    --------
    >>> validate_collection("registry.versions")
    'registry.versions'
    """
    name = _check_name("collection name", collection)
    if "/" in name:
        raise ValidationError(f"A collection name must not contain '/'. Got {name!r}.")
    if name in {".", ".."}:
        raise ValidationError(f"A collection name must not be '.' or '..'. Got {name!r}.")
    return name


def validate_key(key: object) -> str:
    """Return ``key`` if it is a valid document key, else raise ``ValidationError``.

    Keys may contain ``/`` but no empty, ``.`` or ``..`` segment and no leading ``/``.

    Examples
    --------
    >>> validate_key("fraud/000003")
    'fraud/000003'
    >>> validate_key("fraud/../x")
    Traceback (most recent call last):
    ...
    mlops_kit.exceptions.ValidationError: A key must not contain ... Got 'fraud/../x'.
    """
    name = _check_name("key", key)
    if any(segment in {"", ".", ".."} for segment in name.split("/")):
        raise ValidationError(
            f"A key must not contain an empty, '.' or '..' segment. Got {name!r}."
        )
    return name


def validate_name(name: object, what: str) -> str:
    """Return ``name`` if it is a valid model, dataset or policy name, else raise.

    Names match ``[A-Za-z0-9][A-Za-z0-9._-]{0,199}``, so ``@`` and ``/`` stay free for
    references such as ``"fraud@champion"`` and ``"fraud/3"``.

    Examples
    --------
    >>> validate_name("fraud-v2.1", "model name")
    'fraud-v2.1'
    """
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        text = repr(name)
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ValidationError(
            f"Invalid {what} {shown}: it must be 1 to 200 characters from letters, digits, '.', "
            "'_' and '-', starting with a letter or a digit ('@' and '/' are reserved for "
            "references such as 'fraud@champion' and 'fraud/3')."
        )
    return name


def validate_digest(digest: object) -> str:
    """Return ``digest`` if it is a lowercase 64-character SHA-256 hex digest.

    Examples
    --------
    >>> validate_digest("0" * 64) == "0" * 64
    True
    """
    if not isinstance(digest, str) or _DIGEST.fullmatch(digest) is None:
        raise ValidationError(
            f"A blob digest must be 64 lowercase hexadecimal characters (SHA-256). Got {digest!r}."
        )
    return digest


def encode_document(value: Mapping[str, Any]) -> str:
    """Encode a document as strict JSON text, or raise ``ValidationError``.

    The value must be a mapping with string keys; NaN, inf and non-JSON types are refused.

    Examples
    --------
    >>> encode_document({"b": 1, "a": [1.5, None]})
    '{"b":1,"a":[1.5,null]}'
    """
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"A document must be a mapping (a JSON object). Got {type(value).__name__} instead."
        )
    _check_keys(value)
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except ValueError as error:
        raise ValidationError(
            f"A document must be strict JSON: NaN and infinity are not allowed ({error}). "
            "Store them as null or as strings."
        ) from None
    except TypeError as error:
        raise ValidationError(
            f"A document must hold only JSON types (dict with str keys, list, str, int, float, "
            f"bool, None): {error}."
        ) from None


def _check_keys(value: object) -> None:
    """Refuse mappings with non-str keys anywhere (json.dumps would turn 1 into "1" silently)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise ValidationError(
                        f"A document's object keys must be str. Got the key {key!r} "
                        f"({type(key).__name__}); convert it with str() first."
                    )
                if isinstance(child, Mapping | list | tuple):
                    stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(child for child in item if isinstance(child, Mapping | list | tuple))


def decode_document(text: str) -> dict[str, Any]:
    """Decode JSON text written by :func:`encode_document` into a fresh dict.

    Examples
    --------
    >>> decode_document('{"a":1}')
    {'a': 1}
    """
    value: dict[str, Any] = json.loads(text)
    return value


def check_expected_revision(expected_revision: object) -> int | None:
    """Return a valid ``expected_revision`` (None or an int >= 0), else raise.

    Examples
    --------
    >>> check_expected_revision(0)
    0
    """
    if expected_revision is None:
        return None
    if (
        isinstance(expected_revision, bool)
        or not isinstance(expected_revision, int)
        or expected_revision < 0
    ):
        raise ValidationError(
            "The 'expected_revision' parameter must be None or an int >= 0. "
            f"Got {expected_revision!r} instead."
        )
    return expected_revision


def conflict_message(collection: str, key: str, expected: int, live: int) -> str:
    """The message of a ``ConflictError``: what was expected, what is there, what to do.

    Examples
    --------
    >>> conflict_message("models", "fraud", 2, 3)[:35]
    'models/fraud is at revision 3, not '
    """
    if expected == 0:
        return (
            f"{collection}/{key} already exists (revision {live}); it was expected to be absent. "
            "Re-read it and retry."
        )
    if live == 0:
        return (
            f"{collection}/{key} does not exist; it was expected at revision {expected}. "
            "Re-read it and retry."
        )
    return (
        f"{collection}/{key} is at revision {live}, not the expected {expected}: a concurrent "
        "write won. Re-read it and retry."
    )
