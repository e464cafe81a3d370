"""Snapshots of monitors and estimators in a store: a JSON record, and one pickle-free blob.

A :class:`~mlops_kit.monitor.PerformanceMonitor` is saved whole at every ``save``: its
parameters, fitted state and attached estimator go into a record of the ``monitor.monitors``
collection; its per-prediction arrays (ids, scores, decisions, times, labels) and logged features
go into one blob, written with the data package's frame codec (``npz``: a JSON header and
``.npy`` arrays, read with ``allow_pickle=False``), which keeps every dtype exactly. A
:class:`~mlops_kit.monitor.PerformanceEstimator` is small (its isotonic calibration has a few
hundred knots at most), so its record in ``monitor.estimators`` holds all of it.

Concurrent saves are caught with the metadata store's revisions: an object remembers the
revision of each name it was loaded from or saved at, and ``save`` writes only over that
revision (or creates the record, for a name it never saw), unless told ``overwrite=True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_kit._version import __version__
from mlops_kit.exceptions import ConflictError, IntegrityError, NotFoundError, ValidationError
from mlops_kit.monitor._ids import IdIndex
from mlops_kit.monitor._metrics import Clock, optional_float
from mlops_kit.protocols import Document
from mlops_kit.storage._validation import validate_name

if TYPE_CHECKING:
    from mlops_kit.monitor._estimator import PerformanceEstimator
    from mlops_kit.monitor._monitor import PerformanceMonitor

__all__ = [
    "ESTIMATORS",
    "MONITORS",
    "SCHEMA_VERSION",
    "estimator_from_dict",
    "estimator_to_dict",
    "load_estimator",
    "load_monitor",
    "save_estimator",
    "save_monitor",
]

MONITORS = "monitor.monitors"
ESTIMATORS = "monitor.estimators"
SCHEMA_VERSION = 1

_MONITOR = "PerformanceMonitor"
_ESTIMATOR = "PerformanceEstimator"
_CODEC = "npz"
# the per-prediction columns of the blob; the features are a second frame in the same blob
_CORE = ("id", "score", "pred", "time", "label")


# ------------------------------------------------------------------------- records and revisions


def _header(kind: str) -> dict[str, Any]:
    return {"type": kind, "schema_version": SCHEMA_VERSION, "mlops_kit_version": __version__}


def _check_header(data: Mapping[str, Any], kind: str) -> None:
    if not isinstance(data, Mapping) or data.get("type") != kind:
        found = data.get("type") if isinstance(data, Mapping) else type(data).__name__
        raise ValidationError(f"This is not a saved {kind} (type {found!r}).")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ValidationError(
            f"This {kind} was saved with schema version {version!r} (by mlops_kit "
            f"{data.get('mlops_kit_version')}), newer than mlops_kit {__version__} understands "
            f"(version {SCHEMA_VERSION}). Upgrade mlops_kit to load it."
        )


def _write(
    store: Any,
    collection: str,
    name: str,
    record: dict[str, Any],
    revisions: dict[str, int],
    *,
    kind: str,
    overwrite: bool,
) -> int:
    """Put ``record`` over the revision this object knows of ``name``; the new revision."""
    if not isinstance(overwrite, bool):
        raise ValidationError(
            f"The 'overwrite' argument of {kind}.save must be a bool. Got {overwrite!r} instead."
        )
    expected = None if overwrite else revisions.get(name, 0)
    try:
        revision: int = store.metadata.put(collection, name, record, expected_revision=expected)
    except ConflictError:
        current = store.metadata.get(collection, name)
        now = (
            "it has been deleted"
            if current is None
            else f"it is now at revision {current.revision}"
        )
        if expected == 0:
            what = (
                f"a {kind} is already saved under {name!r} ({now}) and this one was neither "
                "loaded from it nor saved there"
            )
        else:
            what = (
                f"the {kind} saved under {name!r} changed since this one was loaded from it or "
                f"saved there (at revision {expected}; {now}): another process "
                f"{'deleted' if current is None else 'saved'} it meanwhile"
            )
        raise ConflictError(
            f"Not saved: {what}. Load the newer snapshot with {kind}.load(store, {name!r}) and "
            "apply the calls made since to it, or pass overwrite=True to replace it with this "
            "one."
        ) from None
    revisions[name] = revision
    return revision


def _read(store: Any, collection: str, name: str, kind: str) -> Document:
    validate_name(name, f"{kind} name")
    doc: Document | None = store.metadata.get(collection, name)
    if doc is None:
        raise NotFoundError(
            f"No {kind} saved under {name!r} in this store. Save one with "
            f"{kind}.save(store, {name!r}) first, or check the name."
        )
    _check_header(doc.value, kind)
    return doc


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
        **_header(_ESTIMATOR),
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
    _check_header(data, _ESTIMATOR)
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
    record = estimator_to_dict(estimator)
    revisions = estimator._revisions
    return _write(store, ESTIMATORS, name, record, revisions, kind=_ESTIMATOR, overwrite=overwrite)


def load_estimator(cls: type[PerformanceEstimator], store: Any, name: str) -> PerformanceEstimator:
    """The estimator saved under ``name``, remembering the revision it was loaded from."""
    doc = _read(store, ESTIMATORS, name, _ESTIMATOR)
    estimator = estimator_from_dict(cls, doc.value)
    estimator._revisions[name] = doc.revision
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
    ids: pd.Index = pd.Index([], dtype=object) if not levels else levels[0].append(levels[1:])
    if isinstance(ids.dtype, pd.CategoricalDtype):
        raise ValidationError(
            "The logged ids are categorical, which a monitor snapshot cannot store; log plain "
            "ints or strings."
        )
    empty = not monitor._scores
    core = pd.DataFrame(
        {
            "id": ids,
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


def _encode(monitor: PerformanceMonitor) -> tuple[bytes, dict[str, Any]]:
    """The blob of a monitor's arrays, and what the record must say to decode it."""
    from mlops_kit.data import _codecs, _layout

    core, features, levels = _frames(monitor)
    try:
        core_layout, core_physical = _layout.to_physical(core, _refuse_categories)
    except ValidationError as error:
        kinds = ", ".join(sorted({str(level.dtype) for level in levels}))
        raise ValidationError(
            f"The logged ids cannot be saved ({kinds}): {error} Log ids of one type, all ints "
            "or all strings."
        ) from error
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
    blob = _codecs.encode_chunks(_CODEC, physical, [(0, len(core))])[0]
    id_levels = []
    for level in levels:
        descriptor = _layout.to_physical(pd.DataFrame({"id": level[:0]}), _refuse_categories)
        id_levels.append({"n": len(level), "dtype": descriptor[0].columns[0]})
    layout = {
        "codec": _CODEC,
        "core": core_layout.to_dict(),
        "features": feature_layout.to_dict(),
        "id_levels": id_levels,
    }
    return blob, layout


def _decode(
    blob: bytes, layout: Mapping[str, Any], n: int
) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.Index]]:
    from mlops_kit.data import _codecs, _layout

    physical = _codecs.decode_chunks(layout["codec"], [blob])
    parts: dict[str, dict[str, Any]] = {"p": {}, "f": {}}
    for key, value in physical.items():
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
    ids = core["id"].array
    levels, start = [], 0
    for level in layout["id_levels"]:
        stop = start + int(level["n"])
        levels.append(pd.Index(ids[start:stop], dtype=_layout.dtype_of(level["dtype"])))
        start = stop
    if start != n:
        raise IntegrityError(f"A monitor snapshot's id levels cover {start} of its {n} rows.")
    return core, features, levels


def save_monitor(monitor: PerformanceMonitor, store: Any, name: str, *, overwrite: bool) -> int:
    """Write the monitor's blob and its record in ``monitor.monitors``; the new revision."""
    validate_name(name, f"{_MONITOR} name")
    estimator = None if monitor.estimator is None else estimator_to_dict(monitor.estimator)
    blob, layout = _encode(monitor)
    digest: str = store.blobs.put(blob)
    reference = getattr(monitor, "reference_values_", None)
    record = {
        **_header(_MONITOR),
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
    return _write(
        store, MONITORS, name, record, monitor._revisions, kind=_MONITOR, overwrite=overwrite
    )


def load_monitor(
    cls: type[PerformanceMonitor], store: Any, name: str, *, clock: Clock | None
) -> PerformanceMonitor:
    """The monitor saved under ``name``, remembering the revision it was loaded from."""
    from mlops_kit.monitor._estimator import PerformanceEstimator

    doc = _read(store, MONITORS, name, _MONITOR)
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
    try:
        blob = store.blobs.get(data["digest"])
    except NotFoundError:
        raise NotFoundError(
            f"The {_MONITOR} saved under {name!r} (revision {doc.revision}) refers to the blob "
            f"{data['digest']}, which is missing from the store (deleted, or the store was "
            "copied without it); its logged predictions are lost. Save the monitor again from a "
            "process that still has it, or delete the record."
        ) from None
    n = int(data["n_predictions"])
    core, features, levels = _decode(blob, data["layout"], n)
    monitor._ids = IdIndex.from_levels(levels)
    if n:
        monitor._scores = [core["score"].to_numpy(np.float64)]
        monitor._preds = [core["pred"].to_numpy(np.int8)]
        monitor._times = [core["time"].to_numpy(np.int64)]
        monitor._features = [features]
    monitor._label_buffer = core["label"].to_numpy(np.float64, copy=True)
    monitor._labels = monitor._label_buffer[:n]
    monitor._n_unknown_labels = int(data["n_unknown_labels"])
    monitor._revisions[name] = doc.revision
    return monitor
