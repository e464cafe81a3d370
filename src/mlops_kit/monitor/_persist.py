"""Snapshots of monitors and estimators in a store: a JSON record, and one pickle-free blob.

A :class:`~mlops_kit.monitor.PerformanceMonitor` is saved whole at every ``save``: its
parameters, fitted state and attached estimator go into a record of the ``monitor.monitors``
collection; its per-prediction arrays (ids, scores, decisions, times, labels) and logged features
go into one blob, frames of the data package's codec (``npz``: a JSON header and ``.npy``
arrays, read with ``allow_pickle=False``) laid end to end, which keeps every dtype exactly: the
owner (collection, name and snapshot id of the record), the per-prediction columns and
features, then one frame per level of the id index, so ids of different dtypes never share a
column. A :class:`~mlops_kit.monitor.PerformanceEstimator` is small (its isotonic calibration
has a few hundred knots at most), so its record in ``monitor.estimators`` holds all of it.

Every save writes a fresh random snapshot id into the record, and an object remembers, per name,
the (revision, snapshot id) it was loaded from or saved at. ``save`` writes only over that
record (or creates the record, for a name it never saw), unless told ``overwrite=True``; the
snapshot id tells apart records of the same name and revision in two stores. As the owner makes
each blob unique to one save, a save deletes the blob of the snapshot it replaced, and a save
that loses a conflict deletes its own.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_kit.exceptions import ConflictError, IntegrityError, NotFoundError, ValidationError
from mlops_kit.monitor._ids import IdIndex
from mlops_kit.monitor._metrics import Clock, optional_float
from mlops_kit.monitor._snapshot_records import (
    ATTEMPTS,
    SCHEMA_VERSION,
    Snapshots,
    check_header,
    check_overwrite,
    current_record,
    header,
    read_record,
    snapshot_of,
    write_record,
)
from mlops_kit.protocols import Document
from mlops_kit.storage._validation import validate_name

if TYPE_CHECKING:
    from mlops_kit.data._layout import Layout, Physical
    from mlops_kit.monitor._estimator import PerformanceEstimator
    from mlops_kit.monitor._monitor import PerformanceMonitor

__all__ = [
    "ESTIMATORS",
    "MONITORS",
    "SCHEMA_VERSION",
    "Snapshots",
    "estimator_from_dict",
    "estimator_to_dict",
    "load_estimator",
    "load_monitor",
    "save_estimator",
    "save_monitor",
]

MONITORS = "monitor.monitors"
ESTIMATORS = "monitor.estimators"

_MONITOR = "PerformanceMonitor"
_ESTIMATOR = "PerformanceEstimator"
_CODEC = "npz"
# the per-prediction columns of the blob's second frame (the features are in it too)
_CORE = ("score", "pred", "time", "label")


def _number(value: Any) -> int | float:
    """An int stays an int (so the loaded parameter is the same); anything else a float."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    return float(value)


# ------------------------------------------------------------------------------------ estimator


def estimator_to_dict(estimator: PerformanceEstimator) -> dict[str, Any]:
    """The parameters and fitted calibration of an estimator, as JSON-compatible data."""
    random_state = estimator.random_state
    if isinstance(random_state, np.random.Generator):
        raise ValidationError(
            "A PerformanceEstimator whose 'random_state' is a numpy Generator cannot be saved "
            "(the generator's state is not kept); use an int seed or None."
        )
    fitted = None
    calibrator = getattr(estimator, "calibrator_", None)
    if calibrator is not None:
        fitted = {
            "n_reference_": int(estimator.n_reference_),
            "x": [float(x) for x in calibrator.X_thresholds_],
            "y": [float(y) for y in calibrator.y_thresholds_],
            "x_min": float(calibrator.X_min_),
            "x_max": float(calibrator.X_max_),
            "increasing": bool(calibrator.increasing_),
        }
    return {
        **header(_ESTIMATOR),
        "params": {
            "metric": estimator.metric,
            "threshold": _number(estimator.threshold),
            "confidence": _number(estimator.confidence),
            "n_resamples": int(estimator.n_resamples),
            "random_state": None if random_state is None else int(random_state),
        },
        "fitted": fitted,
    }


def estimator_from_dict(
    cls: type[PerformanceEstimator], data: Mapping[str, Any]
) -> PerformanceEstimator:
    """The estimator :func:`estimator_to_dict` described, calibration included."""
    check_header(data, _ESTIMATOR)
    estimator = cls(**data["params"])
    fitted = data.get("fitted")
    if fitted is not None:
        from sklearn.isotonic import IsotonicRegression

        calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        # scikit-learn's own unpickling path (no pickle involved): set the fitted attributes
        # and let it rebuild its interpolation from the same knots, hence the same predictions
        state = calibrator.__getstate__()
        state.update(
            X_thresholds_=np.asarray(fitted["x"], dtype=np.float64),
            y_thresholds_=np.asarray(fitted["y"], dtype=np.float64),
            X_min_=np.float64(fitted["x_min"]),
            X_max_=np.float64(fitted["x_max"]),
            increasing_=bool(fitted["increasing"]),
        )
        calibrator.__setstate__(state)
        estimator.calibrator_ = calibrator
        estimator.n_reference_ = int(fitted["n_reference_"])
    return estimator


def save_estimator(
    estimator: PerformanceEstimator, store: Any, name: str, *, overwrite: bool
) -> int:
    """Write the estimator's record in ``monitor.estimators``; the new revision."""
    validate_name(name, f"{_ESTIMATOR} name")
    check_overwrite(overwrite, _ESTIMATOR)
    record = {**estimator_to_dict(estimator), "snapshot": uuid.uuid4().hex}
    snapshots = estimator._snapshots
    current = current_record(
        store, ESTIMATORS, name, snapshots, kind=_ESTIMATOR, overwrite=overwrite
    )
    return write_record(
        store, ESTIMATORS, name, record, snapshots, current, kind=_ESTIMATOR, overwrite=overwrite
    )[0]


def load_estimator(cls: type[PerformanceEstimator], store: Any, name: str) -> PerformanceEstimator:
    """The estimator saved under ``name``, remembering the snapshot it was loaded from."""
    doc = read_record(store, ESTIMATORS, name, _ESTIMATOR)
    estimator = estimator_from_dict(cls, doc.value)
    estimator._snapshots[name] = (doc.revision, snapshot_of(doc))
    return estimator


# -------------------------------------------------------------------------------------- monitor


def _window_to_json(window: int | str | timedelta) -> dict[str, Any]:
    if isinstance(window, pd.Timedelta):
        return {"kind": "Timedelta", "nanoseconds": int(window.value)}
    if isinstance(window, timedelta):
        return {
            "kind": "timedelta",
            "days": window.days,
            "seconds": window.seconds,
            "microseconds": window.microseconds,
        }
    if isinstance(window, str):
        return {"kind": "str", "value": window}
    return {"kind": "int", "value": int(window)}


def _window_from_json(data: Mapping[str, Any]) -> int | str | timedelta:
    kind = data.get("kind")
    if kind == "Timedelta":
        return pd.Timedelta(int(data["nanoseconds"]), unit="ns")
    if kind == "timedelta":
        return timedelta(
            days=data["days"], seconds=data["seconds"], microseconds=data["microseconds"]
        )
    if kind == "str":
        return str(data["value"])
    if kind == "int":
        return int(data["value"])
    raise ValidationError(f"A saved monitor's window has an unknown kind {kind!r}.")


def _refuse_categories(categories: Any) -> dict[str, Any]:
    raise ValidationError(
        "A category column cannot be saved in a monitor snapshot; cast it to its categories' "
        "dtype (e.g. .astype(str)) before logging."
    )


def _no_categories(reference: Mapping[str, Any]) -> pd.Index:
    raise IntegrityError("A monitor snapshot refers to stored categories; it was not saved so.")


def _frames(monitor: PerformanceMonitor) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.Index]]:
    """The per-prediction columns, the logged features, and the id index's levels."""
    levels = monitor._ids.levels()
    if any(isinstance(level.dtype, pd.CategoricalDtype) for level in levels):
        raise ValidationError(
            "The logged ids are categorical, which a monitor snapshot cannot store; log plain "
            "ints or strings."
        )
    empty = not monitor._scores
    core = pd.DataFrame(
        {
            "score": np.empty(0) if empty else np.concatenate(monitor._scores),
            "pred": np.empty(0, np.int8) if empty else np.concatenate(monitor._preds),
            "time": np.empty(0, np.int64) if empty else np.concatenate(monitor._times),
            "label": monitor._labels,
        },
        columns=list(_CORE),
    )
    features = pd.DataFrame() if empty else pd.concat(monitor._features, ignore_index=True)
    for column, dtype in features.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            raise ValidationError(
                f"The logged feature {column!r} is categorical, which a monitor snapshot cannot "
                "store; cast it to its categories' dtype (e.g. .astype(str)) before logging."
            )
    return core, features, levels


def _frame(physical: Physical, n: int) -> bytes:
    """One npz frame of the ``n`` rows of every physical column."""
    from mlops_kit.data import _codecs

    return _codecs.encode_chunks(_CODEC, physical, [(0, n)])[0]


def _owner(collection: str, name: str, snapshot: str) -> bytes:
    """The blob's first frame: whose blob it is, as the bytes of a JSON object."""
    owner = json.dumps({"collection": collection, "name": name, "snapshot": snapshot}).encode()
    return _frame({"owner": np.frombuffer(owner, dtype=np.uint8)}, len(owner))


def _id_layout(ids: pd.Index, kinds: str) -> tuple[Layout, Physical]:
    """The layout of the frame of one column ``id`` holding ``ids``; ``kinds`` for the error."""
    from mlops_kit.data import _layout

    try:
        return _layout.to_physical(pd.DataFrame({"id": ids}), _refuse_categories)
    except ValidationError as error:
        raise ValidationError(
            f"The logged ids cannot be saved ({kinds}): {error} Log ids of one type, all ints "
            "or all strings."
        ) from error


def _encode(monitor: PerformanceMonitor, owner: bytes) -> tuple[bytes, dict[str, Any]]:
    """The blob of a monitor's arrays after ``owner``, and what the record must say to decode it."""
    from mlops_kit.data import _layout

    core, features, levels = _frames(monitor)
    core_layout, core_physical = _layout.to_physical(core, _refuse_categories)
    try:
        feature_layout, feature_physical = _layout.to_physical(features, _refuse_categories)
    except ValidationError as error:
        raise ValidationError(
            f"The logged features cannot be saved: {error} (Batches logged without features "
            "leave missing values, which turn bool columns into object columns; log features "
            "with every batch, or use the 'boolean' dtype.)"
        ) from error
    physical = {f"p.{key}": value for key, value in core_physical.items()}
    physical.update((f"f.{key}", value) for key, value in feature_physical.items())
    frames = [owner, _frame(physical, len(core))]
    kinds = ", ".join(sorted({str(level.dtype) for level in levels}))
    if len(levels) > 1:  # levels merge as more is logged: refuse now what one could not hold
        _id_layout(levels[0][:1].append([level[:1] for level in levels[1:]]), kinds)
    id_levels = []
    for level in levels:  # a frame each: ids of two dtypes are never cast to a common one
        level_layout, level_physical = _id_layout(level, kinds)
        frames.append(_frame(level_physical, len(level)))
        id_levels.append({"n": len(level), "layout": level_layout.to_dict()})
    layout = {
        "codec": _CODEC,
        "frames": [len(frame) for frame in frames],
        "core": core_layout.to_dict(),
        "features": feature_layout.to_dict(),
        "id_levels": id_levels,
    }
    return b"".join(frames), layout


def _decode(
    blob: bytes, layout: Mapping[str, Any], n: int, owner: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.Index]]:
    """The arrays of a monitor's blob, which must be ``owner``'s (collection, name, snapshot)."""
    from mlops_kit.data import _codecs, _layout

    sizes = [int(size) for size in layout["frames"]]
    if sum(sizes) != len(blob) or len(sizes) != 2 + len(layout["id_levels"]):
        raise IntegrityError(
            f"A monitor snapshot's blob has {len(blob)} bytes; its record says {len(sizes)} "
            f"frames of {sum(sizes)}."
        )
    bounds = itertools.accumulate(sizes, initial=0)
    frames = [blob[start:stop] for start, stop in itertools.pairwise(bounds)]
    decode = _codecs.decode_chunks
    try:
        embedded = json.loads(decode(layout["codec"], [frames[0]])["owner"].tobytes())
    except (KeyError, ValueError) as error:
        raise IntegrityError(
            f"A monitor snapshot's blob does not say whose it is: {error}"
        ) from None
    if embedded != dict(owner):
        raise IntegrityError(
            f"The blob of the monitor snapshot {dict(owner)} belongs to another one, {embedded}; "
            "the record was copied or edited. Save the monitor again from a process that has it."
        )
    parts: dict[str, dict[str, Any]] = {"p": {}, "f": {}}
    for key, value in decode(layout["codec"], [frames[1]]).items():
        prefix, _, rest = key.partition(".")
        parts[prefix][rest] = value
    core = _layout.from_physical(
        _layout.Layout.from_dict(layout["core"]), parts["p"], n, _no_categories
    )
    features = _layout.from_physical(
        _layout.Layout.from_dict(layout["features"]), parts["f"], n, _no_categories
    )
    if len(core) != n or len(features) != n or list(core.columns) != list(_CORE):
        raise IntegrityError(
            f"A monitor snapshot's blob does not hold the {n} rows its record says."
        )
    levels = []
    for frame, level in zip(frames[2:], layout["id_levels"]):
        size = int(level["n"])
        ids = _layout.from_physical(
            _layout.Layout.from_dict(level["layout"]),
            decode(layout["codec"], [frame]),
            size,
            _no_categories,
        )
        if len(ids) != size:
            raise IntegrityError(
                f"A monitor snapshot's id level holds {len(ids)} ids; its record says {size}."
            )
        levels.append(pd.Index(ids["id"], name=None))
    if sum(len(level) for level in levels) != n:
        raise IntegrityError(
            f"A monitor snapshot's id levels cover {sum(map(len, levels))} of its {n} rows."
        )
    return core, features, levels


def save_monitor(monitor: PerformanceMonitor, store: Any, name: str, *, overwrite: bool) -> int:
    """Write the monitor's blob and its record in ``monitor.monitors``; the new revision.

    Nothing is written when the record is not the one the monitor knows (unless
    ``overwrite``); once the record is written, the blob of the record it replaced is deleted,
    and when the write loses a race, the blob written for it.
    """
    validate_name(name, f"{_MONITOR} name")
    check_overwrite(overwrite, _MONITOR)
    estimator = None if monitor.estimator is None else estimator_to_dict(monitor.estimator)
    snapshots = monitor._snapshots
    current = current_record(store, MONITORS, name, snapshots, kind=_MONITOR, overwrite=overwrite)
    snapshot = uuid.uuid4().hex
    blob, layout = _encode(monitor, _owner(MONITORS, name, snapshot))
    digest: str = store.blobs.put(blob)
    reference = getattr(monitor, "reference_values_", None)
    record = {
        **header(_MONITOR),
        "snapshot": snapshot,
        "params": {
            "metric": monitor.metric,
            "window": _window_to_json(monitor.window),
            "threshold": _number(monitor.threshold),
            "alert_threshold": (
                None if monitor.alert_threshold is None else _number(monitor.alert_threshold)
            ),
            "n_std": _number(monitor.n_std),
            "confidence": _number(monitor.confidence),
        },
        "fitted": {
            "alert_threshold_": optional_float(getattr(monitor, "alert_threshold_", None)),
            "reference_values_": None if reference is None else [float(v) for v in reference],
        },
        "estimator": estimator,
        "digest": digest,
        "layout": layout,
        "n_predictions": monitor.n_predictions,
        "n_labelled": monitor.n_labelled,
        "n_unknown_labels": monitor.n_unknown_labels,
    }
    try:
        revision, replaced = write_record(
            store, MONITORS, name, record, snapshots, current, kind=_MONITOR, overwrite=overwrite
        )
    except ConflictError:
        store.blobs.delete(digest)  # its owner is this save's snapshot: no record refers to it
        raise
    old = None if replaced is None else replaced.value.get("digest")
    if isinstance(old, str) and old != digest:
        store.blobs.delete(old)  # its owner was the replaced record: none refers to it now
    return revision


def load_monitor(
    cls: type[PerformanceMonitor], store: Any, name: str, *, clock: Clock | None
) -> PerformanceMonitor:
    """The monitor saved under ``name``, remembering the snapshot it was loaded from."""
    for _ in range(ATTEMPTS):
        doc = read_record(store, MONITORS, name, _MONITOR)
        try:
            blob = store.blobs.get(doc.value["digest"])
        except NotFoundError:
            newer: Document | None = store.metadata.get(MONITORS, name)
            if newer is None or newer.revision == doc.revision:
                raise NotFoundError(
                    f"The {_MONITOR} saved under {name!r} (revision {doc.revision}) refers to "
                    f"the blob {doc.value['digest']}, which is missing from the store (deleted, "
                    "or the store was copied without it); its logged predictions are lost. Save "
                    "the monitor again from a process that still has it, or delete the record."
                ) from None
            continue  # saved again meanwhile, and the save deleted the blob read from
        monitor = _restore(cls, name, doc, blob, clock=clock)
        monitor._snapshots[name] = (doc.revision, snapshot_of(doc))
        return monitor
    raise ConflictError(
        f"The {_MONITOR} saved under {name!r} changed at each of {ATTEMPTS} attempts to load "
        "it; another process keeps saving it. Try again later."
    )


def _restore(
    cls: type[PerformanceMonitor], name: str, doc: Document, blob: bytes, *, clock: Clock | None
) -> PerformanceMonitor:
    """The monitor of the record ``doc`` of ``name`` and its ``blob``."""
    from mlops_kit.monitor._estimator import PerformanceEstimator

    data = doc.value
    params = dict(data["params"])
    params["window"] = _window_from_json(params["window"])
    estimator = data.get("estimator")
    monitor = cls(
        **params,
        estimator=None
        if estimator is None
        else estimator_from_dict(PerformanceEstimator, estimator),
        clock=clock,
    )
    fitted = data["fitted"]
    if fitted["alert_threshold_"] is not None:
        monitor.alert_threshold_ = float(fitted["alert_threshold_"])
    if fitted["reference_values_"] is not None:
        monitor.reference_values_ = tuple(float(v) for v in fitted["reference_values_"])
    n = int(data["n_predictions"])
    owner = {"collection": MONITORS, "name": name, "snapshot": data.get("snapshot")}
    core, features, levels = _decode(blob, data["layout"], n, owner)
    monitor._ids = IdIndex.from_levels(levels)
    if n:
        monitor._scores = [core["score"].to_numpy(np.float64)]
        monitor._preds = [core["pred"].to_numpy(np.int8)]
        monitor._times = [core["time"].to_numpy(np.int64)]
        monitor._features = [features]
    monitor._label_buffer = core["label"].to_numpy(np.float64, copy=True)
    monitor._labels = monitor._label_buffer[:n]
    monitor._n_unknown_labels = int(data["n_unknown_labels"])
    return monitor
