"""Names and references: what is valid, what is refused, and how references parse."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import ValidationError
from mlops_kit.registry._names import (
    ModelRef,
    check_alias,
    check_name,
    check_version,
    parse_ref,
    version_key,
)

VALID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", fullmatch=True)


@pytest.mark.parametrize(
    "name",
    ["", "/", "a/b", "..", ".hidden", "-x", "a@b", "tab\tname", "nul\x00", "é", "a b", "x" * 201],
    ids=[
        "empty",
        "slash",
        "inner-slash",
        "dotdot",
        "leading-dot",
        "leading-dash",
        "at",
        "control-char",
        "nul",
        "non-ascii",
        "space",
        "201-chars",
    ],
)
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="1 to 200 characters"):
        check_name(name)


@pytest.mark.parametrize("name", [None, 3, b"fraud"], ids=["none", "int", "bytes"])
def test_non_string_names_are_refused(name: object) -> None:
    with pytest.raises(ValidationError, match="Invalid model name"):
        check_name(name)


def test_200_characters_is_the_limit() -> None:
    assert check_name("x" * 200) == "x" * 200


def test_latest_is_a_reserved_alias() -> None:
    with pytest.raises(ValidationError, match="reserved"):
        check_alias("latest")


@pytest.mark.parametrize("version", [0, -1, True, 1.0, "3", 10**9], ids=str)
def test_bad_versions_are_refused(version: object) -> None:
    with pytest.raises(ValidationError, match="'version' parameter"):
        check_version(version)


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("fraud", ModelRef(name="fraud")),
        ("fraud@champion", ModelRef(name="fraud", alias="champion")),
        ("fraud@latest", ModelRef(name="fraud")),
        ("fraud/3", ModelRef(name="fraud", version=3)),
        ("my.model-v2_1/12", ModelRef(name="my.model-v2_1", version=12)),
    ],
    ids=["bare", "alias", "latest", "version", "punctuated"],
)
def test_references_parse(ref: str, expected: ModelRef) -> None:
    parsed = parse_ref(ref)
    assert parsed == expected
    assert parse_ref(str(parsed)) == parsed


@pytest.mark.parametrize(
    "ref",
    ["fraud/0", "fraud/03", "fraud/x", "fraud/", "fraud/3/4", "fraud@", "@champion", "/3", ""],
    ids=[
        "zero",
        "leading-zero",
        "letters",
        "empty-version",
        "two-slashes",
        "empty-alias",
        "empty-name",
        "no-name",
        "empty",
    ],
)
def test_malformed_references_are_refused(ref: str) -> None:
    with pytest.raises(ValidationError):
        parse_ref(ref)


def test_keyword_version_and_alias() -> None:
    assert parse_ref("fraud", version=2) == ModelRef(name="fraud", version=2)
    assert parse_ref("fraud", alias="champion") == ModelRef(name="fraud", alias="champion")
    assert parse_ref("fraud", alias="latest") == ModelRef(name="fraud")


@pytest.mark.parametrize(
    "ref, kwargs",
    [
        ("fraud/2", {"version": 3}),
        ("fraud@champion", {"version": 3}),
        ("fraud", {"version": 3, "alias": "champion"}),
        ("fraud@latest", {"alias": "champion"}),
    ],
    ids=["version-twice", "alias-and-version", "both-keywords", "latest-and-alias"],
)
def test_ambiguous_references_are_refused(ref: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match=r"not both|names its version"):
        parse_ref(ref, **kwargs)  # type: ignore[arg-type]


def test_non_string_reference() -> None:
    with pytest.raises(ValidationError, match="must be a string"):
        parse_ref(3)


@settings(max_examples=60, deadline=None)
@given(name=VALID, version=st.integers(1, 999_999_999))
def test_version_references_round_trip(name: str, version: int) -> None:
    parsed = parse_ref(f"{name}/{version}")
    assert (parsed.name, parsed.version, parsed.alias) == (name, version, None)


@settings(max_examples=60, deadline=None)
@given(name=VALID, alias=VALID)
def test_alias_references_round_trip(name: str, alias: str) -> None:
    parsed = parse_ref(f"{name}@{alias}")
    assert parsed.name == name
    assert parsed.alias == (None if alias == "latest" else alias)


@settings(max_examples=40, deadline=None)
@given(a=st.integers(1, 999_999_999), b=st.integers(1, 999_999_999))
def test_version_keys_sort_like_versions(a: int, b: int) -> None:
    assert (version_key("m", a) < version_key("m", b)) == (a < b)
