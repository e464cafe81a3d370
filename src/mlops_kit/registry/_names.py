"""Model names, alias names and the reference forms that ``get`` and ``load`` accept."""

from __future__ import annotations

import re

import attrs

from mlops_kit.exceptions import ValidationError
from mlops_kit.storage._validation import validate_name

__all__ = ["ModelRef", "check_alias", "check_name", "parse_ref", "version_key"]

_VERSION = re.compile(r"[1-9][0-9]{0,8}")
_RESERVED_ALIASES = frozenset({"latest"})
MAX_VERSION = 999_999_999


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_name(name: object, *, what: str = "model name") -> str:
    """Return ``name`` if it is a valid model name, else raise a ValidationError.

    Examples
    --------
    >>> check_name("fraud-v2.1")
    'fraud-v2.1'
    """
    return validate_name(name, what)


def check_alias(alias: object) -> str:
    """Return ``alias`` if it is a valid alias name (not the reserved ``latest``).

    Examples
    --------
    >>> check_alias("champion")
    'champion'
    """
    checked = check_name(alias, what="alias")
    if checked in _RESERVED_ALIASES:
        raise ValidationError(
            f"The alias {checked!r} is reserved: 'name@latest' always means the newest version. "
            "Choose another alias name."
        )
    return checked


def check_version(version: object) -> int:
    """Return ``version`` if it is a version number (an int from 1), else raise.

    Examples
    --------
    >>> check_version(3)
    3
    """
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise ValidationError(
            f"The 'version' parameter must be an int from 1 to {MAX_VERSION}. "
            f"Got {_describe(version)} instead."
        )
    return version


@attrs.frozen(kw_only=True)
class ModelRef:
    """A parsed model reference: a name with a version, an alias, or neither (the latest).

    Examples
    --------
    >>> parse_ref("fraud@champion")
    ModelRef(name='fraud', version=None, alias='champion')
    """

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}/{self.version}"
        if self.alias is not None:
            return f"{self.name}@{self.alias}"
        return self.name


def parse_ref(ref: object, *, version: int | None = None, alias: str | None = None) -> ModelRef:
    """Parse ``"name"``, ``"name@alias"``, ``"name/3"`` or ``"name@latest"``.

    ``version=`` or ``alias=`` may be given instead, with a bare name, never both.

    Examples
    --------
    >>> parse_ref("fraud/3")
    ModelRef(name='fraud', version=3, alias=None)
    >>> parse_ref("fraud", version=2)
    ModelRef(name='fraud', version=2, alias=None)
    >>> parse_ref("fraud@latest")
    ModelRef(name='fraud', version=None, alias=None)
    """
    if not isinstance(ref, str):
        raise ValidationError(
            f"A model reference must be a string such as 'fraud', 'fraud@champion' or "
            f"'fraud/3' (or a ModelVersion). Got {_describe(ref)} instead."
        )
    name, ref_version, ref_alias = ref, None, None
    if "@" in ref:
        name, _, ref_alias = ref.partition("@")
        if ref_alias == "latest":
            ref_alias = None
        else:
            check_name(ref_alias, what="alias")
    elif "/" in ref:
        name, _, text = ref.partition("/")
        if _VERSION.fullmatch(text) is None:
            raise ValidationError(
                f"Invalid model reference {ref!r}: the part after '/' must be a version number "
                "from 1, as in 'fraud/3'."
            )
        ref_version = int(text)
    check_name(name)
    given = [x for x in (ref_version, ref_alias, version, alias) if x is not None]
    if len(given) > 1 or (ref != name and (version is not None or alias is not None)):
        raise ValidationError(
            f"The model reference {ref!r} names its version or alias already; pass "
            "'version=' or 'alias=' only with a bare model name, and not both."
        )
    if version is not None:
        ref_version = check_version(version)
    if alias is not None:
        ref_alias = None if alias == "latest" else check_name(alias, what="alias")
    return ModelRef(name=name, version=ref_version, alias=ref_alias)


def version_key(name: str, version: int) -> str:
    """The metadata key of a version: zero-padded so keys sort by version.

    Examples
    --------
    >>> version_key("fraud", 3)
    'fraud/000000003'
    """
    return f"{name}/{version:09d}"
