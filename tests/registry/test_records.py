"""The registry's values: JSON round trips, display, and the public namespace."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

import mlops_kit.registry as registry_package
from mlops_kit.registry import (
    AliasEvent,
    GCReport,
    ModelVersion,
    RegisteredModel,
    Signature,
)

TEXT = st.text(min_size=1, max_size=12)
NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
TIME = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | FINITE | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def model_versions(draw: st.DrawFn) -> ModelVersion:
    signature = draw(
        st.none()
        | st.builds(
            lambda n: Signature(kind="array", dtype="float64", shape=(None, n)), st.integers(1, 9)
        )
    )
    return ModelVersion(
        name=draw(NAME),
        version=draw(st.integers(1, 10**6)),
        digest=draw(st.from_regex(r"[0-9a-f]{64}", fullmatch=True)),
        size=draw(st.integers(0, 10**9)),
        serializer=draw(st.sampled_from(["skops", "joblib", "pickle"])),
        model_type=draw(TEXT),
        created_at=draw(TIME),
        data_version=draw(st.none() | TEXT),
        data_name=draw(st.none() | NAME),
        parent=draw(st.none() | NAME.map(lambda n: f"{n}/1")),
        metrics=draw(st.dictionaries(TEXT, FINITE, max_size=4)),
        params=draw(st.dictionaries(TEXT, JSON_VALUE, max_size=4)),
        tags=draw(st.dictionaries(TEXT, TEXT, max_size=3)),
        signature=signature,
        environment=draw(st.dictionaries(TEXT, TEXT, max_size=3)),
        description=draw(st.none() | TEXT),
        deleted_at=draw(st.none() | TIME),
        delete_reason=draw(st.none() | TEXT),
    )


@settings(max_examples=60, deadline=None)
@given(mv=model_versions())
def test_model_versions_round_trip_through_json(mv: ModelVersion) -> None:
    text = json.dumps(mv.to_dict(), allow_nan=False)
    assert ModelVersion.from_dict(json.loads(text)) == mv
    assert str(mv).startswith(mv.ref)
    assert "<table>" in mv._repr_html_()


@settings(max_examples=40, deadline=None)
@given(
    seq=st.integers(1, 10**6),
    previous=st.none() | st.integers(1, 99),
    version=st.none() | st.integers(1, 99),
    time=TIME,
    reason=st.none() | TEXT,
    actor=st.none() | TEXT,
)
def test_alias_events_round_trip(
    seq: int,
    previous: int | None,
    version: int | None,
    time: datetime,
    reason: str | None,
    actor: str | None,
) -> None:
    event = AliasEvent(
        name="m",
        alias="champion",
        seq=seq,
        action="set",
        previous=previous,
        version=version,
        time=time,
        reason=reason,
        actor=actor,
    )
    assert AliasEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_registered_model_display() -> None:
    model = RegisteredModel(
        name="m", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc), latest_version=1
    )
    assert str(model) == "m: 1 version"
    assert RegisteredModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model
    assert "<table>" in model._repr_html_()


def test_gc_report_display() -> None:
    assert str(GCReport(digests=(), bytes=0, dry_run=True)) == (
        "gc (dry run): 0 unreferenced artifact blobs, 0 bytes"
    )
    two = GCReport(digests=("a" * 64, "b" * 64), bytes=10, dry_run=True)
    assert str(two).endswith("to delete them")
    assert "<table>" in two._repr_html_()


def test_model_version_display_of_data() -> None:
    mv = ModelVersion(
        name="m",
        version=2,
        digest="0" * 64,
        size=3,
        serializer="pickle",
        model_type="builtins.dict",
        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        data_version="ab" * 32,
        data_name="tx",
    )
    assert "data tx@abababababab" in str(mv)
    assert "data abababababab" in str(ModelVersion.from_dict({**mv.to_dict(), "data_name": None}))


def test_public_names() -> None:
    assert registry_package.__all__ == sorted(registry_package.__all__)
    for name in ("ModelRegistry", "ModelVersion", "Signature", "AliasEvent", "Lineage"):
        assert name in registry_package.__all__


def test_importing_the_registry_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mlops_kit.registry; "
        "print(','.join(m for m in ('sklearn', 'skops', 'scipy', 'joblib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
